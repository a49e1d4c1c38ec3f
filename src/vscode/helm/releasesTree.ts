import * as vscode from 'vscode';
import type { ReleaseListing } from '../../clients/helm/api';
import type { Informer, KubeConnection } from '../../clients/kube/api';
import { HELM_STORAGE_SELECTOR, latestPerRelease, releaseFromSecretLabels, releaseHealth } from '../../core/helm/releases';
import type { HelmReleaseSummary, ReleaseHealthLevel } from '../../core/helm/releases';
import type { HelmRelease, HelmReleaseStatus } from '../../core/helm/types';
import { isProtectedContext } from '../../core/kube/protected';
import type { KubeFailure, KubeFailureCode } from '../../core/kube/types';
import type { Logger } from '../logger';
import { KubeUntrustedError } from '../kube/kubeProvider';
import type { KubeTarget } from '../kube/targets';
import type { ReleaseStore } from './documents';
import type { HelmProvider } from './helmProvider';
import { chartLabel, groupByNamespace, healthOf, manifestResources, needsAttention, releaseDescription, revisionDescription } from './model';
import type { HelmDocumentPart, ManifestResource } from './model';

export type { HelmDocumentPart } from './model';

// ---- nodes -------------------------------------------------------------------------------
// Nodes carry identity (and their parent, for reveal); what they show is read from the
// context's current listing in getTreeItem.

interface NodeBase {
  readonly id: string;
  readonly parent: HelmNode | undefined;
}
interface InRelease extends NodeBase {
  readonly contextName: string;
  readonly namespace: string;
  readonly release: string;
}
export interface HelmContextNode extends NodeBase { readonly kind: 'context'; readonly contextName: string }
export interface HelmNamespaceNode extends NodeBase { readonly kind: 'namespace'; readonly contextName: string; readonly namespace: string }
export interface HelmReleaseNode extends InRelease { readonly kind: 'release' }
export interface HelmAdviceNode extends InRelease { readonly kind: 'advice'; readonly revision: number }
export interface HelmSectionNode extends InRelease { readonly kind: 'section'; readonly section: 'history' | 'values' | 'resources'; readonly revision: number }
export interface HelmRevisionNode extends InRelease { readonly kind: 'revision'; readonly revision: number; readonly current: boolean }
export interface HelmDocumentNode extends InRelease { readonly kind: 'document'; readonly revision: number; readonly part: HelmDocumentPart }
export interface HelmResourceNode extends InRelease { readonly kind: 'resource'; readonly resource: ManifestResource; readonly target: KubeTarget | undefined }
export type HelmMessageState = 'trust' | 'failure' | 'forbidden' | 'loading' | 'empty' | 'info';
export interface HelmMessageNode extends NodeBase {
  readonly kind: 'message';
  readonly label: string;
  readonly state: HelmMessageState;
  readonly icon: string;
  readonly color?: string;
  readonly description?: string;
  readonly detail?: string;
  readonly contextName?: string;
}
export type HelmNode = HelmContextNode | HelmNamespaceNode | HelmReleaseNode | HelmAdviceNode | HelmSectionNode | HelmRevisionNode | HelmDocumentNode | HelmResourceNode | HelmMessageNode;

/** What `berth.internal.releasesTreeStats` returns, for the benchmark and the e2e tests. */
export interface ReleasesTreeStats {
  /** From starting a context's listing to the tree firing with its releases. */
  lastListMs: number | undefined;
  lastListedReleases: number | undefined;
  /** Re-lists caused by watch events since the view started. */
  watchRefreshes: number;
  informers: number;
}

interface SecretMeta {
  metadata: { name: string; namespace?: string; uid: string; labels?: Record<string, string> };
}

type Status = 'idle' | 'loading' | 'ok' | 'failed';

interface ContextState {
  readonly name: string;
  readonly node: HelmContextNode;
  epoch: number;
  /** VS Code shows it expanded. */
  wanted: boolean;
  active: boolean;
  status: Status;
  failure: KubeFailure | undefined;
  abort: AbortController | undefined;
  connection: KubeConnection | undefined;
  /** The current revision of every release, kept while hidden so the tree does not jump. */
  releases: HelmReleaseSummary[] | undefined;
  forbidden: ReleaseListing['forbidden'];
  informers: Informer<SecretMeta>[];
  /** The namespaces the informers cover; undefined: all. */
  watchedNamespaces: Set<string> | undefined;
  subscriptions: { dispose(): void }[];
  timer: NodeJS.Timeout | undefined;
  pendingSince: number | undefined;
  /** Releases (`namespace/name`) whose Secrets changed since the last flush. */
  touched: Set<string>;
  relisting: boolean;
  nodes: Map<string, HelmNode>;
}

const SEP = '\u001f';
/** Helm writes several Secrets per operation: changes this close together are shown together. */
const REFRESH_DEBOUNCE_MS = 300;
/** ... but a busy namespace is still shown at least this often. */
const REFRESH_MAX_DELAY_MS = 2_000;
/** More namespaces than this that refuse listing secrets are shown as one node. */
const MAX_FORBIDDEN_NODES = 5;

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

function releaseKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function healthIcon(health: ReleaseHealthLevel): vscode.ThemeIcon {
  switch (health) {
    case 'ok': return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
    case 'progressing': return new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('list.warningForeground'));
    case 'warning': return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    case 'error': return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    case 'done': return new vscode.ThemeIcon('check', new vscode.ThemeColor('descriptionForeground'));
  }
}

