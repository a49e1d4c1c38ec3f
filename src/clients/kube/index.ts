// The entry of dist/kube.js, required by the vscode layer on first use (never at activation):
// it holds @kubernetes/client-node and everything that talks to an API server.
import type { KubeClientsModule } from './api';
import { loadKubeconfig } from './config';
import { toKubeFailure } from './errors';

export { loadKubeconfig, toKubeFailure };

/** The module as the vscode layer sees it. */
export const kubeClients: KubeClientsModule = { loadKubeconfig, toKubeFailure };
export { setContextNamespace, setCurrentContext } from './kubeconfigWrite';

// The Helm adapters share the bundle: they read releases through the Kubernetes connection.
export { helmClients, HelmError, isHelmError } from '../helm/index';
export { RolloutWatcher, waitForRollout, RolloutError } from './rollout';
