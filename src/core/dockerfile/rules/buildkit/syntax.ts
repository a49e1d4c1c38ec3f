/**
 * BuildKit checks about how instructions are written: continuations, exec form,
 * deprecated forms, repeated instructions, WORKDIR and EXPOSE arguments.
 */
import type { Instruction } from '../../model';
import { argRange } from '../../positions';
import { splitWords } from '../../variables';
import type { Fix, Rule, TextEdit } from '../types';
import { argsRange, firstLineRange, instructionsOf } from '../util';
import { expandKnown, walkStages } from './scope';
import { deleteLines, unquoteWord } from './support';
import { wordsOf } from '../../args';

export const noEmptyContinuation: Rule = {
  code: 'NoEmptyContinuation',
  family: 'buildkit',
  severity: 'warning',
  title: 'Continued instructions should not contain empty lines',
  doc: {
    why: 'An empty line after a trailing `\\` is skipped today, but Docker has announced that it will become an error; it also hides where the instruction really ends.',
    bad: 'FROM debian:12-slim\nRUN apt-get update && \\\n\n    apt-get install -y --no-install-recommends curl\n',
    good: 'FROM debian:12-slim\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends curl\n',
  },
  check(ctx) {
    const df = ctx.df;
    for (const inst of df.instructions) {
      if (inst.range.end.line === inst.range.start.line) continue;
      // Heredoc bodies may hold empty lines freely; only the continued part counts.
      const first = inst.heredocs[0];
      const lastJoined = first ? first.contentStartLine - 1 : inst.range.end.line;
      const empty: number[] = [];
      for (let line = inst.range.start.line + 1; line < lastJoined; line++) {
        if ((df.lines[line] ?? '').trim() === '') empty.push(line);
      }
      if (empty.length === 0) continue;
      const where = empty.map((l) => l + 1).join(', ');
      ctx.report(firstLineRange(inst), `Empty continuation line${empty.length > 1 ? 's' : ''} (line ${where}) inside this ${inst.keyword}; Docker will reject these in a future release`, [
        { title: 'Remove the empty continuation lines', edits: empty.map((l) => deleteLines(df, l, l)), preferred: true },
      ]);
    }
  },
};

// Words that need no shell to mean what they say: no quotes, variables, globs or operators.
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

// Shell builtins and keywords: without a shell they are not programs that can be run.
const SHELL_ONLY = new Set(['exec', 'cd', 'source', '.', 'export', 'set', 'unset', 'eval', 'trap', 'ulimit', 'umask', 'if', 'for', 'while', 'until', 'case', '{', '(', '!']);

