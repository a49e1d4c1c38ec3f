/**
 * hadolint rules about the Dockerfile's own instructions (not the shell inside RUN):
 * pragmas, FROM, WORKDIR, USER, EXPOSE, HEALTHCHECK, CMD/ENTRYPOINT, MAINTAINER.
 */
import type { ImageRef, Instruction, Range, Stage } from '../../../model';
import { argRange } from '../../../positions';
import { parseImageRef } from '../../../imageRef';
import { parseShell } from '../../../shell';
import { globalArgValues, parseFrom } from '../../../stages';
import { splitWords, unquote } from '../../../variables';
import type { Fix, LintOptions, Rule, RuleContext, RuleDoc } from '../../types';
import { argsRange, effective, withOnbuild } from '../../util';
import { mountsOf } from '../../../mounts';
import { wordRange, wordsOf } from '../../../args';


const INLINE_IGNORE = /^(?:hadolint|berth)\s+ignore\s*=/i;

export const DL1001: Rule = {
  code: 'DL1001',
  family: 'hadolint',
  severity: 'style',
  defaultOff: true,
  title: 'Avoid inline ignore pragmas',
  doc: {
    why: 'Inline `# hadolint ignore=` comments silence findings one line at a time, out of sight of reviewers. Teams that want every exception in the shared configuration turn this rule on (it is off by default, as in hadolint).',
    bad: 'FROM alpine:3.20\n# hadolint ignore=DL3018\nRUN apk add --no-cache curl\n',
    good: 'FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r2\n',
    deviation: '`# berth ignore=` pragmas count as inline pragmas too. Global pragmas (`# hadolint global ignore=`) are not reported, as in hadolint.',
  },
  check(ctx) {
    for (const comment of ctx.df.comments) {
      if (comment.insideInstruction || !INLINE_IGNORE.test(comment.text)) continue;
      const text = ctx.df.lines[comment.line] ?? '';
      const start = text.length - text.trimStart().length;
      ctx.report(
        { start: { line: comment.line, col: start }, end: { line: comment.line, col: text.trimEnd().length } },
        'Please refrain from using inline ignore pragmas  `# hadolint ignore=DLxxxx`.',
      );
    }
  },
};

export const DL3000: Rule = {
  code: 'DL3000',
  family: 'hadolint',
  severity: 'error',
  title: 'Use an absolute WORKDIR',
  doc: {
    why: 'A relative WORKDIR resolves against whatever the previous WORKDIR was, possibly one set by the base image; an absolute path makes the working directory obvious and stable when the base image changes.',
    bad: 'FROM node:22-slim\nWORKDIR app\n',
    good: 'FROM node:22-slim\nWORKDIR /app\n',
  },
  check(ctx) {
    for (const inst of withOnbuild(ctx.df, 'WORKDIR')) {
      const target = effective(inst);
      const path = target.args.trim().replace(/^["']+|["']+$/g, '');
      if (path === '') continue;
      // `$VAR` may hold an absolute path; `C:\` and `C:/` are absolute on Windows images.
      if (path.startsWith('/') || path.startsWith('$') || /^[A-Za-z]:/.test(path)) continue;
      ctx.report(argsRange(inst), 'Use absolute WORKDIR');
    }
  },
};

function isRootUser(user: string): boolean {
  const u = unquote(user.trim());
  return u === 'root' || u === '0' || u.startsWith('root:') || u.startsWith('0:');
}

export const DL3002: Rule = {
  code: 'DL3002',
  family: 'hadolint',
  severity: 'warning',
  title: 'The last USER of a stage should not be root',
  doc: {
    why: 'A container that runs as root turns any compromise of the process into root in the container, one step from the host. Switch to root for installs if needed, then back to an unprivileged user.',
    bad: 'FROM debian:12-slim\nUSER root\nCMD ["id"]\n',
    good: 'FROM debian:12-slim\nUSER root\nRUN useradd --create-home app\nUSER app\nCMD ["id"]\n',
    deviation: 'Like hadolint, each stage is judged on its own last USER (any stage can be built with `--target`).',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const users = stage.instructions.filter((i) => i.keyword === 'USER');
      const last = users[users.length - 1];
      if (last && isRootUser(last.args)) ctx.report(argsRange(last), 'Last USER should not be root');
    }
  },
};

/** Range of the image word of a FROM. */
function fromImageRange(from: Instruction): Range {
  return wordRange(from, 0)?.range ?? from.keywordRange;
}

/**
 * The base image of a stage with global ARG defaults substituted, or undefined when it
 * is a stage, `scratch`, or depends on a build argument without a default.
 */
function resolvedImage(ctx: RuleContext, stage: Stage): ImageRef | undefined {
  if (!stage.image) return undefined;
  if (!stage.baseImageRaw.includes('$')) return stage.image;
  const values = globalArgValues(ctx.df.globalArgs);
  for (const m of stage.baseImageRaw.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const value = values.get(m[1] as string);
    if (value === undefined || value === '') return undefined;
  }
  return stage.image;
}

export const DL3006: Rule = {
  code: 'DL3006',
  family: 'hadolint',
  severity: 'warning',
  title: 'Tag the base image explicitly',
  doc: {
    why: 'An untagged FROM means `latest`: the next build can silently pick up a different major version, with a different size and different bugs, and the build is not reproducible.',
    bad: 'FROM debian\nRUN echo hi\n',
    good: 'FROM debian:12-slim\nRUN echo hi\n',
    deviation: 'An image reference that contains a variable anywhere (not only at the start) is skipped: its tag is decided at build time.',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      if (!stage.image || stage.baseImageRaw.includes('$')) continue;
      if (stage.image.tag === undefined && stage.image.digest === undefined) {
        ctx.report(fromImageRange(stage.from), 'Always tag the version of an image explicitly');
      }
    }
  },
};

