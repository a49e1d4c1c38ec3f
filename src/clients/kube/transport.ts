// HTTP(S) requests to an API server with the TLS material and credentials client-node puts
// into request options, but our own deadlines, abort signals and keep-alive agent: lists,
// watches and log streams need all three, and client-node's fetch layer offers none of them.
import * as http from 'node:http';
import * as https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import type { KubeConfig } from '@kubernetes/client-node';
import { classifyFailure } from '../../core/kube/failures';
import type { FailureInput } from '../../core/kube/failures';
import { KubeError, cancelledError, kubeError, toKubeError } from './errors';

/** Error bodies are read up to this size: enough for any Status object. */
const ERROR_BODY_CAP_BYTES = 64 * 1024;

export interface RequestOptions {
  method?: 'GET' | 'DELETE' | 'POST' | 'PUT' | 'PATCH';
  /** JSON text sent as the request body. */
  body?: string;
  /** Content-Type of the body; default application/json (patches say which kind they are). */
  contentType?: string;
  signal?: AbortSignal;
  /** Deadline for connecting and receiving the response headers, in ms. None for watches and log streams. */
  deadlineMs?: number;
  accept?: string;
  /** What the request does and with which credential, so that a 403 names the verb and resource and a 401 what to renew. */
  what?: Pick<FailureInput, 'verb' | 'resource' | 'namespace' | 'credential'>;
}

interface PreparedTransport {
  agent: http.Agent;
  headers: http.OutgoingHttpHeaders;
  auth: string | undefined;
  /** Whether the agent is ours (client-node builds proxy agents). */
  ownsAgent: boolean;
}

const prepared = new WeakMap<KubeConfig, Promise<PreparedTransport>>();

function isHttp(server: string): boolean {
  return server.toLowerCase().startsWith('http:');
}

/** A file the kubeconfig names (CA, client certificate or key) that cannot be read is a kubeconfig problem. */
function fileError(error: unknown): KubeError | undefined {
  const e = error as { code?: unknown; path?: unknown; message?: unknown } | null;
  if (typeof e !== 'object' || e === null) return undefined;
  if (e.code !== 'ENOENT' && e.code !== 'EACCES' && e.code !== 'EISDIR' && e.code !== 'EPERM') return undefined;
  const path = typeof e.path === 'string' ? e.path : 'a file it names';
  const reason = e.code === 'ENOENT' ? 'it does not exist' : e.code === 'EISDIR' ? 'it is a folder' : 'permission denied';
  return kubeError('KUBE_CONFIG', `The kubeconfig names ${path}, which cannot be read: ${reason}`, 'Fix the path in the kubeconfig, or restore the file, then refresh.');
}

async function prepare(kc: KubeConfig, server: string): Promise<PreparedTransport> {
  const options: https.RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(options);
  } catch (error) {
    throw fileError(error) ?? toKubeError(error, server);
  }
  // client-node writes a plain object (Authorization, Impersonate-User).
  const headers: http.OutgoingHttpHeaders = options.headers && !Array.isArray(options.headers) ? { ...(options.headers as http.OutgoingHttpHeaders) } : {};
  const auth = typeof options.auth === 'string' ? options.auth : undefined;
  if (kc.getCurrentCluster()?.proxyUrl && options.agent instanceof http.Agent) {
    // client-node's proxy agents tunnel to the server with the TLS options built in.
    return { agent: options.agent, headers, auth, ownsAgent: false };
  }
  const agent = isHttp(server)
    ? new http.Agent({ keepAlive: true, maxFreeSockets: 4 })
    : new https.Agent({
        keepAlive: true,
        maxFreeSockets: 4,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        servername: options.servername,
        // Only when the kubeconfig says insecure-skip-tls-verify; otherwise Node verifies.
        ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      });
  return { agent, headers, auth, ownsAgent: true };
}

function preparedFor(kc: KubeConfig, server: string): Promise<PreparedTransport> {
  let p = prepared.get(kc);
  if (!p) {
    p = prepare(kc, server);
    // A failed preparation (unreadable CA file) is retried on the next request.
    p.catch(() => { if (prepared.get(kc) === p) prepared.delete(kc); });
    prepared.set(kc, p);
  }
  return p;
}

/** Closes the keep-alive sockets of `kc` (the connection is disposed or its credentials changed). */
export function releaseTransport(kc: KubeConfig): void {
  const p = prepared.get(kc);
  prepared.delete(kc);
  void p?.then((t) => { if (t.ownsAgent) t.agent.destroy(); }, () => undefined);
}

/** `server` (which may carry a path prefix, e.g. behind Rancher) joined with an API path. */
export function requestUrl(server: string, path: string): URL {
  const base = server.endsWith('/') ? server.slice(0, -1) : server;
  return new URL(base + path);
}

