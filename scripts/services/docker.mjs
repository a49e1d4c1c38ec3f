#!/usr/bin/env node
// The real Docker parts for integration tests, the e2e scenarios and the demo, all private:
//   - a dockerd of its own (Debian's docker.io): data root under the Berth cache (kept, so the
//     base image survives between runs), exec root, pidfile and unix socket in a short run dir;
//     no bridge, no iptables, its own (empty) daemon.json; never /var/run/docker.sock;
//   - two registries (Debian's docker-registry) on 127.0.0.1 free ports: one open, one behind
//     htpasswd; storage in the run dir, so every start begins with empty registries;
//   - the offline base image `busybox:local`, imported from Debian's busybox-static.
// The run dir holds state.json (PIDs, socket, ports, credentials); `stop` ends exactly those PIDs.
//
//   node scripts/services/docker.mjs start [--json]   (idempotent: reuses what is running)
//   node scripts/services/docker.mjs status [--json]  (exit 1 when not running)
//   node scripts/services/docker.mjs stop
// Importable: `startDocker()`, `stopDocker()`, `dockerStatus()`, `readDockerState()`, `dockerEnv(state)`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensureDebianPackages } from '../vscode/ensure.mjs';
import { freePort } from '../vscode/codeServer.mjs';

export const DOCKER_PACKAGES = ['docker.io', 'docker-registry', 'busybox-static', 'apache2-utils'];
export const BASE_IMAGE = 'busybox:local';
export const REGISTRY_USER = 'berth';
const BUSYBOX = '/bin/busybox';
// Applets linked in the base image; the tests and the demo Dockerfiles use these.
const APPLETS = ['sh', 'ls', 'cat', 'echo', 'sleep', 'true', 'false', 'mkdir', 'rm', 'cp', 'mv', 'head', 'dd', 'touch', 'wc', 'env', 'id', 'seq', 'grep', 'sed', 'tar', 'gzip', 'chmod', 'du', 'yes', 'printf', 'test', 'uname', 'date', 'hostname'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message) => process.stderr.write(`[docker] ${message}\n`);

/** Short, per-user run dir: unix socket paths must stay under ~100 bytes. */
export function runDir() {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'u';
  return process.env.BERTH_DOCKER_RUN_DIR || join(tmpdir(), `berth-docker-${uid}`);
}

export function dataRoot() {
  return join(cacheRoot(), 'dockerd');
}

const statePath = () => join(runDir(), 'state.json');

