import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  describeRolloutTarget,
  forgetPushedImage,
  lastPushedImage,
  parseReplicaCount,
  pinnedReference,
  rememberPushedImage,
  repositoryOf,
  rolloutKey,
  rolloutRef,
  rolloutTargetOf,
  tagOf,
} from '../../../src/vscode/kube/rolloutLogic';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('rollout logic: targets', () => {
  it('takes Deployments, StatefulSets and DaemonSets only', () => {
    for (const workloadKind of ['Deployment', 'StatefulSet', 'DaemonSet'] as const) {
      const target = { kind: 'workload' as const, contextName: 'c', namespace: 'n', workloadKind, name: 'w' };
      assert.equal(rolloutTargetOf(target), target);
    }
    assert.equal(rolloutTargetOf({ kind: 'workload', contextName: 'c', namespace: 'n', workloadKind: 'Job', name: 'w' }), undefined);
    assert.equal(rolloutTargetOf({ kind: 'workload', contextName: 'c', namespace: 'n', workloadKind: 'CronJob', name: 'w' }), undefined);
    assert.equal(rolloutTargetOf({ kind: 'pod', contextName: 'c', namespace: 'n', name: 'p', containers: [] }), undefined);
    assert.equal(rolloutTargetOf({ kind: 'workload', contextName: '', namespace: 'n', workloadKind: 'Deployment', name: 'w' }), undefined);
    assert.equal(rolloutTargetOf(undefined), undefined);
  });

  it('maps a target to its API object and a key per workload', () => {
    assert.deepEqual(rolloutRef({ workloadKind: 'StatefulSet', namespace: 'db', name: 'pg' }), { group: 'apps', version: 'v1', resource: 'statefulsets', namespace: 'db', name: 'pg' });
    assert.deepEqual(rolloutRef({ workloadKind: 'DaemonSet', namespace: 'kube-system', name: 'agent' }).resource, 'daemonsets');
    const a = rolloutKey({ contextName: 'a', namespace: 'n', workloadKind: 'Deployment', name: 'w' });
    assert.notEqual(a, rolloutKey({ contextName: 'b', namespace: 'n', workloadKind: 'Deployment', name: 'w' }));
    assert.notEqual(a, rolloutKey({ contextName: 'a', namespace: 'n', workloadKind: 'StatefulSet', name: 'w' }));
    assert.equal(describeRolloutTarget({ workloadKind: 'Deployment', namespace: 'shop', name: 'web' }), 'deployment web in namespace shop');
  });
});

describe('rollout logic: replica counts', () => {
  it('accepts whole numbers from 0', () => {
    assert.deepEqual(parseReplicaCount('0'), { ok: true, replicas: 0 });
    assert.deepEqual(parseReplicaCount(' 12 '), { ok: true, replicas: 12 });
    assert.deepEqual(parseReplicaCount('2147483647'), { ok: true, replicas: 2147483647 });
  });

  it('refuses negatives, fractions, words, exponents and int32 overflow', () => {
    for (const text of ['-1', '1.5', 'three', '', ' ', '1e3', '0x10', '+3', '2147483648', '99999999999999999999']) {
      const result = parseReplicaCount(text);
      assert.equal(result.ok, false, text);
    }
  });
});

describe('rollout logic: image references', () => {
  it('splits repository and tag around registry ports', () => {
    assert.equal(repositoryOf('127.0.0.1:5000/team/app:1.0'), '127.0.0.1:5000/team/app');
    assert.equal(tagOf('127.0.0.1:5000/team/app:1.0'), '1.0');
    assert.equal(repositoryOf('127.0.0.1:5000/team/app'), '127.0.0.1:5000/team/app');
    assert.equal(tagOf('127.0.0.1:5000/team/app'), undefined);
    assert.equal(repositoryOf(`app:1@${DIGEST}`), 'app');
  });

  it('pins a reference to its digest, dropping the tag', () => {
    assert.equal(pinnedReference('localhost:5000/web:abc123', DIGEST), `localhost:5000/web@${DIGEST}`);
    assert.throws(() => pinnedReference('web:1', 'sha256:short'), /not a registry digest/);
  });
});

describe('rollout logic: the image pushed last', () => {
  afterEach(() => { forgetPushedImage(); });

  it('remembers the last push by digest', () => {
    assert.equal(lastPushedImage(), undefined);
    rememberPushedImage('localhost:5000/web:one', DIGEST, 1000);
    const other = `sha256:${'f'.repeat(64)}`;
    rememberPushedImage('localhost:5000/api:two', other, 2000);
    assert.deepEqual(lastPushedImage(), { reference: 'localhost:5000/api:two', digest: other, pinned: `localhost:5000/api@${other}`, at: 2000 });
  });

  it('ignores a push without a valid digest or reference', () => {
    assert.equal(rememberPushedImage('web:1', 'latest'), undefined);
    assert.equal(rememberPushedImage('Web Image', DIGEST), undefined);
    assert.equal(lastPushedImage(), undefined);
  });
});
