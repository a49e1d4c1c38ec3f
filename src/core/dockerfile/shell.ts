/**
 * A POSIX-shell word splitter for RUN commands: enough of the shell grammar to find
 * each simple command, its words and the operators between them (`&&`, `||`, `;`,
 * `|`, `&`, newlines), through quotes, `$(...)`, backticks, redirections, comments,
 * reserved words (`if`, `then`, `do`, ...), env prefixes and `sudo`/`env` wrappers.
 * Offsets refer to the script string that was parsed.
 */

export interface ShellWord {
  /** The word with quotes and escapes removed. */
  readonly value: string;
  /** The word as written. */
  readonly raw: string;
  readonly start: number;
  readonly end: number;
}

export type ShellOperator = '&&' | '||' | ';' | '|' | '&' | '\n' | '(' | ')' | ';;';

export interface ShellCommand {
  /** All words, env prefix and wrappers included. */
  readonly words: readonly ShellWord[];
  /** `VAR=value` words before the command name. */
  readonly envPrefix: readonly ShellWord[];
  /** True when run through `sudo`. */
  readonly sudo: boolean;
  /** The command name as written (`apt-get`, `/usr/bin/pip3`), after wrappers. */
  readonly name: string;
  /** Basename of `name`: `/usr/bin/pip3` gives `pip3`. */
  readonly program: string;
  /** The words after the command name. */
  readonly args: readonly ShellWord[];
  /** Redirection targets (`> /dev/null` gives `/dev/null`). */
  readonly redirects: readonly { op: string; target: string }[];
  /** The operator before this command, if any. */
  readonly before: ShellOperator | undefined;
  /** The operator after this command, if any. */
  readonly after: ShellOperator | undefined;
  readonly start: number;
  readonly end: number;
}

const RESERVED_PREFIX = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
const RESERVED_END = new Set(['fi', 'done', 'esac', '}']);
const ENV_ASSIGN = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** A token: a word, an operator (as its text), or a redirection operator (`>`, `2>>`: what comes next is its target). */
type Token = ShellWord | ShellOperator | { readonly redirect: string };

// Redirection operators in the order the shell grammar tries them (longest first where they share a prefix).
const REDIRECT_OPS = ['>>', '>&', '>|', '<<<', '<<-', '<<', '<>', '<&', '&>>', '&>', '>', '<'];

/**
 * A redirection at `i`: `[n]>`, `[n]>>`, `<<<`, `>&`, `&>`, ... (at most 6 characters,
 * digits included). Returns the operator and the length consumed, or undefined.
 */
function redirectAt(script: string, i: number): { op: string; length: number } | undefined {
  const limit = Math.min(script.length, i + 6);
  let j = i;
  while (j < limit && script.charCodeAt(j) >= 48 && script.charCodeAt(j) <= 57) j++;
  const c = script.charCodeAt(j);
  if (c !== 60 && c !== 62 && c !== 38) return undefined;
  for (const op of REDIRECT_OPS) {
    if (j + op.length <= limit && script.startsWith(op, j)) return { op, length: j + op.length - i };
  }
  return undefined;
}

/** Characters that end an unquoted word: blanks and the shell's operator characters. */
function endsWord(c: number): boolean {
  // ' ' \t \n \r ; & | ( ) < >
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 59 || c === 38 || c === 124 || c === 40 || c === 41 || c === 60 || c === 62;
}

