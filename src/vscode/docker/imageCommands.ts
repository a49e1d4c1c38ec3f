import * as vscode from 'vscode';
import { PushProgressLine } from '../../core/docker/buildStream';
import { registryOf } from '../../core/docker/credentials';
import type { RegistryAuth } from '../../core/docker/credentials';
import { formatBytes } from '../../core/dockerfile/stageSummary';
import { isValidReference, shortImageId } from '../../core/images/imageList';
import { UserCancelled } from '../commands';
import { rememberPushedImage } from '../kube/rolloutLogic';
import type { Logger } from '../logger';
import type { EngineProvider } from './engineProvider';
import { describeFailure, isCancellation } from './failures';
import type { FailureInfo } from './failures';
import type { ImageNode, ImagesTree } from './imagesTree';

const SECRET_PREFIX = 'berth.registry.';

/** Push, tag, remove, prune, inspect, history: the Images view's actions and palette commands. */
export class ImageCommands {
  constructor(
    private readonly engines: EngineProvider,
    private readonly tree: ImagesTree,
    private readonly secrets: vscode.SecretStorage,
    private readonly output: vscode.OutputChannel,
    private readonly logger: Logger,
  ) {}

  /** A `repo:tag` from a tree node, a string argument, or a pick among local tags. */
  private async pickReference(arg: unknown, title: string): Promise<string> {
    if (typeof arg === 'string' && arg !== '') return arg;
    const node = arg as ImageNode | undefined;
    if (node?.kind === 'tag') return node.image.reference;
    if (node?.kind === 'dangling') return node.image.id;
    const images = await this.engines.engine().listImages();
    const items = images.flatMap((i) => i.repoTags.filter((t) => t !== '<none>:<none>').map((t) => ({ label: t, description: `${formatBytes(i.size)} · ${shortImageId(i.id)}` })));
    if (items.length === 0) throw new Error('There are no tagged local images.');
    const picked = await vscode.window.showQuickPick(items.sort((a, b) => a.label.localeCompare(b.label)), { title });
    if (!picked) throw new UserCancelled();
    return picked.label;
  }

