#!/usr/bin/env node
// The real helm binaries Berth's Helm tests run: v3.19.5 and v4.3.1, built from the Go module
// proxy with `go install` (GOTOOLCHAIN=local, CGO_ENABLED=0, -trimpath) and the version ldflags of
// helm's own Makefile, so that they behave like the release binaries:
//   - `helm version --short` prints `v3.19.5` / `v4.3.1` (without them: `v3.19`, `v4.3`);
//   - helm 3's offline `.Capabilities.KubeVersion` (helm template, helm lint) is the client-go minor
//     it was built with (v1.34.0), not the v1.20.0 fallback in its source. Helm 4 reads it from the
//     binary's build info, so it needs no flag for that.
// Cached outside the work tree: ${BERTH_HELM_CACHE:-<berth cache>/helm}/<version>/bin/helm, with a
// build.json (build time, CPU seconds, size, Go version) next to bin.
//
//   node scripts/services/helm.mjs build [--json] [--force]   (builds what is missing; prints { v3, v4 })
//   node scripts/services/helm.mjs paths [--json]             (exit 1 when a binary is missing)
// Importable: ensureHelm(), helmPaths(), HELM_VERSIONS.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../vscode/ensure.mjs';

/** The pinned versions, by major. */
export const HELM_VERSIONS = { v3: 'v3.19.5', v4: 'v4.3.1' };
// Part of the cache key: bump it when the build flags change, so cached binaries are rebuilt.
const RECIPE = 'berth-helm-recipe-1';

const log = (message) => process.stderr.write(`[helm] ${message}\n`);
const roundTenth = (n) => Math.round(n * 10) / 10;

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function helmCacheBase() {
  return process.env.BERTH_HELM_CACHE || join(cacheRoot(), 'helm');
}

function versionDir(version) {
  return join(helmCacheBase(), version);
}

/** Where each pinned helm lives once built (whether or not it is there yet). */
export function helmPaths() {
  return Object.fromEntries(Object.entries(HELM_VERSIONS).map(([key, version]) => [key, join(versionDir(version), 'bin', 'helm')]));
}

function moduleOf(version) {
  const major = version.split('.')[0];
  return { module: `helm.sh/helm/${major}`, major };
}

function goEnv(extra = {}) {
  // Never fetch another toolchain; static binaries, as helm's release builds are.
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', ...extra };
}

function requireGo() {
  const result = spawnSync('go', ['version'], { encoding: 'utf8', env: goEnv() });
  if (result.error) {
    const reason = result.error.code === 'ENOENT' ? 'Go is not installed or not on PATH' : result.error.message;
    throw new Error(`cannot build helm: ${reason}. The build needs Go (helm ${HELM_VERSIONS.v4} declares go 1.26.0, so GOTOOLCHAIN=local needs Go >= 1.26) and the Go module proxy once; the binaries are then cached in ${helmCacheBase()}.`);
  }
  return result.stdout.trim();
}

const NETWORK_FAILURE = /dial tcp|i\/o timeout|no such host|connection refused|connection reset|network is unreachable|TLS handshake|proxyconnect|server misbehaving|Service Unavailable|Bad Gateway|Gateway Timeout|unexpected EOF|reading https?:\/\//i;

function networkHint(text) {
  if (!NETWORK_FAILURE.test(text)) return '';
  return ` The Go module proxy could not be reached (GOPROXY=${process.env.GOPROXY || '(Go default)'}); the first build needs it, later runs use the cache.`;
}

/** The module's go.mod from the module cache (downloading it when needed), for the client-go version. */
function moduleGoMod(version) {
  const { module } = moduleOf(version);
  const result = spawnSync('go', ['mod', 'download', '-json', `${module}@${version}`], { cwd: tmpdir(), encoding: 'utf8', env: goEnv() });
  let info;
  try {
    info = JSON.parse(result.stdout);
  } catch {
    info = undefined;
  }
  if (result.status !== 0 || !info?.GoMod) {
    const text = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(`go mod download ${module}@${version} failed.${networkHint(text)}\n${text.split('\n').slice(-8).join('\n')}`);
  }
  return readFileSync(info.GoMod, 'utf8');
}

