/**
 * Timestamps of `pods/log?timestamps=true` lines. The kubelet prefixes every line with its
 * time in RFC 3339 with a fixed nine-digit fraction and one space
 * (`2026-01-01T00:00:00.000000000Z text`); other sources (trimmed fractions, offsets instead
 * of `Z`) are accepted too, so comparisons never rely on the text having one fixed width.
 */

/** An RFC 3339 date-time at the start of a line, optionally followed by one space. */
const LEADING_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))(?: |$)/;

const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

const TIME_PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Splits the timestamp the API server put in front of a line. A line that does not start
 * with one (a source without timestamps, or a cut-off line) comes back whole as `text`.
 */
export function splitTimestamp(line: string): { time?: string; text: string } {
  // Cheap rejection first: 100,000 lines per second go through here.
  const first = line.charCodeAt(0);
  if (line.length < 20 || first < 0x30 || first > 0x39 || line.charCodeAt(10) !== 0x54 /* T */) return { text: line };
  const match = LEADING_TIME.exec(line);
  if (!match?.[1]) return { text: line };
  return { time: match[1], text: line.slice(match[0].length) };
}

/** A parsed time: whole seconds since the epoch (UTC) and the nanoseconds within that second. */
interface PreciseTime {
  seconds: number;
  nanos: number;
}

/** The time as seconds and nanoseconds in UTC, or undefined when it is not RFC 3339. */
function parseTime(time: string): PreciseTime | undefined {
  const m = TIME_PARTS.exec(time);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone, sign, offsetHours, offsetMinutes] = m;
  // setUTCFullYear, not Date.UTC: the latter reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  const millis = date.getTime();
  if (Number.isNaN(millis)) return undefined;
  let seconds = millis / 1000;
  if (zone !== 'Z') {
    const offset = Number(offsetHours) * 3600 + Number(offsetMinutes) * 60;
    // `+02:00` means local time is ahead of UTC, so UTC is earlier.
    seconds += sign === '-' ? offset : -offset;
  }
  const nanos = fraction ? Number(fraction.padEnd(9, '0')) : 0;
  return { seconds, nanos };
}

/**
 * Orders two RFC 3339 times (any fraction length, `Z` or an offset): negative when `a` is
 * earlier, 0 when they are the same instant, positive when `a` is later. Text that is not
 * RFC 3339 is ordered by plain string comparison, so the result is at least consistent.
 */
export function compareTimes(a: string, b: string): number {
  // Same width and both in UTC: the kubelet's fixed format sorts as text.
  if (a.length === b.length && a.endsWith('Z') && b.endsWith('Z')) return a < b ? -1 : a > b ? 1 : 0;
  const pa = parseTime(a);
  const pb = parseTime(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  return pa.seconds !== pb.seconds ? pa.seconds - pb.seconds : pa.nanos - pb.nanos;
}

/**
 * The time rounded down to the whole second, in UTC without a fraction
 * (`2026-01-01T00:00:05Z`): the precision the API's `sinceTime` parameter accepts.
 * Undefined when `time` is not RFC 3339.
 */
export function floorToSecond(time: string): string | undefined {
  // Already UTC (the kubelet's form, once per line): the first 19 characters are the second.
  if (UTC_TIME.test(time)) return `${time.slice(0, 19)}Z`;
  const parsed = parseTime(time);
  if (!parsed) return undefined;
  const date = new Date(parsed.seconds * 1000);
  const year = date.getUTCFullYear();
  // toISOString switches to a six-digit signed year outside 0..9999: RFC 3339 has no such form.
  if (year < 0 || year > 9999) return undefined;
  return `${date.toISOString().slice(0, 19)}Z`;
}
