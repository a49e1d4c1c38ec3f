/**
 * What a COPY or ADD puts where: destinations resolved against WORKDIR, whether each
 * is a single file or a directory tree, and whether the sources are the whole build
 * context (`COPY . .`).
 */
import type { Instruction } from '../../model';
import { flagValue } from '../util';
import { expandVariables, unquote } from '../../variables';
import type { BuildState } from './common';
import { normalizePath } from './common';
import { copyPathsOf } from '../../args';

export interface CopyTarget {
  /** Absolute destination path (may end in a glob when the source is one: `/app/*.json`). */
  readonly path: string;
  /** True when a directory's content landed here (the path is a tree). */
  readonly tree: boolean;
  /** The source word as written. */
  readonly source: string;
}

export interface CopyInfo {
  readonly inst: Instruction;
  readonly keyword: 'COPY' | 'ADD';
  /** `--from=...`: files come from another stage or image, not from the context. */
  readonly from: string | undefined;
  /** Absolute destination as written (`/app/` -> `/app`), undefined when unknown. */
  readonly dest: string | undefined;
  /** True when the destination is a directory (ends in `/`, is `.`, or several sources). */
  readonly destIsDir: boolean;
  readonly targets: readonly CopyTarget[];
  readonly sources: readonly string[];
  /** Remote sources of ADD (`https://...`). */
  readonly urls: readonly string[];
  /** True when a source is the whole context: `.`, `./`, `*`, `./*`. */
  readonly wholeContext: boolean;
}

const WHOLE_CONTEXT = new Set(['.', './', '*', './*', '/']);

/** A source that is probably a single file: it has an extension and is not a glob of directories. */
function looksLikeFile(source: string): boolean {
  if (source.endsWith('/')) return false;
  const base = source.slice(source.lastIndexOf('/') + 1);
  return (/\.[A-Za-z0-9]+$/.test(base) && base !== '.' && base !== '..') || /^(Dockerfile|Makefile|Gemfile|Procfile|LICENSE|Pipfile|Cargo\.lock)/.test(base);
}

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** True for `COPY . .`-style instructions: a source is the whole build context (no state needed). */
export function copiesWholeContext(inst: Instruction): boolean {
  if ((inst.keyword !== 'COPY' && inst.keyword !== 'ADD') || flagValue(inst, 'from') !== undefined) return false;
  return copyPathsOf(inst).sources.some((s) => WHOLE_CONTEXT.has(unquote(s)));
}

const copyCache = new WeakMap<Instruction, { state: BuildState; info: CopyInfo }>();

/** Reads a COPY or ADD with the state before it (cached). Undefined for other instructions. */
export function readCopy(inst: Instruction, state: BuildState): CopyInfo | undefined {
  if (inst.keyword !== 'COPY' && inst.keyword !== 'ADD') return undefined;
  const cached = copyCache.get(inst);
  if (cached?.state === state) return cached.info;
  const info = computeCopy(inst, state);
  copyCache.set(inst, { state, info });
  return info;
}

function computeCopy(inst: Instruction, state: BuildState): CopyInfo {
  const { sources: rawSources, dest: rawDest } = copyPathsOf(inst);
  const sources = rawSources.map((s) => unquote(s));
  const from = flagValue(inst, 'from');
  const urls = inst.keyword === 'ADD' ? sources.filter((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !/^git@|\.git(#.*)?$/.test(s)) : [];
  let dest: string | undefined;
  let destIsDir = false;
  if (rawDest !== undefined) {
    const expanded = expandVariables(unquote(rawDest), state.vars);
    if (expanded.undefinedNames.length === 0) {
      const text = expanded.value;
      destIsDir = text.endsWith('/') || text === '.' || sources.length > 1;
      dest = normalizePath(text.startsWith('/') ? text : `${state.workdir}/${text}`);
    }
  }
  const targets: CopyTarget[] = [];
  if (dest !== undefined) {
    if (inst.heredocs.length > 0) {
      targets.push({ path: dest, tree: false, source: '<<heredoc' });
    }
    for (const source of sources) {
      if (urls.includes(source)) {
        const name = basename(source.replace(/[?#].*$/, ''));
        targets.push({ path: destIsDir ? normalizePath(`${dest}/${name}`) : dest, tree: false, source });
      } else if (inst.keyword === 'ADD' && /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz)$/i.test(source)) {
        // ADD unpacks local tar archives into the destination.
        targets.push({ path: dest, tree: true, source });
      } else if (looksLikeFile(source) || (/[*?[]/.test(basename(source)) && !WHOLE_CONTEXT.has(source))) {
        targets.push({ path: destIsDir ? normalizePath(`${dest}/${basename(source)}`) : dest, tree: false, source });
      } else {
        targets.push({ path: dest, tree: true, source });
      }
    }
  }
  const wholeContext = from === undefined && sources.some((s) => WHOLE_CONTEXT.has(s));
  return { inst, keyword: inst.keyword === 'ADD' ? 'ADD' : 'COPY', from, dest, destIsDir, targets, sources, urls, wholeContext };
}
