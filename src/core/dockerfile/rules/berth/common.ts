/**
 * Helpers shared by Berth's own rules: the stage chain an image is made of, the state
 * (WORKDIR, USER, ENV) before each instruction, path resolution and matching inside
 * RUN scripts, and the small text edits the quick fixes are made of.
 */
import type { Dockerfile, Instruction, Position, Stage } from '../../model';
import type { ShellCommand, ShellWord } from '../../shell';
import { keyValuesOf } from '../../args';
import { globalArgValues, stageChain } from '../../stages';
import type { VariableLookup } from '../../variables';
import { expandVariables, splitWords, unquote } from '../../variables';
import type { RuleContext, RunCommand, TextEdit } from '../types';
import { effective } from '../util';

// ---------------------------------------------------------------------------------------
// Stages and the state before each instruction

const chainCache = new WeakMap<Dockerfile, Map<number, readonly Stage[]>>();

/** The stages an image is built from, root first: `FROM base` chains end at an image. Cached per file. */
export function chainFromRoot(df: Dockerfile, stage: Stage): readonly Stage[] {
  let perFile = chainCache.get(df);
  if (!perFile) { perFile = new Map(); chainCache.set(df, perFile); }
  let chain = perFile.get(stage.index);
  if (!chain) { chain = stageChain(df.stages, stage).reverse(); perFile.set(stage.index, chain); }
  return chain;
}

/** The stage whose FROM names the image the chain starts from. */
export function rootStage(df: Dockerfile, stage: Stage): Stage {
  return chainFromRoot(df, stage)[0] as Stage;
}

/** What is known before an instruction runs. */
export interface BuildState {
  /** Absolute working directory (`/` by default). */
  readonly workdir: string;
  /** The USER in effect, `root` by default. */
  readonly user: string;
  /** ENV and ARG values in effect (undefined: declared without a value). */
  readonly vars: ReadonlyMap<string, string | undefined>;
  /** Names set by ENV (not ARG): those are visible at run time too. */
  readonly envNames: ReadonlySet<string>;
}

/** HOME for a user: `/root` for root, `/home/<user>` otherwise, unless ENV HOME says. */
export function homeOf(state: BuildState): string {
  const home = state.vars.get('HOME');
  if (home !== undefined && home.startsWith('/')) return normalizePath(home);
  const user = state.user.split(':')[0] ?? 'root';
  return user === 'root' || user === '0' || user === '' ? '/root' : `/home/${user}`;
}

export interface StepWithState {
  readonly inst: Instruction;
  readonly stage: Stage;
  readonly state: BuildState;
}

/**
 * Every instruction of the stages in `chain` (root first), with the state before it.
 * ONBUILD-wrapped instructions are left out: they run in another build.
 */
export function walkChain(df: Dockerfile, chain: readonly Stage[]): StepWithState[] {
  return walkChainWithEnd(df, chain).steps;
}

/** `$NAME` / `${NAME}` (without a default) where NAME is an ARG with no value: only the build knows it. */
const VARIABLE_REFERENCE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

function dependsOnUnset(value: string, vars: ReadonlyMap<string, string | undefined>): boolean {
  if (!value.includes('$')) return false;
  VARIABLE_REFERENCE.lastIndex = 0;
  for (let m = VARIABLE_REFERENCE.exec(value); m !== null; m = VARIABLE_REFERENCE.exec(value)) {
    const name = (m[1] ?? m[2]) as string;
    if (vars.has(name) && vars.get(name) === undefined) return true;
  }
  return false;
}

const walkCache = new WeakMap<Dockerfile, Map<string, { steps: StepWithState[]; end: BuildState }>>();

/** Like `walkChain`, plus the state after the last instruction. Cached per parsed file and chain. */
export function walkChainWithEnd(df: Dockerfile, chain: readonly Stage[]): { steps: StepWithState[]; end: BuildState } {
  const key = chain.map((s) => s.index).join(',');
  let perFile = walkCache.get(df);
  if (!perFile) { perFile = new Map(); walkCache.set(df, perFile); }
  const cached = perFile.get(key);
  if (cached) return cached;
  const computed = computeWalk(df, chain);
  perFile.set(key, computed);
  return computed;
}

