/**
 * Reading parsed YAML nodes of Kubernetes manifests and writing block-style text into them:
 * offsets to 0-based positions, typed lookups, and insertions of commented skeletons that
 * keep the surrounding indentation. Pure; positions are 0-based, ends exclusive.
 */
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Position, Range } from '../dockerfile/model';
import type { TextEdit } from '../dockerfile/rules/types';

/**
 * Line starts of a text, for turning the parser's offsets into editor positions. The text
 * may be one document cut out of a file at a line start: `firstLine` is its line in the file,
 * and every line number in and out is a line of the file.
 */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string, readonly firstLine = 0) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** The file line after the text's last line (exclusive end). */
  get endLine(): number {
    return this.firstLine + this.starts.length;
  }

  /** 0-based file position of a UTF-16 offset in the text (clamped to the text). */
  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: this.firstLine + low, col: clamped - (this.starts[low] ?? 0) };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  /** Offset in the text where a file line starts. */
  lineStart(line: number): number {
    return this.starts[line - this.firstLine] ?? this.text.length;
  }

  /** A file line's text without its newline ('' outside the text). */
  lineText(line: number): string {
    const index = line - this.firstLine;
    const start = this.starts[index];
    if (start === undefined) return '';
    const next = this.starts[index + 1];
    return this.text.slice(start, next === undefined ? this.text.length : next - 1).replace(/\r$/, '');
  }
}

/** A parsed node with its source offsets (every node of a parsed document has them). */
export type SourceNode = Node & { range: [number, number, number] };

/**
 * The document aliases are resolved in: the `yaml` package's Document, or undefined for a
 * document read by the fast reader (which has no aliases).
 */
export type AliasScope = Document | undefined;

/** The node an alias points to (Kubernetes files rarely use anchors, but they are valid YAML). */
export function resolved(node: unknown, doc: AliasScope): Node | undefined {
  if (isAlias(node)) return doc ? node.resolve(doc) : undefined;
  if (isMap(node) || isSeq(node) || isScalar(node)) return node;
  return undefined;
}

