/**
 * The live rollout of a Deployment, StatefulSet or DaemonSet as one view: its revisions
 * (ReplicaSets or ControllerRevisions) old and new with their counts and images, the pods
 * coming up and going away, and a phase with the reason when it is stuck. Also the rollout
 * history and the patches of `kubectl rollout` / `kubectl set image` / `kubectl scale`.
 *
 * Pure: plain API JSON in, plain data out; the time is an input (`nowMs`, epoch ms).
 * Completion follows `kubectl rollout status` (observedGeneration first, then the counts);
 * stalls are read from the pods of the new revision, the ReplicaFailure conditions and the
 * Warning events of the objects involved.
 */
import type { ContainerSpecJson, PodJson } from '../kube/objects';
import { podStatus, type Health } from '../kube/podStatus';
import type { WorkloadKind } from '../kube/types';
import { matchesSelector } from '../kube/workloads';
import type {
  ControllerRevisionJson, EventJson, PodTemplateJson, ReplicaSetJson, RolloutConditionJson, RolloutWorkloadJson,
} from './rolloutObjects';

export type RolloutKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/**
 * `progressing` moving (or waiting for the controller); `complete` every replica updated and
 * available; `stalled` not moving for a reason that needs a person (the controller keeps
 * trying, so it can still recover); `paused` a paused Deployment with work left; `failed` the
 * controller gave up (Deployment: ProgressDeadlineExceeded).
 */
export type RolloutPhase = 'progressing' | 'complete' | 'stalled' | 'paused' | 'failed';

export type StallCode =
  | 'ProgressDeadlineExceeded'
  | 'ReplicaFailure' // pods cannot be created: quota, admission, missing ServiceAccount...
  | 'ImagePull' // ErrImagePull, ImagePullBackOff, InvalidImageName, ErrImageNeverPull
  | 'ContainerConfig' // CreateContainerConfigError, CreateContainerError, RunContainerError
  | 'CrashLoop'
  | 'Unschedulable'
  | 'ReadinessFailing';

export interface StallReason {
  code: StallCode;
  /** One sentence: what is stuck and why, with the server's own words where it gave some. */
  message: string;
  /** What to try next. */
  hint: string;
  /** The object the reason was found on. */
  object?: { kind: string; name: string };
  /** More detail, e.g. the last probe failure from the pod's events. */
  detail?: string;
}

export interface RolloutImage {
  container: string;
  image: string;
  init?: boolean;
}

/** `coming-up`: of the new revision, not ready yet; `going-away`: terminating or of an old revision being replaced. */
export type PodMovement = 'coming-up' | 'going-away' | 'steady';

export interface RolloutPod {
  name: string;
  /** The ReplicaSet or ControllerRevision the pod belongs to, when one matched. */
  revisionName?: string;
  isNew: boolean;
  movement: PodMovement;
  /** kubectl's STATUS column (Running, Pending, ImagePullBackOff, Terminating...). */
  status: string;
  health: Health;
  ready: boolean;
  /** kubectl's READY column, `1/2`. */
  readyText: string;
  restarts: number;
  nodeName?: string;
  createdAt?: string;
  /** When the Ready condition last changed (to True when `ready`). */
  readySince?: string;
  /** Why it is not ready, in a few words: a waiting message, the scheduler's message, a probe failure. */
  problem?: string;
}

export interface RolloutRevision {
  /** Deployment: the ReplicaSet's `deployment.kubernetes.io/revision`; otherwise ControllerRevision.revision. */
  revision?: number;
  /** ReplicaSet or ControllerRevision name. */
  name: string;
  /** The `pod-template-hash` / `controller-revision-hash` its pods carry. */
  hash?: string;
  isNew: boolean;
  images: RolloutImage[];
  /** Pods the controller wants at this revision now (a partition keeps some at the old one). */
  desired: number;
  /** Pods of this revision that exist and are not terminating. */
  current: number;
  ready: number;
  available: number;
  terminating: number;
  createdAt?: string;
  changeCause?: string;
  pods: RolloutPod[];
}

export interface RolloutCounts {
  /** spec.replicas (DaemonSet: desiredNumberScheduled). */
  desired: number;
  /** Replicas at the new template. */
  updated: number;
  ready: number;
  available: number;
  /** All replicas, old and new (a surge makes it exceed `desired`). */
  current: number;
}

export interface RolloutEvent {
  type: string;
  reason: string;
  message: string;
  object: { kind: string; name: string };
  count: number;
  /** RFC 3339; the last time the event was seen. */
  lastSeen?: string;
}

export interface RolloutView {
  kind: RolloutKind;
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  observedGeneration?: number;
  /** The controller has seen the latest spec (observedGeneration >= generation). */
  observed: boolean;
  phase: RolloutPhase;
  /** One line of progress in the manner of `kubectl rollout status`. */
  summary: string;
  stallReason?: StallReason;
  paused: boolean;
  /** RollingUpdate, Recreate or OnDelete. */
  strategy: string;
  /** StatefulSet: pods with an ordinal below it keep the old revision. */
  partition?: number;
  counts: RolloutCounts;
  /** The new revision first, then old ones from newest to oldest; only those with pods or wanted pods. */
  revisions: RolloutRevision[];
  /** Every pod: coming up, then going away, then steady; by name within each. */
  pods: RolloutPod[];
  conditions: RolloutConditionJson[];
  /** Recent events of the workload, its revisions and pods, newest first (at most 20). */
  events: RolloutEvent[];
  /** The revision `undo` without a number goes back to (the second newest), when there is one. */
  previousRevision?: number;
  /** When the view can change with time alone (a readiness grace ends), epoch ms. */
  recheckAtMs?: number;
}

export interface RolloutInput {
  kind: RolloutKind;
  workload: RolloutWorkloadJson;
  /** Deployment: the ReplicaSets of the namespace that match its selector (those it owns are kept). */
  replicaSets?: readonly ReplicaSetJson[];
  /** StatefulSet, DaemonSet: their ControllerRevisions (those the workload owns are kept). */
  controllerRevisions?: readonly ControllerRevisionJson[];
  /** Pods that match the workload's selector. */
  pods: readonly PodJson[];
  /** Events of the namespace; those about the workload, its revisions and its pods are kept. */
  events?: readonly EventJson[];
  nowMs: number;
  /** How long a running pod may stay unready before the rollout counts as stalled; default 30 s. */
  readinessGraceMs?: number;
}

