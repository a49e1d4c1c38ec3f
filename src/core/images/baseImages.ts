/**
 * Published sizes of common base images, as dated data. The figures are the linux/amd64
 * snapshots of docker-library/repo-info from July-September 2026: "compressed" is the
 * download (sum of compressed layers), "on disk" the unpacked size. Tags move every week,
 * so every figure is shown with the snapshot date and live sizes should win when known.
 *
 * Sizes are in megabytes as the registry tooling prints them (decimal: 1 MB = 10^6 bytes).
 */

import { normalizedRepository, parseImageRef } from '../dockerfile/imageRef';

/** Month of the snapshot the table was taken from. */
export const BASE_IMAGE_SNAPSHOT = '2026-09';

/**
 * Unpacked size over compressed download size, observed between 2.7 and 2.9 on these
 * images; used to estimate the on-disk size when only the download size was published.
 */
export const ON_DISK_PER_COMPRESSED = 2.8;

interface TableEntry {
  readonly ref: string;
  readonly aliases: readonly string[];
  /** One figure, or the range seen over several snapshots. */
  readonly compressedMB?: number | readonly [number, number];
  readonly onDiskMB?: number;
}

/** Data of `base-images.json` (snapshot 2026-09), kept as code so it is type-checked and bundled. */
const TABLE: readonly TableEntry[] = [
  { ref: 'node:22-bookworm', aliases: ['node:22', 'node:lts'], compressedMB: [402.5, 408.2] },
  { ref: 'node:22-slim', aliases: ['node:22-bookworm-slim'], compressedMB: [77.1, 79.9], onDiskMB: 227.34 },
  { ref: 'node:22-alpine', aliases: [], compressedMB: 60.7, onDiskMB: 167.35 },
  { ref: 'node:20-bookworm', aliases: ['node:20'], compressedMB: [398.1, 398.9] },
  { ref: 'node:20-slim', aliases: [], compressedMB: [70.7, 71.5] },
  { ref: 'node:20-alpine', aliases: [], compressedMB: [47.4, 48.4] },
  { ref: 'python:3.12', aliases: ['python:3.12-trixie'], compressedMB: 410.9, onDiskMB: 1110 },
  { ref: 'python:3.12-slim', aliases: ['python:3.12-slim-trixie'], compressedMB: 43.2, onDiskMB: 119.42 },
  { ref: 'python:3.12-alpine', aliases: [], compressedMB: 18.0 },
  { ref: 'golang:1.26', aliases: ['golang:1.26-trixie'], compressedMB: 312.3 },
  { ref: 'golang:1.26-alpine', aliases: [], compressedMB: 71.4 },
  { ref: 'alpine:3.24', aliases: ['alpine:latest', 'alpine'], compressedMB: 3.8, onDiskMB: 5 },
  { ref: 'debian:trixie', aliases: ['debian:13', 'debian:latest'], compressedMB: 49.3, onDiskMB: 124 },
  { ref: 'debian:trixie-slim', aliases: [], compressedMB: 29.8 },
  { ref: 'ubuntu:24.04', aliases: ['ubuntu:noble', 'ubuntu:latest'], compressedMB: 29.8 },
  { ref: 'gcr.io/distroless/static-debian12', aliases: [], onDiskMB: 2 },
  { ref: 'scratch', aliases: [], compressedMB: 0, onDiskMB: 0 },
];

/**
 * The table's own "slimmer variant" advice: table ref -> variants with the published saving.
 * A variant without `ref` is advice that is not a drop-in image (Go: build a static binary).
 */
const SLIMMER: Readonly<Record<string, readonly { ref?: string; savingPercent?: number; advice?: string }[]>> = {
  'node:22-bookworm': [{ ref: 'node:22-slim', savingPercent: 80 }, { ref: 'node:22-alpine', savingPercent: 85 }],
  'python:3.12': [{ ref: 'python:3.12-slim', savingPercent: 89 }, { ref: 'python:3.12-alpine', savingPercent: 96 }],
  'golang:1.26': [{ advice: 'a static binary on scratch or distroless/static, in a multi-stage build' }],
};

export type ImageVariant = 'full' | 'slim' | 'alpine';

/** A slimmer variant of a looked-up image, published by the same project. */
export interface SlimmerVariant {
  /** The reference to switch to, written in the style of the one looked up (`node:22.11.0-slim`). */
  readonly ref: string;
  /** The table entry its figures come from (`node:22-slim`). */
  readonly tableRef: string;
  readonly variant: ImageVariant;
  /** Midpoint of the published download size, in MB. */
  readonly compressedMB: number | undefined;
  /** Published on-disk size, or an estimate from the download size (see `onDiskEstimated`). */
  readonly onDiskMB: number | undefined;
  /** How much smaller than the looked-up image, in percent (0-100), as published or computed from the table. */
  readonly savingPercent: number;
}

