// The log panel ingesting 100,000 lines through the real path: CRI lines appended to the
// sandbox's app log (kwok serves every pod's log from it) -> kube-apiserver -> Berth's follow
// stream (streamContainerLogs through the connection, podLogDriver) -> LogSession (ring buffer,
// batcher) -> its `post` -> the built webview bundle in headless Chromium, until the last line
// is a row in the DOM. Measured in phases, one after the other, each on its own fresh lines:
//   floor    a raw HTTPS follow of the same log (what kwok and the API server take by themselves);
//   Berth    first line appended -> last line rendered; event loop delay of this process (the
//            extension host's role) during ingestion; posts per second; DOM size at the end;
//   kubectl  `kubectl logs -f` (first appended -> last printed) and `kubectl logs --tail=-1`
//            (the same lines, one process, wall time);
//   memory   host heap/RSS before, at the cap (50,000 lines) and after twice the cap, after a GC.
// The lines stay in the shared app log (other tests only read what they append themselves).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { IncomingMessage } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { Browser } from 'playwright-core';
import type { KubeConnection, LogLine, LogStreamSink } from '../../src/clients/kube/api';
import { toKubeFailure } from '../../src/clients/kube/errors';
import { streamContainerLogs } from '../../src/clients/kube/logs';
import type { HostMessage, WireLine, WireSource } from '../../src/core/logs/protocol';
import { podLogDriver } from '../../src/vscode/kube/logPanelDrivers';
import { LogSession } from '../../src/vscode/kube/logPanelSession';
import type { BenchContext, BenchResult } from './lib/measure';
import { machine, median, round, table, timeProcess } from './lib/measure';
import { RawKube, SANDBOX_CONTEXT, berthConnection, cleanRequested, ms, ratio, sleep, useSandbox, waitUntil } from './lib/kubeBench';
import type { SandboxEnv } from './lib/kubeBench';
import { PanelPage, launchChromium, servePanel } from './lib/kubeWebview';

export const name = 'logs';
export const description = 'log panel: 100,000 lines from the API server to the webview DOM, vs a raw read and kubectl logs';

const NAMESPACE = 'berth-bench-logs';
const POD = 'logs-0';
const CONTAINER = 'app';
/** Lines per write(2) of the appender. */
const APPEND_CHUNK = 1000;

/** Epoch ms with sub-ms precision, comparable between this process, its workers and Chromium. */
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

const GREEN = '\x1b[32m';
const RESET = '\x1b[0m';

/** A line of an access log; every tenth one coloured, as real logs often are. */
function lineText(prefix: string, i: number): string {
  return i % 10 === 0 ? `${GREEN}${prefix} line ${i}${RESET} ok` : `${prefix} line ${i} GET /api/items?id=${i} 200 ${i % 997}ms`;
}

/** The text the webview shows for a line (its colour codes removed). */
function shownText(prefix: string, i: number): string {
  return lineText(prefix, i).replaceAll(GREEN, '').replaceAll(RESET, '');
}

/** One batch of CRI lines, prepared before it is timed: `count` lines, all in the second `second`. */
interface Batch {
  prefix: string;
  count: number;
  chunks: string[];
  /** RFC 3339 second of every line (kubectl --since-time). */
  second: string;
  lastText: string;
}

let lastSecond = 0;

/** Builds `count` lines stamped within a second of their own (later than every earlier batch's). */
async function prepare(prefix: string, count: number): Promise<Batch> {
  let second = Math.floor(Date.now() / 1000);
  if (second <= lastSecond) {
    await sleep((lastSecond + 1) * 1000 - Date.now() + 5);
    second = Math.floor(Date.now() / 1000);
  }
  lastSecond = second;
  const iso = new Date(second * 1000).toISOString().slice(0, 19);
  const chunks: string[] = [];
  for (let start = 0; start < count; start += APPEND_CHUNK) {
    const parts: string[] = [];
    for (let i = start; i < Math.min(count, start + APPEND_CHUNK); i++) parts.push(`${iso}.${String(i).padStart(9, '0')}Z stdout F ${lineText(prefix, i)}\n`);
    chunks.push(parts.join(''));
  }
  return { prefix, count, chunks, second: `${iso}Z`, lastText: shownText(prefix, count - 1) };
}

