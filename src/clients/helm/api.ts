// The contract between the vscode layer and the Helm adapters (bundled into dist/kube.js with
// the Kubernetes client). The helm CLI is run as a process with an argument array built by
// core/helm/args.ts; releases are read from Helm's storage Secrets through the Kubernetes API.
import type { HelmRelease, HelmVersion } from '../../core/helm/types';
import type { HelmReleaseSummary } from '../../core/helm/releases';
import type { HelmTemplateError } from '../../core/helm/lintOutput';
import type { KubeFailure } from '../../core/kube/types';
import type { KubeConnection } from '../kube/api';

export interface HelmBinary {
  /** Absolute path of the helm executable. */
  path: string;
  version: HelmVersion;
}

export interface HelmRunOptions {
  signal?: AbortSignal;
  /** Whole-run deadline in ms; undefined: none (an install with --wait has its own --timeout). */
  deadlineMs?: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Extra environment (e.g. KUBECONFIG); never secrets in argv. */
  env?: Record<string, string>;
}

export interface HelmRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Why a helm run did not succeed. */
export type HelmErrorKind = 'not-found' | 'unsupported-version' | 'timeout' | 'cancelled' | 'failed' | 'release-locked';

/** What a failed helm run rejects with (HelmError in dist/kube.js); check `kind`, not instanceof, across bundles. */
export interface HelmErrorShape extends Error {
  kind: HelmErrorKind;
  exitCode?: number;
  /** helm's stderr, secrets redacted. */
  stderr: string;
  /** What to try. */
  hint: string;
  /** The template file and line when helm reported a template error. */
  problem?: HelmTemplateError;
}

export interface HelmClient {
  readonly binary: HelmBinary;
  /** Runs helm; resolves only on exit code 0, else rejects with a HelmError carrying stderr. The process tree is killed on abort/deadline. */
  run(args: string[], options?: HelmRunOptions): Promise<HelmRunResult>;
}

export interface ReleaseListing {
  /** Latest revision of each release, all namespaces (or one). */
  releases: HelmReleaseSummary[];
  /** Namespaces (or the cluster scope, namespace undefined) where reading Helm's Secrets was refused. */
  forbidden: { namespace?: string; failure: KubeFailure }[];
}

/** The exports of the helm adapters inside dist/kube.js. */
export interface HelmClientsModule {
  /** helm from the setting (absolute path) or PATH; detects the major version. Rejects with a HelmError('not-found'|'unsupported-version'). */
  findHelm(options: { setting?: string; env: Record<string, string | undefined> }): Promise<HelmClient>;
  /** Releases from Helm's storage Secrets (label owner=helm) through the API; no helm process. */
  listReleases(connection: KubeConnection, options?: { namespace?: string; signal?: AbortSignal }): Promise<ReleaseListing>;
  /** Every stored revision of one release, decoded, newest first. */
  releaseHistory(connection: KubeConnection, namespace: string, name: string, signal?: AbortSignal): Promise<HelmRelease[]>;
}
