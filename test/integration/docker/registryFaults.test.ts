// Registry faults behind a small loopback proxy in front of the open registry: a 500 on the
// manifest upload, a connection cut mid-push, a 500 on the third blob upload (once, and on
// every retry of that layer), and a blob upload the registry never answers. No false
// success: a push without the digest confirmation is a failure that names the cause.
//
// What dockerd 20.10 does, as observed through this proxy (reliability row T17):
// - a failed blob upload is retried by the engine itself: 5 attempts per layer, after
//   waits of 5, 10, 15 and 20 s, counted down in the stream ("Retrying in 5 seconds", one
//   line a second, with the layer's short DiffID as `id`); its final error line names no
//   layer ("received unexpected HTTP status: 500 Internal Server Error");
// - an upload the registry never answers is never given up: the engine sends nothing
//   more, and after a cancel it keeps that request to the registry open until the registry
//   answers or drops it; a new push of the same layers waits behind it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { PushFailedError } from '../../../src/clients/docker/engine';
import { DockerError } from '../../../src/clients/docker/errors';
import type { PushRetry } from '../../../src/core/docker/buildStream';
import { dockerState, privateEngine, rejectionOf, settlesWithin } from './services';

type Fault = 'none' | 'manifest-500' | 'cut-blob-upload' | 'patch3-500-once' | 'patch3-500-always' | 'patch3-stall';

/** A blob upload (PATCH) the proxy saw: what it carried and what the proxy did with it. */
interface PatchSeen {
  /** 1 for the first PATCH since the fault was set, in order of arrival. */
  readonly number: number;
  /** sha256 of the body: the blob's digest. */
  readonly digest: string;
  /** Short DiffID (sha256 of the gunzipped body, 12 hex digits): the id the engine prints. */
  readonly layer: string | undefined;
  readonly answer: 'forwarded' | '500' | 'held';
}

function layerIdOf(body: Buffer): string | undefined {
  try {
    return createHash('sha256').update(gunzipSync(body)).digest('hex').slice(0, 12);
  } catch {
    return undefined; // the image config is uploaded as a blob too, and is not gzipped
  }
}

/** Forwards to the registry, except for the requests the current fault targets. */
function faultProxy(target: number) {
  let fault: Fault = 'none';
  const seen: string[] = [];
  const patches: PatchSeen[] = [];
  const held = new Set<Socket>();
  let patchCount = 0;
  let failingDigest: string | undefined;

  const forward = (req: IncomingMessage, res: ServerResponse, body?: Buffer): void => {
    const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { res.destroy(); });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };

  const onPatch = (req: IncomingMessage, res: ServerResponse, number: number): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => { chunks.push(chunk); });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const third = number === 3;
      let answer: PatchSeen['answer'] = 'forwarded';
      if (fault === 'patch3-500-once' && third) answer = '500';
      if (fault === 'patch3-500-always' && (third || digest === failingDigest)) answer = '500';
      if (fault === 'patch3-stall' && third) answer = 'held';
      patches.push({ number, digest, layer: layerIdOf(body), answer });
      if (answer === '500') {
        if (fault === 'patch3-500-always') failingDigest = digest;
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('injected failure');
      } else if (answer === 'held') {
        // Never answered: the socket stays open until released.
        held.add(req.socket);
        req.socket.on('close', () => { held.delete(req.socket); });
      } else {
        forward(req, res, body);
      }
    });
  };

  const server: Server = createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (fault === 'manifest-500' && req.method === 'PUT' && /\/manifests\//.test(req.url ?? '')) {
      req.resume();
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('injected failure');
      return;
    }
    if (fault === 'cut-blob-upload' && (req.method === 'PATCH' || req.method === 'PUT') && /\/blobs\/uploads\//.test(req.url ?? '')) {
      req.socket.destroy();
      return;
    }
    if (fault.startsWith('patch3') && req.method === 'PATCH') {
      onPatch(req, res, ++patchCount);
      return;
    }
    forward(req, res);
  });
  return {
    server,
    seen,
    patches,
    held,
    /** Sets the fault; PATCHes are counted from here. */
    setFault(f: Fault): void {
      fault = f;
      patches.length = 0;
      patchCount = 0;
      failingDigest = undefined;
    },
    /** Drops the uploads held open: what a registry that finally gives up does. */
    release(): void {
      for (const socket of held) socket.destroy();
    },
  };
}

