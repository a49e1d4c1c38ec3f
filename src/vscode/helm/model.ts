// The Helm features' decisions that need no editor: labels of the Releases view, what a
// manifest created, how helm finds the kubeconfig Berth loaded, what a failure means, the
// addresses of read-only documents. No `vscode` import here, so that it is tested in plain Node.
import { splitManifest } from '../../core/helm/diff';
import type { ResourceChange } from '../../core/helm/diff';
import { releaseHealth, rollbackTarget } from '../../core/helm/releases';
import type { HelmReleaseSummary, ReleaseHealth } from '../../core/helm/releases';
import type { HelmProblemLocation } from '../../core/helm/lintOutput';
import { parseTemplateError } from '../../core/helm/lintOutput';
import type { HelmRelease } from '../../core/helm/types';
import { validateNamespace } from '../../core/helm/args';
import { formatAge } from '../../core/kube/age';
import type { PodJson } from '../../core/kube/objects';
import { podStatus } from '../../core/kube/podStatus';
import type { WorkloadKind } from '../../core/kube/types';

/** Helm's default `--timeout`, used when the setting cannot be read. */
export const DEFAULT_WAIT_SECONDS = 300;

const DURATION_UNITS: Readonly<Record<string, number>> = { h: 3600, m: 60, s: 1 };

/**
 * Whole seconds of a Go-style duration as helm's `--timeout` takes it (`5m`, `90s`, `1h30m`,
 * `2.5m`), or of a bare number of seconds (`300`). Undefined when it is not one, or not at least
 * one second.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return seconds >= 1 ? seconds : undefined;
  }
  if (value === '' || !/^(\d+(\.\d+)?[hms])+$/.test(value)) return undefined;
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)([hms])/g)) total += Number(match[1]) * (DURATION_UNITS[match[2] ?? 's'] ?? 1);
  const seconds = Math.round(total);
  return seconds >= 1 ? seconds : undefined;
}

/** Seconds written the way helm users write timeouts: `5m`, `90s`, `1h30m`. */
export function formatDurationSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', s > 0 ? `${s}s` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join('') : '0s';
}

/** Kinds whose pods the log panel can follow (the Clusters view's workload kinds). */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** One object a release's manifest declares. */
export interface ManifestResource {
  kind: string;
  name: string;
  /** The object's namespace, or the release's when the document names none. */
  namespace: string;
  /** Set for the kinds the Clusters view shows as workloads. */
  workloadKind?: WorkloadKind;
  /** The template that rendered it, e.g. `web/templates/deployment.yaml`. */
  source?: string;
}

function isWorkloadKind(kind: string): kind is WorkloadKind {
  return (WORKLOAD_KINDS as readonly string[]).includes(kind);
}

/**
 * The objects of a rendered manifest in its order (helm's install order is by kind, not by
 * file, but this is the order the user reads in the manifest). Documents without a kind or a
 * name (empty templates, comments, invalid YAML) are left out.
 */
export function manifestResources(manifest: string, releaseNamespace: string): ManifestResource[] {
  const resources: ManifestResource[] = [];
  for (const doc of splitManifest(manifest, releaseNamespace)) {
    if (!doc.kind || !doc.name) continue;
    const resource: ManifestResource = { kind: doc.kind, name: doc.name, namespace: doc.namespace || releaseNamespace };
    if (isWorkloadKind(doc.kind) && doc.apiVersion === (doc.kind === 'Job' || doc.kind === 'CronJob' ? 'batch/v1' : 'apps/v1')) resource.workloadKind = doc.kind;
    if (doc.source !== undefined) resource.source = doc.source;
    resources.push(resource);
  }
  return resources;
}

