import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseChartYaml, valuesFilesOf } from '../../core/helm/charts';
import type { ChartMetadata } from '../../core/helm/charts';
import type { NamespaceJson } from '../../core/kube/objects';
import { isProtectedContext } from '../../core/kube/protected';
import { UserCancelled } from '../commands';
import type { HelmProvider, PinnedContext } from './helmProvider';
import { findChartDir, namespaceChoices } from './model';
import type { NamespaceChoice } from './model';

/** A protected context needs its name typed before any change (T42). */
export async function confirmProtected(pinned: PinnedContext, action: string): Promise<void> {
  if (!pinned.isProtected) return;
  const name = pinned.contextName;
  const typed = await vscode.window.showInputBox({
    title: `"${name}" is a protected context`,
    prompt: `Type the context name to ${action} on ${pinned.server}`,
    placeHolder: name,
    ignoreFocusOut: true,
    validateInput: (value) => (value === name ? undefined : 'Type the context name exactly as shown.'),
  });
  if (typed !== name) throw new UserCancelled();
}

/** The lines of a confirmation that say where an action goes. */
export function whereLines(pinned: PinnedContext, namespace: string): string[] {
  return [`Context: ${pinned.contextName}${pinned.isProtected ? ' (protected)' : ''}`, `Server: ${pinned.server}`, `Namespace: ${namespace}`];
}

/** Picks a context of the kubeconfig: the current one first and marked. */
export async function pickContext(helm: HelmProvider, title: string): Promise<string> {
  const { merged } = await helm.kube.kubeconfig();
  if (merged.contexts.length === 0) throw new Error('The kubeconfig has no contexts.');
  const current = merged.currentContext;
  const contexts = [...merged.contexts].sort((a, b) => Number(b.name === current) - Number(a.name === current));
  const patterns = helm.kube.protectedPatterns();
  const items = contexts.map((c) => ({
    label: c.name,
    description: [c.name === current ? 'current' : '', isProtectedContext(c.name, patterns) ? 'protected' : '', c.namespace ? `namespace ${c.namespace}` : ''].filter(Boolean).join(' · '),
    detail: merged.clusters.find((cl) => cl.name === c.cluster)?.server,
  }));
  const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true, matchOnDescription: true });
  if (!picked) throw new UserCancelled();
  return picked.label;
}

/**
 * Picks a namespace of the context, or a new one typed into the picker ("Create namespace x"
 * → `--create-namespace`). When namespaces cannot be listed, asks for a name.
 */
export async function pickNamespace(helm: HelmProvider, pinned: PinnedContext, title: string): Promise<{ namespace: string; create: boolean }> {
  const own = helm.kube.current?.contexts.find((c) => c.name === pinned.contextName)?.namespace ?? 'default';
  let names: string[] | undefined;
  try {
    const list = await pinned.connection.list<NamespaceJson>({ group: '', version: 'v1', resource: 'namespaces' });
    names = list.items.map((n) => n.metadata.name);
  } catch (error) {
    const failure = helm.kube.failureOf(error);
    if (failure.code !== 'KUBE_FORBIDDEN') throw new Error(failure.message);
  }
  if (!names) {
    const typed = await vscode.window.showInputBox({
      title,
      prompt: `You may not list the namespaces of ${pinned.contextName}: type one.`,
      value: own,
      ignoreFocusOut: true,
      validateInput: (v) => (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v.trim()) ? undefined : 'Not a namespace name (lowercase letters, digits and -).'),
    });
    if (!typed) throw new UserCancelled();
    return { namespace: typed.trim(), create: false };
  }
  const existing = names;
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { choice: NamespaceChoice }>();
  quickPick.title = title;
  quickPick.placeholder = 'Pick a namespace, or type a new name to create it';
  quickPick.ignoreFocusOut = true;
  quickPick.matchOnDescription = true;
  const update = (): void => {
    quickPick.items = namespaceChoices(existing, own, quickPick.value).map((choice) => ({ label: choice.label, ...(choice.description ? { description: choice.description } : {}), alwaysShow: choice.create, choice }));
  };
  update();
  try {
    return await new Promise<{ namespace: string; create: boolean }>((resolve, reject) => {
      quickPick.onDidChangeValue(update);
      quickPick.onDidAccept(() => {
        const picked = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
        if (picked) resolve({ namespace: picked.choice.namespace, create: picked.choice.create });
      });
      quickPick.onDidHide(() => { reject(new UserCancelled()); });
      quickPick.show();
    });
  } finally {
    quickPick.dispose();
  }
}

/** A chart folder and what its Chart.yaml says. */
export interface ChartFolder {
  dir: string;
  metadata: ChartMetadata;
}

async function hasChartYaml(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(path.join(dir, 'Chart.yaml'))).isFile();
  } catch {
    return false;
  }
}

/** Reads a chart folder's Chart.yaml; throws with the reason when it is not a usable chart. */
export async function readChart(dir: string): Promise<ChartFolder> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, 'Chart.yaml'), 'utf8');
  } catch {
    throw new Error(`${dir} has no Chart.yaml: it is not a Helm chart.`);
  }
  const metadata = parseChartYaml(text);
  if ('error' in metadata) throw new Error(`${path.join(dir, 'Chart.yaml')}: ${metadata.error}`);
  return { dir, metadata };
}