/** What the table says about one base image reference. */
export interface BaseImageInfo {
  /** The reference looked up, normalised (`node:22`, `gcr.io/distroless/static-debian12`). */
  readonly ref: string;
  /** The table entry the figures come from (`node:22-bookworm`). */
  readonly tableRef: string;
  /**
   * True when the figures belong to a related tag of the same family (another patch
   * release, another Debian codename), not to this exact tag.
   */
  readonly estimated: boolean;
  /** Midpoint of the published download size, in MB. */
  readonly compressedMB: number | undefined;
  /** The published download size range when several snapshots differ, in MB. */
  readonly compressedRangeMB: readonly [number, number] | undefined;
  /** Published on-disk size, or an estimate from the download size, in MB. */
  readonly onDiskMB: number | undefined;
  /** True when `onDiskMB` is download size x ON_DISK_PER_COMPRESSED rather than a published figure. */
  readonly onDiskEstimated: boolean;
  /** Month of the table snapshot (`2026-09`). */
  readonly snapshot: string;
  /** Slimmer variants of the same image, preferred first. */
  readonly slimmer: readonly SlimmerVariant[];
  /** Advice when the slimmer option is not a drop-in image (`golang`: a static binary on scratch). */
  readonly advice: string | undefined;
}

/** Debian and Ubuntu release names that appear in official image tags. */
const CODENAMES = new Set([
  'trixie', 'bookworm', 'bullseye', 'buster', 'stretch', 'jessie', 'sid', 'forky',
  'noble', 'jammy', 'focal', 'bionic', 'xenial', 'oracular', 'plucky',
]);

/**
 * Repositories whose numeric tags form families: a tag the table does not list takes
 * the figures of a listed tag whose version it extends (`node:22.11.0` -> `node:22`), or,
 * where sizes hardly move between minor releases, of a listed minor within `minorReach`.
 */
const FAMILY_POLICY: Readonly<Record<string, { minorReach: number }>> = {
  node: { minorReach: 0 },
  python: { minorReach: 2 },
  golang: { minorReach: 2 },
  alpine: { minorReach: 2 },
};

/** A tag split into the parts official images combine: `3.12-slim-bookworm`. */
export interface ParsedTag {
  /** Numeric version (`22`, `3.12.4`), or a version alias such as `lts`, or undefined. */
  readonly version: string | undefined;
  readonly variant: ImageVariant;
  readonly codename: string | undefined;
  /** True when every part of the tag was understood. */
  readonly understood: boolean;
}

/** Splits an official-image tag into version, variant and Debian/Ubuntu codename. */
export function parseTag(tag: string): ParsedTag {
  let version: string | undefined;
  let variant: ImageVariant = 'full';
  let codename: string | undefined;
  let understood = true;
  const parts = tag.toLowerCase().split('-');
  parts.forEach((part, k) => {
    if (k === 0 && (/^\d+(\.\d+)*$/.test(part) || part === 'lts' || part === 'latest' || part === 'current')) version = part;
    else if (part === 'slim') variant = 'slim';
    else if (/^alpine(\d+(\.\d+)*)?$/.test(part)) variant = 'alpine';
    else if (CODENAMES.has(part)) codename = part;
    else understood = false;
  });
  if (version === 'latest') version = undefined;
  return { version, variant, codename, understood };
}

interface Normalised {
  /** `node`, `gcr.io/distroless/static-debian12`. */
  readonly repository: string;
  /** `22`, or `latest` when absent. */
  readonly tag: string;
  readonly key: string;
}

/** Normalises `docker.io/library/node:22@sha256:..` to `node:22`; undefined for unusable text. */
function normalise(ref: string): Normalised | undefined {
  const trimmed = ref.trim();
  if (trimmed === '' || trimmed.includes('$')) return undefined;
  if (trimmed.toLowerCase() === 'scratch') return { repository: 'scratch', tag: '', key: 'scratch' };
  const parsed = parseImageRef(trimmed);
  let registry = parsed.registry?.toLowerCase();
  if (registry === 'registry-1.docker.io') registry = undefined;
  const repository = normalizedRepository({ ...parsed, registry }).toLowerCase();
  const tag = (parsed.tag ?? 'latest').toLowerCase();
  return { repository, tag, key: `${repository}:${tag}` };
}

interface IndexedEntry {
  readonly entry: TableEntry;
  readonly repository: string;
  readonly tag: ParsedTag;
}

