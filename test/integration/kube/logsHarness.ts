// What the log stream tests share: the sandbox cluster (scripts/services/k8s.mjs), a request
// opener built on the clients' own transport, namespaces and pods made with the sandbox's
// kubectl, a clock for the CRI lines appended to the log file kwok serves, a recording sink,
// and a TCP fault proxy that cuts connections between the client and the API server.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import type { KubeFailure } from '../../../src/core/kube/types';
import type { LogLine, LogStreamSink } from '../../../src/clients/kube/api';
import { loadKubeconfig } from '../../../src/clients/kube/config';
import type { KubeConnection } from '../../../src/clients/kube/api';
import type { OpenRequest } from '../../../src/clients/kube/logs';
import { openRequest } from '../../../src/clients/kube/transport';

export interface SandboxEnv {
  kubeconfig: string;
  faultsKubeconfig: string;
  server: string;
  appLog: string;
  previousLog: string;
  kubectl: string;
  stateDir: string;
}

let cachedEnv: SandboxEnv | undefined;

/** env.json of the running sandbox; throws (failing the test) when it is not running. */
export function sandboxEnv(): SandboxEnv {
  if (cachedEnv) return cachedEnv;
  let text: string;
  const path = process.env.BERTH_K8S_ENV;
  if (path) {
    text = readFileSync(path, 'utf8');
  } else {
    try {
      text = execFileSync(process.execPath, [resolve('scripts', 'services', 'k8s.mjs'), 'status', '--json'], { encoding: 'utf8' });
    } catch (error) {
      const out = (error as { stdout?: unknown }).stdout;
      throw new Error(`The Kubernetes sandbox is not running (${typeof out === 'string' ? out.trim() : String(error)}). Start it: node scripts/services/k8s.mjs start`);
    }
  }
  cachedEnv = JSON.parse(text) as SandboxEnv;
  return cachedEnv;
}

// ---- kubectl, namespaces, pods -------------------------------------------------------------

export function kubectl(args: string[], input?: string, kubeconfig = sandboxEnv().kubeconfig): Promise<string> {
  return new Promise((done, fail) => {
    const child = execFile(sandboxEnv().kubectl, ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`kubectl ${args.join(' ')}: ${stderr || error.message}`));
      else done(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Polls `check` until it returns a value other than undefined. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A fresh namespace whose default ServiceAccount exists (pods need it). */
export async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectl(['create', 'namespace', name]);
  await waitFor(`ServiceAccount ${name}/default`, async () => {
    try {
      await kubectl(['get', 'serviceaccount', 'default', '-n', name, '-o', 'name']);
      return true;
    } catch {
      return undefined;
    }
  }, 30_000, 200);
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
}

/** A pod on the kwok node with the given containers, once Running. */
export async function createPod(namespace: string, name: string, containers: string[] = ['app'], labels: Record<string, string> = {}): Promise<void> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: containers.map((c) => ({ name: c, image: 'berth.invalid/logs:1' })) },
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify(pod));
  await kubectl(['wait', '--for=condition=Ready', `pod/${name}`, '-n', namespace, '--timeout=180s']);
}

export async function createDeployment(namespace: string, name: string, replicas: number, containers: string[] = ['app']): Promise<string> {
  const labels = { app: name };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: containers.map((c) => ({ name: c, image: 'berth.invalid/logs:1' })) } },
    },
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify(deployment));
  await waitForReadyPods(namespace, `app=${name}`, replicas);
  return `app=${name}`;
}

/** Names of the Running, Ready pods matching `selector`, once there are exactly `count` of them. */
export async function waitForReadyPods(namespace: string, selector: string, count: number): Promise<string[]> {
  return waitFor(`${count} ready pods ${selector}`, async () => {
    const list = JSON.parse(await kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])) as {
      items: { metadata: { name: string; deletionTimestamp?: string }; status?: { conditions?: { type: string; status: string }[] } }[];
    };
    const ready = list.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === count && list.items.length === count ? ready.map((p) => p.metadata.name).sort() : undefined;
  }, 180_000, 250);
}

