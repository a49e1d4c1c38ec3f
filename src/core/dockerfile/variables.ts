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

/**
 * Expands variables in `text`. `vars` maps names to values; a name mapped to undefined
 * is declared (e.g. `ARG X` without default) but empty.
 */
export function expandVariables(text: string, vars: ReadonlyMap<string, string | undefined>, escape = '\\'): Expansion {
  if (!text.includes('$')) return { value: text, undefinedNames: [] };
  let out = '';
  const undefinedNames: { name: string; offset: number; length: number }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === escape && text[i + 1] === '$') { out += '$'; i += 2; continue; }
    if (c === "'" ) {
      // Single quotes suppress substitution in BuildKit's word processing.
      const end = text.indexOf("'", i + 1);
      if (end > i) { out += text.slice(i, end + 1); i = end + 1; continue; }
    }
    if (c !== '$') { out += c; i++; continue; }
    const start = i;
    if (text[i + 1] === '{') {
      const close = findClose(text, i + 2);
      if (close < 0) { out += text.slice(i); break; }
      const inner = text.slice(i + 2, close);
      const m = NAME.exec(inner);
      i = close + 1;
      if (!m) { out += text.slice(start, i); continue; }
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
    const m = NAME.exec(text.slice(i + 1));
    if (!m) { out += '$'; i++; continue; }
    const name = m[0];
    i += 1 + name.length;
    if (!vars.has(name)) undefinedNames.push({ name, offset: start, length: i - start });
    out += vars.get(name) ?? '';
  }
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

/** Parses `KEY=value KEY2="v 2"` or the legacy `KEY value` form of ENV/LABEL/ARG. */
export function parseKeyValues(args: string, allowLegacy: boolean): { key: string; value: string | undefined; offset: number; hasEquals: boolean }[] {
  const words = splitWords(args);
  if (words.length === 0) return [];
  const first = words[0] as { text: string; offset: number };
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

/** Splits on unquoted whitespace, keeping quotes in the words. */
export function splitWords(text: string): { text: string; offset: number }[] {
  const words: { text: string; offset: number }[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    const start = i;
    let quote = '';
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '\\' && quote !== "'") { i += 2; continue; }
      if (quote) { if (c === quote) quote = ''; } else if (c === '"' || c === "'") quote = c;
      else if (/\s/.test(c)) break;
      i++;
    }
    words.push({ text: text.slice(start, Math.min(i, text.length)), offset: start });
  }
  return words;
}

/** Removes shell-style quotes and backslash escapes from one word. */
export function unquote(word: string): string {
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