function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  const n = script.length;
  let i = 0;
  while (i < n) {
    const c = script.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) { i++; continue; }
    const next = script.charCodeAt(i + 1);
    if (c === 92 && next === 10) { i += 2; continue; }
    if (c === 10) { tokens.push('\n'); i++; continue; }
    if (c === 35) {
      const eol = script.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c === 38 && next === 38) { tokens.push('&&'); i += 2; continue; }
    if (c === 124 && next === 124) { tokens.push('||'); i += 2; continue; }
    if (c === 59 && next === 59) { tokens.push(';;'); i += 2; continue; }
    if (c === 59) { tokens.push(';'); i++; continue; }
    if (c === 40) { tokens.push('('); i++; continue; }
    if (c === 41) { tokens.push(')'); i++; continue; }
    if (c === 124) { tokens.push('|'); i += next === 38 ? 2 : 1; continue; }
    // Redirections: [n]> [n]>> < <<< >& &> >| <> (heredoc markers are words we skip)
    if ((c >= 48 && c <= 57) || c === 60 || c === 62 || c === 38) {
      const redirect = redirectAt(script, i);
      if (redirect) {
        tokens.push({ redirect: redirect.op });
        i += redirect.length;
        continue;
      }
    }
    if (c === 38) { tokens.push('&'); i++; continue; }
    // A word: its value is built from runs of plain characters and the unquoted parts.
    const start = i;
    let value = '';
    let run = i;
    while (i < n) {
      const ch = script.charCodeAt(i);
      // `$(` and `(` inside words are handled below; a bare paren ends the word.
      if (endsWord(ch)) break;
      if (ch === 92) {
        value += script.slice(run, i);
        if (script.charCodeAt(i + 1) !== 10 && i + 1 < n) value += script[i + 1] as string;
        i += 2;
        run = i;
        continue;
      }
      if (ch === 39) {
        value += script.slice(run, i);
        const end = script.indexOf("'", i + 1);
        const stop = end < 0 ? n : end;
        value += script.slice(i + 1, stop);
        i = stop + 1;
        run = i;
        continue;
      }
      if (ch === 34) {
        value += script.slice(run, i);
        i++;
        let inner = i;
        while (i < n && script.charCodeAt(i) !== 34) {
          const q = script.charCodeAt(i);
          if (q === 92 && i + 1 < n) { value += script.slice(inner, i) + (script[i + 1] as string); i += 2; inner = i; continue; }
          if (q === 36 && script.charCodeAt(i + 1) === 40) { i = skipParens(script, i + 1); continue; }
          if (q === 96) { i = skipBacktick(script, i); continue; }
          i++;
        }
        value += script.slice(inner, Math.min(i, n));
        i++;
        run = i;
        continue;
      }
      if (ch === 36 && script.charCodeAt(i + 1) === 40) { i = skipParens(script, i + 1); continue; }
      if (ch === 36 && script.charCodeAt(i + 1) === 123) {
        const end = script.indexOf('}', i);
        i = end < 0 ? n : end + 1;
        continue;
      }
      if (ch === 96) { i = skipBacktick(script, i); continue; }
      i++;
    }
    if (i === start) { i++; continue; }
    const end = Math.min(i, n);
    const raw = script.slice(start, end);
    // A word without quotes or escapes is its own value: one string for both.
    tokens.push({ value: run === start ? raw : value + script.slice(run, end), raw, start, end });
  }
  return tokens;
}

function skipParens(script: string, openIndex: number): number {
  let depth = 0;
  for (let i = openIndex; i < script.length; i++) {
    const c = script[i];
    if (c === '\\') { i++; continue; }
    if (c === "'") { const end = script.indexOf("'", i + 1); if (end < 0) return script.length; i = end; continue; }
    if (c === '(') depth++;
    else if (c === ')') { depth--; if (depth === 0) return i + 1; }
  }
  return script.length;
}

function skipBacktick(script: string, openIndex: number): number {
  for (let i = openIndex + 1; i < script.length; i++) {
    if (script[i] === '\\') { i++; continue; }
    if (script[i] === '`') return i + 1;
  }
  return script.length;
}

function basename(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}

/** Drops `sudo [opts]`, `env [opts] [VAR=x]`, `exec`, `nice`, `command` wrappers. */
const NO_WORDS: readonly ShellWord[] = Object.freeze([]);
const NO_REDIRECTS: readonly { op: string; target: string }[] = Object.freeze([]);

function unwrap(words: ShellWord[]): { rest: ShellWord[]; sudo: boolean; envPrefix: readonly ShellWord[] } {
  let k = 0;
  let sudo = false;
  let envPrefix: ShellWord[] | undefined;
  for (;;) {
    while (k < words.length && ENV_ASSIGN.test((words[k] as ShellWord).value)) (envPrefix ??= []).push(words[k++] as ShellWord);
    const w = words[k];
    if (!w) break;
    if (w.value === 'sudo') {
      sudo = true;
      k++;
      while (k < words.length && (words[k] as ShellWord).value.startsWith('-')) {
        const opt = (words[k] as ShellWord).value;
        k++;
        // Options that take a value: -u user, -g group, -C n, -h host, -p prompt.
        if (/^-[ugChpUrt]$/.test(opt)) k++;
      }
      continue;
    }
    if (w.value === 'env' || w.value === 'exec' || w.value === 'nice' || w.value === 'command' || w.value === 'nohup') {
      k++;
      while (k < words.length && (words[k] as ShellWord).value.startsWith('-')) k++;
      continue;
    }
    break;
  }
  // The word list is the command's own: without wrappers it is the rest as it is.
  return { rest: k === 0 ? words : words.slice(k), sudo, envPrefix: envPrefix ?? NO_WORDS };
}

