import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeValues } from '../../../src/core/helm/values';
import { fixtureJson, storedReleases } from './fixtures';

interface StoredRelease {
  version: number;
  config: Record<string, unknown>;
  chart: { values: Record<string, unknown> };
}

describe('computeValues', () => {
  it('matches `helm get values --all` of a real release (user nulls at several depths, lists, --set)', () => {
    const revision2 = storedReleases('secrets-helm3-web3.json')
      .map((s) => s.release as StoredRelease)
      .find((r) => r.version === 2);
    assert.ok(revision2);
    // The stored config is what `helm get values` (without --all) prints.
    assert.deepEqual(revision2.config, fixtureJson('values-user-helm3-web3-rev2.json'));
    const computed = computeValues(revision2.chart.values, revision2.config);
    assert.deepEqual(computed, fixtureJson('values-all-helm3-web3-rev2.json'));
    // The cases that make it interesting, spelled out.
    assert.equal('tolerations' in computed, false, 'a top-level null deletes a chart default');
    assert.equal(computed.newKey, null, 'a top-level null for a key the chart lacks stays');
    assert.deepEqual(computed.image, { repository: 'nginx', tag: '1.27' }, 'a nested null deletes the default');
    assert.equal('hosts' in (computed.ingress as object), false);
    assert.deepEqual(computed.podAnnotations, { extra: 'x', team: 'shop' });
  });

  it('replaces scalars and lists, merges maps, and never changes its inputs', () => {
    const defaults = { replicas: 1, ports: [80, 443], image: { repo: 'nginx', tag: 'latest', pull: { policy: 'Always' } }, extra: 'x' };
    const user = { replicas: 3, ports: [8080], image: { tag: '1.27', pull: { secret: 's' } } };
    const before = JSON.stringify([defaults, user]);
    const computed = computeValues(defaults, user);
    assert.deepEqual(computed, { replicas: 3, ports: [8080], image: { repo: 'nginx', tag: '1.27', pull: { policy: 'Always', secret: 's' } }, extra: 'x' });
    assert.equal(JSON.stringify([defaults, user]), before);
    // The result shares no objects with the inputs.
    (computed.image as { pull: { policy: string } }).pull.policy = 'changed';
    assert.equal(defaults.image.pull.policy, 'Always');
  });

  it('keeps the user side when a map meets a scalar, as Helm does (with a warning)', () => {
    assert.deepEqual(computeValues({ a: { b: 1 } }, { a: 'flat' }), { a: 'flat' });
    assert.deepEqual(computeValues({ a: 'flat' }, { a: { b: 1 } }), { a: { b: 1 } });
    assert.deepEqual(computeValues({ a: { b: { c: 1 } } }, { a: { b: 'flat' } }), { a: { b: 'flat' } });
    assert.deepEqual(computeValues({ a: { b: 'flat' } }, { a: { b: { c: 1 } } }), { a: { b: { c: 1 } } });
  });

  it('drops nested nulls even for keys the chart does not define, and keeps chart-default nulls', () => {
    assert.deepEqual(computeValues({ a: { b: 1 } }, { a: { unknown: null, b: null } }), { a: {} });
    assert.deepEqual(computeValues({ a: null, b: { c: null } }, {}), { a: null, b: { c: null } });
    // A null map in the user's values over a default map deletes the whole map.
    assert.deepEqual(computeValues({ a: { b: 1 }, keep: 1 }, { a: null }), { keep: 1 });
  });

  it('lists the chart defaults in their own order, then user-only keys', () => {
    const computed = computeValues({ z: 1, a: { y: 1, b: 2 }, m: 3 }, { extra: true, a: { new: 1, b: 5 } });
    assert.deepEqual(Object.keys(computed), ['z', 'a', 'm', 'extra']);
    assert.deepEqual(Object.keys(computed.a as object), ['y', 'b', 'new']);
  });

  it('handles missing sides', () => {
    assert.deepEqual(computeValues(undefined, { a: 1 }), { a: 1 });
    assert.deepEqual(computeValues({ a: 1 }, undefined), { a: 1 });
    assert.deepEqual(computeValues(undefined, undefined), {});
  });
});
