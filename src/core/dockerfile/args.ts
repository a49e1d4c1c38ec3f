/**
 * An instruction's argument text split the ways the rules read it: words, `KEY=value`
 * pairs, COPY/ADD sources and destination, the parts of FROM. Many rules ask the same
 * question of the same instruction, so each answer is computed once per parsed
 * instruction (instructions are immutable; a new parse makes new ones). Callers must not
 * modify what they get.
 */
import type { Instruction, Range } from './model';
import { argRange } from './positions';
import type { KeyValue, Word } from './variables';
import { keyValuesOfWords, splitWords } from './variables';

const wordCache = new WeakMap<Instruction, readonly Word[]>();

/** The words of `inst.args` (quotes kept), with their offsets. */
export function wordsOf(inst: Instruction): readonly Word[] {
  let words = wordCache.get(inst);
  if (!words) { words = splitWords(inst.args); wordCache.set(inst, words); }
  return words;
}

/** The `index`-th word of the arguments with its source range. */
export function wordRange(inst: Instruction, index: number): { range: Range; text: string } | undefined {
  const word = wordsOf(inst)[index];
  return word ? { range: argRange(inst, word.offset, word.text.length), text: word.text } : undefined;
}

const keyValueCache = new WeakMap<Instruction, readonly KeyValue[]>();

/** The pairs of an ENV (legacy `ENV KEY value` allowed) or ARG (`ARG NAME` without a value allowed). */
export function keyValuesOf(inst: Instruction): readonly KeyValue[] {
  let pairs = keyValueCache.get(inst);
  if (!pairs) { pairs = keyValuesOfWords(inst.args, wordsOf(inst), inst.keyword === 'ENV'); keyValueCache.set(inst, pairs); }
  return pairs;
}

const NO_NAMES: readonly string[] = Object.freeze([]);

/** Names an ARG or ENV defines (several for `ENV A=1 B=2` or `ARG A B`); none for other instructions. */
export function definedNames(inst: Instruction): readonly string[] {
  return inst.keyword === 'ARG' || inst.keyword === 'ENV' ? keyValuesOf(inst).map((kv) => kv.key) : NO_NAMES;
}

export interface CopyPaths {
  /** Source words as written (quotes kept). */
  readonly sources: readonly string[];
  /** The destination word, or undefined when there is none. */
  readonly dest: string | undefined;
}

const copyCache = new WeakMap<Instruction, CopyPaths>();

/** Source and destination words of COPY/ADD (shell or JSON form; ONBUILD: of the wrapped one). */
export function copyPathsOf(inst: Instruction): CopyPaths {
  const target = inst.onbuild ?? inst;
  let paths = copyCache.get(target);
  if (!paths) { paths = computeCopyPaths(target); copyCache.set(target, paths); }
  return paths;
}

function computeCopyPaths(target: Instruction): CopyPaths {
  const words = target.json ? target.json : wordsOf(target).map((w) => w.text);
  if (target.heredocs.length > 0) {
    // `COPY <<EOF /dest`: the heredoc is the source, the last other word the destination.
    let dest: string | undefined;
    for (const w of words) if (!w.startsWith('<<')) dest = w;
    return { sources: [], dest };
  }
  return { sources: words.slice(0, Math.max(0, words.length - 1)), dest: words.length > 1 ? words[words.length - 1] : undefined };
}

/** `FROM [--platform=...] image [AS name]`, word by word. */
export interface FromParts {
  readonly image: { range: Range; text: string } | undefined;
  /** The `AS` keyword as written. */
  readonly as: { range: Range; text: string } | undefined;
  readonly name: { range: Range; text: string } | undefined;
  /** How many words the arguments have (BuildKit only judges the plain three-word shape). */
  readonly wordCount: number;
}

const fromCache = new WeakMap<Instruction, FromParts>();

/** The parts of a FROM, with source ranges. */
export function fromPartsOf(inst: Instruction): FromParts {
  let parts = fromCache.get(inst);
  if (!parts) {
    const words = wordsOf(inst);
    const asWord = words[1];
    const named = asWord !== undefined && words[2] !== undefined && asWord.text.toLowerCase() === 'as';
    parts = {
      image: wordRange(inst, 0),
      as: named ? wordRange(inst, 1) : undefined,
      name: named ? wordRange(inst, 2) : undefined,
      wordCount: words.length,
    };
    fromCache.set(inst, parts);
  }
  return parts;
}
