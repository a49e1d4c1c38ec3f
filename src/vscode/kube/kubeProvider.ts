import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KubeClientsModule, KubeConnection, LoadedKubeconfig } from '../../clients/kube/api';
import type { KubeconfigWriter } from '../../clients/kube/kubeconfigWrite';
import type { KubeFailure, KubeconfigSource, MergedKubeconfig } from '../../core/kube/types';
import type { Logger } from '../logger';

/** An exec credential plugin has been running for a while (a browser or device login). */
export interface ExecWaitingInfo {
  readonly contextName: string;
  readonly command: string;
  /** The plugin's stderr so far, redacted by the clients layer (it may hold a device code). */
  readonly stderr: string;
}

/** Thrown instead of reading any kubeconfig while the workspace is not trusted. */
export class KubeUntrustedError extends Error {
  constructor() {
    super('Kubernetes features need a trusted workspace: kubeconfig files can run credential plugins.');
    this.name = 'KubeUntrustedError';
  }
}

const RELOAD_DEBOUNCE_MS = 300;
const DEFAULT_PROTECTED = ['*prod*'];

type KubeModule = KubeClientsModule & Partial<KubeconfigWriter>;

/**
 * Loads the Kubernetes bundle (dist/kube.js) on first use, keeps the merged kubeconfig and
 * one connection per context. Connections are pinned to the server they were made for, and
 * replaced only when that context's cluster or user definition changes. Paths and deadlines
 * come from the user's own settings (machine scope): a workspace can never point Berth at
 * another kubeconfig, and nothing is read while the workspace is untrusted.
 */
export class KubeProvider implements vscode.Disposable {
  private module: KubeModule | undefined;
  private loading: Promise<LoadedKubeconfig> | undefined;
  private loaded: LoadedKubeconfig | undefined;
  private readonly connections = new Map<string, { connection: KubeConnection; key: string }>();
  private watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the kubeconfig, the kube settings or the workspace trust changed. */
  readonly onDidChangeKubeconfig = this.changed.event;
  private readonly execWaiting = new vscode.EventEmitter<ExecWaitingInfo>();
  /** Fires (possibly several times per run, with more stderr) while an exec plugin waits. */
  readonly onDidExecWait = this.execWaiting.event;
  private readonly subscriptions: { dispose(): void }[];

