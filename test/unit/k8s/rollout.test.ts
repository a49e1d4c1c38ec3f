// The rollout model on JSON shaped like the sandbox's API server returned it (kube-apiserver
// 1.34 with kwok): field names, defaults, annotations and labels as the controllers set them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodJson } from '../../../src/core/kube/objects';
import {
  controllerRevisionHistory, findNewReplicaSet, findUndoTarget, imageReferenceProblem, pausePatch, restartPatch, rolloutActionBlocker,
  rolloutHistory, rolloutView, sameTemplate, scalePatch, setImagePatch, undoControllerRevisionPatch, undoPatch,
} from '../../../src/core/k8s/rollout';
import type { ControllerRevisionJson, EventJson, PodTemplateJson, ReplicaSetJson, RolloutWorkloadJson } from '../../../src/core/k8s/rolloutObjects';

const NOW = Date.parse('2026-11-22T10:40:00Z');
const iso = (secondsBeforeNow: number): string => new Date(NOW - secondsBeforeNow * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const DEPLOYMENT_UID = '1c8f223f-cf4c-4435-a4de-132973361a8a';
const OLD_RS_UID = 'ca07de33-cb9e-43d9-bc42-fbf36f81eac0';
const NEW_RS_UID = '672f823b-9b58-4152-81da-e17adb50cc6d';

/** A pod template as the API server defaults it. */
function template(image: string, labels: Record<string, string>, annotations?: Record<string, string>): PodTemplateJson {
  // Fields beyond ContainerSpecJson's, as the server defaults them: undo must copy them back untouched.
  const container = { image, imagePullPolicy: 'IfNotPresent', name: 'web', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' };
  return {
    metadata: { labels, ...(annotations ? { annotations } : {}) },
    spec: {
      containers: [container],
      dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
    },
  };
}

function deployment(overrides: { image?: string; generation?: number; status?: RolloutWorkloadJson['status']; paused?: boolean; annotations?: Record<string, string>; progressDeadlineSeconds?: number } = {}): RolloutWorkloadJson {
  return {
    metadata: {
      name: 'web', namespace: 'shop', uid: DEPLOYMENT_UID, generation: overrides.generation ?? 2, creationTimestamp: iso(240),
      labels: { app: 'web' }, annotations: overrides.annotations ?? { 'deployment.kubernetes.io/revision': '2' },
    },
    spec: {
      replicas: 3, progressDeadlineSeconds: overrides.progressDeadlineSeconds ?? 600, revisionHistoryLimit: 10, selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: template(overrides.image ?? 'registry.example.com/shop/web:2', { app: 'web' }),
      ...(overrides.paused !== undefined ? { paused: overrides.paused } : {}),
    },
    status: overrides.status ?? {
      observedGeneration: 2, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: iso(240), lastTransitionTime: iso(240) },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-75df9f7774" is progressing.', lastUpdateTime: iso(5), lastTransitionTime: iso(240) },
      ],
    },
  };
}

function replicaSet(name: string, uid: string, revision: number, image: string, replicas: number, status: ReplicaSetJson['status'], extraAnnotations: Record<string, string> = {}): ReplicaSetJson {
  const hash = name.slice('web-'.length);
  return {
    metadata: {
      name, namespace: 'shop', uid, generation: 1, creationTimestamp: iso(revision === 1 ? 240 : 60),
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4', 'deployment.kubernetes.io/revision': String(revision), ...extraAnnotations },
      ownerReferences: [{ kind: 'Deployment', name: 'web', uid: DEPLOYMENT_UID, controller: true }],
    },
    spec: { replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template: template(image, { app: 'web', 'pod-template-hash': hash }) },
    status,
  };
}

const oldRs = (replicas = 3, status: ReplicaSetJson['status'] = { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 }): ReplicaSetJson =>
  replicaSet('web-78dd8797f8', OLD_RS_UID, 1, 'registry.example.com/shop/web:1', replicas, status, { 'kubernetes.io/change-cause': 'first release' });
const newRs = (replicas = 1, status: ReplicaSetJson['status'] = { replicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 }): ReplicaSetJson =>
  replicaSet('web-75df9f7774', NEW_RS_UID, 2, 'registry.example.com/shop/web:2', replicas, status);

type PodState = 'ready' | 'creating' | 'unready' | 'unschedulable' | 'pullBackOff' | 'crashLoop';

