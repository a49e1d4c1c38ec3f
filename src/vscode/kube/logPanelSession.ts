// The log panel's host-side state, without `vscode`: the streams of one panel, the capped
// buffer kept for replay and "save", batching to the webview, pause with a count of waiting
// lines, and the figures the e2e scenarios read. logPanel.ts wires it to a WebviewPanel; the
// unit tests drive it with a fake driver and fake timers.
import type { LogLine } from '../../clients/kube/api';
import type { KubeFailure } from '../../core/kube/types';
import { Batcher } from '../../core/logs/batcher';
import { LineStore } from '../../core/logs/lineStore';

/** Characters a panel's host buffer holds at most (~128 MiB as UTF-16), besides its line cap. */
export const HOST_BUFFER_MAX_CHARS = 64 * 1024 * 1024;
import { parseWebviewMessage } from '../../core/logs/protocol';
import type { HostMessage, StreamOptions, StreamState, WebviewMessage, WireLine, WireSource } from '../../core/logs/protocol';

/** Colour slots the webview has (WireSource.color is 0..7). */
export const COLOR_SLOTS = 8;

/** Markers a stream can report; the workload ones say a pod's container joined or left the panel. */
export type StreamMarker = 'reconnecting' | 'resumed' | 'restarted' | 'ended' | 'joined' | 'left';

/** What a driver calls while its streams run. `pod`/`container` name the stream. */
export interface SessionSink {
  lines(lines: readonly LogLine[]): void;
  marker(pod: string, container: string, kind: StreamMarker, text: string): void;
  failure(pod: string, container: string, failure: KubeFailure): void;
  /** Where a stream stands, when the driver knows more than its lines and markers say (opening, queued...). */
  state(pod: string, container: string, state: StreamState, detail?: string): void;
  /** Container names discovered later (a workload's new pods); they become valid picker choices. */
  containers(names: readonly string[]): void;
  /** A note for the whole panel (not tied to one stream), shown as a marker line. */
  notice(text: string): void;
}

/** Starts the streams of a target with given options; `stop` ends them all (T36: within 1 s). */
export interface LogDriver {
  start(options: StreamOptions, sink: SessionSink): { stop(): void };
}

export interface SessionTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LogSessionConfig {
  /** "Logs: <name>". */
  title: string;
  /** Host buffer and webview cap, in lines. */
  maxLines: number;
  /** Real container names of the target, for the picker and to check `restart` requests. */
  containers: readonly string[];
  options: StreamOptions;
  /** Sends a message to the webview (VS Code drops it if the webview is gone). */
  post(message: HostMessage): void;
  now?: () => number;
  timers?: SessionTimers;
  /** Minimum gap between two `lines` posts, in ms (default 50: at most 20 posts/s). */
  batchIntervalMs?: number;
  /** Lines waiting that trigger a `lines` post before the interval is up (default 5000). */
  batchMaxLines?: number;
  /**
   * Most lines in one `lines` post (default 10,000: 200,000 lines/s at 20 posts/s); a backlog
   * beyond waits for the next post, so that no one post (and its serialisation) grows with it.
   */
  postMaxLines?: number;
  /** Minimum gap between two `status` posts caused by stream activity, in ms (default 250). */
  statusIntervalMs?: number;
}

export interface StreamStats {
  pod: string;
  container: string;
  state: StreamState;
  detail?: string;
}

/** What `berth.internal.logPanelStats` returns for a panel. */
export interface LogSessionStats {
  target: string;
  /** Log lines received from the streams since the panel opened (markers not counted). */
  linesReceived: number;
  /** Lines (log text and markers) posted to the webview, replays included. */
  linesPosted: number;
  /** `lines` messages posted. */
  posts: number;
  /** Lines evicted from the host buffer since the last clear or restart. */
  dropped: number;
  /** Lines received while paused, not yet posted. */
  waiting: number;
  paused: boolean;
  /** Lines in the host buffer. */
  buffered: number;
  /** Largest number of lines in one post. */
  maxBatch: number;
  /** For the latest post: ms from the arrival of its oldest line at the host to the post. */
  lastLineToPostMs: number;
  webviewReady: boolean;
  /** The panel was closed and its streams stopped. */
  disposed: boolean;
  restarts: number;
  options: StreamOptions;
  streams: StreamStats[];
}

