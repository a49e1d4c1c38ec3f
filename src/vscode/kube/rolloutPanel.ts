// The live rollout view's extension-host side: one webview panel per workload, fed by a
// RolloutWatcher (dist/kube.js) on the pinned connection of the workload's context, through a
// RolloutSession (coalescing, stats, message checks). The view's buttons come back as
// validated messages and run the same commands as the menus, with a confirmation first.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { KubeClientsModule, KubeConnection } from '../../clients/kube/api';
import type { RolloutWatcher, RolloutWatchProblem, waitForRollout } from '../../clients/kube/rollout';
import type { RolloutView } from '../../core/k8s/rollout';
import type { RolloutWebviewMessage } from '../../core/k8s/rolloutProtocol';
import { UserCancelled } from '../commands';
import type { Logger } from '../logger';
import type { RolloutCommands } from './rolloutCommands';
import { describeRolloutTarget, rolloutKey, rolloutTargetOf } from './rolloutLogic';
import type { RolloutTarget } from './rolloutLogic';
import { rolloutPanelHtml } from './rolloutPanelHtml';
import { connectTo, pickRolloutTarget } from './rolloutPick';
import type { RolloutKube } from './rolloutPick';
import { RolloutSession, acceptRolloutMessage } from './rolloutSession';
import type { RolloutSessionStats } from './rolloutSession';
import { kubeTargetOf } from './targets';

/** The rollout parts of dist/kube.js. */
export interface RolloutClients {
  RolloutWatcher: typeof RolloutWatcher;
  waitForRollout: typeof waitForRollout;
}

/** The rollout watcher and wait of the clients bundle; throws when this build has none. */
export function rolloutClientsOf(kube: Pick<RolloutKube, 'load'>): RolloutClients {
  const module = kube.load() as KubeClientsModule & Partial<RolloutClients>;
  if (typeof module.RolloutWatcher !== 'function' || typeof module.waitForRollout !== 'function') {
    throw new Error('This build of Berth cannot watch rollouts (dist/kube.js does not export RolloutWatcher and waitForRollout).');
  }
  return { RolloutWatcher: module.RolloutWatcher, waitForRollout: module.waitForRollout };
}

/**
 * Changes the watcher coalesces into one view. Small: the session already keeps posts 50 ms
 * apart, and every millisecond here is latency between a pod becoming ready and the view.
 */
const WATCHER_DEBOUNCE_MS = 5;
/** Invalid webview messages logged per panel. */
const MAX_LOGGED_INVALID = 20;
/** API failures the watcher does not recover from by itself. */
const PERMANENT_CODES = new Set(['KUBE_FORBIDDEN', 'KUBE_AUTH_EXPIRED', 'KUBE_EXEC_PLUGIN', 'KUBE_EXEC_TIMEOUT', 'KUBE_CONFIG', 'KUBE_TLS', 'KUBE_NOT_FOUND']);

function describe(target: RolloutTarget): string {
  return `${target.workloadKind} ${target.namespace}/${target.name} in ${target.contextName}`;
}

/** One open rollout view. */
class RolloutPanelHost implements vscode.Disposable {
  readonly session: RolloutSession;
  private watcher: RolloutWatcher | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private invalidMessages = 0;
  private busy = false;
  private disposed = false;

