import { Agent } from 'node:https';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { BuildStreamTracker, JsonLineDecoder, PushStreamTracker } from '../../core/docker/buildStream';
import type { BuildStep, EngineMessage, PushRetry } from '../../core/docker/buildStream';
import { looksBinary } from '../../core/docker/buildContext';
import type { ContextSummary } from '../../core/docker/buildContext';
import { classifyRegistryMessage, sanitiseEngineText } from '../../core/docker/errors';
import { registryOf } from '../../core/docker/credentials';
import type { RegistryAuth } from '../../core/docker/credentials';
import type { DockerEndpoint } from '../../core/docker/endpoint';
import { splitReference } from '../../core/images/imageList';
import type { ContainerSummary, ImageSummary } from '../../core/images/imageList';
import type { HistoryEntry } from '../../core/images/layers';
import { dockerodeOptions } from './connection';
import { packContext, scanContext } from './contextArchive';
import { registryAuthFromConfig } from './credentials';
import { DockerError, toDockerError } from './errors';

/** Deadline of calls that should answer at once (list, inspect, ping), in ms. */
export const DEFAULT_CALL_DEADLINE_MS = 10_000;

export interface BuildRequest {
  /** Absolute path of the context folder. */
  readonly contextDir: string;
  /** Absolute path of the Dockerfile. */
  readonly dockerfile: string;
  /** `repo:tag`; undefined: untagged. */
  readonly tag: string | undefined;
  readonly target?: string | undefined;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** Build every step afresh (`--no-cache`). */
  readonly noCache?: boolean;
}

export interface BuildHooks {
  /** Called with the context's size before anything is sent; return false to stop. */
  confirmContext?(summary: ContextSummary): Promise<boolean> | boolean;
  /** Every output line of the build. */
  onLine?(line: string): void;
  /** A new step started. */
  onStep?(step: BuildStep): void;
}

export interface BuildResult {
  readonly imageId: string;
  readonly steps: readonly BuildStep[];
  readonly context: ContextSummary;
  readonly durationMs: number;
}

/** A build the engine reported as failed; `step` is the step that failed, when known. */
export class BuildFailedError extends DockerError {
  constructor(message: string, readonly step: BuildStep | undefined, readonly steps: readonly BuildStep[]) {
    super('BUILD_FAILED', message, step ? `Step ${step.number}/${step.total} failed: see its output in the Berth output channel.` : 'See the build output.');
    this.name = 'BuildFailedError';
  }
}

export interface PushResult {
  readonly digest: string;
  readonly reference: string;
  readonly size: number | undefined;
}

/** Silence after which a push counts as stalled, in ms. */
export const DEFAULT_PUSH_STALL_MS = 60_000;

export interface PushOptions {
  /** Credentials; default: the Docker client config's for the reference's registry. */
  readonly auth?: RegistryAuth | undefined;
  /** No message from the engine for this long (ms) calls `onStall`; default 60 s. */
  readonly stallMs?: number | undefined;
}

export interface PushHooks {
  onLine?(line: string): void;
  onProgress?(done: number, total: number): void;
  /** The engine failed one upload attempt of a layer and retries it after a pause. */
  onRetry?(retry: PushRetry): void;
  /**
   * The engine has said nothing for `silentMs` (called again after each further
   * `stallMs` of silence). `layer`: short id of the unfinished layer it is most likely
   * waiting on; undefined when every layer is done. The push goes on: abort the signal
   * to stop it.
   */
  onStall?(layer: string | undefined, silentMs: number): void;
}

/** A push the engine or the registry failed; `layer` is the layer whose upload failed, when known. */
export class PushFailedError extends DockerError {
  constructor(code: DockerError['code'], message: string, action: string, readonly layer: string | undefined, readonly retries: number) {
    super(code, message, action);
    this.name = 'PushFailedError';
  }
}

export interface EngineEvent {
  readonly type: string;
  readonly action: string;
  readonly id: string;
}

