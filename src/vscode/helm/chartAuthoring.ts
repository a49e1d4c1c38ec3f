import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultReleaseName } from '../../core/helm/charts';
import { lintArgs, templateArgs } from '../../core/helm/args';
import { parseHelmLint, parseTemplateError } from '../../core/helm/lintOutput';
import type { HelmLintSeverity, HelmProblemLocation } from '../../core/helm/lintOutput';
import type { Logger } from '../logger';
import type { HelmDocuments } from './documents';
import type { HelmProvider } from './helmProvider';
import { explainHelmFailure, helmFailureOf, problemFile } from './model';
import { chartDirOf, pickValuesFiles, readChart, resolveChart, settleDirtyChart } from './ui';

/** Saves come in bursts (Save All): one lint per chart after they stop. */
const LINT_DEBOUNCE_MS = 500;
const LINT_DEADLINE_MS = 60_000;

const SEVERITIES: Readonly<Record<HelmLintSeverity, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

interface Preview {
  chartDir: string;
  chartName: string;
  release: string;
  valuesFiles: string[];
  id: string;
  uri: vscode.Uri | undefined;
  running: Promise<void> | undefined;
  again: boolean;
}

/**
 * Chart authoring comforts: `helm lint` findings as diagnostics on the chart's files (on save
 * and on command, trusted workspaces only), errors of `helm template`/deploys on the template
 * line helm names, and a read-only `helm template` preview that renders again on save.
 */
