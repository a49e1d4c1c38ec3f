/** BuildKit `RUN --mount` flags as Berth's rules read them: targets resolved against WORKDIR. */
import type { Instruction } from '../../model';
import { isThrowawayMount, mountsOf } from '../../mounts';
import type { BuildState } from './common';
import { resolvePath } from './common';

/** Absolute targets of the RUN's cache and tmpfs mounts: files written there never reach the layer. */
export function cacheMountTargetsOf(inst: Instruction, state: BuildState): string[] {
  const out: string[] = [];
  for (const m of mountsOf(inst)) {
    if (!isThrowawayMount(m) || m.target === undefined) continue;
    const path = resolvePath(m.target, state.workdir, state);
    if (path !== undefined) out.push(path);
  }
  return out;
}