/** The exec form of a shell-form command, when every word is plain or simply quoted. */
function execForm(args: string): string | undefined {
  const words = splitWords(args);
  const first = words[0]?.text;
  // `VAR=x cmd` is an assignment for the shell, and builtins need the shell too.
  if (first === undefined || SHELL_ONLY.has(first) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) return undefined;
  const values: string[] = [];
  for (const { text } of words) {
    if (PLAIN_WORD.test(text)) { values.push(text); continue; }
    // 'literal' or "literal without $, ` or \"
    if (/^'[^']*'$/.test(text) || /^"[^"$`\\]*"$/.test(text)) { values.push(text.slice(1, -1)); continue; }
    return undefined;
  }
  return `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
}

export const jsonArgsRecommended: Rule = {
  code: 'JSONArgsRecommended',
  family: 'buildkit',
  severity: 'warning',
  title: 'CMD and ENTRYPOINT should use the JSON (exec) form',
  doc: {
    why: 'In shell form the program runs as a child of `/bin/sh -c`, which does not pass on signals: `docker stop` waits for the timeout and then kills the container instead of letting it shut down cleanly. When the shell is wanted, say so with a SHELL instruction earlier in the stage (or a base stage); that silences the check.',
    bad: 'FROM node:22-slim\nCOPY . /app\nCMD node /app/server.js\n',
    good: 'FROM node:22-slim\nCOPY . /app\nCMD ["node", "/app/server.js"]\n',
  },
  check(ctx) {
    const inShellForm = (inst: Instruction): boolean => !inst.json && inst.args.trim() !== '';
    if (!instructionsOf(ctx.df, 'CMD').some(inShellForm) && !instructionsOf(ctx.df, 'ENTRYPOINT').some(inShellForm)) return;
    walkStages(ctx.df, (inst, scope) => {
      if ((inst.keyword !== 'CMD' && inst.keyword !== 'ENTRYPOINT') || !inShellForm(inst)) return;
      if (scope.shellSet) return;
      const exec = execForm(inst.args);
      const fixes: Fix[] = exec === undefined ? [] : [{ title: `Use the exec form: ${inst.keyword} ${exec}`, edits: [{ range: argsRange(inst), newText: exec }], preferred: true }];
      ctx.report(argsRange(inst), `${inst.keyword} in shell form runs under '/bin/sh -c', which does not forward signals such as SIGTERM; use the JSON form ${inst.keyword} ["executable", "arg"]`, fixes);
    });
  },
};

/** Escapes a value for a double-quoted Dockerfile string that must not expand variables. */
function quoteLiteral(value: string, escape: string): string {
  let out = '';
  for (const c of value) out += c === escape || c === '"' || c === '$' ? `${escape}${c}` : c;
  return `"${out}"`;
}

export const maintainerDeprecated: Rule = {
  code: 'MaintainerDeprecated',
  family: 'buildkit',
  severity: 'warning',
  title: 'MAINTAINER is deprecated: use a LABEL',
  doc: {
    why: 'MAINTAINER only fills a deprecated image field. The OCI label `org.opencontainers.image.authors` is what registries and scanners read.',
    bad: 'FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n',
    good: 'FROM alpine:3.20\nLABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"\n',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      if (inst.keyword !== 'MAINTAINER') continue;
      const label = inst.keywordRaw === inst.keywordRaw.toLowerCase() ? 'label' : 'LABEL';
      const replacement = `${label} org.opencontainers.image.authors=${quoteLiteral(inst.args.trim(), ctx.df.directives.escape)}`;
      ctx.report(inst.keywordRange, 'MAINTAINER is deprecated: record the author with LABEL org.opencontainers.image.authors="..."', [
        { title: 'Replace with LABEL org.opencontainers.image.authors', edits: [{ range: inst.range, newText: replacement }], preferred: true },
      ]);
    }
  },
};

/** `KEY=value` for a legacy `KEY value`, when the rewrite cannot change the value. */
function keyValueForm(inst: Instruction): string | undefined {
  const words = wordsOf(inst);
  const key = words[0];
  if (!key) return undefined;
  const rest = inst.args.slice(key.offset + key.text.length).trim();
  // One token (balanced quotes, no blanks outside them) can follow `=` unchanged.
  if (/^(?:"[^"]*"|'[^']*'|[^\s"'\\`])+$/.test(rest)) return `${key.text}=${rest}`;
  // Several words: wrapping them in double quotes keeps spaces and `$` expansion as they were.
  if (/["'\\`]/.test(rest)) return undefined;
  return `${key.text}="${rest}"`;
}

export const legacyKeyValueFormat: Rule = {
  code: 'LegacyKeyValueFormat',
  family: 'buildkit',
  severity: 'warning',
  title: "ENV and LABEL should use 'key=value', not the legacy 'key value'",
  doc: {
    why: "The space-separated form sets one variable to the whole rest of the line, so `ENV A 1 B 2` sets A to '1 B 2'. The `key=value` form is unambiguous and can set several variables at once.",
    bad: 'FROM python:3.12-slim\nENV PYTHONUNBUFFERED 1\n',
    good: 'FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      if (inst.keyword !== 'ENV' && inst.keyword !== 'LABEL') continue;
      const words = wordsOf(inst);
      const first = words[0];
      if (!first || words.length < 2 || first.text.includes('=')) continue;
      const rewritten = keyValueForm(inst);
      const fixes: Fix[] = rewritten === undefined ? [] : [{ title: `Use ${inst.keyword} ${rewritten}`, edits: [{ range: argsRange(inst), newText: rewritten }], preferred: true }];
      ctx.report(argsRange(inst), `Use '${inst.keyword} key=value': the legacy '${inst.keyword} key value' form is deprecated`, fixes);
    }
  },
};

