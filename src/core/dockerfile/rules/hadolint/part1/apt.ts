/** hadolint rules about apt-get and apt: pinning, prompts, recommends, list cleanup. */
import type { Instruction, Position } from '../../../model';
import { argRange } from '../../../positions';
import type { ShellCommand } from '../../../shell';
import type { Fix, Rule, RuleContext, RunCommand } from '../../types';
import { commandsOf, effective, usesProgram } from '../../util';
import { positionalArgs } from '../../../shell';
import { argWord, fixOf, insertAfter, isDynamic, nameWord, optionNames, replaceWord } from './util';
import { pathCovers, throwawayMountCovers } from '../../../mounts';

/** apt-get options that take the next word as their value. */
const APT_VALUE_OPTIONS = ['-o', '--option', '-c', '--config-file', '-t', '--target-release', '-a', '--host-architecture'];

/** The `install` word of an `apt-get install` command, or undefined. */
function aptGetInstall(cmd: ShellCommand): ShellCommand['args'][number] | undefined {
  if (cmd.program !== 'apt-get') return undefined;
  const first = positionalArgs(cmd, APT_VALUE_OPTIONS)[0];
  return first?.value === 'install' ? first : undefined;
}

/** Every `apt-get install` of the file's RUN instructions (ONBUILD RUN included). */
function aptGetInstalls(ctx: RuleContext): { inst: Instruction; cmd: RunCommand; install: ShellCommand['args'][number] }[] {
  const out: { inst: Instruction; cmd: RunCommand; install: ShellCommand['args'][number] }[] = [];
  for (const { inst, cmd } of commandsOf(ctx, 'apt-get')) {
    const install = aptGetInstall(cmd);
    if (install) out.push({ inst, cmd, install });
  }
  return out;
}

export const DL3008: Rule = {
  code: 'DL3008',
  family: 'hadolint',
  severity: 'warning',
  title: 'Pin versions in apt-get install',
  doc: {
    why: 'Unpinned packages make the image depend on the day it was built: a rebuild can pull a new major version, change the image size, or break. `package=version` makes the build repeatable and the cache key honest.',
    bad: 'FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n',
    good: 'FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 && rm -rf /var/lib/apt/lists/*\n',
    deviation: 'Package words that hold a variable (`$PACKAGES`) are not reported, their content is unknown; the values of `-o`, `-c`, `-a` are not taken for package names.',
  },
  check(ctx) {
    for (const { inst, cmd } of aptGetInstalls(ctx)) {
      const packages = positionalArgs(cmd, APT_VALUE_OPTIONS).slice(1).filter((w) => !isDynamic(w.value));
      const unpinned = packages.filter((w) => !w.value.includes('=') && !w.value.includes('/') && !w.value.endsWith('.deb'));
      if (unpinned.length > 0) {
        ctx.report(
          ctx.commandRange(inst, cmd),
          'Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`',
        );
      }
    }
  },
};

function isAptUpdate(cmd: ShellCommand): boolean {
  return (cmd.program === 'apt-get' || cmd.program === 'apt') && positionalArgs(cmd, APT_VALUE_OPTIONS)[0]?.value === 'update';
}

const APT_LISTS = '/var/lib/apt/lists';

/** `rm -rf /var/lib/apt/lists/*` (or the folder, or a parent) and `apt-get dist-clean` delete the lists. */
function removesAptLists(cmd: ShellCommand): boolean {
  if ((cmd.program === 'apt-get' || cmd.program === 'apt') && positionalArgs(cmd, APT_VALUE_OPTIONS)[0]?.value === 'dist-clean') return true;
  if (cmd.program !== 'rm') return false;
  return positionalArgs(cmd).some((w) => pathCovers(w.value.replace(/\/\*$/, ''), APT_LISTS));
}

/** Where ` && rm -rf ...` goes: after the RUN's last command, or as a new last line of its heredoc. */
function cleanupFix(ctx: RuleContext, inst: Instruction, commands: readonly RunCommand[]): Fix[] {
  const target = effective(inst);
  const inArgs = commands.filter((c) => c.heredoc === undefined);
  const last = inArgs[inArgs.length - 1];
  if (target.json) return [];
  if (target.heredocs.length === 0) {
    // Only when the script ends with that command: after `fi`, `)` or a comment the text would land in the wrong place.
    if (!last || target.args.slice(last.end).trim() !== '') return [];
    const at = argRange(target, last.end, 0).start;
    return fixOf('Delete the apt lists in the same RUN', { range: { start: at, end: at }, newText: ' && rm -rf /var/lib/apt/lists/*' });
  }
  const heredoc = target.heredocs[0];
  if (inArgs.length > 0 || target.heredocs.length !== 1 || !heredoc?.terminated || !/^<<-?\s*["']?[\w.-]+["']?$/.test(target.args.trim())) return [];
  const bodyLines = heredoc.content.split('\n');
  const line = heredoc.contentStartLine + bodyLines.length - 1;
  const at: Position = { line, col: (ctx.df.lines[line] ?? '').length };
  const indent = /^\s*/.exec(bodyLines[bodyLines.length - 1] ?? '')?.[0] ?? '';
  return fixOf('Delete the apt lists in the same RUN', { range: { start: at, end: at }, newText: `\n${indent}rm -rf /var/lib/apt/lists/*` });
}

export const DL3009: Rule = {
  code: 'DL3009',
  family: 'hadolint',
  severity: 'info',
  title: 'Delete the apt lists in the RUN that downloads them',
  doc: {
    why: '`apt-get update` downloads package lists (tens of MB) into /var/lib/apt/lists; unless the same RUN deletes them they stay in the layer forever, and deleting them in a later RUN saves nothing.',
    bad: 'FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n',
    good: 'FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 && rm -rf /var/lib/apt/lists/*\n',
    deviation: 'Accepted as cleanup, besides `rm -rf /var/lib/apt/lists/*`: `apt-get dist-clean` (apt 2.7+), and a BuildKit cache or tmpfs mount on /var/lib/apt/lists or a parent of it (hadolint asks for /var/cache/apt too, which holds no lists). Unlike hadolint, `rm -rf` of an unrelated path does not count, and `apt update` is checked like `apt-get update`. A mount on /var/cache/apt alone does not count: the lists still land in the layer.',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'apt-get', 'apt')) return;
    const check = (inst: Instruction): void => {
      const commands = ctx.commands(inst);
      const update = commands.find(isAptUpdate);
      if (!update || throwawayMountCovers(inst, APT_LISTS)) return;
      // Deleting the lists before the update leaves the fresh ones in the layer.
      const at = commands.indexOf(update);
      if (commands.some((c, k) => k > at && removesAptLists(c))) return;
      ctx.report(ctx.commandRange(inst, update), 'Delete the apt-get lists after installing something', cleanupFix(ctx, inst, commands));
    };
    for (const stage of ctx.df.stages) {
      // As in hadolint, only stages that end up in an image: the final one and bases of other stages.
      if (!stage.isFinal && !stage.usedBy.some((u) => u.via === 'FROM')) continue;
      for (const inst of stage.instructions) if (inst.keyword === 'RUN') check(inst);
    }
    for (const inst of ctx.df.instructions) if (inst.onbuild?.keyword === 'RUN') check(inst);
  },
};

