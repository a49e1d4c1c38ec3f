/** hadolint rules about package managers other than apt: pip, npm, apk, gem, yum, zypper. */
import type { ShellCommand, ShellWord } from '../../../shell';
import type { Rule, RunCommand } from '../../types';
import { positionalArgs } from '../../../shell';
import { fixOf, insertAfter, isDynamic, optionNames } from './util';
import { commandsOf, commandsWhere } from '../../util';
import { pathCovers, throwawayMountCovers } from '../../../mounts';

/** The command's arguments up to `--` (what follows belongs to another program). */
function beforeDashDash(cmd: ShellCommand): ShellCommand {
  const end = cmd.args.findIndex((a) => a.value === '--');
  return end < 0 ? cmd : { ...cmd, args: cmd.args.slice(0, end) };
}

/** The first operand, when it is one of `subcommands`. */
function subcommand(cmd: ShellCommand, valueOptions: readonly string[], ...subcommands: string[]): ShellWord | undefined {
  const first = positionalArgs(cmd, valueOptions)[0];
  return first && subcommands.includes(first.value) ? first : undefined;
}

/** True when a command after `after` in the same script satisfies `test`. */
function followedBy(all: readonly RunCommand[], after: RunCommand, test: (c: RunCommand) => boolean): boolean {
  const index = all.indexOf(after);
  return all.some((c, k) => k > index && c.heredoc === after.heredoc && test(c));
}

/** `rm` of `path` itself, its contents (`path/*`) or a parent folder. */
function removes(cmd: ShellCommand, path: string): boolean {
  return cmd.program === 'rm' && positionalArgs(cmd).some((w) => pathCovers(w.value.replace(/\/\*$/, ''), path));
}

// ---------------------------------------------------------------------------------- pip

/** pip options that take the next word as their value. */
const PIP_VALUE_OPTIONS = [
  '--abi', '-b', '--build', '-e', '--editable', '--extra-index-url', '-f', '--find-links', '-i', '--index-url',
  '--implementation', '--no-binary', '--only-binary', '--platform', '--prefix', '--progress-bar', '--proxy',
  '--python-version', '--root', '--src', '-t', '--target', '--trusted-host', '--upgrade-strategy', '--cache-dir',
  '--cert', '--client-cert', '-C', '--config-settings', '--global-option', '--log', '--python', '--report', '--retries',
  '--timeout', '--exists-action', '--keyring-provider', '--use-feature', '--use-deprecated', '--root-user-action',
];

/** The words after `install` of `pip install` or `python -m pip install`, or undefined. */
function pipInstallArgs(cmd: ShellCommand): readonly ShellWord[] | undefined {
  const values = cmd.args.map((a) => a.value);
  if (cmd.program.startsWith('pip')) {
    const at = values.indexOf('install');
    return at < 0 ? undefined : cmd.args.slice(at + 1);
  }
  if (cmd.program.startsWith('python')) {
    const at = values.findIndex((v, k) => v === '-m' && /^pip\d*(?:\.\d+)?$/.test(values[k + 1] ?? '') && values[k + 2] === 'install');
    return at < 0 ? undefined : cmd.args.slice(at + 3);
  }
  return undefined;
}

const PIP_VERSION_SYMBOLS = ['==', '>=', '<=', '>', '<', '!=', '~=', '==='];

function pipPinned(spec: string): boolean {
  return PIP_VERSION_SYMBOLS.some((s) => spec.includes(s))
    || (spec.includes('git+') && spec.includes('@'))
    || /\.(?:whl|tar\.gz|zip)$/.test(spec)
    // A local project or file: what gets installed is in the build context.
    || spec === '.' || /^(?:\.{1,2}\/|\/|~\/|file:)/.test(spec);
}

export const DL3013: Rule = {
  code: 'DL3013',
  family: 'hadolint',
  severity: 'warning',
  title: 'Pin versions in pip install',
  doc: {
    why: 'An unpinned `pip install` takes whatever is newest on the day of the build: rebuilds are not reproducible and a new release can break or bloat the image. Pin with `==` or install from a requirements/constraints file.',
    bad: 'FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n',
    good: 'FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n',
    deviation: 'Local paths (`./pkg`, `/src`, `file:`) count as pinned, package words holding a variable are skipped, and the values of more pip options (`--cache-dir`, `--python`, `--timeout`, ...) are not taken for packages.',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsWhere(ctx, (program) => program.startsWith('pip') || program.startsWith('python'))) {
      const rest = pipInstallArgs(cmd);
      if (!rest) continue;
      const sub: ShellCommand = { ...cmd, args: rest };
      const names = optionNames(sub);
      // Requirements and constraints files carry the pins.
      if (['r', 'requirement', 'c', 'constraint'].some((o) => names.includes(o))) continue;
      const packages = positionalArgs(sub, PIP_VALUE_OPTIONS).filter((w) => !isDynamic(w.value));
      if (packages.some((w) => w.value === '.')) continue;
      if (packages.every((w) => pipPinned(w.value))) continue;
      ctx.report(
        ctx.commandRange(inst, cmd),
        'Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`',
      );
    }
  },
};

