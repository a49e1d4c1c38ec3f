import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Informer, KubeConnection } from '../../clients/kube/api';
import { installOrUpgradeArgs, validateReleaseName } from '../../core/helm/args';
import { defaultReleaseName } from '../../core/helm/charts';
import { manifestDiff } from '../../core/helm/diff';
import { releaseFromJson, releaseHealth, rollbackTarget } from '../../core/helm/releases';
import type { HelmRelease } from '../../core/helm/types';
import type { PodJson, WorkloadJson } from '../../core/kube/objects';
import { podSelectorOf, selectorToString } from '../../core/kube/workloads';
import { UserCancelled } from '../commands';
import type { Logger } from '../logger';
import type { ChartAuthoring } from './chartAuthoring';
import type { HelmDocuments, ReleaseStore } from './documents';
import type { HelmProvider, PinnedContext } from './helmProvider';
import { explainHelmFailure, formatDurationSeconds, helmFailureOf, instanceSelector, listResources, manifestResources, podProgress, summariseChanges, usesInstanceLabel } from './model';
import type { ManifestResource, PodProgressEntry } from './model';
import type { ReleasesTree } from './releasesTree';
import type { ChartFolder } from './ui';
import { confirmProtected, pickContext, pickNamespace, pickValuesFiles, resolveChart, settleDirtyChart, whereLines, workspaceCharts } from './ui';

const WORKLOAD_REFS = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
} as const;

/** Everything a deploy needs, asked for or given. */
interface DeployPlan {
  chart: ChartFolder;
  pinned: PinnedContext;
  namespace: string;
  createNamespace: boolean;
  release: string;
  /** The release's current revision when it exists (then this is an upgrade). */
  existing: HelmRelease | undefined;
  valuesFiles: string[];
  reuseValues: boolean;
  wait: boolean;
  atomic: boolean;
  dryRunFirst: boolean;
  timeoutSeconds: number;
}

interface OptionItem extends vscode.QuickPickItem {
  option: 'wait' | 'atomic' | 'dryRun';
}

/**
 * Deploys a chart (install or upgrade, `helm upgrade --install`) to a context and namespace the
 * user picks, optionally after a server-side dry run shown as a diff against the live release.
 * Progress shows the release's pods coming up; the result names what was created, a failure
 * helm's reason (on the template line when it names one) and the pods that were not ready.
 */
export class DeployFlow {
  constructor(
    private readonly helm: HelmProvider,
    private readonly store: ReleaseStore,
    private readonly documents: HelmDocuments,
    private readonly tree: ReleasesTree,
    private readonly authoring: ChartAuthoring,
    private readonly logger: Logger,
  ) {}

  /** `berth.helm.deploy`: from a right-clicked folder, Chart.yaml or values file, or the palette. */
  async deploy(arg?: unknown): Promise<void> {
    this.helm.requireTrust();
    const { chart, clicked } = await resolveChart(arg, 'Deploy which chart?');
    if (chart.metadata.type === 'library') throw new Error(`${chart.metadata.name} is a library chart: it cannot be installed, only used by other charts.`);
    await this.helm.helm();
    await settleDirtyChart(chart.dir, 'Deploy');
    const name = chart.metadata.name;
    const contextName = await pickContext(this.helm, `Deploy ${name}: to which context?`);
    const pinned = await this.helm.pin(contextName);
    const { namespace, create } = await pickNamespace(this.helm, pinned, `Deploy ${name} to ${contextName}: namespace`);
    const existingNames = create ? [] : await this.releasesIn(pinned, namespace);
    const release = await this.askReleaseName(name, namespace, existingNames);
    const summary = existingNames.find((r) => r.name === release);
    const existing = summary ? (await this.store.history(contextName, namespace, release, { fresh: true }))[0] : undefined;
    const valuesFiles = await pickValuesFiles(chart, clicked, `Deploy ${release}: values files`);
    const reuseValues = existing ? await this.askReuseValues(release, existing) : false;
    const options = await this.askOptions(`Deploy ${release} to ${contextName}/${namespace}: options`, existing !== undefined);
    await this.apply({ chart, pinned, namespace, createNamespace: create, release, existing, valuesFiles, reuseValues, ...options });
  }

