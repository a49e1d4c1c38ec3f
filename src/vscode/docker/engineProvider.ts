import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as Clients from '../../clients/index';
import type { DockerEngine } from '../../clients/index';
import type { Logger } from '../logger';

/**
 * Loads the SDK bundle (dist/clients.js, with dockerode) on first use and keeps one
 * engine client for the endpoint the settings and environment select. The endpoint
 * setting is machine-scoped and read from the user's own settings only: a workspace
 * can never point Berth at another engine.
 */
export class EngineProvider implements vscode.Disposable {
  private clients: typeof Clients | undefined;
  private current: DockerEngine | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the endpoint settings change (the next `engine()` is a new client). */
  readonly onDidChangeEngine = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly extensionPath: string, private readonly logger: Logger) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('berth.docker')) {
        this.current = undefined;
        this.changed.fire();
      }
    });
  }

  /** The clients bundle, required on first use. */
  load(): typeof Clients {
    if (!this.clients) {
      const started = performance.now();
      // A runtime require: the bundle is separate so that activation never parses dockerode.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.clients = require(path.join(this.extensionPath, 'dist', 'clients.js')) as typeof Clients;
      this.logger.info(`Docker client loaded in ${(performance.now() - started).toFixed(0)} ms`);
    }
    return this.clients;
  }

  /** The user's `berth.docker.host`, ignoring any workspace or folder value. */
  hostSetting(): string | undefined {
    const inspected = vscode.workspace.getConfiguration('berth.docker').inspect<string>('host');
    const value = inspected?.globalValue;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  }

  deadlineMs(): number {
    const inspected = vscode.workspace.getConfiguration('berth.docker').inspect<number>('deadlineSeconds');
    const seconds = inspected?.globalValue ?? inspected?.defaultValue ?? 10;
    return Math.max(1, seconds) * 1000;
  }

  /** The engine client; throws an EndpointError for a malformed endpoint or missing context. */
  engine(): DockerEngine {
    if (!this.current) {
      const clients = this.load();
      const endpoint = clients.resolveEndpoint(this.hostSetting());
      for (const warning of endpoint.warnings) this.logger.warn(warning);
      this.logger.info(`Docker endpoint: ${endpoint.description}`);
      this.current = new clients.DockerEngine(endpoint, this.deadlineMs());
    }
    return this.current;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
