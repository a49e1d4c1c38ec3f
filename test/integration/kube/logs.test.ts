// One container's log through the API server of the sandbox cluster (kwok serves every
// pod's log from the file the test appends to): follow, tail, previous, hostile lines, a
// stream cut mid-way by a fault proxy (resume with sinceTime, no duplicate, no gap),
// restarts, deleted pods, failures that must not be retried, and stop() closing the socket.
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LogLine } from '../../../src/clients/kube/api';
import { loadKubeconfig } from '../../../src/clients/kube/config';
import { streamContainerLogs } from '../../../src/clients/kube/logs';
import type { LogStreamTiming, OpenRequest } from '../../../src/clients/kube/logs';
import { truncationSuffix } from '../../../src/core/logs/lines';
import {
  FaultProxy, LogClock, firstLineOf, RecordingSink, appendLog, connectTo, createNamespace, createPod, criLine, criTime, deleteNamespace,
  kubectl, openerFor, sandboxEnv, sleep, waitFor, waitUntilStreaming, writeKubeconfigCopy,
} from './logsHarness';

const FAST: Partial<LogStreamTiming> = { initialBackoffMs: 100, maxBackoffMs: 1_000, replaySettleMs: 300 };

const tagOf = (name: string): string => `${name}-${randomBytes(4).toString('hex')}`;

