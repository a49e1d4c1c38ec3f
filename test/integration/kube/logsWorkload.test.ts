// The logs of a whole workload against the sandbox cluster: a Deployment's pods found by its
// selector through a real informer, lines tagged per pod, pods that start later joining,
// deleted pods leaving, the concurrency limit with its queue, and 100,000 lines per pod.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KubeConnection, LogLine } from '../../../src/clients/kube/api';
import type { LogStreamTiming } from '../../../src/clients/kube/logs';
import { streamWorkloadLogs } from '../../../src/clients/kube/workloadLogs';
import type { LogSource, WorkloadLogDeps, WorkloadLogSink, WorkloadLogSource, WorkloadMarkerKind } from '../../../src/clients/kube/workloadLogs';
import type { KubeFailure } from '../../../src/core/kube/types';
import type { PodJson } from '../../../src/core/kube/objects';
import {
  LogClock, appendLog, connectTo, createDeployment, createNamespace, criLine, criTime, deleteNamespace, kubectl, openerFor,
  probeUntil, sandboxEnv, waitFor, waitForReadyPods,
} from './logsHarness';

const FAST: Partial<LogStreamTiming> = { initialBackoffMs: 100, maxBackoffMs: 1_000, replaySettleMs: 300 };

const tagOf = (name: string): string => `${name}-${randomBytes(4).toString('hex')}`;

class WorkloadRecorder implements WorkloadLogSink {
  readonly lines: LogLine[] = [];
  readonly markers: { pod: string; container: string; kind: WorkloadMarkerKind; text: string }[] = [];
  readonly failures: { failure: KubeFailure; source: LogSource | undefined }[] = [];
  sources: WorkloadLogSource[] = [];
  /**
   * Lines `<countPrefix><n> ...` are checked, not kept (cheap for 100,000s of lines): per pod,
   * how many came in sequence (n = 0, 1, 2...) and how many broke it (duplicate, gap, order).
   */
  countPrefix = '\u0000';
  private readonly inSequence = new Map<string, number>();
  outOfSequence = 0;

  onLines(lines: LogLine[]): void {
    for (const line of lines) {
      if (!line.text.startsWith(this.countPrefix)) {
        this.lines.push(line);
        continue;
      }
      const n = Number.parseInt(line.text.slice(this.countPrefix.length), 10);
      const expected = this.inSequence.get(line.pod) ?? 0;
      if (n === expected) this.inSequence.set(line.pod, expected + 1);
      else this.outOfSequence++;
    }
  }

  onMarker(pod: string, container: string, kind: WorkloadMarkerKind, text: string): void {
    this.markers.push({ pod, container, kind, text });
  }

  onSources(sources: WorkloadLogSource[]): void {
    this.sources = sources;
  }

  onFailure(failure: KubeFailure, source?: LogSource): void {
    this.failures.push({ failure, source });
  }

  count(pod: string): number {
    return this.inSequence.get(pod) ?? 0;
  }

  textsOf(pod: string, prefix: string): string[] {
    return this.lines.filter((l) => l.pod === pod && l.text.startsWith(prefix)).map((l) => l.text);
  }

  markersOf(kind: WorkloadMarkerKind): { pod: string; text: string }[] {
    return this.markers.filter((m) => m.kind === kind);
  }

  states(): Record<string, string> {
    return Object.fromEntries(this.sources.map((s) => [s.pod, s.state]));
  }
}

