// Builds against the private engine (classic builder through the Engine API).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BuildFailedError } from '../../../src/clients/docker/engine';
import { DockerError } from '../../../src/clients/docker/errors';
import { parseDockerfile } from '../../../src/core/dockerfile/parser';
import { instructionForStep, mapStageHistory, stageImagesFromSteps } from '../../../src/core/images/layers';
import { dockerState, privateEngine, rejectionOf, settlesWithin } from './services';

const roots: string[] = [];
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function context(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-build-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const unique = (): string => randomBytes(4).toString('hex');

const MULTI_STAGE = `ARG GREETING=hello
FROM busybox:local AS build
ARG GREETING
RUN mkdir -p /out && echo "$GREETING" > /out/greeting
RUN dd if=/dev/zero of=/out/blob bs=1024 count=300 2>/dev/null

FROM busybox:local AS final
COPY --from=build /out/greeting /app/greeting
COPY app.txt /app/app.txt
CMD ["cat", "/app/greeting"]
`;

describe('build (real engine)', () => {
  const engine = privateEngine();
  const state = dockerState();

  it('builds a multi-stage Dockerfile on busybox:local, with a build arg, and maps every layer to its line', async () => {
    const dir = context({ Dockerfile: MULTI_STAGE, 'app.txt': 'app\n', 'secret.txt': 'left out\n', '.dockerignore': 'secret.txt\n' });
    const tag = `berth-it/multi:${unique()}`;
    const lines: string[] = [];
    const result = await settlesWithin(
      engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag, buildArgs: { GREETING: 'from-arg' } }, { onLine: (l) => lines.push(l) }),
      120_000,
      'build',
    );
    assert.match(result.imageId, /^sha256:[0-9a-f]{64}$/);
    const df = parseDockerfile(MULTI_STAGE);
    // ARG, FROM, ARG, RUN, RUN, FROM, COPY, COPY, CMD: the classic builder's 9 steps.
    assert.equal(result.steps.length, 9);
    assert.equal(result.steps[0]?.total, 9);
    assert.equal(result.context.files, 3, 'Dockerfile, app.txt and .dockerignore are sent; secret.txt is not');
    const inspect = await engine.inspectImage(tag);
    assert.equal(inspect?.id, result.imageId);

    // Every stage's image, and every instruction's layer, from the real history.
    const stageImages = stageImagesFromSteps(df, result.steps);
    assert.equal(stageImages.size, 2);
    const buildStage = df.stages[0];
    assert.ok(buildStage);
    const buildHistory = await engine.history(stageImages.get(0) ?? '');
    const buildLayers = mapStageHistory(buildStage, buildHistory);
    assert.deepEqual(buildLayers.unmatched, []);
    assert.deepEqual(buildLayers.layers.map((l) => l.line), [2, 3, 4]);
    const blob = buildLayers.layers.find((l) => l.line === 4);
    assert.ok(blob && blob.size >= 300 * 1024 && blob.size < 320 * 1024, `the dd layer should be about 300 KiB, is ${blob?.size}`);
    const base = await engine.inspectImage(state.baseImage.name);
    assert.equal(buildLayers.baseSize, base?.size, 'what lies below the stage is the base image');

    const finalStage = df.stages[1];
    assert.ok(finalStage);
    const finalLayers = mapStageHistory(finalStage, await engine.history(tag));
    assert.deepEqual(finalLayers.unmatched, []);
    assert.deepEqual(finalLayers.layers.map((l) => [l.line, l.keyword]), [[7, 'COPY'], [8, 'COPY'], [9, 'CMD']]);
    assert.equal(finalLayers.layers[0]?.size, 'from-arg\n'.length, 'the build arg reached the RUN');
    assert.equal(finalLayers.totalSize, inspect?.size);
    await engine.removeImage(tag);
  });

  it('stops at --target and tags that stage', async () => {
    const dir = context({ Dockerfile: MULTI_STAGE, 'app.txt': 'app\n' });
    const tag = `berth-it/target:${unique()}`;
    const result = await settlesWithin(engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag, target: 'build' }), 120_000, 'build');
    assert.equal(result.steps.length, 5, 'ARG + the build stage (FROM, ARG, RUN, RUN)');
    const history = await engine.history(tag);
    assert.ok(history.some((h) => /dd if=\/dev\/zero/.test(h.createdBy)), 'the target image is the build stage');
    await engine.removeImage(tag);
  });

  it('a failing RUN is a failure (never a success) and names the Dockerfile line', async () => {
    const text = 'FROM busybox:local\nRUN echo one\nRUN echo about to fail && exit 3\nRUN echo never\n';
    const dir = context({ Dockerfile: text });
    const error = await rejectionOf(settlesWithin(engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: `berth-it/fail:${unique()}` }), 60_000, 'build'));
    assert.ok(error instanceof BuildFailedError, `expected BuildFailedError, got ${String(error)}`);
    assert.equal(error.code, 'BUILD_FAILED');
    assert.match(error.message, /returned a non-zero code: 3/);
    assert.equal(error.step?.number, 3);
    const inst = instructionForStep(parseDockerfile(text), error.step?.number ?? 0, error.step?.text ?? '');
    assert.equal(inst?.range.start.line, 2);
    assert.ok(error.step?.output.some((l) => l.includes('about to fail')));
  });

  it('an unknown instruction fails inside the 200 stream, not as success', async () => {
    const dir = context({ Dockerfile: 'FROM busybox:local\nRUNN echo typo\n' });
    const error = await rejectionOf(engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: undefined }));
    assert.ok(error instanceof DockerError);
    assert.match(error.message, /unknown instruction/i);
  });

  it('cancel really stops the engine: no container keeps running the step', async () => {
    const marker = unique();
    const dir = context({ Dockerfile: `FROM busybox:local\nRUN echo ${marker} && sleep 60\n` });
    const controller = new AbortController();
    let stepStarted = false;
    const building = engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: `berth-it/cancel:${marker}` }, {
      onLine: (line) => { if (line.includes(marker) && !line.startsWith('Step')) { stepStarted = true; controller.abort(); } },
    }, controller.signal);
    const error = await rejectionOf(settlesWithin(building, 30_000, 'cancelled build'));
    assert.ok(stepStarted, 'the RUN step had started before the cancel');
    assert.ok(error instanceof DockerError && error.code === 'CANCELLED', `expected CANCELLED, got ${String(error)}`);
    // The engine kills and removes the step's container once the client is gone.
    const deadline = Date.now() + 15_000;
    let running = (await engine.listContainers()).filter((c) => c.state === 'running');
    while (running.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      running = (await engine.listContainers()).filter((c) => c.state === 'running');
    }
    assert.deepEqual(running.map((c) => c.names), [], 'a build container is still running after cancel');
  });

  it('refuses a context with a symlink that leaves it, naming the link', async () => {
    const dir = context({ Dockerfile: 'FROM busybox:local\nCOPY . /app\n' });
    symlinkSync('/etc/passwd', join(dir, 'passwd-link'));
    symlinkSync('../../outside', join(dir, 'climb'));
    const error = await rejectionOf(engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: undefined }));
    assert.ok(error instanceof DockerError);
    assert.equal(error.code, 'BUILD_CONTEXT');
    assert.match(error.message, /passwd-link -> \/etc\/passwd/);
    assert.match(error.message, /climb -> \.\.\/\.\.\/outside/);
  });

  it('a symlink inside the context is sent as a link and builds', async () => {
    const dir = context({ Dockerfile: 'FROM busybox:local\nCOPY . /app\nRUN test -L /app/alias && cat /app/alias\n', 'real.txt': 'real\n' });
    symlinkSync('real.txt', join(dir, 'alias'));
    const result = await engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: undefined });
    assert.ok(result.steps.at(-1)?.output.includes('real'));
  });

  it('refuses a binary file named Dockerfile with a readable message', async () => {
    const bytes = randomBytes(200 * 1024);
    bytes[10] = 0;
    const dir = context({ Dockerfile: bytes });
    const error = await rejectionOf(engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: undefined }));
    assert.ok(error instanceof DockerError);
    assert.equal(error.code, 'BUILD_CONTEXT');
    assert.match(error.message, /is not a text file/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(error.message, /[\x00-\x08\x0e-\x1f]/);
  });

  it('honours .dockerignore exactly: an excluded file is not in the image, a re-included one is', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox:local\nCOPY . /ctx\nRUN ls -R /ctx | sort\n',
      '.dockerignore': 'logs\n!logs/keep.log\n*.tmp\n',
      'logs/a.log': 'a', 'logs/keep.log': 'k', 'x.tmp': 't', 'src/main.txt': 'm',
    });
    const result = await engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: undefined });
    const listing = result.steps.at(-1)?.output.join('\n') ?? '';
    assert.match(listing, /keep\.log/);
    assert.match(listing, /main\.txt/);
    assert.doesNotMatch(listing, /a\.log/);
    assert.doesNotMatch(listing, /x\.tmp/);
  });
});
