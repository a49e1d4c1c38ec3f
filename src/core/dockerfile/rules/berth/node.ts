/**
 * BT104: `npm install` / `npm ci` (and yarn, pnpm) in the final stage that keeps
 * devDependencies or the package manager's download cache in the image.
 */
import type { Instruction } from '../../model';
import type { ShellCommand } from '../../shell';
import type { Fix, Rule, RuleContext, RunCommand, TextEdit } from '../types';
import type { BuildState } from './common';
import { positionalArgs } from '../../shell';
import { appendToRun, chainFromRoot, homeOf, lineLabel, pathRelation, subcommandOf, walkChain } from './common';
import { cacheMountTargetsOf } from './mounts';
import { cleanupOf, cwdAfter } from './files';
import { joinAnd } from './text';
import { isNodeBuildCommand } from '../../multistage';
import { isDevelopmentStage } from './unusedStages';
import { usesProgram } from '../util';

type Tool = 'npm' | 'yarn' | 'pnpm';

interface NodeInstall {
  readonly tool: Tool;
  readonly cmd: RunCommand;
  /** The sub-command as written (`ci`, `install`, or absent for bare `yarn`). */
  readonly sub: string | undefined;
  readonly subEnd: number;
  readonly global: boolean;
}

const NPM_INSTALL = new Set(['install', 'i', 'ci', 'add', 'isntall', 'in', 'clean-install', 'install-clean', 'ic']);

function readInstall(cmd: RunCommand): NodeInstall | undefined {
  if (cmd.program === 'npm') {
    const sub = subcommandOf(cmd, ['--prefix', '-C', '--cache', '--registry', '--omit', '--include', '--workspace', '-w']);
    if (!sub || !NPM_INSTALL.has(sub.word.value)) return undefined;
    const global = cmd.args.some((a) => a.value === '-g' || a.value === '--global' || a.value === '--location=global');
    return { tool: 'npm', cmd, sub: sub.word.value, subEnd: sub.word.end, global };
  }
  if (cmd.program === 'yarn') {
    const sub = subcommandOf(cmd, ['--cwd', '--modules-folder', '--cache-folder', '--network-timeout', '--mutex']);
    if (sub?.word.value === 'global') return { tool: 'yarn', cmd, sub: 'global', subEnd: sub.word.end, global: true };
    if (sub && sub.word.value !== 'install') return undefined;
    return { tool: 'yarn', cmd, sub: sub?.word.value, subEnd: sub?.word.end ?? (cmd.words.find((w) => w.value === cmd.name)?.end ?? cmd.end), global: false };
  }
  if (cmd.program === 'pnpm') {
    const sub = subcommandOf(cmd, ['--dir', '-C', '--filter', '-F', '--store-dir']);
    if (!sub || !['install', 'i'].includes(sub.word.value)) return undefined;
    const global = cmd.args.some((a) => a.value === '-g' || a.value === '--global');
    return { tool: 'pnpm', cmd, sub: sub.word.value, subEnd: sub.word.end, global };
  }
  return undefined;
}

/** `npm install express`: installs named packages (the project's dev deps come along for npm). */
function namedPackages(install: NodeInstall): boolean {
  const sub = subcommandOf(install.cmd);
  if (!sub) return false;
  return positionalArgs(install.cmd, ['--prefix', '-C', '--cache', '--registry', '--omit', '--include', '--workspace', '-w'], sub.index + 1).length > 0;
}

function envSaysProduction(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.toLowerCase();
  if (name === 'NODE_ENV') return v === 'production';
  if (/^npm_config_production$/i.test(name)) return v === 'true' || v === '1';
  if (/^npm_config_omit$/i.test(name)) return v.split(/[\s,]+/).includes('dev');
  return false;
}

/** True when dev dependencies are left out by an option or the environment. */
function dropsDevDependencies(install: NodeInstall, state: BuildState, exported: ReadonlyMap<string, string>): boolean {
  const args = install.cmd.args.map((a) => a.value);
  const omitDev = args.some((v, k) => v === '--omit=dev' || (v === '--omit' && args[k + 1] === 'dev') || /^--only=prod(uction)?$/.test(v) || v === '--production' || v === '--prod' || (install.tool === 'pnpm' && v === '-P'));
  if (omitDev) return true;
  if (args.some((v) => v === '--production=false' || v === '--include=dev')) return false;
  for (const w of install.cmd.envPrefix) {
    const eq = w.value.indexOf('=');
    if (envSaysProduction(w.value.slice(0, eq), w.value.slice(eq + 1))) return true;
  }
  for (const [k, v] of exported) if (envSaysProduction(k, v)) return true;
  for (const [k, v] of state.vars) {
    // A NODE_ENV taken from a build argument without a default: the build sets it, assume production.
    if (k === 'NODE_ENV' && v === undefined) return true;
    if (envSaysProduction(k, v)) return true;
  }
  return false;
}