/** The digest the registry itself serves for a tag. */
function servedDigest(port: number, repository: string, tag: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: `/v2/${repository}/manifests/${tag}`, headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
      res.resume();
      const digest = res.headers['docker-content-digest'];
      resolve(res.statusCode === 200 && typeof digest === 'string' ? digest : undefined);
    }).on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('registry faults (real engine, real registry behind a fault proxy)', () => {
  const engine = privateEngine();
  const state = dockerState();
  const proxy = faultProxy(state.registries.open.port);
  let address = '';
  const made: string[] = [];
  const dirs: string[] = [];

  before(async () => {
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy.release();
    for (const ref of made) await engine.removeImage(ref).catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((resolve) => { proxy.server.close(() => { resolve(); }); proxy.server.closeAllConnections(); });
  });

  /**
   * Builds an image of busybox:local plus three layers of fresh random bytes (no cache, so
   * the registry has never seen them and each is really uploaded) and tags it `ref`.
   * Returns the short DiffIDs of its four layers (the ids the engine prints).
   */
  async function imageWithThreeNewLayers(ref: string): Promise<string[]> {
    const dir = mkdtempSync(join(tmpdir(), 'berth-faults-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'Dockerfile'), [
      'FROM busybox:local',
      'RUN dd if=/dev/urandom of=/a bs=1k count=300 2>/dev/null',
      'RUN dd if=/dev/urandom of=/b bs=1k count=200 2>/dev/null',
      'RUN dd if=/dev/urandom of=/c bs=1k count=100 2>/dev/null',
      '',
    ].join('\n'));
    made.push(ref);
    await settlesWithin(engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: ref, noCache: true }), 120_000, 'build of the three-layer image');
    const inspected = await engine.inspectImage(ref);
    const layers = (inspected?.raw as { RootFS?: { Layers?: string[] } } | undefined)?.RootFS?.Layers ?? [];
    assert.equal(layers.length, 4, `expected busybox plus three layers, got ${layers.join(', ')}`);
    return layers.map((l) => l.replace('sha256:', '').slice(0, 12));
  }

  it('a 500 on the manifest upload fails the push as REGISTRY_SERVER, with no digest', async () => {
    const ref = `${address}/berth-it/fault500:${Date.now()}`;
    made.push(ref);
    await engine.tag(state.baseImage.name, ref);
    proxy.setFault('manifest-500');
    const error = await rejectionOf(settlesWithin(engine.push(ref), 60_000, 'push through the failing proxy'));
    assert.ok(error instanceof DockerError, String(error));
    assert.equal(error.code, 'REGISTRY_SERVER', error.message);
    assert.ok(proxy.seen.some((s) => s.startsWith('PUT') && s.includes('/manifests/')), 'the manifest upload was attempted');
    // Every layer was in the registry: the error must not blame one.
    assert.ok(error instanceof PushFailedError, String(error));
    assert.equal(error.layer, undefined, error.message);
    assert.doesNotMatch(error.message, /layer/);
  });

  it('a connection cut during the blob upload is a failure, never a success', async () => {
    // A repository the registry has not seen, so the layer must really be uploaded.
    const ref = `${address}/berth-it/cut-${Date.now()}:1`;
    made.push(ref);
    await engine.tag(state.baseImage.name, ref);
    proxy.setFault('cut-blob-upload');
    const error = await rejectionOf(settlesWithin(engine.push(ref), 120_000, 'push through the cutting proxy'));
    assert.ok(error instanceof DockerError, String(error));
    assert.ok(['REGISTRY_UNREACHABLE', 'REGISTRY_SERVER', 'ENGINE_ERROR'].includes(error.code), `${error.code}: ${error.message}`);
    assert.match(error.message, /127\.0\.0\.1:\d+/, 'the message names the registry');
  });

  it('a single 500 on the third blob upload: the engine retries that layer after 5 s and the push succeeds', async () => {
    const repository = `berth-it/patch500-once-${randomBytes(3).toString('hex')}`;
    const ref = `${address}/${repository}:1`;
    const layers = await imageWithThreeNewLayers(ref);
    proxy.setFault('patch3-500-once');
    const retries: PushRetry[] = [];
    const lines: string[] = [];
    const started = performance.now();
    const result = await settlesWithin(engine.push(ref, {}, { onRetry: (r) => retries.push(r), onLine: (l) => lines.push(l) }), 90_000, 'push with one failed upload');
    const seconds = (performance.now() - started) / 1000;

    const failed = proxy.patches.filter((p) => p.answer === '500');
    assert.equal(failed.length, 1, 'exactly one upload was answered with 500');
    const failedLayer = failed[0]?.layer;
    assert.ok(failedLayer !== undefined && layers.includes(failedLayer), `the third upload was one of the image's layers (${String(failedLayer)} in ${layers.join(', ')})`);
    assert.deepEqual(retries, [{ layer: failedLayer, retry: 1, delaySeconds: 5 }], 'the engine announced one retry, of the layer that failed');
    assert.ok(lines.some((l) => l.startsWith(`${failedLayer}: the upload failed`)), lines.join('\n'));
    assert.ok(proxy.patches.some((p) => p.answer === 'forwarded' && p.digest === failed[0]?.digest), 'the same blob was uploaded again');
    assert.ok(seconds >= 4.5, `the retry came after the engine's 5 s pause (${seconds.toFixed(1)} s)`);
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await servedDigest(state.registries.open.port, repository, '1'), result.digest, 'the registry serves the digest the push reported');
  });

  it('a 500 on the third blob upload and on every retry of it: the push fails naming that layer, with no digest', async () => {
    const repository = `berth-it/patch500-${randomBytes(3).toString('hex')}`;
    const ref = `${address}/${repository}:1`;
    const layers = await imageWithThreeNewLayers(ref);
    proxy.setFault('patch3-500-always');
    const retries: PushRetry[] = [];
    const started = performance.now();
    const error = await rejectionOf(settlesWithin(engine.push(ref, {}, { onRetry: (r) => retries.push(r) }), 120_000, 'push with a layer that always fails'));
    const seconds = (performance.now() - started) / 1000;

    const failed = proxy.patches.filter((p) => p.answer === '500');
    const failedLayer = failed[0]?.layer;
    assert.ok(failedLayer !== undefined && layers.includes(failedLayer), `the failing upload was one of the image's layers (${String(failedLayer)})`);
    assert.ok(failed.every((p) => p.layer === failedLayer), 'every 500 was for that layer');
    // dockerd tries each layer 5 times, waiting 5 + 10 + 15 + 20 s between the attempts.
    assert.equal(failed.length, 5, 'the engine tried the layer 5 times');
    assert.deepEqual(retries.map((r) => [r.layer, r.retry, r.delaySeconds]), [[failedLayer, 1, 5], [failedLayer, 2, 10], [failedLayer, 3, 15], [failedLayer, 4, 20]]);
    assert.ok(seconds >= 45, `the engine gave up only after its pauses (${seconds.toFixed(1)} s)`);

    assert.ok(error instanceof PushFailedError, String(error));
    assert.equal(error.code, 'REGISTRY_SERVER', error.message);
    assert.equal(error.layer, failedLayer, 'the error names the layer whose upload failed');
    assert.equal(error.retries, 4);
    assert.ok(error.message.includes(address), `the message names the registry: ${error.message}`);
    assert.ok(error.message.includes(`layer ${failedLayer}`), `the message names the layer: ${error.message}`);
    assert.match(error.message, /500 Internal Server Error/);
    assert.ok(!proxy.seen.some((s) => s.startsWith('PUT') && s.includes(`/${repository}/manifests/`)), 'no manifest was uploaded');
    assert.equal(await servedDigest(state.registries.open.port, repository, '1'), undefined, 'the registry has no such tag');
  });

  it('an upload the registry never answers: the watchdog reports the stall and the layer, Cancel stops the push', async (t) => {
    const repository = `berth-it/stall-${randomBytes(3).toString('hex')}`;
    const ref = `${address}/${repository}:1`;
    const layers = await imageWithThreeNewLayers(ref);
    proxy.setFault('patch3-stall');
    const stalls: { layer: string | undefined; silentMs: number; at: number }[] = [];
    let lastMessageAt = 0;
    const controller = new AbortController();
    const stallMs = 1_500;
    const pushing = engine.push(ref, { stallMs }, {
      onProgress: () => { lastMessageAt = performance.now(); },
      onStall: (layer, silentMs) => { stalls.push({ layer, silentMs, at: performance.now() }); },
    }, controller.signal);
    const outcome = pushing.then(() => 'succeeded', (error: unknown) => error);

    // Two reports: the watchdog goes on reporting while the silence lasts.
    const deadline = performance.now() + 30_000;
    while (stalls.length < 2 && performance.now() < deadline) await sleep(100);
    const heldPatch = proxy.patches.find((p) => p.answer === 'held');
    assert.ok(heldPatch?.layer !== undefined && layers.includes(heldPatch.layer), 'the proxy held the upload of one of the image\'s layers');
    assert.equal(stalls.length, 2, `two stall reports within 30 s (got ${stalls.length})`);
    const [first, second] = stalls;
    assert.equal(first?.layer, heldPatch.layer, 'the stall names the layer whose upload hangs');
    assert.ok((first?.silentMs ?? 0) >= stallMs && (first?.silentMs ?? 0) < stallMs + 1_000, `first report after ${String(first?.silentMs)} ms of silence`);
    const quietMs = (first?.at ?? 0) - lastMessageAt;
    assert.ok(quietMs >= stallMs - 20 && quietMs < stallMs + 1_000, `reported ${quietMs.toFixed(0)} ms after the engine's last message`);
    assert.ok((second?.silentMs ?? 0) >= 2 * stallMs, `the second report counts the whole silence (${String(second?.silentMs)} ms)`);

    const cancelledAt = performance.now();
    controller.abort();
    const error = await settlesWithin(outcome, 5_000, 'the cancelled push');
    assert.ok(error instanceof DockerError, String(error));
    assert.equal(error.code, 'CANCELLED');
    const cancelMs = performance.now() - cancelledAt;
    assert.ok(cancelMs < 2_000, `the push settled ${cancelMs.toFixed(0)} ms after the cancel`);
    const reportsAtCancel = stalls.length;
    await sleep(2 * stallMs);
    assert.equal(stalls.length, reportsAtCancel, 'no stall reports after the push ended (the watchdog stopped)');
    await engine.ping();

    // The engine keeps its request to the silent registry open (the UI says so); once the
    // registry drops it, the same push goes through.
    assert.equal(proxy.held.size, 1, 'dockerd still holds the unanswered upload after the cancel');
    t.diagnostic(`cancel settled in ${cancelMs.toFixed(0)} ms; the engine still held the upload ${(2 * stallMs / 1000).toFixed(1)} s later`);
    proxy.setFault('none');
    proxy.release();
    const result = await settlesWithin(engine.push(ref), 60_000, 'the push again, after the registry dropped the held upload');
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await servedDigest(state.registries.open.port, repository, '1'), result.digest);
  });

  it('the same push through the proxy without a fault succeeds (the proxy itself is sound)', async () => {
    const ref = `${address}/berth-it/clean:${Date.now()}`;
    made.push(ref);
    await engine.tag(state.baseImage.name, ref);
    proxy.setFault('none');
    const result = await engine.push(ref);
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
  });
});
