#!/usr/bin/env node
// Makes sure a runnable code-server (which bundles real VS Code 1.139 and its extension host) is
// available, installing what is missing into a per-user cache outside the work tree:
//   <cache>/node-<version>/         Node 24 from the npm package node-<platform>-<arch>
//   <cache>/code-server-<version>/  code-server from npm, native modules built against Node 24
// where <cache> is $BERTH_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/berth.
// Every directory is keyed by version and only appears once complete (installed under a temporary
// name, then renamed), so a run that was killed half way is simply redone the next time.
//
// Why not @vscode/test-electron: it downloads VS Code at run time; code-server comes from npm.
//
// CLI: `node scripts/vscode/ensure.mjs [--json]` prints the paths; import `ensureCodeServer()` otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
// code-server 4.139 declares engines.node "24"; pinned so the cache key is exact.
export const NODE_VERSION = '24.21.0';
// Debian packages: headers for code-server's native modules, and the browser the e2e suite drives.
export const BUILD_PACKAGES = ['libkrb5-dev', 'libsecret-1-dev', 'libx11-dev', 'libxkbfile-dev'];
export const BROWSER_PACKAGES = ['chromium'];
export const CHROMIUM_PATH = '/usr/bin/chromium';

const COMPLETE_MARKER = '.berth-complete';

export function cacheRoot() {
  if (process.env.BERTH_CACHE_DIR) return process.env.BERTH_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'berth');
}

function log(message) {
  // stderr, so that `--json` output on stdout stays parseable.
  process.stderr.write(`[ensure] ${message}\n`);
}

function nodePackageName() {
  const platforms = { linux: 'linux', darwin: 'darwin' };
  const archs = { x64: 'x64', arm64: 'arm64' };
  const platform = platforms[process.platform];
  const arch = archs[process.arch];
  if (!platform || !arch) {
    throw new Error(`No Node ${NODE_VERSION} npm package is known for ${process.platform}/${process.arch}.`);
  }
  return `node-${platform}-${arch}`;
}

