#!/usr/bin/env node
// `npm start`: builds Berth and opens VS Code with it on the demo workspace (demo/).
//   - desktop VS Code (`code` on PATH): a window with --extensionDevelopmentPath=<repo>;
//   - otherwise code-server (real VS Code in the browser) on 127.0.0.1, URL printed.
// Both use a private user-data dir and extensions dir under the Berth cache, never your own
// VS Code profile. Stays up until Ctrl-C (or the desktop window closes), then stops what it started.
//
// Options:
//   --code-server    use code-server even when `code` exists
//   --port <n>       code-server port (default: a free one)
//   --restricted     open the demo untrusted (Restricted Mode), to see what Berth does there
//   --no-build       skip `npm run build`
//   --fresh          start from an empty user-data dir (forget layout, open editors, trust)
//   --with-docker    a private Docker engine and registries for the Images view (scripts/services/docker.mjs);
//                    on by default when this machine can run dockerd (Linux, root)
//   --no-docker      leave Docker out (Berth then uses your own DOCKER_HOST / context, if any)
//   --with-cluster   a private Kubernetes control plane (scripts/services/k8s.mjs: Kubernetes 1.34 with kwok
//                    on 127.0.0.1) for the Clusters and Releases views and the log panel, with a demo namespace
//                    `shop` (the demo's chart installed with helm 3, its manifests applied, log lines flowing);
//                    on by default when Go is available. The first start builds the binaries (~10 min on 2 cores).
//   --no-cluster     leave Kubernetes out (Berth then reads your own KUBECONFIG)
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensureCodeServer } from './vscode/ensure.mjs';
import { QUIET_SETTINGS, extensionIdentity, linkExtension, startCodeServer, writeUserSettings } from './vscode/codeServer.mjs';
import { canRunDocker, dockerEnv, dockerStatus, startDocker, stopDocker } from './services/docker.mjs';
import { sandboxProcessEnv, sandboxStatus, startSandbox, stopSandbox } from './services/k8s.mjs';
import { ensureHelm } from './services/helm.mjs';
import { seedDemoCluster } from './services/demoCluster.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(repo, 'demo');

function usage(message) {
  if (message) console.error(`start: ${message}`);
  console.error('usage: npm start -- [--code-server] [--port <n>] [--restricted] [--no-build] [--fresh] [--with-docker | --no-docker] [--with-cluster | --no-cluster]');
  process.exit(2);
}

