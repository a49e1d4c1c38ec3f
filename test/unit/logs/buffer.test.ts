import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from '../../../src/core/logs/buffer';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('RingBuffer', () => {
  it('keeps items in order below capacity and drops nothing', () => {
    const buffer = new RingBuffer<number>(5);
    buffer.push(1);
    buffer.push(2);
    assert.deepEqual(buffer.toArray(), [1, 2]);
    assert.equal(buffer.size, 2);
    assert.equal(buffer.dropped, 0);
  });

  it('keeps the newest items and counts evictions after wrapping around several times', () => {
    const buffer = new RingBuffer<number>(4);
    for (const n of range(0, 23)) buffer.push(n);
    assert.deepEqual(buffer.toArray(), [19, 20, 21, 22]);
    assert.equal(buffer.size, 4);
    assert.equal(buffer.dropped, 19);
  });

  it('pushAll matches pushing one by one, for every batch size and starting fill', () => {
    for (let before = 0; before <= 7; before++) {
      for (let batch = 0; batch <= 12; batch++) {
        const one = new RingBuffer<number>(5);
        const all = new RingBuffer<number>(5);
        for (const n of range(0, before)) {
          one.push(n);
          all.push(n);
        }
        const items = range(100, 100 + batch);
        for (const n of items) one.push(n);
        all.pushAll(items);
        assert.deepEqual(all.toArray(), one.toArray(), `before=${before} batch=${batch}`);
        assert.equal(all.dropped, one.dropped, `dropped before=${before} batch=${batch}`);
        assert.equal(all.size, one.size);
        // And it keeps working after the bulk path.
        one.push(-1);
        all.push(-1);
        assert.deepEqual(all.toArray(), one.toArray());
      }
    }
  });

  it('clear empties, resets the dropped count, and the buffer is reusable', () => {
    const buffer = new RingBuffer<string>(2);
    buffer.pushAll(['a', 'b', 'c']);
    assert.equal(buffer.dropped, 1);
    buffer.clear();
    assert.deepEqual(buffer.toArray(), []);
    assert.equal(buffer.size, 0);
    assert.equal(buffer.dropped, 0);
    buffer.pushAll(['d', 'e', 'f', 'g']);
    assert.deepEqual(buffer.toArray(), ['f', 'g']);
    assert.equal(buffer.dropped, 2);
  });

  it('toArray returns a copy the caller may change', () => {
    const buffer = new RingBuffer<number>(3);
    buffer.pushAll([1, 2, 3]);
    const copy = buffer.toArray();
    copy.push(4);
    copy[0] = 99;
    assert.deepEqual(buffer.toArray(), [1, 2, 3]);
  });

  it('capacity 1 keeps only the last item', () => {
    const buffer = new RingBuffer<number>(1);
    buffer.pushAll([1, 2, 3]);
    buffer.push(4);
    assert.deepEqual(buffer.toArray(), [4]);
    assert.equal(buffer.dropped, 3);
  });

  it('holds 50,000 of 250,000 lines with the right count (the panel cap)', () => {
    const buffer = new RingBuffer<string>(50_000);
    for (let i = 0; i < 250_000; i += 1000) buffer.pushAll(range(i, i + 1000).map(String));
    assert.equal(buffer.size, 50_000);
    assert.equal(buffer.dropped, 200_000);
    const items = buffer.toArray();
    assert.equal(items[0], '200000');
    assert.equal(items[49_999], '249999');
  });

  it('rejects a capacity that is not a positive integer', () => {
    assert.throws(() => new RingBuffer(0), RangeError);
    assert.throws(() => new RingBuffer(-3), RangeError);
    assert.throws(() => new RingBuffer(2.5), RangeError);
  });
});

describe('RingBuffer with a weight bound', () => {
  it('evicts the oldest items while the held weight is over the bound, and counts them as dropped', () => {
    const buffer = new RingBuffer<string>(100, { maxWeight: 10, weigh: (s) => s.length });
    buffer.pushAll(['aaaa', 'bbbb', 'cc']);
    assert.deepEqual(buffer.toArray(), ['aaaa', 'bbbb', 'cc']);
    buffer.push('dddddd');
    assert.deepEqual(buffer.toArray(), ['cc', 'dddddd']);
    assert.equal(buffer.dropped, 2);
  });

  it('keeps the newest item even when it alone is over the bound', () => {
    const buffer = new RingBuffer<string>(5, { maxWeight: 3, weigh: (s) => s.length });
    buffer.push('a');
    buffer.push('0123456789');
    assert.deepEqual(buffer.toArray(), ['0123456789']);
    assert.equal(buffer.dropped, 1);
  });

  it('still honours the item capacity, and a large batch keeps only what both bounds allow', () => {
    const buffer = new RingBuffer<string>(3, { maxWeight: 1000, weigh: (s) => s.length });
    buffer.pushAll(['1', '2', '3', '4', '5']);
    assert.deepEqual(buffer.toArray(), ['3', '4', '5']);
    assert.equal(buffer.dropped, 2);
    buffer.clear();
    assert.equal(buffer.size, 0);
    buffer.pushAll(['x'.repeat(600), 'y'.repeat(600)]);
    assert.equal(buffer.size, 1);
  });
});
