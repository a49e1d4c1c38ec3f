/**
 * The host's buffer of a log panel: the newest `capacity` lines, oldest first, within a
 * character budget, for a webview that reloads or resumes from a pause, and for "save".
 *
 * Lines arrive as WireLine objects and stay so while they are recent; `pack()` turns the
 * recent ones into blocks, each one string holding the lines' times and texts back to back
 * plus one typed array of their lengths, sources and kinds. A packed line costs no object of
 * its own: held as objects, 50,000 lines are 150,000 small objects (line, time, text) that
 * the garbage collector of a busy extension host copies and marks again and again (at
 * 100,000 lines a second, packing halves the time its young-generation pauses take).
 * Objects are made again only when asked for (`toArray`): on a reload, a resume or a save,
 * not per line.
 *
 * Weight: a line counts its text's length plus LINE_OVERHEAD_CHARS; while the lines held
 * weigh more than `maxChars`, the oldest go (the newest line always stays), so a few
 * megabyte-long lines cannot hold `capacity` times their size. Evicted lines are counted
 * (`dropped`). A block's string is released once all its lines were evicted: memory held is
 * the budget plus at most one block (BLOCK_CHARS).
 */
import type { WireLine } from './protocol';

/** What a line weighs beyond its text: its share of objects and arrays, in characters. */
export const LINE_OVERHEAD_CHARS = 64;
/** Characters a block holds at most (unless one line alone is longer). */
const BLOCK_CHARS = 1 << 20;
/** Int32 fields per line in a block's `fields`. */
const STRIDE = 4;
/** Field offsets: end of the line in `text`; time length (-1 without a time); source; 1 for a marker. */
const END = 0;
const TIME = 1;
const SOURCE = 2;
const MARKER = 3;

interface Block {
  readonly text: string;
  readonly fields: Int32Array;
  readonly count: number;
  /** Index of its oldest line still held. */
  first: number;
}

function weightOf(line: WireLine): number {
  return line.x.length + LINE_OVERHEAD_CHARS;
}

/** Where line `index` of `block` starts in its text. */
function startOf(block: Block, index: number): number {
  return index === 0 ? 0 : (block.fields[(index - 1) * STRIDE + END] as number);
}

/** Length of the text (not the time) of line `index` of `block`. */
function textLength(block: Block, index: number): number {
  const at = index * STRIDE;
  return (block.fields[at + END] as number) - startOf(block, index) - Math.max(0, block.fields[at + TIME] as number);
}

/** Line `index` of `block` as a WireLine, of the shape it came in with. */
function lineAt(block: Block, index: number): WireLine {
  const at = index * STRIDE;
  const start = startOf(block, index);
  const timeLength = block.fields[at + TIME] as number;
  const s = block.fields[at + SOURCE] as number;
  const textStart = start + Math.max(0, timeLength);
  const x = block.text.slice(textStart, block.fields[at + END]);
  const marker = block.fields[at + MARKER] === 1;
  if (timeLength < 0) return marker ? { s, k: 'm', x } : { s, x };
  const t = block.text.slice(start, textStart);
  return marker ? { s, t, k: 'm', x } : { s, t, x };
}

/** Lines `from` to `to` (exclusive) of `lines` as one block. */
function packBlock(lines: readonly (WireLine | undefined)[], from: number, to: number): Block {
  const parts: string[] = [];
  const fields = new Int32Array((to - from) * STRIDE);
  let end = 0;
  for (let i = from; i < to; i++) {
    const line = lines[i] as WireLine;
    const at = (i - from) * STRIDE;
    if (line.t !== undefined) parts.push(line.t);
    parts.push(line.x);
    end += line.x.length + (line.t?.length ?? 0);
    fields[at + END] = end;
    fields[at + TIME] = line.t === undefined ? -1 : line.t.length;
    fields[at + SOURCE] = line.s;
    fields[at + MARKER] = line.k === 'm' ? 1 : 0;
  }
  return { text: parts.join(''), fields, count: to - from, first: 0 };
}

