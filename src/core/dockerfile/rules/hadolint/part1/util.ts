/**
 * Helpers shared by the DL1001, DL3000-DL3034 and DL4000-DL4006 rules: command words
 * and options read hadolint's way, and the small text edits the quick fixes are made of
 * (exact in shell form and heredoc bodies, see `commands.ts`). Positions are 0-based,
 * ends exclusive.
 */
import { commandPosition, isEditable } from '../../../commands';
import type { Instruction } from '../../../model';
import type { ShellCommand, ShellWord } from '../../../shell';
import type { Fix, RuleContext, RunCommand, TextEdit } from '../../types';

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
  const at = commandPosition(ctx.df, inst, cmd, word.end);
  return at ? { range: { start: at, end: at }, newText: text } : undefined;
}

/** An edit that replaces `word` (as written) with `text`. */
export function replaceWord(ctx: RuleContext, inst: Instruction, cmd: RunCommand, word: ShellWord, text: string): TextEdit | undefined {
  if (!isEditable(cmd)) return undefined;
  const start = commandPosition(ctx.df, inst, cmd, word.start);
  const end = commandPosition(ctx.df, inst, cmd, word.end);
  return start && end ? { range: { start, end }, newText: text } : undefined;
}

/** A one-edit fix, or none when the edit could not be built. */
export function fixOf(title: string, edit: TextEdit | undefined): Fix[] {
  return edit ? [{ title, edits: [edit], preferred: true }] : [];
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

/** True when the word holds a variable or command substitution we cannot see through. */
export function isDynamic(word: string): boolean {
  return word.includes('$') || word.includes('`');
}

/** `/usr/bin/pip3` gives `pip3`; `C:\\x\\y.tgz` gives `y.tgz`. */
export function basename(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut >= 0 ? path.slice(cut + 1) : path;
}
