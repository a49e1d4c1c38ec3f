// The shared vocabulary of the Kubernetes features: what the clients layer returns and the
// tree, the log panel and the tests consume. Plain data, no SDK classes, so that core can
// be tested in plain Node and the SDK stays behind the clients bundle.

/** One kubeconfig file as read from disk (or the reason it could not be). */
export interface KubeconfigSource {
  /** Absolute path, as listed in KUBECONFIG or the default `~/.kube/config`. */
  path: string;
  /** File text; undefined when the file is missing (skipped, as kubectl does) or unreadable. */
  text?: string;
  /** Why the file could not be read (permission denied, is a directory...); missing files have none. */
  readError?: string;
}

export interface KubeCluster {
  name: string;
  server: string;
  /** Absolute path to the CA file, or inline base64 data. */
  certificateAuthority?: string;
  certificateAuthorityData?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface ExecConfig {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
  /** `interactiveMode` of the exec config: Never, IfAvailable, Always. */
  interactiveMode?: string;
  provideClusterInfo?: boolean;
}

export interface KubeUser {
  name: string;
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  /** Legacy auth-provider (gcp, azure, oidc): named so that errors can say it is unsupported. */
  authProviderName?: string;
}

export interface KubeContext {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  /** The kubeconfig file this context came from (shown in the tree's tooltip). */
  sourcePath: string;
}

/** KUBECONFIG files merged with kubectl's rules: the first file to define a name wins. */
export interface MergedKubeconfig {
  contexts: KubeContext[];
  clusters: KubeCluster[];
  users: KubeUser[];
  /** current-context of the first file that sets one. */
  currentContext?: string;
  /** Files that were skipped or had problems, and duplicate names that lost. Shown in the log. */
  warnings: string[];
}

/** A failure, classified so that a tree node can say what happened and what to do. */
export type KubeFailureCode =
  | 'KUBE_UNREACHABLE' // connection refused, DNS, timeout
  | 'KUBE_TLS' // unknown CA, hostname mismatch, bad client certificate
  | 'KUBE_AUTH_EXPIRED' // 401, expired client certificate, expired token
  | 'KUBE_FORBIDDEN' // 403 (RBAC)
  | 'KUBE_EXEC_PLUGIN' // exec credential plugin failed or returned nonsense
  | 'KUBE_EXEC_TIMEOUT' // exec plugin did not answer before the deadline (e.g. waiting for a browser login)
  | 'KUBE_NOT_FOUND'
  | 'KUBE_GONE' // 410: watch or continue token expired
  | 'KUBE_CONFIG' // the kubeconfig itself is wrong (missing cluster/user, unreadable file)
  | 'KUBE_CANCELLED'
  | 'KUBE_SERVER' // 5xx, 429
  | 'KUBE_OTHER';

export interface KubeFailure {
  code: KubeFailureCode;
  /** One line for the tree node label, e.g. "Cannot reach https://127.0.0.1:6443: connection refused". */
  message: string;
  /** What to try, for the tooltip. */
  hint: string;
  /** For KUBE_FORBIDDEN: the verb and resource the server refused (e.g. "list", "pods"). */
  verb?: string;
  resource?: string;
  namespace?: string;
  /** HTTP status when the server answered. */
  status?: number;
}

/** The workload kinds the tree shows. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';

/** Minimal object metadata the tree needs. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  /** Bumped by the server on each spec change; compared with status.observedGeneration. */
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

/** A page of a list call, and the resourceVersion to watch from. */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** A watch event after decoding. BOOKMARK carries only a resourceVersion. */
export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; resourceVersion: string };

/** Which collection or object: rendered to an API path by core/kube/paths (resourcePath). */
export interface ResourceRef {
  /** '' for the core group. */
  group: '' | 'apps' | 'batch';
  version: 'v1';
  /** Plural resource name: pods, namespaces, deployments, statefulsets, daemonsets, jobs, cronjobs, secrets... */
  resource: string;
  namespace?: string;
  name?: string;
}

