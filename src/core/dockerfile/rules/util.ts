import type { Instruction, Range, Stage } from '../model';
import { argRange } from '../parser';
import { splitWords } from '../variables';

/** Instructions with this keyword, ONBUILD-wrapped ones included when `withOnbuild`. */
export function instructionsOf(insts: readonly Instruction[], keyword: string, withOnbuild = false): Instruction[] {
  const out: Instruction[] = [];
  for (const inst of insts) {
    if (inst.keyword === keyword) out.push(inst);
    else if (withOnbuild && inst.onbuild?.keyword === keyword) out.push(inst);
  }
  return out;
}

/** The instruction itself, or the one wrapped by ONBUILD. */
export function effective(inst: Instruction): Instruction {
  return inst.onbuild ?? inst;
}

/** The range of the whole argument text (first line only when it spans several). */
export function argsRange(inst: Instruction): Range {
  const target = effective(inst);
  return argRange(target, 0, target.args.length);
}

/** The range of the instruction's first line, from the keyword to the end of the arguments on it. */
export function firstLineRange(inst: Instruction): Range {
  const start = inst.range.start;
  const seg = inst.argSegments[0];
  const endCol = seg && seg.line === start.line ? seg.col + seg.length : inst.keywordRange.end.col;
  return { start, end: { line: start.line, col: Math.max(endCol, inst.keywordRange.end.col) } };
}

/** Source/destination words of COPY/ADD (shell or JSON form); the last one is the destination. */
export function copyPaths(inst: Instruction): { sources: string[]; dest: string | undefined } {
  const target = effective(inst);
  const words = target.json ? [...target.json] : splitWords(target.args).map((w) => w.text);
  if (target.heredocs.length > 0) {
    // `COPY <<EOF /dest`: the heredoc is the source.
    const dest = words.filter((w) => !w.startsWith('<<')).pop();
    return { sources: [], dest };
  }
  const dest = words.length > 1 ? words[words.length - 1] : undefined;
  return { sources: words.slice(0, Math.max(0, words.length - 1)), dest };
}

/** The stage an instruction belongs to. */
export function stageOf(stages: readonly Stage[], inst: Instruction): Stage | undefined {
  return inst.stageIndex >= 0 ? stages[inst.stageIndex] : undefined;
}

/** A flag's value, or undefined. */
export function flagValue(inst: Instruction, name: string): string | undefined {
  return effective(inst).flags.find((f) => f.name === name)?.value;
}

export function hasFlag(inst: Instruction, name: string): boolean {
  return effective(inst).flags.some((f) => f.name === name);
}

/** True when `dir` is `path` or one of its parent folders (path-component boundaries respected). */
export function pathCovers(dir: string, path: string): boolean {
  const d = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return p === d || d === '/' || p.startsWith(`${d}/`);
}

/** True when a RUN has a BuildKit cache or tmpfs mount on `path` or on a parent of it. */
export function hasCacheMountOn(inst: Instruction, path: string): boolean {
  for (const flag of effective(inst).flags) {
    if (flag.name !== 'mount' || flag.value === undefined) continue;
    const parts = flag.value.split(',');
    const type = parts.find((p) => p.startsWith('type='))?.slice(5);
    const target = parts.find((p) => /^(target|dst|destination)=/.test(p))?.split('=')[1];
    if ((type === 'cache' || type === 'tmpfs') && target !== undefined && pathCovers(target, path)) return true;
  }
  return false;
}
