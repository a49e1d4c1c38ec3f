/**
 * The log panel's filter: a text or regular-expression filter with highlights, and a filter
 * on the fields of structured (JSON) log lines. Both run on the text the user sees (pass it
 * through `stripAnsi` first so highlight offsets line up with the displayed characters).
 *
 * Matching is case-insensitive unless `caseSensitive` is set, for the text and for JSON
 * values alike. To bound the cost of a costly expression on a huge line, only the first
 * 64 KiB (65,536 characters) of a line are tested: a match further on is not found. That
 * bounds linear work only; an expression with catastrophic backtracking can still be slow
 * on that prefix, which is the price of accepting JavaScript regular expressions.
 *
 * JSON filter syntax: clauses separated by spaces, all of which must hold:
 * - `key=value`, `key!=value`: equality (numbers numerically when the value is a number,
 *   so `status=200` matches 200 and "200"; `!=` also holds when the field is absent);
 * - `key~regex`: the field's text matches the expression (objects as their JSON text);
 * - `key>n`, `key<n`, `key>=n`, `key<=n`: numeric comparison (the field must be a number or
 *   a numeric string);
 * - keys may be dotted for nested fields (`http.status`, `items.0.name`); a field whose own
 *   name contains dots (`"http.status": 200`) is found as well. A key in double quotes is
 *   one literal name.
 * - values may be double-quoted to hold spaces (`msg="a b"`); inside quotes `\"` is a quote
 *   and `\\` a backslash, any other backslash is kept (so `"\d+"` stays a regex escape).
 * A line that is not a JSON object never matches a JSON filter.
 */

export interface LineFilterSpec {
  /** Text to find; empty or absent for no text condition. */
  text?: string;
  /** Treat `text` as a JavaScript regular expression. */
  regex?: boolean;
  caseSensitive?: boolean;
  /** JSON field conditions (syntax above); empty or absent for none. */
  json?: string;
}

export interface LineFilter {
  /** Whether the line passes every condition. */
  matches(text: string): boolean;
  /** Ranges `[start, end)` (0-based, UTF-16 offsets) of text matches: sorted, non-overlapping. */
  highlights(text: string): [number, number][];
}

export type LineFilterResult = { ok: true; filter: LineFilter } | { ok: false; error: string };

/** Characters of a line that a regular expression is run on. */
export const MAX_TESTED_CHARS = 65_536;
/** Highlights returned per line at most; more would not be readable anyway. */
export const MAX_HIGHLIGHTS = 1_000;
/** Dotted segments per JSON key at most (bounds the lookup of ambiguous dotted names). */
const MAX_KEY_SEGMENTS = 16;

type Operator = '=' | '!=' | '~' | '>' | '<' | '>=' | '<=';

interface Clause {
  path: string[];
  operator: Operator;
  value: string;
  /** The value as a number, when it is one. */
  number: number | undefined;
  /** For `~`. */
  regex: RegExp | undefined;
}

