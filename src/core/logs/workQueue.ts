/**
 * Runs jobs in the order they were added, in slices of at most about `budgetMs` each, and
 * yields to the event loop between slices. One socket read can hand over megabytes of log at
 * once (tens of thousands of lines): parsed in one go, they would hold the extension host's
 * event loop for longer than the 100 ms it may be blocked. Queued as one job per chunk, they
 * are parsed a slice at a time, with timers and other I/O served in between. Shared by every
 * log stream of the process, so that twenty busy streams take turns instead of each taking a
 * whole budget per turn.
 *
 * A job that starts before the budget is spent runs to its end: the budget bounds how many
 * jobs a slice starts, not the length of one job.
 */

/** How the queue reads the time and gets called back; tests pass fake ones. */
export interface WorkQueueClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Calls `run` soon, after pending timers and I/O callbacks had their turn. */
  schedule(run: () => void): void;
}

export interface WorkQueueOptions {
  /** Time a slice may use before the queue yields, in ms (default 8). */
  budgetMs?: number;
  /** Receives what a job threw; the other jobs still run (default: rethrown on its own, so that it is reported as uncaught). */
  onError?: (error: unknown) => void;
}

const defaultClock: WorkQueueClock = {
  now: () => performance.now(),
  schedule: (run) => { setTimeout(run, 0); },
};

function rethrowLater(error: unknown): void {
  queueMicrotask(() => { throw error; });
}

export class WorkQueue {
  private readonly budgetMs: number;
  private readonly onError: (error: unknown) => void;
  private jobs: ((() => void) | undefined)[] = [];
  /** Index of the next job to run: a moving head keeps taking from the front O(1). */
  private head = 0;
  private scheduled = false;

  constructor(options: WorkQueueOptions = {}, private readonly clock: WorkQueueClock = defaultClock) {
    this.budgetMs = Math.max(0, options.budgetMs ?? 8);
    this.onError = options.onError ?? rethrowLater;
  }

  /** Queues `job` behind every job added before it. */
  add(job: () => void): void {
    this.jobs.push(job);
    if (!this.scheduled) {
      this.scheduled = true;
      this.clock.schedule(this.runSlice);
    }
  }

  /** Jobs added and not run yet. */
  get pending(): number {
    return this.jobs.length - this.head;
  }

  private readonly runSlice = (): void => {
    const deadline = this.clock.now() + this.budgetMs;
    while (this.head < this.jobs.length) {
      const job = this.jobs[this.head];
      // Released before it runs: a long queue does not keep finished jobs' data alive.
      this.jobs[this.head] = undefined;
      this.head++;
      try {
        job?.();
      } catch (error) {
        this.onError(error);
      }
      if (this.clock.now() >= deadline) break;
    }
    if (this.head < this.jobs.length) {
      // Dropping the run part only once it is most of the array keeps that O(1) per job.
      if (this.head > 1024 && this.head * 2 > this.jobs.length) {
        this.jobs = this.jobs.slice(this.head);
        this.head = 0;
      }
      this.clock.schedule(this.runSlice);
    } else {
      this.jobs = [];
      this.head = 0;
      this.scheduled = false;
    }
  };
}
