/**
 * Kubeconfig files merged with kubectl's rules (client-go's ClientConfigLoadingRules):
 * KUBECONFIG is a list of paths, empty entries and missing files are skipped, the first
 * file to define a cluster, user or context name wins (later definitions are dropped whole,
 * even their fields the first one lacks), `current-context` comes from the first file that
 * sets one, and relative file paths are resolved against the directory of the file that
 * names them. Unlike client-go's loader (and client-node, which throws on a duplicate
 * name), nothing here throws: every problem becomes a warning and the rest still loads.
 * Pure: the caller reads the files.
 */
import { parseDocument } from 'yaml';
import { sanitizeServerText } from './failures';
import type { ExecConfig, KubeCluster, KubeContext, KubeUser, KubeconfigSource, MergedKubeconfig } from './types';

/**
 * The kubeconfig files to read, in precedence order. `value` is KUBECONFIG (or Berth's
 * `berth.kube.kubeconfig` setting), split on `delimiter` (`:`; `;` on Windows, where a
 * double-quoted part may contain `;`). Empty entries and repeated paths are dropped, as
 * client-go does. Unset or empty: `[defaultPath]` (`~/.kube/config`). A value made only of
 * delimiters gives no file at all, again like kubectl.
 */
export function splitKubeconfigPaths(value: string | undefined, delimiter: ':' | ';', defaultPath: string): string[] {
  if (value === undefined || value === '') return [defaultPath];
  const parts = delimiter === ';' ? splitQuotedList(value) : value.split(':');
  const seen = new Set<string>();
  const paths: string[] = [];
  for (const part of parts) {
    if (part === '' || seen.has(part)) continue;
    seen.add(part);
    paths.push(part);
  }
  return paths;
}

