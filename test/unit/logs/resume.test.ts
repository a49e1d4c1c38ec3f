import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResumeTracker } from '../../../src/core/logs/resume';
import { compareTimes, floorToSecond, splitTimestamp } from '../../../src/core/logs/timestamps';

/** A server log: lines with their times, as the kubelet keeps them. */
interface ServerLine {
  time: string;
  text: string;
}

/** What the API returns for `sinceTime`: every line whose time is not before it. */
function serverSince(log: readonly ServerLine[], since: string | undefined): ServerLine[] {
  return since === undefined ? [...log] : log.filter((line) => compareTimes(line.time, since) >= 0);
}

/** Delivers lines through the tracker the way the log panel does; returns what was shown. */
function deliver(tracker: ResumeTracker, lines: readonly { time?: string; text: string }[]): string[] {
  const shown: string[] = [];
  for (const line of lines) {
    if (tracker.shouldSkip(line.time)) continue;
    tracker.observe(line.time);
    shown.push(line.text);
  }
  return shown;
}

const t = (second: number, nanos: number): string => `2026-01-01T00:00:${String(second).padStart(2, '0')}.${String(nanos).padStart(9, '0')}Z`;

describe('ResumeTracker', () => {
  it('asks for the last delivered second, rounded down, in UTC', () => {
    const tracker = new ResumeTracker();
    assert.equal(tracker.sinceTime(), undefined, 'nothing delivered yet');
    tracker.observe(t(4, 999_999_999));
    tracker.observe(t(5, 250_000_000));
    assert.equal(tracker.sinceTime(), '2026-01-01T00:00:05Z');
    tracker.observe(t(3, 0));
    assert.equal(tracker.sinceTime(), '2026-01-01T00:00:05Z', 'an out-of-order line does not move the resume point back');
  });

  it('a reconnect shows every line exactly once, with several lines at the same nanosecond', () => {
    const log: ServerLine[] = [
      { time: t(4, 900_000_000), text: 'a' },
      { time: t(5, 100_000_000), text: 'b' },
      { time: t(5, 200_000_000), text: 'c1' },
      { time: t(5, 200_000_000), text: 'c2' },
      { time: t(5, 200_000_000), text: 'c3' },
      { time: t(5, 700_000_000), text: 'd' },
      { time: t(6, 0), text: 'e' },
    ];
    const tracker = new ResumeTracker();
    // The stream drops after c2: c3 (same time as c2) was not delivered.
    const first = deliver(tracker, log.slice(0, 4));
    assert.deepEqual(first, ['a', 'b', 'c1', 'c2']);

    const since = tracker.sinceTime();
    assert.equal(since, '2026-01-01T00:00:05Z');
    tracker.beginReplay();
    assert.equal(tracker.replaying, true);
    const replay = serverSince(log, since);
    assert.deepEqual(replay.map((l) => l.text), ['b', 'c1', 'c2', 'c3', 'd', 'e'], 'the server repeats the whole second');
    const second = deliver(tracker, replay);
    assert.deepEqual(second, ['c3', 'd', 'e']);
    assert.equal(tracker.skipped, 3, 'b, c1 and c2');
    assert.equal(tracker.replaying, false);
    assert.deepEqual([...first, ...second], log.map((l) => l.text));
  });

  it('survives two drops in a row, the second before any new line arrived', () => {
    const log: ServerLine[] = [
      { time: t(1, 0), text: 'x' },
      { time: t(1, 0), text: 'y' },
      { time: t(2, 0), text: 'z' },
    ];
    const tracker = new ResumeTracker();
    const shown = deliver(tracker, log.slice(0, 2));
    tracker.beginReplay();
    shown.push(...deliver(tracker, serverSince(log, tracker.sinceTime()).slice(0, 1)));
    assert.equal(tracker.skipped, 1);
    // Dropped again while still replaying.
    tracker.beginReplay();
    assert.equal(tracker.skipped, 0, 'counted per reconnect');
    shown.push(...deliver(tracker, serverSince(log, tracker.sinceTime())));
    assert.equal(tracker.skipped, 2);
    assert.deepEqual(shown, ['x', 'y', 'z']);
  });

  it('works on raw timestamped lines with equal timestamps across the reconnect', () => {
    const raw = ['2026-01-01T00:00:07.000000000Z same 1', '2026-01-01T00:00:07.000000000Z same 2', '2026-01-01T00:00:07.000000000Z same 3', '2026-01-01T00:00:08.000000000Z next'];
    const tracker = new ResumeTracker();
    const shown = deliver(tracker, raw.slice(0, 2).map(splitTimestamp));
    tracker.beginReplay();
    shown.push(...deliver(tracker, raw.map(splitTimestamp)));
    assert.deepEqual(shown, ['same 1', 'same 2', 'same 3', 'next']);
  });

  it('delivers lines without a timestamp again instead of dropping them', () => {
    const tracker = new ResumeTracker();
    deliver(tracker, [{ time: t(1, 0), text: 'timed' }, { text: 'untimed' }]);
    tracker.beginReplay();
    const shown = deliver(tracker, [{ time: t(1, 0), text: 'timed' }, { text: 'untimed' }, { time: t(2, 0), text: 'new' }]);
    assert.deepEqual(shown, ['untimed', 'new'], 'the untimed line may repeat; the timed one does not');
    assert.equal(tracker.skipped, 1);
  });

  it('skips nothing without beginReplay, and replays nothing when nothing timed was delivered', () => {
    const tracker = new ResumeTracker();
    assert.equal(tracker.shouldSkip(t(1, 0)), false);
    tracker.beginReplay();
    assert.equal(tracker.replaying, false);
    assert.equal(tracker.shouldSkip(t(1, 0)), false);
    tracker.observe(t(5, 0));
    assert.equal(tracker.shouldSkip(t(1, 0)), false, 'a live stream keeps out-of-order lines');
  });

  it('does not lose a line written after the drop with an earlier time (stdout/stderr interleaving)', () => {
    // File order: x(.5) y(.3) | drop | z(.4) w(.9). z is older than the last delivered time.
    const log: ServerLine[] = [
      { time: t(3, 500_000_000), text: 'x' },
      { time: t(3, 300_000_000), text: 'y' },
      { time: t(3, 400_000_000), text: 'z' },
      { time: t(3, 900_000_000), text: 'w' },
    ];
    const tracker = new ResumeTracker();
    const shown = deliver(tracker, log.slice(0, 2));
    assert.equal(tracker.sinceTime(), '2026-01-01T00:00:03Z');
    tracker.beginReplay();
    shown.push(...deliver(tracker, serverSince(log, tracker.sinceTime())));
    assert.deepEqual(shown, ['x', 'y', 'z', 'w']);
    assert.equal(tracker.skipped, 2);
  });

  it('does not swallow new lines when the replay lost its first lines (log rotated meanwhile)', () => {
    const log: ServerLine[] = [
      { time: t(5, 100_000_000), text: 'b' },
      { time: t(5, 200_000_000), text: 'c1' },
      { time: t(5, 200_000_000), text: 'c2' },
      { time: t(5, 200_000_000), text: 'c3' },
      { time: t(6, 0), text: 'd' },
    ];
    const tracker = new ResumeTracker();
    const shown = deliver(tracker, log.slice(0, 3));
    tracker.beginReplay();
    // The new file no longer has b: only c1 and c2 were delivered before.
    shown.push(...deliver(tracker, log.slice(1)));
    assert.deepEqual(shown, ['b', 'c1', 'c2', 'c3', 'd']);
    assert.equal(tracker.skipped, 2);
  });

  it('counts only the last second towards the replay', () => {
    const tracker = new ResumeTracker();
    deliver(tracker, [
      { time: t(1, 0), text: 'old' },
      { time: t(1, 500), text: 'old too' },
      { time: t(2, 100), text: 'a' },
      { time: t(2, 200), text: 'b' },
    ]);
    tracker.beginReplay();
    // The server repeats second 2 only; a replay of more (a misbehaving server) stops skipping after 2.
    const shown = deliver(tracker, [
      { time: t(2, 100), text: 'a' },
      { time: t(2, 200), text: 'b' },
      { time: t(2, 150), text: 'late' },
    ]);
    assert.deepEqual(shown, ['late']);
  });

  it('uses the instant, so a replay in another fraction format is still recognised', () => {
    const tracker = new ResumeTracker();
    tracker.observe('2026-01-01T00:00:09.500000000Z');
    tracker.beginReplay();
    assert.equal(tracker.shouldSkip('2026-01-01T00:00:09.5Z'), true);
    assert.equal(tracker.shouldSkip('2026-01-01T00:00:09.6Z'), false);
    assert.equal(floorToSecond(tracker.lastDeliveredTime ?? ''), tracker.sinceTime());
  });

  it('decides every line as the plain definition does, whatever mix of time forms (fast paths included)', () => {
    // The definition in its plainest form: every comparison through compareTimes and floorToSecond.
    class Reference {
      lastTime: string | undefined;
      lastSecond: string | undefined;
      atLastTime = 0;
      inLastSecond = 0;
      replaying = false;
      skippedAtLastTime = 0;
      skipped = 0;
      observe(time: string | undefined): void {
        if (time === undefined) return;
        const second = floorToSecond(time);
        if (this.lastTime === undefined) {
          [this.lastTime, this.lastSecond, this.atLastTime, this.inLastSecond] = [time, second, 1, 1];
          return;
        }
        const order = compareTimes(time, this.lastTime);
        const sameSecond = second !== undefined && second === this.lastSecond;
        if (order > 0) {
          this.inLastSecond = sameSecond ? this.inLastSecond + 1 : 1;
          [this.lastTime, this.lastSecond, this.atLastTime] = [time, second, 1];
          return;
        }
        if (order === 0) this.atLastTime++;
        if (sameSecond) this.inLastSecond++;
      }
      beginReplay(): void {
        [this.replaying, this.skippedAtLastTime, this.skipped] = [this.lastSecond !== undefined, 0, 0];
      }
      shouldSkip(time: string | undefined): boolean {
        if (!this.replaying || time === undefined || this.lastTime === undefined) return false;
        if (this.skipped < this.inLastSecond) {
          const order = compareTimes(time, this.lastTime);
          if (order < 0 || (order === 0 && this.skippedAtLastTime < this.atLastTime)) {
            if (order === 0) this.skippedAtLastTime++;
            this.skipped++;
            return true;
          }
        }
        this.replaying = false;
        return false;
      }
    }
    let state = 11;
    const next = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 4294967296;
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
    const timeOf = (second: number, nanos: number): string | undefined => {
      const ss = String(second).padStart(2, '0');
      const fraction = String(nanos).padStart(9, '0');
      return pick([
        `2026-01-01T00:00:${ss}.${fraction}Z`,
        `2026-01-01T00:00:${ss}.${fraction}Z`,
        `2026-01-01T00:00:${ss}.${fraction.replace(/0+$/, '') || '0'}Z`,
        `2026-01-01T00:00:${ss}Z`,
        `2026-01-01T01:00:${ss}.${fraction}+01:00`,
        `2026-01-01T00:00:${ss}.${fraction.slice(0, 8)}xZ`,
        undefined,
      ]);
    };
    for (let round = 0; round < 400; round++) {
      const tracker = new ResumeTracker();
      const reference = new Reference();
      let second = Math.floor(next() * 3);
      for (let step = 0; step < 60; step++) {
        if (next() < 0.08) {
          tracker.beginReplay();
          reference.beginReplay();
        }
        if (next() < 0.15) second = Math.min(59, second + 1);
        const time = timeOf(second, pick([0, 100, 100, 200, 300, 999_999_999, Math.floor(next() * 1e9)]));
        const skip = tracker.shouldSkip(time);
        assert.equal(skip, reference.shouldSkip(time), `round ${round} step ${step}: skip ${String(time)}`);
        if (!skip) {
          tracker.observe(time);
          reference.observe(time);
        }
        assert.equal(tracker.sinceTime(), reference.lastSecond, `round ${round} step ${step}: sinceTime after ${String(time)}`);
        assert.equal(tracker.lastDeliveredTime, reference.lastTime);
        assert.equal(tracker.replaying, reference.replaying);
        assert.equal(tracker.skipped, reference.skipped);
      }
    }
  });
});
