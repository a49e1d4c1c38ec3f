/**
 * Decisions about a build context before it is sent: what `.dockerignore` leaves in
 * (with the CLI's rule that the Dockerfile and `.dockerignore` always go), how big it
 * is and which paths make it big, symlinks that leave the context, and Dockerfiles that
 * are not text. Pure: the caller walks the file system.
 */
import { cleanPath, createDockerignoreMatcher } from '../dockerfile/dockerignore';
import type { DockerignoreMatcher } from '../dockerfile/dockerignore';

/** One path found in the context folder, relative with `/`. */
export interface ContextEntry {
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  /** Bytes (files only). */
  readonly size: number;
  /** Link target as stored (symlinks only). */
  readonly linkTarget?: string;
}

/**
 * Decides which paths go into the context. `dockerfilePath` is the Dockerfile's path
 * relative to the context (undefined when it lies outside).
 */
export class ContextFilter {
  private readonly matcher: DockerignoreMatcher;

  constructor(dockerignoreText: string | undefined, private readonly dockerfilePath: string | undefined) {
    this.matcher = createDockerignoreMatcher(dockerignoreText ?? '');
  }

  /** True when the path is sent to the engine. */
  includes(path: string): boolean {
    const clean = cleanPath(path);
    // The CLI re-includes these two whatever .dockerignore says: the engine needs them.
    if (clean === '.dockerignore' || (this.dockerfilePath !== undefined && clean === cleanPath(this.dockerfilePath))) return true;
    return !this.matcher.isExcluded(clean);
  }

  /**
   * True when a directory must be walked: it is included, or a `!` pattern may
   * re-include something below it, or the Dockerfile lies below it.
   */
  mustWalk(dir: string): boolean {
    if (this.includes(dir)) return true;
    const clean = cleanPath(dir);
    if (this.dockerfilePath !== undefined && cleanPath(this.dockerfilePath).startsWith(`${clean}/`)) return true;
    return this.matcher.hasNegations;
  }
}

/** Context size facts for the pre-flight message. */
export interface ContextSummary {
  readonly files: number;
  /** Bytes of all files. */
  readonly bytes: number;
  /** Top-level paths by size, biggest first. */
  readonly biggest: readonly { readonly path: string; readonly bytes: number; readonly files: number }[];
}

/** Sums the included entries and names the top-level paths that weigh most. */
export function summariseContext(entries: readonly ContextEntry[], top = 5): ContextSummary {
  const byTop = new Map<string, { bytes: number; files: number }>();
  let bytes = 0;
  let files = 0;
  for (const entry of entries) {
    if (entry.type !== 'file') continue;
    files++;
    bytes += entry.size;
    const slash = entry.path.indexOf('/');
    const key = slash < 0 ? entry.path : `${entry.path.slice(0, slash)}/`;
    const agg = byTop.get(key) ?? { bytes: 0, files: 0 };
    agg.bytes += entry.size;
    agg.files++;
    byTop.set(key, agg);
  }
  const biggest = [...byTop.entries()]
    .map(([path, agg]) => ({ path, bytes: agg.bytes, files: agg.files }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
  return { files, bytes, biggest };
}

/**
 * Symlinks whose target leaves the context: absolute targets, or relative ones that
 * climb above the context root. Docker would send the link, not its target, so a
 * COPY of it would copy a dangling link or fail.
 */
export function escapingSymlinks(entries: readonly ContextEntry[]): { path: string; target: string }[] {
  const out: { path: string; target: string }[] = [];
  for (const entry of entries) {
    if (entry.type !== 'symlink' || entry.linkTarget === undefined) continue;
    const target = entry.linkTarget;
    if (target.startsWith('/')) {
      out.push({ path: entry.path, target });
      continue;
    }
    const slash = entry.path.lastIndexOf('/');
    const resolved = cleanPath(`${slash < 0 ? '' : entry.path.slice(0, slash + 1)}${target}`);
    if (resolved === '..' || resolved.startsWith('../')) out.push({ path: entry.path, target });
  }
  return out;
}

/**
 * True when the bytes do not look like a text Dockerfile: a NUL byte, or invalid UTF-8,
 * in the first 8 KiB.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return true;
  try {
    // A multi-byte character cut at the 8 KiB boundary is not a sign of binary data.
    new TextDecoder('utf-8', { fatal: true }).decode(head.length === 8192 ? head.subarray(0, 8188) : head);
    return false;
  } catch {
    return true;
  }
}

/** "1.2 GB in 200,000 files; biggest: node_modules/ 900 MB, ..." */
export function describeContext(summary: ContextSummary, formatBytes: (n: number) => string): string {
  const biggest = summary.biggest.map((b) => `${b.path} ${formatBytes(b.bytes)}`).join(', ');
  return `${formatBytes(summary.bytes)} in ${summary.files.toLocaleString('en-US')} files${biggest ? `; biggest: ${biggest}` : ''}`;
}