  /** `berth.helm.upgrade` on a release: a workspace chart, values files, and the deploy options. */
  async upgrade(target: { contextName: string; namespace: string; release: string }): Promise<void> {
    this.helm.requireTrust();
    await this.helm.helm();
    const { contextName, namespace, release } = target;
    const pinned = await this.helm.pin(contextName);
    const existing = (await this.store.history(contextName, namespace, release, { fresh: true }))[0];
    if (!existing) throw new Error(`Release ${release} is not stored in ${contextName}/${namespace} any more.`);
    const chart = await this.pickUpgradeChart(existing);
    await settleDirtyChart(chart.dir, 'Upgrade');
    const valuesFiles = await pickValuesFiles(chart, undefined, `Upgrade ${release}: values files`);
    const reuseValues = await this.askReuseValues(release, existing);
    const options = await this.askOptions(`Upgrade ${release} in ${contextName}/${namespace}: options`, true);
    await this.apply({ chart, pinned, namespace, createNamespace: false, release, existing, valuesFiles, reuseValues, ...options });
  }

  private async releasesIn(pinned: PinnedContext, namespace: string): Promise<{ name: string; revision: number; status: string }[]> {
    try {
      return (await this.helm.clients().listReleases(pinned.connection, { namespace })).releases;
    } catch (error) {
      this.logger.warn(`Deploy: cannot list the releases of ${pinned.contextName}/${namespace}: ${this.helm.kube.failureOf(error).message}`);
      return [];
    }
  }

  private async askReleaseName(chartName: string, namespace: string, existing: readonly { name: string; revision: number; status: string }[]): Promise<string> {
    const value = await vscode.window.showInputBox({
      title: `Deploy ${chartName}: release name`,
      value: defaultReleaseName(chartName),
      prompt: `Lowercase letters, digits, '-' and '.', at most 53 characters. Releases in ${namespace}: ${existing.length > 0 ? existing.map((r) => r.name).join(', ') : 'none'}.`,
      ignoreFocusOut: true,
      validateInput: (v) => {
        const problem = validateReleaseName(v.trim());
        if (problem) return problem;
        const found = existing.find((r) => r.name === v.trim());
        return found ? { message: `Release ${found.name} exists in ${namespace} (revision ${found.revision}, ${found.status}): this upgrades it.`, severity: vscode.InputBoxValidationSeverity.Info } : undefined;
      },
    });
    if (value === undefined) throw new UserCancelled();
    return value.trim();
  }

