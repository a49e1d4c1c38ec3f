/**
 * Helpers shared by the DL1001, DL3000-DL3034 and DL4000-DL4006 rules: the RUN scripts
 * a rule should look at, precise ranges inside heredoc bodies, BuildKit mounts, and the
 * small text edits the quick fixes are made of. Positions are 0-based, ends exclusive.
 */
import type { Heredoc, Instruction, Position, Range } from '../../../model';
import { argRange } from '../../../parser';
import type { ShellCommand, ShellWord } from '../../../shell';
import { parseShell } from '../../../shell';
import type { Fix, RuleContext, RunCommand, TextEdit } from '../../types';
import { effective } from '../../util';
import { unquote } from '../../../variables';

/** Shells whose `-c` script we can read when RUN is written in exec form. */
const POSIX_SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'busybox']);

/** Instructions with `keyword`, ONBUILD-wrapped ones included (they run in the child build). */
export function withOnbuild(ctx: RuleContext, keyword: string): Instruction[] {
  const out: Instruction[] = [];
  for (const inst of ctx.df.instructions) {
    if (inst.keyword === keyword || inst.onbuild?.keyword === keyword) out.push(inst);
  }
  return out;
}

/**
 * The shell commands a RUN executes. Exec form `["sh", "-c", "script"]` is opened up so
 * that its script is checked like shell form; those commands carry `heredoc: -1`
 * (their offsets are in the JSON string, not in the source).
 */
export function runCommands(ctx: RuleContext, inst: Instruction): readonly RunCommand[] {
  const commands = ctx.commands(inst);
  const target = effective(inst);
  if (!target.json) return heredocIsScript(commands) ? commands : commands.filter((c) => c.heredoc === undefined);
  const [shell, flag, script] = target.json;
  const program = shell?.slice(shell.lastIndexOf('/') + 1) ?? '';
  // `-c`, or combined short options ending in c (`-ec`, `-euxc`).
  if (POSIX_SHELLS.has(program) && flag !== undefined && /^-[a-z]*c$/.test(flag) && script !== undefined) {
    return parseShell(script).map((c) => ({ ...c, heredoc: -1 }));
  }
  return commands;
}

/**
 * A heredoc body is a shell script when RUN has nothing else (`RUN <<EOF`) or feeds it to
 * a shell (`RUN bash <<EOF`). `RUN cat <<EOF > /etc/app.conf` and `RUN python3 <<EOF`
 * carry file contents or another language: reading those as commands invents findings.
 */
function heredocIsScript(commands: readonly RunCommand[]): boolean {
  const inArgs = commands.filter((c) => c.heredoc === undefined);
  if (inArgs.length === 0) return true;
  return inArgs.some((c) => POSIX_SHELLS.has(c.program) && c.redirects.some((r) => r.op === '<<' || r.op === '<<-'));
}

/** True when offsets of this command map back to the source (shell form or heredoc body). */
export function isEditable(cmd: RunCommand): boolean {
  return cmd.heredoc === undefined || cmd.heredoc >= 0;
}

/** Source position of `offset` inside a heredoc body. */
function heredocPosition(ctx: RuleContext, heredoc: Heredoc, offset: number): Position {
  const before = heredoc.content.slice(0, offset);
  let lineIndex = 0;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) lineIndex++;
  const line = heredoc.contentStartLine + lineIndex;
  let col = offset - (before.lastIndexOf('\n') + 1);
  // `<<-EOF` strips leading tabs from the body: add them back to reach the source column.
  if (heredoc.stripTabs) col += /^\t*/.exec(ctx.df.lines[line] ?? '')?.[0].length ?? 0;
  return { line, col };
}

/** Source position of an offset in the script a command came from, or undefined (exec form). */
export function scriptPosition(ctx: RuleContext, inst: Instruction, cmd: RunCommand, offset: number): Position | undefined {
  const target = effective(inst);
  if (cmd.heredoc === undefined) return argRange(target, offset, 0).start;
  const heredoc = cmd.heredoc >= 0 ? target.heredocs[cmd.heredoc] : undefined;
  return heredoc ? heredocPosition(ctx, heredoc, offset) : undefined;
}

/**
 * Range of a command (or of part of it): its words in shell form and in heredoc bodies,
 * the whole instruction for exec form.
 */
export function commandRange(ctx: RuleContext, inst: Instruction, cmd: RunCommand, from = cmd.start, to = cmd.end): Range {
  if (cmd.heredoc === undefined) return ctx.commandRange(inst, cmd, from, to);
  const start = scriptPosition(ctx, inst, cmd, from);
  const end = scriptPosition(ctx, inst, cmd, to);
  return start && end ? { start, end } : effective(inst).range;
}

