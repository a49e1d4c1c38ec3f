#!/usr/bin/env node
// A real Kubernetes control plane for Berth's integration tests, benchmarks and demo, all on 127.0.0.1:
//   etcd 3.6, kube-apiserver, kube-controller-manager, kube-scheduler (Kubernetes 1.34) and kwok,
//   which plays the kubelet of one fake node (`kwok-node-0`): scheduled pods become Running/Ready,
//   Job pods complete, deleted pods go away, and every pod's log is read from files the tests append to.
// No container runtime, no images, no network namespaces; nothing listens off loopback.
//
// Binaries are built from the Go module proxy through the wrapper modules in build/k8s and build/etcd
// (kwok with `go install`) and cached outside the work tree:
//   ${BERTH_K8S_CACHE:-<berth cache>/k8s}/<versions>-<hash of the wrapper go.mod/go.sum>/bin
// State (PKI, kubeconfigs, logs, env.json) lives in ${BERTH_K8S_STATE:-<berth cache>/k8s-state};
// etcd's data dir is on /dev/shm when there is one, and is removed by `stop`.
//
//   node scripts/services/k8s.mjs build  [--json] [--only etcd,kwok] [--force] [--regenerate]
//   node scripts/services/k8s.mjs start  [--json]   (builds when needed; idempotent)
//   node scripts/services/k8s.mjs status [--json]   (exit 1 when not running; --json prints env.json)
//   node scripts/services/k8s.mjs stop   [--json]
//   node scripts/services/k8s.mjs verify [--json]   (end-to-end checks of a running sandbox; exit 1 on failure)
// Importable: ensureBinaries(), startSandbox(), stopSandbox(), sandboxStatus(), verifySandbox(), readSandboxEnv(), sandboxProcessEnv().
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync,
  renameSync, rmSync, statSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../vscode/ensure.mjs';
import { freePort } from '../vscode/codeServer.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const K8S_MODULE_DIR = join(REPO, 'build', 'k8s');
const ETCD_MODULE_DIR = join(REPO, 'build', 'etcd');

export const KWOK_VERSION = 'v0.8.0';
// Part of the cache key: bump it when build flags or the files copied next to bin change.
const RECIPE = 'berth-k8s-recipe-1';
export const NODE_NAME = 'kwok-node-0';
// Room for the 5,000-pod benchmark; kwok's node-initialize stage keeps capacity that is already set.
const NODE_PODS = 6000;
export const LIMITED_NAMESPACE = 'team-a';
export const LIMITED_USER = 'berth-limited';
// A /16, so kwok's pod IP pool (status values only, never dialled) does not run dry at 5,000 pods.
const POD_CIDR = '10.244.0.0/16';
const SERVICE_CIDR = '10.96.0.0/16';
export const MAIN_CONTEXTS = ['berth-sandbox', 'berth-sandbox-kube-system'];
export const FAULT_CONTEXTS = ['unreachable', 'silent', 'wrong-ca', 'expired-cert', 'limited', 'exec-hang', 'exec-fail', 'exec-ok'];
const K8S_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];
export const COMPONENTS = [...K8S_COMPONENTS, 'etcd', 'kwok'];
// The stock stages kwok needs to play a kubelet (the standalone binary has none built in),
// copied next to bin at build time so that a cleaned module cache does not break `start`.
const KWOK_STAGES = [
  ['node-initialize', 'node/fast/node-initialize.yaml'],
  ['node-heartbeat-with-lease', 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml'],
  ['pod-ready', 'pod/fast/pod-ready.yaml'],
  ['pod-complete', 'pod/fast/pod-complete.yaml'],
  ['pod-delete', 'pod/fast/pod-delete.yaml'],
];
// Start order; `stop` ends them all at once.
const PROCESSES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const log = (message) => process.stderr.write(`[k8s] ${message}\n`);
const seconds = (ms) => Math.round(ms / 100) / 10;

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function formatBytes(bytes) {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

// ---------------------------------------------------------------------------------------------
// Versions, cache key, Go
// ---------------------------------------------------------------------------------------------

function readModuleFile(dir, name) {
  const path = join(dir, name);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: it is part of the repository (regenerate with: node scripts/services/k8s.mjs build --regenerate)`);
  }
  return readFileSync(path, 'utf8');
}

/** The versions the wrapper modules pin, and the cache key derived from them. */
export function buildPlan() {
  const k8sMod = readModuleFile(K8S_MODULE_DIR, 'go.mod');
  const etcdMod = readModuleFile(ETCD_MODULE_DIR, 'go.mod');
  const kubernetes = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(k8sMod)?.[1];
  const etcd = /^\s*go\.etcd\.io\/etcd\/server\/v3 (v\S+)/m.exec(etcdMod)?.[1];
  if (!kubernetes) throw new Error(`${join(K8S_MODULE_DIR, 'go.mod')} does not require k8s.io/kubernetes`);
  if (!etcd) throw new Error(`${join(ETCD_MODULE_DIR, 'go.mod')} does not require go.etcd.io/etcd/server/v3`);
  const hash = createHash('sha256');
  for (const [dir, name] of [[K8S_MODULE_DIR, 'go.mod'], [K8S_MODULE_DIR, 'go.sum'], [ETCD_MODULE_DIR, 'go.mod'], [ETCD_MODULE_DIR, 'go.sum']]) {
    // Comment lines do not change what gets built.
    const text = name === 'go.mod' ? readModuleFile(dir, name).replace(/^\s*\/\/.*\n/gm, '') : readModuleFile(dir, name);
    hash.update(`${name}\0${text}\0`);
  }
  hash.update(`${RECIPE}\0${KWOK_VERSION}\0${process.platform}\0${process.arch}`);
  const key = `k8s-${kubernetes}_etcd-${etcd}_kwok-${KWOK_VERSION}_${hash.digest('hex').slice(0, 10)}`;
  const keyDir = join(cacheBase(), key);
  return { versions: { kubernetes, etcd, kwok: KWOK_VERSION }, key, keyDir, binDir: join(keyDir, 'bin'), stagesDir: join(keyDir, 'kwok-stages'), buildJson: join(keyDir, 'build.json') };
}

export function cacheBase() {
  return process.env.BERTH_K8S_CACHE || join(cacheRoot(), 'k8s');
}

function goEnv(extra = {}) {
  // Never fetch another toolchain; static binaries, as upstream builds them.
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', ...extra };
}

/** Checks that Go is there and new enough (kwok v0.8.0 declares go 1.26.0); returns `go version`'s text. */
function requireGo() {
  const result = spawnSync('go', ['version'], { encoding: 'utf8', env: goEnv() });
  if (result.error) {
    const reason = result.error.code === 'ENOENT' ? 'Go is not installed or not on PATH' : result.error.message;
    throw new Error(`cannot build the sandbox binaries: ${reason}. They need Go >= 1.26 and the Go module proxy once; then they are cached in ${cacheBase()}.`);
  }
  const text = result.stdout.trim();
  const match = /go(\d+)\.(\d+)/.exec(text);
  if (!match || Number(match[1]) < 1 || (Number(match[1]) === 1 && Number(match[2]) < 26)) {
    throw new Error(`cannot build the sandbox binaries: ${text || 'go version printed nothing'}; Go >= 1.26 is needed (kwok ${KWOK_VERSION} declares go 1.26.0; GOTOOLCHAIN=local so Go fetches no other toolchain)`);
  }
  return text;
}

function goEnvValue(name) {
  const result = spawnSync('go', ['env', name], { encoding: 'utf8', env: goEnv() });
  return result.status === 0 ? result.stdout.trim() : '';
}

const NETWORK_FAILURE = /dial tcp|i\/o timeout|no such host|connection refused|connection reset|network is unreachable|TLS handshake|proxyconnect|server misbehaving|Service Unavailable|Bad Gateway|Gateway Timeout|unexpected EOF|reading https?:\/\/|verifying .*: .*sum\.golang/i;

/** Runs a go command with its output on our stderr; throws a readable error (network failures named as such). */
function runGo(args, { cwd, env = goEnv(), label }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('go', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-6000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const started = Date.now();
    // CI logs: a line every 30 s, so a long compile is visibly alive.
    const heartbeat = setInterval(() => log(`  still ${label} (${formatDuration(Date.now() - started)})`), 30_000);
    child.on('error', (error) => {
      clearInterval(heartbeat);
      reject(new Error(`could not run go: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearInterval(heartbeat);
      if (code === 0) return resolvePromise(tail);
      const goSaid = tail.trim().split('\n').slice(-12).join('\n');
      if (NETWORK_FAILURE.test(tail)) {
        const proxy = process.env.GOPROXY || goEnvValue('GOPROXY') || '(default)';
        reject(new Error(`${label} failed: the Go module proxy could not be reached (GOPROXY=${proxy}). ` +
          `The first build needs it to download modules; later runs use the cache. Go said:\n${goSaid}`));
      } else {
        reject(new Error(`${label} failed (${signal ?? `exit ${code}`}); go ${args.join(' ')} in ${cwd}:\n${goSaid}`));
      }
    });
  });
}

