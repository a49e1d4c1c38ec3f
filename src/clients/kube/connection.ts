// One context's connection: credentials (static, token file or exec plugin), and the calls
// the tree and the log panel make, all over transport.ts with deadlines and abort signals.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { KubeConfig, User as ClientUser } from '@kubernetes/client-node';
import { classifyFailure } from '../../core/kube/failures';
import type { CredentialKind } from '../../core/kube/failures';
import { resourcePath } from '../../core/kube/paths';
import { objectToYaml } from '../../core/kube/yamlView';
import type { PodJson } from '../../core/kube/objects';
import type { KubeCluster, KubeContext, KubeUser, ListResult, ResourceRef, WatchEvent } from '../../core/kube/types';
import type { ConnectOptions, Informer, KubeConnection, ListOptions, LogStreamRequest, LogStreamSink } from './api';
import { singleContextKubeConfig } from './clientConfig';
import { KubeError, cancelledError, kubeError, toKubeError } from './errors';
import { ExecCredentialSource } from './exec';
import type { ExecCredential } from './exec';
import { InformerImpl } from './informer';
import { streamContainerLogs } from './logs';
import type { OpenRequest } from './logs';
import { streamWorkloadLogs } from './workloadLogs';
import type { WorkloadLogSink, WorkloadLogTarget } from './workloadLogs';
import { JsonLineDecoder, discardBody, openRequest, readJson, releaseTransport } from './transport';
import type { RequestOptions } from './transport';

export interface ConnectionSettings extends ConnectOptions {
  /** The environment exec plugins inherit. */
  env: Record<string, string | undefined>;
}

/** Options of the raw watch beyond the contract's: the informer bounds each watch. */
export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Asks the server to end the watch after this many seconds (client-go picks 5-10 min). */
  timeoutSeconds?: number;
  /** Drops the watch when nothing (not even a bookmark) arrived for this long, in ms. */
  idleTimeoutMs?: number;
  /** Called once the server accepted the watch (response headers received). */
  onOpen?: () => void;
}

interface ListJson<T> {
  items?: T[] | null;
  metadata?: { continue?: string; resourceVersion?: string };
}

interface WatchEventJson {
  type?: string;
  object?: { code?: number; metadata?: { resourceVersion?: string } };
}

/** Retries of a GET answered 429/5xx, and the longest Retry-After we wait for. */
const MAX_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 10_000;

const PATCH_CONTENT_TYPES = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;

