// The sandbox control plane the Kubernetes integration tests run against, as
// scripts/services/k8s.mjs recorded it. A cluster that is not running fails the test that
// needs it, with the command that starts it: never a skip.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ConnectOptions, KubeConnection, LoadOptions } from '../../../src/clients/kube/api';
import { loadKubeconfig } from '../../../src/clients/kube/config';
import { singleContextKubeConfig } from '../../../src/clients/kube/clientConfig';
import { discardBody, openRequest, readJson } from '../../../src/clients/kube/transport';

export interface SandboxEnv {
  readonly stateDir: string;
  readonly kubeconfig: string;
  readonly faultsKubeconfig: string;
  readonly server: string;
  readonly caFile: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly appLog: string;
  readonly kubectl: string;
  readonly silentPort: number;
  readonly unreachableServer: string;
  readonly pids: Readonly<Record<string, number>>;
  readonly ports: Readonly<Record<string, number>>;
  readonly limited: { readonly user: string; readonly namespace: string; readonly verbs: readonly string[]; readonly resources: readonly string[] };
  readonly contexts: { readonly main: readonly string[]; readonly faults: readonly string[]; readonly current: string };
}

let cached: SandboxEnv | undefined;

/** The running sandbox's env.json; throws (failing the test) when it is not running. */
export function sandbox(): SandboxEnv {
  if (cached) return cached;
  const script = resolve('scripts/services/k8s.mjs');
  const status = spawnSync(process.execPath, [script, 'status', '--json'], { encoding: 'utf8', timeout: 60_000 });
  let parsed: { running?: boolean; reason?: string } & Partial<SandboxEnv>;
  try {
    parsed = JSON.parse(status.stdout) as typeof parsed;
  } catch {
    throw new Error(`The Kubernetes sandbox status could not be read (${status.stderr.trim() || `exit ${String(status.status)}`}). Start it: node scripts/services/k8s.mjs start`);
  }
  if (!parsed.running) {
    throw new Error(`The Kubernetes sandbox is not running (${parsed.reason ?? 'unknown reason'}). Start it: node scripts/services/k8s.mjs start`);
  }
  cached = parsed as SandboxEnv;
  return cached;
}

export const TEST_CONNECT_OPTIONS: ConnectOptions = { requestDeadlineMs: 5_000, execDeadlineMs: 5_000 };

/** Load options reading only the given kubeconfig files (never the developer's own). */
export function loadOptionsFor(paths: readonly string[], env: Record<string, string | undefined> = process.env): LoadOptions {
  return { kubeconfigSetting: paths.join(process.platform === 'win32' ? ';' : ':'), env, home: homedir() };
}

/** A connection to one context of the sandbox's kubeconfigs (main and faults, merged). */
export async function connectTo(contextName: string, options: Partial<ConnectOptions> = {}): Promise<KubeConnection> {
  const env = sandbox();
  const loaded = await loadKubeconfig(loadOptionsFor([env.kubeconfig, env.faultsKubeconfig]));
  return loaded.connect(contextName, { ...TEST_CONNECT_OPTIONS, ...options });
}

let proxyConfigDir: string | undefined;

/** A connection as the sandbox admin to `server` (the fault proxy), through a kubeconfig written for it. */
export async function connectThrough(server: string, options: Partial<ConnectOptions> = {}): Promise<KubeConnection> {
  const env = sandbox();
  if (!proxyConfigDir) {
    const dir = mkdtempSync(join(tmpdir(), 'berth-proxy-kc-'));
    proxyConfigDir = dir;
    process.once('exit', () => { rmSync(dir, { recursive: true, force: true }); });
  }
  const path = join(proxyConfigDir, `kubeconfig-${Math.random().toString(36).slice(2, 8)}`);
  writeFileSync(path, `apiVersion: v1
kind: Config
clusters:
- name: proxied
  cluster: {server: "${server}", certificate-authority: "${env.caFile}"}
users:
- name: admin
  user: {client-certificate: "${env.adminCert}", client-key: "${env.adminKey}"}
contexts:
- name: proxied
  context: {cluster: proxied, user: admin}
`);
  const loaded = await loadKubeconfig({ kubeconfigSetting: path, env: {}, home: proxyConfigDir });
  return loaded.connect('proxied', { ...TEST_CONNECT_OPTIONS, ...options });
}