/** `v1.<minor>.0` from the client-go the module requires (v0.34.2 -> v1.34.0), as helm's Makefile derives it. */
function expectedKubeVersion(goMod) {
  const match = /^\s*k8s\.io\/client-go v0\.(\d+)\.\d+/m.exec(goMod);
  if (!match) throw new Error('the helm module does not require k8s.io/client-go v0.x');
  return { major: '1', minor: match[1], text: `v1.${match[1]}.0` };
}

/** The -ldflags of helm's Makefile that matter for behaviour (no git commit: `version --short` stays the bare version). */
function ldflags(version, kube) {
  const { module, major } = moduleOf(version);
  const flags = ['-s', '-w', `-X ${module}/internal/version.version=${version}`, `-X ${module}/internal/version.gitTreeState=clean`];
  if (major === 'v3') {
    for (const pkg of ['pkg/lint/rules', 'pkg/chartutil']) {
      flags.push(`-X ${module}/${pkg}.k8sVersionMajor=${kube.major}`, `-X ${module}/${pkg}.k8sVersionMinor=${kube.minor}`);
    }
  }
  return flags.join(' ');
}

/** CPU seconds (user + system) of the children this process has waited for: go's compiles and links. */
function childCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

function runGo(args, { cwd, env, label }) {
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
    const heartbeat = setInterval(() => log(`  still ${label} (${formatDuration(Date.now() - started)})`), 30_000);
    child.on('error', (error) => {
      clearInterval(heartbeat);
      reject(new Error(`could not run go: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearInterval(heartbeat);
      if (code === 0) return resolvePromise();
      reject(new Error(`${label} failed (${signal ?? `exit ${code}`}).${networkHint(tail)}\n${tail.trim().split('\n').slice(-12).join('\n')}`));
    });
  });
}

/**
 * Checks that `path` is the helm we want: `version --short` prints exactly `version`, and
 * `helm template` without a cluster renders `.Capabilities.KubeVersion` as `kube.text`.
 * Returns a reason when it is not, else undefined.
 */
function probe(path, version, kube) {
  if (!existsSync(path)) return `${path} does not exist`;
  const short = spawnSync(path, ['version', '--short'], { encoding: 'utf8', timeout: 20_000 });
  const printed = (short.stdout ?? '').trim();
  if (short.status !== 0 || printed !== version) return `\`${path} version --short\` printed "${printed || (short.stderr ?? '').trim()}" (exit ${short.status}), expected ${version}`;
  const work = mkdtempSync(join(tmpdir(), 'berth-helm-probe-'));
  try {
    const chart = join(work, 'probe');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'templates', 'kube.yaml'), 'kubeVersion: "{{ .Capabilities.KubeVersion.Version }}"\n');
    const env = { ...process.env, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data'), KUBECONFIG: join(work, 'none') };
    const rendered = spawnSync(path, ['template', '--namespace', 'default', '--', 'probe', chart], { encoding: 'utf8', timeout: 20_000, env });
    const found = /kubeVersion: "([^"]*)"/.exec(rendered.stdout ?? '')?.[1];
    if (rendered.status !== 0 || found !== kube.text) {
      return `\`helm template\` offline renders .Capabilities.KubeVersion as ${found ?? `nothing (exit ${rendered.status}: ${(rendered.stderr ?? '').trim()})`}, expected ${kube.text} (the client-go it was built with)`;
    }
    return undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Copies of the same versions built earlier on this machine (a warm-up before this script existed). */
function warmCandidates(key) {
  return [join(helmCacheBase(), `warmup-${key}`, 'helm')];
}

async function ensureOne(key, version, { force }) {
  const dir = versionDir(version);
  const bin = join(dir, 'bin', 'helm');
  const buildJsonPath = join(dir, 'build.json');
  const recorded = readJson(buildJsonPath);
  // A cached build is checked against what was recorded when it was made: no Go needed to reuse it.
  if (!force && recorded?.recipe === RECIPE && typeof recorded.kubeVersion === 'string' && probe(bin, version, { text: recorded.kubeVersion }) === undefined) {
    return { key, version, path: bin, built: false, record: recorded };
  }
  const goVersion = requireGo();
  const kube = expectedKubeVersion(moduleGoMod(version));
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const partial = join(dir, 'bin', `.helm.partial-${process.pid}`);
  rmSync(partial, { force: true });
  const record = { version, recipe: RECIPE, kubeVersion: kube.text, path: bin };

  if (!force) {
    for (const candidate of warmCandidates(key)) {
      const problem = probe(candidate, version, kube);
      if (problem) {
        if (existsSync(candidate)) log(`not using ${candidate}: ${problem}`);
        continue;
      }
      copyFileSync(candidate, partial);
      renameSync(partial, bin);
      Object.assign(record, { source: `copied from ${candidate} (it prints ${version} and renders KubeVersion ${kube.text}; no compile)`, seconds: 0, cpuSeconds: 0, bytes: statSync(bin).size, builtAt: new Date().toISOString() });
      writeFileSync(buildJsonPath, `${JSON.stringify(record, null, 2)}\n`);
      log(`helm ${version}: copied the warm build ${candidate} to ${bin} (no compile needed)`);
      return { key, version, path: bin, built: true, record };
    }
  }

  const { module } = moduleOf(version);
  const workDir = mkdtempSync(join(tmpdir(), `berth-helm-build-${version}-`));
  const started = performance.now();
  const cpuBefore = childCpuSeconds();
  const load = roundTenth(loadavg()[0]);
  log(`building helm ${version} with ${goVersion} (${availableParallelism()} CPUs, load ${load}) ...`);
  try {
    // Outside any module, so that only helm's own go.mod/go.sum decide its dependencies.
    await runGo(['install', '-trimpath', '-ldflags', ldflags(version, kube), `${module}/cmd/helm@${version}`], {
      cwd: workDir,
      env: goEnv({ GOBIN: workDir }),
      label: `building helm ${version}`,
    });
    const out = join(workDir, 'helm');
    const problem = probe(out, version, kube);
    if (problem) throw new Error(`the helm ${version} just built is not right: ${problem}`);
    copyFileSync(out, partial);
    renameSync(partial, bin);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
  const took = performance.now() - started;
  const cpuAfter = childCpuSeconds();
  Object.assign(record, {
    source: `go install ${module}/cmd/helm@${version}`,
    go: goVersion,
    seconds: roundTenth(took / 1000),
    cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : roundTenth(cpuAfter - cpuBefore),
    bytes: statSync(bin).size,
    cpus: availableParallelism(),
    loadAverage1mBefore: load,
    builtAt: new Date().toISOString(),
  });
  writeFileSync(buildJsonPath, `${JSON.stringify(record, null, 2)}\n`);
  log(`built helm ${version} in ${formatDuration(took)}${record.cpuSeconds === undefined ? '' : `, ${record.cpuSeconds} CPU s`}, ${Math.round(record.bytes / 1024 ** 2)} MiB: ${bin}`);
  return { key, version, path: bin, built: true, record };
}

/**
 * Makes sure both pinned helm binaries exist and are right, building (or copying a matching warm
 * build) what is missing. Resolves `{ paths: { v3, v4 }, results: [{ key, version, path, built, record }] }`.
 */
export async function ensureHelm({ force = false } = {}) {
  const results = [];
  for (const [key, version] of Object.entries(HELM_VERSIONS)) results.push(await ensureOne(key, version, { force }));
  return { paths: Object.fromEntries(results.map((r) => [r.key, r.path])), results };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const [command = 'paths'] = args.filter((a) => !a.startsWith('--'));
  const json = args.includes('--json');
  try {
    if (command === 'build') {
      const { paths, results } = await ensureHelm({ force: args.includes('--force') });
      if (json) console.log(JSON.stringify(paths, null, 2));
      else {
        for (const r of results) console.log(`${r.version}: ${r.path} (${r.built ? r.record.source : 'already built'})`);
      }
    } else if (command === 'paths') {
      const paths = helmPaths();
      const missing = Object.values(paths).filter((p) => !existsSync(p));
      if (json) console.log(JSON.stringify(paths, null, 2));
      else for (const [key, path] of Object.entries(paths)) console.log(`${key}: ${path}`);
      if (missing.length) {
        console.error(`helm: not built yet: ${missing.join(', ')}. Build them: node scripts/services/helm.mjs build`);
        process.exit(1);
      }
    } else {
      console.error('usage: node scripts/services/helm.mjs build [--force] [--json] | paths [--json]');
      process.exit(2);
    }
  } catch (error) {
    console.error(`helm: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
