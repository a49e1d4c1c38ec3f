// The rollout actions on a Deployment, StatefulSet or DaemonSet: set a container's image (the
// image Berth just pushed, by digest, or one typed), restart, pause/resume, undo to a revision
// of the history, scale. Each goes to the pinned connection of the node's context; on a
// protected context the context name must be typed first, and the server is checked again
// right before the request (T41: another terminal may switch the kubeconfig meanwhile). After
// a change the live rollout view opens.
import * as vscode from 'vscode';
import type { KubeConnection } from '../../clients/kube/api';
import { isProtectedContext } from '../../core/kube/protected';
import { selectorToString, podSelectorOf } from '../../core/kube/workloads';
import {
  controllerRevisionHistory,
  findUndoTarget,
  imageReferenceProblem,
  pausePatch,
  restartPatch,
  rolloutActionBlocker,
  rolloutHistory,
  scalePatch,
  setImagePatch,
  undoControllerRevisionPatch,
  undoPatch,
} from '../../core/k8s/rollout';
import type { RolloutAction, RolloutHistoryEntry, RolloutPatch, UndoPlan } from '../../core/k8s/rollout';
import type { ControllerRevisionJson, ReplicaSetJson, RolloutWorkloadJson } from '../../core/k8s/rolloutObjects';
import { UserCancelled } from '../commands';
import type { Logger } from '../logger';
import { connectTo, kubeError, pickRolloutTarget, recheckServer } from './rolloutPick';
import type { RolloutKube } from './rolloutPick';
import { describeRolloutTarget, lastPushedImage, parseReplicaCount, rolloutRef, rolloutTargetOf, templateContainers } from './rolloutLogic';
import type { RolloutTarget } from './rolloutLogic';
import { kubeTargetOf } from './targets';

/** Opens (or reveals) the live rollout view of a workload. */
export interface RolloutViewOpener {
  show(target: RolloutTarget): Promise<void>;
}

/** How an action was asked for: a menu or the palette, or a button of the live view (which asks first). */
export interface ActionOrigin {
  fromView?: boolean;
}

/** The revisions of a workload, oldest first, with the objects undo needs. */
interface History {
  entries: RolloutHistoryEntry[];
  replicaSets: ReplicaSetJson[];
  controllerRevisions: ControllerRevisionJson[];
}

const VERBS: Record<RolloutAction, string> = {
  setImage: 'Set Image',
  restart: 'Restart',
  pause: 'Pause Rollout',
  resume: 'Resume Rollout',
  scale: 'Scale',
  undo: 'Undo Rollout',
};

function imagesText(entry: { images: { container: string; image: string; init?: boolean }[] }): string {
  return entry.images.map((i) => `${i.container}=${i.image}${i.init ? ' (init)' : ''}`).join(', ');
}

export class RolloutCommands {
  constructor(
    private readonly kube: RolloutKube,
    private readonly logger: Logger,
    private readonly views: () => RolloutViewOpener,
    private readonly selection: () => readonly unknown[] = () => [],
  ) {}

  /** The workload of a command: the node, else the Clusters view's selection, else a pick. */
  async target(node: unknown, action: RolloutAction): Promise<RolloutTarget> {
    const given = rolloutTargetOf(kubeTargetOf(node) ?? (isTargetLike(node) ? node : undefined));
    if (given) return given;
    if (node === undefined) {
      const selected = this.selection().map(kubeTargetOf).map(rolloutTargetOf).find((t) => t !== undefined);
      if (selected) return selected;
    } else {
      throw new Error('Rollouts are for Deployments, StatefulSets and DaemonSets: select one in the Clusters view.');
    }
    return pickRolloutTarget(this.kube, VERBS[action]);
  }

