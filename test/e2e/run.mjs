#!/usr/bin/env node
// `npm run e2e`: Berth in real VS Code (code-server from npm, which bundles VS Code and its extension
// host), driven by headless Chromium through playwright-core, as a user would.
//
//   npm run e2e                       build, then every scenario
//   npm run e2e -- lenses quick-fix   only the scenarios whose id contains one of the words
//   npm run e2e -- --no-build --keep  skip `npm run build`; keep the temp dirs for a look afterwards
//
// Each scenario gets its own code-server on a free 127.0.0.1 port with fresh user-data and
// extensions dirs and a fresh copy of demo/, and its own browser. It leaves
// test-results/e2e/<id>.png (plus <id>-<step>.png for intermediate steps) and <id>.log (code-server
// and extension host logs); report.json collects `{id, status, screenshot, details}`.
// Harness work without Berth's own build: BERTH_E2E_EXTENSION=<dir of another extension> links that
// directory instead of this repo and skips the build.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCodeServer, linkExtension, writeUserSettings, QUIET_SETTINGS, extensionIdentity } from '../../scripts/vscode/codeServer.mjs';
import { ensureCodeServer, ensureChromium } from '../../scripts/vscode/ensure.mjs';
import { dockerEnv, dockerStatus, startDocker, stopDocker } from '../../scripts/services/docker.mjs';
import { sandboxProcessEnv, sandboxStatus, startSandbox, stopSandbox } from '../../scripts/services/k8s.mjs';
import { ensureHelm } from '../../scripts/services/helm.mjs';
import { scenarios } from './scenarios.mjs';
import { openWorkbench } from './workbench.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resultsDir = join(repo, 'test-results', 'e2e');
const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const filters = args.filter((a) => !a.startsWith('--'));
const keep = flags.has('--keep');
const extensionDir = process.env.BERTH_E2E_EXTENSION ? resolve(process.env.BERTH_E2E_EXTENSION) : repo;
const skipBuild = flags.has('--no-build') || extensionDir !== repo;

const SCENARIO_TIMEOUT_MS = Number(process.env.BERTH_E2E_SCENARIO_TIMEOUT_MS ?? 300_000);
const RUN_TIMEOUT_MS = Number(process.env.BERTH_E2E_RUN_TIMEOUT_MS ?? 30 * 60_000);
// A scenario that failed on UI timing gets one more try on a fresh server; the report says so.
const ATTEMPTS = Number(process.env.BERTH_E2E_ATTEMPTS ?? 2);
const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const E2E_SETTINGS = {
  ...QUIET_SETTINGS,
  'workbench.editor.enablePreview': false,
  'editor.codeLens': true,
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
  'problems.sortOrder': 'position',
};

const requireFromRepo = createRequire(join(repo, 'package.json'));
const { chromium } = requireFromRepo('playwright-core');

// Whatever is running now, so that a signal, a timeout or a crash still stops it.
const live = { server: undefined, browser: undefined };
// The private Docker engine and registries, when this run started them (scenarios with `services: ['docker']`).
let startedDocker = false;
// The Kubernetes sandbox, when this run started it (scenarios with `services: ['k8s']`).
let startedSandbox = false;
async function stopLive() {
  const { server, browser } = live;
  live.server = undefined;
  live.browser = undefined;
  await Promise.allSettled([browser?.close(), server?.stop()]);
}
let stopping = false;
async function abort(reason, code = 1) {
  if (stopping) return;
  stopping = true;
  console.error(`e2e: ${reason}`);
  await stopLive();
  if (startedDocker) await stopDocker({ quiet: true }).catch(() => undefined);
  if (startedSandbox) await stopSandbox({ quiet: true }).catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void abort('interrupted', 130));
