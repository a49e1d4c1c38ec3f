/**
 * Which files a RUN command writes and which it deletes, as far as a linter can tell:
 * package-manager indexes and caches, language package caches, downloads, clones,
 * directories, and what `rm` and the `... clean` commands remove. Paths are absolute
 * and may end in a glob (`/var/lib/apt/lists/*`: the files inside that directory).
 */
import type { ShellCommand, ShellWord } from '../../shell';
import type { BuildState } from './common';
import { hasOption, positionalArgs } from '../../shell';
import { homeOf, normalizePath, pipInvocation, resolvePath, subcommandOf } from './common';
import { indexUpdateOf, isUpgrade, managerOf, managerSubcommand, packageInstall } from './packages';

/** Where a command left files. */
export interface Written {
  /** Absolute path, possibly ending in a glob segment. */
  readonly path: string;
  /** A directory whose whole tree came with it (clone, copied directory): removals inside it count. */
  readonly tree: boolean;
  readonly kind: 'index' | 'cache' | 'download' | 'directory' | 'copy';
  /** Short description for messages: `apt-get update`, `curl`, `COPY . /app`. */
  readonly what: string;
}

// ---------------------------------------------------------------------------------------
// Package-manager and language caches

/** Cache directories by tool; `~` is the home of the user running the command. */
function cacheDirs(tool: 'pip' | 'npm' | 'yarn', state: BuildState, cmd: ShellCommand): string[] {
  const home = homeOf(state);
  const env = (name: string): string | undefined => {
    const fromPrefix = cmd.envPrefix.find((w) => w.value.startsWith(`${name}=`))?.value.slice(name.length + 1);
    return fromPrefix ?? state.vars.get(name);
  };
  if (tool === 'pip') {
    const dir = env('PIP_CACHE_DIR');
    return [dir !== undefined && dir.startsWith('/') ? `${normalizePath(dir)}/*` : `${home}/.cache/pip/*`];
  }
  if (tool === 'npm') {
    const dir = env('NPM_CONFIG_CACHE') ?? env('npm_config_cache');
    return [dir !== undefined && dir.startsWith('/') ? `${normalizePath(dir)}/*` : `${home}/.npm/*`];
  }
  const dir = env('YARN_CACHE_FOLDER');
  if (dir !== undefined && dir.startsWith('/')) return [`${normalizePath(dir)}/*`];
  return home === '/root' ? ['/usr/local/share/.cache/yarn/*'] : [`${home}/.cache/yarn/*`];
}

const APT_LISTS = '/var/lib/apt/lists/*';
const APT_BINS = '/var/cache/apt/*.bin';
const APT_DEBS = '/var/cache/apt/archives/*.deb';

function rpmCache(cmd: ShellCommand): string[] {
  if (cmd.program === 'yum' || cmd.program === 'microdnf') return ['/var/cache/yum/*'];
  return ['/var/cache/dnf/*'];
}

/** True when pip is told not to keep its cache (`--no-cache-dir`, `PIP_NO_CACHE_DIR`). */
export function pipSkipsCache(cmd: ShellCommand, state: BuildState): boolean {
  return cmd.args.some((a) => a.value === '--no-cache-dir' || a.value === '--no-cache')
    || cmd.envPrefix.some((w) => w.value.startsWith('PIP_NO_CACHE_DIR='))
    || state.vars.has('PIP_NO_CACHE_DIR');
}

/** Programs whose files or caches these helpers know about; everything else is skipped quickly. */
const FILE_PROGRAMS = new Set([
  'rm', 'apt-get', 'apt', 'aptitude', 'apk', 'yum', 'dnf', 'microdnf', 'dnf5', 'tdnf', 'zypper', 'npm', 'yarn', 'curl', 'wget', 'git', 'mkdir',
]);

/** True when a command may write or delete files that the layer rules track. */
export function touchesTrackedFiles(cmd: ShellCommand): boolean {
  return FILE_PROGRAMS.has(cmd.program) || cmd.program.startsWith('pip') || cmd.program.startsWith('python');
}

const NONE: Written[] = [];

