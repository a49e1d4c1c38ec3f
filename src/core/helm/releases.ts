/**
 * Helm releases as Helm stores them: one Secret per revision, named
 * `sh.helm.release.v1.<name>.v<revision>`, labelled `owner=helm,name,status,version`, whose
 * `data.release` is base64 (the Secret's) of base64 of gzip of the release JSON. Decoding the
 * bytes is the clients layer's job; this module maps the JSON (Helm's pkg/release/v1
 * `Release`, `Info`, `Hook` and pkg/chart/v2 `Chart`, `Metadata` field names) to
 * {@link HelmRelease}, picks the current revision of each release and says what a status
 * means for the user.
 */
import { HELM_RELEASE_STATUSES } from './types';
import type { HelmHook, HelmRelease, HelmReleaseStatus, HelmValues } from './types';
import { computeValues, isValuesTable } from './values';

/** Label selector of Helm's storage Secrets (and ConfigMaps, with the configmap driver). */
export const HELM_STORAGE_SELECTOR = 'owner=helm';
/** `type` of the Secrets Helm 3 and 4 write. */
export const HELM_RELEASE_SECRET_TYPE = 'helm.sh/release.v1';

/** The Secret holding one revision: `sh.helm.release.v1.web.v3`. */
export function releaseSecretName(release: string, revision: number): string {
  return `sh.helm.release.v1.${release}.v${revision}`;
}

/** The least a release row needs: which release, which revision, in what state. */
export interface HelmReleaseKey {
  name: string;
  namespace: string;
  revision: number;
  status: HelmReleaseStatus;
}