// The appender runs on a worker thread: its writes do not count as this process's event loop work.
const APPENDER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, openSync, writeSync } = require('node:fs');
const fd = openSync(workerData.file, 'a');
const firstAt = performance.timeOrigin + performance.now();
for (const chunk of workerData.chunks) writeSync(fd, chunk);
const lastAt = performance.timeOrigin + performance.now();
closeSync(fd);
parentPort.postMessage({ firstAt, lastAt });
`;

/** Appends the batch as fast as the file takes it; resolves with when the first and last writes happened (epoch ms). */
function append(file: string, batch: Batch): Promise<{ firstAt: number; lastAt: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(APPENDER_SOURCE, { eval: true, workerData: { file, chunks: batch.chunks } });
    worker.once('message', (m: { firstAt: number; lastAt: number }) => { resolve(m); });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new Error(`the appender exited with ${code}`)); });
  });
}

/** One line appended now (a sync point: the reader is known to follow once it arrives). */
function appendOne(file: string, text: string): void {
  const ts = new Date().toISOString().replace('Z', '000000Z');
  writeFileSync(file, `${ts} stdout F ${text}\n`, { flag: 'a' });
}

async function ensurePod(raw: RawKube, env: SandboxEnv): Promise<void> {
  await raw.ensureNamespace(NAMESPACE);
  await raw.ok('POST', `/api/v1/namespaces/${NAMESPACE}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, labels: { app: 'bench-logs' } },
    spec: { nodeName: env.node, containers: [{ name: CONTAINER, image: 'registry.example/bench/logger:1.0' }] },
  }, { accept: [409] });
  await waitUntil(`pod ${POD} Running`, async () => {
    const pod = await raw.json<{ status?: { phase?: string } }>(`/api/v1/namespaces/${NAMESPACE}/pods/${POD}`);
    return pod.status?.phase === 'Running';
  }, 120_000);
  if (!existsSync(env.appLog)) writeFileSync(env.appLog, '');
}

const LOG_PATH = `/api/v1/namespaces/${NAMESPACE}/pods/${POD}/log?container=${CONTAINER}&follow=true&tailLines=0&timestamps=true`;

/**
 * Appends the sync line until `synced` resolves: the API server sends a follow stream's headers
 * only with its first bytes, and a line written before kwok opened the file (tailLines=0) is
 * never sent, so one line is not enough.
 */
async function syncUp(file: string, text: string, synced: Promise<void>, what: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    appendOne(file, text);
    try {
      await withTimeout(synced, attempt < 10 ? 2000 : 30_000, what);
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
    }
  }
}

/**
 * The floor: a raw HTTPS follow of the log, counting lines, nothing else. The chunks it got
 * after the sync line are kept in `received` (as the API server cut them), for the host-path
 * replay.
 */
async function rawFloor(raw: RawKube, env: SandboxEnv, batch: Batch, received: Buffer[] = []): Promise<{ firstAt: number; lastAt: number; firstReceivedAt: number; lastReceivedAt: number }> {
  const controller = new AbortController();
  const sync = `${batch.prefix} sync`;
  let synced = false;
  let tail = '';
  let count = 0;
  let firstReceivedAt = 0;
  let lastReceivedAt = 0;
  let onSynced: () => void = () => undefined;
  let onDone: () => void = () => undefined;
  let onFailed: (error: Error) => void = () => undefined;
  const syncedP = new Promise<void>((resolve) => { onSynced = resolve; });
  const doneP = new Promise<void>((resolve, reject) => { onDone = resolve; onFailed = reject; });
  const opened = raw.open('GET', LOG_PATH, { signal: controller.signal }).then((res) => {
    if (res.statusCode !== 200) throw new Error(`raw log read: HTTP ${res.statusCode ?? 0}`);
    res.on('data', (chunk: Buffer) => {
      if (!synced) {
        tail += chunk.toString('utf8');
        const at = tail.indexOf(`${sync}\n`);
        if (at < 0) return;
        synced = true;
        chunk = Buffer.from(tail.slice(at + sync.length + 1));
        onSynced();
      }
      if (lastReceivedAt === 0) received.push(chunk);
      // Later copies of the sync line may still come: they are not lines of the batch.
      const text = chunk.toString('utf8');
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
      for (let i = text.indexOf(sync); i >= 0; i = text.indexOf(sync, i + 1)) count--;
      if (count > 0 && firstReceivedAt === 0) firstReceivedAt = epochNow();
      if (count >= batch.count && lastReceivedAt === 0) {
        lastReceivedAt = epochNow();
        onDone();
      }
    });
    res.on('error', (error) => { onFailed(error); });
    return res;
  });
  opened.catch((error: unknown) => { onFailed(error instanceof Error ? error : new Error(String(error))); });
  try {
    await syncUp(env.appLog, sync, syncedP, 'the raw reader to see the sync line');
    const appended = await append(env.appLog, batch);
    await withTimeout(doneP, 120_000, `the raw reader to get ${batch.count} lines`);
    return { ...appended, firstReceivedAt, lastReceivedAt };
  } finally {
    controller.abort();
    (await opened.catch(() => undefined))?.destroy();
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => { reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)); }, timeoutMs); });
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
}

/** A pod driver whose streams note when the host got the first and the last line of `batch`. */
function instrumented(connection: KubeConnection, marks: { lastText: string; firstAt: number; lastAt: number; lines: number }): Pick<KubeConnection, 'streamLogs'> {
  return {
    streamLogs: (request, sink) => connection.streamLogs(request, {
      ...sink,
      onLines: (lines: LogLine[]) => {
        // Late copies of the sync line are not the batch's first line.
        if (marks.firstAt === 0 && lines.some((l) => !l.text.endsWith(' sync'))) marks.firstAt = epochNow();
        marks.lines += lines.length;
        if (lines[lines.length - 1]?.text === marks.lastText) marks.lastAt = epochNow();
        sink.onLines(lines);
      },
    } satisfies LogStreamSink),
  };
}

