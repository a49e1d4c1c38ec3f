// Berth's own read-only Registry v2 client against the real registries (open and htpasswd),
// images built and pushed with the real engine; plus the faults a real registry cannot be
// made to show: a silent listener (deadline), and the token realm trick of reliability row
// T18 (a fake registry on 127.0.0.1 names a realm on 127.0.0.2, where an "attacker"
// listener records what reaches it).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Server as TcpServer, Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registryAuthFromConfig } from '../../../src/clients/docker/credentials';
import { RegistryError } from '../../../src/clients/registry/errors';
import { lookupImageSize } from '../../../src/clients/registry/imageSize';
import type { RegistryAuth } from '../../../src/core/docker/credentials';
import { MEDIA_TYPES } from '../../../src/core/registry/manifest';
import { dockerState, privateEngine, rejectionOf, settlesWithin, tempDir } from './services';

const CANARY = `CANARY_TOKEN_${randomBytes(6).toString('hex')}`;

interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

/** A plain HTTP exchange with a registry, independent of the client under test. */
function http(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }); });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const basicHeader = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/**
 * What the registry itself says a pull downloads: the manifest's blobs, each measured
 * with a HEAD on the blob (Content-Length), not read from the manifest.
 */
async function blobSizesFromRegistry(url: string, repository: string, reference: string, auth?: string): Promise<{ total: number; blobs: number; digest: string }> {
  const headers: Record<string, string> = { Accept: `${MEDIA_TYPES.dockerManifest}, ${MEDIA_TYPES.ociManifest}` };
  if (auth !== undefined) headers.Authorization = auth;
  const manifest = await http('GET', `${url}/v2/${repository}/manifests/${reference}`, headers);
  assert.equal(manifest.status, 200, `manifest ${repository}:${reference}: ${manifest.body}`);
  const doc = JSON.parse(manifest.body) as { config: { digest: string }; layers: { digest: string }[] };
  let total = 0;
  for (const digest of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
    const head = await http('HEAD', `${url}/v2/${repository}/blobs/${digest}`, auth !== undefined ? { Authorization: auth } : {});
    assert.equal(head.status, 200, `blob ${digest}`);
    total += Number(head.headers['content-length']);
  }
  return { total, blobs: doc.layers.length, digest: String(manifest.headers['docker-content-digest']) };
}

function listen(server: Server | TcpServer, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function close(server: Server | TcpServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => { server.close(() => { resolve(); }); });
}

