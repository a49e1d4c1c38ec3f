import * as vscode from 'vscode';
import { parseDockerfile } from '../../core/dockerfile/parser';
import type { Dockerfile, Instruction } from '../../core/dockerfile/model';
import { formatBytes } from '../../core/dockerfile/stageSummary';
import { discoverBuilds, localImageFor, recentImages } from '../../core/images/historyMatch';
import type { DiscoveredBuild } from '../../core/images/historyMatch';
import { shortImageId } from '../../core/images/imageList';
import type { ImageSummary } from '../../core/images/imageList';
import { largeLayerAdvice, mapStageHistory, stageImagesFromSteps } from '../../core/images/layers';
import type { HistoryEntry } from '../../core/images/layers';
import type { DockerEngine, BuildResult } from '../../clients/index';
import { isDockerfile } from '../dockerfileLint';
import type { Logger } from '../logger';
import type { EngineProvider } from './engineProvider';
import { describeFailure } from './failures';

/** One instruction's layer, as measured after a build. */
interface StoredLayer {
  readonly stageIndex: number;
  /** The instruction's source text when it was built (pairs it with the current text). */
  readonly text: string;
  readonly keyword: string;
  /** Bytes. */
  readonly size: number;
}

interface StoredStage {
  readonly stageIndex: number;
  readonly imageId: string;
  /** Bytes of the stage's image. */
  readonly totalSize: number;
  /** Bytes below the stage's own instructions. */
  readonly baseSize: number;
  /** Base image reference and its size in the local engine, when it is an image there. */
  readonly baseImage: { readonly ref: string; readonly size: number } | undefined;
}

/** What Berth keeps about the last build of a Dockerfile (workspace state, no secrets). */
export interface BuildRecord {
  readonly tag: string | undefined;
  readonly imageId: string;
  /** ISO time: when Berth measured its build, or the image's creation time for an outside build. */
  readonly builtAt: string;
  readonly stages: readonly StoredStage[];
  readonly layers: readonly StoredLayer[];
  /** `outside`: a local image found to be built from this Dockerfile (absent: a Berth build). */
  readonly origin?: 'berth' | 'outside';
  /** For an outside build: the image's own creation time (ISO). */
  readonly imageCreated?: string;
}

const STATE_KEY = 'berth.docker.builds';

function instructionText(df: Dockerfile, inst: Instruction): string {
  return df.lines.slice(inst.range.start.line, inst.range.end.line + 1).join('\n').trim();
}

/**
 * Measures a finished build: each stage's image (from the step results), its history
 * mapped to the instructions, and the base image's size from the local engine.
 */
export async function measureBuild(engine: DockerEngine, dockerfileText: string, result: BuildResult, tag: string | undefined): Promise<BuildRecord> {
  const df = parseDockerfile(dockerfileText);
  const stageImages = stageImagesFromSteps(df, result.steps);
  const stages: StoredStage[] = [];
  const layers: StoredLayer[] = [];
  for (const [stageIndex, imageId] of stageImages) {
    const stage = df.stages[stageIndex];
    if (!stage) continue;
    const mapped = mapStageHistory(stage, await engine.history(imageId));
    for (const layer of mapped.layers) {
      const inst = df.instructions[layer.instructionIndex];
      if (inst) layers.push({ stageIndex, text: instructionText(df, inst), keyword: layer.keyword, size: layer.size });
    }
    let baseImage: StoredStage['baseImage'];
    if (stage.baseStage === undefined && stage.image) {
      const inspected = await engine.inspectImage(stage.baseImage);
      if (inspected) baseImage = { ref: stage.baseImage, size: inspected.size };
    }
    stages.push({ stageIndex, imageId, totalSize: mapped.totalSize, baseSize: mapped.baseSize, baseImage });
  }
  return { tag, imageId: result.imageId, builtAt: new Date().toISOString(), stages, layers, origin: 'berth' };
}

/**
 * A discovered image as a build record, paired with the Dockerfile's current text.
 * `found.image.created` may be later than the image's own time (when Berth saw it tagged);
 * `images` are the engine's, with their own times.
 */
