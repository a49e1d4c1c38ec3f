import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSelectorJson, WorkloadJson } from '../../../src/core/kube/objects';
import { jobsOwnedBy, matchesSelector, ownedBy, podSelectorOf, selectorToString, workloadStatus } from '../../../src/core/kube/workloads';

function workload(kind: string, spec: WorkloadJson['spec'], status: WorkloadJson['status'], meta: Partial<WorkloadJson['metadata']> = {}): WorkloadJson {
  return { kind, apiVersion: kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1', metadata: { name: 'w', namespace: 'default', uid: `uid-${kind}`, ...meta }, spec, status };
}

describe('workloadStatus: Deployment', () => {
  const selector = { matchLabels: { app: 'web' } };

  it('ready when every replica is ready and updated', () => {
    const d = workload('Deployment', { replicas: 3, selector }, {
      observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3,
      conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    });
    assert.deepEqual(workloadStatus('Deployment', d), { ready: '3/3', health: 'ok', label: 'Ready' });
  });

  it('updating while updated replicas lag or old ones remain', () => {
    const lagging = workload('Deployment', { replicas: 3, selector }, { replicas: 3, updatedReplicas: 1, readyReplicas: 3 });
    assert.deepEqual(workloadStatus('Deployment', lagging), { ready: '3/3', health: 'progressing', label: 'Updating' });
    const surge = workload('Deployment', { replicas: 3, selector }, { replicas: 4, updatedReplicas: 3, readyReplicas: 3 });
    assert.equal(workloadStatus('Deployment', surge).label, 'Updating');
  });

  it('not ready while pods start (fields the server omits when zero count as zero)', () => {
    const d = workload('Deployment', { replicas: 2, selector }, { replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
    assert.deepEqual(workloadStatus('Deployment', d), { ready: '0/2', health: 'progressing', label: 'Not ready' });
  });

  it('an error once the progress deadline is exceeded', () => {
    const d = workload('Deployment', { replicas: 2, selector }, {
      replicas: 2, updatedReplicas: 1, readyReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-5d8" has timed out progressing.' }],
    });
    assert.deepEqual(workloadStatus('Deployment', d), { ready: '1/2', health: 'error', label: 'ProgressDeadlineExceeded' });
  });

  it('an error when pods cannot be created (ReplicaFailure, e.g. quota)', () => {
    const d = workload('Deployment', { replicas: 2, selector }, { conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' }] });
    assert.deepEqual(workloadStatus('Deployment', d), { ready: '0/2', health: 'error', label: 'FailedCreate' });
  });

  it('paused, scaled to zero, scaling down, terminating', () => {
    assert.deepEqual(workloadStatus('Deployment', workload('Deployment', { replicas: 2, paused: true, selector }, { readyReplicas: 2, replicas: 2, updatedReplicas: 2 })), { ready: '2/2', health: 'warning', label: 'Paused' });
    assert.deepEqual(workloadStatus('Deployment', workload('Deployment', { replicas: 0, selector }, {})), { ready: '0/0', health: 'ok', label: 'Scaled to 0' });
    assert.deepEqual(workloadStatus('Deployment', workload('Deployment', { replicas: 0, selector }, { replicas: 2, readyReplicas: 2 })), { ready: '2/0', health: 'progressing', label: 'Scaling down' });
    const going = workload('Deployment', { replicas: 2, selector }, { readyReplicas: 2, replicas: 2, updatedReplicas: 2 }, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    assert.deepEqual(workloadStatus('Deployment', going), { ready: '2/2', health: 'terminating', label: 'Terminating' });
  });

  it('spec.replicas missing counts as 1, as the API server defaults it', () => {
    assert.equal(workloadStatus('Deployment', workload('Deployment', { selector }, { readyReplicas: 1, replicas: 1, updatedReplicas: 1 })).ready, '1/1');
  });
});

describe('workloadStatus: StatefulSet and DaemonSet', () => {
  it('StatefulSet: ready/replicas, updating during a rolling update', () => {
    assert.deepEqual(workloadStatus('StatefulSet', workload('StatefulSet', { replicas: 3 }, { replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 })), { ready: '3/3', health: 'ok', label: 'Ready' });
    assert.deepEqual(workloadStatus('StatefulSet', workload('StatefulSet', { replicas: 3 }, { replicas: 3, readyReplicas: 2, updatedReplicas: 1 })), { ready: '2/3', health: 'progressing', label: 'Updating' });
  });

  it('DaemonSet: numberReady/desiredNumberScheduled', () => {
    assert.deepEqual(workloadStatus('DaemonSet', workload('DaemonSet', {}, { desiredNumberScheduled: 4, numberReady: 4, updatedNumberScheduled: 4, numberAvailable: 4 })), { ready: '4/4', health: 'ok', label: 'Ready' });
    assert.deepEqual(workloadStatus('DaemonSet', workload('DaemonSet', {}, { desiredNumberScheduled: 4, numberReady: 2, updatedNumberScheduled: 4 })), { ready: '2/4', health: 'progressing', label: 'Not ready' });
    assert.deepEqual(workloadStatus('DaemonSet', workload('DaemonSet', {}, { desiredNumberScheduled: 4, numberReady: 4, updatedNumberScheduled: 1 })), { ready: '4/4', health: 'progressing', label: 'Updating' });
    assert.deepEqual(workloadStatus('DaemonSet', workload('DaemonSet', {}, {})), { ready: '0/0', health: 'ok', label: 'No nodes' });
  });
});

describe('workloadStatus: Job and CronJob', () => {
  it('Job: succeeded/completions and the Complete condition', () => {
    const j = workload('Job', { completions: 3, parallelism: 1 }, { succeeded: 3, completionTime: '2026-01-01T00:01:00Z', conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] });
    assert.deepEqual(workloadStatus('Job', j), { ready: '3/3', health: 'done', label: 'Complete' });
  });

  it('Job: running, and kubectl\'s form without completions', () => {
    assert.deepEqual(workloadStatus('Job', workload('Job', { completions: 5, parallelism: 2 }, { active: 2, succeeded: 1 })), { ready: '1/5', health: 'progressing', label: 'Running' });
    assert.equal(workloadStatus('Job', workload('Job', { parallelism: 3 }, { active: 3 })).ready, '0/1 of 3');
    assert.equal(workloadStatus('Job', workload('Job', { parallelism: 1 }, { active: 1 })).ready, '0/1');
  });

  it('Job: failed attempts while still running are a warning', () => {
    assert.deepEqual(workloadStatus('Job', workload('Job', { completions: 1 }, { active: 1, failed: 2 })), { ready: '0/1', health: 'warning', label: 'Running (2 failed)' });
  });

  it('Job: the Failed condition is an error naming its reason', () => {
    const j = workload('Job', { completions: 1, parallelism: 1 }, {
      failed: 7,
      conditions: [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' }, { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
    });
    assert.deepEqual(workloadStatus('Job', j), { ready: '0/1', health: 'error', label: 'Failed: BackoffLimitExceeded' });
    const failing = workload('Job', { completions: 1 }, { failed: 7, active: 1, conditions: [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' }] });
    assert.equal(workloadStatus('Job', failing).health, 'error');
  });

  it('Job: suspended', () => {
    assert.deepEqual(workloadStatus('Job', workload('Job', { completions: 1, suspend: true }, { conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended' }] })), { ready: '0/1', health: 'warning', label: 'Suspended' });
  });

  it('CronJob: the number of active Jobs (status.active is a list there) and suspension', () => {
    const active = [{ kind: 'Job', name: 'backup-29012345', namespace: 'default', uid: 'j1' }, { kind: 'Job', name: 'backup-29012346', namespace: 'default', uid: 'j2' }];
    const running = workload('CronJob', { schedule: '*/5 * * * *', suspend: false }, { active: active as unknown as number, lastScheduleTime: '2026-01-01T00:00:00Z' });
    assert.deepEqual(workloadStatus('CronJob', running), { ready: '2 active', health: 'progressing', label: 'Active' });
    assert.deepEqual(workloadStatus('CronJob', workload('CronJob', { schedule: '0 3 * * *' }, {})), { ready: '0 active', health: 'ok', label: 'Scheduled' });
    assert.deepEqual(workloadStatus('CronJob', workload('CronJob', { schedule: '0 3 * * *', suspend: true }, {})), { ready: '0 active', health: 'warning', label: 'Suspended' });
  });
});

describe('selectorToString', () => {
  it('writes matchLabels and every operator, sorted by key as apimachinery does', () => {
    const sel: LabelSelectorJson = {
      matchLabels: { tier: 'frontend', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['staging', 'prod'] },
        { key: 'track', operator: 'NotIn', values: ['canary'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    assert.equal(selectorToString(sel), 'app=web,env in (prod,staging),!legacy,owner,tier=frontend,track notin (canary)');
  });

  it('empty selects everything (""), none or an unknown operator selects nothing (undefined)', () => {
    assert.equal(selectorToString({}), '');
    assert.equal(selectorToString(undefined), undefined);
    assert.equal(selectorToString({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), undefined);
  });
});

describe('matchesSelector', () => {
  const sel: LabelSelectorJson = {
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'env', operator: 'In', values: ['prod', 'staging'] },
      { key: 'track', operator: 'NotIn', values: ['canary'] },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  };

  it('needs every requirement', () => {
    assert.ok(matchesSelector({ app: 'web', env: 'prod' }, sel));
    assert.ok(matchesSelector({ app: 'web', env: 'staging', track: 'stable', extra: 'x' }, sel));
    assert.ok(!matchesSelector({ app: 'api', env: 'prod' }, sel));
    assert.ok(!matchesSelector({ app: 'web', env: 'dev' }, sel));
    assert.ok(!matchesSelector({ app: 'web' }, sel), 'In needs the label');
    assert.ok(!matchesSelector({ app: 'web', env: 'prod', track: 'canary' }, sel));
    assert.ok(!matchesSelector({ app: 'web', env: 'prod', legacy: '' }, sel));
  });

  it('Exists needs the key, whatever its value', () => {
    const exists = { matchExpressions: [{ key: 'owner', operator: 'Exists' }] };
    assert.ok(matchesSelector({ owner: '' }, exists));
    assert.ok(!matchesSelector({}, exists));
    assert.ok(!matchesSelector(undefined, exists));
  });

  it('an empty selector matches everything, no selector nothing, and an unknown operator nothing', () => {
    assert.ok(matchesSelector(undefined, {}));
    assert.ok(!matchesSelector({ app: 'web' }, undefined));
    assert.ok(!matchesSelector({ a: '2' }, { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }));
  });

  it('does not treat inherited object properties as labels', () => {
    assert.ok(!matchesSelector({}, { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }));
    assert.ok(!matchesSelector({}, { matchLabels: { toString: 'x' } }));
  });
});

describe('podSelectorOf and ownership', () => {
  it('uses spec.selector, or the template labels when there is none', () => {
    const sel = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } };
    assert.deepEqual(podSelectorOf('Job', workload('Job', { selector: sel }, {})), sel);
    assert.deepEqual(podSelectorOf('Deployment', workload('Deployment', { template: { metadata: { labels: { app: 'x' } } } }, {})), { matchLabels: { app: 'x' } });
    assert.equal(podSelectorOf('Deployment', workload('Deployment', {}, {})), undefined);
  });

  it('a CronJob has no pod selector: its pods are found through the Jobs it owns', () => {
    const cron = workload('CronJob', { schedule: '* * * * *', jobTemplate: { spec: { template: { metadata: { labels: { app: 'x' } } } } } }, {}, { uid: 'cron-uid' });
    assert.equal(podSelectorOf('CronJob', cron), undefined);
    const mine = workload('Job', {}, {}, { name: 'mine', uid: 'j1', ownerReferences: [{ kind: 'CronJob', name: 'w', uid: 'cron-uid', controller: true }] });
    const other = workload('Job', {}, {}, { name: 'other', uid: 'j2', ownerReferences: [{ kind: 'CronJob', name: 'w', uid: 'older-cron-with-same-name' }] });
    const orphan = workload('Job', {}, {}, { name: 'orphan', uid: 'j3' });
    assert.deepEqual(jobsOwnedBy(cron, [mine, other, orphan]).map((j) => j.metadata.name), ['mine']);
    assert.deepEqual(ownedBy({ metadata: { uid: 'j2' } }, [{ metadata: { ownerReferences: [{ uid: 'j2' }] } }, { metadata: {} }]).length, 1);
  });
});