const ONCE_PER_STAGE = new Set(['CMD', 'ENTRYPOINT', 'HEALTHCHECK']);

export const multipleInstructionsDisallowed: Rule = {
  code: 'MultipleInstructionsDisallowed',
  family: 'buildkit',
  severity: 'warning',
  title: 'CMD, ENTRYPOINT and HEALTHCHECK should appear at most once per stage',
  doc: {
    why: 'Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect; the earlier ones do nothing and mislead whoever reads the file.',
    bad: 'FROM nginx:1.27\nCMD ["nginx", "-g", "daemon off;"]\nCOPY site /usr/share/nginx/html\nCMD ["nginx-debug", "-g", "daemon off;"]\n',
    good: 'FROM nginx:1.27\nCOPY site /usr/share/nginx/html\nCMD ["nginx-debug", "-g", "daemon off;"]\n',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const last = new Map<string, Instruction>();
      for (const inst of stage.instructions) {
        if (!ONCE_PER_STAGE.has(inst.keyword)) continue;
        const previous = last.get(inst.keyword);
        last.set(inst.keyword, inst);
        if (!previous) continue;
        // The earlier one is the one that is ignored, so that is where the finding goes.
        ctx.report(firstLineRange(previous), `This ${inst.keyword} has no effect: the ${inst.keyword} on line ${inst.range.start.line + 1} replaces it (only the last one in a stage is used)`, [
          { title: `Remove the ignored ${inst.keyword}`, edits: [deleteLines(ctx.df, previous.range.start.line, previous.range.end.line)] },
        ]);
      }
    }
  },
};

/** Absolute for Linux (`/x`) or Windows (`C:\x`, `\x`) images. */
function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(path);
}

export const workdirRelativePath: Rule = {
  code: 'WorkdirRelativePath',
  family: 'buildkit',
  severity: 'warning',
  title: 'The first WORKDIR of a stage should be an absolute path',
  doc: {
    why: "A relative WORKDIR is resolved against the base image's working directory, which the base image can change in any release; an absolute path keeps the layout of your image under your control.",
    bad: 'FROM node:22-slim\nWORKDIR app\nCOPY . .\n',
    good: 'FROM node:22-slim\nWORKDIR /app\nCOPY . .\n',
    deviation: 'When the path starts with a variable whose value is not known statically (an ARG without default, a variable of the base image), Berth stays silent.',
  },
  check(ctx) {
    if (instructionsOf(ctx.df, 'WORKDIR').length === 0) return;
    walkStages(ctx.df, (inst, scope) => {
      if (inst.keyword !== 'WORKDIR' || scope.workdirSet) return;
      const expanded = expandKnown(inst.args, scope, ctx.df.directives.escape);
      if (expanded === undefined) return;
      const path = unquoteWord(expanded.trim(), ctx.df.directives.escape);
      if (path === '' || isAbsolutePath(path)) return;
      ctx.report(argsRange(inst), `WORKDIR '${path}' is relative: it depends on the base image's working directory, which can change; use an absolute path`);
    });
  },
};

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** One EXPOSE argument split like Docker does: `[ip:][hostPort:]containerPort[/proto]`. */
interface PortSpec {
  readonly raw: string;
  /** Offset of `raw` in the instruction's args, or undefined when it came from a variable. */
  readonly offset: number | undefined;
  readonly ip: string;
  readonly hostPort: string;
  readonly containerPort: string;
  readonly proto: string;
  /** Offset of the container port inside `raw`. */
  readonly containerOffset: number;
}