/** Go's filepath.SplitList on Windows: `;` separates, double quotes protect and are removed. */
function splitQuotedList(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

interface Origin<T> {
  entry: T;
  path: string;
}

/**
 * Merges kubeconfig files given in precedence order. Never throws: a file that cannot be
 * read or parsed, an entry without a name, a duplicate name and a context naming a cluster
 * or user nobody defines each become a line in `warnings` (which never contains secrets:
 * YAML errors are reported by line and column, without the offending text).
 */
export function mergeKubeconfigs(sources: KubeconfigSource[]): MergedKubeconfig {
  const warnings: string[] = [];
  const clusters = new Map<string, Origin<KubeCluster>>();
  const users = new Map<string, Origin<KubeUser>>();
  const contexts = new Map<string, Origin<KubeContext>>();
  let currentContext: string | undefined;

  for (const source of sources) {
    if (source.readError !== undefined) {
      warnings.push(`Cannot read kubeconfig ${source.path}: ${sanitizeServerText(source.readError)}. Its contexts are not loaded.`);
      continue;
    }
    if (source.text === undefined) {
      warnings.push(`Kubeconfig ${source.path} does not exist: skipped.`);
      continue;
    }
    const file = readKubeconfigFile(source.path, source.text, warnings);
    if (!file) continue;
    addFirst(clusters, file.clusters, 'Cluster', source.path, warnings);
    addFirst(users, file.users, 'User', source.path, warnings);
    addFirst(contexts, file.contexts, 'Context', source.path, warnings);
    currentContext ??= file.currentContext;
  }

  for (const { entry: context, path } of contexts.values()) {
    const where = `Context ${quote(context.name)} (${path})`;
    if (context.cluster === '') warnings.push(`${where} names no cluster.`);
    else if (!clusters.has(context.cluster)) warnings.push(`${where} names cluster ${quote(context.cluster)}, which no kubeconfig file defines.`);
    if (context.user !== '' && !users.has(context.user)) warnings.push(`${where} names user ${quote(context.user)}, which no kubeconfig file defines.`);
  }
  if (currentContext !== undefined && !contexts.has(currentContext)) {
    warnings.push(`current-context ${quote(currentContext)} is not defined in any kubeconfig file.`);
  }

  const merged: MergedKubeconfig = {
    contexts: [...contexts.values()].map((o) => o.entry),
    clusters: [...clusters.values()].map((o) => o.entry),
    users: [...users.values()].map((o) => o.entry),
    warnings,
  };
  if (currentContext !== undefined) merged.currentContext = currentContext;
  return merged;
}

function addFirst<T extends { name: string }>(target: Map<string, Origin<T>>, entries: T[], what: string, path: string, warnings: string[]): void {
  for (const entry of entries) {
    const first = target.get(entry.name);
    if (first) {
      // Same-file duplicates were already reported (and dropped) by the file reader.
      warnings.push(`${what} ${quote(entry.name)} in ${path} is ignored: ${first.path} defines it first.`);
    } else {
      target.set(entry.name, { entry, path });
    }
  }
}

interface KubeconfigFile {
  clusters: KubeCluster[];
  users: KubeUser[];
  contexts: KubeContext[];
  currentContext?: string;
}

/** One file's entries with relative paths resolved, or undefined when it is unusable. */
function readKubeconfigFile(path: string, text: string, warnings: string[]): KubeconfigFile | undefined {
  const parsed = parseText(text);
  if (!parsed.ok) {
    warnings.push(`Kubeconfig ${path} is not valid YAML or JSON (${parsed.error}). Its contexts are not loaded.`);
    return undefined;
  }
  if (parsed.value === null || parsed.value === undefined) return { clusters: [], users: [], contexts: [] }; // an empty file is an empty config
  const root = asRecord(parsed.value);
  if (!root) {
    warnings.push(`Kubeconfig ${path} is not a kubeconfig (expected a mapping with clusters, users and contexts). Skipped.`);
    return undefined;
  }
  const file: KubeconfigFile = {
    clusters: namedEntries(root, 'clusters', 'cluster', path, warnings).map(({ name, body }) => readCluster(name, body, path)),
    users: namedEntries(root, 'users', 'user', path, warnings).map(({ name, body }) => readUser(name, body, path, warnings)),
    contexts: namedEntries(root, 'contexts', 'context', path, warnings).map(({ name, body }) => readContext(name, body, path)),
  };
  const current = str(root['current-context']);
  if (current) file.currentContext = current;
  return file;
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

function parseText(text: string): Parsed {
  if (text.trim() === '') return { ok: true, value: null };
  if (text.trimStart().startsWith('{')) {
    // JSON kubeconfigs: JSON.parse is stricter than YAML about nothing that matters here and
    // accepts tab indentation, which YAML rejects. On failure YAML gets a go and reports.
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      // fall through
    }
  }
  // prettyErrors off: pretty messages quote the source line, which may hold a token.
  const doc = parseDocument(text, { prettyErrors: false });
  const error = doc.errors[0];
  if (error) return { ok: false, error: `${lineAndColumn(text, error.pos[0])}: ${sanitizeServerText(error.message)}` };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (e) {
    // Alias bombs ("billion laughs") and the like.
    return { ok: false, error: sanitizeServerText(e instanceof Error ? e.message : String(e)) };
  }
}

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${end - lineStart + 1}`;
}

function namedEntries(root: Record<string, unknown>, listKey: string, bodyKey: string, path: string, warnings: string[]): { name: string; body: Record<string, unknown> }[] {
  const list = root[listKey];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    warnings.push(`Kubeconfig ${path}: ${listKey} is not a list. Ignored.`);
    return [];
  }
  const seen = new Set<string>();
  const entries: { name: string; body: Record<string, unknown> }[] = [];
  for (const item of list as unknown[]) {
    const record = asRecord(item);
    const name = record ? str(record.name) : undefined;
    if (!record || !name) {
      warnings.push(`Kubeconfig ${path}: an entry of ${listKey} has no name. Ignored.`);
      continue;
    }
    if (seen.has(name)) {
      // client-go rejects the whole file here; keeping the first definition loses less.
      warnings.push(`Kubeconfig ${path} defines ${bodyKey} ${quote(name)} twice; the first definition is used.`);
      continue;
    }
    seen.add(name);
    entries.push({ name, body: asRecord(record[bodyKey]) ?? {} });
  }
  return entries;
}

function readCluster(name: string, body: Record<string, unknown>, path: string): KubeCluster {
  const cluster: KubeCluster = { name, server: str(body.server) ?? '' };
  const ca = str(body['certificate-authority']);
  if (ca) cluster.certificateAuthority = resolveAgainstFile(path, ca);
  setIf(cluster, 'certificateAuthorityData', str(body['certificate-authority-data']));
  if (bool(body['insecure-skip-tls-verify'])) cluster.insecureSkipTlsVerify = true;
  setIf(cluster, 'tlsServerName', str(body['tls-server-name']));
  setIf(cluster, 'proxyUrl', str(body['proxy-url']));
  return cluster;
}

function readUser(name: string, body: Record<string, unknown>, path: string, warnings: string[]): KubeUser {
  const user: KubeUser = { name };
  const cert = str(body['client-certificate']);
  if (cert) user.clientCertificate = resolveAgainstFile(path, cert);
  setIf(user, 'clientCertificateData', str(body['client-certificate-data']));
  const key = str(body['client-key']);
  if (key) user.clientKey = resolveAgainstFile(path, key);
  setIf(user, 'clientKeyData', str(body['client-key-data']));
  setIf(user, 'token', str(body.token));
  const tokenFile = str(body.tokenFile);
  if (tokenFile) user.tokenFile = resolveAgainstFile(path, tokenFile);
  setIf(user, 'username', str(body.username));
  setIf(user, 'password', str(body.password));
  const exec = asRecord(body.exec);
  if (exec) user.exec = readExec(exec, name, path, warnings);
  const authProvider = asRecord(body['auth-provider']);
  if (authProvider) user.authProviderName = str(authProvider.name) ?? 'unnamed';
  return user;
}

function readExec(exec: Record<string, unknown>, userName: string, path: string, warnings: string[]): ExecConfig {
  let command = str(exec.command) ?? '';
  if (command === '') warnings.push(`Kubeconfig ${path}: the exec section of user ${quote(userName)} has no command.`);
  // Like client-go, only a command with a path separator is a file path; `aws` or
  // `kubelogin` are looked up on PATH and stay as they are.
  if (/[\\/]/.test(command)) command = resolveAgainstFile(path, command);
  const args = Array.isArray(exec.args) ? (exec.args as unknown[]).map((a) => str(a) ?? '') : [];
  const env: ExecConfig['env'] = [];
  if (Array.isArray(exec.env)) {
    for (const item of exec.env as unknown[]) {
      const record = asRecord(item);
      const envName = record ? str(record.name) : undefined;
      if (record && envName) env.push({ name: envName, value: str(record.value) ?? '' });
    }
  }
  const config: ExecConfig = { command, args, env, apiVersion: str(exec.apiVersion) ?? '' };
  setIf(config, 'interactiveMode', str(exec.interactiveMode));
  if (exec.provideClusterInfo !== undefined) config.provideClusterInfo = bool(exec.provideClusterInfo);
  return config;
}

function readContext(name: string, body: Record<string, unknown>, path: string): KubeContext {
  const context: KubeContext = { name, cluster: str(body.cluster) ?? '', user: str(body.user) ?? '', sourcePath: path };
  setIf(context, 'namespace', str(body.namespace));
  return context;
}

// ---- paths -------------------------------------------------------------------------------

/**
 * Resolves `ref` (a path written in the kubeconfig at `file`) against the directory of
 * `file`, as client-go's ResolveLocalPaths does; absolute paths are returned unchanged.
 * Posix paths are joined with `/`; a kubeconfig at a Windows path (`C:\...`, `\\server\...`)
 * gets `\` joins. `.` and `..` segments are normalised.
 */
export function resolveAgainstFile(file: string, ref: string): string {
  if (isAbsolutePath(ref)) return ref;
  const windows = isWindowsPath(file);
  const sep = windows ? '\\' : '/';
  const cut = windows ? Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) : file.lastIndexOf('/');
  const dir = cut < 0 ? '.' : cut === 0 ? sep : file.slice(0, cut);
  return normalizePath(`${dir}${sep}${ref}`, windows);
}

function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || isWindowsPath(p);
}

function normalizePath(p: string, windows: boolean): string {
  let prefix = '';
  let rest = p;
  if (windows) {
    rest = p.replace(/\//g, '\\');
    const drive = /^[A-Za-z]:\\/.exec(rest);
    if (drive) {
      prefix = drive[0];
      rest = rest.slice(prefix.length);
    } else if (rest.startsWith('\\\\')) {
      // \\server\share is the root of a UNC path.
      const parts = rest.slice(2).split('\\');
      prefix = `\\\\${parts[0] ?? ''}\\${parts[1] ?? ''}\\`;
      rest = parts.slice(2).join('\\');
    }
  } else if (p.startsWith('/')) {
    prefix = '/';
    rest = p.slice(1);
  }
  const sep = windows ? '\\' : '/';
  const out: string[] = [];
  for (const part of rest.split(sep)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!prefix) out.push('..'); // a relative path may climb; a root may not
      continue;
    }
    out.push(part);
  }
  const joined = out.join(sep);
  return prefix ? prefix + joined : joined || '.';
}

// ---- loose YAML values -----------------------------------------------------------------------

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Strings, and scalars YAML typed as numbers or booleans (`namespace: 2024`), as text. */
function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** kubectl reads YAML 1.1, where `yes` and `on` are true too. */
function bool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return typeof value === 'string' && /^(true|yes|on|y)$/i.test(value.trim());
}

function setIf<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined && value !== '') target[key] = value;
}

function quote(name: string): string {
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 119)}…` : name);
}