/** The chart folder of a file or folder (Chart.yaml in it or up to three folders above), if any. */
export async function chartDirOf(fsPath: string, isFile: boolean): Promise<string | undefined> {
  return findChartDir(fsPath, isFile, hasChartYaml, (p) => path.dirname(p));
}

/** Every chart of the workspace (by its Chart.yaml), excluding dependencies unpacked under charts/ of another chart and node_modules. */
export async function workspaceCharts(): Promise<ChartFolder[]> {
  const files = await vscode.workspace.findFiles('**/Chart.yaml', '**/node_modules/**', 500);
  const charts: ChartFolder[] = [];
  for (const file of files) {
    try {
      charts.push(await readChart(path.dirname(file.fsPath)));
    } catch {
      // Not a usable chart: not offered.
    }
  }
  return charts.sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * The chart an invocation means: a right-clicked folder, Chart.yaml or values file, else the
 * active editor's chart, else one picked among the workspace's charts.
 */
export async function resolveChart(arg: unknown, title: string): Promise<{ chart: ChartFolder; clicked?: string }> {
  const uri = arg instanceof vscode.Uri ? arg : undefined;
  if (uri) {
    if (uri.scheme !== 'file') throw new Error('Berth deploys charts on disk only.');
    let isFile = false;
    try {
      isFile = (await fs.stat(uri.fsPath)).isFile();
    } catch {
      throw new Error(`${uri.fsPath} does not exist.`);
    }
    const dir = await chartDirOf(uri.fsPath, isFile);
    if (!dir) throw new Error(`${vscode.workspace.asRelativePath(uri)} is not in a Helm chart (no Chart.yaml in it or above it).`);
    const chart = await readChart(dir);
    return isFile && /^values[^/\\]*\.ya?ml$/i.test(path.basename(uri.fsPath)) ? { chart, clicked: uri.fsPath } : { chart };
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeDir = active?.scheme === 'file' ? await chartDirOf(active.fsPath, true) : undefined;
  const charts = await workspaceCharts();
  if (charts.length === 0 && !activeDir) throw new Error('No Helm chart (Chart.yaml) in this workspace.');
  if (activeDir && charts.length <= 1) return { chart: await readChart(activeDir) };
  if (charts.length === 1 && charts[0]) return { chart: charts[0] };
  const ordered = activeDir ? [...charts].sort((a, b) => Number(b.dir === activeDir) - Number(a.dir === activeDir)) : charts;
  const picked = await vscode.window.showQuickPick(
    ordered.map((c) => ({ label: c.metadata.name, description: `${c.metadata.version}${c.dir === activeDir ? ' · the open file\'s chart' : ''}`, detail: vscode.workspace.asRelativePath(c.dir), chart: c })),
    { title, ignoreFocusOut: true, matchOnDetail: true },
  );
  if (!picked) throw new UserCancelled();
  return { chart: picked.chart };
}

/** The values files a chart offers (absolute paths): values.yaml first, then values*.yaml by name. */
export async function chartValuesFiles(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return valuesFilesOf(names).map((name) => path.join(dir, name));
}

/**
 * Picks values files (multi-select, in the listed order; later files win). Skipped, with no
 * file, when the chart has only its values.yaml and none was right-clicked.
 */
export async function pickValuesFiles(chart: ChartFolder, clicked: string | undefined, title: string): Promise<string[]> {
  const files = await chartValuesFiles(chart.dir);
  if (clicked && !files.includes(clicked)) files.push(clicked);
  const defaults = path.join(chart.dir, 'values.yaml');
  if (!clicked && files.every((f) => f === defaults)) return [];
  const items = files.map((file) => ({
    label: path.relative(chart.dir, file) || path.basename(file),
    description: file === defaults ? 'the chart\'s defaults (applied anyway)' : '',
    picked: file === clicked,
    file,
  }));
  const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true, ignoreFocusOut: true, placeHolder: 'Values files, applied in this order (later files win); none: the chart\'s defaults' });
  if (!picked) throw new UserCancelled();
  return picked.map((p) => p.file);
}

/** Unsaved edits in the chart: helm reads the files on disk. */
export async function settleDirtyChart(dir: string, verb: string): Promise<void> {
  const prefix = dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`;
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file' && d.uri.fsPath.startsWith(prefix));
  if (dirty.length === 0) return;
  const save = `Save All and ${verb}`;
  const saved = `${verb} Saved Files`;
  const choice = await vscode.window.showWarningMessage(`${dirty.length === 1 && dirty[0] ? path.basename(dirty[0].uri.fsPath) : `${dirty.length} files of the chart`} ha${dirty.length === 1 ? 's' : 've'} unsaved changes.`, { modal: true, detail: 'helm reads the chart from disk.' }, save, saved);
  if (choice === save) {
    for (const doc of dirty) if (!(await doc.save())) throw new Error(`Could not save ${doc.uri.fsPath}.`);
  } else if (choice !== saved) {
    throw new UserCancelled();
  }
}
