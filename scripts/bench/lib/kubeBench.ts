// What the Kubernetes benchmarks (kube, logs, helm) share: the sandbox control plane of
// scripts/services/k8s.mjs (started here when it is not running, stopped again only then), a
// raw HTTPS client with the sandbox's admin certificate for seeding and for the floors the
// benchmarks compare against, and a Berth connection made the way the extension makes one.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KubeConnection } from '../../../src/clients/kube/api';
import { loadKubeconfig } from '../../../src/clients/kube/config';

/** The parts of the sandbox's env.json the benchmarks read. */
export interface SandboxEnv {
  stateDir: string;
  kubeconfig: string;
  server: string;
  caFile: string;
  adminCert: string;
  adminKey: string;
  appLog: string;
  kubectl: string;
  node: string;
  nodePods?: number;
}

interface K8sServices {
  sandboxStatus(): Promise<{ running: boolean; reason?: string; env?: SandboxEnv }>;
  startSandbox(): Promise<SandboxEnv & { reused: boolean }>;
  stopSandbox(options?: { quiet?: boolean }): Promise<unknown>;
}

interface HelmServices {
  ensureHelm(): Promise<{ paths: { v3: string; v4: string } }>;
}

/** The main kubeconfig's context (namespace default). */
export const SANDBOX_CONTEXT = 'berth-sandbox';

/** `--clean` on the bench command line: the module removes what it created (namespaces, releases). */
export function cleanRequested(): boolean {
  return process.argv.includes('--clean');
}

async function importService<T>(root: string, file: string): Promise<T> {
  // A plain .mjs without types: imported by URL, its exports described by the interfaces above.
  return (await import(pathToFileURL(join(root, 'scripts/services', file)).href)) as T;
}

export interface Sandbox {
  env: SandboxEnv;
  /** True when this benchmark started it (and so stops it). */
  startedHere: boolean;
  /** Stops the sandbox if this benchmark started it. */
  release(): Promise<void>;
}

/** The running sandbox (BERTH_K8S_STATE picks which), or a new one started for this benchmark. */
export async function useSandbox(root: string, log: (message: string) => void): Promise<Sandbox> {
  const services = await importService<K8sServices>(root, 'k8s.mjs');
  const status = await services.sandboxStatus();
  let env: SandboxEnv;
  let startedHere = false;
  if (status.running && status.env) {
    env = status.env;
    log(`sandbox: reusing the running control plane at ${env.server} (${env.stateDir})`);
  } else {
    log(`sandbox: not running (${status.reason ?? 'unknown'}); starting it`);
    const t0 = performance.now();
    const started = await services.startSandbox();
    env = started;
    startedHere = !started.reused;
    log(`sandbox: started in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${env.server}`);
  }
  return {
    env,
    startedHere,
    release: async () => {
      if (startedHere) await services.stopSandbox({ quiet: true });
    },
  };
}

/** The pinned helm 3 and 4 binaries (built when missing). */
export async function useHelm(root: string): Promise<{ v3: string; v4: string }> {
  const services = await importService<HelmServices>(root, 'helm.mjs');
  return (await services.ensureHelm()).paths;
}

/** A Berth connection to the sandbox, loaded from its kubeconfig as the extension loads one. */
export async function berthConnection(env: SandboxEnv): Promise<KubeConnection> {
  const loaded = await loadKubeconfig({ env: { KUBECONFIG: env.kubeconfig }, home: homedir() });
  return loaded.connect(SANDBOX_CONTEXT, { requestDeadlineMs: 120_000, execDeadlineMs: 30_000 });
}

export interface RawResponse {
  status: number;
  body: string;
}

/**
 * A plain HTTPS client with the sandbox's admin certificate: seeding, cleaning, and the raw
 * reads the benchmarks use as a floor. Keep-alive, so that seeding is not a TLS handshake per pod.
 */
export class RawKube {
  readonly agent: Agent;

  constructor(readonly env: SandboxEnv, maxSockets = 32) {
    this.agent = new Agent({
      ca: readFileSync(env.caFile),
      cert: readFileSync(env.adminCert),
      key: readFileSync(env.adminKey),
      keepAlive: true,
      maxSockets,
    });
  }

  /** Opens a request and resolves with the response once its headers arrived (the body unread). */
  open(method: string, path: string, options: { body?: string; contentType?: string; signal?: AbortSignal } = {}): Promise<IncomingMessage> {
    const url = new URL(path, this.env.server);
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        agent: this.agent,
        headers: {
          accept: 'application/json',
          ...(options.body !== undefined ? { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(options.body) } : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      }, resolve);
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** A whole request: status and body text. */
  async call(method: string, path: string, body?: unknown, contentType?: string): Promise<RawResponse> {
    const res = await this.open(method, path, body === undefined ? {} : { body: JSON.stringify(body), ...(contentType ? { contentType } : {}) });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
  }

  /** Like call(), but a status outside 2xx (and not in `accept`) throws with the server's text. */
  async ok(method: string, path: string, body?: unknown, options: { accept?: readonly number[]; contentType?: string } = {}): Promise<RawResponse> {
    const res = await this.call(method, path, body, options.contentType);
    if ((res.status < 200 || res.status > 299) && !(options.accept ?? []).includes(res.status)) {
      throw new Error(`${method} ${path}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    }
    return res;
  }

  async json<T>(path: string): Promise<T> {
    return JSON.parse((await this.ok('GET', path)).body) as T;
  }

  /** Creates the namespace unless it exists. */
  async ensureNamespace(name: string): Promise<void> {
    await this.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { accept: [409] });
  }

  /** Deletes the namespace and waits until it is gone (at most `timeoutMs`). */
  async deleteNamespace(name: string, timeoutMs = 300_000): Promise<void> {
    await this.ok('DELETE', `/api/v1/namespaces/${name}`, undefined, { accept: [404] });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.call('GET', `/api/v1/namespaces/${name}`)).status === 404) return;
      await sleep(500);
    }
    throw new Error(`namespace ${name} was not gone after ${timeoutMs / 1000} s`);
  }

  /** How many objects a list returns, counted page by page (limit 500) without keeping them. */
  async count(path: string, fieldSelector?: string): Promise<number> {
    let total = 0;
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '500' });
      if (token) query.set('continue', token);
      if (fieldSelector) query.set('fieldSelector', fieldSelector);
      const page = await this.json<{ items?: unknown[]; metadata?: { continue?: string } }>(`${path}?${query.toString()}`);
      total += page.items?.length ?? 0;
      token = page.metadata?.continue || undefined;
    } while (token);
    return total;
  }

  dispose(): void {
    this.agent.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `work` over `items`, `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Waits until `probe` resolves true, polling every `everyMs`; throws with `what` after `timeoutMs`. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Formats ms for the tables: no decimals above 100, one below. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** `a / b` as `1.07x`. */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a';
}
