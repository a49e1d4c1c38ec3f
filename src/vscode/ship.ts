// "Build, Push and Roll Out": from a Dockerfile to a running workload in one command. The
// choices come first (target workload or Helm release, container, registry repository, and the
// typed context name on a protected context), so that nothing interrupts the steps; then each
// step runs in one cancellable notification and the run stops at the first failure with that
// step's reason: build (tagged with the git commit), push (success only with the registry's
// digest), set the image by digest (`repo@sha256:…`) or `helm upgrade --reuse-values --set
// image...`, wait for the rollout with the live view open, then the workload's logs.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KubeConnection } from '../clients/kube/api';
import type { RegistryAuth } from '../core/docker/credentials';
import { registryOf } from '../core/docker/credentials';
import { describeContext } from '../core/docker/buildContext';
import { formatBytes } from '../core/dockerfile/stageSummary';
import { installOrUpgradeArgs } from '../core/helm/args';
import { parseChartYaml } from '../core/helm/charts';
import type { HelmReleaseSummary } from '../core/helm/releases';
import { rolloutActionBlocker, setImagePatch } from '../core/k8s/rollout';
import type { RolloutView } from '../core/k8s/rollout';
import type { RolloutWorkloadJson } from '../core/k8s/rolloutObjects';
import { UserCancelled, registerCommand } from './commands';
import { gitCommit } from './docker/build';
import type { EngineProvider } from './docker/engineProvider';
import { describeFailure, failedStepOf } from './docker/failures';
import type { HelmProvider } from './helm/helmProvider';
import { explainHelmFailure, helmFailureOf } from './helm/model';
import type { RolloutFeatures } from './kube/rollout';
import { confirmChange } from './kube/rolloutCommands';
import { describeRolloutTarget, pinnedReference, rememberPushedImage, rolloutRef, templateContainers } from './kube/rolloutLogic';
import type { RolloutTarget } from './kube/rolloutLogic';
import { rolloutClientsOf } from './kube/rolloutPanel';
import { connectTo, kubeError, listRolloutWorkloads, pickContext, pickNamespace, recheckServer, workloadItem } from './kube/rolloutPick';
import type { PickedWorkload, RolloutKube } from './kube/rolloutPick';
import {
  defaultRepository, imageValueKeys, parseShipOptions, releaseWorkloads, repositoryProblem, rolloutErrorOf, shipReference, shipSteps,
} from './kube/rolloutShip';
import type { ShipOptions, ShipRecord, ShipStepName, ShipStepRecord } from './kube/rolloutShip';
import type { Logger } from './logger';

const DOCKERFILE_GLOB = '**/{Dockerfile,Containerfile,*.Dockerfile,Dockerfile.*}';
const REPOSITORY_KEY = 'berth.ship.repositories';
const VALUES_KEY_KEY = 'berth.ship.valuesKeys';
const SECRET_PREFIX = 'berth.registry.';
const DEFAULT_WAIT_MS = 10 * 60_000;
const TITLE = 'Build, Push and Roll Out';

/** Where the image goes. */
type ShipDestination =
  | { kind: 'workload'; target: RolloutTarget; container: string; currentImage: string }
  | { kind: 'helm'; contextName: string; namespace: string; release: string; chartDir: string; valuesKey: string; watch: RolloutTarget | undefined };

interface ShipPlan {
  dockerfile: vscode.Uri;
  contextDir: string;
  reference: string;
  repository: string;
  destination: ShipDestination;
  contextName: string;
  namespace: string;
  server: string;
  timeoutMs: number;
}

/** A step stopped the run. */
class StepStopped extends Error {
  constructor(readonly step: ShipStepName, readonly cancelled: boolean, message: string) {
    super(message);
    this.name = 'StepStopped';
  }
}

export interface ShipDependencies {
  kube: RolloutKube;
  rollouts: RolloutFeatures;
  /** The Helm provider of the Releases view; without it only workloads are offered. */
  helm?: HelmProvider;
  /** The Docker engine provider shared with the Images view (registerDocker owns and disposes it). */
  engines: EngineProvider;
}

export class ShipCommand {
  /** The last run, for `berth.internal.shipStats`. */
  lastRun: ShipRecord | undefined;