export function readDockerState() {
  try {
    return JSON.parse(readFileSync(statePath(), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Environment that points Docker clients (Berth, the docker CLI) at the private engine. */
export function dockerEnv(state) {
  return { DOCKER_HOST: state.dockerd.host, DOCKER_CONTEXT: '', DOCKER_CONFIG: state.dockerConfig };
}

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie answers kill(0) but is gone; /proc says so.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

/** HTTP GET over the engine socket or TCP; resolves `{status, body}` or `{status: 0, error}`. */
function httpGet({ socketPath, host, port, path, timeoutMs = 2000, method = 'GET', body, headers = {} }) {
  return new Promise((resolve) => {
    const req = request({ socketPath, host, port, path, method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ status: 0, error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ status: 0, error: error.message }));
    if (body) body.pipe(req);
    else req.end();
  });
}

async function waitFor(what, probe, { timeoutMs, pid, logFile }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last === true) return;
    if (pid && !isAlive(pid)) throw new Error(`${what} exited while starting${tail(logFile)}`);
    await sleep(150);
  }
  throw new Error(`${what} did not answer within ${timeoutMs / 1000} s (${last})${tail(logFile)}`);
}

function tail(file, lines = 15) {
  if (!file || !existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  return text ? `; last lines of ${file}:\n${text}` : '';
}

function spawnDetached(command, args, logFile, env = process.env) {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

async function pingEngine(socketPath) {
  const r = await httpGet({ socketPath, path: '/_ping', timeoutMs: 1500 });
  return r.status === 200 ? true : r.error ?? `HTTP ${r.status}`;
}

async function startDockerd(dir) {
  const execRoot = join(dir, 'exec');
  const socket = join(dir, 'docker.sock');
  const pidfile = join(dir, 'dockerd.pid');
  const logFile = join(dir, 'dockerd.log');
  const configFile = join(dir, 'daemon.json');
  mkdirSync(execRoot, { recursive: true });
  mkdirSync(join(dataRoot(), 'data'), { recursive: true });
  // Its own config file: a machine-wide /etc/docker/daemon.json must not change the private engine.
  writeFileSync(configFile, '{}\n');
  rmSync(socket, { force: true });
  rmSync(pidfile, { force: true });
  const args = [
    '--data-root', join(dataRoot(), 'data'),
    '--exec-root', execRoot,
    '--host', `unix://${socket}`,
    '--pidfile', pidfile,
    '--config-file', configFile,
    '--bridge=none',
    '--iptables=false',
    '--ip-masq=false',
    '--userland-proxy=false',
    '--log-level=warn',
  ];
  const pid = spawnDetached('dockerd', args, logFile);
  await waitFor('dockerd', () => pingEngine(socket), { timeoutMs: 60_000, pid, logFile });
  const containerdPidFile = join(execRoot, 'containerd', 'containerd.pid');
  const containerdPid = existsSync(containerdPidFile) ? Number(readFileSync(containerdPidFile, 'utf8').trim()) || undefined : undefined;
  const version = JSON.parse((await httpGet({ socketPath: socket, path: '/version' })).body || '{}');
  return { pid, containerdPid, socket, host: `unix://${socket}`, execRoot, dataRoot: join(dataRoot(), 'data'), log: logFile, version: version.Version, apiVersion: version.ApiVersion };
}

async function startRegistry(dir, name, auth) {
  const root = join(dir, `registry-${name}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'storage'), { recursive: true });
  const port = await freePort();
  const logFile = join(root, 'registry.log');
  let credentials;
  let authBlock = '';
  if (auth) {
    const password = randomBytes(12).toString('hex');
    // distribution accepts bcrypt entries only; -i reads the password from stdin (never argv).
    const htpasswd = spawnSync('htpasswd', ['-niB', REGISTRY_USER], { input: `${password}\n`, encoding: 'utf8' });
    if (htpasswd.status !== 0) throw new Error(`htpasswd failed: ${htpasswd.stderr}`);
    writeFileSync(join(root, 'htpasswd'), htpasswd.stdout.trim() + '\n');
    authBlock = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${join(root, 'htpasswd')}\n`;
    credentials = { username: REGISTRY_USER, password };
  }
  const config = join(root, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(root, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      authBlock,
    ].join('\n'),
  );
  const pid = spawnDetached('docker-registry', ['serve', config], logFile);
  const expected = auth ? 401 : 200;
  await waitFor(`registry ${name}`, async () => {
    const r = await httpGet({ host: '127.0.0.1', port, path: '/v2/', timeoutMs: 1000 });
    return r.status === expected ? true : r.error ?? `HTTP ${r.status}`;
  }, { timeoutMs: 20_000, pid, logFile });
  return { pid, port, address: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, root, log: logFile, ...(credentials ? { credentials } : {}) };
}

/** Imports `busybox:local` from Debian's static busybox, unless the engine has it already. */
async function ensureBaseImage(socketPath) {
  const existing = await httpGet({ socketPath, path: `/images/${encodeURIComponent(BASE_IMAGE)}/json` });
  if (existing.status === 200) return { imported: false, id: JSON.parse(existing.body).Id };
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install busybox-static`);
  const rootfs = mkdtempSync(join(tmpdir(), 'berth-busybox-'));
  try {
    mkdirSync(join(rootfs, 'bin'));
    for (const d of ['tmp', 'etc', 'root', 'app']) mkdirSync(join(rootfs, d));
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
    chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', applet));
    writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag] = BASE_IMAGE.split(':');
    const changes = encodeURIComponent('ENV PATH=/bin');
    const r = await httpGet({
      socketPath,
      method: 'POST',
      path: `/images/create?fromSrc=-&repo=${repo}&tag=${tag}&changes=${changes}`,
      headers: { 'Content-Type': 'application/x-tar' },
      body: tar.stdout,
      timeoutMs: 60_000,
    });
    if (r.status !== 200 || /"error"/.test(r.body)) throw new Error(`docker import of ${BASE_IMAGE} failed: HTTP ${r.status} ${r.body || r.error}`);
    const inspected = await httpGet({ socketPath, path: `/images/${encodeURIComponent(BASE_IMAGE)}/json` });
    return { imported: true, id: JSON.parse(inspected.body).Id };
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/**
 * A fresh start of the private engine begins with the base image only: containers and images
 * that earlier runs left in the (kept) data root are removed. The engine is ours alone.
 */
async function resetEngine(socketPath) {
  const containers = JSON.parse((await httpGet({ socketPath, path: '/containers/json?all=1' })).body || '[]');
  for (const c of containers) await httpGet({ socketPath, method: 'DELETE', path: `/containers/${c.Id}?force=1&v=1` });
  const images = JSON.parse((await httpGet({ socketPath, path: '/images/json' })).body || '[]');
  let removed = 0;
  for (const image of images) {
    if ((image.RepoTags ?? []).includes(BASE_IMAGE)) {
      // Other tags of the base image: untag them, keep the image.
      for (const tag of image.RepoTags.filter((t) => t !== BASE_IMAGE)) await httpGet({ socketPath, method: 'DELETE', path: `/images/${encodeURIComponent(tag)}` });
      continue;
    }
    const r = await httpGet({ socketPath, method: 'DELETE', path: `/images/${image.Id}?force=1`, timeoutMs: 30_000 });
    if (r.status === 200) removed++;
  }
  return { containers: containers.length, images: removed };
}

/** True when everything the state file names is alive and the engine answers. */
export async function dockerStatus(state = readDockerState()) {
  if (!state) return { running: false, reason: `no state file at ${statePath()}` };
  const dead = [['dockerd', state.dockerd?.pid], ['open registry', state.registries?.open?.pid], ['auth registry', state.registries?.auth?.pid]]
    .filter(([, pid]) => !isAlive(pid))
    .map(([name]) => name);
  if (dead.length > 0) return { running: false, reason: `not running: ${dead.join(', ')}`, state };
  const ping = await pingEngine(state.dockerd.socket);
  if (ping !== true) return { running: false, reason: `dockerd does not answer on ${state.dockerd.socket}: ${ping}`, state };
  return { running: true, state };
}

/** Whether this machine can run the private engine at all (Linux, root or the packages present). */
export function canRunDocker() {
  if (process.platform !== 'linux') return { ok: false, reason: 'the private engine needs Linux' };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return { ok: false, reason: 'dockerd needs root (rootless mode is not set up by this script)' };
  return { ok: true };
}

/**
 * Starts (or reuses) the private engine, both registries and the base image.
 * Resolves the state: `{ dockerd, registries: { open, auth }, baseImage, dockerConfig, startMs, reused }`.
 */
export async function startDocker({ install = true } = {}) {
  const started = performance.now();
  const current = await dockerStatus();
  if (current.running) return { ...current.state, reused: true };
  if (current.state) await stopDocker({ quiet: true });

  const possible = canRunDocker();
  if (!possible.ok) throw new Error(`cannot start the private Docker engine: ${possible.reason}`);
  if (install) await ensureDebianPackages(DOCKER_PACKAGES);
  for (const command of ['dockerd', 'docker-registry', 'htpasswd']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) throw new Error(`${command} not found; install ${DOCKER_PACKAGES.join(' ')}`);
  }

  const dir = runDir();
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  // Traversable by other users, so that the permission test reaches the socket and is refused by it.
  chmodSync(dir, 0o755);
  const state = { dir, startedAt: new Date().toISOString() };
  const save = () => writeFileSync(statePath(), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  try {
    // Record each PID as soon as it exists, so that a failure half way still stops what started.
    const [dockerd, open, auth] = await Promise.all([
      startDockerd(dir).then((d) => { state.dockerd = d; save(); return d; }),
      startRegistry(dir, 'open', false).then((r) => { (state.registries ??= {}).open = r; save(); return r; }),
      startRegistry(dir, 'auth', true).then((r) => { (state.registries ??= {}).auth = r; save(); return r; }),
    ]);
    state.reset = await resetEngine(dockerd.socket);
    const base = await ensureBaseImage(dockerd.socket);
    // An empty Docker client config: tests and the demo never read the user's ~/.docker.
    const dockerConfig = join(dir, 'docker-config');
    mkdirSync(dockerConfig, { recursive: true });
    writeFileSync(join(dockerConfig, 'config.json'), '{}\n');
    Object.assign(state, { registries: { open, auth }, baseImage: { name: BASE_IMAGE, ...base }, dockerConfig });
    state.startMs = Math.round(performance.now() - started);
    save();
    return { ...state, reused: false };
  } catch (error) {
    save();
    await stopDocker({ quiet: true });
    throw error;
  }
}

async function terminate(pid, name, graceMs) {
  if (!isAlive(pid)) return false;
  try {
    process.kill(pid, 'SIGCONT'); // a test may have left it stopped; a stopped process ignores TERM
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    log(`${name} (pid ${pid}) ignored SIGTERM for ${graceMs / 1000} s: SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return true;
}

/** PIDs of processes whose command line names `marker` (our exec root), with their children first. */
function processesNaming(marker) {
  const found = [];
  let entries = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return found;
  }
  const parentOf = new Map();
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parentOf.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  const children = [...parentOf].filter(([, ppid]) => found.includes(ppid)).map(([pid]) => pid);
  return [...children, ...found];
}

/** Stops the PIDs of the state file (dockerd last waits for its containerd) and removes the run dir. */
export async function stopDocker({ quiet = false } = {}) {
  const state = readDockerState();
  if (!state) {
    if (!quiet) log('nothing to stop');
    return { stopped: [] };
  }
  const stopped = [];
  const targets = [
    ['open registry', state.registries?.open?.pid, 5000],
    ['auth registry', state.registries?.auth?.pid, 5000],
    ['dockerd', state.dockerd?.pid, 20_000],
  ];
  await Promise.all(targets.map(async ([name, pid, grace]) => {
    if (await terminate(pid, name, grace)) stopped.push(name);
  }));
  // dockerd stops the containerd it started; one left behind by a killed dockerd is ours to end.
  if (await terminate(state.dockerd?.containerdPid, 'containerd', 10_000)) stopped.push('containerd');
  // A dockerd that was killed leaves its containers' shims (they name our exec root) and their processes.
  if (state.dockerd?.execRoot) {
    for (const pid of processesNaming(`${state.dockerd.execRoot}/`)) {
      if (pid === process.pid) continue;
      try {
        process.kill(pid, 'SIGKILL');
        stopped.push(`leftover pid ${pid}`);
      } catch {
        // already gone
      }
    }
  }
  rmSync(state.dir ?? runDir(), { recursive: true, force: true });
  if (!quiet) log(`stopped ${stopped.join(', ') || 'nothing (already gone)'}`);
  return { stopped };
}

function describe(state) {
  const { dockerd, registries } = state;
  return [
    `engine:         ${dockerd.host} (dockerd ${dockerd.version}, API ${dockerd.apiVersion}, pid ${dockerd.pid})`,
    `data root:      ${dockerd.dataRoot}`,
    `open registry:  ${registries.open.address} (pid ${registries.open.pid})`,
    `auth registry:  ${registries.auth.address} (pid ${registries.auth.pid}, user ${registries.auth.credentials.username}, password in ${statePath()})`,
    `base image:     ${state.baseImage.name}${state.baseImage.imported ? ' (imported now)' : ''}`,
    `use it:         export DOCKER_HOST=${dockerd.host}`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command = 'status'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const json = process.argv.includes('--json');
  try {
    if (command === 'start') {
      const state = await startDocker();
      if (json) console.log(JSON.stringify(state, null, 2));
      else console.log(`${describe(state)}\n${state.reused ? 'already running (reused)' : `started in ${(state.startMs / 1000).toFixed(1)} s`}`);
    } else if (command === 'stop') {
      await stopDocker();
    } else if (command === 'status') {
      const status = await dockerStatus();
      if (json) console.log(JSON.stringify(status, null, 2));
      else console.log(status.running ? describe(status.state) : `not running: ${status.reason}`);
      process.exit(status.running ? 0 : 1);
    } else {
      console.error('usage: node scripts/services/docker.mjs start|stop|status [--json]');
      process.exit(2);
    }
  } catch (error) {
    console.error(`docker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
