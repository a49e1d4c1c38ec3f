// What a Clusters-view node points at, as handed to commands (tree menus pass the node;
// the palette passes nothing and the command asks). Shared by the tree and the log panel.
import type { WorkloadKind } from '../../core/kube/types';

export type KubeTarget =
  | { kind: 'context'; contextName: string }
  | { kind: 'namespace'; contextName: string; namespace: string }
  | { kind: 'workload'; contextName: string; namespace: string; workloadKind: WorkloadKind; name: string; /** API labelSelector of its pods; undefined for CronJobs without jobs. */ selector?: string }
  | { kind: 'pod'; contextName: string; namespace: string; name: string; containers: string[] }
  | { kind: 'container'; contextName: string; namespace: string; pod: string; container: string };

/** Tree items carry their target so that commands receive it whatever invoked them. */
export interface HasKubeTarget {
  readonly target: KubeTarget;
}

export function kubeTargetOf(arg: unknown): KubeTarget | undefined {
  if (typeof arg !== 'object' || arg === null || !('target' in arg)) return undefined;
  const target = arg.target;
  if (typeof target !== 'object' || target === null || !('kind' in target) || !('contextName' in target)) return undefined;
  return target as KubeTarget; // shape checked above as far as commands rely on it
}
