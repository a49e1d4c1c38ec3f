// The log panel's extension-host side: which target (tree node or quick picks), one webview
// panel per target, the streams behind it (logPanelSession), and what only the host can do:
// save to a file, copy to the clipboard. Every message from the webview is validated
// (protocol.parseWebviewMessage) and the only webview string that can reach a request is a
// container name that is one of the target's real containers.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import * as os from 'node:os';
import { finished } from 'node:stream/promises';
import * as vscode from 'vscode';
import type { KubeConnection, ResourceRef } from '../../clients/kube/api';
import type { NamespaceJson, PodJson, WorkloadJson } from '../../core/kube/objects';
import { podContainers, podStatus } from '../../core/kube/podStatus';
import type { KubeFailure, WorkloadKind } from '../../core/kube/types';
import { podSelectorOf, selectorToString } from '../../core/kube/workloads';
import { stripAnsi } from '../../core/logs/ansi';
import { MAX_TAIL_LINES } from '../../core/logs/protocol';
import type { StreamOptions, WebviewMessage, WireLine, WireSource } from '../../core/logs/protocol';
import { UserCancelled, registerCommand } from '../commands';
import type { Logger } from '../logger';
import type { KubeProvider } from './kubeProvider';
import { podLogDriver, workloadLogDriver } from './logPanelDrivers';
import { logPanelHtml } from './logPanelHtml';
import { LogSession, acceptWebviewMessage, formatSavedLine } from './logPanelSession';
import type { LogDriver, LogSessionStats } from './logPanelSession';
import { kubeTargetOf } from './targets';
import type { KubeTarget } from './targets';

/** What a log panel can be opened on. */
export type LogTarget = Extract<KubeTarget, { kind: 'pod' | 'container' | 'workload' }>;

/** The provider methods the panel uses (KubeProvider has them; tests may pass less). */
type Kube = Pick<KubeProvider, 'connection' | 'kubeconfig' | 'failureOf' | 'existingConnection' | 'onDidChangeKubeconfig'>;

export interface LogSettings {
  maxLines: number;
  /** -1: the whole log. */
  tailLines: number;
  maxStreams: number;
}

const DEFAULT_SETTINGS: LogSettings = { maxLines: 50_000, tailLines: 1000, maxStreams: 20 };
/** Invalid messages logged per panel; a webview that keeps sending them is not allowed to flood the log. */
const MAX_LOGGED_INVALID = 20;
/** Lines per write when saving: big enough to be fast, small enough to honour back-pressure. */
const SAVE_CHUNK_LINES = 2000;

const WORKLOAD_REFS: Record<WorkloadKind, Pick<ResourceRef, 'group' | 'version' | 'resource'>> = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
};

function clampInteger(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.trunc(value))) : fallback;
}

export function readLogSettings(): LogSettings {
  const config = vscode.workspace.getConfiguration('berth.logs');
  return {
    maxLines: clampInteger(config.get('maxLines'), 1000, 1_000_000, DEFAULT_SETTINGS.maxLines),
    tailLines: clampInteger(config.get('tailLines'), -1, MAX_TAIL_LINES, DEFAULT_SETTINGS.tailLines),
    maxStreams: clampInteger(config.get('maxStreams'), 1, 200, DEFAULT_SETTINGS.maxStreams),
  };
}

function initialOptions(settings: LogSettings, previous: boolean, container?: string): StreamOptions {
  // A previous container has exited: there is nothing to follow.
  const options: StreamOptions = { follow: !previous, previous };
  if (settings.tailLines >= 0) options.tailLines = settings.tailLines;
  if (container !== undefined) options.container = container;
  return options;
}

/** One key per target: opening the same target again reveals its panel. */
export function logTargetKey(target: LogTarget): string {
  switch (target.kind) {
    case 'pod': return ['pod', target.contextName, target.namespace, target.name].join('\u0000');
    case 'container': return ['container', target.contextName, target.namespace, target.pod, target.container].join('\u0000');
    case 'workload': return ['workload', target.contextName, target.namespace, target.workloadKind, target.name].join('\u0000');
  }
}