describe('workload logs over the API (real control plane)', () => {
  const env = sandboxEnv();
  const clock = new LogClock([env.appLog, env.previousLog]);
  let connection: KubeConnection;
  let deps: WorkloadLogDeps;
  const namespaces: string[] = [];

  before(async () => {
    connection = await connectTo(env.kubeconfig, 'berth-sandbox');
    deps = { open: openerFor(env.kubeconfig), informer: (ref, options) => connection.informer<PodJson>(ref, options), timing: FAST };
  });
  after(async () => {
    connection.dispose();
    for (const ns of namespaces) await deleteNamespace(ns);
  });

  async function namespace(prefix: string): Promise<string> {
    const ns = await createNamespace(prefix);
    namespaces.push(ns);
    return ns;
  }

  /** Appends probes until every pod in `pods` delivered one. */
  function untilAllStream(sink: WorkloadRecorder, pods: readonly string[], tag: string): Promise<void> {
    return probeUntil(env.appLog, clock, tag, () => pods.every((pod) => sink.textsOf(pod, `${tag} probe `).length > 0));
  }

  it('a Deployment with 2 replicas: lines tagged with both pods; scaled to 3 the new pod joins; scaled to 1 two leave', async () => {
    const ns = await namespace('wl-scale');
    const selector = await createDeployment(ns, 'web', 2);
    const pods = await waitForReadyPods(ns, selector, 2);
    const sink = new WorkloadRecorder();
    // sinceSeconds keeps the joiner from reading what other tests wrote long ago (kwok serves one file to every pod).
    const stream = streamWorkloadLogs(deps, { namespace: ns, selector, options: { follow: true, tailLines: 0, sinceSeconds: 5 } }, sink);
    try {
      const tag = tagOf('scale');
      await untilAllStream(sink, pods, tag);
      assert.deepEqual(sink.sources.map((s) => s.pod).sort(), pods);
      assert.ok(sink.sources.every((s) => s.container === 'app' && s.state === 'streaming'));

      const second = clock.reserve();
      appendLog(env.appLog, Array.from({ length: 100 }, (_, i) => criLine(criTime(second, i), `${tag} a#${i}`)));
      await waitFor('100 lines from each pod', () => (pods.every((p) => sink.textsOf(p, `${tag} a#`).length >= 100) ? true : undefined));
      for (const pod of pods) assert.deepEqual(sink.textsOf(pod, `${tag} a#`), Array.from({ length: 100 }, (_, i) => `${tag} a#${i}`));
      assert.deepEqual(sink.markersOf('joined'), [], 'the pods there at the start do not "join"');

      await kubectl(['scale', 'deployment', 'web', '-n', ns, '--replicas=3']);
      const three = await waitForReadyPods(ns, selector, 3);
      const newcomer = three.find((p) => !pods.includes(p));
      assert.ok(newcomer);
      await waitFor('the newcomer to join', () => (sink.markersOf('joined').some((m) => m.pod === newcomer) ? true : undefined));
      await untilAllStream(sink, three, `${tag}-3`);
      const later = clock.reserve();
      appendLog(env.appLog, Array.from({ length: 50 }, (_, i) => criLine(criTime(later, i), `${tag} b#${i}`)));
      await waitFor('50 lines from each of 3 pods', () => (three.every((p) => sink.textsOf(p, `${tag} b#`).length >= 50) ? true : undefined));
      for (const pod of three) assert.deepEqual(sink.textsOf(pod, `${tag} b#`), Array.from({ length: 50 }, (_, i) => `${tag} b#${i}`));
      assert.equal(sink.sources.length, 3);

      await kubectl(['scale', 'deployment', 'web', '-n', ns, '--replicas=1']);
      await waitFor('two pods to leave', () => (sink.markersOf('left').length >= 2 ? true : undefined), 60_000);
      await waitFor('one source', () => (sink.sources.length === 1 ? true : undefined));
      assert.equal(sink.markersOf('left').length, 2);
      assert.ok(sink.markersOf('left').every((m) => /was deleted/.test(m.text)));
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
    }
  });

  it('at most maxStreams streams: the rest is queued with a marker, and a freed slot goes to the queue', async () => {
    const ns = await namespace('wl-limit');
    const selector = await createDeployment(ns, 'busy', 3);
    const pods = await waitForReadyPods(ns, selector, 3);
    const sink = new WorkloadRecorder();
    const stream = streamWorkloadLogs(deps, { namespace: ns, selector, options: { follow: true, tailLines: 0, sinceSeconds: 5, maxStreams: 2 } }, sink);
    try {
      await waitFor('three sources', () => (sink.sources.length === 3 ? true : undefined));
      const states = Object.values(sink.states()).sort();
      assert.deepEqual(states, ['queued', 'streaming', 'streaming']);
      const queuedMarker = sink.markersOf('queued')[0];
      assert.ok(queuedMarker);
      assert.match(queuedMarker.text, /at most 2 log streams/);
      const queuedPod = sink.sources.find((s) => s.state === 'queued')?.pod;
      const streamingPods = pods.filter((p) => p !== queuedPod);
      const tag = tagOf('limit');
      await untilAllStream(sink, streamingPods, tag);
      assert.ok(queuedPod);
      assert.deepEqual(sink.textsOf(queuedPod, tag), [], 'a queued container has no request open');

      // Deleting a streaming pod frees its slot: the queued one starts and joins.
      const victim = streamingPods[0];
      assert.ok(victim);
      await kubectl(['delete', 'pod', victim, '-n', ns, '--wait=false']);
      await waitFor('the queued pod to join', () => (sink.markersOf('joined').some((m) => m.pod === queuedPod) ? true : undefined), 30_000);
      assert.ok(sink.markersOf('left').some((m) => m.pod === victim));
      await untilAllStream(sink, [queuedPod, streamingPods[1] ?? ''], `${tag}-2`);
      // The ReplicaSet's replacement pod waits for a slot in turn.
      await waitFor('the replacement to be queued', () => (sink.sources.some((s) => !pods.includes(s.pod) && s.state === 'queued') ? true : undefined), 30_000);
      assert.equal(sink.sources.filter((s) => s.state === 'streaming').length, 2);
      assert.deepEqual(sink.failures, []);
    } finally {
      stream.stop();
    }
  });

  it('without follow: the tail of every container of every pod, each ended, then one "ended" for the workload', async () => {
    const ns = await namespace('wl-snapshot');
    const selector = await createDeployment(ns, 'pair', 2, ['app', 'sidecar']);
    const pods = await waitForReadyPods(ns, selector, 2);
    const tag = tagOf('snapshot');
    const second = clock.reserve();
    appendLog(env.appLog, Array.from({ length: 5 }, (_, i) => criLine(criTime(second, i), `${tag} #${i}`)));
    const sink = new WorkloadRecorder();
    streamWorkloadLogs(deps, { namespace: ns, selector, options: { follow: false, tailLines: 2 } }, sink);
    await waitFor('the workload\'s end', () => (sink.markers.some((m) => m.kind === 'ended' && m.pod === '') ? true : undefined), 30_000);
    const sources = pods.flatMap((pod) => ['app', 'sidecar'].map((container) => `${pod}/${container}`)).sort();
    assert.deepEqual(sink.sources.map((s) => `${s.pod}/${s.container}`).sort(), sources);
    assert.ok(sink.sources.every((s) => s.state === 'ended'));
    for (const source of sources) {
      const [pod, container] = source.split('/');
      assert.deepEqual(sink.lines.filter((l) => l.pod === pod && l.container === container).map((l) => l.text), [`${tag} #3`, `${tag} #4`], source);
    }
    const ended = sink.markersOf('ended');
    assert.equal(ended.length, sources.length + 1, 'one per container and one for the workload');
    assert.equal(ended.at(-1)?.pod, '');
    assert.deepEqual(sink.failures, []);
  });

  it('100,000 appended lines arrive complete from every pod of the workload', async () => {
    const ns = await namespace('wl-volume');
    const selector = await createDeployment(ns, 'volume', 2);
    const pods = await waitForReadyPods(ns, selector, 2);
    const sink = new WorkloadRecorder();
    const stream = streamWorkloadLogs(deps, { namespace: ns, selector, options: { follow: true, tailLines: 0 } }, sink);
    try {
      const tag = tagOf('volume');
      await untilAllStream(sink, pods, tag);
      const total = 100_000;
      sink.countPrefix = `${tag} #`;
      const first = clock.reserve(total / 1_000);
      const started = Date.now();
      for (let chunk = 0; chunk < total; chunk += 10_000) {
        appendLog(env.appLog, Array.from({ length: 10_000 }, (_, k) => {
          const i = chunk + k;
          return criLine(criTime(first + Math.floor(i / 1_000), (i % 1_000) * 1_000), `${tag} #${i} ${'.'.repeat(i % 40)}`);
        }));
      }
      await waitFor(`${total} lines from each pod`, () => (pods.every((p) => sink.count(p) >= total) || sink.outOfSequence > 0 ? true : undefined), 120_000, 100);
      const ms = Date.now() - started;
      console.log(`workload logs: ${total} lines x ${pods.length} pods in ${ms} ms (${Math.round((total * pods.length) / (ms / 1000))} lines/s)`);
      for (const pod of pods) assert.equal(sink.count(pod), total, `lines from ${pod}`);
      assert.equal(sink.outOfSequence, 0, 'no duplicate, gap or reordering');
      assert.deepEqual(sink.failures, []);
      assert.deepEqual(sink.markers.filter((m) => m.kind !== 'waiting'), []);
    } finally {
      stream.stop();
    }
  });
});
