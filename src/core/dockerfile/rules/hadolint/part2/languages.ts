/**
 * hadolint's rules for language package managers in this range: pip's cache (DL3042),
 * yarn's cache (DL3060) and unpinned `go install` (DL3062).
 */
import type { Dockerfile, Instruction } from '../../../model';
import type { ShellWord } from '../../../shell';
import { positionalArgs } from '../../../shell';
import type { Rule, RunCommand } from '../../types';
import { effective, stageOf, usesProgram, usesProgramWhere, withOnbuild } from '../../util';
import { appendCommandFix, insertAfterWordFix, lastIndex, shipsAsImage } from './common';
import { stageChain } from '../../../stages';
import { throwawayMountCoversFragment, throwawayMountTargets } from '../../../mounts';
import { keyValuesOf } from '../../../args';

const TRUTHY = /^(1|true|on|yes)$/i;

/** `pip install`, `pip3 install`, `python3 -m pip install`; not the pipx and pipenv wrappers. Returns the `install` word. */
export function pipInstallWord(cmd: RunCommand): ShellWord | undefined {
  const program = cmd.program;
  if (program.includes('pipx') || program.includes('pipenv')) return undefined;
  if (program.startsWith('pip')) return cmd.args.find((a) => a.value === 'install');
  if (program.startsWith('python')) {
    const values = cmd.args.map((a) => a.value);
    for (let k = 0; k + 2 < values.length; k++) {
      if (values[k] === '-m' && values[k + 1] === 'pip' && values[k + 2] === 'install') return cmd.args[k + 2];
    }
  }
  return undefined;
}

/** The last value an ENV in the stage chain gave `name` before `inst`, if any. */
function envValueBefore(df: Dockerfile, inst: Instruction, name: string): string | undefined {
  const stage = stageOf(df.stages, inst);
  if (!stage) return undefined;
  // Walk from the oldest base stage to the current one so later ENVs win.
  const chain = stageChain(df.stages, stage).reverse();
  let value: string | undefined;
  for (const s of chain) {
    for (const other of s.instructions) {
      if (s === stage && other.index >= inst.index) break;
      if (other.keyword !== 'ENV') continue;
      for (const kv of keyValuesOf(other)) if (kv.key === name) value = kv.value ?? '';
    }
  }
  return value;
}

/** The script of a RUN as one text: arguments and heredoc bodies. */
function scriptText(target: Instruction): string {
  return [target.json ? target.json.join(' ') : target.args, ...target.heredocs.map((h) => h.content)].join('\n');
}

export const DL3042: Rule = {
  code: 'DL3042',
  family: 'hadolint',
  severity: 'warning',
  title: 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`',
  doc: {
    why: 'pip keeps every downloaded wheel in ~/.cache/pip. In an image nobody reuses that cache, yet it ships in the layer: often as large as the installed packages themselves.',
    bad: 'FROM python:3.12-slim\nRUN pip install flask==3.0.3\n',
    good: 'FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n',
    deviation: 'A BuildKit cache or tmpfs mount on the pip cache (`--mount=type=cache,target=/root/.cache/pip`) counts like `--no-cache-dir`: the cache then speeds up rebuilds and still never reaches the layer. hadolint reports such RUNs (hadolint issue #497).',
  },
  check(ctx) {
    if (!usesProgramWhere(ctx, (program) => program.startsWith('pip') || program.startsWith('python'))) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      const installs = ctx.commands(inst)
        .map((cmd) => ({ cmd, install: pipInstallWord(cmd) }))
        .filter((x): x is { cmd: RunCommand; install: ShellWord } => x.install !== undefined && !x.cmd.args.some((a) => a.value === '--no-cache-dir'));
      if (installs.length === 0) continue;
      if (throwawayMountCoversFragment(inst, ['.cache/pip'])) continue;
      if (/PIP_NO_CACHE_DIR=["']?(1|true|on|yes)\b/i.test(scriptText(effective(inst)))) continue;
      const fromEnv = envValueBefore(ctx.df, inst, 'PIP_NO_CACHE_DIR');
      if (fromEnv !== undefined && TRUTHY.test(fromEnv)) continue;
      for (const { cmd, install } of installs) {
        ctx.report(ctx.commandRange(inst, cmd), 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`',
          insertAfterWordFix(ctx, inst, cmd, install, 'Add --no-cache-dir to pip install', ' --no-cache-dir'));
      }
    }
  },
};

const isYarnInstall = (cmd: RunCommand): boolean => cmd.program === 'yarn' && cmd.args.some((a) => a.value === 'install');
const isYarnCacheClean = (cmd: RunCommand): boolean =>
  cmd.program === 'yarn' && cmd.args.some((a) => a.value === 'cache') && cmd.args.some((a) => a.value === 'clean');

/** `--cache-folder <dir>` / `--cache-folder=<dir>` of a yarn command, and YARN_CACHE_FOLDER set in front of it. */
function yarnCacheFolders(cmd: RunCommand): string[] {
  const out: string[] = [];
  cmd.args.forEach((a, k) => {
    if (a.value === '--cache-folder') { const next = cmd.args[k + 1]; if (next) out.push(next.value); }
    else if (a.value.startsWith('--cache-folder=')) out.push(a.value.slice('--cache-folder='.length));
  });
  for (const env of cmd.envPrefix) if (env.value.startsWith('YARN_CACHE_FOLDER=')) out.push(env.value.slice('YARN_CACHE_FOLDER='.length));
  return out.map((p) => p.replace(/\/+$/, ''));
}