function targetName(target: LogTarget): string {
  return target.kind === 'container' ? `${target.pod}/${target.container}` : target.name;
}

function describeTarget(target: LogTarget): string {
  const what = target.kind === 'workload' ? target.workloadKind : target.kind;
  return `${what} ${targetName(target)} in ${target.contextName}/${target.namespace}`;
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** A target from a tree node, or a bare target object (tests, other commands), checked field by field. */
export function logTargetOf(arg: unknown): KubeTarget | undefined {
  const candidate = kubeTargetOf(arg) ?? (typeof arg === 'object' && arg !== null && 'kind' in arg ? (arg as KubeTarget) : undefined);
  if (!candidate || !isString(candidate.contextName)) return undefined;
  switch (candidate.kind) {
    case 'context':
      return candidate;
    case 'namespace':
      return isString(candidate.namespace) ? candidate : undefined;
    case 'pod':
      return isString(candidate.namespace) && isString(candidate.name) && Array.isArray(candidate.containers) && candidate.containers.every(isString) ? candidate : undefined;
    case 'container':
      return isString(candidate.namespace) && isString(candidate.pod) && isString(candidate.container) ? candidate : undefined;
    case 'workload':
      return isString(candidate.namespace) && isString(candidate.name) && candidate.workloadKind in WORKLOAD_REFS
        && (candidate.selector === undefined || typeof candidate.selector === 'string') ? candidate : undefined;
    default:
      return undefined;
  }
}

function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/** One open log panel: a WebviewPanel, its session, and the connection its streams use. */
class LogPanelHost implements vscode.Disposable {
  readonly session: LogSession;
  private readonly subscriptions: vscode.Disposable[] = [];
  private invalidMessages = 0;
  private saving = false;
  private disposed = false;

  constructor(
    readonly target: LogTarget,
    private readonly panel: vscode.WebviewPanel,
    private connection: KubeConnection,
    private readonly makeDriver: (connection: KubeConnection) => LogDriver,
    containers: readonly string[],
    options: StreamOptions,
    settings: LogSettings,
    private readonly kube: Kube,
    private readonly logger: Logger,
    private readonly onDisposed: (host: LogPanelHost) => void,
  ) {
    this.session = new LogSession(makeDriver(connection), describeTarget(target), {
      title: panel.title,
      maxLines: settings.maxLines,
      containers,
      options,
      post: (message) => { void panel.webview.postMessage(message); },
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => { this.onMessage(raw); }),
      // Without retained context a hidden webview is destroyed; it sends `ready` again when shown.
      panel.onDidChangeViewState((e) => { if (!e.webviewPanel.visible) this.session.webviewGone(); }),
      panel.onDidDispose(() => { this.dispose(); }),
      kube.onDidChangeKubeconfig(() => { this.checkConnection(); }),
    );
    this.session.start();
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Starts again with `options` on the context's current connection (a refresh may have replaced it). */
  async restart(options: StreamOptions): Promise<void> {
    const connection = await this.kube.connection(this.target.contextName);
    if (this.disposed) return;
    const driver = connection === this.connection ? undefined : this.makeDriver(connection);
    this.connection = connection;
    this.session.restart(options, driver);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Streams first: closing the panel must release the requests at once (T36).
    this.session.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.panel.dispose();
    this.onDisposed(this);
  }

  /** A refresh or kubeconfig change closed our connection: say so instead of showing streams that no longer run. */
  private checkConnection(): void {
    if (this.disposed || this.kube.existingConnection(this.target.contextName) === this.connection) return;
    this.session.connectionClosed(`The connection to ${this.target.contextName} was closed (refresh or kubeconfig change). Change an option or reopen the panel to follow again.`);
  }

  private onMessage(raw: unknown): void {
    const accepted = acceptWebviewMessage(raw, (name) => this.session.isKnownContainer(name));
    if (!accepted.ok) {
      this.invalidMessages += 1;
      if (this.invalidMessages <= MAX_LOGGED_INVALID) {
        this.logger.warn(`Log panel ${this.panel.title}: ignored a message from the webview: ${accepted.reason}.${this.invalidMessages === MAX_LOGGED_INVALID ? ' Further ones are not logged.' : ''}`);
      }
      return;
    }
    this.handle(accepted.message);
  }

  private handle(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.session.webviewReady();
        break;
      case 'pause':
        this.session.setPaused(message.paused);
        break;
      case 'clear':
        this.session.clear();
        break;
      case 'restart':
        this.restart(message.options).catch((error: unknown) => { this.report('Could not restart the log streams', error); });
        break;
      case 'save':
        this.save().catch((error: unknown) => { this.report('Could not save the log', error); });
        break;
      case 'copy':
        vscode.env.clipboard.writeText(message.text).then(undefined, (error: unknown) => { this.report('Could not copy to the clipboard', error); });
        break;
    }
  }

  private report(what: string, error: unknown): void {
    const failure = this.kube.failureOf(error);
    this.logger.error(`${what} (${this.panel.title})`, error);
    void vscode.window.showErrorMessage(`Berth: ${what}: ${failure.message}`);
  }

  /** Writes the host buffer (with pod tags and timestamps) to a file the user picks, streaming it. */
  private async save(): Promise<void> {
    if (this.saving) return;
    this.saving = true;
    try {
      const { lines, sources, dropped } = this.session.snapshot();
      if (lines.length === 0) {
        void vscode.window.showInformationMessage('Berth: there are no log lines to save.');
        return;
      }
      const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
      const fileName = `${targetName(this.target).replace(/[^\w.-]+/g, '_')}-${stamp}.log`;
      const uri = await vscode.window.showSaveDialog({
        title: 'Save log',
        defaultUri: vscode.Uri.joinPath(folder, fileName),
        filters: { 'Log files': ['log', 'txt'] },
      });
      if (!uri) return;
      await writeLogFile(uri, lines, sources);
      const droppedNote = dropped > 0
        ? ` ${dropped.toLocaleString('en-US')} older ${dropped === 1 ? 'line was' : 'lines were'} dropped from the buffer earlier (berth.logs.maxLines) and ${dropped === 1 ? 'is' : 'are'} not included.`
        : '';
      const open = 'Open';
      const choice = await vscode.window.showInformationMessage(
        `Berth: saved ${lines.length.toLocaleString('en-US')} ${lines.length === 1 ? 'line' : 'lines'} to ${uri.fsPath || uri.toString()}.${droppedNote}`,
        open,
      );
      if (choice === open) await vscode.window.showTextDocument(uri);
    } finally {
      this.saving = false;
    }
  }
}

/** Writes `lines` as text (ANSI sequences removed) to `uri`, through a stream for local files. */
async function writeLogFile(uri: vscode.Uri, lines: readonly WireLine[], sources: readonly WireSource[]): Promise<void> {
  const render = (from: number, to: number): string => {
    let text = '';
    for (let i = from; i < to; i++) text += `${stripAnsi(formatSavedLine(lines[i] as WireLine, sources))}\n`;
    return text;
  };
  if (uri.scheme !== 'file') {
    await vscode.workspace.fs.writeFile(uri, Buffer.from(render(0, lines.length), 'utf8'));
    return;
  }
  const out = createWriteStream(uri.fsPath, { encoding: 'utf8' });
  try {
    for (let i = 0; i < lines.length; i += SAVE_CHUNK_LINES) {
      if (!out.write(render(i, Math.min(lines.length, i + SAVE_CHUNK_LINES)))) await once(out, 'drain');
    }
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
}

/** All log panels, and the commands that open them. */
export class LogPanels implements vscode.Disposable {
  private readonly panels = new Map<string, LogPanelHost>();
  /** The most recently opened (or revealed) panel, for the internal stats command; kept after it closes. */
  private latest: LogPanelHost | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly kube: Kube, private readonly logger: Logger) {}

  /** Opens (or reveals) the panel for a tree node, a target, or what the user picks. */
  async show(arg: unknown, previous: boolean): Promise<void> {
    const given = logTargetOf(arg);
    const target = given && given.kind !== 'context' && given.kind !== 'namespace' ? given : await this.pickTarget(given);
    const key = logTargetKey(target);
    const open = this.panels.get(key);
    if (open) {
      open.reveal();
      this.latest = open;
      const current = open.session.currentOptions;
      if (current.previous !== previous) await open.restart({ ...current, previous, follow: !previous });
      return;
    }
    await this.open(target, key, previous);
  }

  stats(): LogSessionStats | undefined {
    return this.latest?.session.stats();
  }

  /**
   * For tests: `lines` (strings) enter the most recent panel as if a stream delivered them, and
   * the promise resolves once they were posted to the webview (or after `timeoutMs`).
   */
  async inject(arg: unknown): Promise<{ accepted: number; posted: boolean; ms: number }> {
    const host = this.latest;
    const lines = (arg as { lines?: unknown } | undefined)?.lines;
    if (!host || !Array.isArray(lines) || !lines.every((l): l is string => typeof l === 'string')) return { accepted: 0, posted: false, ms: 0 };
    const started = performance.now();
    const before = host.session.stats().linesPosted;
    const source = host.session.snapshot().sources[0];
    host.session.inject(source?.pod ?? 'berth-test', source?.container ?? 'injected', lines);
    const deadline = started + 5000;
    while (host.session.stats().linesPosted < before + lines.length && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const posted = host.session.stats().linesPosted >= before + lines.length;
    return { accepted: lines.length, posted, ms: performance.now() - started };
  }

  dispose(): void {
    for (const host of [...this.panels.values()]) host.dispose();
    this.panels.clear();
  }

  private async open(target: LogTarget, key: string, previous: boolean): Promise<void> {
    const settings = readLogSettings();
    const connection = await this.connect(target.contextName);
    let containers: string[];
    let makeDriver: (connection: KubeConnection) => LogDriver;
    let initialContainer: string | undefined;
    switch (target.kind) {
      case 'pod':
      case 'container': {
        const podName = target.kind === 'pod' ? target.name : target.pod;
        const known = await this.podContainerNames(connection, target.namespace, podName);
        const fallback = target.kind === 'pod' ? target.containers : [target.container];
        containers = known?.all ?? fallback;
        if (target.kind === 'container' && !containers.includes(target.container)) containers = [...containers, target.container];
        const defaults = known?.followed ?? fallback;
        initialContainer = target.kind === 'container' ? target.container : undefined;
        makeDriver = (c) => podLogDriver(c, { namespace: target.namespace, pod: podName, containers: defaults }, settings.maxStreams, (error) => this.kube.failureOf(error));
        break;
      }
      case 'workload': {
        const workload = await this.workload(connection, target);
        const selector = target.selector ?? (workload ? selectorToString(podSelectorOf(target.workloadKind, workload)) : undefined);
        if (selector === undefined || selector === '') {
          throw new Error(target.workloadKind === 'CronJob'
            ? `A CronJob's pods belong to the Jobs it creates: open the logs of one of ${target.name}'s Jobs.`
            : `${target.workloadKind} ${target.name} has no pod selector, so its pods cannot be found.`);
        }
        containers = workload ? templateContainers(workload) : [];
        makeDriver = (c) => workloadLogDriver((t, sink) => c.streamWorkloadLogs(t, sink), { namespace: target.namespace, selector }, settings.maxStreams);
        break;
      }
    }

    const title = `Logs: ${targetName(target)}`;
    const panel = vscode.window.createWebviewPanel('berth.logs', title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
      enableScripts: true,
      enableCommandUris: false,
      enableFindWidget: false,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media', 'logs')],
    });
    const webview = panel.webview;
    webview.html = logPanelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'logs.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'logs', 'logs.css')).toString(),
      nonce: newNonce(),
    });
    let host: LogPanelHost;
    try {
      host = new LogPanelHost(target, panel, connection, makeDriver, containers, initialOptions(settings, previous, initialContainer), settings, this.kube, this.logger, (closed) => {
        if (this.panels.get(key) === closed) this.panels.delete(key);
      });
    } catch (error) {
      panel.dispose();
      throw error;
    }
    this.panels.set(key, host);
    this.latest = host;
    this.logger.info(`Log panel opened: ${describeTarget(target)}`);
  }

  private async connect(contextName: string): Promise<KubeConnection> {
    try {
      return await this.kube.connection(contextName);
    } catch (error) {
      throw this.asError(error);
    }
  }

  private asError(error: unknown): Error {
    if (error instanceof UserCancelled) return error;
    const failure: KubeFailure = this.kube.failureOf(error);
    if (failure.code === 'KUBE_CANCELLED') return new UserCancelled();
    return new Error(`${failure.message}${failure.hint ? ` ${failure.hint}` : ''}`);
  }

  /** The pod's containers: all of them (for the picker) and those followed by default (not init containers). */
  private async podContainerNames(connection: KubeConnection, namespace: string, pod: string): Promise<{ all: string[]; followed: string[] } | undefined> {
    try {
      const object = await connection.get<PodJson>({ group: '', version: 'v1', resource: 'pods', namespace, name: pod });
      const containers = podContainers(object);
      if (containers.length === 0) return undefined;
      return { all: containers.map((c) => c.name), followed: containers.filter((c) => c.kind !== 'init').map((c) => c.name) };
    } catch (error) {
      // The stream itself will report a missing pod or a refusal; the panel still opens.
      this.logger.warn(`Log panel: could not read pod ${namespace}/${pod}: ${this.kube.failureOf(error).message}`);
      return undefined;
    }
  }

  private async workload(connection: KubeConnection, target: Extract<LogTarget, { kind: 'workload' }>): Promise<WorkloadJson | undefined> {
    try {
      return await connection.get<WorkloadJson>({ ...WORKLOAD_REFS[target.workloadKind], namespace: target.namespace, name: target.name });
    } catch (error) {
      if (target.selector === undefined) throw this.asError(error);
      this.logger.warn(`Log panel: could not read ${target.workloadKind} ${target.namespace}/${target.name}: ${this.kube.failureOf(error).message}`);
      return undefined;
    }
  }

  // ---- the palette: context, then namespace, then pod or workload --------------------------

  private async pickTarget(start: KubeTarget | undefined): Promise<LogTarget> {
    const contextName = start?.contextName ?? await this.pickContext();
    const namespace = start?.kind === 'namespace' ? start.namespace : await this.pickNamespace(contextName);
    return this.pickPodOrWorkload(contextName, namespace);
  }

  private async pickContext(): Promise<string> {
    let merged;
    try {
      merged = (await this.kube.kubeconfig()).merged;
    } catch (error) {
      throw this.asError(error);
    }
    const contexts = merged.contexts;
    if (contexts.length === 0) throw new Error('There is no context in the kubeconfig (KUBECONFIG, ~/.kube/config or berth.kube.kubeconfig).');
    const only = contexts[0];
    if (contexts.length === 1 && only) return only.name;
    const items = [...contexts]
      .sort((a, b) => (a.name === merged.currentContext ? -1 : b.name === merged.currentContext ? 1 : a.name.localeCompare(b.name)))
      .map((c) => ({ label: c.name, description: c.name === merged.currentContext ? 'current' : undefined, detail: `cluster ${c.cluster}, user ${c.user}` }));
    const picked = await vscode.window.showQuickPick(items, { title: 'Logs: which context?', matchOnDescription: true, ignoreFocusOut: true });
    if (!picked) throw new UserCancelled();
    return picked.label;
  }

  private async pickNamespace(contextName: string): Promise<string> {
    const connection = await this.connect(contextName);
    const preferred = connection.context.namespace ?? 'default';
    let names: string[] | undefined;
    try {
      const list = await connection.list<NamespaceJson>({ group: '', version: 'v1', resource: 'namespaces' });
      names = list.items.map((n) => n.metadata.name).sort();
    } catch (error) {
      // Users confined to a namespace may not list namespaces: let them type it.
      this.logger.warn(`Log panel: cannot list namespaces of ${contextName}: ${this.kube.failureOf(error).message}`);
    }
    if (!names || names.length === 0) {
      const typed = await vscode.window.showInputBox({
        title: `Logs: namespace in ${contextName}`,
        value: preferred,
        ignoreFocusOut: true,
        prompt: 'This context cannot list namespaces; type one.',
        validateInput: (v) => (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v.trim()) ? undefined : 'Not a namespace name.'),
      });
      if (!typed) throw new UserCancelled();
      return typed.trim();
    }
    const items = [preferred, ...names.filter((n) => n !== preferred)].map((name) => ({ label: name, description: name === preferred ? 'default of the context' : undefined }));
    const picked = await vscode.window.showQuickPick(items, { title: `Logs: which namespace of ${contextName}?`, ignoreFocusOut: true });
    if (!picked) throw new UserCancelled();
    return picked.label;
  }

  private async pickPodOrWorkload(contextName: string, namespace: string): Promise<LogTarget> {
    const connection = await this.connect(contextName);
    type Item = vscode.QuickPickItem & { target?: LogTarget };
    const load = async (): Promise<Item[]> => {
      const workloadKinds = Object.keys(WORKLOAD_REFS).filter((k): k is WorkloadKind => k !== 'CronJob');
      const [pods, ...workloads] = await Promise.allSettled([
        connection.list<PodJson>({ group: '', version: 'v1', resource: 'pods', namespace }),
        ...workloadKinds.map((kind) => connection.list<WorkloadJson>({ ...WORKLOAD_REFS[kind], namespace })),
      ]);
      const items: Item[] = [];
      const workloadItems: Item[] = [];
      workloads.forEach((result, i) => {
        const kind = workloadKinds[i];
        if (result.status !== 'fulfilled' || !kind) return;
        for (const w of result.value.items) {
          const selector = selectorToString(podSelectorOf(kind, w));
          if (!selector) continue;
          workloadItems.push({
            label: `$(layers) ${w.metadata.name}`,
            description: kind,
            target: { kind: 'workload', contextName, namespace, workloadKind: kind, name: w.metadata.name, selector },
          });
        }
      });
      if (workloadItems.length > 0) items.push({ label: 'Workloads (all their pods)', kind: vscode.QuickPickItemKind.Separator }, ...workloadItems.sort((a, b) => a.label.localeCompare(b.label)));
      if (pods.status === 'fulfilled') {
        const podItems: Item[] = pods.value.items.map((pod) => {
          const status = podStatus(pod);
          const names = podContainers(pod).filter((c) => c.kind !== 'init').map((c) => c.name);
          return {
            label: `$(symbol-method) ${pod.metadata.name}`,
            description: `${status.label} · ${status.ready} ready${status.restarts > 0 ? ` · ${status.restarts} restarts` : ''}`,
            target: { kind: 'pod', contextName, namespace, name: pod.metadata.name, containers: names },
          };
        });
        if (podItems.length > 0) items.push({ label: 'Pods', kind: vscode.QuickPickItemKind.Separator }, ...podItems.sort((a, b) => a.label.localeCompare(b.label)));
      } else {
        throw this.asError(pods.reason);
      }
      if (items.length === 0) throw new Error(`There are no pods in ${contextName}/${namespace}.`);
      return items;
    };
    // Kept open when focus moves (a webview taking it back while thousands of pods load would cancel the pick).
    const picked = await vscode.window.showQuickPick(load(), { title: `Logs: which pod or workload in ${contextName}/${namespace}?`, matchOnDescription: true, ignoreFocusOut: true });
    if (!picked?.target) throw new UserCancelled();
    return picked.target;
  }
}

function templateContainers(workload: WorkloadJson): string[] {
  const spec = workload.spec?.template?.spec;
  return (spec?.containers ?? []).map((c) => c.name);
}

/**
 * Registers the log panel commands. The lead calls this from the Kubernetes part of
 * activation; nothing here loads the clients bundle until a command runs.
 */
export function registerLogPanel(context: vscode.ExtensionContext, logger: Logger, provider: KubeProvider): LogPanels {
  const panels = new LogPanels(context.extensionUri, provider, logger);
  context.subscriptions.push(panels);
  registerCommand(context, logger, 'berth.kube.showLogs', (arg) => panels.show(arg, false));
  registerCommand(context, logger, 'berth.kube.showPreviousLogs', (arg) => panels.show(arg, true));
  registerCommand(context, logger, 'berth.internal.logPanelStats', () => panels.stats());
  registerCommand(context, logger, 'berth.internal.logPanelPost', (arg) => panels.inject(arg));
  return panels;
}
