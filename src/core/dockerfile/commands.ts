/**
 * The shell commands a RUN executes and where they are in the source, as every rule sees
 * them through `ctx.commands` and `ctx.commandRange`:
 * - shell form: the commands of the argument text (offsets into `args`);
 * - heredoc bodies (`RUN <<EOF`, `RUN bash <<EOF`): the commands of each body, when RUN
 *   hands the body to a shell; `RUN python3 <<EOF` and `RUN cat <<EOF > file` carry
 *   another language or file contents, and reading those as commands invents findings;
 * - exec form: `["sh", "-c", "script"]` is opened up (its offsets are in the JSON string,
 *   `heredoc: -1`); any other exec form is one command whose words are the array items.
 * Positions are 0-based, ends exclusive.
 */
import type { Dockerfile, Heredoc, Instruction, Position, Range } from './model';
import { argRange } from './positions';
import type { RunCommand } from './rules/types';
import { parseShellTagged } from './shell';

/** Shells whose `-c` script (exec form) or heredoc body can be read as a script. */
const POSIX_SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'busybox']);

/** `-c`, or combined short options ending in c (`-ec`, `-euxc`). */
const SHELL_C_FLAG = /^-[a-z]*c$/;

function quoteForShell(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** The one command of an exec-form RUN that is not a shell: words are the array items, offsets are their indexes. */
function execCommand(json: readonly string[]): RunCommand[] {
  const parsed = parseShellTagged(json.map(quoteForShell).join(' '), -1)[0];
  if (!parsed) return [];
  return [{ ...parsed, words: json.map((value, k) => ({ value, raw: value, start: k, end: k })) }];
}

/** True when RUN feeds its heredoc bodies to a shell: nothing else in the arguments, or `sh <<EOF`. */
function heredocIsScript(inArgs: readonly RunCommand[]): boolean {
  if (inArgs.length === 0) return true;
  for (const c of inArgs) {
    if (!POSIX_SHELLS.has(c.program)) continue;
    for (const r of c.redirects) if (r.op === '<<' || r.op === '<<-') return true;
  }
  return false;
}

/** The script of an exec form `["sh", "-c", "script"]`, or undefined for any other exec form. */
function shellScriptOf(json: readonly string[]): string | undefined {
  const [shell, flag, script] = json;
  const program = shell === undefined ? '' : shell.slice(shell.lastIndexOf('/') + 1);
  return POSIX_SHELLS.has(program) && flag !== undefined && SHELL_C_FLAG.test(flag) ? script : undefined;
}

/** The commands of a RUN (ONBUILD RUN: of the wrapped RUN). Pure; the engine caches it per instruction. */
export function runCommandsOf(inst: Instruction): RunCommand[] {
  const target = inst.onbuild ?? inst;
  const json = target.json;
  if (json) {
    const script = shellScriptOf(json);
    return script === undefined ? execCommand(json) : parseShellTagged(script, -1);
  }
  const commands = parseShellTagged(target.args, undefined);
  if (target.heredocs.length === 0 || !heredocIsScript(commands)) return commands;
  for (let k = 0; k < target.heredocs.length; k++) {
    for (const c of parseShellTagged((target.heredocs[k] as Heredoc).content, k)) commands.push(c);
  }
  return commands;
}

/** True when offsets of this command map back to the source (shell form or heredoc body, not exec form). */
export function isEditable(cmd: RunCommand): boolean {
  return cmd.heredoc === undefined || cmd.heredoc >= 0;
}

/** Source position of `offset` inside a heredoc body (`<<-` strips leading tabs: they are added back). */
function heredocPosition(df: Dockerfile, heredoc: Heredoc, offset: number): Position {
  const content = heredoc.content;
  const end = Math.min(offset, content.length);
  let lineInBody = 0;
  let lineStart = 0;
  for (let i = content.indexOf('\n'); i >= 0 && i < end; i = content.indexOf('\n', i + 1)) { lineInBody++; lineStart = i + 1; }
  const line = heredoc.contentStartLine + lineInBody;
  let col = offset - lineStart;
  if (heredoc.stripTabs) {
    const raw = df.lines[line] ?? '';
    let tabs = 0;
    while (raw.charCodeAt(tabs) === 9) tabs++;
    col += tabs;
  }
  return { line, col };
}

/**
 * Source position of an offset in the script a command came from: the RUN's arguments or
 * a heredoc body; undefined for exec form, whose offsets are not in the source.
 */
export function commandPosition(df: Dockerfile, inst: Instruction, cmd: RunCommand, offset: number): Position | undefined {
  const target = inst.onbuild ?? inst;
  if (cmd.heredoc === undefined) return argRange(target, offset, 0).start;
  const heredoc = cmd.heredoc >= 0 ? target.heredocs[cmd.heredoc] : undefined;
  return heredoc ? heredocPosition(df, heredoc, offset) : undefined;
}

/**
 * Source range of a command, or of its text `from`..`to` (offsets in its script): exact in
 * shell form and heredoc bodies, the whole instruction for exec form.
 */
export function commandRange(df: Dockerfile, inst: Instruction, cmd: RunCommand, from = cmd.start, to = cmd.end): Range {
  const target = inst.onbuild ?? inst;
  if (cmd.heredoc === undefined) return argRange(target, from, to - from);
  const start = commandPosition(df, inst, cmd, from);
  const end = commandPosition(df, inst, cmd, to);
  return start && end ? { start, end } : target.range;
}

/** The command as written (continuations joined), for messages and for moving it elsewhere. */
export function commandText(inst: Instruction, cmd: RunCommand): string {
  const target = inst.onbuild ?? inst;
  if (cmd.heredoc === undefined) return target.args.slice(cmd.start, cmd.end);
  if (cmd.heredoc >= 0) return (target.heredocs[cmd.heredoc]?.content ?? '').slice(cmd.start, cmd.end);
  const json = target.json ?? [];
  const script = shellScriptOf(json);
  return script === undefined ? json.join(' ') : script.slice(cmd.start, cmd.end);
}
