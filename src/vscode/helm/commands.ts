import * as vscode from 'vscode';
import { rollbackArgs, uninstallArgs } from '../../core/helm/args';
import { manifestDiff } from '../../core/helm/diff';
import { releaseHealth, rollbackTarget } from '../../core/helm/releases';
import type { HelmRelease } from '../../core/helm/types';
import { UserCancelled } from '../commands';
import type { Logger } from '../logger';
import type { DeployFlow } from './deploy';
import { HelmDocuments } from './documents';
import type { ReleaseStore } from './documents';
import type { HelmProvider, PinnedContext } from './helmProvider';
import { chartLabel, explainHelmFailure, formatDurationSeconds, helmFailureOf, listResources, manifestResources, releaseRefOf, revisionDescription, rollbackChoices, summariseChanges } from './model';
import type { HelmDocumentPart, ReleaseRef } from './model';
import type { HelmNode, ReleasesTree } from './releasesTree';
import { confirmProtected, pickContext, whereLines } from './ui';

/**
 * The Releases view's actions. Handlers take `(node?, nodes?)`: from a menu the clicked node;
 * from the palette nothing, and then the view's selection or pickers are used. Every change
 * (rollback, uninstall) shows where it goes, needs a protected context's name typed, and is
 * refused when the context's server changed while the user was confirming.
 */
export class HelmCommands {
  constructor(
    private readonly helm: HelmProvider,
    private readonly store: ReleaseStore,
    private readonly documents: HelmDocuments,
    private readonly tree: ReleasesTree,
    private readonly deployFlow: DeployFlow,
    private readonly logger: Logger,
  ) {}

