import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthenticate } from '../../../../src/core/registry/challenge';

describe('WWW-Authenticate parsing', () => {
  it('reads Docker Hub\'s Bearer challenge', () => {
    const [c, ...rest] = parseAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"');
    assert.equal(rest.length, 0);
    assert.equal(c?.scheme, 'bearer');
    assert.deepEqual(c?.params, { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/node:pull' });
  });

  it('reads the htpasswd registry\'s Basic challenge, case-insensitively', () => {
    assert.deepEqual(parseAuthenticate('basic Realm="berth-test"'), [{ scheme: 'basic', params: { realm: 'berth-test' }, token68: undefined }]);
  });

  it('keeps several challenges apart, in one header or several', () => {
    const one = parseAuthenticate('Bearer realm="https://r.example/token", service="r", Basic realm="x, y"');
    assert.deepEqual(one.map((c) => c.scheme), ['bearer', 'basic']);
    assert.equal(one[0]?.params.service, 'r');
    assert.equal(one[1]?.params.realm, 'x, y');
    const two = parseAuthenticate(['Basic realm="a"', 'Bearer realm="https://b/token"']);
    assert.deepEqual(two.map((c) => [c.scheme, c.params.realm]), [['basic', 'a'], ['bearer', 'https://b/token']]);
  });

  it('unescapes quoted strings and accepts bare tokens and spaces around =', () => {
    const [c] = parseAuthenticate('Bearer realm = "https://x/t?a=\\"b\\"" , service=reg.example , error=insufficient_scope');
    assert.deepEqual(c?.params, { realm: 'https://x/t?a="b"', service: 'reg.example', error: 'insufficient_scope' });
  });

  it('token68 and schemes without parameters', () => {
    assert.deepEqual(parseAuthenticate('Negotiate abc+/=='), [{ scheme: 'negotiate', params: {}, token68: 'abc+/==' }]);
    assert.deepEqual(parseAuthenticate('Negotiate, Basic realm="r"').map((c) => c.scheme), ['negotiate', 'basic']);
  });

  it('nothing usable gives nothing, and a broken tail keeps what came before', () => {
    assert.deepEqual(parseAuthenticate(undefined), []);
    assert.deepEqual(parseAuthenticate(''), []);
    const [c] = parseAuthenticate('Bearer realm="https://x/token",service="unterminated');
    assert.equal(c?.params.realm, 'https://x/token');
    assert.equal(c?.params.service, undefined);
  });
});