// ---- requests --------------------------------------------------------------------------------

/** A kubeconfig like the sandbox's, with every file path absolute and, optionally, another server. */
export function writeKubeconfigCopy(source: string, server?: string): { path: string; dispose(): void } {
  const doc = parse(readFileSync(source, 'utf8')) as {
    clusters?: { cluster: Record<string, unknown> }[];
    users?: { user: Record<string, unknown> }[];
  };
  const base = dirname(source);
  const absolute = (entry: Record<string, unknown>, keys: string[]): void => {
    for (const key of keys) {
      const value = entry[key];
      if (typeof value === 'string' && !isAbsolute(value)) entry[key] = resolve(base, value);
    }
  };
  for (const c of doc.clusters ?? []) {
    absolute(c.cluster, ['certificate-authority']);
    if (server !== undefined) c.cluster.server = server;
  }
  for (const u of doc.users ?? []) absolute(u.user, ['client-certificate', 'client-key', 'tokenFile']);
  const dir = mkdtempSync(join(tmpdir(), 'berth-logs-kubeconfig-'));
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return { path, dispose: () => { rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * The `open` a connection hands to streamContainerLogs, built from the clients' transport
 * (openRequest) for the current context of `kubeconfigPath`.
 */
export function openerFor(kubeconfigPath: string): OpenRequest {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`${kubeconfigPath} has no current cluster`);
  return (path: string, signal: AbortSignal): Promise<IncomingMessage> => openRequest(kc, server, path, { signal, deadlineMs: 10_000, accept: '*/*' });
}

/** A real connection through the clients bundle's entry (loadKubeconfig, connect). */
export async function connectTo(kubeconfigPath: string, context: string): Promise<KubeConnection> {
  const loaded = await loadKubeconfig({ kubeconfigSetting: kubeconfigPath, env: {}, home: homedir() });
  return loaded.connect(context, { requestDeadlineMs: 10_000, execDeadlineMs: 10_000 });
}

// ---- the log file kwok serves ----------------------------------------------------------------

const TIME_AT_START = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z /;

/** Seconds (epoch) of the latest timestamp in the last 64 KiB of `file`, or 0. */
function latestSecondIn(file: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    let latest = 0;
    for (const line of buffer.toString('utf8').split('\n')) {
      const m = TIME_AT_START.exec(line);
      if (m?.[1]) latest = Math.max(latest, Date.parse(`${m[1]}Z`) / 1000);
    }
    return latest;
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Hands out CRI timestamps later than every line already in the log files (other tests,
 * other runs), so that a `sinceTime` resume never brings back someone else's lines.
 */
export class LogClock {
  private nextSecond: number;

  constructor(files: string[]) {
    const latest = Math.max(...files.map(latestSecondIn));
    this.nextSecond = Math.max(Math.floor(Date.now() / 1000), latest + 1);
  }

  /** Reserves `count` whole seconds and returns the first (epoch seconds). */
  reserve(count = 1): number {
    const first = Math.max(this.nextSecond, Math.floor(Date.now() / 1000));
    this.nextSecond = first + count;
    return first;
  }
}

/** RFC 3339 with nine fraction digits, as the kubelet writes and sends it. */
export function criTime(second: number, nanos: number): string {
  return `${new Date(second * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

export function criLine(time: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): string {
  return `${time} ${stream} F ${text}\n`;
}

/** The first line of `file` (read from its first 64 KiB), without its line end. */
export function firstLineOf(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, length).toString('utf8').split('\n')[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

export function appendLog(file: string, lines: string[]): void {
  appendFileSync(file, lines.join(''));
}

// ---- a sink that records ---------------------------------------------------------------------

export interface RecordedMarker {
  kind: string;
  text: string;
  /** Lines received before the marker. */
  afterLines: number;
}

export class RecordingSink implements LogStreamSink {
  readonly lines: LogLine[] = [];
  readonly markers: RecordedMarker[] = [];
  readonly failures: KubeFailure[] = [];
  /** Sizes of the onLines calls. */
  readonly batches: number[] = [];

  onLines(lines: LogLine[]): void {
    this.batches.push(lines.length);
    for (const line of lines) this.lines.push(line);
  }

  onMarker(kind: string, text: string): void {
    this.markers.push({ kind, text, afterLines: this.lines.length });
  }

  onFailure(failure: KubeFailure): void {
    this.failures.push(failure);
  }

  texts(prefix: string): string[] {
    return this.lines.filter((l) => l.text.startsWith(prefix)).map((l) => l.text);
  }

  kinds(): string[] {
    return this.markers.map((m) => m.kind);
  }
}

/**
 * Appends probe lines (`<tag> probe <n>`) until `ready` says they were seen, so the test knows
 * its streams are established (with tailLines=0, lines written before that are not part of a
 * stream).
 */
export async function probeUntil(file: string, clock: LogClock, tag: string, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let i = 0; ; i++) {
    appendLog(file, [criLine(criTime(clock.reserve(), 0), `${tag} probe ${i}`)]);
    const until = Date.now() + 400;
    while (Date.now() < until) {
      if (ready()) return;
      await sleep(20);
    }
    if (Date.now() > deadline) throw new Error('the log stream never delivered a probe line');
  }
}

/** probeUntil for one stream: until any probe line arrived. */
export function waitUntilStreaming(file: string, clock: LogClock, received: () => readonly { text: string }[], tag: string): Promise<void> {
  return probeUntil(file, clock, tag, () => received().some((l) => l.text.startsWith(`${tag} probe `)));
}

// ---- a fault proxy ---------------------------------------------------------------------------

export interface ProxiedConnection {
  readonly id: number;
  readonly client: Socket;
  readonly upstream: Socket;
  /** Bytes sent from the API server to the client. */
  bytesDown: number;
  closedAt: number | undefined;
}

/**
 * A plain TCP proxy on 127.0.0.1 in front of the API server: TLS passes through untouched
 * (the server certificate names 127.0.0.1), so the client cannot tell, until the proxy cuts
 * (FIN or RST) or refuses connections.
 */
export class FaultProxy {
  readonly connections: ProxiedConnection[] = [];
  private server: Server | undefined;
  private nextId = 0;
  port = 0;

  private constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  static async start(target: string): Promise<FaultProxy> {
    const url = new URL(target);
    const proxy = new FaultProxy(url.hostname, Number(url.port || 443));
    await proxy.listen(0);
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  private listen(port: number): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      const conn: ProxiedConnection = { id: this.nextId++, client, upstream, bytesDown: 0, closedAt: undefined };
      this.connections.push(conn);
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      upstream.on('data', (chunk: Buffer) => { conn.bytesDown += chunk.length; });
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => {
        conn.closedAt ??= Date.now();
        upstream.destroy();
      });
      upstream.on('close', () => { client.destroy(); });
    });
    this.server = server;
    return new Promise((done, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        if (address && typeof address === 'object') this.port = address.port;
        done();
      });
    });
  }

  open(): ProxiedConnection[] {
    return this.connections.filter((c) => c.closedAt === undefined);
  }

  /** Cuts every open connection: 'fin' closes both sides politely, 'rst' resets the client's. */
  cut(mode: 'fin' | 'rst'): number {
    const open = this.open();
    for (const c of open) {
      if (mode === 'rst') c.client.resetAndDestroy();
      else c.client.destroy();
      c.upstream.destroy();
    }
    return open.length;
  }

  /** Stops listening and cuts everything: the address now refuses connections. */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.cut('rst');
    if (server) await new Promise<void>((done) => { server.close(() => { done(); }); });
  }

  /** Listens again on the same port. */
  async accept(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.refuse();
  }
}
