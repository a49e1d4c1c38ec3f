/**
 * Dockerfile variable substitution as BuildKit performs it in FROM, COPY, ENV, LABEL, ...:
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
 * `${VAR:?message}`, and the escape character before `$` for a literal dollar.
 */

export interface Expansion {
  readonly value: string;
  /** Names referenced without a value and without a default (for UndefinedVar). */
  readonly undefinedNames: readonly { name: string; offset: number; length: number }[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** What variable expansion reads: a Map, or a lookup layered over one. */
export interface VariableLookup {
  has(name: string): boolean;
  get(name: string): string | undefined;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/**
 * Expands variables in `text`. `vars` maps names to values; a name mapped to undefined
 * is declared (e.g. `ARG X` without default) but empty.
 */
export function expandVariables(text: string, vars: VariableLookup, escape = '\\'): Expansion {
  if (!text.includes('$')) return { value: text, undefinedNames: [] };
  const n = text.length;
  const escapeCode = escape.charCodeAt(0);
  const undefinedNames: { name: string; offset: number; length: number }[] = [];
  // Text is copied to `out` in runs: `run` is where the part not yet copied starts.
  let out = '';
  let run = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === escapeCode && text.charCodeAt(i + 1) === 36) { out += `${text.slice(run, i)}$`; i += 2; run = i; continue; }
    if (c === 39) {
      // Single quotes suppress substitution in BuildKit's word processing.
      const end = text.indexOf("'", i + 1);
      if (end > i) { i = end + 1; continue; }
    }
    if (c !== 36) { i++; continue; }
    const start = i;
    if (text.charCodeAt(i + 1) === 123) {
      const close = findClose(text, i + 2);
      // No closing brace: the rest is copied as written.
      if (close < 0) break;
      const inner = text.slice(i + 2, close);
      const m = NAME.exec(inner);
      i = close + 1;
      if (!m) continue;
      out += text.slice(run, start);
      run = i;
      const name = m[0];
      const rest = inner.slice(name.length);
      const has = vars.has(name);
      const value = vars.get(name);
      const isSet = has && value !== undefined;
      const nonEmpty = isSet && value !== '';
      if (rest === '') {
        if (!has) undefinedNames.push({ name, offset: start, length: i - start });
        out += value ?? '';
      } else if (rest.startsWith(':-') || rest.startsWith('-')) {
        const def = rest.slice(rest.startsWith(':-') ? 2 : 1);
        const useDefault = rest.startsWith(':-') ? !nonEmpty : !isSet;
        out += useDefault ? expandVariables(def, vars, escape).value : (value ?? '');
      } else if (rest.startsWith(':+') || rest.startsWith('+')) {
        const alt = rest.slice(rest.startsWith(':+') ? 2 : 1);
        const useAlt = rest.startsWith(':+') ? nonEmpty : isSet;
        out += useAlt ? expandVariables(alt, vars, escape).value : '';
      } else if (rest.startsWith(':?') || rest.startsWith('?')) {
        out += value ?? '';
      } else {
        // Pattern operators (`#`, `%`, `/`) from newer BuildKit: keep the value unmodified.
        if (!has) undefinedNames.push({ name, offset: start, length: i - start });
        out += value ?? '';
      }
      continue;
    }
    if (!isNameStart(text.charCodeAt(i + 1))) { i++; continue; }
    let end = i + 2;
    while (end < n && isNameChar(text.charCodeAt(end))) end++;
    const name = text.slice(i + 1, end);
    out += text.slice(run, start);
    i = end;
    run = i;
    if (!vars.has(name)) undefinedNames.push({ name, offset: start, length: i - start });
    out += vars.get(name) ?? '';
  }
  out += text.slice(run);
  return { value: out, undefinedNames };
}

function findClose(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') { depth--; if (depth === 0) return i; }
  }
  return -1;
}

/** One word of an argument text, quotes kept, and where it starts. */
export interface Word {
  readonly text: string;
  readonly offset: number;
}

/** One `KEY=value` (or legacy `KEY value`) of ENV, LABEL or ARG. */
export interface KeyValue {
  readonly key: string;
  /** Unquoted value; undefined for `ARG NAME` without `=`. */
  readonly value: string | undefined;
  /** Offset of the key in the argument text. */
  readonly offset: number;
  readonly hasEquals: boolean;
}

/** Parses `KEY=value KEY2="v 2"` or the legacy `KEY value` form of ENV/LABEL/ARG. */
export function parseKeyValues(args: string, allowLegacy: boolean): KeyValue[] {
  return keyValuesOfWords(args, splitWords(args), allowLegacy);
}

/** `parseKeyValues` for text already split into words. */
export function keyValuesOfWords(args: string, words: readonly Word[], allowLegacy: boolean): KeyValue[] {
  const first = words[0];
  if (!first) return [];
  if (allowLegacy && !first.text.includes('=')) {
    const rest = args.slice(first.offset + first.text.length).trim();
    if (rest !== '') return [{ key: first.text, value: unquote(rest), offset: first.offset, hasEquals: false }];
  }
  return words.map((w) => {
    const eq = w.text.indexOf('=');
    if (eq < 0) return { key: w.text, value: undefined, offset: w.offset, hasEquals: false };
    return { key: w.text.slice(0, eq), value: unquote(w.text.slice(eq + 1)), offset: w.offset, hasEquals: true };
  });
}

const UNICODE_SPACE = /\s/;

/** `/\s/` without a regex call for ASCII: blanks, tabs, line breaks, and Unicode spaces. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && UNICODE_SPACE.test(String.fromCharCode(c)));
}

/** Splits on unquoted whitespace, keeping quotes in the words. */
export function splitWords(text: string): Word[] {
  const words: Word[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    let quote = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 92 && quote !== 39) { i += 2; continue; }
      if (quote !== 0) { if (c === quote) quote = 0; } else if (c === 34 || c === 39) quote = c;
      else if (isSpace(c)) break;
      i++;
    }
    words.push({ text: text.slice(start, Math.min(i, n)), offset: start });
  }
  return words;
}

/** `"a b"` and `'a b'` give `a b`: one pair of surrounding quotes removed, nothing else. */
export function stripQuotes(value: string): string {
  const first = value.charCodeAt(0);
  if (value.length >= 2 && (first === 34 || first === 39) && value.charCodeAt(value.length - 1) === first) return value.slice(1, -1);
  return value;
}

/** Removes shell-style quotes and backslash escapes from one word. */
export function unquote(word: string): string {
  if (word.indexOf("'") < 0 && word.indexOf('"') < 0 && word.indexOf('\\') < 0) return word;
  let out = '';
  let quote = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i] as string;
    if (quote === "'") { if (c === "'") quote = ''; else out += c; continue; }
    if (c === '\\' && i + 1 < word.length) { out += word[i + 1] as string; i++; continue; }
    if (quote === '"') { if (c === '"') quote = ''; else out += c; continue; }
    if (c === '"' || c === "'") { quote = c; continue; }
    out += c;
  }
  return out;
}
