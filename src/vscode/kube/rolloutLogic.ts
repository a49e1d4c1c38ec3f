// The rollout commands' decisions that need no editor: which workloads roll out, what a typed
// replica count or image reference means, the image Berth pushed last (kept by digest), and
// how the confirmations name things. No `vscode` import, so unit tests run in plain Node.
import type { ResourceRef, WorkloadKind } from '../../core/kube/types';
import { imageReferenceProblem } from '../../core/k8s/rollout';
import type { RolloutKind } from '../../core/k8s/rolloutProtocol';
import type { KubeTarget } from './targets';

/** A Clusters-view target that can roll out. */
export type RolloutTarget = Extract<KubeTarget, { kind: 'workload' }> & { workloadKind: RolloutKind };

const ROLLOUT_RESOURCES: Readonly<Record<RolloutKind, ResourceRef>> = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
};

export function isRolloutKind(kind: WorkloadKind): kind is RolloutKind {
  return kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet';
}

/** The target if it is a Deployment, StatefulSet or DaemonSet with its names set. */
export function rolloutTargetOf(target: KubeTarget | undefined): RolloutTarget | undefined {
  if (target?.kind !== 'workload' || !isRolloutKind(target.workloadKind)) return undefined;
  if (typeof target.contextName !== 'string' || target.contextName === '' || typeof target.namespace !== 'string' || target.namespace === '' || typeof target.name !== 'string' || target.name === '') return undefined;
  return target as RolloutTarget;
}

/** The API object of a rollout target. */
export function rolloutRef(target: Pick<RolloutTarget, 'workloadKind' | 'namespace' | 'name'>): ResourceRef {
  return { ...ROLLOUT_RESOURCES[target.workloadKind], namespace: target.namespace, name: target.name };
}

/** The collection of a kind in a namespace (for lists). */
export function rolloutCollectionRef(kind: RolloutKind, namespace: string): ResourceRef {
  return { ...ROLLOUT_RESOURCES[kind], namespace };
}

/** One key per workload: opening the same workload's view again reveals it. */
export function rolloutKey(target: Pick<RolloutTarget, 'contextName' | 'namespace' | 'workloadKind' | 'name'>): string {
  return [target.contextName, target.namespace, target.workloadKind, target.name].join('\u0000');
}

/** "deployment web in shop", as confirmations name a workload. */
export function describeRolloutTarget(target: Pick<RolloutTarget, 'workloadKind' | 'namespace' | 'name'>): string {
  return `${target.workloadKind.toLowerCase()} ${target.name} in namespace ${target.namespace}`;
}

/** Kubernetes stores replicas as an int32. */
export const MAX_REPLICAS = 2_147_483_647;

/** The replica count typed by the user, or why it is not one (a whole number from 0 up). */
export function parseReplicaCount(text: string): { ok: true; replicas: number } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { ok: false, error: 'Type a whole number of replicas, 0 or more.' };
  const replicas = Number(trimmed);
  if (!Number.isSafeInteger(replicas) || replicas > MAX_REPLICAS) return { ok: false, error: `At most ${MAX_REPLICAS} replicas.` };
  return { ok: true, replicas };
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True for a registry digest (`sha256:` and 64 hex digits). */
export function isDigest(text: string): boolean {
  return DIGEST.test(text);
}

/** The repository of a reference, without tag or digest (`host:5000/team/app:1.0` → `host:5000/team/app`). */
export function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** The tag of a reference, if it has one. */
export function tagOf(reference: string): string | undefined {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : undefined;
}

/** `repository@digest`: what a pod spec should run, immune to the tag moving. */
export function pinnedReference(reference: string, digest: string): string {
  if (!isDigest(digest)) throw new Error(`"${digest}" is not a registry digest (sha256:…).`);
  return `${repositoryOf(reference)}@${digest}`;
}

/** An image Berth pushed: what was pushed and the digest the registry gave it. */
export interface PushedImage {
  /** As pushed: `host/team/app:tag`. */
  reference: string;
  digest: string;
  /** `host/team/app@sha256:…`. */
  pinned: string;
  /** When the push finished (ms since the epoch). */
  at: number;
}

let lastPushed: PushedImage | undefined;

/**
 * Remembers the image a push just sent (in memory, for this window), so that "Set Image" can
 * offer it by digest. Call it from the push command with the registry's digest; a digest that
 * is not `sha256:` + 64 hex is ignored (a push without a digest is not a success).
 */
export function rememberPushedImage(reference: string, digest: string, now = Date.now()): PushedImage | undefined {
  if (!isDigest(digest) || imageReferenceProblem(reference) !== undefined) return undefined;
  lastPushed = { reference, digest, pinned: pinnedReference(reference, digest), at: now };
  return lastPushed;
}

/** The image remembered by {@link rememberPushedImage}, if any. */
export function lastPushedImage(): PushedImage | undefined {
  return lastPushed;
}

/** For tests: forget the remembered image. */
export function forgetPushedImage(): void {
  lastPushed = undefined;
}

/** The containers of a pod template with their images, as the container pick shows them. */
export function templateContainers(workload: { spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } } }): { name: string; image: string }[] {
  return (workload.spec?.template?.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? '' }));
}
