/**
 * The real size of every Dockerfile instruction: image history entries mapped back to
 * the instructions that made them, and build steps mapped to Dockerfile lines.
 *
 * Both builders write one history entry per instruction after FROM (a zero-size one for
 * metadata such as ENV or CMD), newest first in `GET /images/{id}/history`. The entries
 * above the base image's are therefore the stage's instructions in reverse. Each pair is
 * checked (a `#(nop) KEYWORD` entry must belong to that keyword, a plain command to a
 * RUN) and the mapping stops at the first pair that does not fit, so a lens never shows
 * another instruction's size.
 */
import type { Dockerfile, Instruction, Stage } from '../dockerfile/model';

/** One entry of `GET /images/{id}/history`. */
export interface HistoryEntry {
  readonly id: string;
  /** Seconds since the epoch. */
  readonly created: number;
  readonly createdBy: string;
  /** Bytes the layer adds (0 for metadata-only entries). */
  readonly size: number;
  readonly tags: readonly string[];
  readonly comment: string;
}

export interface InstructionLayer {
  /** Index in `Dockerfile.instructions`. */
  readonly instructionIndex: number;
  /** 0-based line of the instruction's first line. */
  readonly line: number;
  readonly keyword: string;
  /** Bytes the layer adds. */
  readonly size: number;
  readonly createdBy: string;
}

export interface StageLayers {
  readonly stageIndex: number;
  /** Instructions mapped to their layers, in Dockerfile order (may stop short: see `unmatched`). */
  readonly layers: readonly InstructionLayer[];
  /** Bytes of the entries below the stage's own instructions (the base image). */
  readonly baseSize: number;
  /** Sum of all entries: the image's size. */
  readonly totalSize: number;
  /** Instructions that could not be mapped, with the reason (empty when all were). */
  readonly unmatched: readonly { readonly instructionIndex: number; readonly line: number; readonly reason: string }[];
}

const NOP = /#\(nop\)\s+([A-Za-z]+)/;

/** True when a history entry can have been made by `inst`. */
export function historyEntryFits(inst: Instruction, entry: HistoryEntry): boolean {
  const keyword = inst.keyword;
  const by = entry.createdBy.trim();
  const nop = NOP.exec(by);
  if (nop) return nop[1]?.toUpperCase() === keyword;
  // BuildKit: `RUN /bin/sh -c ... # buildkit`, `COPY src dst # buildkit`, `WORKDIR /app`, `ENV A=b`.
  const leading = /^([A-Z]+)\b/.exec(by)?.[1];
  if (leading !== undefined && (leading === keyword || (keyword === 'ONBUILD' && leading === 'ONBUILD'))) return true;
  // Classic builder RUN: the command line itself (`/bin/sh -c make`, `|1 A=b /bin/sh -c make`, exec form).
  return keyword === 'RUN' && (leading === undefined || !KNOWN_HISTORY_KEYWORDS.has(leading));
}

const KNOWN_HISTORY_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'WORKDIR', 'USER', 'CMD', 'ENTRYPOINT', 'EXPOSE', 'VOLUME', 'SHELL', 'STOPSIGNAL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER']);

/**
 * Maps the history of the image a stage produced (newest first, as the engine returns
 * it) to the stage's instructions.
 */
