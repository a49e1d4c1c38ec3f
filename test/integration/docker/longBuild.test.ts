// Builds over time: a silent step longer than the quick-call deadline is not cut, and a daemon
// killed mid-build fails the build at once with "connection lost" (then the services restart).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BuildFailedError } from '../../../src/clients/docker/engine';
import { dockerState, privateEngine, rejectionOf, settlesWithin } from './services';

const roots: string[] = [];
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function contextWith(dockerfile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-long-'));
  roots.push(dir);
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

describe('long and broken builds (real engine)', () => {
  it('a silent 5 s step is not cut by the 1 s deadline of quick calls', async () => {
    const engine = privateEngine(1_000);
    const dir = contextWith(`FROM busybox:local\nRUN sleep 5 && echo slept-${Date.now()}\n`);
    const started = Date.now();
    const result = await settlesWithin(engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: undefined }), 60_000, 'silent build');
    assert.ok(Date.now() - started >= 5_000);
    assert.ok(result.steps.at(-1)?.output.some((l) => l.startsWith('slept-')));
  });

  it('dockerd killed mid-build: the build fails within a second as a lost connection, then the engine comes back', async () => {
    const state = dockerState();
    const engine = privateEngine();
    const marker = `killed-${Date.now()}`;
    const dir = contextWith(`FROM busybox:local\nRUN echo ${marker} && sleep 20\n`);
    let killedAt = 0;
    const building = engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: undefined }, {
      onLine: (line) => {
        if (line === marker && killedAt === 0) {
          killedAt = Date.now();
          process.kill(state.dockerd.pid, 'SIGKILL');
        }
      },
    });
    try {
      const error = await rejectionOf(settlesWithin(building, 30_000, 'build on a killed daemon'));
      const failedAfter = Date.now() - killedAt;
      assert.ok(killedAt > 0, 'the step never started');
      assert.ok(error instanceof BuildFailedError, String(error));
      assert.match(error.message, /connection to the Docker engine .* was lost mid-operation/);
      assert.equal(error.step?.number, 2, 'the step that was running is named');
      assert.ok(failedAfter < 1_000, `reported ${failedAfter} ms after the kill`);
    } finally {
      // The services script sees dockerd gone, stops the rest by PID and starts everything afresh.
      const restart = spawnSync(process.execPath, ['scripts/services/docker.mjs', 'start'], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(restart.status, 0, `restart failed: ${restart.stderr}`);
    }
    const fresh = privateEngine();
    assert.ok((await fresh.listImages()).some((i) => i.repoTags.includes(dockerState().baseImage.name)));
  });
});
