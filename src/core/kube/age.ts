/**
 * Ages the way kubectl prints them (apimachinery's HumanDuration): about two significant
 * figures, e.g. `45s`, `5m30s`, `25m`, `3h12m`, `20h`, `4d6h`, `200d`, `2y30d`, `9y`.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * How long ago `fromIso` (an RFC 3339 timestamp) was, at `nowMs` (epoch milliseconds).
 * `<unknown>` for a missing or unparsable time; a time up to 1 s in the future is `0s`
 * (clock skew), further in the future `<invalid>`, as kubectl prints.
 */
export function formatAge(fromIso: string | undefined, nowMs: number): string {
  if (!fromIso) return '<unknown>';
  const from = Date.parse(fromIso);
  if (Number.isNaN(from)) return '<unknown>';
  return formatDuration(nowMs - from);
}

/** A duration in milliseconds in kubectl's HumanDuration style. */
export function formatDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}
