// The helm adapters, bundled into dist/kube.js with the Kubernetes clients (re-exported from
// src/clients/kube/index.ts by the lead) and required by the vscode layer on first use.
import type { HelmClientsModule } from './api';
import { findHelm } from './cli';
import { listReleases, releaseHistory } from './releases';

export { HelmError, isHelmError } from './errors';
export { findHelm, listReleases, releaseHistory };

/** The module as the vscode layer sees it. */
export const helmClients: HelmClientsModule = { findHelm, listReleases, releaseHistory };