export interface ImageInspect {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  /** Bytes. */
  readonly size: number;
  readonly created: string;
  readonly architecture: string;
  readonly os: string;
  readonly raw: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * One Docker engine, reached through dockerode. Quick calls (list, inspect, ping) get a
 * deadline each and fail with DAEMON_UNRESPONSIVE when it passes; builds, pushes and
 * the event stream have none (a silent 10-minute RUN is not a failure) and stop only when
 * their AbortSignal fires or the connection breaks.
 */
export class DockerEngine {
  private readonly docker: Docker;

  constructor(readonly endpoint: DockerEndpoint, private readonly callDeadlineMs = DEFAULT_CALL_DEADLINE_MS, env: NodeJS.ProcessEnv = process.env) {
    const options = dockerodeOptions(endpoint, env);
    if (endpoint.tls && !endpoint.tls.verify) {
      // DOCKER_TLS without verification: accept the server's certificate as it is.
      (options as { agent?: Agent }).agent = new Agent({ rejectUnauthorized: false, ...(options.ca ? { ca: options.ca } : {}), ...(options.cert ? { cert: options.cert } : {}), ...(options.key ? { key: options.key } : {}) });
    }
    this.docker = new Docker(options);
  }

  /** Runs a quick call under the per-call deadline, turning failures into DockerErrors. */
  private async quick<T>(call: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${this.callDeadlineMs / 1000} s`));
    }, this.callDeadlineMs);
    const onOuter = (): void => { controller.abort(new Error('cancelled')); };
    outer?.addEventListener('abort', onOuter, { once: true });
    try {
      return await call(controller.signal);
    } catch (error) {
      throw toDockerError(timedOut ? new Error(`no answer within ${this.callDeadlineMs / 1000} s`) : error, this.endpoint.description, { timedOut, cancelled: outer?.aborted === true && !timedOut });
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    }
  }

  /**
   * One request through dockerode's modem, with the deadline's signal attached to the
   * request itself, so that a frozen daemon's socket is really closed when it fires.
   */
  private dial(signal: AbortSignal, path: string, method: string, statusCodes: Record<number, true | string>, options?: Record<string, unknown>): Promise<unknown> {
    const modem = this.docker.modem as unknown as { dial(o: Record<string, unknown>, cb: (error: unknown, data: unknown) => void): void };
    return new Promise((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')); };
      if (signal.aborted) { onAbort(); return; }
      signal.addEventListener('abort', onAbort, { once: true });
      modem.dial({ path, method, statusCodes, abortSignal: signal, ...(options ? { options } : {}) }, (error, data) => {
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        else resolve(data);
      });
    });
  }

  /** Like `dial`, for an endpoint that answers with a stream. */
  private dialStream(signal: AbortSignal, path: string, method: string, options: Record<string, unknown>): Promise<unknown> {
    const modem = this.docker.modem as unknown as { dial(o: Record<string, unknown>, cb: (error: unknown, data: unknown) => void): void };
    return new Promise((resolve, reject) => {
      modem.dial({ path, method, isStream: true, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' }, abortSignal: signal, options }, (error, data) => {
        if (error) reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        else resolve(data);
      });
    });
  }

  async ping(signal?: AbortSignal): Promise<{ version: string; apiVersion: string }> {
    return this.quick(async (s) => {
      const v = await this.dial(s, '/version', 'GET', { 200: true, 500: 'server error' });
      const version = isRecord(v) ? v : {};
      return { version: str(version.Version), apiVersion: str(version.ApiVersion) };
    }, signal);
  }

  async listImages(signal?: AbortSignal): Promise<ImageSummary[]> {
    return this.quick(async (s) => {
      const images = await this.dial(s, '/images/json?', 'GET', { 200: true, 400: 'bad parameter', 500: 'server error' }, { all: false });
      return (Array.isArray(images) ? images : []).filter(isRecord).map((i) => ({ id: str(i.Id), repoTags: strings(i.RepoTags), repoDigests: strings(i.RepoDigests), created: num(i.Created), size: num(i.Size) }));
    }, signal);
  }

  async listContainers(signal?: AbortSignal): Promise<ContainerSummary[]> {
    return this.quick(async (s) => {
      const containers = await this.dial(s, '/containers/json?', 'GET', { 200: true, 400: 'bad parameter', 500: 'server error' }, { all: true });
      return (Array.isArray(containers) ? containers : []).filter(isRecord).map((c) => ({ id: str(c.Id), names: strings(c.Names), imageId: str(c.ImageID), state: str(c.State) }));
    }, signal);
  }

  /** Inspects an image; undefined when the engine does not have it. */
  async inspectImage(reference: string, signal?: AbortSignal): Promise<ImageInspect | undefined> {
    try {
      return await this.quick(async (s) => {
        const raw = await this.dial(s, `/images/${reference}/json`, 'GET', { 200: true, 404: 'no such image', 500: 'server error' });
        const i = isRecord(raw) ? raw : {};
        return { id: str(i.Id), repoTags: strings(i.RepoTags), repoDigests: strings(i.RepoDigests), size: num(i.Size), created: str(i.Created), architecture: str(i.Architecture), os: str(i.Os), raw };
      }, signal);
    } catch (error) {
      if (error instanceof DockerError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** The image's history, newest entry first (as the engine returns it). */
  async history(reference: string, signal?: AbortSignal): Promise<HistoryEntry[]> {
    return this.quick(async (s) => {
      const entries = await this.dial(s, `/images/${reference}/history`, 'GET', { 200: true, 404: 'no such image', 500: 'server error' });
      return (Array.isArray(entries) ? entries : []).filter(isRecord).map((e) => ({ id: str(e.Id), created: num(e.Created), createdBy: str(e.CreatedBy), size: num(e.Size), tags: strings(e.Tags), comment: str(e.Comment) }));
    }, signal);
  }

  async tag(reference: string, newReference: string, signal?: AbortSignal): Promise<void> {
    const { repository, tag } = splitReference(newReference);
    await this.quick(async (s) => {
      await this.dial(s, `/images/${reference}/tag?`, 'POST', { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' }, { repo: repository, tag });
    }, signal);
  }

  /** Removes an image or one of its tags; returns what the engine untagged and deleted. */
  async removeImage(reference: string, signal?: AbortSignal): Promise<{ untagged: string[]; deleted: string[] }> {
    return this.quick(async (s) => {
      const result = await this.dial(s, `/images/${reference}?`, 'DELETE', { 200: true, 404: 'no such image', 409: 'conflict', 500: 'server error' }, {});
      const items = Array.isArray(result) ? result.filter(isRecord) : [];
      return { untagged: items.map((i) => str(i.Untagged)).filter(Boolean), deleted: items.map((i) => str(i.Deleted)).filter(Boolean) };
    }, signal);
  }

  /**
   * Follows the engine's image and container events until `signal` aborts. Resolves
   * when the stream ends normally; rejects with a DockerError when it breaks.
   */
  async watchEvents(onEvent: (event: EngineEvent) => void, signal: AbortSignal): Promise<void> {
    // The deadline covers only the answer's headers: the stream itself may stay quiet for hours.
    const stream = (await this.quick(
      (s) => this.dialStream(s, '/events?', 'GET', { filters: { type: ['image', 'container'] } }),
      signal,
    )) as IncomingMessage;
    const onAbort = (): void => { stream.destroy(); };
    signal.addEventListener('abort', onAbort, { once: true });
    const decoder = new JsonLineDecoder();
    try {
      await new Promise<void>((resolve, reject) => {
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          for (const m of decoder.push(chunk) as Record<string, unknown>[]) {
            const actor = isRecord(m.Actor) ? m.Actor : {};
            onEvent({ type: str(m.Type), action: str(m.Action), id: str(actor.ID) || str(m.id) });
          }
        });
        stream.on('end', () => { resolve(); });
        stream.on('close', () => { resolve(); });
        stream.on('error', (error) => { reject(signal.aborted ? new DockerError('CANCELLED', 'Cancelled.', '') : toDockerError(error, this.endpoint.description, { midStream: true })); });
      });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (!signal.aborted) throw new DockerError('DAEMON_CONNECTION_LOST', `The event stream of ${this.endpoint.description} ended.`, 'Berth reconnects by itself; refresh if it does not.');
  }

  /**
   * Builds an image with the engine's `/build` (classic builder). Success only when the
   * stream ends with the image ID and no error; a break of the connection is a failure,
   * and aborting `signal` closes the connection, which makes the engine stop the build.
   */
  async build(request: BuildRequest, hooks: BuildHooks = {}, signal?: AbortSignal): Promise<BuildResult> {
    const started = performance.now();
    const bytes = await readFile(request.dockerfile).catch((error: unknown) => {
      throw new DockerError('BUILD_CONTEXT', `Cannot read ${request.dockerfile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, 'Check the path.');
    });
    if (looksBinary(bytes)) {
      throw new DockerError('BUILD_CONTEXT', `${request.dockerfile} is not a text file (it holds NUL bytes or invalid UTF-8), so it cannot be a Dockerfile.`, 'Open the right Dockerfile, or restore this one.');
    }
    await this.ping(signal);
    const scanned = await scanContext(request.contextDir, request.dockerfile, signal);
    if (scanned.escapingLinks.length > 0) {
      const list = scanned.escapingLinks.slice(0, 5).map((l) => `${l.path} -> ${l.target}`).join(', ');
      throw new DockerError(
        'BUILD_CONTEXT',
        `The build context has ${scanned.escapingLinks.length} symlink${scanned.escapingLinks.length === 1 ? '' : 's'} pointing outside it: ${list}.`,
        'Docker sends the link, not its target, so the image would get a dangling link. Copy the file into the context, or add the link to .dockerignore.',
      );
    }
    if (hooks.confirmContext && !(await hooks.confirmContext(scanned.summary))) throw new DockerError('CANCELLED', 'Cancelled.', '');
    if (signal?.aborted) throw new DockerError('CANCELLED', 'Cancelled.', '');

