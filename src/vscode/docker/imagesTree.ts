import * as vscode from 'vscode';
import { formatBytes } from '../../core/dockerfile/stageSummary';
import { formatAge, groupImages } from '../../core/images/imageList';
import type { DanglingImage, ImageGroups, RepositoryGroup, TaggedImage } from '../../core/images/imageList';
import type { Logger } from '../logger';
import type { EngineProvider } from './engineProvider';
import { describeFailure } from './failures';

/** Tree nodes; `contextValue` is the kind, matched by menus with `viewItem == ...`. */
export type ImageNode =
  | { readonly kind: 'repository'; readonly group: RepositoryGroup }
  | { readonly kind: 'tag'; readonly image: TaggedImage }
  | { readonly kind: 'danglingGroup'; readonly images: readonly DanglingImage[] }
  | { readonly kind: 'dangling'; readonly image: DanglingImage }
  | { readonly kind: 'message'; readonly label: string; readonly detail?: string; readonly icon: string; readonly state: string };

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading' }
  | { readonly kind: 'loaded'; readonly groups: ImageGroups; readonly at: number }
  | { readonly kind: 'failed'; readonly message: string; readonly action: string; readonly code: string };

const REFRESH_DEBOUNCE_MS = 400;
const MAX_BACKOFF_MS = 30_000;

/**
 * The Images view: local images by repository. It lists once when it becomes visible,
 * then follows the engine's event stream (debounced refresh) while visible; hidden, it
 * holds no stream and does nothing. A broken stream is retried with backoff, only
 * while visible.
 */
