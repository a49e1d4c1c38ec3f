// Edits of kubeconfig files the way kubectl's `config use-context` / `set-context --namespace`
// would make them, but touching only the one key: the YAML Document API keeps comments, key
// order and everything else, and the file is replaced atomically with its mode kept (a
// kubeconfig holds credentials and is usually 0600).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, stringify } from 'yaml';
import type { Document, YAMLMap } from 'yaml';
import type { KubeconfigSource } from '../../core/kube/types';

/** What the vscode layer calls; exported by dist/kube.js next to KubeClientsModule. */
export interface KubeconfigWriter {
  setCurrentContext(sources: readonly KubeconfigSource[], contextName: string): Promise<KubeconfigEdit>;
  setContextNamespace(sources: readonly KubeconfigSource[], contextName: string, namespace: string): Promise<KubeconfigEdit>;
}

export interface KubeconfigEdit {
  /** The file that was written (the symlink's target when the listed path is a link). */
  path: string;
}

/** A Kubernetes namespace name: an RFC 1123 label. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function readable(sources: readonly KubeconfigSource[]): (KubeconfigSource & { text: string })[] {
  return sources.filter((s): s is KubeconfigSource & { text: string } => s.text !== undefined);
}

function parse(source: KubeconfigSource & { text: string }): Document.Parsed {
  const doc = parseDocument(source.text);
  if (doc.errors.length > 0) {
    throw new Error(`${source.path} is not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? 'parse error'}); Berth does not rewrite it.`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) throw new Error(`${source.path} is not a kubeconfig (its top level is not a mapping).`);
  return doc;
}

/** The `contexts` entry named `contextName` in a parsed file, if the file defines it. */
function findContext(doc: Document.Parsed, contextName: string): YAMLMap | undefined {
  const contexts = doc.get('contexts', true);
  if (!isSeq(contexts)) return undefined;
  for (const item of contexts.items) {
    if (isMap(item) && item.get('name') === contextName) return item;
  }
  return undefined;
}

function definesCurrentContext(doc: Document.Parsed): boolean {
  const value = doc.get('current-context');
  return typeof value === 'string' && value !== '';
}

/** Writes `text` to `source.path` if the file still holds what was read; temp file + rename. */
async function replaceFile(source: KubeconfigSource & { text: string }, text: string): Promise<KubeconfigEdit> {
  const target = await fs.realpath(source.path);
  const [onDisk, stat] = await Promise.all([fs.readFile(target, 'utf8'), fs.stat(target)]);
  if (onDisk !== source.text) {
    throw new Error(`${source.path} changed since Berth read it; nothing was written. Refresh the Clusters view and try again.`);
  }
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.berth-${process.pid}-${Date.now().toString(36)}.tmp`);
  try {
    await fs.writeFile(temp, text, { encoding: 'utf8', mode: stat.mode & 0o777, flag: 'wx' });
    // writeFile's mode is filtered by the umask; the copy must keep the original's exactly.
    await fs.chmod(temp, stat.mode & 0o777);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  return { path: target };
}

/**
 * Sets `current-context` in the file that defines it (with kubectl's merge rules that file
 * wins), or in the first readable file when none does. Refuses when the file changed on disk
 * since it was read, or when no file defines the context.
 */
export async function setCurrentContext(sources: readonly KubeconfigSource[], contextName: string): Promise<KubeconfigEdit> {
  const files = readable(sources).map((source) => ({ source, doc: parse(source) }));
  if (!files.some((f) => findContext(f.doc, contextName) !== undefined)) {
    throw new Error(`No kubeconfig file defines the context "${contextName}".`);
  }
  const target = files.find((f) => definesCurrentContext(f.doc)) ?? files[0];
  if (!target) throw new Error('There is no readable kubeconfig file to write.');
  if (target.doc.contents === null) {
    // An empty (or comments-only) file: keep its text and add the one key.
    const text = target.source.text;
    return replaceFile(target.source, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${stringify({ 'current-context': contextName })}`);
  }
  target.doc.set('current-context', contextName);
  return replaceFile(target.source, target.doc.toString());
}

/**
 * Sets the default namespace of `contextName` in the file that defines that context (the
 * first one, as merged). An empty namespace removes the key, so the context falls back to
 * `default`.
 */
export async function setContextNamespace(sources: readonly KubeconfigSource[], contextName: string, namespace: string): Promise<KubeconfigEdit> {
  if (namespace !== '' && (namespace.length > 63 || !NAMESPACE_NAME.test(namespace))) {
    throw new Error(`"${namespace}" is not a valid namespace name.`);
  }
  for (const source of readable(sources)) {
    const doc = parse(source);
    const entry = findContext(doc, contextName);
    if (!entry) continue;
    const body = entry.get('context', true);
    if (isMap(body)) {
      if (namespace === '') body.delete('namespace');
      else body.set('namespace', namespace);
    } else if (body === undefined || body === null || (isScalar(body) && body.value === null)) {
      // `context:` left empty: a fresh mapping, as kubectl would write.
      if (namespace !== '') entry.set('context', doc.createNode({ namespace }));
    } else {
      throw new Error(`The context "${contextName}" in ${source.path} has no mapping under "context"; Berth does not rewrite it.`);
    }
    return replaceFile(source, doc.toString());
  }
  throw new Error(`No kubeconfig file defines the context "${contextName}".`);
}
