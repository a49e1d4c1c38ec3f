// Registry faults behind a small loopback proxy in front of the open registry: a 500 on the
// manifest upload and a connection cut mid-push. No false success: a push without the digest
// confirmation is a failure that names the cause.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DockerError } from '../../../src/clients/docker/errors';
import { dockerState, privateEngine, rejectionOf, settlesWithin } from './services';

type Fault = 'none' | 'manifest-500' | 'cut-blob-upload';

/** Forwards to the registry, except for the request the current fault targets. */
function faultProxy(target: number): { server: Server; setFault(f: Fault): void; seen: string[] } {
  let fault: Fault = 'none';
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
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
    const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { res.destroy(); });
    req.pipe(upstream);
  });
  return { server, setFault: (f) => { fault = f; }, seen };
}

describe('registry faults (real engine, real registry behind a fault proxy)', () => {
  const engine = privateEngine();
  const state = dockerState();
  const proxy = faultProxy(state.registries.open.port);
  let address = '';
  const made: string[] = [];

  before(async () => {
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const ref of made) await engine.removeImage(ref).catch(() => undefined);
    await new Promise<void>((resolve) => { proxy.server.close(() => { resolve(); }); proxy.server.closeAllConnections(); });
  });

  it('a 500 on the manifest upload fails the push as REGISTRY_SERVER, with no digest', async () => {
    const ref = `${address}/berth-it/fault500:${Date.now()}`;
    made.push(ref);
    await engine.tag(state.baseImage.name, ref);
    proxy.setFault('manifest-500');
    const error = await rejectionOf(settlesWithin(engine.push(ref), 60_000, 'push through the failing proxy'));
    assert.ok(error instanceof DockerError, String(error));
    assert.equal(error.code, 'REGISTRY_SERVER', error.message);
    assert.ok(proxy.seen.some((s) => s.startsWith('PUT') && s.includes('/manifests/')), 'the manifest upload was attempted');
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

  it('the same push through the proxy without a fault succeeds (the proxy itself is sound)', async () => {
    const ref = `${address}/berth-it/clean:${Date.now()}`;
    made.push(ref);
    await engine.tag(state.baseImage.name, ref);
    proxy.setFault('none');
    const result = await engine.push(ref);
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
  });
});
