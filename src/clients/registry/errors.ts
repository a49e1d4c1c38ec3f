import type { RegistryErrorCode } from '../../core/registry/types';

/** A failed registry lookup, with a code from core/registry/types.ts and what to do about it. */
export class RegistryError extends Error {
  constructor(readonly code: RegistryErrorCode, message: string, readonly action: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

export function isRegistryError(error: unknown): error is RegistryError {
  return error instanceof RegistryError;
}