export function recordFromDiscovery(df: Dockerfile, found: DiscoveredBuild, images: readonly ImageSummary[]): BuildRecord {
  const stages: StoredStage[] = [];
  const layers: StoredLayer[] = [];
  for (const [stageIndex, mapped] of [...found.stages].sort((a, b) => a[0] - b[0])) {
    const stage = df.stages[stageIndex];
    if (!stage) continue;
    for (const layer of mapped.layers) {
      const inst = df.instructions[layer.instructionIndex];
      if (inst) layers.push({ stageIndex, text: instructionText(df, inst), keyword: layer.keyword, size: layer.size });
    }
    const base = stage.baseStage === undefined && stage.image ? localImageFor(stage.baseImage, images) : undefined;
    stages.push({ stageIndex, imageId: stageIndex === found.stageIndex ? found.image.id : '', totalSize: mapped.totalSize, baseSize: mapped.baseSize, baseImage: base ? { ref: stage.baseImage, size: base.size } : undefined });
  }
  const tag = found.image.repoTags.find((t) => t !== '<none>:<none>');
  const created = images.find((i) => i.id === found.image.id)?.created ?? found.image.created;
  return { tag, imageId: found.image.id, builtAt: new Date(found.image.created * 1000).toISOString(), stages, layers, origin: 'outside', imageCreated: new Date(created * 1000).toISOString() };
}

/** What a record's figures come from, for tooltips and messages. */
function describeSource(record: BuildRecord): string {
  if (record.origin === 'outside') return `image ${record.tag ?? shortImageId(record.imageId)} built outside Berth, created ${record.imageCreated ?? record.builtAt}`;
  return `the last Berth build (${record.builtAt})`;
}

/** Candidates per discovery: only the most recently created images are read. */
const DISCOVERY_IMAGE_LIMIT = 40;
const DISCOVERY_DEBOUNCE_MS = 600;
/** Histories kept (by image id: immutable, so an entry never goes stale). */
const HISTORY_CACHE_LIMIT = 500;
/** Image events after which the local images may hold a new build. */
const IMAGE_ACTIONS: ReadonlySet<string> = new Set(['tag', 'untag', 'delete', 'load', 'import', 'pull']);

/**
 * Finds local images built from open Dockerfiles outside Berth (docker build, compose, CI)
 * by the content of their histories. Runs when a Dockerfile's lenses are asked for (never
 * at activation), debounced, one run at a time; reads only the newest
 * DISCOVERY_IMAGE_LIMIT images and caches histories by image id. While a Dockerfile is open
 * it follows the engine's image events, so that a `docker build -t` shows up at once.
 *
 * Not gated on Workspace Trust: it reads image metadata from the user's own engine (the
 * endpoint comes from user settings and the environment only, never from the workspace),
 * sends nothing of the workspace anywhere and runs nothing from it; the Dockerfile's text is
 * only compared in this process.
 */
