/**
 * The status of a pod as `kubectl get pods` prints it (kubectl's printPod rules for the
 * STATUS, READY and RESTARTS columns), plus a coarse health for the tree's icons. Called for
 * every pod on each tree refresh (5,000 in a namespace), so it allocates little and uses
 * set lookups rather than regular expressions on the hot path.
 */
import type { ContainerSpecJson, ContainerStateJson, ContainerStatusJson, PodJson } from './objects';

/**
 * Coarse health for icons: `ok` running and ready; `progressing` starting, updating or
 * waiting for something expected; `warning` odd but not failed; `error` failing; `done`
 * completed successfully; `terminating` being deleted; `unknown` no information (node lost).
 */
export type Health = 'ok' | 'progressing' | 'warning' | 'error' | 'done' | 'terminating' | 'unknown';

export interface PodStatusSummary {
  /** kubectl's STATUS column: Running, Pending, ContainerCreating, CrashLoopBackOff, Init:0/2, Completed, Terminating... */
  label: string;
  health: Health;
  /** kubectl's READY column: ready containers / containers (sidecar init containers count). */
  ready: string;
  /** kubectl's RESTARTS column (without the "(5m ago)"). */
  restarts: number;
}


/** Waiting and terminated reasons that mean a container (and so its pod) is failing. */
const ERROR_REASONS = new Set([
  'CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'ErrImageNeverPull', 'InvalidImageName', 'ImageInspectError',
  'RegistryUnavailable', 'SignatureValidationFailed', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError',
  'PreStartHookError', 'PostStartHookError', 'PreCreateHookError', 'StartError', 'ContainerCannotRun', 'Error', 'OOMKilled',
  'DeadlineExceeded', 'Evicted', 'ContainerStatusUnknown', 'Failed', 'UnexpectedAdmissionError', 'NodeAffinity',
  'OutOfcpu', 'OutOfmemory', 'OutOfpods', 'Preempting', 'InvalidNodeInfo',
]);

/** Reasons of a pod or container that is on its way to running. */
const PROGRESS_REASONS = new Set(['Pending', 'ContainerCreating', 'PodInitializing', 'SchedulingGated', 'Scheduled']);

/** Reasons of a container or pod that finished successfully. */
const DONE_REASONS = new Set(['Completed', 'Succeeded', 'ExitCode:0']);

/**
 * Init containers with `restartPolicy: Always` are sidecars (Kubernetes 1.28+). The field is
 * read from the JSON as it came; ContainerSpecJson does not declare it.
 */
function isSidecar(spec: ContainerSpecJson | undefined): boolean {
  return spec !== undefined && 'restartPolicy' in spec && spec.restartPolicy === 'Always';
}

/** true/false from a pod condition, undefined when the pod does not report it. */
function conditionValue(pod: PodJson, type: string): boolean | undefined {
  const conditions = pod.status?.conditions;
  if (!conditions) return undefined;
  for (const c of conditions) if (c.type === type) return c.status === 'True';
  return undefined;
}

function hasCondition(pod: PodJson, type: string): boolean {
  return conditionValue(pod, type) === true;
}

function terminatedLabel(terminated: NonNullable<ContainerStateJson['terminated']>, prefix: string): string {
  if (terminated.reason) return prefix + terminated.reason;
  if (terminated.signal) return `${prefix}Signal:${terminated.signal}`;
  return `${prefix}ExitCode:${terminated.exitCode ?? 0}`;
}

/**
 * STATUS, READY, RESTARTS and health of a pod. Follows kubectl's printPod: the pod's reason
 * (else phase); `SchedulingGated`; the first init container that has not finished as
 * `Init:<reason>`, `Init:ExitCode:N`, `Init:Signal:N` or `Init:i/n`; otherwise the
 * waiting/terminated reason of the first app container that has one (kubectl walks them
 * from last to first, so the first wins), `Completed` turned back into Running/NotReady
 * while a container still runs; `Terminating` once deletionTimestamp is set (unless the pod
 * already finished), `Unknown` when the node was lost.
 */
export function podStatus(pod: PodJson): PodStatusSummary {
  const spec = pod.spec;
  const status = pod.status;
  const initSpecs = spec?.initContainers ?? [];
  const phase = status?.phase ?? '';
  let total = spec?.containers?.length ?? 0;
  let sidecars: Set<string> | undefined;
  for (const c of initSpecs) {
    if (isSidecar(c)) {
      (sidecars ??= new Set()).add(c.name);
      total++;
    }
  }

  let reason = status?.reason || phase || 'Pending';
  if (status?.conditions) {
    for (const c of status.conditions) if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let restarts = 0;
  let sidecarRestarts = 0;
  let ready = 0;
  let initializing = false;
  const initStatuses = status?.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    if (!c) continue;
    const count = c.restartCount ?? 0;
    restarts += count;
    const sidecar = sidecars?.has(c.name) ?? false;
    if (sidecar) sidecarRestarts += count;
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) reason = terminatedLabel(terminated, 'Init:');
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    let hasRunning = false;
    const statuses = status?.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (!c) continue;
      restarts += c.restartCount ?? 0;
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated) reason = terminatedLabel(terminated, '');
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp) {
    if (status?.reason === 'NodeLost') reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }

  return { label: reason, health: podHealth(reason, phase, conditionValue(pod, 'Ready') ?? ready >= total), ready: `${ready}/${total}`, restarts };
}

