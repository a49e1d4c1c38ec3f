import type { Comment, Dockerfile, Instruction, Range, Stage } from '../model';
import { argRange } from '../positions';
import type { RuleContext, RunCommand } from './types';

interface KeywordIndex {
  /** Keyword -> instructions with it. */
  readonly plain: ReadonlyMap<string, readonly Instruction[]>;
  /** Keyword -> instructions with it, or wrapping it in ONBUILD. */
  readonly withOnbuild: ReadonlyMap<string, readonly Instruction[]>;
}

const NO_INSTRUCTIONS: readonly Instruction[] = [];
const keywordCache = new WeakMap<Dockerfile, KeywordIndex>();

/** Instructions by keyword, built in one pass over the file the first time a rule asks. */
function keywordIndex(df: Dockerfile): KeywordIndex {
  let index = keywordCache.get(df);
  if (index) return index;
  const plain = new Map<string, Instruction[]>();
  const onbuild = new Map<string, Instruction[]>();
  const add = (map: Map<string, Instruction[]>, keyword: string, inst: Instruction): void => {
    const list = map.get(keyword);
    if (list) list.push(inst); else map.set(keyword, [inst]);
  };
  for (const inst of df.instructions) {
    add(plain, inst.keyword, inst);
    add(onbuild, inst.keyword, inst);
    // ONBUILD ONBUILD is listed under ONBUILD once.
    if (inst.onbuild && inst.onbuild.keyword !== inst.keyword) add(onbuild, inst.onbuild.keyword, inst);
  }
  index = { plain, withOnbuild: onbuild };
  keywordCache.set(df, index);
  return index;
}

/** Instructions with this keyword, in file order. Cached per file. */
export function instructionsOf(df: Dockerfile, keyword: string): readonly Instruction[] {
  return keywordIndex(df).plain.get(keyword) ?? NO_INSTRUCTIONS;
}

/** Instructions with this keyword, ONBUILD-wrapped ones included (they run in the child build). Cached per file. */
export function withOnbuild(df: Dockerfile, keyword: string): readonly Instruction[] {
  return keywordIndex(df).withOnbuild.get(keyword) ?? NO_INSTRUCTIONS;
}

/** One command of a RUN (ONBUILD RUN included), with its instruction and all commands of that RUN. */
export interface CommandAt {
  readonly inst: Instruction;
  readonly cmd: RunCommand;
  /** Every command of the same RUN, in order (`cmd` among them). */
  readonly all: readonly RunCommand[];
}

interface CommandIndex {
  /** Every command of every RUN, in file order. */
  readonly all: readonly CommandAt[];
  readonly byProgram: ReadonlyMap<string, readonly CommandAt[]>;
  /** Commands run through sudo (their program is what sudo runs). */
  readonly sudo: readonly CommandAt[];
}

const NO_COMMANDS: readonly CommandAt[] = [];
const commandIndexCache = new WeakMap<Dockerfile, CommandIndex>();

/**
 * The RUN commands of the file by program, built once per file: most rules look for a
 * few programs (apt-get, pip, curl), and most files have none of them.
 */
function commandIndex(ctx: RuleContext): CommandIndex {
  let index = commandIndexCache.get(ctx.df);
  if (index) return index;
  const all: CommandAt[] = [];
  const byProgram = new Map<string, CommandAt[]>();
  const sudo: CommandAt[] = [];
  for (const inst of withOnbuild(ctx.df, 'RUN')) {
    const commands = ctx.commands(inst);
    for (const cmd of commands) {
      const at: CommandAt = { inst, cmd, all: commands };
      all.push(at);
      const list = byProgram.get(cmd.program);
      if (list) list.push(at); else byProgram.set(cmd.program, [at]);
      if (cmd.sudo) sudo.push(at);
    }
  }
  index = { all, byProgram, sudo };
  commandIndexCache.set(ctx.df, index);
  return index;
}

/** Every command of every RUN (ONBUILD RUN included), in file order. */
export function allCommands(ctx: RuleContext): readonly CommandAt[] {
  return commandIndex(ctx).all;
}

/** The RUN commands whose program is `program` (`apt-get`; `/usr/bin/pip3` counts as `pip3`), in file order. */
export function commandsOf(ctx: RuleContext, program: string): readonly CommandAt[] {
  return commandIndex(ctx).byProgram.get(program) ?? NO_COMMANDS;
}

/** The RUN commands whose program passes `test`, in file order. */
export function commandsWhere(ctx: RuleContext, test: (program: string) => boolean): readonly CommandAt[] {
  return usesProgramWhere(ctx, test) ? commandIndex(ctx).all.filter((at) => test(at.cmd.program)) : NO_COMMANDS;
}

/** True when the program of some RUN command passes `test`. */
export function usesProgramWhere(ctx: RuleContext, test: (program: string) => boolean): boolean {
  for (const program of commandIndex(ctx).byProgram.keys()) if (test(program)) return true;
  return false;
}

/** True when some RUN command runs one of `programs`. */
export function usesProgram(ctx: RuleContext, ...programs: string[]): boolean {
  const byProgram = commandIndex(ctx).byProgram;
  return programs.some((p) => byProgram.has(p));
}

/** Commands run through `sudo`, in file order. */
export function sudoCommands(ctx: RuleContext): readonly CommandAt[] {
  return commandIndex(ctx).sudo;
}

const commentCache = new WeakMap<Dockerfile, ReadonlyMap<number, Comment>>();

/** Comments by line (directive lines included). Cached per file. */
export function commentsByLine(df: Dockerfile): ReadonlyMap<number, Comment> {
  let byLine = commentCache.get(df);
  if (!byLine) {
    const map = new Map<number, Comment>();
    for (const c of df.comments) map.set(c.line, c);
    byLine = map;
    commentCache.set(df, byLine);
  }
  return byLine;
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