/** What a package-manager or language-package command caches on disk. */
export function cachesWritten(cmd: ShellCommand, state: BuildState): Written[] {
  if (!touchesTrackedFiles(cmd)) return NONE;
  const out: Written[] = [];
  const manager = managerOf(cmd);
  if (manager) {
    const sub = managerSubcommand(cmd)?.sub;
    const label = sub !== undefined ? `${cmd.program} ${sub}` : cmd.program;
    const update = indexUpdateOf(cmd) !== undefined;
    const install = packageInstall(cmd);
    if (!update && !install && !isUpgrade(cmd)) return out;
    if (manager === 'apt') {
      if (update) { out.push({ path: APT_LISTS, tree: false, kind: 'index', what: label }, { path: APT_BINS, tree: false, kind: 'index', what: label }); }
      else out.push({ path: APT_DEBS, tree: false, kind: 'cache', what: label });
    } else if (manager === 'apk') {
      if (!install?.noCache && !cmd.args.some((a) => a.value === '--no-cache')) out.push({ path: '/var/cache/apk/*', tree: false, kind: update ? 'index' : 'cache', what: label });
    } else if (manager === 'zypper') {
      out.push({ path: '/var/cache/zypp/*', tree: false, kind: update ? 'index' : 'cache', what: label });
    } else {
      for (const path of rpmCache(cmd)) out.push({ path, tree: false, kind: update ? 'index' : 'cache', what: label });
    }
    return out;
  }
  const pip = pipInvocation(cmd);
  if (pip) {
    const sub = pip.args.find((a) => !a.value.startsWith('-'))?.value;
    if ((sub === 'install' || sub === 'download' || sub === 'wheel') && !pipSkipsCache(cmd, state)) {
      for (const path of cacheDirs('pip', state, cmd)) out.push({ path, tree: false, kind: 'cache', what: `${cmd.program === 'pip' || cmd.program.startsWith('pip') ? cmd.program : 'pip'} ${sub}` });
    }
    return out;
  }
  if (cmd.program === 'npm') {
    const sub = subcommandOf(cmd, ['--cache', '--prefix', '-C', '--registry'])?.word.value;
    if (sub !== undefined && ['install', 'i', 'ci', 'add', 'update', 'up', 'isntall', 'in'].includes(sub)) {
      const cacheFlag = cmd.args.findIndex((a) => a.value === '--cache');
      const dirs = cacheFlag >= 0 && cmd.args[cacheFlag + 1]?.value.startsWith('/') ? [`${normalizePath(cmd.args[cacheFlag + 1]?.value ?? '')}/*`] : cacheDirs('npm', state, cmd);
      for (const path of dirs) out.push({ path, tree: false, kind: 'cache', what: `npm ${sub}` });
    }
    return out;
  }
  if (cmd.program === 'yarn') {
    const sub = subcommandOf(cmd, ['--cache-folder', '--modules-folder', '--cwd'])?.word.value;
    if ((sub === undefined || sub === 'install' || sub === 'add') && !cmd.args.some((a) => a.value === '--cache-folder')) {
      for (const path of cacheDirs('yarn', state, cmd)) out.push({ path, tree: false, kind: 'cache', what: `yarn ${sub ?? 'install'}` });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Downloads, clones, directories

/** A file a command downloads: its resolved path when known, and the URL it came from. */
export interface Download {
  /** Absolute path, or undefined when it depends on something unknown. */
  readonly path: string | undefined;
  /** The file name as it can appear in later commands (`go1.22.tar.gz`, `node-$V.tar.xz`). */
  readonly name: string;
  readonly url: string;
  readonly word: ShellWord | undefined;
  readonly tool: 'curl' | 'wget';
}

const CURL_VALUE_SHORT = new Set(['o', 'd', 'H', 'u', 'X', 'A', 'e', 'F', 'T', 'w', 'x', 'r', 'm', 'K', 'E', 'b', 'c', 'C', 'y', 'Y', 'z', 'U', 'D', 'Q', 't', 'P']);
const CURL_VALUE_LONG = new Set([
  '--output', '--output-dir', '--header', '--data', '--data-raw', '--data-binary', '--data-urlencode', '--user', '--request',
  '--user-agent', '--referer', '--form', '--upload-file', '--write-out', '--proxy', '--range', '--max-time', '--config',
  '--cert', '--cookie', '--cookie-jar', '--continue-at', '--retry', '--retry-delay', '--retry-max-time', '--connect-timeout',
  '--cacert', '--capath', '--key', '--dump-header', '--limit-rate', '--resolve', '--interface', '--max-filesize',
  '--oauth2-bearer', '--proto', '--proto-redir', '--url', '--netrc-file', '--ciphers', '--tls-max', '--speed-time', '--speed-limit',
]);
const WGET_VALUE_SHORT = new Set(['O', 'P', 'o', 'a', 'e', 't', 'T', 'w', 'U', 'i', 'B', 'Q', 'l', 'A', 'R', 'D', 'I', 'X']);

/** A word that names a URL: `https://...`, `ftp://...`, or a variable such as `$URL`. */
function looksLikeUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^\$\{?[A-Za-z_]*URL/i.test(value) || /^\$\{?[A-Za-z_]*(DOWNLOAD|SOURCE|RELEASE)/i.test(value);
}

/** The file name a URL is saved under: its last path segment without query or fragment. */
export function urlFileName(url: string): string {
  const noQuery = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const slash = noQuery.lastIndexOf('/');
  return normaliseVars(slash >= 0 ? noQuery.slice(slash + 1) : noQuery);
}

/** `${V}` and `$V` written either way compare equal. */
export function normaliseVars(text: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '$$$1');
}

interface ParsedOptions {
  readonly values: Map<string, string[]>;
  readonly flags: Set<string>;
  readonly operands: ShellWord[];
}

/** A small getopt: short clusters (`-fsSLo file`), attached values (`-Ofile`), long options. */
function parseOptions(args: readonly ShellWord[], shortWithValue: ReadonlySet<string>, longWithValue: ReadonlySet<string>): ParsedOptions {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const operands: ShellWord[] = [];
  const put = (key: string, value: string): void => { const list = values.get(key) ?? []; list.push(value); values.set(key, list); };
  for (let k = 0; k < args.length; k++) {
    const v = (args[k] as ShellWord).value;
    if (v.startsWith('--') && v.length > 2) {
      const eq = v.indexOf('=');
      if (eq > 0) { put(v.slice(0, eq), v.slice(eq + 1)); continue; }
      if (longWithValue.has(v)) { put(v, args[k + 1]?.value ?? ''); k++; continue; }
      flags.add(v);
      continue;
    }
    if (v.startsWith('-') && v.length > 1) {
      for (let i = 1; i < v.length; i++) {
        const c = v[i] as string;
        if (shortWithValue.has(c)) {
          const rest = v.slice(i + 1);
          if (rest !== '') put(`-${c}`, rest);
          else { put(`-${c}`, args[k + 1]?.value ?? ''); k++; }
          break;
        }
        flags.add(`-${c}`);
      }
      continue;
    }
    operands.push(args[k] as ShellWord);
  }
  return { values, flags, operands };
}

/** Files that `curl` or `wget` write (not when they stream to stdout). */
export function downloadsOf(cmd: ShellCommand, cwd: string | undefined, state: BuildState): Download[] {
  if (cmd.program !== 'curl' && cmd.program !== 'wget') return [];
  const out: Download[] = [];
  if (cmd.program === 'curl') {
    const opts = parseOptions(cmd.args, CURL_VALUE_SHORT, CURL_VALUE_LONG);
    const urls = [...opts.operands.filter((w) => looksLikeUrl(w.value)), ...(opts.values.get('--url') ?? []).map((value) => ({ value, raw: value, start: 0, end: 0 }))];
    const outputs = [...(opts.values.get('-o') ?? []), ...(opts.values.get('--output') ?? [])];
    const dir = opts.values.get('--output-dir')?.[0];
    const base = dir !== undefined ? resolvePath(dir, cwd, state) : cwd;
    outputs.forEach((file, k) => {
      if (file === '-' || file === '/dev/null') return;
      const url = urls[k]?.value ?? urls[0]?.value ?? '';
      const word = cmd.args.find((a) => a.value === file);
      out.push({ path: resolvePath(file, base, state), name: urlFileName(file), url, word, tool: 'curl' });
    });
    const remoteName = opts.flags.has('-O') || opts.flags.has('--remote-name') || opts.flags.has('--remote-name-all');
    if (remoteName) {
      for (const url of urls.slice(outputs.length)) {
        const name = urlFileName(url.value);
        if (name === '') continue;
        out.push({ path: base !== undefined && !name.includes('$') ? normalizePath(`${base}/${name}`) : undefined, name, url: url.value, word: url.start === url.end ? undefined : url, tool: 'curl' });
      }
    }
    return out;
  }
  if (cmd.program === 'wget') {
    const opts = parseOptions(cmd.args, WGET_VALUE_SHORT, new Set(['--output-document', '--directory-prefix', '--output-file', '--user', '--password', '--header', '--tries', '--timeout']));
    const urls = opts.operands.filter((w) => looksLikeUrl(w.value));
    const document = opts.values.get('-O')?.[0] ?? opts.values.get('--output-document')?.[0];
    if (document !== undefined) {
      if (document === '-' || document === '/dev/null') return out;
      const word = cmd.args.find((a) => a.value === document || a.value.endsWith(document));
      out.push({ path: resolvePath(document, cwd, state), name: urlFileName(document), url: urls[0]?.value ?? '', word, tool: 'wget' });
      return out;
    }
    const prefix = opts.values.get('-P')?.[0] ?? opts.values.get('--directory-prefix')?.[0];
    const base = prefix !== undefined ? resolvePath(prefix, cwd, state) : cwd;
    for (const url of urls) {
      const name = urlFileName(url.value);
      if (name === '') continue;
      out.push({ path: base !== undefined && !name.includes('$') ? normalizePath(`${base}/${name}`) : undefined, name, url: url.value, word: url, tool: 'wget' });
    }
  }
  return out;
}

/** Directories a command creates with content: `git clone`, `mkdir`. */
export function directoriesOf(cmd: ShellCommand, cwd: string | undefined, state: BuildState): Written[] {
  if (cmd.program !== 'git' && cmd.program !== 'mkdir') return NONE;
  const out: Written[] = [];
  if (cmd.program === 'git' && subcommandOf(cmd, ['-C', '-c'])?.word.value === 'clone') {
    const sub = subcommandOf(cmd, ['-C', '-c']);
    const words = positionalArgs(cmd, ['-b', '--branch', '--depth', '-o', '--origin', '-c', '--config', '--reference', '--separate-git-dir', '-j', '--jobs', '--filter', '--shallow-since'], (sub?.index ?? 0) + 1);
    const url = words[0]?.value;
    if (url === undefined) return out;
    const dirWord = words[1]?.value ?? urlFileName(url).replace(/\.git$/, '');
    const path = resolvePath(dirWord, cwd, state);
    if (path !== undefined) out.push({ path, tree: true, kind: 'directory', what: 'git clone' });
  } else if (cmd.program === 'mkdir') {
    for (const w of positionalArgs(cmd, ['-m', '--mode'])) {
      const path = resolvePath(w.value, cwd, state);
      if (path !== undefined && path !== '/') out.push({ path, tree: true, kind: 'directory', what: 'mkdir' });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Removals

export interface Cleanup {
  /** Paths removed (absolute, globs kept). */
  readonly paths: readonly string[];
  /** Words of `rm` that could not be resolved (variables, unknown directory). */
  readonly unresolved: readonly string[];
  /** The kind of command: `rm`, or the cache command (`apt-get clean`). */
  readonly label: string;
}

/** Sub-commands and arguments every cleanup command other than `rm` has (`apt-get clean`, `pip cache purge`). */
const CLEANUP_WORDS = new Set(['clean', 'autoclean', 'dist-clean', 'distclean', 'cache', 'cc']);

/** A quick test that `cleanupOf` may find something: `rm`, or a cleanup sub-command among the arguments. */
export function mayCleanUp(cmd: ShellCommand): boolean {
  return cmd.program === 'rm' || cmd.args.some((a) => CLEANUP_WORDS.has(a.value));
}

/** What a cleanup command removes: `rm`, `apt-get clean`, `pip cache purge`, ... */
export function cleanupOf(cmd: ShellCommand, cwd: string | undefined, state: BuildState): Cleanup | undefined {
  if (!touchesTrackedFiles(cmd)) return undefined;
  if (cmd.program === 'rm') {
    const paths: string[] = [];
    const unresolved: string[] = [];
    for (const w of positionalArgs(cmd)) {
      const path = resolvePath(w.value, cwd, state);
      if (path === undefined) unresolved.push(w.value);
      else if (path !== '/') paths.push(path);
    }
    return { paths, unresolved, label: 'rm' };
  }
  const manager = managerOf(cmd);
  if (manager) {
    const sub = managerSubcommand(cmd)?.sub;
    if (manager === 'apt' && (sub === 'clean' || sub === 'autoclean')) return { paths: [APT_DEBS, APT_BINS], unresolved: [], label: `${cmd.program} ${sub}` };
    if (manager === 'apt' && (sub === 'dist-clean' || sub === 'distclean')) return { paths: [APT_DEBS, APT_BINS, APT_LISTS], unresolved: [], label: `${cmd.program} ${sub}` };
    if (manager === 'apk' && sub === 'cache' && ['clean', 'purge'].includes(cmd.args.find((a) => a.value === 'clean' || a.value === 'purge')?.value ?? '')) return { paths: ['/var/cache/apk/*'], unresolved: [], label: 'apk cache clean' };
    if ((manager === 'yum' || manager === 'dnf') && sub === 'clean') return { paths: [...rpmCache(cmd), '/var/cache/yum/*'], unresolved: [], label: `${cmd.program} clean` };
    if (manager === 'zypper' && (sub === 'clean' || sub === 'cc')) return { paths: ['/var/cache/zypp/*'], unresolved: [], label: 'zypper clean' };
    return undefined;
  }
  const pip = pipInvocation(cmd);
  if (pip) {
    const words = pip.args.map((a) => a.value).filter((v) => !v.startsWith('-'));
    if (words[0] === 'cache' && (words[1] === 'purge' || words[1] === 'remove')) return { paths: cacheDirs('pip', state, cmd), unresolved: [], label: `pip cache ${words[1]}` };
    return undefined;
  }
  if (cmd.program === 'npm') {
    const words = cmd.args.map((a) => a.value).filter((v) => !v.startsWith('-'));
    if (words[0] === 'cache' && ['clean', 'clear', 'rm'].includes(words[1] ?? '')) return { paths: cacheDirs('npm', state, cmd), unresolved: [], label: 'npm cache clean' };
    return undefined;
  }
  if (cmd.program === 'yarn') {
    const words = cmd.args.map((a) => a.value).filter((v) => !v.startsWith('-'));
    if (words[0] === 'cache' && words[1] === 'clean') return { paths: cacheDirs('yarn', state, cmd), unresolved: [], label: 'yarn cache clean' };
  }
  return undefined;
}

/** The directory a command leaves the script in (`cd /tmp`), undefined when unknown. */
export function cwdAfter(cmd: ShellCommand, cwd: string | undefined, state: BuildState): string | undefined {
  if (cmd.program !== 'cd' && cmd.program !== 'pushd') return cwd;
  const dest = cmd.args.find((a) => !a.value.startsWith('-') || a.value === '-');
  if (!dest) return homeOf(state);
  if (dest.value === '-') return undefined;
  return resolvePath(dest.value, cwd, state);
}

/** True when the command is `tar`, `unzip`, `dpkg -i`, `pip install` and the like reading `name`. */
export function unpacksOrInstalls(cmd: ShellCommand, matches: (word: ShellWord) => boolean): boolean {
  const p = cmd.program;
  const reads = (): boolean => cmd.args.some(matches);
  if (p === 'tar' || p === 'bsdtar' || p === 'gtar') {
    const first = cmd.args[0]?.value ?? '';
    const extract = (/^-?[a-zA-Z]*x/.test(first) && !first.startsWith('--')) || cmd.args.some((a) => a.value === '-x' || a.value === '--extract' || a.value === '--get' || /^-[a-zA-Z]*x[a-zA-Z]*$/.test(a.value));
    return extract && reads();
  }
  if (p === 'unzip' || p === '7z' || p === '7za' || p === '7zr' || p === 'unrar' || p === 'jar') return reads();
  if (p === 'dpkg') return hasOption(cmd, '-i', '--install') && reads();
  if (p === 'rpm') return cmd.args.some((a) => /^-[a-zA-Z]*[iU]/.test(a.value) || a.value === '--install' || a.value === '--upgrade') && reads();
  if (p === 'gdebi' || p === 'gem') return reads();
  if (managerOf(cmd) && packageInstall(cmd)) return packageInstall(cmd)?.packages.some(matches) ?? false;
  const pip = pipInvocation(cmd);
  if (pip) return pip.args.some(matches);
  return false;
}

/** Whether a command word refers to a downloaded or created file (by path or by name). */
export function wordRefersTo(word: ShellWord, path: string | undefined, name: string, cwd: string | undefined, state: BuildState): boolean {
  const value = normaliseVars(word.value);
  if (name !== '' && (value === name || value.endsWith(`/${name}`))) return true;
  if (path !== undefined) {
    const resolved = resolvePath(word.value, cwd, state);
    if (resolved === path) return true;
  }
  return false;
}

/** Archive and package extensions that are unpacked or installed and then useless. */
export const ARCHIVE_EXTENSION = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|tar\.lz4?|zip|7z|rar|deb|rpm|apk|whl|gem|jar|nupkg)$/i;
