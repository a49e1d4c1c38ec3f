import { Worker } from 'node:worker_threads';
import type { FileFindings } from '../../core/k8s/manifestChecks';
import type { TemplateFinding } from '../../core/k8s/renderedFindings';
import type { ChartCheckResponse, ManifestCheckResponse, ManifestFileText, ManifestWorkerRequest, ManifestWorkerResponse } from './protocol';

/** Raised when the worker did not answer within the deadline; the worker is replaced. */
export class ManifestTimeoutError extends Error {
  constructor(ms: number) {
    super(`Checking Kubernetes manifests took longer than ${ms} ms and was stopped.`);
    this.name = 'ManifestTimeoutError';
  }
}

interface Pending {
  resolve(response: ManifestWorkerResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type Request = ManifestWorkerRequest extends infer R ? R extends unknown ? Omit<R, 'id'> : never : never;

/**
 * Owns the manifest worker thread, started on first use, and the workspace texts it checks
 * against. Texts are sent once and then only as they change; a worker that misses its deadline
 * is terminated, and the next request starts a fresh one with every text again.
 */
export class ManifestService {
  private worker: Worker | undefined;
  /** False until the current worker has every text of `files`. */
  private synced = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Every text the worker should hold. */
  private readonly files = new Map<string, string>();
  /** Changes not sent yet: a text, or undefined for a removal. */
  private readonly changes = new Map<string, string | undefined>();
  private disposed = false;

  constructor(private readonly workerPath: string, private readonly deadlineMs = 10_000) {}

  /** Number of files held, and their total length in UTF-16 code units. */
  stats(): { files: number; chars: number } {
    let chars = 0;
    for (const text of this.files.values()) chars += text.length;
    return { files: this.files.size, chars };
  }

  has(fileName: string): boolean {
    return this.files.has(fileName);
  }

  /** Sets a file's text for later checks (sent with the next request). */
  update(fileName: string, text: string): void {
    if (this.files.get(fileName) === text) return;
    this.files.set(fileName, text);
    this.changes.set(fileName, text);
  }

  remove(fileName: string): void {
    if (!this.files.delete(fileName)) return;
    this.changes.set(fileName, undefined);
  }

  /** Findings of the `report` files (those held), every held file counting for cross-file checks. */
  async check(report: readonly string[], deadlineMs = this.deadlineMs): Promise<{ results: readonly FileFindings[]; elapsedMs: number }> {
    const reset = !this.synced || !this.worker;
    const upserts: ManifestFileText[] = [];
    const removals: string[] = [];
    if (reset) {
      for (const [fileName, text] of this.files) upserts.push({ fileName, text });
    } else {
      for (const [fileName, text] of this.changes) {
        if (text === undefined) removals.push(fileName);
        else upserts.push({ fileName, text });
      }
    }
    this.changes.clear();
    const response = await this.send({ type: 'check', reset, upserts, removals, report }, deadlineMs) as ManifestCheckResponse;
    if (response.error !== undefined) throw new Error(`The manifest checks failed: ${response.error}`);
    return { results: response.results, elapsedMs: response.elapsedMs };
  }

  /** Checks a chart's `helm template` output; `templates` by chart-relative path. */
  async checkChart(rendered: string, templates: Readonly<Record<string, string>>, deadlineMs = this.deadlineMs): Promise<readonly TemplateFinding[]> {
    const response = await this.send({ type: 'chart', rendered, templates }, deadlineMs) as ChartCheckResponse;
    if (response.error !== undefined) throw new Error(`The chart checks failed: ${response.error}`);
    return response.findings;
  }

  private send(request: Request, deadlineMs: number): Promise<ManifestWorkerResponse> {
    if (this.disposed) return Promise.reject(new Error('The manifest service was stopped.'));
    const worker = this.ensureWorker();
    if (request.type === 'check') this.synced = true;
    const id = this.nextId++;
    return new Promise<ManifestWorkerResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ManifestTimeoutError(deadlineMs));
        this.restart();
      }, deadlineMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ ...request, id } satisfies ManifestWorkerRequest);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath);
    worker.on('message', (response: ManifestWorkerResponse) => {
      const entry = this.pending.get(response.id);
      if (!entry) return;
      this.pending.delete(response.id);
      clearTimeout(entry.timer);
      entry.resolve(response);
    });
    worker.on('error', (err) => { if (this.worker === worker) this.drop(); this.failAll(err); });
    worker.on('exit', () => { if (this.worker === worker) this.drop(); });
    // The worker must not keep the extension host (or a test process) alive.
    worker.unref();
    this.worker = worker;
    this.synced = false;
    return worker;
  }

  private drop(): void {
    this.worker = undefined;
    this.synced = false;
  }

  private restart(): void {
    const old = this.worker;
    this.drop();
    this.failAll(new Error('The manifest worker was restarted.'));
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