// ---------------------------------------------------------------------------------- npm

const NPM_VALUE_OPTIONS = ['--loglevel', '--prefix', '--registry', '--cache', '--userconfig', '--tag', '-w', '--workspace', '--omit', '--include', '--install-strategy', '--location'];

function npmPinned(spec: string): boolean {
  if (/^git(?:\+(?:ssh|https?))?:\/\//.test(spec)) return spec.includes('#');
  if (/\.(?:tar|tar\.gz|tgz)$/.test(spec)) return true;
  if (/^(?:\/|\.\/|\.\.\/|~\/|file:)/.test(spec)) return true;
  // `user/repo#ref` and `github:user/repo#ref` name a commit or tag.
  if (spec.includes('#')) return true;
  // The scope's `@` is not a version: `@types/node` is unpinned, `@types/node@22` is pinned.
  const name = spec.startsWith('@') ? spec.slice(spec.indexOf('/') + 1) : spec;
  return name.includes('@');
}

export const DL3016: Rule = {
  code: 'DL3016',
  family: 'hadolint',
  severity: 'warning',
  title: 'Pin versions in npm install',
  doc: {
    why: 'Packages installed by name get whatever version is newest at build time; pin with `package@version` (or install from package-lock.json with `npm ci`) for reproducible images.',
    bad: 'FROM node:22-slim\nRUN npm install -g typescript\n',
    good: 'FROM node:22-slim\nRUN npm install -g typescript@5.6.3\n',
    deviation: '`npm i` and `npm add` are checked like `npm install`; `user/repo#ref` counts as pinned; words holding a variable are skipped, and the values of `--prefix`, `--registry`, `--omit`, ... are not taken for packages.',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'npm')) {
      if (cmd.program !== 'npm' || !subcommand(cmd, NPM_VALUE_OPTIONS, 'install', 'i', 'add')) continue;
      const packages = positionalArgs(cmd, NPM_VALUE_OPTIONS).slice(1).filter((w) => !isDynamic(w.value));
      if (packages.every((w) => npmPinned(w.value))) continue;
      ctx.report(ctx.commandRange(inst, cmd), 'Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`');
    }
  },
};

// ---------------------------------------------------------------------------------- apk

const APK_VALUE_OPTIONS = ['-t', '--virtual', '-X', '--repository', '-p', '--root', '--arch', '--cache-dir', '--keys-dir', '--repositories-file', '--cache-max-age', '--timeout'];

export const DL3018: Rule = {
  code: 'DL3018',
  family: 'hadolint',
  severity: 'warning',
  title: 'Pin versions in apk add',
  doc: {
    why: 'Unpinned Alpine packages change under the same Dockerfile: rebuilds are not reproducible and can break. `package=version` (or `~version`) fixes what goes into the image.',
    bad: 'FROM alpine:3.20\nRUN apk add --no-cache curl\n',
    good: 'FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r2\n',
    deviation: 'apk\'s other version constraints (`~`, `<`, `>`) and local `.apk` files count as pinned; words holding a variable are skipped.',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'apk')) {
      if (cmd.program !== 'apk' || !subcommand(cmd, APK_VALUE_OPTIONS, 'add')) continue;
      const packages = positionalArgs(cmd, APK_VALUE_OPTIONS).slice(1).filter((w) => !isDynamic(w.value));
      if (packages.every((w) => /[=~<>]/.test(w.value) || w.value.endsWith('.apk'))) continue;
      ctx.report(ctx.commandRange(inst, cmd), 'Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`');
    }
  },
};

const APK_CACHE = '/var/cache/apk';