describe('registry manifest sizes (real registries)', () => {
  const engine = privateEngine();
  const state = dockerState();
  const open = state.registries.open;
  const auth = state.registries.auth;
  const credentials = auth.credentials ?? { username: '', password: '' };
  const id = randomBytes(4).toString('hex');
  const repository = `berth-it/sizes-${id}`;
  const busyboxRef = `${open.address}/${repository}:busybox`;
  const multiRef = `${open.address}/${repository}:multi`;
  const privateRef = `${auth.address}/${repository}:multi`;
  const noCredentials = (): Promise<undefined> => Promise.resolve(undefined);
  let multiDigest = '';
  let busyboxDigest = '';

  before(async () => {
    // Three layers with content that does not compress away, so each one counts.
    const dir = tempDir('berth-sizes-');
    writeFileSync(join(dir, 'Dockerfile'), [
      'FROM busybox:local',
      `RUN head -c 300000 /dev/urandom > /noise-${id}`,
      'COPY data.bin /data.bin',
      'RUN echo done > /stamp',
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'data.bin'), randomBytes(120_000));
    await settlesWithin(engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: multiRef }), 120_000, 'build');
    await engine.tag(multiRef, privateRef);
    await engine.tag(state.baseImage.name, busyboxRef);
    multiDigest = (await settlesWithin(engine.push(multiRef), 60_000, 'push multi')).digest;
    busyboxDigest = (await settlesWithin(engine.push(busyboxRef), 60_000, 'push busybox')).digest;
    await settlesWithin(engine.push(privateRef, { auth: { username: credentials.username, password: credentials.password, serveraddress: auth.address } }), 60_000, 'push private');
  });
  after(async () => {
    for (const ref of [multiRef, privateRef, busyboxRef]) await engine.removeImage(ref).catch(() => undefined);
  });

  it('busybox:local pushed to the open registry: the size is the sum of the blob sizes the registry serves', async (t) => {
    const started = performance.now();
    const size = await lookupImageSize(busyboxRef, { credentials: noCredentials });
    const coldMs = performance.now() - started;
    const served = await blobSizesFromRegistry(open.url, repository, 'busybox');
    assert.equal(size.compressedBytes, served.total);
    assert.equal(size.layerCount, served.blobs);
    assert.equal(size.manifestDigest, busyboxDigest);
    assert.equal(size.manifestDigest, served.digest);
    assert.equal(size.registry, open.address);
    assert.equal(size.platform, undefined, 'a single-platform manifest names no platform');
    assert.ok(Math.abs(Date.parse(size.fetchedAt) - Date.now()) < 60_000);
    const again = performance.now();
    await lookupImageSize(busyboxRef, { credentials: noCredentials });
    t.diagnostic(`lookup of ${busyboxRef}: first ${coldMs.toFixed(1)} ms, second ${(performance.now() - again).toFixed(1)} ms`);
  });

  it('a multi-layer image built by the engine: every layer counted, by tag and by digest', async () => {
    const served = await blobSizesFromRegistry(open.url, repository, 'multi');
    const size = await lookupImageSize(multiRef, { credentials: noCredentials });
    assert.equal(size.layerCount, 4, 'busybox plus RUN, COPY, RUN');
    assert.equal(size.compressedBytes, served.total);
    assert.ok(size.compressedBytes > 420_000, `random content does not compress: ${size.compressedBytes}`);
    assert.equal(size.manifestDigest, multiDigest);
    const byDigest = await lookupImageSize(`${open.address}/${repository}@${multiDigest}`, { credentials: noCredentials });
    assert.equal(byDigest.compressedBytes, served.total);
    assert.equal(byDigest.manifestDigest, multiDigest);
  });

  it('an index: the platform asked for is measured, an absent one is NO_PLATFORM naming what there is', async () => {
    const manifestSize = async (ref: string): Promise<number> => Buffer.byteLength((await http('GET', `${open.url}/v2/${repository}/manifests/${ref}`, { Accept: MEDIA_TYPES.dockerManifest })).body);
    for (const [tag, mediaType] of [['list', MEDIA_TYPES.dockerManifestList], ['oci-index', MEDIA_TYPES.ociIndex]] as const) {
      const index = {
        schemaVersion: 2,
        mediaType,
        manifests: [
          { mediaType: MEDIA_TYPES.dockerManifest, digest: multiDigest, size: await manifestSize(multiDigest), platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: MEDIA_TYPES.dockerManifest, digest: busyboxDigest, size: await manifestSize(busyboxDigest), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        ],
      };
      const put = await http('PUT', `${open.url}/v2/${repository}/manifests/${tag}`, { 'Content-Type': mediaType }, JSON.stringify(index));
      assert.equal(put.status, 201, `PUT ${tag}: ${put.body}`);
      const ref = `${open.address}/${repository}:${tag}`;
      const amd64 = await lookupImageSize(ref, { credentials: noCredentials, platform: { os: 'linux', architecture: 'amd64', variant: undefined } });
      assert.equal(amd64.platform, 'linux/amd64');
      assert.equal(amd64.manifestDigest, multiDigest);
      assert.equal(amd64.compressedBytes, (await blobSizesFromRegistry(open.url, repository, multiDigest)).total);
      const arm64 = await lookupImageSize(ref, { credentials: noCredentials, platform: { os: 'linux', architecture: 'arm64', variant: undefined } });
      assert.equal(arm64.platform, 'linux/arm64/v8');
      assert.equal(arm64.compressedBytes, (await blobSizesFromRegistry(open.url, repository, busyboxDigest)).total);
      const missing = await rejectionOf(lookupImageSize(ref, { credentials: noCredentials, platform: { os: 'linux', architecture: 's390x', variant: undefined } }));
      assert.ok(missing instanceof RegistryError, String(missing));
      assert.equal(missing.code, 'NO_PLATFORM');
      assert.match(missing.message, /no image for linux\/s390x \(it has linux\/amd64, linux\/arm64\/v8\)/);
    }
  });

  it('htpasswd registry: credentials from a Docker config, asked for that registry only; wrong password is UNAUTHORIZED', async () => {
    const config = tempDir('berth-dockercfg-');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [auth.address]: { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') } } }));
    const asked: string[] = [];
    const fromConfig = (registry: string): Promise<RegistryAuth | undefined> => {
      asked.push(registry);
      return registryAuthFromConfig(registry, { DOCKER_CONFIG: config });
    };
    const size = await lookupImageSize(privateRef, { credentials: fromConfig });
    assert.deepEqual(asked, [auth.address]);
    assert.equal(size.compressedBytes, (await blobSizesFromRegistry(auth.url, repository, 'multi', basicHeader(credentials.username, credentials.password))).total);
    assert.equal(size.manifestDigest, multiDigest, 'the same image pushed to both registries');

    const wrong = await rejectionOf(lookupImageSize(privateRef, { credentials: () => Promise.resolve({ username: credentials.username, password: CANARY, serveraddress: auth.address }) }));
    assert.ok(wrong instanceof RegistryError, String(wrong));
    assert.equal(wrong.code, 'UNAUTHORIZED');
    assert.match(wrong.message, /refused access .* with the credentials Berth has/);
    assert.ok(!`${wrong.message} ${wrong.action} ${String(wrong.stack)}`.includes(CANARY), 'the password leaked into the error');

    const none = await rejectionOf(lookupImageSize(privateRef, { credentials: noCredentials }));
    assert.ok(none instanceof RegistryError, String(none));
    assert.equal(none.code, 'UNAUTHORIZED');
    assert.match(none.action, new RegExp(`docker login ${auth.address.replace(/\./g, '\\.')}`));

    // The open registry never asks, so its credentials are never looked up.
    const openAsked: string[] = [];
    await lookupImageSize(busyboxRef, { credentials: (r) => { openAsked.push(r); return Promise.resolve(undefined); } });
    assert.deepEqual(openAsked, []);
  });

  it('an unknown tag or repository is NOT_FOUND', async () => {
    for (const ref of [`${open.address}/${repository}:no-such-tag`, `${open.address}/berth-it/never-pushed-${id}:1`]) {
      const error = await rejectionOf(lookupImageSize(ref, { credentials: noCredentials }));
      assert.ok(error instanceof RegistryError, String(error));
      assert.equal(error.code, 'NOT_FOUND', error.message);
      assert.match(error.message, new RegExp(`${open.address.replace(/\./g, '\\.')} has no image`));
    }
  });

  it('a closed port is UNREACHABLE at once', async () => {
    const probe = createTcpServer();
    const port = await listen(probe, '127.0.0.1');
    await close(probe);
    const started = performance.now();
    const error = await rejectionOf(lookupImageSize(`127.0.0.1:${port}/x/y:1`, { credentials: noCredentials }));
    assert.ok(error instanceof RegistryError, String(error));
    assert.equal(error.code, 'UNREACHABLE');
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(performance.now() - started < 1_000);
  });
});

