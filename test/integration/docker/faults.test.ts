// Engine faults against the private dockerd: socket missing, permission denied, frozen
// daemon (SIGSTOP), an endpoint where nothing listens, and the event stream.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveEndpoint } from '../../../src/clients/docker/connection';
import { DockerEngine } from '../../../src/clients/docker/engine';
import { DockerError } from '../../../src/clients/docker/errors';
import { resolveDockerEndpoint } from '../../../src/core/docker/endpoint';
import { dockerState, privateEngine, rejectionOf, settlesWithin } from './services';

const roots: string[] = [];
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function engineAt(host: string, deadlineMs = 3_000): DockerEngine {
  return new DockerEngine(resolveDockerEndpoint({ env: { DOCKER_HOST: host } }), deadlineMs);
}

describe('engine faults (real daemon)', () => {
  const state = dockerState();

  it('socket missing: DAEMON_NOT_RUNNING within a second, naming the endpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-nosock-'));
    roots.push(dir);
    const started = Date.now();
    const error = await rejectionOf(engineAt(`unix://${dir}/docker.sock`).listImages());
    assert.ok(error instanceof DockerError, String(error));
    assert.equal(error.code, 'DAEMON_NOT_RUNNING');
    assert.match(error.message, /socket does not exist/);
    assert.ok(error.message.includes(`${dir}/docker.sock`));
    assert.ok(Date.now() - started < 1_000);
  });

  it('nothing listening on tcp://127.0.0.1:1: DAEMON_NOT_RUNNING with the endpoint', async () => {
    const error = await rejectionOf(settlesWithin(engineAt('tcp://127.0.0.1:1').ping(), 5_000, 'ping'));
    assert.ok(error instanceof DockerError && error.code === 'DAEMON_NOT_RUNNING', String(error));
    assert.match(error.message, /tcp:\/\/127\.0\.0\.1:1/);
  });

  it('ssh:// with nothing listening and no agent: a fast failure naming the endpoint', async () => {
    const started = Date.now();
    const error = await rejectionOf(settlesWithin(engineAt('ssh://nobody@127.0.0.1:1').ping(), 8_000, 'ssh ping'));
    assert.ok(error instanceof DockerError, String(error));
    assert.equal(error.code, 'DAEMON_NOT_RUNNING', error.message);
    assert.match(error.message, /ssh:\/\/nobody@127\.0\.0\.1:1/);
    assert.ok(Date.now() - started < 5_000);
  });

  it('permission denied on the socket: DAEMON_PERMISSION, never "chmod 666"', () => {
    // The private socket is root:docker 0660; the user nobody may reach the folder, not the socket.
    const script = resolve('test/integration/docker/fixtures/pingAs.ts');
    const tsx = resolve('node_modules/tsx/dist/loader.mjs');
    const result = spawnSync(process.execPath, ['--import', tsx, script], {
      uid: 65534,
      gid: 65534,
      cwd: '/',
      env: { PATH: process.env.PATH, DOCKER_HOST: state.dockerd.host, HOME: '/tmp', TSX_DISABLE_CACHE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const line = result.stdout.trim().split('\n').at(-1) ?? '';
    assert.ok(line.startsWith('{'), `the helper printed no answer (exit ${String(result.status)}): ${result.stderr.slice(0, 500)}`);
    const answer = JSON.parse(line) as { ok: boolean; code?: string; message?: string; action?: string };
    assert.equal(answer.ok, false);
    assert.equal(answer.code, 'DAEMON_PERMISSION');
    assert.match(answer.action ?? '', /docker" group/);
    assert.doesNotMatch(`${answer.message ?? ''} ${answer.action ?? ''}`, /chmod\s+666|chmod\s+a\+rw/);
  });

  it('a frozen daemon (SIGSTOP): list fails at the deadline with DAEMON_UNRESPONSIVE, and works again after SIGCONT', async () => {
    const engine = privateEngine(2_000);
    await engine.ping();
    process.kill(state.dockerd.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const error = await rejectionOf(settlesWithin(engine.listImages(), 8_000, 'listImages on a frozen daemon'));
      const took = Date.now() - started;
      assert.ok(error instanceof DockerError, String(error));
      assert.equal(error.code, 'DAEMON_UNRESPONSIVE');
      assert.match(error.message, /not responding/);
      assert.ok(took >= 1_900 && took < 4_000, `failed after ${took} ms, deadline 2000 ms`);
    } finally {
      process.kill(state.dockerd.pid, 'SIGCONT');
    }
    const images = await settlesWithin(engine.listImages(), 10_000, 'listImages after SIGCONT');
    assert.ok(images.some((i) => i.repoTags.includes(state.baseImage.name)));
  });

  it('the event stream reports a tag made meanwhile, and stops when aborted', async () => {
    const engine = privateEngine();
    const controller = new AbortController();
    const events: { type: string; action: string }[] = [];
    const watching = engine.watchEvents((e) => { events.push(e); if (e.action === 'tag') controller.abort(); }, controller.signal);
    await new Promise((r) => setTimeout(r, 300));
    const ref = `berth-it/event:${Date.now()}`;
    await engine.tag(state.baseImage.name, ref);
    await settlesWithin(watching.catch((error: unknown) => { if (!(error instanceof DockerError && error.code === 'CANCELLED')) throw error; }), 10_000, 'event stream');
    assert.ok(events.some((e) => e.type === 'image' && e.action === 'tag'), JSON.stringify(events));
    await engine.removeImage(ref);
  });

  it('DOCKER_CONTEXT from a Docker config: the context endpoint is used and named in errors', async () => {
    const config = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
    roots.push(config);
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update('remote').digest('hex');
    mkdirSync(join(config, 'contexts', 'meta', digest), { recursive: true });
    writeFileSync(join(config, 'contexts', 'meta', digest, 'meta.json'), JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'tcp://127.0.0.2:1', SkipTLSVerify: false } } }));
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'private' }));
    const privateDigest = createHash('sha256').update('private').digest('hex');
    mkdirSync(join(config, 'contexts', 'meta', privateDigest), { recursive: true });
    writeFileSync(join(config, 'contexts', 'meta', privateDigest, 'meta.json'), JSON.stringify({ Name: 'private', Endpoints: { docker: { Host: state.dockerd.host } } }));

    const remote = resolveEndpoint(undefined, { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'remote' });
    assert.equal(remote.description, 'tcp://127.0.0.2:1 (context "remote")');
    const error = await rejectionOf(new DockerEngine(remote, 3_000).ping());
    assert.ok(error instanceof DockerError && error.code === 'DAEMON_NOT_RUNNING', String(error));
    assert.match(error.message, /context "remote"/);

    // currentContext of config.json, when no variable says otherwise: the private engine answers.
    const current = resolveEndpoint(undefined, { DOCKER_CONFIG: config });
    assert.equal(current.contextName, 'private');
    assert.match((await new DockerEngine(current, 3_000).ping()).version, /^20\./);
  });
});