  /**
   * The release of the node, else (for read-only commands) of the view's selection, else one
   * picked. Changes never fall back to the selection: a menu whose node went stale while the
   * tree refreshed must not act on whatever happens to be selected.
   */
  private async releaseRef(node: unknown, title: string, useSelection = false): Promise<ReleaseRef> {
    const given = releaseRefOf(node) ?? (useSelection ? this.tree.selection.map(releaseRefOf).find((r) => r !== undefined) : undefined);
    if (given) return given;
    const contextName = await pickContext(this.helm, `${title}: which context?`);
    const connection = await this.helm.kube.connection(contextName);
    const listing = await this.helm.clients().listReleases(connection);
    if (listing.releases.length === 0) throw new Error(`No Helm releases in ${contextName}${listing.forbidden.length > 0 ? ' that you may read' : ''}.`);
    const picked = await vscode.window.showQuickPick(
      [...listing.releases].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)).map((r) => ({
        label: r.name,
        description: `${r.namespace} · ${[chartLabel(r.chart, r.chartVersion), r.status, `rev ${r.revision}`].filter(Boolean).join(' · ')}`,
        ref: { contextName, namespace: r.namespace, release: r.name },
      })),
      { title: `${title}: which release?`, matchOnDescription: true, ignoreFocusOut: true },
    );
    if (!picked) throw new UserCancelled();
    return picked.ref;
  }

  private async history(ref: ReleaseRef, fresh = false): Promise<HelmRelease[]> {
    const history = await this.store.history(ref.contextName, ref.namespace, ref.release, { fresh });
    if (history.length === 0) throw new Error(`Release ${ref.release} is not stored in ${ref.contextName}/${ref.namespace} (uninstalled?).`);
    return history;
  }

  refresh(node?: unknown): Promise<void> {
    return this.tree.refresh(node as HelmNode | undefined);
  }

  // ---- read-only documents -----------------------------------------------------------------

  /** A document node: opens its part. */
  async openDocument(node?: unknown): Promise<void> {
    const ref = releaseRefOf(node);
    if (!ref?.part) throw new Error('Pick Values, Manifest or Notes under a release in the Releases view.');
    await this.open(ref, ref.part);
  }

  async openValues(node?: unknown): Promise<void> {
    const ref = await this.releaseRef(node, 'Open values', true);
    let part: HelmDocumentPart | undefined = ref.part === 'values' || ref.part === 'computed' ? ref.part : undefined;
    if (!part) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: 'User-supplied values', description: 'what -f and --set gave (helm get values)', part: 'values' as const },
          { label: 'Computed values', description: 'the chart\'s defaults with the user\'s over them (helm get values --all)', part: 'computed' as const },
        ],
        { title: `Values of ${ref.release}` },
      );
      if (!picked) throw new UserCancelled();
      part = picked.part;
    }
    await this.open(ref, part);
  }

  async openManifest(node?: unknown): Promise<void> {
    await this.open(await this.releaseRef(node, 'Open manifest', true), 'manifest');
  }

  async openNotes(node?: unknown): Promise<void> {
    await this.open(await this.releaseRef(node, 'Open notes', true), 'notes');
  }

  private async open(ref: ReleaseRef, part: HelmDocumentPart): Promise<void> {
    const revision = ref.revision ?? (await this.history(ref))[0]?.revision;
    if (revision === undefined) return;
    const uri = HelmDocuments.uri({ kind: 'release', contextName: ref.contextName, namespace: ref.namespace, release: ref.release, revision, part });
    await this.documents.open(uri, part === 'notes' ? 'plaintext' : 'yaml');
  }

  // ---- diffs -------------------------------------------------------------------------------

  /** Opens a read-only diff of two revisions' manifests. */
  private async showManifestDiff(ref: ReleaseRef, from: HelmRelease, to: HelmRelease, title: string): Promise<void> {
    const left = this.documents.put(from.manifest, `${ref.release}-r${from.revision}-manifest.yaml`);
    const right = this.documents.put(to.manifest, `${ref.release}-r${to.revision}-manifest.yaml`);
    await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  }

  /** `berth.helm.diffRevisions`: two picked revisions (one given by a revision node). */
  async diffRevisions(node?: unknown): Promise<void> {
    const ref = await this.releaseRef(node, 'Diff revisions', true);
    const history = await this.history(ref, true);
    if (history.length < 2) throw new Error(`${ref.release} has only one stored revision.`);
    const current = history[0]?.revision;
    const pick = async (title: string, exclude?: number): Promise<HelmRelease> => {
      const picked = await vscode.window.showQuickPick(
        history.filter((r) => r.revision !== exclude).map((r) => ({ label: `Revision ${r.revision}`, description: `${r.revision === current ? 'current · ' : ''}${revisionDescription(r)}`, release: r })),
        { title, ignoreFocusOut: true, matchOnDescription: true },
      );
      if (!picked) throw new UserCancelled();
      return picked.release;
    };
    const given = ref.revision !== undefined && (ref.pastRevision || ref.part !== undefined || ref.revision !== current) ? history.find((r) => r.revision === ref.revision) : undefined;
    const first = given ?? (await pick(`Diff ${ref.release}: from which revision?`));
    const second = await pick(`Diff ${ref.release}: revision ${first.revision} against which revision?`, first.revision);
    const [older, newer] = first.revision < second.revision ? [first, second] : [second, first];
    const summary = summariseChanges(manifestDiff(older.manifest, newer.manifest, ref.namespace));
    await this.showManifestDiff(ref, older, newer, `${ref.release}: revision ${older.revision} ↔ ${newer.revision} (${summary.counts})`);
  }

  // ---- changes -----------------------------------------------------------------------------

  private async runWithProgress(title: string, args: string[], env: Record<string, string>): Promise<void> {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => { abort.abort(); });
      const started = Date.now();
      const ticker = setInterval(() => { progress.report({ message: `${Math.round((Date.now() - started) / 1000)} s` }); }, 1000);
      try {
        await this.helm.run(args, { signal: abort.signal, env });
      } finally {
        clearInterval(ticker);
        cancel.dispose();
      }
    });
  }

  private failure(action: string, ref: ReleaseRef, error: unknown): Error {
    const failure = helmFailureOf(error);
    if (failure.kind === 'cancelled') return new Error(`${action} of ${ref.release} was cancelled; helm was stopped. Look at the release's status in the Releases view.`);
    const { reason, hint } = explainHelmFailure(failure);
    return new Error(`${action} of ${ref.release} in ${ref.contextName}/${ref.namespace} failed: ${reason}${hint ? ` ${hint}` : ''}`);
  }

  /**
   * `berth.helm.rollback`: to a revision picked from the history (or given by a revision or
   * "What to do" node), after a diff of the current and the target manifests and a modal
   * confirmation naming the context, server and namespace.
   */
  async rollback(node?: unknown, _nodes?: unknown, presetRevision?: number): Promise<void> {
    this.helm.requireTrust();
    const ref = await this.releaseRef(node, 'Roll back');
    const pinned = await this.helm.pin(ref.contextName);
    const version = (await this.helm.helm()).binary.version;
    const history = await this.history(ref, true);
    const current = history[0];
    if (!current) return;
    const recommended = rollbackTarget(history, current.revision);
    let revision = presetRevision ?? (ref.pastRevision ? ref.revision : undefined);
    if (revision === current.revision) throw new Error(`Revision ${revision} is the current revision of ${ref.release}.`);
    if (revision === undefined) {
      const choices = rollbackChoices(history, current.revision, recommended);
      if (choices.length === 0) throw new Error(`${ref.release} has no earlier revision to roll back to; uninstall it instead.`);
      const picked = await vscode.window.showQuickPick(
        choices.map((r) => ({ label: `Revision ${r.revision}`, description: `${r.revision === recommended ? 'last deployed · ' : ''}${revisionDescription(r)}`, revision: r.revision })),
        { title: `Roll back ${ref.release} (now revision ${current.revision}, ${current.status}) to which revision?`, ignoreFocusOut: true, matchOnDescription: true },
      );
      if (!picked) throw new UserCancelled();
      revision = picked.revision;
    }
    const target = history.find((r) => r.revision === revision);
    if (!target) throw new Error(`Revision ${revision} of ${ref.release} is not stored (any more).`);
    const summary = summariseChanges(manifestDiff(current.manifest, target.manifest, ref.namespace));
    await this.showManifestDiff(ref, current, target, `${ref.release}: revision ${current.revision} (current) ↔ revision ${target.revision} (after the rollback)`);
    await confirmProtected(pinned, `roll back ${ref.release}`);
    const detail = [
      ...whereLines(pinned, ref.namespace),
      `Release: ${ref.release}, revision ${current.revision} (${current.status}, ${chartLabel(current.chart, current.chartVersion)}) → revision ${target.revision} (${chartLabel(target.chart, target.chartVersion)}${target.appVersion ? `, app ${target.appVersion}` : ''})`,
      `Helm records the rollback as revision ${Math.max(...history.map((r) => r.revision)) + 1} and waits up to ${formatDurationSeconds(this.helm.waitTimeoutSeconds())} for it to be ready.`,
      '',
      `Changes: ${summary.counts}`,
      ...summary.lines.slice(0, 15),
      ...(summary.lines.length > 15 ? [`… and ${summary.lines.length - 15} more`] : []),
    ].join('\n');
    const confirm = 'Roll Back';
    if ((await vscode.window.showWarningMessage(`Roll back ${ref.release} in ${ref.contextName}/${ref.namespace} to revision ${target.revision}?`, { modal: true, detail }, confirm)) !== confirm) throw new UserCancelled();
    await this.helm.recheck(pinned, 'Nothing was rolled back.');
    const { target: helmTarget, env } = await this.helm.target(ref.contextName, ref.namespace);
    const args = rollbackArgs({ ...helmTarget, version, release: ref.release, revision: target.revision, wait: true, timeoutSeconds: this.helm.waitTimeoutSeconds() });
    try {
      await this.runWithProgress(`Rolling back ${ref.release} to revision ${target.revision}`, args, env);
    } catch (error) {
      await this.tree.changedByBerth(ref.contextName, ref.namespace, ref.release);
      throw this.failure('The rollback', ref, error);
    }
    await this.tree.changedByBerth(ref.contextName, ref.namespace, ref.release);
    this.logger.info(`Rolled back ${ref.release} in ${ref.contextName}/${ref.namespace} (${pinned.server}) to revision ${target.revision}`);
    void vscode.window.showInformationMessage(`Berth: rolled back ${ref.release} in ${ref.contextName}/${ref.namespace} to revision ${target.revision}.`);
  }

  /** `berth.helm.uninstall`: after a modal naming what it deletes (and the context's name typed when protected). */
  async uninstall(node?: unknown): Promise<void> {
    this.helm.requireTrust();
    const ref = await this.releaseRef(node, 'Uninstall');
    const pinned: PinnedContext = await this.helm.pin(ref.contextName);
    const version = (await this.helm.helm()).binary.version;
    const current = (await this.history(ref, true))[0];
    if (!current) return;
    const resources = manifestResources(current.manifest, ref.namespace);
    await confirmProtected(pinned, `uninstall ${ref.release}`);
    const detail = [
      ...whereLines(pinned, ref.namespace),
      `Release: ${ref.release}, revision ${current.revision} (${current.status}, ${chartLabel(current.chart, current.chartVersion)})`,
      '',
      resources.length > 0 ? `Deletes ${resources.length} resource${resources.length === 1 ? '' : 's'}: ${listResources(resources, 12)}.` : 'Its manifest declares no resources.',
      'The release\'s history is deleted too; resources with helm.sh/resource-policy: keep stay.',
    ].join('\n');
    const confirm = 'Uninstall';
    if ((await vscode.window.showWarningMessage(`Uninstall ${ref.release} from ${ref.contextName}/${ref.namespace}?`, { modal: true, detail }, confirm)) !== confirm) throw new UserCancelled();
    await this.helm.recheck(pinned, 'Nothing was uninstalled.');
    const { target, env } = await this.helm.target(ref.contextName, ref.namespace);
    try {
      await this.runWithProgress(`Uninstalling ${ref.release} from ${ref.contextName}/${ref.namespace}`, uninstallArgs({ ...target, version, release: ref.release }), env);
    } catch (error) {
      await this.tree.changedByBerth(ref.contextName, ref.namespace, ref.release);
      throw this.failure('Uninstalling', ref, error);
    }
    await this.tree.changedByBerth(ref.contextName, ref.namespace, ref.release);
    this.logger.info(`Uninstalled ${ref.release} from ${ref.contextName}/${ref.namespace} (${pinned.server})`);
    void vscode.window.showInformationMessage(`Berth: uninstalled ${ref.release} from ${ref.contextName}/${ref.namespace}.`);
  }

  /** `berth.helm.upgrade` on a release. */
  async upgrade(node?: unknown): Promise<void> {
    this.helm.requireTrust();
    const ref = await this.releaseRef(node, 'Upgrade');
    await this.deployFlow.upgrade(ref);
  }

  /** The "What to do" node: the recovery its hint names (rollback, uninstall or upgrade), through the usual confirmations. */
  async recover(node?: unknown): Promise<void> {
    this.helm.requireTrust();
    const ref = await this.releaseRef(node, 'Recover');
    const history = await this.history(ref, true);
    const current = history[0];
    if (!current) return;
    const target = rollbackTarget(history, current.revision);
    const health = releaseHealth(current.status, { revision: current.revision, ...(target !== undefined ? { rollbackRevision: target } : {}) });
    const recover = health.recover;
    if (!recover) {
      void vscode.window.showInformationMessage(`Berth: ${ref.release} is ${current.status}. ${health.hint}`);
      return;
    }
    const action = recover.action === 'rollback' ? `Roll Back to Revision ${recover.revision}` : recover.action === 'uninstall' ? 'Uninstall…' : 'Upgrade…';
    const choice = await vscode.window.showWarningMessage(`${ref.release} is ${current.status} (revision ${current.revision}).`, { modal: true, detail: health.hint }, action);
    if (choice !== action) throw new UserCancelled();
    if (recover.action === 'rollback') await this.rollback(ref, undefined, recover.revision);
    else if (recover.action === 'uninstall') await this.uninstall(ref);
    else await this.upgrade(ref);
  }
}
