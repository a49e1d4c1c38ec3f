/**
 * Who may receive a registry's credentials. A registry that answers 401 with
 * `Bearer realm="<url>"` asks the client to fetch a token from that URL; a client that
 * sends the registry's Basic credentials wherever the realm points hands them to any host
 * a registry (or whoever answers for it) names (CVE-2020-15157). Berth sends credentials
 * to a realm only on the registry's own host or a known pairing, over TLS unless both
 * are loopback; to any other acceptable realm it asks for an anonymous token.
 */

import type { AuthChallenge } from './challenge';
import { DOCKER_HUB_API_HOST, hostnameOf, isLoopbackHostname } from './reference';

/** Token services that belong to a registry on another host. */
const KNOWN_REALM_HOSTS: Readonly<Record<string, readonly string[]>> = {
  [DOCKER_HUB_API_HOST]: ['auth.docker.io'],
};

export type TokenPlan =
  /** Ask the realm for a token with the registry's credentials (when there are any). */
  | { readonly kind: 'withCredentials'; readonly url: string; readonly service: string | undefined; readonly scope: string }
  /** Ask the realm for a token without credentials; `withheld` says why credentials were not offered. */
  | { readonly kind: 'anonymous'; readonly url: string; readonly service: string | undefined; readonly scope: string; readonly withheld: string }
  /** Do not contact the realm at all. */
  | { readonly kind: 'refused'; readonly reason: string };

/** The pull scope of a repository, as the token services take it. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/**
 * Decides how to answer a Bearer challenge from `registryHost` (host with port) for a pull
 * of `repository`. The realm's `service` is passed on; the scope is Berth's own (pull of
 * the repository asked), never a wider one the challenge may name.
 */
export function planTokenRequest(registryHost: string, challenge: AuthChallenge, repository: string): TokenPlan {
  const realm = challenge.params.realm;
  if (realm === undefined || realm === '') return { kind: 'refused', reason: `${registryHost} asked for a token but named no token service.` };
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return { kind: 'refused', reason: `${registryHost} named a token service that is not a URL.` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { kind: 'refused', reason: `${registryHost} named a token service with the scheme ${url.protocol}, not https.` };
  if (url.username !== '' || url.password !== '') return { kind: 'refused', reason: `${registryHost} named a token service URL with a user name in it.` };
  const realmHost = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const registryName = hostnameOf(registryHost);
  const realmLoopback = isLoopbackHostname(realmHost);
  // Plain http is acceptable only on this machine, and only for a registry on this machine.
  if (url.protocol === 'http:' && !(realmLoopback && isLoopbackHostname(registryName))) {
    return { kind: 'refused', reason: `${registryHost} named the token service ${url.host} over plain http; Berth fetches tokens over https only.` };
  }
  const service = challenge.params.service;
  const scope = pullScope(repository);
  if (service !== undefined) url.searchParams.set('service', service);
  url.searchParams.set('scope', scope);
  const sameHost = realmHost === registryName;
  const paired = KNOWN_REALM_HOSTS[registryName.toLowerCase()]?.includes(realmHost) ?? false;
  if (sameHost || paired) return { kind: 'withCredentials', url: url.toString(), service, scope };
  return {
    kind: 'anonymous',
    url: url.toString(),
    service,
    scope,
    withheld: `${registryHost} sent Berth to the token service ${url.host}, another host: its credentials were not sent there.`,
  };
}

/** The form of an OAuth2 refresh-token request (an identity token from `docker login`). */
export function refreshTokenForm(refreshToken: string, service: string | undefined, scope: string): string {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'berth', scope });
  if (service !== undefined) form.set('service', service);
  return form.toString();
}

/**
 * The bearer token in a token service's JSON reply (`token`, or OAuth2's `access_token`).
 * Undefined for anything else, or for a token that could not travel in a header.
 */
export function parseTokenResponse(body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as { token?: unknown; access_token?: unknown };
  const token = typeof record.token === 'string' && record.token !== '' ? record.token : record.access_token;
  return typeof token === 'string' && /^[\x21-\x7e]{1,16384}$/.test(token) ? token : undefined;
}
