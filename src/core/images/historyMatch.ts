/**
 * Which local images were built from a Dockerfile, found by the *content* of their
 * history, for images built outside Berth (docker build, compose, CI pulled locally).
 *
 * Both builders write one history entry per instruction after FROM, newest first in
 * `GET /images/{id}/history`; what an entry says differs by builder (all recorded from
 * dockerd 20.10 with both builders):
 *
 * | instruction | classic builder | BuildKit |
 * | --- | --- | --- |
 * | RUN (shell) | `\|2 A=x B=y /bin/sh -c cmd` | `RUN \|2 A=x B=y /bin/sh -c cmd # buildkit` |
 * | RUN (exec)  | `/bin/echo a b` | `RUN /bin/echo a b # buildkit` |
 * | COPY/ADD    | `/bin/sh -c #(nop) COPY file:<sha> in /dest ` (`--chown=1:1file:…`) | `COPY src /dest # buildkit` (flags dropped) |
 * | ENV, LABEL  | `/bin/sh -c #(nop)  ENV A=1 B=two words` (quotes removed, variables expanded) | `ENV A=1 B=two words` |
 * | EXPOSE      | `#(nop)  EXPOSE 8080/tcp 9090` | `EXPOSE map[8080/tcp:{} 9090/tcp:{}]` |
 * | CMD, ENTRYPOINT | `#(nop)  CMD ["/bin/sh" "-c" "echo $A"]` | `CMD ["/bin/sh" "-c" "echo $A"]` |
 * | WORKDIR     | `#(nop) WORKDIR /abs/path` (relative paths resolved) | `WORKDIR /abs/path` |
 * | ONBUILD     | `#(nop)  ONBUILD RUN x` | no entry |
 *
 * The `#(nop)` prefix is the SHELL in effect (`/bin/sh -e -c #(nop) …` after a SHELL).
 * Continuation lines are joined with their indentation kept, so all text is compared
 * with whitespace runs collapsed. Variables (`$A`, `${A:-x}`) in the instructions the
 * builders expand stand for any text, since the values used at build time are unknown.
 */
import type { Dockerfile, Instruction, Stage } from '../dockerfile/model';
import type { ImageSummary } from './imageList';
import type { HistoryEntry, InstructionLayer, StageLayers } from './layers';

const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

