import * as vscode from 'vscode';

const KEY = 'berth.kube.namespaceFilters';

/**
 * The namespaces the user chose to see, per context, kept in globalState (they belong to the
 * user's clusters, not to a workspace). An empty list means every namespace.
 */
export class NamespaceFilters implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the context name whose filter changed. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  private all(): Record<string, string[]> {
    const value: unknown = this.state.get(KEY);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, string[]>) : {};
  }

  get(contextName: string): string[] {
    const list = this.all()[contextName];
    return Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string') : [];
  }

  async set(contextName: string, namespaces: readonly string[]): Promise<void> {
    const next = Object.fromEntries(Object.entries(this.all()).filter(([name]) => name !== contextName));
    if (namespaces.length > 0) next[contextName] = [...new Set(namespaces)].sort();
    await this.state.update(KEY, next);
    this.changed.fire(contextName);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