class OutsideBuildDiscovery implements vscode.Disposable {
  private readonly histories = new Map<string, HistoryEntry[]>();
  /**
   * When Berth saw each image tagged (seconds). BuildKit dates an image by its newest
   * uncached layer, so a rebuild that reuses cached layers can look older than it is.
   */
  private readonly taggedAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Per document: the version and event generation the last run saw. */
  private readonly seen = new Map<string, string>();
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();
  private watch: AbortController | undefined;
  private lastFailure = '';
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly engines: EngineProvider,
    private readonly logger: Logger,
    private readonly onFound: (doc: vscode.TextDocument, df: Dockerfile, found: DiscoveredBuild[], images: readonly ImageSummary[]) => Promise<void>,
    private readonly onImagesChanged: () => void,
  ) {
    this.subscriptions = [
      engines.onDidChangeEngine(() => {
        this.histories.clear();
        this.stopWatching();
        this.invalidate();
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.seen.delete(doc.uri.toString());
        if (!vscode.workspace.textDocuments.some((d) => isDockerfile(d) && !d.isClosed)) this.stopWatching();
      }),
    ];
  }

  /** Asks for a run for `doc` unless one already saw this version of it since the last image event. */
  request(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const stamp = `${String(doc.version)}/${String(this.generation)}`;
    if (this.seen.get(key) === stamp || this.timers.has(key)) return;
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.queue = this.queue.then(() => this.run(doc, stamp));
    }, DISCOVERY_DEBOUNCE_MS));
  }

  private invalidate(): void {
    this.generation++;
    this.onImagesChanged();
  }

  private async run(doc: vscode.TextDocument, stamp: string): Promise<void> {
    if (doc.isClosed) return;
    const key = doc.uri.toString();
    const started = performance.now();
    try {
      const engine = this.engines.engine();
      const df = parseDockerfile(doc.getText());
      if (!df.stages.some((s) => s.instructions.length > 0)) {
        this.seen.set(key, stamp);
        return;
      }
      const images = await engine.listImages();
      const dated = images.map((i) => ({ ...i, created: Math.max(i.created, this.taggedAt.get(i.id) ?? 0) }));
      const candidates = recentImages(dated, DISCOVERY_IMAGE_LIMIT);
      let fetched = 0;
      const historyOf = async (id: string): Promise<HistoryEntry[]> => {
        let history = this.histories.get(id);
        if (!history) {
          history = await engine.history(id);
          fetched++;
          if (this.histories.size >= HISTORY_CACHE_LIMIT) {
            const oldest = this.histories.keys().next().value;
            if (oldest !== undefined) this.histories.delete(oldest);
          }
          this.histories.set(id, history);
        }
        return history;
      };
      const withHistories = [];
      for (const image of candidates) withHistories.push({ image, history: await historyOf(image.id) });
      const baseHistories = new Map<string, HistoryEntry[]>();
      for (const stage of df.stages) {
        const base = stage.baseStage === undefined && stage.image ? localImageFor(stage.baseImage, images) : undefined;
        if (base) baseHistories.set(stage.baseImage, await historyOf(base.id));
      }
      const found = discoverBuilds(df, withHistories, baseHistories);
      const ms = performance.now() - started;
      // Quiet for the common run (nothing new read, nothing found): it follows every edit.
      if (fetched > 0 || found.length > 0) this.logger.info(`Outside builds: ${vscode.workspace.asRelativePath(doc.uri)}: ${String(found.length)} matching of ${String(candidates.length)} recent images (${String(images.length)} in the engine), ${String(fetched)} histories read, ${ms.toFixed(0)} ms`);
      this.seen.set(key, stamp);
      this.lastFailure = '';
      this.startWatching(engine);
      if (found.length > 0 && !doc.isClosed) await this.onFound(doc, df, found, images);
    } catch (error) {
      // The engine may simply not be running: say so once in the log, never in a toast.
      const message = describeFailure(error).message;
      if (message !== this.lastFailure) this.logger.warn(`Outside builds: ${message}`);
      this.lastFailure = message;
      this.seen.set(key, stamp);
    }
  }

  private startWatching(engine: DockerEngine): void {
    if (this.watch) return;
    const controller = new AbortController();
    this.watch = controller;
    engine.watchEvents((event) => {
      if (event.type !== 'image' || !IMAGE_ACTIONS.has(event.action)) return;
      if (event.action === 'tag' && event.id !== '') {
        if (this.taggedAt.size >= HISTORY_CACHE_LIMIT) this.taggedAt.clear();
        this.taggedAt.set(event.id, Math.floor(Date.now() / 1000));
      }
      this.invalidate();
    }, controller.signal).catch((error: unknown) => {
      if (controller.signal.aborted) return;
      this.logger.warn(`Outside builds: event stream stopped: ${describeFailure(error).message}`);
      if (this.watch === controller) this.watch = undefined;
      // Look again on the next lens request; that run restarts the stream when the engine answers.
      this.invalidate();
    });
  }

  private stopWatching(): void {
    this.watch?.abort();
    this.watch = undefined;
  }

  dispose(): void {
    this.stopWatching();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}

/**
 * Code lenses with the real size of each instruction's layer from the last build of
 * the Dockerfile, the change against the build before, the image total on FROM lines,
 * and a warning diagnostic on layers above `berth.images.largeLayerThresholdMB`.
 */
