/**
 * Validators for hadolint's label-schema types: url (RFC 3986 absolute URI), rfc3339,
 * semver (2.0.0), hash (git), spdx (license identifier or expression) and email
 * (RFC 5322 addr-spec). Pure string checks, no I/O.
 */
import { SPDX_EXCEPTION_IDS, SPDX_LICENSE_IDS } from './spdxIds';

const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;

/** An absolute URI as RFC 3986 defines it: `scheme:` then valid characters, `%` escapes and, after `//`, a sane authority. */
export function isValidUrl(value: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(value);
  if (!m) return false;
  const rest = m[2] as string;
  if (!URI_CHARS.test(rest) || /%(?![0-9A-Fa-f]{2})/.test(rest)) return false;
  if (!rest.startsWith('//')) return true;
  const authority = /^\/\/([^/?#]*)/.exec(rest)?.[1] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) return /^\[[0-9A-Fa-f:.vV]+\](:\d*)?$/.test(hostPort);
  if (hostPort.includes('[') || hostPort.includes(']')) return false;
  const colon = hostPort.indexOf(':');
  return colon < 0 || /^\d*$/.test(hostPort.slice(colon + 1));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** An RFC 3339 timestamp: `2024-05-01T12:30:00Z`, with optional fraction and a `Z` or `±hh:mm` offset. */
export function isValidRfc3339(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

const NUMERIC = '0|[1-9]\\d*';
const PRE_ID = `(?:${NUMERIC}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
const SEMVER = new RegExp(`^(?:${NUMERIC})\\.(?:${NUMERIC})\\.(?:${NUMERIC})(?:-${PRE_ID}(?:\\.${PRE_ID})*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`);

/** Semantic Versioning 2.0.0: `1.2.3`, `1.2.3-rc.1+build.5`; no `v` prefix, no leading zeros. */
export function isValidSemver(value: string): boolean {
  return SEMVER.test(value);
}

/** A git commit hash: lower-case hex, short (7) or full SHA-1 (40) or SHA-256 (64). */
export function isValidGitHash(value: string, allowSha256: boolean): boolean {
  if (!/^[0-9a-f]+$/.test(value)) return false;
  return value.length === 7 || value.length === 40 || (allowSha256 && value.length === 64);
}

function isLicenseRef(token: string): boolean {
  return /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(token);
}

/**
 * An SPDX license identifier (case-insensitive, deprecated ones included), or an SPDX
 * license expression: ids joined by AND/OR, `WITH <exception>`, `+` and parentheses.
 */
export function isValidSpdx(value: string): boolean {
  const tokens = value.replace(/[()]/g, (p) => ` ${p} `).trim().split(/\s+/);
  if (tokens.length === 0 || tokens[0] === '') return false;
  let k = 0;
  const license = (): boolean => {
    const token = tokens[k];
    if (token === undefined) return false;
    if (token === '(') {
      k++;
      if (!expression() || tokens[k] !== ')') return false;
      k++;
      return true;
    }
    const id = token.endsWith('+') ? token.slice(0, -1) : token;
    if (!SPDX_LICENSE_IDS.has(id.toLowerCase()) && !isLicenseRef(id)) return false;
    k++;
    if (tokens[k]?.toUpperCase() === 'WITH') {
      k++;
      const exception = tokens[k];
      if (exception === undefined || !SPDX_EXCEPTION_IDS.has(exception.toLowerCase())) return false;
      k++;
    }
    return true;
  };
  const expression = (): boolean => {
    if (!license()) return false;
    while (tokens[k] !== undefined && ['AND', 'OR'].includes((tokens[k] as string).toUpperCase())) {
      k++;
      if (!license()) return false;
    }
    return true;
  };
  return expression() && k === tokens.length;
}

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOT_ATOM = `${ATEXT}(?:\\.${ATEXT})*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const DOMAIN_LITERAL = '\\[[^\\[\\]\\\\\\s]*\\]';
const EMAIL = new RegExp(`^(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|${DOMAIN_LITERAL})$`);

/** An RFC 5322 addr-spec: `local@domain`, dot-atoms or a quoted local part, or a `[literal]` domain. */
export function isValidEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}
