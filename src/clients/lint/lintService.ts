import { Worker } from 'node:worker_threads';
import type { LintRequest, LintResponse } from './protocol';

/** Raised when the worker did not answer within the deadline; the worker is replaced. */
export class LintTimeoutError extends Error {
  constructor(ms: number) {
    super(`Linting took longer than ${ms} ms and was stopped.`);
    this.name = 'LintTimeoutError';
  }
}

interface Pending {
  resolve(response: LintResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Owns one lint worker thread, started on first use. Requests are answered in order;
 * a request that exceeds the deadline terminates the worker (a fresh one starts on the
 * next request) so that one pathological file cannot block every later lint.
 */
export class LintService {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;

  constructor(private readonly workerPath: string, private readonly deadlineMs = 10_000) {}

  lint(request: Omit<LintRequest, 'id'>, deadlineMs = this.deadlineMs): Promise<LintResponse> {
    if (this.disposed) return Promise.reject(new Error('The lint service was stopped.'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<LintResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LintTimeoutError(deadlineMs));
        this.restart();
      }, deadlineMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ ...request, id } satisfies LintRequest);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath);
    worker.on('message', (response: LintResponse) => {
      const entry = this.pending.get(response.id);
      if (!entry) return;
      this.pending.delete(response.id);
      clearTimeout(entry.timer);
      entry.resolve(response);
    });
    worker.on('error', (err) => { this.failAll(err); this.worker = undefined; });
    worker.on('exit', () => { if (this.worker === worker) this.worker = undefined; });
    // The worker must not keep the extension host (or a test process) alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private restart(): void {
    const old = this.worker;
    this.worker = undefined;
    this.failAll(new Error('The lint worker was restarted.'));
    void old?.terminate();
  }

  private failAll(error: Error): void {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(error);
      this.pending.delete(id);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.restart();
  }
}