/**
 * CPU seconds (user + system) of the children this process has waited for (/proc/self/stat cutime,
 * cstime): go's compiles and links. Load-independent, unlike wall time on a shared machine.
 */
function childCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5), counted from the state field (3): indices 13 and 14 here; clock ticks.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Disk use in bytes as `du` counts it (allocated blocks); 0 when the path does not exist. */
function diskUsage(path) {
  if (!path || !existsSync(path)) return 0;
  const result = spawnSync('du', ['-sk', path], { encoding: 'utf8' });
  const kib = Number(result.stdout?.split('\t')[0]);
  return Number.isFinite(kib) ? kib * 1024 : 0;
}

// ---------------------------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------------------------

function k8sLdflags(version) {
  const minor = /^v1\.(\d+)\./.exec(version)?.[1] ?? '0';
  // Without these the binaries say v0.0.0-master+$Format:%H$, which is not semver (Helm's
  // .Capabilities.KubeVersion, kubectl version skew warnings). Module paths: no vendor/ prefix.
  const vars = [
    ['k8s.io/component-base/version.gitVersion', version],
    ['k8s.io/component-base/version.gitMajor', '1'],
    ['k8s.io/component-base/version.gitMinor', minor],
    ['k8s.io/component-base/version.gitTreeState', 'clean'],
    ['k8s.io/component-base/version.buildDate', '2026-01-01T00:00:00Z'],
    ['k8s.io/client-go/pkg/version.gitVersion', version],
    ['k8s.io/client-go/pkg/version.gitMajor', '1'],
    ['k8s.io/client-go/pkg/version.gitMinor', minor],
  ];
  return ['-s', '-w', ...vars.map(([name, value]) => `-X ${name}=${value}`)].join(' ');
}

/** Runs `<binary> --version` (kubectl: `version --client`) and checks it names the pinned version. */
function checkVersion(component, path, versions) {
  const args = component === 'kubectl' ? ['version', '--client', '-o', 'json'] : ['--version'];
  const result = spawnSync(path, args, { encoding: 'utf8', timeout: 20_000 });
  const out = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  let found;
  if (component === 'kubectl') {
    try {
      found = JSON.parse(result.stdout).clientVersion?.gitVersion;
    } catch {
      found = undefined;
    }
    if (found !== versions.kubernetes) throw new Error(`kubectl version --client says ${found ?? out}, expected ${versions.kubernetes}`);
    return `kubectl ${found}`;
  }
  const expected = {
    etcd: `etcd Version: ${versions.etcd.replace(/^v/, '')}`,
    kwok: versions.kwok.replace(/^v/, ''),
  }[component] ?? `Kubernetes ${versions.kubernetes}`;
  if (result.status !== 0 || !out.includes(expected)) {
    throw new Error(`${path} --version printed "${out.split('\n')[0]}" (exit ${result.status}), expected "${expected}"`);
  }
  return out.split('\n')[0];
}

