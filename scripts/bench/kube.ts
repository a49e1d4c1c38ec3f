// The Clusters tree's data path with 5,000 pods in one namespace, against the sandbox control
// plane: Berth's paginated list (first page, full list) side by side with `kubectl get pods -o
// json` and @kubernetes/client-node's typed CoreV1Api.listNamespacedPod, alternating who goes
// first; the informer's update latency after a pod's label is patched; and the tree's own
// classification of 5,000 pods (namespaceIndex + podStatus).
//
// The pods are created straight onto kwok's node (spec.nodeName, no scheduler) by parallel POSTs
// and kept for the next run; `npm run bench -- kube --clean` deletes the namespace at the end.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { KubeConnection } from '../../src/clients/kube/api';
import type { PodJson, WorkloadJson } from '../../src/core/kube/objects';
import { podStatus } from '../../src/core/kube/podStatus';
import type { ResourceRef } from '../../src/core/kube/types';
import { indexNamespace } from '../../src/vscode/kube/namespaceIndex';
import type { WorkloadsByKind } from '../../src/vscode/kube/namespaceIndex';
import type { BenchContext, BenchResult } from './lib/measure';
import { machine, median, percentile, round, table, timeProcess } from './lib/measure';
import { RawKube, SANDBOX_CONTEXT, berthConnection, cleanRequested, forEachLimited, ms, ratio, sleep, useSandbox, waitUntil } from './lib/kubeBench';
import type { SandboxEnv } from './lib/kubeBench';

export const name = 'kube';
export const description = 'Clusters tree: 5,000 pods listed vs kubectl and client-node; informer update latency; classification';

/** Workload labels the pods carry (app=bench-0..49), so the classification has selectors to match. */
const APP_GROUPS = 50;
const SEED_CONCURRENCY = 32;
const LATENCY_SAMPLES = 20;
/** Pod slots of the sandbox's node left for everyone else. */
const MIN_FREE_SLOTS = 200;
/** Pods in --quick runs: two pages, and room beside a kept 5,000-pod namespace. */
const QUICK_PODS = 600;

function podName(i: number): string {
  return `pod-${String(i).padStart(5, '0')}`;
}

function podBody(i: number, node: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName(i), labels: { app: `bench-${i % APP_GROUPS}`, tier: i % 3 === 0 ? 'backend' : 'frontend', 'berth.dev/bench': 'kube' } },
    spec: {
      nodeName: node,
      containers: [{ name: 'app', image: 'registry.example/bench/app:1.0', ports: [{ containerPort: 8080 }], env: [{ name: 'INDEX', value: String(i) }] }],
    },
  };
}

/** A pod count as the API writes it: a Kubernetes quantity such as `110` or `6k`. */
function podQuantity(text: string | undefined): number | undefined {
  const match = /^(\d+)(k|M)?$/.exec(text ?? '');
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'k' ? 1000 : match[2] === 'M' ? 1_000_000 : 1);
}

