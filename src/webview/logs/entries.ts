// A log line as the panel keeps it, and the lazily computed forms the view needs: the styled
// parts to draw and the plain text that filters, highlights and copy work on. Both are derived
// from the same parts, so highlight offsets always line up with what is drawn.
import { parseAnsi, type AnsiSegment } from '../../core/logs/ansi';
import type { WireLine } from '../../core/logs/protocol';

export interface LogEntry {
  /** Arrival order in this panel, 0-based; never reused, so it survives eviction and filtering. */
  readonly seq: number;
  readonly line: WireLine;
  parts?: AnsiSegment[];
  plain?: string;
}

// Characters that change what a line looks like: escape sequences (ESC, the C1 CSI), other C0/C1
// controls and bidi overrides. A line without any is drawn as it is, without parsing.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_PARSING = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// Controls that survive ANSI parsing (NUL, BEL, CR, C1...) are shown as visible symbols, never
// passed to the text engine: CR would hide the start of a line, bidi controls reorder it.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visibleControl(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␀ ... ␟
  if (code === 0x7f) return '\u2421'; // ␡
  return '\ufffd';
}

/** The styled parts of a line, parsed once and kept. */
export function partsOf(entry: LogEntry): AnsiSegment[] {
  if (entry.parts) return entry.parts;
  const text = entry.line.x;
  let parts: AnsiSegment[];
  if (!NEEDS_PARSING.test(text)) {
    parts = [{ text }];
  } else {
    parts = parseAnsi(text).map((segment) =>
      NEEDS_PARSING.test(segment.text) ? { ...segment, text: segment.text.replace(CONTROL, visibleControl) } : segment,
    );
  }
  entry.parts = parts;
  return parts;
}

/** The line's text without escape sequences: what filters match, highlights index, copy copies. */
export function plainOf(entry: LogEntry): string {
  if (entry.plain !== undefined) return entry.plain;
  const text = entry.line.x;
  // The plain text of a line that needs no parsing is the line itself: no parse, no copy.
  const plain = NEEDS_PARSING.test(text) ? partsOf(entry).map((p) => p.text).join('') : text;
  entry.plain = plain;
  return plain;
}

/**
 * The entries the list shows (all, or those passing the filter), oldest first. Old entries leave
 * from the front when the buffer evicts them; a moving head keeps that O(1) amortised.
 */
export class ViewWindow {
  private items: LogEntry[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  at(index: number): LogEntry | undefined {
    return this.items[this.head + index];
  }

  push(entry: LogEntry): void {
    this.items.push(entry);
  }

  reset(entries: LogEntry[]): void {
    this.items = entries;
    this.head = 0;
  }

  /** Drops entries older than `seq` from the front; returns how many left. */
  dropBefore(seq: number): number {
    const start = this.head;
    while (this.head < this.items.length && (this.items[this.head]?.seq ?? seq) < seq) this.head++;
    const dropped = this.head - start;
    // Compact once the dead prefix dominates, so memory follows the live size.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }

  /** Index of the first entry with `seq >= target` (length when none): entries are sorted by seq. */
  indexOfSeq(target: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at(mid)?.seq ?? Infinity) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  *entries(): Iterable<LogEntry> {
    for (let i = this.head; i < this.items.length; i++) {
      const entry = this.items[i];
      if (entry) yield entry;
    }
  }
}