function computeWalk(df: Dockerfile, chain: readonly Stage[]): { steps: StepWithState[]; end: BuildState } {
  const globalVars = globalArgValues(df.globalArgs);
  // States are shared between steps until an instruction changes them (copy on write).
  let state: BuildState = { workdir: '/', user: 'root', vars: new Map(), envNames: new Set() };
  const steps: StepWithState[] = [];
  for (const stage of chain) {
    for (const inst of stage.instructions) {
      steps.push({ inst, stage, state });
      if (inst.keyword === 'WORKDIR') {
        const target = expandVariables(unquote(inst.args.trim()), state.vars).value;
        state = { ...state, workdir: normalizePath(target.startsWith('/') ? target : `${state.workdir}/${target}`) };
      } else if (inst.keyword === 'USER') {
        state = { ...state, user: expandVariables(inst.args.trim(), state.vars).value || 'root' };
      } else if (inst.keyword === 'ENV') {
        const vars = new Map(state.vars);
        const envNames = new Set(state.envNames);
        for (const kv of keyValuesOf(inst)) {
          vars.set(kv.key, kv.value === undefined || dependsOnUnset(kv.value, vars) ? undefined : expandVariables(kv.value, vars).value);
          envNames.add(kv.key);
        }
        state = { ...state, vars, envNames };
      } else if (inst.keyword === 'ARG') {
        const vars = new Map(state.vars);
        for (const kv of keyValuesOf(inst)) {
          if (state.envNames.has(kv.key)) continue;
          const fallback = globalVars.get(kv.key);
          vars.set(kv.key, kv.value !== undefined ? expandVariables(kv.value, vars).value : fallback);
        }
        state = { ...state, vars };
      }
    }
  }
  return { steps, end: state };
}

// ---------------------------------------------------------------------------------------
// Paths

/** Collapses `//`, `.` and `..`; drops a trailing slash (except for `/`). */
export function normalizePath(path: string): string {
  if (isNormalAbsolute(path)) return path;
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') { if (out.length > 0 && out[out.length - 1] !== '..') out.pop(); else if (!absolute) out.push('..'); continue; }
    out.push(part);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined === '' ? '.' : joined;
}

/** True for an absolute path with no `//`, `.` or `..` component and no trailing slash (except `/`). */
function isNormalAbsolute(path: string): boolean {
  if (path.charCodeAt(0) !== 47) return false;
  if (path.length === 1) return true;
  if (path.charCodeAt(path.length - 1) === 47) return false;
  for (let i = 0; i >= 0; i = path.indexOf('/', i + 1)) {
    const next = path.charCodeAt(i + 1);
    if (next === 47) return false;
    if (next === 46) {
      const second = path.charCodeAt(i + 2);
      if (Number.isNaN(second) || second === 47) return false;
      if (second === 46) {
        const third = path.charCodeAt(i + 3);
        if (Number.isNaN(third) || third === 47) return false;
      }
    }
  }
  return true;
}

/**
 * Resolves a path word of a RUN command to an absolute path: `~` and `$HOME` become the
 * home directory, other variables take their ENV/ARG value, relative paths join `cwd`.
 * Undefined when the path depends on something unknown (a command substitution, an
 * unset variable, an unknown working directory).
 */
