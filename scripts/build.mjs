// Bundles Berth with esbuild. Separate bundles keep activation cheap:
// - dist/extension.js: activation bundle (vscode layer + core); no heavy SDK.
// - dist/lintWorker.js: the linter in a worker thread, off the extension host's event loop.
// - dist/cli.js: the `berth` command-line linter.
// - dist/yaml.js: the YAML library, required by dist/extension.js on first use.
// - dist/clients.js: the dockerode adapters, required on the first Docker action.
// - dist/kube.js: the @kubernetes/client-node adapters, required when the Clusters view
//   is first shown or a Kubernetes command runs.
// - dist/webview/logs.js, dist/webview/rollout.js: the log panel's and the rollout view's browser code (iife, no Node).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, writeFileSync, statSync } from 'node:fs';

const production = process.argv.includes('--production');
const metafile = process.argv.includes('--metafile');
mkdirSync('dist', { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  legalComments: 'none',
  logLevel: 'warning',
};

const entries = [
  // `yaml` is swapped for a stub that requires dist/yaml.js on first use (src/vscode/lazyYaml.ts).
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], alias: { yaml: './src/vscode/lazyYaml.ts' } },
  { entryPoints: ['src/clients/yaml/index.ts'], outfile: 'dist/yaml.js' },
  { entryPoints: ['src/clients/lint/worker.ts'], outfile: 'dist/lintWorker.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The manifest checks, in a worker thread like the Dockerfile linter.
  { entryPoints: ['src/clients/manifests/worker.ts'], outfile: 'dist/manifestWorker.js' },
];
if (existsSync('src/clients/index.ts')) {
  entries.push({ entryPoints: ['src/clients/index.ts'], outfile: 'dist/clients.js', external: ['vscode', 'cpu-features', '*.node'] });
}
if (existsSync('src/clients/kube/index.ts')) {
  entries.push({ entryPoints: ['src/clients/kube/index.ts'], outfile: 'dist/kube.js', external: ['vscode'] });
}
if (existsSync('src/webview/logs/main.ts')) {
  entries.push({ entryPoints: ['src/webview/logs/main.ts'], outfile: 'dist/webview/logs.js', platform: 'browser', format: 'iife', target: 'es2022' });
}
if (existsSync('src/webview/rollout/main.ts')) {
  entries.push({ entryPoints: ['src/webview/rollout/main.ts'], outfile: 'dist/webview/rollout.js', platform: 'browser', format: 'iife', target: 'es2022' });
}
if (existsSync('test/host/index.ts') && !production) {
  entries.push({ entryPoints: ['test/host/index.ts'], outfile: 'dist/hostTests.js', external: ['vscode'] });
}

const results = await Promise.all(entries.map((e) => esbuild.build({ ...common, ...e, metafile })));
if (metafile) {
  writeFileSync('dist/meta.json', JSON.stringify(results.map((r) => r.metafile)));
}
for (const e of entries) {
  console.log(`${e.outfile} ${(statSync(e.outfile).size / 1024).toFixed(1)} KiB`);
}
