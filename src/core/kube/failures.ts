/**
 * Kubernetes failures as a small set of codes, each with a one-line message for a tree node
 * and a hint that says what to do. Network and TLS errors arrive as Node error codes, server
 * answers as an HTTP status with a Kubernetes Status body; both land here. Raw server text
 * is sanitised (control characters removed, secrets redacted, length capped) before it
 * reaches a message.
 */
import { redactSecrets } from './execCredential';
import type { KubeFailure, KubeFailureCode } from './types';

/** How the context authenticates: a 401 means something different for each. */
export type CredentialKind = 'client-certificate' | 'token' | 'exec' | 'basic' | 'auth-provider' | 'none';

/** What a failure looked like when it reached the clients layer. */
export interface FailureInput {
  /** HTTP status, when the server answered. */
  status?: number;
  /** The response body (a Kubernetes Status JSON, or whatever a proxy sent). */
  body?: string;
  /**
   * Node's error code (ECONNREFUSED, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID,
   * ERR_SSL_*...), or one of the KUBE_* codes when the clients layer already knows
   * (KUBE_EXEC_TIMEOUT, KUBE_CONFIG, ...); `message` then carries the detail.
   */
  errorCode?: string;
  /** The error's message. */
  message?: string;
  /** The API server URL, named in messages. */
  server?: string;
  /** What was attempted, for 403s: `list`, `pods`, `default`. */
  verb?: string;
  resource?: string;
  namespace?: string;
  /** The credential the context used, so that a 401 can say what to renew. */
  credential?: CredentialKind;
}

const MAX_TEXT = 300;

/**
 * Makes text from a server, a proxy or a plugin safe to show: ANSI escapes and control
 * characters removed, whitespace collapsed, secrets (tokens, JWTs, passwords in URLs)
 * redacted, at most 300 characters.
 */
export function sanitizeServerText(text: string): string {
  // Only the first 300 characters are shown: no need to scan a megabyte for them.
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  const cleaned = redactSecrets(
    head
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return cleaned.length > MAX_TEXT ? `${cleaned.slice(0, MAX_TEXT - 1)}…` : cleaned;
}

const KUBE_CODES = new Set<string>([
  'KUBE_UNREACHABLE', 'KUBE_TLS', 'KUBE_AUTH_EXPIRED', 'KUBE_FORBIDDEN', 'KUBE_EXEC_PLUGIN', 'KUBE_EXEC_TIMEOUT',
  'KUBE_NOT_FOUND', 'KUBE_GONE', 'KUBE_CONFIG', 'KUBE_CANCELLED', 'KUBE_SERVER', 'KUBE_OTHER',
]);

function isKubeCode(code: string | undefined): code is KubeFailureCode {
  return code !== undefined && KUBE_CODES.has(code);
}

/** The fields of a Kubernetes Status object Berth reads. */
interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; retryAfterSeconds?: number };
}

/**
 * Classifies any failure of a call to a Kubernetes API server (or of the exec plugin that
 * gets its credentials) into a KubeFailure with a message and a hint.
 */
export function classifyFailure(input: FailureInput): KubeFailure {
  const server = displayServer(input.server);
  const detail = input.message !== undefined ? sanitizeServerText(input.message) : '';
  const code = input.errorCode;

  if (isKubeCode(code)) return fromKubeCode(code, detail, server, input);
  if (code === 'ABORT_ERR' || code === 'ERR_CANCELED' || /^(AbortError|The operation was aborted)/.test(input.message ?? '')) {
    return cancelled();
  }

  const status = input.status ?? statusFromBody(input.body);
  if (status !== undefined && status >= 400) return fromHttpStatus(status, parseStatusBody(input.body), input, server);

  if (code !== undefined) {
    const byCode = fromNodeCode(code, detail, server, input.credential);
    if (byCode) return byCode;
  }
  const byMessage = fromMessageText(input.message ?? '', detail, server, input.credential);
  if (byMessage) return byMessage;
  return {
    code: 'KUBE_OTHER',
    message: detail ? `Request to ${server} failed: ${detail}` : `Request to ${server} failed.`,
    hint: 'See the Berth output channel for details, then refresh.',
  };
}

function cancelled(): KubeFailure {
  return { code: 'KUBE_CANCELLED', message: 'Cancelled.', hint: 'Refresh to try again.' };
}

