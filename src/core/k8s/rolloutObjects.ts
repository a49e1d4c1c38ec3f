// Structural subsets of the API objects a rollout view reads beyond those of core/kube/objects:
// ReplicaSets, ControllerRevisions, Events, and the rollout fields of Deployments, StatefulSets
// and DaemonSets. Plain JSON as the server sends it; every field optional except the metadata
// a list always carries.
import type { ContainerSpecJson, LabelSelectorJson, WorkloadJson } from '../kube/objects';
import type { ObjectMeta } from '../kube/types';

/** ObjectMeta plus annotations (revision numbers and change causes live there). */
export interface AnnotatedMeta extends ObjectMeta {
  annotations?: Record<string, string>;
}

/** A condition as the apps controllers write it. */
export interface RolloutConditionJson {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** A pod template: kept whole (as `unknown` beyond the fields read) because undo copies it back verbatim. */
export interface PodTemplateJson {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  spec?: { containers?: ContainerSpecJson[]; initContainers?: ContainerSpecJson[]; [field: string]: unknown };
}

/** A Deployment, StatefulSet or DaemonSet with the fields a rollout needs. */
export interface RolloutWorkloadJson extends WorkloadJson {
  metadata: AnnotatedMeta;
  spec?: NonNullable<WorkloadJson['spec']> & {
    template?: PodTemplateJson;
    minReadySeconds?: number;
    /** Deployment: seconds without progress before Progressing=False/ProgressDeadlineExceeded (API default 600). */
    progressDeadlineSeconds?: number;
    /** Deployment. */
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    /** StatefulSet and DaemonSet. */
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number; maxUnavailable?: number | string; maxSurge?: number | string } };
    revisionHistoryLimit?: number;
    /** StatefulSet: the first pod ordinal (default 0); a partition counts from it. */
    ordinals?: { start?: number };
  };
  status?: NonNullable<WorkloadJson['status']> & {
    /** StatefulSet: names of the ControllerRevisions of the current and the target template. */
    currentRevision?: string;
    updateRevision?: string;
    currentReplicas?: number;
    /** DaemonSet. */
    currentNumberScheduled?: number;
    numberUnavailable?: number;
    numberMisscheduled?: number;
    conditions?: RolloutConditionJson[];
  };
}

export interface ReplicaSetJson {
  kind?: string;
  apiVersion?: string;
  metadata: AnnotatedMeta;
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelectorJson;
    template?: PodTemplateJson;
  };
  status?: {
    replicas?: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    terminatingReplicas?: number;
    observedGeneration?: number;
    conditions?: RolloutConditionJson[];
  };
}

/**
 * A ControllerRevision of a StatefulSet or DaemonSet. `data` is the strategic merge patch that
 * restores the template: `{ spec: { template: { ..., $patch: 'replace' } } }`.
 */
export interface ControllerRevisionJson {
  kind?: string;
  apiVersion?: string;
  metadata: AnnotatedMeta;
  revision: number;
  data?: { spec?: { template?: PodTemplateJson & { $patch?: string } } };
}

/** A core/v1 Event (events.k8s.io fields that core/v1 mirrors are read too). */
export interface EventJson {
  kind?: string;
  apiVersion?: string;
  metadata: ObjectMeta;
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  /** Normal or Warning. */
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  /** RFC 3339 with microseconds; set by newer reporters instead of the timestamps above. */
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}
