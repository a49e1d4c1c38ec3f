/**
 * Which variable names are defined (by ARG or ENV) before an instruction, following the
 * stage it belongs to back through the stages it is built `FROM`. Used where hadolint
 * accepts a `${VAR}` in place of a literal (a version, a user id).
 */
import type { Dockerfile, Instruction } from '../../../model';
import { definedNames } from '../../../args';
import { stageChain } from '../../../stages';

/** ARG and ENV names in effect at `inst`: global ARGs, earlier ones in its stage, all of its base stages'. */
export function namesDefinedBefore(df: Dockerfile, inst: Instruction): Set<string> {
  const names = new Set<string>();
  for (const arg of df.globalArgs) for (const n of definedNames(arg)) names.add(n);
  const stage = inst.stageIndex >= 0 ? df.stages[inst.stageIndex] : undefined;
  if (!stage) return names;
  for (const s of stageChain(df.stages, stage)) {
    for (const other of s.instructions) {
      if (s === stage && other.index >= inst.index) break;
      for (const n of definedNames(other)) names.add(n);
    }
  }
  return names;
}
