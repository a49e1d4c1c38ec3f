import * as vscode from 'vscode';
import { registerCommand } from '../commands';
import type { Logger } from '../logger';
import type { KubeProvider } from '../kube/kubeProvider';
import { ChartAuthoring } from './chartAuthoring';
import { HelmCommands } from './commands';
import { DeployFlow } from './deploy';
import { HELM_SCHEME, HelmDocuments, ReleaseStore } from './documents';
import { HelmProvider } from './helmProvider';
import { ReleasesTree } from './releasesTree';

/**
 * The Helm features: the Releases view and its actions, deploying a chart, and chart
 * authoring (lint diagnostics, template preview). Shares the Kubernetes provider (kubeconfig,
 * pinned connections) with the Clusters view. Nothing reads a kubeconfig, requires
 * dist/kube.js or runs helm until the view is shown or a command runs (or a chart file is
 * saved in a trusted workspace, for lint on save).
 */
export function registerHelm(context: vscode.ExtensionContext, logger: Logger, kube: KubeProvider): { tree: ReleasesTree; provider: HelmProvider } {
  const helm = new HelmProvider(kube, logger);
  const store = new ReleaseStore(helm);
  const documents = new HelmDocuments(store);
  const tree = new ReleasesTree(helm, store, logger);
  const view = vscode.window.createTreeView('berth.releases', { treeDataProvider: tree, showCollapseAll: true });
  tree.attach(view);
  const authoring = new ChartAuthoring(helm, documents, logger);
  const deploy = new DeployFlow(helm, store, documents, tree, authoring, logger);
  const commands = new HelmCommands(helm, store, documents, tree, deploy, logger);
  // The tree stops its watches before the provider closes the connections under them.
  context.subscriptions.push(helm, documents, vscode.workspace.registerTextDocumentContentProvider(HELM_SCHEME, documents), view, tree, authoring);

  registerCommand(context, logger, 'berth.helm.refresh', (node) => commands.refresh(node));
  registerCommand(context, logger, 'berth.helm.deploy', (arg) => deploy.deploy(arg));
  registerCommand(context, logger, 'berth.helm.upgrade', (node) => commands.upgrade(node));
  registerCommand(context, logger, 'berth.helm.rollback', (node, nodes) => commands.rollback(node, nodes));
  registerCommand(context, logger, 'berth.helm.uninstall', (node) => commands.uninstall(node));
  registerCommand(context, logger, 'berth.helm.diffRevisions', (node) => commands.diffRevisions(node));
  registerCommand(context, logger, 'berth.helm.openValues', (node) => commands.openValues(node));
  registerCommand(context, logger, 'berth.helm.openManifest', (node) => commands.openManifest(node));
  registerCommand(context, logger, 'berth.helm.openNotes', (node) => commands.openNotes(node));
  registerCommand(context, logger, 'berth.helm.openDocument', (node) => commands.openDocument(node));
  registerCommand(context, logger, 'berth.helm.recover', (node) => commands.recover(node));
  registerCommand(context, logger, 'berth.helm.lint', (arg) => authoring.lint(arg));
  registerCommand(context, logger, 'berth.helm.templatePreview', (arg) => authoring.templatePreview(arg));
  registerCommand(context, logger, 'berth.internal.releasesTreeStats', () => tree.stats());
  trackChartFolders(context);
  return { tree, provider: helm };
}

/**
 * Keeps the context key `berth.helm.chartFolders` (the folders that hold a Chart.yaml) for the
 * Explorer's "Deploy Helm Chart" on folders and values files. Found by the search service in
 * the background, after activation, and kept current by a file watcher.
 */
function trackChartFolders(context: vscode.ExtensionContext): void {
  const folders = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const publish = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void vscode.commands.executeCommand('setContext', 'berth.helm.chartFolders', [...folders]);
    }, 200);
  };
  const dirOf = (uri: vscode.Uri): string => vscode.Uri.joinPath(uri, '..').fsPath;
  const watcher = vscode.workspace.createFileSystemWatcher('**/Chart.yaml');
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate((uri) => { folders.add(dirOf(uri)); publish(); }),
    watcher.onDidDelete((uri) => { folders.delete(dirOf(uri)); publish(); }),
    { dispose: () => { if (timer) clearTimeout(timer); } },
  );
  setTimeout(() => {
    void vscode.workspace.findFiles('**/Chart.yaml', '**/node_modules/**', 2000).then((uris) => {
      for (const uri of uris) folders.add(dirOf(uri));
      publish();
    });
  }, 1000);
}