    const archive = packContext(scanned);
    const controller = new AbortController();
    const onAbort = (): void => { controller.abort(new Error('cancelled')); };
    signal?.addEventListener('abort', onAbort, { once: true });
    const tracker = new BuildStreamTracker();
    try {
      let response: IncomingMessage;
      try {
        response = (await this.docker.buildImage(archive, {
          ...(request.tag !== undefined ? { t: request.tag } : {}),
          dockerfile: scanned.dockerfileInArchive,
          ...(request.target !== undefined && request.target !== '' ? { target: request.target } : {}),
          ...(request.buildArgs && Object.keys(request.buildArgs).length > 0 ? { buildargs: { ...request.buildArgs } } : {}),
          ...(request.labels && Object.keys(request.labels).length > 0 ? { labels: { ...request.labels } } : {}),
          ...(request.noCache === true ? { nocache: true } : {}),
          rm: true,
          forcerm: true,
          abortSignal: controller.signal,
        } as Docker.ImageBuildOptions)) as unknown as IncomingMessage;
      } catch (error) {
        throw toDockerError(error, this.endpoint.description, { cancelled: signal?.aborted === true });
      }
      const ended = await this.followStream(response, signal, (message) => {
        const before = tracker.steps.length;
        for (const line of tracker.accept(message)) hooks.onLine?.(line);
        if (tracker.steps.length > before && tracker.currentStep) hooks.onStep?.(tracker.currentStep);
      });
      if (signal?.aborted) throw new DockerError('CANCELLED', 'Cancelled.', '');
      const outcome = tracker.finish(ended.ended);
      if (outcome.ok) return { imageId: outcome.imageId, steps: outcome.steps, context: scanned.summary, durationMs: performance.now() - started };
      if (outcome.streamEndedEarly && ended.error !== undefined) {
        const lost = toDockerError(ended.error, this.endpoint.description, { midStream: true });
        throw new BuildFailedError(`${lost.message} The build did not finish.`, outcome.failedStep, outcome.steps);
      }
      throw new BuildFailedError(sanitiseEngineText(outcome.message), outcome.failedStep, outcome.steps);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      archive.destroy();
    }
  }

  /**
   * Pushes `reference` (`registry/repo:tag`). Credentials: `options.auth` when given, else
   * the Docker client config. Success only with the registry's digest in the stream. The
   * engine retries failed layer uploads by itself; a failure names the layer. A watchdog
   * reports silence longer than `options.stallMs` through `hooks.onStall` (the engine sets
   * no deadline on a registry that stops answering).
   */
  async push(reference: string, options: PushOptions = {}, hooks: PushHooks = {}, signal?: AbortSignal): Promise<PushResult> {
    const registry = registryOf(reference);
    const auth = options.auth ?? (await registryAuthFromConfig(registry));
    const stallMs = options.stallMs ?? DEFAULT_PUSH_STALL_MS;
    await this.ping(signal);
    const { repository, tag } = splitReference(reference);
    const controller = new AbortController();
    const onAbort = (): void => { controller.abort(new Error('cancelled')); };
    signal?.addEventListener('abort', onAbort, { once: true });
    const tracker = new PushStreamTracker();
    let lastActivity = performance.now();
    let watchdog: NodeJS.Timeout | undefined;
    // One timer for the whole push, re-armed from the time of the latest message rather
    // than reset on each of the many progress messages.
    const watch = (delayMs: number): void => {
      watchdog = setTimeout(() => {
        const silentMs = performance.now() - lastActivity;
        if (silentMs >= stallMs) {
          hooks.onStall?.(tracker.stalledLayer, Math.round(silentMs));
          watch(stallMs);
        } else {
          watch(stallMs - silentMs);
        }
      }, delayMs);
    };
    try {
      let response: IncomingMessage;
      try {
        response = (await this.docker.getImage(repository).push({ tag, authconfig: auth ?? {}, abortSignal: controller.signal } as unknown as Docker.ImagePushOptions)) as unknown as IncomingMessage;
      } catch (error) {
        throw toDockerError(error, this.endpoint.description, { cancelled: signal?.aborted === true });
      }
      lastActivity = performance.now();
      watch(stallMs);
      const ended = await this.followStream(response, signal, (message) => {
        lastActivity = performance.now();
        const retriesBefore = tracker.retries.length;
        const line = tracker.accept(message);
        if (line !== undefined) hooks.onLine?.(line);
        for (const retry of tracker.retries.slice(retriesBefore)) hooks.onRetry?.(retry);
        const counts = tracker.counts;
        hooks.onProgress?.(counts.done, counts.total);
      });
      if (signal?.aborted) throw new DockerError('CANCELLED', 'Cancelled.', '');
      const outcome = tracker.finish(ended.ended);
      if (outcome.ok) return { digest: outcome.digest, reference, size: outcome.size };
      if (outcome.streamEndedEarly && ended.error !== undefined) {
        const lost = toDockerError(ended.error, this.endpoint.description, { midStream: true });
        throw new PushFailedError(lost.code, `${lost.message} The push of ${reference} did not finish.`, lost.action, outcome.layer, outcome.retries);
      }
      const classified = classifyRegistryMessage(outcome.message, registry);
      const tries = outcome.retries > 0 ? `, tried ${outcome.retries + 1} times by the engine` : '';
      const layer = outcome.layer !== undefined ? ` (upload of layer ${outcome.layer}${tries})` : '';
      throw new PushFailedError(classified.code, `${classified.message}${layer}`, classified.action, outcome.layer, outcome.retries);
    } finally {
      clearTimeout(watchdog);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Reads a JSON-lines response to its end (or break). */
  private followStream(response: Readable, signal: AbortSignal | undefined, onMessage: (m: EngineMessage) => void): Promise<{ ended: boolean; error?: unknown }> {
    const decoder = new JsonLineDecoder();
    return new Promise((resolve) => {
      let done = false;
      const finish = (result: { ended: boolean; error?: unknown }): void => {
        if (done) return;
        done = true;
        resolve(result);
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { for (const m of decoder.push(chunk)) onMessage(m); });
      response.on('end', () => {
        for (const m of decoder.end()) onMessage(m);
        finish({ ended: true });
      });
      response.on('error', (error) => { finish({ ended: false, error }); });
      response.on('aborted', () => { finish({ ended: false, error: Object.assign(new Error('connection lost'), { code: 'ECONNRESET' }) }); });
      response.on('close', () => { finish({ ended: false, error: signal?.aborted ? undefined : Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }) }); });
    });
  }
}
