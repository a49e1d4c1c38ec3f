// The logs of a whole workload: every container of every pod its selector matches, each line
// tagged with its pod and container. The pods are watched (an informer), so pods that start
// later join and deleted pods leave, each with a marker. At most `maxStreams` log requests are
// open at once; the other containers wait in a queue, and a marker says so.
import type { PodJson } from '../../core/kube/objects';
import type { KubeFailure, ResourceRef } from '../../core/kube/types';
import type { Informer, LogLine, LogStreamRequest, LogStreamSink } from './api';
import { streamContainerLogs } from './logs';
import type { LogMarkerKind, LogStreamTiming, OpenRequest } from './logs';

/** Log requests open at once for one workload, unless the caller says otherwise. */
export const DEFAULT_MAX_STREAMS = 20;

export interface LogSource {
  pod: string;
  container: string;
}

/**
 * Where a source stands: 'waiting' (its container has not started), 'queued' (no free
 * stream slot), 'streaming', 'reconnecting', 'ended' (the log is over), 'failed'.
 */
export type WorkloadSourceState = 'waiting' | 'queued' | 'streaming' | 'reconnecting' | 'ended' | 'failed';

export interface WorkloadLogSource extends LogSource {
  state: WorkloadSourceState;
  /** Creation time of the pod (RFC 3339), for ordering and colours. */
  podCreated?: string;
}

/**
 * Markers of one container's stream ('reconnecting', 'resumed', 'restarted', 'ended') and of
 * the workload: 'joined' (a stream started after the first set), 'left' (the pod was
 * deleted), 'queued' (no free stream slot), 'waiting' (the workload has no matching pod
 * yet). Workload-wide markers have `pod` and `container` set to ''.
 */
export type WorkloadMarkerKind = LogMarkerKind | 'joined' | 'left' | 'queued' | 'waiting';

export interface WorkloadLogSink {
  /** Lines of one socket read of one container, tagged with their pod and container. */
  onLines(lines: LogLine[]): void;
  onMarker(pod: string, container: string, kind: WorkloadMarkerKind, text: string): void;
  /** The current sources (live pods' containers) in the order they were found, after each change. */
  onSources(sources: WorkloadLogSource[]): void;
  /**
   * A failure: of one container's stream (`source` set; the others go on), or of the pod
   * watch (no `source`; running streams go on, but no pod joins any more).
   */
  onFailure(failure: KubeFailure, source?: LogSource): void;
}

export interface WorkloadLogOptions {
  follow: boolean;
  /** Lines from the end of each container's log to start with (pods present at the start). */
  tailLines?: number;
  sinceSeconds?: number;
  previous?: boolean;
  /** At most this many log requests open at once (default 20). */
  maxStreams?: number;
}

export interface WorkloadLogTarget {
  namespace: string;
  /** The workload's pod selector in API labelSelector syntax (`app=web,tier in (a,b)`). */
  selector: string;
  /** Only this container of each pod; all of the pod's containers when undefined. */
  container?: string;
  options: WorkloadLogOptions;
}

export interface WorkloadLogDeps {
  open: OpenRequest;
  informer: (ref: ResourceRef, options: { labelSelector?: string }) => Informer<PodJson>;
  /** Reconnection timing of the container streams (tests shorten it). */
  timing?: Partial<LogStreamTiming>;
}

/** Streams the logs of all pods matching `target.selector` to `sink` until `stop()`. */
export function streamWorkloadLogs(deps: WorkloadLogDeps, target: WorkloadLogTarget, sink: WorkloadLogSink): { stop(): void } {
  const streams = new WorkloadStreams(deps, target, sink);
  streams.start();
  return { stop: () => { streams.stop(); } };
}

interface Entry extends LogSource {
  key: string;
  podCreated: string | undefined;
  state: WorkloadSourceState;
  /** Found after the first set of pods was handled: its log is new, so read it from its start. */
  late: boolean;
  handle: { stop(): void } | undefined;
}

/** Pod phases after which the pod's containers will not start any more. */
const FINISHED_PHASES = new Set(['Succeeded', 'Failed']);

class WorkloadStreams {
  private stopped = false;
  private informer: Informer<PodJson> | undefined;
  private readonly subscriptions: { dispose(): void }[] = [];
  /** By pod uid and container name, in the order found (Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private active = 0;
  private readonly maxStreams: number;
  /** The first complete set of pods was handled: later streams get a 'joined' marker. */
  private initialDone = false;
  private reconcileScheduled = false;
  private lastSourcesSignature = '';
  private announcedNoPods = false;
  private endAnnounced = false;