/** A TCP listener that accepts and never answers; it reads (so that it sees the client close). */
async function silentListener(): Promise<{ port: number; open: Set<Socket>; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server = createTcpServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.resume();
  });
  const port = await listen(server, '127.0.0.1');
  return {
    port,
    open,
    close: () => {
      for (const socket of open) socket.destroy();
      return close(server);
    },
  };
}

describe('registry faults (loopback listeners)', () => {
  it('a silent listener is TIMEOUT within the deadline, and no connection is left open', async () => {
    const silent = await silentListener();
    try {
      const started = performance.now();
      const error = await settlesWithin(rejectionOf(lookupImageSize(`127.0.0.1:${silent.port}/x/y:1`, { credentials: () => Promise.resolve(undefined), deadlineMs: 1_500 })), 5_000, 'lookup');
      const elapsed = performance.now() - started;
      assert.ok(error instanceof RegistryError, String(error));
      assert.equal(error.code, 'TIMEOUT');
      assert.match(error.message, /did not answer the manifest request within 1\.5 s/);
      assert.ok(elapsed >= 1_400 && elapsed < 2_500, `failed after ${elapsed.toFixed(0)} ms`);
      const deadline = Date.now() + 2_000;
      while (silent.open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(silent.open.size, 0, 'the client left its connection open');
    } finally {
      await silent.close();
    }
  });

  it('the caller cancelling is CANCELLED, at once', async () => {
    const silent = await silentListener();
    try {
      const controller = new AbortController();
      setTimeout(() => { controller.abort(); }, 200);
      const started = performance.now();
      const error = await rejectionOf(lookupImageSize(`127.0.0.1:${silent.port}/x/y:1`, { credentials: () => Promise.resolve(undefined), signal: controller.signal }));
      assert.ok(error instanceof RegistryError, String(error));
      assert.equal(error.code, 'CANCELLED');
      assert.ok(performance.now() - started < 1_000);
    } finally {
      await silent.close();
    }
  });

  describe('T18: token realm on another host', () => {
    interface Seen { path: string; authorization: string | undefined }
    const attackerSeen: Seen[] = [];
    const registrySeen: Seen[] = [];
    const ownTokenSeen: Seen[] = [];
    let realmHost = '';
    // The attacker's listener: records every request and hands out a token, as a real
    // token service would, so that the client has every reason to go on.
    const attacker = createServer((req, res) => {
      attackerSeen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"attacker-issued"}');
    });
    // A token service on the registry's own host (another port): the positive control
    // that shows the harness does see credentials when they are sent.
    const ownTokens = createServer((req, res) => {
      ownTokenSeen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"own-issued"}');
    });
    let ownTokensPort = 0;
    const fake = createServer((req, res) => {
      registrySeen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const path = req.url ?? '';
      if (path.startsWith('/v2/redirect/')) {
        res.writeHead(307, { Location: `http://${realmHost}/v2/stolen/manifests/1` }).end();
        return;
      }
      const realm = path.startsWith('/v2/own/') ? `http://127.0.0.1:${ownTokensPort}/token` : `http://${realmHost}/token`;
      if (req.headers.authorization === 'Bearer own-issued') {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
        return;
      }
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': `Bearer realm="${realm}",service="fake-registry",scope="repository:app:pull"` })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    let registry = '';
    const asked: string[] = [];
    const canaryCredentials = (r: string): Promise<RegistryAuth> => {
      asked.push(r);
      return Promise.resolve({ username: 'berth', password: CANARY, serveraddress: r });
    };

    before(async () => {
      realmHost = `127.0.0.2:${(await listen(attacker, '127.0.0.2')).toString()}`;
      ownTokensPort = await listen(ownTokens, '127.0.0.1');
      registry = `127.0.0.1:${(await listen(fake, '127.0.0.1')).toString()}`;
    });
    after(async () => {
      await Promise.all([close(attacker), close(ownTokens), close(fake)]);
    });

    it('no Authorization reaches the realm on 127.0.0.2; the lookup fails with REALM_REFUSED and says why', async () => {
      attackerSeen.length = 0;
      asked.length = 0;
      const error = await rejectionOf(lookupImageSize(`${registry}/app:1`, { credentials: canaryCredentials }));
      assert.ok(error instanceof RegistryError, String(error));
      assert.equal(error.code, 'REALM_REFUSED');
      assert.match(error.message, new RegExp(`token service ${realmHost.replace(/\./g, '\\.')}, another host: its credentials were not sent there`));
      assert.equal(attackerSeen.length, 1, 'an anonymous token request is allowed');
      assert.equal(attackerSeen[0]?.authorization, undefined, `the realm on 127.0.0.2 received ${String(attackerSeen[0]?.authorization)}`);
      assert.match(attackerSeen[0]?.path ?? '', /scope=repository%3Aapp%3Apull/);
      assert.deepEqual(asked, [], 'the credentials were not even looked up');
      assert.ok(registrySeen.every((s) => !(s.authorization ?? '').startsWith('Basic')), 'no Basic credentials to the fake registry either');
    });

    it('control: a realm on the registry\'s own host does receive the credentials', async () => {
      ownTokenSeen.length = 0;
      asked.length = 0;
      const error = await rejectionOf(lookupImageSize(`${registry}/own/app:1`, { credentials: canaryCredentials }));
      assert.ok(error instanceof RegistryError, String(error));
      assert.equal(error.code, 'NOT_FOUND', 'the token was used for the manifest request');
      assert.deepEqual(asked, [registry]);
      assert.equal(ownTokenSeen[0]?.authorization, basicHeader('berth', CANARY));
      assert.ok(!error.message.includes(CANARY));
    });

    it('a manifest redirect to another host is not followed', async () => {
      attackerSeen.length = 0;
      const error = await rejectionOf(lookupImageSize(`${registry}/redirect/app:1`, { credentials: canaryCredentials }));
      assert.ok(error instanceof RegistryError, String(error));
      assert.equal(error.code, 'BAD_RESPONSE');
      assert.match(error.message, /redirected the manifest request to 127\.0\.0\.2/);
      assert.equal(attackerSeen.length, 0);
    });
  });
});