function parseArgs(argv) {
  const options = { codeServer: false, port: undefined, restricted: false, build: true, fresh: false, docker: undefined, cluster: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--code-server') options.codeServer = true;
    else if (arg === '--restricted') options.restricted = true;
    else if (arg === '--no-build') options.build = false;
    else if (arg === '--fresh') options.fresh = true;
    else if (arg === '--with-docker') options.docker = true;
    else if (arg === '--no-docker') options.docker = false;
    else if (arg === '--with-cluster') options.cluster = true;
    else if (arg === '--no-cluster') options.cluster = false;
    else if (arg === '--port') {
      const port = Number(argv[++i]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) usage(`--port needs a port number`);
      options.port = port;
    } else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown option ${arg}`);
  }
  return options;
}

/** The `code` launcher of desktop VS Code, if one is on PATH. */
function findDesktopCode() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'code');
    try {
      accessSync(candidate, constants.X_OK);
      // code-server's terminal puts a `code` shim on PATH that talks to that code-server: not desktop.
      if (process.env.VSCODE_IPC_HOOK_CLI && candidate.includes('code-server')) continue;
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Private services started before VS Code; each returns the environment Berth should see and a
 * stop function.
 */
const services = [];

/** The private Docker engine and registries; services someone else started are reused and left running. */
const dockerService = {
  name: 'docker',
  async start() {
    const wasRunning = (await dockerStatus()).running;
    const state = await startDocker();
    const { open, auth } = state.registries;
    console.log(`start: private Docker engine ${state.dockerd.host} (${state.reused ? 'reused' : `started in ${(state.startMs / 1000).toFixed(1)} s`}); registries ${open.address} (open) and ${auth.address} (user ${auth.credentials.username}, password in ${state.dir}/state.json); base image ${state.baseImage.name}`);
    return { env: dockerEnv(state), stop: wasRunning ? async () => {} : () => stopDocker() };
  },
};

/** The Kubernetes sandbox with the demo namespace; VS Code sees only its kubeconfig. */
const clusterService = {
  name: 'Kubernetes sandbox',
  async start() {
    const wasRunning = (await sandboxStatus()).running;
    const started = Date.now();
    const env = await startSandbox();
    console.log(`start: Kubernetes sandbox ${env.server} (${env.reused ? 'reused' : `started in ${((Date.now() - started) / 1000).toFixed(1)} s`}); kubeconfig ${env.kubeconfig}`);
    const helm = await ensureHelm();
    const seeded = await seedDemoCluster({ env, helm: helm.paths.v3, demo });
    console.log(`start: demo namespace ${seeded.namespace}: ${seeded.summary}`);
    const processEnv = sandboxProcessEnv(env);
    return {
      env: { ...processEnv, PATH: `${dirname(helm.paths.v3)}${delimiter}${processEnv.PATH}` },
      stop: async () => {
        seeded.stop();
        if (!wasRunning) await stopSandbox();
      },
    };
  },
};

/** Go is what the sandbox needs to build its binaries; cached binaries need nothing. */
function canRunCluster() {
  const go = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  return go.status === 0 ? { ok: true } : { ok: false, reason: 'Go is not on PATH (it builds the Kubernetes binaries)' };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { id, version } = extensionIdentity(repo);
  const dockerPossible = canRunDocker();
  if (options.docker === true && !dockerPossible.ok) {
    console.error(`start: --with-docker: ${dockerPossible.reason}. Nothing was started.`);
    process.exit(2);
  }
  if (options.docker ?? dockerPossible.ok) services.push(dockerService);
  else if (options.docker === undefined) console.log(`start: no private Docker engine (${dockerPossible.reason}); Berth uses your DOCKER_HOST / Docker context`);

  const clusterPossible = canRunCluster();
  if (options.cluster === true && !clusterPossible.ok) {
    console.error(`start: --with-cluster: ${clusterPossible.reason}. Nothing was started.`);
    process.exit(2);
  }
  if (options.cluster ?? clusterPossible.ok) services.push(clusterService);
  else if (options.cluster === undefined) console.log(`start: no Kubernetes sandbox (${clusterPossible.reason}); Berth reads your KUBECONFIG`);

  if (options.build) {
    console.log('start: npm run build');
    const build = spawnSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
    if (build.status !== 0) {
      console.error('start: the build failed');
      process.exit(build.status ?? 1);
    }
  }

  const serviceEnv = {};
  const stops = [];
  for (const service of services) {
    try {
      const started = await service.start();
      Object.assign(serviceEnv, started.env);
      stops.push(started.stop);
    } catch (error) {
      // The demo still opens: the Images and Clusters views then say what is missing.
      console.error(`start: the ${service.name} service did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const desktop = options.codeServer ? undefined : findDesktopCode();
  const profileRoot = join(cacheRoot(), 'start', desktop ? 'desktop' : 'code-server');
  if (options.fresh) rmSync(profileRoot, { recursive: true, force: true });
  const userDataDir = join(profileRoot, 'user-data');
  const extensionsDir = join(profileRoot, 'extensions');
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir, { ...QUIET_SETTINGS, 'workbench.startupEditor': 'readme' });

  let stopEditor = async () => {};
  let editorExited;
  if (desktop) {
    const args = [
      '--new-window',
      '--wait',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      `--extensionDevelopmentPath=${repo}`,
      ...(options.restricted ? [] : ['--disable-workspace-trust']),
      demo,
    ];
    console.log(`start: ${desktop} ${args.join(' ')}`);
    const child = spawn(desktop, args, { stdio: 'inherit', env: { ...process.env, ...serviceEnv } });
    editorExited = new Promise((resolveExit) => child.on('exit', (code) => resolveExit(code ?? 0)));
    stopEditor = async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    };
    console.log(`start: VS Code opened ${demo} with ${id} ${version} from ${repo}. Close the window or press Ctrl-C to stop.`);
  } else {
    const install = await ensureCodeServer();
    linkExtension(repo, extensionsDir);
    const server = await startCodeServer({
      install,
      extensionsDir,
      userDataDir,
      folder: demo,
      trust: !options.restricted,
      port: options.port,
      env: serviceEnv,
    });
    stopEditor = () => server.stop();
    editorExited = new Promise((resolveExit) => server.child.on('exit', (code) => resolveExit(code ?? 1)));
    console.log('');
    console.log(`  Berth ${version} in VS Code ${install.vscodeVersion} (code-server ${install.codeServerVersion}):`);
    console.log('');
    console.log(`    ${server.folderUrl}`);
    console.log('');
    console.log(`  Workspace: ${demo} (edits change the repo's demo files)`);
    console.log(`  Profile:   ${profileRoot}${options.restricted ? ' (Restricted Mode)' : ''}`);
    console.log('  Press Ctrl-C to stop.');
  }

  let stopping = false;
  const stopAll = async (code) => {
    if (stopping) return;
    stopping = true;
    await stopEditor();
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const code = await editorExited;
  if (!stopping) {
    if (!desktop) console.error(`start: code-server exited (${code})`);
    await stopAll(desktop ? 0 : code || 1);
  }
}

if (!existsSync(demo)) {
  console.error(`start: ${demo} is missing`);
  process.exit(1);
}
main().catch((error) => {
  console.error(`start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
