// The live rollout view in the webview: draws each view the host sends (revisions, pods,
// conditions, the stall banner) and turns its buttons into messages. The host decides and
// confirms; this side only asks. Elements that can hold focus (the buttons) are created once
// and updated in place, so a view arriving every 50 ms never steals a click or the focus.
import { parseRolloutHostMessage } from '../../core/k8s/rolloutProtocol';
import type { RolloutWebviewMessage, WirePod, WireRollout, WireWatchState } from '../../core/k8s/rolloutProtocol';
import { button, el, row, table } from './dom';

export interface HostApi {
  postMessage(message: RolloutWebviewMessage): void;
}

const PHASE_LABELS: Record<WireRollout['phase'], string> = {
  progressing: 'Progressing',
  complete: 'Complete',
  stalled: 'Stalled',
  paused: 'Paused',
  failed: 'Failed',
};

const WATCH_LABELS: Record<WireWatchState, string> = {
  connecting: 'Connecting…',
  watching: 'Live',
  reconnecting: 'Reconnecting…',
  failed: 'Not watching',
  stopped: 'Stopped',
};

const DIRECTION_LABELS = { coming: '↑ coming up', going: '↓ going away', steady: '' } as const;

/** A pod's row and the cells that change. */
interface PodRow {
  row: HTMLTableRowElement;
  revision: HTMLTableCellElement;
  direction: HTMLTableCellElement;
  status: HTMLElement;
  statusLabel: HTMLElement;
  message: HTMLElement;
  ready: HTMLTableCellElement;
  restarts: HTMLTableCellElement;
  age: HTMLTableCellElement;
}

