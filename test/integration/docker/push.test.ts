// Pushes to the two private registries (open, and htpasswd), credentials from a Docker
// client config and from credential helpers run by their protocol.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registryAuthFromConfig, runCredentialHelper } from '../../../src/clients/docker/credentials';
import { DockerError } from '../../../src/clients/docker/errors';
import { dockerState, privateEngine, rejectionOf, settlesWithin, tempDir } from './services';

const CANARY = `CANARY_TOKEN_${randomBytes(6).toString('hex')}`;

/** The digest the registry itself reports for a tag (Docker-Content-Digest of the manifest). */
function registryDigest(url: string, repository: string, tag: string, auth?: { username: string; password: string }): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/vnd.docker.distribution.manifest.v2+json' };
    if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    get(`${url}/v2/${repository}/manifests/${tag}`, { headers }, (res) => {
      res.resume();
      const digest = res.headers['docker-content-digest'];
      resolve(res.statusCode === 200 && typeof digest === 'string' ? digest : undefined);
    }).on('error', reject);
  });
}

describe('push (real registries)', () => {
  const engine = privateEngine();
  const state = dockerState();
  const auth = state.registries.auth;
  const credentials = auth.credentials ?? { username: '', password: '' };
  const id = randomBytes(4).toString('hex');
  const openRef = `${state.registries.open.address}/berth-it/pushed:${id}`;
  const authRef = `${auth.address}/berth-it/private:${id}`;

  before(async () => {
    await engine.tag(state.baseImage.name, openRef);
    await engine.tag(state.baseImage.name, authRef);
  });
  after(async () => {
    for (const ref of [openRef, authRef]) await engine.removeImage(ref).catch(() => undefined);
  });

  it('pushes to the open registry; the digest is the one the registry serves', async () => {
    const lines: string[] = [];
    let progress = { done: 0, total: 0 };
    const result = await settlesWithin(engine.push(openRef, {}, { onLine: (l) => lines.push(l), onProgress: (done, total) => { progress = { done, total }; } }), 60_000, 'push');
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
    const served = await registryDigest(state.registries.open.url, 'berth-it/pushed', id);
    assert.equal(result.digest, served);
    assert.ok(progress.total >= 1 && progress.done === progress.total, `layer progress ${JSON.stringify(progress)}`);
  });

  it('without credentials the auth registry refuses: REGISTRY_AUTH, no digest', async () => {
    const error = await rejectionOf(settlesWithin(engine.push(authRef, {}), 60_000, 'push'));
    assert.ok(error instanceof DockerError, String(error));
    assert.equal(error.code, 'REGISTRY_AUTH');
    assert.match(error.message, new RegExp(auth.address.replace(/\./g, '\\.')));
    assert.equal(await registryDigest(auth.url, 'berth-it/private', id, credentials), undefined, 'nothing may have landed');
  });

  it('a wrong password is REGISTRY_AUTH and the password is never in the message', async () => {
    const error = await rejectionOf(engine.push(authRef, { auth: { username: credentials.username, password: CANARY, serveraddress: auth.address } }));
    assert.ok(error instanceof DockerError, String(error));
    assert.equal(error.code, 'REGISTRY_AUTH');
    assert.ok(!error.message.includes(CANARY) && !error.action.includes(CANARY), 'the password leaked into the error');
  });

  it('the right credentials push, with the digest the registry serves', async () => {
    const result = await engine.push(authRef, { auth: { username: credentials.username, password: credentials.password, serveraddress: auth.address } });
    assert.equal(result.digest, await registryDigest(auth.url, 'berth-it/private', id, credentials));
  });

  it('reads credentials from config.json auths, and from credHelpers over the helper protocol', async () => {
    const config = tempDir('berth-dockercfg-');
    const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [auth.address]: { auth: basic } } }));
    const fromAuths = await registryAuthFromConfig(auth.address, { DOCKER_CONFIG: config });
    assert.deepEqual(fromAuths, { username: credentials.username, password: credentials.password, serveraddress: auth.address });

    // A helper on PATH that answers by the protocol (server URL on stdin, JSON on stdout).
    const bin = tempDir('berth-helpers-');
    const helper = join(bin, 'docker-credential-berthtest');
    writeFileSync(helper, `#!/bin/sh\nread server\n[ "$1" = get ] || exit 2\nprintf '{"ServerURL":"%s","Username":"${credentials.username}","Secret":"${credentials.password}"}' "$server"\n`);
    chmodSync(helper, 0o755);
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credHelpers: { [auth.address]: 'berthtest' } }));
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath ?? ''}`;
    try {
      const fromHelper = await registryAuthFromConfig(auth.address, { DOCKER_CONFIG: config });
      assert.deepEqual(fromHelper, { username: credentials.username, password: credentials.password, serveraddress: auth.address });
      const pushed = await engine.push(authRef, { auth: fromHelper });
      assert.match(pushed.digest, /^sha256:/);
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('a helper that hangs is cut at its deadline; one that prints garbage is an error; "not found" means none', async () => {
    const bin = tempDir('berth-helpers-');
    const write = (name: string, body: string): void => {
      writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, `docker-credential-${name}`), 0o755);
    };
    write('hangs', 'exec sleep 30');
    write('garbage', `echo "not json ${CANARY}"`);
    write('empty', 'echo "credentials not found in native keychain"; exit 1');
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath ?? ''}`;
    try {
      const started = Date.now();
      const hang = await rejectionOf(settlesWithin(runCredentialHelper('hangs', 'example.test', 1_000), 5_000, 'hanging helper'));
      assert.ok(hang instanceof DockerError && /did not answer within 1 s/.test(hang.message), String(hang));
      assert.ok(Date.now() - started < 4_000);
      const garbage = await rejectionOf(runCredentialHelper('garbage', 'example.test'));
      assert.ok(garbage instanceof DockerError && /not the credential helper protocol/.test(garbage.message));
      assert.ok(!garbage.message.includes(CANARY), 'helper output leaked into the error');
      assert.equal(await runCredentialHelper('empty', 'example.test'), undefined);
      const missing = await rejectionOf(runCredentialHelper('nosuchhelper', 'example.test'));
      assert.ok(missing instanceof DockerError && /not on PATH/.test(missing.message));
      const unsafe = await rejectionOf(runCredentialHelper('../../bin/sh', 'example.test'));
      assert.ok(unsafe instanceof DockerError && /not valid/.test(unsafe.message));
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('pushing an image the engine does not have fails with the reason', async () => {
    const error = await rejectionOf(engine.push(`${state.registries.open.address}/berth-it/absent:${id}`, {}));
    assert.ok(error instanceof DockerError);
    assert.match(error.message, /does not exist|no such image|An image does not exist/i);
  });
});
