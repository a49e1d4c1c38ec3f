// The log panel in the webview: keeps the lines the host sends (capped), filters them, draws
// them through the virtual list, and turns toolbar actions into messages for the host.
import { RingBuffer } from '../../core/logs/buffer';
import { compileLineFilter, type LineFilter } from '../../core/logs/filter';
import {
  MAX_COPY_CHARS,
  MAX_TAIL_LINES,
  type HostMessage,
  type StreamOptions,
  type StreamState,
  type WebviewMessage,
  type WireLine,
  type WireSource,
} from '../../core/logs/protocol';
import { el, formatCount, isPressed, setPressed } from './dom';
import { plainOf, ViewWindow, type LogEntry } from './entries';
import { formatTimestamp, renderRow, type RowContext } from './render';
import { buildToolbar, type Toolbar } from './toolbar';
import { VirtualList } from './virtualList';

export interface HostApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Display settings kept across reloads of the webview (hidden and shown again). */
interface SavedState {
  timestamps: boolean;
  wrap: boolean;
  tags: boolean | undefined;
  filter: string;
  regex: boolean;
  caseSensitive: boolean;
  json: string;
}

/** Until the host says otherwise (init), the panel keeps this many lines. */
const DEFAULT_MAX_LINES = 50_000;
/** Characters of log text the view keeps at most, besides the line cap (lines may be 1 MiB each). */
const MAX_CHARS = 64 * 1024 * 1024;
const bounded = (maxLines: number): RingBuffer<LogEntry> => new RingBuffer<LogEntry>(maxLines, { maxWeight: MAX_CHARS, weigh: (entry) => entry.line.x.length + 64 });
/** The most lines a host may ask the panel to keep (the berth.logs.maxLines setting's maximum). */
const MAX_LINES = 1_000_000;
/** Typing in a filter box refilters after this pause, not on every key. */
const FILTER_DELAY_MS = 150;

function readSavedState(raw: unknown): Partial<SavedState> {
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, 10_000) : undefined);
  const state: Partial<SavedState> = {};
  const timestamps = bool(r.timestamps);
  if (timestamps !== undefined) state.timestamps = timestamps;
  const wrap = bool(r.wrap);
  if (wrap !== undefined) state.wrap = wrap;
  state.tags = bool(r.tags);
  const filter = str(r.filter);
  if (filter !== undefined) state.filter = filter;
  const regex = bool(r.regex);
  if (regex !== undefined) state.regex = regex;
  const caseSensitive = bool(r.caseSensitive);
  if (caseSensitive !== undefined) state.caseSensitive = caseSensitive;
  const json = str(r.json);
  if (json !== undefined) state.json = json;
  return state;
}

function isWireLine(value: unknown): value is WireLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Record<string, unknown>;
  return typeof line.x === 'string' && typeof line.s === 'number' && (line.t === undefined || typeof line.t === 'string');
}

function isWireSource(value: unknown): value is WireSource {
  if (typeof value !== 'object' || value === null) return false;
  const source = value as Record<string, unknown>;
  return typeof source.pod === 'string' && typeof source.container === 'string' && typeof source.color === 'number';
}

