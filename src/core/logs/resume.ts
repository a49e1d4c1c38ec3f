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

import { compareTimes, floorToSecond } from './timestamps';

export class ResumeTracker {
  /** Latest time delivered so far (RFC 3339 as received). */
  private lastTime: string | undefined;
  /** `lastTime` rounded down to the second: what a reconnect asks for. */
  private lastSecond: string | undefined;
  /** How many delivered lines carried exactly `lastTime`. */
  private deliveredAtLastTime = 0;
  /** How many delivered lines fall within `lastSecond` (what a reconnect replays). */
  private deliveredInLastSecond = 0;
  private inReplay = false;
  private skippedAtLastTime = 0;
  private skippedInReplay = 0;

  /** Records that a line with this time was delivered. Lines without a time change nothing. */
  observe(time: string | undefined): void {
    if (time === undefined) return;
    const second = floorToSecond(time);
    if (this.lastTime === undefined) {
      this.lastTime = time;
      this.lastSecond = second;
      this.deliveredAtLastTime = 1;
      this.deliveredInLastSecond = 1;
      return;
    }
    const order = compareTimes(time, this.lastTime);
    const sameSecond = second !== undefined && second === this.lastSecond;
    if (order > 0) {
      this.deliveredInLastSecond = sameSecond ? this.deliveredInLastSecond + 1 : 1;
      this.lastTime = time;
      this.lastSecond = second;
      this.deliveredAtLastTime = 1;
      return;
    }
    // Same time, or out of order: the resume point stays, but a line within its second
    // will be replayed and must be counted.
    if (order === 0) this.deliveredAtLastTime++;
    if (sameSecond) this.deliveredInLastSecond++;
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