export const DL3019: Rule = {
  code: 'DL3019',
  family: 'hadolint',
  severity: 'info',
  title: 'Use apk add --no-cache',
  doc: {
    why: 'Without `--no-cache`, apk keeps its package index in /var/cache/apk and the layer carries it; `--no-cache` fetches the index, installs, and leaves nothing behind.',
    bad: 'FROM alpine:3.20\nRUN apk add curl=8.9.1-r2\n',
    good: 'FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r2\n',
    deviation: 'Also accepted: a BuildKit cache or tmpfs mount on /var/cache/apk (or a parent), and `rm -rf /var/cache/apk/*` later in the same RUN, since either way the cache never reaches the layer.',
  },
  check(ctx) {
    for (const { inst, cmd, all } of commandsOf(ctx, 'apk')) {
      if (cmd.program !== 'apk') continue;
      const add = subcommand(cmd, APK_VALUE_OPTIONS, 'add');
      if (!add || optionNames(cmd).includes('no-cache')) continue;
      if (throwawayMountCovers(inst, APK_CACHE) || followedBy(all, cmd, (c) => removes(c, APK_CACHE))) continue;
      ctx.report(
        ctx.commandRange(inst, cmd),
        'Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages',
        fixOf('Use apk add --no-cache', insertAfter(ctx, inst, cmd, add, ' --no-cache')),
      );
    }
  },
};

// ---------------------------------------------------------------------------------- gem

const GEM_VALUE_OPTIONS = ['-s', '--source', '-i', '--install-dir', '-n', '--bindir', '--build-root', '-P', '--trust-policy', '-g', '--file', '--platform', '-p', '--http-proxy'];

export const DL3028: Rule = {
  code: 'DL3028',
  family: 'hadolint',
  severity: 'warning',
  title: 'Pin versions in gem install',
  doc: {
    why: 'An unpinned gem installs the newest release at build time; pin with `gem:version` (or `-v`) so that rebuilds produce the same image.',
    bad: 'FROM ruby:3.3-slim\nRUN gem install --no-document bundler\n',
    good: 'FROM ruby:3.3-slim\nRUN gem install --no-document bundler:2.5.22\n',
    deviation: 'hadolint drops the word after every option, so `gem install --no-document rails` passes there; here only options that take a value do, and local `.gem` files count as pinned.',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'gem')) {
      if (cmd.program !== 'gem') continue;
      const head = beforeDashDash(cmd);
      if (!subcommand(head, GEM_VALUE_OPTIONS, 'install', 'i')) continue;
      if (head.args.some((a) => a.value === '-v' || a.value === '--version' || a.value.startsWith('--version='))) continue;
      const gems = positionalArgs(head, GEM_VALUE_OPTIONS).slice(1).filter((w) => !isDynamic(w.value));
      if (gems.every((w) => w.value.includes(':') || w.value.endsWith('.gem'))) continue;
      ctx.report(ctx.commandRange(inst, cmd), 'Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`');
    }
  },
};

// ---------------------------------------------------------------------------------- yum

const YUM_VALUE_OPTIONS = ['-c', '--config', '--installroot', '--releasever', '-x', '--exclude', '--enablerepo', '--disablerepo', '--setopt', '-d', '--debuglevel', '-e', '--errorlevel', '--downloaddir', '--rpmverbosity', '--color'];

export const DL3030: Rule = {
  code: 'DL3030',
  family: 'hadolint',
  severity: 'warning',
  title: 'Answer yum install prompts with -y',
  doc: {
    why: 'yum asks for confirmation before installing; a build cannot answer and aborts. `-y` makes the install non-interactive.',
    bad: 'FROM rockylinux:9\nRUN yum install httpd-2.4.62 && yum clean all\n',
    good: 'FROM rockylinux:9\nRUN yum install -y httpd-2.4.62 && yum clean all\n',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'yum')) {
      if (cmd.program !== 'yum') continue;
      const sub = subcommand(cmd, YUM_VALUE_OPTIONS, 'install', 'groupinstall', 'localinstall');
      if (!sub) continue;
      const names = optionNames(cmd);
      if (names.includes('y') || names.includes('assumeyes')) continue;
      ctx.report(
        ctx.commandRange(inst, cmd),
        'Use the -y switch to avoid manual input `yum install -y <package`',
        fixOf('Add -y', insertAfter(ctx, inst, cmd, sub, ' -y')),
      );
    }
  },
};

const YUM_CACHES = ['/var/cache/yum', '/var/cache/dnf'];

function cleansYum(cmd: ShellCommand): boolean {
  if (cmd.program === 'yum' || cmd.program === 'dnf') {
    const words = positionalArgs(cmd, YUM_VALUE_OPTIONS).map((w) => w.value);
    return words[0] === 'clean' && words.includes('all');
  }
  return YUM_CACHES.some((path) => removes(cmd, path));
}