/** An AbortSignal that fires when either `parent` or `child` does; release() detaches it. */
function linkSignals(parent: AbortSignal, child: AbortSignal | undefined): { signal: AbortSignal; release: () => void } {
  if (!child) return { signal: parent, release: () => undefined };
  const controller = new AbortController();
  const abort = (): void => { controller.abort(); };
  if (parent.aborted || child.aborted) controller.abort();
  parent.addEventListener('abort', abort, { once: true });
  child.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      parent.removeEventListener('abort', abort);
      child.removeEventListener('abort', abort);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(cancelledError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function collectionOf(ref: ResourceRef): ResourceRef {
  return { group: ref.group, version: ref.version, resource: ref.resource, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export class KubeConnectionImpl implements KubeConnection {
  readonly server: string;
  private readonly lifetime = new AbortController();
  private readonly exec: ExecCredentialSource | undefined;
  /** The KubeConfig in use and the exec credential it was built from. */
  private current: { config: KubeConfig; credential?: ExecCredential } | undefined;
  private building: Promise<KubeConfig> | undefined;
  /** Every KubeConfig this connection made: their keep-alive sockets are closed on dispose. */
  private readonly configs = new Set<KubeConfig>();
  private readonly informers = new Set<InformerImpl<unknown>>();
  private readonly logStreams = new Set<{ stop(): void }>();

  constructor(readonly context: KubeContext, private readonly cluster: KubeCluster, private readonly user: KubeUser, private readonly settings: ConnectionSettings) {
    this.server = cluster.server;
    this.exec = user.exec
      ? new ExecCredentialSource(user.exec, cluster, {
          deadlineMs: settings.execDeadlineMs,
          env: settings.env,
          ...(settings.onExecWaiting ? { onWaiting: settings.onExecWaiting } : {}),
        })
      : undefined;
  }

  get disposed(): boolean {
    return this.lifetime.signal.aborted;
  }

  // ---- credentials -------------------------------------------------------------------------

  /** The user's static fields (certificates, token, basic auth) for client-node; `token` from the token file when read. */
  private staticUser(token = this.user.token): ClientUser {
    const u = this.user;
    return {
      name: u.name,
      ...(u.clientCertificate ? { certFile: u.clientCertificate } : {}),
      ...(u.clientCertificateData ? { certData: u.clientCertificateData } : {}),
      ...(u.clientKey ? { keyFile: u.clientKey } : {}),
      ...(u.clientKeyData ? { keyData: u.clientKeyData } : {}),
      ...(token ? { token } : {}),
      ...(u.username !== undefined ? { username: u.username, password: u.password ?? '' } : {}),
    };
  }

  /** The static user, with the token file read (again: it may have been rotated). */
  private async staticUserWithTokenFile(): Promise<ClientUser> {
    const u = this.user;
    if (u.token || !u.tokenFile) return this.staticUser();
    try {
      return this.staticUser((await readFile(u.tokenFile, 'utf8')).trim());
    } catch {
      throw kubeError('KUBE_CONFIG', `The token file ${u.tokenFile} of user "${u.name}" cannot be read`, 'Fix tokenFile in the kubeconfig, or restore the file, then refresh.');
    }
  }

  /** How this context authenticates, so that a 401 can say what to renew. */
  private get credentialKind(): CredentialKind {
    const u = this.user;
    if (u.exec) return 'exec';
    if (u.token || u.tokenFile) return 'token';
    if (u.clientCertificate || u.clientCertificateData) return 'client-certificate';
    if (u.username !== undefined) return 'basic';
    if (u.authProviderName) return 'auth-provider';
    return 'none';
  }

  /** The `what` of a request: verb, resource and namespace for a 403, the credential for a 401. */
  private what(verb: string, ref: { resource: string; namespace?: string }): NonNullable<RequestOptions['what']> {
    return { verb, resource: ref.resource, credential: this.credentialKind, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
  }

  private install(user: ClientUser, credential?: ExecCredential): KubeConfig {
    const config = singleContextKubeConfig(this.cluster, user, this.context.name, this.context.namespace);
    this.configs.add(config);
    this.current = credential ? { config, credential } : { config };
    return config;
  }

  /** The KubeConfig to send a request with; runs the exec plugin when its credential is missing or expired. */
  private async kubeConfig(signal: AbortSignal): Promise<KubeConfig> {
    if (this.exec) {
      const credential = await this.exec.get(signal);
      if (this.current?.credential === credential) return this.current.config;
      // client-node wants certificate data as base64; the plugin gives PEM.
      return this.install({
        ...this.staticUser(),
        ...(credential.token ? { token: credential.token } : {}),
        ...(credential.clientCertificateData ? { certData: base64(credential.clientCertificateData) } : {}),
        ...(credential.clientKeyData ? { keyData: base64(credential.clientKeyData) } : {}),
      }, credential);
    }
    if (this.current) return this.current.config;
    this.building ??= this.staticUserWithTokenFile().then((user) => this.install(user)).finally(() => { this.building = undefined; });
    return this.building;
  }

  /**
   * Opens a request with this context's credentials. A 401 with an exec credential (or a
   * token file) fetches the credential again and retries once: never more, so an expired
   * sign-in cannot loop.
   */
  private async open(path: string, options: RequestOptions & { signal: AbortSignal }): Promise<IncomingMessage> {
    if (this.disposed) throw cancelledError();
    const config = await this.kubeConfig(options.signal);
    try {
      return await openRequest(config, this.server, path, options);
    } catch (error) {
      const refreshable = this.exec !== undefined || (this.user.tokenFile !== undefined && !this.user.token);
      if (!(error instanceof KubeError) || error.failure.status !== 401 || !refreshable) throw error;
      if (this.current?.config === config) {
        this.exec?.invalidate();
        this.current = undefined;
      }
      return openRequest(await this.kubeConfig(options.signal), this.server, path, options);
    }
  }

  /** GET of a JSON document within the request deadline, retried on 429 (Retry-After) and 5xx. */
  private async getJson<T>(path: string, signal: AbortSignal, what: RequestOptions['what']): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.open(path, { signal, deadlineMs: this.settings.requestDeadlineMs, ...(what ? { what } : {}) });
        return await readJson<T>(res, { idleMs: this.settings.requestDeadlineMs, server: this.server });
      } catch (error) {
        const e = toKubeError(error, this.server);
        const status = e.failure.status ?? 0;
        const retryable = status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
        const waitMs = e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : 500 * 2 ** attempt;
        if (!retryable || attempt >= MAX_RETRIES || waitMs > MAX_RETRY_WAIT_MS || signal.aborted) throw e;
        await sleep(waitMs, signal);
      }
    }
  }

  private scoped<R>(signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const linked = linkSignals(this.lifetime.signal, signal);
    return run(linked.signal).finally(linked.release);
  }

  /**
   * A request with a JSON body whose answer is the object (create, patch). Only a 429 is
   * retried (the server did nothing): a 5xx may have applied the change.
   */
  private async sendJson<T>(method: 'POST' | 'PATCH', path: string, body: unknown, signal: AbortSignal, what: RequestOptions['what'], contentType?: string): Promise<T> {
    const text = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.open(path, { method, body: text, signal, deadlineMs: this.settings.requestDeadlineMs, ...(contentType ? { contentType } : {}), ...(what ? { what } : {}) });
        return await readJson<T>(res, { idleMs: this.settings.requestDeadlineMs, server: this.server });
      } catch (error) {
        const e = toKubeError(error, this.server);
        const waitMs = (e.retryAfterSeconds ?? 1) * 1000;
        if (e.failure.status !== 429 || attempt >= MAX_RETRIES || waitMs > MAX_RETRY_WAIT_MS || signal.aborted) throw e;
        await sleep(waitMs, signal);
      }
    }
  }

  // ---- calls -------------------------------------------------------------------------------

  serverVersion(signal?: AbortSignal): Promise<string> {
    return this.scoped(signal, async (s) => {
      const version = await this.getJson<{ gitVersion?: string }>('/version', s, this.what('get', { resource: 'version' }));
      return typeof version.gitVersion === 'string' ? version.gitVersion : 'unknown';
    });
  }

  list<T>(ref: ResourceRef, options: ListOptions = {}): Promise<ListResult<T>> {
    return this.scoped(options.signal, async (signal) => {
      const limit = options.limit ?? 500;
      const what = this.what('list', ref);
      let restarted = false;
      for (;;) {
        const items: T[] = [];
        let resourceVersion = '';
        let continueToken: string | undefined;
        try {
          do {
            const path = resourcePath(collectionOf(ref), {
              limit,
              continue: continueToken,
              labelSelector: options.labelSelector,
              fieldSelector: options.fieldSelector,
            });
            const page = await this.getJson<ListJson<T>>(path, signal, what);
            const pageItems = Array.isArray(page.items) ? page.items : [];
            for (const item of pageItems) items.push(item);
            // After a restart the early pages were already shown: only the result counts.
            if (!restarted) options.onPage?.(pageItems);
            resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
            continueToken = page.metadata?.continue || undefined;
          } while (continueToken);
          return { items, resourceVersion };
        } catch (error) {
          // The continue token expired (410 mid-pagination): start over, once.
          if (!restarted && continueToken && error instanceof KubeError && error.code === 'KUBE_GONE') {
            restarted = true;
            continue;
          }
          throw error;
        }
      }
    });
  }

  watch<T>(ref: ResourceRef, resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, options: WatchOptions = {}): Promise<void> {
    return this.scoped(signal, async (s) => {
      const what = this.what('watch', ref);
      const path = resourcePath(collectionOf(ref), {
        watch: true,
        resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: options.timeoutSeconds,
      });
      // The headers come at once from an API server; the body then has no deadline.
      const res = await this.open(path, { signal: s, deadlineMs: this.settings.requestDeadlineMs, what });
      options.onOpen?.();
      await this.readWatch(res, onEvent, s, options.idleTimeoutMs, what);
    });
  }

  private readWatch<T>(res: IncomingMessage, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, idleTimeoutMs: number | undefined, what: RequestOptions['what']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const decoder = new JsonLineDecoder();
      let finished = false;
      let idleTimer: NodeJS.Timeout | undefined;
      const finish = (error?: unknown): void => {
        if (finished) return;
        finished = true;
        if (idleTimer) clearTimeout(idleTimer);
        if (error === undefined || signal.aborted) resolve();
        else reject(toKubeError(error, this.server));
        if (!res.destroyed) res.destroy();
      };
      const armIdle = (): void => {
        if (idleTimeoutMs === undefined) return;
        if (idleTimer) clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
          finish(Object.assign(new Error(`the watch sent nothing for ${Math.round(idleTimeoutMs / 1000)} s`), { code: 'ETIMEDOUT' }));
        }, idleTimeoutMs);
      };
      const handle = (value: unknown): void => {
        if (finished) return;
        const event = value as WatchEventJson;
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
            onEvent({ type: event.type, object: event.object as T });
            return;
          case 'BOOKMARK':
            onEvent({ type: 'BOOKMARK', resourceVersion: event.object?.metadata?.resourceVersion ?? '' });
            return;
          case 'ERROR': {
            // A Status object; 410 means the resourceVersion is too old: the caller re-lists.
            const status = event.object?.code;
            finish(new KubeError(classifyFailure({ status: typeof status === 'number' ? status : 500, body: JSON.stringify(event.object ?? {}), server: this.server, ...what })));
            return;
          }
          default:
            return;
        }
      };
      armIdle();
      res.on('data', (chunk: Buffer) => {
        armIdle();
        try {
          decoder.push(chunk, handle);
        } catch (error) {
          finish(error instanceof KubeError ? error : kubeError('KUBE_SERVER', `The watch from ${this.server} sent something that is not JSON`, 'Check that nothing between Berth and the API server rewrites responses.'));
        }
      });
      res.on('end', () => {
        try {
          decoder.end(handle);
          finish();
        } catch (error) {
          finish(error);
        }
      });
      res.on('error', (error) => { finish(error); });
      res.on('close', () => {
        // Closed without 'end': the connection dropped mid-watch.
        finish(Object.assign(new Error('the watch connection closed before the server ended it'), { code: 'ECONNRESET' }));
      });
    });
  }

  informer<T>(ref: ResourceRef, options: { labelSelector?: string; fieldSelector?: string } = {}): Informer<T> {
    const informer = new InformerImpl<T>(this, ref, options);
    const untyped = informer as unknown as InformerImpl<unknown>;
    this.informers.add(untyped);
    informer.onStateChange((state) => { if (state === 'stopped') this.informers.delete(untyped); });
    if (this.disposed) informer.stop();
    else informer.start();
    return informer;
  }

  get<T>(ref: ResourceRef, signal?: AbortSignal): Promise<T> {
    return this.scoped(signal, (s) => this.getJson<T>(resourcePath(ref), s, this.what('get', ref)));
  }

  async getYaml(ref: ResourceRef, signal?: AbortSignal): Promise<string> {
    return objectToYaml(await this.get<unknown>(ref, signal));
  }

  delete(ref: ResourceRef, signal?: AbortSignal): Promise<void> {
    return this.scoped(signal, async (s) => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
      try {
        const res = await this.open(resourcePath(ref), { method: 'DELETE', body, signal: s, deadlineMs: this.settings.requestDeadlineMs, what: this.what('delete', ref) });
        await discardBody(res);
      } catch (error) {
        // Already gone is what the user asked for.
        if (error instanceof KubeError && error.code === 'KUBE_NOT_FOUND') return;
        throw error;
      }
    });
  }

  patch<T>(ref: ResourceRef, patch: unknown, type: 'strategic' | 'merge' | 'json', signal?: AbortSignal): Promise<T> {
    return this.scoped(signal, (s) => this.sendJson<T>('PATCH', resourcePath(ref), patch, s, this.what('patch', ref), PATCH_CONTENT_TYPES[type]));
  }

  create<T>(ref: ResourceRef, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.scoped(signal, (s) => this.sendJson<T>('POST', resourcePath(collectionOf(ref)), body, s, this.what('create', ref)));
  }

  /**
   * The opener log streams use: the request deadline covers the headers only (a followed log
   * then has none), and the link to the connection's lifetime lasts as long as the response.
   */
  private openLog(namespace: string): OpenRequest {
    const what = this.what('get', { resource: 'pods/log', namespace });
    return async (path: string, signal: AbortSignal): Promise<IncomingMessage> => {
      const linked = linkSignals(this.lifetime.signal, signal);
      try {
        // The API server sends a followed log's headers only with its first line: a quiet pod would
        // hit a header deadline and reconnect for nothing, so followed streams have none.
        const following = /[?&]follow=true(&|$)/.test(path);
        const res = await this.open(path, { signal: linked.signal, deadlineMs: following ? undefined : this.settings.requestDeadlineMs, accept: '*/*', what });
        res.once('close', linked.release);
        return res;
      } catch (error) {
        linked.release();
        throw error;
      }
    };
  }

  /** Keeps a stream's stop handle until it is stopped, so that dispose() can stop it. */
  private track(stream: { stop(): void }): { stop(): void } {
    const handle = {
      stop: () => {
        this.logStreams.delete(handle);
        stream.stop();
      },
    };
    this.logStreams.add(handle);
    return handle;
  }

  streamLogs(request: LogStreamRequest, sink: LogStreamSink): { stop(): void } {
    return this.track(streamContainerLogs(this.openLog(request.namespace), request, sink));
  }

  streamWorkloadLogs(target: WorkloadLogTarget, sink: WorkloadLogSink): { stop(): void } {
    return this.track(streamWorkloadLogs({
      open: this.openLog(target.namespace),
      informer: (ref, options) => this.informer<PodJson>(ref, options),
    }, target, sink));
  }

  cancelExec(): void {
    this.exec?.cancel();
  }

  dispose(): void {
    if (this.disposed) return;
    this.lifetime.abort();
    this.exec?.cancel();
    for (const informer of [...this.informers]) informer.stop();
    for (const stream of [...this.logStreams]) stream.stop();
    for (const config of this.configs) releaseTransport(config);
    this.configs.clear();
  }
}
