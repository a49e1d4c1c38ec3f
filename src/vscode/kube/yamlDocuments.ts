import * as vscode from 'vscode';
import type { ResourceRef } from '../../core/kube/types';
import type { KubeProvider } from './kubeProvider';

export const KUBE_SCHEME = 'berth-kube';

/** One object of one context, as a `berth-kube:` document names it. */
export interface KubeObjectAddress {
  readonly contextName: string;
  readonly ref: ResourceRef;
}

/**
 * The URI of an object's read-only YAML. The path is for people (the tab shows `name.yaml`
 * and the context/namespace/resource folders); the query carries the exact address, so that
 * context names with slashes or colons (EKS ARNs) round-trip.
 */
export function yamlUri(address: KubeObjectAddress): vscode.Uri {
  const { contextName, ref } = address;
  const segments = [contextName, ref.namespace ?? '(cluster)', ref.resource, `${ref.name ?? ref.resource}.yaml`].map(encodeURIComponent);
  const query = new URLSearchParams({ context: contextName, group: ref.group, version: ref.version, resource: ref.resource, namespace: ref.namespace ?? '', name: ref.name ?? '' });
  return vscode.Uri.from({ scheme: KUBE_SCHEME, path: `/${segments.join('/')}`, query: query.toString() });
}

export function addressOf(uri: vscode.Uri): KubeObjectAddress | undefined {
  const query = new URLSearchParams(uri.query);
  const contextName = query.get('context');
  const group = query.get('group');
  const resource = query.get('resource');
  const name = query.get('name');
  if (!contextName || (group !== '' && group !== 'apps' && group !== 'batch') || !resource || !name) return undefined;
  const namespace = query.get('namespace');
  return { contextName, ref: { group, version: 'v1', resource, name, ...(namespace ? { namespace } : {}) } };
}

/**
 * Read-only YAML of cluster objects (describe / open YAML), fetched from the context's own
 * pinned connection each time the document is opened or refreshed.
 */
export class KubeYamlDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly provider: KubeProvider) {}

  /** Fetches an open document's object again. */
  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const address = addressOf(uri);
    if (!address) return '# Berth: this address does not name a Kubernetes object.\n';
    const { contextName, ref } = address;
    const what = `${ref.resource} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? ''}`;
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => { abort.abort(); });
    try {
      const connection = await this.provider.connection(contextName);
      const yaml = await connection.getYaml(ref, abort.signal);
      return `# ${what} — context ${contextName} (${connection.server}), read ${new Date().toISOString()}. Read-only.\n${yaml}`;
    } catch (error) {
      const failure = this.provider.failureOf(error);
      return `# Berth could not read ${what} from context ${contextName}:\n# ${failure.message}\n# ${failure.hint}\n`;
    } finally {
      cancel.dispose();
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
