/**
 * BuildKit checks about `FROM --platform`.
 */
import type { Flag, Range, Stage } from '../../model';
import type { Rule } from '../types';
import type { Platform } from './support';
import { formatPlatform, parsePlatform } from './support';
import { wordRange } from '../../args';

function platformFlag(stage: Stage): Flag | undefined {
  return stage.from.flags.find((f) => f.name === 'platform');
}

// `$TARGETPLATFORM`, `${TARGETPLATFORM}` and the forms whose result is its value.
const TARGETPLATFORM_ONLY = /^\$(?:TARGETPLATFORM|\{TARGETPLATFORM(?:[:]?[-?][^}]*)?\})$/;

export const redundantTargetPlatform: Rule = {
  code: 'RedundantTargetPlatform',
  family: 'buildkit',
  severity: 'warning',
  title: 'FROM --platform=$TARGETPLATFORM is redundant',
  doc: {
    why: 'Every stage is built for the target platform unless told otherwise, so `--platform=$TARGETPLATFORM` adds noise and suggests a cross-compilation setup that is not there.',
    bad: 'FROM --platform=$TARGETPLATFORM alpine:3.20\nRUN apk add --no-cache curl\n',
    good: 'FROM alpine:3.20\nRUN apk add --no-cache curl\n',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const flag = platformFlag(stage);
      if (flag?.value === undefined || !TARGETPLATFORM_ONLY.test(flag.value.trim())) continue;
      ctx.report(flag.range, `--platform=${flag.value} is the default for every stage and can be removed`, [
        { title: 'Remove the --platform flag', edits: [{ range: withTrailingBlanks(ctx.df.lines, flag.range), newText: '' }], preferred: true },
      ]);
    }
  },
};

/** Extends a single-line range over the blanks that follow it on the same line. */
function withTrailingBlanks(lines: readonly string[], range: Range): Range {
  if (range.start.line !== range.end.line) return range;
  const line = lines[range.end.line] ?? '';
  let col = range.end.col;
  while (col < line.length && (line[col] === ' ' || line[col] === '\t')) col++;
  return { start: range.start, end: { line: range.end.line, col } };
}

export const fromPlatformFlagConstDisallowed: Rule = {
  code: 'FromPlatformFlagConstDisallowed',
  family: 'buildkit',
  severity: 'warning',
  title: 'FROM --platform should not be a constant',
  doc: {
    why: 'A constant `--platform` pins the stage to one platform: the Dockerfile can no longer build multi-platform images, and on other machines it runs under emulation. Use `$BUILDPLATFORM` for build tools, or name the stage after the platform it is for.',
    bad: 'FROM --platform=linux/amd64 golang:1.23 AS build\nRUN go build -o /out/app .\n',
    good: 'FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const flag = platformFlag(stage);
      if (flag?.value === undefined || flag.value.includes('$')) continue;
      const platform = parsePlatform(flag.value);
      // An unparsable platform is a build error, not this check's business.
      if (!platform) continue;
      // `AS build-arm64`: the stage says it is platform-specific on purpose.
      const name = stage.nameLower ?? '';
      if (name !== '' && (name.includes(platform.os) || name.includes(platform.arch))) continue;
      ctx.report(flag.range, `--platform=${flag.value} pins this stage to one platform and prevents multi-platform builds; use $BUILDPLATFORM or $TARGETPLATFORM, or put the platform in the stage name`);
    }
  },
};

// Docker Hub namespaces that publish one architecture only (the official images' per-arch copies).
const ARCH_NAMESPACES: ReadonlyMap<string, Platform> = new Map([
  ['amd64', { os: 'linux', arch: 'amd64', variant: '' }],
  ['arm32v5', { os: 'linux', arch: 'arm', variant: 'v5' }],
  ['arm32v6', { os: 'linux', arch: 'arm', variant: 'v6' }],
  ['arm32v7', { os: 'linux', arch: 'arm', variant: 'v7' }],
  ['arm64v8', { os: 'linux', arch: 'arm64', variant: '' }],
  ['i386', { os: 'linux', arch: '386', variant: '' }],
  ['mips64le', { os: 'linux', arch: 'mips64le', variant: '' }],
  ['ppc64le', { os: 'linux', arch: 'ppc64le', variant: '' }],
  ['riscv64', { os: 'linux', arch: 'riscv64', variant: '' }],
  ['s390x', { os: 'linux', arch: 's390x', variant: '' }],
  ['winamd64', { os: 'windows', arch: 'amd64', variant: '' }],
]);

export const invalidBaseImagePlatform: Rule = {
  code: 'InvalidBaseImagePlatform',
  family: 'buildkit',
  severity: 'warning',
  title: "The base image's platform should match the stage's platform",
  doc: {
    why: 'A base image built for another platform either fails to pull or runs under emulation, which is slow and sometimes broken; the mismatch usually comes from copying a FROM line between projects.',
    bad: 'FROM --platform=linux/amd64 arm64v8/alpine:3.20\nRUN apk add --no-cache curl\n',
    good: 'FROM --platform=linux/amd64 amd64/alpine:3.20\nRUN apk add --no-cache curl\n',
    deviation: "BuildKit compares the platform of the image it actually pulled with the build's target platform. Berth does not contact registries, so it checks what can be known from the file: a constant `--platform` against an image from Docker Hub's single-architecture namespaces (`arm64v8/`, `amd64/`, `arm32v7/`, `i386/`, ...).",
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const flag = platformFlag(stage);
      const image = stage.image;
      if (flag?.value === undefined || flag.value.includes('$') || !image) continue;
      const hub = image.registry === undefined || image.registry === 'docker.io' || image.registry === 'index.docker.io';
      if (!hub) continue;
      const namespace = image.repository.split('/')[0] ?? '';
      const published = ARCH_NAMESPACES.get(namespace);
      const wanted = parsePlatform(flag.value);
      if (!published || !wanted || image.repository.split('/').length < 2) continue;
      if (published.os === wanted.os && published.arch === wanted.arch) continue;
      const range = wordRange(stage.from, 0)?.range ?? flag.range;
      ctx.report(range, `Base image '${image.raw}' is published for ${formatPlatform(published)} only, but this stage is built for ${formatPlatform(wanted)}`);
    }
  },
};