async function buildComponent(component, plan, workDir) {
  const out = join(workDir, component);
  if (K8S_COMPONENTS.includes(component)) {
    await runGo(['build', '-trimpath', '-ldflags', k8sLdflags(plan.versions.kubernetes), '-o', out, `k8s.io/kubernetes/cmd/${component}`],
      { cwd: K8S_MODULE_DIR, label: `building ${component} ${plan.versions.kubernetes}` });
  } else if (component === 'etcd') {
    // etcd's own go.mod has replace directives, so `go install ...@version` refuses it; the wrapper
    // module requires the published server module, whose requirements pin api/client/pkg.
    await runGo(['build', '-trimpath', '-ldflags', '-s -w', '-o', out, 'go.etcd.io/etcd/server/v3'],
      { cwd: ETCD_MODULE_DIR, label: `building etcd ${plan.versions.etcd}` });
  } else if (component === 'kwok') {
    // Outside any module, so that only kwok's own go.mod/go.sum decide its dependencies.
    await runGo(['install', '-trimpath', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`],
      { cwd: workDir, env: goEnv({ GOBIN: workDir }), label: `building kwok ${KWOK_VERSION}` });
  } else {
    throw new Error(`unknown component ${component}`);
  }
  return out;
}

/** Copies kwok's stock stage files from the module cache next to bin. */
async function copyKwokStages(plan) {
  const tmpCwd = tmpdir();
  const download = spawnSync('go', ['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], { cwd: tmpCwd, encoding: 'utf8', env: goEnv() });
  let moduleDir;
  try {
    moduleDir = JSON.parse(download.stdout).Dir;
  } catch {
    moduleDir = undefined;
  }
  if (download.status !== 0 || !moduleDir) {
    const text = `${download.stdout ?? ''}${download.stderr ?? ''}`.trim();
    throw new Error(`could not locate kwok ${KWOK_VERSION}'s module (for its stage files): ${NETWORK_FAILURE.test(text) ? 'the Go module proxy could not be reached. ' : ''}${text}`);
  }
  const partial = `${plan.stagesDir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const [name, relative] of KWOK_STAGES) {
    const source = join(moduleDir, 'kustomize', 'stage', relative);
    if (!existsSync(source)) throw new Error(`kwok ${KWOK_VERSION} has no ${relative} under ${moduleDir}/kustomize/stage`);
    copyFileSync(source, join(partial, `${name}.yaml`));
  }
  rmSync(plan.stagesDir, { recursive: true, force: true });
  renameSync(partial, plan.stagesDir);
}

function stagesPresent(plan) {
  return KWOK_STAGES.every(([name]) => existsSync(join(plan.stagesDir, `${name}.yaml`)));
}

function readBuildJson(plan) {
  try {
    return JSON.parse(readFileSync(plan.buildJson, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Makes sure every binary (and kwok's stage files) exists for the pinned versions, building what is
 * missing. Resolves `{ binDir, stagesDir, keyDir, versions, built: string[], build }` where `build` is build.json.
 */
export async function ensureBinaries({ only, force = false } = {}) {
  const plan = buildPlan();
  const wanted = only ? COMPONENTS.filter((c) => only.includes(c)) : COMPONENTS;
  if (only && wanted.length !== only.length) throw new Error(`--only takes a comma list of: ${COMPONENTS.join(', ')}`);
  const missing = wanted.filter((c) => force || !existsSync(join(plan.binDir, c)));
  const needStages = (!only || wanted.includes('kwok')) && (force || !stagesPresent(plan));
  if (missing.length === 0 && !needStages) {
    return { ...plan, built: [], build: readBuildJson(plan) };
  }

  const goVersion = requireGo();
  mkdirSync(plan.binDir, { recursive: true });
  const record = readBuildJson(plan) ?? { key: plan.key, versions: plan.versions, components: {}, runs: [] };
  record.versions = plan.versions;
  record.go = goVersion;
  const saveRecord = () => {
    record.binBytes = diskUsage(plan.binDir);
    record.totalSeconds = Math.round(Object.values(record.components).reduce((sum, c) => sum + (c.seconds ?? 0), 0) * 10) / 10;
    record.complete = COMPONENTS.every((c) => existsSync(join(plan.binDir, c))) && stagesPresent(plan);
    writeFileSync(plan.buildJson, JSON.stringify(record, null, 2) + '\n');
  };

  const goModCache = goEnvValue('GOMODCACHE');
  const goCache = goEnvValue('GOCACHE');
  const run = {
    startedAt: new Date().toISOString(),
    components: missing,
    cpus: availableParallelism(),
    loadAverage1mBefore: Math.round(loadavg()[0] * 10) / 10,
    goModCacheBytesBefore: diskUsage(goModCache),
    goCacheBytesBefore: diskUsage(goCache),
  };
  log(`building ${missing.join(', ') || 'nothing'} into ${plan.binDir} (${goVersion}; Kubernetes ${plan.versions.kubernetes}, etcd ${plan.versions.etcd}, kwok ${KWOK_VERSION})`);
  if (missing.some((c) => K8S_COMPONENTS.includes(c)) && !existsSync(join(plan.binDir, 'kube-apiserver'))) {
    log('a cold build of the Kubernetes binaries takes a long time on a small machine; see docs/k8s-sandbox.md for measured figures');
  }
  const runStarted = performance.now();
  // Work dirs of builds that were killed half way.
  for (const entry of readdirSync(plan.keyDir)) {
    const owner = /^\.building-(\d+)$/.exec(entry)?.[1];
    if (owner && !isAlive(Number(owner))) rmSync(join(plan.keyDir, entry), { recursive: true, force: true });
  }
  const workDir = join(plan.keyDir, `.building-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  try {
    for (const component of missing) {
      const started = performance.now();
      const cpuBefore = childCpuSeconds();
      log(`building ${component} ...`);
      const out = await buildComponent(component, plan, workDir);
      const version = checkVersion(component, out, plan.versions);
      renameSync(out, join(plan.binDir, component));
      const took = performance.now() - started;
      const cpuAfter = childCpuSeconds();
      const cpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : Math.round((cpuAfter - cpuBefore) * 10) / 10;
      record.components[component] = {
        seconds: seconds(took), cpuSeconds, bytes: statSync(join(plan.binDir, component)).size, version, builtAt: new Date().toISOString(),
        loadAverage1m: Math.round(loadavg()[0] * 10) / 10,
      };
      log(`built ${component} in ${formatDuration(took)}${cpuSeconds === undefined ? '' : `, ${cpuSeconds} CPU s`} (${version})`);
      saveRecord();
    }
    if (needStages) {
      await copyKwokStages(plan);
      log(`copied kwok's stage files to ${plan.stagesDir}`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  run.seconds = seconds(performance.now() - runStarted);
  run.goModCacheBytesAfter = diskUsage(goModCache);
  run.goCacheBytesAfter = diskUsage(goCache);
  record.runs.push(run);
  record.stagesDir = plan.stagesDir;
  record.binDir = plan.binDir;
  saveRecord();
  log(`build done in ${formatDuration(run.seconds * 1000)}; bin ${formatBytes(record.binBytes)}; build.json: ${plan.buildJson}`);
  return { ...plan, built: missing, build: record };
}

/** Rewrites build/k8s and build/etcd go.mod from the upstream module files, then `go mod tidy` both. */
async function regenerateModules({ kubernetes, etcd } = {}) {
  requireGo();
  const current = (() => {
    try {
      return buildPlan().versions;
    } catch {
      return {};
    }
  })();
  const kv = kubernetes ?? current.kubernetes;
  const ev = etcd ?? current.etcd;
  if (!kv || !ev) throw new Error('give --kubernetes v1.Y.Z and --etcd v3.Y.Z (no current go.mod to read them from)');
  const sv = kv.replace(/^v1\./, 'v0.');
  const download = spawnSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${kv}`], { cwd: tmpdir(), encoding: 'utf8', env: goEnv() });
  if (download.status !== 0) throw new Error(`go mod download k8s.io/kubernetes@${kv} failed: ${download.stdout}${download.stderr}`);
  const upstream = readFileSync(JSON.parse(download.stdout).GoMod, 'utf8');
  // Every staging module is published as k8s.io/<name> v0.Y.Z; upstream maps them to ./staging.
  const staging = [...upstream.matchAll(/^\s*(k8s\.io\/[a-z0-9-]+) => \.\/staging\/src\/k8s\.io\/[a-z0-9-]+\s*$/gm)].map((m) => m[1]);
  if (staging.length < 20) throw new Error(`found only ${staging.length} staging modules in k8s.io/kubernetes@${kv}'s go.mod`);
  const godebug = /^godebug .*$/m.exec(upstream)?.[0];
  const k8sMod = [
    "// Berth's wrapper module: builds the Kubernetes control-plane binaries from the Go module proxy.",
    '// Regenerate with: node scripts/services/k8s.mjs build --regenerate [--kubernetes v1.Y.Z] (never edit the replace list by hand).',
    'module local.invalid/berth-k8s-sandbox',
    '',
    'go 1.26',
    '',
    ...(godebug ? [godebug, ''] : []),
    'tool (',
    ...K8S_COMPONENTS.map((c) => `\tk8s.io/kubernetes/cmd/${c}`),
    ')',
    '',
    `require k8s.io/kubernetes ${kv}`,
    '',
    'replace (',
    ...staging.map((m) => `\t${m} => ${m} ${sv}`),
    ')',
    '',
  ].join('\n');
  const etcdMod = [
    "// Berth's wrapper module: builds etcd (the server) from the Go module proxy.",
    '// Regenerate with: node scripts/services/k8s.mjs build --regenerate [--etcd v3.Y.Z]',
    'module local.invalid/berth-etcd',
    '',
    'go 1.26',
    '',
    'tool go.etcd.io/etcd/server/v3',
    '',
    `require go.etcd.io/etcd/server/v3 ${ev}`,
    '',
  ].join('\n');
  for (const [dir, text] of [[K8S_MODULE_DIR, k8sMod], [ETCD_MODULE_DIR, etcdMod]]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'go.mod'), text);
    rmSync(join(dir, 'go.sum'), { force: true });
    log(`go mod tidy in ${dir}`);
    await runGo(['mod', 'tidy'], { cwd: dir, label: `go mod tidy in ${dir}` });
  }
  log(`regenerated: Kubernetes ${kv} (${staging.length} staging modules at ${sv}), etcd ${ev}`);
}

// ---------------------------------------------------------------------------------------------
// State, processes
// ---------------------------------------------------------------------------------------------

export function stateDir() {
  return process.env.BERTH_K8S_STATE || join(cacheRoot(), 'k8s-state');
}

const envPath = () => join(stateDir(), 'env.json');
const pidsPath = () => join(stateDir(), 'pids.json');

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export function readSandboxEnv() {
  return readJson(envPath());
}

/** Environment for a child (tests, VS Code) that should talk to the sandbox: its kubeconfig and kubectl. */
export function sandboxProcessEnv(env, { withFaults = false } = {}) {
  const sep = process.platform === 'win32' ? ';' : ':';
  return {
    KUBECONFIG: withFaults ? `${env.kubeconfig}${sep}${env.faultsKubeconfig}` : env.kubeconfig,
    BERTH_K8S_ENV: join(env.stateDir, 'env.json'),
    PATH: `${env.bin}${sep}${process.env.PATH ?? ''}`,
  };
}

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

/** True when `pid` runs a binary from `binDir` (so a reused PID of someone else's process is never signalled). */
function isOurs(pid, binDir) {
  if (!isAlive(pid)) return false;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return Boolean(binDir) && argv0.startsWith(`${binDir}/`);
  } catch {
    return false;
  }
}

function rssBytes(pid) {
  try {
    const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kib) ? kib * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function spawnDetached(command, args, logFile) {
  const fd = openSync(logFile, 'w');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, KUBECONFIG: '' } });
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

function tail(file, lines = 20) {
  if (!file || !existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  return text ? `\nlast lines of ${file}:\n${text}` : '';
}

class StartError extends Error {
  constructor(message, { addressInUse = false } = {}) {
    super(message);
    this.addressInUse = addressInUse;
  }
}

async function waitFor(what, probe, { timeoutMs, pid, logFile }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last === true) return;
    if (pid && !isAlive(pid)) {
      const logText = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      throw new StartError(`${what} exited while starting${tail(logFile)}`, { addressInUse: /address already in use/i.test(logText) });
    }
    await sleep(150);
  }
  throw new StartError(`${what} was not ready within ${timeoutMs / 1000} s (${last})${tail(logFile)}`);
}

