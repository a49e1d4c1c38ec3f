import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HelmClient, HelmClientsModule, HelmRunOptions, HelmRunResult } from '../../clients/helm/api';
import type { KubeConnection } from '../../clients/kube/api';
import { helmVersionProblem } from '../../core/helm/args';
import type { HelmTarget } from '../../core/helm/args';
import { isProtectedContext } from '../../core/kube/protected';
import type { Logger } from '../logger';
import type { KubeProvider } from '../kube/kubeProvider';
import { DEFAULT_WAIT_SECONDS, helmKubeconfig, parseDurationSeconds } from './model';

/** Thrown by every helm run and Helm command while the workspace is not trusted. */
export class HelmUntrustedError extends Error {
  constructor() {
    super('Helm needs a trusted workspace: charts and kubeconfig files can run programs. Trust this workspace (Workspaces: Manage Workspace Trust) first.');
    this.name = 'HelmUntrustedError';
  }
}

/**
 * The helm adapters inside dist/kube.js. Until the lead adds `helmClients` to
 * KubeClientsModule this checks the export's shape at run time.
 */
export function helmClientsOf(module: unknown): HelmClientsModule | undefined {
  if (typeof module !== 'object' || module === null || !('helmClients' in module)) return undefined;
  const candidate: unknown = module.helmClients;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const fields = candidate as Partial<Record<keyof HelmClientsModule, unknown>>;
  return typeof fields.findHelm === 'function' && typeof fields.listReleases === 'function' && typeof fields.releaseHistory === 'function' ? (candidate as HelmClientsModule) : undefined;
}

/** A context chosen for an action, with the server it pointed at when it was chosen. */
export interface PinnedContext {
  readonly contextName: string;
  readonly server: string;
  readonly connection: KubeConnection;
  readonly isProtected: boolean;
}

/**
 * Finds helm (from the user's `berth.helm.path`, else PATH) once per setting, and runs it
 * for a pinned context: `--kube-context` and `--namespace` always, and the kubeconfig files
 * Berth loaded (`--kubeconfig`, or KUBECONFIG for several), so helm can never act on the
 * kubeconfig's current context or on other files than the Clusters view shows.
 */
export class HelmProvider implements vscode.Disposable {
  private client: Promise<HelmClient> | undefined;
  private readonly output = vscode.window.createOutputChannel('Berth Helm');
  private readonly subscription: vscode.Disposable;
  /** Runs in progress: stopped when the extension is deactivated (window closed, reload). */
  private readonly running = new Set<AbortController>();