  constructor(
    private readonly engines: EngineProvider,
    private readonly output: vscode.OutputChannel,
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
    private readonly logger: Logger,
    private readonly deps: ShipDependencies,
  ) {}

  async run(arg?: unknown): Promise<void> {
    if (!vscode.workspace.isTrusted) throw new Error('Building runs the Dockerfile\'s commands and rolling out changes a cluster: this needs a trusted workspace.');
    const options = parseShipOptions(arg) ?? {};
    const plan = await this.plan(arg instanceof vscode.Uri ? arg : undefined, options);
    await this.execute(plan);
  }

  // ---- the choices ---------------------------------------------------------------------------

  private async plan(uri: vscode.Uri | undefined, options: ShipOptions): Promise<ShipPlan> {
    const dockerfile = options.dockerfile !== undefined ? vscode.Uri.file(options.dockerfile) : await this.pickDockerfile(uri);
    if (dockerfile.scheme !== 'file') throw new Error('Berth builds Dockerfiles on disk only.');
    await this.settleDirtyEditor(dockerfile);
    const contextDir = path.dirname(dockerfile.fsPath);
    const kube = this.deps.kube;

    const contextName = options.contextName ?? await pickContext(kube, `${TITLE}: which context?`);
    const connection = await connectTo(kube, contextName);
    const namespace = options.namespace ?? await pickNamespace(kube, connection, `${TITLE}: which namespace of ${contextName}?`);
    const destination = await this.pickDestination(connection, contextName, namespace, options);

    const key = vscode.workspace.asRelativePath(dockerfile, true);
    const remembered = this.state.get<Record<string, string>>(REPOSITORY_KEY, {})[key];
    const repository = options.repository ?? await this.askRepository(remembered, destination.kind === 'workload' ? destination.currentImage : undefined);
    const problem = repositoryProblem(repository);
    if (problem) throw new Error(problem);
    await this.state.update(REPOSITORY_KEY, { ...this.state.get<Record<string, string>>(REPOSITORY_KEY, {}), [key]: repository });

    const commit = await gitCommit(contextDir);
    if (commit === undefined) this.logger.warn(`${TITLE}: ${contextDir} is not in a git checkout; the image is tagged latest (it is set by digest anyway).`);
    const reference = shipReference(repository, path.basename(contextDir), commit);

    // Every change goes where it was chosen: the server now, checked again before the change.
    const server = connection.server;
    const what = destination.kind === 'workload'
      ? `build, push and set the image of container ${destination.container} of ${describeRolloutTarget(destination.target)}`
      : `build, push and upgrade Helm release ${destination.release}`;
    await confirmChange(kube, { contextName, namespace, server, what });
    const timeoutMs = options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : DEFAULT_WAIT_MS;
    return { dockerfile, contextDir, reference, repository, destination, contextName, namespace, server, timeoutMs };
  }

