import * as vscode from 'vscode';
import type { LintConfigSources } from '../clients/lint/protocol';
import type { Finding, BuildContextInfo } from '../core/dockerfile/rules/types';
import type { StageSummary } from '../core/dockerfile/stageSummary';
import { LintTimeoutError } from '../clients/lint/lintService';
import type { LintService } from '../clients/lint/lintService';
import type { Logger } from './logger';
import { readLintConfig } from './lintConfig';

/** What the linter found in one version of a document; code actions and lenses read it. */
export interface DocumentAnalysis {
  readonly version: number;
  readonly text: string;
  readonly findings: readonly Finding[];
  readonly stages: readonly StageSummary[];
  readonly binary: boolean;
}

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  // Hints never reach the Problems panel; hadolint's "style" findings should.
  style: vscode.DiagnosticSeverity.Information,
};

export const DIAGNOSTIC_SOURCE = 'berth';

/** True for documents Berth lints: the dockerfile language, minus `.dockerignore` files. */
export function isDockerfile(doc: vscode.TextDocument): boolean {
  if (doc.languageId !== 'dockerfile') return false;
  return !doc.uri.path.endsWith('.dockerignore');
}

/**
 * Lints Dockerfiles as they are typed (debounced), in a worker thread, and publishes
 * diagnostics under the source `berth`, distinct from Microsoft's Dockerfile language
 * server. Results older than the document's current version are dropped.
 */
export class DockerfileLinter implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly analyses = new Map<string, DocumentAnalysis>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: { dispose(): void }[] = [];
  /** Fires when a document's analysis changes. */
  readonly onDidAnalyse = this.changed.event;

  constructor(private readonly service: LintService, private readonly logger: Logger, private readonly extensionUri: vscode.Uri) {
    this.disposables.push(
      this.collection,
      this.changed,
      vscode.workspace.onDidOpenTextDocument((doc) => { this.schedule(doc, 0); }),
      vscode.workspace.onDidChangeTextDocument((e) => { this.schedule(e.document); }),
      vscode.workspace.onDidCloseTextDocument((doc) => { this.forget(doc.uri); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('berth')) this.relintAll(); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { this.relintAll(); }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher('**/{.hadolint.yaml,.hadolint.yml,.dockerignore,*.dockerignore}');
    this.disposables.push(watcher, watcher.onDidChange(() => { this.relintAll(); }), watcher.onDidCreate(() => { this.relintAll(); }), watcher.onDidDelete(() => { this.relintAll(); }));
    this.relintAll();
  }

  analysis(uri: vscode.Uri): DocumentAnalysis | undefined {
    return this.analyses.get(uri.toString());
  }

  relintAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  /** Lints a document now and waits for the result (the "Lint" command, tests). */
  async lintNow(doc: vscode.TextDocument): Promise<DocumentAnalysis | undefined> {
    return this.run(doc);
  }

  private schedule(doc: vscode.TextDocument, delay?: number): void {
    if (!isDockerfile(doc)) return;
    const key = doc.uri.toString();
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    const wait = delay ?? vscode.workspace.getConfiguration('berth.lint', doc.uri).get<number>('debounceMs', 250);
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.run(doc);
    }, wait));
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
    this.analyses.delete(key);
    this.collection.delete(uri);
    this.changed.fire(uri);
  }

  private async run(doc: vscode.TextDocument): Promise<DocumentAnalysis | undefined> {
    if (doc.isClosed || !isDockerfile(doc)) return undefined;
    const settings = vscode.workspace.getConfiguration('berth.lint', doc.uri);
    if (!settings.get<boolean>('enabled', true)) {
      this.collection.delete(doc.uri);
      this.analyses.delete(doc.uri.toString());
      this.changed.fire(doc.uri);
      return undefined;
    }
    const version = doc.version;
    const text = doc.getText();
    let config: LintConfigSources;
    let buildContext: BuildContextInfo | undefined;
    try {
      [config, buildContext] = await Promise.all([readLintConfig(doc.uri), readBuildContext(doc.uri)]);
    } catch (err) {
      this.logger.error('Reading the lint configuration failed', err);
      return undefined;
    }
    let response;
    try {
      response = await this.service.lint({ text, config, options: { buildContext } });
    } catch (err) {
      if (err instanceof LintTimeoutError) {
        this.collection.set(doc.uri, [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `Berth: ${err.message}`, vscode.DiagnosticSeverity.Information)]);
      }
      this.logger.error(`Linting ${doc.uri.fsPath} failed`, err);
      return undefined;
    }
    if (response.error) this.logger.error(`Linting ${doc.uri.fsPath} failed`, response.error);
    for (const problem of response.configProblems) this.logger.warn(problem);
    // A newer edit has arrived meanwhile: its own lint will publish.
    if (doc.isClosed || doc.version !== version) return this.analyses.get(doc.uri.toString());
    const analysis: DocumentAnalysis = { version, text, findings: response.findings, stages: response.stages, binary: response.binary };
    this.analyses.set(doc.uri.toString(), analysis);
    this.collection.set(doc.uri, response.findings.map((f) => this.toDiagnostic(f)));
    this.changed.fire(doc.uri);
    return analysis;
  }

  private toDiagnostic(finding: Finding): vscode.Diagnostic {
    const r = finding.range;
    const range = new vscode.Range(r.start.line, r.start.col, r.end.line, Math.max(r.end.col, r.end.line === r.start.line ? r.start.col + 1 : 0));
    const diagnostic = new vscode.Diagnostic(range, finding.message, SEVERITY[finding.severity]);
    diagnostic.source = DIAGNOSTIC_SOURCE;
    diagnostic.code = { value: finding.code, target: ruleDocUri(this.extensionUri, finding.code) };
    return diagnostic;
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

/** The bundled documentation page of a rule. */
export function ruleDocUri(extensionUri: vscode.Uri, code: string): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'docs', 'rules', `${code}.md`);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/**
 * The build context as far as the editor can know it: the Dockerfile's folder. Its
 * `.dockerignore` (or `<name>.dockerignore`, which BuildKit prefers) is read. When none
 * is there but a parent folder in the workspace has one, the real context is probably
 * that parent: the context is then reported unknown rather than guessed.
 */
async function readBuildContext(uri: vscode.Uri): Promise<BuildContextInfo | undefined> {
  if (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote') return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return undefined;
  const dir = vscode.Uri.joinPath(uri, '..');
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  for (const candidate of [vscode.Uri.joinPath(dir, `${name}.dockerignore`), vscode.Uri.joinPath(dir, '.dockerignore')]) {
    if (await exists(candidate)) {
      const bytes = await vscode.workspace.fs.readFile(candidate);
      return { dockerignore: new TextDecoder().decode(bytes) };
    }
  }
  let parent = vscode.Uri.joinPath(dir, '..');
  while (parent.path.length >= folder.uri.path.length && parent.path !== dir.path) {
    if (await exists(vscode.Uri.joinPath(parent, '.dockerignore'))) return undefined;
    if (parent.path === folder.uri.path) break;
    parent = vscode.Uri.joinPath(parent, '..');
  }
  return { dockerignore: undefined };
}