export const DEFAULT_READINESS_GRACE_MS = 30_000;
const MAX_EVENTS = 20;
/** FailedCreate events older than this no longer explain missing pods. */
const RECENT_EVENT_MS = 5 * 60_000;

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

// ---- small helpers -------------------------------------------------------------------------

function parseTime(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseRevision(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

function condition<C extends { type: string }>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

function ownedByUid(meta: { ownerReferences?: { uid: string }[] }, uid: string): boolean {
  return meta.ownerReferences?.some((r) => r.uid === uid) ?? false;
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * JSON with object keys sorted and empty values dropped (null, {}, []), so that two templates
 * compare as apimachinery's semantic equality does: nil and empty maps and slices are equal.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.length ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[key]);
      if (v !== undefined) result[key] = v;
    }
    return Object.keys(result).length ? result : undefined;
  }
  return value ?? undefined;
}

function withoutLabel(template: PodTemplateJson | undefined, label: string): PodTemplateJson | undefined {
  if (!template) return undefined;
  const labels = template.metadata?.labels;
  if (!labels || !(label in labels)) return template;
  const rest = Object.fromEntries(Object.entries(labels).filter(([key]) => key !== label));
  return { ...template, metadata: { ...template.metadata, labels: rest } };
}

/** Whether two pod templates are equal once `ignoredLabel` (the hash label) is removed from both. */
export function sameTemplate(a: PodTemplateJson | undefined, b: PodTemplateJson | undefined, ignoredLabel = POD_TEMPLATE_HASH_LABEL): boolean {
  return JSON.stringify(canonical(withoutLabel(a, ignoredLabel)) ?? null) === JSON.stringify(canonical(withoutLabel(b, ignoredLabel)) ?? null);
}

/** The images of a pod template: app containers, then init containers (marked). */
export function templateImages(template: PodTemplateJson | undefined): RolloutImage[] {
  const images: RolloutImage[] = [];
  for (const c of template?.spec?.containers ?? []) images.push({ container: c.name, image: c.image ?? '' });
  for (const c of template?.spec?.initContainers ?? []) images.push({ container: c.name, image: c.image ?? '', init: true });
  return images;
}

function podImages(pod: PodJson | undefined): RolloutImage[] {
  return pod ? templateImages({ spec: pod.spec ?? {} }) : [];
}

// ---- pods ----------------------------------------------------------------------------------

