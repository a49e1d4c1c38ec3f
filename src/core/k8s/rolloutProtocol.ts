// Messages between the live rollout view's host (extension host) and its webview. Both
// directions are validated: the webview is untrusted input (T33), and the webview refuses a
// host message that does not match exactly rather than drawing half of it. The view on the
// wire is a flat, display-ready projection of the rollout (strings already formatted), so
// that the webview needs no Kubernetes knowledge and every field has a known type and size.

/** Where a rollout stands. `stalled`: no progress (deadline exceeded, pods that cannot start); `failed`: the controller gave up (ReplicaFailure) or the workload is gone. */
export type WirePhase = 'progressing' | 'complete' | 'stalled' | 'paused' | 'failed';

/** Coarse health of a pod, for its colour (the same words as core/kube/podStatus). */
export type WireHealth = 'ok' | 'progressing' | 'warning' | 'error' | 'done' | 'terminating' | 'unknown';

/** The workload kinds that roll out. */
export type RolloutKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** One revision: a ReplicaSet of a Deployment, or a ControllerRevision of a StatefulSet/DaemonSet. */
export interface WireRevision {
  /** Revision number (`deployment.kubernetes.io/revision`, or the ControllerRevision's `revision`); 0 when unknown. */
  revision: number;
  /** ReplicaSet or ControllerRevision name. */
  name: string;
  /** `new`: what the workload rolls towards; `old`: what it rolls away from. */
  role: 'new' | 'old';
  /** Container images of this revision's pod template, `container=image`. */
  images: string[];
  desired: number;
  /** Pods of this revision (created, not necessarily ready). */
  current: number;
  ready: number;
  available: number;
}

/** A pod of the workload; `direction` says whether it belongs to the revision coming up or going away. */
export interface WirePod {
  name: string;
  /** Revision the pod belongs to; 0 when unknown. */
  revision: number;
  direction: 'coming' | 'going' | 'steady';
  /** kubectl's STATUS column (Running, ContainerCreating, ImagePullBackOff, Terminating...). */
  status: string;
  health: WireHealth;
  /** `1/2` ready containers. */
  ready: string;
  restarts: number;
  /** `45s`, `3m`: kubectl's age style. */
  age: string;
  /** Why it is not ready (a waiting reason's message, a scheduling failure), when known. */
  message?: string;
}

export interface WireCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  /** Since the last transition, kubectl style. */
  age?: string;
}

/** A recent event of the workload, its revisions or its pods. */
export interface WireEvent {
  /** Normal or Warning. */
  type: string;
  reason: string;
  /** `Pod/web-1`. */
  object: string;
  message: string;
  count: number;
  /** Since it was last seen, kubectl style; empty when unknown. */
  age: string;
}

/** Why the rollout does not progress: shown as the banner. */
export interface WireStall {
  /** Short reason: ProgressDeadlineExceeded, Unschedulable, ImagePullBackOff, ReadinessProbeFailing... */
  reason: string;
  /** What the server said (sanitised). */
  message: string;
  /** What to try. */
  hint?: string;
}

/** The revision Undo goes back to. */
export interface WireUndoTarget {
  revision: number;
  images: string[];
}

export interface WireRollout {
  kind: RolloutKind;
  name: string;
  namespace: string;
  context: string;
  phase: WirePhase;
  /** One line: "2 of 3 pods updated, 1 ready". */
  summary: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  paused: boolean;
  revisions: WireRevision[];
  pods: WirePod[];
  /** Pods not sent because of {@link MAX_WIRE_PODS}. */
  podsNotShown: number;
  conditions: WireCondition[];
  /** Newest first. */
  events: WireEvent[];
  stall?: WireStall;
  undo?: WireUndoTarget;
}

/** How the watch behind the view is doing. */
export type WireWatchState = 'connecting' | 'watching' | 'reconnecting' | 'failed' | 'stopped';

/** Actions the view's buttons ask for (the host confirms where needed). */
export type RolloutButtonAction = 'pause' | 'resume' | 'restart';

export type RolloutHostMessage =
  | { type: 'init'; title: string }
  | { type: 'view'; view: WireRollout }
  | { type: 'watch'; state: WireWatchState; detail?: string }
  | { type: 'busy'; busy: boolean; text?: string };

export type RolloutWebviewMessage =
  | { type: 'ready' }
  | { type: 'undo'; revision: number }
  | { type: 'showLogs' }
  | { type: 'action'; action: RolloutButtonAction };

