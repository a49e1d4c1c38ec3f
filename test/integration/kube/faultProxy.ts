// A loopback fault proxy in front of the sandbox API server. It terminates TLS with the
// sandbox's own server certificate (clients verify it with the sandbox CA, as they verify the
// API server) and forwards every request upstream as the sandbox admin, streaming, so watches
// and log follows pass through unchanged. Between the two it can cut every connection, refuse
// new ones, stall, or answer one request itself (a 410 on a watch, a 429, a 401): the faults
// of reliability.md T21-T31 that a real server will not produce on demand.
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pkiFile, sandbox } from './sandbox';

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query as the client sent them. */
  readonly path: string;
  readonly url: URL;
  readonly at: number;
}

/** What the proxy does with one request instead of forwarding it. */
export type FaultAnswer =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  /** 200 and a watch stream whose only event is ERROR with this Status (how a 410 usually arrives). */
  | { readonly watchError: { readonly code: number; readonly reason: string; readonly message: string } };

export type FaultRule = (request: ProxiedRequest) => FaultAnswer | undefined;

export type ProxyMode = 'pass' | 'refuse' | 'stall';

export class FaultProxy {
  /** Every TCP connection accepted, with its time (refused ones included). */
  readonly connections: number[] = [];
  readonly requests: ProxiedRequest[] = [];
  mode: ProxyMode = 'pass';
  private readonly sockets = new Set<Socket>();
  private readonly stalled = new Set<ServerResponse>();
  private rules: FaultRule[] = [];

  private constructor(private readonly server: https.Server, private readonly upstream: https.Agent, readonly url: string) {}

  static async start(): Promise<FaultProxy> {
    const env = sandbox();
    const upstream = new https.Agent({
      keepAlive: true,
      ca: readFileSync(env.caFile),
      cert: readFileSync(env.adminCert),
      key: readFileSync(env.adminKey),
    });
    const server = https.createServer({ cert: readFileSync(pkiFile('apiserver.crt')), key: readFileSync(pkiFile('apiserver.key')) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultProxy(server, upstream, `https://127.0.0.1:${port}`);
    server.on('connection', (socket: Socket) => { proxy.accept(socket); });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => { proxy.handle(req, res); });
    // Client TLS errors (a cut mid-handshake) are expected here.
    server.on('tlsClientError', () => undefined);
    return proxy;
  }

  /** Adds a rule (checked before forwarding); returns the function that removes it. */
  inject(rule: FaultRule): () => void {
    this.rules.push(rule);
    return () => { this.rules = this.rules.filter((r) => r !== rule); };
  }

  /** Destroys every open client connection (and the requests riding on them). */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.stalled.clear();
  }

  /** Requests whose path contains `fragment`, for assertions. */
  requestsMatching(fragment: string): ProxiedRequest[] {
    return this.requests.filter((r) => r.path.includes(fragment));
  }

  async close(): Promise<void> {
    this.cut();
    this.upstream.destroy();
    await new Promise<void>((resolve) => { this.server.close(() => { resolve(); }); });
  }

  private accept(socket: Socket): void {
    this.connections.push(Date.now());
    if (this.mode === 'refuse') {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => { this.sockets.delete(socket); });
    socket.on('error', () => undefined);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const request: ProxiedRequest = { method: req.method ?? 'GET', path, url: new URL(path, this.url), at: Date.now() };
    this.requests.push(request);
    res.on('error', () => undefined);
    if (this.mode === 'stall') {
      // Accepted, never answered: the client's deadline must fire.
      this.stalled.add(res);
      req.resume();
      return;
    }
    for (const rule of this.rules) {
      const answer = rule(request);
      if (answer) {
        req.resume();
        this.answer(res, answer);
        return;
      }
    }
    this.forward(req, res);
  }

  private answer(res: ServerResponse, answer: FaultAnswer): void {
    if ('watchError' in answer) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...answer.watchError } })}\n`);
      return;
    }
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...(answer.headers ?? {}) });
    res.end(body);
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const target = new URL(req.url ?? '/', sandbox().server);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const upstreamReq = https.request(target, { method: req.method ?? 'GET', headers, agent: this.upstream }, (upstreamRes) => {
      const responseHeaders = { ...upstreamRes.headers };
      delete responseHeaders.connection;
      delete responseHeaders['transfer-encoding'];
      res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders);
      // Flush headers at once: a watch's first event may be minutes away.
      res.flushHeaders();
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => { res.destroy(); });
    });
    upstreamReq.on('error', () => { res.destroy(); });
    // The client went away (cut, or it aborted): stop the upstream request too.
    res.on('close', () => { upstreamReq.destroy(); });
    req.pipe(upstreamReq);
  }
}