/** The server URL without credentials someone put in it, or a placeholder. */
function displayServer(server: string | undefined): string {
  if (!server) return 'the API server';
  return sanitizeServerText(server.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1'));
}

// ---- codes the clients layer decided on ---------------------------------------------------

function fromKubeCode(code: KubeFailureCode, detail: string, server: string, input: FailureInput): KubeFailure {
  const withDetail = (text: string): string => (detail ? `${text}: ${detail}` : `${text}.`);
  switch (code) {
    case 'KUBE_EXEC_PLUGIN':
      return {
        code,
        message: withDetail('The exec credential plugin failed'),
        hint: 'Run the plugin command of this user (exec.command in the kubeconfig) in a terminal to see what it needs, e.g. a login with your cloud CLI, then refresh.',
      };
    case 'KUBE_EXEC_TIMEOUT':
      return {
        code,
        message: withDetail('The exec credential plugin did not answer in time (it may be waiting for a browser or device login)'),
        hint: 'Berth stopped the plugin. Complete the login it asked for (or run its login command in a terminal), then refresh.',
      };
    case 'KUBE_CONFIG':
      return {
        code,
        message: withDetail('The kubeconfig entry cannot be used'),
        hint:
          input.credential === 'auth-provider'
            ? 'Legacy auth-provider plugins (gcp, azure, oidc) were removed from Kubernetes clients: switch the user to the exec plugin of your provider (gke-gcloud-auth-plugin, kubelogin, ...).'
            : 'Check the context, its cluster (server, certificate-authority) and its user in the kubeconfig file shown in the tooltip.',
      };
    case 'KUBE_CANCELLED':
      return cancelled();
    case 'KUBE_UNREACHABLE':
      return { code, message: withDetail(`Cannot reach ${server}`), hint: UNREACHABLE_HINT };
    case 'KUBE_TLS':
      return { code, message: withDetail(`TLS error with ${server}`), hint: CA_HINT };
    case 'KUBE_AUTH_EXPIRED':
      return { code, message: withDetail(`${server} rejected the credentials`), hint: unauthorizedHint(input.credential) };
    case 'KUBE_FORBIDDEN':
      return forbidden(input.verb, input.resource, undefined, input.namespace, undefined, detail, undefined);
    case 'KUBE_NOT_FOUND':
      return { code, message: withDetail('Not found'), hint: NOT_FOUND_HINT };
    case 'KUBE_GONE':
      return { code, message: withDetail('The list or watch expired (410 Gone)'), hint: GONE_HINT };
    case 'KUBE_SERVER':
      return { code, message: withDetail(`${server} failed`), hint: SERVER_HINT };
    case 'KUBE_OTHER':
      return { code, message: detail || `Request to ${server} failed.`, hint: 'See the Berth output channel for details, then refresh.' };
  }
}

// ---- network and TLS --------------------------------------------------------------------

const UNREACHABLE_HINT = 'Check that the cluster is running and that the server address in the kubeconfig is right; a VPN or proxy (proxy-url, HTTPS_PROXY/NO_PROXY) may be needed or in the way.';
const CA_HINT = 'The certificate-authority (or certificate-authority-data) of this cluster in the kubeconfig does not match the server: get the cluster\'s CA again. Turning on insecure-skip-tls-verify hides the problem instead of fixing it.';

const UNKNOWN_CA_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
]);

/** TLS alerts the server sends when it refuses our client certificate during the handshake. */
const CLIENT_CERT_REJECTED_CODES = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

function unreachable(server: string, why: string): KubeFailure {
  return { code: 'KUBE_UNREACHABLE', message: `Cannot reach ${server}: ${why}`, hint: UNREACHABLE_HINT };
}

