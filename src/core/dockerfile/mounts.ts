/**
 * BuildKit `RUN --mount=...` flags, read once per instruction, and the path tests the
 * rules make with them (is a directory covered by a cache or tmpfs mount?).
 */
import type { Instruction, Range } from './model';
import { stripQuotes } from './variables';

export interface Mount {
  /** `bind` (the default), `cache`, `tmpfs`, `secret`, `ssh`; lower-cased as BuildKit reads it. */
  readonly type: string;
  /** `target=` (or `dst=`, `destination=`) as written, quotes removed; undefined when absent. */
  readonly target: string | undefined;
  /** `from=`: a stage, an image or a named context. */
  readonly from: string | undefined;
  /** `source=` (or `src=`). */
  readonly source: string | undefined;
  /** The whole `--mount=...` flag. */
  readonly range: Range;
}

const NO_MOUNTS: readonly Mount[] = [];
const mountCache = new WeakMap<Instruction, readonly Mount[]>();

/** The `--mount` flags of a RUN (ONBUILD RUN: of the wrapped RUN), in order. Cached per instruction. */
export function mountsOf(inst: Instruction): readonly Mount[] {
  const target = inst.onbuild ?? inst;
  if (target.flags.length === 0) return NO_MOUNTS;
  let mounts = mountCache.get(target);
  if (mounts) return mounts;
  mounts = NO_MOUNTS;
  for (const flag of target.flags) {
    if (flag.name !== 'mount' || flag.value === undefined) continue;
    let type = 'bind';
    let path: string | undefined;
    let from: string | undefined;
    let source: string | undefined;
    for (const part of flag.value.split(',')) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      const value = eq < 0 ? '' : stripQuotes(part.slice(eq + 1).trim());
      if (key === 'type') type = value.toLowerCase();
      else if (key === 'target' || key === 'dst' || key === 'destination') path = value;
      else if (key === 'from') from = value;
      else if (key === 'source' || key === 'src') source = value;
    }
    if (mounts === NO_MOUNTS) mounts = [];
    (mounts as Mount[]).push({ type, target: path, from, source, range: flag.range });
  }
  mountCache.set(target, mounts);
  return mounts;
}

/** True for mounts whose files never reach the layer: `cache` and `tmpfs`. */
export function isThrowawayMount(mount: Mount): boolean {
  return mount.type === 'cache' || mount.type === 'tmpfs';
}

/** Strips trailing slashes (but keeps `/`). */
export function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  return end === path.length ? path : path.slice(0, end);
}

/** True when `dir` is `path` or one of its parent directories (whole path components; `''` covers nothing). */
export function pathCovers(dir: string, path: string): boolean {
  const d = trimTrailingSlashes(dir);
  const p = trimTrailingSlashes(path);
  if (d === '') return false;
  return p === d || p.startsWith(d === '/' ? '/' : `${d}/`);
}

/** True when a cache or tmpfs mount of the RUN covers `path`: what is written there never reaches the layer. */
export function throwawayMountCovers(inst: Instruction, path: string): boolean {
  for (const m of mountsOf(inst)) if (isThrowawayMount(m) && m.target !== undefined && pathCovers(m.target, path)) return true;
  return false;
}

/** Targets of the RUN's cache and tmpfs mounts as written, trailing slashes removed. */
export function throwawayMountTargets(inst: Instruction): string[] {
  const out: string[] = [];
  for (const m of mountsOf(inst)) if (isThrowawayMount(m) && m.target !== undefined && m.target !== '') out.push(trimTrailingSlashes(m.target));
  return out;
}

/**
 * True when a cache or tmpfs mount covers a tool's cache directory, known by a path
 * `fragment`: the target contains it (`.cache/pip` matches `/root/.cache/pip` and
 * `/home/app/.cache/pip`), or is a parent of it (`/var/cache` covers `/var/cache/dnf`,
 * `/root/.cache` covers `.cache/pip`).
 */
export function throwawayMountCoversFragment(inst: Instruction, fragments: readonly string[]): boolean {
  for (const mount of throwawayMountTargets(inst)) {
    for (const fragment of fragments) {
      const frag = trimTrailingSlashes(fragment);
      if (mount.includes(frag)) return true;
      if (frag.startsWith('/')) {
        if (mount.length > 1 && frag.startsWith(`${mount}/`)) return true;
        continue;
      }
      const segments = frag.split('/');
      for (let k = 1; k < segments.length; k++) if (mount.endsWith(`/${segments.slice(0, k).join('/')}`)) return true;
    }
  }
  return false;
}