export class ChartAuthoring implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('berth-helm');
  /** Per chart folder: diagnostics by file, from lint and from template/deploy errors. */
  private readonly lintResults = new Map<string, Map<string, vscode.Diagnostic[]>>();
  private readonly renderResults = new Map<string, Map<string, vscode.Diagnostic[]>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly previews = new Map<string, Preview>();
  private readonly subscriptions: { dispose(): unknown }[];
  private helmMissingLogged = false;

  constructor(private readonly helm: HelmProvider, private readonly documents: HelmDocuments, private readonly logger: Logger) {
    this.subscriptions = [
      this.diagnostics,
      vscode.workspace.onDidSaveTextDocument((doc) => { void this.saved(doc); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('berth.helm.path')) this.helmMissingLogged = false; }),
    ];
  }

  private async saved(doc: vscode.TextDocument): Promise<void> {
    if (!vscode.workspace.isTrusted || doc.uri.scheme !== 'file') return;
    const chartDir = await chartDirOf(doc.uri.fsPath, true);
    if (!chartDir) return;
    // What a deploy or render reported is about the old text.
    this.setResults(this.renderResults, chartDir, new Map());
    const preview = this.previews.get(chartDir);
    if (preview) {
      if (preview.uri && vscode.workspace.textDocuments.some((d) => d.uri.toString() === preview.uri?.toString())) void this.render(preview);
      else this.previews.delete(chartDir);
    }
    if (vscode.workspace.getConfiguration('berth.helm').get<boolean>('lintOnSave', true)) this.scheduleLint(chartDir);
  }

  private scheduleLint(chartDir: string): void {
    const existing = this.timers.get(chartDir);
    if (existing) clearTimeout(existing);
    this.timers.set(chartDir, setTimeout(() => {
      this.timers.delete(chartDir);
      this.lintChart(chartDir).catch((error: unknown) => {
        const failure = helmFailureOf(error);
        // A missing or too old helm would say so on every save: once is enough.
        if (failure.kind === 'failed' || failure.kind === 'timeout' || !this.helmMissingLogged) this.logger.warn(`helm lint of ${chartDir} on save: ${failure.message}`);
        if (failure.kind !== 'failed' && failure.kind !== 'timeout') this.helmMissingLogged = true;
      });
    }, LINT_DEBOUNCE_MS));
  }

  /** `berth.helm.lint`: lints the chart of the argument, of the active editor, or a picked one, and says how it went. */
  async lint(arg?: unknown): Promise<void> {
    this.helm.requireTrust();
    const { chart } = await resolveChart(arg, 'Lint which chart?');
    await settleDirtyChart(chart.dir, 'Lint');
    const counts = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `helm lint ${chart.metadata.name}` }, () => this.lintChart(chart.dir));
    const summary = [counts.error ? `${counts.error} error${counts.error === 1 ? '' : 's'}` : '', counts.warning ? `${counts.warning} warning${counts.warning === 1 ? '' : 's'}` : '', counts.info ? `${counts.info} note${counts.info === 1 ? '' : 's'}` : '']
      .filter(Boolean)
      .join(', ');
    const message = `Berth: helm lint ${chart.metadata.name}: ${summary || 'no problems'}.`;
    if (counts.error > 0) {
      void vscode.window.showWarningMessage(message, 'Show Problems').then((choice) => { if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems'); });
    } else {
      void vscode.window.showInformationMessage(message);
    }
  }

  /** Runs `helm lint` on a chart folder and replaces its lint diagnostics. */
  async lintChart(chartDir: string): Promise<Record<HelmLintSeverity, number>> {
    this.helm.requireTrust();
    let stdout = '';
    let stderr = '';
    try {
      const result = await this.helm.run(lintArgs(chartDir, []), { deadlineMs: LINT_DEADLINE_MS, onStdout: (c) => { stdout += c; }, onStderr: (c) => { stderr += c; } });
      stdout = result.stdout || stdout;
      stderr = result.stderr || stderr;
    } catch (error) {
      const failure = helmFailureOf(error);
      // Exit code 1 is how helm says "the chart has errors": the findings are on stdout.
      // Anything else (helm missing, too old, timed out) is not a lint result.
      if (failure.kind !== 'failed') throw error;
      if (failure.stderr) stderr = failure.stderr;
    }
    const findings = parseHelmLint(`${stdout}\n${stderr}`, chartDir);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const counts: Record<HelmLintSeverity, number> = { error: 0, warning: 0, info: 0 };
    for (const finding of findings) {
      counts[finding.severity]++;
      await this.add(byFile, chartDir, finding, finding.message, SEVERITIES[finding.severity], 'helm lint');
    }
    this.setResults(this.lintResults, chartDir, byFile);
    return counts;
  }

  /**
   * Puts the error of a failed template render or deploy on the template (or values file)
   * helm names; replaced by the next render, deploy or save of the chart.
   */
  async reportRenderError(chartDir: string, stderr: string): Promise<void> {
    const error = parseTemplateError(stderr);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    if (error && (error.file !== '' || error.line !== undefined)) await this.add(byFile, chartDir, error, error.message, vscode.DiagnosticSeverity.Error, 'helm');
    this.setResults(this.renderResults, chartDir, byFile);
  }

  clearRenderErrors(chartDir: string): void {
    this.setResults(this.renderResults, chartDir, new Map());
  }

  private async add(byFile: Map<string, vscode.Diagnostic[]>, chartDir: string, location: HelmProblemLocation, message: string, severity: vscode.DiagnosticSeverity, source: string): Promise<void> {
    const target = problemFile(location, chartDir, (dir, relative) => path.join(dir, ...relative.split('/')), (file) => existsSync(file));
    const line = target.note === undefined ? location.line ?? 0 : 0;
    const column = target.note === undefined ? location.column ?? 0 : 0;
    const lineText = await this.lineOf(target.file, line);
    const range = new vscode.Range(line, Math.min(column, lineText.length), line, Math.max(lineText.length, column + 1));
    const text = [
      target.note !== undefined ? `${target.note}${location.line !== undefined ? `:${location.line + 1}` : ''}: ` : '',
      message,
      location.renderedLine ? ' (the line is counted in the rendered output, so it may be off when template actions above it render more or fewer lines)' : '',
    ].join('');
    const diagnostic = new vscode.Diagnostic(range, text, severity);
    diagnostic.source = source;
    const list = byFile.get(target.file) ?? [];
    list.push(diagnostic);
    byFile.set(target.file, list);
  }

  private async lineOf(file: string, line: number): Promise<string> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    if (open) return line < open.lineCount ? open.lineAt(line).text : '';
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    return text.split(/\r?\n/)[line] ?? '';
  }

  private setResults(store: Map<string, Map<string, vscode.Diagnostic[]>>, chartDir: string, byFile: Map<string, vscode.Diagnostic[]>): void {
    const before = store.get(chartDir);
    if (byFile.size === 0) store.delete(chartDir);
    else store.set(chartDir, byFile);
    const files = new Set([...(before?.keys() ?? []), ...byFile.keys()]);
    for (const file of files) {
      const all = [...(this.lintResults.get(chartDir)?.get(file) ?? []), ...(this.renderResults.get(chartDir)?.get(file) ?? [])];
      this.diagnostics.set(vscode.Uri.file(file), all);
    }
  }

  /** `berth.helm.templatePreview`: `helm template` with chosen values files, in a read-only document rendered again on save. */
  async templatePreview(arg?: unknown): Promise<void> {
    this.helm.requireTrust();
    const { chart, clicked } = await resolveChart(arg, 'Preview which chart?');
    await this.helm.helm();
    await settleDirtyChart(chart.dir, 'Preview');
    const valuesFiles = await pickValuesFiles(chart, clicked, `Template preview of ${chart.metadata.name}: values files`);
    const preview: Preview = {
      chartDir: chart.dir,
      chartName: chart.metadata.name,
      release: defaultReleaseName(chart.metadata.name),
      valuesFiles,
      id: `preview-${this.previews.size + 1}-${Date.now().toString(36)}`,
      uri: undefined,
      running: undefined,
      again: false,
    };
    const previous = this.previews.get(chart.dir);
    if (previous) preview.id = previous.id;
    this.previews.set(chart.dir, preview);
    await this.render(preview);
    if (preview.uri) await this.documents.open(preview.uri, 'yaml', { preview: false, beside: true });
  }

  private render(preview: Preview): Promise<void> {
    if (preview.running) {
      preview.again = true;
      return preview.running;
    }
    const running = (async () => {
      do {
        preview.again = false;
        const text = await this.renderText(preview);
        preview.uri = this.documents.put(text, `${preview.chartName}-template.yaml`, preview.id);
      } while (preview.again);
    })().finally(() => { preview.running = undefined; });
    preview.running = running;
    return running;
  }

  private async renderText(preview: Preview): Promise<string> {
    const values = preview.valuesFiles.length > 0 ? preview.valuesFiles.map((f) => path.relative(preview.chartDir, f)).join(', ') : 'the chart\'s defaults';
    const header = `# helm template ${preview.release} ${preview.chartDir} with ${values}, namespace default — rendered ${new Date().toISOString()}, again on every save. Read-only.\n`;
    try {
      await readChart(preview.chartDir);
      const result = await this.helm.run(templateArgs({ release: preview.release, chart: preview.chartDir, valuesFiles: preview.valuesFiles, namespace: 'default' }), { deadlineMs: LINT_DEADLINE_MS });
      this.clearRenderErrors(preview.chartDir);
      return `${header}${result.stdout}`;
    } catch (error) {
      const failure = helmFailureOf(error);
      await this.reportRenderError(preview.chartDir, failure.stderr);
      const { reason, hint } = explainHelmFailure(failure);
      return `${header}#\n# helm template failed: ${reason.replace(/\n/g, '\n# ')}\n${hint ? `# ${hint}\n` : ''}`;
    }
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