interface SessionRig {
  session: LogSession;
  panel: PanelPage;
  marks: { lastText: string; firstAt: number; lastAt: number; lines: number };
  /** performance.now() of each `lines` post. */
  posts: number[];
  /** When the post carrying the awaited last line was made (epoch ms). */
  postedAt: { value: number };
  onPost?: (message: HostMessage) => void;
}

/** A panel: the webview page, a session following the pod from now on (tailLines 0), and the sync line on screen. */
async function openRig(browser: Browser, url: string, connection: KubeConnection, env: SandboxEnv, maxLines: number, prefix: string): Promise<SessionRig> {
  const panel = await PanelPage.open(browser, url);
  const marks = { lastText: '', firstAt: 0, lastAt: 0, lines: 0 };
  const posts: number[] = [];
  const postedAt = { value: 0 };
  const rig: SessionRig = { session: undefined as unknown as LogSession, panel, marks, posts, postedAt };
  const driver = podLogDriver(instrumented(connection, marks), { namespace: NAMESPACE, pod: POD, containers: [CONTAINER] }, 4, toKubeFailure);
  rig.session = new LogSession(driver, `pod/${NAMESPACE}/${POD}`, {
    title: `Logs: ${POD}`,
    maxLines,
    containers: [CONTAINER],
    options: { follow: true, tailLines: 0, previous: false },
    post: (message) => {
      if (message.type === 'lines') {
        posts.push(performance.now());
        const last: WireLine | undefined = message.lines[message.lines.length - 1];
        if (last?.x === marks.lastText) postedAt.value = epochNow();
      }
      rig.onPost?.(message);
      panel.post(message);
    },
  });
  rig.session.webviewReady();
  rig.session.start();
  const sync = `${prefix} sync`;
  await panel.awaitRow(sync);
  await syncUp(env.appLog, sync, panel.rowSeenAt(60_000).then(() => undefined), 'the panel to show the sync line');
  return rig;
}

/** Posts per second: the most in any one-second window, and the average over the span. */
function postRates(times: readonly number[]): { maxPerSecond: number; average: number } {
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 1000) start++;
    max = Math.max(max, end - start + 1);
  }
  const span = times.length > 1 ? ((times[times.length - 1] as number) - (times[0] as number)) / 1000 : 0;
  return { maxPerSecond: max, average: span > 0 ? (times.length - 1) / span : times.length };
}

