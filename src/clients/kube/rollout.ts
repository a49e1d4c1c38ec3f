// A live rollout of one Deployment, StatefulSet or DaemonSet: informers on the workload, its
// ReplicaSets or ControllerRevisions, its pods and the namespace's events, turned into a
// RolloutView (core/k8s/rollout) shortly after every change; the rollout actions as patches
// pinned to the connection they were made on; and a promise that settles with the rollout.
import type { PodJson } from '../../core/kube/objects';
import type { KubeFailure, ResourceRef } from '../../core/kube/types';
import { selectorToString } from '../../core/kube/workloads';
import {
  controllerRevisionHistory, findUndoTarget, pausePatch, restartPatch, rolloutActionBlocker, rolloutHistory, rolloutView, scalePatch, setImagePatch,
  undoControllerRevisionPatch, undoPatch,
} from '../../core/k8s/rollout';
import type { RolloutAction, RolloutHistoryEntry, RolloutKind, RolloutPatch, RolloutView, StallReason, UndoPlan } from '../../core/k8s/rollout';
import type { ControllerRevisionJson, EventJson, ReplicaSetJson, RolloutWorkloadJson } from '../../core/k8s/rolloutObjects';
import type { Informer, KubeConnection } from './api';
import { KubeError, cancelledError } from './errors';

/** The workload a rollout belongs to. */
export interface RolloutTarget {
  kind: RolloutKind;
  namespace: string;
  name: string;
}

export interface RolloutWatcherOptions {
  /** How long a running pod may stay unready before the view says stalled; default 30 s. */
  readinessGraceMs?: number;
  /** Changes within this many ms make one view; default 20, at most 50. */
  debounceMs?: number;
}

/** Why the watcher has no view to give: the workload is not there, or the API refused or failed. */
export type RolloutWatchProblem =
  | { kind: 'missing'; message: string }
  | { kind: 'failure'; failure: KubeFailure; resource: string };

/** Why waitForRollout or an action did not succeed. `reason` is set for stalls and failed rollouts. */
export class RolloutError extends Error {
  constructor(
    readonly code: 'stalled' | 'failed' | 'timeout' | 'missing' | 'refused',
    message: string,
    readonly reason?: StallReason,
    readonly view?: RolloutView,
  ) {
    super(message);
    this.name = 'RolloutError';
  }
}

/** The outcome of undo: patched to a revision, or nothing to do because the template already matches. */
export interface UndoResult {
  action: 'patched' | 'skipped';
  revision?: number;
  message: string;
}

const RESOURCE: Record<RolloutKind, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };
const DEFAULT_DEBOUNCE_MS = 20;
const MAX_DEBOUNCE_MS = 50;

function workloadRef(target: RolloutTarget, withName: boolean): ResourceRef {
  return { group: 'apps', version: 'v1', resource: RESOURCE[target.kind], namespace: target.namespace, ...(withName ? { name: target.name } : {}) };
}

function describeTarget(target: RolloutTarget): string {
  return `${target.kind} ${target.name} in namespace ${target.namespace}`;
}

/** The selector of a workload as labelSelector text; throws when it has none Berth can express. */
function selectorOf(target: RolloutTarget, workload: RolloutWorkloadJson): string {
  const selector = selectorToString(workload.spec?.selector);
  if (!selector) throw new RolloutError('refused', `${describeTarget(target)} has no label selector Berth can use to find its pods`);
  return selector;
}

/**
 * Watches one workload's rollout. Views come through `onView` at most `debounceMs` after a
 * change (and again when a readiness grace ends); `view` is the latest. The actions patch the
 * workload through the same connection, so they go to the cluster the watcher shows.
 */
export class RolloutWatcher {
  private readonly workloads: Informer<RolloutWorkloadJson>;
  private pods: Informer<PodJson> | undefined;
  private revisionSets: Informer<ReplicaSetJson> | Informer<ControllerRevisionJson> | undefined;
  private events: Informer<EventJson> | undefined;
  private selector: string | undefined;
  private readonly viewListeners = new Set<(view: RolloutView, meta: { firstChangeAt?: number }) => void>();
  private readonly problemListeners = new Set<(problem: RolloutWatchProblem) => void>();
  private emitTimer: NodeJS.Timeout | undefined;
  /** When the first change since the last view arrived, for the view's latency figure. */
  private firstChangeAt: number | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private latest: RolloutView | undefined;
  private disposed = false;
  private readonly debounceMs: number;

