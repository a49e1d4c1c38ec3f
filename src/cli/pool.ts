// Worker threads for long file lists: each worker runs this same bundle, reads and lints
// the files it is handed and sends back their findings. The main thread keeps linting
// too whenever no worker is free, so a pool never makes a run slower than no pool.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { LintConfig } from '../core/dockerfile/lint';
import { DockerignoreReader } from './io';
import type { Linted } from './lintFile';
import { lintPath } from './lintFile';

export interface WorkerInit {
  readonly berthLintWorker: true;
  readonly config: LintConfig;
  readonly contextDir: string | undefined;
}

type Request = { readonly id: number; readonly path: string };
type Reply = { readonly ready: true } | { readonly id: number; readonly linted: Linted };

/** True in a thread started by {@link LintPool}. */
export function isLintWorker(): boolean {
  return parentPort !== null && (workerData as Partial<WorkerInit> | null)?.berthLintWorker === true;
}

/** The worker side: answers requests until the pool closes the port. */
export function serveLintRequests(): void {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  const dockerignores = new DockerignoreReader(init.contextDir);
  port.on('message', (request: Request) => {
    void lintPath(request.path, init.config, dockerignores, process.stdin).then((linted) => {
      port.postMessage({ id: request.id, linted } satisfies Reply);
    });
  });
  port.postMessage({ ready: true } satisfies Reply);
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Requests sent and not yet answered, by id. */
  readonly pending: Set<number>;
}

/**
 * Requests queued per worker. A small backlog keeps a worker busy while the main thread
 * is linting and cannot hand out work; more would only delay the files' turn to print.
 */
const BACKLOG = 4;

export class LintPool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, { path: string; resolve: (l: Linted) => void }>();
  private nextId = 0;

  constructor(script: string, size: number, init: Omit<WorkerInit, 'berthLintWorker'>) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script, { workerData: { ...init, berthLintWorker: true } satisfies WorkerInit, stdin: false, stdout: false, stderr: false });
      const slot: Slot = { worker, ready: false, pending: new Set() };
      this.slots.push(slot);
      worker.on('message', (reply: Reply) => {
        if (!('id' in reply)) { slot.ready = true; return; }
        slot.pending.delete(reply.id);
        const request = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        request?.resolve(reply.linted);
      });
      // A worker that dies fails only the files it held; the others and the main thread go on.
      worker.on('error', (err: Error) => { this.retire(slot, `internal error in a lint worker: ${err.message}`); });
      worker.on('exit', () => { this.retire(slot, 'a lint worker stopped unexpectedly'); });
    }
  }

  /** Queues the file on the least busy ready worker, or returns undefined when all are full. */
  tryLint(path: string): Promise<Linted> | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (slot.ready && slot.pending.size < BACKLOG && (!best || slot.pending.size < best.pending.size)) best = slot;
    }
    if (!best) return undefined;
    const id = this.nextId++;
    best.pending.add(id);
    const target = best;
    return new Promise<Linted>((resolve) => {
      this.waiting.set(id, { path, resolve });
      target.worker.postMessage({ id, path } satisfies Request);
    });
  }

  private retire(slot: Slot, reason: string): void {
    slot.ready = false;
    for (const id of slot.pending) {
      const request = this.waiting.get(id);
      this.waiting.delete(id);
      request?.resolve({ path: request.path, findings: undefined, error: reason });
    }
    slot.pending.clear();
  }

  async close(): Promise<void> {
    for (const slot of this.slots) slot.worker.removeAllListeners('exit');
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
