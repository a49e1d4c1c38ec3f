import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultBuildTag, formatAge, groupImages, isValidReference, splitReference } from '../../../src/core/images/imageList';

describe('groupImages', () => {
  const images = [
    { id: 'sha256:aaaaaaaaaaaa1111', repoTags: ['web:1', 'web:latest'], repoDigests: [], created: 200, size: 10 },
    { id: 'sha256:bbbbbbbbbbbb2222', repoTags: ['web:0'], repoDigests: [], created: 100, size: 9 },
    { id: 'sha256:cccccccccccc3333', repoTags: ['<none>:<none>'], repoDigests: [], created: 300, size: 5 },
    { id: 'sha256:dddddddddddd4444', repoTags: [], repoDigests: [], created: 50, size: 4 },
    { id: 'sha256:eeeeeeeeeeee5555', repoTags: ['127.0.0.1:5000/team/api:v2'], repoDigests: [], created: 10, size: 7 },
  ];
  const containers = [{ id: 'c1', names: ['/web-1'], imageId: 'sha256:aaaaaaaaaaaa1111', state: 'running' }];

  it('groups by repository (registry ports kept), newest tag first, dangling apart', () => {
    const g = groupImages(images, containers);
    assert.deepEqual(g.repositories.map((r) => r.repository), ['127.0.0.1:5000/team/api', 'web']);
    assert.deepEqual(g.repositories[1]?.tags.map((t) => t.tag), ['1', 'latest', '0']);
    assert.deepEqual(g.repositories[1]?.tags[0]?.containers, ['web-1']);
    assert.deepEqual(g.dangling.map((d) => d.shortId), ['cccccccccccc', 'dddddddddddd']);
    assert.equal(g.imageCount, 5);
    assert.equal(g.totalSize, 35, 'an image with two tags counts once');
  });

  it('is empty for no images', () => {
    assert.deepEqual(groupImages([]), { repositories: [], dangling: [], imageCount: 0, totalSize: 0 });
  });
});

describe('references', () => {
  it('splits at the tag, not at a registry port', () => {
    assert.deepEqual(splitReference('127.0.0.1:5000/x'), { repository: '127.0.0.1:5000/x', tag: 'latest' });
    assert.deepEqual(splitReference('127.0.0.1:5000/x:1.2'), { repository: '127.0.0.1:5000/x', tag: '1.2' });
  });

  it('default tag from folder and commit', () => {
    assert.equal(defaultBuildTag('My App', '0123456789abcdef0123'), 'my-app:0123456789ab');
    assert.equal(defaultBuildTag('web', undefined), 'web:latest');
    assert.equal(defaultBuildTag('---', 'nothex'), 'image:latest');
  });

  it('validates references', () => {
    for (const ok of ['web', 'web:1', 'ghcr.io/org/app:v1.2', '127.0.0.1:5000/x/y:latest', 'a_b__c']) assert.ok(isValidReference(ok), ok);
    for (const bad of ['Web', 'web:', 'web::1', '-web', 'web/', 'a b']) assert.ok(!isValidReference(bad), bad);
  });

  it('formats ages', () => {
    assert.equal(formatAge(1000, 1010), 'just now');
    assert.equal(formatAge(0, 7200), '2 hours ago');
    assert.equal(formatAge(0, 86400), '1 day ago');
  });
});