function podReady(pod: PodJson): boolean {
  return condition(pod.status?.conditions, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds (the controllers' "available"). */
function podAvailable(pod: PodJson, minReadySeconds: number, nowMs: number): boolean {
  const ready = condition(pod.status?.conditions, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = parseTime(ready.lastTransitionTime);
  return since !== undefined && nowMs - since >= minReadySeconds * 1000;
}

function terminating(pod: PodJson): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/** The StatefulSet ordinal of a pod name (`web-2` → 2). */
function ordinalOf(podName: string, setName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

/** A container problem a person has to fix, from its waiting state. */
interface ContainerProblem {
  code: 'ImagePull' | 'ContainerConfig' | 'CrashLoop';
  container: string;
  reason: string;
  message?: string;
  image?: string;
  restarts: number;
  lastExit?: string;
}

const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable', 'SignatureValidationFailed']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'PreStartHookError', 'PostStartHookError']);

function containerProblem(pod: PodJson): ContainerProblem | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const specs: ContainerSpecJson[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let found: ContainerProblem | undefined;
  for (const s of statuses) {
    const reason = s.state?.waiting?.reason;
    if (!reason) continue;
    const code = IMAGE_PULL_REASONS.has(reason) ? 'ImagePull' : CONFIG_REASONS.has(reason) ? 'ContainerConfig' : reason === 'CrashLoopBackOff' ? 'CrashLoop' : undefined;
    if (!code) continue;
    const last = s.lastState?.terminated;
    const problem: ContainerProblem = {
      code, container: s.name, reason, restarts: s.restartCount ?? 0,
      image: specs.find((c) => c.name === s.name)?.image ?? s.image,
    };
    if (s.state?.waiting?.message) problem.message = s.state.waiting.message;
    if (last) problem.lastExit = `${last.reason ?? 'terminated'}${last.exitCode !== undefined ? ` (exit ${last.exitCode})` : ''}`;
    // An image problem explains a crash loop in another container less than the reverse.
    if (!found || rank(problem.code) < rank(found.code)) found = problem;
  }
  return found;
}

function rank(code: StallCode): number {
  return ['ProgressDeadlineExceeded', 'ReplicaFailure', 'ImagePull', 'ContainerConfig', 'CrashLoop', 'Unschedulable', 'ReadinessFailing'].indexOf(code);
}

function unschedulable(pod: PodJson): { message: string } | undefined {
  const scheduled = condition(pod.status?.conditions, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') return { message: scheduled.message ?? 'no node fits the pod' };
  return undefined;
}

/** A running pod that is not ready, and since when (the Ready condition's last change, else the start). */
function unreadySince(pod: PodJson): number | undefined {
  if (terminating(pod) || pod.status?.phase !== 'Running' || podReady(pod)) return undefined;
  const statuses = pod.status.containerStatuses ?? [];
  // A container still waiting (or restarting) is a different problem from failing readiness.
  if (statuses.length === 0 || !statuses.every((s) => s.state?.running)) return undefined;
  const ready = condition(pod.status.conditions, 'Ready');
  return parseTime(ready?.lastTransitionTime) ?? parseTime(pod.status.startTime) ?? parseTime(pod.metadata.creationTimestamp);
}

function shortProblem(pod: PodJson, lastProbeFailure: string | undefined): string | undefined {
  const problem = containerProblem(pod);
  if (problem) return problem.message ? `${problem.reason}: ${problem.message}` : problem.reason;
  const pending = unschedulable(pod);
  if (pending) return pending.message;
  if (!podReady(pod) && !terminating(pod) && pod.status?.phase === 'Running') {
    return lastProbeFailure ?? condition(pod.status.conditions, 'Ready')?.message ?? 'not ready';
  }
  return undefined;
}

// ---- events --------------------------------------------------------------------------------

function eventTime(e: EventJson): string | undefined {
  return e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? undefined;
}

interface InvolvedIndex {
  uids: Set<string>;
  names: Set<string>;
}

function involves(index: InvolvedIndex, e: EventJson): boolean {
  const o = e.involvedObject;
  if (!o) return false;
  if (o.uid && index.uids.has(o.uid)) return true;
  return o.uid === undefined && o.kind !== undefined && o.name !== undefined && index.names.has(`${o.kind}/${o.name}`);
}

// ---- revisions -----------------------------------------------------------------------------

interface RevisionDraft {
  revision?: number;
  name: string;
  hash?: string;
  uid?: string;
  isNew: boolean;
  images: RolloutImage[];
  desired: number;
  createdAt?: string;
  changeCause?: string;
  /** Whether a pod belongs here. */
  owns: (pod: PodJson) => boolean;
}

function deploymentDrafts(d: RolloutWorkloadJson, replicaSets: readonly ReplicaSetJson[]): { drafts: RevisionDraft[]; newRs?: ReplicaSetJson; owned: ReplicaSetJson[] } {
  const owned = replicaSets.filter((rs) => ownedByUid(rs.metadata, d.metadata.uid));
  const newRs = findNewReplicaSet(d, owned);
  const drafts = owned.map((rs): RevisionDraft => {
    const hash = rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? rs.spec?.template?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
    const draft: RevisionDraft = {
      name: rs.metadata.name,
      uid: rs.metadata.uid,
      isNew: rs === newRs,
      images: templateImages(rs.spec?.template),
      desired: rs.spec?.replicas ?? 0,
      owns: (pod) => ownedByUid(pod.metadata, rs.metadata.uid) || (hash !== undefined && !pod.metadata.ownerReferences?.length && pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash),
    };
    const revision = parseRevision(rs.metadata.annotations?.[REVISION_ANNOTATION]);
    if (revision !== undefined) draft.revision = revision;
    if (hash !== undefined) draft.hash = hash;
    if (rs.metadata.creationTimestamp) draft.createdAt = rs.metadata.creationTimestamp;
    const cause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (cause) draft.changeCause = cause;
    return draft;
  });
  return newRs ? { drafts, newRs, owned } : { drafts, owned };
}

/**
 * The ReplicaSet whose template is the Deployment's (ignoring the hash label), the oldest when
 * several are, as the deployment controller picks it. None while the controller has not
 * created it yet.
 */
export function findNewReplicaSet(deployment: RolloutWorkloadJson, ownedReplicaSets: readonly ReplicaSetJson[]): ReplicaSetJson | undefined {
  const matching = ownedReplicaSets.filter((rs) => sameTemplate(rs.spec?.template, deployment.spec?.template));
  matching.sort((a, b) => (parseTime(a.metadata.creationTimestamp) ?? 0) - (parseTime(b.metadata.creationTimestamp) ?? 0) || byName(a.metadata, b.metadata));
  return matching[0];
}

function revisionHashOf(cr: ControllerRevisionJson, setName: string): string {
  const label = cr.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? cr.metadata.labels?.['controller.kubernetes.io/hash'];
  if (label) return label;
  return cr.metadata.name.startsWith(`${setName}-`) ? cr.metadata.name.slice(setName.length + 1) : cr.metadata.name;
}

/** Pods of a StatefulSet carry the revision's name, pods of a DaemonSet its hash: either matches. */
function podRevisionMatches(pod: PodJson, name: string, hash: string | undefined): boolean {
  const value = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  return value !== undefined && (value === name || value === hash);
}

function setDrafts(kind: 'StatefulSet' | 'DaemonSet', w: RolloutWorkloadJson, revisions: readonly ControllerRevisionJson[], pods: readonly PodJson[], partition: number): RevisionDraft[] {
  const setName = w.metadata.name;
  const owned = revisions.filter((cr) => ownedByUid(cr.metadata, w.metadata.uid)).sort((a, b) => b.revision - a.revision);
  const desiredAll = kind === 'StatefulSet' ? (w.spec?.replicas ?? 1) : (w.status?.desiredNumberScheduled ?? 0);
  // The target revision: the StatefulSet says which; a DaemonSet's is its newest ControllerRevision.
  let updateName = kind === 'StatefulSet' ? w.status?.updateRevision : undefined;
  if (!updateName && owned[0]) updateName = owned[0].metadata.name;
  const currentName = kind === 'StatefulSet' ? w.status?.currentRevision : undefined;
  const onDelete = (kind === 'StatefulSet' ? w.spec?.updateStrategy?.type : w.spec?.updateStrategy?.type) === 'OnDelete';
  const newDesired = onDelete ? desiredAll : Math.max(0, desiredAll - partition);
  const oldDesired = desiredAll - newDesired;

  const drafts: RevisionDraft[] = owned.map((cr) => {
    const hash = revisionHashOf(cr, setName);
    const isNew = cr.metadata.name === updateName;
    const draft: RevisionDraft = {
      revision: cr.revision,
      name: cr.metadata.name,
      hash,
      uid: cr.metadata.uid,
      isNew,
      images: templateImages(cr.data?.spec?.template),
      desired: isNew ? newDesired : cr.metadata.name === currentName ? oldDesired : 0,
      owns: (pod) => podRevisionMatches(pod, cr.metadata.name, hash),
    };
    if (cr.metadata.creationTimestamp) draft.createdAt = cr.metadata.creationTimestamp;
    const cause = cr.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (cause) draft.changeCause = cause;
    return draft;
  });

  // Without ControllerRevisions (not listed, or not readable), the status names and the pods' labels still tell.
  const known = new Set(drafts.map((d) => d.name));
  const addSynthetic = (name: string, isNew: boolean, desired: number): void => {
    if (known.has(name)) return;
    known.add(name);
    const hash = name.startsWith(`${setName}-`) ? name.slice(setName.length + 1) : name;
    const sample = pods.find((p) => podRevisionMatches(p, name, hash));
    drafts.push({
      name, hash, isNew, desired,
      images: isNew ? templateImages(w.spec?.template) : podImages(sample),
      owns: (pod) => podRevisionMatches(pod, name, hash),
    });
  };
  if (updateName) addSynthetic(updateName, true, newDesired);
  if (currentName && currentName !== updateName) addSynthetic(currentName, false, oldDesired);
  if (kind === 'DaemonSet' && !updateName) {
    // No revision objects at all: the pods created for the current generation are the new ones.
    const generation = w.metadata.generation;
    for (const pod of pods) {
      const value = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      if (!value) continue;
      const isNew = generation !== undefined && pod.metadata.labels?.['pod-template-generation'] === String(generation);
      addSynthetic(value, isNew, isNew ? newDesired : 0);
    }
  }
  return drafts;
}

// ---- the view ------------------------------------------------------------------------------

interface Progress {
  complete: boolean;
  summary: string;
}

function deploymentProgress(w: RolloutWorkloadJson, observed: boolean): Progress {
  const s = w.status ?? {};
  const desired = w.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const current = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (!observed) return { complete: false, summary: 'Waiting for the controller to see the new spec' };
  if (updated < desired) return { complete: false, summary: `${updated} of ${desired} replicas updated` };
  if (current > updated) return { complete: false, summary: `${current - updated} old ${plural(current - updated, 'replica')} still terminating` };
  if (available < updated) return { complete: false, summary: `${available} of ${updated} updated replicas available` };
  return { complete: true, summary: `Rolled out: ${updated} of ${desired} ${plural(desired, 'replica')} updated and available` };
}

function statefulSetProgress(w: RolloutWorkloadJson, observed: boolean, partition: number): Progress {
  const s = w.status ?? {};
  const desired = w.spec?.replicas ?? 1;
  const ready = s.readyReplicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  if (!observed) return { complete: false, summary: 'Waiting for the controller to see the new spec' };
  if (w.spec?.updateStrategy?.type === 'OnDelete') {
    return ready >= desired
      ? { complete: true, summary: `${ready} of ${desired} pods ready; OnDelete: ${updated} at the new revision (others update when deleted)` }
      : { complete: false, summary: `Waiting for ${desired - ready} ${plural(desired - ready, 'pod')} to be ready` };
  }
  if (ready < desired) return { complete: false, summary: `Waiting for ${desired - ready} ${plural(desired - ready, 'pod')} to be ready` };
  const target = desired - partition;
  if (partition > 0) {
    if (updated < target) return { complete: false, summary: `Partitioned rollout: ${updated} of ${target} pods updated` };
    return { complete: true, summary: `Partitioned rollout complete: ${updated} ${plural(updated, 'pod')} updated, ${Math.min(partition, desired)} kept at the old revision by partition ${partition}` };
  }
  if (updated < desired) return { complete: false, summary: `${updated} of ${desired} pods updated` };
  return { complete: true, summary: `Rolled out: ${updated} of ${desired} ${plural(desired, 'pod')} at revision ${s.updateRevision ?? s.currentRevision ?? '?'}` };
}

function daemonSetProgress(w: RolloutWorkloadJson, observed: boolean): Progress {
  const s = w.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  const updated = s.updatedNumberScheduled ?? 0;
  const available = s.numberAvailable ?? 0;
  if (!observed) return { complete: false, summary: 'Waiting for the controller to see the new spec' };
  if (w.spec?.updateStrategy?.type === 'OnDelete') {
    return available >= desired
      ? { complete: true, summary: `${available} of ${desired} pods available; OnDelete: ${updated} at the new revision (others update when deleted)` }
      : { complete: false, summary: `${available} of ${desired} pods available` };
  }
  if (updated < desired) return { complete: false, summary: `${updated} of ${desired} pods updated` };
  if (available < desired) return { complete: false, summary: `${available} of ${desired} updated pods available` };
  return { complete: true, summary: `Rolled out: ${desired} of ${desired} ${plural(desired, 'pod')} updated and available` };
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function countsOf(kind: RolloutKind, w: RolloutWorkloadJson): RolloutCounts {
  const s = w.status ?? {};
  if (kind === 'DaemonSet') {
    return {
      desired: s.desiredNumberScheduled ?? 0, updated: s.updatedNumberScheduled ?? 0, ready: s.numberReady ?? 0,
      available: s.numberAvailable ?? 0, current: s.currentNumberScheduled ?? 0,
    };
  }
  return {
    desired: w.spec?.replicas ?? 1, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0,
    available: s.availableReplicas ?? (kind === 'StatefulSet' ? s.readyReplicas ?? 0 : 0), current: s.replicas ?? 0,
  };
}

/**
 * The rollout of one workload at `nowMs`: revisions old and new with counts, images and pods,
 * the phase, and the stall reason when it is stuck. See RolloutPhase for the phases.
 */
export function rolloutView(input: RolloutInput): RolloutView {
  const { kind, workload: w, nowMs } = input;
  const grace = input.readinessGraceMs ?? DEFAULT_READINESS_GRACE_MS;
  const generation = w.metadata.generation;
  const observedGeneration = w.status?.observedGeneration;
  // kubectl: a StatefulSet that never reported an observedGeneration is not observed either.
  const observed = kind === 'StatefulSet'
    ? observedGeneration !== undefined && observedGeneration > 0 && (generation ?? 0) <= observedGeneration
    : generation === undefined || (observedGeneration !== undefined && generation <= observedGeneration);
  const partition = kind === 'StatefulSet' && w.spec?.updateStrategy?.type !== 'OnDelete' ? Math.max(0, w.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
  const minReadySeconds = w.spec?.minReadySeconds ?? 0;

  // Revisions, and which pods belong to the workload at all.
  let drafts: RevisionDraft[];
  let newReplicaSet: ReplicaSetJson | undefined;
  let ownerUids: Set<string>;
  if (kind === 'Deployment') {
    const found = deploymentDrafts(w, input.replicaSets ?? []);
    drafts = found.drafts;
    newReplicaSet = found.newRs;
    ownerUids = new Set(found.owned.map((rs) => rs.metadata.uid));
  } else {
    drafts = setDrafts(kind, w, input.controllerRevisions ?? [], input.pods, partition);
    ownerUids = new Set([w.metadata.uid]);
  }
  const pods = input.pods.filter((p) => {
    const refs = p.metadata.ownerReferences ?? [];
    if (refs.length) return refs.some((r) => ownerUids.has(r.uid));
    return matchesSelector(p.metadata.labels, w.spec?.selector);
  });

  // Events of everything involved, and the last probe failure of each pod.
  const index: InvolvedIndex = { uids: new Set([w.metadata.uid]), names: new Set([`${kind}/${w.metadata.name}`]) };
  for (const d of drafts) {
    if (d.uid) index.uids.add(d.uid);
    index.names.add(`${kind === 'Deployment' ? 'ReplicaSet' : 'ControllerRevision'}/${d.name}`);
  }
  for (const p of pods) {
    index.uids.add(p.metadata.uid);
    index.names.add(`Pod/${p.metadata.name}`);
  }
  const events = (input.events ?? []).filter((e) => involves(index, e))
    .map((e) => ({ e, at: parseTime(eventTime(e)) ?? 0 }))
    .sort((a, b) => b.at - a.at);
  const probeFailures = new Map<string, string>();
  for (const { e } of events) {
    const name = e.involvedObject?.name;
    if (e.reason === 'Unhealthy' && name && !probeFailures.has(name) && e.message) probeFailures.set(name, e.message.trim());
  }

  // Pods, placed in their revisions.
  let progress = kind === 'Deployment' ? deploymentProgress(w, observed) : kind === 'StatefulSet' ? statefulSetProgress(w, observed, partition) : daemonSetProgress(w, observed);
  const firstOrdinal = w.spec?.ordinals?.start ?? 0;
  if (kind === 'StatefulSet' && progress.complete && w.spec?.updateStrategy?.type !== 'OnDelete') {
    // kubectl counts every pod at the update revision, below the partition too, so going back to
    // the revision the partition holds would look complete at once. The pods say which still lag.
    const update = drafts.find((d) => d.isNew);
    const lagging: string[] = [];
    for (let index = partition; update && index < (w.spec?.replicas ?? 1); index++) {
      const name = `${w.metadata.name}-${firstOrdinal + index}`;
      const p = pods.find((candidate) => candidate.metadata.name === name);
      if (!p || terminating(p) || !update.owns(p) || !podReady(p)) lagging.push(name);
    }
    if (lagging.length) progress = { complete: false, summary: `Waiting for ${lagging.join(', ')} to run the new revision and be ready` };
  }
  const revisionPods = new Map<RevisionDraft, RolloutPod[]>(drafts.map((d) => [d, []]));
  const podRows: RolloutPod[] = [];
  const newPods: PodJson[] = [];
  // A Deployment whose new ReplicaSet does not exist yet has only old pods; a set without any
  // revision information cannot tell old from new, so all its pods count as new.
  const unknownRevisions = kind !== 'Deployment' && !drafts.some((d) => d.isNew);
  const paused = kind === 'Deployment' && w.spec?.paused === true;
  for (const pod of pods) {
    const draft = drafts.find((d) => d.owns(pod));
    const isNew = draft?.isNew ?? false;
    const ready = podReady(pod);
    const status = podStatus(pod);
    let movement: PodMovement = 'steady';
    if (terminating(pod)) movement = 'going-away';
    else if ((isNew || unknownRevisions) && !ready) movement = 'coming-up';
    else if (!isNew && !unknownRevisions && !progress.complete && !paused) {
      const ordinal = kind === 'StatefulSet' ? ordinalOf(pod.metadata.name, w.metadata.name) : undefined;
      // Pods below the partition are meant to stay at the old revision.
      movement = ordinal !== undefined && ordinal < firstOrdinal + partition ? 'steady' : 'going-away';
    }
    const row: RolloutPod = {
      name: pod.metadata.name, isNew, movement, status: status.label, health: status.health, ready, readyText: status.ready, restarts: status.restarts,
    };
    if (draft) row.revisionName = draft.name;
    if (pod.spec?.nodeName) row.nodeName = pod.spec.nodeName;
    if (pod.metadata.creationTimestamp) row.createdAt = pod.metadata.creationTimestamp;
    const readySince = condition(pod.status?.conditions, 'Ready')?.lastTransitionTime;
    if (readySince) row.readySince = readySince;
    const problem = ready ? undefined : shortProblem(pod, probeFailures.get(pod.metadata.name));
    if (problem) row.problem = problem;
    podRows.push(row);
    if (draft) revisionPods.get(draft)?.push(row);
    if ((isNew || unknownRevisions) && !terminating(pod)) newPods.push(pod);
  }
  const movementOrder: Record<PodMovement, number> = { 'coming-up': 0, 'going-away': 1, steady: 2 };
  podRows.sort((a, b) => movementOrder[a.movement] - movementOrder[b.movement] || byName(a, b));

  // Revisions with their counts; Deployment counts come from the ReplicaSets' own status.
  const rsByName = new Map((input.replicaSets ?? []).map((rs) => [rs.metadata.name, rs]));
  const revisions: RolloutRevision[] = [];
  for (const d of drafts) {
    const rows = (revisionPods.get(d) ?? []).sort(byName);
    const own = pods.filter((p) => d.owns(p));
    const live = own.filter((p) => !terminating(p));
    const rs = kind === 'Deployment' ? rsByName.get(d.name) : undefined;
    const revision: RolloutRevision = {
      name: d.name, isNew: d.isNew, images: d.images, desired: d.desired,
      current: rs ? rs.status?.replicas ?? 0 : live.length,
      ready: rs ? rs.status?.readyReplicas ?? 0 : live.filter(podReady).length,
      available: rs ? rs.status?.availableReplicas ?? 0 : live.filter((p) => podAvailable(p, minReadySeconds, nowMs)).length,
      terminating: own.length - live.length,
      pods: rows,
    };
    if (d.revision !== undefined) revision.revision = d.revision;
    if (d.hash !== undefined) revision.hash = d.hash;
    if (d.createdAt) revision.createdAt = d.createdAt;
    if (d.changeCause) revision.changeCause = d.changeCause;
    if (revision.isNew || revision.desired > 0 || revision.current > 0 || rows.length > 0) revisions.push(revision);
  }
  revisions.sort((a, b) => Number(b.isNew) - Number(a.isNew) || (b.revision ?? -1) - (a.revision ?? -1) || byName(a, b));

  const conditions = w.status?.conditions ?? [];

  // Phase and stall reason.
  let phase: RolloutPhase;
  let stallReason: StallReason | undefined;
  let recheckAtMs: number | undefined;
  const stall = findStall({ kind, w, newReplicaSet, newPods, drafts, events, probeFailures, nowMs, grace });
  recheckAtMs = stall.recheckAtMs;
  const progressing = condition(conditions, 'Progressing');
  if (kind === 'Deployment' && observed && progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    phase = 'failed';
    const deadline = w.spec?.progressDeadlineSeconds;
    stallReason = {
      code: 'ProgressDeadlineExceeded',
      message: `The rollout made no progress for ${deadline !== undefined ? `${deadline} s` : 'its progress deadline'}: ${progressing.message ?? 'the deadline passed'}`,
      hint: stall.reason
        ? `Fix the cause, then roll out again, or undo to the previous revision. ${stall.reason.hint}`
        : 'Look at the new pods and their events, then roll out again or undo to the previous revision.',
      object: { kind: 'Deployment', name: w.metadata.name },
    };
    if (stall.reason) stallReason.detail = stall.reason.detail ? `${stall.reason.message} ${stall.reason.detail}` : stall.reason.message;
    recheckAtMs = undefined;
  } else if (progress.complete) {
    phase = 'complete';
    recheckAtMs = undefined;
  } else if (paused) {
    phase = 'paused';
  } else if (stall.reason) {
    phase = 'stalled';
    stallReason = stall.reason;
  } else {
    phase = 'progressing';
  }

  const olderRevisions = kind === 'Deployment'
    ? drafts.map((d) => d.revision).filter((r): r is number => r !== undefined)
    : drafts.filter((d) => d.uid !== undefined).map((d) => d.revision).filter((r): r is number => r !== undefined);
  const previousRevision = [...new Set(olderRevisions)].sort((a, b) => b - a)[1];

  const view: RolloutView = {
    kind, name: w.metadata.name, namespace: w.metadata.namespace ?? '', uid: w.metadata.uid, observed, phase,
    summary: phase === 'paused' ? `Paused: ${progress.summary}` : progress.summary,
    paused, strategy: strategyOf(kind, w), counts: countsOf(kind, w), revisions, pods: podRows, conditions,
    events: events.slice(0, MAX_EVENTS).map(({ e }) => toRolloutEvent(e)),
  };
  if (generation !== undefined) view.generation = generation;
  if (observedGeneration !== undefined) view.observedGeneration = observedGeneration;
  if (stallReason) view.stallReason = stallReason;
  if (kind === 'StatefulSet' && partition > 0) view.partition = partition;
  if (previousRevision !== undefined) view.previousRevision = previousRevision;
  if (recheckAtMs !== undefined) view.recheckAtMs = recheckAtMs;
  return view;
}

function strategyOf(kind: RolloutKind, w: RolloutWorkloadJson): string {
  if (kind === 'Deployment') return w.spec?.strategy?.type ?? 'RollingUpdate';
  return w.spec?.updateStrategy?.type ?? 'RollingUpdate';
}

function toRolloutEvent(e: EventJson): RolloutEvent {
  const event: RolloutEvent = {
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: (e.message ?? '').trim(),
    object: { kind: e.involvedObject?.kind ?? '', name: e.involvedObject?.name ?? '' },
    count: e.series?.count ?? e.count ?? 1,
  };
  const seen = eventTime(e);
  if (seen) event.lastSeen = seen;
  return event;
}

interface StallInput {
  kind: RolloutKind;
  w: RolloutWorkloadJson;
  newReplicaSet: ReplicaSetJson | undefined;
  newPods: readonly PodJson[];
  drafts: readonly RevisionDraft[];
  events: readonly { e: EventJson; at: number }[];
  probeFailures: ReadonlyMap<string, string>;
  nowMs: number;
  grace: number;
}

/**
 * The most serious reason the new pods do not come up: pods that cannot be created, image
 * pulls, container configuration, crash loops, scheduling, then readiness failing for longer
 * than the grace (whose end is returned as `recheckAtMs` while it has not passed).
 */
function findStall(input: StallInput): { reason?: StallReason; recheckAtMs?: number } {
  const { kind, w, newReplicaSet, newPods, nowMs, grace } = input;

  // Pods that cannot be created: the ReplicaFailure condition, or a recent FailedCreate event.
  const failure = condition(w.status?.conditions, 'ReplicaFailure') ?? condition(newReplicaSet?.status?.conditions, 'ReplicaFailure');
  if (failure?.status === 'True') {
    const owner = newReplicaSet ? { kind: 'ReplicaSet', name: newReplicaSet.metadata.name } : { kind, name: w.metadata.name };
    return { reason: replicaFailure(owner, failure.message ?? failure.reason ?? 'pod creation failed') };
  }
  const creators = new Set([w.metadata.uid, ...(newReplicaSet ? [newReplicaSet.metadata.uid] : [])]);
  const wanted = kind === 'Deployment' ? newReplicaSet?.spec?.replicas ?? 0 : input.drafts.find((d) => d.isNew)?.desired ?? 0;
  if (newPods.length < wanted) {
    const failedCreate = input.events.find(({ e, at }) => e.type === 'Warning' && e.reason === 'FailedCreate' && nowMs - at <= RECENT_EVENT_MS
      && e.involvedObject?.uid !== undefined && creators.has(e.involvedObject.uid));
    if (failedCreate) {
      const o = failedCreate.e.involvedObject;
      return { reason: replicaFailure({ kind: o?.kind ?? kind, name: o?.name ?? w.metadata.name }, failedCreate.e.message?.trim() ?? 'pod creation failed') };
    }
  }

  let best: StallReason | undefined;
  let recheckAtMs: number | undefined;
  const consider = (reason: StallReason): void => {
    if (!best || rank(reason.code) < rank(best.code)) best = reason;
  };
  for (const pod of [...newPods].sort((a, b) => byName(a.metadata, b.metadata))) {
    const podName = pod.metadata.name;
    const object = { kind: 'Pod', name: podName };
    const problem = containerProblem(pod);
    if (problem) {
      consider(containerStall(problem, object));
      continue;
    }
    const pending = unschedulable(pod);
    if (pending) {
      consider({
        code: 'Unschedulable', object,
        message: `Pod ${podName} cannot be scheduled: ${pending.message}`,
        hint: 'Free or add capacity, or lower the pod\'s requests, node selector, affinity or tolerations so that a node fits.',
      });
      continue;
    }
    const since = unreadySince(pod);
    if (since === undefined) continue;
    if (nowMs - since >= grace) {
      const reason: StallReason = {
        code: 'ReadinessFailing', object,
        message: `Pod ${podName} has been running for ${Math.round((nowMs - since) / 1000)} s without becoming ready`,
        hint: 'Check the readiness probe (path, port, timing) and the container\'s logs.',
      };
      const detail = input.probeFailures.get(podName) ?? condition(pod.status?.conditions, 'Ready')?.message;
      if (detail) reason.detail = detail;
      consider(reason);
    } else {
      recheckAtMs = Math.min(recheckAtMs ?? Infinity, since + grace);
    }
  }
  const result: { reason?: StallReason; recheckAtMs?: number } = {};
  if (best) result.reason = best;
  if (recheckAtMs !== undefined) result.recheckAtMs = recheckAtMs;
  return result;
}

function replicaFailure(object: { kind: string; name: string }, serverMessage: string): StallReason {
  const quota = /quota/i.test(serverMessage);
  return {
    code: 'ReplicaFailure', object,
    message: `${object.kind} ${object.name} cannot create pods: ${serverMessage}`,
    hint: quota
      ? 'Raise the namespace\'s ResourceQuota or lower the pods\' requests, or scale down something else.'
      : 'Fix what the API server refused (admission, quota, ServiceAccount), then the controller retries by itself.',
  };
}

function containerStall(problem: ContainerProblem, object: { kind: string; name: string }): StallReason {
  const said = problem.message ? `: ${problem.message}` : '';
  switch (problem.code) {
    case 'ImagePull':
      return {
        code: 'ImagePull', object,
        message: `Pod ${object.name} cannot pull image ${problem.image ? `"${problem.image}"` : `of container ${problem.container}`} (${problem.reason})${said}`,
        hint: 'Check the image name and tag, that it was pushed, and the pull secret for a private registry; then set the image again or undo.',
      };
    case 'ContainerConfig':
      return {
        code: 'ContainerConfig', object,
        message: `Container ${problem.container} of pod ${object.name} cannot start (${problem.reason})${said}`,
        hint: 'Check the ConfigMaps, Secrets and volumes the container refers to, and its command.',
      };
    case 'CrashLoop':
      return {
        code: 'CrashLoop', object,
        message: `Container ${problem.container} of pod ${object.name} keeps crashing (restarted ${problem.restarts} ${plural(problem.restarts, 'time')}${problem.lastExit ? `, last exit: ${problem.lastExit}` : ''})`,
        hint: 'Open the container\'s previous logs to see why it exits; then set a fixed image or undo.',
      };
  }
}

// ---- history -------------------------------------------------------------------------------

export interface RolloutHistoryEntry {
  revision: number;
  /** ReplicaSet or ControllerRevision name. */
  name: string;
  images: RolloutImage[];
  changeCause?: string;
  createdAt?: string;
  /** The revision the workload's template is at now. */
  current: boolean;
}

/** `kubectl rollout history deployment/x`: the owned ReplicaSets that carry a revision, oldest first. */
export function rolloutHistory(deployment: RolloutWorkloadJson, replicaSets: readonly ReplicaSetJson[]): RolloutHistoryEntry[] {
  const owned = replicaSets.filter((rs) => ownedByUid(rs.metadata, deployment.metadata.uid));
  const current = findNewReplicaSet(deployment, owned);
  const entries: RolloutHistoryEntry[] = [];
  for (const rs of owned) {
    const revision = parseRevision(rs.metadata.annotations?.[REVISION_ANNOTATION]);
    if (revision === undefined) continue;
    const entry: RolloutHistoryEntry = { revision, name: rs.metadata.name, images: templateImages(rs.spec?.template), current: rs === current };
    const cause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (cause) entry.changeCause = cause;
    if (rs.metadata.creationTimestamp) entry.createdAt = rs.metadata.creationTimestamp;
    entries.push(entry);
  }
  return entries.sort((a, b) => a.revision - b.revision);
}

/** The history of a StatefulSet or DaemonSet from its ControllerRevisions, oldest first. */
export function controllerRevisionHistory(kind: 'StatefulSet' | 'DaemonSet', workload: RolloutWorkloadJson, revisions: readonly ControllerRevisionJson[]): RolloutHistoryEntry[] {
  const owned = revisions.filter((cr) => ownedByUid(cr.metadata, workload.metadata.uid));
  const newest = owned.reduce<ControllerRevisionJson | undefined>((top, cr) => (!top || cr.revision > top.revision ? cr : top), undefined);
  const currentName = kind === 'StatefulSet' ? workload.status?.updateRevision ?? newest?.metadata.name : newest?.metadata.name;
  return owned.map((cr) => {
    const entry: RolloutHistoryEntry = { revision: cr.revision, name: cr.metadata.name, images: templateImages(cr.data?.spec?.template), current: cr.metadata.name === currentName };
    const cause = cr.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (cause) entry.changeCause = cause;
    if (cr.metadata.creationTimestamp) entry.createdAt = cr.metadata.creationTimestamp;
    return entry;
  }).sort((a, b) => a.revision - b.revision);
}

// ---- patches -------------------------------------------------------------------------------

/** A patch and the Content-Type it is sent with. */
export interface RolloutPatch {
  type: 'strategic' | 'merge' | 'json';
  patch: unknown;
}

/**
 * Why an image reference cannot be set, or undefined when it looks valid: empty, whitespace or
 * control characters, upper case in the repository part, or a malformed digest.
 */
export function imageReferenceProblem(image: string): string | undefined {
  if (!image) return 'The image is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(image)) return `The image "${image}" contains spaces or control characters`;
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  if (digest !== undefined && !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/.test(digest)) return `The digest "${digest}" is not algorithm:hex`;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const repository = colon >= 0 ? name.slice(0, colon) : name;
  const tag = colon >= 0 ? name.slice(colon + 1) : undefined;
  // The registry host (first part, when it has a dot, a colon or is localhost) may have upper case and a port.
  const parts = repository.split('/');
  const first = parts[0] ?? '';
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const path = hasHost ? parts.slice(1) : parts;
  if (path.length === 0 || path.some((p) => !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(p))) return `The repository "${repository}" is not a valid image name (lower case letters, digits, . _ - and /)`;
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) return `The tag "${tag}" is not valid (letters, digits, _ . -, at most 128)`;
  return undefined;
}

/**
 * `kubectl set image`: a strategic merge patch that sets one container's image (matched by
 * name). CronJobs patch the job template; Pods their own spec. Throws a RangeError for an
 * invalid image reference or an empty container name.
 */
export function setImagePatch(kind: WorkloadKind | 'Pod', containerName: string, image: string, options: { init?: boolean } = {}): RolloutPatch {
  if (!containerName) throw new RangeError('The container name is empty');
  const problem = imageReferenceProblem(image);
  if (problem) throw new RangeError(problem);
  const list = { [options.init ? 'initContainers' : 'containers']: [{ name: containerName, image }] };
  if (kind === 'Pod') return { type: 'strategic', patch: { spec: list } };
  if (kind === 'CronJob') return { type: 'strategic', patch: { spec: { jobTemplate: { spec: { template: { spec: list } } } } } };
  return { type: 'strategic', patch: { spec: { template: { spec: list } } } };
}

/**
 * `kubectl rollout restart`: the `kubectl.kubernetes.io/restartedAt` annotation on the pod
 * template, which makes a new revision. `nowIso` is written at second precision, as kubectl's
 * RFC 3339 format has no fraction.
 */
export function restartPatch(nowIso: string): RolloutPatch {
  const at = nowIso.replace(/\.\d+(?=Z|[+-]\d{2}:\d{2}$)/, '');
  return { type: 'strategic', patch: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } } } } } };
}

/** `kubectl rollout pause` / `resume` (Deployments only). */
export function pausePatch(paused: boolean): RolloutPatch {
  return { type: 'strategic', patch: { spec: { paused } } };
}

/** `kubectl scale`: spec.replicas as a merge patch. Throws a RangeError for a negative or fractional count. */
export function scalePatch(replicas: number): RolloutPatch {
  if (!Number.isInteger(replicas) || replicas < 0) throw new RangeError(`Replicas must be a whole number of 0 or more, not ${String(replicas)}`);
  return { type: 'merge', patch: { spec: { replicas } } };
}

/** Annotations kubectl keeps from the Deployment (never copied from the ReplicaSet) on rollback. */
const ROLLBACK_KEPT_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export type UndoPlan =
  | { action: 'patch'; revision?: number; patch: RolloutPatch }
  /** The workload's template already is that revision's. */
  | { action: 'skip'; message: string }
  /** kubectl refuses too (a paused Deployment, a revision that does not exist). */
  | { action: 'refuse'; message: string };

/**
 * The ReplicaSet `kubectl rollout undo --to-revision` goes back to: the one with that revision,
 * or for 0/undefined the second newest revision. A string explains when there is none.
 */
export function findUndoTarget(deployment: RolloutWorkloadJson, replicaSets: readonly ReplicaSetJson[], toRevision?: number): ReplicaSetJson | string {
  if (toRevision !== undefined && (!Number.isInteger(toRevision) || toRevision < 0)) return `Unable to find revision ${String(toRevision)} in the history`;
  const owned = replicaSets
    .filter((rs) => ownedByUid(rs.metadata, deployment.metadata.uid))
    .map((rs) => ({ rs, revision: parseRevision(rs.metadata.annotations?.[REVISION_ANNOTATION]) }))
    .filter((x): x is { rs: ReplicaSetJson; revision: number } => x.revision !== undefined);
  if (toRevision) return owned.find((x) => x.revision === toRevision)?.rs ?? `Unable to find revision ${toRevision} in the history of Deployment ${deployment.metadata.name}`;
  owned.sort((a, b) => b.revision - a.revision);
  return owned[1]?.rs ?? `Deployment ${deployment.metadata.name} has no earlier revision to go back to`;
}

/**
 * `kubectl rollout undo` of a Deployment to `target`: a JSON patch that replaces the pod
 * template with the ReplicaSet's (without its `pod-template-hash` label) and the annotations
 * with the Deployment's revision bookkeeping plus the ReplicaSet's other annotations (its
 * change-cause among them). Refused for a paused Deployment; skipped when the template
 * already matches.
 */
export function undoPatch(deployment: RolloutWorkloadJson, target: ReplicaSetJson): UndoPlan {
  const revision = parseRevision(target.metadata.annotations?.[REVISION_ANNOTATION]);
  const named = revision !== undefined ? `revision ${revision}` : `ReplicaSet ${target.metadata.name}`;
  if (deployment.spec?.paused) {
    return { action: 'refuse', message: `Deployment ${deployment.metadata.name} is paused: resume it before going back to ${named}` };
  }
  if (sameTemplate(target.spec?.template, deployment.spec?.template)) {
    return { action: 'skip', message: `Deployment ${deployment.metadata.name} already runs the template of ${named}` };
  }
  const template = withoutLabel(structuredClone(target.spec?.template ?? {}), POD_TEMPLATE_HASH_LABEL);
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment.metadata.annotations ?? {})) if (ROLLBACK_KEPT_ANNOTATIONS.has(key)) annotations[key] = value;
  for (const [key, value] of Object.entries(target.metadata.annotations ?? {})) if (!ROLLBACK_KEPT_ANNOTATIONS.has(key)) annotations[key] = value;
  const plan: UndoPlan = {
    action: 'patch',
    patch: {
      type: 'json',
      patch: [
        { op: 'replace', path: '/spec/template', value: template },
        { op: 'replace', path: '/metadata/annotations', value: annotations },
      ],
    },
  };
  if (revision !== undefined) plan.revision = revision;
  return plan;
}

