// The rollout features: the actions on Deployments, StatefulSets and DaemonSets of the
// Clusters view, and the live rollout view. Nothing here loads the clients bundle until a
// command runs.
import * as vscode from 'vscode';
import { registerCommand } from '../commands';
import type { Logger } from '../logger';
import { RolloutCommands } from './rolloutCommands';
import { RolloutPanels } from './rolloutPanel';
import type { RolloutKube } from './rolloutPick';

export { rememberPushedImage, lastPushedImage } from './rolloutLogic';
export type { PushedImage, RolloutTarget } from './rolloutLogic';

/** What "Build, Push and Roll Out" needs from the rollout features. */
export interface RolloutFeatures {
  readonly commands: RolloutCommands;
  readonly panels: RolloutPanels;
}

/**
 * Registers `berth.rollout.*` and `berth.internal.rolloutStats`. `selection` is the Clusters
 * view's selection (for palette runs while a workload is selected).
 */
export function registerRollout(context: vscode.ExtensionContext, logger: Logger, kube: RolloutKube, selection: () => readonly unknown[] = () => []): RolloutFeatures {
  // The commands open views after a change, and the views' buttons run the commands.
  const commands: RolloutCommands = new RolloutCommands(kube, logger, () => panels, selection);
  const panels: RolloutPanels = new RolloutPanels(context.extensionUri, kube, () => commands, logger);
  context.subscriptions.push(panels);

  registerCommand(context, logger, 'berth.rollout.show', (node) => panels.open(node));
  registerCommand(context, logger, 'berth.rollout.setImage', (node) => commands.setImage(node));
  registerCommand(context, logger, 'berth.rollout.restart', (node) => commands.restart(node));
  registerCommand(context, logger, 'berth.rollout.pause', (node) => commands.pause(node));
  registerCommand(context, logger, 'berth.rollout.resume', (node) => commands.resume(node));
  registerCommand(context, logger, 'berth.rollout.undo', (node) => commands.undo(node));
  registerCommand(context, logger, 'berth.rollout.scale', (node) => commands.scale(node));
  registerCommand(context, logger, 'berth.internal.rolloutStats', () => panels.stats());
  registerCommand(context, logger, 'berth.internal.rolloutPost', (message) => panels.post(message));
  return { commands, panels };
}
