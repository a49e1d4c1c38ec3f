// The Releases tree's data path with 200 Helm releases across 20 namespaces: Berth's
// listReleases (Helm's storage Secrets read through the API, no helm process) side by side with
// `helm list -A -o json` of the real helm 3 and helm 4, alternating who goes first; and the
// rollout view's update latency: from a pod becoming Ready (seen by a watch of its own) to the
// RolloutWatcher's view showing it ready.
//
// The releases (a chart of one ConfigMap, installed with helm 3, six at a time) are kept for the
// next run; `npm run bench -- helm --clean` uninstalls them and deletes the namespaces.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listReleases } from '../../src/clients/helm/releases';
import type { KubeConnection } from '../../src/clients/kube/api';
import { RolloutWatcher } from '../../src/clients/kube/rollout';
import type { BenchContext, BenchResult } from './lib/measure';
import { machine, median, percentile, round, table, timeProcess } from './lib/measure';
import { RawKube, SANDBOX_CONTEXT, berthConnection, cleanRequested, forEachLimited, ms, ratio, useHelm, useSandbox, waitUntil } from './lib/kubeBench';
import type { SandboxEnv } from './lib/kubeBench';

export const name = 'helm';
export const description = 'Releases tree: 200 releases in 20 namespaces vs helm 3/4 list; rollout view update latency';

const INSTALL_CONCURRENCY = 6;
const ROLLOUT_NAMESPACE = 'berth-bench-rollout';
const ROLLOUT_NAME = 'rollout-bench';
/** Pods added per scale step; each one is a latency sample. */
const ROLLOUT_STEP = 5;

const CHART_YAML = `apiVersion: v2
name: bench-config
description: One ConfigMap, so that an install is quick
type: application
version: 0.1.0
appVersion: "1.0.0"
`;

const CONFIGMAP_TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
  labels:
    app.kubernetes.io/instance: {{ .Release.Name }}
data:
  greeting: {{ .Values.greeting | quote }}
`;

interface Layout {
  namespaces: string[];
  /** [namespace, release] pairs. */
  releases: [string, string][];
}

function layout(quick: boolean): Layout {
  const namespaceCount = quick ? 5 : 20;
  const perNamespace = 10;
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `berth-bench-helm-${quick ? 'q' : ''}${String(i).padStart(2, '0')}`);
  const releases = namespaces.flatMap((ns, i) => Array.from({ length: perNamespace }, (_, j): [string, string] => [ns, `bench-${String(i).padStart(2, '0')}-${j}`]));
  return { namespaces, releases };
}

function writeChart(dir: string): string {
  const chart = join(dir, 'bench-config');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), CHART_YAML);
  writeFileSync(join(chart, 'values.yaml'), 'greeting: hello from the helm benchmark\n');
  writeFileSync(join(chart, 'templates', 'configmap.yaml'), CONFIGMAP_TEMPLATE);
  return chart;
}

/** helm's own dirs in a temp folder (nothing of the developer's), the sandbox's kubeconfig. */
function helmEnv(env: SandboxEnv, home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: env.kubeconfig,
  };
}

function runHelm(helm: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(helm, [...args, '--kube-context', SANDBOX_CONTEXT], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', (error) => { resolve({ code: -1, stderr: error.message }); });
    child.on('exit', (code) => { resolve({ code: code ?? -1, stderr }); });
  });
}

/** The bench releases Berth lists now, as `namespace/name`. */
async function benchReleasesListed(connection: KubeConnection, namespaces: ReadonlySet<string>): Promise<Set<string>> {
  const listing = await listReleases(connection);
  return new Set(listing.releases.filter((r) => namespaces.has(r.namespace)).map((r) => `${r.namespace}/${r.name}`));
}

/** Installs the releases that are not there yet; returns how many and how long it took. */
async function seed(env: SandboxEnv, helm3: string, helmHome: string, chart: string, plan: Layout, log: (m: string) => void): Promise<{ reused: boolean; installed: number; seedMs: number }> {
  const t0 = performance.now();
  const connection = await berthConnection(env);
  let present: Set<string>;
  try {
    present = await benchReleasesListed(connection, new Set(plan.namespaces));
  } finally {
    connection.dispose();
  }
  const missing = plan.releases.filter(([ns, rel]) => !present.has(`${ns}/${rel}`));
  if (missing.length === 0) {
    log(`seed: all ${plan.releases.length} releases are there (reused)`);
    return { reused: true, installed: 0, seedMs: performance.now() - t0 };
  }
  log(`seed: installing ${missing.length} of ${plan.releases.length} releases with helm 3, ${INSTALL_CONCURRENCY} at a time`);
  const env3 = helmEnv(env, helmHome);
  let done = 0;
  await forEachLimited(missing, INSTALL_CONCURRENCY, async ([ns, rel]) => {
    const result = await runHelm(helm3, ['install', rel, chart, '-n', ns, '--create-namespace'], env3);
    // A namespace created by two installs at once: the loser may fail, so try once more.
    if (result.code !== 0) {
      const again = await runHelm(helm3, ['install', rel, chart, '-n', ns, '--create-namespace'], env3);
      if (again.code !== 0) throw new Error(`helm install ${rel} -n ${ns} failed: ${again.stderr.trim().slice(0, 300)}`);
    }
    done++;
    if (done % 50 === 0) log(`seed: ${done} installed (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  });
  const seedMs = performance.now() - t0;
  log(`seed: ${missing.length} releases installed in ${(seedMs / 1000).toFixed(1)} s`);
  return { reused: false, installed: missing.length, seedMs };
}

