import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExecCredential, redactSecrets } from '../../../src/core/kube/execCredential';

const now = Date.parse('2026-03-01T12:00:00Z');
const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYzEyMyJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoiamFuZSIsImV4cCI6MTcwMDAwMDAwMH0.Zm9vYmFyLXNpZ25hdHVyZS1ieXRlcy1oZXJlLTEyMzQ1Njc4OTA';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGVEYXRh\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPrivateKeyMaterialThatMustNotLeak0123456789abcd\n-----END EC PRIVATE KEY-----\n';

function credential(status: unknown, apiVersion = 'client.authentication.k8s.io/v1', kind = 'ExecCredential'): string {
  return JSON.stringify({ kind, apiVersion, spec: { interactive: false }, status });
}

describe('parseExecCredential', () => {
  it('reads a v1 token with its expiry', () => {
    const r = parseExecCredential(credential({ token: JWT, expirationTimestamp: '2026-03-01T13:00:00Z' }), now);
    assert.deepEqual(r, { ok: true, credential: { apiVersion: 'client.authentication.k8s.io/v1', token: JWT, expiresAtMs: Date.parse('2026-03-01T13:00:00Z') } });
  });

  it('reads a v1beta1 client certificate and key, with surrounding whitespace and no expiry', () => {
    const r = parseExecCredential(`\n  ${credential({ clientCertificateData: CERT, clientKeyData: KEY }, 'client.authentication.k8s.io/v1beta1')}\n`, now);
    assert.deepEqual(r, { ok: true, credential: { apiVersion: 'client.authentication.k8s.io/v1beta1', clientCertificateData: CERT, clientKeyData: KEY } });
  });

  it('accepts a token and a certificate together', () => {
    const r = parseExecCredential(credential({ token: 't', clientCertificateData: CERT, clientKeyData: KEY }), now);
    assert.ok(r.ok && r.credential.token === 't' && r.credential.clientKeyData === KEY);
  });

  it('rejects an expired credential instead of looping on it', () => {
    const r = parseExecCredential(credential({ token: JWT, expirationTimestamp: '2026-03-01T11:59:59Z' }), now);
    assert.deepEqual(r, { ok: false, error: 'The exec plugin returned a credential that already expired (2026-03-01T11:59:59.000Z). Log in again with the tool behind the plugin.' });
    assert.equal(parseExecCredential(credential({ token: 't', expirationTimestamp: '2026-03-01T12:00:00Z' }), now).ok, false, 'expiring now is expired');
  });

  it('rejects an unreadable expirationTimestamp', () => {
    const r = parseExecCredential(credential({ token: 't', expirationTimestamp: 'tomorrow' }), now);
    assert.deepEqual(r, { ok: false, error: 'The exec plugin returned an unreadable expirationTimestamp "tomorrow".' });
  });

  it('explains each malformed answer, never quoting a secret', () => {
    const cases: [string, RegExp][] = [
      ['', /printed nothing/],
      ['   \n', /printed nothing/],
      ['[]', /not an ExecCredential object/],
      ['null', /not an ExecCredential object/],
      [credential({ token: 't' }, 'client.authentication.k8s.io/v1', 'Secret'), /kind "Secret", not ExecCredential/],
      [JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', status: { token: 't' } }), /kind \(none\), not ExecCredential/],
      [credential({ token: 't' }, 'client.authentication.k8s.io/v1alpha1'), /apiVersion "client.authentication.k8s.io\/v1alpha1"; Berth supports client.authentication.k8s.io\/v1 and client.authentication.k8s.io\/v1beta1/],
      [JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1' }), /has no status/],
      [credential({}), /neither a token nor a client certificate and key/],
      [credential({ token: '' }), /neither a token/],
      [credential({ clientCertificateData: CERT }), /client certificate without its key/],
      [credential({ clientKeyData: KEY }), /client key without its certificate/],
    ];
    for (const [stdout, error] of cases) {
      const r = parseExecCredential(stdout, now);
      assert.equal(r.ok, false, stdout);
      if (!r.ok) {
        assert.match(r.error, error, stdout);
        assert.ok(!r.error.includes('PrivateKeyMaterial'), r.error);
      }
    }
  });

  it('shows a redacted preview of output that is not JSON', () => {
    const r = parseExecCredential(`To sign in, open https://microsoft.com/devicelogin and enter code ABCD-EFGH\nBearer ${JWT}`, now);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.error, /^The exec plugin's output is not JSON \(it should print an ExecCredential\): "To sign in, open https:\/\/microsoft.com\/devicelogin and enter code ABCD-EFGH Bearer \[redacted\]"$/);
      assert.ok(!r.error.includes('eyJ'));
    }
  });

  it('checks the apiVersion the exec config asked for', () => {
    const r = parseExecCredential(credential({ token: 't' }, 'client.authentication.k8s.io/v1beta1'), now, 'client.authentication.k8s.io/v1');
    assert.deepEqual(r, { ok: false, error: 'The exec plugin is configured for apiVersion client.authentication.k8s.io/v1 but answered with client.authentication.k8s.io/v1beta1.' });
    assert.ok(parseExecCredential(credential({ token: 't' }), now, 'client.authentication.k8s.io/v1').ok);
  });
});

describe('redactSecrets', () => {
  it('a JWT never survives, wherever it is', () => {
    for (const text of [JWT, `token=${JWT}`, `{"id_token":"${JWT}"}`, `(${JWT})`, `stderr: ${JWT}\n`, `${JWT}${JWT}`]) {
      const out = redactSecrets(text);
      assert.ok(!out.includes('eyJ'), out);
      assert.ok(!out.includes(JWT.split('.')[1] ?? 'x'), out);
    }
  });

  it('a bearer token never survives', () => {
    const opaque = 'sha256~Z1x2c3v4b5n6m7';
    for (const text of [`Authorization: Bearer ${opaque}`, `authorization: bearer ${opaque}`, `curl -H "Authorization: Bearer ${opaque}"`]) {
      const out = redactSecrets(text);
      assert.ok(!out.includes('Z1x2c3v4b5n6m7'), out);
      assert.match(out, /Bearer \[redacted\]/i);
    }
    assert.equal(redactSecrets('Authorization: Basic dXNlcjpwYXNz'), 'Authorization: Basic [redacted]');
  });

  it('redacts fields named like secrets, keeping their names', () => {
    assert.equal(redactSecrets('token: abc123'), 'token: [redacted]');
    assert.equal(redactSecrets('"access_token": "abc def", "expires_in": 3600'), '"access_token": "[redacted]", "expires_in": 3600');
    assert.equal(redactSecrets('password=hunter2&user=bob'), 'password=[redacted]&user=bob');
    assert.equal(redactSecrets("client_secret='s3cr3t'"), "client_secret='[redacted]'");
    assert.equal(redactSecrets('client-key-data: LS0tLS1CRUdJTg=='), 'client-key-data: [redacted]');
    assert.equal(redactSecrets('https://login.example/cb?code=1&refresh_token=r1'), 'https://login.example/cb?code=1&refresh_token=[redacted]');
  });

  it('redacts passwords in URLs and private keys', () => {
    assert.equal(redactSecrets('proxy http://alice:wonderland@proxy:3128 failed'), 'proxy http://alice:[redacted]@proxy:3128 failed');
    const out = redactSecrets(`key:\n${KEY}done`);
    assert.ok(!out.includes('PrivateKeyMaterial'), out);
    assert.match(out, /^key:\n\[redacted private key\]\ndone$/);
    assert.ok(!redactSecrets('-----BEGIN RSA PRIVATE KEY-----\nMIIEcut-off-in-the-middle').includes('MIIE'));
  });

  it('redacts long base64 blobs but keeps digests, UIDs, paths and prose', () => {
    const blob = 'k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5JlZlcnNpb249MjAxMS0wNi0xNQ';
    assert.equal(redactSecrets(`got ${blob}`), 'got k8s-aws-v1.[redacted]');
    const keep = [
      'image@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
      'uid 5f1c9a7e-3b2d-4c8e-9f10-2a3b4c5d6e7f',
      '/home/user/Projects/Berth2/some/very/long/path/to/Kubeconfig1.yaml',
      'the token has expired; run kubelogin again',
      'error: You must be logged in to the server (Unauthorized)',
    ];
    for (const text of keep) assert.equal(redactSecrets(text), text);
  });

  it('is quick on hostile input', () => {
    const start = performance.now();
    redactSecrets('a.'.repeat(500_000));
    redactSecrets('x='.repeat(500_000));
    redactSecrets('https'.repeat(200_000));
    redactSecrets(`"token": "${'a'.repeat(1_000_000)}`);
    assert.ok(performance.now() - start < 1500, `${performance.now() - start} ms`);
  });
});
