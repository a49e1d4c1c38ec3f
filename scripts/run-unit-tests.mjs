// Runs the plain-Node unit tests (core and client mappers) with node's test runner.
// `--tap=FILE` also writes a TAP copy (scripts/test-all.mjs counts from it); other
// arguments filter test files by substring.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const args = process.argv.slice(2);
const tap = args.find((a) => a.startsWith('--tap='))?.slice(6);
const filter = args.filter((a) => !a.startsWith('--'));
const files = collect('test/unit').sort();
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
if (tap) reporters.push('--test-reporter=tap', `--test-reporter-destination=${tap}`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporters, ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