/** "after 10 s" from a timeout message, so the node can say how long Berth waited. */
function waitedFor(detail: string): string {
  const m = /(\d+(?:\.\d+)?)\s*(ms|s)\b/.exec(detail);
  if (!m?.[1]) return 'no answer in time';
  const seconds = m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
  return `no answer within ${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function fromNodeCode(code: string, detail: string, server: string, credential: CredentialKind | undefined): KubeFailure | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return unreachable(server, 'connection refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return unreachable(server, 'host name not found');
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return unreachable(server, 'no route to host');
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return unreachable(server, 'network unreachable');
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
    case 'ECONNABORTED':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
      return unreachable(server, waitedFor(detail));
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return unreachable(server, 'the connection was closed');
    case 'CERT_HAS_EXPIRED':
      return {
        code: 'KUBE_TLS',
        message: `TLS error with ${server}: the server's certificate has expired`,
        hint: 'The cluster\'s serving certificate must be renewed by its administrator. If it should still be valid, check this machine\'s clock.',
      };
    case 'CERT_NOT_YET_VALID':
      return {
        code: 'KUBE_TLS',
        message: `TLS error with ${server}: the server's certificate is not valid yet`,
        hint: 'Check this machine\'s clock (and the server\'s).',
      };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        code: 'KUBE_TLS',
        message: `TLS error with ${server}: the server's certificate does not name this host${detail ? ` (${detail})` : ''}`,
        hint: 'Use a server address the certificate lists, or set tls-server-name in the cluster entry of the kubeconfig to a name it lists.',
      };
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED':
      return clientCertificateExpired(server);
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_HTTP_REQUEST':
      return {
        code: 'KUBE_TLS',
        message: `TLS error with ${server}: the server does not speak TLS there`,
        hint: 'Check the scheme and port of the server address in the kubeconfig (https:// and the API server\'s secure port).',
      };
    case 'ERR_INVALID_URL':
      return { code: 'KUBE_CONFIG', message: `The server address ${server} is not a valid URL.`, hint: 'Fix the server of this cluster in the kubeconfig (e.g. https://host:6443).' };
    case 'ENOENT':
    case 'EACCES':
    case 'EISDIR':
      return {
        code: 'KUBE_CONFIG',
        message: `A file the kubeconfig names cannot be read${detail ? `: ${detail}` : ''}`,
        hint: 'Check certificate-authority, client-certificate, client-key and tokenFile of this context (relative paths are relative to the kubeconfig file).',
      };
  }
  if (UNKNOWN_CA_CODES.has(code)) {
    return { code: 'KUBE_TLS', message: `TLS error with ${server}: the server's certificate is signed by an unknown authority`, hint: CA_HINT };
  }
  if (CLIENT_CERT_REJECTED_CODES.has(code)) return clientCertificateRejected(server, credential);
  if (code.startsWith('ERR_OSSL_') || code === 'ERR_SSL_PEM_LIB') {
    return {
      code: 'KUBE_CONFIG',
      message: `The certificate or key in the kubeconfig cannot be used${detail ? `: ${detail}` : ''}`,
      hint: 'Check certificate-authority-data, client-certificate-data and client-key-data (base64 of PEM) of this context, and that the key belongs to the certificate.',
    };
  }
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO' || code.startsWith('ERR_TLS_')) {
    return fromMessageText(detail, detail, server, credential) ?? {
      code: 'KUBE_TLS',
      message: `TLS error with ${server}${detail ? `: ${detail}` : ''}`,
      hint: CA_HINT,
    };
  }
  return undefined;
}

function clientCertificateExpired(server: string): KubeFailure {
  return {
    code: 'KUBE_AUTH_EXPIRED',
    message: `${server} rejected the client certificate: it has expired`,
    hint: 'Renew the client certificate of this user (client-certificate or client-certificate-data in the kubeconfig), e.g. by fetching a fresh kubeconfig from your cluster, then refresh.',
  };
}

function clientCertificateRejected(server: string, credential: CredentialKind | undefined): KubeFailure {
  return {
    code: 'KUBE_TLS',
    message: credential === 'client-certificate' || credential === undefined
      ? `TLS error with ${server}: the server rejected the client certificate`
      : `TLS error with ${server}: the server requires a client certificate`,
    hint: 'The client certificate of this user is not signed by a CA the cluster trusts (or is missing): get a fresh kubeconfig for this cluster.',
  };
}

