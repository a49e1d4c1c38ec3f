/**
 * A fast reader for the plain block YAML that Kubernetes manifests are mostly written in. It
 * builds the same nodes (`YAMLMap`, `YAMLSeq`, `Pair`, `Scalar`, with the same offsets and
 * the same YAML 1.1 scalar resolution, taken from the `yaml` package's own schema) as
 * `parseAllDocuments`, about ten times faster, and gives up (returns undefined) on anything
 * it does not handle exactly: anchors, aliases, tags, folded and keep-chomping block
 * scalars, multi-line flow collections and plain scalars, escapes in double quotes, tabs,
 * duplicate keys, and every syntax error. The caller then parses with the `yaml` package,
 * which also reports the error. test/unit/k8s/manifestFastYaml.test.ts compares both.
 */
import { Document, Pair, Scalar, YAMLMap, YAMLSeq, isScalar } from 'yaml';
import type { Schema } from 'yaml';

type FastNode = YAMLMap | YAMLSeq | Scalar;

/** Thrown inside the reader when the input leaves the subset it handles. */
class Unsupported extends Error {}

interface ScalarResolver {
  readonly test: RegExp;
  readonly resolve: (value: string) => unknown;
}

let resolvers: { plain: ScalarResolver[]; key: ScalarResolver[] } | undefined;

/** The YAML 1.1 schema's implicit scalar tags (null, bool, int, float, timestamp), in the order the parser tries them. */
function scalarResolvers(): { plain: ScalarResolver[]; key: ScalarResolver[] } {
  if (resolvers) return resolvers;
  const schema: Schema = new Document(null, { version: '1.1' }).schema;
  const plain: ScalarResolver[] = [];
  const key: ScalarResolver[] = [];
  for (const tag of schema.tags) {
    if (!('test' in tag) || !(tag.test instanceof RegExp) || tag.collection !== undefined) continue;
    const test = tag.test;
    const resolve = (value: string): unknown => {
      const result: unknown = tag.resolve(value, () => { throw new Unsupported('tag'); }, {});
      // Some tags (YAML 1.1 booleans, floats) resolve to a Scalar node: the parser keeps its value.
      return isScalar(result) ? result.value : result;
    };
    if (tag.default === true) { plain.push({ test, resolve }); key.push({ test, resolve }); } else if (tag.default === 'key') key.push({ test, resolve });
  }
  resolvers = { plain, key };
  return resolvers;
}

/** First characters no implicit tag (null, bool, number, timestamp, merge) can start with. */
const ALWAYS_STRING_START = /^[A-EG-MPSU-XZa-eg-mpsu-xz_/]/;

function resolvePlain(text: string, asKey: boolean): unknown {
  if (ALWAYS_STRING_START.test(text)) return text;
  const list = asKey ? scalarResolvers().key : scalarResolvers().plain;
  for (const r of list) {
    if (r.test.test(text)) return r.resolve(text);
  }
  return text;
}

interface Line {
  /** Offset of the line's first character. */
  readonly start: number;
  /** Offset after the line's text (before `\r\n` or `\n`). */
  readonly end: number;
  /** Offset after the line break (the next line's start). */
  readonly next: number;
}

/** A structural line as the reader sees it: a `- ` item's content is read as a line of its own. */
interface View {
  readonly line: number;
  /** Column of the content (after the `- ` for an item's content). */
  readonly indent: number;
  /** Offset of the content. */
  readonly at: number;
}

const PLAIN_START_FORBIDDEN = new Set([',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`']);

/**
 * Reads one document's text (optionally starting with a `---` line) into its root node.
 * Returns `null` contents for a document of comments only, undefined when the text is
 * outside the subset.
 */
