import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogLine } from '../../../src/clients/kube/api';
import type { HostMessage, StreamOptions, WireLine } from '../../../src/core/logs/protocol';
import { COLOR_SLOTS, LogSession, acceptWebviewMessage, formatSavedLine } from '../../../src/vscode/kube/logPanelSession';
import type { LogDriver, SessionSink, SessionTimers } from '../../../src/vscode/kube/logPanelSession';

/** Timers that run only when the test advances the clock. */
class FakeClock implements SessionTimers {
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

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].callback();
    }
    this.now = end;
  }

  get timerCount(): number {
    return this.pending.size;
  }
}

interface Run {
  options: StreamOptions;
  sink: SessionSink;
  stopped: boolean;
}

class FakeDriver implements LogDriver {
  readonly runs: Run[] = [];

  start(options: StreamOptions, sink: SessionSink): { stop(): void } {
    const run: Run = { options, sink, stopped: false };
    this.runs.push(run);
    return { stop: () => { run.stopped = true; } };
  }

  get last(): Run {
    const run = this.runs.at(-1);
    assert.ok(run, 'the driver was started');
    return run;
  }
}

function setup(overrides: { maxLines?: number; containers?: string[] } = {}) {
  const clock = new FakeClock();
  const posted: HostMessage[] = [];
  const driver = new FakeDriver();
  const session = new LogSession(driver, 'pod ctx/default/web-1', {
    title: 'Logs: web-1',
    maxLines: overrides.maxLines ?? 1000,
    containers: overrides.containers ?? ['app', 'sidecar'],
    options: { follow: true, previous: false, tailLines: 100 },
    post: (message) => { posted.push(message); },
    now: () => clock.now,
    timers: clock,
  });
  session.start();
  return { clock, posted, driver, session };
}

function lines(pod: string, container: string, from: number, count: number): LogLine[] {
  return Array.from({ length: count }, (_, i) => ({ pod, container, time: `2026-01-01T00:00:${String(from + i).padStart(2, '0')}Z`, text: `line ${from + i}` }));
}

function linesPosted(posted: readonly HostMessage[]): WireLine[] {
  return posted.flatMap((m) => (m.type === 'lines' ? m.lines : []));
}

function ofType<T extends HostMessage['type']>(posted: readonly HostMessage[], type: T): Extract<HostMessage, { type: T }>[] {
  return posted.filter((m): m is Extract<HostMessage, { type: T }> => m.type === type);
}

