import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthenticate } from '../../../../src/core/registry/challenge';
import type { AuthChallenge } from '../../../../src/core/registry/challenge';
import { parseTokenResponse, planTokenRequest, pullScope, refreshTokenForm } from '../../../../src/core/registry/realm';

function bearer(realm: string, service?: string): AuthChallenge {
  const [c] = parseAuthenticate(`Bearer realm="${realm}"${service !== undefined ? `,service="${service}"` : ''},scope="repository:other/repo:push,pull"`);
  if (!c) throw new Error('no challenge');
  return c;
}

describe('token realm policy (reliability T18)', () => {
  it('Docker Hub: credentials may go to auth.docker.io, with Berth\'s own pull scope', () => {
    const plan = planTokenRequest('registry-1.docker.io', bearer('https://auth.docker.io/token', 'registry.docker.io'), 'library/node');
    assert.equal(plan.kind, 'withCredentials');
    if (plan.kind !== 'withCredentials') return;
    const url = new URL(plan.url);
    assert.equal(url.host, 'auth.docker.io');
    assert.equal(url.searchParams.get('service'), 'registry.docker.io');
    // The challenge asked for push on another repository: Berth asks only for what it reads.
    assert.deepEqual(url.searchParams.getAll('scope'), ['repository:library/node:pull']);
    assert.equal(plan.scope, pullScope('library/node'));
  });

  it('a realm on the registry\'s own host (any port) gets the credentials', () => {
    assert.equal(planTokenRequest('ghcr.io', bearer('https://ghcr.io/token'), 'org/app').kind, 'withCredentials');
    assert.equal(planTokenRequest('registry.example:5000', bearer('https://registry.example:5001/auth'), 'app').kind, 'withCredentials');
    assert.equal(planTokenRequest('127.0.0.1:5000', bearer('http://127.0.0.1:5001/token'), 'app').kind, 'withCredentials');
  });

  it('a realm on another host gets an anonymous request, and says why', () => {
    const plan = planTokenRequest('127.0.0.1:5000', bearer('http://127.0.0.2:9/token'), 'app');
    assert.equal(plan.kind, 'anonymous');
    if (plan.kind === 'anonymous') {
      assert.match(plan.withheld, /127\.0\.0\.2:9, another host: its credentials were not sent/);
      assert.equal(new URL(plan.url).host, '127.0.0.2:9');
    }
    assert.equal(planTokenRequest('ghcr.io', bearer('https://auth.docker.io/token'), 'app').kind, 'anonymous');
    assert.equal(planTokenRequest('registry-1.docker.io', bearer('https://auth.docker.io.evil.example/token'), 'library/node').kind, 'anonymous');
    assert.equal(planTokenRequest('registry-1.docker.io', bearer('https://evil.example/token'), 'library/node').kind, 'anonymous');
  });

  it('plain http is refused unless registry and realm are both on this machine', () => {
    const toNetwork = planTokenRequest('ghcr.io', bearer('http://ghcr.io/token'), 'app');
    assert.equal(toNetwork.kind, 'refused');
    if (toNetwork.kind === 'refused') assert.match(toNetwork.reason, /plain http/);
    assert.equal(planTokenRequest('ghcr.io', bearer('http://127.0.0.1/token'), 'app').kind, 'refused');
    assert.equal(planTokenRequest('127.0.0.1:5000', bearer('http://10.0.0.5/token'), 'app').kind, 'refused');
  });

  it('refuses realms that are not https URLs or carry a user name', () => {
    assert.equal(planTokenRequest('r.example', { scheme: 'bearer', params: {}, token68: undefined }, 'app').kind, 'refused');
    assert.equal(planTokenRequest('r.example', bearer('not a url'), 'app').kind, 'refused');
    assert.equal(planTokenRequest('r.example', bearer('file:///etc/passwd'), 'app').kind, 'refused');
    assert.equal(planTokenRequest('r.example', bearer('https://user:pw@r.example/token'), 'app').kind, 'refused');
  });

  it('reads token replies: token, access_token; refuses what cannot be a header value', () => {
    assert.equal(parseTokenResponse('{"token":"abc.def","expires_in":300}'), 'abc.def');
    assert.equal(parseTokenResponse('{"access_token":"xyz"}'), 'xyz');
    assert.equal(parseTokenResponse('{"token":"","access_token":"xyz"}'), 'xyz');
    assert.equal(parseTokenResponse('{"token":"a\\r\\nSet-Cookie: x"}'), undefined);
    assert.equal(parseTokenResponse('{}'), undefined);
    assert.equal(parseTokenResponse('<html>'), undefined);
    assert.equal(parseTokenResponse('null'), undefined);
  });

  it('builds the OAuth2 refresh-token form of an identity token', () => {
    const form = new URLSearchParams(refreshTokenForm('refresh-me', 'registry.docker.io', 'repository:library/node:pull'));
    assert.equal(form.get('grant_type'), 'refresh_token');
    assert.equal(form.get('refresh_token'), 'refresh-me');
    assert.equal(form.get('service'), 'registry.docker.io');
    assert.equal(form.get('scope'), 'repository:library/node:pull');
  });
});