  private async askReuseValues(release: string, existing: HelmRelease): Promise<boolean> {
    const keys = Object.keys(existing.values).length;
    const items = [
      { label: 'Start from the chart\'s values', description: 'then the chosen files (helm\'s default)', reuse: false },
      { label: `Reuse the values of revision ${existing.revision}`, description: `--reuse-values (${keys} top-level key${keys === 1 ? '' : 's'} set), then the chosen files`, reuse: true },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Upgrade ${release}: which values to start from?`, ignoreFocusOut: true });
    if (!picked) throw new UserCancelled();
    return picked.reuse;
  }

  private async askOptions(title: string, upgrade: boolean): Promise<Pick<DeployPlan, 'wait' | 'atomic' | 'dryRunFirst' | 'timeoutSeconds'>> {
    const version = (await this.helm.helm()).binary.version;
    const timeoutSeconds = this.helm.waitTimeoutSeconds();
    const timeout = formatDurationSeconds(timeoutSeconds);
    const items: OptionItem[] = [
      { label: 'Wait until ready', description: `--wait, timeout ${timeout} (berth.helm.waitTimeout)`, picked: true, option: 'wait' },
      { label: 'Roll back on failure', description: version.major === 4 ? '--rollback-on-failure' : '--atomic', picked: false, option: 'atomic' },
      { label: 'Dry run and diff first', description: '--dry-run=server, show the changes, then ask', picked: upgrade, option: 'dryRun' },
    ];
    const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true, ignoreFocusOut: true, placeHolder: 'Press Enter to deploy with the checked options' });
    if (!picked) throw new UserCancelled();
    const chosen = new Set(picked.map((p) => p.option));
    // Rolling back needs helm to wait for readiness (both majors imply --wait).
    return { wait: chosen.has('wait') || chosen.has('atomic'), atomic: chosen.has('atomic'), dryRunFirst: chosen.has('dryRun'), timeoutSeconds };
  }

  private async pickUpgradeChart(existing: HelmRelease): Promise<ChartFolder> {
    const charts = await workspaceCharts();
    const same = (c: ChartFolder): boolean => c.metadata.name === existing.chart;
    const ordered = [...charts].sort((a, b) => Number(same(b)) - Number(same(a)));
    type Item = vscode.QuickPickItem & { chart?: ChartFolder };
    const items: Item[] = ordered.map((c) => ({
      label: `${c.metadata.name}-${c.metadata.version}`,
      description: same(c) ? 'the release\'s chart' : `not ${existing.chart}`,
      detail: vscode.workspace.asRelativePath(c.dir),
      chart: c,
    }));
    items.push({ label: '$(folder-opened) Choose a chart folder…' });
    const picked = await vscode.window.showQuickPick(items, { title: `Upgrade ${existing.name} (now ${existing.chart}-${existing.chartVersion}) with which chart?`, ignoreFocusOut: true, matchOnDetail: true });
    if (!picked) throw new UserCancelled();
    if (picked.chart) return picked.chart;
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Upgrade with this chart' });
    const dir = folder?.[0]?.fsPath;
    if (!dir) throw new UserCancelled();
    const { chart } = await resolveChart(vscode.Uri.file(dir), '');
    return chart;
  }

  // ---- applying ----------------------------------------------------------------------------

  private async apply(plan: DeployPlan): Promise<void> {
    const { pinned, namespace, release } = plan;
    const where = `${pinned.contextName}/${namespace}`;
    if (plan.dryRunFirst) {
      const dry = await this.dryRun(plan);
      const changes = manifestDiff(plan.existing?.manifest ?? '', dry.manifest, namespace);
      const summary = summariseChanges(changes);
      const left = this.documents.put(plan.existing?.manifest ?? '', `${release}-${plan.existing ? `r${plan.existing.revision}-live` : 'not-installed'}.yaml`);
      const right = this.documents.put(dry.manifest, `${release}-dry-run.yaml`);
      await vscode.commands.executeCommand('vscode.diff', left, right, `${release}: ${plan.existing ? `live revision ${plan.existing.revision}` : 'not installed'} ↔ dry run (${where})`, { preview: true });
      await confirmProtected(pinned, `deploy ${release}`);
      const detail = [
        ...whereLines(pinned, namespace),
        `Release: ${release} (${plan.existing ? `upgrade from revision ${plan.existing.revision}, ${plan.existing.status}` : `new install${plan.createNamespace ? ', creates the namespace' : ''}`})`,
        `Chart: ${plan.chart.metadata.name}-${plan.chart.metadata.version} (${plan.chart.dir})`,
        '',
        `Changes: ${summary.counts}`,
        ...summary.lines.slice(0, 15),
        ...(summary.lines.length > 15 ? [`… and ${summary.lines.length - 15} more`] : []),
      ].join('\n');
      const deploy = 'Deploy';
      const title = summary.changed === 0 && plan.existing ? `The dry run changes no resource of ${release}. Deploy anyway (a new revision)?` : `Deploy ${release} to ${where}?`;
      if ((await vscode.window.showWarningMessage(title, { modal: true, detail }, deploy)) !== deploy) throw new UserCancelled();
    } else {
      await confirmProtected(pinned, `deploy ${release}`);
    }
    const connection = await this.helm.recheck(pinned, 'Nothing was deployed.');
    await this.install(plan, connection);
  }

  private async dryRun(plan: DeployPlan): Promise<HelmRelease> {
    const { target, env } = await this.helm.target(plan.pinned.contextName, plan.namespace);
    const version = (await this.helm.helm()).binary.version;
    const args = installOrUpgradeArgs({
      ...target, version, release: plan.release, chart: plan.chart.dir, install: true, createNamespace: plan.createNamespace, valuesFiles: plan.valuesFiles,
      reuseValues: plan.reuseValues, wait: false, atomic: false, dryRun: 'server', output: 'json',
    });
    let stdout = '';
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Dry run of ${plan.release} on ${plan.pinned.contextName}/${plan.namespace}`, cancellable: true }, async (_progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => { abort.abort(); });
        try {
          stdout = (await this.helm.run(args, { signal: abort.signal, env })).stdout;
        } finally {
          cancel.dispose();
        }
      });
    } catch (error) {
      const failure = helmFailureOf(error);
      if (failure.kind === 'cancelled') throw new UserCancelled();
      await this.authoring.reportRenderError(plan.chart.dir, failure.stderr);
      const { reason, hint } = explainHelmFailure(failure);
      throw new Error(`the dry run of ${plan.release} failed: ${reason}${hint ? ` ${hint}` : ''}`);
    }
    this.authoring.clearRenderErrors(plan.chart.dir);
    const parsed = parseJsonRelease(stdout);
    if (!parsed) throw new Error(`helm's dry run of ${plan.release} printed no release JSON; see the Berth Helm output.`);
    return parsed;
  }

  private async install(plan: DeployPlan, connection: KubeConnection): Promise<void> {
    const { pinned, namespace, release } = plan;
    const where = `${pinned.contextName}/${namespace}`;
    const { target, env } = await this.helm.target(pinned.contextName, namespace);
    const version = (await this.helm.helm()).binary.version;
    const args = installOrUpgradeArgs({
      ...target, version, release, chart: plan.chart.dir, install: true, createNamespace: plan.createNamespace, valuesFiles: plan.valuesFiles,
      reuseValues: plan.reuseValues, wait: plan.wait, timeoutSeconds: plan.wait ? plan.timeoutSeconds : undefined, atomic: plan.atomic, output: 'json',
    });
    const watchPods = await chartUsesInstanceLabel(plan.chart.dir);
    let pods: Informer<PodJson> | undefined;
    let stdout = '';
    this.authoring.clearRenderErrors(plan.chart.dir);
    this.logger.info(`Deploying ${release} (${plan.chart.dir}) to ${where} on ${pinned.server}`);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${plan.existing ? 'Upgrading' : 'Deploying'} ${release} to ${where}`, cancellable: true },
      async (progress, token): Promise<{ ok: true } | { ok: false; error: unknown; notReady: PodProgressEntry[] | undefined }> => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => { abort.abort(); });
        const started = Date.now();
        let status = plan.wait ? 'waiting for resources' : 'applying';
        let lastHelmLine = '';
        const report = (): void => {
          const seconds = Math.round((Date.now() - started) / 1000);
          progress.report({ message: `${status} · ${seconds} s` });
        };
        if (watchPods) {
          pods = connection.informer<PodJson>({ group: '', version: 'v1', resource: 'pods', namespace }, { labelSelector: instanceSelector(release) });
          const informer = pods;
          informer.onChange(() => {
            status = podProgress(informer.items.values()).text;
            report();
          });
        }
        const ticker = setInterval(report, 1000);
        report();
        try {
          stdout = (await this.helm.run(args, {
            signal: abort.signal,
            env,
            onStderr: (chunk) => {
              const line = chunk.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).at(-1);
              if (line && !watchPods) {
                lastHelmLine = line.slice(0, 120);
                status = lastHelmLine;
                report();
              }
            },
          })).stdout;
          return { ok: true };
        } catch (error) {
          return { ok: false, error, notReady: pods ? podProgress(pods.items.values()).notReady : undefined };
        } finally {
          clearInterval(ticker);
          cancel.dispose();
          pods?.stop();
        }
      },
    );
    await this.tree.changedByBerth(pinned.contextName, namespace, release);
    if (outcome.ok) {
      await this.succeeded(plan, stdout);
      return;
    }
    await this.failed(plan, connection, outcome.error, outcome.notReady);
  }

  private async succeeded(plan: DeployPlan, stdout: string): Promise<void> {
    const { pinned, namespace, release } = plan;
    const where = `${pinned.contextName}/${namespace}`;
    const deployed = parseJsonRelease(stdout) ?? (await this.store.history(pinned.contextName, namespace, release, { fresh: true }))[0];
    const resources = deployed ? manifestResources(deployed.manifest, namespace) : [];
    let message: string;
    if (!plan.existing) {
      message = `Berth: deployed ${release} to ${where} (revision ${deployed?.revision ?? 1}): created ${resources.length > 0 ? listResources(resources) : 'no resources'}.`;
    } else {
      const changes = manifestDiff(plan.existing.manifest, deployed?.manifest ?? '', namespace);
      const parts = (['changed', 'added', 'removed'] as const).map((kind) => {
        const of = changes.filter((c) => c.change === kind);
        return of.length > 0 ? `${kind} ${listResources(of, 4)}` : '';
      }).filter(Boolean);
      const unchanged = changes.filter((c) => c.change === 'unchanged').length;
      if (unchanged > 0) parts.push(`${unchanged} unchanged`);
      message = `Berth: upgraded ${release} in ${where} to revision ${deployed?.revision ?? plan.existing.revision + 1}: ${parts.join('; ') || 'no resources'}.`;
    }
    this.logger.info(message);
    const actions = ['Show Release', ...(deployed?.notes ? ['Open Notes'] : []), ...(resources.some((r) => r.workloadKind) ? ['Show Logs'] : [])];
    void vscode.window.showInformationMessage(message, ...actions).then((choice) => {
      if (choice === 'Show Release') void this.tree.reveal(pinned.contextName, namespace, release);
      if (choice === 'Open Notes' && deployed) void vscode.commands.executeCommand('berth.helm.openNotes', { kind: 'release', contextName: pinned.contextName, namespace, release });
      const workload = resources.find((r): r is ManifestResource & { workloadKind: NonNullable<ManifestResource['workloadKind']> } => r.workloadKind !== undefined);
      if (choice === 'Show Logs' && workload) {
        void vscode.commands.executeCommand('berth.kube.showLogs', { kind: 'workload', contextName: pinned.contextName, namespace: workload.namespace, workloadKind: workload.workloadKind, name: workload.name });
      }
    });
  }

  private async failed(plan: DeployPlan, connection: KubeConnection, error: unknown, notReadyFromWatch: PodProgressEntry[] | undefined): Promise<void> {
    const { pinned, namespace, release } = plan;
    const where = `${pinned.contextName}/${namespace}`;
    const failure = helmFailureOf(error);
    if (failure.kind === 'cancelled') {
      const history = await this.store.history(pinned.contextName, namespace, release, { fresh: true }).catch(() => [] as HelmRelease[]);
      const latest = history[0];
      // No age: helm was just killed, so a pending status is not "in progress" any more.
      const target = latest ? rollbackTarget(history, latest.revision) : undefined;
      const hint = latest ? releaseHealth(latest.status, { revision: latest.revision, ...(target !== undefined ? { rollbackRevision: target } : {}) }).hint : '';
      const left = latest?.status.startsWith('pending') ? ` The release is left ${latest.status} (revision ${latest.revision}): ${hint}` : '';
      void vscode.window.showWarningMessage(`Berth: deploying ${release} to ${where} was cancelled; helm was stopped.${left}`);
      throw new UserCancelled();
    }
    await this.authoring.reportRenderError(plan.chart.dir, failure.stderr);
    const { reason, hint } = explainHelmFailure(failure);
    const notReady = notReadyFromWatch ?? (await this.notReadyPods(connection, plan).catch(() => []));
    const pods = notReady.length > 0 ? ` Not ready: ${notReady.slice(0, 5).map((p) => `${p.name} (${p.label})`).join(', ')}${notReady.length > 5 ? ` and ${notReady.length - 5} more` : ''}.` : '';
    const message = `Berth: deploying ${release} to ${where} failed: ${reason}${/[.!?]$/.test(reason) ? '' : '.'}${hint ? ` ${hint}` : ''}${pods}`;
    this.logger.warn(message);
    void vscode.window.showErrorMessage(message, 'Show Helm Output', 'Show Release').then((choice) => {
      if (choice === 'Show Helm Output') this.helm.showOutput();
      if (choice === 'Show Release') void this.tree.reveal(pinned.contextName, namespace, release);
    });
    throw new UserCancelled();
  }

  /** Pods of the release's workloads that are not ready, for charts without the instance label. */
  private async notReadyPods(connection: KubeConnection, plan: DeployPlan): Promise<PodProgressEntry[]> {
    const latest = (await this.store.history(plan.pinned.contextName, plan.namespace, plan.release, { fresh: true }))[0];
    if (!latest) return [];
    const workloads = manifestResources(latest.manifest, plan.namespace).filter((r) => r.workloadKind !== undefined && r.workloadKind !== 'CronJob').slice(0, 5);
    const entries: PodProgressEntry[] = [];
    for (const resource of workloads) {
      if (!resource.workloadKind) continue;
      const workload = await connection.get<WorkloadJson>({ ...WORKLOAD_REFS[resource.workloadKind], namespace: resource.namespace, name: resource.name }).catch(() => undefined);
      const selector = workload ? selectorToString(podSelectorOf(resource.workloadKind, workload)) : undefined;
      if (!selector) continue;
      const list = await connection.list<PodJson>({ group: '', version: 'v1', resource: 'pods', namespace: resource.namespace }, { labelSelector: selector }).catch(() => undefined);
      if (list) entries.push(...podProgress(list.items).notReady);
    }
    return entries;
  }
}

function parseJsonRelease(stdout: string): HelmRelease | undefined {
  const start = stdout.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = releaseFromJson(JSON.parse(stdout.slice(start)));
    return 'error' in parsed ? undefined : parsed;
  } catch {
    return undefined;
  }
}

/** Whether the chart's templates use `app.kubernetes.io/instance` (then its pods can be watched by release). */
async function chartUsesInstanceLabel(chartDir: string): Promise<boolean> {
  const templates = path.join(chartDir, 'templates');
  let names: string[];
  try {
    names = (await fs.readdir(templates, { recursive: true })).map(String).slice(0, 300);
  } catch {
    return false;
  }
  const texts: string[] = [];
  for (const name of names) {
    if (!/\.(ya?ml|tpl|txt)$/.test(name)) continue;
    texts.push(await fs.readFile(path.join(templates, name), 'utf8').catch(() => ''));
  }
  return usesInstanceLabel(texts);
}
