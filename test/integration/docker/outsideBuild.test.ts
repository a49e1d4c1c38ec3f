// Images built outside Berth, with the docker CLI (classic builder and BuildKit), found again
// by the content of their histories (src/core/images/historyMatch.ts), as the size lenses do.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DockerEngine } from '../../../src/clients/docker/engine';
import { parseDockerfile } from '../../../src/core/dockerfile/parser';
import type { Dockerfile } from '../../../src/core/dockerfile/model';
import { discoverBuilds, localImageFor, recentImages } from '../../../src/core/images/historyMatch';
import type { DiscoveredBuild } from '../../../src/core/images/historyMatch';
import type { HistoryEntry } from '../../../src/core/images/layers';
import { dockerState, privateEngine } from './services';

const unique = randomBytes(4).toString('hex');
const roots: string[] = [];
const tags: string[] = [];

// The token is in every copied layer: BuildKit dates an image by its newest uncached layer,
// so a layer cached from an earlier run would give the image that run's time.
const dockerfile = (token: string, runTail: string, dest: string): string => `ARG SIZE_KB=200
FROM busybox:local AS build
ARG SIZE_KB
WORKDIR /work
RUN echo ${token} > /work/id \\
    && dd if=/dev/zero of=/work/blob bs=1024 count=$SIZE_KB 2>/dev/null
RUN ["/bin/sh", "-c", "${runTail}"]

FROM busybox:local
ENV MODE=outside
COPY --from=build /work ${dest}
COPY app.txt /app/app.txt
EXPOSE 8080
USER nobody
CMD ["cat", "/app/app.txt"]
`;

/** This test's own Dockerfile, unique to the run so that no other image matches it. */
const OWN = dockerfile(`own-${unique}`, 'echo tail > /work/tail', '/app/work');
/** Same keywords in the same order, other commands and destination: must not be matched. */
const LOOKALIKE = dockerfile(`own-${unique}`, 'echo other > /work/tail', '/app/work2');

function context(text: string): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-outside-'));
  roots.push(root);
  writeFileSync(join(root, 'Dockerfile'), text);
  writeFileSync(join(root, 'app.txt'), 'app\n');
  return root;
}

function cliEnv(buildkit: boolean): NodeJS.ProcessEnv {
  const state = dockerState();
  return { ...process.env, DOCKER_HOST: state.dockerd.host, DOCKER_CONFIG: state.dockerConfig, DOCKER_CONTEXT: '', DOCKER_BUILDKIT: buildkit ? '1' : '0' };
}

/**
 * `docker build` with the CLI. BuildKit needs a CLI that still embeds it (20.10) or has
 * buildx; the private dockerd has no bridge network, so BuildKit RUNs use `--network none`.
 */
