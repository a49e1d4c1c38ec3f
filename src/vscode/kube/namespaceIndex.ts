// What the Clusters view shows under a namespace, computed from the informers' objects:
// workloads by kind, each with its pods, and the pods no workload selects. Pure (no vscode)
// so that it is tested in plain Node; rebuilt on every refresh of a namespace (5,000 pods),
// so the work is linear in the number of pods.
import type { LabelSelectorJson, PodJson, WorkloadJson } from '../../core/kube/objects';
import type { WorkloadKind } from '../../core/kube/types';
import { jobsOwnedBy, matchesSelector, podSelectorOf, selectorToString } from '../../core/kube/workloads';

export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** A group of the namespace: one per workload kind, and `Pod` for pods of no workload. */
export type GroupKind = WorkloadKind | 'Pod';

export interface WorkloadEntry {
  readonly kind: WorkloadKind;
  readonly object: WorkloadJson;
  /** The pods it selects (a CronJob: the pods of the Jobs it owns), sorted by name. */
  readonly pods: PodJson[];
  /** Its pods as an API labelSelector, for logs of the whole workload; undefined when there is none. */
  readonly selector: string | undefined;
}

export interface GroupEntry {
  readonly kind: GroupKind;
  /** Sorted by name; empty for the `Pod` group. */
  readonly workloads: readonly WorkloadEntry[];
  /** Only for the `Pod` group: pods that no workload selects, sorted by name. */
  readonly pods: readonly PodJson[];
}

export interface NamespaceContents {
  /** Non-empty groups, in the order Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods. */
  readonly groups: readonly GroupEntry[];
  /** By name. Mutable: the tree swaps in a newer object when only a pod's status changed. */
  readonly pods: Map<string, PodJson>;
  /** For each pod (by name), the `workloadKey`s of the workloads it is listed under, or `['Pod']`. */
  readonly parents: ReadonlyMap<string, readonly string[]>;
  /** By `workloadKey(kind, name)`. */
  readonly workloads: ReadonlyMap<string, WorkloadEntry>;
}

export type WorkloadsByKind = Readonly<Record<WorkloadKind, Iterable<WorkloadJson>>>;

export function workloadKey(kind: WorkloadKind, name: string): string {
  return `${kind}/${name}`;
}

