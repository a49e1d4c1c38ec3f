// The lint worker: runs the linter off the extension host's event loop, so that a 1 MB
// or pathological Dockerfile never freezes the editor.
import { parentPort } from 'node:worker_threads';
import { analyse } from './analyse';
import type { LintRequest } from './protocol';

parentPort?.on('message', (request: LintRequest) => {
  parentPort?.postMessage(analyse(request));
});
