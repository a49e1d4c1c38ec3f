import * as path from 'node:path';
import * as vscode from 'vscode';
import { ManifestService } from '../../clients/manifests/manifestService';
import { registerCommand } from '../commands';
import type { Logger } from '../logger';
import { ChartChecks } from './chartChecks';
import type { HelmSource } from './chartChecks';
import { CheckDocs } from './checkDocs';
import { ManifestActions, SHOW_CHECK_DOC_COMMAND } from './manifestActions';
import { ManifestDiagnostics } from './manifestDiagnostics';

export type { HelmSource } from './chartChecks';

export interface ManifestChecks {
  readonly diagnostics: ManifestDiagnostics;
  readonly charts: ChartChecks;
}

/**
 * Production-readiness checks (BK100-BK107, docs/k8s-checks.md) on the workspace's Kubernetes
 * manifests as they are typed, and on Helm charts rendered with `helm template` when their
 * files are saved. The checks run in dist/manifestWorker.js, started when the first YAML
 * document is checked; helm comes from `helm` (the Helm provider's), only in trusted workspaces.
 */
export function registerManifestChecks(context: vscode.ExtensionContext, logger: Logger, options: { helm: HelmSource }): ManifestChecks {
  const service = new ManifestService(path.join(context.extensionPath, 'dist', 'manifestWorker.js'));
  const docs = new CheckDocs(context.extensionUri);
  const diagnostics = new ManifestDiagnostics(service, docs, logger);
  const charts = new ChartChecks(service, options.helm, docs, logger);
  const selector: vscode.DocumentSelector = [{ language: 'yaml' }, { language: 'helm' }];
  context.subscriptions.push(
    diagnostics,
    charts,
    // After its users, so that none of them sends work to a stopped worker.
    { dispose: () => { service.dispose(); } },
    vscode.languages.registerCodeActionsProvider(selector, new ManifestActions(diagnostics), { providedCodeActionKinds: ManifestActions.kinds }),
  );
  registerCommand(context, logger, SHOW_CHECK_DOC_COMMAND, async (code?: unknown) => {
    const check = typeof code === 'string' && /^BK1\d\d$/.test(code) ? code : undefined;
    await docs.showPreview(check ?? '');
  });
  return { diagnostics, charts };
}