export function mapStageHistory(stage: Stage, history: readonly HistoryEntry[]): StageLayers {
  const instructions = stage.instructions;
  const layers: InstructionLayer[] = [];
  const unmatched: { instructionIndex: number; line: number; reason: string }[] = [];
  const totalSize = history.reduce((sum, e) => sum + e.size, 0);
  let entryIndex = 0;
  for (let i = instructions.length - 1; i >= 0; i--) {
    const inst = instructions[i] as Instruction;
    const entry = history[entryIndex];
    if (entry === undefined) {
      unmatched.push({ instructionIndex: inst.index, line: inst.range.start.line, reason: 'the image history has fewer entries than the stage has instructions' });
      continue;
    }
    if (!historyEntryFits(inst, entry)) {
      // Everything from here down is unmatched: the history is not this Dockerfile's (or it changed).
      for (let j = i; j >= 0; j--) {
        const rest = instructions[j] as Instruction;
        unmatched.push({ instructionIndex: rest.index, line: rest.range.start.line, reason: `the history entry "${shorten(entry.createdBy)}" does not come from this ${rest === inst ? inst.keyword : 'instruction'}` });
      }
      entryIndex = history.length;
      break;
    }
    layers.push({ instructionIndex: inst.index, line: inst.range.start.line, keyword: inst.keyword, size: entry.size, createdBy: entry.createdBy });
    entryIndex++;
  }
  const baseSize = unmatched.length === 0 ? history.slice(entryIndex).reduce((sum, e) => sum + e.size, 0) : 0;
  layers.reverse();
  unmatched.reverse();
  return { stageIndex: stage.index, layers, baseSize, totalSize, unmatched };
}

function shorten(text: string, max = 60): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * The instructions the classic builder runs as numbered steps, in order: ARGs before the
 * first FROM, then each stage's FROM and instructions. `Step n/m` is entry n-1.
 */
export function buildSteps(df: Dockerfile): Instruction[] {
  return [...df.globalArgs, ...df.stages.flatMap((s) => [s.from, ...s.instructions])];
}

/**
 * The instruction a classic-builder step ran, checked against the step's echoed text
 * (its keyword); undefined when the numbering does not fit this Dockerfile.
 */
export function instructionForStep(df: Dockerfile, stepNumber: number, stepText: string): Instruction | undefined {
  const inst = buildSteps(df)[stepNumber - 1];
  if (!inst) return undefined;
  const keyword = /^\s*([A-Za-z]+)/.exec(stepText)?.[1]?.toUpperCase();
  return keyword === inst.keyword ? inst : undefined;
}

/**
 * Image IDs each stage ended with, from the result IDs of the build steps (`---> id`
 * after each step): the ID after a stage's last step is that stage's image.
 */
export function stageImagesFromSteps(df: Dockerfile, steps: readonly { readonly number: number; readonly text: string; readonly imageId: string | undefined }[]): Map<number, string> {
  const images = new Map<number, string>();
  for (const step of steps) {
    const inst = instructionForStep(df, step.number, step.text);
    if (!inst || step.imageId === undefined || inst.stageIndex < 0) continue;
    // Later steps of the same stage overwrite earlier ones: the last one is the stage's image.
    images.set(inst.stageIndex, step.imageId);
  }
  return images;
}

/** Change of one instruction's layer against the previous build. */
export interface LayerChange {
  readonly line: number;
  /** Bytes now minus bytes before; undefined when the previous build had no such instruction. */
  readonly delta: number | undefined;
}

/**
 * Compares two mappings of the same stage: instructions are paired by their text
 * (keyword and arguments), so an edit elsewhere in the file does not shift the pairs.
 */
export function compareLayers(
  previous: readonly (InstructionLayer & { readonly text: string })[],
  current: readonly (InstructionLayer & { readonly text: string })[],
): LayerChange[] {
  const before = new Map<string, number[]>();
  for (const layer of previous) {
    const sizes = before.get(layer.text) ?? [];
    sizes.push(layer.size);
    before.set(layer.text, sizes);
  }
  return current.map((layer) => {
    const sizes = before.get(layer.text);
    const old = sizes?.shift();
    return { line: layer.line, delta: old === undefined ? undefined : layer.size - old };
  });
}

/** Advice for a layer above the size threshold, by what made it. */
export function largeLayerAdvice(keyword: string): string {
  switch (keyword) {
    case 'RUN':
      return 'remove package caches and temporary files in the same RUN, or move build tools to a build stage and copy only the result';
    case 'COPY':
    case 'ADD':
      return 'copy only what the image needs: narrow the source path or add the rest to .dockerignore';
    default:
      return 'check what this instruction puts in the image';
  }
}