const NUMBER = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?\s*$/i;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileRegex(source: string, flags: string): { ok: true; regex: RegExp } | { ok: false; error: string } {
  try {
    return { ok: true, regex: new RegExp(source, flags) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function prefix(text: string): string {
  return text.length > MAX_TESTED_CHARS ? text.slice(0, MAX_TESTED_CHARS) : text;
}

/** Compiles a filter; a bad regular expression or JSON clause is an error, never a throw. */
export function compileLineFilter(spec: LineFilterSpec): LineFilterResult {
  const flags = spec.caseSensitive ? '' : 'i';
  let textTest: RegExp | undefined;
  let textAll: RegExp | undefined;
  if (spec.text !== undefined && spec.text !== '') {
    const source = spec.regex ? spec.text : escapeRegex(spec.text);
    const single = compileRegex(source, flags);
    if (!single.ok) return single;
    textTest = single.regex;
    // Separate global instance: `test` on a global regex is stateful.
    textAll = new RegExp(source, `${flags}g`);
  }
  let clauses: Clause[] = [];
  if (spec.json !== undefined && spec.json.trim() !== '') {
    const parsed = parseJsonFilter(spec.json, flags);
    if (!parsed.ok) return parsed;
    clauses = parsed.clauses;
  }
  const caseSensitive = spec.caseSensitive === true;

  const filter: LineFilter = {
    matches(text: string): boolean {
      if (textTest && !textTest.test(prefix(text))) return false;
      if (clauses.length === 0) return true;
      const record = parseJsonObject(text);
      return record !== undefined && clauses.every((clause) => clauseHolds(clause, record, caseSensitive));
    },
    highlights(text: string): [number, number][] {
      if (!textAll) return [];
      const subject = prefix(text);
      const ranges: [number, number][] = [];
      textAll.lastIndex = 0;
      while (ranges.length < MAX_HIGHLIGHTS) {
        const match = textAll.exec(subject);
        if (!match) break;
        const start = match.index;
        const end = start + match[0].length;
        if (end === start) {
          // An empty match highlights nothing; step past it or exec would loop here forever.
          textAll.lastIndex = start + 1;
          continue;
        }
        ranges.push([start, end]);
      }
      return ranges;
    },
  };
  return { ok: true, filter };
}

/** The line as a JSON object, or undefined when it is anything else. */
function parseJsonObject(text: string): object | undefined {
  const start = text.search(/\S/);
  if (start === -1 || text.charCodeAt(start) !== 0x7b /* { */) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseJsonFilter(source: string, flags: string): { ok: true; clauses: Clause[] } | { ok: false; error: string } {
  const clauses: Clause[] = [];
  let pos = 0;
  const isSpace = (i: number): boolean => /\s/.test(source.charAt(i));
  while (pos < source.length) {
    if (isSpace(pos)) {
      pos++;
      continue;
    }
    // Key: a quoted literal name, or a dotted path up to the operator.
    let path: string[];
    if (source[pos] === '"') {
      const quoted = readQuoted(source, pos);
      if (!quoted.ok) return quoted;
      path = [quoted.text];
      pos = quoted.end;
    } else {
      const keyStart = pos;
      while (pos < source.length && !isSpace(pos) && !'=!~<>"'.includes(source.charAt(pos))) pos++;
      const key = source.slice(keyStart, pos);
      if (key === '') return { ok: false, error: `JSON filter: expected a field name at position ${keyStart + 1}` };
      path = key.split('.');
      if (path.some((part) => part === '')) return { ok: false, error: `JSON filter: "${key}" has an empty part between dots` };
      if (path.length > MAX_KEY_SEGMENTS) return { ok: false, error: `JSON filter: "${key}" has more than ${MAX_KEY_SEGMENTS} parts` };
    }
    const name = path.join('.');
    const operator = (['!=', '>=', '<=', '==', '=', '~', '>', '<'] as const).find((op) => source.startsWith(op, pos));
    if (operator === undefined) return { ok: false, error: `JSON filter: expected =, !=, ~, >, >=, < or <= after "${name}"` };
    pos += operator.length;
    let value: string;
    if (source[pos] === '"') {
      const quoted = readQuoted(source, pos);
      if (!quoted.ok) return quoted;
      value = quoted.text;
      pos = quoted.end;
      if (pos < source.length && !isSpace(pos)) return { ok: false, error: `JSON filter: expected a space after the quoted value of "${name}"` };
    } else {
      const valueStart = pos;
      while (pos < source.length && !isSpace(pos)) pos++;
      value = source.slice(valueStart, pos);
    }
    const op: Operator = operator === '==' ? '=' : operator;
    const number = NUMBER.test(value) ? Number(value) : undefined;
    let regex: RegExp | undefined;
    if (op === '~') {
      const compiled = compileRegex(value, flags);
      if (!compiled.ok) return compiled;
      regex = compiled.regex;
    } else if ((op === '>' || op === '<' || op === '>=' || op === '<=') && number === undefined) {
      return { ok: false, error: `JSON filter: "${name}${op}" needs a number, got "${value}"` };
    }
    clauses.push({ path, operator: op, value, number, regex });
  }
  return { ok: true, clauses };
}

function readQuoted(source: string, quoteAt: number): { ok: true; text: string; end: number } | { ok: false; error: string } {
  let text = '';
  for (let i = quoteAt + 1; i < source.length; i++) {
    const char = source.charAt(i);
    if (char === '"') return { ok: true, text, end: i + 1 };
    if (char === '\\' && (source[i + 1] === '"' || source[i + 1] === '\\')) {
      text += source.charAt(i + 1);
      i++;
      continue;
    }
    text += char;
  }
  return { ok: false, error: `JSON filter: the quote at position ${quoteAt + 1} is never closed` };
}

/**
 * The value at a dotted path. At each level the longest run of segments that names an own
 * field is tried first, so `{"http.status": 1}` and `{"http": {"status": 1}}` both answer
 * `http.status`. Arrays are indexed by number (`items.0`).
 */
function lookup(value: unknown, path: readonly string[], from: number): unknown {
  if (from === path.length) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  for (let end = path.length; end > from; end--) {
    const key = end === from + 1 ? (path[from] ?? '') : path.slice(from, end).join('.');
    if (Object.prototype.hasOwnProperty.call(value, key)) {
      const found = lookup((value as Record<string, unknown>)[key], path, end);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function fieldNumber(field: unknown): number | undefined {
  if (typeof field === 'number') return Number.isFinite(field) ? field : undefined;
  if (typeof field === 'string' && NUMBER.test(field)) return Number(field);
  return undefined;
}

/** The field as text for `=`: scalars only. */
function fieldText(field: unknown): string | undefined {
  if (typeof field === 'string') return field;
  if (typeof field === 'number' || typeof field === 'boolean') return String(field);
  if (field === null) return 'null';
  return undefined;
}

function fieldEquals(field: unknown, clause: Clause, caseSensitive: boolean): boolean {
  if (field === undefined) return false;
  if (clause.number !== undefined) {
    const n = fieldNumber(field);
    if (n !== undefined) return n === clause.number;
  }
  const text = fieldText(field);
  if (text === undefined) return false;
  return caseSensitive ? text === clause.value : text.toLowerCase() === clause.value.toLowerCase();
}

function clauseHolds(clause: Clause, record: object, caseSensitive: boolean): boolean {
  const field = lookup(record, clause.path, 0);
  switch (clause.operator) {
    case '=':
      return fieldEquals(field, clause, caseSensitive);
    case '!=':
      return !fieldEquals(field, clause, caseSensitive);
    case '~': {
      if (field === undefined || !clause.regex) return false;
      const text = fieldText(field) ?? JSON.stringify(field);
      return clause.regex.test(prefix(text));
    }
    default: {
      const n = fieldNumber(field);
      const limit = clause.number;
      if (n === undefined || limit === undefined) return false;
      if (clause.operator === '>') return n > limit;
      if (clause.operator === '<') return n < limit;
      if (clause.operator === '>=') return n >= limit;
      return n <= limit;
    }
  }
}