export const DL3007: Rule = {
  code: 'DL3007',
  family: 'hadolint',
  severity: 'warning',
  title: 'Pin a release tag instead of latest',
  doc: {
    why: '`latest` moves: rebuilding the same Dockerfile can produce a different image, and caches for the old base are thrown away. A release tag (or a digest) keeps builds reproducible.',
    bad: 'FROM alpine:latest\nRUN echo hi\n',
    good: 'FROM alpine:3.20\nRUN echo hi\n',
    deviation: '`image:latest@sha256:...` is not reported: the digest pins the image. Global ARG defaults are substituted, so `ARG TAG=latest` + `FROM alpine:$TAG` is reported.',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const image = resolvedImage(ctx, stage);
      if (image?.tag === 'latest' && image.digest === undefined) {
        ctx.report(
          fromImageRange(stage.from),
          'Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag',
        );
      }
    }
  },
};

export const DL3011: Rule = {
  code: 'DL3011',
  family: 'hadolint',
  severity: 'error',
  title: 'Exposed ports must be between 0 and 65535',
  doc: {
    why: 'A port above 65535 does not exist: the EXPOSE line documents nothing and the build fails when it is parsed.',
    bad: 'FROM nginx:1.27\nEXPOSE 80 80000\n',
    good: 'FROM nginx:1.27\nEXPOSE 80 8000\n',
  },
  check(ctx) {
    for (const inst of withOnbuild(ctx.df, 'EXPOSE')) {
      const target = effective(inst);
      for (const word of wordsOf(target)) {
        const text = unquote(word.text);
        if (text.includes('$')) continue;
        const m = /^(\d+)(?:-(\d+))?(?:\/\w+)?$/.exec(text);
        if (!m) continue;
        const ports = [Number(m[1]), m[2] === undefined ? 0 : Number(m[2])];
        if (ports.some((p) => p > 65535)) {
          ctx.report(argRange(target, word.offset, word.text.length), 'Valid UNIX ports range from 0 to 65535');
        }
      }
    }
  },
};

/** Reports every instruction with `keyword` after the first one of the same stage. */
function reportRepeats(ctx: RuleContext, keyword: string, message: string): void {
  const seen = new Set<number>();
  for (const inst of ctx.df.instructions) {
    if (inst.keyword !== keyword) continue;
    if (seen.has(inst.stageIndex)) ctx.report(inst.keywordRange, message);
    seen.add(inst.stageIndex);
  }
}

export const DL3012: Rule = {
  code: 'DL3012',
  family: 'hadolint',
  severity: 'error',
  title: 'One HEALTHCHECK per stage',
  doc: {
    why: 'Only the last HEALTHCHECK of a stage takes effect; earlier ones are dead code that readers will mistake for the real check.',
    bad: 'FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK CMD wget -qO- http://localhost/ || exit 1\n',
    good: 'FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n',
  },
  check(ctx) {
    reportRepeats(ctx, 'HEALTHCHECK', 'Multiple `HEALTHCHECK` instructions');
  },
};

export const DL3024: Rule = {
  code: 'DL3024',
  family: 'hadolint',
  severity: 'error',
  title: 'Stage names must be unique',
  doc: {
    why: 'Two stages with the same name make `COPY --from` and `--target` ambiguous; BuildKit rejects the file.',
    bad: 'FROM golang:1.23 AS build\nRUN go version\nFROM golang:1.23 AS build\nRUN go env\n',
    good: 'FROM golang:1.23 AS build\nRUN go version\nFROM golang:1.23 AS test\nRUN go env\n',
    deviation: 'Names are compared case-insensitively, as BuildKit does (`Build` and `build` are the same stage).',
  },
  check(ctx) {
    const seen = new Set<string>();
    for (const stage of ctx.df.stages) {
      if (stage.nameLower === undefined) continue;
      if (seen.has(stage.nameLower)) {
        const { name, nameOffset } = parseFrom(stage.from);
        ctx.report(argRange(stage.from, nameOffset, (name ?? '').length), 'FROM aliases (stage names) must be unique');
      }
      seen.add(stage.nameLower);
    }
  },
};