function sinceLabel(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export class LogPanel {
  private readonly toolbar: Toolbar;
  private readonly list: VirtualList;
  private readonly status: HTMLElement;
  private readonly streamsBox: HTMLElement;
  private readonly pausedBox: HTMLElement;
  private readonly droppedBox: HTMLElement;
  private readonly countBox: HTMLElement;
  private readonly noticeBox: HTMLElement;

  private buffer = bounded(DEFAULT_MAX_LINES);
  private readonly view = new ViewWindow();
  private nextSeq = 0;
  private sources: WireSource[] = [];
  private tagLabels: string[] = [];
  private options: StreamOptions = { follow: true, previous: false };
  private paused = false;
  private hostDropped = 0;
  /** The user's own choice for the source tags; undefined: on when there is more than one source. */
  private tagsChoice: boolean | undefined;

  private textFilter: LineFilter | undefined;
  private jsonFilter: LineFilter | undefined;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly rowContext: RowContext;

  constructor(private readonly host: HostApi, root: HTMLElement) {
    this.toolbar = buildToolbar();
    this.list = new VirtualList({
      keyOf: (index) => this.view.at(index)?.seq ?? -1 - index,
      render: (row, index) => {
        const entry = this.view.at(index);
        if (entry) renderRow(row, entry, this.rowContext);
        else row.replaceChildren();
      },
      onFollowChange: (follow) => {
        setPressed(this.toolbar.follow, follow);
      },
    });
    this.rowContext = {
      showTimestamps: false,
      showTags: false,
      tagOf: (source) => {
        const s = this.sources[source];
        return s ? { label: this.tagLabels[source] ?? s.pod, color: s.color } : undefined;
      },
      highlights: (plain) => this.textFilter?.highlights(plain) ?? [],
    };

    this.status = el('div', 'status');
    this.status.setAttribute('role', 'status');
    this.streamsBox = el('span', 'streams');
    this.pausedBox = el('span', 'paused');
    this.droppedBox = el('span', 'dropped');
    this.countBox = el('span', 'count');
    this.noticeBox = el('span', 'notice');
    this.status.append(this.streamsBox, this.pausedBox, this.droppedBox, this.countBox, this.noticeBox);

    root.replaceChildren(this.toolbar.element, this.status, this.list.element);
    this.restoreState();
    this.wireToolbar();
    this.refilter();
    this.updateStatusLine();
  }

  /** Entry point for messages from the host. Anything malformed is ignored. */
  handle(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const message = data as HostMessage;
    switch (message.type) {
      case 'init':
        this.init(message);
        break;
      case 'sources':
        if (Array.isArray(message.sources)) this.setSources(message.sources.filter(isWireSource));
        break;
      case 'lines':
        if (Array.isArray(message.lines)) this.append(message.lines.filter(isWireLine));
        break;
      case 'status':
        this.setStatus(message);
        break;
      case 'clear':
        this.clearLines();
        break;
      default:
        break;
    }
  }

  private init(message: Extract<HostMessage, { type: 'init' }>): void {
    if (typeof message.title === 'string') document.title = message.title.slice(0, 200);
    const maxLines = Number.isInteger(message.maxLines) && message.maxLines > 0 ? Math.min(message.maxLines, MAX_LINES) : DEFAULT_MAX_LINES;
    this.buffer = bounded(maxLines);
    this.view.reset([]);
    this.hostDropped = 0;
    if (typeof message.options === 'object' && message.options !== null) this.options = { ...message.options };
    this.setContainers(Array.isArray(message.containers) ? message.containers.filter((c): c is string => typeof c === 'string') : []);
    this.showOptions();
    this.setSources(Array.isArray(message.sources) ? message.sources.filter(isWireSource) : []);
    this.list.reset(0, 0);
    this.updateStatusLine();
  }

  private setSources(sources: WireSource[]): void {
    this.sources = sources.map((s) => ({ ...s, color: Number.isInteger(s.color) ? ((s.color % 8) + 8) % 8 : 0 }));
    const pods = new Set(sources.map((s) => s.pod));
    const onePerPod = pods.size === sources.length;
    // The shortest label that still tells the sources apart.
    this.tagLabels = sources.map((s) => (pods.size === 1 ? s.container : onePerPod ? s.pod : `${s.pod}/${s.container}`));
    this.applyTags();
  }

  private append(lines: WireLine[]): void {
    if (lines.length === 0) return;
    const entries: LogEntry[] = lines.map((line) => ({ seq: this.nextSeq++, line }));
    this.buffer.pushAll(entries);
    const firstKept = this.nextSeq - this.buffer.size;
    const removed = this.view.dropBefore(firstKept);
    for (const entry of entries) {
      if (entry.seq >= firstKept && this.passes(entry)) this.view.push(entry);
    }
    this.list.update(this.view.length, removed);
    this.updateStatusLine();
  }

  private clearLines(): void {
    this.buffer.clear();
    this.view.reset([]);
    this.list.reset(0, 0);
    this.updateStatusLine();
  }

  private setStatus(message: Extract<HostMessage, { type: 'status' }>): void {
    this.paused = typeof message.paused === 'boolean' && message.paused;
    this.setPauseButton();
    const waiting = Number.isInteger(message.waiting) ? message.waiting : 0;
    this.pausedBox.textContent = this.paused ? `Paused — ${formatCount(waiting)} ${waiting === 1 ? 'line' : 'lines'} waiting` : '';
    this.hostDropped = Number.isInteger(message.dropped) ? message.dropped : 0;
    const badges: HTMLElement[] = [];
    if (Array.isArray(message.streams)) {
      for (const stream of message.streams) {
        if (typeof stream !== 'object' || typeof stream.state !== 'string') continue;
        const state: StreamState = stream.state;
        const source = this.sources[stream.source];
        const name = source ? (this.tagLabels[stream.source] ?? source.pod) : `stream ${String(stream.source)}`;
        const badge = el('span', `badge state-${state.replace(/[^a-z]/g, '')}`, `${name}: ${state}`);
        if (typeof stream.detail === 'string') badge.title = stream.detail.slice(0, 500);
        badges.push(badge);
      }
    }
    // One badge per stream reads well for a few pods; for a large workload, count by state.
    if (badges.length > 12) {
      const byState = new Map<string, number>();
      for (const stream of message.streams) byState.set(stream.state, (byState.get(stream.state) ?? 0) + 1);
      this.streamsBox.replaceChildren(
        ...[...byState].map(([state, n]) => el('span', `badge state-${state.replace(/[^a-z]/g, '')}`, `${formatCount(n)} ${state}`)),
      );
    } else {
      this.streamsBox.replaceChildren(...badges);
    }
    this.updateStatusLine();
  }

  private passes(entry: LogEntry): boolean {
    // Markers (stream ended, reconnecting, lines dropped) explain gaps: they are never filtered out.
    if (entry.line.k === 'm') return true;
    if (!this.textFilter && !this.jsonFilter) return true;
    const plain = plainOf(entry);
    return (this.textFilter?.matches(plain) ?? true) && (this.jsonFilter?.matches(plain) ?? true);
  }

  private refilter(): void {
    const t = this.toolbar;
    const text = compileLineFilter({ text: t.filter.value, regex: isPressed(t.regex), caseSensitive: isPressed(t.caseSensitive) });
    const json = compileLineFilter({ json: t.json.value, caseSensitive: isPressed(t.caseSensitive) });
    this.showError(t.filter, t.filterError, text.ok ? undefined : text.error);
    this.showError(t.json, t.jsonError, json.ok ? undefined : json.error);
    // An invalid filter keeps the last valid one, so the view does not flash unfiltered while typing.
    if (text.ok) this.textFilter = t.filter.value === '' ? undefined : text.filter;
    if (json.ok) this.jsonFilter = t.json.value.trim() === '' ? undefined : json.filter;

    const topSeq = this.view.at(this.list.firstVisibleIndex())?.seq ?? 0;
    const all = this.buffer.toArray();
    this.view.reset(this.textFilter || this.jsonFilter ? all.filter((entry) => this.passes(entry)) : all);
    this.list.reset(this.view.length, this.view.indexOfSeq(topSeq));
    this.updateStatusLine();
    this.saveState();
  }

  private showError(input: HTMLInputElement, box: HTMLElement, error: string | undefined): void {
    box.textContent = error ?? '';
    if (error) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  private updateStatusLine(): void {
    // The host keeps a buffer with the same cap and counts its evictions (status.dropped): every
    // line this panel evicted was evicted there too, so the larger count is the true one (the
    // local count leads only until the next status arrives).
    const dropped = Math.max(this.hostDropped, this.buffer.dropped);
    this.droppedBox.textContent = dropped > 0 ? `${formatCount(dropped)} older ${dropped === 1 ? 'line' : 'lines'} dropped` : '';
    const total = this.buffer.size;
    const filtered = this.textFilter !== undefined || this.jsonFilter !== undefined;
    this.countBox.textContent = filtered
      ? `${formatCount(this.view.length)} of ${formatCount(total)} lines`
      : `${formatCount(total)} ${total === 1 ? 'line' : 'lines'}`;
  }

  private notice(text: string): void {
    this.noticeBox.textContent = text;
    if (this.noticeTimer !== undefined) clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.noticeBox.textContent = '';
    }, 5000);
  }

  private setPauseButton(): void {
    const b = this.toolbar.pause;
    b.textContent = this.paused ? 'Resume' : 'Pause';
    b.classList.toggle('active', this.paused);
  }

  private setContainers(containers: string[]): void {
    const select = this.toolbar.container;
    const all = el('option', undefined, 'all');
    all.value = '';
    const options = [all];
    for (const name of containers) {
      const option = el('option', undefined, name);
      option.value = name;
      options.push(option);
    }
    select.replaceChildren(...options);
    select.disabled = containers.length <= 1;
  }

  /** Puts the stream options into the controls. */
  private showOptions(): void {
    const t = this.toolbar;
    const o = this.options;
    t.tail.value = o.tailLines === undefined ? '' : String(o.tailLines);
    this.showError(t.tail, t.tailError, undefined);
    const since = o.sinceSeconds === undefined ? '' : String(o.sinceSeconds);
    if (!Array.from(t.since.options).some((option) => option.value === since)) {
      const option = el('option', undefined, sinceLabel(o.sinceSeconds ?? 0));
      option.value = since;
      t.since.appendChild(option);
    }
    t.since.value = since;
    t.previous.checked = o.previous;
    const container = o.container ?? '';
    if (!Array.from(t.container.options).some((option) => option.value === container)) {
      const option = el('option', undefined, container);
      option.value = container;
      t.container.appendChild(option);
    }
    t.container.value = container;
  }

  /** Reads the stream options from the controls; undefined (with the error shown) when one is invalid. */
  private readOptions(): StreamOptions | undefined {
    const t = this.toolbar;
    const options: StreamOptions = { follow: this.options.follow, previous: t.previous.checked };
    const tail = t.tail.value.trim();
    if (tail !== '') {
      const n = /^\d{1,7}$/.test(tail) ? Number(tail) : Number.NaN;
      if (!Number.isInteger(n) || n > MAX_TAIL_LINES) {
        this.showError(t.tail, t.tailError, `Tail: a whole number from 0 to ${formatCount(MAX_TAIL_LINES)}, or empty for all`);
        return undefined;
      }
      options.tailLines = n;
    }
    this.showError(t.tail, t.tailError, undefined);
    if (t.since.value !== '') options.sinceSeconds = Number(t.since.value);
    if (t.container.value !== '') options.container = t.container.value;
    return options;
  }

  private restart(): void {
    const options = this.readOptions();
    if (!options) return;
    this.options = options;
    // The host streams again from the new starting point; what is shown now would be repeated.
    this.clearLines();
    this.host.postMessage({ type: 'restart', options });
  }

  private applyTags(): void {
    const show = this.tagsChoice ?? this.sources.length > 1;
    setPressed(this.toolbar.tags, show);
    this.rowContext.showTags = show;
    this.list.invalidate();
  }

  private copyVisible(): void {
    // Newest lines first into the budget: when the view is larger than a copy may be, the end
    // of the log (what the user is most likely looking at) is what gets copied.
    const lines: string[] = [];
    let size = 0;
    let truncated = false;
    for (let i = this.view.length - 1; i >= 0; i--) {
      const entry = this.view.at(i);
      if (!entry) continue;
      const text = this.lineForCopy(entry);
      if (size + text.length + 1 > MAX_COPY_CHARS) {
        truncated = true;
        break;
      }
      lines.push(text);
      size += text.length + 1;
    }
    lines.reverse();
    this.host.postMessage({ type: 'copy', text: lines.join('\n') });
    this.notice(
      truncated
        ? `Copied the last ${formatCount(lines.length)} of ${formatCount(this.view.length)} lines (a copy holds at most ${formatCount(MAX_COPY_CHARS)} characters)`
        : `Copied ${formatCount(lines.length)} ${lines.length === 1 ? 'line' : 'lines'}`,
    );
  }

  /** A line as copied: what the row shows (timestamp and source when shown, text without escapes). */
  private lineForCopy(entry: LogEntry): string {
    let prefix = '';
    if (this.rowContext.showTimestamps && entry.line.t !== undefined) prefix += `${formatTimestamp(entry.line.t)} `;
    const tag = this.tagLabels[entry.line.s];
    if (this.rowContext.showTags && (entry.line.k !== 'm' || tag !== undefined)) prefix += `[${tag ?? '?'}] `;
    return prefix + plainOf(entry);
  }

  private scheduleRefilter(): void {
    if (this.filterTimer !== undefined) clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => {
      this.filterTimer = undefined;
      this.refilter();
    }, FILTER_DELAY_MS);
  }

  private wireToolbar(): void {
    const t = this.toolbar;
    t.follow.addEventListener('click', () => {
      const follow = !isPressed(t.follow);
      setPressed(t.follow, follow);
      this.list.setFollow(follow);
    });
    t.pause.addEventListener('click', () => {
      this.paused = !this.paused;
      this.setPauseButton();
      this.host.postMessage({ type: 'pause', paused: this.paused });
    });
    // A text input's change event fires on Enter and on leaving it edited: one restart either way.
    for (const control of [t.tail, t.since, t.previous, t.container]) {
      control.addEventListener('change', () => {
        this.restart();
      });
    }
    t.timestamps.addEventListener('click', () => {
      const on = !isPressed(t.timestamps);
      setPressed(t.timestamps, on);
      this.rowContext.showTimestamps = on;
      this.list.invalidate();
      this.saveState();
    });
    t.wrap.addEventListener('click', () => {
      const on = !isPressed(t.wrap);
      setPressed(t.wrap, on);
      this.list.setWrap(on);
      this.saveState();
    });
    t.tags.addEventListener('click', () => {
      this.tagsChoice = !isPressed(t.tags);
      this.applyTags();
      this.saveState();
    });
    t.filter.addEventListener('input', () => {
      this.scheduleRefilter();
    });
    t.json.addEventListener('input', () => {
      this.scheduleRefilter();
    });
    for (const toggle of [t.regex, t.caseSensitive]) {
      toggle.addEventListener('click', () => {
        setPressed(toggle, !isPressed(toggle));
        this.refilter();
      });
    }
    t.clear.addEventListener('click', () => {
      this.clearLines();
      this.host.postMessage({ type: 'clear' });
    });
    t.save.addEventListener('click', () => {
      this.host.postMessage({ type: 'save' });
    });
    t.copy.addEventListener('click', () => {
      this.copyVisible();
    });
    document.addEventListener('keydown', (event) => {
      // Ctrl/Cmd+F goes to the filter box; the panel has no find widget of its own.
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {
        event.preventDefault();
        t.filter.focus();
        t.filter.select();
      } else if (event.key === 'End' && event.target === this.list.element) {
        setPressed(t.follow, true);
        this.list.setFollow(true);
      }
    });
  }

  private restoreState(): void {
    const state = readSavedState(this.host.getState());
    const t = this.toolbar;
    setPressed(t.timestamps, state.timestamps ?? false);
    this.rowContext.showTimestamps = state.timestamps ?? false;
    setPressed(t.wrap, state.wrap ?? false);
    this.list.setWrap(state.wrap ?? false);
    this.tagsChoice = state.tags;
    t.filter.value = state.filter ?? '';
    setPressed(t.regex, state.regex ?? false);
    setPressed(t.caseSensitive, state.caseSensitive ?? false);
    t.json.value = state.json ?? '';
    this.applyTags();
  }

  private saveState(): void {
    const t = this.toolbar;
    const state: SavedState = {
      timestamps: isPressed(t.timestamps),
      wrap: isPressed(t.wrap),
      tags: this.tagsChoice,
      filter: t.filter.value,
      regex: isPressed(t.regex),
      caseSensitive: isPressed(t.caseSensitive),
      json: t.json.value,
    };
    this.host.setState(state);
  }
}