  constructor(private readonly deps: WorkloadLogDeps, private readonly target: WorkloadLogTarget, private readonly sink: WorkloadLogSink) {
    const max = target.options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.maxStreams = Number.isInteger(max) && max >= 1 ? max : DEFAULT_MAX_STREAMS;
  }

  start(): void {
    const informer = this.deps.informer({ group: '', version: 'v1', resource: 'pods', namespace: this.target.namespace }, { labelSelector: this.target.selector });
    this.informer = informer;
    this.subscriptions.push(
      informer.onChange(() => { this.scheduleReconcile(); }),
      informer.onStateChange((state, failure) => {
        if (this.stopped) return;
        if (state === 'failed') {
          this.sink.onFailure(failure ?? informer.lastFailure ?? { code: 'KUBE_OTHER', message: 'The pod watch failed.', hint: 'Open the logs again.' });
        } else if (state === 'watching' || state === 'reconnecting') {
          this.scheduleReconcile();
        }
      }),
    );
    if (informer.state === 'watching') this.scheduleReconcile();
    else if (informer.state === 'failed' && informer.lastFailure) this.sink.onFailure(informer.lastFailure);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const subscription of this.subscriptions) subscription.dispose();
    this.informer?.stop();
    for (const entry of this.entries.values()) entry.handle?.stop();
    this.queue.length = 0;
  }

  /** Informers report changes one by one: handle a burst (a 5,000 pod list) once. */
  private scheduleReconcile(): void {
    if (this.reconcileScheduled || this.stopped) return;
    this.reconcileScheduled = true;
    queueMicrotask(() => {
      this.reconcileScheduled = false;
      if (!this.stopped) this.reconcile();
    });
  }

  private reconcile(): void {
    const informer = this.informer;
    if (!informer) return;
    // Until the first list is complete, the set of pods is partial: wait for it (a watch that
    // keeps failing after a complete list still leaves a usable set).
    const listed = informer.state === 'watching' || (informer.state === 'reconnecting' && informer.items.size > 0);
    if (!this.initialDone && !listed) return;
    const follow = this.target.options.follow;
    const seen = new Set<string>();
    const newlyQueued: Entry[] = [];

    for (const pod of informer.items.values()) {
      const name = pod.metadata.name;
      if (!name) continue;
      for (const container of this.containersOf(pod)) {
        const key = `${pod.metadata.uid}/${container}`;
        seen.add(key);
        let entry = this.entries.get(key);
        if (!entry) {
          // A snapshot (no follow) is of the pods there were at the start.
          if (!follow && this.initialDone) continue;
          entry = { key, pod: name, container, podCreated: pod.metadata.creationTimestamp, state: 'waiting', late: this.initialDone, handle: undefined };
          this.entries.set(key, entry);
        }
        if (entry.state === 'waiting' && hasStarted(pod, container, this.target.options.previous === true)) {
          entry.state = 'queued';
          this.queue.push(entry);
          newlyQueued.push(entry);
        }
      }
    }

    for (const entry of [...this.entries.values()]) {
      if (seen.has(entry.key)) continue;
      this.remove(entry);
    }

    const firstPass = !this.initialDone;
    this.initialDone = true;
    this.pump(firstPass);
    const stillQueued = newlyQueued.filter((e) => e.state === 'queued');
    if (stillQueued.length > 0) {
      const names = stillQueued.slice(0, 3).map((e) => `${e.pod}/${e.container}`).join(', ');
      const more = stillQueued.length > 3 ? ` and ${stillQueued.length - 3} more` : '';
      this.sink.onMarker('', '', 'queued', `${names}${more} queued: at most ${this.maxStreams} log streams are open at once (${this.queue.length} waiting for a free one).`);
    }
    if (this.entries.size === 0 && !this.announcedNoPods) {
      this.announcedNoPods = true;
      this.sink.onMarker('', '', 'waiting', follow ? 'No pod matches yet; pods that start will join.' : 'No pod matches.');
    } else if (this.entries.size > 0) {
      this.announcedNoPods = false;
    }
    this.publishSources();
    this.checkAllEnded();
  }

  private containersOf(pod: PodJson): string[] {
    const names = (pod.spec?.containers ?? []).map((c) => c.name);
    if (this.target.container === undefined) return names;
    return names.includes(this.target.container) ? [this.target.container] : [];
  }

  /** Starts queued streams while slots are free. */
  private pump(firstPass: boolean): void {
    while (this.active < this.maxStreams && !this.stopped) {
      const entry = this.queue.shift();
      if (!entry) return;
      if (entry.state !== 'queued') continue;
      this.startStream(entry, !firstPass);
    }
  }

  private startStream(entry: Entry, announce: boolean): void {
    const options = this.target.options;
    const request: LogStreamRequest = { namespace: this.target.namespace, pod: entry.pod, container: entry.container, follow: options.follow };
    if (options.previous === true) request.previous = true;
    if (options.sinceSeconds !== undefined) request.sinceSeconds = options.sinceSeconds;
    // A pod that joined later has only new lines: all of them are wanted.
    if (options.tailLines !== undefined && !entry.late) request.tailLines = options.tailLines;
    entry.state = 'streaming';
    this.active++;
    if (announce) this.sink.onMarker(entry.pod, entry.container, 'joined', `${entry.pod}/${entry.container} joined.`);
    const sink: LogStreamSink = {
      onLines: (lines) => { if (!this.stopped) this.sink.onLines(lines); },
      onMarker: (kind, text) => {
        if (this.stopped) return;
        this.sink.onMarker(entry.pod, entry.container, kind, text);
        if (kind === 'reconnecting') this.setState(entry, 'reconnecting');
        else if (kind === 'resumed' || kind === 'restarted') this.setState(entry, 'streaming');
        else this.finish(entry, 'ended');
      },
      onFailure: (failure) => {
        if (this.stopped) return;
        this.sink.onFailure(failure, { pod: entry.pod, container: entry.container });
        this.finish(entry, 'failed');
      },
    };
    entry.handle = streamContainerLogs(this.deps.open, request, sink, this.deps.timing);
  }

  private setState(entry: Entry, state: WorkloadSourceState): void {
    entry.state = state;
    this.publishSources();
  }

  /** A stream is over: its slot goes to the next queued container. */
  private finish(entry: Entry, state: 'ended' | 'failed'): void {
    if (entry.state === 'ended' || entry.state === 'failed') return;
    const wasActive = entry.handle !== undefined;
    entry.handle = undefined;
    entry.state = state;
    if (wasActive) this.active--;
    this.pump(false);
    this.publishSources();
    this.checkAllEnded();
  }

  /** The pod is gone: stop its stream and forget it. */
  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
    const streaming = entry.handle !== undefined;
    if (entry.handle) {
      entry.handle.stop();
      entry.handle = undefined;
      this.active--;
    }
    if (streaming || entry.state === 'queued') this.sink.onMarker(entry.pod, entry.container, 'left', `Pod ${entry.pod} was deleted.`);
    entry.state = 'ended';
    this.pump(false);
  }

  private publishSources(): void {
    if (this.stopped) return;
    const sources: WorkloadLogSource[] = [];
    for (const e of this.entries.values()) {
      const source: WorkloadLogSource = { pod: e.pod, container: e.container, state: e.state };
      if (e.podCreated !== undefined) source.podCreated = e.podCreated;
      sources.push(source);
    }
    const signature = sources.map((s) => `${s.pod}\u0000${s.container}\u0000${s.state}`).join('\u0001');
    if (signature === this.lastSourcesSignature) return;
    this.lastSourcesSignature = signature;
    this.sink.onSources(sources);
  }

  /** Without follow, the whole thing ends when every stream did. */
  private checkAllEnded(): void {
    if (this.target.options.follow || this.endAnnounced || !this.initialDone) return;
    for (const e of this.entries.values()) {
      if (e.state !== 'ended' && e.state !== 'failed' && e.state !== 'waiting') return;
    }
    this.endAnnounced = true;
    this.sink.onMarker('', '', 'ended', 'End of the logs of all pods.');
    this.informer?.stop();
  }
}

/**
 * Whether the container has a log to read: the pod is on a node and the container has run
 * (running or terminated). For `previous`, an earlier run must have ended.
 */
function hasStarted(pod: PodJson, container: string, previous: boolean): boolean {
  if (!pod.spec?.nodeName) return false;
  const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s) => s.name === container);
  if (!status) return FINISHED_PHASES.has(pod.status?.phase ?? '');
  if (previous) return (status.restartCount ?? 0) > 0 || status.lastState?.terminated !== undefined;
  return status.state?.running !== undefined || status.state?.terminated !== undefined || (status.restartCount ?? 0) > 0;
}
