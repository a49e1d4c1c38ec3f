// Runs the plain-Node unit tests (core and client mappers) with node's test runner.
// `--tap=FILE` also writes a TAP copy (scripts/test-all.mjs counts from it); other
// arguments filter test files by substring.
import { spawnSync } from 'node:child_process';
import { testRun } from './lib/nodeTests.mjs';

const { files, reporters } = testRun('test/unit');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporters, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
