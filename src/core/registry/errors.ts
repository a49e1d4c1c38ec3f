/**
 * What a failed registry exchange means for the user: a code from types.ts, a message
 * that names the registry and the cause, and what to do. Pure: the client supplies the
 * HTTP status and body, or the Node error code.
 */

import type { RegistryErrorCode } from './types';

export interface RegistryFailure {
  readonly code: RegistryErrorCode;
  readonly message: string;
  readonly action: string;
}

/** One entry of the `{"errors":[…]}` body of the Registry API. */
export interface RegistryApiError {
  readonly code: string;
  readonly message: string;
}

const MAX_QUOTED = 200;

/** Registry text shown to the user: one line, printable, bounded. */
export function quoteRegistryText(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}…` : line;
}

/** The error entries of a Registry API error body; empty when it is not one. */
export function parseRegistryErrors(body: string): RegistryApiError[] {
  try {
    const value = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(value.errors)) return [];
    return (value.errors as unknown[]).flatMap((e) => {
      if (typeof e !== 'object' || e === null) return [];
      const { code, message } = e as { code?: unknown; message?: unknown };
      return typeof code === 'string' ? [{ code, message: typeof message === 'string' ? message : '' }] : [];
    });
  } catch {
    return [];
  }
}

function said(errors: readonly RegistryApiError[]): string {
  const first = errors[0];
  if (!first) return '';
  return `: ${quoteRegistryText(first.message !== '' ? `${first.code} ${first.message}` : first.code)}`;
}

/**
 * The failure for an HTTP status the registry answered a manifest request with.
 * `authenticated` tells whether the registry's credentials were presented (an anonymous
 * token does not count: Docker Hub refuses it for repositories that do not exist, too).
 */
export function failureForStatus(status: number, body: string, registry: string, reference: string, authenticated: boolean): RegistryFailure {
  const errors = parseRegistryErrors(body);
  const codes = new Set(errors.map((e) => e.code));
  if (status === 404 || codes.has('MANIFEST_UNKNOWN') || codes.has('NAME_UNKNOWN')) {
    return { code: 'NOT_FOUND', message: `${registry} has no image ${reference}${said(errors)}.`, action: 'Check the repository name and tag.' };
  }
  if (status === 401 || status === 403 || codes.has('UNAUTHORIZED') || codes.has('DENIED')) {
    return authenticated
      ? { code: 'UNAUTHORIZED', message: `${registry} refused access to ${reference} with the credentials Berth has${said(errors)}.`, action: `Log in again (docker login ${registry}), or check that the account may pull this repository.` }
      : { code: 'UNAUTHORIZED', message: `${registry} refused an anonymous pull of ${reference}: it needs credentials, or it does not exist${said(errors)}.`, action: `Check the name; for a private image, log in with "docker login ${registry}".` };
  }
  if (status === 429 || codes.has('TOOMANYREQUESTS')) {
    return { code: 'BAD_RESPONSE', message: `${registry} is rate-limiting requests (HTTP 429)${said(errors)}.`, action: 'Try again later; logging in raises Docker Hub\'s pull limit.' };
  }
  if (status >= 500) {
    return { code: 'BAD_RESPONSE', message: `${registry} failed with HTTP ${status}${said(errors)}.`, action: 'The registry has a problem; try again later.' };
  }
  return { code: 'BAD_RESPONSE', message: `${registry} answered HTTP ${status} for ${reference}${said(errors)}.`, action: 'Check the registry address.' };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'EADDRNOTAVAIL']);
const TLS_CODES = /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|EPROTO$|ERR_OSSL_)/;

/** The failure for a Node network error (`error.code`) on the way to `host`. */
export function failureForNetwork(errorCode: string | undefined, detail: string, host: string): RegistryFailure {
  if (errorCode !== undefined && TLS_CODES.test(errorCode)) {
    return { code: 'TLS', message: `The TLS connection to ${host} failed (${errorCode}).`, action: 'Check the registry\'s certificate; registries other than on this machine are contacted over https only.' };
  }
  if (errorCode === 'ENOTFOUND' || errorCode === 'EAI_AGAIN') {
    return { code: 'UNREACHABLE', message: `The registry host ${host} could not be resolved (${errorCode}).`, action: 'Check the registry name and the network connection.' };
  }
  if (errorCode !== undefined && UNREACHABLE_CODES.has(errorCode)) {
    return { code: 'UNREACHABLE', message: `Cannot reach the registry ${host} (${errorCode}).`, action: 'Check that the registry is running and reachable from this machine.' };
  }
  return { code: 'UNREACHABLE', message: `Cannot reach the registry ${host}: ${quoteRegistryText(detail)}.`, action: 'Check the network connection.' };
}