interface TableIndex {
  readonly byKey: ReadonlyMap<string, TableEntry>;
  readonly indexed: readonly IndexedEntry[];
  /** `node` -> `lts` -> `22`: version aliases that the table's aliases reveal. */
  readonly versionAliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

let tableIndex: TableIndex | undefined;

/** The table by normalised reference, built on first use (loading the module stays free). */
function index(): TableIndex {
  if (tableIndex) return tableIndex;
  const byKey = new Map<string, TableEntry>();
  const indexed: IndexedEntry[] = [];
  const versionAliases = new Map<string, Map<string, string>>();
  for (const entry of TABLE) {
    for (const name of [entry.ref, ...entry.aliases]) {
      const n = normalise(name);
      if (n) byKey.set(n.key, entry);
    }
    const n = normalise(entry.ref);
    if (!n || n.repository === 'scratch') continue;
    const tag = parseTag(n.tag);
    indexed.push({ entry, repository: n.repository, tag });
    for (const alias of entry.aliases) {
      const a = normalise(alias);
      if (!a) continue;
      const aliasTag = parseTag(a.tag);
      if (aliasTag.version !== undefined && tag.version !== undefined && !/^\d/.test(aliasTag.version)) {
        const map = versionAliases.get(n.repository) ?? new Map<string, string>();
        map.set(aliasTag.version, tag.version);
        versionAliases.set(n.repository, map);
      }
    }
  }
  tableIndex = { byKey, indexed, versionAliases };
  return tableIndex;
}

function midpoint(value: number | readonly [number, number] | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  return (value[0] + value[1]) / 2;
}

function onDiskOf(entry: TableEntry): { mb: number | undefined; estimated: boolean } {
  if (entry.onDiskMB !== undefined) return { mb: entry.onDiskMB, estimated: false };
  const compressed = midpoint(entry.compressedMB);
  return compressed === undefined ? { mb: undefined, estimated: false } : { mb: compressed * ON_DISK_PER_COMPRESSED, estimated: true };
}

function versionParts(version: string): number[] {
  return version.split('.').map(Number);
}

/** True when `prefix` is `22` and `version` is `22`, `22.11` or `22.11.0`. */
function extendsVersion(version: string, prefix: string): boolean {
  const v = versionParts(version);
  const p = versionParts(prefix);
  return p.length <= v.length && p.every((part, k) => part === v[k]);
}

/** Finds the table entry of a tag's family: same repository and variant, compatible version. */
function familyEntry(repository: string, tag: ParsedTag): TableEntry | undefined {
  const policy = FAMILY_POLICY[repository];
  if (!policy || !tag.understood) return undefined;
  let version = tag.version;
  if (version !== undefined && !/^\d/.test(version)) version = index().versionAliases.get(repository)?.get(version);
  if (version === undefined) return undefined;
  const candidates = index().indexed.filter((e) => e.repository === repository && e.tag.variant === tag.variant && e.tag.version !== undefined);
  // The longest listed version that the requested one extends (`3.12` for `3.12.4`).
  let best: IndexedEntry | undefined;
  for (const c of candidates) {
    const v = c.tag.version as string;
    if (extendsVersion(version, v) && (!best || versionParts(v).length > versionParts(best.tag.version as string).length)) best = c;
  }
  if (best) return best.entry;
  if (policy.minorReach === 0) return undefined;
  const [major, minor] = versionParts(version);
  if (major === undefined || minor === undefined || Number.isNaN(minor)) return undefined;
  let nearest: { e: IndexedEntry; distance: number } | undefined;
  for (const c of candidates) {
    const [cMajor, cMinor] = versionParts(c.tag.version as string);
    if (cMajor !== major || cMinor === undefined) continue;
    const distance = Math.abs(cMinor - minor);
    if (distance <= policy.minorReach && (!nearest || distance < nearest.distance)) nearest = { e: c, distance };
  }
  return nearest?.e.entry;
}

/**
 * The tag of another variant of the same image, following each project's naming:
 * node puts the codename before `-slim` (`22-bookworm-slim`), python after it
 * (`3.12-slim-bookworm`); alpine variants drop the codename.
 */
export function variantTag(repository: string, tag: string, variant: ImageVariant): string | undefined {
  const parsed = parseTag(tag);
  if (!parsed.understood || parsed.variant !== 'full') return undefined;
  const version = parsed.version;
  const parts: string[] = version !== undefined ? [version] : [];
  if (variant === 'alpine') {
    parts.push('alpine');
  } else if (variant === 'slim') {
    if (parsed.codename !== undefined) {
      if (repository === 'python') parts.push('slim', parsed.codename);
      else parts.push(parsed.codename, 'slim');
    } else {
      parts.push('slim');
    }
  } else {
    return tag;
  }
  return parts.join('-');
}

/** The reference text with its tag replaced (registry and repository kept as written, digest dropped). */
export function withTag(ref: string, tag: string): string {
  const parsed = parseImageRef(ref.trim());
  const name = parsed.registry !== undefined ? `${parsed.registry}/${parsed.repository}` : parsed.repository;
  return `${name}:${tag}`;
}

function slimmerVariants(requested: string, normalised: Normalised, entry: TableEntry): { slimmer: SlimmerVariant[]; advice: string | undefined } {
  const slimmer: SlimmerVariant[] = [];
  let advice: string | undefined;
  const own = index().indexed.find((e) => e.entry === entry);
  if (!own || own.tag.variant !== 'full') return { slimmer, advice };
  const heavyCompressed = midpoint(entry.compressedMB);
  const listed = SLIMMER[entry.ref];
  const candidates: { tableRef: string; variant: ImageVariant; savingPercent: number | undefined }[] = [];
  if (listed) {
    for (const item of listed) {
      if (item.ref === undefined) { advice ??= item.advice; continue; }
      const target = index().indexed.find((e) => e.entry.ref === item.ref);
      if (target) candidates.push({ tableRef: item.ref, variant: target.tag.variant, savingPercent: item.savingPercent });
    }
  } else {
    // No published advice: the same version's slim and alpine entries, if the table has them.
    for (const variant of ['slim', 'alpine'] as const) {
      const target = index().indexed.find((e) => e.repository === own.repository && e.tag.variant === variant && e.tag.version === own.tag.version && e.tag.codename === undefined);
      if (target) candidates.push({ tableRef: target.entry.ref, variant, savingPercent: undefined });
    }
  }
  for (const c of candidates) {
    const target = index().byKey.get(normalise(c.tableRef)?.key ?? '');
    if (!target) continue;
    const compressed = midpoint(target.compressedMB);
    let saving = c.savingPercent;
    if (saving === undefined && compressed !== undefined && heavyCompressed !== undefined && heavyCompressed > 0) {
      saving = Math.round((1 - compressed / heavyCompressed) * 100);
    }
    if (saving === undefined) continue;
    const tag = variantTag(normalised.repository, normalised.tag, c.variant);
    if (tag === undefined) continue;
    slimmer.push({
      ref: withTag(requested, tag),
      tableRef: target.ref,
      variant: c.variant,
      compressedMB: compressed,
      onDiskMB: onDiskOf(target).mb,
      savingPercent: saving,
    });
  }
  return { slimmer, advice };
}

/**
 * Looks a base image reference up in the dated size table. Accepts any spelling of a
 * Docker Hub reference (`node:22`, `docker.io/library/node:22`, with a digest), aliases
 * (`node:22` = `node:22-bookworm`), and unlisted tags of a listed family (`node:22.11.0`,
 * marked `estimated`). Undefined when the table knows nothing close enough.
 */
export function lookupBaseImage(ref: string): BaseImageInfo | undefined {
  const n = normalise(ref);
  if (!n) return undefined;
  let entry = index().byKey.get(n.key);
  let estimated = false;
  if (!entry) {
    entry = familyEntry(n.repository, parseTag(n.tag));
    estimated = entry !== undefined;
  }
  if (!entry) return undefined;
  const onDisk = onDiskOf(entry);
  const range = Array.isArray(entry.compressedMB) ? entry.compressedMB as readonly [number, number] : undefined;
  const { slimmer, advice } = n.repository === 'scratch' ? { slimmer: [], advice: undefined } : slimmerVariants(ref, n, entry);
  return {
    ref: n.repository === 'scratch' ? 'scratch' : `${n.repository}:${n.tag}`,
    tableRef: entry.ref,
    estimated,
    compressedMB: midpoint(entry.compressedMB),
    compressedRangeMB: range,
    onDiskMB: onDisk.mb,
    onDiskEstimated: onDisk.estimated,
    snapshot: BASE_IMAGE_SNAPSHOT,
    slimmer,
    advice,
  };
}

/** `405 MB`, `1.1 GB`, `3.8 MB` (decimal units, as docker prints sizes). */
export function formatMegabytes(mb: number): string {
  if (mb >= 1000) return `${(mb / 1000).toFixed(1)} GB`;
  if (mb >= 10) return `${Math.round(mb)} MB`;
  return `${Number(mb.toFixed(1))} MB`;
}
