// A list then a watch of one collection, kept consistent through drops and 410 Gone, with a
// bounded request rate so that a broken server or a revoked permission never causes a storm.
import type { KubeFailure, ListResult, ResourceRef, WatchEvent } from '../../core/kube/types';
import type { Informer, InformerState, ListOptions } from './api';
import { toKubeFailure } from './errors';

/** What an informer needs from a connection (KubeConnectionImpl provides it). */
export interface InformerSource {
  list<T>(ref: ResourceRef, options?: ListOptions): Promise<ListResult<T>>;
  watch<T>(ref: ResourceRef, resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, options?: {
    labelSelector?: string;
    fieldSelector?: string;
    timeoutSeconds?: number;
    idleTimeoutMs?: number;
    onOpen?: () => void;
  }): Promise<void>;
}

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_CAP_MS = 30_000;
/** A watch that stayed up this long resets the backoff. */
export const HEALTHY_AFTER_MS = 60_000;
/** The API server sends a bookmark about once a minute: this much silence means a stalled connection. */
const WATCH_IDLE_TIMEOUT_MS = 150_000;
/** Token bucket of list/watch starts: a burst of 10, then one every 2 s (at most ~30 a minute). */
const RATE_BURST = 10;
const RATE_REFILL_MS = 2_000;

/** Failures that do not heal by themselves: no retry until the user refreshes (no re-run of a sign-in). */
const NO_RETRY: ReadonlySet<string> = new Set(['KUBE_AUTH_EXPIRED', 'KUBE_EXEC_PLUGIN', 'KUBE_EXEC_TIMEOUT', 'KUBE_CANCELLED', 'KUBE_CONFIG', 'KUBE_TLS']);
/** Failures that may heal (RBAC granted, API enabled) but not soon: retried at the cap rate only. */
const SLOW_RETRY: ReadonlySet<string> = new Set(['KUBE_FORBIDDEN', 'KUBE_NOT_FOUND']);

