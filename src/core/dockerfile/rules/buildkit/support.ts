/**
 * Helpers shared by the BuildKit build checks: source text of ranges, stage-name
 * references, closest-name suggestions and platform strings.
 */
import type { Dockerfile, Flag, Range } from '../../model';
import type { TextEdit } from '../types';
import { wordRange } from '../../args';

/** BuildKit's build arguments that exist without an `ARG` in the global scope (FROM lines). */
export const PLATFORM_ARGS: readonly string[] = [
  'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT',
  'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT',
];

/** Proxy arguments Docker predefines (both spellings). */
export const PROXY_ARGS: readonly string[] = ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY']
  .flatMap((name) => [name, name.toLowerCase()]);

/**
 * Plausible values of the platform arguments, for checks that need a concrete value
 * (a FROM line expanded with only default values).
 */
export const PLATFORM_ARG_SAMPLES: ReadonlyMap<string, string> = new Map([
  ['TARGETPLATFORM', 'linux/amd64'], ['TARGETOS', 'linux'], ['TARGETARCH', 'amd64'], ['TARGETVARIANT', ''],
  ['BUILDPLATFORM', 'linux/amd64'], ['BUILDOS', 'linux'], ['BUILDARCH', 'amd64'], ['BUILDVARIANT', ''],
]);

/** The text a single-line range covers; multi-line ranges are joined with `\n`. */
export function textOf(df: Dockerfile, range: Range): string {
  if (range.start.line === range.end.line) return (df.lines[range.start.line] ?? '').slice(range.start.col, range.end.col);
  const parts: string[] = [(df.lines[range.start.line] ?? '').slice(range.start.col)];
  for (let l = range.start.line + 1; l < range.end.line; l++) parts.push(df.lines[l] ?? '');
  parts.push((df.lines[range.end.line] ?? '').slice(0, range.end.col));
  return parts.join('\n');
}

/**
 * Where a flag's value (or a `key=` part of it, such as `from=` in `--mount`) sits in
 * the source, for edits. Undefined when the flag spans lines or the part is absent.
 */
