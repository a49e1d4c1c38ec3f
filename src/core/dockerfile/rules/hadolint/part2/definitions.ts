/**
 * Which variable names are defined (by ARG or ENV) before an instruction, following the
 * stage it belongs to back through the stages it is built `FROM`. Used where hadolint
 * accepts a `${VAR}` in place of a literal (a version, a user id).
 */
import type { Dockerfile, Instruction } from '../../../model';
import { parseKeyValues } from '../../../variables';
import { stageChain } from './common';

/** Names of an ARG or ENV instruction (several for `ENV A=1 B=2` or `ARG A B`). */
export function definedBy(inst: Instruction): string[] {
  if (inst.keyword === 'ARG') return parseKeyValues(inst.args, false).map((kv) => kv.key);
  if (inst.keyword === 'ENV') return parseKeyValues(inst.args, true).map((kv) => kv.key);
  return [];
}

/** ARG and ENV names in effect at `inst`: global ARGs, earlier ones in its stage, all of its base stages'. */
export function namesDefinedBefore(df: Dockerfile, inst: Instruction): Set<string> {
  const names = new Set<string>();
  for (const arg of df.globalArgs) for (const n of definedBy(arg)) names.add(n);
  const stage = inst.stageIndex >= 0 ? df.stages[inst.stageIndex] : undefined;
  if (!stage) return names;
  for (const s of stageChain(df.stages, stage)) {
    for (const other of s.instructions) {
      if (s === stage && other.index >= inst.index) break;
      for (const n of definedBy(other)) names.add(n);
    }
  }
  return names;
}
