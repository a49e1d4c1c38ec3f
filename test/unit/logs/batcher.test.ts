import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Batcher, type BatcherTimers } from '../../../src/core/logs/batcher';

/** A manual clock: timers fire only when the test advances time. */
class FakeClock implements BatcherTimers {
  now = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get timerCount(): number {
    return this.pending.size;
  }

  /** Moves time forward, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, timer] of this.pending) {
        if (timer.at <= end && timer.at < nextAt) {
          nextAt = timer.at;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.pending.get(nextId);
      this.pending.delete(nextId);
      this.now = nextAt;
      timer?.callback();
    }
    this.now = end;
  }
}

function setup(options?: { intervalMs?: number; maxItems?: number; maxBatch?: number }): { clock: FakeClock; batcher: Batcher<number>; flushes: { at: number; items: number[] }[] } {
  const clock = new FakeClock();
  const flushes: { at: number; items: number[] }[] = [];
  const batcher = new Batcher<number>((items) => flushes.push({ at: clock.now, items }), options, clock);
  return { clock, batcher, flushes };
}

describe('Batcher', () => {
  it('gathers items for one interval, then flushes them together', () => {
    const { clock, batcher, flushes } = setup();
    batcher.add(1);
    clock.advance(20);
    batcher.addAll([2, 3]);
    assert.equal(batcher.waiting, 3);
    assert.deepEqual(flushes, []);
    clock.advance(30);
    assert.deepEqual(flushes, [{ at: 50, items: [1, 2, 3] }]);
    assert.equal(batcher.waiting, 0);
  });

  it('never flushes more than once per interval under a steady stream', () => {
    const { clock, batcher, flushes } = setup({ intervalMs: 50, maxItems: 10 });
    // 2,000 items over one second, 2 every millisecond: maxItems is reached constantly.
    let next = 0;
    for (let ms = 0; ms < 1000; ms++) {
      batcher.addAll([next++, next++]);
      clock.advance(1);
    }
    clock.advance(100);
    for (let i = 1; i < flushes.length; i++) {
      const gap = (flushes[i]?.at ?? 0) - (flushes[i - 1]?.at ?? 0);
      assert.ok(gap >= 50, `flush ${i} came ${gap} ms after the previous one`);
    }
    assert.ok(flushes.length <= 22, `${flushes.length} flushes in about 1.1 s`);
    assert.deepEqual(flushes.flatMap((f) => f.items), Array.from({ length: 2000 }, (_, i) => i), 'all items, in order, once');
  });

  it('maxItems flushes at once when the interval since the last flush has passed', () => {
    const { clock, batcher, flushes } = setup({ intervalMs: 50, maxItems: 3 });
    batcher.addAll([1, 2]);
    assert.deepEqual(flushes, []);
    batcher.add(3);
    assert.deepEqual(flushes, [{ at: 0, items: [1, 2, 3] }], 'no waiting for the gathering timer');
    // Within the cool-down, reaching maxItems again does not flush...
    clock.advance(10);
    batcher.addAll([4, 5, 6, 7]);
    assert.equal(flushes.length, 1);
    // ...the end of the cool-down does.
    clock.advance(40);
    assert.deepEqual(flushes[1], { at: 50, items: [4, 5, 6, 7] });
  });

  it('a flush delivers everything waiting, even beyond maxItems', () => {
    const { clock, batcher, flushes } = setup({ intervalMs: 50, maxItems: 2 });
    batcher.addAll([1, 2]);
    batcher.addAll([3, 4, 5, 6, 7]);
    clock.advance(50);
    assert.deepEqual(flushes.map((f) => f.items), [[1, 2], [3, 4, 5, 6, 7]]);
  });

  it('with maxBatch, a flush delivers at most that many and the rest follows one interval apart, in order', () => {
    const { clock, batcher, flushes } = setup({ intervalMs: 50, maxItems: 2, maxBatch: 3 });
    batcher.addAll([1, 2]);
    batcher.addAll([3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(flushes, [{ at: 0, items: [1, 2] }]);
    clock.advance(50);
    assert.deepEqual(flushes[1], { at: 50, items: [3, 4, 5] });
    batcher.add(10);
    clock.advance(50);
    assert.deepEqual(flushes[2], { at: 100, items: [6, 7, 8] });
    clock.advance(50);
    assert.deepEqual(flushes[3], { at: 150, items: [9, 10] });
    clock.advance(500);
    assert.equal(flushes.length, 4);
    assert.equal(clock.timerCount, 0);
  });

  it('with maxBatch, a trigger outside a cool-down flushes only maxBatch at once', () => {
    const { clock, batcher, flushes } = setup({ intervalMs: 50, maxItems: 4, maxBatch: 3 });
    batcher.addAll([1, 2, 3, 4, 5]);
    assert.deepEqual(flushes, [{ at: 0, items: [1, 2, 3] }]);
    clock.advance(50);
    assert.deepEqual(flushes[1], { at: 50, items: [4, 5] });
  });

  it('flushNow delivers everything waiting, maxBatch or not', () => {
    const { batcher, flushes } = setup({ intervalMs: 50, maxItems: 100, maxBatch: 2 });
    batcher.addAll([1, 2, 3, 4, 5]);
    batcher.flushNow();
    assert.deepEqual(flushes.map((f) => f.items), [[1, 2, 3, 4, 5]]);
  });

  it('after a quiet cool-down, the next item waits one gathering interval', () => {
    const { clock, batcher, flushes } = setup({ intervalMs: 50 });
    batcher.add(1);
    clock.advance(50);
    clock.advance(50); // cool-down ends with nothing waiting
    assert.equal(clock.timerCount, 0, 'no timer left running when idle');
    clock.advance(500);
    batcher.add(2);
    clock.advance(49);
    assert.equal(flushes.length, 1);
    clock.advance(1);
    assert.deepEqual(flushes[1], { at: 650, items: [2] });
  });

  it('flushNow delivers at once, then cools down', () => {
    const { clock, batcher, flushes } = setup({ intervalMs: 50 });
    batcher.addAll([1, 2]);
    batcher.flushNow();
    assert.deepEqual(flushes, [{ at: 0, items: [1, 2] }]);
    assert.equal(clock.timerCount, 1, 'the gathering timer was replaced by the cool-down');
    batcher.add(3);
    clock.advance(49);
    assert.equal(flushes.length, 1);
    clock.advance(1);
    assert.deepEqual(flushes[1], { at: 50, items: [3] });
  });

  it('flushNow with nothing waiting does not call flush', () => {
    const { batcher, flushes } = setup();
    batcher.flushNow();
    batcher.addAll([]);
    batcher.flushNow();
    assert.deepEqual(flushes, []);
  });

  it('dispose drops waiting items, cancels timers and ignores later adds', () => {
    const { clock, batcher, flushes } = setup();
    batcher.addAll([1, 2]);
    batcher.dispose();
    assert.equal(clock.timerCount, 0);
    batcher.add(3);
    batcher.flushNow();
    clock.advance(1000);
    assert.deepEqual(flushes, []);
  });

  it('keeps working when the flush callback throws', () => {
    const clock = new FakeClock();
    const received: number[][] = [];
    let fail = true;
    const batcher = new Batcher<number>(
      (items) => {
        received.push(items);
        if (fail) throw new Error('post failed');
      },
      { intervalMs: 50 },
      clock,
    );
    batcher.add(1);
    assert.throws(() => {
      clock.advance(50);
    }, /post failed/);
    fail = false;
    batcher.add(2);
    clock.advance(50);
    assert.deepEqual(received, [[1], [2]]);
  });

  it('works with the platform timers by default', async () => {
    const batches: string[][] = [];
    const batcher = new Batcher<string>((items) => batches.push(items), { intervalMs: 5 });
    batcher.addAll(['a', 'b']);
    await new Promise((resolve) => setTimeout(resolve, 40));
    batcher.dispose();
    assert.deepEqual(batches, [['a', 'b']]);
  });
});
