// `npm test`: every suite, in order, then one closing line `N passed, N failed` that
// counts every test that ran, so that a run which tested nothing is visible.
//   1. build, typecheck, lint (a failure here fails the run: they are the gate)
//   2. unit tests (plain Node: core and client mappers)
//   3. integration tests against the real parts (private Docker engine and registries, the
//      Kubernetes sandbox, helm 3 and 4; started and always stopped by scripts/run-integration-tests.mjs)
//   4a. the webviews' browser code in headless Chromium
//   4. end-to-end tests in real VS Code (code-server + headless Chromium)
//   5. the .vsix: packaged and installed into real VS Code (last: it rebuilds dist/ for production)
// `npm test -- --unit-only` stops after the unit tests (for quick local runs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const unitOnly = process.argv.includes('--unit-only');
let passed = 0;
let failed = 0;
const problems = [];

function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  console.log(`=== ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

// 1. Gate: build, types, lint. Each counts as one check.
for (const [name, args] of [['build', ['run', 'build']], ['typecheck', ['run', 'typecheck']], ['lint', ['run', 'lint']]]) {
  if (step(name, 'npm', args)) passed++; else { failed++; problems.push(name); }
}

// 2. Unit tests, with a TAP copy to count them.
mkdirSync('test-results', { recursive: true });
const tap = 'test-results/unit.tap';
rmSync(tap, { force: true });
const unitOk = step('unit tests', process.execPath, ['scripts/run-unit-tests.mjs', `--tap=${tap}`]);
if (existsSync(tap)) {
  const text = readFileSync(tap, 'utf8');
  const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled');
  if (count('pass') === 0) { failed++; problems.push('unit tests ran nothing'); }
} else {
  failed++;
  problems.push('unit tests produced no report');
}
if (!unitOk) problems.push('unit tests');

// 3. Integration tests against the real Docker engine and registries, counted like the unit tests.
if (!unitOnly) {
  const integrationTap = 'test-results/integration.tap';
  rmSync(integrationTap, { force: true });
  const integrationOk = step('integration tests (real Docker engine, registries, Kubernetes sandbox, helm 3 and 4)', process.execPath, ['scripts/run-integration-tests.mjs', `--tap=${integrationTap}`]);
  if (existsSync(integrationTap)) {
    const text = readFileSync(integrationTap, 'utf8');
    const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    passed += count('pass');
    failed += count('fail') + count('cancelled');
    if (count('pass') === 0) { failed++; problems.push('integration tests ran nothing'); }
  } else {
    failed++;
    problems.push('integration tests produced no report');
  }
  if (!integrationOk) problems.push('integration tests');
}

// 4a. The webviews' browser code in headless Chromium (hostile text, CSP, 100,000 lines): each
// runner ends with its own `N passed, N failed` line, which is what is counted.
if (!unitOnly) {
  for (const runner of ['test/webview/run.mjs', 'test/webview/rollout.mjs'].filter((f) => existsSync(f))) {
    console.log(`\n=== webview tests: node ${runner}`);
    const started = Date.now();
    const r = spawnSync(process.execPath, [runner], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
    process.stdout.write(r.stdout ?? '');
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(r.stdout ?? '');
    console.log(`=== webview tests ${runner}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (summary) {
      passed += Number(summary[1]);
      failed += Number(summary[2]);
      if (Number(summary[1]) === 0) { failed++; problems.push(`${runner} ran nothing`); }
    } else {
      failed++;
      problems.push(`${runner} printed no summary`);
    }
    if (r.status !== 0) problems.push(runner);
  }
}

// 4b. End-to-end in real VS Code.
if (!unitOnly) {
  const report = 'test-results/e2e/report.json';
  rmSync(report, { force: true });
  const e2eOk = step('end-to-end (real VS Code)', 'npm', ['run', 'e2e', '--', '--no-build']);
  if (existsSync(report)) {
    const results = JSON.parse(readFileSync(report, 'utf8'));
    for (const r of results) { if (r.status === 'passed') passed++; else failed++; }
    if (results.length === 0) { failed++; problems.push('e2e ran nothing'); }
  } else {
    failed++;
    problems.push('e2e produced no report');
  }
  if (!e2eOk) problems.push('e2e');
}

// 5. The package installs.
if (!unitOnly) {
  if (step('package and install berth.vsix', process.execPath, ['scripts/check-vsix.mjs'])) passed++; else { failed++; problems.push('vsix'); }
}

if (problems.length > 0) console.log(`\nFailed: ${[...new Set(problems)].join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