function splitPort(raw: string, offset: number | undefined): PortSpec {
  const parts = raw.split(':');
  const n = parts.length;
  const ip = n >= 3 ? parts.slice(0, n - 2).join(':') : '';
  const hostPort = n >= 2 ? (parts[n - 2] as string) : '';
  const container = parts[n - 1] as string;
  const slash = container.indexOf('/');
  return {
    raw,
    offset,
    ip,
    hostPort,
    containerPort: slash < 0 ? container : container.slice(0, slash),
    proto: slash < 0 ? '' : container.slice(slash + 1),
    containerOffset: raw.length - container.length,
  };
}

/** The port specs of an EXPOSE, variables expanded where their values are known. */
function portSpecs(inst: Instruction, escape: string, expand: (text: string) => string | undefined): PortSpec[] {
  const specs: PortSpec[] = [];
  for (const word of wordsOf(inst)) {
    if (!word.text.includes('$') && !/["']/.test(word.text)) { specs.push(splitPort(word.text, word.offset)); continue; }
    const value = expand(word.text);
    if (value === undefined) continue;
    for (const part of unquoteWord(value, escape).split(/\s+/)) if (part !== '') specs.push(splitPort(part, undefined));
  }
  return specs;
}

function visitExposes(ctx: Parameters<Rule['check']>[0], visit: (inst: Instruction, spec: PortSpec) => void): void {
  if (instructionsOf(ctx.df, 'EXPOSE').length === 0) return;
  walkStages(ctx.df, (inst, scope) => {
    if (inst.keyword !== 'EXPOSE') return;
    for (const spec of portSpecs(inst, ctx.df.directives.escape, (text) => expandKnown(text, scope, ctx.df.directives.escape))) visit(inst, spec);
  });
}

export const exposeProtoCasing: Rule = {
  code: 'ExposeProtoCasing',
  family: 'buildkit',
  severity: 'warning',
  title: 'The protocol in EXPOSE should be lower case',
  doc: {
    why: 'Docker accepts `80/TCP` but records `80/tcp`; writing the protocol in lower case matches what `docker inspect` shows and what tools compare against.',
    bad: 'FROM nginx:1.27\nEXPOSE 80/TCP 53/Udp\n',
    good: 'FROM nginx:1.27\nEXPOSE 80/tcp 53/udp\n',
  },
  check(ctx) {
    visitExposes(ctx, (inst, spec) => {
      const lower = spec.proto.toLowerCase();
      if (spec.proto === lower || !PROTOCOLS.has(lower)) return;
      const message = `Protocol '${spec.proto}' in EXPOSE ${spec.raw} should be lower case ('${lower}')`;
      if (spec.offset === undefined) { ctx.report(argsRange(inst), message); return; }
      const protoOffset = spec.offset + spec.containerOffset + spec.containerPort.length + 1;
      const range = argRange(inst, protoOffset, spec.proto.length);
      ctx.report(range, message, [{ title: `Change '${spec.proto}' to '${lower}'`, edits: [{ range, newText: lower }], preferred: true }]);
    });
  },
};

export const exposeInvalidFormat: Rule = {
  code: 'ExposeInvalidFormat',
  family: 'buildkit',
  severity: 'warning',
  title: 'EXPOSE should name container ports only, without IP address or host port',
  doc: {
    why: 'EXPOSE documents which ports the container listens on. An IP address or host port in it (`8080:80`) is not a port mapping: Docker ignores that part today and will reject it in a future release. Map ports with `docker run -p` instead.',
    bad: 'FROM nginx:1.27\nEXPOSE 8080:80\n',
    good: 'FROM nginx:1.27\nEXPOSE 80\n',
  },
  check(ctx) {
    visitExposes(ctx, (inst, spec) => {
      if (spec.ip === '' && spec.hostPort === '') return;
      const message = `EXPOSE should name only the container port, not an IP address or host port: found '${spec.raw}'`;
      if (spec.offset === undefined) { ctx.report(argsRange(inst), message); return; }
      const range = argRange(inst, spec.offset, spec.raw.length);
      const containerPart = spec.raw.slice(spec.containerOffset);
      const edits: TextEdit[] = [{ range, newText: containerPart }];
      ctx.report(range, message, containerPart === '' ? [] : [{ title: `Keep only the container port '${containerPart}'`, edits, preferred: true }]);
    });
  },
};
