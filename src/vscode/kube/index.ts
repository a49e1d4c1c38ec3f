import * as vscode from 'vscode';
import { registerCommand } from '../commands';
import type { Logger } from '../logger';
import { ClustersTree } from './clustersTree';
import { KubeCommands } from './commands';
import { KubeProvider } from './kubeProvider';
import { NamespaceFilters } from './namespaceFilters';
import { KUBE_SCHEME, KubeYamlDocuments } from './yamlDocuments';

/**
 * The Kubernetes features: the Clusters view and its actions. Nothing here reads a kubeconfig
 * or requires dist/kube.js until the view is shown or a command runs. Returns the provider
 * (kubeconfig, connections) that the log panel shares, and the tree (for its selection).
 */
export function registerKube(context: vscode.ExtensionContext, logger: Logger): { provider: KubeProvider; tree: ClustersTree } {
  const provider = new KubeProvider(context.extensionPath, logger);
  const filters = new NamespaceFilters(context.globalState);
  const tree = new ClustersTree(provider, filters, logger);
  const view = vscode.window.createTreeView('berth.clusters', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  tree.attach(view);
  const documents = new KubeYamlDocuments(provider);
  // The tree stops its informers before the provider closes the connections under them.
  context.subscriptions.push(provider, filters, documents, vscode.workspace.registerTextDocumentContentProvider(KUBE_SCHEME, documents), view, tree);

  const commands = new KubeCommands(provider, tree, documents, filters, logger);
  registerCommand(context, logger, 'berth.kube.refresh', (node) => commands.refresh(node));
  registerCommand(context, logger, 'berth.kube.describe', (node, nodes) => commands.describe(node, nodes));
  registerCommand(context, logger, 'berth.kube.openYaml', (node, nodes) => commands.openYaml(node, nodes));
  registerCommand(context, logger, 'berth.kube.copyName', (node, nodes) => commands.copyName(node, nodes));
  registerCommand(context, logger, 'berth.kube.delete', (node, nodes) => commands.delete(node, nodes));
  registerCommand(context, logger, 'berth.kube.useContext', (node) => commands.useContext(node));
  registerCommand(context, logger, 'berth.kube.useNamespace', (node) => commands.useNamespace(node));
  registerCommand(context, logger, 'berth.kube.filterNamespaces', (node) => commands.filterNamespaces(node));
  registerCommand(context, logger, 'berth.kube.cancelSignIn', (node) => commands.cancelSignIn(node));
  registerCommand(context, logger, 'berth.internal.clustersTreeStats', () => tree.stats());
  return { provider, tree };
}