process.on('SIGTERM', () => void abort('terminated', 143));
const watchdog = setTimeout(() => void abort(`the whole run exceeded ${RUN_TIMEOUT_MS / 1000} s`), RUN_TIMEOUT_MS);
watchdog.unref();

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} exceeded ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function runScenario(scenario, setup, attempt) {
  const root = mkdtempSync(join(setup.runRoot, `${scenario.id}-${attempt}-`));
  const dirs = { root, workspace: join(root, 'demo'), userDataDir: join(root, 'user-data'), extensionsDir: join(root, 'extensions') };
  cpSync(join(repo, 'demo'), dirs.workspace, { recursive: true });
  linkExtension(extensionDir, dirs.extensionsDir);
  writeUserSettings(dirs.userDataDir, E2E_SETTINGS);
  if (scenario.services?.includes('helm')) {
    // The extension host's PATH comes from the login shell, not from code-server's environment;
    // helm is given as the machine-scoped setting a user would set (Machine settings of a remote window).
    mkdirSync(join(dirs.userDataDir, 'Machine'), { recursive: true });
    writeFileSync(join(dirs.userDataDir, 'Machine', 'settings.json'), `${JSON.stringify({ 'berth.helm.path': setup.helm.paths.v3 }, null, 2)}\n`);
  }
  const logLines = [];
  const log = (line) => logLines.push(line);
  const screenshotPath = join(resultsDir, `${scenario.id}.png`);
  let page;
  let mainScreenshotTaken = false;
  let failed = false;
  try {
    live.server = await startCodeServer({
      install: setup.install,
      extensionsDir: dirs.extensionsDir,
      userDataDir: dirs.userDataDir,
      folder: dirs.workspace,
      trust: scenario.server?.trust ?? true,
      env: {
        // Without the private parts, VS Code still never sees the user's own: no engine socket, an
        // empty Docker client config (no credential helper runs), a kubeconfig that does not exist.
        ...isolatedEnv(dirs),
        ...(scenario.services?.includes('docker') ? dockerEnv(setup.docker) : {}),
        // VS Code sees only the sandbox's kubeconfig (and its kubectl): never the user's clusters.
        ...(scenario.services?.includes('k8s') ? sandboxProcessEnv(setup.k8s, { withFaults: scenario.withFaultContexts === true }) : {}),
        ...(scenario.server?.env?.(dirs, setup) ?? {}),
      },
      onLog: (line) => log(`[code-server] ${line}`),
    });
    live.browser = await chromium.launch({ executablePath: setup.chromium, args: BROWSER_ARGS, headless: true, timeout: 60_000 });
    const context = await live.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => log(`[page error] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') log(`[console] ${message.text().slice(0, 500)}`);
    });
    await openWorkbench(page, live.server.folderUrl);
    const ctx = {
      ...dirs,
      page,
      repo,
      resultsDir,
      server: live.server,
      extension: { ...setup.extension, dir: extensionDir },
      docker: setup.docker,
      k8s: setup.k8s,
      helm: setup.helm,
      log,
      // screenshot() takes the scenario's own picture now (kept unless the scenario fails later);
      // screenshot('step') an extra one, <id>-step.png.
      screenshot: async (step) => {
        await page.screenshot({ path: step ? join(resultsDir, `${scenario.id}-${step}.png`) : screenshotPath });
        if (!step) mainScreenshotTaken = true;
      },
    };
    const details = await scenario.run(ctx);
    return { status: 'passed', details };
  } catch (error) {
    failed = true;
    return { status: 'failed', details: error instanceof Error ? error.message : String(error) };
  } finally {
    if (page && (failed || !mainScreenshotTaken)) await page.screenshot({ path: screenshotPath, timeout: 10_000 }).catch((e) => log(`[screenshot failed] ${e.message}`));
    await stopLive();
    writeFileSync(join(resultsDir, `${scenario.id}.log`), [...logLines, '', ...collectHostLogs(dirs.userDataDir)].join('\n') + '\n');
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}

/** Docker and Kubernetes settings that point nowhere (the scenario's services replace them). */
function isolatedEnv(dirs) {
  const dockerConfig = join(dirs.root, 'docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  return {
    DOCKER_HOST: `unix://${join(dirs.root, 'no-engine.sock')}`,
    DOCKER_CONTEXT: '',
    DOCKER_CONFIG: dockerConfig,
    KUBECONFIG: join(dirs.root, 'no-kubeconfig'),
  };
}

/** Extension host log and Berth's output channel, appended to the scenario log for diagnosis. */
function collectHostLogs(userDataDir) {
  const out = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSafe(dir)) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/remoteexthost\.log$|-Berth\.log$|^Berth\.log$|remoteagent\.log$/.test(entry.name)) {
        out.push(`===== ${relative(userDataDir, full)}`, readFileSync(full, 'utf8'));
      }
    }
  };
  walk(join(userDataDir, 'logs'));
  return out;
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function main() {
  const started = performance.now();
  const selected = scenarios.filter((s) => filters.length === 0 || filters.some((f) => s.id.includes(f)));
  if (selected.length === 0) {
    console.error(`e2e: no scenario matches ${filters.join(', ')}; ids: ${scenarios.map((s) => s.id).join(', ')}`);
    process.exit(2);
  }
  // A full run starts from an empty results dir; a filtered one replaces only its scenarios' files.
  if (filters.length === 0) rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  for (const entry of readdirSync(resultsDir)) {
    if (entry === 'report.json' || selected.some((s) => entry.startsWith(`${s.id}.`) || entry.startsWith(`${s.id}-`))) {
      rmSync(join(resultsDir, entry), { force: true });
    }
  }

  if (!skipBuild) {
    console.log('e2e: npm run build');
    const build = spawnSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
    if (build.status !== 0) await abort('npm run build failed');
  }
  const install = await ensureCodeServer();
  const chromiumPath = await ensureChromium();
  const identity = extensionIdentity(extensionDir);
  const packageJson = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
  console.log(`e2e: ${identity.id} ${identity.version} in code-server ${install.codeServerVersion} (VS Code ${install.vscodeVersion}), ${chromiumPath}`);
  const setup = {
    install,
    chromium: chromiumPath,
    extension: { ...identity, packageJson },
    runRoot: mkdtempSync(join(tmpdir(), 'berth-e2e-')),
  };

  if (selected.some((s) => s.services?.includes('docker'))) {
    const wasRunning = (await dockerStatus()).running;
    setup.docker = await startDocker();
    startedDocker = !wasRunning;
    console.log(`e2e: private Docker engine ${setup.docker.dockerd.host} (${setup.docker.reused ? 'reused' : `started in ${setup.docker.startMs} ms`})`);
  }

  if (selected.some((s) => s.services?.includes('k8s'))) {
    const wasRunning = (await sandboxStatus()).running;
    const t0 = performance.now();
    setup.k8s = await startSandbox();
    startedSandbox = !wasRunning;
    console.log(`e2e: Kubernetes sandbox ${setup.k8s.server} (${setup.k8s.reused ? 'reused' : `started in ${seconds(performance.now() - t0)}`})`);
  }

  if (selected.some((s) => s.services?.includes('helm'))) {
    setup.helm = await ensureHelm();
    console.log(`e2e: helm 3 ${setup.helm.paths.v3}, helm 4 ${setup.helm.paths.v4}`);
  }

  const report = [];
  for (const scenario of selected) {
    const t0 = performance.now();
    let result;
    let attempt = 1;
    for (; attempt <= ATTEMPTS; attempt++) {
      result = await withTimeout(runScenario(scenario, setup, attempt), SCENARIO_TIMEOUT_MS, `scenario ${scenario.id}`).catch(async (error) => {
        await stopLive();
        return { status: 'failed', details: error.message };
      });
      if (result.status === 'passed') break;
      if (attempt < ATTEMPTS) console.log(`  ${scenario.id}: attempt ${attempt} failed (${result.details.split('\n')[0]}); trying again`);
    }
    const took = seconds(performance.now() - t0);
    const retried = result.status === 'passed' && attempt > 1 ? ` [passed on attempt ${attempt}]` : '';
    const details = `${result.details}${retried} (${took})`;
    report.push({ id: scenario.id, status: result.status, screenshot: relative(repo, join(resultsDir, `${scenario.id}.png`)), details });
    console.log(`${result.status === 'passed' ? 'PASS' : 'FAIL'} ${scenario.id}: ${details}`);
    writeFileSync(join(resultsDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  }
  if (!keep) rmSync(setup.runRoot, { recursive: true, force: true });
  else console.log(`e2e: kept ${setup.runRoot}`);
  if (startedDocker) await stopDocker({ quiet: true });
  if (startedSandbox) await stopSandbox({ quiet: true });

  const passed = report.filter((r) => r.status === 'passed').length;
  const failed = report.length - passed;
  console.log(`e2e: ${seconds(performance.now() - started)}, screenshots and logs in ${relative(repo, resultsDir)}/`);
  console.log(`${passed} passed, ${failed} failed`);
  clearTimeout(watchdog);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((error) => abort(error instanceof Error ? error.stack ?? error.message : String(error)));