/**
 * `kubectl rollout undo` of a StatefulSet or DaemonSet: the ControllerRevision's data, which is
 * a strategic merge patch replacing the template. `toRevision` 0/undefined means the second
 * newest revision.
 */
export function undoControllerRevisionPatch(workload: RolloutWorkloadJson, revisions: readonly ControllerRevisionJson[], toRevision?: number): UndoPlan {
  const owned = revisions.filter((cr) => ownedByUid(cr.metadata, workload.metadata.uid)).sort((a, b) => b.revision - a.revision);
  let target: ControllerRevisionJson | undefined;
  if (toRevision) target = owned.find((cr) => cr.revision === toRevision);
  else target = owned[1];
  if (!target) {
    return { action: 'refuse', message: toRevision ? `Unable to find revision ${toRevision} in the history of ${workload.metadata.name}` : `${workload.metadata.name} has no earlier revision to go back to` };
  }
  const saved = target.data?.spec?.template;
  if (!saved) return { action: 'refuse', message: `Revision ${target.revision} of ${workload.metadata.name} holds no pod template` };
  const template: Record<string, unknown> = { ...saved };
  delete template.$patch;
  if (sameTemplate(template, workload.spec?.template)) {
    return { action: 'skip', message: `${workload.metadata.name} already runs the template of revision ${target.revision}` };
  }
  return { action: 'patch', revision: target.revision, patch: { type: 'strategic', patch: target.data } };
}

export type RolloutAction = 'setImage' | 'restart' | 'pause' | 'resume' | 'scale' | 'undo';

/** Why kubectl would refuse `action` on this workload, or undefined when it is allowed. */
export function rolloutActionBlocker(kind: RolloutKind, workload: RolloutWorkloadJson, action: RolloutAction): string | undefined {
  const name = `${kind} ${workload.metadata.name}`;
  const paused = workload.spec?.paused === true;
  switch (action) {
    case 'pause':
    case 'resume':
      if (kind !== 'Deployment') return `${name} cannot be paused: only Deployments can`;
      if (action === 'pause' && paused) return `${name} is already paused`;
      if (action === 'resume' && !paused) return `${name} is not paused`;
      return undefined;
    case 'restart':
      return kind === 'Deployment' && paused ? `${name} is paused: resume it before restarting` : undefined;
    case 'undo':
      return kind === 'Deployment' && paused ? `${name} is paused: resume it before undoing` : undefined;
    case 'scale':
      return kind === 'DaemonSet' ? `${name} runs one pod per node and cannot be scaled` : undefined;
    case 'setImage':
      return workload.spec?.template?.spec?.containers?.length ? undefined : `${name} has no containers in its template`;
  }
}