/** GET over http(s); resolves `{ status, body }`, or `{ status: 0, error }` when there is no answer. */
function httpGet(url, { tls, timeoutMs = 3000 } = {}) {
  return new Promise((done) => {
    const target = new URL(url);
    const requestFn = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = requestFn(target, { method: 'GET', timeout: timeoutMs, agent: false, ...(tls ?? {}) }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => done({ status: 0, error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => done({ status: 0, error: error.message }));
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// PKI (openssl), kubeconfigs, exec plugins, kwok config
// ---------------------------------------------------------------------------------------------

function openssl(args, cwd) {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error) {
    throw new Error(result.error.code === 'ENOENT' ? 'openssl is not installed (the sandbox PKI is made with it)' : `openssl: ${result.error.message}`);
  }
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

const PKI_FILES = ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key', 'limited.crt', 'limited.key',
  'expired.crt', 'expired.key', 'other-ca.crt', 'sa.key', 'sa.pub'];
const PKI_MARKER = '.berth-pki-1';

/**
 * The sandbox's certificates, made once per state dir and reused: a CA, the API server's serving
 * certificate (127.0.0.1, localhost), admin (system:masters), the limited user, an expired client
 * certificate signed by the real CA, an unrelated CA (for the wrong-ca context) and the SA key pair.
 */
function ensurePki(dir) {
  const pki = join(dir, 'pki');
  const reusable = existsSync(join(pki, PKI_MARKER)) && PKI_FILES.every((f) => existsSync(join(pki, f)))
    // Still valid for a day (the CA and the leaves are made for 10 years, but a copied state dir may be old).
    && spawnSync('openssl', ['x509', '-checkend', '86400', '-noout', '-in', join(pki, 'admin.crt')]).status === 0;
  if (reusable) return { dir: pki, reused: true };
  rmSync(pki, { recursive: true, force: true });
  mkdirSync(join(pki, 'ca-db', 'new'), { recursive: true, mode: 0o700 });
  writeFileSync(join(pki, 'ca-db', 'index.txt'), '');
  writeFileSync(join(pki, 'ca-db', 'serial'), '1000\n');
  writeFileSync(join(pki, 'openssl.cnf'), [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    'CN = placeholder',
    '[ca_ext]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
    '[server_ext]',
    'basicConstraints = CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1,DNS:localhost',
    '[client_ext]',
    'basicConstraints = CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = clientAuth',
    // `openssl ca` is the portable way to put notBefore/notAfter in the past (x509 -days cannot go negative).
    '[ca]',
    'default_ca = berth_ca',
    '[berth_ca]',
    `database = ${join(pki, 'ca-db', 'index.txt')}`,
    `new_certs_dir = ${join(pki, 'ca-db', 'new')}`,
    `serial = ${join(pki, 'ca-db', 'serial')}`,
    `certificate = ${join(pki, 'ca.crt')}`,
    `private_key = ${join(pki, 'ca.key')}`,
    'default_md = sha256',
    'policy = policy_any',
    'unique_subject = no',
    'email_in_dn = no',
    'copy_extensions = none',
    '[policy_any]',
    'organizationName = optional',
    'commonName = supplied',
    '',
  ].join('\n'));
  const cnf = 'openssl.cnf';
  const newCa = (name, cn) => openssl(['req', '-x509', '-new', '-nodes', '-newkey', 'rsa:2048', '-sha256', '-config', cnf, '-extensions', 'ca_ext',
    '-subj', `/CN=${cn}`, '-days', '3650', '-keyout', `${name}.key`, '-out', `${name}.crt`], pki);
  const leaf = (name, subject, extensions) => {
    openssl(['req', '-new', '-nodes', '-newkey', 'rsa:2048', '-config', cnf, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`], pki);
    openssl(['x509', '-req', '-sha256', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-CAserial', 'ca.srl',
      '-days', '3650', '-extfile', cnf, '-extensions', extensions, '-out', `${name}.crt`], pki);
    rmSync(join(pki, `${name}.csr`));
  };
  newCa('ca', 'berth-sandbox-ca');
  leaf('apiserver', '/CN=kube-apiserver', 'server_ext');
  leaf('admin', '/O=system:masters/CN=berth-admin', 'client_ext');
  leaf('limited', `/CN=${LIMITED_USER}`, 'client_ext');
  // Expired: admin rights (system:masters), so a 401 can only come from the dates.
  openssl(['req', '-new', '-nodes', '-newkey', 'rsa:2048', '-config', cnf, '-subj', '/O=system:masters/CN=berth-expired', '-keyout', 'expired.key', '-out', 'expired.csr'], pki);
  openssl(['ca', '-batch', '-notext', '-config', cnf, '-extensions', 'client_ext', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z',
    '-in', 'expired.csr', '-out', 'expired.crt'], pki);
  rmSync(join(pki, 'expired.csr'));
  // A CA that signed nothing here: the wrong-ca context trusts it instead of the real one.
  newCa('other-ca', 'berth-unrelated-ca');
  rmSync(join(pki, 'other-ca.key'));
  openssl(['genrsa', '-out', 'sa.key', '2048'], pki);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pki);
  for (const f of readdirSync(pki)) if (f.endsWith('.key')) chmodSync(join(pki, f), 0o600);
  writeFileSync(join(pki, PKI_MARKER), new Date().toISOString() + '\n');
  return { dir: pki, reused: false };
}

/** A small YAML writer for kubeconfigs and manifests: every string double-quoted (JSON strings are YAML). */
function toYaml(value, indent = '') {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value.map((item) => {
      const text = toYaml(item, `${indent}  `);
      return isPlainObject(item) || Array.isArray(item) ? `${indent}- ${text.trimStart()}` : `${indent}- ${text}`;
    }).join('\n');
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return entries.map(([k, v]) => {
      if ((isPlainObject(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0)) {
        return `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
      }
      return `${indent}${k}: ${toYaml(v, `${indent}  `)}`;
    }).join('\n');
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function writeKubeconfigs(dir, pki, ports) {
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const main = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'berth-sandbox', cluster: { server, 'certificate-authority': join(pki, 'ca.crt') } }],
    users: [{ name: 'berth-sandbox-admin', user: { 'client-certificate': join(pki, 'admin.crt'), 'client-key': join(pki, 'admin.key') } }],
    contexts: [
      { name: 'berth-sandbox', context: { cluster: 'berth-sandbox', user: 'berth-sandbox-admin', namespace: 'default' } },
      { name: 'berth-sandbox-kube-system', context: { cluster: 'berth-sandbox', user: 'berth-sandbox-admin', namespace: 'kube-system' } },
    ],
    'current-context': 'berth-sandbox',
    preferences: {},
  };
  // The faults file names files relative to its own directory (the state dir), as kubectl resolves them;
  // its cluster and user names do not clash with the main file's, so both can be merged through KUBECONFIG.
  const exec = (script) => ({
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: process.execPath,
      args: [join(dir, 'exec', script)],
      interactiveMode: 'Never',
      provideClusterInfo: false,
    },
  });
  const faults = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'faults-sandbox', cluster: { server, 'certificate-authority': 'pki/ca.crt' } },
      { name: 'faults-unreachable', cluster: { server: `https://127.0.0.1:${ports.unreachable}`, 'certificate-authority': 'pki/ca.crt' } },
      { name: 'faults-silent', cluster: { server: `https://127.0.0.1:${ports.silent}`, 'certificate-authority': 'pki/ca.crt' } },
      { name: 'faults-wrong-ca', cluster: { server, 'certificate-authority': 'pki/other-ca.crt' } },
    ],
    users: [
      { name: 'faults-admin', user: { 'client-certificate': 'pki/admin.crt', 'client-key': 'pki/admin.key' } },
      { name: 'faults-expired', user: { 'client-certificate': 'pki/expired.crt', 'client-key': 'pki/expired.key' } },
      { name: 'faults-limited', user: { 'client-certificate': 'pki/limited.crt', 'client-key': 'pki/limited.key' } },
      { name: 'faults-exec-hang', user: exec('exec-hang.cjs') },
      { name: 'faults-exec-fail', user: exec('exec-fail.cjs') },
      { name: 'faults-exec-ok', user: exec('exec-ok.cjs') },
    ],
    contexts: [
      { name: 'unreachable', context: { cluster: 'faults-unreachable', user: 'faults-admin', namespace: 'default' } },
      { name: 'silent', context: { cluster: 'faults-silent', user: 'faults-admin', namespace: 'default' } },
      { name: 'wrong-ca', context: { cluster: 'faults-wrong-ca', user: 'faults-admin', namespace: 'default' } },
      { name: 'expired-cert', context: { cluster: 'faults-sandbox', user: 'faults-expired', namespace: 'default' } },
      { name: 'limited', context: { cluster: 'faults-sandbox', user: 'faults-limited', namespace: LIMITED_NAMESPACE } },
      { name: 'exec-hang', context: { cluster: 'faults-sandbox', user: 'faults-exec-hang', namespace: 'default' } },
      { name: 'exec-fail', context: { cluster: 'faults-sandbox', user: 'faults-exec-fail', namespace: 'default' } },
      { name: 'exec-ok', context: { cluster: 'faults-sandbox', user: 'faults-exec-ok', namespace: 'default' } },
    ],
    preferences: {},
  };
  const kubeconfig = join(dir, 'kubeconfig');
  const faultsKubeconfig = join(dir, 'kubeconfig-faults');
  writeFileSync(kubeconfig, `# Berth sandbox cluster (scripts/services/k8s.mjs); rewritten at every start.\n${toYaml(main)}\n`, { mode: 0o600 });
  writeFileSync(faultsKubeconfig, `# Berth sandbox: contexts that fail on purpose (scripts/services/k8s.mjs); paths relative to this file.\n${toYaml(faults)}\n`, { mode: 0o600 });
  return { kubeconfig, faultsKubeconfig, server };
}

