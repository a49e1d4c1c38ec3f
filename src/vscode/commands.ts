import * as vscode from 'vscode';
import type { Logger } from './logger';

/** Thrown (or rejected) when the user cancelled: no message, no log noise. */
export class UserCancelled extends Error {
  constructor() { super('Cancelled'); this.name = 'UserCancelled'; }
}

/**
 * One way in for commands: every handler is wrapped once, so that a failure is logged
 * with its detail and shown as a short message with "Show Logs"; cancellation is silent.
 */
export function registerCommand(
  context: vscode.ExtensionContext,
  logger: Logger,
  id: string,
  handler: (...args: unknown[]) => unknown,
): void {
  context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      if (err instanceof UserCancelled || (err instanceof vscode.CancellationError)) return undefined;
      logger.error(`Command ${id} failed`, err);
      const message = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(`Berth: ${message}`, 'Show Logs').then((choice) => {
        if (choice === 'Show Logs') logger.show();
      });
      return undefined;
    }
  }));
}
