import * as vscode from 'vscode';
import { registerCommand } from '../commands';
import type { Logger } from '../logger';
import { BuildCommand } from './build';
import { EngineProvider } from './engineProvider';
import { ImageCommands } from './imageCommands';
import { ImagesTree } from './imagesTree';
import { SizeLenses } from './sizeLenses';

/**
 * The Docker features: the Images view, build and push, and the layer-size lenses.
 * Nothing here touches the engine until the view is shown or a command runs; the
 * dockerode bundle is required then. Returns the size lenses, so that the stage lenses
 * can defer to figures measured by a build, and the engine provider, shared by every
 * feature that talks to the engine.
 */
export function registerDocker(context: vscode.ExtensionContext, logger: Logger): { sizeLenses: SizeLenses; engines: EngineProvider } {
  const engines = new EngineProvider(context.extensionPath, logger);
  const output = vscode.window.createOutputChannel('Berth Docker');
  const tree = new ImagesTree(engines, logger);
  const view = vscode.window.createTreeView('berth.images', { treeDataProvider: tree, showCollapseAll: true });
  tree.attach(view);
  const lenses = new SizeLenses(context.workspaceState, engines, logger);
  const build = new BuildCommand(engines, output, logger, lenses, () => { void tree.refresh(); });
  const images = new ImageCommands(engines, tree, context.secrets, output, logger);
  context.subscriptions.push(engines, output, tree, view, lenses, build, vscode.languages.registerCodeLensProvider([{ language: 'dockerfile' }], lenses));

  registerCommand(context, logger, 'berth.images.refresh', () => tree.refresh());
  registerCommand(context, logger, 'berth.images.build', (arg) => build.run(arg));
  registerCommand(context, logger, 'berth.images.push', (arg) => images.push(arg));
  registerCommand(context, logger, 'berth.images.tag', (arg) => images.tag(arg));
  registerCommand(context, logger, 'berth.images.remove', (arg) => images.remove(arg));
  registerCommand(context, logger, 'berth.images.pruneDangling', () => images.pruneDangling());
  registerCommand(context, logger, 'berth.images.inspect', (arg) => images.inspect(arg));
  registerCommand(context, logger, 'berth.images.history', (arg) => images.history(arg));
  registerCommand(context, logger, 'berth.internal.imagesListMs', () => tree.lastListMs);
  return { sizeLenses: lenses, engines };
}
