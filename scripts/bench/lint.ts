// Dockerfile lint benchmark: Berth against the Dockerfile linters on npm
// (dockerfilelint, dockerfile-utils) over the shared corpus of real Dockerfiles.
//   (a) whole process: each tool as its own node process over the whole corpus
//   (b) in process, warm: time per file
//   (c) one generated 2,000-line Dockerfile
//   (d) bundle sizes of dist/extension.js and dist/cli.js
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import * as dockerfilelint from 'dockerfilelint';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import type { ValidatorSettings } from 'dockerfile-utils';
import type { DEFAULT_CONFIG, LintInput, LintResult } from '../../src/core/dockerfile/lint';
import type { ALL_RULES } from '../../src/core/dockerfile/rules/index';
import type { BenchContext, BenchResult, Timed } from './lib/measure';
import { machine, median, percentile, round, table, timeProcess } from './lib/measure';

export const name = 'lint';
export const description = 'Dockerfile linting: Berth vs dockerfilelint and dockerfile-utils';

const CORPUS = '../shared/data/dockerfiles';
const TARGET_SPEEDUP = 3;
const TARGET_LARGE_MS = 5;

interface BerthEngine {
  readonly lintDockerfile: (input: LintInput) => LintResult;
  readonly DEFAULT_CONFIG: typeof DEFAULT_CONFIG;
  readonly ALL_RULES: typeof ALL_RULES;
}

type ToolId = 'berth' | 'dockerfilelint' | 'dockerfile-utils';

interface Tool {
  readonly id: ToolId;
  readonly label: string;
  readonly args: readonly string[];
}

interface Outcome {
  readonly findings: number | null;
  readonly crashes: number;
  readonly crashedFiles?: readonly { file: string; error: string }[];
  readonly exitStatus: number | null;
}

const ALL_CHECKS_ON: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.WARNING,
  directiveCasing: ValidationSeverity.WARNING,
  emptyContinuationLine: ValidationSeverity.WARNING,
  instructionCasing: ValidationSeverity.WARNING,
  instructionCmdMultiple: ValidationSeverity.WARNING,
  instructionEntrypointMultiple: ValidationSeverity.WARNING,
  instructionHealthcheckMultiple: ValidationSeverity.WARNING,
  instructionJSONInSingleQuotes: ValidationSeverity.WARNING,
  instructionWorkdirRelative: ValidationSeverity.WARNING,
};

function corpusFiles(root: string): string[] {
  const dir = join(root, CORPUS);
  if (!existsSync(dir)) throw new Error(`corpus not found at ${dir}`);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry !== 'README.md') out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The shipped bundles: the production build, or the CLI alone when the full build cannot run. */
async function buildBundles(root: string, log: (m: string) => void): Promise<string> {
  const r = timeProcess(process.execPath, ['scripts/build.mjs', '--production'], { cwd: root });
  if (r.status === 0) return 'node scripts/build.mjs --production';
  log(`the production build failed (${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}); building dist/cli.js alone`);
  await esbuild.build({
    entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli.js'), bundle: true, platform: 'node', target: 'node20',
    format: 'cjs', minify: true, legalComments: 'none', banner: { js: '#!/usr/bin/env node' }, logLevel: 'warning',
  });
  return 'dist/cli.js built alone (the full build failed)';
}

/** Berth's engine bundled and minified like the shipped code, for in-process timing. */
async function loadBerthEngine(root: string, scratch: string): Promise<BerthEngine> {
  const outfile = join(scratch, 'berth-engine.cjs');
  await esbuild.build({
    stdin: {
      contents: "export { lintDockerfile, DEFAULT_CONFIG } from './src/core/dockerfile/lint';\nexport { ALL_RULES } from './src/core/dockerfile/rules/index';\n",
      resolveDir: root, loader: 'ts', sourcefile: 'bench-entry.ts',
    },
    outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, logLevel: 'warning',
  });
  return createRequire(join(root, 'package.json'))(outfile) as BerthEngine;
}

/**
 * A driver per peer, written for each run: a CommonJS script (like dist/cli.js, so no
 * tool pays for the ESM loader) that lints every file named on its command line with all
 * checks on, catches per-file crashes and prints one JSON summary line.
 */
