import * as vscode from 'vscode';
import type { ManifestService } from '../../clients/manifests/manifestService';
import type { Logger } from '../logger';
import { MANIFEST_GLOB, MAX_FILE_BYTES, MAX_INDEX_BYTES, MAX_INDEXED_FILES, chartFoldersAbove, excludeGlob, looksLikeManifest } from './manifestLogic';

/**
 * The names findings carry for each file (workspace-relative paths, which messages quote) and
 * the way back to the file.
 */
export class FileNames {
  private readonly byUri = new Map<string, string>();
  private readonly byName = new Map<string, vscode.Uri>();

  nameOf(uri: vscode.Uri): string {
    const key = uri.toString();
    const known = this.byUri.get(key);
    if (known !== undefined) return known;
    let name = uri.scheme === 'file' ? vscode.workspace.asRelativePath(uri) : uri.path;
    // Two files with one name (an untitled document named like a file): the URI tells them apart.
    if (this.byName.has(name)) name = key;
    this.byUri.set(key, name);
    this.byName.set(name, uri);
    return name;
  }

  uriOf(name: string): vscode.Uri | undefined {
    return this.byName.get(name);
  }
}

/** Whether a file is a template of a Helm chart (under `templates/` of a folder with a Chart.yaml); cached per folder. */
export class ChartTemplates {
  private readonly charts = new Map<string, Promise<boolean>>();

  async isTemplate(uri: vscode.Uri): Promise<boolean> {
    if (uri.scheme !== 'file') return false;
    for (const folder of chartFoldersAbove(uri.path)) {
      let known = this.charts.get(folder);
      if (!known) {
        const chartYaml = uri.with({ path: `${folder === '/' ? '' : folder}/Chart.yaml` });
        known = Promise.resolve(vscode.workspace.fs.stat(chartYaml)).then((s) => s.type === vscode.FileType.File, () => false);
        this.charts.set(folder, known);
      }
      if (await known) return true;
    }
    return false;
  }

  /** A Chart.yaml appeared or went away. */
  forget(): void {
    this.charts.clear();
  }
}

/**
 * The workspace's Kubernetes manifests on disk, for the cross-file checks: YAML files found by
 * the search service (at most 2,000, each at most 1 MB, Helm templates left out) are read once
 * when the first manifest is opened, and kept current by a file watcher. Files open in an editor
 * are not read: their editor text is what counts.
 */
export class ManifestIndex implements vscode.Disposable {
  private started = false;
  private readonly indexed = new Map<string, number>();
  private bytes = 0;
  private readonly disposables: { dispose(): unknown }[] = [];
  /** Resolves when the first crawl is over. */
  private crawled: Promise<void> | undefined;

  constructor(
    private readonly service: ManifestService,
    private readonly names: FileNames,
    private readonly templates: ChartTemplates,
    private readonly isOpen: (uri: vscode.Uri) => boolean,
    private readonly changed: () => void,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.indexed.size;
  }

  /** Starts indexing (once); resolves when the first crawl is over. */
  start(): Promise<void> {
    if (this.started) return this.crawled ?? Promise.resolve();
    this.started = true;
    const watcher = vscode.workspace.createFileSystemWatcher(MANIFEST_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => { void this.reread(uri); }),
      watcher.onDidChange((uri) => { void this.reread(uri); }),
      watcher.onDidDelete((uri) => {
        if (this.isOpen(uri)) return;
        if (this.forget(uri)) this.changed();
      }),
    );
    this.crawled = this.crawl();
    return this.crawled;
  }

  /** A document was closed: the file's text on disk (if any) counts again instead of the editor's. */
  async restore(uri: vscode.Uri): Promise<void> {
    this.service.remove(this.names.nameOf(uri));
    if (this.started && uri.scheme === 'file') await this.read(uri);
  }

  private async reread(uri: vscode.Uri): Promise<void> {
    if (this.isOpen(uri)) return;
    await this.read(uri);
    this.changed();
  }

  private async crawl(): Promise<void> {
    const started = Date.now();
    try {
      const exclude = excludeGlob(vscode.workspace.getConfiguration('files').get<Record<string, unknown>>('exclude'));
      const uris = await vscode.workspace.findFiles(MANIFEST_GLOB, exclude, MAX_INDEXED_FILES);
      let next = 0;
      const reader = async (): Promise<void> => {
        for (let uri = uris[next++]; uri !== undefined; uri = uris[next++]) await this.read(uri);
      };
      await Promise.all(Array.from({ length: 8 }, reader));
      this.logger.info(`Kubernetes manifests: ${this.indexed.size} of ${uris.length} YAML files in the workspace hold manifests (read in ${Date.now() - started} ms)${uris.length >= MAX_INDEXED_FILES ? `; the search stopped at ${MAX_INDEXED_FILES} files` : ''}.`);
    } catch (error) {
      this.logger.error('Searching the workspace for Kubernetes manifests failed', error);
    }
    this.changed();
  }

  /** Reads a file from disk into the index, or leaves it out (too large, not a manifest, a template, gone). */
  private async read(uri: vscode.Uri): Promise<void> {
    if (this.isOpen(uri)) return;
    const key = uri.toString();
    let size: number;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.type !== vscode.FileType.File) { this.forget(uri); return; }
      size = stat.size;
    } catch {
      this.forget(uri);
      return;
    }
    const previous = this.indexed.get(key);
    if (size > MAX_FILE_BYTES) { this.forget(uri); return; }
    if (previous === undefined && (this.indexed.size >= MAX_INDEXED_FILES || this.bytes + size > MAX_INDEX_BYTES)) return;
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      this.forget(uri);
      return;
    }
    if (!looksLikeManifest(text) || await this.templates.isTemplate(uri) || this.isOpen(uri)) { this.forget(uri); return; }
    this.bytes += size - (this.indexed.get(key) ?? 0);
    this.indexed.set(key, size);
    this.service.update(this.names.nameOf(uri), text);
  }

  /** Leaves a file out; true when it was in. */
  private forget(uri: vscode.Uri): boolean {
    const key = uri.toString();
    const size = this.indexed.get(key);
    if (size === undefined) return false;
    this.indexed.delete(key);
    this.bytes -= size;
    // An open document's text stays: the editor owns it.
    if (!this.isOpen(uri)) this.service.remove(this.names.nameOf(uri));
    return true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
