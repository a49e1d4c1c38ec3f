// Berth's entry point: activate() wires the editor features and returns at once. Heavy
// work (the lint worker, the Docker and Kubernetes SDK bundles) starts on first use.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LintService } from './clients/lint/lintService';
import { registerCommand } from './vscode/commands';
import { DockerfileActions } from './vscode/dockerfileActions';
import { DockerfileLenses } from './vscode/dockerfileLenses';
import { DockerfileLinter, isDockerfile, ruleDocUri } from './vscode/dockerfileLint';
import { BaseImageSizes } from './vscode/docker/baseImageSizes';
import { registerDocker } from './vscode/docker/index';
import { registerKube } from './vscode/kube/index';
import { registerLogPanel } from './vscode/kube/logPanel';
import { registerRollout } from './vscode/kube/rollout';
import { registerShip } from './vscode/ship';
import { registerHelm } from './vscode/helm/index';
import { registerManifestChecks } from './vscode/k8s/index';
import { Logger } from './vscode/logger';

let activationMs = 0;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const logger = new Logger();
  context.subscriptions.push(logger);

  const lintService = new LintService(path.join(context.extensionPath, 'dist', 'lintWorker.js'));
  context.subscriptions.push({ dispose: () => { lintService.dispose(); } });
  const linter = new DockerfileLinter(lintService, logger, context.extensionUri);
  context.subscriptions.push(linter);

  const selector: vscode.DocumentSelector = [{ language: 'dockerfile' }];
  const lenses = new DockerfileLenses(linter);
  context.subscriptions.push(
    lenses,
    vscode.languages.registerCodeLensProvider(selector, lenses),
    vscode.languages.registerCodeActionsProvider(selector, new DockerfileActions(linter), { providedCodeActionKinds: DockerfileActions.kinds }),
  );

  registerCommand(context, logger, 'berth.dockerfile.lint', async () => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !isDockerfile(doc)) throw new Error('Open a Dockerfile to lint it.');
    const analysis = await linter.lintNow(doc);
    const count = analysis?.findings.length ?? 0;
    void vscode.window.showInformationMessage(`Berth: ${count} finding${count === 1 ? '' : 's'} in ${path.basename(doc.uri.fsPath)}.`);
  });
  registerCommand(context, logger, 'berth.dockerfile.showRuleDoc', async (code?: unknown) => {
    const rule = typeof code === 'string' && /^[A-Za-z0-9]+$/.test(code) ? code : await vscode.window.showInputBox({ prompt: 'Rule code (DL3008, BT101, StageNameCasing, ...)' });
    if (!rule) return;
    await vscode.commands.executeCommand('markdown.showPreview', ruleDocUri(context.extensionUri, rule));
  });
  registerCommand(context, logger, 'berth.showLogs', () => { logger.show(); });
  const { sizeLenses, engines } = registerDocker(context, logger);
  // Base image sizes for the stage lenses: local engine, else registry, else the table (looked up on first ask).
  const baseSizes = new BaseImageSizes(engines, context.globalState, logger);
  context.subscriptions.push(baseSizes);
  lenses.useBaseImageSizes(baseSizes);
  lenses.measuredBase = (uri, stageIndex) => sizeLenses.recordFor(uri)?.current.stages.some((s) => s.stageIndex === stageIndex && s.baseImage !== undefined) ?? false;
  context.subscriptions.push(sizeLenses.onDidChangeCodeLenses(() => { lenses.refresh(); }));
  // The Clusters view and the log panel: dist/kube.js is required when the view is first shown.
  const kube = registerKube(context, logger);
  registerLogPanel(context, logger, kube.provider);
  // Rollouts from the Clusters view, and Build, Push and Roll Out from a Dockerfile.
  const helm = registerHelm(context, logger, kube.provider);
  // Production-readiness checks of manifests and rendered charts (worker thread, helm template).
  registerManifestChecks(context, logger, { helm: () => helm.provider.helm() });
  const rollouts = registerRollout(context, logger, kube.provider, () => kube.tree.selection);
  registerShip(context, logger, { kube: kube.provider, rollouts, helm: helm.provider, engines });
  registerCommand(context, logger, 'berth.internal.activationTime', () => activationMs);

  activationMs = performance.now() - started;
  logger.info(`activated in ${activationMs.toFixed(1)} ms`);

  // The in-extension-host test suite (test/host) runs only when asked, from a test build.
  const hostTestsResult = process.env.BERTH_HOST_TESTS_RESULT;
  if (hostTestsResult) {
    const testsPath = path.join(context.extensionPath, 'dist', 'hostTests.js');
    // A runtime require: the test bundle is separate and absent from release packages.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tests = require(testsPath) as { run(resultFile: string): Promise<void> };
    void tests.run(hostTestsResult).catch((err: unknown) => { logger.error('Host tests failed to run', err); });
  }
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions and disposed by VS Code.
}