  constructor(private readonly connection: KubeConnection, readonly target: RolloutTarget, private readonly options: RolloutWatcherOptions = {}) {
    this.debounceMs = Math.min(MAX_DEBOUNCE_MS, Math.max(0, options.debounceMs ?? DEFAULT_DEBOUNCE_MS));
    this.workloads = connection.informer<RolloutWorkloadJson>(workloadRef(target, false), { fieldSelector: `metadata.name=${target.name}` });
    this.watchInformer(this.workloads, RESOURCE[target.kind]);
  }

  /** The latest view, once the workload and its pods were listed. */
  get view(): RolloutView | undefined {
    return this.latest;
  }

  /** `meta.firstChangeAt`: performance.now() of the first API change this view reflects (undefined for a timed re-check). */
  onView(listener: (view: RolloutView, meta: { firstChangeAt?: number }) => void): { dispose(): void } {
    this.viewListeners.add(listener);
    return { dispose: () => { this.viewListeners.delete(listener); } };
  }

  onProblem(listener: (problem: RolloutWatchProblem) => void): { dispose(): void } {
    this.problemListeners.add(listener);
    return { dispose: () => { this.problemListeners.delete(listener); } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.emitTimer);
    clearTimeout(this.recheckTimer);
    this.workloads.stop();
    this.stopDependents();
    this.viewListeners.clear();
    this.problemListeners.clear();
  }

  private watchInformer(informer: Informer<unknown>, resource: string): void {
    informer.onChange(() => { this.schedule(performance.now()); });
    informer.onStateChange((state, failure) => {
      if (failure && (state === 'failed' || state === 'reconnecting')) this.report({ kind: 'failure', failure, resource });
      this.schedule();
    });
  }

  private stopDependents(): void {
    this.pods?.stop();
    this.revisionSets?.stop();
    this.events?.stop();
    this.pods = undefined;
    this.revisionSets = undefined;
    this.events = undefined;
  }

  /** Starts (or restarts, when the selector changed) the informers that depend on the workload's selector. */
  private follow(workload: RolloutWorkloadJson): void {
    const selector = selectorToString(workload.spec?.selector);
    if (!selector || selector === this.selector) return;
    this.stopDependents();
    this.selector = selector;
    const ns = this.target.namespace;
    this.pods = this.connection.informer<PodJson>({ group: '', version: 'v1', resource: 'pods', namespace: ns }, { labelSelector: selector });
    this.watchInformer(this.pods, 'pods');
    // ReplicaSets and ControllerRevisions carry the template's labels, so the selector finds them too.
    this.revisionSets = this.target.kind === 'Deployment'
      ? this.connection.informer<ReplicaSetJson>({ group: 'apps', version: 'v1', resource: 'replicasets', namespace: ns }, { labelSelector: selector })
      : this.connection.informer<ControllerRevisionJson>({ group: 'apps', version: 'v1', resource: 'controllerrevisions', namespace: ns }, { labelSelector: selector });
    this.watchInformer(this.revisionSets, this.target.kind === 'Deployment' ? 'replicasets' : 'controllerrevisions');
    // Events have no labels: the namespace's, narrowed to the objects involved by the model.
    this.events = this.connection.informer<EventJson>({ group: '', version: 'v1', resource: 'events', namespace: ns });
    this.watchInformer(this.events, 'events');
  }

  private report(problem: RolloutWatchProblem): void {
    for (const listener of [...this.problemListeners]) listener(problem);
  }

  private schedule(changedAt?: number): void {
    if (changedAt !== undefined && this.firstChangeAt === undefined) this.firstChangeAt = changedAt;
    if (this.disposed || this.emitTimer) return;
    this.emitTimer = setTimeout(() => {
      this.emitTimer = undefined;
      this.emit();
    }, this.debounceMs);
  }

  private currentWorkload(): RolloutWorkloadJson | undefined {
    for (const w of this.workloads.items.values()) if (w.metadata.name === this.target.name) return w;
    return undefined;
  }