function byName<T extends { metadata: { name: string } }>(a: T, b: T): number {
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

interface Candidate {
  readonly entry: WorkloadEntry;
  readonly key: string;
  readonly selector: LabelSelectorJson;
}

/**
 * Sorts pods into their workloads by label selector (the API's semantics, as `kubectl
 * describe` and the ReplicaSet controller read them). Each selector is filed under one of its
 * `matchLabels` pairs, so a pod is only checked against workloads that share that label; selectors with expressions only are checked against every pod (rare). A pod that
 * several workloads select appears under each. A CronJob's pods are those of the Jobs it owns.
 * `matches` is the selector test (replaced by tests to count the checks).
 */
export function indexNamespace(pods: Iterable<PodJson>, workloads: WorkloadsByKind, matches: typeof matchesSelector = matchesSelector): NamespaceContents {
  const byKind = new Map<WorkloadKind, WorkloadEntry[]>();
  const entries = new Map<string, WorkloadEntry>();
  const byLabel = new Map<string, Candidate[]>();
  const everyPod: Candidate[] = [];
  const jobsByUid = new Map<string, WorkloadEntry>();

  const selected: Candidate[] = [];
  for (const kind of WORKLOAD_KINDS) {
    const list: WorkloadEntry[] = [];
    for (const object of workloads[kind]) {
      const selector = kind === 'CronJob' ? undefined : podSelectorOf(kind, object);
      const entry: WorkloadEntry = { kind, object, pods: [], selector: selectorToString(selector) };
      list.push(entry);
      entries.set(workloadKey(kind, object.metadata.name), entry);
      if (kind === 'Job') jobsByUid.set(object.metadata.uid, entry);
      // An undefined selector selects nothing; `{}` selects everything (checked against every pod).
      if (selector) selected.push({ entry, key: workloadKey(kind, object.metadata.name), selector });
    }
    list.sort((a, b) => byName(a.object, b.object));
    byKind.set(kind, list);
  }

  // File each selector under its rarest pair (`app=web` rather than a `team=x` that every
  // workload shares), so that a pod meets few candidates.
  const pairCounts = new Map<string, number>();
  for (const { selector } of selected) {
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) pairCounts.set(`${key}=${value}`, (pairCounts.get(`${key}=${value}`) ?? 0) + 1);
  }
  for (const candidate of selected) {
    let rarest: string | undefined;
    for (const [key, value] of Object.entries(candidate.selector.matchLabels ?? {})) {
      const pair = `${key}=${value}`;
      if (rarest === undefined || (pairCounts.get(pair) ?? 0) < (pairCounts.get(rarest) ?? 0)) rarest = pair;
    }
    if (rarest === undefined) {
      everyPod.push(candidate);
      continue;
    }
    const bucket = byLabel.get(rarest);
    if (bucket) bucket.push(candidate);
    else byLabel.set(rarest, [candidate]);
  }

  const podMap = new Map<string, PodJson>();
  const parents = new Map<string, string[]>();
  const loose: PodJson[] = [];
  for (const pod of pods) {
    const name = pod.metadata.name;
    podMap.set(name, pod);
    let owners: string[] | undefined;
    const labels = pod.metadata.labels;
    if (labels) {
      for (const key in labels) {
        const bucket = byLabel.get(`${key}=${labels[key] ?? ''}`);
        if (!bucket) continue;
        for (const candidate of bucket) {
          if (matches(labels, candidate.selector)) {
            candidate.entry.pods.push(pod);
            (owners ??= []).push(candidate.key);
          }
        }
      }
    }
    for (const candidate of everyPod) {
      if (matches(labels, candidate.selector)) {
        candidate.entry.pods.push(pod);
        (owners ??= []).push(candidate.key);
      }
    }
    if (owners) {
      parents.set(name, owners);
    } else {
      loose.push(pod);
      parents.set(name, ['Pod']);
    }
  }

  for (const entry of entries.values()) entry.pods.sort(byName);
  for (const cronJob of byKind.get('CronJob') ?? []) {
    const jobs = jobsOwnedBy(cronJob.object, (byKind.get('Job') ?? []).map((j) => j.object));
    const seen = new Set<string>();
    for (const job of jobs) {
      for (const pod of jobsByUid.get(job.metadata.uid)?.pods ?? []) {
        if (!seen.has(pod.metadata.name)) {
          seen.add(pod.metadata.name);
          cronJob.pods.push(pod);
          parents.get(pod.metadata.name)?.push(workloadKey('CronJob', cronJob.object.metadata.name));
        }
      }
    }
    cronJob.pods.sort(byName);
    (cronJob as { selector: string | undefined }).selector = cronJobSelector(cronJob.object, jobs);
  }
  loose.sort(byName);

  const groups: GroupEntry[] = [];
  for (const kind of WORKLOAD_KINDS) {
    const list = byKind.get(kind) ?? [];
    if (list.length > 0) groups.push({ kind, workloads: list, pods: [] });
  }
  if (loose.length > 0) groups.push({ kind: 'Pod', workloads: [], pods: loose });
  return { groups, pods: podMap, parents, workloads: entries };
}

/**
 * A selector for a CronJob's pods: the labels of its job template's pods when it sets some
 * (then pods of Jobs that start later match too), else the controller-uid selectors of the
 * Jobs it owns now, joined as one `in` requirement.
 */
function cronJobSelector(cronJob: WorkloadJson, jobs: readonly WorkloadJson[]): string | undefined {
  const templateLabels = cronJob.spec?.jobTemplate?.spec?.template?.metadata?.labels;
  if (templateLabels && Object.keys(templateLabels).length > 0) return selectorToString({ matchLabels: templateLabels });
  const values = new Map<string, string[]>();
  for (const job of jobs) {
    const matchLabels = job.spec?.selector?.matchLabels ?? {};
    const keys = Object.keys(matchLabels);
    if (keys.length !== 1 || job.spec?.selector?.matchExpressions?.length) return undefined;
    const key = keys[0] ?? '';
    values.set(key, [...(values.get(key) ?? []), matchLabels[key] ?? '']);
  }
  if (values.size !== 1) return undefined;
  const [key, list] = [...values][0] ?? ['', []];
  return selectorToString({ matchExpressions: [{ key, operator: 'In', values: list }] });
}
