// The live rollout view's host logic without the editor: each RolloutView the watcher emits
// becomes one display-ready wire view, posts are coalesced (at most one per 50 ms, never later
// than 50 ms after the event that caused them), a webview that reloads gets the latest view
// again, and the webview's messages are checked before anything acts on them. No `vscode`
// import, so unit tests drive it with a fake clock in plain Node.
import { formatAge } from '../../core/kube/age';
import type { RolloutView } from '../../core/k8s/rollout';
import {
  MAX_WIRE_CONDITIONS,
  MAX_WIRE_EVENTS,
  MAX_WIRE_IMAGES,
  MAX_WIRE_PODS,
  MAX_WIRE_REVISIONS,
  MAX_WIRE_TEXT,
  parseRolloutWebviewMessage,
} from '../../core/k8s/rolloutProtocol';
import type {
  RolloutHostMessage, RolloutWebviewMessage, WireHealth, WirePod, WireRollout, WireStall, WireWatchState,
} from '../../core/k8s/rolloutProtocol';

/** Posts are at most this far apart while views keep coming, and a view waits at most this long. */
export const VIEW_DEBOUNCE_MS = 50;

export interface SessionTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds, monotonic (performance.now()). */
  now(): number;
  /** Epoch milliseconds, for ages. */
  wallClock(): number;
}

export const realTimers: SessionTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => { clearTimeout(handle as ReturnType<typeof setTimeout>); },
  now: () => performance.now(),
  wallClock: () => Date.now(),
};

/** What `berth.internal.rolloutStats` returns for the most recent view. */
export interface RolloutSessionStats {
  /** `Deployment shop/web in berth-sandbox`. */
  target: string;
  /** Views posted to the webview. */
  views: number;
  /** From the arrival of the watch event behind the last posted view to its postMessage, in ms. */
  lastViewLatencyMs: number | undefined;
  phase: RolloutView['phase'] | undefined;
  /** The stall code (ProgressDeadlineExceeded, ImagePull, Unschedulable...) of the last view, if stalled. */
  stallReason: string | undefined;
  /** The last stall's message, for scenarios that assert on it. */
  stallMessage: string | undefined;
  /** How the watch is doing. */
  watch: WireWatchState;
  /** The last view's one-line summary. */
  summary: string | undefined;
  /** The revision the view's Undo goes to. */
  undoRevision: number | undefined;
}

/** Labels of the stall codes on the banner. */
const STALL_LABELS: Record<string, string> = {
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  ReplicaFailure: 'Pods cannot be created',
  ImagePull: 'Image pull error',
  ContainerConfig: 'Container cannot start',
  CrashLoop: 'CrashLoopBackOff',
  Unschedulable: 'Unschedulable',
  ReadinessFailing: 'Readiness probe failing',
};

// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Server text made safe to show: control and bidi characters removed, capped at the wire's limit. */
export function cleanText(text: string, max = MAX_WIRE_TEXT): string {
  const cleaned = text.replace(UNSAFE_CHARACTERS, '');
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}

function ageOf(iso: string | undefined, nowMs: number): string {
  return iso ? formatAge(iso, nowMs) : '';
}

const HEALTHS = new Set<WireHealth>(['ok', 'progressing', 'warning', 'error', 'done', 'terminating', 'unknown']);

/**
 * The wire view of a RolloutView: formatted, capped and cleaned. `undoImages` are the images of
 * the revision Undo goes to, when the caller knows them from the history (the view only lists
 * revisions that still have pods).
 */
