/**
 * Resuming a followed log stream after it dropped, without showing a line twice.
 *
 * The API's `sinceTime` has one-second precision (RFC 3339 without a fraction) and the
 * kubelet sends, in file order, every line whose time is not before it, so a reconnect asks
 * for the second of the last delivered line and gets that whole second again. While
 * replaying, a line is skipped only if all of these hold:
 * - fewer lines were skipped so far than were delivered within that second (the replay
 *   repeats them first, in the same order);
 * - its time is before the last delivered time, or equal to it and fewer lines with that
 *   exact time were skipped than were delivered.
 * The first line that fails ends the replay, and every later line is delivered. The count
 * keeps a line written after the drop with a slightly earlier time (stdout and stderr
 * interleaved) from being lost; the time rules keep a replay that lost its first lines
 * (log rotation) from swallowing new ones.
 *
 * Lines without a timestamp cannot be placed in time: they are delivered again (a possible
 * duplicate) rather than dropped (a possible loss), and they neither end the replay nor
 * count as delivered. A restarted container's lines are all later than the old
 * container's, so they are never skipped. One tracker per stream (pod and container).
 *
 * Use: for each received line `if (tracker.shouldSkip(t)) continue; tracker.observe(t);`
 * then deliver it; on a drop, reconnect with `sinceTime()` (and no `tailLines`) and call
 * `beginReplay()` first.
 */

import { compareTimes, floorToSecond, isUtcTime } from './timestamps';

/**
 * The nanoseconds of a time whose characters from the 20th on are the kubelet's
 * `.123456789Z` (the first 19 are not looked at), or -1 for any other form.
 */
function kubeletNanos(time: string): number {
  if (time.length !== 30 || time.charCodeAt(19) !== 0x2e /* . */ || time.charCodeAt(29) !== 0x5a /* Z */) return -1;
  let nanos = 0;
  for (let i = 20; i < 29; i++) {
    const digit = time.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    nanos = nanos * 10 + digit;
  }
  return nanos;
}

export class ResumeTracker {
  /** Latest time delivered so far (RFC 3339 as received). */
  private lastTime: string | undefined;
  /** `lastTime` rounded down to the second: what a reconnect asks for. */
  private lastSecond: string | undefined;
  /** `lastSecond` without its `Z`: the start every UTC time within that second has. */
  private lastSecondPrefix = '';
  /** Nanoseconds of `lastTime` when it has the kubelet's form, else -1. */
  private lastNanos = -1;
  /** How many delivered lines carried exactly `lastTime`. */
  private deliveredAtLastTime = 0;
  /** How many delivered lines fall within `lastSecond` (what a reconnect replays). */
  private deliveredInLastSecond = 0;
  private inReplay = false;
  private skippedAtLastTime = 0;
  private skippedInReplay = 0;

  /**
   * Records that a line with this time was delivered. Lines without a time change nothing.
   * Called for every line: a time of the kubelet's form within the last second (the usual
   * case) is ordered by its fraction alone, with no allocation and no string comparison.
   */
  observe(time: string | undefined): void {
    if (time === undefined) return;
    if (this.lastTime === undefined) {
      this.setLast(time, floorToSecond(time));
      this.deliveredAtLastTime = 1;
      this.deliveredInLastSecond = 1;
      return;
    }
    // A time of the kubelet's form is in lastSecond exactly when it starts like it (lastSecond's
    // first 19 characters are a valid second's; other ones are another second or no time at
    // all). When lastTime has that form too, the fractions order the two.
    const nanos = kubeletNanos(time);
    const sameSecond = nanos >= 0 ? this.lastSecond !== undefined && time.startsWith(this.lastSecondPrefix) : this.inLastSecond(time);
    const order = sameSecond && nanos >= 0 && this.lastNanos >= 0 ? nanos - this.lastNanos : compareTimes(time, this.lastTime);
    if (order > 0) {
      this.deliveredAtLastTime = 1;
      if (sameSecond) {
        this.deliveredInLastSecond++;
        this.lastTime = time;
        this.lastNanos = nanos;
      } else {
        this.deliveredInLastSecond = 1;
        this.setLast(time, floorToSecond(time));
      }
      return;
    }
    // Same time, or out of order: the resume point stays, but a line within its second
    // will be replayed and must be counted.
    if (order === 0) this.deliveredAtLastTime++;
    if (sameSecond) this.deliveredInLastSecond++;
  }

  /** Whether `time` falls within `lastSecond`: floorToSecond(time) === lastSecond, without its allocations. */
  private inLastSecond(time: string): boolean {
    if (this.lastSecond === undefined) return false;
    if (isUtcTime(time)) return time.startsWith(this.lastSecondPrefix);
    return floorToSecond(time) === this.lastSecond;
  }

  /** A time in another second than lastSecond's; `second` is floorToSecond(time). */
  private setLast(time: string, second: string | undefined): void {
    this.lastTime = time;
    this.lastSecond = second;
    // floorToSecond's form: `2026-01-01T00:00:05Z`.
    this.lastSecondPrefix = second === undefined ? '' : second.slice(0, -1);
    // Only a UTC time in the kubelet's form has its second's prefix: one with an offset does not.
    this.lastNanos = second !== undefined && time.startsWith(this.lastSecondPrefix) ? kubeletNanos(time) : -1;
  }

  /**
   * The `sinceTime` to reconnect with: the last delivered line's time rounded down to the
   * second, in UTC. Undefined when no timed line was delivered yet (reconnect as first asked).
   */
  sinceTime(): string | undefined {
    return this.lastSecond;
  }

  /** Call when reconnecting with `sinceTime()`: the lines that follow may repeat delivered ones. */
  beginReplay(): void {
    this.inReplay = this.lastSecond !== undefined;
    this.skippedAtLastTime = 0;
    this.skippedInReplay = 0;
  }

  /** True for a line that was already delivered before the drop; such a line is not shown. */
  shouldSkip(time: string | undefined): boolean {
    if (!this.inReplay || time === undefined || this.lastTime === undefined) return false;
    if (this.skippedInReplay < this.deliveredInLastSecond) {
      const order = compareTimes(time, this.lastTime);
      if (order < 0 || (order === 0 && this.skippedAtLastTime < this.deliveredAtLastTime)) {
        if (order === 0) this.skippedAtLastTime++;
        this.skippedInReplay++;
        return true;
      }
    }
    this.inReplay = false;
    return false;
  }

  /** Whether lines are still being compared against the delivered ones. */
  get replaying(): boolean {
    return this.inReplay;
  }

  /** Lines skipped since the last `beginReplay()` (for the reconnect marker's text). */
  get skipped(): number {
    return this.skippedInReplay;
  }

  /** Time of the latest delivered line, as received. */
  get lastDeliveredTime(): string | undefined {
    return this.lastTime;
  }
}