export class SizeLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('berth-layers');
  private readonly disposables: { dispose(): void }[];
  private readonly discovery: OutsideBuildDiscovery | undefined;

  /** Without `engines`, only Berth's own builds are shown (no discovery of outside builds). */
  constructor(private readonly state: vscode.Memento, engines?: EngineProvider, logger?: Logger) {
    this.discovery = engines && logger
      ? new OutsideBuildDiscovery(engines, logger, (doc, df, found, images) => this.adopt(doc.uri, df, found, images), () => { this.changed.fire(); })
      : undefined;
    this.disposables = [
      this.changed,
      this.diagnostics,
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('berth.images') || e.affectsConfiguration('berth.codeLens')) this.refreshAll(); }),
      vscode.workspace.onDidChangeTextDocument((e) => { if (isDockerfile(e.document)) this.updateDiagnostics(e.document); }),
      vscode.workspace.onDidCloseTextDocument((doc) => { this.diagnostics.delete(doc.uri); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { this.changed.fire(); }),
    ];
  }

  private records(): Record<string, { current: BuildRecord; previous?: BuildRecord }> {
    return this.state.get<Record<string, { current: BuildRecord; previous?: BuildRecord }>>(STATE_KEY) ?? {};
  }

  recordFor(uri: vscode.Uri): { current: BuildRecord; previous?: BuildRecord } | undefined {
    return this.records()[uri.toString()];
  }

  async remember(uri: vscode.Uri, record: BuildRecord): Promise<void> {
    const all = this.records();
    const entry = all[uri.toString()];
    const before = entry?.current;
    if (before?.imageId === record.imageId) {
      // The same image measured again (a Berth build whose tag event discovery saw first): not a new build.
      all[uri.toString()] = entry?.previous ? { current: record, previous: entry.previous } : { current: record };
    } else {
      all[uri.toString()] = before ? { current: record, previous: before } : { current: record };
    }
    await this.state.update(STATE_KEY, all);
    this.refreshAll();
  }

  /**
   * Takes the newest discovered image as the Dockerfile's current build, unless the record
   * already holds it or something newer (a Berth build measured later stays authoritative).
   * With no record yet, the second-newest matching image becomes the previous build.
   */
  private async adopt(uri: vscode.Uri, df: Dockerfile, found: readonly DiscoveredBuild[], images: readonly ImageSummary[]): Promise<void> {
    const newest = found[0];
    if (!newest) return;
    const entry = this.recordFor(uri);
    if (entry) {
      if (entry.current.imageId === newest.image.id || entry.previous?.imageId === newest.image.id) return;
      if (Date.parse(entry.current.builtAt) >= newest.image.created * 1000) return;
      await this.remember(uri, recordFromDiscovery(df, newest, images));
      return;
    }
    const older = found.find((f) => f.image.id !== newest.image.id);
    const all = this.records();
    all[uri.toString()] = older
      ? { current: recordFromDiscovery(df, newest, images), previous: recordFromDiscovery(df, older, images) }
      : { current: recordFromDiscovery(df, newest, images) };
    await this.state.update(STATE_KEY, all);
    this.refreshAll();
  }

  private refreshAll(): void {
    for (const doc of vscode.workspace.textDocuments) if (isDockerfile(doc)) this.updateDiagnostics(doc);
    this.changed.fire();
  }

  /** Pairs the current instructions with the measured layers by stage and text. */
  private pair(doc: vscode.TextDocument): { df: Dockerfile; record: BuildRecord; previous: BuildRecord | undefined; pairs: { inst: Instruction; layer: StoredLayer; before: StoredLayer | undefined }[] } | undefined {
    const entry = this.recordFor(doc.uri);
    if (!entry) return undefined;
    const df = parseDockerfile(doc.getText());
    const take = (pool: StoredLayer[], stageIndex: number, text: string): StoredLayer | undefined => {
      const i = pool.findIndex((l) => l.stageIndex === stageIndex && l.text === text);
      return i < 0 ? undefined : pool.splice(i, 1)[0];
    };
    const current = [...entry.current.layers];
    const previous = [...(entry.previous?.layers ?? [])];
    const pairs = [];
    for (const stage of df.stages) {
      for (const inst of stage.instructions) {
        const text = instructionText(df, inst);
        const layer = take(current, stage.index, text);
        if (layer) pairs.push({ inst, layer, before: take(previous, stage.index, text) });
      }
    }
    return { df, record: entry.current, previous: entry.previous, pairs };
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!isDockerfile(doc) || !vscode.workspace.getConfiguration('berth.codeLens', doc.uri).get<boolean>('enabled', true)) return [];
    this.discovery?.request(doc);
    const lenses: vscode.CodeLens[] = [];
    const at = (line: number): vscode.Range => new vscode.Range(line, 0, line, 0);
    const paired = this.pair(doc);
    // Building runs the file's commands: offered in a trusted workspace only, for files on disk.
    if (vscode.workspace.isTrusted && doc.uri.scheme === 'file') {
      const df = paired?.df ?? parseDockerfile(doc.getText());
      const first = df.stages[0]?.from.range.start.line;
      if (first !== undefined) lenses.push(new vscode.CodeLens(at(first), { title: '$(package) Build image…', command: 'berth.images.build', arguments: [doc.uri], tooltip: 'Build this Dockerfile with the Docker engine (context, tag, target stage and build arguments are asked)' }));
    }
    if (!paired) return lenses;
    for (const { inst, layer, before } of paired.pairs) {
      const metadataOnly = layer.size === 0 && !['RUN', 'COPY', 'ADD'].includes(layer.keyword);
      let title = metadataOnly ? 'layer 0 B (metadata only)' : `layer ${formatBytes(layer.size)}`;
      if (before) {
        const delta = layer.size - before.size;
        title += delta === 0 ? ' · unchanged since the previous build' : ` · ${delta > 0 ? '+' : '−'}${formatBytes(Math.abs(delta))} since the previous build`;
      }
      lenses.push(new vscode.CodeLens(at(inst.range.start.line), { title, command: '', tooltip: `Measured from the history of ${describeSource(paired.record)}` }));
    }
    for (const stage of paired.df.stages) {
      const stored = paired.record.stages.find((s) => s.stageIndex === stage.index);
      if (!stored || stage.from.range.start.line >= doc.lineCount) continue;
      const parts = [`${stage.isFinal ? 'image' : 'stage image'} ${formatBytes(stored.totalSize)}${stage.isFinal && paired.record.tag ? ` (${paired.record.tag})` : ''}`];
      const prevStage = paired.previous?.stages.find((s) => s.stageIndex === stage.index);
      if (prevStage && prevStage.totalSize !== stored.totalSize) {
        const delta = stored.totalSize - prevStage.totalSize;
        parts.push(`${delta > 0 ? '+' : '−'}${formatBytes(Math.abs(delta))} since the previous build`);
      }
      if (stored.baseImage) parts.push(`base ${stored.baseImage.ref} ${formatBytes(stored.baseImage.size)} (local engine)`);
      else if (stage.baseStage === undefined) parts.push(`base ${formatBytes(stored.baseSize)}`);
      lenses.push(new vscode.CodeLens(at(stage.from.range.start.line), { title: parts.join(' · '), command: '', tooltip: `From ${describeSource(paired.record)}, image ${paired.record.imageId}` }));
    }
    return lenses;
  }

  /** Warnings on layers above the threshold (default 100 MB). */
  updateDiagnostics(doc: vscode.TextDocument): void {
    const paired = this.pair(doc);
    if (!paired) {
      this.diagnostics.delete(doc.uri);
      return;
    }
    const thresholdMB = vscode.workspace.getConfiguration('berth.images', doc.uri).get<number>('largeLayerThresholdMB', 100);
    const threshold = thresholdMB * 1e6;
    const diagnostics: vscode.Diagnostic[] = [];
    for (const { inst, layer } of paired.pairs) {
      if (layer.size <= threshold) continue;
      const line = inst.range.start.line;
      const range = new vscode.Range(line, 0, line, doc.lineAt(Math.min(line, doc.lineCount - 1)).text.length);
      const d = new vscode.Diagnostic(range, `This ${layer.keyword} adds ${formatBytes(layer.size)} to the image (${paired.record.origin === 'outside' ? `image ${paired.record.tag ?? shortImageId(paired.record.imageId)}` : 'last build'}), above ${thresholdMB} MB: ${largeLayerAdvice(layer.keyword)}.`, vscode.DiagnosticSeverity.Warning);
      d.source = 'berth';
      d.code = 'layer-size';
      diagnostics.push(d);
    }
    this.diagnostics.set(doc.uri, diagnostics);
  }

  dispose(): void {
    this.discovery?.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
