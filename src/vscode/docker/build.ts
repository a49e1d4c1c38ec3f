import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeContext } from '../../core/docker/buildContext';
import { parseDockerfile } from '../../core/dockerfile/parser';
import { formatBytes } from '../../core/dockerfile/stageSummary';
import { defaultBuildTag, isValidReference } from '../../core/images/imageList';
import { instructionForStep } from '../../core/images/layers';
import { UserCancelled } from '../commands';
import type { Logger } from '../logger';
import type { EngineProvider } from './engineProvider';
import { describeFailure, failedStepOf, isCancellation } from './failures';
import { measureBuild } from './sizeLenses';
import type { SizeLenses } from './sizeLenses';

/** Options a caller (a lens, a test) may pass instead of being asked. */
export interface BuildOptions {
  readonly contextDir?: string;
  readonly tag?: string;
  readonly target?: string;
  readonly buildArgs?: Record<string, string>;
}

const DOCKERFILE_GLOB = '**/{Dockerfile,Containerfile,*.Dockerfile,Dockerfile.*}';

/** The short commit of the git checkout holding `dir`, read from `.git` without running git. */
export async function gitCommit(dir: string): Promise<string | undefined> {
  let current = dir;
  for (let i = 0; i < 20; i++) {
    const gitDir = path.join(current, '.git');
    const head = await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8').catch(() => undefined);
    if (head !== undefined) {
      const ref = /^ref: (.+)$/m.exec(head)?.[1]?.trim();
      if (!ref) return head.trim();
      const loose = await fs.readFile(path.join(gitDir, ref), 'utf8').catch(() => undefined);
      if (loose !== undefined) return loose.trim();
      const packed = await fs.readFile(path.join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
      return new RegExp(`^([0-9a-f]{40}) ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(packed)?.[1];
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
  return undefined;
}

export class BuildCommand implements vscode.Disposable {
  private readonly failures = vscode.languages.createDiagnosticCollection('berth-build');

  constructor(
    private readonly engines: EngineProvider,
    private readonly output: vscode.OutputChannel,
    private readonly logger: Logger,
    private readonly lenses: SizeLenses,
    private readonly afterChange: () => void,
  ) {}

  /** Which Dockerfile: the argument, the active editor, or a pick among the workspace's. */
  private async pickDockerfile(arg: unknown): Promise<vscode.Uri> {
    if (arg instanceof vscode.Uri) return arg;
    const active = vscode.window.activeTextEditor?.document;
    if (active && active.languageId === 'dockerfile' && active.uri.scheme === 'file') return active.uri;
    const found = await vscode.workspace.findFiles(DOCKERFILE_GLOB, '**/node_modules/**', 200);
    if (found.length === 0) throw new Error('No Dockerfile in this workspace.');
    if (found.length === 1 && found[0]) return found[0];
    const picked = await vscode.window.showQuickPick(found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), { title: 'Build which Dockerfile?' });
    if (!picked) throw new UserCancelled();
    return picked.uri;
  }

  /** Unsaved edits: build the saved file only when the user says so. */
  private async settleDirtyEditor(uri: vscode.Uri): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc?.isDirty) return;
    const save = 'Save and Build';
    const saved = 'Build Saved Version';
    const choice = await vscode.window.showWarningMessage(`${path.basename(uri.fsPath)} has unsaved changes.`, { modal: true, detail: 'The engine builds what is on disk.' }, save, saved);
    if (choice === save) {
      if (!(await doc.save())) throw new Error(`Could not save ${uri.fsPath}.`);
    } else if (choice !== saved) {
      throw new UserCancelled();
    }
  }

  async run(arg?: unknown, options: BuildOptions = {}): Promise<void> {
    if (!vscode.workspace.isTrusted) throw new Error('Building runs the Dockerfile\'s commands: it needs a trusted workspace (Workspaces: Manage Workspace Trust).');
    const uri = await this.pickDockerfile(arg);
    if (uri.scheme !== 'file') throw new Error('Berth builds Dockerfiles on disk only.');
    await this.settleDirtyEditor(uri);
    const dockerfile = uri.fsPath;
    const text = await fs.readFile(dockerfile, 'utf8');
    const df = parseDockerfile(text);
    const folder = vscode.workspace.getWorkspaceFolder(uri);

    const contextDir = options.contextDir ?? (await this.askContext(dockerfile, folder));
    const commit = await gitCommit(contextDir);
    const suggested = defaultBuildTag(path.basename(contextDir), commit);
    const tag = options.tag ?? (await vscode.window.showInputBox({
      title: 'Image tag',
      value: suggested,
      prompt: 'repository[:tag], e.g. my-app:1.0 or 127.0.0.1:5000/team/app:dev',
      validateInput: (v) => (isValidReference(v.trim()) ? undefined : 'Not a valid image reference (lower-case repository, optional :tag).'),
    }));
    if (tag === undefined) throw new UserCancelled();

    let target = options.target;
    const named = df.stages.filter((s) => s.name !== undefined);
    if (target === undefined && df.stages.length > 1 && named.length > 0) {
      const items = [{ label: 'Final stage', description: 'the whole Dockerfile', target: '' }, ...named.map((s) => ({ label: s.name ?? '', description: `stage ${s.index} · FROM ${s.baseImage}`, target: s.name ?? '' }))];
      const picked = await vscode.window.showQuickPick(items, { title: 'Target stage' });
      if (!picked) throw new UserCancelled();
      target = picked.target;
    }

    let buildArgs = options.buildArgs;
    const declared = [...new Set(df.instructions.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=')[0]?.trim() ?? '').filter(Boolean))];
    if (buildArgs === undefined && declared.length > 0) {
      const input = await vscode.window.showInputBox({
        title: 'Build arguments',
        prompt: `NAME=value pairs separated by spaces; empty for the defaults. Declared: ${declared.join(', ')}`,
        value: '',
        validateInput: (v) => (v.trim() === '' || v.trim().split(/\s+/).every((p) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(p)) ? undefined : 'Use NAME=value pairs.'),
      });
      if (input === undefined) throw new UserCancelled();
      buildArgs = Object.fromEntries(input.trim().split(/\s+/).filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
    }

    await this.build(uri, text, { contextDir, tag: tag.trim(), target: target ?? '', buildArgs: buildArgs ?? {} });
  }

  private async askContext(dockerfile: string, folder: vscode.WorkspaceFolder | undefined): Promise<string> {
    const own = path.dirname(dockerfile);
    const choices = [{ label: vscode.workspace.asRelativePath(own, true) || own, description: 'the Dockerfile\'s folder', dir: own }];
    if (folder && folder.uri.fsPath !== own) choices.push({ label: folder.name, description: 'the workspace folder', dir: folder.uri.fsPath });
    choices.push({ label: 'Other folder…', description: '', dir: '' });
    const picked = await vscode.window.showQuickPick(choices, { title: 'Build context' });
    if (!picked) throw new UserCancelled();
    if (picked.dir !== '') return picked.dir;
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, defaultUri: vscode.Uri.file(own), openLabel: 'Use as build context' });
    if (!chosen?.[0]) throw new UserCancelled();
    return chosen[0].fsPath;
  }

  private async build(uri: vscode.Uri, text: string, request: { contextDir: string; tag: string; target: string; buildArgs: Record<string, string> }): Promise<void> {
    const engine = this.engines.engine();
    const warnMB = vscode.workspace.getConfiguration('berth.build').get<number>('contextWarningMB', 500);
    this.failures.delete(uri);
    this.output.show(true);
    this.output.appendLine(`\n=== Build ${request.tag} from ${uri.fsPath} (context ${request.contextDir}${request.target ? `, target ${request.target}` : ''}) on ${engine.endpoint.description}`);
    const started = Date.now();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Building ${request.tag}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => { controller.abort(); });
        const ticker = setInterval(() => { progress.report({ message: `${current} · ${Math.round((Date.now() - started) / 1000)} s` }); }, 1000);
        let current = 'sending the context';
        try {
          return await engine.build(
            { contextDir: request.contextDir, dockerfile: uri.fsPath, tag: request.tag, target: request.target, buildArgs: request.buildArgs },
            {
              confirmContext: async (summary) => {
                const described = describeContext(summary, formatBytes);
                this.output.appendLine(`Context: ${described}`);
                if (summary.bytes < warnMB * 1e6) return true;
                const send = 'Send and Build';
                const choice = await vscode.window.showWarningMessage(`The build context is large: ${described}.`, { modal: true, detail: 'Add what the image does not need to .dockerignore to make builds faster.' }, send);
                return choice === send;
              },
              onLine: (line) => { this.output.appendLine(line); },
              onStep: (step) => {
                current = `Step ${step.number}/${step.total}: ${step.text.slice(0, 60)}`;
                progress.report({ message: current });
              },
            },
            controller.signal,
          );
        } finally {
          clearInterval(ticker);
        }
      },
    ).then((r) => r, (error: unknown) => { this.reportFailure(uri, text, error); throw new UserCancelled(); });

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    this.output.appendLine(`=== Built ${request.tag} (${result.imageId}) in ${seconds} s`);
    this.afterChange();
    try {
      await this.lenses.remember(uri, await measureBuild(engine, text, result, request.tag));
    } catch (error) {
      this.logger.warn(`Measuring the layers of ${request.tag} failed: ${describeFailure(error).message}`);
    }
    void vscode.window.showInformationMessage(`Berth: built ${request.tag} (${result.imageId.replace('sha256:', '').slice(0, 12)}) in ${seconds} s.`, 'Push').then((choice) => {
      if (choice === 'Push') void vscode.commands.executeCommand('berth.images.push', request.tag);
    });
  }

  /** A failed step becomes a diagnostic on its line; every failure a message naming the cause. */
  private reportFailure(uri: vscode.Uri, text: string, error: unknown): void {
    if (isCancellation(error)) {
      this.output.appendLine('=== Build cancelled; the engine stopped it.');
      void vscode.window.showInformationMessage('Berth: build cancelled.');
      return;
    }
    const failure = describeFailure(error);
    const step = failedStepOf(error);
    let where = '';
    if (step) {
      const inst = instructionForStep(parseDockerfile(text), step.number, step.text);
      if (inst) {
        const line = inst.range.start.line;
        const d = new vscode.Diagnostic(new vscode.Range(line, 0, inst.range.end.line, Number.MAX_SAFE_INTEGER), `Build failed at step ${step.number}/${step.total}: ${failure.message}`, vscode.DiagnosticSeverity.Error);
        d.source = 'berth';
        d.code = 'build-failed';
        this.failures.set(uri, [d]);
        where = ` at line ${line + 1}`;
      }
    }
    this.output.appendLine(`=== Build FAILED${where}: ${failure.message}`);
    this.logger.error(`Build of ${uri.fsPath} failed${where}: ${failure.message}`);
    void vscode.window.showErrorMessage(`Berth: build failed${where}: ${failure.message}`, 'Show Output').then((choice) => {
      if (choice === 'Show Output') this.output.show();
    });
  }

  dispose(): void {
    this.failures.dispose();
  }
}