const realTimers: SessionTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => { clearTimeout(handle as ReturnType<typeof setTimeout>); },
};

function sourceKey(pod: string, container: string): string {
  return `${pod}\u0000${container}`;
}

/**
 * One panel's streams and buffer. Lines always enter the host buffer; they are posted only
 * while the webview is ready and not paused. Whatever the webview missed (hidden, reloaded,
 * paused) is replayed from the buffer, so nothing is posted twice to one webview instance and
 * nothing the buffer still holds is lost.
 */
export class LogSession {
  readonly title: string;
  readonly maxLines: number;
  private readonly post: (message: HostMessage) => void;
  private readonly now: () => number;
  private readonly timers: SessionTimers;
  private readonly batchIntervalMs: number;
  private readonly batchMaxLines: number;
  private readonly postMaxLines: number;
  private readonly statusIntervalMs: number;

  private options: StreamOptions;
  private readonly knownContainers: string[];
  /** Every line the panel holds; packed once posted (or once it is clear they will not be posted now). */
  private readonly buffer: LineStore;
  private sources: WireSource[] = [];
  private sourceIndex = new Map<string, number>();
  private states = new Map<number, { state: StreamState; detail?: string }>();
  /** Colour per pod for the panel's lifetime, so that a pod keeps its colour across restarts. */
  private readonly podColors = new Map<string, number>();
  private batcher: Batcher<WireLine> | undefined;
  /** Bumped on every restart: callbacks of stopped streams and stale batchers are ignored. */
  private generation = 0;
  private running: { stop(): void } | undefined;
  private ready = false;
  private paused = false;
  private waiting = 0;
  private disposed = false;
  /** Sources were added since the webview last got the list. */
  private sourcesDirty = false;
  private statusTimer: unknown;
  private statusDirty = false;
  private lastStatusAt = Number.NEGATIVE_INFINITY;
  private pendingSince: number | undefined;
  /** One-entry cache: consecutive lines nearly always come from the same stream. */
  private lastPod: string | undefined;
  private lastContainer: string | undefined;
  private lastIndex = -1;

  private linesReceived = 0;
  private linesPosted = 0;
  private posts = 0;
  private maxBatch = 0;
  private lastLineToPostMs = 0;
  private restarts = 0;

  constructor(private driver: LogDriver, readonly target: string, config: LogSessionConfig) {
    this.title = config.title;
    this.maxLines = config.maxLines;
    this.options = { ...config.options };
    this.knownContainers = [...new Set(config.containers)];
    this.post = (message) => { config.post(message); };
    this.now = config.now ?? (() => performance.now());
    this.timers = config.timers ?? realTimers;
    this.batchIntervalMs = config.batchIntervalMs ?? 50;
    this.batchMaxLines = config.batchMaxLines ?? 5000;
    this.postMaxLines = config.postMaxLines ?? 10_000;
    this.statusIntervalMs = config.statusIntervalMs ?? 250;
    // Lines can be up to 1 MiB each: a character budget keeps memory bounded whatever their length.
    this.buffer = new LineStore(this.maxLines, { maxChars: HOST_BUFFER_MAX_CHARS });
  }

  /** Starts the streams (once; later changes go through `restart`). */
  start(): void {
    if (this.running || this.disposed) return;
    this.startDriver();
  }

  get currentOptions(): StreamOptions {
    return { ...this.options };
  }

  get containers(): readonly string[] {
    return this.knownContainers;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** True when `name` is one of the target's real containers (the only webview string that may reach a URL). */
  isKnownContainer(name: string): boolean {
    return this.knownContainers.includes(name);
  }

  /** The webview (re)loaded: send it everything it needs, then the buffered lines it should show. */
  webviewReady(): void {
    if (this.disposed) return;
    this.ready = true;
    this.resetBatcher();
    this.postInit();
    this.postStatusNow();
    const lines = this.buffer.toArray();
    const shown = this.paused ? lines.slice(0, Math.max(0, lines.length - this.waiting)) : lines;
    this.enqueue(shown);
  }

  /** The webview was destroyed (panel hidden without retained context): post nothing until `ready`. */
  webviewGone(): void {
    this.ready = false;
    this.resetBatcher();
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) {
      // Lines already batched were meant to be seen before the pause: deliver them now.
      this.batcher?.flushNow();
    } else {
      const waiting = Math.min(this.waiting, this.buffer.size);
      this.waiting = 0;
      if (this.ready) this.enqueue(this.buffer.toArray(this.buffer.size - waiting));
    }
    this.postStatusNow();
  }

