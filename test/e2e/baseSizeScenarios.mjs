// End-to-end scenario of the base image sizes on the stage lenses: the figure comes from the
// local engine when the image is there, else from the registry's manifest (Berth's own Registry
// v2 client), and the lens says which. Runs against the private engine and the open registry.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { check, dockerCli, openFile, poll, writeWorkspaceFile } from './workbench.mjs';

/** The lens texts and tooltips of the active editor, with the line each stands above. */
async function lensesWithTooltips(page) {
  return page.$$eval('.editor-group-container.active .monaco-editor', (editors) => {
    const editor = editors[0];
    if (!editor) return [];
    const lines = [...editor.querySelectorAll('.view-lines .view-line')].map((el) => ({ top: el.getBoundingClientRect().top }));
    const numbers = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].map((el) => ({ top: el.getBoundingClientRect().top, n: Number((el.textContent ?? '').trim()) }));
    return [...editor.querySelectorAll('.codelens-decoration')].flatMap((decoration) => {
      const box = decoration.getBoundingClientRect();
      const below = lines.filter((l) => l.top >= box.bottom - 2).sort((a, b) => a.top - b.top)[0];
      const line = below ? numbers.find((n) => Math.abs(n.top - below.top) < 3)?.n : undefined;
      // One span (or anchor) per lens; its title attribute is the lens tooltip.
      return [...decoration.querySelectorAll(':scope > span, :scope > a')].map((item) => ({
        line,
        text: (item.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
        tooltip: item.getAttribute('title') ?? '',
      }));
    });
  });
}

/** Sizes as Berth prints them (decimal units, as docker does): core/dockerfile/stageSummary.ts formatBytes. */
function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** The manifest the registry serves for `repository:tag`, with its digest. */
function registryManifest(registry, repository, tag) {
  return new Promise((resolve, reject) => {
    get(`http://${registry}/v2/${repository}/manifests/${tag}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET manifest ${repository}:${tag}: HTTP ${res.statusCode}`));
        else resolve({ manifest: JSON.parse(Buffer.concat(chunks).toString('utf8')), digest: res.headers['docker-content-digest'] });
      });
    }).on('error', reject);
  });
}

/** Lines of Berth's log channel (written under the user-data dir's logs) matching `pattern`. */
function berthLogLines(userDataDir, pattern) {
  const found = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/(^\d+-Berth|^Berth)\.log$/.test(entry.name)) found.push(...readFileSync(full, 'utf8').split('\n').filter((l) => pattern.test(l)));
    }
  };
  walk(join(userDataDir, 'logs'));
  return found;
}

/** Waits for the base lens above line 1 matching `pattern`; returns it and how long it took. */
async function waitForBaseLens(ctx, file, pattern, what, timeoutMs = 30_000) {
  const started = Date.now();
  await openFile(ctx.page, ctx.workspace, file);
  let lenses = [];
  const lens = await poll(
    async () => {
      lenses = await lensesWithTooltips(ctx.page);
      return lenses.find((l) => l.line === 1 && pattern.test(l.text));
    },
    { timeoutMs, intervalMs: 100, what, describeLast: async () => JSON.stringify(lenses) },
  );
  return { lens, ms: Date.now() - started, all: lenses };
}

