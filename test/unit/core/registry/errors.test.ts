import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureForNetwork, failureForStatus, parseRegistryErrors, quoteRegistryText } from '../../../../src/core/registry/errors';

describe('registry failures', () => {
  it('reads the Registry API error body', () => {
    assert.deepEqual(parseRegistryErrors('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"y"}}]}'), [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }]);
    assert.deepEqual(parseRegistryErrors('<html>502</html>'), []);
    assert.deepEqual(parseRegistryErrors('{"errors":[null,{"message":"x"}]}'), []);
  });

  it('maps statuses and registry codes to what they mean', () => {
    const notFound = failureForStatus(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}', '127.0.0.1:5000', 'x:y', false);
    assert.equal(notFound.code, 'NOT_FOUND');
    assert.match(notFound.message, /^127\.0\.0\.1:5000 has no image x:y: MANIFEST_UNKNOWN manifest unknown\.$/);
    assert.equal(failureForStatus(400, '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}', 'r', 'x', false).code, 'NOT_FOUND');
    const anonymous = failureForStatus(401, '', 'r.example', 'x', false);
    assert.equal(anonymous.code, 'UNAUTHORIZED');
    assert.match(anonymous.action, /docker login r\.example/);
    assert.match(anonymous.message, /refused an anonymous pull of x: it needs credentials, or it does not exist/);
    assert.match(failureForStatus(403, '', 'r.example', 'x', true).message, /with the credentials Berth has/);
    assert.equal(failureForStatus(200, '{"errors":[{"code":"DENIED","message":"no"}]}', 'r', 'x', true).code, 'UNAUTHORIZED');
    const limited = failureForStatus(429, '{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}', 'registry-1.docker.io', 'node:22', false);
    assert.equal(limited.code, 'BAD_RESPONSE');
    assert.match(limited.message, /rate-limiting/);
    assert.match(failureForStatus(503, 'down', 'r', 'x', false).message, /HTTP 503/);
    assert.equal(failureForStatus(418, '', 'r', 'x', false).code, 'BAD_RESPONSE');
  });

  it('maps network errors: TLS, name resolution, refused', () => {
    assert.equal(failureForNetwork('DEPTH_ZERO_SELF_SIGNED_CERT', 'self signed', 'r.example').code, 'TLS');
    assert.equal(failureForNetwork('ERR_TLS_CERT_ALTNAME_INVALID', 'x', 'r.example').code, 'TLS');
    assert.equal(failureForNetwork('EPROTO', 'wrong version number', 'r.example:5000').code, 'TLS');
    assert.match(failureForNetwork('ENOTFOUND', 'x', 'nope.example').message, /could not be resolved/);
    const refused = failureForNetwork('ECONNREFUSED', 'x', '127.0.0.1:1');
    assert.equal(refused.code, 'UNREACHABLE');
    assert.match(refused.message, /127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    assert.equal(failureForNetwork(undefined, 'socket hang up', 'r').code, 'UNREACHABLE');
  });

  it('quotes registry text on one bounded line', () => {
    assert.equal(quoteRegistryText('a\r\nb\u0007c'), 'a b c');
    assert.equal(quoteRegistryText('x'.repeat(500)).length, 201);
  });
});