  /** Empties the host buffer (the webview cleared its view; a replay must not bring lines back). */
  clear(): void {
    this.buffer.clear();
    this.waiting = 0;
    this.resetBatcher();
    this.postStatusNow();
  }

  /**
   * Stops every stream, empties buffer and view, and starts again with `options` (through
   * `driver` when given: the connection was replaced).
   */
  restart(options: StreamOptions, driver?: LogDriver): void {
    if (this.disposed) return;
    this.stopStreams();
    if (driver) this.driver = driver;
    this.generation += 1;
    this.restarts += 1;
    this.options = { ...options };
    this.buffer.clear();
    this.sources = [];
    this.sourceIndex = new Map();
    this.states = new Map();
    this.lastPod = undefined;
    this.lastContainer = undefined;
    this.lastIndex = -1;
    this.waiting = 0;
    this.sourcesDirty = false;
    this.resetBatcher();
    if (this.ready) {
      this.post({ type: 'clear' });
      this.postInit();
    }
    this.startDriver();
    this.postStatusNow();
  }

  /** Lines injected by the host itself (internal test command); they go the same way as stream lines. */
  inject(pod: string, container: string, texts: readonly string[], time?: string): void {
    this.acceptLines(texts.map((text) => ({ pod, container, text, time })));
  }

  /** A copy of the buffer, oldest first, with the sources its `s` indexes refer to. */
  snapshot(): { lines: WireLine[]; sources: WireSource[]; dropped: number } {
    return { lines: this.buffer.toArray(), sources: this.sources.map((s) => ({ ...s })), dropped: this.buffer.dropped };
  }

  stats(): LogSessionStats {
    return {
      target: this.target,
      linesReceived: this.linesReceived,
      linesPosted: this.linesPosted,
      posts: this.posts,
      dropped: this.buffer.dropped,
      waiting: this.waiting,
      paused: this.paused,
      buffered: this.buffer.size,
      maxBatch: this.maxBatch,
      lastLineToPostMs: this.lastLineToPostMs,
      webviewReady: this.ready,
      disposed: this.disposed,
      restarts: this.restarts,
      options: { ...this.options },
      streams: [...this.states].map(([index, s]) => {
        const source = this.sources[index];
        const entry: StreamStats = { pod: source?.pod ?? '', container: source?.container ?? '', state: s.state };
        if (s.detail !== undefined) entry.detail = s.detail;
        return entry;
      }),
    };
  }

  /**
   * The streams' connection was closed under them (a refresh replaced it): they will not
   * deliver anything more, so say so rather than show them as streaming.
   */
  connectionClosed(text: string): void {
    if (this.disposed || !this.running) return;
    this.stopStreams();
    this.generation += 1;
    this.endAll(text);
    this.pushLines([{ s: -1, k: 'm', x: text }]);
  }