function cacheDirectories(tool: Tool, state: BuildState): string[] {
  const home = homeOf(state);
  if (tool === 'npm') return [state.vars.get('NPM_CONFIG_CACHE') ?? state.vars.get('npm_config_cache') ?? `${home}/.npm`];
  if (tool === 'yarn') return [state.vars.get('YARN_CACHE_FOLDER') ?? (home === '/root' ? '/usr/local/share/.cache/yarn' : `${home}/.cache/yarn`), `${home}/.yarn/berry/cache`, `${home}/.cache/yarn`];
  return [];
}

function prunesDev(cmd: ShellCommand): boolean {
  if (cmd.program === 'npm' && cmd.args[0]?.value === 'prune') return cmd.args.some((a) => a.value === '--production' || a.value === '--omit=dev' || a.value === '--omit');
  if (cmd.program === 'pnpm' && cmd.args[0]?.value === 'prune') return cmd.args.some((a) => a.value === '--prod');
  if (cmd.program === 'yarn') return cmd.args.some((a) => a.value === '--production') || (cmd.args[0]?.value === 'workspaces' && cmd.args.some((a) => a.value === 'focus'));
  return false;
}

function cacheCleaned(install: NodeInstall, later: readonly RunCommand[], state: BuildState, inst: Instruction, cwdOf: (c: RunCommand) => string | undefined): boolean {
  if (install.tool === 'pnpm') return true;
  const dirs = cacheDirectories(install.tool, state);
  const mounts = cacheMountTargetsOf(inst, state);
  if (mounts.some((m) => dirs.some((d) => d === m || d.startsWith(`${m}/`)) || m.endsWith('/.npm') || m.includes('yarn'))) return true;
  const args = install.cmd.args.map((a) => a.value);
  if (install.tool === 'npm' && args.includes('--cache')) return true;
  if (install.tool === 'yarn' && (args.some((a) => a.startsWith('--cache-folder')) || args.includes('--no-cache'))) return true;
  for (const cmd of later) {
    if (install.tool === 'yarn' && cmd.program === 'yarn' && cmd.args[0]?.value === 'cache' && cmd.args[1]?.value === 'clean') return true;
    const cleanup = cleanupOf(cmd, cwdOf(cmd), state);
    if (!cleanup) continue;
    if (cleanup.paths.some((p) => dirs.some((d) => pathRelation(p, d) === 'covers' || pathRelation(p, `${d}/*`) === 'covers'))) return true;
    if (cleanup.unresolved.some((u) => /\.npm|yarn|cache/.test(u))) return true;
  }
  return false;
}

function insertAfterCommand(ctx: RuleContext, inst: Instruction, cmd: RunCommand, text: string): TextEdit | undefined {
  if (cmd.heredoc === -1) return undefined;
  if (cmd.heredoc === undefined && cmd.after === undefined) return appendToRun(ctx.df, inst, text);
  if (cmd.heredoc === undefined && cmd.after === '&&') return { range: ctx.commandRange(inst, cmd, cmd.end, cmd.end), newText: ` && ${text}` };
  if (cmd.heredoc !== undefined && (cmd.after === '\n' || cmd.after === undefined)) return { range: ctx.commandRange(inst, cmd, cmd.end, cmd.end), newText: ` && ${text}` };
  return undefined;
}

function cleanCommand(tool: Tool): string {
  return tool === 'npm' ? 'npm cache clean --force' : 'yarn cache clean';
}