async function berthList(env: SandboxEnv, namespaces: ReadonlySet<string>, expected: number): Promise<{ ms: number; total: number }> {
  const t0 = performance.now();
  const connection = await berthConnection(env);
  try {
    const listing = await listReleases(connection);
    const elapsed = performance.now() - t0;
    const bench = listing.releases.filter((r) => namespaces.has(r.namespace)).length;
    if (bench < expected) throw new Error(`Berth listed ${bench} bench releases, expected ${expected}`);
    return { ms: elapsed, total: listing.releases.length };
  } finally {
    connection.dispose();
  }
}

function helmList(helm: string, env: NodeJS.ProcessEnv, namespaces: ReadonlySet<string>, expected: number): { ms: number; total: number } {
  const r = timeProcess(helm, ['list', '-A', '-o', 'json', '--kube-context', SANDBOX_CONTEXT], { env });
  if (r.status !== 0) throw new Error(`${helm} list failed: ${r.stderr.slice(0, 300)}`);
  const listed = JSON.parse(r.stdout) as { name: string; namespace: string }[];
  const bench = listed.filter((x) => namespaces.has(x.namespace)).length;
  // helm list returns at most 256 by default: only a short count is an error if the list was not cut.
  if (bench < expected && listed.length < 256) throw new Error(`${helm} listed ${bench} bench releases, expected ${expected}`);
  return { ms: r.ms, total: listed.length };
}

// ---- rollout ---------------------------------------------------------------------------------

interface PodEventJson {
  type?: string;
  object?: { metadata?: { name?: string; resourceVersion?: string }; status?: { conditions?: { type: string; status: string }[] } };
}

function deployment(replicas: number): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ROLLOUT_NAME, labels: { app: ROLLOUT_NAME } },
    spec: {
      replicas,
      selector: { matchLabels: { app: ROLLOUT_NAME } },
      template: {
        metadata: { labels: { app: ROLLOUT_NAME } },
        spec: { containers: [{ name: 'app', image: 'registry.example/bench/rollout:1.0' }] },
      },
    },
  };
}

/**
 * Scales a Deployment up `steps` times by ROLLOUT_STEP pods. For every new pod: when a watch of
 * our own saw its Ready condition turn True, and when the RolloutWatcher's view first showed it
 * ready. Scales back to 0 at the end (the Deployment is kept).
 */
