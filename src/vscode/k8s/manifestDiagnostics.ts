import * as vscode from 'vscode';
import { ManifestTimeoutError } from '../../clients/manifests/manifestService';
import type { ManifestService } from '../../clients/manifests/manifestService';
import type { ManifestFinding } from '../../core/k8s/manifestChecks';
import type { Logger } from '../logger';
import { CheckDocs, checkDiagnostic } from './checkDocs';
import { ChartTemplates, FileNames, ManifestIndex } from './manifestIndex';
import { looksLikeManifest } from './manifestLogic';

/** What the checks found in one version of a document; the quick fixes read it. */
export interface ManifestAnalysis {
  readonly version: number;
  readonly findings: readonly ManifestFinding[];
}

const DEBOUNCE_MS = 300;
/** A check slower than this is logged (a workspace of many or large manifests). */
const SLOW_CHECK_MS = 1000;

/** Editor documents Berth checks as manifests: YAML on disk or untitled (not diffs, previews or other schemes). */
export function isManifestCandidate(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'yaml' && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled') && !doc.isClosed;
}

export function manifestsEnabled(uri?: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration('berth.manifests', uri).get<boolean>('enabled', true);
}

/**
 * Checks the Kubernetes manifests open in editors as they are typed (debounced) and when
 * opened, in a worker thread, against every manifest of the workspace for the cross-file
 * checks (BK106, BK107). Diagnostics go to open documents only; results computed for an older
 * version of a document are dropped.
 */
export class ManifestDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('berth-manifests');
  private readonly analyses = new Map<string, ManifestAnalysis>();
  /** The document version whose text the service holds, per document. */
  private readonly sent = new Map<string, number>();
  private readonly names = new FileNames();
  private readonly templates = new ChartTemplates();
  private readonly index: ManifestIndex;
  private readonly disposables: { dispose(): unknown }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private timeoutShown = false;

  constructor(private readonly service: ManifestService, private readonly docs: CheckDocs, private readonly logger: Logger) {
    this.index = new ManifestIndex(service, this.names, this.templates, (uri) => this.isOpen(uri), () => { this.schedule(0); }, logger);
    const chartWatcher = vscode.workspace.createFileSystemWatcher('**/Chart.yaml', false, true, false);
    this.disposables.push(
      this.collection,
      this.index,
      chartWatcher,
      chartWatcher.onDidCreate(() => { this.templates.forget(); this.schedule(0); }),
      chartWatcher.onDidDelete(() => { this.templates.forget(); this.schedule(0); }),
      vscode.workspace.onDidOpenTextDocument((doc) => { if (isManifestCandidate(doc)) this.schedule(0); }),
      vscode.workspace.onDidChangeTextDocument((e) => { if (isManifestCandidate(e.document) && e.contentChanges.length > 0) this.schedule(); }),
      vscode.workspace.onDidCloseTextDocument((doc) => { void this.closed(doc); }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('berth.manifests')) return;
        this.collection.clear();
        this.analyses.clear();
        this.schedule(0);
      }),
    );
    this.schedule(0);
  }

  analysis(uri: vscode.Uri): ManifestAnalysis | undefined {
    return this.analyses.get(uri.toString());
  }

  /** Checks now and waits (tests, commands). */
  async checkNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.run();
  }

  /** Number of workspace files the cross-file checks see (open documents included). */
  workspaceFiles(): number {
    return this.service.stats().files;
  }

  private isOpen(uri: vscode.Uri): boolean {
    const key = uri.toString();
    return vscode.workspace.textDocuments.some((d) => !d.isClosed && d.uri.toString() === key);
  }

  private schedule(delay = DEBOUNCE_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delay);
  }

  private async closed(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    this.analyses.delete(key);
    this.collection.delete(doc.uri);
    if (!this.sent.delete(key)) return;
    // Its unsaved text may have held the Service another file's Deployment is behind.
    await this.index.restore(doc.uri);
    this.schedule(0);
  }

  /** One check at a time; edits during a check make one more afterwards. */
  private run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const running = (async () => {
      do {
        this.again = false;
        try {
          await this.checkOpenDocuments();
        } catch (error) {
          this.reportFailure(error);
        }
      } while (this.again);
    })().finally(() => { this.running = undefined; });
    this.running = running;
    return running;
  }

  private async checkOpenDocuments(): Promise<void> {
    const report: { doc: vscode.TextDocument; name: string; version: number }[] = [];
    for (const doc of vscode.workspace.textDocuments) {
      if (!isManifestCandidate(doc) || !manifestsEnabled(doc.uri)) continue;
      const key = doc.uri.toString();
      const name = this.names.nameOf(doc.uri);
      const version = doc.version;
      const text = doc.getText();
      if (!looksLikeManifest(text) || await this.templates.isTemplate(doc.uri)) {
        // No longer (or never) a manifest: its editor text must not count either.
        if (this.sent.delete(key)) this.service.remove(name);
        this.analyses.delete(key);
        this.collection.delete(doc.uri);
        continue;
      }
      if (this.sent.get(key) !== version) {
        this.service.update(name, text);
        this.sent.set(key, version);
      }
      report.push({ doc, name, version });
    }
    if (report.length === 0) return;
    // The first manifest opened starts the workspace search; its results arrive as another check.
    void this.index.start();
    const [{ results, elapsedMs }] = await Promise.all([this.service.check(report.map((r) => r.name)), this.docs.ready()]);
    if (elapsedMs > SLOW_CHECK_MS) this.logger.info(`Kubernetes manifests: checking ${report.length} open file(s) against ${this.service.stats().files} took ${elapsedMs.toFixed(0)} ms.`);
    const byName = new Map(results.map((r) => [r.fileName, r.findings]));
    for (const { doc, name, version } of report) {
      const findings = byName.get(name);
      // A newer edit is on its way (its own check publishes), or the document is gone.
      if (!findings || doc.isClosed || doc.version !== version || !manifestsEnabled(doc.uri)) continue;
      this.analyses.set(doc.uri.toString(), { version, findings });
      this.collection.set(doc.uri, findings.map((f) => checkDiagnostic(this.docs, f.code, f.severity, f.message, f.range, this.relatedOf(f))));
    }
  }

  private relatedOf(finding: ManifestFinding): { uri: vscode.Uri; range: ManifestFinding['range']; message: string }[] {
    return (finding.related ?? []).flatMap((r) => {
      const uri = this.names.uriOf(r.fileName);
      return uri ? [{ uri, range: r.range, message: r.message }] : [];
    });
  }

  private reportFailure(error: unknown): void {
    this.logger.error('Checking Kubernetes manifests failed', error);
    if (error instanceof ManifestTimeoutError && !this.timeoutShown) {
      this.timeoutShown = true;
      void vscode.window.showWarningMessage(`Berth: ${error.message} Large or many manifests slow the checks; set berth.manifests.enabled to false to turn them off.`);
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
