/**
 * Ready counts and health of workloads (the READY / COMPLETIONS / ACTIVE columns of
 * `kubectl get`), label selectors as the API's `labelSelector` text, and which pods belong
 * to a workload.
 */
import type { LabelSelectorJson, WorkloadJson } from './objects';
import type { Health } from './podStatus';
import type { WorkloadKind } from './types';

export interface WorkloadStatusSummary {
  /** `2/3` (ready/desired), `1/1` (Job: succeeded/completions), `2 active` (CronJob). */
  ready: string;
  health: Health;
  /** Ready, Updating, Not ready, Scaled to 0, Paused, ProgressDeadlineExceeded, Complete, Failed: BackoffLimitExceeded, Suspended... */
  label: string;
}

type Condition = NonNullable<NonNullable<WorkloadJson['status']>['conditions']>[number];

function condition(w: WorkloadJson, type: string): Condition | undefined {
  return w.status?.conditions?.find((c) => c.type === type);
}

function isTrue(w: WorkloadJson, type: string): boolean {
  return condition(w, type)?.status === 'True';
}

/**
 * Ready count, health and a short label of a workload. Deployment and StatefulSet:
 * readyReplicas/spec.replicas, `Updating` while updated replicas lag the desired count or old
 * ones remain, `ProgressDeadlineExceeded` (error) when the Progressing condition says so.
 * DaemonSet: numberReady/desiredNumberScheduled. Job: succeeded/completions (kubectl's
 * `n/1 of p` without completions), Complete / Failed (error) conditions. CronJob: the number
 * of active Jobs, and whether it is suspended.
 */
export function workloadStatus(kind: WorkloadKind, w: WorkloadJson): WorkloadStatusSummary {
  const summary = kindStatus(kind, w);
  if (w.metadata.deletionTimestamp) return { ...summary, health: 'terminating', label: 'Terminating' };
  return summary;
}

function kindStatus(kind: WorkloadKind, w: WorkloadJson): WorkloadStatusSummary {
  const status = w.status ?? {};
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet': {
      // The API server defaults spec.replicas to 1; an object without it is still 1.
      const desired = w.spec?.replicas ?? 1;
      const readyCount = status.readyReplicas ?? 0;
      const ready = `${readyCount}/${desired}`;
      const progressing = condition(w, 'Progressing');
      if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
        return { ready, health: 'error', label: 'ProgressDeadlineExceeded' };
      }
      const replicaFailure = condition(w, 'ReplicaFailure');
      if (replicaFailure?.status === 'True') return { ready, health: 'error', label: replicaFailure.reason ?? 'ReplicaFailure' };
      if (w.spec?.paused) return { ready, health: 'warning', label: 'Paused' };
      return replicaHealth(ready, desired, readyCount, status.updatedReplicas, status.replicas);
    }
    case 'DaemonSet': {
      const desired = status.desiredNumberScheduled ?? 0;
      const readyCount = status.numberReady ?? 0;
      const ready = `${readyCount}/${desired}`;
      if (desired === 0) return { ready, health: 'ok', label: 'No nodes' };
      return replicaHealth(ready, desired, readyCount, status.updatedNumberScheduled, undefined);
    }
    case 'Job':
      return jobStatus(w);
    case 'CronJob': {
      // status.active of a CronJob is a list of Job references, not a number as for Jobs.
      const active: unknown = status.active;
      const count = Array.isArray(active) ? active.length : 0;
      const ready = `${count} active`;
      if (w.spec?.suspend) return { ready, health: 'warning', label: 'Suspended' };
      return count > 0 ? { ready, health: 'progressing', label: 'Active' } : { ready, health: 'ok', label: 'Scheduled' };
    }
  }
}

function replicaHealth(ready: string, desired: number, readyCount: number, updated: number | undefined, current: number | undefined): WorkloadStatusSummary {
  if (desired === 0) {
    return (current ?? 0) > 0 ? { ready, health: 'progressing', label: 'Scaling down' } : { ready, health: 'ok', label: 'Scaled to 0' };
  }
  if ((updated !== undefined && updated < desired) || (current !== undefined && current > desired)) {
    return { ready, health: 'progressing', label: 'Updating' };
  }
  if (readyCount < desired) return { ready, health: 'progressing', label: 'Not ready' };
  return { ready, health: 'ok', label: 'Ready' };
}

