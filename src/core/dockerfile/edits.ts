/**
 * Applying text edits (quick fixes, the multi-stage rewrite) to a text. Pure; used by the
 * rewrite, the tests and anything that previews a fix. Positions are 0-based, ends
 * exclusive, every edit made against the original text.
 */
import type { Position } from './model';
import type { TextEdit } from './rules/types';

/**
 * Applies non-overlapping edits and returns the new text. Inserts at the same position
 * keep their order in the array, as editors apply them; a position past the end of the
 * text is clamped to it.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return text;
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offsetOf = (p: Position): number => Math.min(text.length, (lineStarts[p.line] ?? text.length) + p.col);
  const sorted = edits
    .map((e, index) => ({ start: offsetOf(e.range.start), end: offsetOf(e.range.end), text: e.newText, index }))
    // Last in the text first, so earlier offsets stay valid; at equal starts the later edit goes first.
    .sort((a, b) => b.start - a.start || b.end - a.end || b.index - a.index);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
