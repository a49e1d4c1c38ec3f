import type {
  ArgSegment, Comment, Dockerfile, Flag, Heredoc, Instruction, ParseProblem, ParserDirectives, Range,
} from './model';
import { KNOWN_KEYWORDS } from './model';
import { positionInSegments } from './positions';
import { buildStages } from './stages';
import { stripQuotes } from './variables';

/*
 * A hand-written, single-pass Dockerfile parser. It follows BuildKit's rules (parser
 * directives, escape character, continuations with comment and blank lines inside,
 * heredocs) and never throws: whatever it cannot read becomes a ParseProblem.
 * Hand-written because the linter's speed budget (3x the fastest npm linter, whole
 * process) leaves no room for dockerfile-ast's ~215 us per file.
 */

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC_MARKER = /(^|[^<])(\d*)<<(-?)\s*(["']?)([A-Za-z0-9_.-]+)\4/g;

function rangeOf(startLine: number, startCol: number, endLine: number, endCol: number): Range {
  return { start: { line: startLine, col: startCol }, end: { line: endLine, col: endCol } };
}

const UNICODE_SPACE = /\s/;

/** What `trim()` and `\s` call white space, without a regex call for ASCII. */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && UNICODE_SPACE.test(String.fromCharCode(c)));
}

/** Index of the first character that is not white space (the text's length when there is none). */
function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** True when `text[from..to)` holds white space. */
function hasBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (isBlank(text.charCodeAt(i))) return true;
  return false;
}

/** The upper-cased word (up to white space) that starts at or after `from`, and where it ends. */
function wordAt(text: string, from: number): { word: string; end: number } {
  const start = skipBlanks(text, from);
  let end = start;
  while (end < text.length && !isBlank(text.charCodeAt(end))) end++;
  return { word: text.slice(start, end).toUpperCase(), end };
}

/** Upper-cased keywords as written (`run`, `Run`, `RUN`): one string each, so sets find them fast. */
const upperCache = new Map<string, string>();

function upperKeyword(raw: string): string {
  let upper = upperCache.get(raw);
  if (upper === undefined) {
    upper = raw.toUpperCase();
    // Misspelled keywords are unbounded; the cache is for the few real ones.
    if (upperCache.size < 256) upperCache.set(raw, upper);
  }
  return upper;
}

/** The keyword of an instruction's text: the first word, up to a blank or tab. */
function keywordOf(text: string): { start: number; end: number } {
  let start = 0;
  while (start < text.length && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  let end = start;
  while (end < text.length && text.charCodeAt(end) !== 32 && text.charCodeAt(end) !== 9) end++;
  return { start, end };
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

function readDirectives(lines: readonly string[]): { directives: ParserDirectives; firstLine: number } {
  let escape = '\\';
  let syntax: string | undefined;
  let check: string | undefined;
  const found: { line: number; name: string; value: string }[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec((lines[i] as string).trim());
    if (!m || !(lines[i] as string).trimStart().startsWith('#')) break;
    const name = (m[1] as string).toLowerCase();
    const value = m[2] as string;
    if (!KNOWN_DIRECTIVES.has(name) || found.some((d) => d.name === name)) break;
    found.push({ line: i, name, value });
    if (name === 'escape' && (value === '`' || value === '\\')) escape = value;
    else if (name === 'syntax') syntax = value;
    else if (name === 'check') check = value;
  }
  return { directives: { escape, syntax, check, lines: found }, firstLine: i };
}

/** True when `line` ends with the escape character (optionally followed by blanks). */
function continuationAt(line: string, escape: string): number {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  if (end > 0 && line[end - 1] === escape) {
    // An escaped escape (`\\` at the end) is not a continuation in BuildKit's regex
    // either; it only checks the final character, so we do the same.
    return end - 1;
  }
  return -1;
}

interface HeredocMarker {
  delimiter: string;
  stripTabs: boolean;
  quoted: boolean;
}

function findHeredocMarkers(args: string): HeredocMarker[] {
  const markers: HeredocMarker[] = [];
  HEREDOC_MARKER.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = HEREDOC_MARKER.exec(args)) !== null) {
    // Skip markers inside quotes: count unescaped quotes before the match.
    const before = args.slice(0, m.index + (m[1] as string).length);
    if (insideQuotes(before)) continue;
    markers.push({ delimiter: m[5] as string, stripTabs: m[3] === '-', quoted: m[4] !== '' });
  }
  return markers;
}