  /** Stops the streams and timers. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.stopStreams();
    this.endAll('stopped: the panel was closed');
    this.disposed = true;
    this.ready = false;
    this.generation += 1;
    this.batcher?.dispose();
    this.batcher = undefined;
    if (this.statusTimer !== undefined) this.timers.clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
  }

  private startDriver(): void {
    try {
      this.running = this.driver.start({ ...this.options }, this.sinkFor(this.generation));
    } catch (error) {
      // Nothing runs: the panel says why instead of waiting for lines that will not come.
      this.running = undefined;
      this.pushLines([{ s: -1, k: 'm', x: `The log streams could not start: ${error instanceof Error ? error.message : String(error)}` }]);
    }
  }

  private endAll(detail: string): void {
    for (const [index, s] of this.states) {
      if (s.state !== 'ended' && s.state !== 'failed') this.states.set(index, { state: 'ended', detail });
    }
    this.markStatusDirty();
  }

  private stopStreams(): void {
    const running = this.running;
    this.running = undefined;
    running?.stop();
  }

  private sinkFor(generation: number): SessionSink {
    const live = (): boolean => generation === this.generation && !this.disposed;
    return {
      lines: (lines) => { if (live()) this.acceptLines(lines); },
      marker: (pod, container, kind, text) => { if (live()) this.acceptMarker(pod, container, kind, text); },
      failure: (pod, container, failure) => {
        if (!live()) return;
        const index = this.indexOf(pod, container);
        this.setState(index, 'failed', failure.message);
        this.pushLines([{ s: index, k: 'm', x: `Log stream failed: ${failure.message}${failure.hint ? ` (${failure.hint})` : ''}` }]);
      },
      state: (pod, container, state, detail) => { if (live()) this.setState(this.indexOf(pod, container), state, detail); },
      containers: (names) => {
        if (!live()) return;
        for (const name of names) if (!this.knownContainers.includes(name)) this.knownContainers.push(name);
      },
      notice: (text) => { if (live()) this.pushLines([{ s: -1, k: 'm', x: text }]); },
    };
  }

  private acceptLines(lines: readonly LogLine[]): void {
    if (lines.length === 0) return;
    const wire: WireLine[] = new Array<WireLine>(lines.length);
    let previous = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as LogLine;
      const index = this.indexOf(line.pod, line.container);
      if (index !== previous) {
        const state = this.states.get(index)?.state;
        if (state !== 'streaming') this.setState(index, 'streaming');
        previous = index;
      }
      wire[i] = line.time === undefined ? { s: index, x: line.text } : { s: index, t: line.time, x: line.text };
    }
    this.linesReceived += wire.length;
    this.pushLines(wire);
  }

  private acceptMarker(pod: string, container: string, kind: StreamMarker, text: string): void {
    const index = this.indexOf(pod, container);
    switch (kind) {
      case 'reconnecting': this.setState(index, 'reconnecting', text); break;
      case 'resumed':
      case 'restarted':
      case 'joined': this.setState(index, 'streaming'); break;
      case 'ended':
      case 'left': this.setState(index, 'ended', text); break;
    }
    this.pushLines([{ s: index, k: 'm', x: text }]);
  }

  private pushLines(lines: WireLine[]): void {
    this.buffer.pushAll(lines);
    if (this.paused) {
      this.waiting += lines.length;
      this.buffer.pack();
      this.markStatusDirty();
      return;
    }
    // Lines on their way to the webview are packed once posted (flush); others at once.
    if (this.ready) this.enqueue(lines);
    else this.buffer.pack();
    // Eviction changes the dropped count the webview shows.
    if (this.buffer.dropped > 0) this.markStatusDirty();
  }

  private enqueue(lines: readonly WireLine[]): void {
    if (lines.length === 0) return;
    this.pendingSince ??= this.now();
    this.ensureBatcher().addAll(lines);
  }

  private ensureBatcher(): Batcher<WireLine> {
    if (!this.batcher) {
      const batcher: Batcher<WireLine> = new Batcher<WireLine>(
        (items) => { this.flush(items, batcher); },
        { intervalMs: this.batchIntervalMs, maxItems: this.batchMaxLines, maxBatch: this.postMaxLines },
        this.timers,
      );
      this.batcher = batcher;
    }
    return this.batcher;
  }

  private flush(items: WireLine[], batcher: Batcher<WireLine>): void {
    // A batcher replaced by a restart or a reload is disposed and drops what it held: those lines are in the buffer.
    if (batcher !== this.batcher || !this.ready || items.length === 0) return;
    this.postSourcesIfChanged();
    this.post({ type: 'lines', lines: items });
    // Posted: the buffer need not hold them as objects any more.
    this.buffer.pack();
    this.posts += 1;
    this.linesPosted += items.length;
    if (items.length > this.maxBatch) this.maxBatch = items.length;
    if (this.pendingSince !== undefined) this.lastLineToPostMs = this.now() - this.pendingSince;
    // Lines left for the next post (postMaxLines) keep the oldest arrival: the figure errs long, never short.
    if (batcher.waiting === 0) this.pendingSince = undefined;
  }

  private resetBatcher(): void {
    const old = this.batcher;
    this.batcher = undefined;
    this.pendingSince = undefined;
    old?.dispose();
  }

  private indexOf(pod: string, container: string): number {
    if (pod === this.lastPod && container === this.lastContainer) return this.lastIndex;
    const key = sourceKey(pod, container);
    let index = this.sourceIndex.get(key);
    if (index === undefined) {
      index = this.sources.length;
      let color = this.podColors.get(pod);
      if (color === undefined) {
        color = this.podColors.size % COLOR_SLOTS;
        this.podColors.set(pod, color);
      }
      this.sources.push({ pod, container, color });
      this.sourceIndex.set(key, index);
      this.states.set(index, { state: 'connecting' });
      // Posted with the next lines or status, before anything that refers to it: a workload
      // listing thousands of pods at once costs one message, not one per pod.
      this.sourcesDirty = true;
      this.markStatusDirty();
    }
    this.lastPod = pod;
    this.lastContainer = container;
    this.lastIndex = index;
    return index;
  }

  private setState(index: number, state: StreamState, detail?: string): void {
    this.states.set(index, detail === undefined ? { state } : { state, detail });
    this.markStatusDirty();
  }

  private postSourcesIfChanged(): void {
    if (!this.sourcesDirty) return;
    this.sourcesDirty = false;
    this.post({ type: 'sources', sources: this.sources.map((s) => ({ ...s })) });
  }

  private postInit(): void {
    this.sourcesDirty = false;
    this.post({
      type: 'init',
      title: this.title,
      sources: this.sources.map((s) => ({ ...s })),
      options: { ...this.options },
      containers: [...this.knownContainers],
      maxLines: this.maxLines,
    });
  }

  private markStatusDirty(): void {
    this.statusDirty = true;
    if (this.statusTimer !== undefined || this.disposed) return;
    const wait = Math.max(0, this.lastStatusAt + this.statusIntervalMs - this.now());
    this.statusTimer = this.timers.setTimeout(() => {
      this.statusTimer = undefined;
      if (this.statusDirty) this.postStatusNow();
    }, wait);
  }

  private postStatusNow(): void {
    this.statusDirty = false;
    this.lastStatusAt = this.now();
    if (!this.ready || this.disposed) return;
    this.postSourcesIfChanged();
    this.post({
      type: 'status',
      paused: this.paused,
      waiting: this.waiting,
      dropped: this.buffer.dropped,
      streams: [...this.states].map(([source, s]) => (s.detail === undefined ? { source, state: s.state } : { source, state: s.state, detail: s.detail })),
    });
  }
}

/** One line of a saved log: `<time> <pod>/<container> <text>`, markers as `--- <text>`. */
export function formatSavedLine(line: WireLine, sources: readonly WireSource[]): string {
  const source = line.s >= 0 ? sources[line.s] : undefined;
  const tag = source ? `${source.pod}/${source.container}` : 'panel';
  if (line.k === 'm') return `${line.t ?? ''}${line.t ? ' ' : ''}--- ${tag}: ${line.x}`;
  return `${line.t ?? '-'} ${tag} ${line.x}`;
}

/**
 * A webview message the host may act on, or why it is refused: the shape must be exactly one
 * of the protocol's (parseWebviewMessage) and a container in `restart` must be one of the
 * target's real containers, the only webview string that ever reaches a request.
 */
export function acceptWebviewMessage(raw: unknown, isKnownContainer: (name: string) => boolean): { ok: true; message: WebviewMessage } | { ok: false; reason: string } {
  const message = parseWebviewMessage(raw);
  if (!message) return { ok: false, reason: `not one of the known shapes (${describeInvalid(raw)})` };
  if (message.type === 'restart' && message.options.container !== undefined && !isKnownContainer(message.options.container)) {
    return { ok: false, reason: `restart names container "${message.options.container}", which is not a container of the target` };
  }
  return { ok: true, message };
}

/** The shape of an invalid message, for the log: its `type` when short and plain, nothing of its content. */
function describeInvalid(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return raw === null ? 'null' : typeof raw;
  const type = (raw as { type?: unknown }).type;
  return typeof type === 'string' && /^[\w.-]{1,40}$/.test(type) ? `type "${type}"` : 'no known type';
}