/**
 * The wait before retry number `attempt` (0-based): exponential from 500 ms, capped at 30 s,
 * with "equal jitter" (half fixed, half random) so that many informers do not retry in step.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

type ChangeListener<T> = (changed: { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RESYNC'; object?: T }) => void;
type StateListener = (state: InformerState, failure?: KubeFailure) => void;

interface Meta {
  metadata?: { uid?: string; name?: string; namespace?: string; resourceVersion?: string };
}

function keyOf(object: unknown): string | undefined {
  const m = (object as Meta | null)?.metadata;
  if (!m) return undefined;
  return m.uid ?? (m.name !== undefined ? `${m.namespace ?? ''}/${m.name}` : undefined);
}

export class InformerImpl<T> implements Informer<T> {
  private currentState: InformerState = 'listing';
  private failure: KubeFailure | undefined;
  private objects = new Map<string, T>();
  private resourceVersion = '';
  private readonly changeListeners = new Set<ChangeListener<T>>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly controller = new AbortController();
  private attempt = 0;
  private tokens = RATE_BURST;
  private tokensAt = Date.now();
  /** Counts for diagnostics and tests. */
  readonly stats = { lists: 0, watches: 0, resyncs: 0, reconnects: 0 };

  constructor(private readonly source: InformerSource, private readonly ref: ResourceRef, private readonly options: { labelSelector?: string; fieldSelector?: string } = {}) {}

  get state(): InformerState {
    return this.currentState;
  }

  get lastFailure(): KubeFailure | undefined {
    return this.failure;
  }

  get items(): ReadonlyMap<string, T> {
    return this.objects;
  }

  onChange(listener: ChangeListener<T>): { dispose(): void } {
    this.changeListeners.add(listener);
    return { dispose: () => { this.changeListeners.delete(listener); } };
  }

  onStateChange(listener: StateListener): { dispose(): void } {
    this.stateListeners.add(listener);
    return { dispose: () => { this.stateListeners.delete(listener); } };
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    if (this.currentState === 'stopped') return;
    this.controller.abort();
    this.setState('stopped');
    this.changeListeners.clear();
    this.stateListeners.clear();
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private setState(state: InformerState, failure?: KubeFailure): void {
    if (state !== 'stopped') this.failure = failure;
    if (state === this.currentState && failure === undefined) return;
    this.currentState = state;
    for (const listener of [...this.stateListeners]) {
      try {
        listener(state, failure);
      } catch {
        // A listener's bug must not stop the informer.
      }
    }
  }

  private emit(type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RESYNC', object?: T): void {
    const changed = object === undefined ? { type } : { type, object };
    for (const listener of [...this.changeListeners]) {
      try {
        listener(changed);
      } catch {
        // As above.
      }
    }
  }

  /** Resolves after `ms`, or at once when stopped. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        this.controller.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Takes one request token, waiting for the bucket to refill when it is empty. */
  private async throttle(): Promise<void> {
    const now = Date.now();
    this.tokens = Math.min(RATE_BURST, this.tokens + (now - this.tokensAt) / RATE_REFILL_MS);
    this.tokensAt = now;
    if (this.tokens < 1) {
      await this.pause(Math.ceil((1 - this.tokens) * RATE_REFILL_MS));
      this.tokens = 1;
      this.tokensAt = Date.now();
    }
    this.tokens -= 1;
  }

  private async relist(): Promise<void> {
    await this.throttle();
    if (this.stopped) return;
    this.stats.lists++;
    const initial = this.objects.size === 0 && this.resourceVersion === '';
    const listOptions: ListOptions = {
      signal: this.controller.signal,
      ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
      ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
    };
    if (initial) {
      // The first list shows page by page; a re-list swaps the whole set at the end.
      listOptions.onPage = (items) => {
        if (this.stopped) return;
        for (const item of items) {
          const key = keyOf(item);
          if (key !== undefined) this.objects.set(key, item as T);
        }
        this.emit('RESYNC');
      };
    }
    const result = await this.source.list<T>(this.ref, listOptions);
    if (this.stopped) return;
    const fresh = new Map<string, T>();
    for (const item of result.items) {
      const key = keyOf(item);
      if (key !== undefined) fresh.set(key, item);
    }
    // The first list already showed every page; it only reports again if the set differs
    // (a restarted list stops previewing pages).
    const unchanged = initial && fresh.size === this.objects.size && [...fresh.keys()].every((k) => this.objects.has(k));
    this.objects = fresh;
    this.resourceVersion = result.resourceVersion;
    if (!initial) this.stats.resyncs++;
    if (!unchanged) this.emit('RESYNC');
  }

  private onEvent(event: WatchEvent<T>): void {
    if (this.stopped) return;
    if (event.type === 'BOOKMARK') {
      if (event.resourceVersion) this.resourceVersion = event.resourceVersion;
      return;
    }
    const object = event.object;
    const rv = (object as Meta | null)?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    const key = keyOf(object);
    if (key === undefined) return;
    if (event.type === 'DELETED') {
      if (this.objects.delete(key)) this.emit('DELETED', object);
      return;
    }
    // After a reconnect the server may repeat what we have: never report an object added twice.
    const known = this.objects.has(key);
    this.objects.set(key, object);
    this.emit(known ? 'MODIFIED' : 'ADDED', object);
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      let watchOpenedAt: number | undefined;
      try {
        if (needList) {
          this.setState('listing', this.failure);
          await this.relist();
          needList = false;
          if (this.stopped) return;
        }
        await this.throttle();
        if (this.stopped) return;
        this.stats.watches++;
        // client-go's choice: the server ends each watch after 5 to 10 minutes.
        const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
        await this.source.watch<T>(this.ref, this.resourceVersion, (event) => { this.onEvent(event); }, this.controller.signal, {
          ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
          ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
          timeoutSeconds,
          idleTimeoutMs: WATCH_IDLE_TIMEOUT_MS,
          onOpen: () => {
            watchOpenedAt = Date.now();
            this.setState('watching');
          },
        });
        if (this.stopped) return;
        // The server ended the watch: watch again from where we are. A watch that ends at once
        // (a proxy closing it) is treated as a failure so that it backs off.
        const lasted = watchOpenedAt === undefined ? 0 : Date.now() - watchOpenedAt;
        if (lasted >= HEALTHY_AFTER_MS) this.attempt = 0;
        else if (lasted < 1_000) await this.pause(backoffDelay(this.attempt++));
      } catch (error) {
        if (this.stopped) return;
        const failure = toKubeFailure(error);
        if (watchOpenedAt !== undefined && Date.now() - watchOpenedAt >= HEALTHY_AFTER_MS) this.attempt = 0;
        if (failure.code === 'KUBE_GONE') {
          // Our resourceVersion is too old (compaction): list again and report a resync.
          needList = true;
          continue;
        }
        if (NO_RETRY.has(failure.code)) {
          this.setState('failed', failure);
          return;
        }
        if (SLOW_RETRY.has(failure.code)) {
          this.setState('failed', failure);
          await this.pause(backoffDelay(64));
          continue;
        }
        this.stats.reconnects++;
        this.setState('reconnecting', failure);
        await this.pause(backoffDelay(this.attempt++));
      }
    }
  }
}
