import * as vscode from 'vscode';
import type { Informer, InformerState, KubeConnection } from '../../clients/kube/api';
import { formatAge } from '../../core/kube/age';
import type { NamespaceJson, PodJson, WorkloadJson } from '../../core/kube/objects';
import { containerStatus, podContainers, podStatus } from '../../core/kube/podStatus';
import type { Health } from '../../core/kube/podStatus';
import { isProtectedContext } from '../../core/kube/protected';
import type { KubeFailure, KubeFailureCode, ResourceRef, WorkloadKind } from '../../core/kube/types';
import { workloadStatus } from '../../core/kube/workloads';
import type { Logger } from '../logger';
import type { ExecWaitingInfo, KubeProvider } from './kubeProvider';
import { KubeUntrustedError } from './kubeProvider';
import type { NamespaceFilters } from './namespaceFilters';
import { WORKLOAD_KINDS, indexNamespace, workloadKey } from './namespaceIndex';
import type { GroupKind, NamespaceContents, WorkloadEntry } from './namespaceIndex';
import type { HasKubeTarget, KubeTarget } from './targets';

// ---- nodes -------------------------------------------------------------------------------
// Nodes carry identity only; what they show is read from the current state in getTreeItem.
// The same object is returned for the same id while its namespace is shown, so that a change
// can refresh just one pod (onDidChangeTreeData needs the object VS Code was given).

export interface ContextNode extends HasKubeTarget { readonly kind: 'context'; readonly id: string; readonly contextName: string }
export interface NamespaceNode extends HasKubeTarget { readonly kind: 'namespace'; readonly id: string; readonly contextName: string; readonly namespace: string }
export interface GroupNode { readonly kind: 'group'; readonly id: string; readonly contextName: string; readonly namespace: string; readonly group: GroupKind }
export interface WorkloadNode extends HasKubeTarget { readonly kind: 'workload'; readonly id: string; readonly contextName: string; readonly namespace: string; readonly workloadKind: WorkloadKind; readonly name: string; target: KubeTarget }
export interface PodNode extends HasKubeTarget { readonly kind: 'pod'; readonly id: string; readonly contextName: string; readonly namespace: string; readonly name: string; target: KubeTarget }
export interface ContainerNode extends HasKubeTarget { readonly kind: 'container'; readonly id: string; readonly contextName: string; readonly namespace: string; readonly pod: string; readonly container: string }
export type MessageState = 'trust' | 'failure' | 'signIn' | 'loading' | 'info' | 'empty' | 'filtered';
export interface MessageNode {
  readonly kind: 'message';
  readonly id: string;
  readonly label: string;
  readonly state: MessageState;
  readonly icon: string;
  readonly color?: string;
  readonly detail?: string;
  readonly description?: string;
  /** The context (and namespace) the message is about: Retry and Cancel act on it. */
  readonly contextName?: string;
  readonly namespace?: string;
}
export type ClusterNode = ContextNode | NamespaceNode | GroupNode | WorkloadNode | PodNode | ContainerNode | MessageNode;

/** What `berth.internal.clustersTreeStats` returns (measured here, for the benchmark and e2e tests). */
export interface ClustersTreeStats {
  /** From starting the pods informer of a namespace to the tree firing with its first page. */
  lastFirstPageMs: number | undefined;
  /** From starting the pods informer to the tree firing with the complete list. */
  lastFullListMs: number | undefined;
  /** Pods in that namespace when the full list arrived. */
  lastListedPods: number | undefined;
  /** From a watch event's arrival to the last getChildren/getTreeItem VS Code asked for the nodes it changed. */
  lastUpdateLatencyMs: number | undefined;
  /** Informers running now (namespaces and namespaced collections). */
  informers: number;
}

const SEP = '\u001f';
/** Changes within this long are shown together: at most one refresh per namespace per interval. */
const REFRESH_DELAY_MS = 80;
/** A latency measurement waits this long for VS Code to ask for the changed nodes. */
const LATENCY_WINDOW_MS = 2_000;

const GROUP_LABELS: Readonly<Record<GroupKind, string>> = {
  Deployment: 'Deployments', StatefulSet: 'StatefulSets', DaemonSet: 'DaemonSets', Job: 'Jobs', CronJob: 'CronJobs', Pod: 'Pods',
};
const GROUP_ICONS: Readonly<Record<GroupKind, string>> = {
  Deployment: 'layers', StatefulSet: 'database', DaemonSet: 'server-process', Job: 'run-all', CronJob: 'watch', Pod: 'package',
};
const RESOURCES: Readonly<Record<GroupKind, ResourceRef>> = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  Pod: { group: '', version: 'v1', resource: 'pods' },
};

/** A codicon per failure, so that a glance tells "cannot reach" from "not allowed". */
const FAILURE_ICONS: Readonly<Record<KubeFailureCode, string>> = {
  KUBE_UNREACHABLE: 'debug-disconnect',
  KUBE_TLS: 'workspace-untrusted',
  KUBE_AUTH_EXPIRED: 'key',
  KUBE_FORBIDDEN: 'lock',
  KUBE_EXEC_PLUGIN: 'terminal',
  KUBE_EXEC_TIMEOUT: 'watch',
  KUBE_NOT_FOUND: 'question',
  KUBE_GONE: 'history',
  KUBE_CONFIG: 'settings-gear',
  KUBE_CANCELLED: 'circle-slash',
  KUBE_SERVER: 'server',
  KUBE_OTHER: 'error',
};
/** The short status a context shows next to its name when it failed. */
const FAILURE_WORDS: Readonly<Record<KubeFailureCode, string>> = {
  KUBE_UNREACHABLE: 'unreachable',
  KUBE_TLS: 'TLS error',
  KUBE_AUTH_EXPIRED: 'credentials expired',
  KUBE_FORBIDDEN: 'forbidden',
  KUBE_EXEC_PLUGIN: 'sign-in failed',
  KUBE_EXEC_TIMEOUT: 'sign-in timed out',
  KUBE_NOT_FOUND: 'not found',
  KUBE_GONE: 'expired',
  KUBE_CONFIG: 'kubeconfig problem',
  KUBE_CANCELLED: 'cancelled',
  KUBE_SERVER: 'server error',
  KUBE_OTHER: 'failed',
};

// ---- state -------------------------------------------------------------------------------

type Probe =
  | { readonly kind: 'idle' }
  | { readonly kind: 'probing' }
  | { readonly kind: 'ok'; readonly version: string }
  | { readonly kind: 'failed'; readonly failure: KubeFailure };

interface SignInWait {
  command: string;
  stderr: string;
  expiry: NodeJS.Timeout;
  progress?: vscode.Progress<{ message?: string }>;
  finish?: () => void;
}

