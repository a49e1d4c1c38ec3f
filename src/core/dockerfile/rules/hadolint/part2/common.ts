/**
 * Helpers shared by the DL3035-DL3067 rules: RUN instructions (ONBUILD-wrapped ones
 * included), BuildKit cache mounts, command lookups in hadolint's style, and the
 * small text edits the quick fixes are made of.
 */
import type { Instruction, Stage } from '../../../model';
import { argRange, positionInSegments } from '../../../parser';
import type { ShellWord } from '../../../shell';
import { positionalArgs } from '../../../shell';
import type { Fix, RuleContext, RunCommand } from '../../types';

/** A RUN as written or wrapped by ONBUILD: `target` holds the flags and the script. */
export interface RunInstruction {
  readonly inst: Instruction;
  readonly target: Instruction;
}

/** Every RUN of the file, ONBUILD RUN included: both execute a script in some build. */
export function runInstructions(ctx: RuleContext): RunInstruction[] {
  const out: RunInstruction[] = [];
  for (const inst of ctx.df.instructions) {
    if (inst.keyword === 'RUN') out.push({ inst, target: inst });
    else if (inst.onbuild?.keyword === 'RUN') out.push({ inst, target: inst.onbuild });
  }
  return out;
}

/** True when the command's offsets point into the instruction's argument text (not exec form, not a heredoc). */
export function hasArgOffsets(cmd: RunCommand): boolean {
  return cmd.heredoc === undefined;
}

/** Targets of `--mount=type=cache` and `--mount=type=tmpfs` flags: files there never reach the layer. */
export function cacheMountTargets(target: Instruction): string[] {
  const out: string[] = [];
  for (const flag of target.flags) {
    if (flag.name !== 'mount' || flag.value === undefined) continue;
    let type = 'bind';
    let path: string | undefined;
    for (const part of flag.value.split(',')) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      const value = eq < 0 ? '' : stripQuotes(part.slice(eq + 1).trim());
      if (key === 'type') type = value.toLowerCase();
      else if (key === 'target' || key === 'dst' || key === 'destination') path = value;
    }
    if ((type === 'cache' || type === 'tmpfs') && path !== undefined && path !== '') out.push(trimSlash(path));
  }
  return out;
}

/**
 * True when a cache or tmpfs mount covers a cache directory: the mount target contains
 * one of `fragments` (`.cache/pip` matches `/root/.cache/pip` and `/home/app/.cache/pip`),
 * or it is a parent of the fragment (`/var/cache` covers `/var/cache/dnf`, `/root/.cache` covers `.cache/pip`).
 */
export function hasCacheMountFor(target: Instruction, fragments: readonly string[]): boolean {
  for (const mount of cacheMountTargets(target)) {
    for (const fragment of fragments) {
      const frag = trimSlash(fragment);
      if (mount.includes(frag)) return true;
      if (frag.startsWith('/') && mount.length > 1 && frag.startsWith(`${mount}/`)) return true;
      // `/root/.cache` covers `.cache/pip` too.
      const segments = frag.split('/');
      for (let k = 1; k < segments.length; k++) if (!frag.startsWith('/') && mount.endsWith(`/${segments.slice(0, k).join('/')}`)) return true;
    }
  }
  return false;
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') : path;
}

function stripQuotes(value: string): string {
  if (value.length >= 2 && (value.startsWith('"') || value.startsWith("'")) && value.endsWith(value.charAt(0))) return value.slice(1, -1);
  return value;
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
    const path = trimSlash(w.value.replace(/\/\*+$/, ''));
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
export function appendCommandFix(run: RunInstruction, title: string, command: string): Fix[] {
  const { target } = run;
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

/** The chain of a stage and the earlier stages it is built `FROM`, nearest first. */
export function stageChain(stages: readonly Stage[], stage: Stage): Stage[] {
  const chain: Stage[] = [];
  let current: Stage | undefined = stage;
  const seen = new Set<number>();
  while (current && !seen.has(current.index)) {
    seen.add(current.index);
    chain.push(current);
    current = current.baseStage === undefined ? undefined : stages[current.baseStage];
  }
  return chain;
}

/** Names a variable reference in `text` uses: `$NAME` and `${NAME...}`. */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  const re = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) names.push((m[1] ?? m[2]) as string);
  return names;
}