function statusIcon(status: HelmReleaseStatus): vscode.ThemeIcon {
  return healthIcon(releaseHealth(status, { ageMs: 0 }).health);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const DOCUMENT_LABELS: Readonly<Record<HelmDocumentPart, string>> = {
  values: 'User-supplied values',
  computed: 'Computed values',
  manifest: 'Manifest',
  notes: 'Notes',
};

/**
 * The Releases view: every context of the merged kubeconfig, each on its own, with the Helm
 * releases of every namespace read from Helm's storage Secrets (no helm process). While the
 * view is visible a watch on those Secrets (label owner=helm) refreshes what changed, a few
 * hundred milliseconds after Helm stops writing; nothing polls, and nothing is read before the
 * view is shown or after it is hidden.
 */
export class ReleasesTree implements vscode.TreeDataProvider<HelmNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<HelmNode | HelmNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly contexts = new Map<string, ContextState>();
  private view: vscode.TreeView<HelmNode> | undefined;
  private readonly disposables: { dispose(): void }[] = [];
  private readonly measured: ReleasesTreeStats = { lastListMs: undefined, lastListedReleases: undefined, watchRefreshes: 0, informers: 0 };

  constructor(private readonly helm: HelmProvider, private readonly store: ReleaseStore, private readonly logger: Logger) {
    this.disposables.push(
      this.changed,
      helm.kube.onDidChangeKubeconfig(() => { this.kubeconfigChanged(); }),
    );
  }

  attach(view: vscode.TreeView<HelmNode>): void {
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

  stats(): ReleasesTreeStats {
    let informers = 0;
    for (const state of this.contexts.values()) informers += state.informers.length;
    return { ...this.measured, informers };
  }

  /** The selected nodes (palette commands act on the selection). */
  get selection(): readonly HelmNode[] {
    return this.view?.selection ?? [];
  }

  /** The current revision of a release as last listed. */
  summary(contextName: string, namespace: string, name: string): HelmReleaseSummary | undefined {
    return this.contexts.get(contextName)?.releases?.find((r) => r.namespace === namespace && r.name === name);
  }

  /** Releases of a context as last listed (undefined when it was not listed). */
  releasesOf(contextName: string): readonly HelmReleaseSummary[] | undefined {
    return this.contexts.get(contextName)?.releases;
  }

  // ---- refresh entry points ----------------------------------------------------------------

  /** Lists a context again (with no node: reads the kubeconfig again and lists every shown context). */
  async refresh(node?: HelmNode): Promise<void> {
    const contextName = node && 'contextName' in node ? node.contextName : undefined;
    const state = contextName !== undefined ? this.contexts.get(contextName) : undefined;
    if (!state) {
      await this.helm.kube.reload({ force: true });
      for (const s of this.contexts.values()) if (s.active || s.wanted) this.restart(s);
      this.changed.fire(undefined);
      return;
    }
    this.restart(state);
  }

  /**
   * After Berth itself changed a release: list that namespace again now (the watch would too,
   * but the view may be hidden, or watching may not be allowed).
   */
  async changedByBerth(contextName: string, namespace: string, name: string): Promise<void> {
    this.store.invalidate(contextName, namespace, name);
    const state = this.contexts.get(contextName);
    if (!state?.connection || state.status !== 'ok') return;
    await this.relist(state, state.epoch, new Set([namespace]));
  }

  /** Shows a release in the view (after a deploy). */
  async reveal(contextName: string, namespace: string, name: string): Promise<void> {
    const state = this.contexts.get(contextName);
    if (!this.view || !state) return;
    if (!state.releases?.some((r) => r.namespace === namespace && r.name === name)) await this.changedByBerth(contextName, namespace, name);
    const nsNode = this.namespaceNode(state, namespace);
    const node = this.releaseNode(state, nsNode, namespace, name);
    try {
      await this.view.reveal(node, { select: true, focus: false, expand: false });
    } catch {
      // The view may be closed; revealing is a courtesy.
    }
  }

  private restart(state: ContextState): void {
    this.stop(state);
    state.wanted = true;
    if (this.visible) this.start(state);
    this.changed.fire(state.node);
  }

  private kubeconfigChanged(): void {
    for (const state of this.contexts.values()) {
      if (!state.active) continue;
      // A context whose cluster or user did not change keeps its connection and watch.
      if (state.connection && this.helm.kube.existingConnection(state.name) === state.connection) continue;
      this.stop(state);
      if (this.visible && state.wanted) this.start(state);
    }
    this.changed.fire(undefined);
  }

  private shown(): void {
    for (const state of this.contexts.values()) if (state.wanted) this.start(state);
    this.changed.fire(undefined);
  }

  private hidden(): void {
    for (const state of this.contexts.values()) this.stop(state);
  }

  private expanded(node: HelmNode): void {
    if (node.kind !== 'context') return;
    const state = this.contexts.get(node.contextName);
    if (!state) return;
    state.wanted = true;
    if (!state.active && this.visible) {
      this.start(state);
      this.changed.fire(state.node);
    }
  }

  private collapsed(node: HelmNode): void {
    if (node.kind !== 'context') return;
    const state = this.contexts.get(node.contextName);
    if (!state) return;
    state.wanted = false;
    this.stop(state);
  }

  // ---- contexts ----------------------------------------------------------------------------

  private contextState(name: string): ContextState {
    let state = this.contexts.get(name);
    if (!state) {
      state = {
        name,
        node: { kind: 'context', id: `hctx${SEP}${name}`, parent: undefined, contextName: name },
        epoch: 0,
        wanted: false,
        active: false,
        status: 'idle',
        failure: undefined,
        abort: undefined,
        connection: undefined,
        releases: undefined,
        forbidden: [],
        informers: [],
        watchedNamespaces: undefined,
        subscriptions: [],
        timer: undefined,
        pendingSince: undefined,
        touched: new Set(),
        relisting: false,
        nodes: new Map(),
      };
      this.contexts.set(name, state);
    }
    return state;
  }

  /** Lists the context's releases, then watches Helm's Secrets while the view shows it. */
  private start(state: ContextState): void {
    if (state.active) return;
    state.active = true;
    const epoch = ++state.epoch;
    const abort = new AbortController();
    state.abort = abort;
    state.status = 'loading';
    void (async () => {
      const started = performance.now();
      try {
        const connection = await this.helm.kube.connection(state.name);
        if (epoch !== state.epoch) return;
        state.connection = connection;
        const listing = await this.listAll(state, connection, abort.signal);
        if (epoch !== state.epoch) return;
        state.releases = latestPerRelease(listing.releases);
        state.forbidden = listing.forbidden;
        state.status = 'ok';
        state.failure = undefined;
        // Anything may have changed while the view was hidden.
        this.store.invalidate(state.name);
        this.measured.lastListMs = performance.now() - started;
        this.measured.lastListedReleases = state.releases.length;
        this.logger.info(`Helm releases of ${state.name}: ${plural(state.releases.length, 'release')} listed in ${this.measured.lastListMs.toFixed(0)} ms${listing.forbidden.length > 0 ? ` (${listing.forbidden.length} scope(s) forbidden)` : ''}`);
        this.watch(state, connection, epoch);
      } catch (error) {
        if (epoch !== state.epoch) return;
        state.status = 'failed';
        state.failure = this.helm.kube.failureOf(error);
        this.logger.warn(`Helm releases of ${state.name}: ${state.failure.message}`);
      }
      this.changed.fire(state.node);
    })();
  }

  /**
   * Every namespace's releases. When Secrets cannot be listed across namespaces, the context's
   * own namespace is tried on its own, since many users may read only that one.
   */
  private async listAll(state: ContextState, connection: KubeConnection, signal: AbortSignal): Promise<ReleaseListing> {
    const clients = this.helm.clients();
    const listing = await clients.listReleases(connection, { signal });
    const clusterForbidden = listing.forbidden.some((f) => f.namespace === undefined);
    const own = this.ownNamespace(state.name);
    if (clusterForbidden && !listing.releases.some((r) => r.namespace === own) && !listing.forbidden.some((f) => f.namespace === own)) {
      try {
        const mine = await clients.listReleases(connection, { namespace: own, signal });
        return { releases: [...listing.releases, ...mine.releases], forbidden: [...listing.forbidden, ...mine.forbidden] };
      } catch (error) {
        const failure = this.helm.kube.failureOf(error);
        if (failure.code !== 'KUBE_FORBIDDEN') throw error;
        return { releases: listing.releases, forbidden: [...listing.forbidden, { namespace: own, failure }] };
      }
    }
    return listing;
  }

  private ownNamespace(contextName: string): string {
    return this.helm.kube.current?.contexts.find((c) => c.name === contextName)?.namespace ?? 'default';
  }

  private stop(state: ContextState): void {
    state.epoch++;
    state.active = false;
    state.abort?.abort();
    state.abort = undefined;
    if (state.status === 'loading') state.status = state.releases ? 'ok' : 'idle';
    for (const s of state.subscriptions) s.dispose();
    state.subscriptions = [];
    for (const informer of state.informers) informer.stop();
    state.informers = [];
    state.watchedNamespaces = undefined;
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.pendingSince = undefined;
    state.touched.clear();
    state.relisting = false;
  }

  /** One informer on Helm's Secrets of every namespace, or one per readable namespace when that is forbidden. */
  private watch(state: ContextState, connection: KubeConnection, epoch: number): void {
    const clusterForbidden = state.forbidden.some((f) => f.namespace === undefined);
    if (clusterForbidden) {
      this.watchNamespaces(state, connection, epoch);
      return;
    }
    const informer = this.startInformer(state, connection, epoch);
    state.subscriptions.push(informer.onStateChange((s, failure) => {
      if (epoch !== state.epoch || failure?.code !== 'KUBE_FORBIDDEN' || s === 'stopped') return;
      // Listing Secrets everywhere is not allowed: watch the namespaces whose releases were read.
      informer.stop();
      state.informers = state.informers.filter((i) => i !== informer);
      this.watchNamespaces(state, connection, epoch);
    }));
  }

  private watchNamespaces(state: ContextState, connection: KubeConnection, epoch: number): void {
    const forbidden = new Set(state.forbidden.map((f) => f.namespace));
    const namespaces = new Set([...(state.releases ?? []).map((r) => r.namespace), this.ownNamespace(state.name)].filter((n) => !forbidden.has(n)));
    state.watchedNamespaces = namespaces;
    for (const namespace of namespaces) this.startInformer(state, connection, epoch, namespace);
  }

  private startInformer(state: ContextState, connection: KubeConnection, epoch: number, namespace?: string): Informer<SecretMeta> {
    const informer = connection.informer<SecretMeta>({ group: '', version: 'v1', resource: 'secrets', ...(namespace !== undefined ? { namespace } : {}) }, { labelSelector: HELM_STORAGE_SELECTOR });
    state.informers.push(informer);
    state.subscriptions.push(
      informer.onChange((change) => {
        if (epoch !== state.epoch) return;
        const meta = change.object?.metadata;
        const name = meta?.labels?.name;
        if (meta && name) {
          const ns = meta.namespace ?? '';
          state.touched.add(releaseKey(ns, name));
          this.store.invalidate(state.name, ns, name);
        }
        this.schedule(state, epoch);
      }),
      informer.onStateChange((s) => {
        if (epoch === state.epoch && s === 'watching') this.schedule(state, epoch);
      }),
    );
    return informer;
  }

  private schedule(state: ContextState, epoch: number): void {
    const now = performance.now();
    state.pendingSince ??= now;
    if (state.timer) clearTimeout(state.timer);
    const wait = Math.max(0, Math.min(REFRESH_DEBOUNCE_MS, state.pendingSince + REFRESH_MAX_DELAY_MS - now));
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.pendingSince = undefined;
      if (epoch === state.epoch) void this.flush(state, epoch);
    }, wait);
  }

  /**
   * Compares what the Secrets' labels say (each release's newest revision and its status) with
   * what is shown, lists the namespaces that differ again, and refreshes releases whose
   * history changed.
   */
  private async flush(state: ContextState, epoch: number): Promise<void> {
    if (state.relisting || !state.releases) {
      this.schedule(state, epoch);
      return;
    }
    const touched = new Set(state.touched);
    state.touched.clear();
    const fromLabels = new Map<string, string>();
    const covered = new Set<string>();
    let complete = true;
    for (const informer of state.informers) {
      if (informer.state !== 'watching' && informer.items.size === 0) complete = false;
      const summaries: HelmReleaseSummary[] = [];
      for (const secret of informer.items.values()) {
        const summary = releaseFromSecretLabels(secret.metadata.labels, secret.metadata.namespace ?? '');
        if (summary) summaries.push(summary);
      }
      for (const r of latestPerRelease(summaries)) fromLabels.set(releaseKey(r.namespace, r.name), `${r.revision}/${r.status}`);
    }
    const inScope = (namespace: string): boolean => state.watchedNamespaces === undefined || state.watchedNamespaces.has(namespace);
    const dirty = new Set<string>();
    if (complete) {
      for (const r of state.releases) {
        if (!inScope(r.namespace)) continue;
        covered.add(releaseKey(r.namespace, r.name));
        if (fromLabels.get(releaseKey(r.namespace, r.name)) !== `${r.revision}/${r.status}`) dirty.add(r.namespace);
      }
      for (const [key] of fromLabels) if (!covered.has(key)) dirty.add(key.slice(0, key.indexOf('/')));
    }
    for (const key of touched) {
      const namespace = key.slice(0, key.indexOf('/'));
      if (!state.releases.some((r) => releaseKey(r.namespace, r.name) === key)) dirty.add(namespace);
    }
    if (dirty.size > 0) {
      this.measured.watchRefreshes++;
      await this.relist(state, epoch, dirty);
      return;
    }
    // Only older revisions changed (helm marks the previous one superseded): refresh those releases.
    const nodes = [...touched].map((key) => state.nodes.get(this.releaseId(state, key))).filter((n): n is HelmNode => n !== undefined);
    if (nodes.length > 0) this.changed.fire(nodes);
  }

  private async relist(state: ContextState, epoch: number, namespaces: Set<string>): Promise<void> {
    const connection = state.connection;
    if (!connection || !state.releases) return;
    state.relisting = true;
    try {
      const clients = this.helm.clients();
      const results = await Promise.all([...namespaces].map(async (namespace) => {
        try {
          return { namespace, listing: await clients.listReleases(connection, { namespace }) };
        } catch (error) {
          return { namespace, failure: this.helm.kube.failureOf(error) };
        }
      }));
      if (epoch !== state.epoch) return;
      let releases = state.releases.filter((r) => !namespaces.has(r.namespace));
      let forbidden = state.forbidden.filter((f) => f.namespace === undefined || !namespaces.has(f.namespace));
      for (const result of results) {
        if (result.listing) {
          releases = [...releases, ...result.listing.releases.filter((r) => r.namespace === result.namespace)];
          forbidden = [...forbidden, ...result.listing.forbidden];
        } else {
          // Keep showing what was there; say why it may be stale.
          releases = [...releases, ...(state.releases.filter((r) => r.namespace === result.namespace))];
          this.logger.warn(`Helm releases of ${state.name}/${result.namespace}: ${result.failure.message}`);
        }
      }
      state.releases = latestPerRelease(releases);
      state.forbidden = forbidden;
      for (const namespace of namespaces) this.store.invalidate(state.name, namespace);
      this.changed.fire(state.node);
    } finally {
      state.relisting = false;
    }
  }

  // ---- nodes -------------------------------------------------------------------------------

  private cached<T extends HelmNode>(state: ContextState, id: string, make: () => T): T {
    const existing = state.nodes.get(id);
    if (existing) return existing as T;
    const node = make();
    state.nodes.set(id, node);
    return node;
  }

  private releaseId(state: ContextState, key: string): string {
    return `hrel${SEP}${state.name}${SEP}${key}`;
  }

  private namespaceNode(state: ContextState, namespace: string): HelmNamespaceNode {
    const id = `hns${SEP}${state.name}${SEP}${namespace}`;
    return this.cached(state, id, (): HelmNamespaceNode => ({ kind: 'namespace', id, parent: state.node, contextName: state.name, namespace }));
  }

  private releaseNode(state: ContextState, parent: HelmNamespaceNode, namespace: string, release: string): HelmReleaseNode {
    const id = this.releaseId(state, releaseKey(namespace, release));
    return this.cached(state, id, (): HelmReleaseNode => ({ kind: 'release', id, parent, contextName: state.name, namespace, release }));
  }

  getParent(node: HelmNode): HelmNode | undefined {
    return node.parent;
  }

  // ---- TreeDataProvider --------------------------------------------------------------------

  getChildren(node?: HelmNode): HelmNode[] | Promise<HelmNode[]> {
    if (!node) return this.roots();
    switch (node.kind) {
      case 'context': return this.contextChildren(node);
      case 'namespace': return this.namespaceChildren(node);
      case 'release': return this.releaseChildren(node);
      case 'section': return this.sectionChildren(node);
      default: return [];
    }
  }

  private async roots(): Promise<HelmNode[]> {
    const untrusted: HelmMessageNode = {
      kind: 'message', id: 'hmsg:trust', parent: undefined, label: 'Helm releases need a trusted workspace', state: 'trust', icon: 'workspace-untrusted',
      detail: 'Kubeconfig files can run credential plugins, and helm runs chart code. Trust this workspace (Workspaces: Manage Workspace Trust) to see your releases.',
    };
    if (!vscode.workspace.isTrusted) return [untrusted];
    let kubeconfig;
    try {
      kubeconfig = await this.helm.kube.kubeconfig();
    } catch (error) {
      if (error instanceof KubeUntrustedError) return [untrusted];
      const failure = this.helm.kube.failureOf(error);
      return [this.failureNode('hmsg:kubeconfig', undefined, failure)];
    }
    const { merged } = kubeconfig;
    const names = new Set(merged.contexts.map((c) => c.name));
    for (const [name, state] of this.contexts) {
      if (!names.has(name)) {
        this.stop(state);
        this.contexts.delete(name);
      }
    }
    if (merged.contexts.length === 0) {
      return [{ kind: 'message', id: 'hmsg:empty', parent: undefined, label: 'No Kubernetes contexts in the kubeconfig', state: 'empty', icon: 'info', detail: 'Set berth.kube.kubeconfig or KUBECONFIG to use other files.' }];
    }
    // The current context is shown expanded (contextItem), so VS Code asks for its releases at once.
    return merged.contexts.map((c) => this.contextState(c.name).node);
  }

  private contextChildren(node: HelmContextNode): HelmNode[] {
    const state = this.contexts.get(node.contextName);
    if (!state) return [];
    state.wanted = true;
    if (this.visible) this.start(state);
    if (state.status === 'failed' && state.failure) return [this.failureNode(`hmsg${SEP}${state.name}${SEP}failure`, state.node, state.failure, state.name)];
    if (!state.releases) {
      return [{ kind: 'message', id: `hmsg${SEP}${state.name}${SEP}loading`, parent: state.node, label: 'Listing Helm releases…', state: 'loading', icon: 'loading~spin', contextName: state.name }];
    }
    const nodes: HelmNode[] = [];
    const forbiddenHere = new Map(state.forbidden.filter((f) => f.namespace !== undefined).map((f) => [f.namespace ?? '', f.failure]));
    for (const group of groupByNamespace(state.releases)) nodes.push(this.namespaceNode(state, group.namespace));
    const cluster = state.forbidden.find((f) => f.namespace === undefined);
    if (cluster) {
      nodes.push({
        kind: 'message', id: `hmsg${SEP}${state.name}${SEP}forbidden`, parent: state.node, state: 'forbidden', icon: 'lock', color: 'list.warningForeground', contextName: state.name,
        label: 'Not allowed to list secrets in all namespaces', description: 'forbidden',
        detail: `Helm keeps each release in Secrets labelled owner=helm, so Berth needs permission to list secrets to show releases. Only namespaces you may read are shown.\n\n${cluster.failure.message}`,
      });
    }
    const releaseNamespaces = new Set(state.releases.map((r) => r.namespace));
    const refused = [...forbiddenHere].filter(([namespace]) => !releaseNamespaces.has(namespace));
    if (refused.length > MAX_FORBIDDEN_NODES) {
      const names = refused.map(([namespace]) => namespace);
      nodes.push({
        kind: 'message', id: `hmsg${SEP}${state.name}${SEP}forbidden-many`, parent: state.node, state: 'forbidden', icon: 'lock', color: 'list.warningForeground', contextName: state.name,
        label: `${names.length} namespaces: Berth needs permission to list secrets`, description: 'forbidden',
        detail: `Helm keeps each release in Secrets (labelled owner=helm) in the release's namespace, so Berth needs "list" on secrets to show them. Refused in: ${names.join(', ')}.`,
      });
    } else {
      for (const [namespace, failure] of refused) nodes.push(this.forbiddenNode(state, state.node, namespace, failure));
    }
    if (nodes.length === 0) {
      nodes.push({ kind: 'message', id: `hmsg${SEP}${state.name}${SEP}empty`, parent: state.node, label: 'No Helm releases', state: 'empty', icon: 'info', contextName: state.name, detail: 'Deploy a chart: right-click a folder with a Chart.yaml, or run "Berth: Deploy Helm Chart".' });
    }
    return nodes;
  }

  private forbiddenNode(state: ContextState, parent: HelmNode, namespace: string, failure: KubeFailure): HelmMessageNode {
    return {
      kind: 'message', id: `hmsg${SEP}${state.name}${SEP}forbidden${SEP}${namespace}`, parent, state: 'forbidden', icon: 'lock', color: 'list.warningForeground', contextName: state.name,
      label: `${namespace}: Berth needs permission to list secrets`, description: 'forbidden',
      detail: `Helm keeps each release in Secrets (labelled owner=helm) in the release's namespace. Berth reads them to show releases, so it needs "list" (and "watch", "get") on secrets in namespace ${namespace}. Ask your cluster administrator for a Role granting it.\n\n${failure.message}`,
    };
  }

  private namespaceChildren(node: HelmNamespaceNode): HelmNode[] {
    const state = this.contexts.get(node.contextName);
    if (!state?.releases) return [];
    const nodes: HelmNode[] = state.releases.filter((r) => r.namespace === node.namespace).sort((a, b) => a.name.localeCompare(b.name)).map((r) => this.releaseNode(state, node, r.namespace, r.name));
    const forbidden = state.forbidden.find((f) => f.namespace === node.namespace);
    if (forbidden) nodes.push(this.forbiddenNode(state, node, node.namespace, forbidden.failure));
    return nodes;
  }

  private async releaseChildren(node: HelmReleaseNode): Promise<HelmNode[]> {
    const state = this.contexts.get(node.contextName);
    if (!state) return [];
    let history: HelmRelease[];
    try {
      history = await this.store.history(node.contextName, node.namespace, node.release);
    } catch (error) {
      return [this.failureNode(`${node.id}${SEP}failure`, node, this.helm.kube.failureOf(error), node.contextName)];
    }
    const summary = this.summary(node.contextName, node.namespace, node.release);
    const current = history.find((r) => r.revision === summary?.revision) ?? history[0];
    if (!current) return [{ kind: 'message', id: `${node.id}${SEP}gone`, parent: node, label: 'No revisions stored (uninstalled?)', state: 'info', icon: 'info', contextName: node.contextName }];
    const base = { parent: node, contextName: node.contextName, namespace: node.namespace, release: node.release };
    const nodes: HelmNode[] = [];
    if (needsAttention(healthOf(summary ?? current, Date.now(), history))) {
      nodes.push({ kind: 'advice', id: `${node.id}${SEP}advice`, ...base, revision: current.revision });
    }
    nodes.push(
      { kind: 'section', id: `${node.id}${SEP}history`, ...base, section: 'history', revision: current.revision },
      { kind: 'section', id: `${node.id}${SEP}values`, ...base, section: 'values', revision: current.revision },
      { kind: 'document', id: `${node.id}${SEP}manifest`, ...base, revision: current.revision, part: 'manifest' },
      { kind: 'document', id: `${node.id}${SEP}notes`, ...base, revision: current.revision, part: 'notes' },
      { kind: 'section', id: `${node.id}${SEP}resources`, ...base, section: 'resources', revision: current.revision },
    );
    return nodes;
  }

  private async sectionChildren(node: HelmSectionNode): Promise<HelmNode[]> {
    let history: HelmRelease[];
    try {
      history = await this.store.history(node.contextName, node.namespace, node.release);
    } catch (error) {
      return [this.failureNode(`${node.id}${SEP}failure`, node, this.helm.kube.failureOf(error), node.contextName)];
    }
    const base = { parent: node, contextName: node.contextName, namespace: node.namespace, release: node.release };
    switch (node.section) {
      case 'history':
        return history.map((r) => ({ kind: 'revision', id: `${node.id}${SEP}${r.revision}`, ...base, revision: r.revision, current: r.revision === node.revision }));
      case 'values':
        return (['values', 'computed'] as const).map((part) => ({ kind: 'document', id: `${node.id}${SEP}${part}`, ...base, revision: node.revision, part }));
      case 'resources': {
        const current = history.find((r) => r.revision === node.revision);
        if (!current) return [];
        const resources = manifestResources(current.manifest, node.namespace);
        if (resources.length === 0) return [{ kind: 'message', id: `${node.id}${SEP}none`, parent: node, label: 'The manifest declares no resources', state: 'empty', icon: 'info', contextName: node.contextName }];
        return resources.map((resource) => ({
          kind: 'resource', id: `${node.id}${SEP}${resource.kind}${SEP}${resource.namespace}${SEP}${resource.name}`, ...base, resource,
          target: resource.workloadKind ? { kind: 'workload', contextName: node.contextName, namespace: resource.namespace, workloadKind: resource.workloadKind, name: resource.name } : undefined,
        }));
      }
    }
  }

  private failureNode(id: string, parent: HelmNode | undefined, failure: KubeFailure, contextName?: string): HelmMessageNode {
    return {
      kind: 'message', id, parent, label: failure.message, state: failure.code === 'KUBE_FORBIDDEN' ? 'forbidden' : 'failure', icon: failure.code === 'KUBE_FORBIDDEN' ? 'lock' : 'error', color: 'list.errorForeground',
      detail: failure.code === 'KUBE_FORBIDDEN' ? `${failure.hint}\n\nHelm keeps releases in Secrets: Berth needs permission to list secrets.` : failure.hint,
      ...(contextName !== undefined ? { contextName } : {}),
    };
  }

  getTreeItem(node: HelmNode): vscode.TreeItem | Promise<vscode.TreeItem> {
    switch (node.kind) {
      case 'context': return this.contextItem(node);
      case 'namespace': return this.namespaceItem(node);
      case 'release': return this.releaseItem(node);
      case 'advice': return this.adviceItem(node);
      case 'section': return this.sectionItem(node);
      case 'revision': return this.revisionItem(node);
      case 'document': return this.documentItem(node);
      case 'resource': return this.resourceItem(node);
      case 'message': return this.messageItem(node);
    }
  }

  private contextItem(node: HelmContextNode): vscode.TreeItem {
    const state = this.contexts.get(node.contextName);
    const merged = this.helm.kube.current;
    const isCurrent = merged?.currentContext === node.contextName;
    const isProtected = isProtectedContext(node.contextName, this.helm.kube.protectedPatterns());
    const item = new vscode.TreeItem(node.contextName, isCurrent ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.contextValue = `helmContext${isProtected ? ':protected' : ''}`;
    const parts: string[] = [];
    if (isCurrent) parts.push('current');
    if (isProtected) parts.push('protected');
    let icon = new vscode.ThemeIcon(isCurrent ? 'star-full' : 'cloud');
    if (state?.status === 'loading' && !state.releases) {
      parts.push('listing…');
      icon = new vscode.ThemeIcon('loading~spin');
    } else if (state?.status === 'failed' && state.failure) {
      parts.push(FAILURE_WORDS[state.failure.code]);
      icon = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    } else if (state?.releases) {
      const attention = state.releases.filter((r) => needsAttention(healthOf(r, Date.now()))).length;
      parts.push(plural(state.releases.length, 'release'));
      if (attention > 0) parts.push(`${attention} need${attention === 1 ? 's' : ''} attention`);
      icon = new vscode.ThemeIcon('cloud', attention > 0 ? new vscode.ThemeColor('list.warningForeground') : new vscode.ThemeColor('testing.iconPassed'));
    }
    item.description = parts.join(' · ');
    item.iconPath = icon;
    const context = merged?.contexts.find((c) => c.name === node.contextName);
    const server = context ? merged?.clusters.find((c) => c.name === context.cluster)?.server : undefined;
    item.tooltip = [
      `Context ${node.contextName}${isCurrent ? ' (current)' : ''}${isProtected ? ' — protected: changes need its name typed' : ''}`,
      server ? `Server: ${server}` : '',
      state?.failure ? `\n${state.failure.message}\n${state.failure.hint}` : '',
    ].filter(Boolean).join('\n');
    return item;
  }

  private namespaceItem(node: HelmNamespaceNode): vscode.TreeItem {
    const releases = this.contexts.get(node.contextName)?.releases?.filter((r) => r.namespace === node.namespace) ?? [];
    const attention = releases.filter((r) => needsAttention(healthOf(r, Date.now()))).length;
    const item = new vscode.TreeItem(node.namespace, vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.id;
    item.contextValue = 'helmNamespace';
    item.description = [plural(releases.length, 'release'), attention > 0 ? `${attention} need${attention === 1 ? 's' : ''} attention` : ''].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon('symbol-namespace', attention > 0 ? new vscode.ThemeColor('list.warningForeground') : undefined);
    item.tooltip = `Namespace ${node.namespace} of ${node.contextName}`;
    return item;
  }

  private releaseItem(node: HelmReleaseNode): vscode.TreeItem {
    const summary = this.summary(node.contextName, node.namespace, node.release);
    const item = new vscode.TreeItem(node.release, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    if (!summary) {
      item.contextValue = 'helmRelease:unknown';
      return item;
    }
    const now = Date.now();
    const health = healthOf(summary, now);
    item.description = releaseDescription(summary, now);
    item.iconPath = healthIcon(health.health);
    item.contextValue = `helmRelease:${summary.status}${needsAttention(health) ? ':attention' : ''}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${escapeMarkdown(node.release)}** — namespace ${escapeMarkdown(node.namespace)}, context ${escapeMarkdown(node.contextName)}\n\n`);
    tooltip.appendMarkdown(`Chart: ${escapeMarkdown(chartLabel(summary.chart, summary.chartVersion) || 'unknown')}${summary.appVersion ? `, app version ${escapeMarkdown(summary.appVersion)}` : ''}  \n`);
    tooltip.appendMarkdown(`Status: **${summary.status}**, revision ${summary.revision}${summary.updated ? `, updated ${summary.updated.replace('T', ' ').slice(0, 19)} UTC` : ''}\n\n`);
    tooltip.appendMarkdown(escapeMarkdown(health.hint));
    item.tooltip = tooltip;
    return item;
  }

  private async adviceItem(node: HelmAdviceNode): Promise<vscode.TreeItem> {
    const summary = this.summary(node.contextName, node.namespace, node.release);
    const item = new vscode.TreeItem('What to do', vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    const history = await this.store.history(node.contextName, node.namespace, node.release).catch(() => undefined);
    const health = summary ? healthOf(summary, Date.now(), history) : undefined;
    item.description = health?.hint ?? '';
    item.tooltip = health ? `${health.hint}\n\nClick to act on it.` : '';
    item.iconPath = new vscode.ThemeIcon('lightbulb', new vscode.ThemeColor(health?.health === 'error' ? 'list.errorForeground' : 'list.warningForeground'));
    item.contextValue = `helmAdvice:${health?.recover?.action ?? 'none'}`;
    item.command = { command: 'berth.helm.recover', title: 'What to Do', arguments: [node] };
    return item;
  }

  private async sectionItem(node: HelmSectionNode): Promise<vscode.TreeItem> {
    const labels = { history: 'History', values: 'Values', resources: 'Resources' } as const;
    const icons = { history: 'history', values: 'symbol-property', resources: 'symbol-class' } as const;
    const item = new vscode.TreeItem(labels[node.section], vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.iconPath = new vscode.ThemeIcon(icons[node.section]);
    item.contextValue = `helmSection:${node.section}`;
    const history = await this.store.history(node.contextName, node.namespace, node.release).catch(() => undefined);
    if (node.section === 'history' && history) item.description = plural(history.length, 'revision');
    if (node.section === 'resources' && history) {
      const current = history.find((r) => r.revision === node.revision);
      const resources = current ? manifestResources(current.manifest, node.namespace) : [];
      const workloads = resources.filter((r) => r.workloadKind).length;
      item.description = `${resources.length}${workloads > 0 ? ` · ${plural(workloads, 'workload')}` : ''}`;
    }
    if (node.section === 'values') item.description = 'user-supplied, computed';
    return item;
  }

  private async revisionItem(node: HelmRevisionNode): Promise<vscode.TreeItem> {
    const item = new vscode.TreeItem(`Revision ${node.revision}`, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.contextValue = `helmRevision:${node.current ? 'current' : 'past'}`;
    const history = await this.store.history(node.contextName, node.namespace, node.release).catch(() => undefined);
    const release = history?.find((r) => r.revision === node.revision);
    if (release) {
      item.description = `${node.current ? 'current · ' : ''}${revisionDescription(release)}`;
      item.iconPath = statusIcon(release.status);
      item.tooltip = [
        `Revision ${release.revision} of ${release.name}${node.current ? ' (current)' : ''}`,
        `Status: ${release.status}`,
        `Chart: ${chartLabel(release.chart, release.chartVersion)}${release.appVersion ? `, app version ${release.appVersion}` : ''}`,
        release.updated ? `Deployed: ${release.updated}` : '',
        release.description ? `Helm: ${release.description}` : '',
        '',
        'Click to open its manifest.',
      ].filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== '')).join('\n');
    }
    item.command = { command: 'berth.helm.openManifest', title: 'Open Manifest', arguments: [node] };
    return item;
  }

  private async documentItem(node: HelmDocumentNode): Promise<vscode.TreeItem> {
    const item = new vscode.TreeItem(DOCUMENT_LABELS[node.part], vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.contextValue = `helmDocument:${node.part}`;
    item.iconPath = new vscode.ThemeIcon(node.part === 'notes' ? 'note' : node.part === 'manifest' ? 'file-code' : 'symbol-key');
    const release = await this.store.revision(node.contextName, node.namespace, node.release, node.revision).catch(() => undefined);
    if (release) {
      switch (node.part) {
        case 'values': {
          const keys = Object.keys(release.values).length;
          item.description = keys === 0 ? 'none (chart defaults)' : plural(keys, 'top-level key');
          break;
        }
        case 'computed':
          item.description = release.computedValues ? plural(Object.keys(release.computedValues).length, 'top-level key') : 'not stored';
          break;
        case 'manifest':
          item.description = plural(manifestResources(release.manifest, node.namespace).length, 'resource');
          break;
        case 'notes':
          item.description = release.notes ? '' : 'none';
          break;
      }
    }
    item.tooltip = `${DOCUMENT_LABELS[node.part]} of ${node.release} revision ${node.revision} (read-only)`;
    item.command = { command: 'berth.helm.openDocument', title: 'Open', arguments: [node] };
    return item;
  }

  private resourceItem(node: HelmResourceNode): vscode.TreeItem {
    const { resource } = node;
    const item = new vscode.TreeItem(`${resource.kind}/${resource.name}`, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    const otherNamespace = resource.namespace !== node.namespace ? `namespace ${resource.namespace}` : '';
    item.description = [resource.workloadKind ? 'workload' : '', otherNamespace].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(resource.workloadKind ? 'layers' : 'symbol-field');
    item.contextValue = `helmResource:${resource.workloadKind ? 'workload' : 'other'}`;
    item.tooltip = [`${resource.kind} ${resource.namespace}/${resource.name}`, resource.source ? `From ${resource.source}` : '', resource.workloadKind ? 'Click to follow its logs.' : ''].filter(Boolean).join('\n');
    if (node.target) item.command = { command: 'berth.kube.showLogs', title: 'Show Logs', arguments: [node.target] };
    return item;
  }

  private messageItem(node: HelmMessageNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
    if (node.description) item.description = node.description;
    item.tooltip = node.detail ? `${node.label}\n\n${node.detail}` : node.label;
    item.contextValue = `helmMessage:${node.state}`;
    if (node.state === 'trust') item.command = { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' };
    else if (node.state === 'failure' || node.state === 'forbidden') item.command = { command: 'berth.helm.refresh', title: 'Retry', arguments: [node] };
    return item;
  }

  dispose(): void {
    for (const state of this.contexts.values()) this.stop(state);
    this.contexts.clear();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}