/** The exec credential plugins of the faults kubeconfig: small Node scripts (run by `process.execPath`). */
function writeExecPlugins(dir, pki) {
  const execDir = join(dir, 'exec');
  mkdirSync(execDir, { recursive: true });
  const header = '// Written by scripts/services/k8s.mjs (Berth sandbox): an exec credential plugin for the faults kubeconfig.\n';
  writeFileSync(join(execDir, 'exec-hang.cjs'), `${header}// Behaves like a plugin waiting for a browser login that never completes: it never exits.
process.stderr.write('To sign in, open https://login.invalid/device and enter the code BRTH-0000 (berth sandbox: this plugin never finishes)\\n');
// Hangs until killed, but never outlives its caller: an orphan (a caller killed without its children) exits.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500);
`);
  writeFileSync(join(execDir, 'exec-fail.cjs'), `${header}process.stderr.write('berth sandbox exec-fail: the identity provider refused the refresh token (invalid_grant)\\n');
process.exit(1);
`);
  writeFileSync(join(execDir, 'exec-ok.cjs'), `${header}// Prints a valid ExecCredential carrying the sandbox admin's client certificate, valid for an hour.
const { readFileSync } = require('node:fs');
const credential = {
  apiVersion: 'client.authentication.k8s.io/v1',
  kind: 'ExecCredential',
  status: {
    clientCertificateData: readFileSync(${JSON.stringify(join(pki, 'admin.crt'))}, 'utf8'),
    clientKeyData: readFileSync(${JSON.stringify(join(pki, 'admin.key'))}, 'utf8'),
    expirationTimestamp: new Date(Date.now() + 3600 * 1000).toISOString().replace(/\\.\\d+Z$/, 'Z'),
  },
};
process.stdout.write(JSON.stringify(credential) + '\\n');
`);
}

// Berth's own pod stages, for rollouts that stall or can be watched progressing. kwok picks among the
// stages whose selectors match by weight, and drops zero-weight candidates as soon as one has a positive
// weight (pkg/utils/lifecycle/lifecycle.go, Lifecycle.Match): so weight 1 wins over the stock pod-ready
// (weight 0) for labelled pods, and unlabelled pods never match these.
//   berth.dev/never-ready: "true"  Running, containers started, never Ready (a readiness probe that keeps failing);
//   berth.dev/slow-ready: "true"   Running and Ready like any pod, but 3 s after it was bound.
function berthPodStage(name, label, { ready, delayMs }) {
  const flag = ready ? 'True' : 'False';
  const notReady = ready ? '' : `
        reason: ContainersNotReady
        message: {{ printf "containers with unready status: %v" $names | Quote }}`;
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  weight: 1
  selector:
    matchLabels:
      ${label}: "true"
    matchExpressions:
    - key: .metadata.deletionTimestamp
      operator: DoesNotExist
    - key: .status.phase
      operator: In
      values: [Pending]
${delayMs ? `  delay:
    durationMilliseconds: ${delayMs}
` : ''}  next:
    statusTemplate: |
      {{ $at := Now }}
      {{ $names := list }}{{ range .spec.containers }}{{ $names = append $names .name }}{{ end }}
      phase: Running
      startTime: {{ $at | Quote }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      conditions:
      - type: Initialized
        status: "True"
        lastTransitionTime: {{ $at | Quote }}
      - type: ContainersReady
        status: "${flag}"
        lastTransitionTime: {{ $at | Quote }}${notReady}
      - type: Ready
        status: "${flag}"
        lastTransitionTime: {{ $at | Quote }}${notReady}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        ready: ${ready}
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $at | Quote }}
      {{ end }}`;
}

const BERTH_STAGES = [
  berthPodStage('berth-pod-never-ready', 'berth.dev/never-ready', { ready: false }),
  berthPodStage('berth-pod-slow-ready', 'berth.dev/slow-ready', { ready: true, delayMs: 3000 }),
];

function writeKwokConfig(dir, stagesDir, logs) {
  const stages = [...KWOK_STAGES.map(([name]) => readFileSync(join(stagesDir, `${name}.yaml`), 'utf8').trim()), ...BERTH_STAGES];
  const clusterLogs = toYaml({
    kind: 'ClusterLogs',
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    metadata: { name: 'berth-all-pods' },
    // No selector: every pod, every container reads the same files.
    spec: { logs: [{ logsFile: logs.appLog, previousLogsFile: logs.previousLog }] },
  });
  const path = join(dir, 'kwok.yaml');
  writeFileSync(path, `${[...stages, clusterLogs].join('\n---\n')}\n`);
  return path;
}

function writeManifest(dir) {
  const docs = [
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: NODE_NAME,
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
        labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
      },
      spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] },
      status: {
        allocatable: { cpu: '1000', memory: '1Ti', pods: String(NODE_PODS) },
        capacity: { cpu: '1000', memory: '1Ti', pods: String(NODE_PODS) },
      },
    },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LIMITED_NAMESPACE } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'berth-limited-read-pods', namespace: LIMITED_NAMESPACE },
      rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'berth-limited-read-pods', namespace: LIMITED_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'berth-limited-read-pods' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: LIMITED_USER }],
    },
  ];
  const path = join(dir, 'sandbox-objects.yaml');
  writeFileSync(path, `${docs.map((d) => toYaml(d)).join('\n---\n')}\n`);
  return path;
}

// ---------------------------------------------------------------------------------------------
// Loopback check
// ---------------------------------------------------------------------------------------------

function parseProcNetAddress(hex, v6) {
  const [addressHex, portHex] = hex.split(':');
  const port = parseInt(portHex, 16);
  if (!v6) {
    const bytes = addressHex.match(/../g).map((b) => parseInt(b, 16)).reverse();
    return { address: bytes.join('.'), port };
  }
  // Four little-endian 32-bit words.
  const words = addressHex.match(/.{8}/g).map((w) => w.match(/../g).reverse().join(''));
  const groups = words.join('').match(/.{4}/g).map((g) => g.replace(/^0+(?=.)/, ''));
  const address = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return { address, port };
}

/** Listening TCP sockets of `pids` (from /proc), as `{ name, pid, address, port }`. */
function listenersOf(named) {
  const inodes = new Map();
  for (const v6 of [false, true]) {
    let text = '';
    try {
      text = readFileSync(v6 ? '/proc/net/tcp6' : '/proc/net/tcp', 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A = LISTEN
      inodes.set(fields[9], { ...parseProcNetAddress(fields[1], v6), family: v6 ? 'tcp6' : 'tcp' });
    }
  }
  const found = [];
  for (const [name, pid] of Object.entries(named)) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const listener = inode ? inodes.get(inode) : undefined;
      if (listener) found.push({ name, pid, ...listener });
    }
  }
  return found;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1', '::ffff:7f00:1']);

function checkLoopbackOnly(pids, ports) {
  if (!existsSync('/proc/net/tcp')) {
    log('warning: /proc/net/tcp is not readable here; the loopback-only check was skipped');
    return [];
  }
  const listeners = listenersOf(pids);
  const exposed = listeners.filter((l) => !LOOPBACK.has(l.address));
  if (exposed.length > 0) {
    throw new StartError(`refusing to run: these sandbox processes listen off loopback: ${exposed.map((l) => `${l.name} on ${l.address}:${l.port}`).join(', ')}`);
  }
  const expected = [['etcd', ports.etcd], ['etcd', ports.etcdPeer], ['kube-apiserver', ports.apiserver], ['kube-controller-manager', ports.controllerManager],
    ['kube-scheduler', ports.scheduler], ['kwok', ports.kwok]];
  for (const [name, port] of expected) {
    if (!listeners.some((l) => l.name === name && l.port === port)) throw new StartError(`${name} does not listen on 127.0.0.1:${port} as configured`);
  }
  return listeners.map(({ name, address, port }) => ({ name, address, port }));
}

// ---------------------------------------------------------------------------------------------
// Start, status, stop
// ---------------------------------------------------------------------------------------------

function etcdDataDir(dir) {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'u';
  const suffix = createHash('sha256').update(dir).digest('hex').slice(0, 8);
  // tmpfs: etcd's writes cost nothing, and a reboot cleans up whatever a killed run left.
  if (existsSync('/dev/shm')) {
    try {
      const probe = join('/dev/shm', `.berth-probe-${process.pid}`);
      writeFileSync(probe, '');
      unlinkSync(probe);
      return join('/dev/shm', `berth-k8s-etcd-${uid}-${suffix}`);
    } catch {
      // not writable: fall through
    }
  }
  return join(dir, 'etcd-data');
}

async function pickPorts() {
  const names = ['etcd', 'etcdPeer', 'apiserver', 'controllerManager', 'scheduler', 'kwok', 'unreachable', 'silent'];
  const ports = {};
  const used = new Set();
  for (const name of names) {
    let port;
    do port = await freePort(); while (used.has(port));
    used.add(port);
    ports[name] = port;
  }
  return ports;
}

async function withLock(dir, fn) {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + 60 * 60_000; // a cold build holds it a long time
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (!isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another k8s.mjs (pid ${holder}) holds ${lock}`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Whether the recorded processes are alive and the API server answers /readyz. */
export async function sandboxStatus() {
  const env = readSandboxEnv();
  if (!env) {
    const pids = readJson(pidsPath());
    return { running: false, reason: pids ? 'a start did not finish (pids.json without env.json)' : `no ${envPath()}`, pids };
  }
  const dead = PROCESSES.filter((name) => !isOurs(env.pids?.[name], env.bin));
  if (dead.length > 0) return { running: false, reason: `not running: ${dead.join(', ')}`, env };
  let tls;
  try {
    tls = { ca: readFileSync(env.caFile), cert: readFileSync(env.adminCert), key: readFileSync(env.adminKey) };
  } catch (error) {
    return { running: false, reason: `the sandbox PKI is unreadable: ${error.message}`, env };
  }
  const ready = await httpGet(`${env.server}/readyz`, { tls });
  if (ready.status !== 200) return { running: false, reason: `kube-apiserver /readyz: ${ready.error ?? `HTTP ${ready.status} ${ready.body}`}`, env };
  return { running: true, env };
}

