/** BuildKit `RUN --mount` flags as Berth's rules read them. */
import type { Instruction } from '../../model';
import { stripQuotesOf } from './text';
import type { BuildState } from './common';
import { resolvePath, target } from './common';

export interface Mount {
  readonly type: string;
  /** Absolute target path, when known. */
  readonly target: string | undefined;
  /** `from=` of the mount: a stage, an image or a named context. */
  readonly from: string | undefined;
  readonly source: string | undefined;
}

/** Reads every `--mount=` of a RUN. */
export function mountsOf(inst: Instruction, state: BuildState): Mount[] {
  const out: Mount[] = [];
  for (const flag of target(inst).flags) {
    if (flag.name !== 'mount' || flag.value === undefined) continue;
    let type = 'bind';
    let path: string | undefined;
    let from: string | undefined;
    let source: string | undefined;
    for (const part of flag.value.split(',')) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      const value = eq < 0 ? '' : stripQuotesOf(part.slice(eq + 1).trim());
      if (key === 'type') type = value.toLowerCase();
      else if (key === 'target' || key === 'dst' || key === 'destination') path = value;
      else if (key === 'from') from = value;
      else if (key === 'source' || key === 'src') source = value;
    }
    out.push({ type, target: path !== undefined ? resolvePath(path, state.workdir, state) : undefined, from, source });
  }
  return out;
}

/** Targets of cache and tmpfs mounts: files written there never reach the layer. */
export function cacheMountTargetsOf(inst: Instruction, state: BuildState): string[] {
  return mountsOf(inst, state).filter((m) => (m.type === 'cache' || m.type === 'tmpfs') && m.target !== undefined).map((m) => m.target as string);
}