/** Pods sent per view; a bigger rollout says how many more there are. */
export const MAX_WIRE_PODS = 500;
/** Revisions and conditions sent per view. */
export const MAX_WIRE_REVISIONS = 50;
export const MAX_WIRE_CONDITIONS = 20;
export const MAX_WIRE_EVENTS = 20;
/** Images per revision. */
export const MAX_WIRE_IMAGES = 20;
/** Any one string on the wire (names are shorter; messages are capped). */
export const MAX_WIRE_TEXT = 2000;
/** The largest revision number accepted (Kubernetes stores it as an int64 string; 2^53 is plenty). */
export const MAX_REVISION = Number.MAX_SAFE_INTEGER;

const PHASES: readonly string[] = ['progressing', 'complete', 'stalled', 'paused', 'failed'];
const HEALTHS: readonly string[] = ['ok', 'progressing', 'warning', 'error', 'done', 'terminating', 'unknown'];
const KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet'];
const WATCH_STATES: readonly string[] = ['connecting', 'watching', 'reconnecting', 'failed', 'stopped'];
const BUTTON_ACTIONS: readonly string[] = ['pause', 'resume', 'restart'];
const DIRECTIONS: readonly string[] = ['coming', 'going', 'steady'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key));
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_WIRE_TEXT;
}

function isOptionalText(value: unknown): value is string | undefined {
  return value === undefined || isText(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_REVISION;
}

function isOneOf(value: unknown, allowed: readonly string[]): value is string {
  return typeof value === 'string' && allowed.includes(value);
}

function isTextList(value: unknown, max: number): value is string[] {
  return Array.isArray(value) && value.length <= max && value.every(isText);
}

function listOf<T>(value: unknown, max: number, parse: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value) || value.length > max) return undefined;
  const out: T[] = [];
  for (const item of value) {
    const parsed = parse(item);
    if (parsed === undefined) return undefined;
    out.push(parsed);
  }
  return out;
}

function parseRevision(raw: unknown): WireRevision | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['revision', 'name', 'role', 'images', 'desired', 'current', 'ready', 'available'])) return undefined;
  const { revision, name, role, images, desired, current, ready, available } = raw;
  if (!isCount(revision) || !isText(name) || (role !== 'new' && role !== 'old') || !isTextList(images, MAX_WIRE_IMAGES)) return undefined;
  if (!isCount(desired) || !isCount(current) || !isCount(ready) || !isCount(available)) return undefined;
  return { revision, name, role, images: [...images], desired, current, ready, available };
}

function parsePod(raw: unknown): WirePod | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['name', 'revision', 'direction', 'status', 'health', 'ready', 'restarts', 'age', 'message'])) return undefined;
  const { name, revision, direction, status, health, ready, restarts, age, message } = raw;
  if (!isText(name) || !isCount(revision) || !isOneOf(direction, DIRECTIONS) || !isText(status) || !isOneOf(health, HEALTHS)) return undefined;
  if (!isText(ready) || !isCount(restarts) || !isText(age) || !isOptionalText(message)) return undefined;
  const pod: WirePod = { name, revision, direction: direction as WirePod['direction'], status, health: health as WireHealth, ready, restarts, age };
  if (message !== undefined) pod.message = message;
  return pod;
}

function parseCondition(raw: unknown): WireCondition | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['type', 'status', 'reason', 'message', 'age'])) return undefined;
  const { type, status, reason, message, age } = raw;
  if (!isText(type) || !isText(status) || !isOptionalText(reason) || !isOptionalText(message) || !isOptionalText(age)) return undefined;
  const condition: WireCondition = { type, status };
  if (reason !== undefined) condition.reason = reason;
  if (message !== undefined) condition.message = message;
  if (age !== undefined) condition.age = age;
  return condition;
}

function parseEvent(raw: unknown): WireEvent | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['type', 'reason', 'object', 'message', 'count', 'age'])) return undefined;
  const { type, reason, object, message, count, age } = raw;
  if (!isText(type) || !isText(reason) || !isText(object) || !isText(message) || !isCount(count) || !isText(age)) return undefined;
  return { type, reason, object, message, count, age };
}

function parseStall(raw: unknown): WireStall | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['reason', 'message', 'hint'])) return undefined;
  const { reason, message, hint } = raw;
  if (!isText(reason) || reason === '' || !isText(message) || !isOptionalText(hint)) return undefined;
  const stall: WireStall = { reason, message };
  if (hint !== undefined) stall.hint = hint;
  return stall;
}