export function readFastDocument(text: string): { contents: FastNode | null } | undefined {
  try {
    return { contents: new FastReader(text).document() };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

class FastReader {
  private readonly lines: Line[] = [];
  private index = 0;
  /** A `- ` item's content, read in place of the line it is on. */
  private override: View | undefined;

  constructor(private readonly text: string) {
    let start = 0;
    while (start <= text.length) {
      const newline = text.indexOf('\n', start);
      const next = newline < 0 ? text.length + 1 : newline + 1;
      let end = newline < 0 ? text.length : newline;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      this.lines.push({ start, end, next: Math.min(next, text.length) });
      if (newline < 0) break;
      start = next;
    }
  }

  document(): FastNode | null {
    this.skipInsignificant();
    const first = this.lines[this.index];
    if (first && this.text.startsWith('---', first.start)) {
      const rest = this.text.slice(first.start + 3, first.end);
      if (rest !== '' && !/^ +(#.*)?$/.test(rest)) throw new Unsupported('content after ---');
      this.index++;
      this.skipInsignificant();
    }
    const view = this.peek();
    if (!view) return null;
    const root = this.block(view.indent);
    if (this.peek()) throw new Unsupported('content after the root node');
    return root;
  }

  // -------------------------------------------------------------------------------------
  // Lines

  /** Skips blank and comment lines (never inside block scalars, which read lines themselves). */
  private skipInsignificant(): void {
    if (this.override) return;
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      if (!line) break;
      let at = line.start;
      while (at < line.end && this.text.charCodeAt(at) === 32) at++;
      if (at < line.end && this.text[at] !== '#') return;
      this.index++;
    }
  }

  private peeked: View | undefined;

  private peek(): View | undefined {
    if (this.override) return this.override;
    this.skipInsignificant();
    if (this.peeked?.line === this.index) return this.peeked;
    const line = this.lines[this.index];
    if (!line) return undefined;
    let at = line.start;
    while (at < line.end && this.text.charCodeAt(at) === 32) at++;
    if (this.text.charCodeAt(at) === 9) throw new Unsupported('tab');
    if (at === line.start) {
      if (this.text.startsWith('---', at) || this.text.startsWith('...', at)) throw new Unsupported('document marker');
      if (this.text[at] === '%') throw new Unsupported('directive');
    }
    this.peeked = { line: this.index, indent: at - line.start, at };
    return this.peeked;
  }

  private advance(): void {
    if (this.override) { this.override = undefined; }
    this.index++;
  }

  private lineOf(view: View): Line {
    const line = this.lines[view.line];
    if (!line) throw new Unsupported('no line');
    return line;
  }

  private isItem(view: View): boolean {
    const line = this.lineOf(view);
    return this.text[view.at] === '-' && (view.at + 1 === line.end || this.text[view.at + 1] === ' ');
  }

  // -------------------------------------------------------------------------------------
  // Block structure

  private block(indent: number): FastNode {
    const view = this.peek();
    if (!view || view.indent !== indent) throw new Unsupported('indentation');
    if (this.isItem(view)) return this.sequence(indent);
    if (this.keyAt(view)) return this.mapping(indent);
    throw new Unsupported('scalar on its own line');
  }

  private mapping(indent: number): YAMLMap {
    const map = new YAMLMap();
    const seen = new Set<unknown>();
    let start = -1;
    let end = 0;
    for (let view = this.peek(); view && view.indent >= indent; view = this.peek()) {
      if (view.indent > indent || this.isItem(view)) throw new Unsupported('indentation');
      const key = this.keyAt(view);
      if (!key) throw new Unsupported('not a key');
      if (start < 0) start = view.at;
      // Merge keys (`<<`) resolve to a symbol, null and timestamps to objects: left to the full parser.
      const keyValue: unknown = key.node.value;
      if (typeof keyValue === 'symbol' || typeof keyValue === 'object' || seen.has(keyValue)) throw new Unsupported('merge, null or duplicate key');
      seen.add(keyValue);
      const value = this.valueAfter(view, indent, key.colonEnd);
      map.items.push(new Pair(key.node, value.node));
      end = value.end;
    }
    map.range = [start, end, end];
    return map;
  }

  private sequence(indent: number): YAMLSeq {
    const seq = new YAMLSeq();
    let start = -1;
    let end = 0;
    for (let view = this.peek(); view && view.indent >= indent; view = this.peek()) {
      if (view.indent > indent) throw new Unsupported('indentation');
      if (!this.isItem(view)) break;
      if (start < 0) start = view.at;
      const line = this.lineOf(view);
      let content = view.at + 1;
      while (content < line.end && this.text.charCodeAt(content) === 32) content++;
      if (this.text.charCodeAt(content) === 9) throw new Unsupported('tab');
      let item: FastNode;
      if (content >= line.end || this.text[content] === '#') {
        this.advance();
        const next = this.peek();
        if (next && next.indent > indent) {
          item = this.block(next.indent);
          end = item.range?.[1] ?? end;
        } else {
          item = nullScalar(content);
          end = line.next;
        }
      } else {
        const inner: View = { line: view.line, indent: view.indent + (content - view.at), at: content };
        this.override = inner;
        if (this.isItem(inner) || this.keyAt(inner)) {
          item = this.block(inner.indent);
          end = item.range?.[1] ?? end;
        } else {
          const value = this.inlineValue(inner, indent);
          item = value.node;
          end = value.end;
        }
      }
      seq.items.push(item);
    }
    seq.range = [start, end, end];
    return seq;
  }

  /** The value of `key:` whose colon ends at `colonEnd`; `end` is where the entry ends. */
  private valueAfter(view: View, indent: number, colonEnd: number): { node: FastNode; end: number } {
    const line = this.lineOf(view);
    let at = colonEnd;
    while (at < line.end && this.text.charCodeAt(at) === 32) at++;
    if (this.text.charCodeAt(at) === 9) throw new Unsupported('tab');
    if (at < line.end && this.text[at] !== '#') return this.inlineValue({ line: view.line, indent: view.indent, at }, indent);
    this.advance();
    const next = this.peek();
    if (next && next.indent > indent) {
      const node = this.block(next.indent);
      return { node, end: node.range?.[1] ?? line.next };
    }
    if (next && next.indent === indent && this.isItem(next)) {
      const node = this.sequence(indent);
      return { node, end: node.range?.[1] ?? line.next };
    }
    return { node: nullScalar(at), end: line.next };
  }

  /** A value that starts on the current line: a scalar, a one-line flow collection or a block scalar. */
  private inlineValue(view: View, indent: number): { node: FastNode; end: number } {
    const line = this.lineOf(view);
    const ch = this.text[view.at];
    if (ch === '|') return this.blockScalar(view, indent);
    let node: FastNode;
    let after: number;
    if (ch === '[' || ch === '{') {
      ({ node, end: after } = this.flow(view.at, line.end));
    } else if (ch === '"' || ch === '\'') {
      ({ node, end: after } = this.quoted(view.at, line.end));
    } else {
      ({ node, end: after } = this.plain(view.at, line.end, 'block'));
    }
    this.expectLineEnd(after, line);
    this.advance();
    const next = this.peek();
    // A more indented line after a scalar continues it (multi-line plain scalar) or is an error.
    if (next && next.indent > indent) throw new Unsupported('continuation line');
    return { node, end: line.next };
  }

  private expectLineEnd(at: number, line: Line): void {
    let i = at;
    while (i < line.end && this.text.charCodeAt(i) === 32) i++;
    if (i < line.end && (this.text[i] !== '#' || i === at)) throw new Unsupported('text after the value');
  }

  /** `|` and `|-` block scalars (the others are rare in manifests and left to the full parser). */
  private blockScalar(view: View, indent: number): { node: FastNode; end: number } {
    const line = this.lineOf(view);
    const header = this.text.slice(view.at, line.end).replace(/ +#.*$/, '').trimEnd();
    if (header !== '|' && header !== '|-') throw new Unsupported('block scalar header');
    this.override = undefined;
    let contentIndent = -1;
    const parts: string[] = [];
    let lastContentNext = -1;
    let i = view.line + 1;
    for (; i < this.lines.length; i++) {
      const current = this.lines[i];
      if (!current) break;
      const raw = this.text.slice(current.start, current.end);
      const spaces = raw.length - raw.replace(/^ +/, '').length;
      const blank = spaces === raw.length;
      if (contentIndent < 0) {
        if (blank) {
          if (spaces > indent + 1) throw new Unsupported('leading blank line in block scalar');
          parts.push('');
          continue;
        }
        if (spaces <= indent) break;
        contentIndent = spaces;
      }
      if (blank) {
        if (spaces > contentIndent) throw new Unsupported('spaces-only line in block scalar');
        parts.push('');
        continue;
      }
      if (spaces < contentIndent) break;
      // The final line break is part of the value only when there is one.
      if (current.next === current.end) throw new Unsupported('block scalar at the end of the text');
      parts.push(raw.slice(contentIndent));
      lastContentNext = current.next;
    }
    if (contentIndent < 0 || lastContentNext < 0) throw new Unsupported('empty block scalar');
    // Lines after the last content line are trailing blank lines: chomped.
    let contentLines = parts.length;
    while (contentLines > 0 && parts[contentLines - 1] === '') contentLines--;
    const body = parts.slice(0, contentLines).join('\n');
    const value = header === '|' ? `${body}\n` : body;
    const node = new Scalar(value);
    node.type = 'BLOCK_LITERAL';
    node.range = [view.at, lastContentNext, lastContentNext];
    // Continue after the block scalar's last content line.
    let resume = view.line + 1;
    while (resume < this.lines.length && (this.lines[resume]?.start ?? 0) < lastContentNext) resume++;
    this.index = resume;
    const next = this.peek();
    if (next && next.indent > indent) throw new Unsupported('indentation after block scalar');
    return { node, end: lastContentNext };
  }

  // -------------------------------------------------------------------------------------
  // Scalars and keys

  private lastKey: { at: number; key: { node: Scalar; colonEnd: number } | undefined } | undefined;

  /** `key:` at the view's content, with the key node and the offset after the colon (remembered for the last offset asked). */
  private keyAt(view: View): { node: Scalar; colonEnd: number } | undefined {
    if (this.lastKey?.at !== view.at) this.lastKey = { at: view.at, key: this.readKey(view) };
    return this.lastKey.key;
  }

  private readKey(view: View): { node: Scalar; colonEnd: number } | undefined {
    const line = this.lineOf(view);
    const ch = this.text[view.at];
    // A flow collection is a value; as a key it is rare enough to leave to the full parser.
    if (ch === '[' || ch === '{') return undefined;
    if (ch === '"' || ch === '\'') {
      const quoted = this.quotedOrUndefined(view.at, line.end);
      if (!quoted) return undefined;
      let at = quoted.end;
      while (at < line.end && this.text.charCodeAt(at) === 32) at++;
      if (this.text[at] !== ':' || (at + 1 < line.end && this.text[at + 1] !== ' ')) return undefined;
      return { node: quoted.node, colonEnd: at + 1 };
    }
    const colon = this.keyColon(view.at, line.end);
    if (colon < 0) return undefined;
    // YAML limits implicit keys to 1024 characters; the full parser reports the error.
    if (colon - view.at > 1024) throw new Unsupported('long key');
    const raw = this.text.slice(view.at, colon);
    const keyText = raw.trimEnd();
    if (keyText === '' || !plainCanStart(keyText) || keyText.includes(' #') || keyText.includes('\t')) throw new Unsupported('key');
    const node = new Scalar(resolvePlain(keyText, true));
    node.type = 'PLAIN';
    node.range = [view.at, view.at + keyText.length, view.at + keyText.length];
    return { node, colonEnd: colon + 1 };
  }

  /** Offset of the `:` that ends a plain key on this line (followed by a space or the line end), or -1. */
  private keyColon(from: number, end: number): number {
    for (let i = from; i < end; i++) {
      const c = this.text[i];
      if (c === '#' && i > from && this.text[i - 1] === ' ') return -1;
      if (c === ':' && (i + 1 === end || this.text[i + 1] === ' ')) return i;
    }
    return -1;
  }

  /** A plain scalar: in a block, up to a comment; in a flow collection, up to `,` `]` `}` (and `:` for a key). */
  private plain(start: number, end: number, context: 'block' | 'flowKey' | 'flowValue'): { node: Scalar; end: number } {
    let stop = end;
    for (let i = start; i < end; i++) {
      const c = this.text[i];
      if (c === '#' && this.text[i - 1] === ' ') { stop = i; break; }
      if (c === ':') {
        if (context === 'flowKey') { stop = i; break; }
        if (context === 'flowValue' || i + 1 === end || this.text[i + 1] === ' ') throw new Unsupported('colon in plain scalar');
      }
      if (context !== 'block' && (c === ',' || c === ']' || c === '}' || c === '[' || c === '{')) { stop = i; break; }
      if (c === '\t') throw new Unsupported('tab');
    }
    const value = this.text.slice(start, stop).trimEnd();
    if (value === '' || !plainCanStart(value)) throw new Unsupported('plain scalar start');
    const node = new Scalar(resolvePlain(value, false));
    node.type = 'PLAIN';
    node.range = [start, start + value.length, start + value.length];
    return { node, end: start + value.length };
  }

  private quoted(start: number, end: number): { node: Scalar; end: number } {
    const found = this.quotedOrUndefined(start, end);
    if (!found) throw new Unsupported('quoted scalar');
    return found;
  }

  /** A quoted scalar closed on the same line, without backslash escapes. */
  private quotedOrUndefined(start: number, end: number): { node: Scalar; end: number } | undefined {
    const quote = this.text.charAt(start);
    let value = '';
    let from = start + 1;
    for (;;) {
      const close = this.text.indexOf(quote, from);
      if (close < 0 || close >= end) return undefined;
      if (quote === '"') {
        value = this.text.slice(from, close);
        if (value.includes('\\')) throw new Unsupported('escape');
        from = close;
        break;
      }
      value += this.text.slice(from, close);
      // '' inside single quotes is one quote.
      if (this.text.charAt(close + 1) === '\'' && close + 1 < end) { value += '\''; from = close + 2; continue; }
      from = close;
      break;
    }
    const node = new Scalar(value);
    node.type = quote === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
    node.range = [start, from + 1, from + 1];
    return { node, end: from + 1 };
  }

  /** A flow collection that closes on the same line. */
  private flow(start: number, end: number): { node: YAMLMap | YAMLSeq; end: number } {
    const open = this.text[start];
    const close = open === '[' ? ']' : '}';
    const collection = open === '[' ? new YAMLSeq() : new YAMLMap();
    collection.flow = true;
    let i = this.skipSpaces(start + 1, end);
    const entry = (at: number, context: 'flowKey' | 'flowValue'): { node: FastNode; end: number } => {
      const c = this.text[at];
      if (c === '[' || c === '{') return this.flow(at, end);
      if (c === '"' || c === '\'') return this.quoted(at, end);
      return this.plain(at, end, context);
    };
    while (this.text[i] !== close) {
      if (i >= end) throw new Unsupported('flow collection not closed on its line');
      if (collection instanceof YAMLSeq) {
        const item = entry(i, 'flowValue');
        collection.items.push(item.node);
        i = this.skipSpaces(item.end, end);
      } else {
        const key = entry(i, 'flowKey');
        if (!(key.node instanceof Scalar)) throw new Unsupported('complex key');
        i = this.skipSpaces(key.end, end);
        if (this.text[i] !== ':') throw new Unsupported('flow key without value');
        i = this.skipSpaces(i + 1, end);
        let value: FastNode;
        if (this.text[i] === ',' || this.text[i] === close) value = nullScalar(i);
        else { const parsed = entry(i, 'flowValue'); value = parsed.node; i = this.skipSpaces(parsed.end, end); }
        collection.items.push(new Pair(key.node, value));
      }
      if (this.text[i] === ',') i = this.skipSpaces(i + 1, end);
      else if (this.text[i] !== close) throw new Unsupported('flow separator');
    }
    collection.range = [start, i + 1, i + 1];
    return { node: collection, end: i + 1 };
  }

  private skipSpaces(from: number, end: number): number {
    let i = from;
    while (i < end && this.text.charCodeAt(i) === 32) i++;
    return i;
  }
}

function nullScalar(at: number): Scalar {
  const node = new Scalar(null);
  node.type = 'PLAIN';
  node.range = [at, at, at];
  return node;
}

function plainCanStart(text: string): boolean {
  const first = text[0] ?? '';
  if (PLAIN_START_FORBIDDEN.has(first)) return false;
  if ((first === '-' || first === '?' || first === ':') && (text.length === 1 || text[1] === ' ')) return false;
  return first !== '?' && first !== ':';
}