async function rolloutLatency(env: SandboxEnv, raw: RawKube, steps: number, log: (m: string) => void): Promise<{ samples: number[]; perPod: { pod: string; readyAt: number; viewAt: number }[] }> {
  await raw.ensureNamespace(ROLLOUT_NAMESPACE);
  const base = `/apis/apps/v1/namespaces/${ROLLOUT_NAMESPACE}/deployments`;
  const created = await raw.call('POST', base, deployment(0));
  if (created.status === 409) {
    await raw.ok('PATCH', `${base}/${ROLLOUT_NAME}`, { spec: { replicas: 0 } }, { contentType: 'application/merge-patch+json' });
  } else if (created.status < 200 || created.status > 299) {
    throw new Error(`could not create the Deployment: HTTP ${created.status} ${created.body.slice(0, 300)}`);
  }
  const podsPath = `/api/v1/namespaces/${ROLLOUT_NAMESPACE}/pods`;
  await waitUntil('the rollout Deployment to have no pods', async () => (await raw.count(podsPath)) === 0, 120_000);

  const readyAt = new Map<string, number>();
  const viewAt = new Map<string, number>();
  // Our own watch of the pods, from the current resourceVersion.
  const listed = await raw.json<{ metadata?: { resourceVersion?: string } }>(`${podsPath}?labelSelector=app%3D${ROLLOUT_NAME}`);
  const controller = new AbortController();
  const watch = await raw.open('GET', `${podsPath}?watch=1&allowWatchBookmarks=false&labelSelector=app%3D${ROLLOUT_NAME}&resourceVersion=${listed.metadata?.resourceVersion ?? ''}`, { signal: controller.signal });
  let buffered = '';
  watch.on('data', (chunk: Buffer) => {
    const now = performance.now();
    buffered += chunk.toString('utf8');
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      if (!line.trim()) continue;
      const event = JSON.parse(line) as PodEventJson;
      const podName = event.object?.metadata?.name;
      const ready = event.object?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (podName && ready && !readyAt.has(podName)) readyAt.set(podName, now);
    }
  });
  watch.on('error', () => undefined);

  const connection = await berthConnection(env);
  const watcher = new RolloutWatcher(connection, { kind: 'Deployment', namespace: ROLLOUT_NAMESPACE, name: ROLLOUT_NAME });
  let views = 0;
  const problems: string[] = [];
  watcher.onProblem((problem) => { problems.push(problem.kind === 'missing' ? problem.message : `${problem.resource}: ${problem.failure.message}`); });
  watcher.onView((view) => {
    const now = performance.now();
    views++;
    for (const pod of view.pods) if (pod.ready && !viewAt.has(pod.name)) viewAt.set(pod.name, now);
  });
  try {
    await waitUntil('the rollout view', () => Promise.resolve(watcher.view !== undefined), 60_000, 20);
    for (let step = 1; step <= steps; step++) {
      const replicas = step * ROLLOUT_STEP;
      await raw.ok('PATCH', `${base}/${ROLLOUT_NAME}`, { spec: { replicas } }, { contentType: 'application/merge-patch+json' });
      try {
        await waitUntil(`${replicas} pods ready in the watch and in the view`, () => Promise.resolve(readyAt.size >= replicas && [...readyAt.keys()].every((p) => viewAt.has(p))), 120_000, 20);
      } catch (error) {
        const pods = await raw.json<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(podsPath);
        throw new Error(`${error instanceof Error ? error.message : String(error)}: ready in the watch ${readyAt.size}, in the view ${viewAt.size}; ${views} views, the last: ${watcher.view?.summary ?? 'none'}; `
          + `pods now: ${pods.items.map((p) => `${p.metadata.name} ${p.status?.phase ?? '?'}`).join(', ') || 'none'}; watcher problems: ${problems.join(' | ') || 'none'}`);
      }
      log(`rollout: ${replicas} pods ready (${views} views so far)`);
    }
  } finally {
    watcher.dispose();
    connection.dispose();
    controller.abort();
    watch.destroy();
    await raw.ok('PATCH', `${base}/${ROLLOUT_NAME}`, { spec: { replicas: 0 } }, { contentType: 'application/merge-patch+json' }).catch(() => undefined);
  }
  const perPod = [...readyAt].map(([pod, at]) => ({ pod, readyAt: at, viewAt: viewAt.get(pod) ?? NaN }));
  return { samples: perPod.map((p) => p.viewAt - p.readyAt), perPod };
}