/**
 * Starts the sandbox (building the binaries first when needed), or returns the running one's env.
 * Resolves env.json's content, plus `reused: true` when it was already running.
 */
export async function startSandbox() {
  const dir = stateDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withLock(dir, async () => {
    const current = await sandboxStatus();
    if (current.running) return { ...current.env, reused: true };
    if (current.env || current.pids) {
      log(`cleaning up an earlier run (${current.reason})`);
      await stopSandbox({ quiet: true, locked: true });
    }
    const buildStarted = performance.now();
    const binaries = await ensureBinaries();
    const buildMs = binaries.built.length > 0 ? Math.round(performance.now() - buildStarted) : 0;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const env = await startOnce(dir, binaries, started);
        if (buildMs) env.buildMs = buildMs;
        writeFileSync(envPath(), JSON.stringify(env, null, 2) + '\n', { mode: 0o600 });
        return { ...env, reused: false };
      } catch (error) {
        await stopSandbox({ quiet: true, locked: true });
        // Ports are chosen free but bound later: another process may take one in between.
        if (error instanceof StartError && error.addressInUse && attempt < 3) {
          log(`a port was taken meanwhile; starting again with new ports (attempt ${attempt + 1})`);
          continue;
        }
        throw error;
      }
    }
  });
}

async function startOnce(dir, binaries, started) {
  const { binDir, stagesDir, versions } = binaries;
  const bin = (name) => join(binDir, name);
  const steps = {};
  const mark = (name, since) => {
    steps[name] = Math.round(performance.now() - since);
  };

  let t = performance.now();
  const pki = ensurePki(dir);
  const pkiDir = pki.dir;
  mark(pki.reused ? 'pkiReused' : 'pki', t);
  const ports = await pickPorts();
  const logsDir = join(dir, 'logs');
  const componentLogsDir = join(dir, 'component-logs');
  mkdirSync(logsDir, { recursive: true });
  mkdirSync(componentLogsDir, { recursive: true });
  const appLog = join(logsDir, 'app.log');
  const previousLog = join(logsDir, 'app-previous.log');
  // Every start begins with empty pod logs; tests append CRI lines to them.
  writeFileSync(appLog, '');
  writeFileSync(previousLog, '');
  const { kubeconfig, faultsKubeconfig, server } = writeKubeconfigs(dir, pkiDir, ports);
  writeExecPlugins(dir, pkiDir);
  const kwokConfig = writeKwokConfig(dir, stagesDir, { appLog, previousLog });
  const manifest = writeManifest(dir);
  const dataDir = etcdDataDir(dir);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const pids = {};
  const componentLogs = {};
  const record = () => writeFileSync(pidsPath(), JSON.stringify({ bin: binDir, pids, etcdDataDir: dataDir }, null, 2) + '\n');
  const launch = (name, args) => {
    componentLogs[name] = join(componentLogsDir, `${name}.log`);
    pids[name] = spawnDetached(bin(name), args, componentLogs[name]);
    record();
    return pids[name];
  };
  const tls = { ca: readFileSync(join(pkiDir, 'ca.crt')), cert: readFileSync(join(pkiDir, 'admin.crt')), key: readFileSync(join(pkiDir, 'admin.key')) };
  const p = (file) => join(pkiDir, file);

  t = performance.now();
  const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  launch('etcd', [
    '--name', 'berth', '--data-dir', dataDir,
    '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `berth=${peerUrl}`,
    // Test data only: no fsync (and tmpfs); a 2 GiB quota; compaction so long benchmarks stay small.
    '--unsafe-no-fsync', '--quota-backend-bytes=2147483648', '--auto-compaction-mode=periodic', '--auto-compaction-retention=5m',
    '--log-level=warn',
  ]);
  await waitFor('etcd', async () => {
    const r = await httpGet(`${etcdUrl}/health`, { timeoutMs: 1000 });
    return r.status === 200 && /"health":\s*"true"/.test(r.body) ? true : r.error ?? `HTTP ${r.status}`;
  }, { timeoutMs: 30_000, pid: pids.etcd, logFile: componentLogs.etcd });
  mark('etcd', t);

  t = performance.now();
  launch('kube-apiserver', [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1', `--secure-port=${ports.apiserver}`,
    // Without a default route the apiserver cannot pick an address; 127.0.0.1 is refused for the
    // kubernetes Service's endpoints, so the endpoint reconciler is off (nothing here needs them).
    '--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none',
    `--tls-cert-file=${p('apiserver.crt')}`, `--tls-private-key-file=${p('apiserver.key')}`,
    `--client-ca-file=${p('ca.crt')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${p('sa.pub')}`, `--service-account-signing-key-file=${p('sa.key')}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--authorization-mode=RBAC', '--allow-privileged=true',
    // Logs (kubectl logs, pods/log) go to the node's InternalIP, which kwok sets to 127.0.0.1.
    '--kubelet-preferred-address-types=InternalIP',
    '--profiling=false', '--v=1',
  ]);
  await waitFor('kube-apiserver', async () => {
    const r = await httpGet(`${server}/readyz`, { tls, timeoutMs: 2000 });
    return r.status === 200 ? true : r.error ?? `HTTP ${r.status}`;
  }, { timeoutMs: 120_000, pid: pids['kube-apiserver'], logFile: componentLogs['kube-apiserver'] });
  mark('apiserver', t);

  t = performance.now();
  const clientArgs = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`];
  const serving = [`--tls-cert-file=${p('apiserver.crt')}`, `--tls-private-key-file=${p('apiserver.key')}`, '--bind-address=127.0.0.1'];
  // Client rate limits raised (defaults 20 and 50 QPS) so 5,000-pod benchmarks are not throttled by them.
  launch('kube-controller-manager', [
    ...clientArgs, ...serving, `--secure-port=${ports.controllerManager}`, '--leader-elect=false',
    `--service-account-private-key-file=${p('sa.key')}`, `--root-ca-file=${p('ca.crt')}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`, '--kube-api-qps=500', '--kube-api-burst=1000', '--v=1',
  ]);
  launch('kube-scheduler', [
    ...clientArgs, ...serving, `--secure-port=${ports.scheduler}`, '--leader-elect=false',
    '--kube-api-qps=500', '--kube-api-burst=1000', '--v=1',
  ]);
  launch('kwok', [
    `--kubeconfig=${kubeconfig}`, `--config=${kwokConfig}`, '--manage-all-nodes=true',
    // --server-address pins kwok's kubelet endpoint to loopback (with only --node-port it binds 0.0.0.0).
    '--node-ip=127.0.0.1', `--node-port=${ports.kwok}`, `--server-address=127.0.0.1:${ports.kwok}`,
    `--tls-cert-file=${p('apiserver.crt')}`, `--tls-private-key-file=${p('apiserver.key')}`,
    '--node-lease-duration-seconds=40', `--cidr=${POD_CIDR}`,
  ]);
  const apply = await new Promise((done) => {
    const child = spawn(bin('kubectl'), ['--kubeconfig', kubeconfig, 'apply', '-f', manifest], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('error', (error) => done({ code: -1, out: error.message }));
    child.on('exit', (code) => done({ code, out }));
  });
  if (apply.code !== 0) throw new StartError(`kubectl apply -f ${manifest} failed:\n${apply.out}`);

  const healthz = (name, port) => waitFor(name, async () => {
    const r = await httpGet(`https://127.0.0.1:${port}/healthz`, { tls: { ca: tls.ca }, timeoutMs: 2000 });
    return r.status === 200 ? true : r.error ?? `HTTP ${r.status}`;
  }, { timeoutMs: 60_000, pid: pids[name], logFile: componentLogs[name] });
  const apiJson = async (path) => {
    const r = await httpGet(`${server}${path}`, { tls, timeoutMs: 2000 });
    return r.status === 200 ? JSON.parse(r.body) : undefined;
  };
  await Promise.all([
    healthz('kube-controller-manager', ports.controllerManager),
    healthz('kube-scheduler', ports.scheduler),
    waitFor(`node ${NODE_NAME} Ready (kwok)`, async () => {
      const node = await apiJson(`/api/v1/nodes/${NODE_NAME}`);
      const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      return ready === 'True' ? true : `Ready=${ready ?? 'unknown'}`;
    }, { timeoutMs: 60_000, pid: pids.kwok, logFile: componentLogs.kwok }),
    // Pods are refused until their namespace's default ServiceAccount exists (kube-controller-manager makes it).
    ...['default', LIMITED_NAMESPACE].map((ns) => waitFor(`ServiceAccount ${ns}/default`, async () => (await apiJson(`/api/v1/namespaces/${ns}/serviceaccounts/default`)) ? true : 'missing',
      { timeoutMs: 60_000, pid: pids['kube-controller-manager'], logFile: componentLogs['kube-controller-manager'] })),
  ]);
  mark('controllersNodeAndServiceAccounts', t);

  const listeners = checkLoopbackOnly(pids, ports);
  const startedMs = Math.round(performance.now() - started);
  const rss = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssBytes(pid)]));
  return {
    stateDir: dir,
    kubeconfig,
    faultsKubeconfig,
    server,
    caFile: join(pkiDir, 'ca.crt'),
    logsDir,
    appLog,
    previousLog,
    bin: binDir,
    kubectl: bin('kubectl'),
    pids,
    startedMs,
    startedAt: new Date().toISOString(),
    versions,
    contexts: { main: MAIN_CONTEXTS, faults: FAULT_CONTEXTS, current: 'berth-sandbox' },
    node: NODE_NAME,
    nodePods: NODE_PODS,
    limited: { user: LIMITED_USER, namespace: LIMITED_NAMESPACE, verbs: ['get', 'list', 'watch'], resources: ['pods', 'pods/log'] },
    // Nothing listens on these: `unreachable` is refused; a test may listen on `silent` and never answer.
    unreachableServer: `https://127.0.0.1:${ports.unreachable}`,
    silentPort: ports.silent,
    ports,
    adminCert: join(pkiDir, 'admin.crt'),
    adminKey: join(pkiDir, 'admin.key'),
    etcdDataDir: dataDir,
    componentLogs,
    listeners,
    rssBytes: rss,
    steps,
  };
}

