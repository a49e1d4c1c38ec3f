// How a log panel's streams are started for each kind of target, over the KubeConnection
// contract only (no vscode, no SDK): a pod's containers are one `streamLogs` each; a
// workload's pods come and go, and the clients bundle follows them.
import type { KubeConnection, LogStreamSink } from '../../clients/kube/api';
import type { WorkloadLogSink, WorkloadLogTarget, WorkloadSourceState } from '../../clients/kube/workloadLogs';
import type { KubeFailure } from '../../core/kube/types';
import type { StreamOptions, StreamState } from '../../core/logs/protocol';
import type { LogDriver, SessionSink } from './logPanelSession';

export interface PodLogTarget {
  namespace: string;
  pod: string;
  /** The containers followed when none is picked: the app containers and sidecars, in start order (not init containers). */
  containers: readonly string[];
}

/**
 * The containers a pod panel follows for `options`: the one picked (already checked against
 * the pod's real containers by the panel), or the defaults, at most `maxStreams` of them.
 */
export function containersToFollow(defaults: readonly string[], options: StreamOptions, maxStreams: number): { follow: string[]; skipped: number } {
  const wanted = options.container !== undefined ? [options.container] : [...defaults];
  const limit = Math.max(1, maxStreams);
  return { follow: wanted.slice(0, limit), skipped: Math.max(0, wanted.length - limit) };
}

/** Adapts one container's LogStreamSink to the session's sink. */
function containerSink(sink: SessionSink, pod: string, container: string): LogStreamSink {
  return {
    onLines: (lines) => { sink.lines(lines); },
    onMarker: (kind, text) => { sink.marker(pod, container, kind, text); },
    onFailure: (failure) => { sink.failure(pod, container, failure); },
  };
}

/** One stream per followed container of one pod. */
export function podLogDriver(
  connection: Pick<KubeConnection, 'streamLogs'>,
  target: PodLogTarget,
  maxStreams: number,
  toFailure: (error: unknown) => KubeFailure,
): LogDriver {
  return {
    start(options, sink) {
      const { follow, skipped } = containersToFollow(target.containers, options, maxStreams);
      if (follow.length === 0) sink.notice(`Pod ${target.pod} has no containers to follow.`);
      if (skipped > 0) sink.notice(`Following ${follow.length} of ${follow.length + skipped} containers (setting berth.logs.maxStreams).`);
      const handles: { stop(): void }[] = [];
      for (const container of follow) {
        sink.state(target.pod, container, 'connecting');
        try {
          handles.push(connection.streamLogs({
            namespace: target.namespace,
            pod: target.pod,
            container,
            follow: options.follow,
            tailLines: options.tailLines,
            sinceSeconds: options.sinceSeconds,
            previous: options.previous,
          }, containerSink(sink, target.pod, container)));
        } catch (error) {
          sink.failure(target.pod, container, toFailure(error));
        }
      }
      return { stop: () => { for (const handle of handles) handle.stop(); } };
    },
  };
}

/** `KubeConnection.streamWorkloadLogs`, bound to one connection. */
export type StreamWorkloadLogs = (target: WorkloadLogTarget, sink: WorkloadLogSink) => { stop(): void };

export interface WorkloadLogSelection {
  namespace: string;
  /** The workload's pod selector in API labelSelector syntax. */
  selector: string;
}

const WORKLOAD_STATES: Record<WorkloadSourceState, { state: StreamState; detail?: string }> = {
  waiting: { state: 'connecting', detail: 'waiting for the container to start' },
  queued: { state: 'connecting', detail: 'queued: every log stream slot is in use (berth.logs.maxStreams)' },
  streaming: { state: 'streaming' },
  reconnecting: { state: 'reconnecting' },
  ended: { state: 'ended' },
  failed: { state: 'failed' },
};

/** Every pod the selector matches, pods that start later joining, at most `maxStreams` requests open. */
export function workloadLogDriver(stream: StreamWorkloadLogs, selection: WorkloadLogSelection, maxStreams: number): LogDriver {
  return {
    start(options, sink) {
      const target: WorkloadLogTarget = {
        namespace: selection.namespace,
        selector: selection.selector,
        options: { follow: options.follow, previous: options.previous, maxStreams: Math.max(1, maxStreams) },
      };
      if (options.container !== undefined) target.container = options.container;
      if (options.tailLines !== undefined) target.options.tailLines = options.tailLines;
      if (options.sinceSeconds !== undefined) target.options.sinceSeconds = options.sinceSeconds;
      // Failed and ended states come with a marker whose text the status keeps as detail.
      const known = new Map<string, WorkloadSourceState>();
      return stream(target, {
        onLines: (lines) => { sink.lines(lines); },
        onMarker: (pod, container, kind, text) => {
          if (pod === '' && container === '') {
            sink.notice(text);
          } else if (kind === 'queued' || kind === 'waiting') {
            sink.state(pod, container, 'connecting', text);
          } else {
            sink.marker(pod, container, kind, text);
          }
        },
        onSources: (sources) => {
          sink.containers([...new Set(sources.map((s) => s.container))]);
          for (const source of sources) {
            const key = `${source.pod}\u0000${source.container}`;
            if (known.get(key) === source.state) continue;
            known.set(key, source.state);
            // Lines, markers and failures already set these with their text.
            if (source.state === 'ended' || source.state === 'failed') continue;
            const mapped = WORKLOAD_STATES[source.state];
            sink.state(source.pod, source.container, mapped.state, mapped.detail);
          }
        },
        onFailure: (failure, source) => {
          if (source) sink.failure(source.pod, source.container, failure);
          else sink.notice(`The pod watch failed: ${failure.message}. Streams already open go on; new pods will not join. ${failure.hint}`);
        },
      });
    },
  };
}