describe('container logs over the API (real control plane)', () => {
  const env = sandboxEnv();
  const clock = new LogClock([env.appLog, env.previousLog]);
  const open: OpenRequest = openerFor(env.kubeconfig);
  const cleanups: (() => Promise<void> | void)[] = [];
  let ns = '';

  before(async () => {
    ns = await createNamespace('logs');
    cleanups.push(() => deleteNamespace(ns));
    await Promise.all([createPod(ns, 'web'), createPod(ns, 'multi', ['app', 'sidecar']), createPod(ns, 'restarts'), createPod(ns, 'doomed')]);
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('follows appended lines in order through a real connection, with their timestamps', async () => {
    const connection = await connectTo(env.kubeconfig, 'berth-sandbox');
    const sink = new RecordingSink();
    const stream = connection.streamLogs({ namespace: ns, pod: 'web', container: 'app', follow: true, tailLines: 0 }, sink);
    try {
      const tag = tagOf('follow');
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tag);
      const callsBefore = sink.batches.length;
      const second = clock.reserve(2);
      const count = 2_000;
      const timeOf = (i: number): string => criTime(second + Math.floor(i / 1_000), i * 1_000);
      appendLog(env.appLog, Array.from({ length: count }, (_, i) => criLine(timeOf(i), `${tag} #${i}`, i % 2 ? 'stderr' : 'stdout')));
      await waitFor(`${count} lines`, () => (sink.texts(`${tag} #`).length >= count ? true : undefined));
      assert.deepEqual(sink.texts(`${tag} #`), Array.from({ length: count }, (_, i) => `${tag} #${i}`));
      const ours = sink.lines.filter((l) => l.text.startsWith(`${tag} #`));
      assert.deepEqual(ours.map((l) => l.time), Array.from({ length: count }, (_, i) => timeOf(i)));
      assert.ok(ours.every((l) => l.pod === 'web' && l.container === 'app'));
      // At most one call per line: how many lines share a socket read is up to the server (kwok
      // flushes each line when the reader is slow), so the panel batches again before posting.
      const calls = sink.batches.length - callsBefore;
      assert.ok(calls >= 1 && calls <= count, `${calls} onLines calls for ${count} lines`);
      assert.deepEqual(sink.markers, []);
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
      connection.dispose();
    }
  });

  it('a consumer slower than the stream: every line in order, and the event loop is never held for a whole burst', async () => {
    // 60 µs per line: 100,000 lines take the consumer 6 s while the server sends them in about
    // one. Parsed as they came, a burst of socket reads (up to 2 MB, 20,000 lines) would hold
    // the event loop for over a second; parsed a slice at a time, and with the response paused
    // while 4 MiB wait, the loop stays served and nothing is lost.
    class SlowSink extends RecordingSink {
      override onLines(lines: LogLine[]): void {
        const until = performance.now() + lines.length * 0.06;
        while (performance.now() < until) { /* a consumer that computes */ }
        super.onLines(lines);
      }
    }
    const connection = await connectTo(env.kubeconfig, 'berth-sandbox');
    const sink = new SlowSink();
    const stream = connection.streamLogs({ namespace: ns, pod: 'web', container: 'app', follow: true, tailLines: 0 }, sink);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    try {
      const tag = tagOf('slow');
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tag);
      const second = clock.reserve(1);
      const count = 100_000;
      delay.enable();
      appendLog(env.appLog, Array.from({ length: count }, (_, i) => criLine(criTime(second, i), `${tag} #${i} ${'x'.repeat(40)}`)));
      await waitFor(`${count} lines`, () => (sink.texts(`${tag} #`).length >= count ? true : undefined), 120_000);
      delay.disable();
      const texts = sink.texts(`${tag} #`);
      assert.equal(texts.length, count);
      assert.ok(texts.every((text, i) => text.startsWith(`${tag} #${i} `)), 'every line once, in order');
      assert.deepEqual(sink.markers, []);
      const maxMs = delay.max / 1e6;
      assert.ok(maxMs < 600, `the event loop was held for ${maxMs.toFixed(0)} ms`);
    } finally {
      delay.disable();
      stream.stop();
      connection.dispose();
    }
  });

  it('a quiet followed stream is not cut by the request deadline: no reconnect while nothing is written', async () => {
    // The API server sends a followed log's headers only with its first line.
    const loaded = await loadKubeconfig({ kubeconfigSetting: env.kubeconfig, env: {}, home: homedir() });
    const connection = loaded.connect('berth-sandbox', { requestDeadlineMs: 1_000, execDeadlineMs: 10_000 });
    const sink = new RecordingSink();
    const stream = connection.streamLogs({ namespace: ns, pod: 'web', container: 'app', follow: true, tailLines: 0 }, sink);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      assert.deepEqual(sink.markers, [], 'a quiet stream was treated as failed');
      assert.deepEqual(sink.failures, []);
      const tag = tagOf('quiet');
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tag);
      assert.deepEqual(sink.markers, []);
    } finally {
      stream.stop();
      connection.dispose();
    }
  });

  it('tailLines without follow: the last N lines, then an "ended" marker', async () => {
    const tag = tagOf('tail');
    const second = clock.reserve();
    appendLog(env.appLog, Array.from({ length: 10 }, (_, i) => criLine(criTime(second, i), `${tag} #${i}`)));
    const sink = new RecordingSink();
    streamContainerLogs(open, { namespace: ns, pod: 'web', container: 'app', follow: false, tailLines: 3 }, sink, FAST);
    await waitFor('the end', () => (sink.kinds().includes('ended') ? true : undefined));
    assert.deepEqual(sink.lines.map((l) => l.text), [`${tag} #7`, `${tag} #8`, `${tag} #9`]);
    assert.deepEqual(sink.kinds(), ['ended']);
    assert.equal(sink.markers[0]?.afterLines, 3);
    assert.deepEqual(sink.failures, []);
  });

  it('previous: reads the previous container\'s log (kwok: previousLog) to its end, even when follow is asked', async () => {
    const tag = tagOf('previous');
    const second = clock.reserve();
    appendLog(env.previousLog, Array.from({ length: 5 }, (_, i) => criLine(criTime(second, i), `${tag} #${i}`)));
    const sink = new RecordingSink();
    streamContainerLogs(open, { namespace: ns, pod: 'web', container: 'app', follow: true, previous: true }, sink, FAST);
    await waitFor('the end', () => (sink.kinds().includes('ended') ? true : undefined));
    assert.deepEqual(sink.texts(tag), Array.from({ length: 5 }, (_, i) => `${tag} #${i}`));
    assert.deepEqual(sink.kinds(), ['ended']);
    assert.deepEqual(sink.failures, []);
  });

  it('hostile lines (NUL, 1.2 MB line, escapes, HTML, a lone CR, UTF-8 split across reads) arrive sanitised and the stream goes on', async () => {
    const sink = new RecordingSink();
    const stream = streamContainerLogs(open, { namespace: ns, pod: 'multi', container: 'sidecar', follow: true, tailLines: 0 }, sink, FAST);
    try {
      const tag = tagOf('hostile');
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tag);
      const second = clock.reserve();
      const t = (i: number): string => criTime(second, i);
      const big = `${tag} big ${'x'.repeat(1_200_000)}`;
      const euro = `${tag} euro ${'€'.repeat(300_000)}`;
      appendLog(env.appLog, [
        criLine(t(1), `${tag} nul a\u0000b`),
        criLine(t(2), big),
        criLine(t(3), euro),
        criLine(t(4), `${tag} esc \u001b[31mred\u001b[0m \u001b]0;title\u0007 done`),
        criLine(t(5), `${tag} html <script>window.__pwned=1</script><img src=x onerror=alert(1)>`),
        criLine(t(6), `${tag} cr a\rb`),
        criLine(t(7), `${tag} after`),
      ]);
      await waitFor('the line after the hostile ones', () => (sink.texts(`${tag} after`).length ? true : undefined), 30_000);
      const texts = sink.texts(`${tag} `).filter((x) => !x.startsWith(`${tag} probe`));
      assert.equal(texts.length, 7);
      assert.equal(texts[0], `${tag} nul a\u2400b`);
      // The limit counts the whole received line, timestamp included.
      const raw = `${t(2)} ${big}`;
      const hidden = raw.length - 1_048_576;
      assert.equal(texts[1], raw.slice(t(2).length + 1, 1_048_576) + truncationSuffix(hidden));
      assert.equal(texts[2], euro, 'a multi-byte character split between two reads is decoded whole');
      assert.equal(texts[3], `${tag} esc \u001b[31mred\u001b[0m \u001b]0;title\u2407 done`);
      assert.equal(texts[4], `${tag} html <script>window.__pwned=1</script><img src=x onerror=alert(1)>`);
      assert.equal(texts[5], `${tag} cr a\u240db`);
      assert.equal(texts[6], `${tag} after`);
      assert.ok(sink.lines.every((l) => l.container === 'sidecar' && l.pod === 'multi'));
      assert.deepEqual(sink.markers, []);
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
    }
  });

  it('a stream cut mid-way (FIN and RST) while equal-second and equal-nanosecond lines are appended: reconnecting, resumed, no duplicate, no gap', async () => {
    const proxy = await FaultProxy.start(env.server);
    const kubeconfig = writeKubeconfigCopy(env.kubeconfig, proxy.url);
    const sink = new RecordingSink();
    const stream = streamContainerLogs(openerFor(kubeconfig.path), { namespace: ns, pod: 'web', container: 'app', follow: true, tailLines: 0 }, sink, FAST);
    try {
      const tag = tagOf('seq');
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tag);
      const total = 3_000;
      const first = clock.reserve(total / 50 + 1);
      // 50 lines per second; within a second, groups of 5 lines share one exact timestamp.
      const timeOf = (i: number): string => criTime(first + Math.floor(i / 50), Math.floor((i % 50) / 5) * 1_000 + 7);
      const lines = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => criLine(timeOf(from + k), `${tag} #${from + k}`));
      const received = (): number => sink.texts(`${tag} #`).length;
      const expected = Array.from({ length: total }, (_, i) => `${tag} #${i}`);

      // A cut after #12, in the middle of the group #10..#14 (one timestamp), then #13.. written while disconnected.
      appendLog(env.appLog, lines(0, 13));
      await waitFor('#12', () => (received() >= 13 ? true : undefined));
      assert.equal(proxy.cut('fin') > 0, true);
      appendLog(env.appLog, lines(13, 100));
      await waitFor('#99', () => (sink.texts(`${tag} #99`).length ? true : undefined), 30_000);
      assert.deepEqual(sink.texts(`${tag} #`), expected.slice(0, 100), '#0..#99 once each: no replayed line twice, and #13, #14 (same timestamp as #12) not taken for replayed ones');
      assert.deepEqual(sink.kinds(), ['reconnecting', 'resumed']);
      assert.match(sink.markers[1]?.text ?? '', /\b13 lines already shown were skipped/);

      // Then cuts while lines keep coming, in batches that do not line up with the groups.
      let writing = true;
      const writer = (async () => {
        for (let i = 100; i < total; i += 7) {
          appendLog(env.appLog, lines(i, Math.min(i + 7, total)));
          await sleep(5);
        }
        writing = false;
      })();
      const cuts: ('fin' | 'rst')[] = ['rst', 'fin', 'rst'];
      for (const [k, mode] of cuts.entries()) {
        const threshold = 600 + k * 700;
        await waitFor(`#${threshold}`, () => (received() >= threshold ? true : undefined), 30_000);
        proxy.cut(mode);
        await waitFor('the resume', () => (sink.kinds().filter((x) => x === 'resumed').length >= k + 2 ? true : undefined), 30_000);
      }
      await writer;
      assert.equal(writing, false);
      await waitFor(`the last line, #${total - 1}`, () => (sink.texts(`${tag} #${total - 1}`).length ? true : undefined), 60_000);
      await sleep(300);
      assert.deepEqual(sink.texts(`${tag} #`), expected, 'every numbered line exactly once, in order');
      assert.deepEqual(sink.kinds(), ['reconnecting', 'resumed', 'reconnecting', 'resumed', 'reconnecting', 'resumed', 'reconnecting', 'resumed']);
      assert.ok(sink.markers.filter((m) => m.kind === 'reconnecting').every((m) => /interrupted \(.+\); reconnecting/.test(m.text)));
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
      await proxy.close();
      kubeconfig.dispose();
    }
  });

  it('a snapshot (no follow) cut mid-transfer: resumed from the last line it got, every line once, then "ended"', async () => {
    const total = 30_000;
    const tag = tagOf('snapshot');
    const first = clock.reserve(total / 1_000);
    appendLog(env.appLog, Array.from({ length: total }, (_, i) => criLine(criTime(first + Math.floor(i / 1_000), (i % 1_000) * 1_000), `${tag} #${i}`)));
    const proxy = await FaultProxy.start(env.server);
    const kubeconfig = writeKubeconfigCopy(env.kubeconfig, proxy.url);
    const sink = new RecordingSink();
    const stream = streamContainerLogs(openerFor(kubeconfig.path), { namespace: ns, pod: 'web', container: 'app', follow: false, tailLines: total }, sink, FAST);
    try {
      await waitFor('the first lines', () => (sink.lines.length >= 2_000 ? true : undefined), 20_000, 1);
      assert.ok(proxy.cut('rst') > 0);
      const cutAfter = sink.lines.length;
      await waitFor('the end', () => (sink.kinds().includes('ended') ? true : undefined), 30_000);
      assert.ok(cutAfter < total, `the cut came after ${cutAfter} lines`);
      assert.deepEqual(sink.lines.map((l) => l.text), Array.from({ length: total }, (_, i) => `${tag} #${i}`));
      assert.deepEqual(sink.kinds(), ['reconnecting', 'resumed', 'ended']);
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
      await proxy.close();
      kubeconfig.dispose();
    }
  });

  it('stop() closes the stream\'s socket within 1 s (the proxy sees it) and nothing is delivered after it', async () => {
    const proxy = await FaultProxy.start(env.server);
    const kubeconfig = writeKubeconfigCopy(env.kubeconfig, proxy.url);
    const sink = new RecordingSink();
    const stream = streamContainerLogs(openerFor(kubeconfig.path), { namespace: ns, pod: 'web', container: 'app', follow: true, tailLines: 0 }, sink, FAST);
    try {
      const tag = tagOf('stop');
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tag);
      // The log stream is the connection that carries the next line (the others are idle keep-alive ones).
      const bytesBefore = new Map(proxy.open().map((c) => [c.id, c.bytesDown]));
      appendLog(env.appLog, [criLine(criTime(clock.reserve(), 0), `${tag} marker line`)]);
      await waitFor('the marker line', () => (sink.texts(`${tag} marker line`).length ? true : undefined));
      const logConnection = proxy.open().find((c) => c.bytesDown > (bytesBefore.get(c.id) ?? 0));
      assert.ok(logConnection, 'the log stream goes through the proxy');
      const stoppedAt = Date.now();
      stream.stop();
      const closedAt = await waitFor('the socket to close', () => logConnection.closedAt, 2_000, 5);
      assert.ok(closedAt - stoppedAt < 1_000, `closed after ${closedAt - stoppedAt} ms`);
      const count = sink.lines.length;
      appendLog(env.appLog, [criLine(criTime(clock.reserve(), 0), `${tag} late`)]);
      await sleep(500);
      assert.equal(sink.lines.length, count);
      assert.deepEqual(sink.markers, []);
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
      await proxy.close();
      kubeconfig.dispose();
    }
  });

  it('a container restart (restartCount changes) found on reconnect: the old run\'s last lines from previous, a "restarted" marker, then the new run from its first line', async () => {
    const proxy = await FaultProxy.start(env.server);
    const kubeconfig = writeKubeconfigCopy(env.kubeconfig, proxy.url);
    const sink = new RecordingSink();
    const stream = streamContainerLogs(openerFor(kubeconfig.path), { namespace: ns, pod: 'restarts', container: 'app', follow: true, tailLines: 0 }, sink, FAST);
    try {
      const tag = tagOf('restart');
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tag);
      await sleep(300); // the stream's first look at the pod (restartCount 0)
      const second = clock.reserve();
      appendLog(env.appLog, [criLine(criTime(second, 1), `${tag} before`)]);
      await waitFor('the line before', () => (sink.texts(`${tag} before`).length ? true : undefined));
      // What the old run wrote after the drop, as its previous log shows it.
      appendLog(env.previousLog, [criLine(criTime(second, 1), `${tag} before`), criLine(criTime(second, 2), `${tag} last words`)]);
      // kwok does not restart containers: the status says it did.
      const pod = JSON.parse(await kubectl(['get', 'pod', 'restarts', '-n', ns, '-o', 'json'])) as { status: { containerStatuses: Record<string, unknown>[] } };
      const statuses = pod.status.containerStatuses.map((s) => ({ ...s, restartCount: 1, containerID: 'kwok://restarted-1' }));
      await kubectl(['patch', 'pod', 'restarts', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { containerStatuses: statuses } })]);
      proxy.cut('rst');
      await waitFor('the restart marker', () => (sink.kinds().includes('restarted') ? true : undefined), 30_000);
      const marker = sink.markers.find((m) => m.kind === 'restarted');
      assert.ok(marker);
      assert.match(marker.text, /restart #1/);
      const beforeMarker = sink.lines.slice(0, marker.afterLines).map((l) => l.text).filter((x) => x.startsWith(`${tag} `) && !x.includes(' probe '));
      assert.deepEqual(beforeMarker, [`${tag} before`, `${tag} last words`]);
      // The new run's log from its first line: kwok serves the same file, so its first line comes again.
      await waitFor('the new run\'s first line', () => (sink.lines.length > marker.afterLines ? true : undefined), 30_000);
      const firstLineOfFile = firstLineOf(env.appLog);
      assert.equal(sink.lines[marker.afterLines]?.text, firstLineOfFile.replace(/^\S+ (stdout|stderr) F /, ''));
      assert.deepEqual(sink.kinds().slice(0, 2), ['reconnecting', 'restarted']);
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
      await proxy.close();
      kubeconfig.dispose();
    }
  });

  it('a pod deleted while its stream is down: "ended", not a failure', async () => {
    const proxy = await FaultProxy.start(env.server);
    const kubeconfig = writeKubeconfigCopy(env.kubeconfig, proxy.url);
    const sink = new RecordingSink();
    const stream = streamContainerLogs(openerFor(kubeconfig.path), { namespace: ns, pod: 'doomed', container: 'app', follow: true, tailLines: 0 }, sink, FAST);
    try {
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tagOf('doomed'));
      await kubectl(['delete', 'pod', 'doomed', '-n', ns, '--wait=true', '--timeout=60s']);
      proxy.cut('fin');
      await waitFor('the end', () => (sink.kinds().includes('ended') ? true : undefined), 30_000);
      assert.deepEqual(sink.kinds(), ['reconnecting', 'ended']);
      assert.match(sink.markers[1]?.text ?? '', /doomed was deleted/);
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
      await proxy.close();
      kubeconfig.dispose();
    }
  });

  it('failures that retrying cannot fix are reported at once: missing pod (404), unknown container (400), RBAC (403)', async () => {
    const missing = new RecordingSink();
    streamContainerLogs(open, { namespace: ns, pod: 'no-such-pod', container: 'app', follow: true }, missing, FAST);
    const unknownContainer = new RecordingSink();
    streamContainerLogs(open, { namespace: ns, pod: 'web', container: 'nope', follow: true }, unknownContainer, FAST);
    const limited = await connectTo(`${env.kubeconfig}:${env.faultsKubeconfig}`, 'limited');
    const forbidden = new RecordingSink();
    limited.streamLogs({ namespace: ns, pod: 'web', container: 'app', follow: true }, forbidden);
    try {
      const started = Date.now();
      await waitFor('three failures', () => (missing.failures.length && unknownContainer.failures.length && forbidden.failures.length ? true : undefined), 10_000);
      assert.ok(Date.now() - started < 3_000);
      assert.equal(missing.failures[0]?.code, 'KUBE_NOT_FOUND');
      assert.equal(unknownContainer.failures[0]?.status, 400);
      assert.match(unknownContainer.failures[0]?.message ?? '', /nope/);
      assert.equal(forbidden.failures[0]?.code, 'KUBE_FORBIDDEN');
      assert.equal(forbidden.failures[0]?.namespace, ns);
      await sleep(500);
      for (const sink of [missing, unknownContainer, forbidden]) {
        assert.equal(sink.failures.length, 1);
        assert.deepEqual(sink.markers, [], 'no reconnecting for a failure that cannot heal');
      }
    } finally {
      limited.dispose();
    }
  });

  it('an API server that stays unreachable: "reconnecting", then onFailure (KUBE_UNREACHABLE) once the give-up time has passed', async () => {
    const proxy = await FaultProxy.start(env.server);
    const kubeconfig = writeKubeconfigCopy(env.kubeconfig, proxy.url);
    const sink = new RecordingSink();
    const stream = streamContainerLogs(openerFor(kubeconfig.path), { namespace: ns, pod: 'web', container: 'app', follow: true, tailLines: 0 }, sink, { ...FAST, maxBackoffMs: 400, giveUpAfterMs: 2_000 });
    try {
      await waitUntilStreaming(env.appLog, clock, () => sink.lines, tagOf('giveup'));
      const refusedAt = Date.now();
      await proxy.refuse();
      await waitFor('the failure', () => sink.failures[0], 10_000);
      const after = Date.now() - refusedAt;
      assert.ok(after >= 2_000 && after < 6_000, `gave up after ${after} ms`);
      assert.equal(sink.failures[0]?.code, 'KUBE_UNREACHABLE');
      assert.deepEqual(sink.kinds(), ['reconnecting']);
      await sleep(1_000);
      assert.equal(sink.failures.length, 1, 'no retry after giving up');
    } finally {
      stream.stop();
      await proxy.close();
      kubeconfig.dispose();
    }
  });
});