function parseUndo(raw: unknown): WireUndoTarget | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['revision', 'images'])) return undefined;
  const { revision, images } = raw;
  if (!isCount(revision) || revision < 1 || !isTextList(images, MAX_WIRE_IMAGES)) return undefined;
  return { revision, images: [...images] };
}

const VIEW_KEYS = ['kind', 'name', 'namespace', 'context', 'phase', 'summary', 'desired', 'updated', 'ready', 'available', 'paused', 'revisions', 'pods', 'podsNotShown', 'conditions', 'events', 'stall', 'undo'];

/** A complete view if `raw` is exactly one; undefined otherwise (nothing is half-applied). */
export function parseWireRollout(raw: unknown): WireRollout | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, VIEW_KEYS)) return undefined;
  const { kind, name, namespace, context, phase, summary, desired, updated, ready, available, paused } = raw;
  if (!isOneOf(kind, KINDS) || !isText(name) || !isText(namespace) || !isText(context) || !isOneOf(phase, PHASES) || !isText(summary)) return undefined;
  if (!isCount(desired) || !isCount(updated) || !isCount(ready) || !isCount(available) || typeof paused !== 'boolean' || !isCount(raw.podsNotShown)) return undefined;
  const revisions = listOf(raw.revisions, MAX_WIRE_REVISIONS, parseRevision);
  const pods = listOf(raw.pods, MAX_WIRE_PODS, parsePod);
  const conditions = listOf(raw.conditions, MAX_WIRE_CONDITIONS, parseCondition);
  const events = listOf(raw.events, MAX_WIRE_EVENTS, parseEvent);
  if (!revisions || !pods || !conditions || !events) return undefined;
  const view: WireRollout = {
    kind: kind as RolloutKind, name, namespace, context, phase: phase as WirePhase, summary,
    desired, updated, ready, available, paused, revisions, pods, podsNotShown: raw.podsNotShown, conditions, events,
  };
  if (raw.stall !== undefined) {
    const stall = parseStall(raw.stall);
    if (!stall) return undefined;
    view.stall = stall;
  }
  if (raw.undo !== undefined) {
    const undo = parseUndo(raw.undo);
    if (!undo) return undefined;
    view.undo = undo;
  }
  return view;
}

/** The host's message if it is exactly one of the known shapes (the webview's side of the check). */
export function parseRolloutHostMessage(raw: unknown): RolloutHostMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'init':
      return hasOnlyKeys(raw, ['type', 'title']) && isText(raw.title) ? { type: 'init', title: raw.title } : undefined;
    case 'view': {
      if (!hasOnlyKeys(raw, ['type', 'view'])) return undefined;
      const view = parseWireRollout(raw.view);
      return view ? { type: 'view', view } : undefined;
    }
    case 'watch': {
      if (!hasOnlyKeys(raw, ['type', 'state', 'detail']) || !isOneOf(raw.state, WATCH_STATES) || !isOptionalText(raw.detail)) return undefined;
      const message: RolloutHostMessage = { type: 'watch', state: raw.state as WireWatchState };
      if (raw.detail !== undefined) message.detail = raw.detail;
      return message;
    }
    case 'busy': {
      if (!hasOnlyKeys(raw, ['type', 'busy', 'text']) || typeof raw.busy !== 'boolean' || !isOptionalText(raw.text)) return undefined;
      const message: RolloutHostMessage = { type: 'busy', busy: raw.busy };
      if (raw.text !== undefined) message.text = raw.text;
      return message;
    }
    default:
      return undefined;
  }
}

/** The webview's message if it is exactly one of the known shapes (the host's side of the check). */
export function parseRolloutWebviewMessage(raw: unknown): RolloutWebviewMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'ready':
    case 'showLogs':
      return hasOnlyKeys(raw, ['type']) ? { type: raw.type } : undefined;
    case 'undo':
      return hasOnlyKeys(raw, ['type', 'revision']) && isCount(raw.revision) && raw.revision >= 1 ? { type: 'undo', revision: raw.revision } : undefined;
    case 'action':
      return hasOnlyKeys(raw, ['type', 'action']) && isOneOf(raw.action, BUTTON_ACTIONS) ? { type: 'action', action: raw.action as RolloutButtonAction } : undefined;
    default:
      return undefined;
  }
}
