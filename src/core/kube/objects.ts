// Structural subsets of the Kubernetes API objects Berth reads, as they arrive in JSON.
// The clients layer returns the server's JSON untouched (no SDK classes, no date parsing),
// so these describe only the fields core and the tree look at; every field is optional
// because a server of another version may omit it.
import type { ObjectMeta } from './types';

export interface ContainerStateJson {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number; message?: string; finishedAt?: string; startedAt?: string };
}

export interface ContainerStatusJson {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  started?: boolean;
  state?: ContainerStateJson;
  lastState?: ContainerStateJson;
}

export interface ContainerSpecJson {
  name: string;
  image?: string;
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** `Always` on an init container makes it a sidecar (Kubernetes 1.29+). */
  restartPolicy?: string;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
}

export interface PodJson {
  kind?: string;
  apiVersion?: string;
  metadata: ObjectMeta;
  spec?: {
    nodeName?: string;
    containers?: ContainerSpecJson[];
    initContainers?: ContainerSpecJson[];
    restartPolicy?: string;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    hostIP?: string;
    startTime?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
    containerStatuses?: ContainerStatusJson[];
    initContainerStatuses?: ContainerStatusJson[];
  };
}

export interface LabelSelectorJson {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Deployment, StatefulSet, DaemonSet, Job or CronJob: the union of the fields the tree reads. */
export interface WorkloadJson {
  kind?: string;
  apiVersion?: string;
  metadata: ObjectMeta;
  spec?: {
    replicas?: number;
    selector?: LabelSelectorJson;
    paused?: boolean;
    suspend?: boolean;
    schedule?: string;
    parallelism?: number;
    completions?: number;
    template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: ContainerSpecJson[] } };
    jobTemplate?: { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } };
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    observedGeneration?: number;
    // DaemonSet
    desiredNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    // Job: a count of active pods; CronJob: the list of active Jobs.
    active?: number | { name?: string; namespace?: string; uid?: string }[];
    succeeded?: number;
    failed?: number;
    completionTime?: string;
    // CronJob
    lastScheduleTime?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface NamespaceJson {
  metadata: ObjectMeta;
  status?: { phase?: string };
}