/** A command and the script it came from (the engine's RunCommand). */
export interface TaggedCommand extends ShellCommand {
  /** Heredoc index, -1 for an exec-form script, undefined for the instruction's arguments. */
  readonly heredoc: number | undefined;
}

/** Splits a shell script into simple commands. Never throws. */
export function parseShell(script: string): ShellCommand[] {
  return parseShellTagged(script, undefined);
}

/** Like `parseShell`, each command tagged with where its script came from. */
export function parseShellTagged(script: string, heredoc: number | undefined): TaggedCommand[] {
  const tokens = tokenize(script);
  const commands: TaggedCommand[] = [];
  let words: ShellWord[] = [];
  let redirects: { op: string; target: string }[] | undefined;
  let before: ShellOperator | undefined;
  let pendingRedirect: string | undefined;

  const flush = (after: ShellOperator | undefined): void => {
    // Reserved words that open a compound command start a new one.
    while (words.length > 0 && RESERVED_PREFIX.has((words[0] as ShellWord).value)) words.shift();
    while (words.length > 0 && RESERVED_END.has((words[words.length - 1] as ShellWord).value)) words.pop();
    if (words.length > 0) {
      const { rest, sudo, envPrefix } = unwrap(words);
      const nameWord = rest[0];
      const name = nameWord?.value ?? '';
      const start = (words[0] as ShellWord).start;
      const end = (words[words.length - 1] as ShellWord).end;
      const program = basename(name);
      const args = rest.slice(1);
      commands.push({ words, envPrefix, sudo, name, program, args, redirects: redirects ?? NO_REDIRECTS, before, after, start, end, heredoc });
      words = [];
    }
    redirects = undefined;
    before = after;
  };

  for (const token of tokens) {
    if (typeof token === 'string') { flush(token); continue; }
    if ('redirect' in token) { pendingRedirect = token.redirect; continue; }
    if (pendingRedirect !== undefined) {
      (redirects ??= []).push({ op: pendingRedirect, target: token.value });
      pendingRedirect = undefined;
      continue;
    }
    // `then`/`do`/`else` in the middle of a word list start a new command.
    if (words.length > 0 && (token.value === 'then' || token.value === 'do' || token.value === 'else')) {
      const prev = words[words.length - 1] as ShellWord;
      if (prev.raw.endsWith(';')) flush(';');
    }
    words.push(token);
  }
  flush(undefined);
  return commands;
}

/** Short and long options present on a command: `-qy` gives `q` and `y`. */
export function hasOption(cmd: ShellCommand, ...options: string[]): boolean {
  for (const arg of cmd.args) {
    const v = arg.value;
    if (v === '--') break;
    for (const opt of options) {
      if (opt.startsWith('--')) {
        if (v === opt || v.startsWith(`${opt}=`)) return true;
      } else if (opt.length === 2 && v.startsWith('-') && !v.startsWith('--') && v.slice(1).includes(opt.slice(1))) {
        return true;
      } else if (v === opt) {
        return true;
      }
    }
  }
  return false;
}

/**
 * Positional arguments of a command from `cmd.args[start]` on: options are skipped, and
 * so is the word after an option listed in `valueOptions` (`-t`, `--target-release`;
 * `--opt=value` needs no entry); everything after `--` is positional.
 */
export function positionalArgs(cmd: ShellCommand, valueOptions: readonly string[] = [], start = 0): ShellWord[] {
  const out: ShellWord[] = [];
  const args = cmd.args;
  for (let k = start; k < args.length; k++) {
    const arg = args[k] as ShellWord;
    const v = arg.value;
    if (v === '--') {
      for (let j = k + 1; j < args.length; j++) out.push(args[j] as ShellWord);
      break;
    }
    if (v.length > 1 && v.charCodeAt(0) === 45) {
      if (valueOptions.length > 0 && valueOptions.includes(v)) k++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** True when `cmd` is `program subcommand ...` (`apt-get install`, `npm ci`). */
export function isSubcommand(cmd: ShellCommand, program: string | readonly string[], ...subcommands: string[]): boolean {
  const programs = typeof program === 'string' ? [program] : program;
  if (!programs.includes(cmd.program)) return false;
  const first = positionalArgs(cmd)[0];
  return first !== undefined && subcommands.includes(first.value);
}
