// The contract between the vscode layer and the Kubernetes clients bundle (dist/kube.js).
// The vscode layer imports only these types; the implementation is required on first use.
import type { KubeContext, KubeFailure, KubeconfigSource, ListResult, MergedKubeconfig, ResourceRef, WatchEvent } from '../../core/kube/types';

import type { WorkloadLogSink, WorkloadLogTarget } from './workloadLogs';

export type { ResourceRef } from '../../core/kube/types';
export type { WorkloadLogSink, WorkloadLogTarget, WorkloadLogSource, WorkloadMarkerKind, WorkloadLogOptions } from './workloadLogs';

export interface LoadOptions {
  /** The user's `berth.kube.kubeconfig` (machine scope) or undefined. Overrides KUBECONFIG. */
  kubeconfigSetting?: string;
  env: Record<string, string | undefined>;
  home: string;
}

export interface ConnectOptions {
  /** Deadline for list/get/delete calls (not for watches or log streams), in ms. */
  requestDeadlineMs: number;
  /** Deadline for an exec credential plugin, in ms. The plugin's process is killed at the deadline. */
  execDeadlineMs: number;
  /** Called when an exec plugin has run for a while (e.g. it waits for a browser login), with its redacted stderr so far. */
  onExecWaiting?: (info: { command: string; stderr: string }) => void;
}

export interface LoadedKubeconfig {
  merged: MergedKubeconfig;
  sources: KubeconfigSource[];
  /** A connection for one context. Throws a KubeError (code KUBE_CONFIG) if the context is incomplete. */
  connect(contextName: string, options: ConnectOptions): KubeConnection;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; default 500. */
  limit?: number;
  signal?: AbortSignal;
  /** Called with each page as it arrives, so that the first page can be shown early. */
  onPage?: (items: unknown[]) => void;
}

export type InformerState = 'listing' | 'watching' | 'reconnecting' | 'failed' | 'stopped';

/**
 * A list then a watch of one collection, kept consistent: a 410 Gone re-lists, a dropped
 * watch reconnects with jittered exponential backoff (capped at 30 s). `onChange` is
 * called (debounced by the caller if needed) with the full current set.
 */
export interface Informer<T> {
  readonly state: InformerState;
  readonly lastFailure: KubeFailure | undefined;
  /** Current objects by uid. */
  readonly items: ReadonlyMap<string, T>;
  onChange(listener: (changed: { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RESYNC'; object?: T }) => void): { dispose(): void };
  onStateChange(listener: (state: InformerState, failure?: KubeFailure) => void): { dispose(): void };
  stop(): void;
}

export interface LogLine {
  pod: string;
  container: string;
  /** RFC 3339 timestamp the API server gave the line. */
  time?: string;
  text: string;
}

export interface LogStreamRequest {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  previous?: boolean;
}

export interface LogStreamSink {
  onLines(lines: LogLine[]): void;
  /** A visible marker: 'reconnecting' (stream dropped), 'resumed', 'restarted' (container restarted), 'ended'. */
  onMarker(kind: 'reconnecting' | 'resumed' | 'restarted' | 'ended', text: string): void;
  /** The stream failed for good (after retries, or a non-retryable error such as 403). */
  onFailure(failure: KubeFailure): void;
}

export interface KubeConnection {
  readonly context: KubeContext;
  /** The server URL this connection is pinned to (actions go here even if the kubeconfig changes). */
  readonly server: string;
  /** GET /version within the request deadline: the reachability probe. Resolves to gitVersion. */
  serverVersion(signal?: AbortSignal): Promise<string>;
  /** Paginated list (limit/continue). A 410 on a continue token restarts the list once. */
  list<T>(ref: ResourceRef, options?: ListOptions): Promise<ListResult<T>>;
  /** Raw watch from a resourceVersion; resolves when the watch ends (server closed it, or aborted). */
  watch<T>(ref: ResourceRef, resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, options?: { labelSelector?: string }): Promise<void>;
  informer<T>(ref: ResourceRef, options?: { labelSelector?: string; fieldSelector?: string }): Informer<T>;
  get<T>(ref: ResourceRef, signal?: AbortSignal): Promise<T>;
  /** The object as YAML, without managedFields. */
  getYaml(ref: ResourceRef, signal?: AbortSignal): Promise<string>;
  delete(ref: ResourceRef, signal?: AbortSignal): Promise<void>;
  /** PATCH with the given patch type (strategic merge for workloads, merge, or JSON patch); resolves to the updated object. */
  patch<T>(ref: ResourceRef, patch: unknown, type: 'strategic' | 'merge' | 'json', signal?: AbortSignal): Promise<T>;
  /** POST to a collection (ref without name); resolves to the created object. */
  create<T>(ref: ResourceRef, body: unknown, signal?: AbortSignal): Promise<T>;
  /** Follows one container's log with reconnection (sinceTime, no duplicates). */
  streamLogs(request: LogStreamRequest, sink: LogStreamSink): { stop(): void };
  /** All pods of a workload by label selector: pods that start later join, each line tagged with its pod. */
  streamWorkloadLogs(target: WorkloadLogTarget, sink: WorkloadLogSink): { stop(): void };
  /** Kills a running exec credential plugin (the user pressed Cancel). */
  cancelExec(): void;
  dispose(): void;
}

/** The exports of dist/kube.js. */
export interface KubeClientsModule {
  loadKubeconfig(options: LoadOptions): Promise<LoadedKubeconfig>;
  /** Classifies any error thrown by this module (or Node's network stack) as a KubeFailure. */
  toKubeFailure(error: unknown): KubeFailure;
}
