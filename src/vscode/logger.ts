import * as vscode from 'vscode';

/** The "Berth" output channel. Secrets never reach it: callers pass sanitised text only. */
export class Logger implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Berth', { log: true });

  info(message: string): void { this.channel.info(message); }
  warn(message: string): void { this.channel.warn(message); }
  error(message: string, err?: unknown): void {
    const detail = err instanceof Error ? (err.stack ?? err.message) : typeof err === 'string' ? err : err === undefined ? '' : JSON.stringify(err);
    this.channel.error(detail ? `${message}: ${detail}` : message);
  }
  show(): void { this.channel.show(true); }
  dispose(): void { this.channel.dispose(); }
}