  constructor(
    readonly target: RolloutTarget,
    private readonly panel: vscode.WebviewPanel,
    private connection: KubeConnection,
    private readonly kube: RolloutKube,
    private readonly commands: () => RolloutCommands,
    private readonly logger: Logger,
    private readonly onDisposed: (host: RolloutPanelHost) => void,
  ) {
    this.session = new RolloutSession({
      target: describe(target),
      contextName: target.contextName,
      title: panel.title,
      post: (message) => { void panel.webview.postMessage(message); },
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => { this.onMessage(raw); }),
      panel.onDidChangeViewState((e) => { if (!e.webviewPanel.visible) this.session.webviewGone(); }),
      panel.onDidDispose(() => { this.dispose(); }),
      kube.onDidChangeKubeconfig(() => { void this.checkConnection(); }),
    );
    this.startWatcher();
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** For tests: a message as if the webview had posted it (same checks). */
  receive(raw: unknown): boolean {
    const accepted = acceptRolloutMessage(raw).ok;
    this.onMessage(raw);
    return accepted;
  }

  private startWatcher(): void {
    this.watcher?.dispose();
    const { RolloutWatcher: Watcher } = rolloutClientsOf(this.kube);
    const watcher = new Watcher(this.connection, { kind: this.target.workloadKind, namespace: this.target.namespace, name: this.target.name }, { debounceMs: WATCHER_DEBOUNCE_MS });
    this.watcher = watcher;
    this.session.watch('connecting');
    watcher.onView((view: RolloutView, meta?: { firstChangeAt?: number }) => {
      if (this.watcher !== watcher) return;
      // The watcher waits WATCHER_DEBOUNCE_MS after the first change it coalesces; without its
      // own timestamp that is when the event arrived.
      const arrivedAt = meta?.firstChangeAt ?? performance.now() - WATCHER_DEBOUNCE_MS;
      if (this.session.stats().watch !== 'watching') this.session.watch('watching');
      this.session.view(view, arrivedAt);
      void this.loadUndoImages(view);
    });
    watcher.onProblem((problem: RolloutWatchProblem) => {
      if (this.watcher !== watcher) return;
      if (problem.kind === 'missing') {
        this.session.watch('failed', `${problem.message} (deleted, or not created yet).`);
      } else {
        const permanent = PERMANENT_CODES.has(problem.failure.code);
        this.session.watch(permanent ? 'failed' : 'reconnecting', `${problem.resource}: ${problem.failure.message}`);
      }
    });
  }

  /** The images of the revision Undo goes to, read from the history once per revision. */
  private undoImagesFor: number | undefined;
  private async loadUndoImages(view: RolloutView): Promise<void> {
    const revision = view.previousRevision;
    if (revision === undefined || revision === this.undoImagesFor || !this.watcher) return;
    if (view.revisions.some((r) => r.revision === revision)) return;
    this.undoImagesFor = revision;
    try {
      const entry = (await this.watcher.history()).find((e) => e.revision === revision);
      if (entry && !this.disposed) this.session.setUndoImages(revision, entry.images.map((i) => `${i.container}=${i.image}${i.init ? ' (init)' : ''}`));
    } catch (error) {
      this.logger.warn(`Rollout view ${describe(this.target)}: could not read the history: ${this.kube.failureOf(error).message}`);
    }
  }

  /** A refresh or kubeconfig edit replaced the connection: follow on the new one if it is the same server. */
  private async checkConnection(): Promise<void> {
    if (this.disposed || this.kube.existingConnection(this.target.contextName) === this.connection) return;
    try {
      const fresh = await connectTo(this.kube, this.target.contextName);
      if (this.disposed) return;
      if (fresh.server !== this.connection.server) {
        this.watcher?.dispose();
        this.watcher = undefined;
        this.session.watch('stopped', `Context ${this.target.contextName} now points at ${fresh.server}, not ${this.connection.server}: reopen the view to follow it there.`);
        return;
      }
      this.connection = fresh;
      this.startWatcher();
    } catch (error) {
      this.session.watch('failed', this.kube.failureOf(error).message);
    }
  }

  private onMessage(raw: unknown): void {
    const accepted = acceptRolloutMessage(raw);
    if (!accepted.ok) {
      this.invalidMessages += 1;
      if (this.invalidMessages <= MAX_LOGGED_INVALID) this.logger.warn(`Rollout view ${this.panel.title}: ignored a message from the webview: ${accepted.reason}.`);
      return;
    }
    this.handle(accepted.message);
  }

  private handle(message: RolloutWebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.session.webviewReady();
        break;
      case 'showLogs':
        void vscode.commands.executeCommand('berth.kube.showLogs', { target: this.target });
        break;
      case 'undo':
        // Only the revision this view offered: a webview cannot pick another one.
        if (message.revision !== this.session.undoRevision) {
          this.logger.warn(`Rollout view ${this.panel.title}: ignored undo to revision ${message.revision}; the view offers ${this.session.undoRevision ?? 'none'}.`);
          return;
        }
        this.run(`Rolling back to revision ${message.revision}…`, () => this.commands().undo(this.target, { fromView: true, revision: message.revision }));
        break;
      case 'action':
        switch (message.action) {
          case 'pause':
            this.run('Pausing…', () => this.commands().pause(this.target));
            break;
          case 'resume':
            this.run('Resuming…', () => this.commands().resume(this.target));
            break;
          case 'restart':
            this.run('Restarting…', () => this.commands().restart(this.target, { fromView: true }));
            break;
        }
        break;
    }
  }

