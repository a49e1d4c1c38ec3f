// What the unit and integration runners share: which test files to run and how node's test
// runner reports them (spec on the console, plus a TAP copy that scripts/test-all.mjs counts).
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

/**
 * Reads `[--tap=FILE] [substring filters...]` and returns the test files under `dir` that
 * match the filters (all when none), sorted, with the reporter arguments for node --test.
 */
export function testRun(dir, argv = process.argv.slice(2)) {
  const tap = argv.find((a) => a.startsWith('--tap='))?.slice(6);
  const filter = argv.filter((a) => !a.startsWith('--'));
  const files = collect(dir).sort();
  const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
  const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
  if (tap) reporters.push('--test-reporter=tap', `--test-reporter-destination=${tap}`);
  return { files: selected, reporters };
}
