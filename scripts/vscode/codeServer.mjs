// Starts and stops a private code-server on 127.0.0.1, shared by `npm start` and the e2e suite.
// Private means: its own extensions dir and user-data dir (never the user's VS Code dirs), Berth
// linked into the extensions dir as `<publisher>.<name>-<version>`, and a process group of its own
// so that stopping it also ends the extension host and file watcher it forks.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { node24Env } from './ensure.mjs';

/** Reads publisher, name and version of the extension at `repoDir`. */
export function extensionIdentity(repoDir) {
  const pkg = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8'));
  return { publisher: pkg.publisher, name: pkg.name, version: pkg.version, id: `${pkg.publisher}.${pkg.name}` };
}

/**
 * Links `repoDir` into `extensionsDir` as `<publisher>.<name>-<version>`, removing links to other
 * versions of the same extension (two versions side by side would make VS Code pick one at random).
 */
export function linkExtension(repoDir, extensionsDir) {
  const { id, version } = extensionIdentity(repoDir);
  mkdirSync(extensionsDir, { recursive: true });
  const linkName = `${id}-${version}`;
  for (const entry of readdirSync(extensionsDir)) {
    if (entry.toLowerCase().startsWith(`${id.toLowerCase()}-`) && entry !== linkName) {
      rmSync(join(extensionsDir, entry), { recursive: true, force: true });
    }
  }
  const link = join(extensionsDir, linkName);
  let exists = false;
  try {
    exists = lstatSync(link).isSymbolicLink() || existsSync(link);
  } catch {
    exists = false;
  }
  if (exists) rmSync(link, { recursive: true, force: true });
  symlinkSync(repoDir, link, 'dir');
  return link;
}

/** User settings that keep the workbench quiet: no welcome page, tips, update checks or chat panel. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  // Restricted Mode (when trust is on) opens without the modal prompt, with its banner shown.
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
};

/** Writes `User/settings.json` in a user-data dir, merging over what is there. */
export function writeUserSettings(userDataDir, settings) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'settings.json');
  let current = {};
  if (existsSync(file)) {
    try {
      current = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      current = {}; // settings.json may hold comments; ours are regenerated anyway
    }
  }
  writeFileSync(file, JSON.stringify({ ...current, ...settings }, null, 2) + '\n');
}

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not get a free port'));
      });
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Status code of a GET, or 0 when nothing answers within `timeoutMs`. */
function httpStatus(url, timeoutMs) {
  return new Promise((resolve) => {
    const request = get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.setTimeout(timeoutMs, () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/**
 * Starts code-server and resolves once it answers HTTP. Returns `{ url, port, stop, logs, pid }`;
 * `stop()` ends the whole process group (TERM, then KILL after a grace period).
 *
 * @param {object} options
 * @param {ReturnType<import('./ensure.mjs').ensureCodeServer> extends Promise<infer T> ? T : never} options.install
 * @param {string} options.extensionsDir
 * @param {string} options.userDataDir
 * @param {string} options.folder workspace folder opened by default
 * @param {boolean} [options.trust] pass --disable-workspace-trust (default true)
 * @param {number} [options.port]
 * @param {Record<string,string>} [options.env] extra environment (the extension host inherits it)
 * @param {number} [options.startTimeoutMs]
 * @param {(line: string) => void} [options.onLog]
 */
export async function startCodeServer(options) {
  const { install, extensionsDir, userDataDir, folder } = options;
  const trust = options.trust ?? true;
  const port = options.port ?? (await freePort());
  const args = [
    install.codeServerEntry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir,
    ...(trust ? ['--disable-workspace-trust'] : []),
    folder,
  ];
  const env = node24Env({ binDir: install.nodeBinDir, nodeDir: install.nodeDir }, { ...process.env, ...(options.env ?? {}) });
  // code-server reads its password and options from a config file unless told otherwise.
  env.CODE_SERVER_CONFIG = join(userDataDir, 'code-server-config.yaml');
  writeFileSync(env.CODE_SERVER_CONFIG, 'auth: none\ncert: false\n');

  const logs = [];
  const child = spawn(install.nodeBin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = false;
  let exitInfo = '';
  child.on('exit', (code, signal) => {
    exited = true;
    exitInfo = signal ?? `exit ${code}`;
  });
  const onData = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      logs.push(line);
      if (logs.length > 2000) logs.shift();
      options.onLog?.(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  async function stop(graceMs = 5000) {
    if (exited) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // group already gone
    }
    const deadline = Date.now() + graceMs;
    while (!exited && Date.now() < deadline) await sleep(100);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      throw new Error(`code-server exited before answering (${exitInfo}):\n${logs.slice(-30).join('\n')}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} in time:\n${logs.slice(-30).join('\n')}`);
    }
    if ((await httpStatus(`${url}/healthz`, 2000)) === 200) break;
    await sleep(250);
  }
  return { url, port, pid: child.pid, logs, stop, folderUrl: `${url}/?folder=${encodeURIComponent(folder)}`, isRunning: () => !exited, child };
}
