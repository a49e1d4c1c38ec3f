import type { Dockerfile, Stage } from './model';
import { parseRegistryReference } from '../registry/reference';
import { reachableStages } from './stages';

/** Size facts about a base image, from whichever source knows it. */
export interface BaseImageFacts {
  readonly onDiskMB: number | undefined;
  readonly compressedMB: number | undefined;
  /** Where the figure comes from, shown in the lens: `table 2026-09`, `local engine`, `registry`. */
  readonly source: string;
  /** True when the figure is for a close variant (another patch tag of the same family). */
  readonly estimated: boolean;
  /** More about the figure for the tooltip (digest, platform, time fetched), one line each. */
  readonly detail?: readonly string[];
}

export type BaseImageLookup = (ref: string) => BaseImageFacts | undefined;

/** What a code lens above a FROM says about its stage. */
export interface StageSummary {
  /** 0-based line of the FROM. */
  readonly line: number;
  readonly stageIndex: number;
  /** `final stage`, `build stage "deps", used by "app" via COPY --from`, ... */
  readonly role: string;
  /** `base 405 MB download (table 2026-09)`, `based on stage "build"`; undefined when there is nothing to say. */
  readonly base: string | undefined;
  /**
   * The FROM's image reference after ARG substitution (`node:22`), when the base is an
   * image whose size can be looked up: not a stage, not scratch, no unset build argument.
   */
  readonly baseImage: string | undefined;
}

/** What a lens says about a base image: a short text (it shares the line) and a tooltip. */
export interface BaseDescription {
  readonly text: string;
  readonly tooltip: string;
}

function stageLabel(stage: Stage): string {
  return stage.name !== undefined ? `"${stage.name}"` : `#${stage.index}`;
}

/** Formats megabytes (10^6 bytes) the way people read image sizes: `812 MB`, `1.1 GB`. */
export function formatMB(mb: number): string {
  if (mb >= 1000) return `${(mb / 1000).toFixed(1)} GB`;
  if (mb >= 10) return `${Math.round(mb)} MB`;
  return `${mb.toFixed(1)} MB`;
}

/** Formats a byte count: `0 B`, `12.3 kB`, `45 MB`, `1.2 GB` (decimal units, as docker prints). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/**
 * Describes a base image's size for a lens: `base 1.3 MB on disk (local engine)`,
 * `base 405 MB download (registry, 14:02)`, `base ≈ 405 MB download (table 2026-09)`.
 * The lens shows one figure (the download when known, as the registry and the table
 * state it); the tooltip has both, where the figure comes from, and `notes` (lookups
 * that failed, lookups under way). Sizes in `facts` are megabytes (10^6 bytes).
 */
export function describeBaseImage(ref: string, facts: BaseImageFacts | undefined, notes: readonly string[] = []): BaseDescription {
  if (!facts) {
    return {
      text: 'base size unknown',
      tooltip: [`Base image ${ref}: its size is not known (not in the local engine, and not in Berth's size table).`, 'Pull or build it to see its size.', ...notes].join('\n'),
    };
  }
  const approx = facts.estimated ? '≈ ' : '';
  const mb = (value: number): string => `${approx}${formatBytes(Math.round(value * 1e6))}`;
  // On disk is what `docker images` reports; the download is what a pull costs: both when known.
  const figures: string[] = [];
  if (facts.onDiskMB !== undefined) figures.push(`${mb(facts.onDiskMB)} on disk`);
  if (facts.compressedMB !== undefined) figures.push(`${mb(facts.compressedMB)} download`);
  const figure = figures.length > 0 ? figures.join(', ') : undefined;
  const lines = [`Base image ${ref}`];
  if (facts.compressedMB !== undefined) lines.push(`Download (compressed layers): ${mb(facts.compressedMB)}`);
  if (facts.onDiskMB !== undefined) lines.push(`On disk (unpacked): ${mb(facts.onDiskMB)}`);
  lines.push(`From: ${facts.source}${facts.estimated ? ' (figures of the closest listed tag)' : ''}`, ...(facts.detail ?? []), ...notes);
  return { text: figure !== undefined ? `base ${figure} (${facts.source})` : `base size unknown (${facts.source})`, tooltip: lines.join('\n') };
}

/** True when the base depends on a build argument that has no value (`FROM node:${V}` is `node:`). */
function unresolvedArgument(stage: Stage): boolean {
  return stage.baseImage.includes('$') || (stage.baseImageRaw.includes('$') && !parseRegistryReference(stage.baseImage).ok);
}

/** The reference a stage's size can be looked up by, if any. */
function lookupReference(stage: Stage): string | undefined {
  if (stage.baseStage !== undefined || stage.baseImage === '' || stage.baseImage.toLowerCase() === 'scratch' || unresolvedArgument(stage)) return undefined;
  return stage.baseImage;
}

function describeBase(stage: Stage, stages: readonly Stage[], lookup: BaseImageLookup): string | undefined {
  if (stage.baseStage !== undefined) {
    const base = stages[stage.baseStage];
    return base ? `based on stage ${stageLabel(base)}` : undefined;
  }
  if (stage.baseImage.toLowerCase() === 'scratch') return 'base scratch, 0 B';
  if (unresolvedArgument(stage)) return 'base size unknown (depends on a build argument)';
  if (stage.baseImage === '') return undefined;
  return describeBaseImage(stage.baseImage, lookup(stage.baseImage)).text;
}

/** One summary per stage, for the code lenses above FROM lines. */
export function summariseStages(df: Dockerfile, lookup: BaseImageLookup): StageSummary[] {
  const reached = reachableStages(df.stages);
  return df.stages.map((stage) => {
    let role: string;
    if (stage.isFinal) {
      role = df.stages.length > 1 ? `final stage (of ${df.stages.length})` : 'final stage';
    } else if (stage.usedBy.length === 0) {
      role = `stage ${stageLabel(stage)} · unused: nothing builds from or copies from it`;
    } else {
      const uses = stage.usedBy.map((u) => {
        const by = df.stages[u.byStage];
        const who = by?.isFinal ? 'the final stage' : by ? stageLabel(by) : `#${u.byStage}`;
        return `${who} via ${u.via}`;
      });
      const unique = [...new Set(uses)];
      const kind = reached.has(stage.index) ? 'build stage' : 'stage';
      role = `${kind} ${stageLabel(stage)}, used by ${unique.join(', ')}${reached.has(stage.index) ? '' : ' (not reached from the final stage)'}`;
    }
    return { line: stage.from.range.start.line, stageIndex: stage.index, role, base: describeBase(stage, df.stages, lookup), baseImage: lookupReference(stage) };
  });
}
