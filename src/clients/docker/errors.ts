import { classifyDockerFailure } from '../../core/docker/errors';
import type { DockerErrorCode } from '../../core/docker/errors';

/** A Docker failure with a code from core/docker/errors.ts and what to do about it. */
export class DockerError extends Error {
  constructor(readonly code: DockerErrorCode, message: string, readonly action: string, readonly detail?: string) {
    super(message);
    this.name = 'DockerError';
  }
}

export function isDockerError(error: unknown): error is DockerError {
  return error instanceof DockerError;
}

/** Turns whatever dockerode / Node threw into a DockerError for the endpoint. */
export function toDockerError(error: unknown, endpoint: string, context: { timedOut?: boolean; cancelled?: boolean; midStream?: boolean } = {}): DockerError {
  if (error instanceof DockerError) return error;
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown; json?: unknown; name?: unknown };
  const json = e.json as { message?: unknown } | undefined;
  const engineMessage = typeof json?.message === 'string' ? json.message : undefined;
  const message = engineMessage ?? (typeof e.message === 'string' ? e.message : String(error));
  const classified = classifyDockerFailure(
    {
      code: typeof e.code === 'string' ? e.code : undefined,
      statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
      message,
      timedOut: context.timedOut === true,
      cancelled: context.cancelled === true || (e.name === 'AbortError' && context.timedOut !== true),
      midStream: context.midStream === true,
    },
    endpoint,
  );
  return new DockerError(classified.code, classified.message, classified.action);
}
