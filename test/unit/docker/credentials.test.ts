import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOCKER_HUB_SERVER, findCredentialSource, isHelperNotFound, isSafeHelperName, parseHelperOutput, registryOf } from '../../../src/core/docker/credentials';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('credentials from config.json', () => {
  it('finds the registry of a reference', () => {
    assert.equal(registryOf('node:22'), 'docker.io');
    assert.equal(registryOf('team/app'), 'docker.io');
    assert.equal(registryOf('ghcr.io/org/app:1'), 'ghcr.io');
    assert.equal(registryOf('127.0.0.1:5000/x'), '127.0.0.1:5000');
    assert.equal(registryOf('localhost/x'), 'localhost');
  });

  it('credHelpers beat credsStore, which beats auths', () => {
    const config = JSON.stringify({ auths: { 'ghcr.io': { auth: b64('u:p') } }, credsStore: 'desktop', credHelpers: { 'ghcr.io': 'gh' } });
    assert.deepEqual(findCredentialSource(config, 'ghcr.io'), { kind: 'helper', helper: 'gh', serverAddress: 'ghcr.io' });
    assert.deepEqual(findCredentialSource(config, 'quay.io'), { kind: 'helper', helper: 'desktop', serverAddress: 'quay.io' });
    const auths = JSON.stringify({ auths: { 'https://ghcr.io/v2/': { auth: b64('user:pa:ss') } } });
    assert.deepEqual(findCredentialSource(auths, 'ghcr.io'), { kind: 'auths', username: 'user', password: 'pa:ss', serverAddress: 'ghcr.io' });
  });

  it('Docker Hub under its historical key', () => {
    const config = JSON.stringify({ auths: { [DOCKER_HUB_SERVER]: { identitytoken: 'tok' } } });
    assert.deepEqual(findCredentialSource(config, 'docker.io'), { kind: 'identityToken', token: 'tok', serverAddress: DOCKER_HUB_SERVER });
  });

  it('nothing stored, an empty file, and a broken one', () => {
    assert.equal(findCredentialSource('{"auths":{}}', 'ghcr.io').kind, 'none');
    assert.equal(findCredentialSource(undefined, 'ghcr.io').kind, 'none');
    assert.equal(findCredentialSource(JSON.stringify({ auths: { 'ghcr.io': { auth: '!!!' } } }), 'ghcr.io').kind, 'none');
    assert.throws(() => findCredentialSource('{', 'ghcr.io'), /not valid JSON/);
  });

  it('only registry-scoped entries: another host\'s credentials are never used', () => {
    const config = JSON.stringify({ auths: { 'evil.example': { auth: b64('u:p') } } });
    assert.equal(findCredentialSource(config, 'ghcr.io').kind, 'none');
  });
});

describe('credential helper protocol', () => {
  it('reads the helper JSON, <token> as identity token', () => {
    assert.deepEqual(parseHelperOutput('{"ServerURL":"r","Username":"u","Secret":"s"}', 'r'), { username: 'u', password: 's', serveraddress: 'r' });
    assert.deepEqual(parseHelperOutput('{"Username":"<token>","Secret":"t"}', 'r'), { identitytoken: 't', serveraddress: 'r' });
    assert.equal(parseHelperOutput('garbage', 'r'), undefined);
    assert.equal(parseHelperOutput('{"Username":1}', 'r'), undefined);
  });

  it('recognises "not found" and refuses helper names that are paths', () => {
    assert.ok(isHelperNotFound('credentials not found in native keychain'));
    assert.ok(!isHelperNotFound('exit status 1'));
    assert.ok(isSafeHelperName('ecr-login'));
    assert.ok(!isSafeHelperName('../sh'));
    assert.ok(!isSafeHelperName('a b'));
  });
});