const HISTORY_KEYWORDS: ReadonlySet<string> = new Set(['RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'WORKDIR', 'USER', 'CMD', 'ENTRYPOINT', 'EXPOSE', 'VOLUME', 'SHELL', 'STOPSIGNAL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER']);

/** What a history entry records, with the builder's decorations removed. */
export interface HistoryStep {
  readonly builder: 'classic' | 'buildkit';
  /** Upper-case instruction keyword (RUN for the classic builder's bare command lines). */
  readonly keyword: string;
  /** The rest of the entry, whitespace runs collapsed to one space and trimmed. */
  readonly text: string;
}

/** Collapses whitespace runs to one space and trims: how all history text is compared. */
export function normaliseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Reads one history entry's `CreatedBy`; undefined for entries no instruction made
 * (an imported base layer has an empty one).
 */
export function readHistoryStep(createdBy: string): HistoryStep | undefined {
  let text = createdBy.trim();
  if (text === '') return undefined;
  const nop = /#\(nop\)\s+([A-Za-z]+)\b/.exec(text);
  if (nop?.[1] !== undefined) {
    return { builder: 'classic', keyword: nop[1].toUpperCase(), text: normaliseSpace(text.slice(nop.index + nop[0].length)) };
  }
  let builder: HistoryStep['builder'] = 'classic';
  if (/\s#\s*buildkit$/.test(text)) {
    builder = 'buildkit';
    text = text.replace(/\s#\s*buildkit$/, '');
  }
  const leading = /^([A-Z]+)(?:\s|$)/.exec(text)?.[1];
  if (leading !== undefined && HISTORY_KEYWORDS.has(leading)) {
    return { builder: 'buildkit', keyword: leading, text: normaliseSpace(text.slice(leading.length)) };
  }
  // The classic builder records a RUN as the command line itself.
  return { builder, keyword: 'RUN', text: normaliseSpace(text) };
}

// ---------------------------------------------------------------------------
// Patterns: instruction text where variables stand for any text.

type Part = { readonly literal: string } | { readonly variable: string };
type Pattern = readonly Part[];

/**
 * Splits instruction arguments into words the way the builders do before expanding them:
 * quotes are removed (single quotes keep `$` literal), the escape character quotes the
 * next character, and `$NAME` / `${…}` become variables.
 */
function lexWords(text: string, escape: string): Pattern[] {
  const words: Part[][] = [];
  let word: Part[] | undefined;
  const literal = (s: string): void => {
    word ??= [];
    const last = word[word.length - 1];
    if (last !== undefined && 'literal' in last) word[word.length - 1] = { literal: last.literal + s };
    else word.push({ literal: s });
  };
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else literal(c);
      continue;
    }
    if (c === escape && i + 1 < text.length) {
      literal(text.charAt(++i));
      continue;
    }
    if (c === '"') {
      word ??= [];
      quote = quote === '"' ? undefined : '"';
      continue;
    }
    if (c === "'" && quote === undefined) {
      word ??= [];
      quote = "'";
      continue;
    }
    if (c === '$') {
      const braced = text[i + 1] === '{' ? text.indexOf('}', i + 2) : -1;
      const name = braced > 0 ? text.slice(i + 2, braced) : /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (name !== undefined && name !== '') {
        word ??= [];
        word.push({ variable: name });
        i = braced > 0 ? braced : i + name.length;
        continue;
      }
    }
    if (quote === undefined && /\s/.test(c)) {
      if (word) words.push(word);
      word = undefined;
      continue;
    }
    literal(c);
  }
  if (word) words.push(word);
  return words;
}

/** Variables only (exec-form elements and raw text keep their quotes). */
function withVariables(text: string): Pattern {
  const parts: Part[] = [];
  const re = /\$(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) parts.push({ literal: text.slice(at, m.index) });
    parts.push({ variable: m[1] ?? m[2] ?? '' });
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push({ literal: text.slice(at) });
  return parts;
}

function joinPatterns(patterns: readonly Pattern[], separator = ' '): Pattern {
  return patterns.flatMap((p, i) => (i === 0 ? p : [{ literal: separator }, ...p]));
}

function lit(text: string): Pattern {
  return [{ literal: text }];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function patternSource(pattern: Pattern): string {
  return pattern
    .map((p) => ('literal' in p ? p.literal.split(/\s+/).map(escapeRegExp).join('\\s*') : '[\\s\\S]*?'))
    .join('');
}

function matchesPattern(text: string, pattern: Pattern, options: { anyPrefix?: boolean } = {}): boolean {
  const source = patternSource(pattern);
  return new RegExp(`^${options.anyPrefix === true ? '[\\s\\S]*?' : ''}\\s*${source}\\s*$`).test(text);
}

/** Go's `%q` of a string (how both builders print CMD, ENTRYPOINT and HEALTHCHECK lists). */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code === 7) out += '\\a';
    else if (code === 8) out += '\\b';
    else if (code === 11) out += '\\v';
    else if (code === 12) out += '\\f';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function goList(items: readonly string[]): string {
  return `[${items.map(goQuote).join(' ')}]`;
}

function sourceWords(inst: Instruction, escape: string): Pattern[] {
  return inst.json ? inst.json.map(withVariables) : lexWords(inst.args, escape);
}

function withDefaultProtocol(port: string): string {
  return port.includes('/') ? port.toLowerCase() : `${port}/tcp`;
}

/** The ports an EXPOSE entry lists, as `port/proto`, from either builder's form. */
function exposedPorts(text: string): string[] {
  const map = /^map\[(.*)\]$/.exec(text);
  const tokens = map ? [...(map[1] ?? '').matchAll(/(\S+?):\{\}/g)].map((m) => m[1] ?? '') : text.split(' ');
  return [...new Set(tokens.filter((t) => t !== '').map(withDefaultProtocol))];
}

function exposeFits(inst: Instruction, text: string, escape: string): boolean {
  const ports = exposedPorts(text);
  const wanted = lexWords(inst.args, escape).map((w) => {
    const plain = w.every((p) => 'literal' in p) ? w.map((p) => ('literal' in p ? p.literal : '')).join('') : undefined;
    return plain !== undefined ? lit(withDefaultProtocol(plain)) : w;
  });
  const distinct = new Map(wanted.map((w) => [JSON.stringify(w), w]));
  if (distinct.size !== ports.length) return false;
  const free = [...ports];
  for (const w of distinct.values()) {
    const i = free.findIndex((p) => matchesPattern(p, w) || matchesPattern(p, [...w, { literal: '/tcp' }]));
    if (i < 0) return false;
    free.splice(i, 1);
  }
  return true;
}

/** ENV, LABEL and ARG: `k=v` pairs as written, quotes removed; legacy `ENV K v w` is `K=v w`. */
function pairsPattern(inst: Instruction, escape: string): Pattern {
  const words = lexWords(inst.args, escape);
  const first = words[0];
  const hasEquals = first?.some((p) => 'literal' in p && p.literal.includes('=')) ?? false;
  if (inst.keyword === 'ENV' && first && !hasEquals && words.length > 1) {
    return [...first, { literal: '=' }, ...joinPatterns(words.slice(1))];
  }
  return joinPatterns(words);
}

function runFits(inst: Instruction, step: HistoryStep, shell: readonly string[]): boolean {
  if (inst.heredocs.length > 0) {
    // Not verifiable here (dockerd 20.10's builders reject heredocs): accept a RUN entry
    // that carries every heredoc body.
    return inst.heredocs.every((h) => step.text.includes(normaliseSpace(h.content)));
  }
  const command = normaliseSpace(inst.json ? inst.json.join(' ') : `${shell.join(' ')} ${inst.args}`);
  if (step.text === command) return true;
  if (!step.text.endsWith(` ${command}`)) return false;
  // Only the build-argument prefix may precede the command: `|2 A=x B=y`.
  const prefix = step.text.slice(0, step.text.length - command.length - 1);
  const count = /^\|(\d+)(?: |$)/.exec(prefix)?.[1];
  return count !== undefined && (count !== '0' || prefix === '|0');
}

function copyFits(inst: Instruction, step: HistoryStep, escape: string): boolean {
  const words = sourceWords(inst, escape);
  const dest = words[words.length - 1];
  if (dest === undefined) return false;
  if (step.builder === 'classic') {
    // `file:<sha> in /dest`, `dir:<sha> in /dest`, `multi:<sha> in /dest/`, `--chown=1:1file:<sha> in x`.
    const m = /^(.*) in (.*)$/.exec(step.text);
    return m !== null && /(?:file|dir|multi):[0-9a-f]+$|^\S+:\/\//.test(m[1] ?? '') && matchesPattern(m[2] ?? '', dest);
  }
  const text = step.text.replace(/^(?:--\S+ )+/, '');
  return matchesPattern(text, joinPatterns(words));
}

function workdirFits(inst: Instruction, text: string, escape: string): boolean {
  const path = joinPatterns(lexWords(inst.args, escape));
  const trimmed = text.length > 1 ? text.replace(/\/+$/, '') : text;
  const first = path[0];
  const absolute = first !== undefined && ('variable' in first || first.literal.startsWith('/'));
  const last = path[path.length - 1];
  const withoutSlash: Pattern = last !== undefined && 'literal' in last && last.literal.length > 1 && last.literal.endsWith('/')
    ? [...path.slice(0, -1), { literal: last.literal.replace(/\/+$/, '') }]
    : path;
  return absolute ? matchesPattern(trimmed, withoutSlash) : matchesPattern(trimmed, [{ literal: '/' }, ...withoutSlash], { anyPrefix: true });
}

function healthcheckCommand(inst: Instruction): string[] {
  const args = inst.args.trim();
  if (/^NONE\b/i.test(args)) return ['NONE'];
  const rest = args.replace(/^CMD\s+/i, '');
  try {
    const parsed: unknown = JSON.parse(rest);
    if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return ['CMD', ...parsed.map(String)];
  } catch {
    // Shell form.
  }
  return ['CMD-SHELL', rest];
}

/**
 * True when `step` can have been made by `inst`, compared by content. `shell` is the
 * SHELL in effect at the instruction (for shell-form RUN, CMD and ENTRYPOINT).
 */
export function stepFits(inst: Instruction, step: HistoryStep, shell: readonly string[], escape = '\\'): boolean {
  if (step.keyword !== inst.keyword) return false;
  const text = step.text;
  switch (inst.keyword) {
    case 'RUN':
      return runFits(inst, step, shell);
    case 'COPY':
    case 'ADD':
      return copyFits(inst, step, escape);
    case 'CMD':
    case 'ENTRYPOINT':
      return text === normaliseSpace(goList(inst.json ?? [...shell, inst.args]));
    case 'ENV':
    case 'LABEL':
    case 'ARG':
      return matchesPattern(text, pairsPattern(inst, escape));
    case 'WORKDIR':
      return workdirFits(inst, text, escape);
    case 'EXPOSE':
      return exposeFits(inst, text, escape);
    case 'USER':
    case 'STOPSIGNAL':
      return matchesPattern(text, joinPatterns(lexWords(inst.args, escape)));
    case 'VOLUME':
      return matchesPattern(text, [{ literal: '[' }, ...joinPatterns(sourceWords(inst, escape)), { literal: ']' }]);
    case 'SHELL':
      return inst.json !== undefined && text === normaliseSpace(`[${inst.json.join(' ')}]`);
    case 'HEALTHCHECK':
      return text.startsWith(normaliseSpace(`&{${goList(healthcheckCommand(inst))}`));
    case 'MAINTAINER':
    case 'ONBUILD':
      return text === normaliseSpace(inst.args);
    default:
      return true;
  }
}

/** True when a history entry can have been made by `inst` (by content). */
export function entryFits(inst: Instruction, entry: HistoryEntry, shell: readonly string[] = DEFAULT_SHELL, escape = '\\'): boolean {
  const step = readHistoryStep(entry.createdBy);
  return step !== undefined && stepFits(inst, step, shell, escape);
}

// ---------------------------------------------------------------------------
// Stages and images.

/** The SHELL in effect before each instruction of each stage (inherited from a base stage). */
function shellsByStage(df: Dockerfile): Map<number, (readonly string[])[]> {
  const result = new Map<number, (readonly string[])[]>();
  const finalShell = new Map<number, readonly string[]>();
  for (const stage of df.stages) {
    let shell = stage.baseStage !== undefined ? (finalShell.get(stage.baseStage) ?? DEFAULT_SHELL) : DEFAULT_SHELL;
    const before: (readonly string[])[] = [];
    for (const inst of stage.instructions) {
      before.push(shell);
      if (inst.keyword === 'SHELL' && inst.json && inst.json.length > 0) shell = inst.json;
    }
    result.set(stage.index, before);
    finalShell.set(stage.index, shell);
  }
  return result;
}

function sameEntries(a: readonly HistoryEntry[], b: readonly HistoryEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.createdBy === b[i]?.createdBy && e.size === b[i]?.size);
}