  constructor(private readonly extensionPath: string, private readonly logger: Logger) {
    this.subscriptions = [
      this.changed,
      this.execWaiting,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('berth.kube.kubeconfig') || e.affectsConfiguration('berth.kube.requestTimeoutSeconds') || e.affectsConfiguration('berth.kube.execTimeoutSeconds')) {
          this.invalidate();
        } else if (e.affectsConfiguration('berth.kube.protectedContexts')) {
          this.changed.fire();
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { this.invalidate(); }),
    ];
  }

  /** The clients bundle, required on first use. */
  load(): KubeClientsModule {
    if (!this.module) {
      const started = performance.now();
      // A runtime require: the bundle is separate so that activation never parses client-node.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.module = require(path.join(this.extensionPath, 'dist', 'kube.js')) as KubeModule;
      this.logger.info(`Kubernetes client loaded in ${(performance.now() - started).toFixed(0)} ms`);
    }
    return this.module;
  }

  /** The kubeconfig file edits (dist/kube.js exports them next to the client). */
  writer(): KubeconfigWriter {
    const module = this.load() as KubeModule;
    const { setCurrentContext, setContextNamespace } = module;
    if (!setCurrentContext || !setContextNamespace) throw new Error('This build of Berth cannot edit kubeconfig files (dist/kube.js lacks the writer).');
    return { setCurrentContext, setContextNamespace };
  }

  /** Any error from the clients bundle (or Node), classified. */
  failureOf(error: unknown): KubeFailure {
    if (error instanceof KubeUntrustedError) return { code: 'KUBE_CONFIG', message: error.message, hint: 'Trust this workspace (Workspaces: Manage Workspace Trust) to use the Clusters view.' };
    try {
      return this.load().toKubeFailure(error);
    } catch {
      return { code: 'KUBE_OTHER', message: error instanceof Error ? error.message : String(error), hint: 'See the Berth output channel.' };
    }
  }

  /** The merged kubeconfig, read once and again when its files or the settings change. */
  kubeconfig(): Promise<LoadedKubeconfig> {
    if (!vscode.workspace.isTrusted) return Promise.reject(new KubeUntrustedError());
    if (this.loaded) return Promise.resolve(this.loaded);
    if (!this.loading) {
      const loading = this.read().then(
        (kubeconfig) => {
          if (this.loading === loading) {
            this.loaded = kubeconfig;
            this.loading = undefined;
            this.watchSources(kubeconfig.sources);
          }
          return kubeconfig;
        },
        (error: unknown) => {
          if (this.loading === loading) this.loading = undefined;
          throw error;
        },
      );
      this.loading = loading;
    }
    return this.loading;
  }

  /** The merged kubeconfig if it has been read already (no I/O, no bundle load). */
  get current(): MergedKubeconfig | undefined {
    return this.loaded?.merged;
  }

  /**
   * The connection for a context: one per context, pinned to its server. Throws a KubeError
   * (KUBE_CONFIG) for an incomplete context.
   */
  async connection(contextName: string): Promise<KubeConnection> {
    for (;;) {
      const kubeconfig = await this.kubeconfig();
      // The kubeconfig may have been replaced while we waited: connect with the newest.
      if (this.loaded !== kubeconfig) continue;
      const key = definitionKey(kubeconfig.merged, contextName);
      const existing = this.connections.get(contextName);
      if (existing && existing.key === key) return existing.connection;
      existing?.connection.dispose();
      this.connections.delete(contextName);
      const connection = kubeconfig.connect(contextName, {
        requestDeadlineMs: this.requestDeadlineMs(),
        execDeadlineMs: this.execDeadlineMs(),
        onExecWaiting: (info) => { this.execWaiting.fire({ contextName, command: info.command, stderr: info.stderr }); },
      });
      this.connections.set(contextName, { connection, key });
      return connection;
    }
  }

  /** The live connection of a context, if one was made (for Cancel: never starts anything). */
  existingConnection(contextName: string): KubeConnection | undefined {
    return this.connections.get(contextName)?.connection;
  }

  /** Forgets everything read and every connection (the refresh command, settings, trust). */
  invalidate(): void {
    this.loading = undefined;
    this.loaded = undefined;
    this.closeWatchers();
    for (const { connection } of this.connections.values()) connection.dispose();
    this.connections.clear();
    this.changed.fire();
  }

  /**
   * Reads the files again; when their text changed (or `force`), replaces the kubeconfig,
   * drops the connections whose cluster or user changed, and fires onDidChangeKubeconfig.
   * Connections that did not change stay, with their informers and log streams.
   */
  async reload(options: { force?: boolean } = {}): Promise<void> {
    const previous = this.loaded;
    if (!vscode.workspace.isTrusted) return;
    if (!previous) {
      // Never read, or the last read failed: start over.
      if (options.force) this.invalidate();
      return;
    }
    let fresh: LoadedKubeconfig;
    try {
      fresh = await this.read();
    } catch (error) {
      this.logger.warn(`Kubeconfig: cannot read it again: ${this.failureOf(error).message}`);
      return;
    }
    if (this.loaded !== previous) return;
    if (!options.force && sourcesKey(fresh.sources) === sourcesKey(previous.sources)) return;
    this.loaded = fresh;
    for (const [name, entry] of [...this.connections]) {
      if (definitionKey(fresh.merged, name) !== entry.key) {
        entry.connection.dispose();
        this.connections.delete(name);
      }
    }
    this.watchSources(fresh.sources);
    this.changed.fire();
  }

  /** Deadline for list/get/delete calls, from the user's `berth.kube.requestTimeoutSeconds`. */
  requestDeadlineMs(): number {
    return clamp(this.userSetting<number>('requestTimeoutSeconds', 10), 1, 600) * 1000;
  }

  /** Deadline for an exec credential plugin, from the user's `berth.kube.execTimeoutSeconds`. */
  execDeadlineMs(): number {
    return clamp(this.userSetting<number>('execTimeoutSeconds', 60), 5, 3600) * 1000;
  }

  /** Glob patterns of contexts where changes need the context name typed first. */
  protectedPatterns(): string[] {
    const value: unknown = this.userSetting<unknown>('protectedContexts', DEFAULT_PROTECTED);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : DEFAULT_PROTECTED;
  }

  /** The user's `berth.kube.kubeconfig` paths joined for LoadOptions, or undefined (KUBECONFIG). */
  kubeconfigSetting(): string | undefined {
    const value: unknown = vscode.workspace.getConfiguration('berth.kube').inspect<unknown>('kubeconfig')?.globalValue;
    const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
    const paths = list.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((p) => expandHome(p.trim()));
    return paths.length > 0 ? paths.join(path.delimiter) : undefined;
  }

  /** A setting from the user's settings only: workspace values are ignored on purpose. */
  private userSetting<T>(key: string, fallback: T): T {
    const inspected = vscode.workspace.getConfiguration('berth.kube').inspect<T>(key);
    return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
  }

  private async read(): Promise<LoadedKubeconfig> {
    const started = performance.now();
    const kubeconfig = await this.load().loadKubeconfig({ kubeconfigSetting: this.kubeconfigSetting(), env: { ...process.env }, home: os.homedir() });
    const { merged } = kubeconfig;
    this.logger.info(`Kubeconfig: ${merged.contexts.length} context(s) from ${kubeconfig.sources.map((s) => s.path).join(path.delimiter)} in ${(performance.now() - started).toFixed(0)} ms`);
    for (const warning of merged.warnings) this.logger.warn(`Kubeconfig: ${warning}`);
    return kubeconfig;
  }

  /**
   * Watches the folders of the kubeconfig files (a folder, not the file: editors and
   * kubectl replace files by rename, and a missing file may appear later).
   */
  private watchSources(sources: readonly KubeconfigSource[]): void {
    this.closeWatchers();
    const namesByFolder = new Map<string, Set<string>>();
    for (const source of sources) {
      const folder = path.dirname(source.path);
      const names = namesByFolder.get(folder) ?? new Set<string>();
      names.add(path.basename(source.path));
      namesByFolder.set(folder, names);
    }
    for (const [folder, names] of namesByFolder) {
      try {
        const watcher = watch(folder, { persistent: false }, (_event, filename) => {
          if (filename === null || names.has(filename)) this.scheduleReload();
        });
        watcher.on('error', () => { watcher.close(); });
        this.watchers.push(watcher);
      } catch {
        // The folder does not exist (yet): the refresh command reads again.
      }
    }
  }

  private scheduleReload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reload();
    }, RELOAD_DEBOUNCE_MS);
  }

  private closeWatchers(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = undefined;
  }

  dispose(): void {
    this.closeWatchers();
    for (const { connection } of this.connections.values()) connection.dispose();
    this.connections.clear();
    for (const s of this.subscriptions.reverse()) s.dispose();
  }
}

/** What a connection depends on: the context's cluster and user (not its namespace). */
function definitionKey(merged: MergedKubeconfig, contextName: string): string {
  const context = merged.contexts.find((c) => c.name === contextName);
  if (!context) return `missing:${contextName}`;
  const cluster = merged.clusters.find((c) => c.name === context.cluster);
  const user = merged.users.find((u) => u.name === context.user);
  return JSON.stringify([context.cluster, context.user, cluster ?? null, user ?? null]);
}

function sourcesKey(sources: readonly KubeconfigSource[]): string {
  return JSON.stringify(sources.map((s) => [s.path, s.text ?? null, s.readError ?? null]));
}

function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}
