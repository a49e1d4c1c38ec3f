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

/** The kubelet's fixed form (nine-digit fraction, UTC), followed by a space or nothing. */
const KUBELET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z(?: |$)/;
const KUBELET_TIME_LENGTH = 30;

/**
 * Length in characters of the timestamp the API server put in front of `line` (not counting
 * the space after it), or 0 when the line does not start with one. Allocates nothing for the
 * kubelet's fixed form, which every line of a real stream has.
 */
export function leadingTimeLength(line: string): number {
  // Cheap rejection first: 100,000 lines per second go through here.
  const first = line.charCodeAt(0);
  if (line.length < 20 || first < 0x30 || first > 0x39 || line.charCodeAt(10) !== 0x54 /* T */) return 0;
  // A test allocates nothing, unlike exec and its match array.
  if (KUBELET_TIME.test(line)) return KUBELET_TIME_LENGTH;
  return LEADING_TIME.exec(line)?.[1]?.length ?? 0;
}

/**
 * Splits the timestamp the API server put in front of a line. A line that does not start
 * with one (a source without timestamps, or a cut-off line) comes back whole as `text`.
 */
export function splitTimestamp(line: string): { time?: string; text: string } {
  const length = leadingTimeLength(line);
  if (length === 0) return { text: line };
  return { time: line.slice(0, length), text: line.slice(length + 1) };
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

/** Whether `time` is RFC 3339 in UTC (`Z`): then its first 19 characters name its second. */
export function isUtcTime(time: string): boolean {
  return UTC_TIME.test(time);
}

/**
 * The time rounded down to the whole second, in UTC without a fraction
 * (`2026-01-01T00:00:05Z`): the precision the API's `sinceTime` parameter accepts.
 * Undefined when `time` is not RFC 3339.
 */
export function floorToSecond(time: string): string | undefined {
  // Already UTC (the kubelet's form): the first 19 characters are the second.
  if (UTC_TIME.test(time)) return `${time.slice(0, 19)}Z`;
  const parsed = parseTime(time);
  if (!parsed) return undefined;
  const date = new Date(parsed.seconds * 1000);
  const year = date.getUTCFullYear();
  // toISOString switches to a six-digit signed year outside 0..9999: RFC 3339 has no such form.
  if (year < 0 || year > 9999) return undefined;
  return `${date.toISOString().slice(0, 19)}Z`;
}
