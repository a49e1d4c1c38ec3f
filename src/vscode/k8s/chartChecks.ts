import * as fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HelmClient } from '../../clients/helm/api';
import type { ManifestService } from '../../clients/manifests/manifestService';
import { templateArgs } from '../../core/helm/args';
import { defaultReleaseName } from '../../core/helm/charts';
import { parseTemplateError } from '../../core/helm/lintOutput';
import type { HelmTemplateError } from '../../core/helm/lintOutput';
import type { Logger } from '../logger';
import { helmFailureOf, problemFile } from '../helm/model';
import { chartDirOf, readChart } from '../helm/ui';
import { DIAGNOSTIC_SOURCE, checkDiagnostic } from './checkDocs';
import type { CheckDocs } from './checkDocs';
import { MAX_FILE_BYTES, isRenderedTemplateName, planChartFindings, showTemplateErrors } from './manifestLogic';

/** Saves come in bursts (Save All): one render per chart after they stop. */
const DEBOUNCE_MS = 500;
/** `helm template` renders locally; a chart that takes longer is stuck on something. */
const HELM_DEADLINE_MS = 20_000;
const MAX_TEMPLATE_FILES = 1000;

/** How Berth gets helm: the Helm provider's (setting or PATH, trusted workspaces only); undefined or a rejection when there is none. */
export type HelmSource = () => Promise<HelmClient | undefined>;

type Trigger = 'save' | 'open' | 'command';

interface ChartState {
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  /** Set while running: render once more afterwards, for this trigger. */
  again: Trigger | undefined;
  /** Files (absolute paths) this chart's diagnostics are on. */
  files: Set<string>;
}

export function checkChartsEnabled(uri?: vscode.Uri): boolean {
  const settings = vscode.workspace.getConfiguration('berth.manifests', uri);
  return settings.get<boolean>('enabled', true) && settings.get<boolean>('checkCharts', true);
}

/**
 * Checks Helm charts on their rendered output: on save of any file of a chart (and the first
 * time one of its files is opened), `helm template` renders it with its default values, the
 * manifest checks run on the output in the worker, and each finding is shown on the template
 * line that wrote it. A template error becomes an error on the line helm names. Trusted
 * workspaces only; one helm process per chart at a time.
 */