  async setImage(node?: unknown, origin: ActionOrigin = {}): Promise<void> {
    const target = await this.target(node, 'setImage');
    const connection = await connectTo(this.kube, target.contextName);
    const workload = await this.read(connection, target);
    this.refuseIfBlocked(target, workload, 'setImage');
    const containers = templateContainers(workload);
    const named = stringField(node, 'container');
    let container = named !== undefined ? containers.find((c) => c.name === named) : containers[0];
    if (named !== undefined && !container) throw new Error(`${target.workloadKind} ${target.name} has no container named ${named}.`);
    if (named === undefined && containers.length > 1) {
      const picked = await vscode.window.showQuickPick(containers.map((c) => ({ label: c.name, description: c.image, container: c })), { title: `Set the image of which container of ${target.name}?`, ignoreFocusOut: true });
      if (!picked) throw new UserCancelled();
      container = picked.container;
    }
    if (!container) throw new Error(`${target.workloadKind} ${target.name} has no containers.`);
    const given = stringField(node, 'image');
    if (given !== undefined && imageReferenceProblem(given) !== undefined) throw new Error(`${imageReferenceProblem(given) ?? ''}.`);
    const image = given ?? await this.pickImage(container.name, container.image);
    if (image === container.image) {
      void vscode.window.showInformationMessage(`Berth: container ${container.name} of ${target.name} already runs ${image}.`);
      return;
    }
    const patch = setImagePatch(target.workloadKind, container.name, image);
    await this.apply(target, connection, `set the image of container ${container.name} of ${describeRolloutTarget(target)} to ${image}`, patch, origin.fromView ? { title: `Set the image of ${target.name}?`, detail: `Container ${container.name}: ${container.image} → ${image}`, button: 'Set Image' } : undefined);
    this.logger.info(`Rollout: set image of ${container.name} in ${target.workloadKind} ${target.namespace}/${target.name} (context ${target.contextName}) to ${image}`);
    await this.afterChange(target, `set ${container.name} to ${image}`);
  }

  /** The image: the one Berth just pushed (by digest) first, else typed. */
  private async pickImage(containerName: string, current: string): Promise<string> {
    const pushed = lastPushedImage();
    if (pushed) {
      const typeOne = 'Type an image reference…';
      const items: (vscode.QuickPickItem & { image?: string })[] = [
        { label: `$(cloud-upload) ${pushed.pinned}`, description: 'pushed by Berth', detail: `${pushed.reference} · pushed ${new Date(pushed.at).toLocaleTimeString()}`, image: pushed.pinned },
        { label: `$(edit) ${typeOne}`, description: current ? `now ${current}` : undefined },
      ];
      const picked = await vscode.window.showQuickPick(items, { title: `New image for container ${containerName}`, ignoreFocusOut: true });
      if (!picked) throw new UserCancelled();
      if (picked.image !== undefined) return picked.image;
    }
    const typed = await vscode.window.showInputBox({
      title: `New image for container ${containerName}`,
      prompt: 'repository[:tag][@sha256:digest], e.g. registry.example.com/team/app:1.2 or app@sha256:…',
      value: current,
      ignoreFocusOut: true,
      validateInput: (v) => imageReferenceProblem(v.trim()),
    });
    if (typed === undefined) throw new UserCancelled();
    return typed.trim();
  }

  async restart(node?: unknown, origin: ActionOrigin = {}): Promise<void> {
    const target = await this.target(node, 'restart');
    const connection = await connectTo(this.kube, target.contextName);
    const workload = await this.read(connection, target);
    this.refuseIfBlocked(target, workload, 'restart');
    await this.apply(target, connection, `restart every pod of ${describeRolloutTarget(target)}`, restartPatch(new Date().toISOString()), origin.fromView ? { title: `Restart ${target.name}?`, detail: 'Every pod is replaced, following the rollout strategy.', button: 'Restart' } : undefined);
    this.logger.info(`Rollout: restarted ${target.workloadKind} ${target.namespace}/${target.name} (context ${target.contextName})`);
    await this.afterChange(target, 'restarted');
  }