export function flagPartRange(df: Dockerfile, flag: Flag, key: string | undefined): Range | undefined {
  if (flag.range.start.line !== flag.range.end.line) return undefined;
  const text = textOf(df, flag.range);
  const eq = text.indexOf('=');
  if (eq < 0) return undefined;
  let start = eq + 1;
  let value = text.slice(start);
  if (key !== undefined) {
    const m = new RegExp(`(^|,)${key}=`).exec(value.replace(/^["']/, ''));
    if (!m) return undefined;
    const quoteShift = /^["']/.test(value) ? 1 : 0;
    start += quoteShift + m.index + m[0].length;
    value = text.slice(start);
    const end = value.search(/[,"']/);
    value = end < 0 ? value : value.slice(0, end);
  } else if (/^["']/.test(value)) {
    start += 1;
    value = value.slice(1, value.length - (/["']$/.test(value) ? 1 : 0));
  }
  const line = flag.range.start.line;
  const col = flag.range.start.col + start;
  return { start: { line, col }, end: { line, col: col + value.length } };
}

/** One place in the file that names a stage: `FROM <name>`, `COPY --from=<name>`, `--mount=from=<name>`. */
export interface StageReference {
  readonly range: Range;
  readonly text: string;
}

/** Every reference to the stage named `nameLower` (case-insensitive, as Docker compares them). */
export function stageReferences(df: Dockerfile, nameLower: string): StageReference[] {
  const refs: StageReference[] = [];
  for (const inst of df.instructions) {
    const target = inst.onbuild ?? inst;
    if (target.keyword === 'FROM') {
      const image = wordRange(target, 0);
      if (image && image.text.toLowerCase() === nameLower) refs.push(image);
      continue;
    }
    for (const flag of target.flags) {
      let key: string | undefined;
      if (flag.name === 'from' && (target.keyword === 'COPY' || target.keyword === 'ADD')) key = undefined;
      else if (flag.name === 'mount') key = 'from';
      else continue;
      const range = flagPartRange(df, flag, key);
      if (!range) continue;
      const text = textOf(df, range);
      if (text.toLowerCase() === nameLower) refs.push({ range, text });
    }
  }
  return refs;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The closest option within edit distance 2, as BuildKit suggests names; undefined
 * when none is close or `value` is itself an option. Earlier options win ties.
 */
export function closestName(value: string, options: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    if (option === value) return undefined;
    const d = editDistance(value, option);
    if (d < bestDistance) { best = option; bestDistance = d; }
  }
  return best;
}

/** A parsed `os[/arch[/variant]]` platform, normalised like containerd does. */
export interface Platform {
  readonly os: string;
  readonly arch: string;
  readonly variant: string;
}

const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos']);
const KNOWN_ARCH = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm', 'x86_64', 'aarch64', 'i386', 'armhf', 'armel', 'x86-64']);

function normalizeArch(arch: string, variant: string): { arch: string; variant: string } {
  const a = arch.toLowerCase();
  const v = variant.toLowerCase();
  switch (a) {
    case 'i386': return { arch: '386', variant: '' };
    case 'x86_64': case 'x86-64': case 'amd64': return { arch: 'amd64', variant: v === 'v1' ? '' : v };
    case 'aarch64': case 'arm64': return { arch: 'arm64', variant: v === '8' || v === 'v8' ? '' : v };
    case 'armhf': return { arch: 'arm', variant: 'v7' };
    case 'armel': return { arch: 'arm', variant: 'v6' };
    case 'arm': {
      const n = /^v?([5-8])$/.exec(v);
      return { arch: 'arm', variant: n ? `v${n[1] as string}` : v === '' ? 'v7' : v };
    }
    default: return { arch: a, variant: v };
  }
}

/** Parses a platform specifier; undefined when Docker would reject it. */
export function parsePlatform(spec: string): Platform | undefined {
  const parts = spec.split('/');
  if (parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  const [first, second, third] = parts as [string, string | undefined, string | undefined];
  if (parts.length === 1) {
    const lower = first.toLowerCase();
    if (KNOWN_OS.has(lower) || lower === 'macos') return { os: lower === 'macos' ? 'darwin' : lower, ...normalizeArch('amd64', '') };
    if (KNOWN_ARCH.has(lower)) return { os: 'linux', ...normalizeArch(lower, '') };
    return undefined;
  }
  if (parts.length > 3) return undefined;
  const os = first.toLowerCase() === 'macos' ? 'darwin' : first.toLowerCase();
  return { os, ...normalizeArch(second ?? '', third ?? '') };
}

/** The canonical `os/arch[/variant]` text of a platform. */
export function formatPlatform(p: Platform): string {
  return p.variant === '' ? `${p.os}/${p.arch}` : `${p.os}/${p.arch}/${p.variant}`;
}

/** An edit that deletes whole lines `first..last` (inclusive). */
export function deleteLines(df: Dockerfile, first: number, last: number): TextEdit {
  const end = last + 1 < df.lines.length ? { line: last + 1, col: 0 } : { line: last, col: (df.lines[last] ?? '').length };
  return { range: { start: { line: first, col: 0 }, end }, newText: '' };
}

/**
 * Removes shell-style quotes and escapes from one word, with the file's escape
 * character (`# escape=` may make it a backtick, so `C:\\app` keeps its backslash).
 */
export function unquoteWord(word: string, escape: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i] as string;
    if (quote === "'") { if (c === "'") quote = ''; else out += c; continue; }
    if (c === escape && i + 1 < word.length) { out += word[i + 1] as string; i++; continue; }
    if (quote === '"') { if (c === '"') quote = ''; else out += c; continue; }
    if (c === '"' || c === "'") { quote = c; continue; }
    out += c;
  }
  return out;
}
