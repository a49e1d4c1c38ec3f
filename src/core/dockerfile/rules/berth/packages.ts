/**
 * System package managers as Berth's rules need them: which command installs what,
 * which refreshes an index, which removes packages again, and which packages are a
 * build toolchain (compilers, headers, build tools) rather than something the
 * program needs at run time.
 */
import type { ShellCommand, ShellWord } from '../../shell';
import { positionalArgs } from '../../shell';
import { subcommandOf } from './common';

export type PackageManager = 'apt' | 'apk' | 'yum' | 'dnf' | 'zypper';

const APT_PROGRAMS = new Set(['apt-get', 'apt', 'aptitude']);
const APT_VALUE_OPTIONS = ['-o', '-c', '-t', '--option', '--config-file', '--target-release', '--default-release'];
const APK_VALUE_OPTIONS = ['-t', '--virtual', '-X', '--repository', '-p', '--root', '--arch', '--cache-dir', '--repositories-file', '--keys-dir'];
const RPM_VALUE_OPTIONS = ['-x', '-c', '--setopt', '--enablerepo', '--disablerepo', '--exclude', '--installroot', '--releasever', '--repo', '--repoid'];
const ZYPPER_VALUE_OPTIONS = ['-t', '--type', '-r', '--repo', '--root', '-R', '--from', '-p', '--plus-repo'];

/** Every program `managerOf` knows. */
export const MANAGER_PROGRAMS: readonly string[] = ['apt-get', 'apt', 'aptitude', 'apk', 'yum', 'dnf', 'microdnf', 'dnf5', 'tdnf', 'zypper'];

/** The package manager a program belongs to. */
export function managerOf(cmd: ShellCommand): PackageManager | undefined {
  const p = cmd.program;
  if (APT_PROGRAMS.has(p)) return 'apt';
  if (p === 'apk') return 'apk';
  if (p === 'yum') return 'yum';
  if (p === 'dnf' || p === 'microdnf' || p === 'dnf5' || p === 'tdnf') return 'dnf';
  if (p === 'zypper') return 'zypper';
  return undefined;
}

function valueOptions(manager: PackageManager): readonly string[] {
  switch (manager) {
    case 'apt': return APT_VALUE_OPTIONS;
    case 'apk': return APK_VALUE_OPTIONS;
    case 'zypper': return ZYPPER_VALUE_OPTIONS;
    default: return RPM_VALUE_OPTIONS;
  }
}

/** The sub-command of a package-manager command (`install`, `add`, `update`). */
export function managerSubcommand(cmd: ShellCommand): { manager: PackageManager; sub: string; index: number } | undefined {
  const manager = managerOf(cmd);
  if (!manager) return undefined;
  const sub = subcommandOf(cmd, valueOptions(manager));
  if (!sub) return undefined;
  return { manager, sub: sub.word.value, index: sub.index };
}

export interface PackageInstall {
  readonly manager: PackageManager;
  readonly sub: string;
  /** Package words as written (`gcc`, `libpq-dev=15.*`, `$buildDeps`, `./app.deb`). */
  readonly packages: readonly ShellWord[];
  /** `apk add --virtual .build-deps`: the name the group can be removed by. */
  readonly virtual: string | undefined;
  /** `apk add --no-cache`: no index or package cache is written. */
  readonly noCache: boolean;
}

const INSTALL_SUBCOMMANDS: Readonly<Record<PackageManager, readonly string[]>> = {
  apt: ['install', 'reinstall', 'build-dep'],
  apk: ['add'],
  yum: ['install', 'localinstall', 'groupinstall', 'reinstall'],
  dnf: ['install', 'localinstall', 'groupinstall', 'reinstall'],
  zypper: ['install', 'in', 'source-install', 'si'],
};

/** Reads an install command (`apt-get install -y gcc`, `apk add --virtual .b gcc`). */
export function packageInstall(cmd: ShellCommand): PackageInstall | undefined {
  const found = managerSubcommand(cmd);
  if (!found || !INSTALL_SUBCOMMANDS[found.manager].includes(found.sub)) return undefined;
  const packages = positionalArgs(cmd, valueOptions(found.manager), found.index + 1);
  let virtual: string | undefined;
  let noCache = false;
  if (found.manager === 'apk') {
    for (let k = 0; k < cmd.args.length; k++) {
      const v = (cmd.args[k] as ShellWord).value;
      if (v === '-t' || v === '--virtual') virtual = cmd.args[k + 1]?.value;
      else if (v.startsWith('--virtual=')) virtual = v.slice(10);
      else if (v === '--no-cache') noCache = true;
    }
  }
  return { manager: found.manager, sub: found.sub, packages, virtual, noCache };
}

/** `apt-get upgrade` and friends: they download packages like an install does. */
export function isUpgrade(cmd: ShellCommand): boolean {
  const found = managerSubcommand(cmd);
  if (!found) return false;
  if (found.manager === 'apt') return ['upgrade', 'dist-upgrade', 'full-upgrade', 'safe-upgrade'].includes(found.sub);
  if (found.manager === 'apk') return found.sub === 'upgrade';
  if (found.manager === 'zypper') return ['update', 'up', 'dist-upgrade', 'dup', 'patch'].includes(found.sub);
  return ['update', 'upgrade', 'distro-sync', 'update-minimal'].includes(found.sub);
}