export const baseSizeScenarios = [
  {
    id: 'base-image-sizes',
    title: 'The stage lens gives the base image size from the local engine, else from the registry, and says which',
    services: ['docker'],
    async run(ctx) {
      const suffix = Date.now().toString(36);
      const registry = ctx.docker.registries.open.address;

      // 1. An image the engine has: its on-disk size, "(local engine)". The RUN line is unique, so
      // no image was built from this file and no build-measured lens stands in for this one.
      const localBytes = Number(dockerCli(ctx, ['image', 'inspect', '--format', '{{.Size}}', 'busybox:local']));
      writeWorkspaceFile(ctx, 'base-sizes/local/Dockerfile', `FROM busybox:local\nRUN echo ${suffix}\n`);
      // The first lens of the session waits for activation, the lint worker and the Docker client's first load.
      const local = await waitForBaseLens(ctx, 'base-sizes/local/Dockerfile', /^base .* on disk \(local engine\)$/, 'a base lens "base … on disk (local engine)" above FROM busybox:local', 90_000);
      check(local.lens.text === `base ${formatBytes(localBytes)} on disk (local engine)`, `local lens "${local.lens.text}", expected the engine's ${localBytes} bytes as ${formatBytes(localBytes)}`);
      check(/Base image busybox:local/.test(local.lens.tooltip) && /From: local engine/.test(local.lens.tooltip), `local lens tooltip: ${local.lens.tooltip}`);
      check(local.all.some((l) => l.line === 1 && /final stage/.test(l.text)), `the stage role lens is missing: ${JSON.stringify(local.all)}`);
      await ctx.screenshot('local');

      // 2. An image only the registry has: pushed with the docker CLI, then removed from the engine.
      const repository = 'e2e/base';
      const reference = `${registry}/${repository}:${suffix}`;
      const contextDir = join(ctx.root, 'base-image');
      mkdirSync(contextDir, { recursive: true });
      writeFileSync(join(contextDir, 'Dockerfile'), 'FROM busybox:local\nRUN head -c 200000 /dev/urandom > /noise\nRUN echo second > /second\n');
      execFileSync('docker', ['build', '-q', '-t', reference, contextDir], {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, DOCKER_HOST: ctx.docker.dockerd.host, DOCKER_CONFIG: ctx.docker.dockerConfig, DOCKER_CONTEXT: '', DOCKER_BUILDKIT: '0' },
      });
      dockerCli(ctx, ['push', '-q', reference]);
      dockerCli(ctx, ['rmi', reference]);
      const absent = execFileSync('docker', ['image', 'ls', '-q', reference], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: ctx.docker.dockerd.host, DOCKER_CONTEXT: '' } }).trim();
      check(absent === '', `${reference} is still in the engine: ${absent}`);
      const { manifest, digest } = await registryManifest(registry, repository, suffix);
      const expectedBytes = manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);

      writeWorkspaceFile(ctx, 'base-sizes/registry/Dockerfile', `FROM ${reference}\nRUN echo ${suffix}\n`);
      const cold = await waitForBaseLens(ctx, 'base-sizes/registry/Dockerfile', /\(registry, fetched \d\d:\d\d\)/, 'a base lens with the registry figure above the FROM of a registry-only image');
      check(cold.lens.text.startsWith(`base ${formatBytes(expectedBytes)} download (registry, fetched `), `registry lens "${cold.lens.text}", expected the manifest's ${expectedBytes} bytes (config + ${manifest.layers.length} layers) as ${formatBytes(expectedBytes)}`);
      check(cold.lens.tooltip.includes(`Registry ${registry}`), `the tooltip does not name the registry: ${cold.lens.tooltip}`);
      check(cold.lens.tooltip.includes(digest.slice(0, 19)), `the tooltip does not name the manifest ${digest}: ${cold.lens.tooltip}`);
      check(cold.lens.tooltip.includes(`${manifest.layers.length} layers`), `the tooltip does not count ${manifest.layers.length} layers: ${cold.lens.tooltip}`);
      check(cold.lens.tooltip.includes('Not in the local engine.'), `the tooltip does not say the engine lacks it: ${cold.lens.tooltip}`);
      await ctx.screenshot();

      // 3. Another Dockerfile on the same base: the figure comes from the cache, no lookup.
      writeWorkspaceFile(ctx, 'base-sizes/cached/Dockerfile', `FROM ${reference}\nRUN echo cached-${suffix}\n`);
      const cached = await waitForBaseLens(ctx, 'base-sizes/cached/Dockerfile', /\(registry, fetched \d\d:\d\d\)/, 'the cached registry figure on a second Dockerfile');
      check(cached.lens.text === cold.lens.text, `cached lens "${cached.lens.text}" differs from "${cold.lens.text}"`);

      // 4. An unknown tag: no figure from anywhere, and the tooltip says what the registry answered.
      writeWorkspaceFile(ctx, 'base-sizes/missing/Dockerfile', `FROM ${registry}/${repository}:never-${suffix}\nRUN true\n`);
      const missing = await waitForBaseLens(ctx, 'base-sizes/missing/Dockerfile', /^base size unknown$/, 'a "base size unknown" lens for a tag the registry lacks');
      await poll(
        async () => {
          const lenses = await lensesWithTooltips(ctx.page);
          return lenses.find((l) => l.line === 1 && /Registry lookup failed .*has no image/.test(l.tooltip));
        },
        { timeoutMs: 15_000, what: 'the registry failure in the tooltip of the unknown tag\'s lens', describeLast: async () => JSON.stringify(await lensesWithTooltips(ctx.page)) },
      );
      // The registry lookup itself, as Berth logged it (one lookup: the second file used the cache).
      const lookups = await poll(() => {
        const lines = berthLogLines(ctx.userDataDir, new RegExp(`Base image ${reference.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .* in \\d+ ms`));
        return lines.length > 0 ? lines : undefined;
      }, { timeoutMs: 10_000, what: `Berth's log line of the registry lookup of ${reference}` });
      check(lookups.length === 1, `expected one registry lookup of ${reference} (the second file from the cache), Berth logged ${lookups.length}: ${lookups.join(' | ')}`);
      const lookupMs = /in (\d+) ms/.exec(lookups[0])?.[1];
      ctx.log(`lens latency from opening the file: local ${local.ms} ms, registry cold ${cold.ms} ms (lookup ${lookupMs} ms), registry cached ${cached.ms} ms, missing ${missing.ms} ms`);
      return `local: "${local.lens.text}"; registry: "${cold.lens.text}" (= ${expectedBytes} bytes from the manifest), lens ${cold.ms} ms after opening (registry lookup ${lookupMs} ms); cached on a second file: ${cached.ms} ms`;
    },
  },
];