/** `["a", "b"]` for a shell-form line that is one plain command, or undefined. */
function execFormOf(args: string): string | undefined {
  // No expansions, globs, escapes or comments: their meaning would change without a shell.
  if (/[$`*?[\]{}~#\\]/.test(args)) return undefined;
  const commands = parseShell(args);
  const only = commands[0];
  if (commands.length !== 1 || !only) return undefined;
  if (only.redirects.length > 0 || only.before !== undefined || only.after !== undefined) return undefined;
  // Every word must be the command or an argument (no `VAR=x` prefix, no sudo/exec wrapper).
  if (only.words.length !== only.args.length + 1 || only.words.length !== splitWords(args).length) return undefined;
  return `[${only.words.map((w) => JSON.stringify(w.value)).join(', ')}]`;
}

export const DL3025: Rule = {
  code: 'DL3025',
  family: 'hadolint',
  severity: 'warning',
  title: 'Write CMD and ENTRYPOINT in JSON (exec) form',
  doc: {
    why: 'In shell form the process runs under `/bin/sh -c`: the shell becomes PID 1, does not forward SIGTERM, and `docker stop` waits its full timeout before killing the container.',
    bad: 'FROM node:22-slim\nCMD node server.js\n',
    good: 'FROM node:22-slim\nCMD ["node", "server.js"]\n',
  },
  check(ctx) {
    for (const keyword of ['CMD', 'ENTRYPOINT']) {
      for (const inst of withOnbuild(ctx.df, keyword)) {
        const target = effective(inst);
        if (target.json || target.args.trim() === '') continue;
        const json = execFormOf(target.args);
        const fixes: Fix[] = json === undefined ? [] : [{ title: 'Convert to JSON form', edits: [{ range: argsRange(inst), newText: json }], preferred: true }];
        ctx.report(argsRange(inst), 'Use arguments JSON notation for CMD and ENTRYPOINT arguments', fixes);
      }
    }
  },
};

/** hadolint's registry patterns: `*` any, `*.example.com` suffix, `registry*` prefix. */
function registryMatches(pattern: string, registry: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return registry.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return registry.startsWith(pattern.slice(0, -1));
  return registry === pattern;
}

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'hub.docker.com']);

function registryAllowed(allowed: readonly string[], image: ImageRef): boolean {
  if (image.registry === undefined && image.repository === 'scratch') return true;
  // Docker Hub answers to several names; any of them in the list allows it.
  const hosts = image.registry === undefined || DOCKER_HUB_HOSTS.has(image.registry) ? [...DOCKER_HUB_HOSTS] : [image.registry];
  return allowed.some((pattern) => hosts.some((host) => registryMatches(pattern, host)));
}

/**
 * DL3026 is inert without `trustedRegistries`, so its examples carry the options they
 * are meant to be linted with (`options`, read by the examples test and the docs).
 */
const DL3026_DOC: RuleDoc & { readonly options: Partial<LintOptions> } = {
  why: 'Images from registries outside the allowed list bypass the organisation\'s scanning and mirroring; only images from `trustedRegistries` should reach a build. Inactive unless `trustedRegistries` is configured.',
  bad: 'FROM quay.io/prometheus/busybox:latest\nRUN echo hi\n',
  good: 'FROM docker.io/library/busybox:1.36\nRUN echo hi\n',
  deviation: 'Besides FROM, `COPY --from=<image>` and `RUN --mount=from=<image>` are checked (they pull images too); stage indexes (`--from=0`) are not images. `index.docker.io` counts as Docker Hub.',
  options: { trustedRegistries: ['docker.io'] },
};

export const DL3026: Rule = {
  code: 'DL3026',
  family: 'hadolint',
  severity: 'error',
  title: 'Pull images only from trusted registries',
  doc: DL3026_DOC,
  check(ctx) {
    const allowed = ctx.options.trustedRegistries;
    if (allowed.length === 0) return;
    const message = 'Use only an allowed registry in the FROM image';
    const stageNames = new Set<string>();
    const isImage = (ref: string): boolean => !stageNames.has(ref.toLowerCase()) && !/^\d+$/.test(ref) && !ref.includes('$');
    for (const inst of ctx.df.instructions) {
      if (inst.keyword === 'FROM') {
        const stage = ctx.df.stages[inst.stageIndex];
        if (!stage) continue;
        // A stage's own name only becomes a valid reference for the instructions after it.
        if (stage.image && !stage.baseImageRaw.includes('$') && !registryAllowed(allowed, stage.image)) ctx.report(fromImageRange(inst), message);
        if (stage.nameLower !== undefined) stageNames.add(stage.nameLower);
      } else if (inst.keyword === 'COPY' || inst.keyword === 'ADD') {
        const from = inst.flags.find((f) => f.name === 'from');
        if (from?.value !== undefined && isImage(from.value) && !registryAllowed(allowed, parseImageRef(from.value))) {
          ctx.report(from.range, message);
        }
      } else if (inst.keyword === 'RUN') {
        for (const m of mountsOf(inst)) {
          if (m.from !== undefined && isImage(m.from) && !registryAllowed(allowed, parseImageRef(m.from))) ctx.report(m.range, message);
        }
      }
    }
  },
};

/** BuildKit's automatic platform arguments: using them is what `--platform` is for. */
const PLATFORM_ARGS = /\b(?:BUILD|TARGET)(?:PLATFORM|OS|ARCH|VARIANT)\b/;

export const DL3029: Rule = {
  code: 'DL3029',
  family: 'hadolint',
  severity: 'warning',
  title: 'Do not hard-code --platform in FROM',
  doc: {
    why: 'A fixed `--platform` forces emulation on every other architecture (slow builds, wrong binaries in multi-arch images); `--platform=$BUILDPLATFORM` is the cross-compilation pattern and is fine.',
    bad: 'FROM --platform=linux/amd64 debian:12-slim\nRUN uname -m\n',
    good: 'FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go version\n',
    deviation: 'Every BuildKit platform argument is accepted (`$TARGETOS`, `$TARGETARCH`, `$BUILDOS`, ...), not only `BUILDPLATFORM` and `TARGETPLATFORM`.',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const flag = stage.from.flags.find((f) => f.name === 'platform');
      if (flag && !PLATFORM_ARGS.test(flag.value ?? '')) ctx.report(flag.range, 'Do not use --platform flag with FROM');
    }
  },
};

export const DL4000: Rule = {
  code: 'DL4000',
  family: 'hadolint',
  severity: 'error',
  title: 'MAINTAINER is deprecated: use a label',
  doc: {
    why: 'MAINTAINER is deprecated and invisible to tools that read image labels; `LABEL maintainer=...` (or `org.opencontainers.image.authors`) carries the same information in the standard place.',
    bad: 'FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n',
    good: 'FROM alpine:3.20\nLABEL maintainer="Jane Doe <jane@example.com>"\n',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      if (inst.keyword !== 'MAINTAINER') continue;
      const value = inst.args.trim().replace(/[\\"$]/g, (c) => `\\${c}`);
      const label = `${inst.keywordRaw === inst.keywordRaw.toLowerCase() ? 'label' : 'LABEL'} maintainer="${value}"`;
      const range: Range = { start: inst.keywordRange.start, end: argsRange(inst).end };
      ctx.report(inst.keywordRange, 'MAINTAINER is deprecated', value === '' ? [] : [{ title: 'Replace with LABEL maintainer', edits: [{ range, newText: label }], preferred: true }]);
    }
  },
};

export const DL4003: Rule = {
  code: 'DL4003',
  family: 'hadolint',
  severity: 'warning',
  title: 'One CMD per stage',
  doc: {
    why: 'Only the last CMD of a stage takes effect; the others mislead readers about what the container runs.',
    bad: 'FROM python:3.12-slim\nCMD ["python", "-V"]\nCMD ["python", "app.py"]\n',
    good: 'FROM python:3.12-slim\nCMD ["python", "app.py"]\n',
  },
  check(ctx) {
    reportRepeats(ctx, 'CMD', 'Multiple `CMD` instructions found. If you list more than one `CMD` then only the last `CMD` will take effect');
  },
};

export const DL4004: Rule = {
  code: 'DL4004',
  family: 'hadolint',
  severity: 'error',
  title: 'One ENTRYPOINT per stage',
  doc: {
    why: 'Only the last ENTRYPOINT of a stage takes effect; an earlier one is dead code that hides what the container really starts.',
    bad: 'FROM python:3.12-slim\nENTRYPOINT ["python"]\nENTRYPOINT ["python3"]\n',
    good: 'FROM python:3.12-slim\nENTRYPOINT ["python3"]\n',
  },
  check(ctx) {
    reportRepeats(ctx, 'ENTRYPOINT', 'Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then only the last `ENTRYPOINT` will take effect');
  },
};

