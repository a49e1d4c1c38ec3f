import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodJson, WorkloadJson } from '../../../src/core/kube/objects';
import { matchesSelector } from '../../../src/core/kube/workloads';
import type { WorkloadKind } from '../../../src/core/kube/types';
import { indexNamespace, workloadKey } from '../../../src/vscode/kube/namespaceIndex';
import type { WorkloadsByKind } from '../../../src/vscode/kube/namespaceIndex';

let uid = 0;
function pod(name: string, labels?: Record<string, string>): PodJson {
  return { metadata: { name, uid: `pod-${uid++}`, ...(labels ? { labels } : {}) } };
}
function workload(name: string, spec: WorkloadJson['spec'], owner?: WorkloadJson): WorkloadJson {
  return {
    metadata: { name, uid: `w-${uid++}`, ...(owner ? { ownerReferences: [{ kind: 'CronJob', name: owner.metadata.name, uid: owner.metadata.uid, controller: true }] } : {}) },
    spec,
  };
}
function kinds(partial: Partial<Record<WorkloadKind, WorkloadJson[]>>): WorkloadsByKind {
  return { Deployment: [], StatefulSet: [], DaemonSet: [], Job: [], CronJob: [], ...partial };
}
const names = (pods: readonly PodJson[]): string[] => pods.map((p) => p.metadata.name);

describe('namespace contents for the Clusters view', () => {
  it('sorts pods into workloads by selector; the rest go to the Pods group; empty groups are left out', () => {
    const web = workload('web', { selector: { matchLabels: { app: 'web' } } });
    const db = workload('db', { selector: { matchLabels: { app: 'db', tier: 'data' } } });
    const contents = indexNamespace(
      [pod('web-2', { app: 'web', 'pod-template-hash': 'x' }), pod('web-1', { app: 'web' }), pod('db-0', { app: 'db', tier: 'data' }), pod('db-stray', { app: 'db' }), pod('bare')],
      kinds({ Deployment: [web], StatefulSet: [db] }),
    );
    assert.deepEqual(contents.groups.map((g) => g.kind), ['Deployment', 'StatefulSet', 'Pod']);
    assert.deepEqual(names(contents.workloads.get(workloadKey('Deployment', 'web'))?.pods ?? []), ['web-1', 'web-2']);
    assert.deepEqual(names(contents.workloads.get(workloadKey('StatefulSet', 'db'))?.pods ?? []), ['db-0']);
    assert.deepEqual(names(contents.groups.at(-1)?.pods ?? []), ['bare', 'db-stray']);
    assert.equal(contents.workloads.get(workloadKey('Deployment', 'web'))?.selector, 'app=web');
    assert.equal(contents.pods.size, 5);
    assert.deepEqual(contents.parents.get('web-1'), ['Deployment/web']);
    assert.deepEqual(contents.parents.get('bare'), ['Pod']);
  });

  it('expression-only selectors, a pod selected twice, and a workload without selector', () => {
    const canary = workload('canary', { selector: { matchExpressions: [{ key: 'track', operator: 'In', values: ['canary', 'beta'] }] } });
    const all = workload('all-web', { selector: { matchLabels: { app: 'web' } } });
    const none = workload('no-selector', {});
    const contents = indexNamespace([pod('a', { app: 'web', track: 'canary' }), pod('b', { app: 'web', track: 'stable' })], kinds({ Deployment: [canary, all], DaemonSet: [none] }));
    assert.deepEqual(names(contents.workloads.get('Deployment/canary')?.pods ?? []), ['a']);
    assert.deepEqual(names(contents.workloads.get('Deployment/all-web')?.pods ?? []), ['a', 'b']);
    assert.deepEqual([...(contents.parents.get('a') ?? [])].sort(), ['Deployment/all-web', 'Deployment/canary']);
    assert.deepEqual(contents.workloads.get('DaemonSet/no-selector')?.pods, []);
    assert.equal(contents.groups.find((g) => g.kind === 'Pod'), undefined);
    assert.deepEqual(contents.groups.find((g) => g.kind === 'Deployment')?.workloads.map((w) => w.object.metadata.name), ['all-web', 'canary']);
  });

  it('a selector of template labels when the object has no spec.selector', () => {
    const old = workload('old', { template: { metadata: { labels: { run: 'old' } } } });
    const contents = indexNamespace([pod('old-x', { run: 'old' })], kinds({ Deployment: [old] }));
    assert.deepEqual(names(contents.workloads.get('Deployment/old')?.pods ?? []), ['old-x']);
  });

  it("a CronJob's pods are its Jobs' pods; its selector covers later Jobs when the template has labels", () => {
    const cron = workload('nightly', { jobTemplate: { spec: { template: { metadata: { labels: { job: 'nightly' } } } } } });
    const bare = workload('bare-cron', {});
    const job1 = workload('nightly-1', { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } } }, cron);
    const job2 = workload('nightly-2', { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u2' } } }, cron);
    const job3 = workload('bare-cron-1', { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u3' } } }, bare);
    const job4 = workload('bare-cron-2', { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u4' } } }, bare);
    const other = workload('manual', { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u5' } } });
    const contents = indexNamespace(
      [
        pod('n1', { 'batch.kubernetes.io/controller-uid': 'u1', job: 'nightly' }),
        pod('n2', { 'batch.kubernetes.io/controller-uid': 'u2', job: 'nightly' }),
        pod('b3', { 'batch.kubernetes.io/controller-uid': 'u3' }),
        pod('b4', { 'batch.kubernetes.io/controller-uid': 'u4' }),
        pod('m5', { 'batch.kubernetes.io/controller-uid': 'u5' }),
      ],
      kinds({ Job: [job1, job2, job3, job4, other], CronJob: [cron, bare] }),
    );
    assert.deepEqual(names(contents.workloads.get('CronJob/nightly')?.pods ?? []), ['n1', 'n2']);
    assert.deepEqual(contents.parents.get('n1'), ['Job/nightly-1', 'CronJob/nightly']);
    assert.equal(contents.workloads.get('CronJob/nightly')?.selector, 'job=nightly');
    assert.deepEqual(names(contents.workloads.get('CronJob/bare-cron')?.pods ?? []), ['b3', 'b4']);
    assert.equal(contents.workloads.get('CronJob/bare-cron')?.selector, 'batch.kubernetes.io/controller-uid in (u3,u4)');
    assert.deepEqual(names(contents.workloads.get('Job/manual')?.pods ?? []), ['m5']);
    const lonely = indexNamespace([], kinds({ CronJob: [workload('idle', {})] }));
    assert.equal(lonely.workloads.get('CronJob/idle')?.selector, undefined);
  });

  it('5,000 pods across 200 deployments: one selector check per pod, not one per pod and workload', () => {
    const deployments = Array.from({ length: 200 }, (_, i) => workload(`app-${i}`, { selector: { matchLabels: { team: 'x', app: `app-${i}` } } }));
    const pods = Array.from({ length: 5_000 }, (_, i) => pod(`app-${i % 200}-${i}`, { app: `app-${i % 200}`, 'pod-template-hash': 'abc', team: 'x' }));
    let checks = 0;
    const contents = indexNamespace(pods, kinds({ Deployment: deployments }), (labels, selector) => {
      checks++;
      return matchesSelector(labels, selector);
    });
    assert.equal(contents.workloads.get('Deployment/app-7')?.pods.length, 25);
    assert.equal(contents.groups.length, 1);
    // Scanning every workload for every pod would be 1,000,000 checks; so would filing each
    // selector under its first pair (team=x, shared by all).
    assert.equal(checks, 5_000);
  });
});
