import * as vscode from 'vscode';
import type { NamespaceJson } from '../../core/kube/objects';
import { isProtectedContext } from '../../core/kube/protected';
import type { ResourceRef, WorkloadKind } from '../../core/kube/types';
import { UserCancelled } from '../commands';
import type { Logger } from '../logger';
import type { ClusterNode, ClustersTree } from './clustersTree';
import type { KubeProvider } from './kubeProvider';
import type { NamespaceFilters } from './namespaceFilters';
import { kubeTargetOf } from './targets';
import type { KubeTarget } from './targets';
import type { KubeYamlDocuments } from './yamlDocuments';
import { yamlUri } from './yamlDocuments';

const WORKLOAD_RESOURCES: Readonly<Record<WorkloadKind, ResourceRef>> = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
};

/** The API object a target stands for (a container stands for its pod); none for a context. */
export function objectRef(target: KubeTarget): ResourceRef | undefined {
  switch (target.kind) {
    case 'context': return undefined;
    case 'namespace': return { group: '', version: 'v1', resource: 'namespaces', name: target.namespace };
    case 'workload': return { ...WORKLOAD_RESOURCES[target.workloadKind], namespace: target.namespace, name: target.name };
    case 'pod': return { group: '', version: 'v1', resource: 'pods', namespace: target.namespace, name: target.name };
    case 'container': return { group: '', version: 'v1', resource: 'pods', namespace: target.namespace, name: target.pod };
  }
}

/** "pod web-1", "deployment web", "namespace team-a", as the confirmations name objects. */
function describeTarget(target: KubeTarget): string {
  switch (target.kind) {
    case 'context': return `context ${target.contextName}`;
    case 'namespace': return `namespace ${target.namespace}`;
    case 'workload': return `${target.workloadKind.toLowerCase()} ${target.name}`;
    case 'pod': return `pod ${target.name}`;
    case 'container': return `container ${target.container} of pod ${target.pod}`;
  }
}

function nameOf(target: KubeTarget): string {
  switch (target.kind) {
    case 'context': return target.contextName;
    case 'namespace': return target.namespace;
    case 'workload':
    case 'pod':
      return target.name;
    case 'container': return target.container;
  }
}