function jobStatus(w: WorkloadJson): WorkloadStatusSummary {
  const status = w.status ?? {};
  const succeeded = status.succeeded ?? 0;
  let ready: string;
  if (w.spec?.completions !== undefined) ready = `${succeeded}/${w.spec.completions}`;
  else {
    const parallelism = w.spec?.parallelism ?? 0;
    ready = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
  }
  if (isTrue(w, 'Complete')) return { ready, health: 'done', label: 'Complete' };
  const failed = condition(w, 'Failed');
  if (failed?.status === 'True') return { ready, health: 'error', label: failed.reason ? `Failed: ${failed.reason}` : 'Failed' };
  if (isTrue(w, 'FailureTarget')) return { ready, health: 'error', label: 'Failing' };
  if (isTrue(w, 'Suspended') || w.spec?.suspend) return { ready, health: 'warning', label: 'Suspended' };
  const failures = typeof status.failed === 'number' ? status.failed : 0;
  if (failures > 0) return { ready, health: 'warning', label: `Running (${failures} failed)` };
  return { ready, health: 'progressing', label: 'Running' };
}

// ---- selectors ----------------------------------------------------------------------------

/**
 * The selector in the API's `labelSelector` syntax, requirements sorted by key as
 * apimachinery prints them: `app=web,tier in (a,b),!legacy`. `''` for an empty selector
 * (which selects everything); undefined for no selector or one with an unknown operator,
 * which select nothing: never list without a selector because this returned undefined.
 */
export function selectorToString(sel: LabelSelectorJson | undefined): string | undefined {
  if (!sel) return undefined;
  const requirements: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) requirements.push({ key, text: `${key}=${value}` });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In':
        requirements.push({ key: e.key, text: `${e.key} in (${values})` });
        break;
      case 'NotIn':
        requirements.push({ key: e.key, text: `${e.key} notin (${values})` });
        break;
      case 'Exists':
        requirements.push({ key: e.key, text: e.key });
        break;
      case 'DoesNotExist':
        requirements.push({ key: e.key, text: `!${e.key}` });
        break;
      default:
        return undefined;
    }
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return requirements.map((r) => r.text).join(',');
}

/**
 * Whether an object's labels satisfy a selector, with the API server's semantics: every
 * matchLabels pair and every expression must hold; NotIn and DoesNotExist hold for a missing
 * label. An undefined selector (or an unknown operator) matches nothing; `{}` matches all.
 */
export function matchesSelector(labels: Record<string, string> | undefined, sel: LabelSelectorJson | undefined): boolean {
  if (!sel) return false;
  const own = labels ?? {};
  if (sel.matchLabels) {
    for (const [key, value] of Object.entries(sel.matchLabels)) if (own[key] !== value) return false;
  }
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(own, e.key);
    const value = own[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || value === undefined || !(e.values ?? []).includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && (e.values ?? []).includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * The selector of a workload's pods: spec.selector (for a Job, the controller-uid selector
 * the API server generated), or the pod template's labels when an object lacks a selector.
 * A CronJob has none: its pods belong to the Jobs it owns. Find those with
 * `jobsOwnedBy(cronJob, jobs)` (ownerReferences, by uid) and take each Job's selector.
 */
export function podSelectorOf(kind: WorkloadKind, w: WorkloadJson): LabelSelectorJson | undefined {
  if (kind === 'CronJob') return undefined;
  if (w.spec?.selector) return w.spec.selector;
  const templateLabels = w.spec?.template?.metadata?.labels;
  return templateLabels && Object.keys(templateLabels).length ? { matchLabels: templateLabels } : undefined;
}

/** The objects (e.g. Jobs of a CronJob, pods of a Job) whose ownerReferences name `owner` by uid. */
export function ownedBy<T extends { metadata: { ownerReferences?: { uid: string }[] } }>(owner: { metadata: { uid: string } }, objects: Iterable<T>): T[] {
  const result: T[] = [];
  for (const o of objects) if (o.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) result.push(o);
  return result;
}

/** The Jobs a CronJob created (ownerReferences by uid), whose pods are the CronJob's pods. */
export function jobsOwnedBy(cronJob: WorkloadJson, jobs: Iterable<WorkloadJson>): WorkloadJson[] {
  return ownedBy(cronJob, jobs);
}