/** Creates the missing pods and waits until kwok shows them all Running; returns what it did. */
async function seed(raw: RawKube, env: SandboxEnv, namespace: string, count: number, log: (m: string) => void): Promise<{ reused: boolean; seedMs: number; created: number }> {
  const t0 = performance.now();
  await raw.ensureNamespace(namespace);
  const podsPath = `/api/v1/namespaces/${namespace}/pods`;
  const existing = await raw.count(podsPath);
  if (existing >= count && (await raw.count(podsPath, 'status.phase=Running')) >= count) {
    log(`seed: namespace ${namespace} already has ${existing} Running pods (reused)`);
    return { reused: true, seedMs: performance.now() - t0, created: 0 };
  }
  // The sandbox has one node of fixed capacity, shared with every other test: never fill it.
  const node = await raw.json<{ status?: { allocatable?: { pods?: string } } }>(`/api/v1/nodes/${env.node}`);
  const capacity = podQuantity(node.status?.allocatable?.pods) ?? env.nodePods ?? 0;
  const onNode = await raw.count('/api/v1/pods', `spec.nodeName=${env.node}`);
  const free = capacity - onNode - (count - existing);
  if (free < MIN_FREE_SLOTS) {
    throw new Error(`seeding ${count - existing} more pods would leave ${Math.max(0, free)} of ${env.node}'s ${capacity} pod slots free (fewer than ${MIN_FREE_SLOTS}), `
      + 'and other tests could not schedule theirs. Remove an earlier benchmark namespace first: npm run bench -- kube --clean (or with --quick)');
  }
  log(`seed: ${existing} pods in ${namespace}; creating up to ${count} (${SEED_CONCURRENCY} POSTs at a time, nodeName ${env.node}; ${free} pod slots stay free)`);
  let created = 0;
  const indexes = Array.from({ length: count }, (_, i) => i);
  await forEachLimited(indexes, SEED_CONCURRENCY, async (i) => {
    const res = await raw.ok('POST', podsPath, podBody(i, env.node), { accept: [409] });
    if (res.status !== 409) created++;
    if (created > 0 && created % 1000 === 0 && res.status !== 409) log(`seed: ${created} created (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  });
  const postedMs = performance.now() - t0;
  log(`seed: ${created} pods created in ${(postedMs / 1000).toFixed(1)} s; waiting for kwok to run them`);
  await waitUntil(`${count} Running pods in ${namespace}`, async () => (await raw.count(podsPath, 'status.phase=Running')) >= count, 600_000, 2000);
  const seedMs = performance.now() - t0;
  log(`seed: all ${count} Running after ${(seedMs / 1000).toFixed(1)} s`);
  return { reused: false, seedMs, created };
}

/** Synthetic Deployments selecting the pods' app labels: the classification's selectors (not created in the cluster). */
function syntheticWorkloads(): WorkloadsByKind {
  const deployments: WorkloadJson[] = Array.from({ length: APP_GROUPS }, (_, g) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `bench-${g}`, namespace: 'bench', uid: `uid-deploy-${g}` },
    spec: { replicas: 100, selector: { matchLabels: { app: `bench-${g}` } }, template: { metadata: { labels: { app: `bench-${g}` } } } },
  }));
  return { Deployment: deployments, StatefulSet: [], DaemonSet: [], Job: [], CronJob: [] };
}

/** What the tree does with the pods on a structural refresh: group them and compute each status. */
function classify(pods: Iterable<PodJson>, workloads: WorkloadsByKind): number {
  const contents = indexNamespace(pods, workloads);
  let running = 0;
  for (const pod of contents.pods.values()) if (podStatus(pod).label === 'Running') running++;
  return running;
}

interface ListRun {
  berthFirstPage: number;
  berthFull: number;
  berthTree: number;
  kubectl: number;
  clientNode: number;
}

async function berthList(env: SandboxEnv, ref: ResourceRef, count: number): Promise<{ firstPage: number; full: number; tree: number }> {
  const t0 = performance.now();
  let firstPage = NaN;
  const connection = await berthConnection(env);
  try {
    const result = await connection.list<PodJson>(ref, {
      onPage: () => {
        if (Number.isNaN(firstPage)) firstPage = performance.now() - t0;
      },
    });
    const full = performance.now() - t0;
    if (result.items.length < count) throw new Error(`Berth listed ${result.items.length} pods, expected ${count}`);
    classify(result.items, syntheticWorkloads());
    return { firstPage, full, tree: performance.now() - t0 };
  } finally {
    connection.dispose();
  }
}

function kubectlList(env: SandboxEnv, namespace: string, count: number): number {
  const r = timeProcess(env.kubectl, ['--context', SANDBOX_CONTEXT, 'get', 'pods', '-o', 'json', '-n', namespace], { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
  if (r.status !== 0) throw new Error(`kubectl get pods failed: ${r.stderr.slice(0, 300)}`);
  const listed = (JSON.parse(r.stdout) as { items: unknown[] }).items.length;
  if (listed < count) throw new Error(`kubectl listed ${listed} pods, expected ${count}`);
  return r.ms;
}

async function clientNodeList(env: SandboxEnv, namespace: string, count: number): Promise<number> {
  const t0 = performance.now();
  const config = new KubeConfig();
  config.loadFromFile(env.kubeconfig);
  config.setCurrentContext(SANDBOX_CONTEXT);
  const api = config.makeApiClient(CoreV1Api);
  const list = await api.listNamespacedPod({ namespace });
  const elapsed = performance.now() - t0;
  if (list.items.length < count) throw new Error(`client-node listed ${list.items.length} pods, expected ${count}`);
  return elapsed;
}

interface LatencySample {
  /** PATCH response to the informer's MODIFIED event. */
  toEvent: number;
  /** PATCH response to the namespace's contents rebuilt as the tree does on a label change. */
  toTree: number;
  /** PATCH request sent to the informer's event. */
  fromRequest: number;
}

/** An informer on the namespace; patches a pod's label and times the MODIFIED event, `samples` times. */
async function updateLatency(connection: KubeConnection, raw: RawKube, namespace: string, ref: ResourceRef, count: number, samples: number): Promise<{ samples: LatencySample[]; informerListMs: number }> {
  const t0 = performance.now();
  const informer = connection.informer<PodJson>(ref);
  try {
    await waitUntil('the informer to watch', () => Promise.resolve(informer.state === 'watching'), 120_000, 20);
    const informerListMs = performance.now() - t0;
    if (informer.items.size < count) throw new Error(`the informer holds ${informer.items.size} pods, expected ${count}`);
    const workloads = syntheticWorkloads();
    const results: LatencySample[] = [];
    for (let i = 0; i < samples; i++) {
      const pod = podName((i * 257) % count);
      const value = `t${Date.now()}-${i}`;
      let sentAt = 0;
      let respondedAt = 0;
      let eventAt = 0;
      let treeAt = 0;
      const seen = new Promise<void>((resolve) => {
        const subscription = informer.onChange((change) => {
          if (change.type !== 'MODIFIED' || change.object?.metadata.name !== pod || change.object.metadata.labels?.['berth.dev/tick'] !== value) return;
          eventAt = performance.now();
          // A label change is structural for the tree: it regroups the namespace.
          classify(informer.items.values(), workloads);
          treeAt = performance.now();
          subscription.dispose();
          resolve();
        });
      });
      sentAt = performance.now();
      await raw.ok('PATCH', `/api/v1/namespaces/${namespace}/pods/${pod}`, { metadata: { labels: { 'berth.dev/tick': value } } }, { contentType: 'application/merge-patch+json' });
      respondedAt = performance.now();
      await Promise.race([seen, sleep(10_000).then(() => { throw new Error(`no MODIFIED event for ${pod} within 10 s`); })]);
      results.push({ toEvent: eventAt - respondedAt, toTree: treeAt - respondedAt, fromRequest: eventAt - sentAt });
      await sleep(50 + Math.random() * 100);
    }
    return { samples: results, informerListMs };
  } finally {
    informer.stop();
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const count = ctx.quick ? QUICK_PODS : 5000;
  const rounds = ctx.quick ? 3 : 7;
  const samples = ctx.quick ? 8 : LATENCY_SAMPLES;
  const namespace = `berth-bench-pods-${count}`;
  const sandbox = await useSandbox(ctx.root, ctx.log);
  const { env } = sandbox;
  const raw = new RawKube(env, SEED_CONCURRENCY);
  const ref: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespace };
  try {
    const seeded = await seed(raw, env, namespace, count, ctx.log);
    const listBytes = (await raw.ok('GET', `/api/v1/namespaces/${namespace}/pods`)).body.length;

    // Warm-up (kubectl's discovery cache, the API server's caches), not counted.
    await berthList(env, ref, count);
    kubectlList(env, namespace, count);
    await clientNodeList(env, namespace, count);

    const runs: ListRun[] = [];
    const order = ['berth', 'kubectl', 'client-node'] as const;
    for (let i = 0; i < rounds; i++) {
      const entry: Partial<ListRun> = {};
      // Rotate who goes first, so that warm caches do not favour one side.
      for (let k = 0; k < order.length; k++) {
        const who = order[(i + k) % order.length];
        if (who === 'berth') {
          const b = await berthList(env, ref, count);
          entry.berthFirstPage = b.firstPage;
          entry.berthFull = b.full;
          entry.berthTree = b.tree;
        } else if (who === 'kubectl') {
          entry.kubectl = kubectlList(env, namespace, count);
        } else {
          entry.clientNode = await clientNodeList(env, namespace, count);
        }
      }
      const r = entry as ListRun;
      runs.push(r);
      ctx.log(`round ${i + 1}/${rounds}: Berth first page ${ms(r.berthFirstPage)} ms, full ${ms(r.berthFull)} ms; kubectl ${ms(r.kubectl)} ms; client-node ${ms(r.clientNode)} ms`);
    }
    const med = (key: keyof ListRun): number => median(runs.map((r) => r[key]));
    const kubectlMs = med('kubectl');

    // The tree's classification of the pods alone (no I/O), on one listed copy.
    const connection = await berthConnection(env);
    let classifyMs: number[] = [];
    let latency: Awaited<ReturnType<typeof updateLatency>>;
    try {
      const pods = (await connection.list<PodJson>(ref)).items;
      const workloads = syntheticWorkloads();
      classifyMs = Array.from({ length: 10 }, () => {
        const t0 = performance.now();
        classify(pods, workloads);
        return performance.now() - t0;
      });
      const noWorkloads = { Deployment: [], StatefulSet: [], DaemonSet: [], Job: [], CronJob: [] };
      const t0 = performance.now();
      classify(pods, noWorkloads);
      ctx.log(`classification without workloads: ${ms(performance.now() - t0)} ms`);
      latency = await updateLatency(connection, raw, namespace, ref, count, samples);
    } finally {
      connection.dispose();
    }
    const toEvent = latency.samples.map((s) => s.toEvent);
    const toTree = latency.samples.map((s) => s.toTree);
    const fromRequest = latency.samples.map((s) => s.fromRequest);

    const report = [
      `${count.toLocaleString('en-US')} pods in ${namespace} (${(listBytes / 1024 / 1024).toFixed(1)} MiB as one JSON list); ${seeded.reused ? 'reused from an earlier run' : `seeded in ${(seeded.seedMs / 1000).toFixed(1)} s (${seeded.created} POSTs, then kwok ran them)`}`,
      `server ${env.server}; ${machine().cores} cores; ${rounds} rounds, order rotated; each run a fresh connection/process (TLS handshake and kubeconfig load included)`,
      '',
      table([
        ['list of all pods', 'median ms', 'min ms', 'vs kubectl'],
        ['Berth first page (500) shown', ms(med('berthFirstPage')), ms(Math.min(...runs.map((r) => r.berthFirstPage))), ratio(med('berthFirstPage'), kubectlMs)],
        ['Berth full list (pages of 500)', ms(med('berthFull')), ms(Math.min(...runs.map((r) => r.berthFull))), ratio(med('berthFull'), kubectlMs)],
        ['Berth full list + tree classification', ms(med('berthTree')), ms(Math.min(...runs.map((r) => r.berthTree))), ratio(med('berthTree'), kubectlMs)],
        ['kubectl get pods -o json (process)', ms(kubectlMs), ms(Math.min(...runs.map((r) => r.kubectl))), '1.00x'],
        ['client-node CoreV1Api.listNamespacedPod', ms(med('clientNode')), ms(Math.min(...runs.map((r) => r.clientNode))), ratio(med('clientNode'), kubectlMs)],
      ]),
      '',
      table([
        [`update after a label PATCH (${latency.samples.length} samples)`, 'p50 ms', 'p95 ms', 'max ms'],
        ['PATCH response -> informer MODIFIED', ms(percentile(toEvent, 50)), ms(percentile(toEvent, 95)), ms(Math.max(...toEvent))],
        ['PATCH response -> namespace regrouped', ms(percentile(toTree, 50)), ms(percentile(toTree, 95)), ms(Math.max(...toTree))],
        ['PATCH request sent -> informer MODIFIED', ms(percentile(fromRequest, 50)), ms(percentile(fromRequest, 95)), ms(Math.max(...fromRequest))],
      ]),
      `(informer list + watch start: ${ms(latency.informerListMs)} ms; "regrouped" = indexNamespace + podStatus over all ${count.toLocaleString('en-US')} pods, as the tree does on a label change, before VS Code draws)`,
      '',
      `tree classification of ${count.toLocaleString('en-US')} pods (indexNamespace with ${APP_GROUPS} Deployments + podStatus each): median ${ms(median(classifyMs))} ms, max ${ms(Math.max(...classifyMs))} ms`,
    ].join('\n');

    const fullRatio = med('berthFull') / kubectlMs;
    const p95Tree = percentile(toTree, 95);
    return {
      report,
      targets: [
        { name: `Berth full list of ${count} pods within 1.2x of kubectl get pods -o json`, pass: fullRatio <= 1.2, value: `${ratio(med('berthFull'), kubectlMs)} (${ms(med('berthFull'))} vs ${ms(kubectlMs)} ms)` },
        { name: 'update after a pod changes under 200 ms (p95, PATCH response to the regrouped namespace)', pass: p95Tree < 200, value: `p50 ${ms(percentile(toTree, 50))} ms, p95 ${ms(p95Tree)} ms` },
      ],
      json: {
        machine: machine(),
        namespace,
        pods: count,
        listBytes,
        seed: { reused: seeded.reused, seedMs: round(seeded.seedMs, 0), created: seeded.created },
        runs,
        medians: { berthFirstPage: round(med('berthFirstPage')), berthFull: round(med('berthFull')), berthTree: round(med('berthTree')), kubectl: round(kubectlMs), clientNode: round(med('clientNode')) },
        ratios: { berthFullToKubectl: round(fullRatio, 3), clientNodeToKubectl: round(med('clientNode') / kubectlMs, 3) },
        latency: { samples: latency.samples, informerListMs: round(latency.informerListMs) },
        classifyMs,
      },
    };
  } finally {
    if (cleanRequested()) {
      ctx.log(`--clean: deleting namespace ${namespace}`);
      await raw.deleteNamespace(namespace).catch((error: unknown) => { ctx.log(`could not delete ${namespace}: ${String(error)}`); });
    }
    raw.dispose();
    await sandbox.release();
  }
}
