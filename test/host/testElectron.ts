// Entry for @vscode/test-electron on machines that can download VS Code:
//   runTests({ extensionDevelopmentPath: repo, extensionTestsPath: <bundle of this file>, launchArgs: [demoFolder] })
// VS Code calls `run()` and counts a rejection as failure; the detailed report goes to
// $BERTH_HOST_TESTS_RESULT, or a file in the temp dir.
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as runHostTests } from './index';
import type { HostTestReport } from './index';

export async function run(): Promise<void> {
  const resultFile = process.env.BERTH_HOST_TESTS_RESULT ?? join(tmpdir(), `berth-host-tests-${process.pid}.json`);
  await runHostTests(resultFile);
  const report = JSON.parse(await readFile(resultFile, 'utf8')) as HostTestReport;
  for (const r of report.results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.error ? `: ${r.error}` : ''}`);
  console.log(`${report.passed} passed, ${report.failed} failed`);
  if (report.failed > 0 || report.passed === 0) throw new Error(`${report.failed} extension host tests failed (${resultFile})`);
}