/** A message node (failure, sign-in wait) names its context without being a target. */
function contextNameOf(arg: unknown): string | undefined {
  const target = kubeTargetOf(arg);
  if (target) return target.contextName;
  if (typeof arg !== 'object' || arg === null || !('contextName' in arg)) return undefined;
  const name: unknown = arg.contextName;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The Clusters view's actions. Handlers take `(node?, nodes?)`: from a menu, the clicked node
 * and the multi-selection; from the palette, nothing, and then the view's selection or a
 * picker is used.
 */
export class KubeCommands {
  constructor(
    private readonly provider: KubeProvider,
    private readonly tree: ClustersTree,
    private readonly documents: KubeYamlDocuments,
    private readonly filters: NamespaceFilters,
    private readonly logger: Logger,
  ) {}

  /** Targets of a command: the multi-selection, else the node, else the view's selection. */
  private targets(node: unknown, nodes: unknown): KubeTarget[] {
    const list: readonly unknown[] = Array.isArray(nodes) && nodes.length > 0 ? nodes : node !== undefined ? [node] : this.tree.selection;
    return list.map(kubeTargetOf).filter((t): t is KubeTarget => t !== undefined);
  }

  private async pickContext(title: string): Promise<string> {
    const { merged } = await this.provider.kubeconfig();
    if (merged.contexts.length === 0) throw new Error('The kubeconfig has no contexts.');
    const picked = await vscode.window.showQuickPick(
      merged.contexts.map((c) => ({ label: c.name, description: [c.name === merged.currentContext ? 'current' : '', c.namespace ? `namespace ${c.namespace}` : ''].filter(Boolean).join(' · '), detail: c.sourcePath })),
      { title },
    );
    if (!picked) throw new UserCancelled();
    return picked.label;
  }

  refresh(node?: unknown): Promise<void> {
    return this.tree.refresh(node as ClusterNode | undefined);
  }

  async describe(node?: unknown, nodes?: unknown, preview = true): Promise<void> {
    const targets = this.targets(node, nodes).filter((t) => objectRef(t) !== undefined);
    if (targets.length === 0) throw new Error('Select a namespace, workload, pod or container in the Clusters view.');
    for (const target of targets.slice(0, 10)) {
      const ref = objectRef(target);
      if (!ref) continue;
      const uri = yamlUri({ contextName: target.contextName, ref });
      // Open again: fetch it again.
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.documents.refresh(uri);
      const document = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), 'yaml');
      await vscode.window.showTextDocument(document, { preview: preview && targets.length === 1 });
    }
  }

  openYaml(node?: unknown, nodes?: unknown): Promise<void> {
    return this.describe(node, nodes, false);
  }

  async copyName(node?: unknown, nodes?: unknown): Promise<void> {
    const targets = this.targets(node, nodes);
    if (targets.length === 0) throw new Error('Select something in the Clusters view to copy its name.');
    const text = targets.map(nameOf).join('\n');
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Berth: copied ${targets.length === 1 ? text : `${targets.length} names`}`, 3_000);
  }

  /**
   * Deletes namespaces, workloads or pods of one context after a modal confirmation that
   * names the context, its server, the namespace and each object; a protected context first
   * needs its name typed. The request goes to the connection the confirmation named: if the
   * kubeconfig now points the context at another server, nothing is deleted.
   */
  async delete(node?: unknown, nodes?: unknown): Promise<void> {
    const targets = this.targets(node, nodes);
    if (targets.some((t) => t.kind === 'container')) throw new Error('A container cannot be deleted on its own: delete its pod.');
    const deletable = targets.filter((t): t is Extract<KubeTarget, { kind: 'namespace' | 'workload' | 'pod' }> => t.kind === 'namespace' || t.kind === 'workload' || t.kind === 'pod');
    if (deletable.length === 0) throw new Error('Select a namespace, workload or pod in the Clusters view to delete it.');
    const contextNames = new Set(deletable.map((t) => t.contextName));
    const [contextName] = contextNames;
    if (contextNames.size !== 1 || contextName === undefined) throw new Error('Delete objects of one context at a time.');

    const connection = await this.provider.connection(contextName);
    const server = connection.server;
    if (isProtectedContext(contextName, this.provider.protectedPatterns())) {
      const typed = await vscode.window.showInputBox({
        title: `"${contextName}" is a protected context`,
        prompt: `Type the context name to delete ${deletable.length === 1 && deletable[0] ? describeTarget(deletable[0]) : `${deletable.length} objects`} on ${server}`,
        placeHolder: contextName,
        ignoreFocusOut: true,
        validateInput: (value) => (value === contextName ? undefined : 'Type the context name exactly as shown.'),
      });
      if (typed !== contextName) throw new UserCancelled();
    }

    const namespaces = [...new Set(deletable.map((t) => t.namespace))];
    const lines = deletable.slice(0, 15).map((t) => `  ${describeTarget(t)}${t.kind !== 'namespace' && namespaces.length > 1 ? ` (namespace ${t.namespace})` : ''}`);
    if (deletable.length > 15) lines.push(`  … and ${deletable.length - 15} more`);
    const detail = [
      `Context: ${contextName}`,
      `Server: ${server}`,
      `Namespace: ${namespaces.join(', ')}`,
      '',
      `${deletable.length === 1 ? 'Object' : `${deletable.length} objects`}:`,
      ...lines,
      ...(deletable.some((t) => t.kind === 'namespace') ? ['', 'Deleting a namespace deletes everything in it.'] : []),
      ...(deletable.some((t) => t.kind === 'workload') ? ['', 'The pods of a deleted workload are deleted too.'] : []),
    ].join('\n');
    const title = deletable.length === 1 && deletable[0] ? `Delete ${describeTarget(deletable[0])} from ${contextName}?` : `Delete ${deletable.length} objects from ${contextName}?`;
    const confirm = 'Delete';
    if ((await vscode.window.showWarningMessage(title, { modal: true, detail }, confirm)) !== confirm) throw new UserCancelled();

    // The kubeconfig may have changed while the dialog was open: only the server shown may receive it.
    const now = await this.provider.connection(contextName);
    if (now.server !== server) {
      throw new Error(`The kubeconfig changed while you were confirming: context ${contextName} now points at ${now.server}, not ${server}. Nothing was deleted.`);
    }
    const failed: string[] = [];
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Deleting from ${contextName}` }, async (progress) => {
      for (const target of deletable) {
        const ref = objectRef(target);
        if (!ref) continue;
        progress.report({ message: describeTarget(target) });
        try {
          await now.delete(ref);
          this.logger.info(`Deleted ${describeTarget(target)} (context ${contextName}, server ${server})`);
        } catch (error) {
          const failure = this.provider.failureOf(error);
          this.logger.warn(`Could not delete ${describeTarget(target)} (context ${contextName}): ${failure.message}`);
          failed.push(`${describeTarget(target)}: ${failure.message}`);
        }
      }
    });
    if (failed.length > 0) throw new Error(`Could not delete ${failed.join('; ')}`);
    vscode.window.setStatusBarMessage(`Berth: deleted ${deletable.length === 1 && deletable[0] ? describeTarget(deletable[0]) : `${deletable.length} objects`} from ${contextName}`, 5_000);
  }

  /** Sets the kubeconfig's current-context (in the file that sets it, or the first file). */
  async useContext(node?: unknown): Promise<void> {
    const contextName = kubeTargetOf(node)?.contextName ?? (await this.pickContext('Use which context as the current one?'));
    const kubeconfig = await this.provider.kubeconfig();
    const edit = await this.provider.writer().setCurrentContext(kubeconfig.sources, contextName);
    this.logger.info(`Current context set to ${contextName} in ${edit.path}`);
    await this.provider.reload();
    vscode.window.setStatusBarMessage(`Berth: current context is now ${contextName}`, 5_000);
  }

  /** Sets a context's default namespace in the file that defines the context. */
  async useNamespace(node?: unknown): Promise<void> {
    const target = kubeTargetOf(node);
    const contextName = target?.contextName ?? (await this.pickContext('Set the namespace of which context?'));
    const namespace = target && target.kind !== 'context' ? target.namespace : await this.pickNamespace(contextName);
    const kubeconfig = await this.provider.kubeconfig();
    const edit = await this.provider.writer().setContextNamespace(kubeconfig.sources, contextName, namespace);
    this.logger.info(`Namespace of context ${contextName} set to ${namespace} in ${edit.path}`);
    await this.provider.reload();
    vscode.window.setStatusBarMessage(`Berth: ${contextName} now uses namespace ${namespace}`, 5_000);
  }

  /** The namespaces of a context: those the view listed, else one list call; undefined when not allowed. */
  private async listNamespaces(contextName: string): Promise<string[] | undefined> {
    const known = this.tree.knownNamespaces(contextName);
    if (known && known.length > 0) return known;
    const connection = await this.provider.connection(contextName);
    try {
      const result = await connection.list<NamespaceJson>({ group: '', version: 'v1', resource: 'namespaces' });
      return result.items.map((n) => n.metadata.name).sort();
    } catch (error) {
      const failure = this.provider.failureOf(error);
      if (failure.code === 'KUBE_FORBIDDEN') return undefined;
      throw new Error(failure.message);
    }
  }

  private async pickNamespace(contextName: string): Promise<string> {
    const names = await this.listNamespaces(contextName);
    const current = this.provider.current?.contexts.find((c) => c.name === contextName)?.namespace ?? 'default';
    if (!names) {
      const typed = await vscode.window.showInputBox({
        title: `Namespace for ${contextName}`,
        prompt: 'This context may not list namespaces: type the name.',
        value: current,
        validateInput: (v) => (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) && v.length <= 63 ? undefined : 'Not a valid namespace name.'),
      });
      if (!typed) throw new UserCancelled();
      return typed;
    }
    const picked = await vscode.window.showQuickPick(names.map((n) => ({ label: n, description: n === current ? 'current' : '' })), { title: `Namespace for ${contextName}` });
    if (!picked) throw new UserCancelled();
    return picked.label;
  }

  /** Chooses which namespaces a context shows (none chosen: all). Kept per context. */
  async filterNamespaces(node?: unknown): Promise<void> {
    const contextName = contextNameOf(node) ?? (await this.pickContext('Filter the namespaces of which context?'));
    const chosen = this.filters.get(contextName);
    const names = await this.listNamespaces(contextName);
    if (!names) {
      const typed = await vscode.window.showInputBox({
        title: `Namespaces to show for ${contextName}`,
        prompt: 'This context may not list namespaces: type their names, separated by commas (empty: only its own namespace).',
        value: chosen.join(', '),
      });
      if (typed === undefined) throw new UserCancelled();
      await this.filters.set(contextName, typed.split(',').map((n) => n.trim()).filter((n) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n)));
      return;
    }
    const wanted = new Set(chosen);
    const items = [...new Set([...names, ...chosen])].sort().map((n) => ({ label: n, picked: wanted.has(n) }));
    const picked = await vscode.window.showQuickPick(items, { title: `Namespaces to show for ${contextName} (none selected: all)`, canPickMany: true });
    if (!picked) throw new UserCancelled();
    await this.filters.set(contextName, picked.map((p) => p.label));
  }

  /** Cancel of a sign-in: the exec plugin of that context is killed. */
  async cancelSignIn(node?: unknown): Promise<void> {
    let contextName = contextNameOf(node);
    if (contextName === undefined) {
      const waiting = this.tree.waitingContexts();
      if (waiting.length === 0) throw new Error('No context is waiting for a sign-in.');
      contextName = waiting.length === 1 ? waiting[0] : (await vscode.window.showQuickPick(waiting, { title: 'Cancel the sign-in of which context?' }));
      if (contextName === undefined) throw new UserCancelled();
    }
    this.tree.cancelSignIn(contextName);
  }
}