/** Node errors that lost their code on the way (wrapped by a library) still carry the text. */
function fromMessageText(message: string, detail: string, server: string, credential: CredentialKind | undefined): KubeFailure | undefined {
  const pairs: [RegExp, string][] = [
    [/ECONNREFUSED|connection refused/i, 'ECONNREFUSED'],
    [/ENOTFOUND|getaddrinfo/i, 'ENOTFOUND'],
    [/EHOSTUNREACH|no route to host/i, 'EHOSTUNREACH'],
    [/ETIMEDOUT|timed? ?out/i, 'ETIMEDOUT'],
    [/ECONNRESET|socket hang up|connection reset/i, 'ECONNRESET'],
    [/certificate has expired|CERT_HAS_EXPIRED/i, 'CERT_HAS_EXPIRED'],
    [/Hostname\/IP does not match|altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
    [/self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|unknown authority/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
    [/alert certificate expired|SSL alert number 45/i, 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED'],
    [/alert bad certificate|SSL alert number 42|alert certificate required|SSL alert number 116|alert unknown ca|SSL alert number 48/i, 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'],
    [/wrong version number/i, 'ERR_SSL_WRONG_VERSION_NUMBER'],
  ];
  for (const [pattern, code] of pairs) {
    if (pattern.test(message)) return fromNodeCode(code, detail, server, credential);
  }
  return undefined;
}

// ---- HTTP answers -------------------------------------------------------------------------

const NOT_FOUND_HINT = 'It may have been deleted meanwhile: refresh the view.';
const GONE_HINT = 'The server no longer keeps the changes Berth asked for. Berth lists again by itself; refresh if the view looks stale.';
const SERVER_HINT = 'The API server (or a proxy in front of it) failed on its side. Berth retries with backoff; if it keeps failing, check the control plane.';

function statusFromBody(body: string | undefined): number | undefined {
  const code = parseStatusBody(body)?.code;
  return typeof code === 'number' ? code : undefined;
}

function parseStatusBody(body: string | undefined): StatusBody | undefined {
  if (!body?.trimStart().startsWith('{')) return undefined;
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    const details = typeof v.details === 'object' && v.details !== null ? (v.details as Record<string, unknown>) : undefined;
    const status: StatusBody = {};
    if (typeof v.message === 'string') status.message = v.message;
    if (typeof v.reason === 'string') status.reason = v.reason;
    if (typeof v.code === 'number') status.code = v.code;
    if (details) {
      status.details = {};
      if (typeof details.name === 'string') status.details.name = details.name;
      if (typeof details.group === 'string') status.details.group = details.group;
      if (typeof details.kind === 'string') status.details.kind = details.kind;
      if (typeof details.retryAfterSeconds === 'number') status.details.retryAfterSeconds = details.retryAfterSeconds;
    }
    return status;
  } catch {
    return undefined;
  }
}

/** The server's words: the Status message, or a non-JSON body (a proxy's HTML page) as text. */
function serverWords(status: StatusBody | undefined, body: string | undefined): string {
  if (status?.message) return sanitizeServerText(status.message);
  if (body && !body.trimStart().startsWith('{')) return sanitizeServerText(body.replace(/<[^>]*>/g, ' '));
  return '';
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  410: 'Gone', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

function statusLabel(status: number): string {
  const text = STATUS_TEXT[status];
  return text ? `${status} ${text}` : `HTTP ${status}`;
}

/** The resource named by a Status `details.kind` (`pods`) or the caller. */
function describeObject(status: StatusBody | undefined, input: FailureInput): string {
  const kind = status?.details?.kind ?? input.resource;
  const name = status?.details?.name;
  const parts = [kind, name].filter((p): p is string => !!p).map((p) => sanitizeServerText(p));
  return parts.join(' ');
}

function fromHttpStatus(status: number, body: StatusBody | undefined, input: FailureInput, server: string): KubeFailure {
  const words = serverWords(body, input.body);
  if (status === 401) {
    const what = input.credential === 'client-certificate'
      ? 'the client certificate has expired or is not signed by the cluster\'s CA'
      : input.credential === 'basic'
        ? 'the user name or password is wrong'
        : input.credential === 'none'
          ? 'this user has no credentials'
          : 'the token has expired or is invalid';
    return {
      code: 'KUBE_AUTH_EXPIRED',
      message: `${server} rejected the credentials (401 Unauthorized): ${what}`,
      hint: unauthorizedHint(input.credential),
      status,
    };
  }
  if (status === 403) {
    // The server's own words win over what the caller thought it asked for: they name the
    // exact verb, resource, API group and namespace RBAC checked.
    const parsed = parseForbidden(body?.message ?? '');
    const resource = parsed?.resource ?? input.resource ?? body?.details?.kind;
    return {
      ...forbidden(
        parsed?.verb ?? input.verb,
        resource,
        parsed ? parsed.group : body?.details?.group,
        parsed ? parsed.namespace : input.namespace,
        parsed?.user,
        words,
        parsed?.clusterScope,
      ),
      status,
    };
  }
  if (status === 404) {
    const object = describeObject(body, input);
    const notServed = /could not find the requested resource/i.test(words);
    return {
      code: 'KUBE_NOT_FOUND',
      message: notServed
        ? `${server} does not serve ${input.resource ? sanitizeServerText(input.resource) : 'this resource'} (404 Not Found)`
        : object ? `Not found: ${object}${input.namespace ? ` in namespace ${sanitizeServerText(input.namespace)}` : ''}` : words ? `Not found: ${words}` : 'Not found (404).',
      hint: notServed ? 'The cluster\'s Kubernetes version may not have this API, or an API extension is missing.' : NOT_FOUND_HINT,
      status,
    };
  }
  if (status === 410) {
    return { code: 'KUBE_GONE', message: `The list or watch expired (410 Gone)${words ? `: ${words}` : ''}`, hint: GONE_HINT, status };
  }
  if (status === 429) {
    const retry = body?.details?.retryAfterSeconds;
    return {
      code: 'KUBE_SERVER',
      message: `${server} is throttling requests (429 Too Many Requests)`,
      hint: retry !== undefined ? `Berth waits ${retry} s, as the server asks, before trying again.` : 'Berth waits before trying again; API Priority and Fairness on the server limits this user.',
      status,
    };
  }
  if (status >= 500) {
    return { code: 'KUBE_SERVER', message: `${server} failed (${statusLabel(status)})${words ? `: ${words}` : ''}`, hint: SERVER_HINT, status };
  }
  return {
    code: 'KUBE_OTHER',
    message: `${server} refused the request (${statusLabel(status)})${words ? `: ${words}` : ''}`,
    hint: 'See the Berth output channel for the full answer.',
    status,
  };
}

function unauthorizedHint(credential: CredentialKind | undefined): string {
  switch (credential) {
    case 'client-certificate':
      return 'Renew the client certificate of this user (client-certificate or client-certificate-data in the kubeconfig), e.g. by fetching a fresh kubeconfig from your cluster, then refresh.';
    case 'exec':
      return 'Log in again with the tool behind the exec plugin (your cloud CLI, kubelogin, ...), then refresh: Berth asks the plugin for a fresh token.';
    case 'basic':
      return 'Fix username and password of this user in the kubeconfig, then refresh.';
    case 'none':
      return 'The user of this context has no credentials (token, client certificate or exec plugin): add some to the kubeconfig.';
    default:
      return 'Get a fresh token (log in again, or update token/tokenFile in the kubeconfig), then refresh.';
  }
}

interface ParsedForbidden {
  user?: string;
  verb: string;
  resource: string;
  group: string;
  namespace?: string;
  clusterScope: boolean;
}

/**
 * Reads the RBAC denial the API server writes, e.g.
 * `pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"`
 * or `... cannot list resource "namespaces" in API group "" at the cluster scope`.
 */
function parseForbidden(message: string): ParsedForbidden | undefined {
  const m = /cannot ([a-z]+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)?/.exec(message);
  if (!m?.[1] || !m[2]) return undefined;
  const parsed: ParsedForbidden = { verb: m[1], resource: m[2], group: m[3] ?? '', clusterScope: m[4] === undefined && /at the cluster scope/.test(message) };
  if (m[4]) parsed.namespace = m[4];
  const user = /(?:User|ServiceAccount|Group) "([^"]+)"/.exec(message)?.[1];
  if (user) parsed.user = user;
  return parsed;
}

function forbidden(
  verb: string | undefined,
  resource: string | undefined,
  group: string | undefined,
  namespace: string | undefined,
  user: string | undefined,
  words: string,
  clusterScope: boolean | undefined,
): KubeFailure {
  const v = verb ? sanitizeServerText(verb) : undefined;
  const r = resource ? sanitizeServerText(resource) : undefined;
  const ns = namespace ? sanitizeServerText(namespace) : undefined;
  const failure: KubeFailure = { code: 'KUBE_FORBIDDEN', message: '', hint: '' };
  if (v) failure.verb = v;
  if (r) failure.resource = r;
  if (ns) failure.namespace = ns;
  if (!v || !r) {
    failure.message = words ? `Forbidden: ${words}` : 'Forbidden.';
    failure.hint = 'The user of this context lacks an RBAC permission for this request: ask a cluster administrator.';
    return failure;
  }
  const scope = ns ? `in namespace ${ns}` : clusterScope === false ? '' : 'at the cluster scope';
  failure.message = `Forbidden: cannot ${v} ${r}${scope ? ` ${scope}` : ''}`;
  const apiGroup = group ? `API group "${sanitizeServerText(group)}"` : 'the core API group';
  const who = user ? `user ${JSON.stringify(sanitizeServerText(user))}` : 'the user of this context';
  const grant = ns
    ? `a Role in namespace ${ns} (with a RoleBinding) or a ClusterRole`
    : 'a ClusterRole with a ClusterRoleBinding';
  failure.hint =
    `Missing RBAC permission: verb "${v}" on resource "${r}" in ${apiGroup}${ns ? ` in namespace ${ns}` : ''} for ${who}. ` +
    `Ask a cluster administrator for ${grant} that grants it. Check with: kubectl auth can-i ${v} ${r}${ns ? ` -n ${ns}` : ''}`;
  return failure;
}