function newPodRow(name: string): PodRow {
  const tr = document.createElement('tr');
  const cell = (text = ''): HTMLTableCellElement => {
    const td = tr.insertCell();
    td.textContent = text;
    return td;
  };
  cell(name);
  const revision = cell();
  const direction = cell();
  const statusCell = cell();
  const status = el('div', 'pod-status');
  const statusLabel = el('span', 'pod-status-label', '');
  const message = el('div', 'pod-message', '');
  status.append(statusLabel, message);
  statusCell.appendChild(status);
  return { row: tr, revision, direction, status, statusLabel, message, ready: cell(), restarts: cell(), age: cell() };
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function setClass(node: HTMLElement, className: string): void {
  if (node.className !== className) node.className = className;
}

function updatePodRow(entry: PodRow, pod: WirePod): void {
  setClass(entry.row, `pod direction-${pod.direction}`);
  setText(entry.revision, pod.revision > 0 ? String(pod.revision) : '?');
  setText(entry.direction, DIRECTION_LABELS[pod.direction]);
  setClass(entry.status, `pod-status health-${pod.health}`);
  setText(entry.statusLabel, pod.status);
  setText(entry.message, pod.message ?? '');
  entry.message.hidden = pod.message === undefined || pod.message === '';
  setText(entry.ready, pod.ready);
  setText(entry.restarts, String(pod.restarts));
  setText(entry.age, pod.age);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export class RolloutApp {
  private view: WireRollout | undefined;
  private busy = false;
  private readonly title = el('h1', 'title', 'Rollout');
  private readonly phase = el('span', 'phase', '');
  private readonly where = el('div', 'where', '');
  private readonly summary = el('div', 'summary', 'Waiting for the rollout…');
  private readonly watchState = el('span', 'watch-state', WATCH_LABELS.connecting);
  private readonly watchDetail = el('span', 'watch-detail', '');
  private readonly undoButton = button('Undo…', 'undo', 'Roll back to the previous revision (asks first)');
  private readonly logsButton = button('Show Logs', 'show-logs', 'Follow the logs of all of this workload\'s pods');
  private readonly pauseButton = button('Pause', 'pause', 'Pause the rollout (Deployments only)');
  private readonly restartButton = button('Restart', 'restart', 'Restart every pod, one revision at a time (asks first)');
  private readonly busyText = el('span', 'busy', '');
  private readonly banner = el('section', 'stall-banner');
  private readonly bannerTitle = el('div', 'stall-title', '');
  private readonly bannerMessage = el('div', 'stall-message', '');
  private readonly bannerHint = el('div', 'stall-hint', '');
  private readonly bannerUndo = button('Undo', 'undo banner-undo');
  private readonly bannerLogs = button('Show Logs', 'show-logs banner-logs');
  private readonly counts = el('section', 'counts');
  private readonly revisions = el('section', 'revisions-section');
  private readonly pods = el('section', 'pods-section');
  private readonly podsHeading = el('h2', undefined, 'Pods');
  private readonly podsTable = table('pods', ['Pod', 'Revision', '', 'Status', 'Ready', 'Restarts', 'Age']);
  private readonly podsEmpty = el('div', 'empty', 'No pods.');
  private readonly podsMore = el('div', 'more', '');
  private readonly podRows = new Map<string, PodRow>();
  private readonly conditions = el('section', 'conditions-section');
  private readonly events = el('section', 'events-section');

  constructor(private readonly api: HostApi, root: HTMLElement) {
    const header = el('header', 'header');
    const line = el('div', 'title-line');
    line.append(this.title, this.phase);
    const status = el('div', 'status');
    status.append(this.watchState, this.watchDetail);
    header.append(line, this.where, this.summary, status);

    const toolbar = el('div', 'toolbar');
    toolbar.setAttribute('role', 'toolbar');
    toolbar.append(this.undoButton, this.logsButton, this.pauseButton, this.restartButton, this.busyText);

    this.banner.setAttribute('role', 'alert');
    this.banner.hidden = true;
    const bannerActions = el('div', 'stall-actions');
    bannerActions.append(this.bannerUndo, this.bannerLogs);
    this.banner.append(this.bannerTitle, this.bannerMessage, this.bannerHint, bannerActions);

    this.pods.append(this.podsHeading, this.podsEmpty, this.podsTable.table, this.podsMore);
    this.podsTable.table.hidden = true;
    this.podsMore.hidden = true;
    root.append(header, toolbar, this.banner, this.counts, this.revisions, this.pods, this.conditions, this.events);

    const undo = (): void => {
      const target = this.view?.undo;
      if (target && !this.busy) this.api.postMessage({ type: 'undo', revision: target.revision });
    };
    this.undoButton.addEventListener('click', undo);
    this.bannerUndo.addEventListener('click', undo);
    const logs = (): void => { this.api.postMessage({ type: 'showLogs' }); };
    this.logsButton.addEventListener('click', logs);
    this.bannerLogs.addEventListener('click', logs);
    this.pauseButton.addEventListener('click', () => {
      if (this.view && !this.busy) this.api.postMessage({ type: 'action', action: this.view.paused ? 'resume' : 'pause' });
    });
    this.restartButton.addEventListener('click', () => {
      if (this.view && !this.busy) this.api.postMessage({ type: 'action', action: 'restart' });
    });
    this.updateButtons();
  }

  /** A message from the host; anything that is not exactly a known message is ignored. */
  handle(raw: unknown): void {
    const message = parseRolloutHostMessage(raw);
    if (!message) return;
    switch (message.type) {
      case 'init':
        document.title = message.title;
        break;
      case 'view':
        this.view = message.view;
        this.render(message.view);
        break;
      case 'watch':
        this.watchState.textContent = WATCH_LABELS[message.state];
        this.watchState.dataset.state = message.state;
        this.watchDetail.textContent = message.detail ?? '';
        break;
      case 'busy':
        this.busy = message.busy;
        this.busyText.textContent = message.busy ? message.text ?? 'Working…' : '';
        this.updateButtons();
        break;
    }
  }

  private updateButtons(): void {
    const view = this.view;
    const undo = view?.undo;
    for (const b of [this.undoButton, this.bannerUndo]) {
      b.disabled = this.busy || undo === undefined;
    }
    this.undoButton.textContent = undo ? `Undo to revision ${undo.revision}…` : 'Undo…';
    this.undoButton.title = undo ? `Roll back to revision ${undo.revision}: ${undo.images.join(', ')} (asks first)` : 'There is no earlier revision to go back to';
    this.bannerUndo.textContent = undo ? `Undo to revision ${undo.revision}` : 'Undo';
    this.pauseButton.hidden = view !== undefined && view.kind !== 'Deployment';
    this.pauseButton.textContent = view?.paused ? 'Resume' : 'Pause';
    this.pauseButton.disabled = this.busy || view === undefined;
    this.restartButton.disabled = this.busy || view === undefined;
  }

  private render(view: WireRollout): void {
    this.title.textContent = `${view.kind} ${view.name}`;
    this.phase.textContent = PHASE_LABELS[view.phase];
    this.phase.className = `phase phase-${view.phase}`;
    this.where.textContent = `${view.context} · namespace ${view.namespace}`;
    this.summary.textContent = view.summary;
    this.renderBanner(view);
    this.updateButtons();
    this.renderCounts(view);
    this.renderRevisions(view);
    this.renderPods(view);
    this.renderConditions(view);
    this.renderEvents(view);
  }

  private renderBanner(view: WireRollout): void {
    const stall = view.stall;
    this.banner.hidden = stall === undefined;
    if (!stall) return;
    this.banner.className = `stall-banner stall-${view.phase}`;
    this.bannerTitle.textContent = `${view.phase === 'failed' ? 'Rollout failed' : 'Rollout stalled'}: ${stall.reason}`;
    this.bannerMessage.textContent = stall.message;
    this.bannerHint.textContent = stall.hint ?? '';
    this.bannerHint.hidden = stall.hint === undefined;
    this.bannerUndo.hidden = view.undo === undefined;
  }

  private renderCounts(view: WireRollout): void {
    const tiles = ([['Desired', view.desired], ['Updated', view.updated], ['Ready', view.ready], ['Available', view.available]] as const).map(([label, value]) => {
      const tile = el('div', `count count-${label.toLowerCase()}`);
      tile.append(el('div', 'count-value', String(value)), el('div', 'count-label', label));
      if (label !== 'Desired' && value < view.desired) tile.classList.add('short');
      return tile;
    });
    this.counts.replaceChildren(...tiles);
  }

  private renderRevisions(view: WireRollout): void {
    const unit = view.kind === 'Deployment' ? 'ReplicaSet' : 'Revision';
    const { table: node, body } = table('revisions', ['Revision', unit, 'Images', 'Desired', 'Current', 'Ready', 'Available']);
    for (const r of view.revisions) {
      const revision = el('span', undefined, r.revision > 0 ? String(r.revision) : '?');
      const cell = el('span', 'revision-cell');
      cell.append(revision);
      if (r.role === 'new') cell.append(el('span', 'badge new', 'new'));
      const images = el('div', 'images');
      for (const image of r.images) images.append(el('div', 'image', image));
      const tr = row(body, [cell, r.name, images, String(r.desired), String(r.current), String(r.ready), String(r.available)]);
      tr.className = `revision role-${r.role}`;
    }
    const heading = el('h2', undefined, view.kind === 'Deployment' ? 'ReplicaSets' : 'Revisions');
    this.revisions.replaceChildren(heading, view.revisions.length > 0 ? node : el('div', 'empty', 'No revisions yet.'));
  }

  /**
   * Pod rows are kept by pod name and only the cells whose text changed are touched: a rollout
   * of hundreds of pods gets a view on every pod event, and most of those change one pod.
   */
  private renderPods(view: WireRollout): void {
    this.podsHeading.textContent = `Pods (${view.pods.length + view.podsNotShown})`;
    this.podsEmpty.hidden = view.pods.length > 0;
    this.podsTable.table.hidden = view.pods.length === 0;
    this.podsMore.hidden = view.podsNotShown === 0;
    this.podsMore.textContent = view.podsNotShown > 0 ? `… and ${plural(view.podsNotShown, 'more pod')} not shown` : '';
    const body = this.podsTable.body;
    const seen = new Set<string>();
    view.pods.forEach((pod, index) => {
      seen.add(pod.name);
      let entry = this.podRows.get(pod.name);
      if (!entry) {
        entry = newPodRow(pod.name);
        this.podRows.set(pod.name, entry);
      }
      updatePodRow(entry, pod);
      if (body.rows[index] !== entry.row) body.insertBefore(entry.row, body.rows[index] ?? null);
    });
    for (const [name, entry] of this.podRows) {
      if (!seen.has(name)) {
        entry.row.remove();
        this.podRows.delete(name);
      }
    }
  }

  private renderConditions(view: WireRollout): void {
    const heading = el('h2', undefined, 'Conditions');
    if (view.conditions.length === 0) {
      this.conditions.replaceChildren(heading, el('div', 'empty', 'No conditions reported.'));
      return;
    }
    const { table: node, body } = table('conditions', ['Type', 'Status', 'Reason', 'Message', 'Age']);
    for (const c of view.conditions) {
      const tr = row(body, [c.type, c.status, c.reason ?? '', c.message ?? '', c.age ?? '']);
      tr.className = `condition status-${c.status === 'True' ? 'true' : c.status === 'False' ? 'false' : 'unknown'}`;
    }
    this.conditions.replaceChildren(heading, node);
  }

  private renderEvents(view: WireRollout): void {
    const heading = el('h2', undefined, 'Recent events');
    if (view.events.length === 0) {
      this.events.replaceChildren(heading, el('div', 'empty', 'No recent events.'));
      return;
    }
    const { table: node, body } = table('events', ['Type', 'Reason', 'Object', 'Message', 'Count', 'Last seen']);
    for (const e of view.events) {
      const tr = row(body, [e.type, e.reason, e.object, e.message, String(e.count), e.age]);
      tr.className = `event type-${e.type === 'Warning' ? 'warning' : 'normal'}`;
    }
    this.events.replaceChildren(heading, node);
  }
}