  pause(node?: unknown): Promise<void> {
    return this.setPaused(node, true);
  }

  resume(node?: unknown): Promise<void> {
    return this.setPaused(node, false);
  }

  private async setPaused(node: unknown, paused: boolean): Promise<void> {
    const action = paused ? 'pause' : 'resume';
    const target = await this.target(node, action);
    const connection = await connectTo(this.kube, target.contextName);
    const workload = await this.read(connection, target);
    this.refuseIfBlocked(target, workload, action);
    await this.apply(target, connection, `${action} the rollout of ${describeRolloutTarget(target)}`, pausePatch(paused));
    this.logger.info(`Rollout: ${paused ? 'paused' : 'resumed'} ${target.workloadKind} ${target.namespace}/${target.name} (context ${target.contextName})`);
    await this.afterChange(target, paused ? 'paused' : 'resumed');
  }

  async scale(node?: unknown): Promise<void> {
    const target = await this.target(node, 'scale');
    const connection = await connectTo(this.kube, target.contextName);
    const workload = await this.read(connection, target);
    this.refuseIfBlocked(target, workload, 'scale');
    const current = workload.spec?.replicas ?? 1;
    const givenReplicas = numberField(node, 'replicas');
    const typed = givenReplicas !== undefined ? String(givenReplicas) : await vscode.window.showInputBox({
      title: `Scale ${target.workloadKind} ${target.name}`,
      prompt: `Replicas (now ${current})`,
      value: String(current),
      ignoreFocusOut: true,
      validateInput: (v) => {
        const parsed = parseReplicaCount(v);
        return parsed.ok ? undefined : parsed.error;
      },
    });
    if (typed === undefined) throw new UserCancelled();
    const parsed = parseReplicaCount(typed);
    if (!parsed.ok) throw new Error(parsed.error);
    if (parsed.replicas === current) return;
    // Scaling to zero stops the service: it is confirmed even where the context is not protected.
    const modal = parsed.replicas === 0 ? { title: `Scale ${target.name} to 0?`, detail: `Every pod of ${describeRolloutTarget(target)} is stopped.`, button: 'Scale to 0' } : undefined;
    await this.apply(target, connection, `scale ${describeRolloutTarget(target)} from ${current} to ${parsed.replicas} replicas`, scalePatch(parsed.replicas), modal);
    this.logger.info(`Rollout: scaled ${target.workloadKind} ${target.namespace}/${target.name} (context ${target.contextName}) from ${current} to ${parsed.replicas}`);
    await this.afterChange(target, `scaled to ${parsed.replicas}`);
  }

  /**
   * Undo to a revision: from a menu, a pick of the history (each revision with its images, the
   * current one marked); from the live view, the revision it showed, after a confirmation.
   */
  async undo(node?: unknown, options: ActionOrigin & { revision?: number } = {}): Promise<void> {
    const target = await this.target(node, 'undo');
    const connection = await connectTo(this.kube, target.contextName);
    const workload = await this.read(connection, target);
    this.refuseIfBlocked(target, workload, 'undo');
    const history = await this.history(connection, target, workload);
    let revision = options.revision ?? numberField(node, 'revision');
    if (revision === undefined) {
      revision = await this.pickRevision(target, history.entries);
    } else if (!history.entries.some((e) => e.revision === revision)) {
      throw new Error(`${target.workloadKind} ${target.name} has no revision ${revision} any more (its history has ${history.entries.map((e) => e.revision).join(', ') || 'none'}).`);
    }
    const entry = history.entries.find((e) => e.revision === revision);
    const plan: UndoPlan = target.workloadKind === 'Deployment'
      ? (() => {
          const rs = findUndoTarget(workload, history.replicaSets, revision);
          return typeof rs === 'string' ? { action: 'refuse' as const, message: rs } : undoPatch(workload, rs);
        })()
      : undoControllerRevisionPatch(workload, history.controllerRevisions, revision);
    if (plan.action === 'refuse') throw new Error(`${plan.message}.`);
    if (plan.action === 'skip') {
      void vscode.window.showInformationMessage(`Berth: ${plan.message}.`);
      return;
    }
    const current = history.entries.find((e) => e.current);
    const detail = [`Back to revision ${revision}: ${entry ? imagesText(entry) : '(images unknown)'}`, current ? `Now at revision ${current.revision}: ${imagesText(current)}` : ''].filter(Boolean).join('\n');
    await this.apply(target, connection, `undo ${describeRolloutTarget(target)} to revision ${revision}`, guarded(plan.patch, workload), options.fromView ? { title: `Undo ${target.name} to revision ${revision}?`, detail, button: 'Undo' } : undefined);
    this.logger.info(`Rollout: undid ${target.workloadKind} ${target.namespace}/${target.name} (context ${target.contextName}) to revision ${revision}`);
    await this.afterChange(target, `rolled back to revision ${revision}`);
  }