export const DL3032: Rule = {
  code: 'DL3032',
  family: 'hadolint',
  severity: 'warning',
  title: 'Run yum clean all after yum install',
  doc: {
    why: 'yum keeps downloaded metadata and packages in /var/cache/yum (often 100 MB or more); unless the same RUN cleans it, the layer keeps it for good.',
    bad: 'FROM rockylinux:9\nRUN yum install -y httpd-2.4.62\n',
    good: 'FROM rockylinux:9\nRUN yum install -y httpd-2.4.62 && yum clean all\n',
    deviation: 'Only `yum clean all` (or `dnf clean all`), `rm -rf /var/cache/yum` (or /var/cache/dnf) after the install, or a BuildKit cache/tmpfs mount on that cache count; hadolint accepts any `yum clean ...` or `rm -rf` anywhere in the RUN.',
  },
  check(ctx) {
    for (const { inst, cmd, all } of commandsOf(ctx, 'yum')) {
      if (cmd.program !== 'yum' || !subcommand(cmd, YUM_VALUE_OPTIONS, 'install')) continue;
      if (YUM_CACHES.some((path) => throwawayMountCovers(inst, path)) || followedBy(all, cmd, cleansYum)) continue;
      ctx.report(ctx.commandRange(inst, cmd), '`yum clean all` missing after yum command.');
    }
  },
};

/** hadolint's test: after the name, dash-separated parts made of version characters, one starting with a digit. */
function yumPackagePinned(spec: string): boolean {
  // An rpm file (or URL) is one fixed package; hadolint misses the ones without a dash in the name.
  if (spec.endsWith('.rpm')) return true;
  const parts = spec.split('-');
  if (parts.length <= 1) return false;
  const version = parts.slice(1);
  return version.every((p) => /^[0-9A-Za-z.~^_:+]*$/.test(p)) && version.some((p) => /^\d/.test(p));
}

export const DL3033: Rule = {
  code: 'DL3033',
  family: 'hadolint',
  severity: 'warning',
  title: 'Pin versions in yum install',
  doc: {
    why: 'An unpinned yum install takes the newest package in the repositories at build time; `package-version` (and `module:stream` for modules) makes rebuilds repeatable.',
    bad: 'FROM rockylinux:9\nRUN yum install -y httpd && yum clean all\n',
    good: 'FROM rockylinux:9\nRUN yum install -y httpd-2.4.62 && yum clean all\n',
    deviation: 'Words holding a variable are skipped, every `.rpm` file counts as pinned, and the values of `--enablerepo`, `--exclude`, `--setopt`, ... are not taken for packages.',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'yum')) {
      if (cmd.program !== 'yum') continue;
      const words = positionalArgs(cmd, YUM_VALUE_OPTIONS).filter((w) => !isDynamic(w.value));
      const isModule = words[0]?.value === 'module';
      const rest = isModule ? words.slice(1) : words;
      if (rest[0]?.value !== 'install') continue;
      const specs = rest.slice(1).map((w) => w.value);
      const pinned = isModule ? specs.every((s) => s.includes(':')) : specs.every(yumPackagePinned);
      if (!pinned) ctx.report(ctx.commandRange(inst, cmd), 'Specify version with `yum install -y <package>-<version>`.');
    }
  },
};

// ------------------------------------------------------------------------------- zypper

const ZYPPER_VALUE_OPTIONS = ['-R', '--root', '-c', '--config', '-D', '--reposd-dir', '-C', '--cache-dir', '--raw-cache-dir', '--solv-cache-dir', '--pkg-cache-dir'];

export const DL3034: Rule = {
  code: 'DL3034',
  family: 'hadolint',
  severity: 'warning',
  title: 'Run zypper non-interactively',
  doc: {
    why: 'zypper asks for confirmation before changing packages; a build cannot answer, so it aborts. `-y` (or the global `-n`) makes it non-interactive.',
    bad: 'FROM opensuse/leap:15.6\nRUN zypper install curl-8.6.0\n',
    good: 'FROM opensuse/leap:15.6\nRUN zypper install -y curl-8.6.0\n',
  },
  check(ctx) {
    for (const { inst, cmd } of commandsOf(ctx, 'zypper')) {
      if (cmd.program !== 'zypper') continue;
      const sub = subcommand(cmd, ZYPPER_VALUE_OPTIONS, 'install', 'in', 'remove', 'rm', 'source-install', 'si', 'patch');
      if (!sub) continue;
      const names = optionNames(cmd);
      if (['non-interactive', 'n', 'no-confirm', 'y'].some((o) => names.includes(o))) continue;
      ctx.report(
        ctx.commandRange(inst, cmd),
        'Non-interactive switch missing from `zypper` command: `zypper install -y`',
        fixOf('Add -y', insertAfter(ctx, inst, cmd, sub, ' -y')),
      );
    }
  },
};