async function terminate(pid, name, graceMs) {
  try {
    process.kill(pid, 'SIGCONT'); // a stopped process would ignore TERM
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    log(`${name} (pid ${pid}) ignored SIGTERM for ${graceMs / 1000} s: SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    while (isAlive(pid)) await sleep(20);
  }
  return true;
}

/** Ends the recorded processes (by PID only, after checking they run our binaries) and removes etcd's data. */
export async function stopSandbox({ quiet = false, locked = false } = {}) {
  const run = async () => {
    const started = performance.now();
    const env = readSandboxEnv();
    const recorded = readJson(pidsPath());
    const binDir = env?.bin ?? recorded?.bin;
    const pids = { ...(recorded?.pids ?? {}), ...(env?.pids ?? {}) };
    const stopped = [];
    await Promise.all(Object.entries(pids).map(async ([name, pid]) => {
      if (!isOurs(pid, binDir)) return;
      if (await terminate(pid, name, 3000)) stopped.push(name);
    }));
    const dataDir = env?.etcdDataDir ?? recorded?.etcdDataDir;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    rmSync(envPath(), { force: true });
    rmSync(pidsPath(), { force: true });
    const stopMs = Math.round(performance.now() - started);
    if (!quiet) log(stopped.length ? `stopped ${stopped.join(', ')} in ${(stopMs / 1000).toFixed(2)} s` : 'nothing was running');
    return { stopped, stopMs };
  };
  if (locked) return run();
  const dir = stateDir();
  if (!existsSync(dir)) {
    if (!quiet) log('nothing was running');
    return { stopped: [], stopMs: 0 };
  }
  return withLock(dir, run);
}

function runKubectl(env, args, { timeoutMs = 30_000 } = {}) {
  return new Promise((done) => {
    const child = spawn(env.kubectl, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: `${env.kubeconfig}:${env.faultsKubeconfig}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); done({ code: -1, stdout, stderr: error.message }); });
    child.on('exit', (code, signal) => { clearTimeout(timer); done({ code: code ?? -1, signal, stdout, stderr }); });
  });
}

/**
 * Checks the running sandbox end to end with the built kubectl: node Ready, a Deployment's pods
 * Running/Ready, `kubectl logs -f` streaming lines appended to appLog, and each fault context failing
 * the way it should. Appends two lines to appLog and creates (then deletes) one namespace.
 */
