/** hadolint rules about COPY and ADD: archives, sources, destinations and `--from`. */
import type { Instruction } from '../../../model';
import type { Fix, Rule, RuleContext } from '../../types';
import { argsRange, effective, hasFlag, usesProgramWhere, withOnbuild } from '../../util';
import { unquote } from '../../../variables';
import { positionalArgs } from '../../../shell';
import { basename } from './util';
import { copyPathsOf } from '../../../args';

/**
 * Archives that ADD unpacks: tar, bare or compressed. A lone `data.gz` is not a tar
 * stream, so ADD would copy it unchanged and suggesting ADD would be wrong.
 */
const TAR_ARCHIVE = /(?:\.tar|\.tar\.(?:gz|bz2|xz|lz|lzma|Z)|\.(?:tgz|tb2|tbz|tbz2|tlz|tpz|txz|tZ))$/;

/** hadolint's archive extensions, for ADD sources that are fine to keep as ADD. */
const ARCHIVE_EXTENSIONS = ['.tar', '.Z', '.bz2', '.gz', '.lz', '.lzma', '.tZ', '.tb2', '.tbz', '.tbz2', '.tgz', '.tlz', '.tpz', '.txz', '.xz'];

/** Commands that unpack or decompress their operands. */
const DECOMPRESSORS = new Set(['unzip', 'gunzip', 'bunzip2', 'unlzma', 'unxz', 'zgz', 'uncompress', 'zcat', 'gzcat']);

/** Compressors that decompress with `-d`. */
const COMPRESSORS = ['gzip', 'xz', 'bzip2', 'lzma', 'zstd'];

/** Names of the archives a RUN command extracts (basenames of its operands), if it extracts. */
function extractedNames(ctx: RuleContext, inst: Instruction): Set<string> {
  const names = new Set<string>();
  for (const cmd of ctx.commands(inst)) {
    const isTarExtract = cmd.program === 'tar' && cmd.args.some((a, k) =>
      a.value === '--extract' || a.value === '--get'
      || /^-[A-Za-z]*x/.test(a.value)
      // `tar xzf file.tgz`: the old style without a dash, first word only.
      || (k === 0 && /^[A-Za-z]*x[A-Za-z]*$/.test(a.value)));
    const decompresses = DECOMPRESSORS.has(cmd.program)
      || (COMPRESSORS.includes(cmd.program) && cmd.args.some((a) => a.value === '-d' || a.value === '--decompress' || /^-[A-Za-z]*d/.test(a.value)));
    if (!isTarExtract && !decompresses) continue;
    const valueOptions = cmd.program === 'tar' ? ['-C', '--directory', '-f', '--file'] : cmd.program === 'unzip' ? ['-d'] : [];
    for (const word of positionalArgs(cmd, valueOptions)) names.add(basename(word.value));
    // `tar -xf name`: the archive is the value of -f, which `operands` skipped.
    cmd.args.forEach((a, k) => {
      const next = cmd.args[k + 1];
      if (next && (/^-[A-Za-z]*f$/.test(a.value) || a.value === '--file')) names.add(basename(next.value));
      if (a.value.startsWith('--file=')) names.add(basename(a.value.slice(7)));
    });
  }
  return names;
}

export const DL3010: Rule = {
  code: 'DL3010',
  family: 'hadolint',
  severity: 'info',
  title: 'Let ADD unpack archives that are extracted right after COPY',
  doc: {
    why: 'COPY of an archive followed by `tar -x` keeps the archive in one layer and its contents in the next: the image carries both. `ADD archive.tar.gz /dest/` unpacks it in a single layer.',
    bad: 'FROM debian:12-slim\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n',
    good: 'FROM debian:12-slim\nADD app.tar.gz /opt/\n',
    deviation: 'Only tar archives count (`.tar`, `.tar.gz`, `.tgz`, ...): ADD does not unpack a plain `.gz`/`.xz` file or a zip, so suggesting ADD for those would be wrong. `tar xzf` without a dash and `gzip -d` are recognised as extraction.',
  },
  check(ctx) {
    // Without a command that extracts, no COPY can be reported.
    if (!usesProgramWhere(ctx, (program) => program === 'tar' || DECOMPRESSORS.has(program) || COMPRESSORS.includes(program))) return;
    for (const stage of ctx.df.stages) {
      // Archive basename -> the COPY that brought it in.
      const copied = new Map<string, Instruction>();
      const reported = new Set<Instruction>();
      for (const inst of stage.instructions) {
        if (inst.keyword === 'COPY' && !hasFlag(inst, 'from')) {
          const { sources, dest } = copyPathsOf(inst);
          const target = unquote(dest ?? '');
          const names = TAR_ARCHIVE.test(target) ? [basename(target)] : sources.map((s) => basename(unquote(s))).filter((s) => TAR_ARCHIVE.test(s));
          for (const name of names) copied.set(name, inst);
        } else if (inst.keyword === 'RUN' && copied.size > 0) {
          for (const name of extractedNames(ctx, inst)) {
            const copy = copied.get(name);
            if (copy && !reported.has(copy)) {
              reported.add(copy);
              ctx.report(argsRange(copy), 'Use `ADD` for extracting archives into an image');
            }
          }
        }
      }
    }
  },
};

function isUrl(source: string): boolean {
  return /^(?:https?:\/\/|git@)/.test(source);
}

