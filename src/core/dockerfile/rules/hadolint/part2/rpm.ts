/**
 * hadolint's rules for the RPM package managers: zypper (DL3035-DL3037) and dnf/microdnf
 * (DL3038, DL3040, DL3041). DL3039 ("Do not use dnf update") was retired by hadolint.
 */
import type { ShellWord } from '../../../shell';
import { hasOption } from '../../../shell';
import type { Rule, RunCommand } from '../../types';
import { usesProgram, withOnbuild } from '../../util';
import { appendCommandFix, findArg, hasAnyArg, insertAfterWordFix, lastIndex, referencedVariables, removesDir } from './common';
import { namesDefinedBefore } from './definitions';
import { throwawayMountCoversFragment } from '../../../mounts';

const ZYPPER = ['zypper'];
const DNF = ['dnf', 'microdnf'];
const ZYPPER_CACHE = ['/var/cache/zypp'];
/** dnf 4 keeps its cache in /var/cache/dnf, dnf 5 in /var/cache/libdnf5, microdnf and yum in /var/cache/yum. */
const DNF_CACHE = ['/var/cache/dnf', '/var/cache/libdnf5', '/var/cache/yum'];

const isZypperInstall = (cmd: RunCommand): boolean => hasAnyArg(cmd, ZYPPER, ['install', 'in']);

/** The words after the sub-command, without options and their values. */
function packagesAfter(cmd: RunCommand, subcommand: ShellWord, optionsWithValue: ReadonlySet<string>): ShellWord[] {
  const out: ShellWord[] = [];
  const start = cmd.args.indexOf(subcommand) + 1;
  for (let k = start; k < cmd.args.length; k++) {
    const word = cmd.args[k] as ShellWord;
    if (word.value === '--') continue;
    if (word.value.startsWith('-')) {
      if (optionsWithValue.has(word.value)) k++;
      continue;
    }
    out.push(word);
  }
  return out;
}

export const DL3035: Rule = {
  code: 'DL3035',
  family: 'hadolint',
  severity: 'warning',
  title: 'Do not use `zypper dist-upgrade`.',
  doc: {
    why: 'A distribution upgrade inside an image swaps the base distribution for whatever is newest on the day of the build: the image stops matching its FROM line, grows by a full set of replaced packages, and two builds of the same file differ. Pick a newer base image instead.',
    bad: 'FROM opensuse/leap:15.6\nRUN zypper --non-interactive dist-upgrade\n',
    good: 'FROM opensuse/leap:15.6\nRUN zypper --non-interactive patch\n',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'zypper')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      for (const cmd of ctx.commands(inst)) {
        if (hasAnyArg(cmd, ZYPPER, ['dist-upgrade', 'dup'])) ctx.report(ctx.commandRange(inst, cmd), 'Do not use `zypper dist-upgrade`.');
      }
    }
  },
};

export const DL3036: Rule = {
  code: 'DL3036',
  family: 'hadolint',
  severity: 'warning',
  title: '`zypper clean` missing after zypper use.',
  doc: {
    why: 'zypper keeps downloaded packages and repository metadata under /var/cache/zypp. Unless the same RUN cleans them (or mounts a cache there), they are frozen into the layer and ship with every pull of the image.',
    bad: 'FROM opensuse/leap:15.6\nRUN zypper install -y curl=8.6.0\n',
    good: 'FROM opensuse/leap:15.6\nRUN zypper install -y curl=8.6.0 && zypper clean --all\n',
    deviation: 'A BuildKit cache or tmpfs mount on /var/cache/zypp and `rm -rf /var/cache/zypp` count as cleanup. The clean must come after the last install of the RUN (a clean before an install removes nothing).',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'zypper')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      const cmds = ctx.commands(inst);
      const lastInstall = lastIndex(cmds, isZypperInstall);
      if (lastInstall < 0 || throwawayMountCoversFragment(inst, ZYPPER_CACHE)) continue;
      const lastClean = lastIndex(cmds, (c) => hasAnyArg(c, ZYPPER, ['clean', 'cc']) || removesDir(c, ZYPPER_CACHE));
      if (lastClean > lastInstall) continue;
      const install = cmds[lastInstall] as RunCommand;
      ctx.report(ctx.commandRange(inst, install), '`zypper clean` missing after zypper use.',
        appendCommandFix(inst, 'Add `zypper clean --all` at the end of the RUN', `${install.sudo ? 'sudo ' : ''}zypper clean --all`));
    }
  },
};

/** zypper install options that take a value as the next word. */
const ZYPPER_VALUE_OPTIONS = new Set(['-t', '--type', '-r', '--repo', '--from', '--download']);

export const DL3037: Rule = {
  code: 'DL3037',
  family: 'hadolint',
  severity: 'warning',
  title: 'Specify version with `zypper install -y <package>=<version>`.',
  doc: {
    why: 'Without a version, the package that gets installed depends on the day of the build. Pinned versions make builds repeatable and make an upgrade a visible change in review.',
    bad: 'FROM opensuse/leap:15.6\nRUN zypper install -y curl && zypper clean\n',
    good: 'FROM opensuse/leap:15.6\nRUN zypper install -y curl=8.6.0 && zypper clean\n',
    deviation: 'Only the words after `install`/`in` are packages: values of options such as `--from <repo>` are not taken for unpinned packages.',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'zypper')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      for (const cmd of ctx.commands(inst)) {
        const sub = isZypperInstall(cmd) ? findArg(cmd, ['install', 'in']) : undefined;
        if (!sub) continue;
        const unpinned = packagesAfter(cmd, sub, ZYPPER_VALUE_OPTIONS).filter((p) => !/[=<>]/.test(p.value) && !p.value.endsWith('.rpm'));
        if (unpinned.length > 0) ctx.report(ctx.commandRange(inst, cmd), 'Specify version with `zypper install -y <package>=<version>`.');
      }
    }
  },
};