export const DL3060: Rule = {
  code: 'DL3060',
  family: 'hadolint',
  severity: 'info',
  title: '`yarn cache clean` missing after `yarn install` was run.',
  doc: {
    why: 'yarn keeps a copy of every package tarball in its global cache. In an image that cache is dead weight, often larger than node_modules, unless the same RUN cleans it or mounts a cache there.',
    bad: 'FROM node:22-slim\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n',
    good: 'FROM node:22-slim\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile && yarn cache clean\n',
    deviation: 'The clean must come after the last `yarn install` of the RUN. A cache mount counts only when it covers the yarn cache (a target containing "yarn", or the `--cache-folder`/YARN_CACHE_FOLDER of the install); hadolint accepts a cache mount on any directory. Like hadolint, stages only read by `COPY --from` are not reported: their cache never ships.',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'yarn')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      const stage = stageOf(ctx.df.stages, inst);
      if (stage && !shipsAsImage(stage)) continue;
      const cmds = ctx.commands(inst);
      const lastInstall = lastIndex(cmds, isYarnInstall);
      if (lastInstall < 0) continue;
      if (lastIndex(cmds, isYarnCacheClean) > lastInstall) continue;
      const install = cmds[lastInstall] as RunCommand;
      const folders = yarnCacheFolders(install);
      if (throwawayMountTargets(inst).some((t) => t.toLowerCase().includes('yarn') || folders.includes(t))) continue;
      ctx.report(ctx.commandRange(inst, install), '`yarn cache clean` missing after `yarn install` was run.',
        appendCommandFix(inst, 'Add `yarn cache clean` at the end of the RUN', `${install.sudo ? 'sudo ' : ''}yarn cache clean`));
    }
  },
};

/** go build flags that take their value as the next word. */
const GO_VALUE_FLAGS = new Set([
  '-o', '-C', '-p', '-tags', '-ldflags', '-gcflags', '-asmflags', '-gccgoflags', '-mod', '-modfile', '-overlay', '-pgo', '-pkgdir',
  '-toolexec', '-exec', '-buildmode', '-compiler', '-installsuffix', '-coverpkg', '-covermode',
]);

/** Versions that move: `@latest`, `@upgrade`, `@patch`, branch heads. `@none` removes a module. */
const FLOATING_GO_VERSIONS = new Set(['latest', 'upgrade', 'patch', 'none', 'master', 'main', 'head']);

/** A local package, a file or a directory: nothing is fetched, so there is nothing to pin. */
function isLocalGoPath(pkg: string): boolean {
  return pkg.startsWith('.') || pkg.startsWith('/') || pkg.endsWith('.go');
}

export function goPackagePinned(pkg: string): boolean {
  if (isLocalGoPath(pkg)) return true;
  const at = pkg.lastIndexOf('@');
  if (at < 0) return false;
  return !FLOATING_GO_VERSIONS.has(pkg.slice(at + 1).toLowerCase());
}

/** The package arguments of `go install|get|run`: all of them for install/get, the first for run (the rest are the program's). */
export function goPackages(cmd: RunCommand): ShellWord[] {
  if (cmd.program !== 'go') return [];
  const words = positionalArgs(cmd, [...GO_VALUE_FLAGS]);
  const sub = words[0]?.value;
  if (sub === 'run') {
    // Flags after the package belong to the program, so only the first positional counts.
    const pkg = words[1];
    return pkg ? [pkg] : [];
  }
  if (sub === 'install' || sub === 'get') return words.slice(1).filter((w) => w.value !== 'tool');
  return [];
}

export const DL3062: Rule = {
  code: 'DL3062',
  family: 'hadolint',
  severity: 'warning',
  title: 'Pin versions in go. Instead of `go install <package>` use `go install <package>@<version>`',
  doc: {
    why: 'Without `@version`, `go install` and `go run` fetch whatever the module proxy serves as latest on the day of the build: builds stop being repeatable and a compromised release flows straight into the image.',
    bad: 'FROM golang:1.23\nRUN go install golang.org/x/tools/gopls\n',
    good: 'FROM golang:1.23\nRUN go install golang.org/x/tools/gopls@v0.16.2\n',
    deviation: 'Each go command is checked on its own (hadolint skips `go install` packages when the same RUN also has a `go run`). `@upgrade`, `@patch`, `@master`, `@main` and `@HEAD` float like `@latest`; `.go` files are local like `./...`; values of flags such as `-tags <list>` are not taken for packages.',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'go')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      for (const cmd of ctx.commands(inst)) {
        if (goPackages(cmd).some((w) => !goPackagePinned(w.value))) {
          ctx.report(ctx.commandRange(inst, cmd), 'Pin versions in go. Instead of `go install <package>` use `go install <package>@<version>`');
        }
      }
    }
  },
};

export const languageRules: readonly Rule[] = [DL3042, DL3060, DL3062];