interface ContextState {
  readonly name: string;
  readonly node: ContextNode;
  /** Bumped on every stop: results of older probes and informers are ignored. */
  epoch: number;
  /** VS Code shows it expanded (getChildren asked, or it was expanded; cleared on collapse). */
  wanted: boolean;
  active: boolean;
  probe: Probe;
  probeAbort: AbortController | undefined;
  connection: KubeConnection | undefined;
  namespaces: Informer<NamespaceJson> | undefined;
  namespaceSubscriptions: { dispose(): void }[];
  namespaceTimer: NodeJS.Timeout | undefined;
  /** The last namespace list shown (kept while hidden or re-probing so the tree does not jump). */
  namespaceNames: string[] | undefined;
  /** Namespaces being deleted (phase Terminating). */
  terminating: ReadonlySet<string>;
  namespaceSignature: string;
  waiting: SignInWait | undefined;
  readonly spaces: Map<string, NamespaceState>;
}

interface NamespaceState {
  readonly context: ContextState;
  readonly name: string;
  readonly node: NamespaceNode;
  wanted: boolean;
  informers: Map<GroupKind, Informer<unknown>>;
  subscriptions: { dispose(): void }[];
  /** Informers that finished their first list (or failed) since they started. */
  listed: Set<GroupKind>;
  /** True while a re-list runs after a restart: the old contents stay until it completes. */
  relisting: boolean;
  contents: NamespaceContents | undefined;
  stateSignature: string;
  /** Nodes handed to VS Code, by id. */
  nodes: Map<string, ClusterNode>;
  timer: NodeJS.Timeout | undefined;
  /** Arrival of the oldest watch event not yet shown. */
  pendingSince: number | undefined;
  /** Pods modified since the last refresh; with `structural` false, only their status may have changed. */
  modifiedPods: Map<string, PodJson>;
  /** Something since the last refresh may have changed what is listed where (adds, deletes, workloads, states). */
  structural: boolean;
  lastFlushAt: number;
  startedAt: number;
  firstPageMeasured: boolean;
  fullListMeasured: boolean;
}

function contextId(name: string): string {
  return `ctx${SEP}${name}`;
}