/** The pair of `key` in a mapping, looking through `<<` merge keys. */
export function pairOf(map: YAMLMap, key: string, doc: AliasScope): Pair | undefined {
  let merges = false;
  for (const pair of map.items) {
    const k = pair.key;
    if (!isScalar(k)) continue;
    if (k.value === key) return pair;
    if (k.value === '<<') merges = true;
  }
  if (!merges) return undefined;
  for (const pair of map.items) {
    if (!isScalar(pair.key) || pair.key.value !== '<<') continue;
    const merged = resolved(pair.value, doc);
    const sources = isSeq(merged) ? merged.items.map((item) => resolved(item, doc)) : [merged];
    for (const source of sources) {
      const found = isMap(source) ? pairOf(source, key, doc) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

export function valueOf(map: YAMLMap, key: string, doc: AliasScope): Node | undefined {
  const pair = pairOf(map, key, doc);
  return pair ? resolved(pair.value, doc) : undefined;
}

export function mapAt(map: YAMLMap, key: string, doc: AliasScope): YAMLMap | undefined {
  const value = valueOf(map, key, doc);
  return isMap(value) ? value : undefined;
}

export function seqAt(map: YAMLMap, key: string, doc: AliasScope): YAMLSeq | undefined {
  const value = valueOf(map, key, doc);
  return isSeq(value) ? value : undefined;
}

export function scalarAt(map: YAMLMap, key: string, doc: AliasScope): Scalar | undefined {
  const value = valueOf(map, key, doc);
  return isScalar(value) ? value : undefined;
}

/** A scalar node's value as a string (numbers and booleans too), or undefined for null and other nodes. */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const value = node.value;
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : undefined;
}

/** A scalar's value as a string (numbers and booleans as written), or undefined. */
export function stringAt(map: YAMLMap, key: string, doc: AliasScope): string | undefined {
  return scalarText(valueOf(map, key, doc));
}

/** A mapping of scalars (labels, a Service selector) as a record; non-scalar values are left out. */
export function stringRecord(map: YAMLMap | undefined, doc: AliasScope): Record<string, string> {
  const out: Record<string, string> = {};
  if (!map) return out;
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    const key = scalarText(pair.key);
    const value = scalarText(resolved(pair.value, doc));
    if (key !== undefined && value !== undefined) out[key] = value;
  }
  return out;
}

export function hasRange(node: unknown): node is SourceNode {
  return typeof node === 'object' && node !== null && 'range' in node && Array.isArray(node.range);
}

/** Offsets of a `key: value` entry: from the key to the end of the value (comments excluded). */
export function pairSpan(pair: Pair): [number, number] | undefined {
  if (!hasRange(pair.key)) return undefined;
  const start = pair.key.range[0];
  let end = pair.key.range[1];
  if (hasRange(pair.value)) end = Math.max(end, pair.value.range[1]);
  return [start, end];
}

/**
 * One entry of a skeleton to write: `key: value`, or `key:` with children. `comment` is a
 * line written above the entry, `note` a comment at the end of its line.
 */
export interface SkeletonEntry {
  readonly key: string;
  readonly value?: string;
  readonly children?: readonly SkeletonEntry[];
  readonly comment?: string;
  readonly note?: string;
}

const INDENT_STEP = '  ';

function renderEntries(entries: readonly SkeletonEntry[], indent: string): string[] {
  const lines: string[] = [];
  for (const entry of entries) {
    if (entry.comment !== undefined) lines.push(`${indent}# ${entry.comment}`);
    const note = entry.note === undefined ? '' : ` # ${entry.note}`;
    if (entry.children && entry.children.length > 0) {
      lines.push(`${indent}${entry.key}:${note}`);
      lines.push(...renderEntries(entry.children, indent + INDENT_STEP));
    } else {
      lines.push(`${indent}${entry.key}: ${entry.value ?? '{}'}${note}`);
    }
  }
  return lines;
}

/** A string as a YAML scalar: plain when YAML 1.1 reads it back as the same string, else double-quoted. */
export function yamlString(value: string): string {
  const plain = /^[A-Za-z_/][A-Za-z0-9_./-]*$/.test(value)
    && !/^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/.test(value);
  return plain ? value : JSON.stringify(value);
}

/** Lines of a skeleton at an indentation (for documents appended to a file). */
export function renderSkeleton(entries: readonly SkeletonEntry[], indent = ''): string[] {
  return renderEntries(entries, indent);
}

/** True when the mapping is written in block style and each of its keys starts a line of its own or follows `- `. */
function isEditableBlockMap(map: YAMLMap, lines: LineIndex): boolean {
  if (map.flow || map.items.length === 0) return false;
  for (const pair of map.items) {
    if (!hasRange(pair.key) || !isScalar(pair.key)) return false;
    if (pair.key.value === '<<') return false;
  }
  const first = map.items[0]?.key;
  if (!hasRange(first)) return false;
  const at = lines.position(first.range[0]);
  const before = lines.lineText(at.line).slice(0, at.col);
  return /^[ ]*(-[ ]+)*$/.test(before);
}

function keyColumn(map: YAMLMap, lines: LineIndex): number | undefined {
  const first = map.items[0]?.key;
  return hasRange(first) ? lines.position(first.range[0]).col : undefined;
}

/**
 * End offset of the last scalar written inside a node: where its text ends, whatever trailing
 * comments the parser counts as part of the enclosing collections.
 */
function lastValueEnd(node: unknown): number | undefined {
  let current = node;
  for (;;) {
    if ((isMap(current) || isSeq(current)) && !current.flow && current.items.length > 0) {
      const last: unknown = current.items[current.items.length - 1];
      current = isPair(last) ? (last.value ?? last.key) : last;
      continue;
    }
    return hasRange(current) ? current.range[1] : undefined;
  }
}

/** Where text can be inserted as new entries after the last entry of a block mapping. */
function endOfMapInsertion(map: YAMLMap, lines: LineIndex, block: string[]): TextEdit | undefined {
  const last = map.items[map.items.length - 1];
  if (!last) return undefined;
  const span = pairSpan(last);
  if (!span) return undefined;
  const end = Math.max(span[0], lastValueEnd(last.value) ?? span[1]);
  const text = lines.text;
  // Block scalars end after their last line break; other scalars before it.
  const endOffset = end > span[0] && text[end - 1] === '\n' ? end - 1 : end;
  const lastLine = lines.position(endOffset).line;
  if (lastLine + 1 < lines.endLine) {
    const at = { line: lastLine + 1, col: 0 };
    return { range: { start: at, end: at }, newText: block.map((l) => `${l}\n`).join('') };
  }
  const at = { line: lastLine, col: lines.lineText(lastLine).length };
  return { range: { start: at, end: at }, newText: block.map((l) => `\n${l}`).join('') };
}

/**
 * Edits that add `entries` to a block mapping, merging into entries that already exist:
 * an existing block mapping is descended into, an empty value (`key:`, `key: {}`, `key: ~`)
 * is replaced by the block, anything else (a scalar, a non-empty flow collection) makes the
 * plan fail. Undefined when the text cannot be edited safely (flow style, anchors).
 */
export function planAdditions(map: YAMLMap, entries: readonly SkeletonEntry[], doc: AliasScope, lines: LineIndex): TextEdit[] | undefined {
  if (!isEditableBlockMap(map, lines)) return undefined;
  const column = keyColumn(map, lines);
  if (column === undefined) return undefined;
  const indent = ' '.repeat(column);
  const edits: TextEdit[] = [];
  const missing: SkeletonEntry[] = [];
  for (const entry of entries) {
    const pair = pairOf(map, entry.key, doc);
    if (!pair) { missing.push(entry); continue; }
    if (!map.items.includes(pair)) return undefined; // it comes from a merge key: not ours to edit
    const value = pair.value;
    if (isAlias(value)) return undefined;
    const emptyValue = value === null || (isScalar(value) && value.value === null) || ((isMap(value) || isSeq(value)) && value.flow === true && value.items.length === 0);
    if (emptyValue) {
      const span = pairSpan(pair);
      if (!span || !entry.children) return undefined;
      const rendered = renderEntries([{ ...entry, comment: undefined }], indent);
      const [first = '', ...rest] = rendered;
      edits.push({ range: lines.range(span[0], span[1]), newText: [first.slice(indent.length), ...rest].join('\n') });
      continue;
    }
    if (isMap(value) && entry.children) {
      const nested = planAdditions(value, entry.children, doc, lines);
      if (!nested) return undefined;
      edits.push(...nested);
      continue;
    }
    return undefined;
  }
  if (missing.length > 0) {
    const insertion = endOfMapInsertion(map, lines, renderEntries(missing, indent));
    if (!insertion) return undefined;
    edits.push(insertion);
  }
  return edits;
}

/** Edit that writes `entries` as the first lines of a block mapping whose first key starts its own line. */
export function planFirstEntries(map: YAMLMap, entries: readonly SkeletonEntry[], lines: LineIndex): TextEdit | undefined {
  if (!isEditableBlockMap(map, lines)) return undefined;
  const first = map.items[0]?.key;
  if (!hasRange(first)) return undefined;
  const at = lines.position(first.range[0]);
  if (lines.lineText(at.line).slice(0, at.col).trim() !== '') return undefined;
  const start = { line: at.line, col: 0 };
  const block = renderEntries(entries, ' '.repeat(at.col));
  return { range: { start, end: start }, newText: block.map((l) => `${l}\n`).join('') };
}