export function resolvePath(word: string, cwd: string | undefined, state: BuildState, shellVars?: ReadonlyMap<string, string>): string | undefined {
  let path = word;
  if (path === '') return undefined;
  if (path.includes('`') || path.includes('$(')) return undefined;
  if (path === '~' || path.startsWith('~/')) path = homeOf(state) + path.slice(1);
  if (path.includes('$')) {
    // Shell variables of the script first, then ENV/ARG, then HOME of the user.
    const vars: VariableLookup = {
      has: (name) => shellVars?.has(name) === true || state.vars.has(name) || name === 'HOME',
      get: (name) => shellVars?.get(name) ?? (state.vars.has(name) ? state.vars.get(name) : name === 'HOME' ? homeOf(state) : undefined),
    };
    const expanded = expandVariables(path, vars);
    if (expanded.undefinedNames.length > 0) return undefined;
    // A declared ARG without value expands to '': the path is not known.
    REFERENCED_NAME.lastIndex = 0;
    for (let m = REFERENCED_NAME.exec(path); m !== null; m = REFERENCED_NAME.exec(path)) if (vars.get(m[1] as string) === undefined) return undefined;
    path = expanded.value;
  }
  if (!path.startsWith('/')) {
    if (cwd === undefined) return undefined;
    path = `${cwd}/${path}`;
  }
  return normalizePath(path);
}

const REFERENCED_NAME = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;

const segmentCache = new Map<string, readonly string[]>();

/** Path segments, memoised: the layer rules compare the same few paths many times. */
function splitPath(path: string): readonly string[] {
  let segments = segmentCache.get(path);
  if (!segments) {
    if (segmentCache.size > 20000) segmentCache.clear();
    segments = path.split('/').filter((p) => p !== '');
    segmentCache.set(path, segments);
  }
  return segments;
}

const globCache = new Map<string, RegExp>();