export class ChartChecks implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('berth-charts');
  private readonly charts = new Map<string, ChartState>();
  private readonly disposables: { dispose(): unknown }[] = [];
  private helmProblemLogged = false;

  constructor(private readonly service: ManifestService, private readonly helm: HelmSource, private readonly docs: CheckDocs, private readonly logger: Logger) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidSaveTextDocument((doc) => { void this.fileEvent(doc.uri, 'save'); }),
      vscode.workspace.onDidOpenTextDocument((doc) => { void this.fileEvent(doc.uri, 'open'); }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('berth.helm.path')) this.helmProblemLogged = false;
        if (e.affectsConfiguration('berth.manifests') && !checkChartsEnabled()) this.clearAll();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const doc of vscode.workspace.textDocuments) void this.fileEvent(doc.uri, 'open');
      }),
    );
    for (const doc of vscode.workspace.textDocuments) void this.fileEvent(doc.uri, 'open');
  }

  /** The charts checked so far (absolute folders). */
  knownCharts(): string[] {
    return [...this.charts.keys()];
  }

  private async fileEvent(uri: vscode.Uri, trigger: Trigger): Promise<void> {
    if (uri.scheme !== 'file' || !vscode.workspace.isTrusted || !checkChartsEnabled(uri)) return;
    const chartDir = await chartDirOf(uri.fsPath, true);
    if (!chartDir) return;
    // Opening another file of a chart already checked changes nothing.
    if (trigger === 'open' && this.charts.has(chartDir)) return;
    this.schedule(chartDir, trigger);
  }

  /** Checks a chart now and waits (tests, commands). */
  async checkNow(chartDir: string): Promise<void> {
    const state = this.stateOf(chartDir);
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    await this.run(chartDir, 'command');
  }

  private stateOf(chartDir: string): ChartState {
    let state = this.charts.get(chartDir);
    if (!state) {
      state = { timer: undefined, running: undefined, again: undefined, files: new Set() };
      this.charts.set(chartDir, state);
    }
    return state;
  }

  private schedule(chartDir: string, trigger: Trigger): void {
    const state = this.stateOf(chartDir);
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.run(chartDir, trigger);
    }, DEBOUNCE_MS);
  }

  /** Never two helm processes for one chart: a trigger during a run renders once more after it. */
  private run(chartDir: string, trigger: Trigger): Promise<void> {
    const state = this.stateOf(chartDir);
    if (state.running) {
      // A save wins over an open: its lint reports template errors already.
      state.again = state.again === 'save' || trigger === 'save' ? 'save' : trigger;
      return state.running;
    }
    const running = (async () => {
      let next: Trigger | undefined = trigger;
      while (next !== undefined) {
        state.again = undefined;
        try {
          await this.check(chartDir, next);
        } catch (error) {
          this.logger.error(`Checking the chart ${chartDir} failed`, error);
        }
        next = state.again;
      }
    })().finally(() => { state.running = undefined; });
    state.running = running;
    return running;
  }

  private async helmClient(): Promise<HelmClient | undefined> {
    try {
      const client = await this.helm();
      if (client) return client;
      if (!this.helmProblemLogged) this.logger.info('Chart checks are off: no helm was found (berth.helm.path or PATH).');
    } catch (error) {
      if (!this.helmProblemLogged) this.logger.warn(`Chart checks are off: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.helmProblemLogged = true;
    return undefined;
  }

  private async check(chartDir: string, trigger: Trigger): Promise<void> {
    if (!vscode.workspace.isTrusted || !checkChartsEnabled(vscode.Uri.file(chartDir))) return;
    let chart;
    try {
      chart = await readChart(chartDir);
    } catch {
      // Not a usable Chart.yaml: helm lint says why.
      this.publish(chartDir, new Map());
      return;
    }
    if (chart.metadata.type === 'library') return;
    const helm = await this.helmClient();
    if (!helm) return;
    const args = templateArgs({ release: defaultReleaseName(chart.metadata.name), chart: chartDir, namespace: 'default' });
    let rendered: string;
    try {
      rendered = (await helm.run(args, { deadlineMs: HELM_DEADLINE_MS })).stdout;
    } catch (error) {
      await this.renderFailed(chartDir, trigger, error);
      return;
    }
    const templates = await readTemplateTexts(chartDir);
    const findings = await this.service.checkChart(rendered, templates);
    const plan = planChartFindings(findings, templates);
    if (plan.skipped > 0) this.logger.info(`${chart.metadata.name}: ${plan.skipped} finding(s) in dependency charts packed under charts/ are not shown.`);
    await this.docs.ready();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const fileOf = (relative: string): string => path.join(chartDir, ...relative.split('/'));
    for (const [relative, planned] of plan.byFile) {
      byFile.set(fileOf(relative), planned.map((p) => checkDiagnostic(
        this.docs, p.code, p.severity, p.message, p.range,
        p.related.map((r) => ({ uri: vscode.Uri.file(fileOf(r.file)), range: r.range, message: r.message })),
      )));
    }
    this.publish(chartDir, byFile);
  }

  private async renderFailed(chartDir: string, trigger: Trigger, error: unknown): Promise<void> {
    const failure = helmFailureOf(error);
    if (failure.kind !== 'failed') {
      // Not found, timed out, cancelled: nothing is known about the chart's text.
      this.logger.warn(`helm template of ${chartDir}: ${failure.message}`);
      return;
    }
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const lintOnSave = vscode.workspace.getConfiguration('berth.helm').get<boolean>('lintOnSave', true);
    const problem = problemOf(error) ?? parseTemplateError(failure.stderr);
    if (problem && showTemplateErrors(trigger, lintOnSave)) {
      const target = problemFile(problem, chartDir, (dir, relative) => path.join(dir, ...relative.split('/')), (file) => existsSync(file));
      const line = target.note === undefined ? problem.line ?? 0 : 0;
      const column = target.note === undefined ? problem.column ?? 0 : 0;
      const lineText = await lineOf(target.file, line);
      const where = target.note !== undefined ? `${target.note}${problem.line !== undefined ? `:${problem.line + 1}` : ''}: ` : '';
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(line, Math.min(column, lineText.length), line, Math.max(lineText.length, column + 1)),
        `helm template failed: ${where}${problem.message}${problem.renderedLine ? ' (helm counts this line in the rendered output; it may be off when template actions above it render more or fewer lines)' : ''}`,
        vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      byFile.set(target.file, [diagnostic]);
    } else if (!problem) {
      this.logger.warn(`helm template of ${chartDir} failed: ${failure.message}`);
    }
    // The checks' findings were about the last output that rendered: they are stale now.
    this.publish(chartDir, byFile);
  }

  /** Replaces a chart's diagnostics. */
  private publish(chartDir: string, byFile: Map<string, vscode.Diagnostic[]>): void {
    const state = this.stateOf(chartDir);
    for (const file of state.files) if (!byFile.has(file)) this.collection.delete(vscode.Uri.file(file));
    for (const [file, diagnostics] of byFile) this.collection.set(vscode.Uri.file(file), diagnostics);
    state.files = new Set(byFile.keys());
  }

  private clearAll(): void {
    this.collection.clear();
    for (const state of this.charts.values()) state.files.clear();
  }

  dispose(): void {
    for (const state of this.charts.values()) if (state.timer) clearTimeout(state.timer);
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

/** The location a HelmError carries (`problem`), checked by shape: the error comes from another bundle. */
function problemOf(error: unknown): HelmTemplateError | undefined {
  if (typeof error !== 'object' || error === null || !('problem' in error)) return undefined;
  const problem = error.problem;
  if (typeof problem !== 'object' || problem === null) return undefined;
  const fields = problem as Partial<Record<keyof HelmTemplateError, unknown>>;
  return typeof fields.file === 'string' && typeof fields.message === 'string' ? problem as HelmTemplateError : undefined;
}

async function lineOf(file: string, line: number): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (open) return line < open.lineCount ? open.lineAt(line).text : '';
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return (text.split('\n')[line] ?? '').replace(/\r$/, '');
}

/**
 * The chart's template files as helm reads them (from disk), by chart-relative path:
 * `templates/**` and the `templates/**` of subcharts unpacked under `charts/`; plus Chart.yaml
 * (findings outside any template go there). Partials and NOTES.txt render no manifests.
 */
async function readTemplateTexts(chartDir: string): Promise<Record<string, string>> {
  const texts: Record<string, string> = {};
  let count = 0;
  const walk = async (dir: string, relative: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (count >= MAX_TEMPLATE_FILES) return;
      const childRelative = `${relative}/${entry.name}`;
      const child = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(child, childRelative);
      } else if (entry.isFile() && isRenderedTemplateName(entry.name)) {
        try {
          const stat = await fs.stat(child);
          if (stat.size > MAX_FILE_BYTES) continue;
          texts[childRelative] = await fs.readFile(child, 'utf8');
          count++;
        } catch {
          // Gone meanwhile: helm did not render it either.
        }
      }
    }
  };
  await walk(path.join(chartDir, 'templates'), 'templates');
  let subcharts: string[] = [];
  try {
    subcharts = (await fs.readdir(path.join(chartDir, 'charts'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    // No unpacked subcharts.
  }
  for (const sub of subcharts) await walk(path.join(chartDir, 'charts', sub, 'templates'), `charts/${sub}/templates`);
  try {
    texts['Chart.yaml'] = await fs.readFile(path.join(chartDir, 'Chart.yaml'), 'utf8');
  } catch {
    // Checked by readChart already.
  }
  return texts;
}