/**
 * `ready` is the pod's Ready condition, or all containers ready when it has none: a pod
 * whose finished helper container no longer counts as ready can still be Ready.
 */
function podHealth(label: string, phase: string, ready: boolean): Health {
  if (label === 'Terminating') return 'terminating';
  if (label === 'Unknown') return 'unknown';
  if (label === 'Running') return ready ? 'ok' : 'progressing';
  if (label === 'NotReady') return 'warning';
  if (DONE_REASONS.has(label)) return phase === 'Failed' ? 'error' : 'done';
  if (label.startsWith('Init:')) {
    const inner = label.slice(5);
    if (inner.charCodeAt(0) >= 48 && inner.charCodeAt(0) <= 57) return 'progressing'; // Init:1/3
    return reasonHealth(inner);
  }
  const byReason = reasonHealth(label);
  if (byReason !== 'warning') return byReason;
  switch (phase) {
    case 'Pending':
      return 'progressing';
    case 'Failed':
      return 'error';
    case 'Succeeded':
      return 'done';
    case 'Unknown':
      return 'unknown';
    default:
      return 'warning';
  }
}

/** Health of a waiting/terminated reason alone; `warning` when it is not a known one. */
function reasonHealth(reason: string): Health {
  if (ERROR_REASONS.has(reason)) return 'error';
  if (PROGRESS_REASONS.has(reason)) return 'progressing';
  if (DONE_REASONS.has(reason)) return 'done';
  if (reason.startsWith('ExitCode:') || reason.startsWith('Signal:')) return 'error'; // ExitCode:0 is in DONE_REASONS
  return 'warning';
}

/** Where a container sits in the pod. */
export type ContainerKind = 'init' | 'sidecar' | 'app';

export interface ContainerSummary {
  name: string;
  kind: ContainerKind;
  /** Running, ContainerCreating, CrashLoopBackOff, Completed, ExitCode:1, Waiting... */
  label: string;
  health: Health;
  ready: boolean;
  restarts: number;
  image?: string;
  /** Why the previous instance ended (`OOMKilled`, `Error (exit 137)`), when it restarted. */
  lastTermination?: string;
}

/** The pod's containers in start order: init containers (and sidecars), then app containers. */
export function podContainers(pod: PodJson): { name: string; kind: ContainerKind }[] {
  const result: { name: string; kind: ContainerKind }[] = [];
  const seen = new Set<string>();
  for (const c of pod.spec?.initContainers ?? []) {
    result.push({ name: c.name, kind: isSidecar(c) ? 'sidecar' : 'init' });
    seen.add(c.name);
  }
  for (const c of pod.spec?.containers ?? []) {
    result.push({ name: c.name, kind: 'app' });
    seen.add(c.name);
  }
  // A pod object trimmed of its spec still names its containers in the status.
  for (const c of pod.status?.initContainerStatuses ?? []) if (!seen.has(c.name)) result.push({ name: c.name, kind: 'init' });
  for (const c of pod.status?.containerStatuses ?? []) if (!seen.has(c.name)) result.push({ name: c.name, kind: 'app' });
  return result;
}

/** The status of one container of the pod, or undefined when the pod has no such container. */
export function containerStatus(pod: PodJson, name: string): ContainerSummary | undefined {
  const kind = podContainers(pod).find((c) => c.name === name)?.kind;
  if (!kind) return undefined;
  const statuses = kind === 'app' ? pod.status?.containerStatuses : pod.status?.initContainerStatuses;
  const status = statuses?.find((c) => c.name === name);
  const specs = kind === 'app' ? pod.spec?.containers : pod.spec?.initContainers;
  const image = status?.image ?? specs?.find((c) => c.name === name)?.image;
  const summary: ContainerSummary = { name, kind, ready: status?.ready ?? false, restarts: status?.restartCount ?? 0, ...describeState(status, kind) };
  if (image) summary.image = image;
  const last = status?.lastState?.terminated;
  if (last) {
    const why = last.reason ?? (last.signal ? `Signal:${last.signal}` : 'Terminated');
    summary.lastTermination = last.exitCode !== undefined && last.exitCode !== 0 ? `${why} (exit ${last.exitCode})` : why;
  }
  return summary;
}

function describeState(status: ContainerStatusJson | undefined, kind: ContainerKind): { label: string; health: Health } {
  const state = status?.state;
  if (state?.waiting) {
    const reason = state.waiting.reason || 'Waiting';
    const health = reasonHealth(reason);
    return { label: reason, health: health === 'warning' && reason === 'Waiting' ? 'progressing' : health };
  }
  if (state?.terminated) {
    const t = state.terminated;
    const ok = (t.exitCode ?? 0) === 0 && !t.signal;
    return { label: terminatedLabel(t, ''), health: ok ? 'done' : 'error' };
  }
  if (state?.running) {
    if (kind === 'init') return { label: 'Running', health: 'progressing' };
    if (status?.ready) return { label: 'Running', health: 'ok' };
    return { label: status?.started === false ? 'Starting' : 'Running, not ready', health: 'progressing' };
  }
  return { label: 'Waiting', health: 'progressing' };
}