function pod(name: string, rs: { name: string; uid: string }, state: PodState, options: { since?: number; image?: string; deleting?: boolean; uid?: string } = {}): PodJson {
  const hash = rs.name.slice(rs.name.lastIndexOf('-') + 1);
  const since = iso(options.since ?? 30);
  const image = options.image ?? (hash === '78dd8797f8' ? 'registry.example.com/shop/web:1' : 'registry.example.com/shop/web:2');
  const p: PodJson = {
    metadata: {
      name, namespace: 'shop', uid: options.uid ?? `uid-${name}`, creationTimestamp: since, labels: { app: 'web', 'pod-template-hash': hash },
      ownerReferences: [{ kind: 'ReplicaSet', name: rs.name, uid: rs.uid, controller: true }],
      ...(options.deleting ? { deletionTimestamp: iso(1) } : {}),
    },
    spec: { nodeName: state === 'unschedulable' ? undefined : 'kwok-node-0', containers: [{ name: 'web', image }] },
    status: { phase: 'Pending' },
  };
  const scheduled = { type: 'PodScheduled', status: 'True', lastTransitionTime: since };
  switch (state) {
    case 'ready':
      p.status = {
        phase: 'Running', startTime: since, podIP: '10.244.0.7',
        conditions: [{ type: 'Initialized', status: 'True', lastTransitionTime: since }, { type: 'Ready', status: 'True', lastTransitionTime: since }, { type: 'ContainersReady', status: 'True', lastTransitionTime: since }, scheduled],
        containerStatuses: [{ name: 'web', image, ready: true, started: true, restartCount: 0, state: { running: { startedAt: since } } }],
      };
      break;
    case 'creating':
      p.status = {
        phase: 'Pending', startTime: since, conditions: [scheduled],
        containerStatuses: [{ name: 'web', image, ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
      };
      break;
    case 'unready':
      p.status = {
        phase: 'Running', startTime: since,
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: since },
          { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]', lastTransitionTime: since },
          { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]', lastTransitionTime: since }, scheduled,
        ],
        containerStatuses: [{ name: 'web', image, ready: false, started: true, restartCount: 0, state: { running: { startedAt: since } } }],
      };
      break;
    case 'unschedulable':
      p.status = {
        phase: 'Pending',
        conditions: [{
          type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: since,
          message: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
        }],
      };
      break;
    case 'pullBackOff':
      p.status = {
        phase: 'Pending', startTime: since, conditions: [scheduled],
        containerStatuses: [{
          name: 'web', image, ready: false, restartCount: 0,
          state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: manifest unknown` } },
        }],
      };
      break;
    case 'crashLoop':
      p.status = {
        phase: 'Running', startTime: since, conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: since }, scheduled],
        containerStatuses: [{
          name: 'web', image, ready: false, restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=web pod=web-75df9f7774-szxnb' } },
          lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: iso(20) } },
        }],
      };
      break;
  }
  return p;
}

const OLD = { name: 'web-78dd8797f8', uid: OLD_RS_UID };
const NEW = { name: 'web-75df9f7774', uid: NEW_RS_UID };
const oldPods = (): PodJson[] => [pod('web-78dd8797f8-8jklk', OLD, 'ready', { since: 240 }), pod('web-78dd8797f8-8xrml', OLD, 'ready', { since: 240 }), pod('web-78dd8797f8-gbfcx', OLD, 'ready', { since: 240 })];

function event(involved: { kind: string; name: string; uid: string }, reason: string, message: string, secondsAgo: number, type = 'Normal'): EventJson {
  return {
    metadata: { name: `${involved.name}.${reason}.${secondsAgo}`, namespace: 'shop', uid: `ev-${involved.name}-${reason}-${secondsAgo}`, creationTimestamp: iso(secondsAgo) },
    involvedObject: { kind: involved.kind, name: involved.name, namespace: 'shop', uid: involved.uid },
    reason, message, type, count: 1, firstTimestamp: iso(secondsAgo), lastTimestamp: iso(secondsAgo), source: { component: 'test' },
  };
}

describe('rolloutView: Deployment mid-rollout', () => {
  const view = rolloutView({
    kind: 'Deployment', workload: deployment(), replicaSets: [oldRs(), newRs()], nowMs: NOW,
    pods: [...oldPods(), pod('web-75df9f7774-szxnb', NEW, 'creating', { since: 4 })],
    events: [
      event({ kind: 'ReplicaSet', name: NEW.name, uid: NEW.uid }, 'SuccessfulCreate', 'Created pod: web-75df9f7774-szxnb', 4),
      event({ kind: 'Deployment', name: 'web', uid: DEPLOYMENT_UID }, 'ScalingReplicaSet', 'Scaled up replica set web-75df9f7774 from 0 to 1', 5),
      event({ kind: 'Pod', name: 'other-abc', uid: 'uid-other' }, 'Scheduled', 'Successfully assigned shop/other-abc to kwok-node-0', 1),
    ],
  });

  it('is progressing, with kubectl\'s first unmet condition as the summary', () => {
    assert.equal(view.phase, 'progressing');
    assert.equal(view.summary, '1 of 3 replicas updated');
    assert.equal(view.stallReason, undefined);
    assert.deepEqual(view.counts, { desired: 3, updated: 1, ready: 3, available: 3, current: 4 });
    assert.equal(view.observed, true);
    assert.equal(view.strategy, 'RollingUpdate');
  });

  it('shows the new ReplicaSet first and the old one with their images and counts', () => {
    assert.deepEqual(view.revisions.map((r) => [r.name, r.revision, r.isNew, r.images[0]?.image, r.desired, r.current, r.ready, r.available, r.pods.length]), [
      ['web-75df9f7774', 2, true, 'registry.example.com/shop/web:2', 1, 1, 0, 0, 1],
      ['web-78dd8797f8', 1, false, 'registry.example.com/shop/web:1', 3, 3, 3, 3, 3],
    ]);
    assert.equal(view.revisions[1]?.changeCause, 'first release');
    assert.equal(view.revisions[0]?.hash, '75df9f7774');
    assert.equal(view.previousRevision, 1);
  });

  it('lists the new pod as coming up and the old ones as going away', () => {
    assert.deepEqual(view.pods.map((p) => [p.name, p.movement, p.status, p.isNew, p.revisionName]), [
      ['web-75df9f7774-szxnb', 'coming-up', 'ContainerCreating', true, 'web-75df9f7774'],
      ['web-78dd8797f8-8jklk', 'going-away', 'Running', false, 'web-78dd8797f8'],
      ['web-78dd8797f8-8xrml', 'going-away', 'Running', false, 'web-78dd8797f8'],
      ['web-78dd8797f8-gbfcx', 'going-away', 'Running', false, 'web-78dd8797f8'],
    ]);
  });

  it('keeps only events about the Deployment, its ReplicaSets and pods, newest first', () => {
    assert.deepEqual(view.events.map((e) => [e.object.kind, e.reason]), [['ReplicaSet', 'SuccessfulCreate'], ['Deployment', 'ScalingReplicaSet']]);
  });
});

describe('rolloutView: Deployment phases', () => {
  it('complete once every replica is updated and available and the old ReplicaSet is empty', () => {
    const d = deployment({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] } });
    const view = rolloutView({
      kind: 'Deployment', workload: d, nowMs: NOW,
      replicaSets: [oldRs(0, { replicas: 0, observedGeneration: 3 }), newRs(3, { replicas: 3, readyReplicas: 3, availableReplicas: 3 })],
      pods: [pod('web-75df9f7774-a', NEW, 'ready'), pod('web-75df9f7774-b', NEW, 'ready'), pod('web-75df9f7774-c', NEW, 'ready')],
    });
    assert.equal(view.phase, 'complete');
    assert.match(view.summary, /^Rolled out: 3 of 3 replicas/);
    // The emptied old ReplicaSet is history, not part of the live view.
    assert.deepEqual(view.revisions.map((r) => r.name), ['web-75df9f7774']);
    assert.ok(view.pods.every((p) => p.movement === 'steady'));
    assert.equal(view.recheckAtMs, undefined);
  });

  it('waits for the controller while observedGeneration lags, even when the counts look complete', () => {
    const d = deployment({ generation: 3, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 } });
    const view = rolloutView({ kind: 'Deployment', workload: d, replicaSets: [newRs(3, { replicas: 3, readyReplicas: 3, availableReplicas: 3 })], pods: [], nowMs: NOW });
    assert.equal(view.observed, false);
    assert.equal(view.phase, 'progressing');
    assert.match(view.summary, /controller/);
  });

  it('old replicas pending termination and updated replicas not yet available keep it progressing', () => {
    const terminating = rolloutView({
      kind: 'Deployment', nowMs: NOW, replicaSets: [oldRs(0, { replicas: 1 }), newRs(3, { replicas: 3, readyReplicas: 3, availableReplicas: 3 })], pods: [],
      workload: deployment({ status: { observedGeneration: 2, replicas: 4, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 } }),
    });
    assert.equal(terminating.summary, '1 old replica still terminating');
    const unavailable = rolloutView({
      kind: 'Deployment', nowMs: NOW, replicaSets: [newRs(3, { replicas: 3, readyReplicas: 3, availableReplicas: 2 })], pods: [],
      workload: deployment({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 2 } }),
    });
    assert.equal(unavailable.summary, '2 of 3 updated replicas available');
    assert.equal(unavailable.phase, 'progressing');
  });

  it('paused with work left is paused; paused with nothing left is complete', () => {
    const midway = rolloutView({ kind: 'Deployment', workload: deployment({ paused: true }), replicaSets: [oldRs(), newRs()], pods: oldPods(), nowMs: NOW });
    assert.equal(midway.phase, 'paused');
    assert.equal(midway.paused, true);
    assert.match(midway.summary, /^Paused: 1 of 3/);
    const done = rolloutView({
      kind: 'Deployment', nowMs: NOW, replicaSets: [newRs(3, { replicas: 3, readyReplicas: 3, availableReplicas: 3 })], pods: [],
      workload: deployment({ paused: true, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 } }),
    });
    assert.equal(done.phase, 'complete');
    assert.equal(done.paused, true);
  });

  it('no new ReplicaSet yet: the template matches none, so every pod is old', () => {
    const d = deployment({ image: 'registry.example.com/shop/web:3', generation: 3, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 } });
    const view = rolloutView({ kind: 'Deployment', workload: d, replicaSets: [oldRs(0, { replicas: 0 }), newRs(3, { replicas: 3, readyReplicas: 3, availableReplicas: 3 })], pods: [pod('web-75df9f7774-a', NEW, 'ready')], nowMs: NOW });
    assert.ok(view.revisions.every((r) => !r.isNew));
    assert.equal(findNewReplicaSet(d, [oldRs(), newRs()]), undefined);
    assert.equal(view.pods[0]?.movement, 'going-away');
  });
});

describe('rolloutView: stalls', () => {
  const inputWith = (newPod: PodJson, extra: { events?: EventJson[]; readinessGraceMs?: number; nowMs?: number } = {}): Parameters<typeof rolloutView>[0] => ({
    kind: 'Deployment', workload: deployment(), replicaSets: [oldRs(), newRs()], pods: [...oldPods(), newPod], nowMs: extra.nowMs ?? NOW,
    ...(extra.events ? { events: extra.events } : {}), ...(extra.readinessGraceMs !== undefined ? { readinessGraceMs: extra.readinessGraceMs } : {}),
  });

  it('an unschedulable new pod stalls the rollout with the scheduler\'s message', () => {
    const view = rolloutView(inputWith(pod('web-75df9f7774-szxnb', NEW, 'unschedulable')));
    assert.equal(view.phase, 'stalled');
    assert.equal(view.stallReason?.code, 'Unschedulable');
    assert.equal(view.stallReason?.message, 'Pod web-75df9f7774-szxnb cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
    assert.deepEqual(view.stallReason?.object, { kind: 'Pod', name: 'web-75df9f7774-szxnb' });
    assert.match(view.pods[0]?.problem ?? '', /Insufficient cpu/);
  });

  it('an image pull back-off names the image and what the kubelet said', () => {
    const view = rolloutView(inputWith(pod('web-75df9f7774-szxnb', NEW, 'pullBackOff')));
    assert.equal(view.phase, 'stalled');
    assert.equal(view.stallReason?.code, 'ImagePull');
    assert.match(view.stallReason?.message ?? '', /cannot pull image "registry\.example\.com\/shop\/web:2" \(ImagePullBackOff\): Back-off pulling image/);
    assert.match(view.stallReason?.hint ?? '', /pull secret/);
    assert.equal(view.pods[0]?.status, 'ImagePullBackOff');
    assert.equal(view.pods[0]?.health, 'error');
  });

  it('an image error outranks an unschedulable sibling', () => {
    const input = inputWith(pod('web-75df9f7774-aaaaa', NEW, 'unschedulable'));
    input.pods = [...input.pods, pod('web-75df9f7774-zzzzz', NEW, 'pullBackOff')];
    assert.equal(rolloutView(input).stallReason?.code, 'ImagePull');
  });

  it('a crash loop gives the restart count and the last exit', () => {
    const view = rolloutView(inputWith(pod('web-75df9f7774-szxnb', NEW, 'crashLoop')));
    assert.equal(view.stallReason?.code, 'CrashLoop');
    assert.equal(view.stallReason?.message, 'Container web of pod web-75df9f7774-szxnb keeps crashing (restarted 4 times, last exit: Error (exit 1))');
  });

  it('a running pod that stays unready stalls only after the grace, with the probe failure from its events', () => {
    const unready = pod('web-75df9f7774-szxnb', NEW, 'unready', { since: 10 });
    const probe = event({ kind: 'Pod', name: 'web-75df9f7774-szxnb', uid: 'uid-web-75df9f7774-szxnb' }, 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 2, 'Warning');
    const early = rolloutView(inputWith(unready, { events: [probe], readinessGraceMs: 30_000 }));
    assert.equal(early.phase, 'progressing');
    assert.equal(early.recheckAtMs, NOW - 10_000 + 30_000);
    assert.equal(early.pods[0]?.problem, 'Readiness probe failed: HTTP probe failed with statuscode: 503');

    const late = rolloutView(inputWith(unready, { events: [probe], readinessGraceMs: 30_000, nowMs: NOW + 25_000 }));
    assert.equal(late.phase, 'stalled');
    assert.equal(late.stallReason?.code, 'ReadinessFailing');
    assert.equal(late.stallReason?.message, 'Pod web-75df9f7774-szxnb has been running for 35 s without becoming ready');
    assert.equal(late.stallReason?.detail, 'Readiness probe failed: HTTP probe failed with statuscode: 503');
  });

  it('without probe events the Ready condition\'s message is the detail', () => {
    const view = rolloutView(inputWith(pod('web-75df9f7774-szxnb', NEW, 'unready', { since: 60 })));
    assert.equal(view.stallReason?.code, 'ReadinessFailing');
    assert.equal(view.stallReason?.detail, 'containers with unready status: [web]');
  });

  it('unready old pods do not stall the rollout of the new ones', () => {
    const view = rolloutView({
      kind: 'Deployment', workload: deployment(), replicaSets: [oldRs(), newRs()], nowMs: NOW,
      pods: [pod('web-78dd8797f8-8jklk', OLD, 'unready', { since: 600 }), pod('web-75df9f7774-szxnb', NEW, 'creating')],
    });
    assert.equal(view.phase, 'progressing');
  });

  it('ProgressDeadlineExceeded fails the rollout and carries the pod-level cause as detail', () => {
    const d = deployment({
      progressDeadlineSeconds: 10,
      status: {
        observedGeneration: 2, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-75df9f7774" has timed out progressing.', lastUpdateTime: iso(1), lastTransitionTime: iso(1) },
        ],
      },
    });
    const view = rolloutView({ kind: 'Deployment', workload: d, replicaSets: [oldRs(), newRs()], pods: [...oldPods(), pod('web-75df9f7774-szxnb', NEW, 'unready', { since: 40 })], nowMs: NOW });
    assert.equal(view.phase, 'failed');
    assert.equal(view.stallReason?.code, 'ProgressDeadlineExceeded');
    assert.equal(view.stallReason?.message, 'The rollout made no progress for 10 s: ReplicaSet "web-75df9f7774" has timed out progressing.');
    assert.match(view.stallReason?.detail ?? '', /^Pod web-75df9f7774-szxnb has been running for 40 s without becoming ready/);
    assert.equal(view.recheckAtMs, undefined);
  });

  it('a ReplicaFailure condition (quota) stalls it with the server\'s words', () => {
    const rs = newRs(1, {
      replicas: 0,
      conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-75df9f7774-x2x7q" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=3, limited: pods=3' }],
    });
    const view = rolloutView({ kind: 'Deployment', workload: deployment(), replicaSets: [oldRs(), rs], pods: oldPods(), nowMs: NOW });
    assert.equal(view.phase, 'stalled');
    assert.equal(view.stallReason?.code, 'ReplicaFailure');
    assert.match(view.stallReason?.message ?? '', /^ReplicaSet web-75df9f7774 cannot create pods: pods ".*" is forbidden: exceeded quota/);
    assert.match(view.stallReason?.hint ?? '', /ResourceQuota/);
  });

  it('a recent FailedCreate event explains missing pods; an old one does not', () => {
    const failed = (secondsAgo: number): EventJson => event({ kind: 'ReplicaSet', name: NEW.name, uid: NEW.uid }, 'FailedCreate',
      'Error creating: pods "web-75df9f7774-" is forbidden: error looking up service account shop/web: serviceaccount "web" not found', secondsAgo, 'Warning');
    const recent = rolloutView({ kind: 'Deployment', workload: deployment(), replicaSets: [oldRs(), newRs(1, { replicas: 0 })], pods: oldPods(), events: [failed(20)], nowMs: NOW });
    assert.equal(recent.stallReason?.code, 'ReplicaFailure');
    assert.match(recent.stallReason?.message ?? '', /serviceaccount "web" not found/);
    const stale = rolloutView({ kind: 'Deployment', workload: deployment(), replicaSets: [oldRs(), newRs(1, { replicas: 0 })], pods: oldPods(), events: [failed(900)], nowMs: NOW });
    assert.equal(stale.phase, 'progressing');
  });
});

// ---- StatefulSet and DaemonSet -------------------------------------------------------------

const STS_UID = 'df346a33-9361-4ff3-92de-4c8690998017';

function statefulSet(status: RolloutWorkloadJson['status'], partition = 2): RolloutWorkloadJson {
  return {
    metadata: { name: 'db', namespace: 'shop', uid: STS_UID, generation: 2 },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'db' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition } },
      template: template('registry.example.com/shop/db:2', { app: 'db' }),
    },
    status,
  };
}

function controllerRevision(ownerUid: string, name: string, revision: number, image: string, labels: Record<string, string>): ControllerRevisionJson {
  const t = template(image, { app: labels.app ?? 'db' });
  return {
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, creationTimestamp: iso(100 - revision), labels, ownerReferences: [{ kind: 'StatefulSet', name: 'x', uid: ownerUid, controller: true }] },
    revision,
    data: { spec: { template: { $patch: 'replace', ...t } } },
  };
}

function setPod(name: string, revisionLabel: string, ownerUid: string, image: string, state: 'ready' | 'creating' | 'deleting' = 'ready', extraLabels: Record<string, string> = {}): PodJson {
  const p = pod(name, { name: 'x-abc', uid: ownerUid }, state === 'creating' ? 'creating' : 'ready', { image, deleting: state === 'deleting' });
  p.metadata.labels = { app: name.startsWith('db') ? 'db' : 'agent', 'controller-revision-hash': revisionLabel, ...extraLabels };
  p.metadata.ownerReferences = [{ kind: 'StatefulSet', name: 'x', uid: ownerUid, controller: true }];
  return p;
}

describe('rolloutView: StatefulSet partition rollout', () => {
  const revisions = [
    controllerRevision(STS_UID, 'db-546bb7f779', 1, 'registry.example.com/shop/db:1', { app: 'db', 'controller.kubernetes.io/hash': '546bb7f779' }),
    controllerRevision(STS_UID, 'db-665dd6b648', 2, 'registry.example.com/shop/db:2', { app: 'db', 'controller.kubernetes.io/hash': '665dd6b648' }),
  ];
  const pods = (last: 'ready' | 'creating'): PodJson[] => [
    setPod('db-0', 'db-546bb7f779', STS_UID, 'registry.example.com/shop/db:1'),
    setPod('db-1', 'db-546bb7f779', STS_UID, 'registry.example.com/shop/db:1'),
    last === 'ready' ? setPod('db-2', 'db-665dd6b648', STS_UID, 'registry.example.com/shop/db:2') : setPod('db-2', 'db-665dd6b648', STS_UID, 'registry.example.com/shop/db:2', 'creating'),
  ];

  it('progressing while the pods above the partition update', () => {
    const view = rolloutView({
      kind: 'StatefulSet', nowMs: NOW, controllerRevisions: revisions, pods: pods('creating'),
      workload: statefulSet({ observedGeneration: 2, replicas: 3, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'db-546bb7f779', updateRevision: 'db-665dd6b648' }),
    });
    assert.equal(view.phase, 'progressing');
    assert.equal(view.summary, 'Waiting for 1 pod to be ready');
    assert.equal(view.pods[0]?.name, 'db-2');
    assert.equal(view.pods[0]?.movement, 'coming-up');
  });

  it('complete when the pods above the partition are updated; those below stay, steady', () => {
    const view = rolloutView({
      kind: 'StatefulSet', nowMs: NOW, controllerRevisions: revisions, pods: pods('ready'),
      workload: statefulSet({ observedGeneration: 2, replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'db-546bb7f779', updateRevision: 'db-665dd6b648' }),
    });
    assert.equal(view.phase, 'complete');
    assert.equal(view.partition, 2);
    assert.equal(view.summary, 'Partitioned rollout complete: 1 pod updated, 2 kept at the old revision by partition 2');
    assert.deepEqual(view.revisions.map((r) => [r.name, r.revision, r.isNew, r.images[0]?.image, r.desired, r.current, r.ready]), [
      ['db-665dd6b648', 2, true, 'registry.example.com/shop/db:2', 1, 1, 1],
      ['db-546bb7f779', 1, false, 'registry.example.com/shop/db:1', 2, 2, 2],
    ]);
    assert.ok(view.pods.every((p) => p.movement === 'steady'));
    assert.equal(view.previousRevision, 1);
  });

  it('mid-rollout without a partition, old pods above it are going away', () => {
    const view = rolloutView({
      kind: 'StatefulSet', nowMs: NOW, controllerRevisions: revisions, pods: pods('ready'),
      workload: statefulSet({ observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-546bb7f779', updateRevision: 'db-665dd6b648' }, 0),
    });
    assert.equal(view.phase, 'progressing');
    assert.equal(view.summary, '1 of 3 pods updated');
    assert.deepEqual(view.pods.filter((p) => p.movement === 'going-away').map((p) => p.name), ['db-0', 'db-1']);
  });

  it('going back to the revision the partition holds is not complete until the pods above it run it', () => {
    // After an undo the update revision is db-546bb7f779 again: db-0 and db-1 already run it, so
    // the controller reports 2 updated (kubectl would call that complete); db-2 still runs the other.
    const back = [
      controllerRevision(STS_UID, 'db-665dd6b648', 2, 'registry.example.com/shop/db:2', { app: 'db' }),
      controllerRevision(STS_UID, 'db-546bb7f779', 3, 'registry.example.com/shop/db:1', { app: 'db' }),
    ];
    const status = { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 2, currentRevision: 'db-546bb7f779', updateRevision: 'db-546bb7f779' };
    const view = rolloutView({ kind: 'StatefulSet', nowMs: NOW, controllerRevisions: back, pods: pods('ready'), workload: statefulSet(status) });
    assert.equal(view.phase, 'progressing');
    assert.equal(view.summary, 'Waiting for db-2 to run the new revision and be ready');
    assert.deepEqual(view.pods.filter((p) => p.movement === 'going-away').map((p) => p.name), ['db-2']);
    const replaced = [...pods('ready').slice(0, 2), setPod('db-2', 'db-546bb7f779', STS_UID, 'registry.example.com/shop/db:1')];
    assert.equal(rolloutView({ kind: 'StatefulSet', nowMs: NOW, controllerRevisions: back, pods: replaced, workload: statefulSet({ ...status, updatedReplicas: 3 }) }).phase, 'complete');
  });

  it('works from the status revision names when ControllerRevisions are not given', () => {
    const view = rolloutView({
      kind: 'StatefulSet', nowMs: NOW, pods: pods('ready'),
      workload: statefulSet({ observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'db-546bb7f779', updateRevision: 'db-665dd6b648' }),
    });
    assert.deepEqual(view.revisions.map((r) => [r.name, r.isNew, r.images[0]?.image, r.current]), [
      ['db-665dd6b648', true, 'registry.example.com/shop/db:2', 1],
      ['db-546bb7f779', false, 'registry.example.com/shop/db:1', 2],
    ]);
  });

  it('a StatefulSet that never reported observedGeneration is not observed (kubectl)', () => {
    const view = rolloutView({ kind: 'StatefulSet', nowMs: NOW, pods: [], workload: statefulSet({ replicas: 3, readyReplicas: 3, updatedReplicas: 3 }, 0) });
    assert.equal(view.observed, false);
    assert.equal(view.phase, 'progressing');
  });
});

describe('rolloutView: DaemonSet', () => {
  const DS_UID = 'uid-agent';
  const ds: RolloutWorkloadJson = {
    metadata: { name: 'agent', namespace: 'shop', uid: DS_UID, generation: 2 },
    spec: { selector: { matchLabels: { app: 'agent' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }, template: template('registry.example.com/agent:2', { app: 'agent' }) },
    status: { observedGeneration: 2, desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 1, numberReady: 1, numberAvailable: 1 },
  };
  const revisions = [
    controllerRevision(DS_UID, 'agent-65dccb7459', 1, 'registry.example.com/agent:1', { app: 'agent', 'controller-revision-hash': '65dccb7459' }),
    controllerRevision(DS_UID, 'agent-786bcfdfd4', 2, 'registry.example.com/agent:2', { app: 'agent', 'controller-revision-hash': '786bcfdfd4' }),
  ];

  it('the newest ControllerRevision is the target; pods are matched by hash', () => {
    const view = rolloutView({
      kind: 'DaemonSet', workload: ds, controllerRevisions: revisions, nowMs: NOW,
      pods: [
        setPod('agent-4w2dk', '786bcfdfd4', DS_UID, 'registry.example.com/agent:2', 'creating', { 'pod-template-generation': '2' }),
        setPod('agent-q8x1z', '65dccb7459', DS_UID, 'registry.example.com/agent:1', 'deleting', { 'pod-template-generation': '1' }),
      ],
    });
    assert.equal(view.phase, 'progressing');
    assert.equal(view.summary, '1 of 2 pods updated');
    assert.deepEqual(view.counts, { desired: 2, updated: 1, ready: 1, available: 1, current: 2 });
    assert.deepEqual(view.revisions.map((r) => [r.name, r.hash, r.isNew, r.desired, r.current, r.terminating]), [
      ['agent-786bcfdfd4', '786bcfdfd4', true, 2, 1, 0],
      ['agent-65dccb7459', '65dccb7459', false, 0, 0, 1],
    ]);
    assert.deepEqual(view.pods.map((p) => [p.name, p.movement]), [['agent-4w2dk', 'coming-up'], ['agent-q8x1z', 'going-away']]);
  });

  it('complete when every scheduled pod is updated and available', () => {
    const done = { ...ds, status: { observedGeneration: 2, desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberReady: 2, numberAvailable: 2 } };
    assert.equal(rolloutView({ kind: 'DaemonSet', workload: done, controllerRevisions: revisions, pods: [], nowMs: NOW }).phase, 'complete');
  });
});

// ---- history and patches -------------------------------------------------------------------

describe('rolloutHistory', () => {
  it('lists owned ReplicaSets with a revision, oldest first, with images, change-cause and the current one', () => {
    const foreign = replicaSet('web-0000000000', 'uid-foreign', 7, 'x:1', 0, {});
    foreign.metadata.ownerReferences = [{ kind: 'Deployment', name: 'web', uid: 'someone-else', controller: true }];
    const history = rolloutHistory(deployment(), [newRs(), oldRs(), foreign]);
    assert.deepEqual(history.map((h) => [h.revision, h.name, h.images.map((i) => `${i.container}=${i.image}`), h.changeCause, h.current]), [
      [1, 'web-78dd8797f8', ['web=registry.example.com/shop/web:1'], 'first release', false],
      [2, 'web-75df9f7774', ['web=registry.example.com/shop/web:2'], undefined, true],
    ]);
    assert.equal(history[0]?.createdAt, iso(240));
  });

  it('StatefulSet history from ControllerRevisions marks the update revision current', () => {
    const revisions = [
      controllerRevision(STS_UID, 'db-665dd6b648', 2, 'registry.example.com/shop/db:2', { app: 'db' }),
      controllerRevision(STS_UID, 'db-546bb7f779', 1, 'registry.example.com/shop/db:1', { app: 'db' }),
    ];
    const history = controllerRevisionHistory('StatefulSet', statefulSet({ updateRevision: 'db-665dd6b648', currentRevision: 'db-546bb7f779' }), revisions);
    assert.deepEqual(history.map((h) => [h.revision, h.current, h.images[0]?.image]), [[1, false, 'registry.example.com/shop/db:1'], [2, true, 'registry.example.com/shop/db:2']]);
  });
});

describe('undo', () => {
  it('the Deployment undo patch is kubectl\'s: the ReplicaSet template without its hash, and the annotations merged as kubectl merges them', () => {
    const d = deployment({
      annotations: {
        'deployment.kubernetes.io/revision': '2',
        'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}',
        'kubernetes.io/change-cause': 'set image to web:2',
        'team.example.com/owner': 'shop',
      },
    });
    const target = oldRs();
    const plan = undoPatch(d, target);
    assert.deepEqual(plan, {
      action: 'patch',
      revision: 1,
      patch: {
        type: 'json',
        patch: [
          {
            op: 'replace', path: '/spec/template',
            value: {
              metadata: { labels: { app: 'web' } },
              spec: {
                containers: [{ image: 'registry.example.com/shop/web:1', imagePullPolicy: 'IfNotPresent', name: 'web', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
                dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
              },
            },
          },
          {
            // Kept from the Deployment: revision and last-applied; from the ReplicaSet: everything but the
            // revision bookkeeping (its desired/max-replicas and revision are dropped). The Deployment's own
            // change-cause and other annotations go, as kubectl replaces the whole map.
            op: 'replace', path: '/metadata/annotations',
            value: { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}', 'kubernetes.io/change-cause': 'first release' },
          },
        ],
      },
    });
    // The ReplicaSet passed in is left as it was.
    assert.equal(target.spec?.template?.metadata?.labels?.['pod-template-hash'], '78dd8797f8');
  });

  it('refuses a paused Deployment and skips a template that already matches', () => {
    assert.equal(undoPatch(deployment({ paused: true }), oldRs()).action, 'refuse');
    const skip = undoPatch(deployment(), newRs());
    assert.equal(skip.action, 'skip');
  });

  it('finds the target the way kubectl does: a given revision, else the second newest', () => {
    const third = replicaSet('web-5c8b7d6f9a', 'uid-third', 3, 'registry.example.com/shop/web:3', 0, {});
    assert.equal((findUndoTarget(deployment(), [oldRs(), newRs(), third]) as ReplicaSetJson).metadata.name, 'web-75df9f7774');
    assert.equal((findUndoTarget(deployment(), [oldRs(), newRs(), third], 1) as ReplicaSetJson).metadata.name, 'web-78dd8797f8');
    assert.match(findUndoTarget(deployment(), [oldRs(), newRs()], 9) as string, /revision 9/);
    assert.match(findUndoTarget(deployment(), [newRs()]) as string, /no earlier revision/);
  });

  it('a StatefulSet undo sends the ControllerRevision data as a strategic merge patch', () => {
    const revisions = [
      controllerRevision(STS_UID, 'db-546bb7f779', 1, 'registry.example.com/shop/db:1', { app: 'db' }),
      controllerRevision(STS_UID, 'db-665dd6b648', 2, 'registry.example.com/shop/db:2', { app: 'db' }),
    ];
    const plan = undoControllerRevisionPatch(statefulSet({}), revisions);
    assert.equal(plan.action, 'patch');
    if (plan.action !== 'patch') return;
    assert.equal(plan.revision, 1);
    assert.equal(plan.patch.type, 'strategic');
    assert.equal(plan.patch.patch, revisions[0]?.data);
    assert.equal(undoControllerRevisionPatch(statefulSet({}), revisions, 2).action, 'skip');
    assert.equal(undoControllerRevisionPatch(statefulSet({}), revisions, 5).action, 'refuse');
  });
});

describe('patches', () => {
  it('set image: a strategic merge of the container by name, wherever the kind keeps its template', () => {
    assert.deepEqual(setImagePatch('Deployment', 'web', 'registry.example.com/shop/web@sha256:' + 'a'.repeat(64)), {
      type: 'strategic', patch: { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/shop/web@sha256:' + 'a'.repeat(64) }] } } } },
    });
    assert.deepEqual(setImagePatch('StatefulSet', 'init-db', 'busybox:1.36', { init: true }).patch, { spec: { template: { spec: { initContainers: [{ name: 'init-db', image: 'busybox:1.36' }] } } } });
    assert.deepEqual(setImagePatch('CronJob', 'job', 'app:1').patch, { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', image: 'app:1' }] } } } } } });
    assert.deepEqual(setImagePatch('Pod', 'web', 'app:1').patch, { spec: { containers: [{ name: 'web', image: 'app:1' }] } });
    assert.throws(() => setImagePatch('Deployment', 'web', 'Web:1'), RangeError);
    assert.throws(() => setImagePatch('Deployment', '', 'web:1'), RangeError);
  });

  it('image references: registry hosts with ports and digests pass; spaces, upper case and bad digests do not', () => {
    assert.equal(imageReferenceProblem('localhost:5000/team/app:git-3f2a9c1'), undefined);
    assert.equal(imageReferenceProblem('Registry.Example.com/app'), undefined);
    assert.equal(imageReferenceProblem('nginx'), undefined);
    assert.match(imageReferenceProblem('app:1 ') ?? '', /spaces/);
    assert.match(imageReferenceProblem('team/App:1') ?? '', /not a valid image name/);
    assert.match(imageReferenceProblem('app@sha256:xyz') ?? '', /digest/);
    assert.match(imageReferenceProblem('app:' + 'x'.repeat(129)) ?? '', /tag/);
  });

  it('restart writes kubectl\'s restartedAt annotation at second precision', () => {
    assert.deepEqual(restartPatch('2026-11-22T10:31:01.123Z'), {
      type: 'strategic', patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T10:31:01Z' } } } } },
    });
    assert.equal((restartPatch('2026-11-22T11:31:01+01:00').patch as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'], '2026-11-22T11:31:01+01:00');
  });

  it('pause, resume and scale', () => {
    assert.deepEqual(pausePatch(true), { type: 'strategic', patch: { spec: { paused: true } } });
    assert.deepEqual(pausePatch(false).patch, { spec: { paused: false } });
    assert.deepEqual(scalePatch(0), { type: 'merge', patch: { spec: { replicas: 0 } } });
    assert.throws(() => scalePatch(-1), RangeError);
    assert.throws(() => scalePatch(1.5), RangeError);
  });

  it('actions kubectl refuses are named before anything is sent', () => {
    assert.match(rolloutActionBlocker('StatefulSet', statefulSet({}), 'pause') ?? '', /only Deployments/);
    assert.match(rolloutActionBlocker('Deployment', deployment({ paused: true }), 'restart') ?? '', /resume it/);
    assert.match(rolloutActionBlocker('Deployment', deployment({ paused: true }), 'undo') ?? '', /resume it/);
    assert.match(rolloutActionBlocker('Deployment', deployment(), 'resume') ?? '', /not paused/);
    assert.match(rolloutActionBlocker('DaemonSet', { metadata: { name: 'a', uid: 'u' } }, 'scale') ?? '', /cannot be scaled/);
    assert.equal(rolloutActionBlocker('Deployment', deployment(), 'pause'), undefined);
    assert.equal(rolloutActionBlocker('Deployment', deployment(), 'setImage'), undefined);
  });

  it('templates compare without the hash label, and empty maps equal missing ones', () => {
    const a = template('x:1', { app: 'web', 'pod-template-hash': 'abc' });
    const b = template('x:1', { app: 'web' });
    assert.equal(sameTemplate(a, b), true);
    assert.equal(sameTemplate({ ...b, metadata: { ...b.metadata, annotations: {} } }, b), true);
    assert.equal(sameTemplate(template('x:2', { app: 'web' }), b), false);
  });
});