  private async pickDockerfile(arg: vscode.Uri | undefined): Promise<vscode.Uri> {
    if (arg) return arg;
    const active = vscode.window.activeTextEditor?.document;
    if (active && active.languageId === 'dockerfile' && active.uri.scheme === 'file') return active.uri;
    const found = await vscode.workspace.findFiles(DOCKERFILE_GLOB, '**/node_modules/**', 200);
    if (found.length === 0) throw new Error('No Dockerfile in this workspace.');
    if (found.length === 1 && found[0]) return found[0];
    const picked = await vscode.window.showQuickPick(found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), { title: `${TITLE}: which Dockerfile?`, ignoreFocusOut: true });
    if (!picked) throw new UserCancelled();
    return picked.uri;
  }

  private async settleDirtyEditor(uri: vscode.Uri): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc?.isDirty) return;
    const save = 'Save and Continue';
    const saved = 'Use Saved Version';
    const choice = await vscode.window.showWarningMessage(`${path.basename(uri.fsPath)} has unsaved changes.`, { modal: true, detail: 'The engine builds what is on disk.' }, save, saved);
    if (choice === save) {
      if (!(await doc.save())) throw new Error(`Could not save ${uri.fsPath}.`);
    } else if (choice !== saved) {
      throw new UserCancelled();
    }
  }

  /** A workload (then its container) or a Helm release of the namespace. */
  private async pickDestination(connection: KubeConnection, contextName: string, namespace: string, options: ShipOptions): Promise<ShipDestination> {
    const kube = this.deps.kube;
    if (options.workload) {
      const target: RolloutTarget = { kind: 'workload', contextName, namespace, workloadKind: options.workload.workloadKind, name: options.workload.name };
      return this.workloadDestination(connection, target, options.container);
    }
    if (options.release) return this.helmDestination(connection, contextName, namespace, options.release, undefined, options);

    type Item = vscode.QuickPickItem & { workload?: PickedWorkload; release?: HelmReleaseSummary };
    const load = async (): Promise<Item[]> => {
      const [workloads, releases] = await Promise.all([
        listRolloutWorkloads(kube, connection, contextName, namespace),
        this.listReleases(connection, namespace),
      ]);
      const items: Item[] = [];
      if (workloads.length > 0) items.push({ label: 'Workloads: set the image', kind: vscode.QuickPickItemKind.Separator }, ...workloads.map((w) => ({ ...workloadItem(w), workload: w })));
      if (releases.length > 0) {
        items.push({ label: 'Helm releases: helm upgrade --reuse-values', kind: vscode.QuickPickItemKind.Separator }, ...releases.map((r) => ({
          label: `$(package) ${r.name}`,
          description: [r.chart && r.chartVersion ? `${r.chart}-${r.chartVersion}` : r.chart ?? '', `revision ${r.revision}`, r.status].filter(Boolean).join(' · '),
          release: r,
        })));
      }
      if (items.length === 0) throw new Error(`There is no Deployment, StatefulSet, DaemonSet or Helm release in ${contextName}/${namespace}.`);
      return items;
    };
    const picked = await vscode.window.showQuickPick(load(), { title: `${TITLE}: roll out to which workload or release in ${contextName}/${namespace}?`, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true });
    if (!picked) throw new UserCancelled();
    if (picked.workload) return this.workloadDestination(connection, picked.workload.target, undefined);
    if (picked.release) return this.helmDestination(connection, contextName, namespace, picked.release.name, picked.release, options);
    throw new UserCancelled();
  }

  private async listReleases(connection: KubeConnection, namespace: string): Promise<HelmReleaseSummary[]> {
    const helm = this.deps.helm;
    if (!helm) return [];
    try {
      const listing = await helm.clients().listReleases(connection, { namespace });
      return listing.releases.filter((r) => r.status !== 'uninstalled' && r.status !== 'uninstalling');
    } catch (error) {
      // Releases are optional here: without them the workloads are still offered.
      this.logger.warn(`${TITLE}: could not list the Helm releases of ${namespace}: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  private async workloadDestination(connection: KubeConnection, target: RolloutTarget, container: string | undefined): Promise<ShipDestination> {
    const workload = await this.readWorkload(connection, target);
    // Found before building, not after a long build.
    const blocker = rolloutActionBlocker(target.workloadKind, workload, 'setImage') ?? (workload.spec?.paused ? `${target.workloadKind} ${target.name} is paused: resume it first, or its rollout never finishes` : undefined);
    if (blocker) throw new Error(`${blocker}.`);
    const containers = templateContainers(workload);
    let chosen = container !== undefined ? containers.find((c) => c.name === container) : containers.length === 1 ? containers[0] : undefined;
    if (container !== undefined && !chosen) throw new Error(`${target.workloadKind} ${target.name} has no container named ${container} (it has ${containers.map((c) => c.name).join(', ')}).`);
    if (!chosen) {
      const picked = await vscode.window.showQuickPick(containers.map((c) => ({ label: c.name, description: c.image, container: c })), { title: `${TITLE}: which container of ${target.name} runs this image?`, ignoreFocusOut: true });
      if (!picked) throw new UserCancelled();
      chosen = picked.container;
    }
    return { kind: 'workload', target, container: chosen.name, currentImage: chosen.image };
  }

  private async readWorkload(connection: KubeConnection, target: RolloutTarget): Promise<RolloutWorkloadJson> {
    try {
      return await connection.get<RolloutWorkloadJson>(rolloutRef(target));
    } catch (error) {
      throw kubeError(this.deps.kube, error);
    }
  }

  private async helmDestination(connection: KubeConnection, contextName: string, namespace: string, release: string, summary: HelmReleaseSummary | undefined, options: ShipOptions): Promise<ShipDestination> {
    if (!this.deps.helm) throw new Error('Helm is not available in this window.');
    const chartDir = options.chart ?? await this.pickChart(release, summary?.chart);
    const remembered = this.state.get<Record<string, string>>(VALUES_KEY_KEY, {})[`${contextName}/${namespace}/${release}`];
    let valuesKey = options.valuesKey ?? remembered ?? 'image';
    if (options.valuesKey === undefined) {
      const typed = await vscode.window.showInputBox({
        title: `${TITLE}: values of the image in release ${release}`,
        prompt: 'The values key holding repository and tag (image → --set image.repository=…,image.tag=…)',
        value: valuesKey,
        ignoreFocusOut: true,
        validateInput: (v) => (imageValueKeys(v) ? undefined : 'A dotted values path such as image or app.image.'),
      });
      if (typed === undefined) throw new UserCancelled();
      valuesKey = typed.trim();
    }
    if (!imageValueKeys(valuesKey)) throw new Error(`"${valuesKey}" is not a values path such as image or app.image.`);
    await this.state.update(VALUES_KEY_KEY, { ...this.state.get<Record<string, string>>(VALUES_KEY_KEY, {}), [`${contextName}/${namespace}/${release}`]: valuesKey });
    const made = releaseWorkloads(await listRolloutWorkloads(this.deps.kube, connection, contextName, namespace), release);
    let watch = made[0]?.target;
    if (made.length > 1) {
      const picked = await vscode.window.showQuickPick(made.map(workloadItem), { title: `${TITLE}: watch the rollout of which workload of ${release}?`, ignoreFocusOut: true });
      if (!picked) throw new UserCancelled();
      watch = picked.entry.target;
    }
    return { kind: 'helm', contextName, namespace, release, chartDir, valuesKey, watch };
  }

  /** The chart folder of a release: a workspace chart with the release's chart name, or one picked. */
  private async pickChart(release: string, chartName: string | undefined): Promise<string> {
    const files = await vscode.workspace.findFiles('**/Chart.yaml', '**/node_modules/**', 200);
    const charts: { dir: string; name: string }[] = [];
    for (const file of files) {
      const parsed = parseChartYaml(await fs.readFile(file.fsPath, 'utf8').catch(() => ''));
      if (!('error' in parsed)) charts.push({ dir: path.dirname(file.fsPath), name: parsed.name });
    }
    const matching = chartName ? charts.filter((c) => c.name === chartName) : [];
    if (matching.length === 1 && matching[0]) return matching[0].dir;
    const offered = matching.length > 1 ? matching : charts;
    const items = offered.map((c) => ({ label: c.name, description: vscode.workspace.asRelativePath(c.dir), dir: c.dir }));
    const picked = await vscode.window.showQuickPick([...items, { label: '$(folder-opened) Browse…', description: 'a chart folder elsewhere', dir: '' }], {
      title: `${TITLE}: which chart upgrades release ${release}${chartName ? ` (chart ${chartName})` : ''}?`,
      ignoreFocusOut: true,
    });
    if (!picked) throw new UserCancelled();
    if (picked.dir !== '') return picked.dir;
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this chart' });
    if (!chosen?.[0]) throw new UserCancelled();
    return chosen[0].fsPath;
  }

  private async askRepository(remembered: string | undefined, currentImage: string | undefined): Promise<string> {
    const typed = await vscode.window.showInputBox({
      title: `${TITLE}: push to which repository?`,
      prompt: 'The registry repository, without tag (the image is tagged with the git commit and set by digest)',
      placeHolder: 'registry.example.com/team/app or localhost:5000/app',
      value: defaultRepository(remembered, currentImage) ?? '',
      ignoreFocusOut: true,
      validateInput: (v) => repositoryProblem(v),
    });
    if (typed === undefined) throw new UserCancelled();
    return typed.trim();
  }

  // ---- the steps -----------------------------------------------------------------------------

  private async execute(plan: ShipPlan): Promise<void> {
    const destination = plan.destination;
    const watch = destination.kind === 'workload' ? destination.target : destination.watch;
    const record: ShipRecord = {
      target: destination.kind === 'workload' ? `${destination.target.workloadKind} ${plan.namespace}/${destination.target.name} (container ${destination.container}) in ${plan.contextName}` : `Helm release ${plan.namespace}/${destination.release} in ${plan.contextName}`,
      reference: plan.reference,
      steps: shipSteps(destination.kind === 'helm', watch !== undefined),
      outcome: 'running',
    };
    this.lastRun = record;
    this.output.show(true);
    this.output.appendLine(`\n=== ${TITLE}: ${plan.dockerfile.fsPath} → ${record.target}`);
    const started = Date.now();
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: TITLE, cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => { controller.abort(); });
        await this.steps(plan, record, progress, controller.signal);
      });
    } catch (error) {
      if (error instanceof StepStopped) {
        record.outcome = error.cancelled ? 'cancelled' : 'failed';
        record.stoppedAt = error.step;
        for (const step of record.steps) if (step.status === 'pending') step.status = 'skipped';
        this.output.appendLine(`=== ${error.cancelled ? 'Cancelled' : 'FAILED'} at ${error.step}: ${error.message}`);
        this.logger.warn(`${TITLE} ${error.cancelled ? 'cancelled' : 'failed'} at ${error.step}: ${error.message}`);
        if (error.cancelled) {
          void vscode.window.showInformationMessage(`Berth: ${TITLE} cancelled at "${error.step}". ${error.message}`);
          return;
        }
        const show = 'Show Output';
        void vscode.window.showErrorMessage(`Berth: ${TITLE} stopped at "${error.step}": ${error.message}`, show).then((choice) => {
          if (choice === show) this.output.show();
        });
        return;
      }
      record.outcome = 'failed';
      throw error;
    }
    record.outcome = 'done';
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const what = destination.kind === 'workload' ? `${destination.target.workloadKind} ${destination.target.name} runs ${record.pinned ?? plan.reference}` : `release ${destination.release} upgraded to ${plan.reference}`;
    this.output.appendLine(`=== Done in ${seconds} s: ${what}`);
    void vscode.window.showInformationMessage(`Berth: ${what} (${seconds} s).`);
  }

  private async steps(plan: ShipPlan, record: ShipRecord, progress: vscode.Progress<{ message?: string }>, signal: AbortSignal): Promise<void> {
    const total = record.steps.length;
    const step = async <T>(name: ShipStepName, body: (report: (message: string) => void) => Promise<T>, describe: (error: unknown) => string): Promise<T> => {
      const entry = record.steps.find((s) => s.name === name) as ShipStepRecord;
      const index = record.steps.indexOf(entry) + 1;
      const report = (message: string): void => { progress.report({ message: `${index}/${total} ${name}: ${message}` }); };
      if (signal.aborted) {
        entry.status = 'cancelled';
        throw new StepStopped(name, true, 'Nothing further was done.');
      }
      entry.status = 'running';
      const t0 = Date.now();
      report('…');
      try {
        const result = await body(report);
        entry.status = 'done';
        entry.ms = Date.now() - t0;
        return result;
      } catch (error) {
        entry.ms = Date.now() - t0;
        if (error instanceof StepStopped) {
          entry.status = error.cancelled ? 'cancelled' : 'failed';
          entry.detail = error.message;
          throw error;
        }
        const cancelled = signal.aborted || error instanceof UserCancelled;
        entry.status = cancelled ? 'cancelled' : 'failed';
        entry.detail = cancelled ? 'cancelled' : describe(error);
        throw new StepStopped(name, cancelled, cancelled ? cancelledText(name) : entry.detail);
      }
    };

    const destination = plan.destination;
    const engine = this.engines.engine();

    // Build, tagged `repository:<commit>`.
    await step('Build', async (report) => {
      this.output.appendLine(`--- Build ${plan.reference} (context ${plan.contextDir}) on ${engine.endpoint.description}`);
      const warnMB = vscode.workspace.getConfiguration('berth.build').get<number>('contextWarningMB', 500);
      const result = await engine.build({ contextDir: plan.contextDir, dockerfile: plan.dockerfile.fsPath, tag: plan.reference }, {
        confirmContext: async (summary) => {
          const described = describeContext(summary, formatBytes);
          this.output.appendLine(`Context: ${described}`);
          if (summary.bytes < warnMB * 1e6) return true;
          const send = 'Send and Build';
          return (await vscode.window.showWarningMessage(`The build context is large: ${described}.`, { modal: true, detail: 'Add what the image does not need to .dockerignore to make builds faster.' }, send)) === send;
        },
        onLine: (line) => { this.output.appendLine(line); },
        onStep: (s) => { report(`${plan.reference} · step ${s.number}/${s.total}: ${s.text.slice(0, 50)}`); },
      }, signal);
      this.setDetail(record, 'Build', `${plan.reference} (${result.imageId.replace('sha256:', '').slice(0, 12)})`);
    }, (error) => {
      const failure = describeFailure(error);
      const failed = failedStepOf(error);
      return `${failed ? `step ${failed.number}/${failed.total} (${failed.text.slice(0, 80)}) failed: ` : ''}${failure.message}`;
    });

    // Push: a success carries the registry's digest.
    const digest = await step('Push', async (report) => {
      const registry = registryOf(plan.reference);
      this.output.appendLine(`--- Push ${plan.reference} to ${registry}`);
      const auth = await this.registryAuth(registry);
      const result = await engine.push(plan.reference, { auth }, {
        onLine: (line) => { this.output.appendLine(line); },
        onProgress: (done, all) => { report(`${plan.reference} · ${done}/${all} layers`); },
      }, signal);
      this.output.appendLine(`Pushed ${plan.reference}: ${result.digest}`);
      rememberPushedImage(plan.reference, result.digest);
      record.digest = result.digest;
      this.setDetail(record, 'Push', result.digest);
      return result.digest;
    }, (error) => {
      const failure = describeFailure(error);
      return `${failure.message}${failure.code === 'REGISTRY_AUTH' ? ' Push it once with "Berth: Push Image" to enter credentials.' : failure.action ? ` ${failure.action}` : ''}`;
    });

    let connection: KubeConnection | undefined;
    if (destination.kind === 'workload') {
      const pinned = pinnedReference(plan.reference, digest);
      record.pinned = pinned;
      connection = await step('Set image', async (report) => {
        report(`${destination.container} → ${pinned}`);
        const now = await this.recheck(plan);
        // The last moment to cancel without a change.
        if (signal.aborted) throw new StepStopped('Set image', true, 'The image was not changed.');
        const patch = setImagePatch(destination.target.workloadKind, destination.container, pinned);
        try {
          await now.patch(rolloutRef(destination.target), patch.patch, patch.type, signal);
        } catch (error) {
          if (signal.aborted) throw new StepStopped('Set image', true, 'Cancelled while the change was being sent: it may have been applied; the rollout view shows what the cluster runs.');
          throw kubeError(this.deps.kube, error);
        }
        this.output.appendLine(`Set ${destination.container} of ${describeRolloutTarget(destination.target)} to ${pinned} (context ${plan.contextName}, server ${plan.server})`);
        this.setDetail(record, 'Set image', pinned);
        return now;
      }, errorText);
    } else {
      connection = await step('Helm upgrade', async (report) => {
        const helm = this.deps.helm;
        if (!helm) throw new Error('Helm is not available in this window.');
        const keys = imageValueKeys(destination.valuesKey);
        if (!keys) throw new Error(`"${destination.valuesKey}" is not a values path.`);
        const client = await helm.helm();
        const now = await this.recheck(plan);
        if (signal.aborted) throw new StepStopped('Helm upgrade', true, 'The release was not changed.');
        const { target, env } = await helm.target(plan.contextName, plan.namespace);
        const tag = plan.reference.slice(plan.repository.length + 1);
        const wait = destination.watch === undefined;
        const args = installOrUpgradeArgs({
          ...target,
          version: client.binary.version,
          release: destination.release,
          chart: destination.chartDir,
          install: false,
          wait,
          ...(wait ? { timeoutSeconds: Math.round(plan.timeoutMs / 1000) } : {}),
          atomic: false,
          createNamespace: false,
          reuseValues: true,
          set: { [keys.repository]: plan.repository, [keys.tag]: tag },
          description: `Berth: ${TITLE} ${plan.reference} (${digest})`,
        });
        report(`helm upgrade ${destination.release} ${keys.repository}=${plan.repository} ${keys.tag}=${tag}`);
        this.output.appendLine(`--- helm upgrade ${destination.release} (see the Berth Helm output)`);
        // helm's command line and stderr go to the "Berth Helm" output.
        await helm.run(args, { signal, ...(Object.keys(env).length > 0 ? { env } : {}) });
        this.setDetail(record, 'Helm upgrade', `${destination.release}: ${keys.repository}=${plan.repository}, ${keys.tag}=${tag}`);
        return now;
      }, (error) => {
        const explained = explainHelmFailure(helmFailureOf(error));
        return `${explained.reason}${explained.hint ? ` ${explained.hint}` : ''}`;
      });
    }

    const watch = destination.kind === 'workload' ? destination.target : destination.watch;
    if (!watch) return;
    await step('Wait for rollout', async (report) => {
      await this.deps.rollouts.panels.show(watch);
      const { waitForRollout } = rolloutClientsOf(this.deps.kube);
      const view: RolloutView = await waitForRollout(connection, { kind: watch.workloadKind, namespace: watch.namespace, name: watch.name }, {
        signal,
        timeoutMs: plan.timeoutMs,
        onView: (v) => { report(v.summary); },
      });
      this.setDetail(record, 'Wait for rollout', view.summary);
    }, (error) => {
      const rollout = rolloutErrorOf(error);
      if (rollout) return rollout.reason ? `${rollout.reason.code}: ${rollout.message}${rollout.reason.hint ? ` ${rollout.reason.hint}` : ''}` : rollout.message;
      return errorText(error);
    });

    await step('Open logs', async () => {
      await vscode.commands.executeCommand('berth.kube.showLogs', { target: watch });
    }, errorText);

    function errorText(error: unknown): string {
      return error instanceof Error ? error.message : String(error);
    }
  }

  private setDetail(record: ShipRecord, name: ShipStepName, detail: string): void {
    const entry = record.steps.find((s) => s.name === name);
    if (entry) entry.detail = detail;
  }

  /** The context must still point at the server confirmed when the run began (T41). */
  private recheck(plan: ShipPlan): Promise<KubeConnection> {
    return recheckServer(this.deps.kube, plan.contextName, plan.server, 'Nothing was changed in the cluster.');
  }

  /** The Docker config's credentials for the registry, else those entered in Berth before. */
  private async registryAuth(registry: string): Promise<RegistryAuth | undefined> {
    const fromConfig = await this.engines.load().registryAuthFromConfig(registry).catch((error: unknown) => {
      this.logger.warn(`Docker config credentials for ${registry}: ${describeFailure(error).message}`);
      return undefined;
    });
    if (fromConfig) return fromConfig;
    const stored = await this.secrets.get(`${SECRET_PREFIX}${registry}`);
    return stored !== undefined ? (JSON.parse(stored) as RegistryAuth) : undefined;
  }
}

function cancelledText(step: ShipStepName): string {
  switch (step) {
    case 'Build': return 'The engine stopped the build; nothing was pushed or changed.';
    case 'Push': return 'The push was stopped; the cluster was not changed.';
    case 'Set image': return 'The image was not changed.';
    case 'Helm upgrade': return 'helm was stopped; if it had started, the release may be marked failed (see the Releases view).';
    case 'Wait for rollout': return 'Berth stopped waiting; the rollout goes on in the cluster (the rollout view shows it).';
    case 'Open logs': return '';
  }
}

/**
 * Registers `berth.ship` and `berth.internal.shipStats`. The lead calls it after the Kubernetes,
 * rollout and Helm features are registered; nothing is loaded until the command runs.
 */
export function registerShip(context: vscode.ExtensionContext, logger: Logger, deps: ShipDependencies): ShipCommand {
  const output = vscode.window.createOutputChannel('Berth Ship');
  const ship = new ShipCommand(deps.engines, output, context.secrets, context.workspaceState, logger, deps);
  context.subscriptions.push(output);
  registerCommand(context, logger, 'berth.ship', (arg) => ship.run(arg));
  registerCommand(context, logger, 'berth.internal.shipStats', () => ship.lastRun);
  return ship;
}
