import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareTimes, floorToSecond, isUtcTime, leadingTimeLength, splitTimestamp } from '../../../src/core/logs/timestamps';

describe('splitTimestamp', () => {
  it('splits the kubelet prefix (nine-digit fraction, one space)', () => {
    assert.deepEqual(splitTimestamp('2026-01-01T00:00:00.123456789Z hello world'), { time: '2026-01-01T00:00:00.123456789Z', text: 'hello world' });
  });

  it('keeps the text after the single separating space exactly, leading spaces included', () => {
    assert.deepEqual(splitTimestamp('2026-01-01T00:00:00.000000000Z   indented'), { time: '2026-01-01T00:00:00.000000000Z', text: '  indented' });
    assert.deepEqual(splitTimestamp('2026-01-01T00:00:00.000000000Z '), { time: '2026-01-01T00:00:00.000000000Z', text: '' });
    assert.deepEqual(splitTimestamp('2026-01-01T00:00:00.000000000Z'), { time: '2026-01-01T00:00:00.000000000Z', text: '' });
  });

  it('accepts trimmed fractions, no fraction and offsets', () => {
    assert.equal(splitTimestamp('2026-01-01T00:00:00.5Z x').time, '2026-01-01T00:00:00.5Z');
    assert.equal(splitTimestamp('2026-01-01T00:00:00Z x').time, '2026-01-01T00:00:00Z');
    assert.equal(splitTimestamp('2026-01-01T01:00:00+01:00 x').time, '2026-01-01T01:00:00+01:00');
  });

  it('leaves lines without a timestamp whole', () => {
    for (const line of ['', 'hello', '2026-01-01 not a time', '2026-01-01T00:00:00.1234567890Z ten digits', '2026-01-01T00:00:00.1Zjoined', '<script>alert(1)</script>']) {
      assert.deepEqual(splitTimestamp(line), { text: line }, line);
    }
  });
});

describe('leadingTimeLength', () => {
  it('is the length of the time splitTimestamp takes, for every form and non-form', () => {
    const lines = [
      '2026-01-01T00:00:00.123456789Z hello',
      '2026-01-01T00:00:00.123456789Z',
      '2026-01-01T00:00:00.123456789Z  two spaces',
      '2026-01-01T00:00:00.5Z x',
      '2026-01-01T00:00:00Z x',
      '2026-01-01T01:00:00+01:00 x',
      '2026-01-01T00:00:00.123456789Zjoined',
      '2026-01-01T00:00:00.1234567890Z ten digits',
      '2026-01-01T00:00:00.12345678Z eight digits',
      '2026-01-01X00:00:00.123456789Z wrong separator',
      '2026-01-01T00:00:0a.123456789Z letter in the seconds',
      '2026-01-01T00:00:00.123456789z lower-case z',
      'x026-01-01T00:00:00.123456789Z',
      '',
      'short',
    ];
    for (const line of lines) {
      const { time } = splitTimestamp(line);
      assert.equal(leadingTimeLength(line), time?.length ?? 0, line);
    }
    assert.equal(leadingTimeLength('2026-01-01T00:00:00.123456789Z hello'), 30);
    assert.equal(leadingTimeLength('2026-01-01T00:00:00.123456789Zjoined'), 0, 'the time must be followed by a space or the end');
  });
});

describe('isUtcTime', () => {
  it('accepts UTC times with any fraction length and refuses offsets and other text', () => {
    for (const time of ['2026-01-01T00:00:05Z', '2026-01-01T00:00:05.1Z', '2026-01-01T00:00:05.123456789Z']) assert.equal(isUtcTime(time), true, time);
    for (const time of ['2026-01-01T00:00:05+00:00', '2026-01-01T00:00:05.Z', '2026-01-01T00:00:05.1234567890Z', 'yesterday', '']) assert.equal(isUtcTime(time), false, time);
  });
});

describe('compareTimes', () => {
  it('orders fixed-width UTC times', () => {
    assert.ok(compareTimes('2026-01-01T00:00:00.000000001Z', '2026-01-01T00:00:00.000000002Z') < 0);
    assert.ok(compareTimes('2026-01-01T00:00:01.000000000Z', '2026-01-01T00:00:00.999999999Z') > 0);
    assert.equal(compareTimes('2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z'), 0);
  });

  it('compares the instant, not the text, when fraction lengths or zones differ', () => {
    assert.equal(compareTimes('2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.500000000Z'), 0);
    assert.ok(compareTimes('2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.49Z') > 0, 'text order would say the opposite');
    assert.ok(compareTimes('2026-01-01T00:00:05Z', '2026-01-01T00:00:00.9Z') > 0);
    assert.equal(compareTimes('2026-01-01T01:00:00+01:00', '2026-01-01T00:00:00Z'), 0);
    assert.equal(compareTimes('2025-12-31T19:00:00-05:00', '2026-01-01T00:00:00.000Z'), 0);
    assert.ok(compareTimes('2026-01-01T00:30:00+01:00', '2026-01-01T00:00:00Z') < 0);
  });

  it('reads two-digit years literally', () => {
    assert.ok(compareTimes('0050-01-01T00:00:00+01:00', '1950-01-01T00:00:00Z') < 0);
    assert.equal(floorToSecond('0050-01-01T00:30:00.5+01:00'), '0049-12-31T23:30:00Z');
  });

  it('falls back to text order for values that are not RFC 3339', () => {
    assert.ok(compareTimes('abc', 'abd') < 0);
    assert.equal(compareTimes('same', 'same'), 0);
  });
});

describe('floorToSecond', () => {
  it('drops the fraction and normalises to UTC', () => {
    assert.equal(floorToSecond('2026-01-01T00:00:05.999999999Z'), '2026-01-01T00:00:05Z');
    assert.equal(floorToSecond('2026-01-01T00:00:05Z'), '2026-01-01T00:00:05Z');
    assert.equal(floorToSecond('2026-01-01T02:00:05.1+02:00'), '2026-01-01T00:00:05Z');
    assert.equal(floorToSecond('2025-12-31T23:59:59.5-00:30'), '2026-01-01T00:29:59Z');
  });

  it('is undefined for text that is not a time', () => {
    assert.equal(floorToSecond('yesterday'), undefined);
  });
});