export function toWireView(view: RolloutView, contextName: string, nowMs: number, undoImages?: readonly string[]): WireRollout {
  const revisionNumbers = new Map(view.revisions.map((r) => [r.name, r.revision ?? 0]));
  const pods: WirePod[] = view.pods.slice(0, MAX_WIRE_PODS).map((p) => {
    const pod: WirePod = {
      name: cleanText(p.name),
      revision: p.revisionName !== undefined ? revisionNumbers.get(p.revisionName) ?? 0 : 0,
      direction: p.movement === 'coming-up' ? 'coming' : p.movement === 'going-away' ? 'going' : 'steady',
      status: cleanText(p.status),
      health: HEALTHS.has(p.health) ? p.health : 'unknown',
      ready: cleanText(p.readyText),
      restarts: Math.max(0, Math.trunc(p.restarts)),
      age: ageOf(p.createdAt, nowMs),
    };
    if (p.problem) pod.message = cleanText(p.problem);
    return pod;
  });
  const wire: WireRollout = {
    kind: view.kind,
    name: cleanText(view.name),
    namespace: cleanText(view.namespace),
    context: cleanText(contextName),
    phase: view.phase,
    summary: cleanText(view.summary),
    desired: count(view.counts.desired),
    updated: count(view.counts.updated),
    ready: count(view.counts.ready),
    available: count(view.counts.available),
    paused: view.paused,
    revisions: view.revisions.slice(0, MAX_WIRE_REVISIONS).map((r) => ({
      revision: count(r.revision ?? 0),
      name: cleanText(r.name),
      role: r.isNew ? 'new' as const : 'old' as const,
      images: r.images.slice(0, MAX_WIRE_IMAGES).map((i) => cleanText(`${i.container}=${i.image}${i.init ? ' (init)' : ''}`)),
      desired: count(r.desired),
      current: count(r.current),
      ready: count(r.ready),
      available: count(r.available),
    })),
    pods,
    podsNotShown: Math.max(0, view.pods.length - pods.length),
    conditions: view.conditions.slice(0, MAX_WIRE_CONDITIONS).map((c) => {
      const condition: WireRollout['conditions'][number] = { type: cleanText(c.type), status: cleanText(c.status) };
      if (c.reason) condition.reason = cleanText(c.reason);
      if (c.message) condition.message = cleanText(c.message);
      const age = ageOf(c.lastTransitionTime ?? c.lastUpdateTime, nowMs);
      if (age) condition.age = age;
      return condition;
    }),
    events: view.events.slice(0, MAX_WIRE_EVENTS).map((e) => ({
      type: cleanText(e.type),
      reason: cleanText(e.reason),
      object: cleanText(e.object.kind ? `${e.object.kind}/${e.object.name}` : e.object.name),
      message: cleanText(e.message),
      count: count(e.count),
      age: ageOf(e.lastSeen, nowMs),
    })),
  };
  const stall = view.stallReason;
  if (stall) {
    const banner: WireStall = {
      reason: STALL_LABELS[stall.code] ?? cleanText(stall.code),
      message: cleanText(stall.detail ? `${stall.message}\n${stall.detail}` : stall.message),
    };
    if (stall.hint) banner.hint = cleanText(stall.hint);
    wire.stall = banner;
  }
  if (view.previousRevision !== undefined && view.previousRevision >= 1) {
    const known = view.revisions.find((r) => r.revision === view.previousRevision);
    const images = undoImages ?? known?.images.map((i) => `${i.container}=${i.image}`) ?? [];
    wire.undo = { revision: view.previousRevision, images: images.slice(0, MAX_WIRE_IMAGES).map((i) => cleanText(i)) };
  }
  return wire;
}

function count(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : 0;
}

/** The webview's message if valid; otherwise the reason, for the log. */
export function acceptRolloutMessage(raw: unknown): { ok: true; message: RolloutWebviewMessage } | { ok: false; reason: string } {
  const message = parseRolloutWebviewMessage(raw);
  if (message) return { ok: true, message };
  const type = typeof raw === 'object' && raw !== null && 'type' in raw ? String(raw.type).slice(0, 40) : typeof raw;
  return { ok: false, reason: `not a valid rollout view message (type ${JSON.stringify(type)})` };
}

export interface RolloutSessionOptions {
  /** `Deployment shop/web in berth-sandbox`. */
  target: string;
  contextName: string;
  title: string;
  post: (message: RolloutHostMessage) => void;
  timers?: SessionTimers;
}

/**
 * Turns watcher views into posts. `view(v, arrivedAt)` may be called for every watch event;
 * the webview gets the newest view at most every {@link VIEW_DEBOUNCE_MS}, and the first view
 * after a quiet period at once.
 */
