import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logPath, resourcePath } from '../../../src/core/kube/paths';

describe('resourcePath', () => {
  it('core group, namespaced collection with a page size', () => {
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: 'default' }, { limit: 500 }), '/api/v1/namespaces/default/pods?limit=500');
  });

  it('named groups, all namespaces, cluster-scoped objects', () => {
    assert.equal(resourcePath({ group: 'apps', version: 'v1', resource: 'deployments' }), '/apis/apps/v1/deployments');
    assert.equal(resourcePath({ group: 'batch', version: 'v1', resource: 'cronjobs', namespace: 'jobs', name: 'nightly' }), '/apis/batch/v1/namespaces/jobs/cronjobs/nightly');
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'namespaces', name: 'team-a' }), '/api/v1/namespaces/team-a');
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'namespaces' }), '/api/v1/namespaces');
  });

  it('an empty namespace or name counts as absent, as in client-go', () => {
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: '', name: '' }), '/api/v1/pods');
  });

  it('encodes every segment, so odd names cannot change the path or add a query', () => {
    assert.equal(
      resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: 'a/b', name: 'x?watch=1#y z' }),
      '/api/v1/namespaces/a%2Fb/pods/x%3Fwatch%3D1%23y%20z',
    );
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: '..', name: '.' }), '/api/v1/namespaces/%2E%2E/pods/%2E');
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'secrets', namespace: 'ns', name: 'ünï' }), '/api/v1/namespaces/ns/secrets/%C3%BCn%C3%AF');
    // Dots inside a name are ordinary (pod names like web-1.2 are common).
    assert.equal(resourcePath({ group: 'apps', version: 'v1', resource: 'deployments', namespace: 'ns', name: 'web.v2' }), '/apis/apps/v1/namespaces/ns/deployments/web.v2');
  });

  it('writes query values encoded, booleans as text, and leaves out undefined ones', () => {
    assert.equal(
      resourcePath(
        { group: '', version: 'v1', resource: 'pods', namespace: 'default' },
        { labelSelector: 'app=web,tier in (a,b)', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEi+/=', watch: true, allowWatchBookmarks: false, fieldSelector: undefined },
      ),
      '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb%2Ctier%20in%20(a%2Cb)&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEi%2B%2F%3D&watch=true&allowWatchBookmarks=false',
    );
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods' }, { a: undefined }), '/api/v1/pods');
  });
});

describe('logPath', () => {
  it('points at the log subresource with its options', () => {
    assert.equal(
      logPath('default', 'web-7d9c5b8f6d-abcde', { container: 'app', follow: true, timestamps: true, tailLines: 100, sinceTime: '2026-01-01T00:00:00Z', previous: undefined }),
      '/api/v1/namespaces/default/pods/web-7d9c5b8f6d-abcde/log?container=app&follow=true&timestamps=true&tailLines=100&sinceTime=2026-01-01T00%3A00%3A00Z',
    );
  });

  it('encodes namespace, pod and container', () => {
    assert.equal(logPath('n s', '../x', { container: 'a&b=c' }), '/api/v1/namespaces/n%20s/pods/..%2Fx/log?container=a%26b%3Dc');
    assert.equal(logPath('ns', '..'), '/api/v1/namespaces/ns/pods/%2E%2E/log');
  });
});
