// `npm run bench [-- NAME...] [-- --quick]`: runs the benchmark modules in scripts/bench/
// (each *.ts file there exports `name`, `description` and `run(ctx)`, see
// scripts/bench/lib/measure.ts), prints their tables and PASS/FAIL per target, and writes
// test-results/bench/<name>.json. It reports; a missed target never fails the run. The
// exit status is 1 only when a module could not run at all.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.filter((a) => !a.startsWith('--'));

// The modules are TypeScript (type-checked with the rest of the project); tsx loads them.
registerCjs();
registerEsm();

const moduleFiles = readdirSync(join(root, 'scripts/bench')).filter((f) => f.endsWith('.ts')).sort();
let broken = 0;
for (const file of moduleFiles) {
  const loaded = await import(pathToFileURL(join(root, 'scripts/bench', file)).href);
  // A .ts file is CommonJS here (no "type": "module"): its exports may sit on `default`.
  const mod = typeof loaded.run === 'function' ? loaded : loaded.default ?? {};
  if (typeof mod.run !== 'function' || typeof mod.name !== 'string') continue;
  if (only.length > 0 && !only.includes(mod.name)) continue;
  console.log(`\n=== ${mod.name}: ${mod.description ?? ''}${quick ? ' (quick)' : ''}`);
  const started = Date.now();
  try {
    const result = await mod.run({ root, quick, log: (m) => { console.log(`  ${m}`); } });
    console.log(`\n${result.report}\n`);
    for (const t of result.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.value}`);
    const out = join(root, 'test-results/bench', `${mod.name}.json`);
    mkdirSync(dirname(out), { recursive: true });
    const record = { name: mod.name, date: new Date().toISOString(), quick, durationS: Math.round((Date.now() - started) / 100) / 10, targets: result.targets, ...result.json };
    writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`\nwrote ${out.slice(root.length + 1)}`);
  } catch (err) {
    broken++;
    console.log(`ERROR  ${mod.name} could not run: ${err instanceof Error ? err.stack : String(err)}`);
  }
}
process.exitCode = broken > 0 ? 1 : 0;
