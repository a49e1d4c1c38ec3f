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

type Token = { kind: 'word'; word: ShellWord } | { kind: 'op'; op: ShellOperator; start: number } | { kind: 'redir'; op: string; start: number };

function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  const n = script.length;
  let i = 0;
  while (i < n) {
    const c = script[i] as string;
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '\\' && script[i + 1] === '\n') { i += 2; continue; }
    if (c === '\n') { tokens.push({ kind: 'op', op: '\n', start: i }); i++; continue; }
    if (c === '#') {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    const two = script.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === ';;') { tokens.push({ kind: 'op', op: two, start: i }); i += 2; continue; }
    if (c === ';' || c === '(' || c === ')') { tokens.push({ kind: 'op', op: c, start: i }); i++; continue; }
    if (c === '|') { tokens.push({ kind: 'op', op: '|', start: i }); i += script[i + 1] === '&' ? 2 : 1; continue; }
    // Redirections: [n]> [n]>> < <<< >& &> >| <> (heredoc markers are words we skip)
    const redir = /^(\d*)(>>|>&|>\||<<<|<<-?|<>|<&|&>>|&>|>|<)/.exec(script.slice(i, i + 6));
    if (redir && (redir[1] === '' || /\d/.test(c))) {
      tokens.push({ kind: 'redir', op: (redir[2] as string), start: i });
      i += (redir[0]).length;
      continue;
    }
    if (c === '&') { tokens.push({ kind: 'op', op: '&', start: i }); i++; continue; }
    // A word.
    const start = i;
    let value = '';
    while (i < n) {
      const ch = script[i] as string;
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ';' || ch === '&' || ch === '|' || ch === '(' || ch === ')' || ch === '<' || ch === '>') {
        // `$(` and `(` inside words are handled below; a bare paren ends the word.
        break;
      }
      if (ch === '\\') {
        if (script[i + 1] === '\n') { i += 2; continue; }
        if (i + 1 < n) value += script[i + 1] as string;
        i += 2;
        continue;
      }
      if (ch === "'") {
        const end = script.indexOf("'", i + 1);
        const stop = end < 0 ? n : end;
        value += script.slice(i + 1, stop);
        i = stop + 1;
        continue;
      }
      if (ch === '"') {
        i++;
        while (i < n && script[i] !== '"') {
          if (script[i] === '\\' && i + 1 < n) { value += script[i + 1] as string; i += 2; continue; }
          if (script[i] === '$' && script[i + 1] === '(') { const end = skipParens(script, i + 1); value += script.slice(i, end); i = end; continue; }
          if (script[i] === '`') { const end = skipBacktick(script, i); value += script.slice(i, end); i = end; continue; }
          value += script[i] as string;
          i++;
        }
        i++;
        continue;
      }
      if (ch === '$' && script[i + 1] === '(') {
        const end = skipParens(script, i + 1);
        value += script.slice(i, end);
        i = end;
        continue;
      }
      if (ch === '$' && script[i + 1] === '{') {
        const end = script.indexOf('}', i);
        const stop = end < 0 ? n : end + 1;
        value += script.slice(i, stop);
        i = stop;
        continue;
      }
      if (ch === '`') {
        const end = skipBacktick(script, i);
        value += script.slice(i, end);
        i = end;
        continue;
      }
      value += ch;
      i++;
    }
    if (i === start) { i++; continue; }
    tokens.push({ kind: 'word', word: { value, raw: script.slice(start, Math.min(i, n)), start, end: Math.min(i, n) } });
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
function unwrap(words: ShellWord[]): { rest: ShellWord[]; sudo: boolean; envPrefix: ShellWord[] } {
  let k = 0;
  let sudo = false;
  const envPrefix: ShellWord[] = [];
  for (;;) {
    while (k < words.length && ENV_ASSIGN.test((words[k] as ShellWord).value)) envPrefix.push(words[k++] as ShellWord);
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
  return { rest: words.slice(k), sudo, envPrefix };
}

/** Splits a shell script into simple commands. Never throws. */
export function parseShell(script: string): ShellCommand[] {
  const tokens = tokenize(script);
  const commands: ShellCommand[] = [];
  let words: ShellWord[] = [];
  let redirects: { op: string; target: string }[] = [];
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
      commands.push({
        words,
        envPrefix,
        sudo,
        name,
        program: basename(name),
        args: rest.slice(1),
        redirects,
        before,
        after,
        start: (words[0] as ShellWord).start,
        end: (words[words.length - 1] as ShellWord).end,
      });
    }
    words = [];
    redirects = [];
    before = after;
  };

  for (const token of tokens) {
    if (token.kind === 'redir') { pendingRedirect = token.op; continue; }
    if (token.kind === 'word') {
      if (pendingRedirect !== undefined) {
        redirects.push({ op: pendingRedirect, target: token.word.value });
        pendingRedirect = undefined;
        continue;
      }
      // `then`/`do`/`else` in the middle of a word list start a new command.
      if (words.length > 0 && (token.word.value === 'then' || token.word.value === 'do' || token.word.value === 'else')) {
        const prev = words[words.length - 1] as ShellWord;
        if (/;$/.test(prev.raw)) flush(';');
      }
      words.push(token.word);
      continue;
    }
    flush(token.op);
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

/** Arguments that are not options (after the sub-command when given). */
export function positionalArgs(cmd: ShellCommand, optionsWithValue: readonly string[] = []): ShellWord[] {
  const out: ShellWord[] = [];
  let afterDashDash = false;
  for (let k = 0; k < cmd.args.length; k++) {
    const arg = cmd.args[k] as ShellWord;
    if (afterDashDash) { out.push(arg); continue; }
    if (arg.value === '--') { afterDashDash = true; continue; }
    if (arg.value.startsWith('-') && arg.value.length > 1) {
      if (optionsWithValue.includes(arg.value)) k++;
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

/** Commands of a RUN instruction: its shell-form text, or its heredoc bodies when it is `RUN <<EOF`. */
export function commandsOfScript(args: string, heredocBodies: readonly string[]): ShellCommand[] {
  const fromArgs = parseShell(args);
  if (heredocBodies.length === 0) return fromArgs;
  const all = [...fromArgs];
  for (const body of heredocBodies) all.push(...parseShell(body));
  return all;
}