export const DL3038: Rule = {
  code: 'DL3038',
  family: 'hadolint',
  severity: 'warning',
  title: 'Use the -y switch to avoid manual input `dnf install -y <package>`',
  doc: {
    why: 'A build has no terminal to answer "Is this ok [y/N]". Without `-y` the install waits for input and then aborts, so the build fails (or, with some wrappers, silently installs nothing).',
    bad: 'FROM fedora:40\nRUN dnf install httpd-2.4.62 && dnf clean all\n',
    good: 'FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'dnf', 'microdnf')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      for (const cmd of ctx.commands(inst)) {
        const sub = DNF.includes(cmd.program) ? findArg(cmd, ['install', 'groupinstall', 'localinstall']) : undefined;
        if (!sub || hasOption(cmd, '-y', '--assumeyes')) continue;
        ctx.report(ctx.commandRange(inst, cmd), 'Use the -y switch to avoid manual input `dnf install -y <package>`',
          insertAfterWordFix(ctx, inst, cmd, sub, 'Add -y', ' -y'));
      }
    }
  },
};

export const DL3040: Rule = {
  code: 'DL3040',
  family: 'hadolint',
  severity: 'warning',
  title: '`dnf clean all` missing after dnf command.',
  doc: {
    why: 'dnf leaves repository metadata and downloaded packages in its cache directory. Cleaning in the same RUN keeps tens of megabytes of metadata out of the layer.',
    bad: 'FROM fedora:40\nRUN dnf install -y httpd-2.4.62\n',
    good: 'FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n',
    deviation: 'A BuildKit cache or tmpfs mount on the dnf cache (/var/cache/dnf, /var/cache/libdnf5, /var/cache/yum) and `rm -rf` of those directories count as cleanup. The clean must come after the last install of the RUN.',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'dnf', 'microdnf')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      if (throwawayMountCoversFragment(inst, DNF_CACHE)) continue;
      const cmds = ctx.commands(inst);
      // hadolint checks dnf and microdnf separately: `microdnf clean all` does not clean after `dnf install`.
      for (const program of DNF) {
        const lastInstall = lastIndex(cmds, (c) => c.program === program && c.args.some((a) => a.value === 'install'));
        if (lastInstall < 0) continue;
        const lastClean = lastIndex(cmds, (c) => (c.program === program && c.args.some((a) => a.value === 'clean')) || removesDir(c, DNF_CACHE));
        if (lastClean > lastInstall) continue;
        const install = cmds[lastInstall] as RunCommand;
        ctx.report(ctx.commandRange(inst, install), '`dnf clean all` missing after dnf command.',
          appendCommandFix(inst, `Add \`${program} clean all\` at the end of the RUN`, `${install.sudo ? 'sudo ' : ''}${program} clean all`));
      }
    }
  },
};

/** dnf options that take a value as the next word. */
const DNF_VALUE_OPTIONS = new Set([
  '--enablerepo', '--disablerepo', '--repo', '--repoid', '--setopt', '--installroot', '--releasever', '-c', '--config',
  '-x', '--exclude', '--forcearch', '--destdir', '--downloaddir', '--errorlevel', '-e', '--rpmverbosity',
]);

/** hadolint's version test: after the first `-`, version-like parts with at least one starting with a digit. */
export function dnfPackagePinned(pkg: string, defined: ReadonlySet<string>): boolean {
  if (pkg.endsWith('.rpm')) return true;
  if (pkg.includes('$')) return referencedVariables(pkg).some((n) => defined.has(n));
  const parts = pkg.split('-');
  if (parts.length <= 1) return false;
  const rest = parts.slice(1);
  return rest.every((p) => /^[A-Za-z0-9.~^_:+]*$/.test(p)) && rest.some((p) => /^[0-9]/.test(p));
}

export const DL3041: Rule = {
  code: 'DL3041',
  family: 'hadolint',
  severity: 'warning',
  title: 'Specify version with `dnf install -y <package>-<version>`.',
  doc: {
    why: 'Without a version, the package that gets installed depends on the day of the build. Pinned versions (and module streams for `dnf module install`) make builds repeatable.',
    bad: 'FROM fedora:40\nRUN dnf install -y httpd && dnf clean all\n',
    good: 'FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n',
    deviation: 'Values of options such as `--enablerepo <repo>` are not taken for packages. A package written with a variable (`nginx-$NGINX_VERSION`) counts as pinned when an ARG or ENV in scope defines it, `$NAME` as well as `${NAME}`.',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'dnf', 'microdnf')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      let defined: Set<string> | undefined;
      for (const cmd of ctx.commands(inst)) {
        if (!DNF.includes(cmd.program)) continue;
        const sub = findArg(cmd, ['install']);
        if (!sub) continue;
        const isModule = cmd.args.some((a) => a.value === 'module');
        if (!isModule && cmd.args.some((a) => a.value === 'group')) continue;
        const words = packagesAfter(cmd, sub, DNF_VALUE_OPTIONS).filter((w) => w.value !== 'install' && w.value !== 'module');
        defined ??= namesDefinedBefore(ctx.df, inst);
        const names = defined;
        const pinned = (w: ShellWord): boolean => (isModule ? w.value.includes(':') : dnfPackagePinned(w.value, names));
        if (!words.every(pinned)) ctx.report(ctx.commandRange(inst, cmd), 'Specify version with `dnf install -y <package>-<version>`.');
      }
    }
  },
};

export const rpmRules: readonly Rule[] = [DL3035, DL3036, DL3037, DL3038, DL3040, DL3041];
