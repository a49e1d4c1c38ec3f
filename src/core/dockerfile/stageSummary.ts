import type { Dockerfile, Stage } from './model';
import { reachableStages } from './stages';

/** Size facts about a base image, from whichever source knows it. */
export interface BaseImageFacts {
  readonly onDiskMB: number | undefined;
  readonly compressedMB: number | undefined;
  /** Where the figure comes from, shown in the lens: `table 2026-09`, `local engine`, `registry`. */
  readonly source: string;
  /** True when the figure is for a close variant (another patch tag of the same family). */
  readonly estimated: boolean;
}

export type BaseImageLookup = (ref: string) => BaseImageFacts | undefined;

/** What a code lens above a FROM says about its stage. */
export interface StageSummary {
  /** 0-based line of the FROM. */
  readonly line: number;
  readonly stageIndex: number;
  /** `final stage`, `build stage "deps", used by "app" via COPY --from`, ... */
  readonly role: string;
  /** `base node:22 ≈ 1.1 GB on disk (table 2026-09)`, or undefined for stage/scratch bases. */
  readonly base: string | undefined;
}

function stageLabel(stage: Stage): string {
  return stage.name !== undefined ? `"${stage.name}"` : `#${stage.index}`;
}

/** Formats megabytes the way people read image sizes: `812 MB`, `1.1 GB`. */
export function formatMB(mb: number): string {
  if (mb >= 1000) return `${(mb / 1024).toFixed(1)} GB`;
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

function describeBase(stage: Stage, stages: readonly Stage[], lookup: BaseImageLookup): string | undefined {
  if (stage.baseStage !== undefined) {
    const base = stages[stage.baseStage];
    return base ? `based on stage ${stageLabel(base)}` : undefined;
  }
  if (stage.baseImage.toLowerCase() === 'scratch') return 'base scratch · 0 B';
  if (stage.baseImage === '') return undefined;
  if (stage.baseImage.includes('$')) return `base ${stage.baseImage} · size unknown (depends on a build argument)`;
  const facts = lookup(stage.baseImage);
  if (!facts) return `base ${stage.baseImage} · size not known yet (build it or pull it to see)`;
  const approx = facts.estimated ? '≈ ' : '';
  const parts: string[] = [];
  if (facts.onDiskMB !== undefined) parts.push(`${approx}${formatMB(facts.onDiskMB)} on disk`);
  if (facts.compressedMB !== undefined) parts.push(`${approx}${formatMB(facts.compressedMB)} download`);
  if (parts.length === 0) return `base ${stage.baseImage}`;
  return `base ${stage.baseImage} · ${parts.join(', ')} (${facts.source}${facts.estimated ? ', closest tag' : ''})`;
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
    return { line: stage.from.range.start.line, stageIndex: stage.index, role, base: describeBase(stage, df.stages, lookup) };
  });
}
