/**
 * What an exec credential plugin prints (an ExecCredential of client.authentication.k8s.io
 * v1 or v1beta1) turned into a token and/or a client certificate with its expiry, and the
 * redaction applied to anything a plugin or server says before Berth shows or logs it.
 */

/** A credential the plugin returned; the secrets stay in memory only. */
export interface ExecCredential {
  /** apiVersion the plugin answered with. */
  apiVersion: string;
  token?: string;
  /** PEM, as the plugin printed it (not base64 like the kubeconfig's `-data` fields). */
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Epoch milliseconds after which the plugin must be run again; absent: valid for the session. */
  expiresAtMs?: number;
}

export type ExecCredentialResult = { ok: true; credential: ExecCredential } | { ok: false; error: string };

const SUPPORTED_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

/**
 * Parses a plugin's stdout at time `nowMs`. Errors (never containing the secrets) for: no
 * output, not JSON, not an ExecCredential, an apiVersion Berth does not speak or other than
 * `expectedApiVersion` (the exec config's), no status, neither a token nor a certificate
 * and key pair, half a pair, an unreadable or past `expirationTimestamp` (running the
 * plugin again at once would loop).
 */
export function parseExecCredential(stdout: string, nowMs: number, expectedApiVersion?: string): ExecCredentialResult {
  const text = stdout.trim();
  if (text === '') return fail('The exec plugin printed nothing on stdout (it should print an ExecCredential as JSON).');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(`The exec plugin's output is not JSON (it should print an ExecCredential): ${preview(text)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('The exec plugin printed JSON that is not an ExecCredential object.');
  const root = value as Record<string, unknown>;
  if (root.kind !== 'ExecCredential') {
    return fail(`The exec plugin printed kind ${describe(root.kind)}, not ExecCredential.`);
  }
  const apiVersion = typeof root.apiVersion === 'string' ? root.apiVersion : '';
  if (!SUPPORTED_VERSIONS.includes(apiVersion)) {
    return fail(`The exec plugin answered with apiVersion ${describe(root.apiVersion)}; Berth supports ${SUPPORTED_VERSIONS.join(' and ')}.`);
  }
  if (expectedApiVersion && expectedApiVersion !== apiVersion) {
    return fail(`The exec plugin is configured for apiVersion ${expectedApiVersion} but answered with ${apiVersion}.`);
  }
  const status = root.status;
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return fail('The exec plugin\'s ExecCredential has no status.');
  const s = status as Record<string, unknown>;
  const credential: ExecCredential = { apiVersion };
  if (typeof s.token === 'string' && s.token !== '') credential.token = s.token;
  const cert = typeof s.clientCertificateData === 'string' && s.clientCertificateData !== '' ? s.clientCertificateData : undefined;
  const key = typeof s.clientKeyData === 'string' && s.clientKeyData !== '' ? s.clientKeyData : undefined;
  if ((cert === undefined) !== (key === undefined)) {
    return fail(`The exec plugin returned a client ${cert ? 'certificate without its key' : 'key without its certificate'}.`);
  }
  if (cert !== undefined && key !== undefined) {
    credential.clientCertificateData = cert;
    credential.clientKeyData = key;
  }
  if (credential.token === undefined && cert === undefined) {
    return fail('The exec plugin returned neither a token nor a client certificate and key.');
  }
  if (s.expirationTimestamp !== undefined && s.expirationTimestamp !== null) {
    const expiresAtMs = typeof s.expirationTimestamp === 'string' ? Date.parse(s.expirationTimestamp) : Number.NaN;
    if (Number.isNaN(expiresAtMs)) return fail(`The exec plugin returned an unreadable expirationTimestamp ${describe(s.expirationTimestamp)}.`);
    if (expiresAtMs <= nowMs) {
      return fail(`The exec plugin returned a credential that already expired (${new Date(expiresAtMs).toISOString()}). Log in again with the tool behind the plugin.`);
    }
    credential.expiresAtMs = expiresAtMs;
  }
  return { ok: true, credential };
}

function fail(error: string): ExecCredentialResult {
  return { ok: false, error };
}

/** A short, redacted, single-line look at unexpected output, so the user sees what came out. */
function preview(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = redactSecrets(text).replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ').trim();
  return JSON.stringify(line.length > 120 ? `${line.slice(0, 119)}…` : line);
}

function describe(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 59)}…` : value);
  return typeof value;
}

// ---- redaction ---------------------------------------------------------------------------

const REDACTED = '[redacted]';

// Every pattern here runs in linear time on hostile input (a 1 MB line of `a.a.a...`): runs
// start only where the previous character cannot continue them, and keys are matched
// atomically (lookahead + backreference), so a failed match never rescans a word.
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/@]+@/gi;
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
// `token: x`, `"access_token":"x"`, `password=x`, `client-key-data: x`, `?id_token=x&`...
const FIELD = /(["']?)(?<![\w.-])(?=([\w.-]+))\2\1(\s*[:=]\s*)("[^"\n]{0,4096}"|'[^'\n]{0,4096}'|[^\s"',;&}]+)/g;
const SECRET_NAME = /token|passw(?:or)?d|pwd|secret|api[_-]?key|key[_-]?data|private[_-]?key/i;
const BLOB = /[A-Za-z0-9+/_-]{41,}={0,2}/g;

/**
 * Removes secrets from text a plugin or server produced before it is shown or logged:
 * private keys in PEM, passwords in URLs, `Bearer`/`Basic` credentials, JWTs, values of
 * fields named like tokens, passwords, secrets or key data, and base64-like blobs longer
 * than 40 characters that mix upper case, lower case and digits (hex digests, UIDs and
 * paths stay readable).
 */
export function redactSecrets(text: string): string {
  return text
    .replace(PRIVATE_KEY, '[redacted private key]')
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(AUTH_SCHEME, `$1$2${REDACTED}`)
    .replace(JWT, '[redacted JWT]')
    .replace(FIELD, (match, quote: string, key: string, separator: string, value: string) => {
      if (!SECRET_NAME.test(key)) return match;
      const valueQuote = value.startsWith('"') || value.startsWith("'") ? value.charAt(0) : '';
      return `${quote}${key}${quote}${separator}${valueQuote}${REDACTED}${valueQuote}`;
    })
    .replace(BLOB, (run) => (looksLikeBlob(run) ? REDACTED : run));
}

function looksLikeBlob(run: string): boolean {
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run) || !/[0-9]/.test(run)) return false;
  // Base64 has a `/` about every 64 characters; a path has short segments between them.
  let longest = 0;
  for (const part of run.split('/')) longest = Math.max(longest, part.length);
  return longest >= 24;
}
