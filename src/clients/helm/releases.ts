// Helm releases read straight from Helm's storage Secrets through the Kubernetes API: no helm
// process per tree expansion. One Secret per revision (`sh.helm.release.v1.<name>.v<n>`,
// labelled owner=helm,name,status,version); its `data.release` is base64 (the Secret's own
// encoding) of base64 of gzip of the release JSON, which can be a megabyte for a big chart.
// So a listing works from the labels first and decodes one payload per release (its latest
// revision, for chart, version and app version); gunzip runs on libuv's thread pool.
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { HelmArgumentError, validateNamespace, validateReleaseName } from '../../core/helm/args';
import { HELM_RELEASE_SECRET_TYPE, HELM_STORAGE_SELECTOR, latestPerRelease, releaseFromJson, releaseFromSecretLabels } from '../../core/helm/releases';
import type { HelmReleaseSummary } from '../../core/helm/releases';
import type { HelmRelease } from '../../core/helm/types';
import type { KubeFailure, ResourceRef } from '../../core/kube/types';
import type { KubeConnection } from '../kube/api';
import { toKubeFailure } from '../kube/errors';
import type { ReleaseListing } from './api';

const gunzipAsync = promisify(gunzip);

/** The raw Secret fields we read. */
export interface HelmSecretJson {
  type?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

interface NamespaceJson {
  metadata?: { name?: string };
}

/** Release JSON is a few hundred kB at most in practice; a payload that inflates past this is refused. */
const MAX_RELEASE_JSON_BYTES = 256 * 1024 * 1024;
/** Secrets per page: payloads can be 1 MiB each, so pages smaller than the default 500. */
const SECRETS_PAGE = 100;
/** Namespaces listed at once when the cluster-wide list is forbidden. */
const NAMESPACE_CONCURRENCY = 8;
/** Payloads decoded at once (each a gunzip on the thread pool, then a JSON.parse here). */
const DECODE_CONCURRENCY = 4;
const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

const secretsIn = (namespace?: string): ResourceRef => (namespace === undefined ? { group: '', version: 'v1', resource: 'secrets' } : { group: '', version: 'v1', resource: 'secrets', namespace });
const NAMESPACES: ResourceRef = { group: '', version: 'v1', resource: 'namespaces' };

/**
 * The release JSON inside one storage Secret's `data.release` (as the API returns it, still in
 * the Secret's base64). Helm gzips it; a payload without the gzip header is taken as plain
 * JSON, as Helm's own decoder does.
 */
export async function decodeReleasePayload(secretData: string): Promise<unknown> {
  const helmBase64 = Buffer.from(secretData, 'base64').toString('latin1');
  const bytes = Buffer.from(helmBase64, 'base64');
  const gzipped = GZIP_MAGIC.every((b, i) => bytes[i] === b);
  const json = gzipped ? await gunzipAsync(bytes, { maxOutputLength: MAX_RELEASE_JSON_BYTES }) : bytes;
  return JSON.parse(json.toString('utf8')) as unknown;
}

function isHelmSecret(secret: HelmSecretJson): boolean {
  // Other Secrets may carry owner=helm by accident; Helm's own have this type.
  return secret.type === undefined || secret.type === HELM_RELEASE_SECRET_TYPE;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One revision fully decoded. A payload that cannot be decoded becomes a revision built from
 * the Secret's labels whose description says why, so one corrupt Secret does not hide the rest.
 */
export async function releaseFromSecret(secret: HelmSecretJson): Promise<HelmRelease | undefined> {
  const namespace = secret.metadata?.namespace ?? '';
  const summary = releaseFromSecretLabels(secret.metadata?.labels, namespace);
  if (!summary || !isHelmSecret(secret)) return undefined;
  let problem: string;
  const payload = secret.data?.release;
  if (payload === undefined) {
    problem = 'the Secret has no data.release';
  } else {
    try {
      const decoded = releaseFromJson(await decodeReleasePayload(payload));
      if (!('error' in decoded)) return decoded.namespace === '' ? { ...decoded, namespace } : decoded;
      problem = decoded.error;
    } catch (error) {
      problem = describeError(error);
    }
  }
  return {
    name: summary.name,
    namespace,
    revision: summary.revision,
    status: summary.status,
    chart: '',
    chartVersion: '',
    appVersion: '',
    updated: summary.updated ?? '',
    description: `Berth could not decode this revision (${secret.metadata?.name ?? 'unnamed Secret'}): ${problem}`,
    values: {},
    manifest: '',
  };
}

/** Runs `work` over `items`, `limit` at a time, keeping order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface LabelledRevision extends HelmReleaseSummary {
  secret: HelmSecretJson;
}

/** The latest revision of each release among `secrets`, summaries completed from the decoded payload. */
async function summarise(secrets: readonly HelmSecretJson[]): Promise<HelmReleaseSummary[]> {
  const revisions: LabelledRevision[] = [];
  for (const secret of secrets) {
    if (!isHelmSecret(secret)) continue;
    const summary = releaseFromSecretLabels(secret.metadata?.labels, secret.metadata?.namespace ?? '');
    if (summary) revisions.push({ ...summary, secret });
  }
  const latest = latestPerRelease(revisions);
  return mapLimited(latest, DECODE_CONCURRENCY, async ({ secret, ...summary }) => {
    const release = await releaseFromSecret(secret);
    if (!release || release.chart === '') return summary;
    const full: HelmReleaseSummary = { ...summary, chart: release.chart, chartVersion: release.chartVersion, appVersion: release.appVersion };
    if (release.status !== 'unknown') full.status = release.status;
    if (release.updated !== '') full.updated = release.updated;
    return full;
  });
}

function isForbidden(failure: KubeFailure): boolean {
  return failure.code === 'KUBE_FORBIDDEN';
}

async function listSecrets(connection: KubeConnection, namespace: string | undefined, signal: AbortSignal | undefined, labelSelector = HELM_STORAGE_SELECTOR): Promise<HelmSecretJson[]> {
  const result = await connection.list<HelmSecretJson>(secretsIn(namespace), { labelSelector, limit: SECRETS_PAGE, ...(signal ? { signal } : {}) });
  return result.items;
}

type NamespaceOutcome = { namespace: string; secrets: HelmSecretJson[] } | { namespace: string; failure: KubeFailure };

async function listInNamespaces(connection: KubeConnection, namespaces: readonly string[], signal: AbortSignal | undefined): Promise<NamespaceOutcome[]> {
  return mapLimited(namespaces, NAMESPACE_CONCURRENCY, async (namespace): Promise<NamespaceOutcome> => {
    try {
      return { namespace, secrets: await listSecrets(connection, namespace, signal) };
    } catch (error) {
      const failure = toKubeFailure(error);
      if (isForbidden(failure)) return { namespace, failure };
      throw error;
    }
  });
}

/**
 * The latest revision of every release, from Helm's storage Secrets (label owner=helm), in one
 * namespace or all. When the user may not list Secrets cluster-wide (403), each namespace is
 * listed on its own and those that refuse are reported in `forbidden`; when namespaces cannot
 * be listed either, that is reported too and only the context's own namespace is tried. Other
 * failures (unreachable, expired credentials, cancelled) reject with the connection's KubeError.
 */
export async function listReleases(connection: KubeConnection, options: { namespace?: string; signal?: AbortSignal } = {}): Promise<ReleaseListing> {
  const { namespace, signal } = options;
  if (namespace !== undefined) {
    try {
      return { releases: await summarise(await listSecrets(connection, namespace, signal)), forbidden: [] };
    } catch (error) {
      const failure = toKubeFailure(error);
      if (isForbidden(failure)) return { releases: [], forbidden: [{ namespace, failure }] };
      throw error;
    }
  }

  let clusterFailure: KubeFailure;
  try {
    return { releases: await summarise(await listSecrets(connection, undefined, signal)), forbidden: [] };
  } catch (error) {
    clusterFailure = toKubeFailure(error);
    if (!isForbidden(clusterFailure)) throw error;
  }

  const forbidden: ReleaseListing['forbidden'] = [{ failure: clusterFailure }];
  let namespaces: string[];
  try {
    const listed = await connection.list<NamespaceJson>(NAMESPACES, signal ? { signal } : {});
    namespaces = listed.items.map((n) => n.metadata?.name).filter((n): n is string => typeof n === 'string' && n !== '');
  } catch (error) {
    const failure = toKubeFailure(error);
    if (!isForbidden(failure)) throw error;
    forbidden.push({ failure });
    // Someone bound to one namespace usually has it as the context's namespace.
    const own = connection.context.namespace;
    namespaces = own !== undefined && own !== '' ? [own] : [];
  }

  const outcomes = await listInNamespaces(connection, namespaces, signal);
  const secrets: HelmSecretJson[] = [];
  for (const outcome of outcomes) {
    if ('failure' in outcome) forbidden.push({ namespace: outcome.namespace, failure: outcome.failure });
    else secrets.push(...outcome.secrets);
  }
  return { releases: await summarise(secrets), forbidden };
}

/**
 * Every stored revision of one release, decoded, newest first. Rejects with the connection's
 * KubeError when the Secrets cannot be listed (403 included: the caller shows it on the node).
 */
export async function releaseHistory(connection: KubeConnection, namespace: string, name: string, signal?: AbortSignal): Promise<HelmRelease[]> {
  const invalid = validateNamespace(namespace) ?? validateReleaseName(name);
  if (invalid !== undefined) throw new HelmArgumentError(invalid);
  // A valid release name is a valid label value, so it can go into the selector as is.
  const secrets = await listSecrets(connection, namespace, signal, `${HELM_STORAGE_SELECTOR},name=${name}`);
  const decoded = await mapLimited(secrets, DECODE_CONCURRENCY, releaseFromSecret);
  return decoded.filter((r): r is HelmRelease => r !== undefined && r.name === name).sort((a, b) => b.revision - a.revision);
}