/** The result of matching one image against a stage and the stages it is built on. */
export interface ImageMatch {
  /** The stage the image is the result of. */
  readonly stageIndex: number;
  /** That stage and every stage it is built on (`FROM <stage>`), each mapped to its layers. */
  readonly stages: ReadonlyMap<number, StageLayers>;
  /**
   * True when the entries below the stages' own instructions were compared with the base
   * image's history (the base was in the local engine, or is `scratch`).
   */
  readonly baseVerified: boolean;
}

/**
 * Matches an image's history (newest first) against stage `stageIndex`: every instruction
 * of the stage, then of the stages it is built on, must fit the entries from the top down,
 * and what lies below must be the base image's history (`baseHistories`, keyed by the
 * stage's `baseImage` text). When the base image's history is unknown, only the
 * instructions are compared. Undefined when the image was not built from this stage.
 */
export function matchStageImage(
  df: Dockerfile,
  stageIndex: number,
  history: readonly HistoryEntry[],
  baseHistories: ReadonlyMap<string, readonly HistoryEntry[]>,
): ImageMatch | undefined {
  const shells = shellsByStage(df);
  const escape = df.directives.escape;
  const stages = new Map<number, StageLayers>();
  let rest = history;
  let stage: Stage | undefined = df.stages[stageIndex];
  let baseVerified = true;
  let own = 0;
  while (stage) {
    const instructions = stage.instructions;
    const stageShells = shells.get(stage.index) ?? [];
    const layers: InstructionLayer[] = [];
    let k = 0;
    for (let i = instructions.length - 1; i >= 0; i--) {
      const inst = instructions[i] as Instruction;
      const entry = rest[k];
      if (entry !== undefined && entryFits(inst, entry, stageShells[i] ?? DEFAULT_SHELL, escape)) {
        layers.push({ instructionIndex: inst.index, line: inst.range.start.line, keyword: inst.keyword, size: entry.size, createdBy: entry.createdBy });
        k++;
      } else if (inst.keyword !== 'ONBUILD') {
        // BuildKit records no entry for ONBUILD; anything else missing means another Dockerfile.
        return undefined;
      }
    }
    own += k;
    const below = rest.slice(k);
    const totalSize = rest.reduce((sum, e) => sum + e.size, 0);
    const baseSize = below.reduce((sum, e) => sum + e.size, 0);
    stages.set(stage.index, { stageIndex: stage.index, layers: layers.reverse(), baseSize, totalSize, unmatched: [] });
    rest = below;
    if (stage.baseStage !== undefined) {
      stage = df.stages[stage.baseStage];
      continue;
    }
    if (stage.baseImage.toLowerCase() === 'scratch') {
      if (rest.length > 0) return undefined;
    } else {
      const base = baseHistories.get(stage.baseImage);
      if (base === undefined) baseVerified = false;
      else if (!sameEntries(rest, base)) return undefined;
    }
    stage = undefined;
  }
  // A stage of FROM alone "matches" its base image: that is not a build of this file.
  return own > 0 ? { stageIndex, stages, baseVerified } : undefined;
}

