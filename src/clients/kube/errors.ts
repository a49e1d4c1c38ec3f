// One error type for everything the Kubernetes clients reject with: it carries a classified
// KubeFailure, so the tree and the log panel never parse messages.
import { classifyFailure } from '../../core/kube/failures';
import type { KubeFailure, KubeFailureCode } from '../../core/kube/types';

export class KubeError extends Error {
  /** Seconds the server asked us to wait (429/503 `Retry-After`), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(readonly failure: KubeFailure, retryAfterSeconds?: number) {
    super(failure.message);
    this.name = 'KubeError';
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get code(): KubeFailureCode {
    return this.failure.code;
  }
}

/** A KubeError built here (not from a server answer), e.g. an incomplete kubeconfig. */
export function kubeError(code: KubeFailureCode, message: string, hint: string): KubeError {
  return new KubeError({ code, message, hint });
}

export function cancelledError(what = 'The request'): KubeError {
  return kubeError('KUBE_CANCELLED', `${what} was cancelled`, 'Run it again when you need it.');
}

function isAbortError(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | null;
  return typeof e === 'object' && e !== null && (e.name === 'AbortError' || e.code === 'ABORT_ERR');
}

/** Classifies anything thrown by this module or by Node's network stack. Never throws. */
export function toKubeFailure(error: unknown, server?: string): KubeFailure {
  if (error instanceof KubeError) return error.failure;
  if (isAbortError(error)) return cancelledError().failure;
  const e = error as { code?: unknown; message?: unknown } | null;
  const errorCode = typeof e === 'object' && e !== null && typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e === 'object' && e !== null && typeof e.message === 'string' ? e.message : String(error);
  return classifyFailure({ errorCode, message, server });
}

/** `error` as a KubeError (unchanged when it already is one). */
export function toKubeError(error: unknown, server?: string): KubeError {
  return error instanceof KubeError ? error : new KubeError(toKubeFailure(error, server));
}