/** A revision known from metadata only (the storage Secret's labels, or `helm list -o json`). */
export interface HelmReleaseSummary extends HelmReleaseKey {
  /** ISO 8601 in UTC. From labels: when the Secret was last written (`modifiedAt`, else `createdAt`). */
  updated?: string;
  chart?: string;
  chartVersion?: string;
  appVersion?: string;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Helm's status string, or `unknown` for anything it does not write. */
export function toReleaseStatus(value: unknown): HelmReleaseStatus {
  return (HELM_RELEASE_STATUSES as readonly string[]).includes(text(value)) ? (value as HelmReleaseStatus) : 'unknown';
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;
// Go's time.Time.String(), which `helm list -o json` prints: `2026-11-22 10:01:25.562330998 +0000 UTC`.
const GO_TIME_STRING = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? ([+-])(\d{2})(\d{2})(?: \S+)?$/;

/**
 * ISO 8601 in UTC with milliseconds for a time as Go writes it (RFC 3339 with up to nanoseconds,
 * or `time.Time.String()`); undefined for empty, unparsable and Go's zero time (year 1), which
 * older Helm wrote for "never".
 */
export function goTimeToIso(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  let normalised: string | undefined;
  const rfc = RFC3339.exec(value);
  if (rfc) {
    const [, y, mo, d, h, mi, s, frac, zone] = rfc;
    normalised = `${y}-${mo}-${d}T${h}:${mi}:${s}.${(frac ?? '').padEnd(3, '0').slice(0, 3)}${zone}`;
  } else {
    const go = GO_TIME_STRING.exec(value);
    if (go) {
      const [, y, mo, d, h, mi, s, frac, sign, zh, zm] = go;
      normalised = `${y}-${mo}-${d}T${h}:${mi}:${s}.${(frac ?? '').padEnd(3, '0').slice(0, 3)}${sign}${zh}:${zm}`;
    }
  }
  if (!normalised || normalised.startsWith('0001-')) return undefined;
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function hooksOf(value: unknown): HelmHook[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const hooks: HelmHook[] = [];
  for (const item of value) {
    const hook = record(item);
    if (!hook) continue;
    const events = Array.isArray(hook.events) ? hook.events.filter((e): e is string => typeof e === 'string') : [];
    const entry: HelmHook = { name: text(hook.name), kind: text(hook.kind), events };
    if (text(hook.path)) entry.path = text(hook.path);
    const phase = text(record(hook.last_run)?.phase);
    if (phase) entry.lastRunPhase = phase;
    hooks.push(entry);
  }
  return hooks;
}

/**
 * Maps Helm's stored release JSON (what the storage Secret holds once decoded, and what
 * `helm install|upgrade|status -o json` print) to a {@link HelmRelease}. Needs a name and a
 * positive revision; every other field may be missing (Helm omits empty ones) and gets an
 * empty default. `namespace` is empty when the JSON has none: take the Secret's namespace.
 */
export function releaseFromJson(json: unknown): HelmRelease | { error: string } {
  const rel = record(json);
  if (!rel) return { error: 'Not a Helm release: expected a JSON object.' };
  const name = text(rel.name);
  if (!name) return { error: 'Not a Helm release: it has no name.' };
  const revision = rel.version;
  if (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 1) {
    return { error: `Helm release "${name}" has no valid revision (version).` };
  }
  const info = record(rel.info) ?? {};
  const chart = record(rel.chart);
  const metadata = record(chart?.metadata) ?? {};
  const values: HelmValues = isValuesTable(rel.config) ? rel.config : {};
  const release: HelmRelease = {
    name,
    namespace: text(rel.namespace),
    revision,
    status: toReleaseStatus(info.status),
    chart: text(metadata.name),
    chartVersion: text(metadata.version),
    appVersion: text(metadata.appVersion),
    updated: goTimeToIso(info.last_deployed) ?? '',
    description: text(info.description),
    values,
    manifest: text(rel.manifest),
  };
  const firstDeployed = goTimeToIso(info.first_deployed);
  if (firstDeployed) release.firstDeployed = firstDeployed;
  if (text(info.notes)) release.notes = text(info.notes);
  if (chart) release.computedValues = computeValues(isValuesTable(chart.values) ? chart.values : undefined, values);
  const hooks = hooksOf(rel.hooks);
  if (hooks) release.hooks = hooks;
  return release;
}

function releaseId(r: { namespace: string; name: string }): string {
  return `${r.namespace}\u0000${r.name}`;
}

/**
 * The current revision of each release: the highest revision per namespace and name, whatever
 * its status. So a newer pending-upgrade revision (helm killed mid-upgrade) stands over the
 * still-`deployed` one below it, and a failed upgrade shows as failed: those are what the user
 * must act on. Unlike `helm list` (v3 without `--all` hides pending revisions; both key by name
 * only) releases of the same name in two namespaces stay apart. Sorted by namespace, then name.
 */
export function latestPerRelease<T extends HelmReleaseKey>(records: readonly T[]): T[] {
  const latest = new Map<string, T>();
  for (const r of records) {
    const id = releaseId(r);
    const seen = latest.get(id);
    if (!seen || r.revision > seen.revision) latest.set(id, r);
  }
  return [...latest.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** The revisions of one release, newest first. */
export function releaseHistory<T extends HelmReleaseKey>(records: readonly T[], namespace: string, name: string): T[] {
  return records.filter((r) => r.namespace === namespace && r.name === name).sort((a, b) => b.revision - a.revision);
}

/**
 * Where a rollback should go to recover from `currentRevision`: the newest earlier revision
 * that is still `deployed` (Helm leaves the last good one marked deployed when an upgrade fails
 * or is interrupted), else the newest earlier `superseded` one. Undefined when there is none
 * (a first install that failed or hangs: uninstall instead).
 */
export function rollbackTarget(history: readonly { revision: number; status: HelmReleaseStatus }[], currentRevision: number): number | undefined {
  const earlier = history.filter((r) => r.revision < currentRevision).sort((a, b) => b.revision - a.revision);
  return earlier.find((r) => r.status === 'deployed')?.revision ?? earlier.find((r) => r.status === 'superseded')?.revision;
}

export type ReleaseHealthLevel = 'ok' | 'progressing' | 'warning' | 'error' | 'done';

export interface ReleaseHealth {
  health: ReleaseHealthLevel;
  /** One or two sentences for the tooltip: what the status means and what to do. */
  hint: string;
  /** The action that recovers the release, for a button or a context menu. */
  recover?: { action: 'rollback'; revision: number } | { action: 'uninstall' } | { action: 'upgrade' };
}

export interface ReleaseHealthContext {
  /** The revision this status belongs to (the release's current one). */
  revision?: number;
  /** The revision to roll back to, usually {@link rollbackTarget}. */
  rollbackRevision?: number;
  /** How long ago the revision was written (ms); decides between "running" and "probably stuck". */
  ageMs?: number;
  /** After this long a pending operation is presumed interrupted; default 10 minutes (twice helm's default --timeout). */
  stuckAfterMs?: number;
}

const DEFAULT_STUCK_AFTER_MS = 10 * 60_000;

function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hours ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

function capitalise(phrase: string): string {
  return phrase.charAt(0).toUpperCase() + phrase.slice(1);
}

/** `operation` with its article: `an upgrade`. */
function pendingHealth(operation: string, context: ReleaseHealthContext, recovery: string, recover: ReleaseHealth['recover']): ReleaseHealth {
  const age = context.ageMs;
  const recent = age !== undefined && age < (context.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS);
  const started = age === undefined ? '' : ` (started ${ago(age)})`;
  const state = recent
    ? `${capitalise(operation)} is in progress${started}.`
    : `${capitalise(operation)}${started} never finished: helm is still running it, or was stopped before it could record the outcome (killed, timed out, lost its connection).`;
  return {
    health: recent ? 'progressing' : 'warning',
    hint: `${state} While the release is pending Helm refuses to upgrade it ("another operation is in progress"). If no helm process is still working on it, ${recovery}`,
    recover,
  };
}

/**
 * What a release status means and what to do about it. Pending statuses are `progressing`
 * while recent and `warning` once older than `stuckAfterMs` (or of unknown age): Helm cannot
 * tell a running operation from one whose process died, so the hint says both and how to
 * recover (roll back to the last deployed revision; uninstall when there is none).
 */
export function releaseHealth(status: HelmReleaseStatus, context: ReleaseHealthContext = {}): ReleaseHealth {
  const target = context.rollbackRevision;
  const rollback = target !== undefined ? `roll back to revision ${target}, the last one that was deployed.` : undefined;
  switch (status) {
    case 'deployed':
      return { health: 'ok', hint: 'Deployed: this is the live revision.' };
    case 'superseded':
      return { health: 'done', hint: 'Superseded: a later revision replaced this one.' };
    case 'uninstalled':
      return { health: 'done', hint: 'Uninstalled; the history was kept (--keep-history).' };
    case 'pending-install':
      return pendingHealth('an install', context, 'uninstall the release and install it again: there is no earlier revision to roll back to.', { action: 'uninstall' });
    case 'pending-upgrade':
      return pendingHealth(
        'an upgrade',
        context,
        rollback ?? 'roll back to the last revision that was deployed.',
        target !== undefined ? { action: 'rollback', revision: target } : undefined,
      );
    case 'pending-rollback':
      return pendingHealth(
        'a rollback',
        context,
        rollback ? `run the rollback again: ${rollback}` : 'run the rollback again.',
        target !== undefined ? { action: 'rollback', revision: target } : undefined,
      );
    case 'uninstalling':
      return pendingHealth('an uninstall', context, 'uninstall it again.', { action: 'uninstall' });
    case 'failed': {
      if (context.revision === 1) {
        return {
          health: 'error',
          hint: 'The install failed. Look at the failing resources (pods not becoming ready, image pull errors, failed hooks), then fix the chart or values and upgrade (--install) again, or uninstall it.',
          recover: { action: 'upgrade' },
        };
      }
      return {
        health: 'error',
        hint: `The last operation failed. Look at the failing resources (pods not becoming ready, image pull errors, failed hooks), then ${rollback ?? 'roll back to the last revision that was deployed.'} Or fix the values and upgrade again.`,
        recover: target !== undefined ? { action: 'rollback', revision: target } : { action: 'upgrade' },
      };
    }
    case 'unknown':
      return { health: 'warning', hint: 'Helm recorded a status Berth does not know; `helm status` may say more.' };
  }
}

/**
 * A metadata-only view of a revision from its storage Secret's labels (name, owner, status,
 * version, modifiedAt/createdAt in Unix seconds), without decoding the payload. Undefined when
 * the labels are not Helm's (owner is not `helm`, no name, no positive version).
 */
export function releaseFromSecretLabels(labels: Record<string, string> | undefined, namespace: string): HelmReleaseSummary | undefined {
  if (!labels || labels.owner !== 'helm' || !labels.name) return undefined;
  const revision = /^\d+$/.test(labels.version ?? '') ? Number(labels.version) : 0;
  if (revision < 1) return undefined;
  const summary: HelmReleaseSummary = { name: labels.name, namespace, revision, status: toReleaseStatus(labels.status) };
  const seconds = labels.modifiedAt ?? labels.createdAt;
  if (seconds !== undefined && /^\d+$/.test(seconds)) summary.updated = new Date(Number(seconds) * 1000).toISOString();
  return summary;
}

const CHART_WITH_VERSION = /^(.+?)-(v?\d+\.\d+\.\d+(?:[-+].*)?)$/;

/** Splits `helm list`'s `chart` column, `my-chart-1.2.3-rc.1`, into name and version. */
export function splitChartColumn(chart: string): { chart: string; chartVersion: string } {
  const match = CHART_WITH_VERSION.exec(chart);
  return match ? { chart: match[1] ?? chart, chartVersion: match[2] ?? '' } : { chart, chartVersion: '' };
}

/**
 * Rows of `helm list -o json` (both majors print the same shape: revision as a string, the
 * chart as `name-version`, `updated` in Go's time.String() format). Rows without a name are
 * skipped; undefined when the text is not a JSON array.
 */
export function parseHelmList(stdout: string): HelmReleaseSummary[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim() === '' ? '[]' : stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const rows: HelmReleaseSummary[] = [];
  for (const item of parsed) {
    const row = record(item);
    if (!row || !text(row.name)) continue;
    const revision = Number(row.revision);
    const summary: HelmReleaseSummary = {
      name: text(row.name),
      namespace: text(row.namespace),
      revision: Number.isInteger(revision) ? revision : 0,
      status: toReleaseStatus(row.status),
      ...splitChartColumn(text(row.chart)),
      appVersion: text(row.app_version),
    };
    const updated = goTimeToIso(row.updated);
    if (updated) summary.updated = updated;
    rows.push(summary);
  }
  return rows;
}