  private emit(): void {
    if (this.disposed) return;
    const workload = this.currentWorkload();
    if (!workload) {
      // Listed and not there (never created, or deleted).
      if (this.workloads.state === 'watching') {
        this.latest = undefined;
        this.report({ kind: 'missing', message: `${describeTarget(this.target)} does not exist` });
      }
      return;
    }
    this.follow(workload);
    // Until the pods are listed a view would show a rollout with no pods.
    if (!this.pods || this.pods.state === 'listing' || !this.revisionSets || this.revisionSets.state === 'listing') return;
    const kind = this.target.kind;
    const view = rolloutView({
      kind, workload, nowMs: Date.now(),
      pods: [...this.pods.items.values()],
      ...(kind === 'Deployment'
        ? { replicaSets: [...(this.revisionSets as Informer<ReplicaSetJson>).items.values()] }
        : { controllerRevisions: [...(this.revisionSets as Informer<ControllerRevisionJson>).items.values()] }),
      events: this.events ? [...this.events.items.values()] : [],
      ...(this.options.readinessGraceMs !== undefined ? { readinessGraceMs: this.options.readinessGraceMs } : {}),
    });
    this.latest = view;
    clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    if (view.recheckAtMs !== undefined) {
      // A readiness grace ends with no API change: look again then.
      this.recheckTimer = setTimeout(() => {
        this.recheckTimer = undefined;
        this.schedule();
      }, Math.max(0, view.recheckAtMs - Date.now()) + 5);
    }
    const meta = this.firstChangeAt === undefined ? {} : { firstChangeAt: this.firstChangeAt };
    this.firstChangeAt = undefined;
    for (const listener of [...this.viewListeners]) listener(view, meta);
  }

  // ---- actions ---------------------------------------------------------------------------

  private async fresh(signal?: AbortSignal): Promise<RolloutWorkloadJson> {
    return this.connection.get<RolloutWorkloadJson>(workloadRef(this.target, true), signal);
  }

  private async apply(action: RolloutAction, build: (workload: RolloutWorkloadJson) => RolloutPatch, signal?: AbortSignal): Promise<RolloutWorkloadJson> {
    const workload = await this.fresh(signal);
    const blocker = rolloutActionBlocker(this.target.kind, workload, action);
    if (blocker) throw new RolloutError('refused', blocker);
    const { patch, type } = build(workload);
    return this.connection.patch<RolloutWorkloadJson>(workloadRef(this.target, true), patch, type, signal);
  }

  /** `kubectl set image`: the container is looked up in the template (app, then init containers). */
  setImage(container: string, image: string, signal?: AbortSignal): Promise<RolloutWorkloadJson> {
    return this.apply('setImage', (workload) => {
      const spec = workload.spec?.template?.spec;
      const app = spec?.containers?.some((c) => c.name === container) ?? false;
      const init = !app && (spec?.initContainers?.some((c) => c.name === container) ?? false);
      if (!app && !init) {
        const names = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.name).join(', ');
        throw new RolloutError('refused', `${describeTarget(this.target)} has no container named "${container}" (it has: ${names || 'none'})`);
      }
      try {
        return setImagePatch(this.target.kind, container, image, { init });
      } catch (error) {
        throw new RolloutError('refused', error instanceof Error ? error.message : String(error));
      }
    }, signal);
  }

  /** `kubectl rollout restart`. */
  restart(signal?: AbortSignal): Promise<RolloutWorkloadJson> {
    return this.apply('restart', () => restartPatch(new Date().toISOString()), signal);
  }

  pause(signal?: AbortSignal): Promise<RolloutWorkloadJson> {
    return this.apply('pause', () => pausePatch(true), signal);
  }

  resume(signal?: AbortSignal): Promise<RolloutWorkloadJson> {
    return this.apply('resume', () => pausePatch(false), signal);
  }

  scale(replicas: number, signal?: AbortSignal): Promise<RolloutWorkloadJson> {
    return this.apply('scale', () => {
      try {
        return scalePatch(replicas);
      } catch (error) {
        throw new RolloutError('refused', error instanceof Error ? error.message : String(error));
      }
    }, signal);
  }

  /** `kubectl rollout undo [--to-revision=N]`, read from fresh objects (not the informers' copies). */
  async undo(toRevision?: number, signal?: AbortSignal): Promise<UndoResult> {
    const workload = await this.fresh(signal);
    const blocker = rolloutActionBlocker(this.target.kind, workload, 'undo');
    if (blocker) throw new RolloutError('refused', blocker);
    const selector = selectorOf(this.target, workload);
    let plan: UndoPlan;
    if (this.target.kind === 'Deployment') {
      const replicaSets = await this.connection.list<ReplicaSetJson>(workloadRefOf('replicasets', this.target.namespace), { labelSelector: selector, ...(signal ? { signal } : {}) });
      const target = findUndoTarget(workload, replicaSets.items, toRevision);
      if (typeof target === 'string') throw new RolloutError('refused', target);
      plan = undoPatch(workload, target);
    } else {
      const revisions = await this.connection.list<ControllerRevisionJson>(workloadRefOf('controllerrevisions', this.target.namespace), { labelSelector: selector, ...(signal ? { signal } : {}) });
      plan = undoControllerRevisionPatch(workload, revisions.items, toRevision);
    }
    if (plan.action === 'refuse') throw new RolloutError('refused', plan.message);
    if (plan.action === 'skip') return { action: 'skipped', message: plan.message };
    await this.connection.patch(workloadRef(this.target, true), plan.patch.patch, plan.patch.type, signal);
    const result: UndoResult = { action: 'patched', message: `${describeTarget(this.target)} rolled back to revision ${plan.revision ?? '?'}` };
    if (plan.revision !== undefined) result.revision = plan.revision;
    return result;
  }

  /** `kubectl rollout history`: revisions oldest first, each with its images and change-cause. */
  async history(signal?: AbortSignal): Promise<RolloutHistoryEntry[]> {
    const workload = await this.fresh(signal);
    const selector = selectorOf(this.target, workload);
    const options = { labelSelector: selector, ...(signal ? { signal } : {}) };
    if (this.target.kind === 'Deployment') {
      const replicaSets = await this.connection.list<ReplicaSetJson>(workloadRefOf('replicasets', this.target.namespace), options);
      return rolloutHistory(workload, replicaSets.items);
    }
    const revisions = await this.connection.list<ControllerRevisionJson>(workloadRefOf('controllerrevisions', this.target.namespace), options);
    return controllerRevisionHistory(this.target.kind, workload, revisions.items);
  }
}