function cliBuild(cli: string, buildkit: boolean, dir: string, tag: string, extra: readonly string[] = []): void {
  execFileSync(cli, ['build', '-q', ...(buildkit ? ['--network', 'none'] : []), '-t', tag, ...extra, dir], { env: cliEnv(buildkit), encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  tags.push(tag);
}

/** A docker CLI that can build with BuildKit here: the one on PATH, else Debian's docker.io CLI. */
function buildkitCli(dir: string, tag: string): string {
  const reasons: string[] = [];
  for (const cli of ['docker', '/usr/bin/docker']) {
    try {
      cliBuild(cli, true, dir, tag);
      return cli;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      reasons.push(`${cli}: ${stderr.trim().split('\n').slice(-2).join(' ')}`);
    }
  }
  throw new Error(`No docker CLI here can build with BuildKit: ${reasons.join(' | ')}`);
}

/** `docker history` of an image, newest first: sizes in bytes and the CreatedBy text. */
function cliHistory(reference: string): { size: number; createdBy: string }[] {
  const out = execFileSync('docker', ['history', '--no-trunc', '--human=false', '--format', '{{json .}}', reference], { env: cliEnv(false), encoding: 'utf8' });
  return out.trim().split('\n').map((line) => {
    const row = JSON.parse(line) as { Size: string; CreatedBy: string };
    return { size: Number(row.Size), createdBy: row.CreatedBy };
  });
}

/** What the lenses do on a discovery run, with a history cache by image id. */
async function discover(engine: DockerEngine, df: Dockerfile, cache: Map<string, HistoryEntry[]>, limit = 40): Promise<{ found: DiscoveredBuild[]; images: number; fetched: number; ms: number; read: Set<string> }> {
  const started = performance.now();
  const images = await engine.listImages();
  let fetched = 0;
  const read = new Set<string>();
  const historyOf = async (id: string): Promise<HistoryEntry[]> => {
    read.add(id);
    let history = cache.get(id);
    if (!history) {
      history = await engine.history(id);
      fetched++;
      cache.set(id, history);
    }
    return history;
  };
  const candidates = [];
  for (const image of recentImages(images, limit)) candidates.push({ image, history: await historyOf(image.id) });
  const bases = new Map<string, HistoryEntry[]>();
  for (const stage of df.stages) {
    const base = stage.baseStage === undefined && stage.image ? localImageFor(stage.baseImage, images) : undefined;
    if (base) bases.set(stage.baseImage, await historyOf(base.id));
  }
  const found = discoverBuilds(df, candidates, bases);
  return { found, images: images.length, fetched, ms: performance.now() - started, read };
}

describe('images built outside Berth (docker CLI, real engine)', () => {
  const engine = privateEngine();
  const df = parseDockerfile(OWN);
  const classicTag = `berth-it/outside:classic-${unique}`;
  const buildkitTag = `berth-it/outside:buildkit-${unique}`;
  const targetTag = `berth-it/outside:target-${unique}`;
  const lookalikeTag = `berth-it/outside:lookalike-${unique}`;
  let cli = 'docker';

  before(async () => {
    const dir = context(OWN);
    cliBuild('docker', false, dir, classicTag);
    // One second apart: image creation times have one-second resolution.
    await new Promise((r) => setTimeout(r, 1100));
    cli = buildkitCli(dir, buildkitTag);
    await new Promise((r) => setTimeout(r, 1100));
    cliBuild('docker', false, dir, targetTag, ['--target', 'build']);
    await new Promise((r) => setTimeout(r, 1100));
    // Newest of all, so that a match by keywords alone would pick it first.
    cliBuild('docker', false, context(LOOKALIKE), lookalikeTag);
  });

  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    if (tags.length > 0) execFileSync('docker', ['rmi', '-f', ...tags], { env: cliEnv(false), stdio: 'ignore' });
  });

  it('finds the final images of both builders, newest first, and not the look-alike', async () => {
    const { found } = await discover(engine, df, new Map());
    const ids = async (tag: string): Promise<string> => (await engine.inspectImage(tag))?.id ?? `missing ${tag}`;
    assert.deepEqual(found.map((f) => f.image.id), [await ids(buildkitTag), await ids(classicTag)], `BuildKit through ${cli}, then the classic build`);
    assert.ok(found.every((f) => f.stageIndex === 1 && f.baseVerified));
    assert.ok(!found.some((f) => f.image.repoTags.includes(lookalikeTag)));
  });

  for (const [builder, tag] of [['classic builder', () => classicTag], ['BuildKit', () => buildkitTag]] as const) {
    it(`maps every instruction of the final stage to the size docker history prints: ${builder}`, async () => {
      const { found } = await discover(engine, df, new Map());
      const build = found.find((f) => f.image.repoTags.includes(tag()));
      assert.ok(build, `${tag()} was not found`);
      const finalStage = df.stages[1];
      const mapped = build.stages.get(1);
      assert.ok(finalStage && mapped);
      assert.equal(mapped.layers.length, finalStage.instructions.length);
      const printed = cliHistory(tag());
      // Newest first in the history; the stage's instructions in reverse.
      const expected = printed.slice(0, finalStage.instructions.length).reverse();
      assert.deepEqual(mapped.layers.map((l) => [l.line, l.size, l.createdBy]), finalStage.instructions.map((inst, i) => [inst.range.start.line, expected[i]?.size, expected[i]?.createdBy]));
      const work = mapped.layers.find((l) => l.keyword === 'COPY' && /--from=build/.test(df.lines[l.line] ?? ''));
      assert.ok(work && work.size > 200 * 1024 && work.size < 201 * 1024, `the copied folder holds the 200 KiB blob: ${String(work?.size)}`);
      assert.equal(mapped.totalSize, printed.reduce((sum, e) => sum + e.size, 0));
    });
  }

  it('maps the build stage too, from the image built with --target build', async () => {
    const { found } = await discover(engine, df, new Map());
    const stage = found[0]?.stages.get(0);
    assert.ok(stage, 'stage 0 was not mapped');
    const printed = cliHistory(targetTag);
    const count = df.stages[0]?.instructions.length ?? 0;
    assert.equal(stage.layers.length, count);
    assert.deepEqual(stage.layers.map((l) => l.size), printed.slice(0, count).reverse().map((e) => e.size));
    assert.ok((stage.layers.find((l) => l.keyword === 'RUN')?.size ?? 0) > 200 * 1024, 'the first RUN wrote the 200 KiB blob');
  });

  it('the look-alike is found for its own Dockerfile, and ours is not', async () => {
    const { found } = await discover(engine, parseDockerfile(LOOKALIKE), new Map());
    assert.deepEqual(found.map((f) => f.image.repoTags.filter((t) => t.startsWith('berth-it/outside'))), [[lookalikeTag]]);
  });

  it('costs one history read per new image, then only the image list (figures printed)', async () => {
    // 40 more recent images, so that the candidate window is full of other images' histories.
    const dir = mkdtempSync(join(tmpdir(), 'berth-outside-many-'));
    roots.push(dir);
    for (let i = 0; i < 40; i++) {
      writeFileSync(join(dir, 'Dockerfile'), `FROM busybox:local\nLABEL berth.outside.test=${unique}-${String(i)}\n`);
      cliBuild('docker', false, dir, `berth-it/outside-many:${unique}-${String(i)}`);
    }
    const cache = new Map<string, HistoryEntry[]>();
    const cold = await discover(engine, df, cache);
    const warm = await discover(engine, df, cache);
    console.log(`discovery with ${String(cold.images)} images in the engine, 40 candidates: cold ${cold.ms.toFixed(0)} ms (${String(cold.fetched)} histories read), warm ${warm.ms.toFixed(0)} ms (${String(warm.fetched)} read)`);
    assert.ok(cold.fetched >= 40, `every candidate's history was read once: ${String(cold.fetched)}`);
    // Only images that entered the window since (other tests share the engine) are read again.
    assert.equal(warm.fetched, [...warm.read].filter((id) => !cold.read.has(id)).length);
    assert.ok(warm.fetched <= 2, `the warm run read ${String(warm.fetched)} histories`);
    // Our builds are older than the 40 new images: outside the window of the newest 40.
    assert.deepEqual(cold.found, []);
    const wider = await discover(engine, df, cache, 60);
    assert.equal(wider.found.length, 2, 'a wider window finds them again');
    assert.ok(cold.ms < 5_000 && warm.ms < 1_000, `cold ${cold.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(0)} ms`);
  });
});