/** One local image found to be a build of the Dockerfile. */
export interface DiscoveredBuild {
  readonly image: ImageSummary;
  /** The stage the image is the result of (the final stage when any image matches it). */
  readonly stageIndex: number;
  /**
   * Layers per stage: the image's own stage and the stages it is built on, from its
   * history; other stages from the newest image that matches them.
   */
  readonly stages: ReadonlyMap<number, StageLayers>;
  readonly baseVerified: boolean;
}

/**
 * The images among `candidates` that are builds of `df`, newest first. They are the
 * builds of the final stage when there are any, else of the last stage some image
 * matches (an image built with `--target`). Pure: the caller loads the histories.
 */
export function discoverBuilds(
  df: Dockerfile,
  candidates: readonly { readonly image: ImageSummary; readonly history: readonly HistoryEntry[] }[],
  baseHistories: ReadonlyMap<string, readonly HistoryEntry[]>,
): DiscoveredBuild[] {
  const newestFirst = [...candidates].sort((a, b) => b.image.created - a.image.created);
  const byStage = new Map<number, { image: ImageSummary; match: ImageMatch }[]>();
  for (const stage of df.stages) {
    if (stage.instructions.length === 0) continue;
    const found = [];
    for (const candidate of newestFirst) {
      const match = matchStageImage(df, stage.index, candidate.history, baseHistories);
      if (match) found.push({ image: candidate.image, match });
    }
    if (found.length > 0) byStage.set(stage.index, found);
  }
  const recordStage = [...byStage.keys()].sort((a, b) => b - a)[0];
  if (recordStage === undefined) return [];
  return (byStage.get(recordStage) ?? []).map(({ image, match }) => {
    const stages = new Map(match.stages);
    for (const [index, found] of byStage) {
      const newest = found[0];
      if (!stages.has(index) && newest) {
        const layers = newest.match.stages.get(index);
        if (layers) stages.set(index, layers);
      }
    }
    return { image, stageIndex: recordStage, stages, baseVerified: match.baseVerified };
  });
}