function countOf(values: readonly string[], value: string): number {
  return values.filter((v) => v === value).length;
}

export const DL3014: Rule = {
  code: 'DL3014',
  family: 'hadolint',
  severity: 'warning',
  title: 'Answer apt-get install prompts with -y',
  doc: {
    why: 'Without `-y`, apt-get asks for confirmation; a build has no one to answer, so it aborts (or hangs) as soon as the install needs extra packages.',
    bad: 'FROM debian:12-slim\nRUN apt-get install --no-install-recommends curl=7.88.1-10+deb12u8\n',
    good: 'FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n',
    deviation: '`-o APT::Get::Assume-Yes=true` is accepted, and so is any quiet level of 2 or more (`-qqq`).',
  },
  check(ctx) {
    for (const { inst, cmd, install } of aptGetInstalls(ctx)) {
      const names = optionNames(cmd);
      const yes = names.includes('y') || names.includes('yes') || names.includes('assume-yes')
        || countOf(names, 'q') + countOf(names, 'quiet') >= 2
        || cmd.args.some((a) => /^(?:-q|--quiet)=[2-9]$/.test(a.value) || /APT::Get::Assume-Yes=(?:true|yes|1)/i.test(a.value));
      if (yes) continue;
      ctx.report(
        ctx.commandRange(inst, cmd),
        'Use the `-y` switch to avoid manual input `apt-get -y install <package>`',
        fixOf('Add -y', insertAfter(ctx, inst, cmd, install, ' -y')),
      );
    }
  },
};

export const DL3015: Rule = {
  code: 'DL3015',
  family: 'hadolint',
  severity: 'info',
  title: 'Use --no-install-recommends',
  doc: {
    why: 'Recommended packages are installed by default and often double an image\'s size (documentation, X libraries, extra tools) for nothing the application needs.',
    bad: 'FROM debian:12-slim\nRUN apt-get install -y curl=7.88.1-10+deb12u8\n',
    good: 'FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n',
    deviation: '`-o APT::Install-Recommends=0` (and `=no`/`=off`) is accepted like `=false`.',
  },
  check(ctx) {
    for (const { inst, cmd, install } of aptGetInstalls(ctx)) {
      const disabled = optionNames(cmd).includes('no-install-recommends')
        || cmd.args.some((a) => /APT::Install-Recommends=(?:false|0|no|off)\b/i.test(a.value));
      if (disabled) continue;
      ctx.report(
        ctx.commandRange(inst, cmd),
        'Avoid additional packages by specifying `--no-install-recommends`',
        fixOf('Add --no-install-recommends', insertAfter(ctx, inst, cmd, install, ' --no-install-recommends')),
      );
    }
  },
};

/** apt sub-commands that apt-get has too: only those can switch tool without a rewrite. */
const APT_GET_SUBCOMMANDS = new Set(['install', 'remove', 'purge', 'update', 'upgrade', 'dist-upgrade', 'autoremove', 'autoclean', 'clean', 'source', 'build-dep', 'download', 'check', 'changelog', 'satisfy', 'dist-clean']);

export const DL3027: Rule = {
  code: 'DL3027',
  family: 'hadolint',
  severity: 'warning',
  title: 'Use apt-get or apt-cache, not apt',
  doc: {
    why: 'apt is meant for people at a terminal: its output and behaviour may change between releases and it warns that its CLI is not stable for scripts. apt-get and apt-cache are the stable interfaces.',
    bad: 'FROM debian:12-slim\nRUN apt install -y curl\n',
    good: 'FROM debian:12-slim\nRUN apt-get install -y curl\n',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'apt')) {
      const word = nameWord(cmd);
      const sub = argWord(cmd, ...APT_GET_SUBCOMMANDS);
      const first = positionalArgs(cmd, APT_VALUE_OPTIONS)[0];
      const canSwitch = word && word.raw === word.value && sub !== undefined && sub === first;
      ctx.report(
        ctx.commandRange(inst, cmd),
        'Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead',
        canSwitch ? fixOf('Use apt-get', replaceWord(ctx, inst, cmd, word, `${word.value}-get`)) : [],
      );
    }
  },
};
