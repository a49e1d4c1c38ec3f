/**
 * Groups items (log lines) into batches so the host posts a few large messages to the
 * webview instead of one per line. At most one flush per interval: after every flush the
 * batcher cools down for `intervalMs`, and items added meanwhile wait for the end of the
 * cool-down. Outside a cool-down, the first item starts a timer of `intervalMs` to gather
 * more; reaching `maxItems` flushes at once instead of waiting for it. So with the
 * defaults (50 ms) there are at most 20 flushes per second, and a quiet stream's line is
 * shown at most one interval after it arrived.
 *
 * A flush delivers everything waiting, even more than `maxItems` (after a cool-down under
 * heavy load): that limit is a trigger, not a cap. `maxBatch` is the cap, when given: a flush
 * delivers at most that many, and the rest waits for the end of the cool-down, so that one
 * flush (one postMessage and its serialisation) never grows with a backlog.
 */

/** The timer functions the batcher uses; tests pass fake ones. */
export interface BatcherTimers {
  // Method syntax on purpose: lets the platform's setTimeout/clearTimeout be passed as is.
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BatcherOptions {
  /** Minimum time between two flushes, in milliseconds (default 50). */
  intervalMs?: number;
  /** Waiting items that trigger a flush without waiting for the gathering timer (default 5000). */
  maxItems?: number;
  /** Most items one timed flush delivers (default: no limit); `flushNow` still delivers everything. */
  maxBatch?: number;
}

const defaultTimers: BatcherTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export class Batcher<T> {
  private readonly intervalMs: number;
  private readonly maxItems: number;
  private readonly maxBatch: number;
  private readonly timers: BatcherTimers;
  private pending: T[] = [];
  /** The one timer in use: gathering (not cooling) or cool-down (cooling). */
  private timer: unknown;
  private timerSet = false;
  private cooling = false;
  private disposed = false;

  /**
   * @param flush receives each batch in arrival order (never an empty one).
   * @param options interval and early-flush threshold.
   * @param timers setTimeout/clearTimeout to use (the platform's by default).
   */
  constructor(
    private readonly flush: (items: T[]) => void,
    options: BatcherOptions = {},
    timers: BatcherTimers = defaultTimers,
  ) {
    this.intervalMs = Math.max(0, options.intervalMs ?? 50);
    this.maxItems = Math.max(1, options.maxItems ?? 5000);
    this.maxBatch = Math.max(1, options.maxBatch ?? Number.POSITIVE_INFINITY);
    this.timers = timers;
  }

  add(item: T): void {
    if (this.disposed) return;
    this.pending.push(item);
    this.scheduleAfterAdd();
  }

  addAll(items: readonly T[]): void {
    if (this.disposed || items.length === 0) return;
    for (const item of items) this.pending.push(item);
    this.scheduleAfterAdd();
  }

  /** Number of items waiting for the next flush. */
  get waiting(): number {
    return this.pending.length;
  }

  /**
   * Flushes what is waiting now, whatever the interval (before a status message that must
   * come after these lines, or when the stream ends). Starts a cool-down like any flush.
   */
  flushNow(): void {
    if (this.disposed) return;
    this.cancelTimer();
    this.cooling = false;
    this.deliver(Number.POSITIVE_INFINITY);
  }

  /** Stops the timers and drops waiting items without flushing them. */
  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
    this.pending = [];
  }

  private scheduleAfterAdd(): void {
    // In a cool-down, its end flushes whatever is waiting.
    if (this.cooling) return;
    if (this.pending.length >= this.maxItems) {
      this.cancelTimer();
      this.deliver(this.maxBatch);
    } else if (!this.timerSet) {
      this.startTimer();
    }
  }

  /** Hands over the waiting items (at most `limit`) and starts the cool-down. */
  private deliver(limit: number): void {
    if (this.pending.length === 0) return;
    let batch = this.pending;
    if (batch.length > limit) {
      this.pending = batch.slice(limit);
      batch = batch.slice(0, limit);
    } else {
      this.pending = [];
    }
    // State first: a flush callback that throws must not leave the batcher stuck.
    this.cooling = true;
    this.startTimer();
    this.flush(batch);
  }

  private startTimer(): void {
    this.timerSet = true;
    this.timer = this.timers.setTimeout(() => {
      this.onTimer();
    }, this.intervalMs);
  }

  private cancelTimer(): void {
    if (this.timerSet) this.timers.clearTimeout(this.timer);
    this.timerSet = false;
    this.timer = undefined;
  }

  private onTimer(): void {
    this.timerSet = false;
    this.timer = undefined;
    if (this.disposed) return;
    // End of a gathering wait or of a cool-down: either way a flush is allowed now, and a
    // flush starts the next cool-down. Nothing waiting ends the cool-down.
    this.cooling = false;
    this.deliver(this.maxBatch);
  }
}