/** Runs a command, streaming its output to our stderr; rejects on a non-zero exit. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Installs into `<finalDir>.partial-<pid>` via `install(tmpDir)`, then renames into place. */
async function installAtomically(finalDir, install) {
  if (existsSync(join(finalDir, COMPLETE_MARKER))) return false;
  mkdirSync(dirname(finalDir), { recursive: true });
  // A final dir without the marker is a leftover from an older, interrupted layout: replace it.
  rmSync(finalDir, { recursive: true, force: true });
  const tmpDir = `${finalDir}.partial-${process.pid}`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  try {
    await install(tmpDir);
    writeFileSync(join(tmpDir, COMPLETE_MARKER), new Date().toISOString() + '\n');
    try {
      renameSync(tmpDir, finalDir);
    } catch (error) {
      // Another process finished the same install first; theirs is as good as ours.
      if (!existsSync(join(finalDir, COMPLETE_MARKER))) throw error;
      rmSync(tmpDir, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw error;
  }
  return true;
}

function isDebianPackageInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/**
 * Checks the Debian packages; installs the missing ones when running as root, otherwise throws
 * naming them. On a system without dpkg it only warns (the packages may come from elsewhere).
 */
export async function ensureDebianPackages(packages) {
  if (spawnSync('dpkg-query', ['--version']).status !== 0) {
    log(`dpkg not found: make sure the equivalents of ${packages.join(', ')} are installed.`);
    return;
  }
  const missing = packages.filter((p) => !isDebianPackageInstalled(p));
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `Missing Debian packages: ${missing.join(' ')}.\n` +
        `Install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env });
  await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
}

/** The npm command of the Node that runs this script (npm is not part of the node-* packages). */
function npmCommand() {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

export async function ensureNode() {
  const dir = join(cacheRoot(), `node-${NODE_VERSION}`);
  const pkg = nodePackageName();
  const installed = await installAtomically(dir, async (tmp) => {
    log(`installing ${pkg}@${NODE_VERSION} into ${dir}`);
    await run(npmCommand(), ['install', '--prefix', tmp, '--no-save', '--no-package-lock', `${pkg}@${NODE_VERSION}`]);
  });
  const packageDir = join(dir, 'node_modules', pkg);
  const nodeBin = join(packageDir, 'bin', 'node');
  if (!existsSync(nodeBin) || !existsSync(join(packageDir, 'include', 'node', 'node.h'))) {
    throw new Error(`${pkg}@${NODE_VERSION} in ${packageDir} lacks bin/node or include/node; delete ${dir} and retry.`);
  }
  return { installed, nodeDir: packageDir, nodeBin, binDir: join(packageDir, 'bin') };
}

/** Environment for anything that must run on Node 24: its bin first on PATH, headers for node-gyp. */
export function node24Env(node, base = process.env) {
  return {
    ...base,
    PATH: `${node.binDir}${delimiter}${base.PATH ?? ''}`,
    // Overrides a machine-wide npmrc `nodedir` (e.g. /usr for the system Node 20).
    npm_config_nodedir: node.nodeDir,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

export async function ensureCodeServer({ checkPackages = true } = {}) {
  const started = performance.now();
  if (checkPackages) await ensureDebianPackages(BUILD_PACKAGES);
  const node = await ensureNode();
  const dir = join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
  const installed = await installAtomically(dir, async (tmp) => {
    log(`installing code-server@${CODE_SERVER_VERSION} into ${dir} (builds native modules; takes minutes)`);
    await run(
      npmCommand(),
      ['install', '--prefix', tmp, '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`],
      { env: node24Env(node) },
    );
  });
  const packageDir = join(dir, 'node_modules', 'code-server');
  const entry = join(packageDir, 'out', 'node', 'entry.js');
  if (!existsSync(entry)) throw new Error(`code-server entry ${entry} is missing; delete ${dir} and retry.`);
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  const vscodeProduct = join(packageDir, 'lib', 'vscode', 'product.json');
  const vscodeVersion = existsSync(join(packageDir, 'lib', 'vscode', 'package.json'))
    ? JSON.parse(readFileSync(join(packageDir, 'lib', 'vscode', 'package.json'), 'utf8')).version
    : undefined;
  const seconds = (performance.now() - started) / 1000;
  if (node.installed || installed) log(`installed in ${seconds.toFixed(1)} s`);
  return {
    cacheRoot: cacheRoot(),
    nodeBin: node.nodeBin,
    nodeBinDir: node.binDir,
    nodeDir: node.nodeDir,
    codeServerDir: packageDir,
    codeServerEntry: entry,
    codeServerVersion: version,
    vscodeVersion,
    vscodeProduct,
    installedNow: node.installed || installed,
    seconds,
  };
}

/** Returns the browser path, installing Debian's chromium when root and it is missing. */
export async function ensureChromium() {
  if (process.env.BERTH_CHROMIUM) return process.env.BERTH_CHROMIUM;
  await ensureDebianPackages(BROWSER_PACKAGES);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} not found after installing chromium.`);
  return CHROMIUM_PATH;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const json = process.argv.includes('--json');
  const withBrowser = process.argv.includes('--with-browser');
  try {
    const paths = await ensureCodeServer();
    const chromium = withBrowser ? await ensureChromium() : undefined;
    const result = { ...paths, ...(chromium ? { chromium } : {}) };
    if (json) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      console.log(`node 24:      ${result.nodeBin}`);
      console.log(`code-server:  ${result.codeServerEntry} (${result.codeServerVersion}, VS Code ${result.vscodeVersion ?? '?'})`);
      if (chromium) console.log(`chromium:     ${chromium}`);
      console.log(`cache:        ${result.cacheRoot}`);
      console.log(result.installedNow ? `installed in ${result.seconds.toFixed(1)} s` : 'already installed');
    }
  } catch (error) {
    console.error(`ensure: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