function insideQuotes(text: string): boolean {
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && !single) { i++; continue; }
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
  }
  return single || double;
}

function parseJsonArray(args: string): string[] | undefined {
  // Most arguments are shell form: rule them out without trimming.
  const first = args.charCodeAt(0);
  if (first !== 91 && !isBlank(first)) return undefined;
  const trimmed = args.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // Not valid JSON: Docker treats it as shell form, and so do we.
  }
  return undefined;
}

// Most instructions have neither: they share one empty (frozen) list.
const NO_FLAGS: readonly Flag[] = Object.freeze([]);
const NO_HEREDOCS: readonly Heredoc[] = Object.freeze([]);

interface RawInstruction {
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
  text: string;
  segments: ArgSegment[];
}

/** Splits the keyword and flags off the joined instruction text. */
function buildInstruction(
  raw: RawInstruction, heredocs: readonly Heredoc[], index: number, stageIndex: number, problems: ParseProblem[],
): Instruction {
  const text = raw.text;
  const { start: kwStart, end: kwEnd } = keywordOf(text);
  let pos = kwEnd;
  const keywordRaw = text.slice(kwStart, pos);
  const keyword = upperKeyword(keywordRaw);
  const kwPos = positionInSegments(raw.segments, kwStart);
  const keywordRange: Range = { start: kwPos, end: { line: kwPos.line, col: kwPos.col + keywordRaw.length } };

  let onbuild: Instruction | undefined;
  let flagList: Flag[] | undefined;
  while (pos < text.length && (text.charCodeAt(pos) === 32 || text.charCodeAt(pos) === 9)) pos++;
  if (keyword !== 'ONBUILD') {
    // Flags: leading `--name[=value]` words. Values end at unquoted whitespace.
    while (text.startsWith('--', pos)) {
      const flagStart = pos;
      let quote = '';
      while (pos < text.length) {
        const c = text[pos] as string;
        if (quote) { if (c === quote) quote = ''; } else if (c === '"' || c === "'") quote = c;
        else if (c === ' ' || c === '\t') break;
        pos++;
      }
      const word = text.slice(flagStart + 2, pos);
      const eq = word.indexOf('=');
      const name = (eq < 0 ? word : word.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? undefined : stripQuotes(word.slice(eq + 1));
      flagList ??= [];
      flagList.push({ name, value, range: { start: positionInSegments(raw.segments, flagStart), end: positionInSegments(raw.segments, pos) } });
      while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    }
  }
  const argsStart = pos;
  let argsEnd = text.length;
  while (argsEnd > argsStart && (text[argsEnd - 1] === ' ' || text[argsEnd - 1] === '\t')) argsEnd--;
  const args = text.slice(argsStart, argsEnd);
  const argSegments = sliceSegments(raw.segments, argsStart, argsEnd);

  if (keyword === 'ONBUILD' && args.length > 0) {
    const inner: RawInstruction = { ...raw, text: args, segments: argSegments };
    onbuild = buildInstruction(inner, heredocs, index, stageIndex, problems);
  }
  if (!KNOWN_KEYWORDS.has(keyword)) {
    problems.push({ message: `Unknown instruction: ${keywordRaw}`, range: keywordRange });
  }
  const json = keyword === 'ONBUILD' ? undefined : parseJsonArray(args);
  return {
    keyword,
    keywordRaw,
    range: rangeOf(raw.startLine, raw.startCol, raw.endLine, raw.endCol),
    keywordRange,
    flags: flagList ?? NO_FLAGS,
    args,
    argSegments,
    json,
    heredocs,
    stageIndex,
    onbuild,
    index,
  };
}

function sliceSegments(segments: readonly ArgSegment[], start: number, end: number): ArgSegment[] {
  const out: ArgSegment[] = [];
  for (const seg of segments) {
    const segEnd = seg.offset + seg.length;
    if (segEnd <= start && !(seg.length === 0 && seg.offset === start)) continue;
    if (seg.offset >= end && out.length > 0) break;
    const from = Math.max(seg.offset, start);
    const to = Math.min(segEnd, end);
    out.push({ offset: from - start, line: seg.line, col: seg.col + (from - seg.offset), length: Math.max(0, to - from) });
  }
  if (out.length === 0) {
    const p = positionInSegments(segments, start);
    out.push({ offset: 0, line: p.line, col: p.col, length: 0 });
  }
  return out;
}

/** Parses Dockerfile text into the model. Never throws. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = splitLines(text);
  const { directives, firstLine } = readDirectives(lines);
  const escape = directives.escape;
  const comments: Comment[] = [];
  const problems: ParseProblem[] = [];
  const instructions: Instruction[] = [];
  let stageIndex = -1;

  let i = firstLine;
  // Directive lines are comments too.
  for (const d of directives.lines) comments.push({ line: d.line, text: `${d.name}=${d.value}`, insideInstruction: false });

  while (i < lines.length) {
    const line = lines[i] as string;
    const startCol = skipBlanks(line, 0);
    if (startCol === line.length) { i++; continue; }
    if (line.charCodeAt(startCol) === 35) {
      comments.push({ line: i, text: line.slice(startCol + 1).trim(), insideInstruction: false });
      i++;
      continue;
    }
    // Gather the instruction across continuation lines.
    const startLine = i;
    const segments: ArgSegment[] = [];
    let joined = '';
    let endLine = i;
    let endCol = line.length;
    let current = line;
    let col = startCol;
    for (;;) {
      const cont = continuationAt(current, escape);
      const piece = cont >= 0 ? current.slice(col, cont) : current.slice(col);
      segments.push({ offset: joined.length, line: i, col, length: piece.length });
      joined += piece;
      endLine = i;
      endCol = current.length;
      i++;
      if (cont < 0) break;
      // Skip comment and blank lines inside the continuation, as BuildKit does.
      while (i < lines.length) {
        const next = lines[i] as string;
        const at = skipBlanks(next, 0);
        if (at === next.length) { i++; continue; }
        if (next.charCodeAt(at) === 35) { comments.push({ line: i, text: next.slice(at + 1).trim(), insideInstruction: true }); i++; continue; }
        break;
      }
      if (i >= lines.length) break;
      current = lines[i] as string;
      col = 0;
    }

    // The first word up to any white space; the keyword (up to a blank or tab) is the same word in practice.
    const kw = keywordOf(joined);
    let firstWord: string;
    let firstEnd = kw.end;
    if (kw.start === 0 && skipBlanks(joined, 0) === 0 && !hasBlank(joined, 0, kw.end)) firstWord = upperKeyword(joined.slice(0, kw.end));
    else ({ word: firstWord, end: firstEnd } = wordAt(joined, 0));
    const heredocKeyword = firstWord === 'ONBUILD' ? wordAt(joined, firstEnd).word : firstWord;
    let heredocs: readonly Heredoc[] = NO_HEREDOCS;
    if (HEREDOC_KEYWORDS.has(heredocKeyword) && joined.includes('<<')) {
      const found: Heredoc[] = [];
      heredocs = found;
      for (const marker of findHeredocMarkers(joined)) {
        const contentStartLine = i;
        const body: string[] = [];
        let terminated = false;
        while (i < lines.length) {
          const raw = lines[i] as string;
          const candidate = marker.stripTabs ? raw.replace(/^\t+/, '') : raw;
          i++;
          if (candidate === marker.delimiter) { terminated = true; break; }
          body.push(candidate);
        }
        endLine = i - 1;
        endCol = (lines[endLine])?.length ?? 0;
        if (!terminated) {
          problems.push({
            message: `Unterminated heredoc: no line "${marker.delimiter}" before the end of the file`,
            range: rangeOf(startLine, startCol, startLine, (lines[startLine] as string).length),
          });
        }
        found.push({ ...marker, content: body.join('\n'), contentStartLine, terminated });
      }
    }

    const raw: RawInstruction = { startLine, startCol, endLine, endCol, text: joined, segments };
    const keyword = firstWord;
    if (keyword === 'FROM') stageIndex++;
    instructions.push(buildInstruction(raw, heredocs, instructions.length, stageIndex, problems));
  }

  const { stages, globalArgs } = buildStages(instructions);
  if (instructions.length > 0 && stages.length === 0) {
    const first = instructions.find((inst) => inst.keyword !== 'ARG');
    if (first) problems.push({ message: 'The Dockerfile has no FROM instruction', range: first.keywordRange });
  }
  return { text, lines, directives, instructions, comments, stages, globalArgs, problems };
}