function workloadRefOf(resource: 'replicasets' | 'controllerrevisions', namespace: string): ResourceRef {
  return { group: 'apps', version: 'v1', resource, namespace };
}

export interface WaitForRolloutOptions extends RolloutWatcherOptions {
  signal?: AbortSignal;
  /** Give up after this long; default 10 minutes. */
  timeoutMs?: number;
  /** Every view while waiting (for a progress display). */
  onView?: (view: RolloutView) => void;
}

/**
 * Resolves with the view once the rollout is complete. Rejects with a RolloutError as soon as
 * it is stalled or failed (with the reason), when the workload does not exist, or at the
 * timeout (with what it was waiting for); with a KubeError when the API refuses (403, expired
 * credentials) or the signal aborts (KUBE_CANCELLED).
 */
export function waitForRollout(connection: KubeConnection, target: RolloutTarget, options: WaitForRolloutOptions = {}): Promise<RolloutView> {
  return new Promise<RolloutView>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(cancelledError('Waiting for the rollout'));
      return;
    }
    const watcher = new RolloutWatcher(connection, target, options);
    const timeoutMs = options.timeoutMs ?? 600_000;
    let settled = false;
    const finish = (outcome: { view: RolloutView } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      watcher.dispose();
      if ('view' in outcome) resolve(outcome.view);
      else reject(outcome.error);
    };
    const onAbort = (): void => { finish({ error: cancelledError('Waiting for the rollout') }); };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      const view = watcher.view;
      const waitingFor = view ? `: ${view.summary}` : '';
      finish({ error: new RolloutError('timeout', `${describeTarget(target)} did not finish rolling out within ${Math.round(timeoutMs / 1000)} s${waitingFor}`, view?.stallReason, view) });
    }, timeoutMs);
    watcher.onView((view) => {
      options.onView?.(view);
      if (view.phase === 'complete') finish({ view });
      else if ((view.phase === 'stalled' || view.phase === 'failed') && view.stallReason) {
        const reason = view.stallReason;
        finish({ error: new RolloutError(view.phase, reason.detail ? `${reason.message} (${reason.detail})` : reason.message, reason, view) });
      }
    });
    watcher.onProblem((problem) => {
      if (problem.kind === 'missing') finish({ error: new RolloutError('missing', problem.message) });
      // Failures that do not heal by themselves end the wait; dropped connections are retried by the informers.
      else if (['KUBE_FORBIDDEN', 'KUBE_AUTH_EXPIRED', 'KUBE_EXEC_PLUGIN', 'KUBE_EXEC_TIMEOUT', 'KUBE_CONFIG', 'KUBE_TLS', 'KUBE_NOT_FOUND'].includes(problem.failure.code)) {
        finish({ error: new KubeError(problem.failure) });
      }
    });
  });
}