  constructor(readonly kube: KubeProvider, private readonly logger: Logger) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('berth.helm.path')) this.client = undefined;
    });
  }

  /** The helm adapters; throws when this build's dist/kube.js has none. */
  clients(): HelmClientsModule {
    const module = helmClientsOf(this.kube.load());
    if (!module) throw new Error('This build of Berth has no Helm client (dist/kube.js does not export helmClients).');
    return module;
  }

  requireTrust(): void {
    if (!vscode.workspace.isTrusted) throw new HelmUntrustedError();
  }

  /** The user's `berth.helm.path` (machine scope): workspace values are ignored on purpose. */
  pathSetting(): string | undefined {
    const value = vscode.workspace.getConfiguration('berth.helm').inspect<unknown>('path')?.globalValue;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  }

  /** `berth.helm.waitTimeout` in seconds (helm's `--timeout`), 5 minutes when unset or invalid. */
  waitTimeoutSeconds(): number {
    const value = vscode.workspace.getConfiguration('berth.helm').get<unknown>('waitTimeout');
    if (typeof value === 'number' && Number.isFinite(value) && value >= 1) return Math.round(value);
    if (typeof value === 'string') {
      const seconds = parseDurationSeconds(value);
      if (seconds !== undefined) return seconds;
      this.logger.warn(`berth.helm.waitTimeout "${value}" is not a duration such as 5m or 90s; using 5m.`);
    }
    return DEFAULT_WAIT_SECONDS;
  }

  /** helm, found once per setting; rejects with the reason (not found, too old). */
  helm(): Promise<HelmClient> {
    this.requireTrust();
    if (!this.client) {
      const setting = this.pathSetting();
      const finding = this.clients().findHelm({ ...(setting !== undefined ? { setting } : {}), env: { ...process.env } }).then((client) => {
        const problem = helmVersionProblem(client.binary.version);
        if (problem) throw new Error(problem);
        this.logger.info(`Helm: ${client.binary.path} (${client.binary.version.raw})`);
        return client;
      });
      finding.catch(() => { if (this.client === finding) this.client = undefined; });
      this.client = finding;
    }
    return this.client;
  }

  /** Chooses a context for an action: its connection and server now, and whether it is protected. */
  async pin(contextName: string): Promise<PinnedContext> {
    this.requireTrust();
    const connection = await this.kube.connection(contextName);
    return { contextName, server: connection.server, connection, isProtected: isProtectedContext(contextName, this.kube.protectedPatterns()) };
  }

  /**
   * Reads the kubeconfig files again and refuses when the context now points at another server
   * than the one the user confirmed (another terminal edited the kubeconfig meanwhile).
   */
  async recheck(pinned: PinnedContext, nothingDone: string): Promise<KubeConnection> {
    await this.kube.reload();
    const now = await this.kube.connection(pinned.contextName);
    if (now.server !== pinned.server) {
      throw new Error(`The kubeconfig changed while you were confirming: context ${pinned.contextName} now points at ${now.server}, not ${pinned.server}. ${nothingDone}`);
    }
    return now;
  }

  /** `--kube-context`, `--namespace` and the kubeconfig for one helm run, with the environment it needs. */
  async target(contextName: string, namespace: string): Promise<{ target: HelmTarget; env: Record<string, string> }> {
    const kubeconfig = await this.kube.kubeconfig();
    const paths = kubeconfig.sources.filter((s) => s.text !== undefined).map((s) => s.path);
    const chosen = helmKubeconfig(paths, path.delimiter);
    const target: HelmTarget = { kubeContext: contextName, namespace };
    if (chosen.kubeconfig !== undefined) target.kubeconfig = chosen.kubeconfig;
    return { target, env: chosen.env ?? {} };
  }

  /** Runs helm with an argument array, echoing the command and its stderr to the "Berth Helm" output. */
  async run(args: string[], options: HelmRunOptions & { echoStdout?: boolean } = {}): Promise<HelmRunResult> {
    const helm = await this.helm();
    const { echoStdout, ...runOptions } = options;
    this.output.appendLine(`$ ${path.basename(helm.binary.path)} ${args.map(quoteForLog).join(' ')}${runOptions.env?.KUBECONFIG ? `   (KUBECONFIG=${runOptions.env.KUBECONFIG})` : ''}`);
    const started = Date.now();
    // helm stopped with SIGTERM marks an install or upgrade failed; killed with the window it would stay pending.
    const stop = new AbortController();
    const forward = (): void => { stop.abort(); };
    if (runOptions.signal?.aborted) stop.abort();
    runOptions.signal?.addEventListener('abort', forward, { once: true });
    this.running.add(stop);
    try {
      const result = await helm.run(args, {
        ...runOptions,
        signal: stop.signal,
        onStdout: (chunk) => {
          if (echoStdout) this.output.append(chunk);
          runOptions.onStdout?.(chunk);
        },
        onStderr: (chunk) => {
          this.output.append(chunk);
          runOptions.onStderr?.(chunk);
        },
      });
      this.output.appendLine(`  exit 0 in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return result;
    } catch (error) {
      this.output.appendLine(`  failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)}`);
      throw error;
    } finally {
      runOptions.signal?.removeEventListener('abort', forward);
      this.running.delete(stop);
    }
  }

  showOutput(): void {
    this.output.show(true);
  }

  dispose(): void {
    for (const stop of this.running) stop.abort();
    this.running.clear();
    this.subscription.dispose();
    this.output.dispose();
  }
}

function quoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, '\'\\\'\'')}'`;
}
