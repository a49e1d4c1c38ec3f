// Draws one log entry into a (recycled) row element. Text goes in as text nodes; colours from
// ANSI SGR become style properties set through the CSSOM, which the panel's CSP allows (it
// forbids style attributes in markup, and there is no markup here).
import type { AnsiSegment } from '../../core/logs/ansi';
import { el, formatCount } from './dom';
import { partsOf, plainOf, type LogEntry } from './entries';

/**
 * At most this many characters of a line are drawn: a 1 MB line stays copyable and savable in
 * full but does not cost the page a 7-million-pixel-wide text run.
 */
export const MAX_DRAWN_CHARS = 20_000;
/** Styled spans per line; a line that switches colour more often is drawn plain past this. */
const MAX_STYLED_PARTS = 500;

export interface RowContext {
  showTimestamps: boolean;
  showTags: boolean;
  /** Label and colour slot (0..7) for a source index; undefined for an unknown source. */
  tagOf(source: number): { label: string; color: number } | undefined;
  /** Match ranges [start, end) in the plain text, for highlighting; empty when nothing to highlight. */
  highlights(plain: string): readonly (readonly [number, number])[];
}

const PALETTE_VARIABLE = /^--ansi-(?:1[0-5]|[0-9])$/;
const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

/** A CSS colour for an AnsiSegment colour, or undefined for anything that is not one of the two forms. */
function cssColour(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (PALETTE_VARIABLE.test(value)) return `var(${value})`;
  if (HEX_COLOUR.test(value)) return value;
  return undefined;
}

function isStyled(part: AnsiSegment): boolean {
  return Boolean(part.fg ?? part.bg ?? part.bold ?? part.dim ?? part.italic ?? part.underline ?? part.inverse);
}

function styledSpan(part: AnsiSegment): HTMLSpanElement {
  const span = document.createElement('span');
  let fg = cssColour(part.fg);
  let bg = cssColour(part.bg);
  if (part.inverse) {
    // The panel's own colours (media/logs/logs.css) stand in for "default" when swapping.
    [fg, bg] = [bg ?? 'var(--panel-bg)', fg ?? 'var(--panel-fg)'];
  }
  if (fg) span.style.setProperty('color', fg);
  if (bg) span.style.setProperty('background-color', bg);
  if (part.bold) span.classList.add('sgr-bold');
  if (part.dim) span.classList.add('sgr-dim');
  if (part.italic) span.classList.add('sgr-italic');
  if (part.underline) span.classList.add('sgr-underline');
  return span;
}

/** Appends `text` (which starts at `offset` in the plain line) to `target`, wrapping matched ranges in <mark>. */
function appendHighlighted(
  target: Node,
  text: string,
  offset: number,
  ranges: readonly (readonly [number, number])[],
  cursor: { range: number },
): void {
  let pos = 0;
  while (pos < text.length) {
    let range = ranges[cursor.range];
    while (range && range[1] <= offset + pos) range = ranges[++cursor.range];
    if (!range || range[0] >= offset + text.length) {
      target.appendChild(document.createTextNode(pos === 0 ? text : text.slice(pos)));
      return;
    }
    const start = Math.max(range[0] - offset, pos);
    if (start > pos) target.appendChild(document.createTextNode(text.slice(pos, start)));
    const end = Math.min(range[1] - offset, text.length);
    if (end <= start) {
      // An empty match (e.g. /x*/): nothing to mark; step past it.
      cursor.range++;
      continue;
    }
    target.appendChild(el('mark', 'match', text.slice(start, end)));
    pos = end;
  }
}

function appendLineText(target: HTMLElement, entry: LogEntry, ranges: readonly (readonly [number, number])[]): void {
  const parts = partsOf(entry);
  const cursor = { range: 0 };
  let offset = 0;
  let styled = 0;
  for (const part of parts) {
    if (offset >= MAX_DRAWN_CHARS) break;
    const text = part.text.length > MAX_DRAWN_CHARS - offset ? part.text.slice(0, MAX_DRAWN_CHARS - offset) : part.text;
    if (text.length === 0) continue;
    if (styled < MAX_STYLED_PARTS && isStyled(part)) {
      styled++;
      const span = styledSpan(part);
      appendHighlighted(span, text, offset, ranges, cursor);
      target.appendChild(span);
    } else {
      appendHighlighted(target, text, offset, ranges, cursor);
    }
    offset += text.length;
  }
  const total = plainOf(entry).length;
  if (total > offset) {
    target.appendChild(el('span', 'cut', ` … ${formatCount(total - offset)} more characters not drawn (Copy and Save include them)`));
  }
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,3})?\d*(Z|[+-]\d\d:\d\d)$/;

/** "2026-01-01T10:00:00.123456789Z" -> "2026-01-01T10:00:00.123Z": milliseconds are enough to read. */
export function formatTimestamp(time: string | undefined): string {
  if (time === undefined) return '';
  const m = RFC3339.exec(time);
  return m ? `${m[1] ?? ''}${m[2] ?? ''}${m[3] ?? ''}` : time.slice(0, 40);
}

/** Fills `row` with `entry`, replacing whatever the row showed before. */
export function renderRow(row: HTMLElement, entry: LogEntry, ctx: RowContext): void {
  const line = entry.line;
  const children: Node[] = [];
  if (line.k === 'm') {
    row.className = 'row marker';
    if (ctx.showTimestamps && line.t !== undefined) children.push(el('span', 'ts', formatTimestamp(line.t)));
    // A marker about one stream (s >= 0) names it; panel-wide markers (s = -1) have no tag.
    const tag = ctx.showTags ? ctx.tagOf(line.s) : undefined;
    if (tag) children.push(el('span', `tag src-${tag.color}`, tag.label));
    const text = el('span', 'text');
    appendLineText(text, entry, []);
    children.push(text);
    row.replaceChildren(...children);
    return;
  }
  row.className = 'row';
  if (ctx.showTimestamps) children.push(el('span', 'ts', formatTimestamp(line.t)));
  if (ctx.showTags) {
    const tag = ctx.tagOf(line.s);
    children.push(el('span', tag ? `tag src-${tag.color}` : 'tag', tag ? tag.label : '?'));
  }
  const text = el('span', 'text');
  appendLineText(text, entry, ctx.highlights(plainOf(entry)));
  children.push(text);
  row.replaceChildren(...children);
}
