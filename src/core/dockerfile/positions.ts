/**
 * From offsets in an instruction's joined argument text back to source positions: the
 * text joins continuation lines, and its segments say where each piece came from.
 * Positions are 0-based, ends exclusive.
 */
import type { ArgSegment, Instruction, Range } from './model';

/** Maps an offset in a joined text back to its source line and column. */
export function positionInSegments(segments: readonly ArgSegment[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = segments.length - 1;
  if (hi < 0) return { line: 0, col: 0 };
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((segments[mid] as ArgSegment).offset <= offset) lo = mid;
    else hi = mid - 1;
  }
  const seg = segments[lo] as ArgSegment;
  return { line: seg.line, col: seg.col + Math.max(0, offset - seg.offset) };
}

/** Maps an offset in an instruction's `args` to a source range of `length` characters. */
export function argRange(inst: Instruction, offset: number, length: number): Range {
  const s = positionInSegments(inst.argSegments, offset);
  const e = positionInSegments(inst.argSegments, offset + length);
  return { start: s, end: e };
}