function writeDrivers(root: string, scratch: string): { dockerfilelint: string; dockerfileUtils: string; reportCpu: string } {
  const resolve = createRequire(join(root, 'package.json')).resolve;
  const loop = (lintExpression: string): string => `
let findings = 0;
const crashed = [];
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    findings += ${lintExpression}.length;
  } catch (err) {
    crashed.push({ file, error: String(err && err.message ? err.message : err).split('\\n')[0] });
  }
}
process.stdout.write(JSON.stringify({ files: process.argv.length - 2, findings, crashes: crashed.length, crashed }) + '\\n');
`;
  const dfl = join(scratch, 'dockerfilelint-driver.cjs');
  // dockerfilelint reads .dockerfilelintrc from the directory it is given; an empty one enables every rule.
  writeFileSync(dfl, `'use strict';
const { mkdtempSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const dockerfilelint = require(${JSON.stringify(resolve('dockerfilelint'))});
const configDir = mkdtempSync(join(${JSON.stringify(scratch)}, 'dfl-'));
${loop('dockerfilelint.run(configDir, text)')}`);
  const dfu = join(scratch, 'dockerfile-utils-driver.cjs');
  writeFileSync(dfu, `'use strict';
const { readFileSync } = require('node:fs');
const { validate } = require(${JSON.stringify(resolve('dockerfile-utils'))});
const settings = ${JSON.stringify(ALL_CHECKS_ON)};
${loop('validate(text, settings)')}`);
  // Preloaded into every tool's process: reports its CPU time (all threads) on exit.
  const cpu = join(scratch, 'report-cpu.cjs');
  writeFileSync(cpu, `'use strict';
process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\nBENCH_CPU_US ' + (u.user + u.system) + '\\n'); });
`);
  return { dockerfilelint: dfl, dockerfileUtils: dfu, reportCpu: cpu };
}

/** CPU time in ms reported by the preloaded script, or NaN. */
function cpuMs(r: Timed): number {
  const m = /BENCH_CPU_US (\d+)/.exec(r.stderr);
  return m ? Number(m[1]) / 1000 : NaN;
}

/** 2,000 lines of a realistic multi-stage Dockerfile: stages of FROM/ARG/ENV/RUN with continuations/COPY/LABEL. */
export function generateLargeDockerfile(lineCount = 2000): string {
  const lines = ['# syntax=docker/dockerfile:1', 'ARG BASE=debian:12-slim'];
  let stage = 0;
  while (lines.length < lineCount) {
    const stageName = `stage${stage}`;
    lines.push(stage === 0 ? `FROM \${BASE} AS ${stageName}` : `FROM ${stage % 3 === 0 ? 'node:22-bookworm-slim' : `stage${stage - 1}`} AS ${stageName}`);
    lines.push(`ARG VERSION_${stage}=1.${stage}.0`, `ENV APP_HOME=/opt/app${stage} PATH=/opt/app${stage}/bin:$PATH`, `WORKDIR /opt/app${stage}`);
    lines.push('RUN apt-get update \\', '    && apt-get install -y --no-install-recommends \\');
    for (let p = 0; p < 8; p++) lines.push(`       package-${stage}-${p}=1.${p}.* \\`);
    lines.push('    && rm -rf /var/lib/apt/lists/*');
    lines.push(`COPY --chown=app:app src/part${stage} ./src/`, 'COPY package.json package-lock.json ./');
    lines.push(`RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev && npm run build -- --stage ${stage}`);
    lines.push(`LABEL org.opencontainers.image.version="\${VERSION_${stage}}" stage="${stageName}"`);
    lines.push('RUN set -eux; \\', `    for f in a b c; do echo "$f" >> /tmp/list-${stage}; done; \\`, `    test -s /tmp/list-${stage}`);
    lines.push(`EXPOSE ${3000 + stage}/tcp`, 'USER app', `HEALTHCHECK --interval=30s CMD ["curl", "-f", "http://localhost:${3000 + stage}/"]`);
    lines.push(`CMD ["node", "dist/server${stage}.js"]`, '');
    stage++;
  }
  return `${lines.slice(0, lineCount).join('\n')}\n`;
}