/**
 * Refreshes a package index without installing anything: `apt-get update`,
 * `apk update`, `yum/dnf makecache`, `zypper refresh`.
 */
export function indexUpdateOf(cmd: ShellCommand): PackageManager | undefined {
  const found = managerSubcommand(cmd);
  if (!found) return undefined;
  switch (found.manager) {
    case 'apt': return found.sub === 'update' ? 'apt' : undefined;
    case 'apk': return found.sub === 'update' ? 'apk' : undefined;
    case 'zypper': return found.sub === 'refresh' || found.sub === 'ref' ? 'zypper' : undefined;
    default: return found.sub === 'makecache' ? found.manager : undefined;
  }
}

/** True when the command installs or upgrades with `manager` (it reads that manager's index). */
export function usesIndex(cmd: ShellCommand, manager: PackageManager): boolean {
  if (managerOf(cmd) !== manager) return false;
  return packageInstall(cmd) !== undefined || isUpgrade(cmd) || (manager === 'apt' && cmd.program === 'apt-get' && ['source', 'download'].includes(managerSubcommand(cmd)?.sub ?? ''));
}

export interface PackageRemoval {
  readonly manager: PackageManager;
  /** Package or virtual-group names as written (globs and `$vars` kept). */
  readonly names: readonly string[];
  /** `--auto-remove` or `autoremove`: packages marked automatic go too. */
  readonly autoRemove: boolean;
}

/** Reads a removal: `apt-get purge -y --auto-remove gcc`, `apk del .build-deps`, `dnf remove gcc`. */
export function packageRemoval(cmd: ShellCommand): PackageRemoval | undefined {
  const found = managerSubcommand(cmd);
  if (!found) return undefined;
  const removeSubs: Readonly<Record<PackageManager, readonly string[]>> = {
    apt: ['purge', 'remove', 'autoremove', 'autopurge'],
    apk: ['del'],
    yum: ['remove', 'erase', 'autoremove'],
    dnf: ['remove', 'erase', 'autoremove'],
    zypper: ['remove', 'rm'],
  };
  if (!removeSubs[found.manager].includes(found.sub)) return undefined;
  const names = positionalArgs(cmd, valueOptions(found.manager), found.index + 1).map((w) => w.value);
  const autoRemove = found.sub.startsWith('auto') || cmd.args.some((a) => a.value === '--auto-remove' || a.value === '--autoremove' || a.value === '--purge' && found.sub === 'autoremove');
  return { manager: found.manager, names, autoRemove };
}

/** `gcc=4:12.2.0-3`, `libpq-dev:amd64`, `'gcc>=12'` -> `gcc`. */
export function packageName(word: string): string {
  let name = word;
  if (name.startsWith('"') || name.startsWith("'")) name = name.slice(1);
  if (name.endsWith('"') || name.endsWith("'")) name = name.slice(0, -1);
  const cut = name.search(/[=<>~]/);
  if (cut >= 0) name = name.slice(0, cut);
  const colon = name.lastIndexOf(':');
  if (colon > 0 && /^[a-z0-9]+$/.test(name.slice(colon + 1))) name = name.slice(0, colon);
  return name.toLowerCase();
}

export type ToolchainKind = 'compiler' | 'headers' | 'build tool';

const COMPILERS = new Set([
  'gcc', 'g++', 'gcc-c++', 'c++', 'cpp', 'clang', 'build-essential', 'build-base', 'gfortran', 'gcc-gfortran',
  'golang', 'golang-go', 'go', 'rustc', 'cargo', 'rust', 'default-jdk', 'default-jdk-headless', 'openjdk-devel',
  'maven', 'gradle', 'nodejs-dev', 'musl-dev', 'libc6-dev', 'libc-dev', 'glibc-devel',
]);
const BUILD_TOOLS = new Set([
  'make', 'cmake', 'autoconf', 'automake', 'libtool', 'pkg-config', 'pkgconf', 'pkgconfig', 'ninja-build', 'ninja',
  'meson', 'bison', 'flex', 'swig', 'scons', 'dpkg-dev', 'fakeroot', 'patch',
]);

/**
 * Whether a package is part of a build toolchain: a compiler (or a language SDK),
 * headers (`*-dev`, `*-devel`, kernel headers), or a build tool (make, cmake, ...).
 */
export function toolchainKind(word: string): ToolchainKind | undefined {
  const name = packageName(word);
  if (COMPILERS.has(name) || /^(gcc|g\+\+|clang|cpp)-\d+$/.test(name) || /^openjdk-?\d+-jdk(-headless)?$/.test(name) || /^java-[\d.]+-openjdk-devel$/.test(name)) return 'compiler';
  if (/-(dev|devel)$/.test(name) || /^linux-headers(-|$)/.test(name) || name === 'kernel-headers') return 'headers';
  if (BUILD_TOOLS.has(name)) return 'build tool';
  return undefined;
}