  private async pickRevision(target: RolloutTarget, entries: readonly RolloutHistoryEntry[]): Promise<number> {
    if (entries.length === 0) throw new Error(`${target.workloadKind} ${target.name} has no rollout history.`);
    if (entries.length === 1) throw new Error(`${target.workloadKind} ${target.name} has only one revision: there is nothing to go back to.`);
    const items = [...entries].reverse().map((e) => ({
      label: `${e.current ? '$(check) ' : ''}Revision ${e.revision}`,
      description: [e.current ? 'current' : '', e.createdAt ? new Date(e.createdAt).toLocaleString() : ''].filter(Boolean).join(' · '),
      detail: [imagesText(e), e.changeCause ?? ''].filter(Boolean).join(' — '),
      entry: e,
    }));
    const picked = await vscode.window.showQuickPick(items, { title: `Undo ${target.workloadKind} ${target.name} to which revision?`, matchOnDetail: true, ignoreFocusOut: true });
    if (!picked) throw new UserCancelled();
    if (picked.entry.current) throw new Error(`Revision ${picked.entry.revision} is the current one: pick an earlier revision to go back to.`);
    return picked.entry.revision;
  }

  /** The rollout history (ReplicaSets or ControllerRevisions the workload owns), oldest first. */
  async history(connection: KubeConnection, target: RolloutTarget, workload: RolloutWorkloadJson): Promise<History> {
    const selector = selectorToString(podSelectorOf(target.workloadKind, workload));
    try {
      if (target.workloadKind === 'Deployment') {
        const list = await connection.list<ReplicaSetJson>({ group: 'apps', version: 'v1', resource: 'replicasets', namespace: target.namespace }, selector ? { labelSelector: selector } : {});
        return { entries: rolloutHistory(workload, list.items), replicaSets: list.items, controllerRevisions: [] };
      }
      const list = await connection.list<ControllerRevisionJson>({ group: 'apps', version: 'v1', resource: 'controllerrevisions', namespace: target.namespace }, selector ? { labelSelector: selector } : {});
      return { entries: controllerRevisionHistory(target.workloadKind, workload, list.items), replicaSets: [], controllerRevisions: list.items };
    } catch (error) {
      throw kubeError(this.kube, error);
    }
  }

  private async read(connection: KubeConnection, target: RolloutTarget): Promise<RolloutWorkloadJson> {
    try {
      return await connection.get<RolloutWorkloadJson>(rolloutRef(target));
    } catch (error) {
      throw kubeError(this.kube, error);
    }
  }

  private refuseIfBlocked(target: RolloutTarget, workload: RolloutWorkloadJson, action: RolloutAction): void {
    const blocker = rolloutActionBlocker(target.workloadKind, workload, action);
    if (blocker) throw new Error(`${blocker}.`);
  }

