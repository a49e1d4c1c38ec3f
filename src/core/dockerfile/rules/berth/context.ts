/**
 * Rules about the build context: BT106 (`COPY .` with no `.dockerignore`) and BT203
 * (the whole context copied before dependencies are installed).
 */
import type { Instruction } from '../../model';
import type { ShellCommand } from '../../shell';
import type { Rule } from '../types';
import { argsRange } from '../util';
import { positionalArgs } from '../../shell';
import { lineLabel, pipInvocation, subcommandOf } from './common';
import { copiesWholeContext } from './copies';
import { joinAnd } from './text';
import { copyPathsOf } from '../../args';
import { unquote } from '../../variables';

export const BT106: Rule = {
  code: 'BT106',
  family: 'berth',
  severity: 'warning',
  title: 'Add a .dockerignore when copying the whole build context',
  doc: {
    why: 'Without a .dockerignore, `COPY . .` sends and copies everything next to the Dockerfile: .git (often the largest directory), node_modules and virtualenvs built for another OS, build output, local .env files and keys. The image grows, every edit anywhere invalidates the layer cache, and secrets end up in a layer that anyone who pulls the image can read.',
    bad: [
      'FROM node:22-slim',
      'WORKDIR /app',
      'COPY . .',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
    good: [
      'FROM node:22-slim',
      'WORKDIR /app',
      'COPY package.json package-lock.json server.js ./',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
    context: { dockerignore: undefined },
  },
  check(ctx) {
    const buildContext = ctx.options.buildContext;
    if (buildContext === undefined || buildContext.dockerignore !== undefined) return;
    for (const stage of ctx.df.stages) {
      // Whether a COPY takes the whole context depends on its sources only, not on the state before it.
      for (const inst of stage.instructions) {
        if (!copiesWholeContext(inst)) continue;
        const source = copyPathsOf(inst).sources.map(unquote).find((s) => ['.', './', '*', './*', '/'].includes(s)) ?? '.';
        ctx.report(
          argsRange(inst),
          `${inst.keyword === 'ADD' ? 'ADD' : 'COPY'} ${source} copies the whole build context and there is no .dockerignore: .git, node_modules, build output and local secrets (.env, keys) go into the image and every change busts the cache. Add a .dockerignore next to the Dockerfile.`,
        );
      }
    }
  },
};

interface DependencyInstall {
  /** `npm ci`, `pip install -r requirements.txt`. */
  readonly label: string;
  /** Files to copy first: `package.json`, `package-lock.json`. */
  readonly manifests: readonly string[];
}

/** Commands that install a project's dependencies from its manifest, and the manifest they read. */
export function dependencyInstall(cmd: ShellCommand): DependencyInstall | undefined {
  const p = cmd.program;
  if (p === 'npm') {
    const sub = subcommandOf(cmd, ['--prefix', '-C', '--cache', '--registry', '--omit', '--include', '-w', '--workspace']);
    if (!sub || !['install', 'i', 'ci', 'clean-install', 'ic'].includes(sub.word.value)) return undefined;
    if (cmd.args.some((a) => a.value === '-g' || a.value === '--global')) return undefined;
    if (positionalArgs(cmd, ['--prefix', '-C', '--cache', '--registry', '--omit', '--include', '-w', '--workspace'], sub.index + 1).length > 0) return undefined;
    return { label: `npm ${sub.word.value}`, manifests: ['package.json', 'package-lock.json'] };
  }
  if (p === 'yarn') {
    const sub = subcommandOf(cmd, ['--cwd', '--modules-folder', '--cache-folder', '--network-timeout', '--mutex']);
    if (sub && sub.word.value !== 'install') return undefined;
    return { label: sub ? 'yarn install' : 'yarn', manifests: ['package.json', 'yarn.lock'] };
  }
  if (p === 'pnpm') {
    const sub = subcommandOf(cmd, ['--dir', '-C', '--filter', '-F', '--store-dir']);
    if (!sub || !['install', 'i'].includes(sub.word.value)) return undefined;
    if (positionalArgs(cmd, ['--dir', '-C', '--filter', '-F', '--store-dir'], sub.index + 1).length > 0) return undefined;
    return { label: 'pnpm install', manifests: ['package.json', 'pnpm-lock.yaml'] };
  }
  const pip = pipInvocation(cmd);
  if (pip) {
    const values = pip.args.map((a) => a.value);
    if (!values.includes('install')) return undefined;
    const files: string[] = [];
    values.forEach((v, k) => {
      if ((v === '-r' || v === '--requirement' || v === '-c' || v === '--constraint') && values[k + 1] !== undefined) files.push(values[k + 1] as string);
      else if (v.startsWith('--requirement=')) files.push(v.slice(14));
      else if (/^-r\S/.test(v)) files.push(v.slice(2));
    });
    if (files.length === 0) return undefined;
    return { label: `pip install -r ${files[0] ?? ''}`, manifests: files };
  }
  if (p === 'pipenv' && cmd.args[0]?.value === 'install') return { label: 'pipenv install', manifests: ['Pipfile', 'Pipfile.lock'] };
  if (p === 'poetry' && cmd.args.some((a) => a.value === 'install')) return { label: 'poetry install', manifests: ['pyproject.toml', 'poetry.lock'] };
  if (p === 'uv' && cmd.args[0]?.value === 'sync') return { label: 'uv sync', manifests: ['pyproject.toml', 'uv.lock'] };
  if (p === 'go' && cmd.args[0]?.value === 'mod' && cmd.args[1]?.value === 'download') return { label: 'go mod download', manifests: ['go.mod', 'go.sum'] };
  if (p === 'bundle' && (cmd.args[0]?.value === 'install' || cmd.args.length === 0)) return { label: 'bundle install', manifests: ['Gemfile', 'Gemfile.lock'] };
  if ((p === 'mvn' || p === 'mvnw') && cmd.args.some((a) => /^(dependency:(go-offline|resolve|resolve-plugins)|de\.qaware\.maven:go-offline-maven-plugin)/.test(a.value))) return { label: 'mvn dependency:go-offline', manifests: ['pom.xml'] };
  if (p === 'cargo' && cmd.args[0]?.value === 'fetch') return { label: 'cargo fetch', manifests: ['Cargo.toml', 'Cargo.lock'] };
  if (p === 'composer' && cmd.args.some((a) => a.value === 'install')) return { label: 'composer install', manifests: ['composer.json', 'composer.lock'] };
  return undefined;
}

export const BT203: Rule = {
  code: 'BT203',
  family: 'berth',
  severity: 'warning',
  title: 'Copy the dependency manifest and install before copying the whole context',
  doc: {
    why: 'Docker reuses a cached layer only while everything before it is unchanged. When `COPY . .` comes before the dependency install, editing any source file invalidates the copy and therefore the install: every build downloads and installs every dependency again. Copy only the manifest (package.json and its lock file, requirements.txt, go.mod and go.sum, ...) first, install, then copy the rest.',
    bad: [
      'FROM python:3.12-slim',
      'WORKDIR /app',
      'COPY . .',
      'RUN pip install --no-cache-dir -r requirements.txt',
      'CMD ["python", "app.py"]',
      '',
    ].join('\n'),
    good: [
      'FROM python:3.12-slim',
      'WORKDIR /app',
      'COPY requirements.txt .',
      'RUN pip install --no-cache-dir -r requirements.txt',
      'COPY . .',
      'CMD ["python", "app.py"]',
      '',
    ].join('\n'),
  },
  check(ctx) {
    // The first whole-context copy of each stage's chain, so far (a stage built FROM another inherits it).
    const copyAtEnd = new Map<number, Instruction | undefined>();
    for (const stage of ctx.df.stages) {
      let wholeCopy: Instruction | undefined = stage.baseStage !== undefined ? copyAtEnd.get(stage.baseStage) : undefined;
      for (const inst of stage.instructions) {
        if (inst.keyword === 'COPY' || inst.keyword === 'ADD') {
          if (copiesWholeContext(inst)) wholeCopy ??= inst;
          continue;
        }
        if (inst.keyword !== 'RUN' || !wholeCopy) continue;
        const seen = new Set<string>();
        for (const cmd of ctx.commands(inst)) {
          const install = dependencyInstall(cmd);
          if (!install || seen.has(install.label)) continue;
          seen.add(install.label);
          ctx.report(
            ctx.commandRange(inst, cmd),
            `\`${install.label}\` runs after ${wholeCopy.keyword} on ${lineLabel(wholeCopy)} copied the whole context, so any source change reinstalls every dependency. Copy ${joinAnd(install.manifests)} first, install, then copy the rest.`,
          );
        }
      }
      copyAtEnd.set(stage.index, wholeCopy);
    }
  },
};