/** `kubectl logs -f --tail=0`: from the first line appended to the last one printed. */
async function kubectlFollow(env: SandboxEnv, batch: Batch): Promise<{ firstAt: number; lastAt: number; lastPrintedAt: number }> {
  const child: ChildProcess = spawn(env.kubectl, ['--context', SANDBOX_CONTEXT, 'logs', '-f', '--tail=0', '-n', NAMESPACE, POD, '-c', CONTAINER], {
    env: { ...process.env, KUBECONFIG: env.kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sync = `${batch.prefix} sync`;
  let synced = false;
  let text = '';
  let count = 0;
  let lastPrintedAt = 0;
  let onSynced: () => void = () => undefined;
  let onDone: () => void = () => undefined;
  const syncedP = new Promise<void>((resolve) => { onSynced = resolve; });
  const doneP = new Promise<void>((resolve) => { onDone = resolve; });
  child.stdout?.on('data', (chunk: Buffer) => {
    if (!synced) {
      text += chunk.toString('utf8');
      const at = text.indexOf(`${sync}\n`);
      if (at < 0) return;
      synced = true;
      chunk = Buffer.from(text.slice(at + sync.length + 1));
      onSynced();
    }
    const printed = chunk.toString('utf8');
    for (let i = printed.indexOf('\n'); i >= 0; i = printed.indexOf('\n', i + 1)) count++;
    for (let i = printed.indexOf(sync); i >= 0; i = printed.indexOf(sync, i + 1)) count--;
    if (count >= batch.count && lastPrintedAt === 0) {
      lastPrintedAt = epochNow();
      onDone();
    }
  });
  try {
    await syncUp(env.appLog, sync, syncedP, 'kubectl logs -f to print the sync line');
    const appended = await append(env.appLog, batch);
    await withTimeout(doneP, 120_000, `kubectl logs -f to print ${batch.count} lines`);
    return { ...appended, lastPrintedAt };
  } finally {
    child.kill('SIGTERM');
  }
}

/** A response that hands over `chunks` as a socket would, then ends (IncomingMessage's parts the stream uses). */
function recordedResponse(chunks: readonly Buffer[]): IncomingMessage {
  const body = new Readable({ read: () => undefined });
  const res = Object.assign(body, { statusCode: 200, headers: { date: new Date().toUTCString() }, complete: false, socket: null });
  for (const chunk of chunks) body.push(chunk);
  body.once('end', () => { res.complete = true; });
  body.push(null);
  return res as unknown as IncomingMessage;
}

const RUNNING_POD = JSON.stringify({ metadata: { name: POD }, status: { phase: 'Running', containerStatuses: [{ name: CONTAINER, restartCount: 0, containerID: 'kwok://bench', state: { running: {} } }] } });

interface HostPathFigures {
  /** CPU of this process (all threads: GC helpers included) per replay, ms. */
  cpuMs: number[];
  /** Wall time per replay, ms. */
  wallMs: number[];
  /** JSON.stringify of the posts (what VS Code's postMessage does first), ms per replay. */
  stringifyMs: number[];
  lines: number;
}

/**
 * Berth's own cost, apart from the network, the API server and the webview: the bytes the floor
 * reader received, replayed through the same path (streamContainerLogs on a response that
 * yields them, podLogDriver, LogSession with its buffer and batching), each post serialised as
 * VS Code's postMessage serialises it. Nothing else runs meanwhile, so CPU time is a figure that
 * a shared machine's load disturbs far less than the end-to-end times.
 */
async function hostPathReplay(chunks: readonly Buffer[], cap: number, repetitions: number): Promise<HostPathFigures> {
  const lines = chunks.reduce((sum, chunk) => { let n = 0; for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++; return sum + n; }, 0);
  const figures: HostPathFigures = { cpuMs: [], wallMs: [], stringifyMs: [], lines };
  // The first replays warm up the JIT, as the first minutes of a panel do.
  for (let r = -2; r < repetitions; r++) {
    let stringifyMs = 0;
    const open = (path: string): Promise<IncomingMessage> => Promise.resolve(path.includes('/log?') ? recordedResponse(chunks) : recordedResponse([Buffer.from(RUNNING_POD)]));
    const connection: Pick<KubeConnection, 'streamLogs'> = { streamLogs: (request, sink) => streamContainerLogs(open, request, sink) };
    let onEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => { onEnded = resolve; });
    const session = new LogSession(podLogDriver(connection, { namespace: NAMESPACE, pod: POD, containers: [CONTAINER] }, 4, toKubeFailure), `pod/${NAMESPACE}/${POD}`, {
      title: `Logs: ${POD}`,
      maxLines: cap,
      containers: [CONTAINER],
      // Not followed: the stream ends with the recorded bytes, and an "ended" marker says so.
      options: { follow: false, tailLines: 0, previous: false },
      post: (message) => {
        const started = performance.now();
        JSON.stringify(message);
        stringifyMs += performance.now() - started;
        if (message.type === 'lines' && message.lines.some((line) => line.k === 'm' && line.x === 'End of log.')) onEnded();
      },
    });
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    session.webviewReady();
    session.start();
    await withTimeout(ended, 60_000, 'the replayed stream to end');
    const wall = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuBefore);
    const received = session.stats().linesReceived;
    session.dispose();
    if (received !== lines) throw new Error(`host-path replay: ${received} lines received of ${lines}`);
    if (r < 0) continue;
    figures.cpuMs.push((cpu.user + cpu.system) / 1000);
    figures.wallMs.push(wall);
    figures.stringifyMs.push(stringifyMs);
  }
  return figures;
}

/**
 * The bench's stand-in for VS Code's postMessage by itself: `total` lines built beforehand,
 * posted through PanelPage.post in messages of 5,000 lines (what the batcher sends at 100,000
 * lines/s) as fast as they go, timed from the first post to the last row in the DOM.
 */
async function standInFloor(browser: Browser, url: string, total: number, prefix: string): Promise<number> {
  const panel = await PanelPage.open(browser, url);
  try {
    const source: WireSource = { pod: POD, container: CONTAINER, color: 0 };
    panel.post({ type: 'init', title: `Logs: ${POD}`, sources: [source], options: { follow: true, tailLines: 0, previous: false }, containers: [CONTAINER], maxLines: total });
    const second = new Date().toISOString().slice(0, 19);
    const lines: WireLine[] = [];
    for (let i = 0; i < total; i++) lines.push({ s: 0, t: `${second}.${String(i).padStart(9, '0')}Z`, x: lineText(prefix, i) });
    await panel.awaitRow(shownText(prefix, total - 1));
    await panel.flushed();
    const firstAt = epochNow();
    for (let at = 0; at < total; at += 5000) panel.post({ type: 'lines', lines: lines.slice(at, at + 5000) });
    return (await panel.rowSeenAt(120_000)) - firstAt;
  } finally {
    await panel.close();
  }
}

/** Heap and RSS after a full GC, in bytes. */
function memoryAfterGc(gc: () => void): { heapUsed: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

interface BerthRound {
  renderedMs: number;
  hostFirstMs: number;
  hostLastMs: number;
  postedMs: number;
  writeMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** The same figures of an idle Node process at the same time: the machine's share. */
  idleLoopP99Ms: number;
  idleLoopMaxMs: number;
  /** CPU time of this process (all its threads) during ingestion. */
  cpuMs: number;
  posts: number;
  maxPostsPerSecond: number;
  averagePostsPerSecond: number;
  maxBatch: number;
  linesReceived: number;
  dropped: number;
  domNodes: number;
  domRows: number;
  heapBefore: number;
  heapAtCap: number | null;
  heapAfter: number;
  rssAfter: number;
}

// An idle Node process measuring its own event loop delay, as the bench's process does: what the
// machine's scheduling alone costs an event loop at the time (2 shared cores), whatever Berth does.
const IDLE_PROBE_SOURCE = `
const { monitorEventLoopDelay } = require('node:perf_hooks');
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  delay.disable();
  process.stdout.write(JSON.stringify({ p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 }) + '\\n');
  process.exit(0);
});
`;

interface IdleProbe {
  /** Stops the probe: the delay p99 and max of its event loop, in ms. */
  stop(): Promise<{ p99: number; max: number }>;
}

/** Starts the idle probe and resolves once it measures. */
async function startIdleProbe(): Promise<IdleProbe> {
  const child = spawn(process.execPath, ['-e', IDLE_PROBE_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (let nl = output.indexOf('\n'); nl >= 0; nl = output.indexOf('\n')) {
      const line = output.slice(0, nl);
      output = output.slice(nl + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const nextLine = (): Promise<string> => {
    const line = lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => { waiters.push(resolve); });
  };
  await withTimeout(nextLine(), 30_000, 'the idle event loop probe to start');
  return {
    stop: async () => {
      child.stdin.write('stop\n');
      const result = JSON.parse(await withTimeout(nextLine(), 30_000, 'the idle event loop probe to report')) as { p99: number; max: number };
      child.kill();
      return result;
    },
  };
}

/** One Berth ingestion: a fresh panel, then the batch appended, timed until its last line is a row in the DOM. */
async function berthRound(browser: Browser, url: string, connection: KubeConnection, env: SandboxEnv, batch: Batch, cap: number): Promise<BerthRound> {
  const rig = await openRig(browser, url, connection, env, cap, batch.prefix);
  try {
    rig.marks.lastText = batch.lastText;
    rig.marks.firstAt = 0;
    rig.marks.lines = 0;
    rig.posts.length = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    let heapAtCap: number | null = null;
    rig.onPost = () => {
      if (heapAtCap === null && rig.marks.lines >= cap) heapAtCap = process.memoryUsage().heapUsed;
    };
    await rig.panel.awaitRow(batch.lastText);
    const idle = await startIdleProbe();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const cpuBefore = process.cpuUsage();
    const appended = await append(env.appLog, batch);
    const renderedAt = await rig.panel.rowSeenAt(120_000);
    const cpu = process.cpuUsage(cpuBefore);
    delay.disable();
    const idleDelay = await idle.stop();
    const after = process.memoryUsage();
    await rig.panel.flushed();
    const stats = rig.session.stats();
    const dom = await rig.panel.domNodes();
    const rates = postRates(rig.posts);
    return {
      renderedMs: renderedAt - appended.firstAt,
      hostFirstMs: rig.marks.firstAt - appended.firstAt,
      hostLastMs: rig.marks.lastAt - appended.firstAt,
      postedMs: rig.postedAt.value - appended.firstAt,
      writeMs: appended.lastAt - appended.firstAt,
      loopP99Ms: delay.percentile(99) / 1e6,
      loopMaxMs: delay.max / 1e6,
      idleLoopP99Ms: idleDelay.p99,
      idleLoopMaxMs: idleDelay.max,
      cpuMs: (cpu.user + cpu.system) / 1000,
      posts: stats.posts,
      maxPostsPerSecond: rates.maxPerSecond,
      averagePostsPerSecond: rates.average,
      maxBatch: stats.maxBatch,
      linesReceived: stats.linesReceived,
      dropped: stats.dropped,
      domNodes: dom.nodes,
      domRows: dom.rows,
      heapBefore,
      heapAtCap,
      heapAfter: after.heapUsed,
      rssAfter: after.rss,
    };
  } finally {
    rig.session.dispose();
    await rig.panel.close();
  }
}

interface MemoryFigures {
  before: { heapUsed: number; rss: number };
  atCap: { heapUsed: number; rss: number };
  afterTwiceCap: { heapUsed: number; rss: number };
  webviewHeapAtCap: number;
  webviewHeapAfterTwiceCap: number;
  buffered: number;
  dropped: number;
}

/** A fresh panel: host memory after a GC before any line, at the cap, and after twice the cap. */
async function memoryPhase(browser: Browser, url: string, connection: KubeConnection, env: SandboxEnv, prefix: string, cap: number, gc: () => void): Promise<MemoryFigures> {
  const firstHalf = await prepare(`${prefix}a`, cap);
  const secondHalf = await prepare(`${prefix}b`, cap);
  const rig = await openRig(browser, url, connection, env, cap, prefix);
  try {
    const before = memoryAfterGc(gc);
    const fill = async (batch: Batch): Promise<void> => {
      rig.marks.lastText = batch.lastText;
      await rig.panel.awaitRow(batch.lastText);
      await append(env.appLog, batch);
      await rig.panel.rowSeenAt(120_000);
      await rig.panel.flushed();
    };
    await fill(firstHalf);
    const atCap = memoryAfterGc(gc);
    const webviewHeapAtCap = await rig.panel.heapUsed();
    await fill(secondHalf);
    const afterTwiceCap = memoryAfterGc(gc);
    const webviewHeapAfterTwiceCap = await rig.panel.heapUsed();
    const stats = rig.session.stats();
    return { before, atCap, afterTwiceCap, webviewHeapAtCap, webviewHeapAfterTwiceCap, buffered: stats.buffered, dropped: stats.dropped };
  } finally {
    rig.session.dispose();
    await rig.panel.close();
  }
}

const worst = (values: readonly number[]): number => Math.max(...values);

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const total = ctx.quick ? 20_000 : 100_000;
  const cap = ctx.quick ? 10_000 : 50_000;
  const rounds = ctx.quick ? 1 : 3;
  const runId = Date.now().toString(36);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  const sandbox = await useSandbox(ctx.root, ctx.log);
  const { env } = sandbox;
  const raw = new RawKube(env, 4);
  const server = await servePanel(ctx.root);
  let browser: Browser | undefined;
  let connection: KubeConnection | undefined;
  try {
    await ensurePod(raw, env);
    browser = await launchChromium();
    connection = await berthConnection(env);
    const loadBefore = loadavg()[0] ?? 0;
    ctx.log(`pod ${NAMESPACE}/${POD} Running; app log ${env.appLog} holds ${mib(statSync(env.appLog).size)} MiB before this run; load average ${loadBefore.toFixed(1)}`);

    const floorMs: number[] = [];
    const floorWriteMs: number[] = [];
    let floorChunks: Buffer[] = [];
    const followMs: number[] = [];
    const berth: BerthRound[] = [];
    let lastBatch: Batch | undefined;
    const phases = ['floor', 'berth', 'kubectl'] as const;
    for (let r = 0; r < rounds; r++) {
      // Rotate the order, so that the growing log file or a warm cache favours no one.
      for (let k = 0; k < phases.length; k++) {
        const phase = phases[(r + k) % phases.length];
        const batch = await prepare(`bench-${runId}-${r}-${phase ?? ''}`, total);
        if (phase === 'floor') {
          floorChunks = [];
          const floor = await rawFloor(raw, env, batch, floorChunks);
          floorMs.push(floor.lastReceivedAt - floor.firstAt);
          floorWriteMs.push(floor.lastAt - floor.firstAt);
        } else if (phase === 'berth') {
          berth.push(await berthRound(browser, server.url, connection, env, batch, cap));
        } else {
          const follow = await kubectlFollow(env, batch);
          followMs.push(follow.lastPrintedAt - follow.firstAt);
        }
        lastBatch = batch;
      }
      const b = berth[berth.length - 1];
      ctx.log(`round ${r + 1}/${rounds}: floor ${ms(floorMs[floorMs.length - 1] ?? NaN)} ms; Berth on screen ${ms(b?.renderedMs ?? NaN)} ms (loop p99 ${ms(b?.loopP99Ms ?? NaN)} ms, idle process ${ms(b?.idleLoopP99Ms ?? NaN)} ms; ${b?.posts ?? 0} posts); kubectl logs -f ${ms(followMs[followMs.length - 1] ?? NaN)} ms`);
    }
    const loadAfter = loadavg()[0] ?? 0;

    // The same lines as a one-off read: the batch appended last (--since-time takes it and nothing older).
    const logBytes = statSync(env.appLog).size;
    const last = lastBatch as Batch;
    const kubectlEnv = { env: { ...process.env, KUBECONFIG: env.kubeconfig } };
    const snapshot = timeProcess(env.kubectl, ['--context', SANDBOX_CONTEXT, 'logs', '--tail=-1', `--since-time=${last.second}`, '-n', NAMESPACE, POD, '-c', CONTAINER], kubectlEnv);
    if (snapshot.status !== 0) throw new Error(`kubectl logs failed: ${snapshot.stderr.slice(0, 300)}`);
    const snapshotLines = snapshot.stdout.split('\n').filter((l) => l.includes(`${last.prefix} line `)).length;
    const tailN = timeProcess(env.kubectl, ['--context', SANDBOX_CONTEXT, 'logs', `--tail=${total}`, '-n', NAMESPACE, POD, '-c', CONTAINER], kubectlEnv);
    const tailLines = tailN.stdout.split('\n').filter((l) => l.includes(`${last.prefix} line `)).length;
    ctx.log(`kubectl logs --tail=-1 --since-time: ${ms(snapshot.ms)} ms for ${snapshotLines} lines (log file ${mib(logBytes)} MiB); --tail=${total}: ${ms(tailN.ms)} ms (${tailLines} lines)`);

    const standInMs = await standInFloor(browser, server.url, total, `bench-${runId}-standin`);
    const host = await hostPathReplay(floorChunks, cap, ctx.quick ? 3 : 7);
    const hostCpu = median(host.cpuMs);
    ctx.log(`stand-in IPC alone: ${ms(standInMs)} ms; host path replayed: ${ms(hostCpu)} ms CPU (wall ${ms(median(host.wallMs))} ms, JSON.stringify ${ms(median(host.stringifyMs))} ms) for ${host.lines} lines`);

    const memory = await memoryPhase(browser, server.url, connection, env, `bench-${runId}-memory`, cap, gc);
    const growthToCap = memory.atCap.heapUsed - memory.before.heapUsed;
    const growthAfterCap = memory.afterTwiceCap.heapUsed - memory.atCap.heapUsed;
    const flatLimit = Math.max(2 * 1024 * 1024, 0.1 * Math.max(0, growthToCap));
    ctx.log(`memory: heap ${mib(memory.before.heapUsed)} -> ${mib(memory.atCap.heapUsed)} (cap) -> ${mib(memory.afterTwiceCap.heapUsed)} MiB (2x cap); buffered ${memory.buffered}, dropped ${memory.dropped}`);

    const med = (key: keyof BerthRound): number => median(berth.map((b) => b[key] ?? NaN));
    const floorMed = median(floorMs);
    const followMed = median(followMs);
    const renderedMed = med('renderedMs');
    // Each round's own p99 (one histogram per ingestion); the target takes their median, like the times.
    const loopP99 = med('loopP99Ms');
    const maxPerSecond = worst(berth.map((b) => b.maxPostsPerSecond));
    const lastRound = berth[berth.length - 1] as BerthRound;
    const capHeaps = berth.map((b) => b.heapAtCap).filter((h): h is number => h !== null);
    const row = (label: string, values: readonly number[], vsFloor: boolean, vsFollow: boolean): (string | number)[] => {
      const m = median(values);
      return [label, ms(m), ms(worst(values)), vsFloor ? ratio(m, floorMed) : '', vsFollow ? ratio(m, followMed) : ''];
    };
    const report = [
      `${total.toLocaleString('en-US')} CRI lines appended at once (chunks of ${APPEND_CHUNK}, from a worker thread) to ${env.appLog}; pod ${NAMESPACE}/${POD}; maxLines ${cap.toLocaleString('en-US')}`,
      `${rounds} round(s), phase order rotated; each phase follows the log from its end (tailLines=0) and gets lines of its own; ${machine().cores} cores, load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)}`,
      '',
      table([
        ['from the first line appended', 'median ms', 'worst ms', 'vs floor', 'vs kubectl -f'],
        row('writing the lines (appender thread)', berth.map((b) => b.writeMs), false, false),
        row('floor: raw HTTPS follow, last line received', floorMs, true, true),
        row('Berth: first line at the host', berth.map((b) => b.hostFirstMs), false, false),
        row('Berth: last line at the host (stream)', berth.map((b) => b.hostLastMs), true, false),
        row('Berth: last line posted to the webview', berth.map((b) => b.postedMs), true, false),
        row('Berth: last line rendered in the DOM', berth.map((b) => b.renderedMs), true, true),
        row('kubectl logs -f: last line printed', followMs, true, true),
      ]),
      `the bench's stand-in for postMessage by itself (playwright's page.evaluate over CDP), ${total.toLocaleString('en-US')} prepared lines in posts of 5,000 sent at once: ${ms(standInMs)} ms from the first post to the last row`,
      `Berth's overhead above the floor (medians): ${ms(renderedMed - floorMed)} ms (stream parsing, session, batching, posting, webview render)`,
      '',
      table([
        ['peer: the same lines as a one-off read', 'ms', 'lines'],
        [`kubectl logs --tail=-1 --since-time (scans the ${mib(logBytes)} MiB file)`, ms(snapshot.ms), snapshotLines],
        [`kubectl logs --tail=${total}`, ms(tailN.ms), tailLines],
      ]),
      '',
      table([
        ['during Berth ingestion', 'value'],
        ['event loop delay p99, median of rounds / worst round (ms)', `${ms(loopP99)} / ${ms(worst(berth.map((b) => b.loopP99Ms)))}`],
        ['event loop delay max, worst round (ms)', ms(worst(berth.map((b) => b.loopMaxMs)))],
        ['idle Node process meanwhile: event loop delay p99, median / worst round (ms)', `${ms(med('idleLoopP99Ms'))} / ${ms(worst(berth.map((b) => b.idleLoopP99Ms)))}`],
        ['idle Node process meanwhile: event loop delay max, worst round (ms)', ms(worst(berth.map((b) => b.idleLoopMaxMs)))],
        ['CPU of this process while ingesting (median ms)', ms(med('cpuMs'))],
        ['lines posts per round (median); most in any 1 s; rate over the ingestion /s', `${med('posts')}; ${maxPerSecond}; ${med('averagePostsPerSecond').toFixed(1)}`],
        ['largest post (lines)', worst(berth.map((b) => b.maxBatch))],
        ['webview DOM elements at the end (rows)', `${lastRound.domNodes} (${lastRound.domRows})`],
        ['host heap before -> at the cap -> after, no GC (MiB, median)', `${mib(med('heapBefore'))} -> ${capHeaps.length ? mib(median(capHeaps)) : 'n/a'} -> ${mib(med('heapAfter'))}`],
      ]),
      '',
      table([
        [`Berth's host path alone: the floor reader's ${host.lines.toLocaleString('en-US')} lines replayed ${host.cpuMs.length}x`, 'median ms', 'min ms', 'max ms'],
        ['CPU of this process (GC threads included)', ms(hostCpu), ms(Math.min(...host.cpuMs)), ms(worst(host.cpuMs))],
        ['wall time (posts are paced: at most 20 a second, 10,000 lines each)', ms(median(host.wallMs)), ms(Math.min(...host.wallMs)), ms(worst(host.wallMs))],
        ['of which JSON.stringify of the posts (VS Code does the same)', ms(median(host.stringifyMs)), ms(Math.min(...host.stringifyMs)), ms(worst(host.stringifyMs))],
      ]),
      '(streamContainerLogs on a response yielding the recorded chunks -> podLogDriver -> LogSession -> each post serialised; no network, no webview)',
      '',
      table([
        ['host memory after a GC (fresh panel)', 'heap MiB', 'RSS MiB', 'webview heap MiB'],
        ['before any line', mib(memory.before.heapUsed), mib(memory.before.rss), ''],
        [`at the cap (${cap.toLocaleString('en-US')} lines)`, mib(memory.atCap.heapUsed), mib(memory.atCap.rss), mib(memory.webviewHeapAtCap)],
        [`after 2x the cap (${(2 * cap).toLocaleString('en-US')} lines)`, mib(memory.afterTwiceCap.heapUsed), mib(memory.afterTwiceCap.rss), mib(memory.webviewHeapAfterTwiceCap)],
      ]),
      `heap growth: ${mib(growthToCap)} MiB up to the cap, ${mib(growthAfterCap)} MiB from the cap to 2x (flat: at most ${mib(flatLimit)} MiB)`,
      '(this process also runs playwright\'s driver, whose CDP traffic stands in for VS Code\'s postMessage IPC: the event loop and CPU figures include it)',
    ].join('\n');

    return {
      report,
      targets: [
        { name: `${total.toLocaleString('en-US')} lines from API to screen under 1 s (first append to last row in the DOM, median)`, pass: renderedMed < 1000, value: `${ms(renderedMed)} ms (floor ${ms(floorMed)} ms, Berth overhead ${ms(renderedMed - floorMed)} ms)` },
        { name: 'extension-host event loop delay p99 under 100 ms during ingestion (median of rounds)', pass: loopP99 < 100, value: `${ms(loopP99)} ms (worst round ${ms(worst(berth.map((b) => b.loopP99Ms)))} ms)` },
        { name: 'host memory flat once the cap is reached (heap after GC, cap -> 2x cap)', pass: growthAfterCap <= flatLimit, value: `${mib(growthAfterCap)} MiB (${mib(memory.atCap.heapUsed)} -> ${mib(memory.afterTwiceCap.heapUsed)} MiB)` },
        { name: 'at most 20 posts per second', pass: maxPerSecond <= 20, value: `${maxPerSecond} in the busiest second` },
      ],
      json: {
        machine: machine(),
        loadAverage: { before: loadBefore, after: loadAfter },
        lines: total,
        maxLines: cap,
        rounds,
        appLogBytes: logBytes,
        floor: { ms: floorMs, writeMs: floorWriteMs, median: round(floorMed) },
        berth: { rounds: berth, medianRenderedMs: round(renderedMed), overheadMs: round(renderedMed - floorMed), loopDelayP99Ms: round(loopP99) },
        kubectl: { followMs, followMedian: round(followMed), tailAllMs: round(snapshot.ms), tailAllLines: snapshotLines, tailNMs: round(tailN.ms), tailNLines: tailLines },
        standInMs: round(standInMs),
        hostPath: { ...host, chunks: floorChunks.length, medianCpuMs: round(hostCpu) },
        memory: { ...memory, growthToCap, growthAfterCap, flatLimit },
      },
    };
  } finally {
    connection?.dispose();
    await browser?.close();
    await server.close();
    if (cleanRequested()) {
      ctx.log(`--clean: deleting namespace ${NAMESPACE} (the lines stay in the shared app log)`);
      await raw.deleteNamespace(NAMESPACE).catch((error: unknown) => { ctx.log(`could not delete ${NAMESPACE}: ${String(error)}`); });
    }
    raw.dispose();
    await sandbox.release();
  }
}