describe('LogSession', () => {
  it('buffers lines until the webview is ready, then sends init, status and the buffered lines in order', () => {
    const { clock, posted, driver, session } = setup();
    assert.deepEqual(driver.last.options, { follow: true, previous: false, tailLines: 100 });
    driver.last.sink.lines(lines('web-1', 'app', 0, 5));
    clock.advance(200);
    assert.equal(posted.length, 0, 'nothing is posted before ready');

    session.webviewReady();
    assert.equal(posted[0]?.type, 'init');
    const init = ofType(posted, 'init')[0];
    assert.deepEqual(init?.sources, [{ pod: 'web-1', container: 'app', color: 0 }]);
    assert.deepEqual(init?.containers, ['app', 'sidecar']);
    assert.equal(init?.maxLines, 1000);
    assert.equal(posted[1]?.type, 'status');
    clock.advance(50);
    assert.deepEqual(linesPosted(posted).map((l) => l.x), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    assert.deepEqual(linesPosted(posted)[0], { s: 0, t: '2026-01-01T00:00:00Z', x: 'line 0' });
  });

  it('posts at most one lines message per 50 ms however lines arrive, losing none', () => {
    const { clock, posted, driver, session } = setup({ maxLines: 100_000 });
    session.webviewReady();
    posted.length = 0;
    // 20,000 lines in 400 reads of 50, one read every 2.5 ms: one second of heavy logging.
    for (let read = 0; read < 400; read++) {
      driver.last.sink.lines(Array.from({ length: 50 }, (_, i) => ({ pod: 'web-1', container: 'app', text: `n${read * 50 + i}` })));
      clock.advance(2.5);
    }
    clock.advance(100);
    const batches = ofType(posted, 'lines');
    assert.ok(batches.length <= 21, `at most 20 posts per second (+1 for the tail), got ${batches.length}`);
    assert.ok(batches.length >= 15, `batches keep flowing, got ${batches.length}`);
    const texts = linesPosted(posted).map((l) => l.x);
    assert.equal(texts.length, 20_000);
    assert.equal(texts[0], 'n0');
    assert.equal(texts[19_999], 'n19999');
    assert.ok(texts.every((t, i) => t === `n${i}`), 'every line once, in order');
    const stats = session.stats();
    assert.equal(stats.linesReceived, 20_000);
    assert.equal(stats.linesPosted, 20_000);
    assert.equal(stats.posts, batches.length);
    assert.equal(stats.maxBatch, Math.max(...batches.map((b) => b.lines.length)));
    assert.ok(stats.lastLineToPostMs <= 50, `a line waits at most one interval, waited ${stats.lastLineToPostMs} ms`);
  });

  it('posts a backlog (a reload, a burst) in posts of at most 10,000 lines, one per 50 ms, in order', () => {
    const { clock, posted, driver, session } = setup({ maxLines: 100_000 });
    driver.last.sink.lines(Array.from({ length: 34_000 }, (_, i) => ({ pod: 'web-1', container: 'app', text: `n${i}` })));
    const times: number[] = [];
    const sizes: number[] = [];
    let seen = 0;
    const note = (): void => {
      for (const message of ofType(posted, 'lines').slice(seen)) {
        times.push(clock.now);
        sizes.push(message.lines.length);
      }
      seen = ofType(posted, 'lines').length;
    };
    session.webviewReady();
    note();
    for (let step = 0; step < 40; step++) {
      clock.advance(5);
      note();
    }
    assert.deepEqual(sizes, [10_000, 10_000, 10_000, 4_000]);
    assert.ok(times.every((at, i) => i === 0 || at - (times[i - 1] ?? 0) >= 50), `posts at ${times.join(', ')} ms`);
    const texts = linesPosted(posted).map((l) => l.x);
    assert.ok(texts.length === 34_000 && texts.every((t, i) => t === `n${i}`), 'every line once, in order');
    assert.equal(session.stats().maxBatch, 10_000);
  });

  it('posts a new source before the lines that refer to it, once per burst of new sources', () => {
    const { clock, posted, driver, session } = setup();
    session.webviewReady();
    posted.length = 0;
    for (let p = 0; p < 50; p++) driver.last.sink.state(`pod-${p}`, 'app', 'connecting');
    driver.last.sink.lines([{ pod: 'pod-7', container: 'app', text: 'hello' }]);
    clock.advance(300);
    const sourcesMessages = ofType(posted, 'sources');
    assert.equal(sourcesMessages.length, 1, 'fifty new sources cost one message');
    const firstSources = posted.findIndex((m) => m.type === 'sources');
    const firstLines = posted.findIndex((m) => m.type === 'lines');
    assert.ok(firstSources >= 0 && firstSources < firstLines, 'sources before lines');
    assert.equal(sourcesMessages[0]?.sources.length, 50);
    assert.equal(linesPosted(posted)[0]?.s, 7);
  });

  it('gives each pod one colour slot, shared by its containers and kept across restarts', () => {
    const { driver, session } = setup();
    const sink = driver.last.sink;
    sink.lines([{ pod: 'a', container: 'app', text: '1' }, { pod: 'b', container: 'app', text: '2' }, { pod: 'a', container: 'sidecar', text: '3' }]);
    const colors = session.snapshot().sources.map((s) => `${s.pod}/${s.container}:${s.color}`);
    assert.deepEqual(colors, ['a/app:0', 'b/app:1', 'a/sidecar:0']);
    session.restart({ follow: true, previous: false });
    driver.last.sink.lines([{ pod: 'c', container: 'app', text: '4' }, { pod: 'b', container: 'app', text: '5' }]);
    assert.deepEqual(session.snapshot().sources.map((s) => `${s.pod}:${s.color}`), ['c:2', 'b:1']);
    for (let p = 0; p < 20; p++) driver.last.sink.lines([{ pod: `p${p}`, container: 'app', text: 'x' }]);
    assert.ok(session.snapshot().sources.every((s) => s.color >= 0 && s.color < COLOR_SLOTS));
  });

  it('while paused, keeps lines in the buffer, counts them as waiting, and sends exactly those on resume', () => {
    const { clock, posted, driver, session } = setup();
    session.webviewReady();
    driver.last.sink.lines(lines('web-1', 'app', 0, 3));
    clock.advance(100);
    session.setPaused(true);
    posted.length = 0;
    driver.last.sink.lines(lines('web-1', 'app', 3, 4));
    clock.advance(500);
    assert.equal(linesPosted(posted).length, 0, 'nothing posted while paused');
    const status = ofType(posted, 'status').at(-1);
    assert.equal(status?.paused, true);
    assert.equal(status?.waiting, 4);
    assert.equal(session.stats().waiting, 4);
    assert.equal(session.stats().buffered, 7);

    session.setPaused(false);
    clock.advance(100);
    assert.deepEqual(linesPosted(posted).map((l) => l.x), ['line 3', 'line 4', 'line 5', 'line 6']);
    assert.equal(ofType(posted, 'status').at(-1)?.waiting, 0);
  });

  it('a webview reloaded while paused gets the lines shown before the pause, not the waiting ones', () => {
    const { clock, posted, driver, session } = setup();
    session.webviewReady();
    driver.last.sink.lines(lines('web-1', 'app', 0, 2));
    clock.advance(100);
    session.setPaused(true);
    driver.last.sink.lines(lines('web-1', 'app', 2, 3));
    session.webviewGone();
    posted.length = 0;
    session.webviewReady();
    clock.advance(100);
    assert.deepEqual(linesPosted(posted).map((l) => l.x), ['line 0', 'line 1']);
    session.setPaused(false);
    clock.advance(100);
    assert.deepEqual(linesPosted(posted).map((l) => l.x), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  });

  it('keeps at most maxLines and reports the dropped count, in status and in the replay', () => {
    const { clock, posted, driver, session } = setup({ maxLines: 100 });
    driver.last.sink.lines(Array.from({ length: 250 }, (_, i) => ({ pod: 'web-1', container: 'app', text: `n${i}` })));
    assert.equal(session.stats().dropped, 150);
    assert.equal(session.stats().buffered, 100);
    session.webviewReady();
    clock.advance(100);
    assert.equal(ofType(posted, 'status')[0]?.dropped, 150);
    const replayed = linesPosted(posted).map((l) => l.x);
    assert.equal(replayed.length, 100);
    assert.equal(replayed[0], 'n150');
    assert.equal(replayed[99], 'n249');
    const snapshot = session.snapshot();
    assert.equal(snapshot.dropped, 150);
    assert.equal(snapshot.lines.length, 100);
  });

  it('a reload after a long run replays exactly the newest lines it posted, markers included, as they were posted', () => {
    const { clock, posted, driver, session } = setup({ maxLines: 300 });
    session.webviewReady();
    const sink = driver.last.sink;
    for (let burst = 0; burst < 40; burst++) {
      sink.lines(lines('web-1', burst % 2 === 0 ? 'app' : 'sidecar', 0, 20).map((line, i) => (i % 7 === 3 ? { ...line, time: undefined } : { ...line, text: `${burst}:${line.text}` })));
      if (burst % 9 === 0) sink.marker('web-1', 'app', 'reconnecting', `reconnecting ${burst}`);
      clock.advance(burst % 3 === 0 ? 10 : 60);
    }
    clock.advance(100);
    const live = linesPosted(posted);
    posted.length = 0;
    session.webviewReady();
    clock.advance(100);
    const replayed = linesPosted(posted);
    assert.equal(replayed.length, 300);
    assert.deepEqual(replayed, live.slice(-300));
    assert.deepEqual(session.snapshot().lines, live.slice(-300));
  });

  it('sends nothing while the webview is gone and replays everything once it is back, without duplicates', () => {
    const { clock, posted, driver, session } = setup();
    session.webviewReady();
    driver.last.sink.lines(lines('web-1', 'app', 0, 2));
    // Hidden before the batch went out: those two must come with the replay, not before it.
    session.webviewGone();
    driver.last.sink.lines(lines('web-1', 'app', 2, 2));
    clock.advance(500);
    assert.equal(linesPosted(posted).length, 0);
    posted.length = 0;
    session.webviewReady();
    clock.advance(100);
    assert.deepEqual(linesPosted(posted).map((l) => l.x), ['line 0', 'line 1', 'line 2', 'line 3']);
  });

  it('turns stream markers and failures into marker lines of their source and stream states', () => {
    const { clock, posted, driver, session } = setup();
    session.webviewReady();
    const sink = driver.last.sink;
    sink.lines([{ pod: 'web-1', container: 'app', text: 'a' }]);
    sink.marker('web-1', 'app', 'reconnecting', 'Log stream interrupted; reconnecting…');
    assert.equal(session.stats().streams[0]?.state, 'reconnecting');
    sink.marker('web-1', 'app', 'resumed', 'Reconnected.');
    assert.equal(session.stats().streams[0]?.state, 'streaming');
    sink.failure('web-1', 'sidecar', { code: 'KUBE_FORBIDDEN', message: 'Forbidden: get pods/log', hint: 'Ask for RBAC.' });
    clock.advance(300);
    const markers = linesPosted(posted).filter((l) => l.k === 'm');
    assert.deepEqual(markers.map((m) => [m.s, m.x]), [
      [0, 'Log stream interrupted; reconnecting…'],
      [0, 'Reconnected.'],
      [1, 'Log stream failed: Forbidden: get pods/log (Ask for RBAC.)'],
    ]);
    const status = ofType(posted, 'status').at(-1);
    assert.deepEqual(status?.streams, [{ source: 0, state: 'streaming' }, { source: 1, state: 'failed', detail: 'Forbidden: get pods/log' }]);
    assert.deepEqual(session.stats().streams.map((s) => `${s.pod}/${s.container}:${s.state}`), ['web-1/app:streaming', 'web-1/sidecar:failed']);
    assert.equal(session.stats().linesReceived, 1, 'markers are not counted as received lines');
  });

  it('sends a status at most every 250 ms for stream activity', () => {
    const { clock, posted, driver, session } = setup();
    session.webviewReady();
    posted.length = 0;
    for (let i = 0; i < 100; i++) {
      driver.last.sink.state('web-1', 'app', i % 2 === 0 ? 'reconnecting' : 'streaming');
      clock.advance(10);
    }
    const statuses = ofType(posted, 'status').length;
    assert.ok(statuses >= 3 && statuses <= 5, `about 4 statuses in a second, got ${statuses}`);
  });

  it('restart stops the old streams, ignores their late callbacks, clears, and starts with the new options', () => {
    const { clock, posted, driver, session } = setup();
    session.webviewReady();
    const old = driver.last;
    old.sink.lines(lines('web-1', 'app', 0, 3));
    clock.advance(100);
    posted.length = 0;
    session.restart({ follow: false, previous: true, tailLines: 10, container: 'sidecar' });
    assert.equal(old.stopped, true);
    assert.equal(driver.runs.length, 2);
    assert.deepEqual(driver.last.options, { follow: false, previous: true, tailLines: 10, container: 'sidecar' });
    assert.equal(posted[0]?.type, 'clear');
    const init = ofType(posted, 'init')[0];
    assert.deepEqual(init?.options, { follow: false, previous: true, tailLines: 10, container: 'sidecar' });
    assert.deepEqual(init?.sources, []);
    old.sink.lines(lines('web-1', 'app', 50, 1));
    old.sink.marker('web-1', 'app', 'ended', 'late');
    driver.last.sink.lines([{ pod: 'web-1', container: 'sidecar', text: 'new' }]);
    clock.advance(100);
    assert.deepEqual(linesPosted(posted).map((l) => l.x), ['new']);
    assert.deepEqual(session.snapshot().lines.map((l) => l.x), ['new']);
    assert.equal(session.stats().restarts, 1);
    assert.deepEqual(session.currentOptions, { follow: false, previous: true, tailLines: 10, container: 'sidecar' });
  });

  it('restart through a new driver uses it (the connection was replaced)', () => {
    const { driver, session } = setup();
    const replacement = new FakeDriver();
    session.restart({ follow: true, previous: false }, replacement);
    assert.equal(driver.runs.length, 1);
    assert.equal(driver.last.stopped, true);
    assert.equal(replacement.runs.length, 1);
  });

  it('a driver that throws on start leaves a marker saying why', () => {
    const clock = new FakeClock();
    const posted: HostMessage[] = [];
    const session = new LogSession({ start: () => { throw new Error('no workload support'); } }, 't', {
      title: 'Logs: t', maxLines: 100, containers: [], options: { follow: true, previous: false }, post: (m) => { posted.push(m); }, now: () => clock.now, timers: clock,
    });
    session.start();
    assert.deepEqual(session.snapshot().lines, [{ s: -1, k: 'm', x: 'The log streams could not start: no workload support' }]);
  });

  it('clear empties the host buffer so that a replay does not bring lines back', () => {
    const { clock, posted, driver, session } = setup({ maxLines: 10 });
    session.webviewReady();
    driver.last.sink.lines(Array.from({ length: 15 }, (_, i) => ({ pod: 'p', container: 'app', text: `n${i}` })));
    session.clear();
    assert.equal(session.stats().buffered, 0);
    assert.equal(session.stats().dropped, 0);
    posted.length = 0;
    session.webviewGone();
    session.webviewReady();
    clock.advance(100);
    assert.equal(linesPosted(posted).length, 0);
  });

  it('dispose stops the streams at once, marks them ended, and posts nothing afterwards', () => {
    const { clock, posted, driver, session } = setup();
    session.webviewReady();
    driver.last.sink.lines(lines('p', 'app', 0, 1));
    session.dispose();
    assert.equal(driver.last.stopped, true);
    posted.length = 0;
    driver.last.sink.lines(lines('p', 'app', 1, 5));
    clock.advance(1000);
    assert.equal(posted.length, 0);
    assert.equal(clock.timerCount, 0, 'no timer left behind');
    const stats = session.stats();
    assert.equal(stats.disposed, true);
    assert.deepEqual(stats.streams.map((s) => s.state), ['ended']);
    assert.equal(stats.linesReceived, 1);
  });

  it('a connection closed under the streams ends them with a panel marker', () => {
    const { driver, session } = setup();
    driver.last.sink.lines(lines('p', 'app', 0, 1));
    session.connectionClosed('The connection was closed.');
    assert.equal(driver.last.stopped, true);
    assert.deepEqual(session.stats().streams.map((s) => s.state), ['ended']);
    assert.deepEqual(session.snapshot().lines.at(-1), { s: -1, k: 'm', x: 'The connection was closed.' });
    driver.last.sink.lines(lines('p', 'app', 1, 1));
    assert.equal(session.stats().linesReceived, 1, 'the stopped streams are not listened to');
  });

  it('learns container names a driver discovers later, for the picker and restart checks', () => {
    const { driver, session } = setup({ containers: ['app'] });
    assert.equal(session.isKnownContainer('worker'), false);
    driver.last.sink.containers(['app', 'worker']);
    assert.equal(session.isKnownContainer('worker'), true);
    assert.deepEqual(session.containers, ['app', 'worker']);
  });
});

describe('acceptWebviewMessage', () => {
  const known = (name: string): boolean => name === 'app' || name === 'sidecar';

  it('accepts the protocol messages, including a restart with a real container', () => {
    assert.deepEqual(acceptWebviewMessage({ type: 'ready' }, known), { ok: true, message: { type: 'ready' } });
    assert.deepEqual(acceptWebviewMessage({ type: 'restart', options: { follow: true, previous: false, container: 'sidecar' } }, known), {
      ok: true,
      message: { type: 'restart', options: { follow: true, previous: false, container: 'sidecar' } },
    });
  });

  it('refuses hostile and unknown messages without echoing their content (T33)', () => {
    const hostile = acceptWebviewMessage({ command: 'start', options: '{"container":"x; rm -rf ~"}' }, known);
    assert.deepEqual(hostile, { ok: false, reason: 'not one of the known shapes (no known type)' });
    assert.equal(acceptWebviewMessage({ type: 'restart', options: { follow: true, previous: false, container: 'x; rm -rf ~' } }, known).ok, false);
    assert.equal(acceptWebviewMessage({ type: 'restart', options: '{"follow":true}' }, known).ok, false);
    assert.equal(acceptWebviewMessage({ type: 'exec', cmd: 'sh' }, known).ok, false);
    assert.equal(acceptWebviewMessage({ type: 'pause', paused: 'yes' }, known).ok, false);
    assert.equal(acceptWebviewMessage(null, known).ok, false);
    assert.equal(acceptWebviewMessage('ready', known).ok, false);
    const long = acceptWebviewMessage({ type: `<script>${'x'.repeat(100)}` }, known);
    assert.ok(!long.ok && !long.reason.includes('<script>'), 'a strange type is not copied into the log');
  });

  it('refuses a restart naming a well-formed container the target does not have', () => {
    const refused = acceptWebviewMessage({ type: 'restart', options: { follow: true, previous: false, container: 'other' } }, known);
    assert.deepEqual(refused, { ok: false, reason: 'restart names container "other", which is not a container of the target' });
  });

  it('refuses a copy payload above the protocol limit', () => {
    assert.equal(acceptWebviewMessage({ type: 'copy', text: 'x'.repeat(16 * 1024 * 1024 + 1) }, known).ok, false);
    assert.equal(acceptWebviewMessage({ type: 'copy', text: 'some lines' }, known).ok, true);
  });
});

describe('formatSavedLine', () => {
  const sources = [{ pod: 'web-1', container: 'app', color: 0 }];

  it('writes time, pod/container and text; markers and panel notes are marked', () => {
    assert.equal(formatSavedLine({ s: 0, t: '2026-01-01T00:00:00.5Z', x: 'hello' }, sources), '2026-01-01T00:00:00.5Z web-1/app hello');
    assert.equal(formatSavedLine({ s: 0, x: 'no time' }, sources), '- web-1/app no time');
    assert.equal(formatSavedLine({ s: 0, k: 'm', x: 'reconnecting' }, sources), '--- web-1/app: reconnecting');
    assert.equal(formatSavedLine({ s: -1, k: 'm', x: 'closed' }, sources), '--- panel: closed');
  });
});
