/**
 * BuildKit checks about names and casing: stage names, the `AS` keyword, instruction
 * keywords, and description comments above FROM and ARG.
 */
import type { Instruction } from '../../model';
import { KNOWN_KEYWORDS } from '../../model';
import type { Rule, TextEdit } from '../types';
import { commentsByLine, firstLineRange } from '../util';
import { stageReferences } from './support';
import { fromPartsOf, keyValuesOf } from '../../args';

const RESERVED_STAGE_NAMES = new Set(['context', 'scratch']);

export const stageNameCasing: Rule = {
  code: 'StageNameCasing',
  family: 'buildkit',
  severity: 'warning',
  title: 'Stage names should be lower case',
  doc: {
    why: 'Docker compares stage names case-insensitively and stores them in lower case, so `AS Build` and `--from=build` are the same stage. Writing names in lower case everywhere avoids the impression that they differ.',
    bad: 'FROM golang:1.23 AS Build\nRUN go build -o /out/app .\n\nFROM gcr.io/distroless/static\nCOPY --from=Build /out/app /app\n',
    good: 'FROM golang:1.23 AS build\nRUN go build -o /out/app .\n\nFROM gcr.io/distroless/static\nCOPY --from=build /out/app /app\n',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const parts = fromPartsOf(stage.from);
      // BuildKit only judges the plain `FROM image AS name` shape.
      if (parts.wordCount !== 3 || !parts.name || !parts.as) continue;
      const name = parts.name.text;
      const lower = name.toLowerCase();
      if (name === lower) continue;
      const edits: TextEdit[] = [{ range: parts.name.range, newText: lower }];
      for (const ref of stageReferences(ctx.df, lower)) {
        // Only later instructions can refer to this stage.
        if (ref.range.start.line > stage.from.range.start.line && ref.text !== lower) edits.push({ range: ref.range, newText: lower });
      }
      ctx.report(parts.name.range, `Stage name '${name}' should be lower case: Docker treats it as '${lower}' anyway`, [
        { title: `Rename the stage to '${lower}' (and its references)`, edits, preferred: true },
      ]);
    }
  },
};

function isSelfConsistent(word: string): boolean {
  return word === word.toLowerCase() || word === word.toUpperCase();
}

export const fromAsCasing: Rule = {
  code: 'FromAsCasing',
  family: 'buildkit',
  severity: 'warning',
  title: "The 'AS' keyword should be cased like 'FROM'",
  doc: {
    why: 'Mixed casing such as `FROM image as name` reads like a typo and makes the stage name harder to spot; keeping `AS` in the same case as `FROM` keeps the file consistent.',
    bad: 'FROM node:22-slim as build\nRUN npm ci\n',
    good: 'FROM node:22-slim AS build\nRUN npm ci\n',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const from = stage.from;
      const parts = fromPartsOf(from);
      if (parts.wordCount < 3 || !parts.as) continue;
      // An inconsistently cased FROM is ConsistentInstructionCasing's business.
      if (!isSelfConsistent(from.keywordRaw)) continue;
      const upper = from.keywordRaw === from.keywordRaw.toUpperCase();
      const expected = upper ? 'AS' : 'as';
      if (parts.as.text === expected) continue;
      ctx.report(parts.as.range, `'${parts.as.text}' and '${from.keywordRaw}' are cased differently: write '${expected}'`, [
        { title: `Change '${parts.as.text}' to '${expected}'`, edits: [{ range: parts.as.range, newText: expected }], preferred: true },
      ]);
    }
  },
};

export const duplicateStageName: Rule = {
  code: 'DuplicateStageName',
  family: 'buildkit',
  severity: 'warning',
  title: 'Stage names should be unique',
  doc: {
    why: 'Two stages with the same name make `--from=name`, `FROM name` and `--target name` ambiguous; Docker refuses to build such a file.',
    bad: 'FROM node:22 AS deps\nRUN npm ci\n\nFROM node:22 AS deps\nRUN npm ci --omit=dev\n',
    good: 'FROM node:22 AS deps\nRUN npm ci\n\nFROM node:22 AS prod-deps\nRUN npm ci --omit=dev\n',
  },
  check(ctx) {
    const seen = new Map<string, number>();
    for (const stage of ctx.df.stages) {
      if (stage.nameLower === undefined || stage.name === undefined) continue;
      const first = seen.get(stage.nameLower);
      if (first === undefined) { seen.set(stage.nameLower, stage.from.range.start.line); continue; }
      const range = fromPartsOf(stage.from).name?.range ?? firstLineRange(stage.from);
      ctx.report(range, `Stage name '${stage.name}' is already used by the stage on line ${first + 1}; stage names must be unique`);
    }
  },
};