export class ImagesTree implements vscode.TreeDataProvider<ImageNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ImageNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private state: State = { kind: 'idle' };
  private view: vscode.TreeView<ImageNode> | undefined;
  private watch: AbortController | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private backoffMs = 1_000;
  private loading: Promise<void> | undefined;
  private readonly disposables: { dispose(): void }[] = [];
  /** Milliseconds of the last list (for the first-render benchmark and the log). */
  lastListMs = 0;

  constructor(private readonly engines: EngineProvider, private readonly logger: Logger) {
    this.disposables.push(this.changed, engines.onDidChangeEngine(() => { this.restart(); }));
  }

  attach(view: vscode.TreeView<ImageNode>): void {
    this.view = view;
    this.disposables.push(view.onDidChangeVisibility((e) => { if (e.visible) this.restart(); else this.stopWatching(); }));
    if (view.visible) this.restart();
  }

  /** Current groups when loaded (for commands that pick an image). */
  get groups(): ImageGroups | undefined {
    return this.state.kind === 'loaded' ? this.state.groups : undefined;
  }

  /** Lists now (the refresh command, and after our own build/push/remove). */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private restart(): void {
    this.stopWatching();
    if (this.view && !this.view.visible) return;
    void this.refresh().then(() => { this.startWatching(); });
  }

  private async load(): Promise<void> {
    if (this.state.kind !== 'loaded') {
      this.state = { kind: 'loading' };
      this.changed.fire(undefined);
    }
    const started = performance.now();
    try {
      const engine = this.engines.engine();
      const [images, containers] = await Promise.all([engine.listImages(), engine.listContainers()]);
      this.state = { kind: 'loaded', groups: groupImages(images, containers), at: Date.now() / 1000 };
      this.lastListMs = performance.now() - started;
      this.logger.info(`Images: listed ${images.length} images (${images.reduce((n, i) => n + i.repoTags.length, 0)} tags) and ${containers.length} containers in ${this.lastListMs.toFixed(0)} ms`);
      this.backoffMs = 1_000;
    } catch (error) {
      const failure = describeFailure(error);
      this.state = { kind: 'failed', ...failure };
      this.logger.warn(`Images: ${failure.message}`);
    }
    this.changed.fire(undefined);
  }

  private startWatching(): void {
    if (this.watch || this.state.kind !== 'loaded' || (this.view && !this.view.visible)) {
      if (this.state.kind === 'failed') this.scheduleRetry();
      return;
    }
    const controller = new AbortController();
    this.watch = controller;
    let engine;
    try {
      engine = this.engines.engine();
    } catch {
      return;
    }
    engine.watchEvents(() => { this.scheduleRefresh(); }, controller.signal).catch((error: unknown) => {
      if (controller.signal.aborted) return;
      this.logger.warn(`Images: event stream stopped: ${describeFailure(error).message}`);
      if (this.watch === controller) this.watch = undefined;
      // The engine may have gone away: show it, and try again later (only while visible).
      void this.refresh().then(() => { this.scheduleRetry(); });
    });
  }

  private scheduleRetry(): void {
    if (this.retry || (this.view && !this.view.visible)) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.restart();
    }, wait);
  }

  private scheduleRefresh(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }

  private stopWatching(): void {
    this.watch?.abort();
    this.watch = undefined;
    if (this.debounce) clearTimeout(this.debounce);
    if (this.retry) clearTimeout(this.retry);
    this.debounce = undefined;
    this.retry = undefined;
  }

  getChildren(node?: ImageNode): ImageNode[] {
    if (node) {
      if (node.kind === 'repository') return node.group.tags.map((image) => ({ kind: 'tag', image }));
      if (node.kind === 'danglingGroup') return node.images.map((image) => ({ kind: 'dangling', image }));
      return [];
    }
    switch (this.state.kind) {
      case 'idle':
      case 'loading':
        return [{ kind: 'message', label: 'Loading images…', icon: 'loading~spin', state: 'loading' }];
      case 'failed': {
        const notRunning = this.state.code === 'DAEMON_NOT_RUNNING' || this.state.code === 'ENDPOINT_INVALID';
        const label = notRunning && !this.state.message.startsWith('Docker is not running') ? `Docker is not running: ${this.state.message}` : this.state.message;
        return [
          { kind: 'message', label, detail: this.state.action, icon: 'error', state: 'error' },
          { kind: 'message', label: this.state.action, icon: 'lightbulb', state: 'action' },
        ];
      }
      case 'loaded': {
        const { groups } = this.state;
        if (groups.repositories.length === 0 && groups.dangling.length === 0) {
          return [{ kind: 'message', label: 'No local images. Build one from a Dockerfile (Berth: Build Image).', icon: 'info', state: 'empty' }];
        }
        const nodes: ImageNode[] = groups.repositories.map((group) => ({ kind: 'repository', group }));
        if (groups.dangling.length > 0) nodes.push({ kind: 'danglingGroup', images: groups.dangling });
        return nodes;
      }
    }
  }

  getTreeItem(node: ImageNode): vscode.TreeItem {
    const now = Date.now() / 1000;
    switch (node.kind) {
      case 'repository': {
        const item = new vscode.TreeItem(node.group.repository, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${node.group.tags.length} tag${node.group.tags.length === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('repo');
        item.contextValue = 'repository';
        item.id = `repo:${node.group.repository}`;
        return item;
      }
      case 'tag': {
        const { image } = node;
        const item = new vscode.TreeItem(image.tag, vscode.TreeItemCollapsibleState.None);
        const used = image.containers.length > 0 ? ` · used by ${image.containers.join(', ')}` : '';
        item.description = `${formatBytes(image.size)} · ${formatAge(image.created, now)} · ${image.shortId}${used}`;
        item.tooltip = `${image.reference}\n${image.id}\n${formatBytes(image.size)}, created ${new Date(image.created * 1000).toISOString()}${used ? `\nContainers: ${image.containers.join(', ')}` : ''}`;
        item.iconPath = new vscode.ThemeIcon('tag');
        item.contextValue = 'tag';
        item.id = `tag:${image.reference}`;
        return item;
      }
      case 'danglingGroup': {
        const item = new vscode.TreeItem('Dangling images', vscode.TreeItemCollapsibleState.Collapsed);
        const total = node.images.reduce((sum, i) => sum + i.size, 0);
        item.description = `${node.images.length} untagged · ${formatBytes(total)}`;
        item.iconPath = new vscode.ThemeIcon('trash');
        item.contextValue = 'danglingGroup';
        item.id = 'dangling';
        return item;
      }
      case 'dangling': {
        const item = new vscode.TreeItem(node.image.shortId, vscode.TreeItemCollapsibleState.None);
        item.description = `${formatBytes(node.image.size)} · ${formatAge(node.image.created, now)}`;
        item.tooltip = node.image.id;
        item.iconPath = new vscode.ThemeIcon('circle-outline');
        item.contextValue = 'dangling';
        item.id = `dangling:${node.image.id}`;
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.detail ? `${node.label}\n\n${node.detail}` : node.label;
        item.contextValue = `message:${node.state}`;
        if (node.state === 'error' || node.state === 'action') item.command = { command: 'berth.images.refresh', title: 'Retry' };
        return item;
      }
    }
  }

  dispose(): void {
    this.stopWatching();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