  async push(arg?: unknown): Promise<void> {
    if (!vscode.workspace.isTrusted) throw new Error('Pushing needs a trusted workspace (Workspaces: Manage Workspace Trust).');
    const reference = await this.pickReference(arg, 'Push which image?');
    const registry = registryOf(reference);
    const engine = this.engines.engine();
    // Credentials entered in Berth before (SecretStorage) come after the Docker config's own.
    const stored = await this.secrets.get(`${SECRET_PREFIX}${registry}`);
    let auth: RegistryAuth | undefined = stored !== undefined ? (JSON.parse(stored) as RegistryAuth) : undefined;
    const configAuth = await this.engines.load().registryAuthFromConfig(registry).catch((error: unknown) => {
      this.logger.warn(`Docker config credentials for ${registry}: ${describeFailure(error).message}`);
      return undefined;
    });
    auth = configAuth ?? auth;
    // The engine puts no deadline on a registry that stops answering: the watchdog says when it went quiet.
    const stallSeconds = vscode.workspace.getConfiguration('berth.docker').get<number>('pushStallSeconds', 60);
    const stallMs = Math.min(Math.max(Number.isFinite(stallSeconds) ? stallSeconds : 60, 5), 3600) * 1000;
    this.output.show(true);
    for (let attempt = 0; attempt < 2; attempt++) {
      this.output.appendLine(`\n=== Push ${reference} to ${registry}${auth ? ' (with credentials)' : ''}`);
      const status = new PushProgressLine(registry);
      try {
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Pushing ${reference}`, cancellable: true },
          (progress, token) => {
            const controller = new AbortController();
            token.onCancellationRequested(() => { controller.abort(); });
            const report = (message: string | undefined): void => { if (message !== undefined) progress.report({ message }); };
            return engine.push(reference, { auth, stallMs }, {
              onLine: (line) => { this.output.appendLine(line); },
              onProgress: (done, total) => { report(status.progress(done, total)); },
              onRetry: (retry) => { report(status.retry(retry.layer, retry.retry)); },
              onStall: (layer, silentMs) => {
                this.output.appendLine(`=== ${status.stall(layer, silentMs)}`);
                report(status.show());
              },
            }, controller.signal);
          },
        );
        this.output.appendLine(`=== Pushed ${reference}: ${result.digest}`);
        // "Set Image" on a workload offers the image just pushed, by digest.
        rememberPushedImage(reference, result.digest);
        void vscode.window.showInformationMessage(`Berth: pushed ${reference} — ${result.digest}`, 'Copy Digest').then((choice) => {
          if (choice === 'Copy Digest') void vscode.env.clipboard.writeText(result.digest);
        });
        return;
      } catch (error) {
        const failure = describeFailure(error);
        if (isCancellation(error)) {
          this.output.appendLine('=== Push cancelled.');
          if (status.wasStalled) {
            // dockerd does not abort an upload request the registry never answers: say so,
            // since a new push of the same layers waits behind it.
            const note = `${registry} had stopped answering; the Docker engine keeps that upload open until the registry answers or drops the connection, and a new push of the same layers waits for it.`;
            this.output.appendLine(`=== ${note}`);
            void vscode.window.showInformationMessage(`Berth: push of ${reference} cancelled. ${note}`);
          }
          return;
        }
        this.output.appendLine(`=== Push FAILED: ${failure.message}`);
        if (failure.code === 'REGISTRY_AUTH' && attempt === 0) {
          const entered = await this.askCredentials(registry, failure.message);
          if (entered) {
            auth = entered;
            continue;
          }
        }
        this.offerRetry(reference, failure);
        return;
      }
    }
  }

  /** The failure notification of a push, with Retry (the whole command again, for the same image). */
  private offerRetry(reference: string, failure: FailureInfo): void {
    this.logger.error(`Push of ${reference} failed`, `${failure.code}: ${failure.message}`);
    const retry = 'Retry';
    const show = 'Show Output';
    void vscode.window.showErrorMessage(`Berth: push of ${reference} failed: ${failure.message}${failure.action ? ` ${failure.action}` : ''}`, retry, show).then((choice) => {
      if (choice === retry) void vscode.commands.executeCommand('berth.images.push', reference);
      else if (choice === show) this.output.show(true);
    });
  }

  /** Asks once for credentials; kept in SecretStorage only after the registry accepted them. */
  private async askCredentials(registry: string, reason: string): Promise<RegistryAuth | undefined> {
    const enter = 'Enter Credentials';
    const choice = await vscode.window.showWarningMessage(reason, enter);
    if (choice !== enter) return undefined;
    const username = await vscode.window.showInputBox({ title: `User name for ${registry}`, ignoreFocusOut: true });
    if (!username) return undefined;
    const password = await vscode.window.showInputBox({ title: `Password or token for ${registry}`, password: true, ignoreFocusOut: true });
    if (!password) return undefined;
    const auth = { username, password, serveraddress: registry };
    await this.secrets.store(`${SECRET_PREFIX}${registry}`, JSON.stringify(auth));
    return auth;
  }

  async tag(arg?: unknown): Promise<void> {
    const reference = await this.pickReference(arg, 'Tag which image?');
    const target = await vscode.window.showInputBox({
      title: `New tag for ${reference}`,
      value: reference,
      validateInput: (v) => (isValidReference(v.trim()) ? undefined : 'Not a valid image reference.'),
    });
    if (!target) throw new UserCancelled();
    await this.engines.engine().tag(reference, target.trim());
    await this.tree.refresh();
  }

  async remove(arg?: unknown): Promise<void> {
    const reference = await this.pickReference(arg, 'Remove which image?');
    const node = arg as ImageNode | undefined;
    const users = node?.kind === 'tag' || node?.kind === 'dangling' ? node.image.containers : [];
    const detail = [
      `Untags ${reference}; the image is deleted when no other tag points to it.`,
      users.length > 0 ? `Containers using it: ${users.join(', ')} (the engine refuses while they exist).` : '',
    ].filter(Boolean).join('\n');
    const remove = 'Remove';
    if ((await vscode.window.showWarningMessage(`Remove ${reference}?`, { modal: true, detail }, remove)) !== remove) throw new UserCancelled();
    const result = await this.engines.engine().removeImage(reference);
    this.output.appendLine(`Removed ${reference}: untagged ${result.untagged.join(', ') || 'nothing'}; deleted ${result.deleted.length} layer(s)`);
    await this.tree.refresh();
  }

  /** Removes exactly the dangling images listed in the confirmation, one by one. */
  async pruneDangling(): Promise<void> {
    await this.tree.refresh();
    const dangling = this.tree.groups?.dangling ?? [];
    if (dangling.length === 0) {
      void vscode.window.showInformationMessage('Berth: no dangling images.');
      return;
    }
    const total = dangling.reduce((sum, d) => sum + d.size, 0);
    const list = dangling.slice(0, 20).map((d) => `${d.shortId}  ${formatBytes(d.size)}${d.containers.length ? `  (used by ${d.containers.join(', ')})` : ''}`).join('\n');
    const remove = `Remove ${dangling.length}`;
    const choice = await vscode.window.showWarningMessage(
      `Remove ${dangling.length} dangling image${dangling.length === 1 ? '' : 's'} (${formatBytes(total)})?`,
      { modal: true, detail: `${list}${dangling.length > 20 ? `\n… and ${dangling.length - 20} more` : ''}\n\nVolumes and containers are not touched.` },
      remove,
    );
    if (choice !== remove) throw new UserCancelled();
    const engine = this.engines.engine();
    const failed: string[] = [];
    for (const image of dangling) {
      try {
        await engine.removeImage(image.id);
      } catch (error) {
        failed.push(`${image.shortId}: ${describeFailure(error).message}`);
      }
    }
    await this.tree.refresh();
    if (failed.length > 0) throw new Error(`${failed.length} could not be removed: ${failed.join('; ')}`);
    void vscode.window.showInformationMessage(`Berth: removed ${dangling.length} dangling image${dangling.length === 1 ? '' : 's'}.`);
  }

  async inspect(arg?: unknown): Promise<void> {
    const reference = await this.pickReference(arg, 'Inspect which image?');
    const inspected = await this.engines.engine().inspectImage(reference);
    if (!inspected) throw new Error(`${reference} is not in the local engine.`);
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(inspected.raw, null, 2) });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async history(arg?: unknown): Promise<void> {
    const reference = await this.pickReference(arg, 'History of which image?');
    const entries = await this.engines.engine().history(reference);
    const lines = [`# Layers of ${reference}, newest first`, '', 'SIZE        CREATED                   CREATED BY'];
    for (const e of entries) {
      const by = e.createdBy.replace(/^\/bin\/sh -c #\(nop\)\s+/, '').replace(/\s+/g, ' ').trim() || '(base layer)';
      lines.push(`${formatBytes(e.size).padEnd(11)} ${new Date(e.created * 1000).toISOString().padEnd(25)} ${by}`);
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: lines.join('\n') + '\n' });
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}
