import * as vscode from 'vscode';
import { parseDockerfile } from '../../core/dockerfile/parser';
import type { Dockerfile, Instruction } from '../../core/dockerfile/model';
import { formatBytes } from '../../core/dockerfile/stageSummary';
import { largeLayerAdvice, mapStageHistory, stageImagesFromSteps } from '../../core/images/layers';
import type { DockerEngine, BuildResult } from '../../clients/index';
import { isDockerfile } from '../dockerfileLint';

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
  readonly builtAt: string;
  readonly stages: readonly StoredStage[];
  readonly layers: readonly StoredLayer[];
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
  return { tag, imageId: result.imageId, builtAt: new Date().toISOString(), stages, layers };
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

  constructor(private readonly state: vscode.Memento) {
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
    const before = all[uri.toString()]?.current;
    all[uri.toString()] = before ? { current: record, previous: before } : { current: record };
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
      lenses.push(new vscode.CodeLens(at(inst.range.start.line), { title, command: '', tooltip: `Measured from the image history of the last build (${paired.record.builtAt})` }));
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
      lenses.push(new vscode.CodeLens(at(stage.from.range.start.line), { title: parts.join(' · '), command: '', tooltip: `Last build ${paired.record.builtAt}, image ${paired.record.imageId}` }));
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
      const d = new vscode.Diagnostic(range, `This ${layer.keyword} adds ${formatBytes(layer.size)} to the image (last build), above ${thresholdMB} MB: ${largeLayerAdvice(layer.keyword)}.`, vscode.DiagnosticSeverity.Warning);
      d.source = 'berth';
      d.code = 'layer-size';
      diagnostics.push(d);
    }
    this.diagnostics.set(doc.uri, diagnostics);
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
