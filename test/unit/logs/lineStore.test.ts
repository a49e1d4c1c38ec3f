import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from '../../../src/core/logs/buffer';
import { LINE_OVERHEAD_CHARS, LineStore } from '../../../src/core/logs/lineStore';
import type { WireLine } from '../../../src/core/logs/protocol';

/** Small deterministic PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIME = '2026-01-01T00:00:00.000000000Z';

describe('LineStore', () => {
  it('gives back every shape of line as it came in, packed or not', () => {
    const lines: WireLine[] = [
      { s: 0, t: TIME, x: 'plain' },
      { s: 1, x: 'no time' },
      { s: -1, k: 'm', x: 'a panel marker' },
      { s: 2, k: 'm', x: 'a stream marker' },
      { s: 0, t: TIME, k: 'm', x: 'a marker with a time' },
      { s: 0, t: '', x: 'an empty time' },
      { s: 0, t: TIME, x: '' },
      { s: 3, x: '\u{1F600} \u001b[31mred\u001b[0m \u2400 é' },
    ];
    const store = new LineStore(100);
    store.pushAll(lines);
    assert.deepEqual(store.toArray(), lines, 'recent');
    store.pack();
    assert.deepEqual(store.toArray(), lines, 'packed');
    store.pushAll([{ s: 4, x: 'after' }]);
    assert.deepEqual(store.toArray(), [...lines, { s: 4, x: 'after' }], 'packed then recent');
    assert.deepEqual(store.toArray(6), [{ s: 0, t: TIME, x: '' }, { s: 3, x: '\u{1F600} \u001b[31mred\u001b[0m \u2400 é' }, { s: 4, x: 'after' }], 'from the 7th line on');
    assert.deepEqual(store.toArray(9), []);
    assert.equal(store.size, 9);
  });

  it('keeps the newest lines within the capacity and counts the dropped ones, across blocks', () => {
    const store = new LineStore(5);
    for (let i = 0; i < 12; i++) {
      store.pushAll([{ s: 0, x: `line ${i}` }]);
      if (i % 3 === 0) store.pack();
    }
    assert.deepEqual(store.toArray().map((l) => l.x), ['line 7', 'line 8', 'line 9', 'line 10', 'line 11']);
    assert.equal(store.size, 5);
    assert.equal(store.dropped, 7);
  });

  it('evicts by characters too, always keeping the newest line', () => {
    const store = new LineStore(100, { maxChars: 3 * (10 + LINE_OVERHEAD_CHARS) });
    store.pushAll(['a', 'b', 'c', 'd'].map((c) => ({ s: 0, t: TIME, x: c.repeat(10) })));
    store.pack();
    assert.deepEqual(store.toArray().map((l) => l.x[0]), ['b', 'c', 'd'], 'the time does not count, the text does');
    store.pushAll([{ s: 0, x: 'z'.repeat(5000) }]);
    assert.deepEqual(store.toArray().map((l) => l.x[0]), ['z'], 'one line over the budget stays alone');
    assert.equal(store.dropped, 4);
  });

  it('cuts blocks so that no string grows without bound, and reads across them', () => {
    const store = new LineStore(10);
    const big = (c: string): WireLine => ({ s: 0, x: c.repeat(600_000) });
    store.pushAll([big('a'), big('b'), { s: 1, x: 'small' }, big('c'), { s: 2, t: TIME, x: 'last' }]);
    store.pack();
    assert.deepEqual(store.toArray().map((l) => `${l.x[0] ?? ''}${l.x.length}`), ['a600000', 'b600000', 's5', 'c600000', 'l4']);
    assert.deepEqual(store.toArray(3).map((l) => l.x.length), [600_000, 4]);
  });

  it('clear empties it and resets the dropped count', () => {
    const store = new LineStore(2);
    store.pushAll([{ s: 0, x: 'a' }, { s: 0, x: 'b' }, { s: 0, x: 'c' }]);
    store.pack();
    store.clear();
    assert.equal(store.size, 0);
    assert.equal(store.dropped, 0);
    assert.deepEqual(store.toArray(), []);
    store.pushAll([{ s: 0, x: 'd' }]);
    assert.deepEqual(store.toArray(), [{ s: 0, x: 'd' }]);
  });

  it('holds exactly what a RingBuffer with the same bounds holds, whatever the packing', () => {
    const next = random(9);
    for (let round = 0; round < 300; round++) {
      const capacity = 1 + Math.floor(next() * 40);
      const maxChars = next() < 0.5 ? Number.POSITIVE_INFINITY : 200 + Math.floor(next() * 2000);
      const store = new LineStore(capacity, { maxChars });
      const reference = new RingBuffer<WireLine>(capacity, { maxWeight: maxChars, weigh: (line) => line.x.length + LINE_OVERHEAD_CHARS });
      let n = 0;
      for (let step = 0; step < 40; step++) {
        const batch: WireLine[] = [];
        const size = Math.floor(next() * 12);
        for (let i = 0; i < size; i++) {
          const x = `${n++} ${'x'.repeat(Math.floor(next() * (next() < 0.1 ? 600 : 30)))}`;
          const roll = next();
          batch.push(roll < 0.6 ? { s: i % 3, t: TIME, x } : roll < 0.9 ? { s: i % 3, x } : { s: -1, k: 'm', x });
        }
        store.pushAll(batch);
        reference.pushAll(batch);
        if (next() < 0.4) store.pack();
        const start = Math.floor(next() * (reference.size + 2));
        assert.deepEqual(store.toArray(start), reference.toArray().slice(start), `round ${round} step ${step}`);
        assert.equal(store.size, reference.size);
        assert.equal(store.dropped, reference.dropped);
      }
    }
  });

  it('keeps 50,000 packed lines as a few blocks, and reads them back in order', () => {
    const store = new LineStore(50_000);
    for (let chunk = 0; chunk < 100; chunk++) {
      const lines: WireLine[] = [];
      for (let i = 0; i < 1000; i++) lines.push({ s: 0, t: TIME, x: `line ${chunk * 1000 + i}` });
      store.pushAll(lines);
      store.pack();
    }
    const all = store.toArray();
    assert.equal(all.length, 50_000);
    assert.equal(store.dropped, 50_000);
    assert.ok(all.every((line, i) => line.x === `line ${50_000 + i}` && line.t === TIME && line.s === 0));
  });

  it('rejects a capacity that is not a positive integer', () => {
    assert.throws(() => new LineStore(0), RangeError);
    assert.throws(() => new LineStore(1.5), RangeError);
  });
});