/** The word that names the command (`apt-get` in `sudo apt-get install`). */
export function nameWord(cmd: ShellCommand): ShellWord | undefined {
  return cmd.words[cmd.words.length - cmd.args.length - 1];
}

/** The first argument equal to one of `values` (a sub-command such as `install`). */
export function argWord(cmd: ShellCommand, ...values: string[]): ShellWord | undefined {
  return cmd.args.find((a) => values.includes(a.value));
}

/** An edit that inserts `text` right after `word`, or undefined when the command cannot be edited. */
export function insertAfter(ctx: RuleContext, inst: Instruction, cmd: RunCommand, word: ShellWord, text: string): TextEdit | undefined {
  if (!isEditable(cmd)) return undefined;
  const at = scriptPosition(ctx, inst, cmd, word.end);
  return at ? { range: { start: at, end: at }, newText: text } : undefined;
}

/** An edit that replaces `word` (as written) with `text`. */
export function replaceWord(ctx: RuleContext, inst: Instruction, cmd: RunCommand, word: ShellWord, text: string): TextEdit | undefined {
  if (!isEditable(cmd)) return undefined;
  const start = scriptPosition(ctx, inst, cmd, word.start);
  const end = scriptPosition(ctx, inst, cmd, word.end);
  return start && end ? { range: { start, end }, newText: text } : undefined;
}

/** A one-edit fix, or none when the edit could not be built. */
export function fixOf(title: string, edit: TextEdit | undefined): Fix[] {
  return edit ? [{ title, edits: [edit], preferred: true }] : [];
}

/** `--mount` flags of a RUN with their type (`bind` when not given) and target path. */
export function mounts(inst: Instruction): { type: string; target: string; from: string | undefined; raw: Range }[] {
  const out: { type: string; target: string; from: string | undefined; raw: Range }[] = [];
  for (const flag of effective(inst).flags) {
    if (flag.name !== 'mount' || flag.value === undefined) continue;
    const fields = new Map<string, string>();
    for (const part of flag.value.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), unquote(part.slice(eq + 1).trim()));
    }
    const target = fields.get('target') ?? fields.get('dst') ?? fields.get('destination') ?? '';
    out.push({ type: fields.get('type') ?? 'bind', target, from: fields.get('from'), raw: flag.range });
  }
  return out;
}

/** Strips trailing slashes (but keeps `/`). */
function normalizePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' && path.startsWith('/') ? '/' : trimmed;
}

/** True when `mountTarget` is `path` or one of its parent directories. */
export function pathCovers(mountTarget: string, path: string): boolean {
  const mount = normalizePath(mountTarget);
  const inner = normalizePath(path);
  if (mount === '') return false;
  return inner === mount || inner.startsWith(mount === '/' ? '/' : `${mount}/`);
}

/**
 * True when a cache or tmpfs mount covers `path`: whatever the command writes there
 * never reaches the layer, which is what deleting it afterwards would achieve.
 */
export function throwawayMountCovers(inst: Instruction, path: string): boolean {
  return mounts(inst).some((m) => (m.type === 'cache' || m.type === 'tmpfs') && pathCovers(m.target, path));
}

/** Short and long options of a command, hadolint style: `-qy` gives `q`, `y`; `--yes=1` gives `yes`. */
export function optionNames(cmd: ShellCommand): string[] {
  const out: string[] = [];
  for (const arg of cmd.args) {
    const v = arg.value;
    if (v === '--') break;
    if (v.startsWith('--')) out.push(v.slice(2).split('=')[0] ?? '');
    else if (v.startsWith('-') && v.length > 1) for (const ch of v.slice(1)) out.push(ch);
  }
  return out;
}

/**
 * Positional words of a command: options are skipped, and so is the value after an
 * option listed in `valueOptions` (`-t`, `--target-release`; `--opt=value` needs no entry).
 */
export function operands(cmd: ShellCommand, valueOptions: readonly string[] = []): ShellWord[] {
  const out: ShellWord[] = [];
  let afterDashDash = false;
  for (let k = 0; k < cmd.args.length; k++) {
    const arg = cmd.args[k] as ShellWord;
    const v = arg.value;
    if (afterDashDash) { out.push(arg); continue; }
    if (v === '--') { afterDashDash = true; continue; }
    if (v.startsWith('-') && v.length > 1) {
      if (!v.includes('=') && valueOptions.includes(v)) k++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** True when the word holds a variable or command substitution we cannot see through. */
export function isDynamic(word: string): boolean {
  return word.includes('$') || word.includes('`');
}

/** `/usr/bin/pip3` gives `pip3`; `C:\\x\\y.tgz` gives `y.tgz`. */
export function basename(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut >= 0 ? path.slice(cut + 1) : path;
}
