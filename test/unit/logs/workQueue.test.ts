import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue, type WorkQueueClock } from '../../../src/core/logs/workQueue';

/** A clock the jobs move forward themselves; scheduled slices run only when the test says so. */
class ManualClock implements WorkQueueClock {
  time = 0;
  private readonly scheduled: (() => void)[] = [];

  now(): number {
    return this.time;
  }

  schedule(run: () => void): void {
    this.scheduled.push(run);
  }

  get waitingSlices(): number {
    return this.scheduled.length;
  }

  /** Runs the slice scheduled first; false when none was. */
  runSlice(): boolean {
    const run = this.scheduled.shift();
    run?.();
    return run !== undefined;
  }
}

describe('WorkQueue', () => {
  it('runs jobs in the order they were added, and none before the scheduled slice', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ budgetMs: 8 }, clock);
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) queue.add(() => ran.push(i));
    assert.deepEqual(ran, [], 'adding never runs a job on the spot');
    assert.equal(clock.waitingSlices, 1, 'one slice scheduled for all of them');
    assert.equal(queue.pending, 5);
    clock.runSlice();
    assert.deepEqual(ran, [0, 1, 2, 3, 4]);
    assert.equal(queue.pending, 0);
    assert.equal(clock.waitingSlices, 0, 'nothing left: no further slice');
  });

  it('yields once a slice used its budget, and goes on in the next slice', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ budgetMs: 8 }, clock);
    const ran: number[] = [];
    // Each job takes 3 ms: a slice starts jobs until 8 ms are used, so three of them.
    for (let i = 0; i < 7; i++) queue.add(() => { ran.push(i); clock.time += 3; });
    clock.runSlice();
    assert.deepEqual(ran, [0, 1, 2]);
    assert.equal(clock.waitingSlices, 1, 'the rest is scheduled, not run now');
    clock.runSlice();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5]);
    clock.runSlice();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(clock.waitingSlices, 0);
  });

  it('runs a job longer than the budget to its end, then yields', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ budgetMs: 8 }, clock);
    const ran: string[] = [];
    queue.add(() => { ran.push('long'); clock.time += 50; });
    queue.add(() => ran.push('next'));
    clock.runSlice();
    assert.deepEqual(ran, ['long']);
    clock.runSlice();
    assert.deepEqual(ran, ['long', 'next']);
  });

  it('keeps the order for jobs added while a slice runs, behind the ones already waiting', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ budgetMs: 8 }, clock);
    const ran: string[] = [];
    queue.add(() => { ran.push('a'); queue.add(() => ran.push('c')); });
    queue.add(() => ran.push('b'));
    clock.runSlice();
    assert.deepEqual(ran, ['a', 'b', 'c']);
    assert.equal(clock.waitingSlices, 0, 'a job added during the slice does not schedule a second slice');
  });

  it('schedules a new slice for jobs added after the queue ran dry', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({}, clock);
    const ran: number[] = [];
    queue.add(() => ran.push(1));
    clock.runSlice();
    queue.add(() => ran.push(2));
    assert.equal(clock.waitingSlices, 1);
    clock.runSlice();
    assert.deepEqual(ran, [1, 2]);
  });

  it('a job that throws is reported and the others still run', () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const queue = new WorkQueue({ onError: (error) => errors.push(error) }, clock);
    const ran: number[] = [];
    queue.add(() => ran.push(1));
    queue.add(() => { throw new Error('broken job'); });
    queue.add(() => ran.push(3));
    clock.runSlice();
    assert.deepEqual(ran, [1, 3]);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, 'broken job');
    assert.equal(clock.waitingSlices, 0);
  });

  it('takes 100,000 jobs a slice at a time without losing or reordering any', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ budgetMs: 8 }, clock);
    let next = 0;
    let outOfOrder = 0;
    for (let i = 0; i < 100_000; i++) {
      queue.add(() => {
        if (i !== next) outOfOrder++;
        next++;
        clock.time += 0.01;
      });
    }
    let slices = 0;
    while (clock.runSlice()) slices++;
    assert.equal(next, 100_000);
    assert.equal(outOfOrder, 0);
    // 0.01 ms each, 8 ms per slice: 800 jobs per slice.
    assert.equal(slices, 125);
    assert.equal(queue.pending, 0);
  });

  it('with the default clock, lets a timer run while a long queue is worked off', async () => {
    const queue = new WorkQueue({ budgetMs: 5 });
    const events: string[] = [];
    const busy = (ms: number): void => {
      const until = performance.now() + ms;
      while (performance.now() < until) { /* a job that computes */ }
    };
    // Ten jobs of 6 ms each: 60 ms of work, one job per slice.
    for (let i = 0; i < 10; i++) queue.add(() => { events.push(`job ${i}`); busy(6); });
    setTimeout(() => events.push('timer'), 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(events.filter((e) => e.startsWith('job')), Array.from({ length: 10 }, (_, i) => `job ${i}`));
    const timerAt = events.indexOf('timer');
    assert.ok(timerAt >= 0 && timerAt < events.indexOf('job 9'), `the timer did not wait for the whole queue: ${events.join(', ')}`);
  });
});