export const reservedStageName: Rule = {
  code: 'ReservedStageName',
  family: 'buildkit',
  severity: 'warning',
  title: 'Reserved words should not be used as stage names',
  doc: {
    why: '`scratch` and `context` already mean something to Docker (the empty image and the build context); a stage with either name cannot be referred to reliably.',
    bad: 'FROM alpine:3.20 AS scratch\nRUN echo hi > /hi\n',
    good: 'FROM alpine:3.20 AS base\nRUN echo hi > /hi\n',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      if (stage.nameLower === undefined || !RESERVED_STAGE_NAMES.has(stage.nameLower)) continue;
      const range = fromPartsOf(stage.from).name?.range ?? firstLineRange(stage.from);
      ctx.report(range, `'${stage.nameLower}' is a reserved name in Docker and should not name a stage`);
    }
  },
};

/** The instructions BuildKit compares for casing: every FROM and stage instruction, plus global ARGs. */
function casedInstructions(insts: readonly Instruction[]): Instruction[] {
  return insts.filter((inst) => KNOWN_KEYWORDS.has(inst.keyword));
}

/** `word === word.toLowerCase()` (or toUpperCase), without making a string for ASCII words. */
function hasCase(word: string, upper: boolean): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c > 127) return word === (upper ? word.toUpperCase() : word.toLowerCase());
    if (upper ? c >= 97 && c <= 122 : c >= 65 && c <= 90) return false;
  }
  return true;
}

export const consistentInstructionCasing: Rule = {
  code: 'ConsistentInstructionCasing',
  family: 'buildkit',
  severity: 'warning',
  title: 'All instructions should use the same casing (upper or lower)',
  doc: {
    why: 'Instructions are case-insensitive, but a file that mixes `RUN` and `run` is harder to scan; the casing most of the file uses wins.',
    bad: 'FROM alpine:3.20\nRUN apk add --no-cache curl\ncopy app /app\nCMD ["/app"]\n',
    good: 'FROM alpine:3.20\nRUN apk add --no-cache curl\nCOPY app /app\nCMD ["/app"]\n',
    deviation: 'BuildKit leaves out the ARG instructions before the first FROM; Berth counts and checks them too, so the whole file is consistent.',
  },
  check(ctx) {
    const insts = casedInstructions(ctx.df.instructions);
    let lower = 0;
    let upper = 0;
    for (const inst of insts) {
      if (hasCase(inst.keywordRaw, false)) lower++;
      else if (hasCase(inst.keywordRaw, true)) upper++;
    }
    // Ties go to upper case, as in BuildKit.
    const majorityLower = lower > upper;
    for (const inst of insts) {
      if (hasCase(inst.keywordRaw, !majorityLower)) continue;
      const expected = majorityLower ? inst.keywordRaw.toLowerCase() : inst.keywordRaw.toUpperCase();
      if (inst.keywordRaw === expected) continue;
      ctx.report(inst.keywordRange, `'${inst.keywordRaw}' should be in ${majorityLower ? 'lower' : 'upper'} case, like most instructions in this file`, [
        { title: `Change to '${expected}'`, edits: [{ range: inst.keywordRange, newText: expected }], preferred: true },
      ]);
    }
  },
};

export const invalidDefinitionDescription: Rule = {
  code: 'InvalidDefinitionDescription',
  family: 'buildkit',
  // BuildKit runs this check only when asked to (experimental); Berth reports it quietly.
  severity: 'info',
  title: 'A comment right above FROM ... AS or ARG should start with the stage or argument name',
  doc: {
    why: '`docker build --call=outline` and `--call=targets` show the comment directly above a named FROM or an ARG as its description, but only when it starts with the name. Other comments there show up as wrong descriptions; separate them with an empty line.',
    bad: '# compile the binary\nFROM golang:1.23 AS build\n# pinned release\nARG VERSION=1.2.3\n',
    good: '# build compiles the binary\nFROM golang:1.23 AS build\n# VERSION is the pinned release\nARG VERSION=1.2.3\n',
    deviation: 'BuildKit marks this check experimental and does not run it by default, so Berth gives it the `info` level. Parser directives (`# syntax=`, `# check=`) above the first instruction are not treated as descriptions.',
  },
  check(ctx) {
    const df = ctx.df;
    const directives = df.directives.lines;
    for (const inst of df.instructions) {
      if (inst.keyword !== 'FROM' && inst.keyword !== 'ARG') continue;
      // Only the comment on the line right above counts; an empty line or an empty `#` breaks the link.
      const above = inst.range.start.line - 1;
      if (!(df.lines[above]?.includes('#') ?? false)) continue;
      const found = commentsByLine(df).get(above);
      if (found === undefined || found.insideInstruction || directives.some((d) => d.line === above)) continue;
      const comment = found.text;
      if (comment === '') continue;
      let keys: string[];
      if (inst.keyword === 'FROM') {
        const name = fromPartsOf(inst).name?.text;
        if (name === undefined) continue;
        keys = [name];
      } else {
        keys = keyValuesOf(inst).map((kv) => kv.key);
      }
      if (keys.length === 0) continue;
      const firstWord = comment.split(' ')[0] ?? '';
      if (keys.includes(firstWord)) continue;
      const example = keys.length > 1 ? '<arg_key>' : (keys[0] as string);
      ctx.report(firstLineRange(inst), `The comment above this ${inst.keyword} reads as its description: start it with the name ('# ${example} <description>'), or put an empty line between them`);
    }
  },
};