function timeoutError(deadlineMs: number): Error {
  const seconds = deadlineMs >= 1000 ? `${Math.round(deadlineMs / 100) / 10} s` : `${deadlineMs} ms`;
  return Object.assign(new Error(`no response within ${seconds}`), { code: 'ETIMEDOUT' });
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const seconds = Number(v);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** Reads at most `cap` bytes of `res` as text, then drops the rest. */
async function readCapped(res: http.IncomingMessage, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      const room = cap - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= cap) break;
    }
  } catch {
    // A body cut short still says what it had.
  } finally {
    res.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends one request to `server` + `path` with `kc`'s credentials and resolves with the
 * response once its headers arrived and its status is 2xx. Otherwise rejects with a
 * KubeError: a non-2xx answer is classified from its Status body, a network error from
 * Node's error code, the deadline as a timeout, an abort as KUBE_CANCELLED. Aborting
 * `signal` later also destroys the response (used to stop watches and log streams).
 */
export async function openRequest(kc: KubeConfig, server: string, path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
  const { signal, deadlineMs } = options;
  if (signal?.aborted) throw cancelledError();
  const transport = await preparedFor(kc, server);
  if (signal?.aborted) throw cancelledError();
  const url = requestUrl(server, path);
  const headers: http.OutgoingHttpHeaders = { ...transport.headers, Accept: options.accept ?? 'application/json' };
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(options.body);
  }
  const requestOptions: https.RequestOptions = {
    method: options.method ?? 'GET',
    agent: transport.agent,
    headers,
    ...(transport.auth !== undefined ? { auth: transport.auth } : {}),
  };

  return new Promise<http.IncomingMessage>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let response: http.IncomingMessage | undefined;
    const what = options.what ?? {};

    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(error instanceof KubeError ? error : toKubeErrorFor(error));
    };
    const toKubeErrorFor = (error: unknown): KubeError => {
      const e = error as { code?: unknown; message?: unknown };
      return new KubeError(classifyFailure({
        errorCode: typeof e.code === 'string' ? e.code : undefined,
        message: typeof e.message === 'string' ? e.message : String(error),
        server,
        ...what,
      }));
    };
    const onAbort = (): void => {
      const error = cancelledError();
      if (!settled) fail(error);
      req.destroy(error);
      response?.destroy(error);
    };
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };

    const req = (isHttp(server) ? http : https).request(url, requestOptions, (res) => {
      response = res;
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        settled = true;
        cleanup();
        // The caller owns the body from here; the signal keeps the power to stop it. An error
        // before the caller listens (a cut in the same tick) must not crash the host.
        res.on('error', () => undefined);
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(res);
        return;
      }
      const retryAfter = parseRetryAfter(res.headers['retry-after']);
      void readCapped(res, ERROR_BODY_CAP_BYTES).then((body) => {
        fail(new KubeError(classifyFailure({ status, body, server, ...what }), retryAfter));
      });
    });
    req.on('error', (error) => { fail(error); });
    req.on('close', () => { if (!response) signal?.removeEventListener('abort', onAbort); });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (deadlineMs !== undefined) {
      timer = setTimeout(() => {
        const error = timeoutError(deadlineMs);
        fail(error);
        req.destroy(error);
      }, deadlineMs);
    }
    req.end(options.body);
  });
}

/**
 * The whole body as JSON: chunks are kept as they come and parsed once at the end (a 5,000
 * pod page is several MB). `idleMs` destroys a body that stops arriving.
 */
export async function readJson<T = unknown>(res: http.IncomingMessage, options: { idleMs?: number; server?: string } = {}): Promise<T> {
  const chunks: Buffer[] = [];
  if (options.idleMs !== undefined) {
    const idleMs = options.idleMs;
    res.setTimeout(idleMs, () => { res.destroy(timeoutError(idleMs)); });
  }
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  } catch (error) {
    throw toKubeError(error, options.server);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch {
    throw kubeError('KUBE_SERVER', `The API server${options.server ? ` at ${options.server}` : ''} sent a body that is not JSON`, 'Check that the kubeconfig points at a Kubernetes API server, not a proxy or web page.');
  }
}

/** Drains and discards a body (DELETE answers), so the socket goes back to the pool. */
export async function discardBody(res: http.IncomingMessage): Promise<void> {
  res.resume();
  await new Promise<void>((resolve, reject) => {
    res.once('end', resolve);
    res.once('error', reject);
  });
}

/**
 * Splits a stream of newline-delimited JSON (watch events) into parsed values, one call per
 * complete line; a line split across chunks (or inside a multi-byte character) is joined first.
 */
export class JsonLineDecoder {
  private readonly decoder = new StringDecoder('utf8');
  /** Pieces of the line not yet ended, joined only when its newline arrives. */
  private parts: string[] = [];

  push(chunk: Buffer, onValue: (value: unknown) => void): void {
    const text = this.decoder.write(chunk);
    let nl = text.indexOf('\n');
    if (nl === -1) {
      if (text) this.parts.push(text);
      return;
    }
    this.parts.push(text.slice(0, nl));
    const first = this.parts.join('');
    this.parts = [];
    emitLine(first, onValue);
    let start = nl + 1;
    for (nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      emitLine(text.slice(start, nl), onValue);
      start = nl + 1;
    }
    if (start < text.length) this.parts.push(text.slice(start));
  }

  /** What is left when the stream ends (a last line without a newline). */
  end(onValue: (value: unknown) => void): void {
    this.parts.push(this.decoder.end());
    const rest = this.parts.join('');
    this.parts = [];
    emitLine(rest, onValue);
  }
}

function emitLine(line: string, onValue: (value: unknown) => void): void {
  const trimmed = line.trim();
  if (trimmed) onValue(JSON.parse(trimmed));
}