export class LineStore {
  private readonly capacity: number;
  private readonly maxChars: number;
  /** Packed lines, oldest block first; the part before `blockHead` was evicted. */
  private blocks: (Block | undefined)[] = [];
  private blockHead = 0;
  /** Lines not packed yet, after every packed one; the part before `recentHead` was evicted. */
  private recent: (WireLine | undefined)[] = [];
  private recentHead = 0;
  private count = 0;
  private weight = 0;
  private evicted = 0;

  /**
   * @param capacity lines kept; a positive integer.
   * @param options.maxChars character budget of the lines held (see LINE_OVERHEAD_CHARS); unbounded by default.
   */
  constructor(capacity: number, options: { maxChars?: number } = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.maxChars = options.maxChars ?? Number.POSITIVE_INFINITY;
  }

  /** Adds lines in order, evicting the oldest beyond the capacity or the character budget. */
  pushAll(lines: readonly WireLine[]): void {
    for (const line of lines) {
      this.recent.push(line);
      this.weight += weightOf(line);
    }
    this.count += lines.length;
    while (this.count > 1 && (this.count > this.capacity || this.weight > this.maxChars)) this.evictOldest();
  }

  /** Packs the recent lines. Call it once nothing needs them as objects any more (after posting them). */
  pack(): void {
    let from = this.recentHead;
    while (from < this.recent.length) {
      // A block ends before BLOCK_CHARS (or after its first line): no string grows past what V8 allows.
      let to = from;
      let chars = 0;
      while (to < this.recent.length) {
        const line = this.recent[to] as WireLine;
        const lineChars = line.x.length + (line.t?.length ?? 0);
        if (to > from && chars + lineChars > BLOCK_CHARS) break;
        chars += lineChars;
        to++;
      }
      this.blocks.push(packBlock(this.recent, from, to));
      from = to;
    }
    this.recent = [];
    this.recentHead = 0;
  }

  /** The lines held from the `start`-th oldest on (all by default), oldest first. */
  toArray(start = 0): WireLine[] {
    const out: WireLine[] = [];
    let skip = Math.max(0, start);
    for (let b = this.blockHead; b < this.blocks.length; b++) {
      const block = this.blocks[b] as Block;
      const held = block.count - block.first;
      if (skip >= held) {
        skip -= held;
        continue;
      }
      for (let i = block.first + skip; i < block.count; i++) out.push(lineAt(block, i));
      skip = 0;
    }
    for (let i = this.recentHead + skip; i < this.recent.length; i++) out.push(this.recent[i] as WireLine);
    return out;
  }

  /** Number of lines held. */
  get size(): number {
    return this.count;
  }

  /** Lines evicted since construction or the last `clear()`. */
  get dropped(): number {
    return this.evicted;
  }

  /** Empties the store and resets `dropped` (cleared lines are not "dropped": the user asked for them to go). */
  clear(): void {
    this.blocks = [];
    this.blockHead = 0;
    this.recent = [];
    this.recentHead = 0;
    this.count = 0;
    this.weight = 0;
    this.evicted = 0;
  }

  private evictOldest(): void {
    const block = this.blocks[this.blockHead];
    if (block) {
      this.weight -= textLength(block, block.first) + LINE_OVERHEAD_CHARS;
      block.first++;
      if (block.first === block.count) {
        // Its string and fields go with it.
        this.blocks[this.blockHead] = undefined;
        this.blockHead++;
        if (this.blockHead * 2 > this.blocks.length) {
          this.blocks = this.blocks.slice(this.blockHead);
          this.blockHead = 0;
        }
      }
    } else {
      this.weight -= weightOf(this.recent[this.recentHead] as WireLine);
      this.recent[this.recentHead] = undefined;
      this.recentHead++;
      // Without packing (nothing posted), the evicted front must not keep growing the array.
      if (this.recentHead > 1024 && this.recentHead * 2 > this.recent.length) {
        this.recent = this.recent.slice(this.recentHead);
        this.recentHead = 0;
      }
    }
    this.count--;
    this.evicted++;
  }
}