export async function verifySandbox() {
  const status = await sandboxStatus();
  if (!status.running) throw new Error(`the sandbox is not running (${status.reason}); start it first`);
  const env = status.env;
  const results = [];
  const check = async (name, fn) => {
    const started = performance.now();
    try {
      const detail = await fn();
      results.push({ name, ok: true, ms: Math.round(performance.now() - started), detail });
      log(`ok   ${name}${detail ? `: ${detail}` : ''} (${Math.round(performance.now() - started)} ms)`);
    } catch (error) {
      results.push({ name, ok: false, ms: Math.round(performance.now() - started), detail: error.message });
      log(`FAIL ${name}: ${error.message}`);
    }
  };
  const ok = async (args, what) => {
    const r = await runKubectl(env, args);
    if (r.code !== 0) throw new Error(`${what ?? `kubectl ${args.join(' ')}`} failed: ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  const failsWith = async (args, pattern) => {
    const r = await runKubectl(env, args, { timeoutMs: 15_000 });
    if (r.code === 0) throw new Error(`kubectl ${args.join(' ')} succeeded, expected a failure matching ${pattern}`);
    if (!pattern.test(r.stderr)) throw new Error(`kubectl ${args.join(' ')} failed differently: ${r.stderr.trim().split('\n').pop()}`);
    return r.stderr.trim().split('\n').pop();
  };
  const ns = `berth-verify-${process.pid}`;
  const base = ['--context', 'berth-sandbox', '-n', ns];

  await check(`node ${env.node} Ready`, async () => {
    const ready = await ok(['--context', 'berth-sandbox', 'get', 'node', env.node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    if (ready !== 'True') throw new Error(`Ready=${ready}`);
  });
  let pod;
  await check('Deployment with 2 replicas: pods Running and Ready', async () => {
    await ok(['--context', 'berth-sandbox', 'create', 'namespace', ns]);
    const deadline = Date.now() + 30_000;
    while ((await runKubectl(env, [...base, 'get', 'serviceaccount', 'default'])).code !== 0) {
      if (Date.now() > deadline) throw new Error(`no default ServiceAccount in ${ns} after 30 s`);
      await sleep(200);
    }
    await ok([...base, 'create', 'deployment', 'web', '--image=registry.invalid/berth/never-pulled:1', '--replicas=2']);
    await ok([...base, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    const pods = JSON.parse(await ok([...base, 'get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
    const ready = pods.filter((p) => p.status?.phase === 'Running' && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (ready.length !== 2) throw new Error(`${ready.length} of ${pods.length} pods Running and Ready`);
    pod = ready[0].metadata.name;
    return `${ready.map((p) => `${p.metadata.name} ${p.status.podIP}`).join(', ')}`;
  });
  await check('kubectl logs -f streams lines appended to appLog', async () => {
    if (!pod) throw new Error('no pod (previous check failed)');
    const child = spawn(env.kubectl, ['--context', 'berth-sandbox', '-n', ns, 'logs', '-f', pod], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: env.kubeconfig },
    });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    const waitForText = async (text) => {
      const deadline = Date.now() + 15_000;
      while (!out.includes(text)) {
        if (Date.now() > deadline) throw new Error(`"${text}" did not arrive; got: ${out.slice(-300)}`);
        await sleep(50);
      }
    };
    const stamp = () => new Date().toISOString().replace('Z', '000000Z');
    try {
      const first = `berth verify ${process.pid} first`;
      appendLine(env.appLog, `${stamp()} stdout F ${first}`);
      await waitForText(first);
      // The second line is appended only after the first arrived: it can only come by following the file.
      const second = `berth verify ${process.pid} followed`;
      const appended = performance.now();
      appendLine(env.appLog, `${stamp()} stderr F ${second}`);
      await waitForText(second);
      return `followed line arrived ${Math.round(performance.now() - appended)} ms after the append`;
    } finally {
      child.kill('SIGTERM');
    }
  });
  await check('limited: 403 in default', () => failsWith(['--context', 'limited', 'get', 'pods', '-n', 'default'], /Forbidden|forbidden/));
  await check(`limited: reads pods in ${env.limited.namespace}`, () => ok(['--context', 'limited', 'get', 'pods', '-n', env.limited.namespace]).then(() => undefined));
  await check('expired-cert: 401', () => failsWith(['--context', 'expired-cert', 'get', 'pods'], /Unauthorized/));
  await check('wrong-ca: TLS verification fails', () => failsWith(['--context', 'wrong-ca', 'get', 'pods'], /certificate signed by unknown authority|failed to verify certificate/));
  await check('unreachable: connection refused', () => failsWith(['--context', 'unreachable', 'get', 'pods', '--request-timeout=5s'], /connection refused|was refused/));
  await check('exec-fail: plugin exit 1', () => failsWith(['--context', 'exec-fail', 'get', 'pods'], /exit code 1/));
  await check('exec-hang: never answers; exits once its caller is killed', async () => {
    const child = spawn(env.kubectl, ['--context', 'exec-hang', 'get', 'pods'], {
      stdio: 'ignore', env: { ...process.env, KUBECONFIG: `${env.kubeconfig}:${env.faultsKubeconfig}` },
    });
    await sleep(3000);
    if (!isAlive(child.pid)) throw new Error('kubectl finished although the plugin never answers');
    const plugin = childrenOf(child.pid).find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('exec-hang.cjs');
      } catch {
        return false;
      }
    });
    child.kill('SIGKILL');
    if (!plugin) return 'plugin process not found under kubectl (no /proc?)';
    const deadline = Date.now() + 5000;
    while (isAlive(plugin)) {
      if (Date.now() > deadline) throw new Error(`the orphaned plugin (pid ${plugin}) is still running 5 s after kubectl was killed`);
      await sleep(100);
    }
    return `plugin pid ${plugin} exited after its caller was killed`;
  });
  await check('exec-ok: authenticated as berth-admin', async () => {
    const who = await ok(['--context', 'exec-ok', 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    if (who !== 'berth-admin') throw new Error(`whoami says ${who}`);
  });
  await check('loopback only', async () => {
    const listeners = checkLoopbackOnly(env.pids, env.ports);
    return `${listeners.length} listeners, all on ${[...new Set(listeners.map((l) => l.address))].join(', ')}`;
  });
  await check(`namespace ${ns} deleted`, () => ok(['--context', 'berth-sandbox', 'delete', 'namespace', ns, '--timeout=60s']).then(() => undefined));
  const failed = results.filter((r) => !r.ok);
  return { ok: failed.length === 0, results };
}

function childrenOf(parent) {
  const found = [];
  let entries = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return found;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function appendLine(file, line) {
  const fd = openSync(file, 'a');
  try {
    writeFileSync(fd, `${line}\n`);
  } finally {
    closeSync(fd);
  }
}

function describe(env) {
  const rss = Object.values(env.rssBytes ?? {}).reduce((sum, b) => sum + (b ?? 0), 0);
  return [
    `server:        ${env.server} (Kubernetes ${env.versions.kubernetes}, etcd ${env.versions.etcd}, kwok ${env.versions.kwok})`,
    `kubeconfig:    ${env.kubeconfig} (contexts ${env.contexts.main.join(', ')})`,
    `faults:        ${env.faultsKubeconfig} (contexts ${env.contexts.faults.join(', ')})`,
    `pod logs:      append CRI lines to ${env.appLog} (previous: ${env.previousLog})`,
    `kubectl:       ${env.kubectl}`,
    `pids:          ${Object.entries(env.pids).map(([n, pid]) => `${n} ${pid}`).join(', ')}`,
    `memory:        ${formatBytes(rss)} resident at start`,
    `env:           ${join(env.stateDir, 'env.json')}`,
    `use it:        export KUBECONFIG=${env.kubeconfig}`,
  ].join('\n');
}

function optionValue(args, name) {
  const index = args.indexOf(name);
  if (index >= 0) return args[index + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const valueFlags = new Set(['--only', '--kubernetes', '--etcd']);
  const positional = args.filter((a, i) => !a.startsWith('--') && !valueFlags.has(args[i - 1]));
  const [command = 'status'] = positional;
  const json = args.includes('--json');
  try {
    if (command === 'build') {
      if (args.includes('--regenerate')) await regenerateModules({ kubernetes: optionValue(args, '--kubernetes'), etcd: optionValue(args, '--etcd') });
      const only = optionValue(args, '--only')?.split(',').map((s) => s.trim()).filter(Boolean);
      const result = await ensureBinaries({ only, force: args.includes('--force') });
      if (json) console.log(JSON.stringify(result.build ?? {}, null, 2));
      else console.log(`${result.built.length ? `built ${result.built.join(', ')}` : 'all binaries present (nothing to build)'}\nbin: ${result.binDir}\nbuild record: ${result.buildJson}`);
    } else if (command === 'start') {
      const env = await startSandbox();
      if (json) console.log(JSON.stringify(env, null, 2));
      else console.log(`${describe(env)}\n${env.reused ? 'already running (reused)' : `started in ${(env.startedMs / 1000).toFixed(1)} s${env.buildMs ? ` (after building for ${formatDuration(env.buildMs)})` : ''}`}`);
    } else if (command === 'verify') {
      const result = await verifySandbox();
      if (json) console.log(JSON.stringify(result, null, 2));
      else console.log(result.ok ? `all ${result.results.length} checks passed` : `${result.results.filter((r) => !r.ok).length} of ${result.results.length} checks failed`);
      process.exit(result.ok ? 0 : 1);
    } else if (command === 'stop') {
      const result = await stopSandbox();
      if (json) console.log(JSON.stringify(result, null, 2));
    } else if (command === 'status') {
      const status = await sandboxStatus();
      if (json) console.log(JSON.stringify(status.running ? { running: true, ...status.env } : { running: false, reason: status.reason }, null, 2));
      else console.log(status.running ? describe(status.env) : `not running: ${status.reason}`);
      process.exit(status.running ? 0 : 1);
    } else {
      console.error('usage: node scripts/services/k8s.mjs build|start|stop|status|verify [--json]\n' +
        '       build [--only kube-apiserver,kube-controller-manager,kube-scheduler,kubectl,etcd,kwok] [--force] [--regenerate [--kubernetes v1.Y.Z] [--etcd v3.Y.Z]]');
      process.exit(2);
    }
  } catch (error) {
    console.error(`k8s: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