/** `Deployment/web, Service/web and 3 more`. */
export function listResources(resources: readonly { kind: string; name: string }[], max = 6): string {
  const names = resources.map((r) => `${r.kind}/${r.name}`);
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** `web-0.1.0`, or the chart name alone when its version is unknown. */
export function chartLabel(chart: string | undefined, version: string | undefined): string {
  if (!chart) return '';
  return version ? `${chart}-${version}` : chart;
}

/**
 * What a release row shows next to its name: chart and version, app version, status,
 * revision, age of the last change. E.g. `web-0.1.0 · app 1.16.0 · deployed · rev 3 · 5m`.
 */
export function releaseDescription(release: HelmReleaseSummary, nowMs: number): string {
  const parts = [
    chartLabel(release.chart, release.chartVersion),
    release.appVersion ? `app ${release.appVersion}` : '',
    release.status,
    `rev ${release.revision}`,
    release.updated ? formatAge(release.updated, nowMs) : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

/** How long ago the revision was written, for the pending-or-stuck decision. */
export function ageMs(updated: string | undefined, nowMs: number): number | undefined {
  if (!updated) return undefined;
  const at = Date.parse(updated);
  return Number.isNaN(at) ? undefined : Math.max(0, nowMs - at);
}

/**
 * What the status means and what to do, with the rollback target taken from the history when
 * it is known (it is not while only the list was read).
 */
export function healthOf(release: HelmReleaseSummary, nowMs: number, history?: readonly HelmRelease[]): ReleaseHealth {
  const context: Parameters<typeof releaseHealth>[1] = { revision: release.revision };
  const age = ageMs(release.updated, nowMs);
  if (age !== undefined) context.ageMs = age;
  if (history) {
    const target = rollbackTarget(history, release.revision);
    if (target !== undefined) context.rollbackRevision = target;
  }
  return releaseHealth(release.status, context);
}

/** Whether a release needs the user (pending, failed or unknown): it gets the "What to do" node. */
export function needsAttention(health: ReleaseHealth): boolean {
  return health.health === 'warning' || health.health === 'error' || health.health === 'progressing';
}

/** One row of a revision history: `deployed · web-0.1.0 · Upgrade complete · 2026-11-22 10:01`. */
export function revisionDescription(release: HelmRelease): string {
  const when = release.updated ? release.updated.replace('T', ' ').slice(0, 16) : '';
  return [release.status, chartLabel(release.chart, release.chartVersion), release.description, when].filter(Boolean).join(' · ');
}

/** Releases grouped by namespace, namespaces sorted, releases by name. */
export function groupByNamespace<T extends { namespace: string; name: string }>(releases: readonly T[]): { namespace: string; releases: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const release of releases) {
    const list = groups.get(release.namespace) ?? [];
    list.push(release);
    groups.set(release.namespace, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, list]) => ({ namespace, releases: list.sort((x, y) => x.name.localeCompare(y.name)) }));
}

/**
 * How a helm process is pointed at the kubeconfig Berth loaded (never helm's own defaults,
 * which may differ from `berth.kube.kubeconfig`): one file as `--kubeconfig`, several as
 * `KUBECONFIG` in its environment (helm's `--kubeconfig` takes one path), none: nothing.
 */
export function helmKubeconfig(paths: readonly string[], delimiter: string): { kubeconfig?: string; env?: Record<string, string> } {
  if (paths.length === 0) return {};
  if (paths.length === 1 && paths[0] !== undefined) return { kubeconfig: paths[0] };
  return { env: { KUBECONFIG: paths.join(delimiter) } };
}

/** A summary of per-resource changes: counts for a title, one line per resource for details. */
export function summariseChanges(changes: readonly ResourceChange[]): { counts: string; lines: string[]; changed: number } {
  const count = (kind: ResourceChange['change']): number => changes.filter((c) => c.change === kind).length;
  const added = count('added');
  const changedCount = count('changed');
  const removed = count('removed');
  const unchanged = count('unchanged');
  const counts = [added ? `${added} added` : '', changedCount ? `${changedCount} changed` : '', removed ? `${removed} removed` : '', unchanged ? `${unchanged} unchanged` : '']
    .filter(Boolean)
    .join(', ') || 'no resources';
  const marks: Record<ResourceChange['change'], string> = { added: '+', changed: '~', removed: '-', unchanged: ' ' };
  const lines = changes.filter((c) => c.change !== 'unchanged').map((c) => `${marks[c.change]} ${c.kind || '?'}/${c.name || c.key}${c.namespace ? ` (${c.namespace})` : ''}`);
  return { counts, lines, changed: added + changedCount + removed };
}

/** One pod as the deploy progress shows it. */
export interface PodProgressEntry {
  name: string;
  label: string;
  ready: boolean;
}

/** Ready when every container is ready (`2/2`), or when it ran to completion. */
export function podIsReady(pod: PodJson): boolean {
  const status = podStatus(pod);
  if (status.health === 'done') return true;
  const match = /^(\d+)\/(\d+)$/.exec(status.ready);
  return status.health === 'ok' && match !== null && match[1] === match[2] && Number(match[2]) > 0;
}

/**
 * `2/3 pods ready · web-7d9 ContainerCreating`: the pods of a release coming up, the ones not
 * ready named (at most three) with their kubectl-style status.
 */
export function podProgress(pods: Iterable<PodJson>): { ready: number; total: number; text: string; notReady: PodProgressEntry[] } {
  const entries: PodProgressEntry[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    entries.push({ name: pod.metadata.name, label: podStatus(pod).label, ready: podIsReady(pod) });
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const ready = entries.filter((e) => e.ready).length;
  const notReady = entries.filter((e) => !e.ready);
  if (entries.length === 0) return { ready: 0, total: 0, text: 'no pods yet', notReady };
  const waiting = notReady.slice(0, 3).map((e) => `${e.name} ${e.label}`).join(', ');
  const more = notReady.length > 3 ? ` and ${notReady.length - 3} more` : '';
  return { ready, total: entries.length, text: `${ready}/${entries.length} pods ready${waiting ? ` · ${waiting}${more}` : ''}`, notReady };
}

/** Whether the chart's templates set the standard instance label (then its pods can be watched by release). */
export function usesInstanceLabel(templateTexts: Iterable<string>): boolean {
  for (const text of templateTexts) if (text.includes('app.kubernetes.io/instance')) return true;
  return false;
}

/** The label selector of a release's pods for charts that use the standard labels. */
export function instanceSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}

/** What a failed helm run said, read from a HelmError or any error. */
export interface HelmFailureInfo {
  kind?: string;
  stderr: string;
  message: string;
  /** The clients' own advice, when it has some. */
  hint?: string;
}

/** Reads the fields of the clients' HelmError (kind, stderr) without depending on its class. */
export function helmFailureOf(error: unknown): HelmFailureInfo {
  const message = error instanceof Error ? error.message : String(error);
  if (typeof error !== 'object' || error === null) return { stderr: '', message };
  const fields = error as { kind?: unknown; stderr?: unknown; hint?: unknown };
  const info: HelmFailureInfo = { stderr: typeof fields.stderr === 'string' ? fields.stderr : '', message };
  if (typeof fields.kind === 'string') info.kind = fields.kind;
  if (typeof fields.hint === 'string' && fields.hint !== '') info.hint = fields.hint;
  return info;
}

/**
 * Helm's reason for a failure in one sentence (its `Error:` line, without the `UPGRADE FAILED:`
 * prefix), and what to do about the failures users meet most.
 */
export function explainHelmFailure(failure: HelmFailureInfo): { reason: string; hint?: string } {
  if (failure.kind === 'cancelled') return { reason: 'cancelled; helm was stopped' };
  if (failure.kind === 'not-found') return { reason: failure.message, hint: 'Install helm 3.13 or later (or helm 4), or set berth.helm.path in your user settings.' };
  if (failure.kind === 'timeout') return { reason: failure.message, hint: 'helm did not finish in time and was stopped.' };
  const parsed = parseTemplateError(failure.stderr);
  const located = parsed && parsed.file !== '' ? `${parsed.file}${parsed.line !== undefined ? `:${parsed.line + 1}` : ''}: ` : '';
  const reason = parsed ? `${located}${parsed.message}` : (lastLine(failure.stderr) || failure.message);
  const text = `${failure.stderr}\n${failure.message}`;
  if (failure.kind === 'release-locked' || /another operation \(install\/upgrade\/rollback\) is in progress/.test(text)) {
    return { reason, hint: 'The release is pending: another helm run is working on it, or one was stopped before it finished. If none is running, roll it back (or uninstall it if it was never deployed) from the Releases view.' };
  }
  if (/context deadline exceeded|timed out waiting for the condition|resource not ready/.test(text)) {
    return { reason, hint: 'Its resources did not become ready within the timeout (berth.helm.waitTimeout).' };
  }
  if (/has no deployed releases/.test(text)) {
    return { reason, hint: 'Its first install failed and was never deployed: uninstall it, then install again.' };
  }
  if (/cannot re-use a name that is still in use/.test(text)) {
    return { reason, hint: 'A release of that name exists (perhaps uninstalled with --keep-history): choose another name, or uninstall it.' };
  }
  if (/Kubernetes cluster unreachable/.test(text)) return { reason, hint: 'Check the context in the Clusters view.' };
  if (/forbidden/i.test(text)) return { reason, hint: 'Your credentials are not allowed to do this in that namespace (RBAC).' };
  return failure.hint ? { reason, hint: failure.hint } : { reason };
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const error = [...lines].reverse().find((l) => l.startsWith('Error: '));
  return (error ?? lines.at(-1) ?? '').replace(/^Error: /, '').slice(0, 500);
}

/** One entry of the namespace picker of the deploy flow. */
export interface NamespaceChoice {
  label: string;
  namespace: string;
  description?: string;
  /** The namespace does not exist: deploy with `--create-namespace`. */
  create: boolean;
}

/**
 * The namespace picker's items: `typed` (when it names a namespace that does not exist) as a
 * "Create namespace" entry first, then the context's own namespace, then the rest by name.
 */
export function namespaceChoices(existing: readonly string[], preferred: string, typed: string): NamespaceChoice[] {
  const names = [...new Set(existing)].sort();
  const choices: NamespaceChoice[] = [];
  const wanted = typed.trim();
  if (wanted !== '' && !names.includes(wanted) && validateNamespace(wanted) === undefined) {
    choices.push({ label: `$(add) Create namespace "${wanted}"`, namespace: wanted, description: 'helm --create-namespace', create: true });
  }
  if (names.includes(preferred)) choices.push({ label: preferred, namespace: preferred, description: 'the context\'s namespace', create: false });
  for (const name of names) if (name !== preferred) choices.push({ label: name, namespace: name, create: false });
  return choices;
}

/** Where a problem helm reported goes: an absolute file (or the chart's Chart.yaml) and a note when the named file is not on disk. */
export function problemFile(location: HelmProblemLocation, chartDir: string, join: (dir: string, relative: string) => string, exists: (file: string) => boolean): { file: string; note?: string } {
  const chartYaml = join(chartDir, 'Chart.yaml');
  if (location.valuesFile) return exists(location.file) ? { file: location.file } : { file: chartYaml, note: location.file };
  const relative = location.file.replace(/\/+$/, '');
  if (relative === '' ) return { file: chartYaml };
  const file = join(chartDir, relative);
  if (relative === 'templates' || !exists(file)) return { file: chartYaml, note: location.file };
  return { file };
}

/** The read-only documents of the `berth-helm` scheme: a revision's part, or text Berth made (previews, dry runs). */
export type HelmDocumentAddress =
  | { kind: 'release'; contextName: string; namespace: string; release: string; revision: number; part: 'values' | 'computed' | 'manifest' | 'notes' }
  | { kind: 'memory'; id: string };

const PARTS = new Set(['values', 'computed', 'manifest', 'notes']);

/** The path (for the tab title) and query (the exact address) of a document. */
export function documentPath(address: HelmDocumentAddress, title?: string): { path: string; query: string } {
  if (address.kind === 'memory') {
    const name = (title ?? 'document.yaml').replace(/[/\\]+/g, '_');
    return { path: `/${encodeURIComponent(address.id)}/${encodeURIComponent(name)}`, query: new URLSearchParams({ mem: address.id }).toString() };
  }
  const extension = address.part === 'notes' ? 'txt' : 'yaml';
  const file = `${address.release}-r${address.revision}-${address.part === 'computed' ? 'values-all' : address.part}.${extension}`;
  const segments = [address.contextName, address.namespace, address.release, file].map(encodeURIComponent);
  const query = new URLSearchParams({ context: address.contextName, namespace: address.namespace, release: address.release, revision: String(address.revision), part: address.part });
  return { path: `/${segments.join('/')}`, query: query.toString() };
}

/** The address in a `berth-helm:` URI's query; undefined when it names nothing Berth made. */
export function parseDocumentQuery(query: string): HelmDocumentAddress | undefined {
  const params = new URLSearchParams(query);
  const memory = params.get('mem');
  if (memory) return { kind: 'memory', id: memory };
  const contextName = params.get('context');
  const namespace = params.get('namespace');
  const release = params.get('release');
  const revision = Number(params.get('revision'));
  const part = params.get('part') ?? '';
  if (!contextName || !namespace || !release || !Number.isInteger(revision) || revision < 1 || !PARTS.has(part)) return undefined;
  return { kind: 'release', contextName, namespace, release, revision, part: part as 'values' | 'computed' | 'manifest' | 'notes' };
}

/** Orders revisions for the rollback picker: the recommended target first, then newest first; never the current one. */
export function rollbackChoices<T extends { revision: number }>(history: readonly T[], currentRevision: number, recommended: number | undefined): T[] {
  const others = history.filter((r) => r.revision !== currentRevision).sort((a, b) => b.revision - a.revision);
  const best = others.find((r) => r.revision === recommended);
  return best ? [best, ...others.filter((r) => r !== best)] : others;
}

/** Which chart folder a right-clicked path means: the folder itself, the folder of Chart.yaml or of a values file, walking up a few levels (`ci/values-x.yaml`). */
export async function findChartDir(start: string, isFile: boolean, hasChartYaml: (dir: string) => Promise<boolean>, dirname: (p: string) => string, levels = 3): Promise<string | undefined> {
  let dir = isFile ? dirname(start) : start;
  for (let i = 0; i <= levels; i++) {
    if (await hasChartYaml(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/** A values file name the deploy flow offers (`values.yaml`, `values-prod.yaml`, `values.dev.yml`). */
export function isValuesFileName(name: string): boolean {
  return /^values[^/\\]*\.ya?ml$/i.test(name);
}

/** A part of a revision the read-only documents show. */
export type HelmDocumentPart = 'values' | 'computed' | 'manifest' | 'notes';

/** Which release (and revision) a command acts on. */
export interface ReleaseRef {
  contextName: string;
  namespace: string;
  release: string;
  /** From a revision, document or advice node. */
  revision?: number;
  /** From a document node. */
  part?: HelmDocumentPart;
  /** From a revision node that is not the current one. */
  pastRevision?: boolean;
  /** From the "What to do" node. */
  advice?: boolean;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The release a tree node (or a plain `{ contextName, namespace, release }` from another command) stands for. */
export function releaseRefOf(arg: unknown): ReleaseRef | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const node = arg as Partial<Record<string, unknown>>;
  const contextName = text(node.contextName);
  const namespace = text(node.namespace);
  const release = text(node.release);
  if (!contextName || !namespace || !release) return undefined;
  const ref: ReleaseRef = { contextName, namespace, release };
  if (typeof node.revision === 'number' && Number.isInteger(node.revision)) ref.revision = node.revision;
  if (node.kind === 'document' && typeof node.part === 'string' && ['values', 'computed', 'manifest', 'notes'].includes(node.part)) ref.part = node.part as HelmDocumentPart;
  if (node.kind === 'revision' && node.current === false) ref.pastRevision = true;
  if (node.kind === 'advice') ref.advice = true;
  return ref;
}