export const BT104: Rule = {
  code: 'BT104',
  family: 'berth',
  severity: 'warning',
  title: 'Install production dependencies only, and drop the package cache, in the final stage',
  doc: {
    why: 'A plain `npm ci` or `npm install` installs devDependencies (test runners, bundlers, type checkers: often a large share of node_modules) and keeps every downloaded tarball in ~/.npm. In the final image both are dead weight and extra attack surface. Install with `--omit=dev` (or NODE_ENV=production) and clean the cache in the same RUN, or use a BuildKit cache mount so the cache never reaches the layer.',
    bad: [
      'FROM node:22-slim',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci',
      'COPY . .',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
    good: [
      'FROM node:22-slim',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev && npm cache clean --force',
      'COPY . .',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
    deviation: 'A `npm prune --omit=dev` in a later RUN does not count: the dev dependencies are already stored in the layer of the install.',
  },
  check(ctx) {
    const final = ctx.finalStage;
    if (!final || isDevelopmentStage(final) || !usesProgram(ctx, 'npm', 'yarn', 'pnpm')) return;
    const steps = walkChain(ctx.df, chainFromRoot(ctx.df, final));
    const finalSteps = steps.filter((s) => s.inst.stageIndex === final.index && s.inst.keyword === 'RUN');
    // The first build command at or after each RUN, computed backwards once.
    const nextBuild: ({ cmd: RunCommand; inst: Instruction } | undefined)[] = new Array<{ cmd: RunCommand; inst: Instruction } | undefined>(finalSteps.length + 1);
    for (let k = finalSteps.length - 1; k >= 0; k--) {
      const inst = (finalSteps[k] as { inst: Instruction }).inst;
      const found = ctx.commands(inst).find(isNodeBuildCommand);
      nextBuild[k] = found ? { cmd: found, inst } : nextBuild[k + 1];
    }
    const buildLater = (from: number): { cmd: RunCommand; inst: Instruction } | undefined => nextBuild[from];
    finalSteps.forEach(({ inst, state }, stepIndex) => {
      const commands = ctx.commands(inst);
      const cwds = new Map<RunCommand, string | undefined>();
      let cwd: string | undefined = state.workdir;
      for (const c of commands) { cwds.set(c, cwd); cwd = cwdAfter(c, cwd, state); }
      const exported = new Map<string, string>();
      commands.forEach((cmd, k) => {
        if (cmd.program === 'export') {
          for (const a of cmd.args) { const eq = a.value.indexOf('='); if (eq > 0) exported.set(a.value.slice(0, eq), a.value.slice(eq + 1)); }
        }
        const install = readInstall(cmd);
        if (!install) return;
        const later = commands.slice(k + 1);
        // `npm install some-tool` may run where there is no package.json: only a project install is sure to pull devDependencies.
        const devKept = !install.global && !namedPackages(install) && !dropsDevDependencies(install, state, exported) && !later.some(prunesDev);
        const cacheKept = !cacheCleaned(install, later, state, inst, (c) => cwds.get(c));
        if (!devKept && !cacheKept) return;
        const sameRun = devKept ? commands.slice(k + 1).find(isNodeBuildCommand) : undefined;
        const build = devKept ? (sameRun ? { cmd: sameRun, inst } : buildLater(stepIndex + 1)) : undefined;
        const problems: string[] = [];
        if (devKept) problems.push('devDependencies');
        if (cacheKept) problems.push(install.tool === 'npm' ? "npm's download cache (~/.npm)" : "yarn's download cache");
        const name = `${install.tool}${install.sub !== undefined ? ` ${install.sub}` : ''}`;
        const advice: string[] = [];
        if (devKept) {
          if (build) advice.push(`the build on ${lineLabel(build.inst)} needs them, so build in an earlier stage and install here with ${install.tool === 'npm' ? '--omit=dev' : '--production'}`);
          else advice.push(install.tool === 'npm' ? 'add --omit=dev (or set NODE_ENV=production)' : install.tool === 'pnpm' ? 'add --prod' : 'add --production (Yarn 1) or use `yarn workspaces focus --production` (Yarn 2+)');
        }
        if (cacheKept) advice.push(`run \`${cleanCommand(install.tool)}\` in the same RUN or use a cache mount`);
        const fixes: Fix[] = [];
        if (devKept && !build && install.tool !== 'yarn') {
          const flag = install.tool === 'npm' ? ' --omit=dev' : ' --prod';
          if (install.cmd.heredoc !== -1) {
            const at = ctx.commandRange(inst, cmd, install.subEnd, install.subEnd);
            fixes.push({ title: `Install production dependencies only (${flag.trim()})`, edits: [{ range: at, newText: flag }], preferred: true });
          }
        }
        if (cacheKept) {
          const edit = insertAfterCommand(ctx, inst, cmd, cleanCommand(install.tool));
          if (edit) fixes.push({ title: `Clean the ${install.tool} cache in the same RUN`, edits: [edit], preferred: fixes.length === 0 });
        }
        ctx.report(
          ctx.commandRange(inst, cmd),
          `\`${name}\` in the final stage keeps ${joinAnd(problems)} in the image: ${advice.join('; ')}.`,
          fixes,
        );
      });
    });
  },
};