/** An admin KubeConfig for test setup (creating namespaces and objects), straight to the API server. */
export function adminKubeConfig(): KubeConfig {
  const env = sandbox();
  return singleContextKubeConfig(
    { name: 'sandbox', server: env.server, certificateAuthority: env.caFile },
    { name: 'admin', certFile: env.adminCert, keyFile: env.adminKey },
    'admin',
  );
}

let admin: KubeConfig | undefined;

/** POSTs `object` to `path` as the sandbox admin; retries while a new namespace's ServiceAccount is not there yet. */
export async function createObject(path: string, object: unknown): Promise<unknown> {
  admin ??= adminKubeConfig();
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await openRequest(admin, sandbox().server, path, { method: 'POST', body: JSON.stringify(object), deadlineMs: 10_000 });
      return await readJson(res);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt < 50 && /serviceaccount|service account/i.test(message)) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      throw error;
    }
  }
}

/** Sends one admin request and drops the answer (PUT, PATCH, DELETE in test setup). */
export async function adminRequest(method: 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<void> {
  admin ??= adminKubeConfig();
  const res = await openRequest(admin, sandbox().server, path, { method, deadlineMs: 10_000, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  await discardBody(res);
}

/** Creates many objects at once, `concurrency` requests in flight. */
export async function createMany(path: string, objects: readonly unknown[], concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < objects.length) {
      const object = objects[next++];
      await createObject(path, object);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** A fresh namespace for one test (`berth-it-<what>-<random>`); delete it with deleteNamespace. */
export async function createNamespace(what: string, labels: Record<string, string> = {}): Promise<string> {
  const name = `berth-it-${what}-${Math.random().toString(36).slice(2, 8)}`;
  await createObject('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'berth.test/integration': 'true', ...labels } } });
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  try {
    await adminRequest('DELETE', `/api/v1/namespaces/${encodeURIComponent(name)}`);
  } catch {
    // Already gone.
  }
}

/** A pod kwok runs on its fake node (Running and Ready within a second or two). */
export function podManifest(name: string, labels: Record<string, string> = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'app', image: 'registry.invalid/berth/app:1' }], automountServiceAccountToken: false },
  };
}

/** Runs the sandbox's kubectl with the admin kubeconfig; returns stdout, throws with stderr on failure. */
export function kubectl(args: readonly string[], input?: string): string {
  const env = sandbox();
  const result = spawnSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { encoding: 'utf8', input, timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr || String(result.error)}`);
  return result.stdout;
}

/** Polls `check` until it returns true; fails after `ms` with `what`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Rejects when `promise` does not settle within `ms`: no test may hang. */
export async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => { timer = setTimeout(() => { reject(new Error(`${what} did not settle within ${ms} ms`)); }, ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Expects `promise` to reject; returns the error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, but the operation succeeded');
}

async function etcdCall(path: string, body: unknown): Promise<{ header?: { revision?: string } }> {
  const res = await fetch(`http://127.0.0.1:${String(sandbox().ports.etcd)}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${String(res.status)} ${await res.text()}`);
  return (await res.json()) as { header?: { revision?: string } };
}

/**
 * Compacts the sandbox's etcd at its current revision (through etcd's JSON gateway on
 * loopback), as kube-apiserver does every 5 minutes: every older resourceVersion is gone.
 * Resources without a watch cache (events) then answer a watch from an older version with 410.
 */
export async function compactEtcd(): Promise<number> {
  const range = await etcdCall('/v3/kv/range', { key: Buffer.from('berth-compact-probe').toString('base64') });
  const revision = Number(range.header?.revision);
  if (!Number.isInteger(revision) || revision <= 0) throw new Error(`etcd gave no revision: ${JSON.stringify(range)}`);
  await etcdCall('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

/** A core/v1 Event about a made-up pod: events are the resource kube-apiserver does not cache. */
export function eventManifest(name: string, namespace: string, labels: Record<string, string> = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, labels },
    involvedObject: { kind: 'Pod', name: 'nobody', namespace, apiVersion: 'v1' },
    reason: 'BerthTest',
    message: `integration test event ${name}`,
    type: 'Normal',
  };
}

export const pkiFile = (name: string): string => join(sandbox().stateDir, 'pki', name);