export class RolloutSession {
  private readonly timers: SessionTimers;
  private latest: RolloutView | undefined;
  private latestWire: WireRollout | undefined;
  /** Arrival (timers.now()) of the oldest event not posted yet. */
  private pendingSince: number | undefined;
  private timer: unknown;
  private lastPostAt = Number.NEGATIVE_INFINITY;
  private ready = false;
  private disposed = false;
  private undoImages: string[] | undefined;
  private undoImagesRevision: number | undefined;
  private watchState: WireWatchState = 'connecting';
  private watchDetail: string | undefined;
  private busyText: string | undefined;
  private posted = 0;
  private lastLatency: number | undefined;

  constructor(private readonly options: RolloutSessionOptions) {
    this.timers = options.timers ?? realTimers;
  }

  /** The newest view from the watcher; `arrivedAt` is when the watch event behind it arrived (timers.now()). */
  view(view: RolloutView, arrivedAt = this.timers.now()): void {
    if (this.disposed) return;
    this.latest = view;
    this.pendingSince = this.pendingSince === undefined ? arrivedAt : Math.min(this.pendingSince, arrivedAt);
    if (!this.ready) return;
    this.schedule();
  }

  /** The images of the revision Undo goes to, from the rollout history. */
  setUndoImages(revision: number, images: readonly string[]): void {
    this.undoImagesRevision = revision;
    this.undoImages = [...images];
    if (this.latest && this.ready && this.latest.previousRevision === revision) this.schedule();
  }

  /** The revision the latest view's Undo goes to. */
  get undoRevision(): number | undefined {
    return this.latest?.previousRevision;
  }

  get currentView(): RolloutView | undefined {
    return this.latest;
  }

  watch(state: WireWatchState, detail?: string): void {
    if (this.disposed) return;
    this.watchState = state;
    this.watchDetail = detail === undefined ? undefined : cleanText(detail, 500);
    if (this.ready) this.postWatch();
  }

  /** A host action is running (buttons are disabled meanwhile); undefined when done. */
  busy(text: string | undefined): void {
    if (this.disposed) return;
    this.busyText = text;
    if (this.ready) this.options.post(text === undefined ? { type: 'busy', busy: false } : { type: 'busy', busy: true, text: cleanText(text, 200) });
  }

  /** The webview (re)loaded: it gets the title, the watch state, and the newest view at once. */
  webviewReady(): void {
    if (this.disposed) return;
    this.ready = true;
    this.options.post({ type: 'init', title: cleanText(this.options.title, 200) });
    this.postWatch();
    if (this.busyText !== undefined) this.options.post({ type: 'busy', busy: true, text: cleanText(this.busyText, 200) });
    if (this.latest) {
      this.cancelTimer();
      this.flush();
    }
  }

  /** The webview was destroyed (hidden without retained context): hold posts until it is ready again. */
  webviewGone(): void {
    this.ready = false;
    this.cancelTimer();
  }

  stats(): RolloutSessionStats {
    const stall = this.latest?.stallReason;
    return {
      target: this.options.target,
      views: this.posted,
      lastViewLatencyMs: this.lastLatency,
      phase: this.latest?.phase,
      stallReason: stall?.code,
      stallMessage: stall?.message,
      watch: this.watchState,
      summary: this.latest?.summary,
      undoRevision: this.latest?.previousRevision,
    };
  }

  /** The last wire view posted (tests and the internal stats). */
  get lastWire(): WireRollout | undefined {
    return this.latestWire;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
  }

  private postWatch(): void {
    this.options.post(this.watchDetail === undefined ? { type: 'watch', state: this.watchState } : { type: 'watch', state: this.watchState, detail: this.watchDetail });
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastPostAt + VIEW_DEBOUNCE_MS - this.timers.now());
    if (wait === 0) {
      this.flush();
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    const view = this.latest;
    if (!view || this.disposed || !this.ready) return;
    const undoImages = this.undoImagesRevision !== undefined && this.undoImagesRevision === view.previousRevision ? this.undoImages : undefined;
    const wire = toWireView(view, this.options.contextName, this.timers.wallClock(), undoImages);
    this.latestWire = wire;
    this.options.post({ type: 'view', view: wire });
    const now = this.timers.now();
    this.lastPostAt = now;
    this.posted += 1;
    if (this.pendingSince !== undefined) this.lastLatency = now - this.pendingSince;
    this.pendingSince = undefined;
  }
}
