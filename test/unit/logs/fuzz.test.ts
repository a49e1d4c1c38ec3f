// Seeded random inputs: the parsers must never throw, never let an escape or bidi control
// through, and never depend on where a stream was cut.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAnsi, stripAnsi } from '../../../src/core/logs/ansi';
import { compileLineFilter } from '../../../src/core/logs/filter';
import { LineSplitter } from '../../../src/core/logs/lines';
import { ResumeTracker } from '../../../src/core/logs/resume';
import { compareTimes } from '../../../src/core/logs/timestamps';

/** Small deterministic PRNG (mulberry32) so a failure can be replayed. */
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

const PIECES = ['\u001b', '[', ']', '\\', ';', ':', 'm', '3', '8', '5', '2', '1', '0', '?', '>', ' ', 'a', 'Z', '<', '\u0007', '\u2407', '\u009b', '\u009c', '\u202e', '\u2066', '\r', '\n', '\u0000', '\t', '\u{1F600}', '\u00e9', 'P', '_', '(', 'B'];

function soup(next: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += PIECES[Math.floor(next() * PIECES.length)] ?? '';
  return text;
}

const FORBIDDEN = /[\u001b\u0080-\u009f\u202a-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex -- what must never get through

describe('fuzz', () => {
  it('parseAnsi never throws and never lets an escape, C1 or bidi control through', () => {
    const next = random(1);
    for (let round = 0; round < 3000; round++) {
      const text = soup(next, Math.floor(next() * 60));
      const segments = parseAnsi(text);
      for (const segment of segments) {
        assert.ok(segment.text.length > 0, 'no empty segments');
        assert.doesNotMatch(segment.text, FORBIDDEN, JSON.stringify(text));
        for (const colour of [segment.fg, segment.bg]) {
          if (colour !== undefined) assert.match(colour, /^(--ansi-(\d|1[0-5])|#[0-9a-f]{6})$/);
        }
      }
      const stripped = stripAnsi(text);
      assert.ok(stripped.length <= text.length);
      assert.equal(stripped, segments.map((s) => s.text).join(''));
    }
  });

  it('LineSplitter gives the same lines for any chunking', () => {
    const next = random(2);
    for (let round = 0; round < 500; round++) {
      const text = soup(next, Math.floor(next() * 200));
      const max = 1 + Math.floor(next() * 30);
      const whole = new LineSplitter(max);
      const expected = [...whole.push(text), ...whole.end()];
      const chunked = new LineSplitter(max);
      const got: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = Math.floor(next() * 8);
        got.push(...chunked.push(text.slice(at, at + size)));
        at += size;
      }
      got.push(...chunked.end());
      assert.deepEqual(got, expected, JSON.stringify({ text, max }));
      for (const line of got) {
        assert.doesNotMatch(line, /[\n\u0000\u0007]/, 'line ends and controls never remain'); // eslint-disable-line no-control-regex -- the point of the check
      }
    }
  });

  it('resume shows every line exactly once across random drops, equal and out-of-order times', () => {
    const next = random(4);
    for (let round = 0; round < 1500; round++) {
      // A log whose times often repeat and sometimes go back a little within their second.
      const log: { time: string; text: string }[] = [];
      let second = 0;
      let nanos = 0;
      const count = 1 + Math.floor(next() * 30);
      for (let i = 0; i < count; i++) {
        const roll = next();
        if (roll < 0.1) nanos = Math.max(0, nanos - Math.floor(next() * 2e8));
        else if (roll < 0.55) nanos = Math.min(999_999_999, nanos + 1 + Math.floor(next() * 3e8));
        else if (roll > 0.8) {
          second++;
          nanos = Math.floor(next() * 3);
        }
        log.push({ time: `2026-01-01T00:00:${String(second).padStart(2, '0')}.${String(nanos).padStart(9, '0')}Z`, text: String(i) });
      }
      const tracker = new ResumeTracker();
      const shown: string[] = [];
      let stream = log;
      for (let drop = 0; drop < 4; drop++) {
        const cut = Math.floor(next() * (stream.length + 1));
        for (const line of stream.slice(0, cut)) {
          if (tracker.shouldSkip(line.time)) continue;
          tracker.observe(line.time);
          shown.push(line.text);
        }
        const since = tracker.sinceTime();
        tracker.beginReplay();
        // What the API returns: every line not before sinceTime, in file order.
        stream = since === undefined ? log : log.filter((line) => compareTimes(line.time, since) >= 0);
      }
      for (const line of stream) {
        if (tracker.shouldSkip(line.time)) continue;
        tracker.observe(line.time);
        shown.push(line.text);
      }
      assert.deepEqual(shown, log.map((line) => line.text), JSON.stringify(log));
    }
  });

  it('resume shows every line exactly once when the same instants come in different RFC 3339 forms', () => {
    const next = random(5);
    /** One instant of second `second` (0..59) and `nanos`, written as the kubelet does, trimmed, or with an offset. */
    const written = (second: number, nanos: number): string => {
      const ss = String(second).padStart(2, '0');
      const fraction = String(nanos).padStart(9, '0');
      const roll = next();
      if (roll < 0.5) return `2026-01-01T00:00:${ss}.${fraction}Z`;
      if (roll < 0.75) {
        const trimmed = fraction.replace(/0+$/, '');
        return `2026-01-01T00:00:${ss}${trimmed === '' ? '' : `.${trimmed}`}Z`;
      }
      return `2026-01-01T01:00:${ss}.${fraction}+01:00`;
    };
    for (let round = 0; round < 1500; round++) {
      const log: { time: string; text: string }[] = [];
      let second = 0;
      let nanos = 0;
      const count = 1 + Math.floor(next() * 30);
      for (let i = 0; i < count; i++) {
        const roll = next();
        if (roll < 0.1) nanos = Math.max(0, nanos - Math.floor(next() * 2e8));
        else if (roll < 0.55) nanos = Math.min(999_999_999, nanos + 1 + Math.floor(next() * 3e8));
        else if (roll > 0.8) {
          second++;
          nanos = next() < 0.5 ? 0 : Math.floor(next() * 3) * 100_000_000;
        }
        log.push({ time: written(second, nanos), text: String(i) });
      }
      const tracker = new ResumeTracker();
      const shown: string[] = [];
      let stream = log;
      for (let drop = 0; drop < 4; drop++) {
        const cut = Math.floor(next() * (stream.length + 1));
        for (const line of stream.slice(0, cut)) {
          if (tracker.shouldSkip(line.time)) continue;
          tracker.observe(line.time);
          shown.push(line.text);
        }
        const since = tracker.sinceTime();
        tracker.beginReplay();
        stream = since === undefined ? log : log.filter((line) => compareTimes(line.time, since) >= 0);
      }
      for (const line of stream) {
        if (tracker.shouldSkip(line.time)) continue;
        tracker.observe(line.time);
        shown.push(line.text);
      }
      assert.deepEqual(shown, log.map((line) => line.text), JSON.stringify(log));
      assert.match(tracker.sinceTime() ?? '', /^2026-01-01T00:00:\d{2}Z$/, 'the resume point is always UTC without a fraction');
    }
  });

  it('filter highlights stay sorted, non-overlapping and inside the text', () => {
    const next = random(3);
    const patterns = ['a', 'a*', '\\s+', '[a-z]+', '(?:)', 'Z|aZ', '.', '\\b'];
    for (const pattern of patterns) {
      const compiled = compileLineFilter({ text: pattern, regex: true });
      assert.ok(compiled.ok);
      if (!compiled.ok) continue;
      for (let round = 0; round < 200; round++) {
        const text = soup(next, Math.floor(next() * 80));
        let previousEnd = 0;
        for (const [start, end] of compiled.filter.highlights(text)) {
          assert.ok(start >= previousEnd && end > start && end <= text.length, `${pattern} on ${JSON.stringify(text)}`);
          previousEnd = end;
        }
      }
    }
  });
});
