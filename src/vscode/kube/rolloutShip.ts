// The decisions of "Build, Push and Roll Out" that need no editor: its steps and their record,
// the registry repository to offer, the tag from the git commit, which workloads a Helm release
// made, and the options a test (or another command) may pass instead of answering the picks.
// No `vscode` import, so unit tests run in plain Node.
import { defaultBuildTag, isValidReference } from '../../core/images/imageList';
import type { WorkloadJson } from '../../core/kube/objects';
import { validateReleaseName } from '../../core/helm/args';
import type { RolloutKind } from '../../core/k8s/rolloutProtocol';
import { repositoryOf } from './rolloutLogic';

/** The steps, in order. `Helm upgrade` replaces `Set image` when the target is a Helm release. */
export type ShipStepName = 'Build' | 'Push' | 'Set image' | 'Helm upgrade' | 'Wait for rollout' | 'Open logs';

export type ShipStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'skipped';

export interface ShipStepRecord {
  name: ShipStepName;
  status: ShipStepStatus;
  /** Wall time of the step, ms. */
  ms?: number;
  /** What it produced (the tag, the digest, the rollout summary) or why it failed. */
  detail?: string;
}

/** What `berth.internal.shipStats` returns: the last run, step by step. */
export interface ShipRecord {
  target: string;
  /** `repo:tag` built and pushed. */
  reference?: string;
  digest?: string;
  /** `repo@sha256:…` set on the workload (workload targets). */
  pinned?: string;
  steps: ShipStepRecord[];
  outcome: 'running' | 'done' | 'failed' | 'cancelled';
  /** The step that failed or was cancelled. */
  stoppedAt?: ShipStepName;
}

export function shipSteps(helm: boolean, watch: boolean): ShipStepRecord[] {
  const names: ShipStepName[] = ['Build', 'Push', helm ? 'Helm upgrade' : 'Set image'];
  if (watch) names.push('Wait for rollout', 'Open logs');
  return names.map((name) => ({ name, status: 'pending' }));
}

/** Why `text` is not a registry repository to push to (no tag, no digest), or undefined. */
export function repositoryProblem(text: string): string | undefined {
  const value = text.trim();
  if (value === '') return 'Type the repository to push to, e.g. registry.example.com/team/app or localhost:5000/app.';
  if (value.includes('@')) return 'Leave out the digest: the registry gives one when the image is pushed.';
  if (repositoryOf(value) !== value) return 'Leave out the tag: Berth tags the image with the git commit.';
  if (!isValidReference(value)) return 'Not a valid repository (lower case letters, digits, . _ - and /, optionally after a registry host[:port]/).';
  return undefined;
}

/** True when the reference names a registry host (`host.tld/…`, `host:port/…`, `localhost/…`). */
export function hasRegistryHost(reference: string): boolean {
  const slash = reference.indexOf('/');
  if (slash <= 0) return false;
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/**
 * The repository to offer: the one used last for this Dockerfile, else the repository of the
 * image the container runs now when it is in a registry of its own, else nothing to guess.
 */
export function defaultRepository(remembered: string | undefined, currentImage: string | undefined): string | undefined {
  if (remembered !== undefined && repositoryProblem(remembered) === undefined) return remembered;
  if (currentImage) {
    const repository = repositoryOf(currentImage);
    if (hasRegistryHost(repository) && repositoryProblem(repository) === undefined) return repository;
  }
  return undefined;
}

/** `repository:<short commit>` (or `:latest` outside a git checkout), as a build from the folder tags it. */
export function shipReference(repository: string, folderName: string, commit: string | undefined): string {
  const tag = defaultBuildTag(folderName, commit).split(':')[1] ?? 'latest';
  return `${repository}:${tag}`;
}

/** Helm's marks on the objects of a release. */
export const HELM_RELEASE_ANNOTATION = 'meta.helm.sh/release-name';
export const HELM_INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** The workloads a release made: Helm's release-name annotation, else the common instance label. */
export function releaseWorkloads<T extends { workload: WorkloadJson }>(entries: readonly T[], release: string): T[] {
  const annotated = entries.filter((e) => (e.workload.metadata as { annotations?: Record<string, string> }).annotations?.[HELM_RELEASE_ANNOTATION] === release);
  if (annotated.length > 0) return annotated;
  return entries.filter((e) => e.workload.metadata.labels?.[HELM_INSTANCE_LABEL] === release);
}

/** The values keys for an image under `prefix` (`image` → `image.repository`, `image.tag`). */
export function imageValueKeys(prefix: string): { repository: string; tag: string } | undefined {
  const trimmed = prefix.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(trimmed)) return undefined;
  return { repository: `${trimmed}.repository`, tag: `${trimmed}.tag` };
}

