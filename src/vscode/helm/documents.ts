import * as vscode from 'vscode';
import { stringify } from 'yaml';
import type { HelmRelease } from '../../core/helm/types';
import type { HelmProvider } from './helmProvider';
import { documentPath, parseDocumentQuery } from './model';
import type { HelmDocumentAddress } from './model';

export const HELM_SCHEME = 'berth-helm';

/** Releases decoded recently: a few, so that manifests of big releases do not pile up. */
const MAX_CACHED_RELEASES = 24;

/**
 * Decoded revision histories, read from Helm's storage Secrets through the context's pinned
 * connection (no helm process). Shared by the tree, the documents and the commands; the tree
 * forgets a release when a watch says one of its Secrets changed.
 */
export class ReleaseStore {
  private readonly cache = new Map<string, Promise<HelmRelease[]>>();

  constructor(private readonly helm: HelmProvider) {}

  private static key(contextName: string, namespace: string, name: string): string {
    return [contextName, namespace, name].join('\u0000');
  }

  /** Every stored revision, newest first. */
  history(contextName: string, namespace: string, name: string, options: { fresh?: boolean; signal?: AbortSignal } = {}): Promise<HelmRelease[]> {
    const key = ReleaseStore.key(contextName, namespace, name);
    const cached = this.cache.get(key);
    if (cached && !options.fresh) {
      // Most recently used last, so the oldest is dropped first.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const loading = (async () => {
      const connection = await this.helm.kube.connection(contextName);
      const history = await this.helm.clients().releaseHistory(connection, namespace, name, options.signal);
      return [...history].sort((a, b) => b.revision - a.revision);
    })();
    loading.catch(() => { if (this.cache.get(key) === loading) this.cache.delete(key); });
    this.cache.set(key, loading);
    while (this.cache.size > MAX_CACHED_RELEASES) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return loading;
  }

  /** One revision, or undefined when it is not stored (any more). */
  async revision(contextName: string, namespace: string, name: string, revision: number): Promise<HelmRelease | undefined> {
    const history = await this.history(contextName, namespace, name);
    return history.find((r) => r.revision === revision) ?? (await this.history(contextName, namespace, name, { fresh: true })).find((r) => r.revision === revision);
  }

  /** A failure reading releases, in one line. */
  describe(error: unknown): string {
    return this.helm.kube.failureOf(error).message;
  }

  /** Forgets one release, or every release of a context (and namespace). */
  invalidate(contextName: string, namespace?: string, name?: string): void {
    for (const key of [...this.cache.keys()]) {
      const [c, n, r] = key.split('\u0000');
      if (c === contextName && (namespace === undefined || n === namespace) && (name === undefined || r === name)) this.cache.delete(key);
    }
  }
}

/** The text of one part of a revision, as the read-only documents show it. */
export function releasePartText(release: HelmRelease, part: 'values' | 'computed' | 'manifest' | 'notes'): string {
  switch (part) {
    case 'values':
      return Object.keys(release.values).length === 0 ? '# No user-supplied values: the chart\'s defaults apply.\n' : stringify(release.values);
    case 'computed':
      return release.computedValues ? stringify(release.computedValues) : '# The stored release carries no chart values.\n';
    case 'manifest':
      return release.manifest.endsWith('\n') || release.manifest === '' ? release.manifest : `${release.manifest}\n`;
    case 'notes':
      return release.notes ?? 'This chart has no NOTES.txt.\n';
  }
}

const PART_TITLES: Readonly<Record<'values' | 'computed' | 'manifest' | 'notes', string>> = {
  values: 'user-supplied values',
  computed: 'computed values',
  manifest: 'manifest',
  notes: 'notes',
};

/**
 * The `berth-helm:` read-only documents: a revision's values, computed values, manifest or
 * notes (read again when opened), and text Berth produced (template previews, dry runs) kept
 * in memory while open.
 */
export class HelmDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly memory = new Map<string, string>();
  private nextId = 1;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ReleaseStore) {
    this.subscription = vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme !== HELM_SCHEME) return;
      const address = parseDocumentQuery(doc.uri.query);
      // Previews stay while the template preview keeps them; diff sides go with their editor.
      if (address?.kind === 'memory' && address.id.startsWith('m')) this.memory.delete(address.id);
    });
  }

  static uri(address: HelmDocumentAddress, title?: string): vscode.Uri {
    const { path, query } = documentPath(address, title);
    return vscode.Uri.from({ scheme: HELM_SCHEME, path, query });
  }

  /** A new in-memory document (`title` names its tab). `stable`: an id reused for updates (template previews). */
  put(text: string, title: string, stable?: string): vscode.Uri {
    const id = stable ?? `m${this.nextId++}`;
    this.memory.set(id, text);
    const uri = HelmDocuments.uri({ kind: 'memory', id }, title);
    if (stable) this.changed.fire(uri);
    return uri;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const address = parseDocumentQuery(uri.query);
    if (!address) return '# Berth: this address does not name a Helm document.\n';
    if (address.kind === 'memory') return this.memory.get(address.id) ?? '# Berth: this document is no longer available; run the command again.\n';
    const { contextName, namespace, release, revision, part } = address;
    try {
      const found = await this.store.revision(contextName, namespace, release, revision);
      if (!found) return `# Revision ${revision} of release ${release} is not stored in ${contextName}/${namespace} (any more).\n`;
      const body = releasePartText(found, part);
      if (part === 'notes') return body;
      return `# ${release} revision ${revision} (${found.status}), ${PART_TITLES[part]} — context ${contextName}, namespace ${namespace}. Read-only.\n${body}`;
    } catch (error) {
      return `# Berth could not read release ${release} from ${contextName}/${namespace}:\n# ${this.store.describe(error)}\n`;
    }
  }

  /** Opens a document read-only with the right language. */
  async open(uri: vscode.Uri, language: 'yaml' | 'plaintext', options: { preview?: boolean; beside?: boolean } = {}): Promise<void> {
    const existing = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (existing) this.changed.fire(uri);
    const document = await vscode.languages.setTextDocumentLanguage(existing ?? (await vscode.workspace.openTextDocument(uri)), language);
    await vscode.window.showTextDocument(document, { preview: options.preview ?? true, ...(options.beside ? { viewColumn: vscode.ViewColumn.Beside } : {}) });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.memory.clear();
  }
}