  /** One action at a time; failures are shown as the commands show them. */
  private run(text: string, action: () => Promise<void>): void {
    if (this.busy) return;
    this.busy = true;
    this.session.busy(text);
    action().then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof UserCancelled || error instanceof vscode.CancellationError) return;
        const message = error instanceof Error ? error.message : String(error);
        this.logger.warn(`Rollout view ${describe(this.target)}: ${message}`);
        void vscode.window.showErrorMessage(`Berth: ${message}`);
      },
    ).finally(() => {
      this.busy = false;
      if (!this.disposed) this.session.busy(undefined);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // The watches first: closing the view releases its requests at once.
    this.watcher?.dispose();
    this.watcher = undefined;
    this.session.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.panel.dispose();
    this.onDisposed(this);
  }
}

/** All live rollout views, one per workload. */
export class RolloutPanels implements vscode.Disposable {
  private readonly panels = new Map<string, RolloutPanelHost>();
  /** The most recently opened or revealed view, for the internal stats command; kept after it closes. */
  private latest: RolloutPanelHost | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly kube: RolloutKube,
    private readonly commands: () => RolloutCommands,
    private readonly logger: Logger,
  ) {}

  /** Opens (or reveals) the view of a tree node, a target, or a picked workload. */
  async open(arg: unknown): Promise<void> {
    const given = rolloutTargetOf(kubeTargetOf(arg) ?? (typeof arg === 'object' && arg !== null && 'kind' in arg ? (arg as Parameters<typeof rolloutTargetOf>[0]) : undefined));
    if (arg !== undefined && !given) throw new Error('The rollout view is for Deployments, StatefulSets and DaemonSets.');
    await this.show(given ?? await pickRolloutTarget(this.kube, 'Show Rollout'));
  }

  async show(target: RolloutTarget): Promise<void> {
    const key = rolloutKey(target);
    const open = this.panels.get(key);
    if (open) {
      open.reveal();
      this.latest = open;
      return;
    }
    const connection = await connectTo(this.kube, target.contextName);
    rolloutClientsOf(this.kube);
    const panel = vscode.window.createWebviewPanel('berth.rollout', `Rollout: ${target.name}`, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
      enableScripts: true,
      enableCommandUris: false,
      enableFindWidget: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media', 'rollout')],
    });
    const webview = panel.webview;
    webview.html = rolloutPanelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'rollout.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'rollout', 'rollout.css')).toString(),
      nonce: randomBytes(18).toString('base64'),
    });
    let host: RolloutPanelHost;
    try {
      host = new RolloutPanelHost(target, panel, connection, this.kube, this.commands, this.logger, (closed) => {
        if (this.panels.get(key) === closed) this.panels.delete(key);
      });
    } catch (error) {
      panel.dispose();
      throw error;
    }
    this.panels.set(key, host);
    this.latest = host;
    this.logger.info(`Rollout view opened: ${describeRolloutTarget(target)} (context ${target.contextName}, server ${connection.server})`);
  }

  stats(): RolloutSessionStats | undefined {
    return this.latest?.session.stats();
  }

  /** For tests: `message` enters the most recent view as if its webview posted it; false when refused. */
  post(message: unknown): boolean {
    return this.latest?.receive(message) ?? false;
  }

  dispose(): void {
    for (const host of [...this.panels.values()]) host.dispose();
    this.panels.clear();
  }
}