/** ADD flags that COPY does not have: switching keyword would break the instruction. */
const ADD_ONLY_FLAGS = ['checksum', 'keep-git-dir', 'unpack'];

export const DL3020: Rule = {
  code: 'DL3020',
  family: 'hadolint',
  severity: 'error',
  title: 'Use COPY for plain files and folders',
  doc: {
    why: 'ADD also downloads URLs and unpacks tar archives; for plain files that magic only surprises (a `.tar` meant to be copied gets unpacked). COPY does exactly one thing.',
    bad: 'FROM nginx:1.27\nADD index.html /usr/share/nginx/html/\n',
    good: 'FROM nginx:1.27\nCOPY index.html /usr/share/nginx/html/\n',
    deviation: '`git@host:repo` sources count as remote (ADD clones them), like http(s) URLs.',
  },
  check(ctx) {
    for (const inst of withOnbuild(ctx.df, 'ADD')) {
      const target = effective(inst);
      const { sources } = copyPathsOf(inst);
      if (sources.length === 0) continue;
      const plain = sources.map(unquote).some((s) => !isUrl(s) && !ARCHIVE_EXTENSIONS.some((ext) => s.endsWith(ext)));
      if (!plain) continue;
      const keyword = target.keywordRaw === target.keywordRaw.toLowerCase() ? 'copy' : 'COPY';
      const fixes: Fix[] = ADD_ONLY_FLAGS.some((f) => hasFlag(inst, f))
        ? []
        : [{ title: 'Use COPY instead of ADD', edits: [{ range: target.keywordRange, newText: keyword }], preferred: true }];
      ctx.report(target.keywordRange, 'Use COPY instead of ADD for files and folders', fixes);
    }
  },
};

export const DL3021: Rule = {
  code: 'DL3021',
  family: 'hadolint',
  severity: 'error',
  title: 'COPY of several sources needs a destination ending in /',
  doc: {
    why: 'With several sources the destination must be a directory; without the trailing slash BuildKit refuses the build, or the intent (file or folder?) is unclear to readers.',
    bad: 'FROM node:22-slim\nCOPY package.json package-lock.json /app\n',
    good: 'FROM node:22-slim\nCOPY package.json package-lock.json /app/\n',
    deviation: 'A destination that ends with a variable (`$DEST`) is not reported: its value may end with `/`.',
  },
  check(ctx) {
    for (const inst of withOnbuild(ctx.df, 'COPY')) {
      const { sources, dest } = copyPathsOf(inst);
      if (sources.length < 2 || dest === undefined) continue;
      const path = unquote(dest);
      if (path.endsWith('/') || /\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(path)) continue;
      ctx.report(argsRange(inst), 'COPY with more than 2 arguments requires the last argument to end with /');
    }
  },
};

/** `--from` values that name an image rather than a stage (stage names have no `:`, `/` or `@`). */
function looksLikeImage(ref: string): boolean {
  return /[:/@]/.test(ref);
}

export const DL3022: Rule = {
  code: 'DL3022',
  family: 'hadolint',
  severity: 'warning',
  title: 'COPY --from must name an earlier stage',
  doc: {
    why: 'An unknown `--from` name is treated as an image to pull: a typo in a stage name silently downloads (or fails to find) an image instead of using the build stage.',
    bad: 'FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM debian:12-slim\nCOPY --from=biuld /out/app /usr/local/bin/app\n',
    good: 'FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM debian:12-slim\nCOPY --from=build /out/app /usr/local/bin/app\n',
    deviation: 'Stage names are compared case-insensitively (as BuildKit does); references with `/` or `@` are images too (stage names cannot contain them), and references that hold a variable are skipped.',
  },
  check(ctx) {
    const names = new Set<string>();
    let stages = 0;
    for (const inst of ctx.df.instructions) {
      if (inst.keyword === 'FROM') {
        const stage = ctx.df.stages[inst.stageIndex];
        if (stage?.nameLower !== undefined) names.add(stage.nameLower);
        stages++;
        continue;
      }
      if (inst.keyword !== 'COPY') continue;
      const from = inst.flags.find((f) => f.name === 'from');
      const ref = from?.value;
      if (!from || ref === undefined || looksLikeImage(ref) || ref.includes('$')) continue;
      if (names.has(ref.toLowerCase()) || (/^\d+$/.test(ref) && Number(ref) < stages)) continue;
      ctx.report(from.range, '`COPY --from` should reference a previously defined `FROM` alias');
    }
  },
};

export const DL3023: Rule = {
  code: 'DL3023',
  family: 'hadolint',
  severity: 'error',
  title: 'COPY --from cannot name its own stage',
  doc: {
    why: 'A stage cannot copy from itself: the build fails, or resolves the name to an image of the same name.',
    bad: 'FROM node:22-slim AS web\nCOPY --from=web /app /app\n',
    good: 'FROM node:22-slim AS deps\nRUN npm --version\nFROM node:22-slim AS web\nCOPY --from=deps /app /app\n',
    deviation: 'Compared case-insensitively, as BuildKit resolves stage names.',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      if (stage.nameLower === undefined) continue;
      for (const inst of stage.instructions) {
        if (inst.keyword !== 'COPY') continue;
        const from = inst.flags.find((f) => f.name === 'from');
        if (from?.value?.toLowerCase() === stage.nameLower) {
          ctx.report(from.range, '`COPY --from` cannot reference its own `FROM` alias');
        }
      }
    }
  },
};
