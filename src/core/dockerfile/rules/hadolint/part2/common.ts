/**
 * Helpers shared by the DL3035-DL3067 rules: command lookups in hadolint's style, the
 * stages that ship, and the small text edits the quick fixes are made of.
 */
import type { Instruction, Stage } from '../../../model';
import { argRange, positionInSegments } from '../../../positions';
import type { ShellWord } from '../../../shell';
import { positionalArgs } from '../../../shell';
import type { Fix, RuleContext, RunCommand } from '../../types';
import { trimTrailingSlashes } from '../../../mounts';

/** True when the command's offsets point into the instruction's argument text (not exec form, not a heredoc). */
export function hasArgOffsets(cmd: RunCommand): boolean {
  return cmd.heredoc === undefined;
}

/** hadolint's `cmdHasArgs`: the program is one of `programs` and any argument is one of `words`. */
export function hasAnyArg(cmd: RunCommand, programs: readonly string[], words: readonly string[]): boolean {
  return programs.includes(cmd.program) && cmd.args.some((a) => words.includes(a.value));
}

/** The first argument equal to one of `words` (the sub-command word), if any. */
export function findArg(cmd: RunCommand, words: readonly string[]): ShellWord | undefined {
  return cmd.args.find((a) => words.includes(a.value));
}

/** Index of the last command in `cmds` matching `test`, or -1. */
export function lastIndex(cmds: readonly RunCommand[], test: (cmd: RunCommand) => boolean): number {
  for (let k = cmds.length - 1; k >= 0; k--) if (test(cmds[k] as RunCommand)) return k;
  return -1;
}

/** `rm -rf <dir>` (or `rm -r -f`, any flag order) over one of `dirs` or something inside it. */
export function removesDir(cmd: RunCommand, dirs: readonly string[]): boolean {
  if (cmd.program !== 'rm') return false;
  return positionalArgs(cmd).some((w) => {
    const path = trimTrailingSlashes(w.value.replace(/\/\*+$/, ''));
    return dirs.some((d) => path === d || path.startsWith(`${d}/`));
  });
}

/** A fix that inserts `text` right after `word` of a command (offsets in the instruction's arguments). */
export function insertAfterWordFix(ctx: RuleContext, inst: Instruction, cmd: RunCommand, word: ShellWord, title: string, text: string): Fix[] {
  if (!hasArgOffsets(cmd)) return [];
  return [{ title, preferred: true, edits: [{ range: ctx.commandRange(inst, cmd, word.end, word.end), newText: text }] }];
}

/**
 * A fix that appends ` && <command>` after the whole RUN script, offered only when that is
 * mechanical: shell form, no heredoc, no `#` (a comment would swallow the addition) and no
 * trailing operator.
 */
export function appendCommandFix(inst: Instruction, title: string, command: string): Fix[] {
  const target = inst.onbuild ?? inst;
  if (target.json || target.heredocs.length > 0 || target.args.includes('#')) return [];
  const script = target.args.trimEnd();
  if (script === '' || /[;&|\\]$/.test(script)) return [];
  return [{ title, edits: [{ range: argRange(target, script.length, 0), newText: ` && ${command}` }] }];
}

/** Position where the arguments of an instruction start. */
export function argsStart(inst: Instruction): { line: number; col: number } {
  return positionInSegments(inst.argSegments, 0);
}

/**
 * Stages whose filesystem becomes an image: the final stage and stages that another
 * stage builds `FROM`. Stages only read by `COPY --from` or `RUN --mount=from=` are
 * build helpers whose caches never ship.
 */
export function shipsAsImage(stage: Stage): boolean {
  return stage.isFinal || stage.usedBy.some((u) => u.via === 'FROM');
}

/**
 * Stages nobody else uses: the final stage and other `--target` candidates. A stage used
 * by another one is an intermediate step.
 */
export function isLeafStage(stage: Stage): boolean {
  return stage.isFinal || stage.usedBy.length === 0;
}

/** Names a variable reference in `text` uses: `$NAME` and `${NAME...}`. */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  const re = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) names.push((m[1] ?? m[2]) as string);
  return names;
}
