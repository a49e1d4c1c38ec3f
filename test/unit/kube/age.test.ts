import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAge, formatDuration } from '../../../src/core/kube/age';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('formatAge', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');

  it('measures from an RFC 3339 time, with or without fractions and offsets', () => {
    assert.equal(formatAge('2026-06-01T11:59:15Z', now), '45s');
    assert.equal(formatAge('2026-06-01T11:59:15.999999999Z', now), '44s');
    assert.equal(formatAge('2026-06-01T13:55:00+02:00', now), '5m');
    assert.equal(formatAge('2026-05-28T06:00:00Z', now), '4d6h');
  });

  it('says <unknown> for a missing or unreadable time', () => {
    assert.equal(formatAge(undefined, now), '<unknown>');
    assert.equal(formatAge('', now), '<unknown>');
    assert.equal(formatAge('yesterday', now), '<unknown>');
  });

  it('tolerates a second of clock skew, then says <invalid>', () => {
    assert.equal(formatAge('2026-06-01T12:00:01Z', now), '0s');
    assert.equal(formatAge('2026-06-01T12:00:05Z', now), '<invalid>');
  });
});

describe('formatDuration (kubectl HumanDuration)', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [999, '0s'],
    [45 * S, '45s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [5 * M + 30 * S, '5m30s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 12 * M, '3h12m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [4 * D + 6 * H, '4d6h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D + 5 * H, '8d'],
    [400 * D, '400d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [760 * D, '2y30d'],
    [8 * 365 * D, '8y'],
    [9 * 365 * D + 100 * D, '9y'],
  ];
  for (const [ms, text] of cases) {
    it(`${ms} ms is ${text}`, () => {
      assert.equal(formatDuration(ms), text);
    });
  }
});
