import * as vscode from 'vscode';
import type { LintConfigSources } from '../clients/lint/protocol';
import type { PartialSettings } from '../core/config/hadolintConfig';
import type { Severity } from '../core/dockerfile/rules/types';

type Family = LintConfigSources['disabledFamilies'][number];
const FAMILIES: readonly Family[] = ['hadolint', 'buildkit', 'berth'];
const LEVELS = new Set<string>(['error', 'warning', 'info', 'style']);

/**
 * The lint configuration for a document: the `.hadolint.yaml` found next to the
 * Dockerfile or above it in the workspace (the file hadolint itself reads, so teams keep
 * one configuration), with VS Code settings on top. The file is parsed in the worker.
 */
export async function readLintConfig(uri: vscode.Uri): Promise<LintConfigSources> {
  const settings = vscode.workspace.getConfiguration('berth.lint', uri);
  const override: Record<string, Severity> = {};
  for (const [code, level] of Object.entries(settings.get<Record<string, string>>('severity', {}))) {
    if (LEVELS.has(level)) override[code] = level as Severity;
  }
  const fromSettings: PartialSettings = {
    ignored: settings.get<string[]>('ignoredRules', []),
    override,
    trustedRegistries: settings.get<string[]>('trustedRegistries', []),
  };
  const families = settings.get<Record<string, boolean>>('families', {});
  return {
    hadolintFile: await readHadolintFile(uri, settings.get<string>('configFile', '')),
    settings: fromSettings,
    disabledFamilies: FAMILIES.filter((f) => families[f] === false),
    maxFindings: settings.get<number>('maxFindings', 500),
  };
}

async function readHadolintFile(uri: vscode.Uri, configured: string): Promise<LintConfigSources['hadolintFile']> {
  for (const candidate of configFileCandidates(uri, configured)) {
    try {
      const bytes = await vscode.workspace.fs.readFile(candidate);
      return { path: candidate.fsPath, text: new TextDecoder().decode(bytes) };
    } catch {
      // Not there: try the next folder up.
    }
  }
  return undefined;
}

/** `berth.lint.configFile` when set, else `.hadolint.yaml`/`.yml` from the Dockerfile's folder up to the workspace folder. */
function configFileCandidates(uri: vscode.Uri, configured: string): vscode.Uri[] {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (configured) {
    if (configured.startsWith('/')) return [vscode.Uri.file(configured)];
    return folder ? [vscode.Uri.joinPath(folder.uri, configured)] : [];
  }
  const out: vscode.Uri[] = [];
  let dir = vscode.Uri.joinPath(uri, '..');
  for (let depth = 0; depth < 32; depth++) {
    out.push(vscode.Uri.joinPath(dir, '.hadolint.yaml'), vscode.Uri.joinPath(dir, '.hadolint.yml'));
    if (!folder || dir.path === folder.uri.path || dir.path === '/' || !dir.path.startsWith(folder.uri.path)) break;
    dir = vscode.Uri.joinPath(dir, '..');
  }
  return out;
}