// ----------------------------------------------------------------------------------------------

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const plan = layout(ctx.quick);
  const namespaces = new Set(plan.namespaces);
  const expected = plan.releases.length;
  const rounds = ctx.quick ? 3 : 7;
  const rolloutSteps = ctx.quick ? 1 : 4;
  const sandbox = await useSandbox(ctx.root, ctx.log);
  const { env } = sandbox;
  const paths = await useHelm(ctx.root);
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-helm-'));
  const hEnv = helmEnv(env, join(work, 'home'));
  const raw = new RawKube(env, 8);
  try {
    const chart = writeChart(work);
    const seeded = await seed(env, paths.v3, join(work, 'home'), chart, plan, ctx.log);

    // Warm-up (not counted).
    await berthList(env, namespaces, expected);
    helmList(paths.v3, hEnv, namespaces, expected);
    helmList(paths.v4, hEnv, namespaces, expected);

    const times = { berth: [] as number[], helm3: [] as number[], helm4: [] as number[] };
    const totals = { berth: 0, helm3: 0, helm4: 0 };
    const order = ['berth', 'helm3', 'helm4'] as const;
    for (let i = 0; i < rounds; i++) {
      for (let k = 0; k < order.length; k++) {
        const who = order[(i + k) % order.length] ?? 'berth';
        const result = who === 'berth' ? await berthList(env, namespaces, expected) : helmList(who === 'helm3' ? paths.v3 : paths.v4, hEnv, namespaces, expected);
        times[who].push(result.ms);
        totals[who] = result.total;
      }
      ctx.log(`round ${i + 1}/${rounds}: Berth ${ms(times.berth.at(-1) ?? NaN)} ms; helm 3 ${ms(times.helm3.at(-1) ?? NaN)} ms; helm 4 ${ms(times.helm4.at(-1) ?? NaN)} ms`);
    }
    const berthMs = median(times.berth);
    const helm3Ms = median(times.helm3);
    const helm4Ms = median(times.helm4);

    let rollout: Awaited<ReturnType<typeof rolloutLatency>> | undefined;
    let rolloutProblem: string | undefined;
    try {
      rollout = await rolloutLatency(env, raw, rolloutSteps, ctx.log);
    } catch (error) {
      rolloutProblem = error instanceof Error ? error.message : String(error);
      ctx.log(`rollout latency not measured: ${rolloutProblem}`);
    }
    const samples = rollout?.samples.filter((s) => Number.isFinite(s)) ?? [];

    const report = [
      `${expected} releases in ${plan.namespaces.length} namespaces (${plan.namespaces[0] ?? ''}...); ${seeded.reused ? 'reused from an earlier run' : `seeded in ${(seeded.seedMs / 1000).toFixed(1)} s (${seeded.installed} helm 3 installs, ${INSTALL_CONCURRENCY} at a time)`}`,
      `releases in the whole cluster: Berth ${totals.berth}, helm 3 ${totals.helm3}, helm 4 ${totals.helm4} (helm list shows at most 256 and only deployed/failed ones by default; it reads every storage Secret either way)`,
      `server ${env.server}; ${machine().cores} cores; ${rounds} rounds, order rotated; each run a fresh connection or process`,
      '',
      table([
        ['list of all releases, all namespaces', 'median ms', 'min ms', 'vs helm 3', 'vs helm 4'],
        ['Berth listReleases (storage Secrets via the API)', ms(berthMs), ms(Math.min(...times.berth)), ratio(berthMs, helm3Ms), ratio(berthMs, helm4Ms)],
        ['helm 3 list -A -o json (process)', ms(helm3Ms), ms(Math.min(...times.helm3)), '1.00x', ratio(helm3Ms, helm4Ms)],
        ['helm 4 list -A -o json (process)', ms(helm4Ms), ms(Math.min(...times.helm4)), ratio(helm4Ms, helm3Ms), '1.00x'],
      ]),
      '',
      rollout
        ? table([
          [`rollout view after a pod becomes Ready (${samples.length} pods, ${ROLLOUT_STEP} per scale step)`, 'p50 ms', 'p95 ms', 'max ms'],
          ['pod Ready in a watch -> RolloutWatcher view shows it ready', ms(percentile(samples, 50)), ms(percentile(samples, 95)), ms(Math.max(...samples))],
        ])
        : `rollout view latency: not measured (${rolloutProblem ?? 'unknown'})`,
      '(the watcher debounces its views by 20 ms; both watches run in this process on their own connections)',
    ].join('\n');

    const p95 = percentile(samples, 95);
    return {
      report,
      targets: [
        { name: `Berth release list within 1.2x of helm 3 list -A -o json (${expected} releases)`, pass: berthMs / helm3Ms <= 1.2, value: `${ratio(berthMs, helm3Ms)} (${ms(berthMs)} vs ${ms(helm3Ms)} ms)` },
        { name: `Berth release list within 1.2x of helm 4 list -A -o json (${expected} releases)`, pass: berthMs / helm4Ms <= 1.2, value: `${ratio(berthMs, helm4Ms)} (${ms(berthMs)} vs ${ms(helm4Ms)} ms)` },
        rollout
          ? { name: 'rollout view update under 200 ms after a pod becomes ready (p95)', pass: samples.length === rollout.samples.length && p95 < 200, value: `p50 ${ms(percentile(samples, 50))} ms, p95 ${ms(p95)} ms over ${samples.length} pods` }
          : { name: 'rollout view update under 200 ms after a pod becomes ready', pass: false, value: `not measured: ${rolloutProblem ?? 'unknown'}` },
      ],
      json: {
        machine: machine(),
        releases: expected,
        namespaces: plan.namespaces.length,
        seed: { reused: seeded.reused, installed: seeded.installed, seedMs: round(seeded.seedMs, 0) },
        totals,
        times,
        medians: { berth: round(berthMs), helm3: round(helm3Ms), helm4: round(helm4Ms) },
        ratios: { berthToHelm3: round(berthMs / helm3Ms, 3), berthToHelm4: round(berthMs / helm4Ms, 3) },
        rollout: rollout ? { samples: rollout.samples.map((s) => round(s)), p50: round(percentile(samples, 50)), p95: round(p95) } : { notMeasured: rolloutProblem },
      },
    };
  } finally {
    if (cleanRequested()) {
      ctx.log(`--clean: uninstalling the bench releases and deleting ${plan.namespaces.length + 1} namespaces`);
      const env3 = helmEnv(env, join(work, 'home'));
      await forEachLimited(plan.releases, INSTALL_CONCURRENCY, async ([ns, rel]) => { await runHelm(paths.v3, ['uninstall', rel, '-n', ns, '--ignore-not-found'], env3); });
      await forEachLimited([...plan.namespaces, ROLLOUT_NAMESPACE], 4, async (ns) => {
        await raw.deleteNamespace(ns).catch((error: unknown) => { ctx.log(`could not delete ${ns}: ${String(error)}`); });
      });
    }
    raw.dispose();
    rmSync(work, { recursive: true, force: true });
    await sandbox.release();
  }
}
