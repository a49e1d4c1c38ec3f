// The shared vocabulary of the Helm features: releases as Helm stores them (Secrets labelled
// owner=helm), the helm binary's version, and chart values. Plain data so that the tree, the
// deploy flow and the tests can share it without the clients layer.

/** Every status Helm writes into `info.status` (pkg/release/common/status.go), plus our `unknown` for anything else. */
export const HELM_RELEASE_STATUSES = [
  'deployed',
  'failed',
  'pending-install',
  'pending-upgrade',
  'pending-rollback',
  'superseded',
  'uninstalling',
  'uninstalled',
  'unknown',
] as const;

export type HelmReleaseStatus = (typeof HELM_RELEASE_STATUSES)[number];

/** A values tree as YAML/JSON decodes it: maps, lists, scalars and null. */
export type HelmValues = Record<string, unknown>;

/** A hook declared by the chart (`helm.sh/hook` annotation), as stored with the release. */
export interface HelmHook {
  name: string;
  /** Kubernetes kind, e.g. `Job`, `Pod`. */
  kind: string;
  /** Events it runs on: `pre-install`, `post-upgrade`, `test`... */
  events: string[];
  /** Template path inside the chart, e.g. `mychart/templates/tests/test-connection.yaml`. */
  path?: string;
  /** Phase of its last run (`Succeeded`, `Failed`, `Running`, `Unknown`); absent when it never ran. */
  lastRunPhase?: string;
}

/** One revision of a release, decoded from Helm's stored release JSON. */
export interface HelmRelease {
  name: string;
  namespace: string;
  /** Helm's `version` field: 1 for the first install, +1 for every upgrade or rollback. */
  revision: number;
  status: HelmReleaseStatus;
  /** Chart name from the chart's metadata. */
  chart: string;
  chartVersion: string;
  /** Empty when the chart declares none. */
  appVersion: string;
  /** When this revision was deployed (`info.last_deployed`), ISO 8601 in UTC; empty when not recorded. */
  updated: string;
  /** Helm's one-line log of what happened: `Install complete`, `Upgrade "web" failed: ...`. */
  description: string;
  /** ISO 8601 in UTC. */
  firstDeployed?: string;
  /** Rendered NOTES.txt. */
  notes?: string;
  /** User-supplied values (`-f`, `--set`): Helm's `config`. */
  values: HelmValues;
  /**
   * Chart defaults with the user-supplied values coalesced over them, as `helm get values --all`
   * prints them. Absent when the stored chart carries no values.
   */
  computedValues?: HelmValues;
  /** Rendered manifest: YAML documents separated by `---`, each with a `# Source:` comment. */
  manifest: string;
  hooks?: HelmHook[];
}

/** The helm binary's version (`helm version --short`). Helm 2 and anything unknown are refused when parsing. */
export interface HelmVersion {
  major: 3 | 4;
  minor: number;
  patch: number;
  /** As printed, e.g. `v3.19.5` or `v4.3.1+g1a2b3c4`. */
  raw: string;
}
