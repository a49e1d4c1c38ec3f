/**
 * API paths for the resources Berth reads, with every segment percent-encoded, so that a
 * name with odd characters (from a hostile or broken server, or a typo) can never turn into
 * another path or a query.
 */
import type { ResourceRef } from './types';

/** Query values; undefined entries are left out, booleans become `true`/`false`. */
export type QueryValues = Record<string, string | number | boolean | undefined>;

/**
 * Percent-encodes one path segment. `encodeURIComponent` leaves `.` alone, so a segment made
 * only of dots (`.`, `..`) is encoded too: otherwise an HTTP stack could normalise it away.
 */
function segment(value: string): string {
  const encoded = encodeURIComponent(value);
  return /^\.+$/.test(encoded) ? encoded.replace(/\./g, '%2E') : encoded;
}

function queryString(query: QueryValues | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * The API path of a collection or an object, e.g. `/api/v1/namespaces/default/pods?limit=500`
 * or `/apis/apps/v1/deployments`. An empty `namespace` or `name` counts as absent (all
 * namespaces, the collection), as in client-go.
 */
export function resourcePath(ref: ResourceRef, query?: QueryValues): string {
  let path = ref.group === '' ? `/api/${segment(ref.version)}` : `/apis/${segment(ref.group)}/${segment(ref.version)}`;
  if (ref.namespace) path += `/namespaces/${segment(ref.namespace)}`;
  path += `/${segment(ref.resource)}`;
  if (ref.name) path += `/${segment(ref.name)}`;
  return path + queryString(query);
}

/**
 * The path of a pod's log: `/api/v1/namespaces/{ns}/pods/{pod}/log?container=...&follow=true`.
 */
export function logPath(namespace: string, pod: string, query?: QueryValues): string {
  return `/api/v1/namespaces/${segment(namespace)}/pods/${segment(pod)}/log${queryString(query)}`;
}