function healthIcon(health: Health, label: string): vscode.ThemeIcon {
  if (label === 'CrashLoopBackOff') return new vscode.ThemeIcon('debug-restart', new vscode.ThemeColor('list.errorForeground'));
  if (label === 'ImagePullBackOff' || label === 'ErrImagePull') return new vscode.ThemeIcon('cloud-download', new vscode.ThemeColor('list.errorForeground'));
  if (label === 'OOMKilled') return new vscode.ThemeIcon('flame', new vscode.ThemeColor('list.errorForeground'));
  switch (health) {
    case 'ok': return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
    case 'progressing': return new vscode.ThemeIcon('clock', new vscode.ThemeColor('list.warningForeground'));
    case 'warning': return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    case 'error': return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    case 'done': return new vscode.ThemeIcon('check', new vscode.ThemeColor('descriptionForeground'));
    case 'terminating': return new vscode.ThemeIcon('trash', new vscode.ThemeColor('descriptionForeground'));
    case 'unknown': return new vscode.ThemeIcon('question', new vscode.ThemeColor('descriptionForeground'));
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The Clusters view: every context of the merged kubeconfig, each with its own status.
 * Expanding a context probes it (GET /version); expanding a namespace starts one informer per
 * collection (pods and the five workload kinds) that keeps it fresh from watches while the
 * view is visible. Collapsing or hiding stops them; nothing polls. Each context is separate:
 * one that hangs or fails never delays another.
 */
export class ClustersTree implements vscode.TreeDataProvider<ClusterNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ClusterNode | ClusterNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly contexts = new Map<string, ContextState>();
  private view: vscode.TreeView<ClusterNode> | undefined;
  private readonly disposables: { dispose(): void }[] = [];
  private readonly measured: ClustersTreeStats = { lastFirstPageMs: undefined, lastFullListMs: undefined, lastListedPods: undefined, lastUpdateLatencyMs: undefined, informers: 0 };
  /** The nodes of the last watch-driven refresh, and when their oldest event arrived. */
  private latency: { since: number; nodes: Set<ClusterNode>; until: number } | undefined;

  constructor(private readonly provider: KubeProvider, private readonly filters: NamespaceFilters, private readonly logger: Logger) {
    this.disposables.push(
      this.changed,
      provider.onDidChangeKubeconfig(() => { this.kubeconfigChanged(); }),
      provider.onDidExecWait((info) => { this.execWaiting(info); }),
      filters.onDidChange((contextName) => { this.filterChanged(contextName); }),
    );
  }

  attach(view: vscode.TreeView<ClusterNode>): void {
    this.view = view;
    this.disposables.push(
      view.onDidChangeVisibility((e) => { if (e.visible) this.shown(); else this.hidden(); }),
      view.onDidExpandElement((e) => { this.expanded(e.element); }),
      view.onDidCollapseElement((e) => { this.collapsed(e.element); }),
    );
  }

  private get visible(): boolean {
    return this.view?.visible ?? true;
  }

  /** Figures for the benchmark and the e2e tests. */
  stats(): ClustersTreeStats {
    let informers = 0;
    for (const context of this.contexts.values()) {
      if (context.namespaces) informers++;
      for (const space of context.spaces.values()) informers += space.informers.size;
    }
    return { ...this.measured, informers };
  }

  /** The contexts that wait for a sign-in now (for the Cancel command from the palette). */
  waitingContexts(): string[] {
    return [...this.contexts.values()].filter((c) => c.waiting).map((c) => c.name);
  }

  /** Namespaces listed for a context (for the namespace pickers), if it was listed. */
  knownNamespaces(contextName: string): string[] | undefined {
    const state = this.contexts.get(contextName);
    const informer = state?.namespaces;
    if (informer && informer.items.size > 0) return [...informer.items.values()].map((n) => n.metadata.name).sort();
    return state?.namespaceNames;
  }

  /** The selected nodes (palette commands act on the selection). */
  get selection(): readonly ClusterNode[] {
    return this.view?.selection ?? [];
  }

  // ---- refresh entry points ----------------------------------------------------------------

  /**
   * Re-probes a context and re-lists what it shows (a namespace: just its collections); with
   * no node, reads the kubeconfig again and does so for every context shown.
   */
  async refresh(node?: ClusterNode): Promise<void> {
    const context = node?.contextName !== undefined ? this.contexts.get(node.contextName) : undefined;
    if (!node || !context) {
      await this.provider.reload({ force: true });
      for (const state of this.contexts.values()) if (state.active) this.restartContext(state);
      return;
    }
    const namespace = node.kind === 'context' ? undefined : node.namespace;
    const space = namespace !== undefined ? context.spaces.get(namespace) : undefined;
    if (space && context.probe.kind === 'ok' && context.active) {
      this.stopNamespace(space);
      space.wanted = true;
      this.startNamespace(space);
      this.changed.fire(space.node);
      return;
    }
    this.restartContext(context);
  }

  private filterChanged(contextName: string): void {
    const state = this.contexts.get(contextName);
    if (!state) return;
    state.namespaceSignature = '';
    state.namespaceNames = undefined;
    this.changed.fire(state.node);
  }

  private restartContext(state: ContextState): void {
    this.stopContext(state);
    state.probe = { kind: 'idle' };
    state.wanted = true;
    if (this.visible) this.startContext(state);
    this.changed.fire(state.node);
  }

  private kubeconfigChanged(): void {
    // Contexts whose connection was replaced (their cluster or user changed) start again;
    // the others keep their informers and only show the new current context or namespace.
    for (const state of this.contexts.values()) {
      if (!state.active) continue;
      if (state.connection && this.provider.existingConnection(state.name) === state.connection) continue;
      this.stopContext(state);
      state.probe = { kind: 'idle' };
      if (this.visible && state.wanted) this.startContext(state);
    }
    this.changed.fire(undefined);
  }

  private shown(): void {
    for (const state of this.contexts.values()) if (state.wanted) this.startContext(state);
    this.changed.fire(undefined);
  }

  private hidden(): void {
    for (const state of this.contexts.values()) this.stopContext(state);
  }

  private expanded(node: ClusterNode): void {
    if (node.kind === 'context') {
      const state = this.contexts.get(node.contextName);
      if (!state) return;
      state.wanted = true;
      if (!state.active && this.visible) {
        this.startContext(state);
        this.changed.fire(state.node);
      }
    } else if (node.kind === 'namespace') {
      const space = this.contexts.get(node.contextName)?.spaces.get(node.namespace);
      if (!space) return;
      space.wanted = true;
      if (space.informers.size === 0 && this.startNamespace(space)) this.changed.fire(space.node);
    }
  }

  private collapsed(node: ClusterNode): void {
    if (node.kind === 'context') {
      const state = this.contexts.get(node.contextName);
      if (!state) return;
      state.wanted = false;
      this.stopContext(state);
      for (const space of state.spaces.values()) forget(space);
    } else if (node.kind === 'namespace') {
      const space = this.contexts.get(node.contextName)?.spaces.get(node.namespace);
      if (!space) return;
      space.wanted = false;
      this.stopNamespace(space);
      forget(space);
    }
  }

  // ---- contexts ----------------------------------------------------------------------------

  private contextState(name: string): ContextState {
    let state = this.contexts.get(name);
    if (!state) {
      state = {
        name,
        node: { kind: 'context', id: contextId(name), contextName: name, target: { kind: 'context', contextName: name } },
        epoch: 0,
        wanted: false,
        active: false,
        probe: { kind: 'idle' },
        probeAbort: undefined,
        connection: undefined,
        namespaces: undefined,
        namespaceSubscriptions: [],
        namespaceTimer: undefined,
        namespaceNames: undefined,
        terminating: new Set(),
        namespaceSignature: '',
        waiting: undefined,
        spaces: new Map(),
      };
      this.contexts.set(name, state);
    }
    return state;
  }

  /** Probes the server, then lists namespaces and the namespaces VS Code shows expanded. */
  private startContext(state: ContextState): void {
    if (state.active) return;
    state.active = true;
    const epoch = ++state.epoch;
    const abort = new AbortController();
    state.probeAbort = abort;
    state.probe = { kind: 'probing' };
    void (async () => {
      let probe: Probe;
      try {
        const connection = await this.provider.connection(state.name);
        if (epoch !== state.epoch) return;
        state.connection = connection;
        const version = await connection.serverVersion(abort.signal);
        probe = { kind: 'ok', version };
      } catch (error) {
        probe = { kind: 'failed', failure: this.provider.failureOf(error) };
      }
      if (epoch !== state.epoch) return;
      state.probeAbort = undefined;
      state.probe = probe;
      this.endSignInWait(state);
      if (probe.kind === 'failed') this.logger.warn(`Cluster ${state.name}: ${probe.failure.message}`);
      else this.startNamespaces(state);
      this.changed.fire(state.node);
    })();
  }

  private stopContext(state: ContextState): void {
    state.epoch++;
    state.active = false;
    state.probeAbort?.abort();
    state.probeAbort = undefined;
    if (state.probe.kind === 'probing') state.probe = { kind: 'idle' };
    for (const s of state.namespaceSubscriptions) s.dispose();
    state.namespaceSubscriptions = [];
    state.namespaces?.stop();
    state.namespaces = undefined;
    if (state.namespaceTimer) clearTimeout(state.namespaceTimer);
    state.namespaceTimer = undefined;
    for (const space of state.spaces.values()) this.stopNamespace(space);
    this.endSignInWait(state);
  }

  private startNamespaces(state: ContextState): void {
    const connection = state.connection;
    if (!connection || state.namespaces) return;
    const informer = connection.informer<NamespaceJson>({ group: '', version: 'v1', resource: 'namespaces' });
    state.namespaces = informer;
    const epoch = state.epoch;
    const schedule = (delay: number): void => {
      if (epoch !== state.epoch || state.namespaceTimer) return;
      state.namespaceTimer = setTimeout(() => {
        state.namespaceTimer = undefined;
        if (epoch === state.epoch) this.namespacesChanged(state);
      }, delay);
    };
    state.namespaceSubscriptions.push(
      informer.onChange(() => { schedule(state.namespaceNames === undefined ? 0 : REFRESH_DELAY_MS); }),
      informer.onStateChange(() => { schedule(0); }),
    );
    for (const space of state.spaces.values()) if (space.wanted) this.startNamespace(space);
  }

  /** The namespaces to show: listed ones through the filter, or the fallback when listing is not allowed. */
  private namespacesChanged(state: ContextState): void {
    const names = this.namespaceNames(state);
    const informer = state.namespaces;
    const previous = state.terminating;
    const terminating = new Set<string>();
    for (const n of informer?.items.values() ?? []) if (n.status?.phase === 'Terminating') terminating.add(n.metadata.name);
    state.terminating = terminating;
    const signature = JSON.stringify([names, informer && failedFor(informer) ? informer.lastFailure?.code : informer?.state === 'listing' && informer.items.size === 0 ? 'listing' : informer?.state === 'reconnecting' ? 'reconnecting' : 'ok']);
    if (signature === state.namespaceSignature) {
      // Same list: refresh only the namespaces whose phase changed, not the context's subtree.
      const phaseChanged = [...state.spaces.values()].filter((s) => terminating.has(s.name) !== previous.has(s.name)).map((s) => s.node);
      if (phaseChanged.length > 0) this.changed.fire(phaseChanged);
      return;
    }
    state.namespaceSignature = signature;
    if (names) state.namespaceNames = names;
    this.changed.fire(state.node);
  }

  private currentNamespace(contextName: string): string {
    return this.provider.current?.contexts.find((c) => c.name === contextName)?.namespace ?? 'default';
  }

  private namespaceNames(state: ContextState): string[] | undefined {
    const informer = state.namespaces;
    if (!informer) return undefined;
    const current = this.currentNamespace(state.name);
    const filter = this.filters.get(state.name);
    if (failedFor(informer) && informer.items.size === 0) {
      if (informer.lastFailure?.code !== 'KUBE_FORBIDDEN') return undefined;
      // Not allowed to list namespaces: the context's own one, and any the user named.
      return [...new Set([current, ...filter])];
    }
    if (informer.items.size === 0 && informer.state === 'listing') return undefined;
    let names = [...informer.items.values()].map((n) => n.metadata.name);
    if (filter.length > 0) {
      const wanted = new Set(filter);
      names = names.filter((n) => wanted.has(n));
    }
    names.sort();
    const at = names.indexOf(current);
    if (at > 0) {
      names.splice(at, 1);
      names.unshift(current);
    }
    return names;
  }

  // ---- sign-in waits -----------------------------------------------------------------------

  private execWaiting(info: ExecWaitingInfo): void {
    // A wait may come from the log panel for a context this view has not listed yet.
    const state = this.contextState(info.contextName);
    const existing = state.waiting;
    if (existing) {
      existing.stderr = info.stderr;
      existing.progress?.report({ message: lastLine(info.stderr) });
      return;
    }
    // The plugin is killed at the deadline: the wait cannot outlive it.
    const expiry = setTimeout(() => { this.endSignInWait(state); this.changed.fire(state.node); }, this.provider.execDeadlineMs() + 2_000);
    const wait: SignInWait = { command: info.command, stderr: info.stderr, expiry };
    state.waiting = wait;
    this.logger.info(`Cluster ${state.name}: waiting for sign-in (${info.command})`);
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Kubernetes context "${state.name}" is waiting for sign-in (${info.command})`, cancellable: true },
      (progress, token) => new Promise<void>((resolve) => {
        if (state.waiting !== wait) {
          resolve();
          return;
        }
        wait.progress = progress;
        wait.finish = resolve;
        const message = lastLine(wait.stderr);
        if (message) progress.report({ message });
        token.onCancellationRequested(() => { this.cancelSignIn(state.name); });
      }),
    );
    this.changed.fire(state.node);
  }

  private endSignInWait(state: ContextState): void {
    const wait = state.waiting;
    if (!wait) return;
    state.waiting = undefined;
    clearTimeout(wait.expiry);
    wait.finish?.();
  }

  /** Kills the exec plugin of a context that waits for a sign-in. */
  cancelSignIn(contextName: string): void {
    const state = this.contexts.get(contextName);
    this.provider.existingConnection(contextName)?.cancelExec();
    if (state) {
      this.endSignInWait(state);
      this.changed.fire(state.node);
    }
  }

  // ---- namespaces --------------------------------------------------------------------------

  private namespaceState(context: ContextState, namespace: string): NamespaceState {
    let space = context.spaces.get(namespace);
    if (!space) {
      space = {
        context,
        name: namespace,
        node: { kind: 'namespace', id: `ns${SEP}${context.name}${SEP}${namespace}`, contextName: context.name, namespace, target: { kind: 'namespace', contextName: context.name, namespace } },
        wanted: false,
        informers: new Map(),
        subscriptions: [],
        listed: new Set(),
        relisting: false,
        contents: undefined,
        stateSignature: '',
        nodes: new Map(),
        timer: undefined,
        pendingSince: undefined,
        modifiedPods: new Map(),
        structural: true,
        lastFlushAt: 0,
        startedAt: 0,
        firstPageMeasured: false,
        fullListMeasured: false,
      };
      context.spaces.set(namespace, space);
    }
    return space;
  }

  /** Starts the six informers of a namespace; false when its context is not connected (yet). */
  private startNamespace(space: NamespaceState): boolean {
    const context = space.context;
    const connection = context.connection;
    if (!this.visible || !context.active || context.probe.kind !== 'ok' || !connection || space.informers.size > 0) return false;
    space.relisting = space.contents !== undefined;
    space.listed = new Set();
    space.startedAt = performance.now();
    space.firstPageMeasured = space.relisting;
    space.fullListMeasured = space.relisting;
    const epoch = context.epoch;
    for (const kind of [...WORKLOAD_KINDS, 'Pod'] as const) {
      const informer = connection.informer<unknown>({ ...RESOURCES[kind], namespace: space.name });
      space.informers.set(kind, informer);
      space.subscriptions.push(
        informer.onChange((change) => {
          if (epoch !== context.epoch || space.informers.get(kind) !== informer) return;
          const watchEvent = change.type !== 'RESYNC';
          if (watchEvent) space.pendingSince ??= performance.now();
          if (kind === 'Pod' && change.type === 'MODIFIED' && change.object) {
            const pod = change.object as PodJson;
            space.modifiedPods.set(pod.metadata.name, pod);
          } else {
            space.structural = true;
          }
          this.scheduleNamespace(space, space.contents === undefined && !watchEvent ? 0 : REFRESH_DELAY_MS);
        }),
        informer.onStateChange((state) => {
          if (epoch !== context.epoch || space.informers.get(kind) !== informer) return;
          if (state === 'watching' || state === 'failed') space.listed.add(kind);
          if (state === 'watching' && context.waiting) this.endSignInWait(context);
          space.structural = true;
          this.scheduleNamespace(space, 0);
        }),
      );
    }
    return true;
  }

  private stopNamespace(space: NamespaceState): void {
    for (const s of space.subscriptions) s.dispose();
    space.subscriptions = [];
    for (const informer of space.informers.values()) informer.stop();
    space.informers.clear();
    if (space.timer) clearTimeout(space.timer);
    space.timer = undefined;
    space.pendingSince = undefined;
    space.modifiedPods.clear();
    space.structural = true;
  }

  /**
   * At most one refresh per namespace per REFRESH_DELAY_MS: an event after a quiet spell is
   * shown at once, the events of a burst together at the end of the interval.
   */
  private scheduleNamespace(space: NamespaceState, delay: number): void {
    const wait = delay === 0 ? 0 : Math.max(0, space.lastFlushAt + delay - performance.now());
    if (space.timer) {
      if (wait > 0) return;
      clearTimeout(space.timer);
    }
    space.timer = setTimeout(() => {
      space.timer = undefined;
      space.lastFlushAt = performance.now();
      this.flushNamespace(space);
    }, wait);
  }

  private informerItems<T>(space: NamespaceState, kind: GroupKind): Iterable<T> {
    return (space.informers.get(kind)?.items.values() ?? []) as Iterable<T>;
  }

  /**
   * Rebuilds what the namespace shows from the informers and refreshes only what changed:
   * the namespace when its groups or informer states changed, else the groups whose members
   * changed, the workloads whose object or pods changed, and single pods whose object changed.
   */
  private flushNamespace(space: NamespaceState): void {
    if (space.informers.size === 0) return;
    if (!space.structural && !space.relisting && this.flushStatusOnly(space)) return;
    const pods = space.informers.get('Pod');
    if (space.relisting) {
      // After a restart the old contents stay on screen until the new list is complete.
      if (!space.listed.has('Pod')) return;
      space.relisting = false;
    }
    const now = performance.now();
    const old = space.contents;
    const contents = indexNamespace(this.informerItems<PodJson>(space, 'Pod'), {
      Deployment: this.informerItems<WorkloadJson>(space, 'Deployment'),
      StatefulSet: this.informerItems<WorkloadJson>(space, 'StatefulSet'),
      DaemonSet: this.informerItems<WorkloadJson>(space, 'DaemonSet'),
      Job: this.informerItems<WorkloadJson>(space, 'Job'),
      CronJob: this.informerItems<WorkloadJson>(space, 'CronJob'),
    });
    const podsListed = space.listed.has('Pod');
    // Pods are shown once the (small) workload lists are in, so that they do not first appear
    // under "Pods" and then move; then page by page.
    const workloadsListed = WORKLOAD_KINDS.every((k) => space.listed.has(k));
    const ready = podsListed || (workloadsListed && contents.pods.size > 0) || pods?.lastFailure !== undefined;
    if (!old && !ready) return;
    space.contents = contents;
    space.structural = false;
    space.modifiedPods.clear();

    // A failed informer retries now and then ('listing' again): that is no change to show.
    const stateSignature = JSON.stringify([...space.informers].map(([kind, i]) => [kind, failedFor(i) ? 'failed' : i.state === 'listing' && space.listed.has(kind) ? 'watching' : i.state, i.lastFailure?.code ?? '']));
    const fire: ClusterNode[] = [];
    if (!old || stateSignature !== space.stateSignature || groupsSignature(old) !== groupsSignature(contents)) {
      fire.push(space.node);
    } else {
      this.changedWithin(space, old, contents, fire);
    }
    space.stateSignature = stateSignature;
    this.pruneNodes(space, contents);

    if (!space.firstPageMeasured && (contents.pods.size > 0 || podsListed)) {
      space.firstPageMeasured = true;
      this.measured.lastFirstPageMs = now - space.startedAt;
    }
    if (!space.fullListMeasured && podsListed) {
      space.fullListMeasured = true;
      this.measured.lastFullListMs = now - space.startedAt;
      this.measured.lastListedPods = contents.pods.size;
      this.logger.info(`Cluster ${space.context.name}: ${plural(contents.pods.size, 'pod')} in ${space.name} listed in ${this.measured.lastFullListMs.toFixed(0)} ms (first page ${(this.measured.lastFirstPageMs ?? 0).toFixed(0)} ms)`);
    }
    if (space.pendingSince !== undefined && fire.length > 0) {
      this.latency = { since: space.pendingSince, nodes: new Set(fire), until: now + LATENCY_WINDOW_MS };
    }
    space.pendingSince = undefined;
    if (fire.length > 0) this.changed.fire(fire);
  }

  /**
   * The common case of a busy namespace: pods whose status changed but not their labels, so
   * they stay where they are. Swaps in the new objects and refreshes just those pods' nodes,
   * without sorting 5,000 pods again. False when a full rebuild is needed.
   */
  private flushStatusOnly(space: NamespaceState): boolean {
    const contents = space.contents;
    if (!contents || space.modifiedPods.size === 0) return false;
    for (const [name, pod] of space.modifiedPods) {
      const before = contents.pods.get(name);
      if (!before || !sameLabels(before, pod)) return false;
    }
    const fire: ClusterNode[] = [];
    for (const [name, pod] of space.modifiedPods) {
      contents.pods.set(name, pod);
      for (const parent of contents.parents.get(name) ?? []) {
        const slash = parent.indexOf('/');
        const parentId = slash < 0 ? groupId(space, 'Pod') : workloadId(space, parent.slice(0, slash) as WorkloadKind, parent.slice(slash + 1));
        const node = space.nodes.get(podId(parentId, name));
        if (node) fire.push(node);
      }
    }
    space.modifiedPods.clear();
    if (space.pendingSince !== undefined && fire.length > 0) {
      this.latency = { since: space.pendingSince, nodes: new Set(fire), until: performance.now() + LATENCY_WINDOW_MS };
    }
    space.pendingSince = undefined;
    if (fire.length > 0) this.changed.fire(fire);
    return true;
  }

  private changedWithin(space: NamespaceState, old: NamespaceContents, contents: NamespaceContents, fire: ClusterNode[]): void {
    for (const group of contents.groups) {
      const groupNode = space.nodes.get(groupId(space, group.kind));
      const before = old.groups.find((g) => g.kind === group.kind);
      if (!before) continue;
      if (group.kind === 'Pod') {
        if (podNames(group.pods) !== podNames(before.pods)) {
          if (groupNode) fire.push(groupNode);
          continue;
        }
        this.changedPods(space, groupId(space, 'Pod'), group.pods, old, fire);
        continue;
      }
      if (workloadNames(group.workloads) !== workloadNames(before.workloads)) {
        if (groupNode) fire.push(groupNode);
        continue;
      }
      for (const entry of group.workloads) {
        const id = workloadId(space, entry.kind, entry.object.metadata.name);
        const node = space.nodes.get(id);
        if (!node) continue;
        const previous = old.workloads.get(workloadKey(entry.kind, entry.object.metadata.name));
        if (!previous || previous.object.metadata.resourceVersion !== entry.object.metadata.resourceVersion || podNames(previous.pods) !== podNames(entry.pods)) {
          fire.push(node);
          continue;
        }
        this.changedPods(space, id, entry.pods, old, fire);
      }
    }
  }

  private changedPods(space: NamespaceState, parentId: string, pods: readonly PodJson[], old: NamespaceContents, fire: ClusterNode[]): void {
    for (const pod of pods) {
      if (old.pods.get(pod.metadata.name)?.metadata.resourceVersion === pod.metadata.resourceVersion) continue;
      const node = space.nodes.get(podId(parentId, pod.metadata.name));
      if (node) fire.push(node);
    }
  }

  /** Forgets nodes of objects that are gone, so the cache stays the size of what is shown. */
  private pruneNodes(space: NamespaceState, contents: NamespaceContents): void {
    for (const [id, node] of space.nodes) {
      const keep =
        node.kind === 'group' ? contents.groups.some((g) => g.kind === node.group)
        : node.kind === 'workload' ? contents.workloads.has(workloadKey(node.workloadKind, node.name))
        : node.kind === 'pod' ? contents.pods.has(node.name)
        : node.kind === 'container' ? contents.pods.has(node.pod)
        : true;
      if (!keep) space.nodes.delete(id);
    }
  }

  private cached<T extends ClusterNode>(space: NamespaceState, id: string, make: () => T): T {
    const existing = space.nodes.get(id);
    if (existing) return existing as T;
    const node = make();
    space.nodes.set(id, node);
    return node;
  }

  // ---- TreeDataProvider --------------------------------------------------------------------

  getChildren(node?: ClusterNode): ClusterNode[] | Promise<ClusterNode[]> {
    if (!node) return this.roots();
    const children = this.childrenOf(node);
    this.served(node);
    return children;
  }

  private async roots(): Promise<ClusterNode[]> {
    const untrusted: MessageNode = { kind: 'message', id: 'msg:trust', label: 'Kubernetes features need a trusted workspace', state: 'trust', icon: 'workspace-untrusted', detail: 'Kubeconfig files can run credential plugins and other programs. Trust this workspace (Workspaces: Manage Workspace Trust) to see your clusters.' };
    if (!vscode.workspace.isTrusted) return [untrusted];
    let kubeconfig;
    try {
      kubeconfig = await this.provider.kubeconfig();
    } catch (error) {
      if (error instanceof KubeUntrustedError) return [untrusted];
      const failure = this.provider.failureOf(error);
      this.logger.error('Kubeconfig could not be read', error);
      return [this.failureNode('msg:kubeconfig', failure)];
    }
    const { merged, sources } = kubeconfig;
    const names = new Set(merged.contexts.map((c) => c.name));
    for (const [name, state] of this.contexts) {
      if (!names.has(name)) {
        this.stopContext(state);
        this.contexts.delete(name);
      }
    }
    if (merged.contexts.length === 0) {
      const paths = sources.map((s) => s.path).join(', ') || '~/.kube/config';
      return [{ kind: 'message', id: 'msg:empty', label: `No Kubernetes contexts in ${paths}`, state: 'empty', icon: 'info', detail: [...merged.warnings, 'Set berth.kube.kubeconfig or KUBECONFIG to use other files.'].join('\n') }];
    }
    return merged.contexts.map((c) => this.contextState(c.name).node);
  }

  private childrenOf(node: ClusterNode): ClusterNode[] {
    switch (node.kind) {
      case 'context': return this.contextChildren(node);
      case 'namespace': return this.namespaceChildren(node);
      case 'group': return this.groupChildren(node);
      case 'workload': return this.workloadChildren(node);
      case 'pod': return this.podChildren(node);
      case 'container':
      case 'message':
        return [];
    }
  }

  private contextChildren(node: ContextNode): ClusterNode[] {
    const state = this.contexts.get(node.contextName);
    if (!state) return [];
    state.wanted = true;
    if (this.visible) this.startContext(state);
    if (state.waiting) {
      return [{
        kind: 'message', id: `msg${SEP}${state.name}${SEP}signIn`, label: `Waiting for sign-in (${state.waiting.command})…`, state: 'signIn', icon: 'loading~spin',
        detail: state.waiting.stderr ? `The credential plugin says:\n${state.waiting.stderr}` : 'The credential plugin is waiting, probably for a browser sign-in.', contextName: state.name,
      }];
    }
    const probe = state.probe;
    if (probe.kind === 'failed') return [this.failureNode(`msg${SEP}${state.name}${SEP}failure`, probe.failure, state.name)];
    const names = this.namespaceNames(state) ?? state.namespaceNames;
    if (probe.kind !== 'ok' && !names) {
      return [{ kind: 'message', id: `msg${SEP}${state.name}${SEP}connecting`, label: `Connecting to ${this.serverOf(state.name) ?? 'the API server'}…`, state: 'loading', icon: 'loading~spin', contextName: state.name }];
    }
    const informer = state.namespaces;
    if (!names) {
      if (informer && failedFor(informer) && informer.lastFailure) return [this.failureNode(`msg${SEP}${state.name}${SEP}failure`, informer.lastFailure, state.name)];
      return [{ kind: 'message', id: `msg${SEP}${state.name}${SEP}listing`, label: 'Listing namespaces…', state: 'loading', icon: 'loading~spin', contextName: state.name }];
    }
    state.namespaceNames = names;
    const nodes: ClusterNode[] = names.map((n) => this.namespaceState(state, n).node);
    if (informer && failedFor(informer) && informer.lastFailure?.code === 'KUBE_FORBIDDEN') {
      nodes.push({ kind: 'message', id: `msg${SEP}${state.name}${SEP}nsForbidden`, label: 'Namespaces not listed: not allowed', state: 'info', icon: 'lock', detail: `${informer.lastFailure.message}\n\nShowing the context's namespace and those set with "Filter Namespaces".`, contextName: state.name });
    } else if (names.length === 0) {
      nodes.push({ kind: 'message', id: `msg${SEP}${state.name}${SEP}filtered`, label: 'No namespace matches the filter', state: 'filtered', icon: 'filter', contextName: state.name });
    }
    return nodes;
  }

  private namespaceChildren(node: NamespaceNode): ClusterNode[] {
    const context = this.contexts.get(node.contextName);
    const space = context?.spaces.get(node.namespace);
    if (!context || !space) return [];
    space.wanted = true;
    this.startNamespace(space);
    const failures: ClusterNode[] = [];
    for (const [kind, informer] of space.informers) {
      const failure = informer.lastFailure;
      if (failure && failedFor(informer)) failures.push(this.failureNode(`msg${SEP}${space.node.id}${SEP}${kind}`, failure, context.name, space.name));
    }
    const contents = space.contents;
    if (!contents) {
      return failures.length > 0 ? failures : [{ kind: 'message', id: `msg${SEP}${space.node.id}${SEP}listing`, label: 'Listing workloads and pods…', state: 'loading', icon: 'loading~spin', contextName: context.name }];
    }
    const nodes: ClusterNode[] = contents.groups.map((g) => this.cached(space, groupId(space, g.kind), (): GroupNode => ({ kind: 'group', id: groupId(space, g.kind), contextName: context.name, namespace: space.name, group: g.kind })));
    if (nodes.length === 0 && failures.length === 0) {
      const listing = space.informers.size > 0 && space.listed.size < space.informers.size;
      nodes.push({ kind: 'message', id: `msg${SEP}${space.node.id}${SEP}empty`, label: listing ? 'Listing workloads and pods…' : 'No workloads or pods', state: listing ? 'loading' : 'empty', icon: listing ? 'loading~spin' : 'info', contextName: context.name });
    }
    return [...nodes, ...failures];
  }

  private groupChildren(node: GroupNode): ClusterNode[] {
    const space = this.contexts.get(node.contextName)?.spaces.get(node.namespace);
    const group = space?.contents?.groups.find((g) => g.kind === node.group);
    if (!space || !group) return [];
    if (group.kind === 'Pod') return group.pods.map((pod) => this.podNode(space, groupId(space, 'Pod'), pod));
    return group.workloads.map((entry) => this.workloadNode(space, entry));
  }

  private workloadChildren(node: WorkloadNode): ClusterNode[] {
    const space = this.contexts.get(node.contextName)?.spaces.get(node.namespace);
    const entry = space?.contents?.workloads.get(workloadKey(node.workloadKind, node.name));
    if (!space || !entry) return [];
    return entry.pods.map((pod) => this.podNode(space, node.id, pod));
  }

  private podChildren(node: PodNode): ClusterNode[] {
    const space = this.contexts.get(node.contextName)?.spaces.get(node.namespace);
    const pod = space?.contents?.pods.get(node.name);
    if (!space || !pod) return [];
    return podContainers(pod).map((c) => {
      const id = `${node.id}${SEP}c${SEP}${c.name}`;
      return this.cached(space, id, (): ContainerNode => ({
        kind: 'container', id, contextName: node.contextName, namespace: node.namespace, pod: node.name, container: c.name,
        target: { kind: 'container', contextName: node.contextName, namespace: node.namespace, pod: node.name, container: c.name },
      }));
    });
  }

  private workloadNode(space: NamespaceState, entry: WorkloadEntry): WorkloadNode {
    const name = entry.object.metadata.name;
    const id = workloadId(space, entry.kind, name);
    const node = this.cached(space, id, (): WorkloadNode => ({
      kind: 'workload', id, contextName: space.context.name, namespace: space.name, workloadKind: entry.kind, name,
      target: { kind: 'workload', contextName: space.context.name, namespace: space.name, workloadKind: entry.kind, name },
    }));
    node.target = { kind: 'workload', contextName: space.context.name, namespace: space.name, workloadKind: entry.kind, name, ...(entry.selector !== undefined ? { selector: entry.selector } : {}) };
    return node;
  }

  private podNode(space: NamespaceState, parentId: string, pod: PodJson): PodNode {
    const name = pod.metadata.name;
    const id = podId(parentId, name);
    const node = this.cached(space, id, (): PodNode => ({
      kind: 'pod', id, contextName: space.context.name, namespace: space.name, name,
      target: { kind: 'pod', contextName: space.context.name, namespace: space.name, name, containers: [] },
    }));
    node.target = { kind: 'pod', contextName: space.context.name, namespace: space.name, name, containers: podContainers(pod).map((c) => c.name) };
    return node;
  }

  private failureNode(id: string, failure: KubeFailure, contextName?: string, namespace?: string): MessageNode {
    return {
      kind: 'message', id, label: failure.message, state: 'failure', icon: FAILURE_ICONS[failure.code], color: 'list.errorForeground',
      detail: failure.hint, ...(contextName !== undefined ? { contextName } : {}), ...(namespace !== undefined ? { namespace } : {}),
    };
  }

  private serverOf(contextName: string): string | undefined {
    const merged = this.provider.current;
    const context = merged?.contexts.find((c) => c.name === contextName);
    return context ? merged?.clusters.find((c) => c.name === context.cluster)?.server : undefined;
  }

  /** Records the update latency when VS Code asks for a node a watch event changed. */
  private served(node: ClusterNode): void {
    const latency = this.latency;
    if (!latency) return;
    const now = performance.now();
    if (now > latency.until) {
      this.latency = undefined;
      return;
    }
    if (latency.nodes.has(node)) this.measured.lastUpdateLatencyMs = now - latency.since;
  }

  getTreeItem(node: ClusterNode): vscode.TreeItem {
    const item = this.treeItem(node);
    this.served(node);
    return item;
  }

  private treeItem(node: ClusterNode): vscode.TreeItem {
    const now = Date.now();
    switch (node.kind) {
      case 'context': return this.contextItem(node);
      case 'namespace': return this.namespaceItem(node);
      case 'group': {
        const group = this.contexts.get(node.contextName)?.spaces.get(node.namespace)?.contents?.groups.find((g) => g.kind === node.group);
        const item = new vscode.TreeItem(GROUP_LABELS[node.group], vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.description = group ? String(group.kind === 'Pod' ? group.pods.length : group.workloads.length) : '';
        item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[node.group]);
        item.contextValue = `group:${node.group}`;
        return item;
      }
      case 'workload': {
        const entry = this.contexts.get(node.contextName)?.spaces.get(node.namespace)?.contents?.workloads.get(workloadKey(node.workloadKind, node.name));
        const item = new vscode.TreeItem(node.name, entry && entry.pods.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.contextValue = `workload:${node.workloadKind}`;
        if (!entry) return item;
        const status = workloadStatus(node.workloadKind, entry.object);
        const age = formatAge(entry.object.metadata.creationTimestamp, now);
        item.description = `${status.ready} · ${status.label} · ${age}`;
        item.iconPath = healthIcon(status.health, status.label);
        item.tooltip = [`${node.workloadKind} ${node.namespace}/${node.name}`, `${status.label}, ready ${status.ready}, age ${age}`, plural(entry.pods.length, 'pod'), entry.selector !== undefined ? `Selector: ${entry.selector}` : 'No pod selector'].join('\n');
        return item;
      }
      case 'pod': {
        const pod = this.contexts.get(node.contextName)?.spaces.get(node.namespace)?.contents?.pods.get(node.name);
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        if (!pod) {
          item.contextValue = 'pod:unknown';
          return item;
        }
        const status = podStatus(pod);
        const age = formatAge(pod.metadata.creationTimestamp, now);
        item.description = `${status.label} · ${status.ready} · ${plural(status.restarts, 'restart')} · ${age}`;
        item.iconPath = healthIcon(status.health, status.label);
        item.contextValue = `pod:${status.health}`;
        item.tooltip = [
          `Pod ${node.namespace}/${node.name}`,
          `${status.label}, ready ${status.ready}, ${plural(status.restarts, 'restart')}, age ${age}`,
          pod.spec?.nodeName ? `Node: ${pod.spec.nodeName}` : '',
          pod.status?.podIP ? `IP: ${pod.status.podIP}` : '',
          pod.status?.message ? `${pod.status.reason ?? 'Message'}: ${pod.status.message}` : '',
        ].filter(Boolean).join('\n');
        return item;
      }
      case 'container': {
        const pod = this.contexts.get(node.contextName)?.spaces.get(node.namespace)?.contents?.pods.get(node.pod);
        const summary = pod ? containerStatus(pod, node.container) : undefined;
        const item = new vscode.TreeItem(node.container, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.contextValue = `container:${summary?.kind ?? 'app'}`;
        if (!summary) return item;
        const kind = summary.kind === 'app' ? '' : `${summary.kind} · `;
        item.description = `${kind}${summary.label} · ${summary.ready ? 'ready' : 'not ready'} · ${plural(summary.restarts, 'restart')}${summary.image ? ` · ${summary.image}` : ''}`;
        item.iconPath = healthIcon(summary.health, summary.label);
        item.tooltip = [
          `Container ${node.container} of ${node.namespace}/${node.pod}${summary.kind === 'app' ? '' : ` (${summary.kind})`}`,
          `${summary.label}, ${summary.ready ? 'ready' : 'not ready'}, ${plural(summary.restarts, 'restart')}`,
          summary.image ? `Image: ${summary.image}` : '',
          summary.lastTermination ? `Last ended: ${summary.lastTermination}` : '',
        ].filter(Boolean).join('\n');
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
        if (node.description) item.description = node.description;
        item.tooltip = node.detail ? `${node.label}\n\n${node.detail}` : node.label;
        item.contextValue = `message:${node.state}`;
        if (node.state === 'trust') item.command = { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' };
        else if (node.state === 'failure') item.command = { command: 'berth.kube.refresh', title: 'Retry', arguments: [node] };
        else if (node.state === 'filtered') item.command = { command: 'berth.kube.filterNamespaces', title: 'Filter Namespaces', arguments: [node] };
        return item;
      }
    }
  }

  private contextItem(node: ContextNode): vscode.TreeItem {
    const state = this.contexts.get(node.contextName);
    const merged = this.provider.current;
    const context = merged?.contexts.find((c) => c.name === node.contextName);
    const isCurrent = merged?.currentContext === node.contextName;
    const isProtected = isProtectedContext(node.contextName, this.provider.protectedPatterns());
    const item = new vscode.TreeItem(node.contextName, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.contextValue = `context:${isCurrent ? 'current' : 'other'}${isProtected ? ':protected' : ''}`;
    const parts: string[] = [];
    if (isCurrent) parts.push('current');
    if (isProtected) parts.push('protected');
    const probe = state?.probe ?? { kind: 'idle' };
    let icon: vscode.ThemeIcon;
    let status = '';
    if (state?.waiting) {
      status = 'waiting for sign-in';
      icon = new vscode.ThemeIcon('key', new vscode.ThemeColor('list.warningForeground'));
    } else if (probe.kind === 'probing') {
      status = 'connecting…';
      icon = new vscode.ThemeIcon('loading~spin');
    } else if (probe.kind === 'ok') {
      const reconnecting = state?.namespaces?.state === 'reconnecting';
      status = reconnecting ? 'reconnecting…' : probe.version;
      icon = new vscode.ThemeIcon(reconnecting ? 'sync' : 'cloud', new vscode.ThemeColor(reconnecting ? 'list.warningForeground' : 'testing.iconPassed'));
    } else if (probe.kind === 'failed') {
      status = FAILURE_WORDS[probe.failure.code];
      icon = new vscode.ThemeIcon(FAILURE_ICONS[probe.failure.code], new vscode.ThemeColor('list.errorForeground'));
    } else {
      icon = new vscode.ThemeIcon(isCurrent ? 'star-full' : 'cloud');
    }
    if (status) parts.push(status);
    item.description = parts.join(' · ');
    item.iconPath = icon;
    const cluster = context ? merged?.clusters.find((c) => c.name === context.cluster) : undefined;
    item.tooltip = [
      `Context ${node.contextName}${isCurrent ? ' (current)' : ''}${isProtected ? ' — protected: changes need its name typed' : ''}`,
      context ? `Cluster: ${context.cluster}${cluster ? ` (${cluster.server})` : ''}` : '',
      context ? `User: ${context.user}` : '',
      `Namespace: ${context?.namespace ?? 'default'}`,
      context ? `From: ${context.sourcePath}` : '',
      cluster?.insecureSkipTlsVerify ? 'Warning: TLS verification is off for this cluster (insecure-skip-tls-verify).' : '',
      probe.kind === 'failed' ? `\n${probe.failure.message}\n${probe.failure.hint}` : '',
    ].filter(Boolean).join('\n');
    return item;
  }

  private namespaceItem(node: NamespaceNode): vscode.TreeItem {
    const state = this.contexts.get(node.contextName);
    const space = state?.spaces.get(node.namespace);
    const isCurrent = this.currentNamespace(node.contextName) === node.namespace;
    const item = new vscode.TreeItem(node.namespace, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.contextValue = `namespace:${isCurrent ? 'current' : 'other'}`;
    const parts: string[] = [];
    if (isCurrent) parts.push('current');
    if (state?.terminating.has(node.namespace)) parts.push('Terminating');
    const informers = [...(space?.informers.values() ?? [])];
    const states = new Set<InformerState>(informers.map((i) => i.state));
    if (states.has('reconnecting')) parts.push('reconnecting…');
    item.description = parts.join(' · ');
    item.iconPath = new vscode.ThemeIcon(states.has('reconnecting') ? 'sync' : 'symbol-namespace', isCurrent ? new vscode.ThemeColor('charts.blue') : undefined);
    const reconnecting = informers.find((i) => i.state === 'reconnecting')?.lastFailure;
    item.tooltip = `Namespace ${node.namespace} of ${node.contextName}${isCurrent ? ' (the context\'s current namespace)' : ''}${reconnecting ? `\n\nReconnecting: ${reconnecting.message}` : ''}`;
    return item;
  }

  dispose(): void {
    for (const state of this.contexts.values()) this.stopContext(state);
    this.contexts.clear();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

/** Failed, or retrying after a failure that does not heal soon (403): shown as failed. */
function failedFor(informer: Informer<unknown>): boolean {
  return informer.state === 'failed' || (informer.state === 'listing' && informer.lastFailure !== undefined && informer.items.size === 0);
}

/** Drops what a collapsed namespace showed: 5,000 pods need not stay in memory unseen. */
function forget(space: NamespaceState): void {
  space.contents = undefined;
  space.nodes.clear();
  space.stateSignature = '';
}

function groupId(space: NamespaceState, kind: GroupKind): string {
  return `${space.node.id}${SEP}g${SEP}${kind}`;
}

function workloadId(space: NamespaceState, kind: WorkloadKind, name: string): string {
  return `${space.node.id}${SEP}w${SEP}${kind}${SEP}${name}`;
}

function podId(parentId: string, name: string): string {
  return `${parentId}${SEP}p${SEP}${name}`;
}

function sameLabels(a: PodJson, b: PodJson): boolean {
  const x = a.metadata.labels ?? {};
  const y = b.metadata.labels ?? {};
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) if (x[key] !== y[key]) return false;
  return true;
}

function groupsSignature(contents: NamespaceContents): string {
  return contents.groups.map((g) => g.kind).join(',');
}

function podNames(pods: readonly PodJson[]): string {
  return pods.map((p) => p.metadata.name).join('\n');
}

function workloadNames(entries: readonly WorkloadEntry[]): string {
  return entries.map((e) => e.object.metadata.name).join('\n');
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.at(-1) ?? '').slice(0, 200);
}