/** Shell glob (`*`, `?`, `[...]`) of one path segment as a regular expression. */
function globRegex(glob: string): RegExp {
  let re = globCache.get(glob);
  if (re) return re;
  let src = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) { src += '\\['; continue; }
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      src += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else src += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    re = new RegExp(`${src}$`);
  } catch {
    // An invalid class such as `[z-a]`: the shell would take it literally.
    re = new RegExp(`^${glob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
  if (globCache.size > 5000) globCache.clear();
  globCache.set(glob, re);
  return re;
}

function hasGlob(segment: string): boolean {
  return /[*?[]/.test(segment);
}

function segmentsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  return (hasGlob(a) && globRegex(a).test(b)) || (hasGlob(b) && globRegex(b).test(a));
}

/**
 * How a removed path `removed` relates to a created path `created` (either may hold
 * globs): `covers` when removing it removes what was created (same path, a parent
 * directory, a glob over it), `inside` when it removes something under a created
 * directory, undefined when they do not meet.
 */
export function pathRelation(removed: string, created: string): 'covers' | 'inside' | undefined {
  const r = splitPath(removed);
  const c = splitPath(created);
  const n = Math.min(r.length, c.length);
  for (let i = 0; i < n; i++) {
    if (!segmentsOverlap(r[i] as string, c[i] as string)) return undefined;
  }
  if (r.length <= c.length) return 'covers';
  // Deeper than a "directory contents" glob (`lists/*`) still meets what was created.
  return hasGlob(c[c.length - 1] ?? '') ? 'covers' : 'inside';
}

// ---------------------------------------------------------------------------------------
// Commands

/**
 * The first non-option argument (the sub-command), skipping options and the values of
 * options listed in `optionsWithValue` (`apt-get -o X=1 install`).
 */
export function subcommandOf(cmd: ShellCommand, optionsWithValue: readonly string[] = []): { word: ShellWord; index: number } | undefined {
  for (let k = 0; k < cmd.args.length; k++) {
    const arg = cmd.args[k] as ShellWord;
    if (arg.value.startsWith('-')) {
      if (optionsWithValue.includes(arg.value)) k++;
      continue;
    }
    return { word: arg, index: k };
  }
  return undefined;
}

/** `python -m pip ...` and `pip3 ...` are both pip. */
export function pipInvocation(cmd: ShellCommand): { args: readonly ShellWord[] } | undefined {
  if (/^pip(\d(\.\d+)?)?$/.test(cmd.program)) return { args: cmd.args };
  if (/^python(\d(\.\d+)?)?$/.test(cmd.program)) {
    const m = cmd.args.findIndex((a) => a.value === '-m');
    if (m >= 0 && cmd.args[m + 1]?.value === 'pip') return { args: cmd.args.slice(m + 2) };
  }
  return undefined;
}

/**
 * Shell variables assigned in a script before `upTo` (`deps="gcc make"` on a line of its
 * own or `export deps=...`), so that `$deps` later in the same RUN can be read.
 */
export function shellAssignments(commands: readonly ShellCommand[], upTo: number): Map<string, string> {
  const vars = new Map<string, string>();
  for (let k = 0; k < upTo && k < commands.length; k++) {
    const cmd = commands[k] as ShellCommand;
    const words = cmd.name === '' ? cmd.envPrefix : cmd.program === 'export' ? cmd.args : [];
    for (const w of words) {
      const eq = w.value.indexOf('=');
      if (eq > 0) vars.set(w.value.slice(0, eq), w.value.slice(eq + 1));
    }
  }
  return vars;
}

/** Splits `$deps`-style words into the words of their value when it is known. */
export function expandWords(words: readonly ShellWord[], vars: ReadonlyMap<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const w of words) {
    if (w.value.includes('$')) {
      const expanded = expandVariables(w.value, vars);
      if (expanded.undefinedNames.length === 0) { out.push(...splitWords(expanded.value).map((x) => unquote(x.text))); continue; }
    }
    out.push(w.value);
  }
  return out.filter((w) => w !== '');
}

/** Commands that never leave files behind: used to decide what a RUN did before a cleanup. */
const NEUTRAL_PROGRAMS = new Set([
  'cd', 'pushd', 'popd', 'set', 'echo', 'printf', 'true', 'false', ':', 'export', 'unset', 'rm', 'rmdir', 'sleep',
  'ls', 'cat', 'test', '[', '[[', 'which', 'exit', 'chmod', 'chown', 'find', 'du', 'df', 'id', 'whoami', 'env', 'ldconfig',
]);

const wordTextCache = new WeakMap<ShellCommand, string>();

/** All words of a command joined by spaces (memoised), for quick "does it mention X" checks. */
export function commandWords(cmd: ShellCommand): string {
  let text = wordTextCache.get(cmd);
  if (text === undefined) {
    text = cmd.words.map((w) => w.value).join(' ');
    wordTextCache.set(cmd, text);
  }
  return text;
}

/** True when a command only inspects, navigates or deletes. */
export function isNeutralCommand(cmd: ShellCommand): boolean {
  return cmd.name === '' || NEUTRAL_PROGRAMS.has(cmd.program);
}

// ---------------------------------------------------------------------------------------
// Source positions and text

/** Shortens text for a message: `apt-get install -y gcc make ...`. */
export function brief(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 3).trimEnd()}...`;
}

/** 1-based line for messages ("line 4"), as editors show it. */
export function lineLabel(inst: Instruction): string {
  return `line ${inst.range.start.line + 1}`;
}

/** The end of an instruction's argument text (where ` && more` can be appended). */
export function argsEnd(inst: Instruction): Position {
  const t = effective(inst);
  const last = t.argSegments[t.argSegments.length - 1];
  if (!last) return t.range.end;
  return { line: last.line, col: last.col + last.length };
}

/**
 * The script a heredoc RUN hands to a shell: `RUN <<EOF` and `RUN <<EOF bash -e` qualify,
 * `RUN python3 <<EOF` does not (its body is not shell).
 */
export function isShellHeredoc(inst: Instruction): boolean {
  const t = effective(inst);
  if (t.heredocs.length !== 1) return false;
  const rest = t.args.replace(/\d*<<-?\s*["']?[A-Za-z0-9_.-]+["']?/, '').trim();
  return rest === '' || /^(\/bin\/|\/usr\/bin\/)?(ba|da|a)?sh(\s+-[a-z]+)*$/.test(rest);
}

/**
 * An edit that runs `text` at the end of a RUN: ` && text` after the shell-form script,
 * or a new last line in a heredoc script. Undefined for exec form and other heredocs.
 */
export function appendToRun(df: Dockerfile, inst: Instruction, text: string): TextEdit | undefined {
  const t = effective(inst);
  if (t.keyword !== 'RUN' || t.json) return undefined;
  if (t.heredocs.length > 0) {
    const heredoc = t.heredocs[0];
    if (!heredoc || !isShellHeredoc(inst) || !heredoc.terminated) return undefined;
    const bodyLines = heredoc.content === '' ? 0 : heredoc.content.split('\n').length;
    const terminatorLine = heredoc.contentStartLine + bodyLines;
    if (df.lines[terminatorLine] === undefined) return undefined;
    return { range: { start: { line: terminatorLine, col: 0 }, end: { line: terminatorLine, col: 0 } }, newText: `${text}\n` };
  }
  if (t.args.trim() === '') return undefined;
  const trimmed = t.args.trimEnd();
  // A script ending in `;` or `&` takes the next command without `&&`.
  const joiner = /(;|&&|\|\|)$/.test(trimmed) ? ' ' : ' && ';
  const at = argsEnd(inst);
  return { range: { start: at, end: at }, newText: `${joiner}${text}` };
}

/** Removes a whole instruction, with its line break, so no blank line is left behind. */
export function deleteInstruction(df: Dockerfile, inst: Instruction): TextEdit {
  const start = { line: inst.range.start.line, col: 0 };
  const nextLine = inst.range.end.line + 1;
  const end = nextLine < df.lines.length ? { line: nextLine, col: 0 } : { line: inst.range.end.line, col: (df.lines[inst.range.end.line] ?? '').length };
  if (nextLine >= df.lines.length && start.line > 0) {
    // Last line of the file: take the break before it instead.
    const prev = start.line - 1;
    return { range: { start: { line: prev, col: (df.lines[prev] ?? '').length }, end }, newText: '' };
  }
  return { range: { start, end }, newText: '' };
}

/**
 * An edit removing one command from a shell-form or heredoc RUN together with the
 * operator that joins it to its neighbour. Undefined when it cannot be done cleanly
 * (pipes, exec form, a command inside `if`/loops).
 */
export function deleteCommand(ctx: RuleContext, inst: Instruction, commands: readonly RunCommand[], cmd: RunCommand): TextEdit | undefined {
  const idx = commands.indexOf(cmd);
  if (idx < 0 || cmd.heredoc === -1) return undefined;
  if (cmd.before === '|' || cmd.after === '|' || cmd.before === '(' || cmd.after === ')') return undefined;
  const sameScript = (c: RunCommand | undefined): c is RunCommand => c !== undefined && c.heredoc === cmd.heredoc;
  const prev = commands[idx - 1];
  const next = commands[idx + 1];
  const t = effective(inst);
  const text = cmd.heredoc !== undefined ? (t.heredocs[cmd.heredoc]?.content ?? '') : t.args;
  // Only plain sequences: the text between neighbours must be an operator and blanks.
  if (sameScript(prev) && (cmd.before === '&&' || cmd.before === ';' || cmd.before === '\n')) {
    const between = text.slice(prev.end, cmd.start);
    if (!/^[\s;&|\\]*$/.test(between)) return undefined;
    return { range: ctx.commandRange(inst, cmd, prev.end, cmd.end), newText: '' };
  }
  if (sameScript(next) && (cmd.after === '&&' || cmd.after === ';' || cmd.after === '\n')) {
    const between = text.slice(cmd.end, next.start);
    if (!/^[\s;&|\\]*$/.test(between)) return undefined;
    return { range: ctx.commandRange(inst, cmd, cmd.start, next.start), newText: '' };
  }
  return undefined;
}

/** True when a RUN's script has something besides the given commands (ignoring `set -e` and friends). */
export function runHasOtherCommands(commands: readonly RunCommand[], keep: readonly RunCommand[]): boolean {
  return commands.some((c) => !keep.includes(c) && !(c.program === 'set' || c.program === 'true' || c.program === ':' || c.name === ''));
}