  /**
   * Confirms (typed context name on a protected context, else `modal` when given), checks that
   * the context still points at the server it had when the action began, and sends the patch
   * through that same connection.
   */
  private async apply(target: RolloutTarget, connection: KubeConnection, what: string, patch: RolloutPatch, modal?: { title: string; detail: string; button: string }): Promise<void> {
    const server = connection.server;
    await confirmChange(this.kube, { contextName: target.contextName, namespace: target.namespace, server, what, modal });
    const now = await recheckServer(this.kube, target.contextName, server, 'Nothing was changed.');
    try {
      await now.patch(rolloutRef(target), patch.patch, patch.type);
    } catch (error) {
      const failure = this.kube.failureOf(error);
      if (failure.status === 422 && patch.type === 'json') {
        throw new Error(`${target.workloadKind} ${target.name} changed on the server while you were choosing; nothing was changed. Try again.`);
      }
      throw kubeError(this.kube, error);
    }
  }

  private async afterChange(target: RolloutTarget, what: string): Promise<void> {
    vscode.window.setStatusBarMessage(`Berth: ${target.workloadKind} ${target.name} ${what}`, 5_000);
    await this.views().show(target);
  }
}

/**
 * The confirmation of a change: on a protected context (`berth.kube.protectedContexts`) the
 * context name must be typed, with the action, namespace and server in the prompt; elsewhere a
 * modal confirmation when `modal` is given, nothing otherwise (a menu pick is deliberate).
 */
export async function confirmChange(
  kube: Pick<RolloutKube, 'protectedPatterns'>,
  request: { contextName: string; namespace: string; server: string; what: string; modal?: { title: string; detail: string; button: string } | undefined },
): Promise<void> {
  const { contextName, namespace, server, what, modal } = request;
  if (isProtectedContext(contextName, kube.protectedPatterns())) {
    const typed = await vscode.window.showInputBox({
      title: `"${contextName}" is a protected context`,
      prompt: `Type the context name to ${what} (namespace ${namespace}, server ${server})`,
      placeHolder: contextName,
      ignoreFocusOut: true,
      validateInput: (value) => (value === contextName ? undefined : 'Type the context name exactly as shown.'),
    });
    if (typed !== contextName) throw new UserCancelled();
    return;
  }
  if (!modal) return;
  const detail = [modal.detail, '', `Context: ${contextName}`, `Server: ${server}`, `Namespace: ${namespace}`].join('\n');
  if ((await vscode.window.showWarningMessage(modal.title, { modal: true, detail }, modal.button)) !== modal.button) throw new UserCancelled();
}

/**
 * A JSON patch that fails (422) if the workload changed since it was read: undo replaces the
 * whole template, and must not replace one the user did not see.
 */
function guarded(patch: RolloutPatch, workload: RolloutWorkloadJson): RolloutPatch {
  const version = workload.metadata.resourceVersion;
  if (patch.type !== 'json' || !Array.isArray(patch.patch) || version === undefined) return patch;
  return { type: 'json', patch: [{ op: 'test', path: '/metadata/resourceVersion', value: version }, ...(patch.patch as unknown[])] };
}

/**
 * A value another command (or a test) put next to the target: `{ target, container, image }`,
 * `{ target, replicas }`, `{ target, revision }`. Confirmations still apply.
 */
function stringField(arg: unknown, key: string): string | undefined {
  if (typeof arg !== 'object' || arg === null || !(key in arg)) return undefined;
  const value = (arg as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function numberField(arg: unknown, key: string): number | undefined {
  if (typeof arg !== 'object' || arg === null || !(key in arg)) return undefined;
  const value = (arg as Record<string, unknown>)[key];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** A bare target object (another command passing `{ kind: 'workload', ... }`). */
function isTargetLike(arg: unknown): arg is Parameters<typeof rolloutTargetOf>[0] {
  return typeof arg === 'object' && arg !== null && 'kind' in arg && 'contextName' in arg;
}