/** What a caller (a test, another command) may pass instead of being asked. */
export interface ShipOptions {
  /** Absolute path of the Dockerfile. */
  dockerfile?: string;
  contextName?: string;
  namespace?: string;
  workload?: { workloadKind: RolloutKind; name: string };
  container?: string;
  release?: string;
  /** Absolute path of the release's chart folder. */
  chart?: string;
  /** Values prefix of the image (default `image`). */
  valuesKey?: string;
  repository?: string;
  /** How long to wait for the rollout, seconds. */
  timeoutSeconds?: number;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const STRING_KEYS = ['dockerfile', 'contextName', 'namespace', 'container', 'release', 'chart', 'valuesKey', 'repository'] as const;
const ALL_KEYS: readonly string[] = [...STRING_KEYS, 'workload', 'timeoutSeconds'];

/** The options if `arg` is a well-formed options object; undefined for anything else (a Uri, a node). */
export function parseShipOptions(arg: unknown): ShipOptions | undefined {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return undefined;
  const raw = arg as Record<string, unknown>;
  const keys = Object.keys(raw);
  if (keys.length === 0 || !keys.every((k) => ALL_KEYS.includes(k))) return undefined;
  const options: ShipOptions = {};
  for (const key of STRING_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') return undefined;
    options[key] = value;
  }
  if (options.namespace !== undefined && !NAME.test(options.namespace)) return undefined;
  if (options.release !== undefined && validateReleaseName(options.release) !== undefined) return undefined;
  const timeout = raw.timeoutSeconds;
  if (timeout !== undefined) {
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 24 * 3600) return undefined;
    options.timeoutSeconds = timeout;
  }
  if (raw.workload !== undefined) {
    const w = raw.workload;
    if (typeof w !== 'object' || w === null) return undefined;
    const { workloadKind, name } = w as Record<string, unknown>;
    if (typeof workloadKind !== 'string' || typeof name !== 'string' || !NAME.test(name)) return undefined;
    if (workloadKind !== 'Deployment' && workloadKind !== 'StatefulSet' && workloadKind !== 'DaemonSet') return undefined;
    options.workload = { workloadKind, name };
  }
  // One destination: a workload or a release, not both.
  if (options.workload && options.release !== undefined) return undefined;
  return options;
}

/** A RolloutError of dist/kube.js, read by shape (the class lives in the other bundle). */
export function rolloutErrorOf(error: unknown): { code: string; message: string; reason?: { code: string; message: string; hint: string } } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; reason?: unknown };
  if (e.name !== 'RolloutError' || typeof e.code !== 'string' || typeof e.message !== 'string') return undefined;
  const result: { code: string; message: string; reason?: { code: string; message: string; hint: string } } = { code: e.code, message: e.message };
  const reason = e.reason as { code?: unknown; message?: unknown; hint?: unknown } | undefined;
  if (reason && typeof reason.code === 'string' && typeof reason.message === 'string') result.reason = { code: reason.code, message: reason.message, hint: typeof reason.hint === 'string' ? reason.hint : '' };
  return result;
}
