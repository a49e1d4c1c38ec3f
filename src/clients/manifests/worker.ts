// The manifest worker: runs the Kubernetes manifest checks off the extension host's event loop
// (their first run costs over 100 ms of compilation, a workspace of manifests more on each edit).
import { parentPort } from 'node:worker_threads';
import type { ManifestWorkerRequest } from './protocol';
import { ManifestWorkspace, answer } from './workspaceSet';

const workspace = new ManifestWorkspace();

parentPort?.on('message', (request: ManifestWorkerRequest) => {
  parentPort?.postMessage(answer(workspace, request));
});
