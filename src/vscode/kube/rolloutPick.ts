// Quick picks shared by the rollout commands and "Build, Push and Roll Out": a context (the
// kubeconfig's current one first, never chosen silently), a namespace (typed when the user
// may not list them), and a Deployment, StatefulSet or DaemonSet of that namespace.
import * as vscode from 'vscode';
import type { KubeConnection } from '../../clients/kube/api';
import type { NamespaceJson, WorkloadJson } from '../../core/kube/objects';
import { selectorToString, podSelectorOf, workloadStatus } from '../../core/kube/workloads';
import type { RolloutKind } from '../../core/k8s/rolloutProtocol';
import { UserCancelled } from '../commands';
import type { KubeProvider } from './kubeProvider';
import { rolloutCollectionRef, templateContainers } from './rolloutLogic';
import type { RolloutTarget } from './rolloutLogic';

/** The provider methods the rollout features use (KubeProvider has them). */
export type RolloutKube = Pick<KubeProvider, 'connection' | 'kubeconfig' | 'reload' | 'failureOf' | 'existingConnection' | 'onDidChangeKubeconfig' | 'protectedPatterns' | 'load'>;

/**
 * The context's connection after reading the kubeconfig files again, refused when the context
 * now points at another server than `server` (T41: another terminal edited the kubeconfig
 * while a confirmation was open). `nothingDone` ends the message.
 */
export async function recheckServer(kube: RolloutKube, contextName: string, server: string, nothingDone: string): Promise<KubeConnection> {
  try {
    await kube.reload();
  } catch {
    // The provider logs a file it cannot read; the connection below is then the one it has.
  }
  const now = await connectTo(kube, contextName);
  if (now.server !== server) {
    throw new Error(`The kubeconfig changed: context ${contextName} now points at ${now.server}, not ${server}. ${nothingDone}`);
  }
  return now;
}

const ROLLOUT_KINDS: readonly RolloutKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A kube failure as an Error with its hint; a cancelled exec plugin is a quiet cancellation. */
export function kubeError(kube: Pick<RolloutKube, 'failureOf'>, error: unknown): Error {
  if (error instanceof UserCancelled) return error;
  const failure = kube.failureOf(error);
  if (failure.code === 'KUBE_CANCELLED') return new UserCancelled();
  return new Error(`${failure.message}${failure.hint ? ` ${failure.hint}` : ''}`);
}

export async function connectTo(kube: RolloutKube, contextName: string): Promise<KubeConnection> {
  try {
    return await kube.connection(contextName);
  } catch (error) {
    throw kubeError(kube, error);
  }
}

export async function pickContext(kube: RolloutKube, title: string): Promise<string> {
  let merged;
  try {
    merged = (await kube.kubeconfig()).merged;
  } catch (error) {
    throw kubeError(kube, error);
  }
  if (merged.contexts.length === 0) throw new Error('There is no context in the kubeconfig (KUBECONFIG, ~/.kube/config or berth.kube.kubeconfig).');
  const items = [...merged.contexts]
    .sort((a, b) => (a.name === merged.currentContext ? -1 : b.name === merged.currentContext ? 1 : a.name.localeCompare(b.name)))
    .map((c) => ({ label: c.name, description: c.name === merged.currentContext ? 'current' : undefined, detail: `cluster ${c.cluster}, user ${c.user}` }));
  const picked = await vscode.window.showQuickPick(items, { title, matchOnDescription: true, ignoreFocusOut: true });
  if (!picked) throw new UserCancelled();
  return picked.label;
}

export async function pickNamespace(kube: RolloutKube, connection: KubeConnection, title: string): Promise<string> {
  const preferred = connection.context.namespace ?? 'default';
  let names: string[] | undefined;
  try {
    names = (await connection.list<NamespaceJson>({ group: '', version: 'v1', resource: 'namespaces' })).items.map((n) => n.metadata.name).sort();
  } catch (error) {
    const failure = kube.failureOf(error);
    // Users confined to a namespace may not list namespaces: they type it.
    if (failure.code !== 'KUBE_FORBIDDEN') throw kubeError(kube, error);
  }
  if (!names || names.length === 0) {
    const typed = await vscode.window.showInputBox({
      title,
      value: preferred,
      ignoreFocusOut: true,
      prompt: 'This context cannot list namespaces; type one.',
      validateInput: (v) => (NAMESPACE_NAME.test(v.trim()) ? undefined : 'Not a namespace name.'),
    });
    if (!typed) throw new UserCancelled();
    return typed.trim();
  }
  const items = [preferred, ...names.filter((n) => n !== preferred)].map((name) => ({ label: name, description: name === preferred ? 'namespace of the context' : undefined }));
  const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (!picked) throw new UserCancelled();
  return picked.label;
}

/** A workload of the namespace with its containers, as the pick shows it. */
export interface PickedWorkload {
  target: RolloutTarget;
  workload: WorkloadJson;
}

/** Deployments, StatefulSets and DaemonSets of a namespace, listed together. */
export async function listRolloutWorkloads(kube: RolloutKube, connection: KubeConnection, contextName: string, namespace: string): Promise<PickedWorkload[]> {
  const results = await Promise.allSettled(ROLLOUT_KINDS.map((kind) => connection.list<WorkloadJson>(rolloutCollectionRef(kind, namespace))));
  const found: PickedWorkload[] = [];
  let firstError: unknown;
  results.forEach((result, i) => {
    const kind = ROLLOUT_KINDS[i];
    if (!kind) return;
    if (result.status === 'rejected') {
      firstError ??= result.reason;
      return;
    }
    for (const workload of result.value.items) {
      const target: RolloutTarget = { kind: 'workload', contextName, namespace, workloadKind: kind, name: workload.metadata.name };
      const selector = selectorToString(podSelectorOf(kind, workload));
      if (selector) target.selector = selector;
      found.push({ target, workload });
    }
  });
  if (found.length === 0 && firstError !== undefined) throw kubeError(kube, firstError);
  return found.sort((a, b) => a.target.name.localeCompare(b.target.name) || a.target.workloadKind.localeCompare(b.target.workloadKind));
}

export function workloadItem(entry: PickedWorkload): vscode.QuickPickItem & { entry: PickedWorkload } {
  const status = workloadStatus(entry.target.workloadKind, entry.workload);
  const images = templateContainers(entry.workload).map((c) => `${c.name}=${c.image}`).join(', ');
  return { label: `$(layers) ${entry.target.name}`, description: `${entry.target.workloadKind} · ${status.ready} ${status.label}`, detail: images, entry };
}

/** Context, then namespace, then a workload that rolls out. */
export async function pickRolloutTarget(kube: RolloutKube, verb: string): Promise<RolloutTarget> {
  const contextName = await pickContext(kube, `${verb}: which context?`);
  const connection = await connectTo(kube, contextName);
  const namespace = await pickNamespace(kube, connection, `${verb}: which namespace of ${contextName}?`);
  const load = async (): Promise<(vscode.QuickPickItem & { entry: PickedWorkload })[]> => {
    const workloads = await listRolloutWorkloads(kube, connection, contextName, namespace);
    if (workloads.length === 0) throw new Error(`There is no Deployment, StatefulSet or DaemonSet in ${contextName}/${namespace}.`);
    return workloads.map(workloadItem);
  };
  const picked = await vscode.window.showQuickPick(load(), { title: `${verb}: which workload in ${contextName}/${namespace}?`, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true });
  if (!picked) throw new UserCancelled();
  return picked.entry.target;
}