/** The `limit` most recently created images, one entry per image id. */
export function recentImages(images: readonly ImageSummary[], limit: number): ImageSummary[] {
  const seen = new Set<string>();
  return [...images]
    .sort((a, b) => b.created - a.created)
    .filter((i) => (seen.has(i.id) ? false : (seen.add(i.id), true)))
    .slice(0, limit);
}

/** `docker.io/library/busybox` → `busybox`, `busybox` → `busybox:latest` (tag or digest kept). */
export function shortReference(reference: string): string {
  let ref = reference.trim();
  const hub = /^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//i;
  if (hub.test(ref)) ref = ref.replace(hub, '').replace(/^library\//, '');
  const at = ref.indexOf('@');
  if (at >= 0) {
    // `name:tag@sha256:…` is stored as `name@sha256:…`.
    const name = ref.slice(0, at);
    const colon = name.lastIndexOf(':');
    return `${colon > name.lastIndexOf('/') ? name.slice(0, colon) : name}${ref.slice(at)}`;
  }
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref : `${ref}:latest`;
}

/** The local image a FROM reference names, by tag or digest; undefined when absent. */
export function localImageFor(reference: string, images: readonly ImageSummary[]): ImageSummary | undefined {
  const wanted = shortReference(reference);
  const digest = wanted.includes('@');
  return images.find((i) => (digest ? i.repoDigests : i.repoTags).some((r) => shortReference(r) === wanted));
}
