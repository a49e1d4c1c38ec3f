/**
 * Errors from the clients bundle are instances of its own classes, so they are read by
 * shape here, not with `instanceof`.
 */
export interface FailureInfo {
  readonly code: string;
  readonly message: string;
  readonly action: string;
}

export function describeFailure(error: unknown): FailureInfo {
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; action?: unknown; name?: unknown };
    const message = typeof e.message === 'string' ? e.message : 'unknown error';
    if (e.name === 'EndpointError') return { code: 'ENDPOINT_INVALID', message, action: 'Fix berth.docker.host, DOCKER_HOST or the Docker context.' };
    if (typeof e.code === 'string' && typeof e.action === 'string') return { code: e.code, message, action: e.action };
    return { code: 'UNKNOWN', message, action: 'See the Berth output channel.' };
  }
  return { code: 'UNKNOWN', message: String(error), action: '' };
}

export function isCancellation(error: unknown): boolean {
  return describeFailure(error).code === 'CANCELLED';
}

/** A failure of a build step, as BuildFailedError carries it. */
export interface FailedStep {
  readonly number: number;
  readonly total: number;
  readonly text: string;
  readonly output: readonly string[];
}

export function failedStepOf(error: unknown): FailedStep | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const step = (error as { step?: unknown }).step;
  if (typeof step !== 'object' || step === null) return undefined;
  const s = step as Partial<FailedStep>;
  return typeof s.number === 'number' && typeof s.total === 'number' && typeof s.text === 'string' ? { number: s.number, total: s.total, text: s.text, output: s.output ?? [] } : undefined;
}