/** Findings and crashes of one whole-process run, from each tool's own output. */
function summarise(id: ToolId, r: Timed): Outcome {
  if (id === 'berth') {
    let items: { code?: unknown }[] | undefined;
    try {
      const parsed: unknown = JSON.parse(r.stdout);
      if (Array.isArray(parsed)) items = parsed as { code?: unknown }[];
    } catch { /* counted as a crash below */ }
    const internal = items?.filter((i) => i.code === 'BT000').length ?? 0;
    const failed = r.status !== 0 || r.stderr.includes('internal error') || !items ? 1 : 0;
    return { findings: items?.length ?? null, crashes: internal + failed, exitStatus: r.status };
  }
  try {
    const s = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { findings: number; crashes: number; crashed: { file: string; error: string }[] };
    return { findings: s.findings, crashes: s.crashes, crashedFiles: s.crashed, exitStatus: r.status };
  } catch {
    return { findings: null, crashes: 1, exitStatus: r.status };
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const { root, quick, log } = ctx;
  const wholeReps = quick ? 3 : 9;
  const inProcessPasses = quick ? 3 : 10;
  const largeRuns = quick ? 20 : 100;

  const files = corpusFiles(root);
  const corpusBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  log(`corpus: ${files.length} files, ${(corpusBytes / 1024).toFixed(0)} KiB; building the production bundles`);

  const buildNote = await buildBundles(root, log);
  const sizeKiB = (p: string): number | null => (existsSync(join(root, p)) ? round(statSync(join(root, p)).size / 1024, 1) : null);
  const sizes = { 'dist/extension.js': sizeKiB('dist/extension.js'), 'dist/cli.js': sizeKiB('dist/cli.js'), build: buildNote };

  const scratch = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  try {
    const drivers = writeDrivers(root, scratch);
    // Every tool runs from an empty directory with an empty HOME: no .hadolint.yaml or
    // .dockerfilelintrc may switch rules off.
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HADOLINT_') && !k.startsWith('BERTH_'))),
      HOME: scratch,
      XDG_CONFIG_HOME: join(scratch, '.config'),
    };
    const versionOf = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    const tools: Tool[] = [
      { id: 'berth', label: `Berth ${versionOf(root)}`, args: ['--require', drivers.reportCpu, join(root, 'dist/cli.js'), 'lint', '--format', 'json', '--no-fail', ...files] },
      { id: 'dockerfilelint', label: `dockerfilelint ${versionOf(join(root, 'node_modules/dockerfilelint'))}`, args: ['--require', drivers.reportCpu, drivers.dockerfilelint, ...files] },
      { id: 'dockerfile-utils', label: `dockerfile-utils ${versionOf(join(root, 'node_modules/dockerfile-utils'))}`, args: ['--require', drivers.reportCpu, drivers.dockerfileUtils, ...files] },
    ];

    // ---- (a) whole process, round-robin so that load drifts hit every tool alike ----
    const samples: Record<ToolId, number[]> = { berth: [], dockerfilelint: [], 'dockerfile-utils': [] };
    const cpuSamples: Record<ToolId, number[]> = { berth: [], dockerfilelint: [], 'dockerfile-utils': [] };
    const outcomes: Partial<Record<ToolId, Outcome>> = {};
    const startup: number[] = [];
    for (let rep = 0; rep <= wholeReps; rep++) {
      startup.push(timeProcess(process.execPath, ['-e', '0'], { cwd: scratch, env }).ms);
      for (const tool of tools) {
        const r = timeProcess(process.execPath, tool.args, { cwd: scratch, env });
        // Round 0 only warms the file cache.
        if (rep > 0) {
          samples[tool.id].push(r.ms);
          cpuSamples[tool.id].push(cpuMs(r));
        }
        if (rep === 1) outcomes[tool.id] = summarise(tool.id, r);
      }
    }
    const whole = Object.fromEntries(tools.map((tool) => {
      const ms = median(samples[tool.id]);
      const outcome = outcomes[tool.id] ?? { findings: null, crashes: 1, exitStatus: null };
      return [tool.id, {
        label: tool.label,
        medianMs: round(ms, 1),
        minMs: round(Math.min(...samples[tool.id]), 1),
        cpuMedianMs: round(median(cpuSamples[tool.id]), 1),
        perFileMs: round(ms / files.length, 3),
        samplesMs: samples[tool.id].map((v) => round(v, 1)),
        ...outcome,
      }];
    })) as Record<ToolId, { label: string; medianMs: number | null; minMs: number | null; cpuMedianMs: number | null; perFileMs: number | null; samplesMs: (number | null)[] } & Outcome>;
    const nodeStartupMs = round(median(startup), 1);

    // ---- (b) in process, warm ----
    const berth = await loadBerthEngine(root, scratch);
    const dflConfigDir = mkdtempSync(join(scratch, 'dfl-inproc-'));
    const berthConfig = { ...berth.DEFAULT_CONFIG, maxFindings: Number.MAX_SAFE_INTEGER };
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    const linters: Record<ToolId, (text: string) => number> = {
      berth: (text) => {
        const r = berth.lintDockerfile({ text, config: berthConfig, options: { buildContext: { dockerignore: undefined } } });
        const internal = r.findings.filter((f) => f.code === 'BT000');
        if (internal.length > 0) throw new Error(internal.map((f) => f.message).join('; '));
        return r.findings.length;
      },
      dockerfilelint: (text) => dockerfilelint.run(dflConfigDir, text).length,
      'dockerfile-utils': (text) => validate(text, ALL_CHECKS_ON).length,
    };
    const perFile = Object.fromEntries(tools.map((t) => [t.id, texts.map((): number[] => [])])) as Record<ToolId, number[][]>;
    const passTotals: Record<ToolId, number[]> = { berth: [], dockerfilelint: [], 'dockerfile-utils': [] };
    const crashes: Record<ToolId, Map<string, string>> = { berth: new Map(), dockerfilelint: new Map(), 'dockerfile-utils': new Map() };
    const findingCounts: Partial<Record<ToolId, number>> = {};
    const warmup = 3;
    for (let pass = 0; pass < inProcessPasses + warmup; pass++) {
      for (const tool of tools) {
        const lint = linters[tool.id];
        let total = 0;
        let count = 0;
        texts.forEach((text, i) => {
          const s = performance.now();
          try {
            count += lint(text);
          } catch (err) {
            crashes[tool.id].set(relative(join(root, CORPUS), files[i] ?? ''), (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '');
          }
          const ms = performance.now() - s;
          total += ms;
          // Warm-up passes let the JIT and caches settle before anything is timed.
          if (pass >= warmup) perFile[tool.id][i]?.push(ms);
        });
        if (pass >= warmup) passTotals[tool.id].push(total);
        findingCounts[tool.id] = count;
      }
    }
    const inProcess = Object.fromEntries(tools.map((tool) => {
      const fileMedians = perFile[tool.id].map((v) => median(v));
      return [tool.id, {
        label: tool.label,
        corpusMs: round(median(passTotals[tool.id]), 2),
        perFileMeanMs: round(median(passTotals[tool.id]) / files.length, 4),
        perFileP50Ms: round(percentile(fileMedians, 50), 4),
        perFileP95Ms: round(percentile(fileMedians, 95), 4),
        perFileMaxMs: round(Math.max(...fileMedians), 3),
        findings: findingCounts[tool.id] ?? 0,
        crashes: crashes[tool.id].size,
        crashedFiles: [...crashes[tool.id]].map(([file, error]) => ({ file, error })),
      }];
    })) as Record<ToolId, { label: string; corpusMs: number | null; perFileMeanMs: number | null; perFileP50Ms: number | null; perFileP95Ms: number | null; perFileMaxMs: number | null; findings: number; crashes: number; crashedFiles: { file: string; error: string }[] }>;

    // ---- (c) one 2,000-line Dockerfile ----
    const large = generateLargeDockerfile(2000);
    const largeTimes: number[] = [];
    let largeFindings = 0;
    for (let i = 0; i < largeRuns + 10; i++) {
      const s = performance.now();
      largeFindings = berth.lintDockerfile({ text: large, config: berthConfig, options: { buildContext: { dockerignore: undefined } } }).findings.length;
      if (i >= 10) largeTimes.push(performance.now() - s);
    }
    const largeResult = { lines: large.split('\n').length - 1, bytes: Buffer.byteLength(large), runs: largeRuns, medianMs: round(median(largeTimes), 3), p95Ms: round(percentile(largeTimes, 95), 3), findings: largeFindings };

    // ---- targets ----
    const peers = tools.filter((t) => t.id !== 'berth');
    const fastestPeer = peers.reduce((a, b) => ((whole[a.id].medianMs ?? Infinity) <= (whole[b.id].medianMs ?? Infinity) ? a : b));
    const speedup = (whole[fastestPeer.id].medianMs ?? NaN) / (whole.berth.medianMs ?? NaN);
    const berthCrashes = whole.berth.crashes + inProcess.berth.crashes;
    const maxPossibleSpeedup = round((whole[fastestPeer.id].medianMs ?? NaN) / (nodeStartupMs ?? NaN), 2);
    const targets = [
      { name: `whole process: Berth >= ${TARGET_SPEEDUP}x faster than the fastest peer (${fastestPeer.label})`, pass: speedup >= TARGET_SPEEDUP, value: `${speedup.toFixed(2)}x` },
      { name: 'Berth: zero crashes on the corpus (whole process and in process)', pass: berthCrashes === 0, value: `${berthCrashes} crashes` },
      { name: `2,000-line Dockerfile lints in < ${TARGET_LARGE_MS} ms (median of ${largeRuns})`, pass: (largeResult.medianMs ?? Infinity) < TARGET_LARGE_MS, value: `${largeResult.medianMs ?? 'n/a'} ms` },
    ];

    const speedupOf = (peer: ToolId, berthMs: number | null, peerMs: number | null): string =>
      peer === 'berth' ? '-' : berthMs && peerMs ? `${(peerMs / berthMs).toFixed(2)}x` : 'n/a';
    const cpu = machine();
    const report = [
      `Corpus: ${files.length} Dockerfiles (${(corpusBytes / 1024).toFixed(0)} KiB); Berth has ${berth.ALL_RULES.length} rules; every tool runs with all its checks on.`,
      `Machine: ${cpu.cpu}, ${cpu.cores} cores, Node ${process.version}. Node start-up alone (node -e 0): ${nodeStartupMs ?? 'n/a'} ms.`,
      '',
      `(a) Whole process over the corpus, median of ${wholeReps} runs after one warm-up round (wall time; CPU ms = user + system, all threads):`,
      table([
        ['tool', 'median ms', 'min ms', 'CPU ms', 'ms/file', 'findings', 'crashes', 'Berth speed-up'],
        ...tools.map((t) => [t.label, whole[t.id].medianMs, whole[t.id].minMs, whole[t.id].cpuMedianMs, whole[t.id].perFileMs, whole[t.id].findings ?? 'n/a', whole[t.id].crashes, speedupOf(t.id, whole.berth.medianMs, whole[t.id].medianMs)]),
      ]),
      '',
      `(b) In process, warm: median of ${inProcessPasses} passes after ${warmup} warm-up passes (mean = corpus time / files, GC included; p50/p95/max over each file's median time):`,
      table([
        ['tool', 'corpus ms', 'mean ms/file', 'p50 ms/file', 'p95 ms/file', 'max ms/file', 'findings', 'crashes', 'Berth speed-up'],
        ...tools.map((t) => [t.label, inProcess[t.id].corpusMs, inProcess[t.id].perFileMeanMs, inProcess[t.id].perFileP50Ms, inProcess[t.id].perFileP95Ms, inProcess[t.id].perFileMaxMs, inProcess[t.id].findings, inProcess[t.id].crashes, speedupOf(t.id, inProcess.berth.corpusMs, inProcess[t.id].corpusMs)]),
      ]),
      ...tools.flatMap((t) => inProcess[t.id].crashedFiles.slice(0, 5).map((c) => `    ${t.label} crashed on ${c.file}: ${c.error}`)),
      '',
      `Floor: a Node process that does nothing takes ${nodeStartupMs ?? 'n/a'} ms here, so no Node CLI can be more than ${maxPossibleSpeedup ?? 'n/a'}x faster than ${fastestPeer.label} over this corpus, whole process.`,
      '',
      `(c) Generated ${largeResult.lines}-line Dockerfile (${(largeResult.bytes / 1024).toFixed(0)} KiB): median ${largeResult.medianMs ?? 'n/a'} ms, p95 ${largeResult.p95Ms ?? 'n/a'} ms over ${largeRuns} runs, ${largeResult.findings} findings.`,
      `(d) Bundles (${buildNote}): dist/extension.js ${sizes['dist/extension.js'] ?? 'missing'} KiB, dist/cli.js ${sizes['dist/cli.js'] ?? 'missing'} KiB.`,
    ].join('\n');

    return {
      report,
      targets,
      json: {
        machine: cpu,
        corpus: { dir: CORPUS, files: files.length, bytes: corpusBytes },
        rules: berth.ALL_RULES.length,
        nodeStartupMs,
        maxPossibleSpeedup,
        wholeProcess: { reps: wholeReps, tools: whole },
        inProcess: { passes: inProcessPasses, warmupPasses: warmup, tools: inProcess },
        large: largeResult,
        sizesKiB: sizes,
      },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    // Leave dist/ as `npm run build` makes it (source maps for debugging), not minified.
    if (buildNote.includes('--production')) timeProcess(process.execPath, ['scripts/build.mjs'], { cwd: root });
  }
}
