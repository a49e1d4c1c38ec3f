import type { Dockerfile, Instruction } from './model';
import type { Fix } from './rules/types';

const PRAGMA = /^(\s*#\s*hadolint\s+ignore\s*=\s*)([A-Za-z0-9_,\s-]*?)\s*$/i;

/**
 * "Ignore CODE on this line": adds the code to the `# hadolint ignore=` pragma above the
 * instruction at `line`, or inserts one with the instruction's indentation. hadolint reads
 * the same pragma, so the file keeps working with both tools.
 */
export function ignoreOnLineFix(df: Dockerfile, line: number, code: string): Fix | undefined {
  const inst = df.instructions.find((i) => line >= i.range.start.line && line <= i.range.end.line);
  if (!inst) return undefined;
  return { title: `Ignore ${code} for this instruction`, edits: [pragmaEdit(df, inst, code)] };
}

function pragmaEdit(df: Dockerfile, inst: Instruction, code: string): Fix['edits'][number] {
  const above = inst.range.start.line - 1;
  const aboveText = above >= 0 ? df.lines[above] ?? '' : '';
  const m = PRAGMA.exec(aboveText);
  if (m) {
    const codes = (m[2] as string).split(/[\s,]+/).filter(Boolean);
    if (!codes.includes(code)) codes.push(code);
    const newText = `${m[1] as string}${codes.join(',')}`;
    return { range: { start: { line: above, col: 0 }, end: { line: above, col: aboveText.length } }, newText };
  }
  const indent = /^\s*/.exec(df.lines[inst.range.start.line] ?? '')?.[0] ?? '';
  const at = { line: inst.range.start.line, col: 0 };
  return { range: { start: at, end: at }, newText: `${indent}# hadolint ignore=${code}\n` };
}
