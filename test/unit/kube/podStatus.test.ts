import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerStatusJson, PodJson } from '../../../src/core/kube/objects';
import { containerStatus, podContainers, podStatus } from '../../../src/core/kube/podStatus';

// Pods shaped like `kubectl get pod -o json` output (trimmed to the fields that matter).

const created = '2026-01-01T10:00:00Z';

function pod(name: string, spec: PodJson['spec'], status: PodJson['status'], extra: Partial<PodJson['metadata']> = {}): PodJson {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '4242', creationTimestamp: created, labels: { app: 'web' }, ...extra },
    spec,
    status,
  };
}

const oneContainer = { nodeName: 'kwok-node-0', restartPolicy: 'Always', containers: [{ name: 'app', image: 'nginx:1.27' }] };

function running(name: string, ready = true, restartCount = 0): ContainerStatusJson {
  return { name, ready, restartCount, started: true, image: 'docker.io/library/nginx:1.27', imageID: 'docker.io/library/nginx@sha256:abc', state: { running: { startedAt: '2026-01-01T10:00:05Z' } } };
}

function readyConditions(ready: boolean): NonNullable<PodJson['status']>['conditions'] {
  const s = ready ? 'True' : 'False';
  return [
    { type: 'PodReadyToStartContainers', status: 'True' },
    { type: 'Initialized', status: 'True' },
    { type: 'Ready', status: s },
    { type: 'ContainersReady', status: s },
    { type: 'PodScheduled', status: 'True' },
  ];
}

describe('podStatus: running pods', () => {
  it('a ready pod is Running, ok, 1/1', () => {
    const p = pod('web-7d9c5b8f6d-abcde', oneContainer, { phase: 'Running', podIP: '10.0.0.5', startTime: created, conditions: readyConditions(true), containerStatuses: [running('app')] });
    assert.deepEqual(podStatus(p), { label: 'Running', health: 'ok', ready: '1/1', restarts: 0 });
  });

  it('a running container that fails its readiness probe is not counted as ready', () => {
    const p = pod('web-1', oneContainer, { phase: 'Running', conditions: readyConditions(false), containerStatuses: [running('app', false)] });
    assert.deepEqual(podStatus(p), { label: 'Running', health: 'progressing', ready: '0/1', restarts: 0 });
  });

  it('CrashLoopBackOff with restarts, the last run ended in Error', () => {
    const p = pod('api-5f7b9-xyz', oneContainer, {
      phase: 'Running',
      conditions: readyConditions(false),
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 7,
          started: false,
          image: 'registry.example/api:2.1',
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=app pod=api-5f7b9-xyz_default(uid)' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-01-01T10:20:00Z', finishedAt: '2026-01-01T10:20:01Z' } },
        },
      ],
    });
    assert.deepEqual(podStatus(p), { label: 'CrashLoopBackOff', health: 'error', ready: '0/1', restarts: 7 });
    const c = containerStatus(p, 'app');
    assert.equal(c?.label, 'CrashLoopBackOff');
    assert.equal(c?.health, 'error');
    assert.equal(c?.restarts, 7);
    assert.equal(c?.lastTermination, 'Error (exit 1)');
    assert.equal(c?.image, 'registry.example/api:2.1');
  });

  it('a container killed for memory and now backing off shows CrashLoopBackOff, its last termination OOMKilled', () => {
    const p = pod('mem-hog', oneContainer, {
      phase: 'Running',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }],
    });
    assert.equal(podStatus(p).label, 'CrashLoopBackOff');
    assert.equal(containerStatus(p, 'app')?.lastTermination, 'OOMKilled (exit 137)');
  });

  it('OOMKilled as the current state (restartPolicy Never) is the pod status', () => {
    const p = pod('batch-oom', { ...oneContainer, restartPolicy: 'Never' }, {
      phase: 'Failed',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-01-01T10:01:00Z' } } }],
    });
    assert.deepEqual(podStatus(p), { label: 'OOMKilled', health: 'error', ready: '0/1', restarts: 0 });
  });

  it('with several containers, the first one with a reason wins and ready counts the rest', () => {
    const spec = { containers: [{ name: 'app' }, { name: 'proxy' }, { name: 'metrics' }] };
    const p = pod('multi', spec, {
      phase: 'Running',
      containerStatuses: [
        { name: 'app', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        { name: 'proxy', ready: false, restartCount: 1, state: { waiting: { reason: 'ImagePullBackOff' } } },
        running('metrics', true, 2),
      ],
    });
    assert.deepEqual(podStatus(p), { label: 'CrashLoopBackOff', health: 'error', ready: '1/3', restarts: 7 });
  });

  it('a completed container next to a running one turns back into Running (Ready) or NotReady', () => {
    const spec = { containers: [{ name: 'migrate' }, { name: 'app' }] };
    const statuses = [
      { name: 'migrate', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      running('app'),
    ];
    assert.deepEqual(podStatus(pod('mixed', spec, { phase: 'Running', conditions: readyConditions(true), containerStatuses: statuses })), {
      label: 'Running', health: 'ok', ready: '1/2', restarts: 0,
    });
    const notReady = podStatus(pod('mixed', spec, { phase: 'Running', conditions: readyConditions(false), containerStatuses: statuses }));
    assert.equal(notReady.label, 'NotReady');
    assert.equal(notReady.health, 'warning');
  });

  it('a terminated container without a reason shows ExitCode:N or Signal:N', () => {
    const exit = pod('x', oneContainer, { phase: 'Running', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 2 } } }] });
    assert.deepEqual(podStatus(exit), { label: 'ExitCode:2', health: 'error', ready: '0/1', restarts: 0 });
    const signal = pod('y', oneContainer, { phase: 'Running', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 0, signal: 9 } } }] });
    assert.equal(podStatus(signal).label, 'Signal:9');
    assert.equal(podStatus(signal).health, 'error');
    assert.equal(containerStatus(signal, 'app')?.health, 'error');
  });

  it('an unknown waiting reason on a running pod is a warning, not an error', () => {
    const p = pod('odd', oneContainer, { phase: 'Running', containerStatuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'SomethingNew' } } }] });
    assert.deepEqual(podStatus(p), { label: 'SomethingNew', health: 'warning', ready: '0/1', restarts: 0 });
  });
});

describe('podStatus: pending pods', () => {
  it('unscheduled: Pending, progressing', () => {
    const p = pod('waiting', oneContainer, {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }],
    });
    assert.deepEqual(podStatus(p), { label: 'Pending', health: 'progressing', ready: '0/1', restarts: 0 });
  });

  it('scheduling gates show SchedulingGated', () => {
    const p = pod('gated', oneContainer, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
    assert.equal(podStatus(p).label, 'SchedulingGated');
    assert.equal(podStatus(p).health, 'progressing');
  });

  it('ContainerCreating is progressing', () => {
    const p = pod('creating', oneContainer, { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    assert.deepEqual(podStatus(p), { label: 'ContainerCreating', health: 'progressing', ready: '0/1', restarts: 0 });
    assert.equal(containerStatus(p, 'app')?.health, 'progressing');
  });

  it('ImagePullBackOff and ErrImagePull are errors', () => {
    for (const reason of ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError']) {
      const p = pod('pull', oneContainer, {
        phase: 'Pending',
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'registry.example/missing:1', state: { waiting: { reason, message: 'Back-off pulling image' } } }],
      });
      assert.deepEqual(podStatus(p), { label: reason, health: 'error', ready: '0/1', restarts: 0 }, reason);
    }
  });

  it('a pod with no status at all yet is Pending with its container count', () => {
    assert.deepEqual(podStatus(pod('new', { containers: [{ name: 'a' }, { name: 'b' }] }, undefined)), { label: 'Pending', health: 'progressing', ready: '0/2', restarts: 0 });
  });
});

describe('podStatus: init containers', () => {
  const spec = { containers: [{ name: 'app' }], initContainers: [{ name: 'wait-db' }, { name: 'migrate' }] };
  const done: ContainerStatusJson = { name: 'wait-db', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  const appWaiting: ContainerStatusJson = { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } };
  const initializing = [{ type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized' }];

  it('Init:i/n while an init container runs', () => {
    const p = pod('init', spec, {
      phase: 'Pending',
      conditions: initializing,
      initContainerStatuses: [done, { name: 'migrate', ready: false, restartCount: 0, state: { running: { startedAt: created } } }],
      containerStatuses: [appWaiting],
    });
    assert.deepEqual(podStatus(p), { label: 'Init:1/2', health: 'progressing', ready: '0/1', restarts: 0 });
    assert.equal(containerStatus(p, 'migrate')?.kind, 'init');
    assert.equal(containerStatus(p, 'migrate')?.health, 'progressing');
    assert.equal(containerStatus(p, 'wait-db')?.label, 'Completed');
    assert.equal(containerStatus(p, 'wait-db')?.health, 'done');
  });

  it('Init:0/n when the first init container waits with PodInitializing', () => {
    const p = pod('init0', spec, {
      phase: 'Pending',
      conditions: initializing,
      initContainerStatuses: [
        { name: 'wait-db', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
        { name: 'migrate', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
    });
    assert.equal(podStatus(p).label, 'Init:0/2');
  });

  it('Init:CrashLoopBackOff counts the init container restarts', () => {
    const p = pod('init-crash', spec, {
      phase: 'Pending',
      conditions: initializing,
      initContainerStatuses: [done, { name: 'migrate', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }],
      containerStatuses: [appWaiting],
    });
    assert.deepEqual(podStatus(p), { label: 'Init:CrashLoopBackOff', health: 'error', ready: '0/1', restarts: 5 });
  });

  it('a failed init container shows Init:<reason>, Init:ExitCode:N or Init:Signal:N', () => {
    const failed = (terminated: NonNullable<ContainerStatusJson['state']>['terminated']): PodJson =>
      pod('init-fail', { ...spec, restartPolicy: 'Never' }, { phase: 'Failed', conditions: initializing, initContainerStatuses: [done, { name: 'migrate', restartCount: 0, state: { terminated } }] });
    assert.deepEqual(podStatus(failed({ exitCode: 1, reason: 'Error' })), { label: 'Init:Error', health: 'error', ready: '0/1', restarts: 0 });
    assert.equal(podStatus(failed({ exitCode: 3 })).label, 'Init:ExitCode:3');
    assert.equal(podStatus(failed({ exitCode: 143, signal: 15 })).label, 'Init:Signal:15');
    // kubectl counts an init container that exited 0 as done, whatever else it says.
    assert.equal(podStatus(failed({ exitCode: 0, signal: 15 })).label, 'Failed');
    assert.equal(podStatus(failed({ exitCode: 3 })).health, 'error');
  });

  it('after initialisation, init restarts no longer count and the app decides', () => {
    const p = pod('inited', spec, {
      phase: 'Running',
      conditions: readyConditions(true),
      initContainerStatuses: [done, { name: 'migrate', ready: true, restartCount: 2, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      containerStatuses: [running('app', true, 1)],
    });
    assert.deepEqual(podStatus(p), { label: 'Running', health: 'ok', ready: '1/1', restarts: 1 });
  });

  it('sidecar init containers (restartPolicy Always) count in READY and their restarts stay', () => {
    const sidecarSpec = { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always' } as { name: string }] };
    const p = pod('sidecar', sidecarSpec, {
      phase: 'Running',
      conditions: readyConditions(true),
      initContainerStatuses: [{ name: 'istio-proxy', ready: true, started: true, restartCount: 2, state: { running: { startedAt: created } } }],
      containerStatuses: [running('app', true, 1)],
    });
    assert.deepEqual(podStatus(p), { label: 'Running', health: 'ok', ready: '2/2', restarts: 3 });
    assert.deepEqual(podContainers(p), [{ name: 'istio-proxy', kind: 'sidecar' }, { name: 'app', kind: 'app' }]);
    const starting = pod('sidecar-starting', sidecarSpec, {
      phase: 'Pending',
      conditions: initializing,
      initContainerStatuses: [{ name: 'istio-proxy', ready: false, started: false, restartCount: 0, state: { running: { startedAt: created } } }],
    });
    assert.deepEqual(podStatus(starting), { label: 'Init:0/1', health: 'progressing', ready: '0/2', restarts: 0 });
  });
});

describe('podStatus: finished and deleted pods', () => {
  it('a completed Job pod is Completed, done', () => {
    const p = pod('backup-29012345-k7m2p', { ...oneContainer, restartPolicy: 'OnFailure' }, {
      phase: 'Succeeded',
      conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }],
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, started: false, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: created, finishedAt: '2026-01-01T10:00:30Z' } } }],
    }, { ownerReferences: [{ kind: 'Job', name: 'backup-29012345', uid: 'job-uid', controller: true }] });
    assert.deepEqual(podStatus(p), { label: 'Completed', health: 'done', ready: '0/1', restarts: 0 });
    assert.equal(containerStatus(p, 'app')?.health, 'done');
  });

  it('a failed Job pod shows Error', () => {
    const p = pod('job-fail', { ...oneContainer, restartPolicy: 'Never' }, {
      phase: 'Failed',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }],
    });
    assert.deepEqual(podStatus(p), { label: 'Error', health: 'error', ready: '0/1', restarts: 0 });
  });

  it('an evicted pod shows Evicted', () => {
    const p = pod('evicted', oneContainer, { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' });
    assert.deepEqual(podStatus(p), { label: 'Evicted', health: 'error', ready: '0/1', restarts: 0 });
  });

  it('a pod being deleted is Terminating, whatever its containers say', () => {
    const p = pod('going', oneContainer, { phase: 'Running', conditions: readyConditions(true), containerStatuses: [running('app', true, 4)] }, { deletionTimestamp: '2026-01-01T11:00:00Z' });
    assert.deepEqual(podStatus(p), { label: 'Terminating', health: 'terminating', ready: '1/1', restarts: 4 });
  });

  it('a finished pod being deleted keeps its final status', () => {
    const p = pod('done-going', oneContainer, {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    }, { deletionTimestamp: '2026-01-01T11:00:00Z' });
    assert.equal(podStatus(p).label, 'Completed');
  });

  it('a pod on a lost node being deleted is Unknown', () => {
    const p = pod('lost', oneContainer, { phase: 'Running', reason: 'NodeLost', containerStatuses: [running('app')] }, { deletionTimestamp: '2026-01-01T11:00:00Z' });
    assert.deepEqual(podStatus(p), { label: 'Unknown', health: 'unknown', ready: '1/1', restarts: 0 });
  });

  it('phase Unknown without container reasons is unknown', () => {
    assert.equal(podStatus(pod('u', oneContainer, { phase: 'Unknown' })).health, 'unknown');
  });
});

describe('containerStatus and podContainers', () => {
  const p = pod('c', { containers: [{ name: 'app', image: 'nginx:1' }, { name: 'log', image: 'fluent-bit:3' }], initContainers: [{ name: 'setup' }] }, {
    phase: 'Running',
    initContainerStatuses: [{ name: 'setup', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    containerStatuses: [running('app'), { name: 'log', ready: false, started: false, restartCount: 0, state: { running: { startedAt: created } } }],
  });

  it('lists init containers first, then app containers', () => {
    assert.deepEqual(podContainers(p), [{ name: 'setup', kind: 'init' }, { name: 'app', kind: 'app' }, { name: 'log', kind: 'app' }]);
  });

  it('falls back to the statuses when the spec is missing', () => {
    const bare: PodJson = { metadata: { name: 'b', uid: 'b' }, status: { containerStatuses: [running('only')] } };
    assert.deepEqual(podContainers(bare), [{ name: 'only', kind: 'app' }]);
  });

  it('describes each container and returns undefined for an unknown one', () => {
    assert.deepEqual(containerStatus(p, 'app'), { name: 'app', kind: 'app', label: 'Running', health: 'ok', ready: true, restarts: 0, image: 'docker.io/library/nginx:1.27' });
    assert.deepEqual(containerStatus(p, 'log'), { name: 'log', kind: 'app', label: 'Starting', health: 'progressing', ready: false, restarts: 0, image: 'fluent-bit:3' });
    assert.equal(containerStatus(p, 'nope'), undefined);
    const noStatus = pod('n', oneContainer, { phase: 'Pending' });
    assert.deepEqual(containerStatus(noStatus, 'app'), { name: 'app', kind: 'app', label: 'Waiting', health: 'progressing', ready: false, restarts: 0, image: 'nginx:1.27' });
  });
});

describe('podStatus: speed', () => {
  it('classifies 5,000 pods well within a tree refresh', () => {
    const pods: PodJson[] = [];
    for (let i = 0; i < 5000; i++) {
      pods.push(pod(`p-${i}`, { containers: [{ name: 'app' }, { name: 'side' }], initContainers: [{ name: 'init' }] }, {
        phase: i % 3 === 0 ? 'Running' : 'Pending',
        conditions: readyConditions(i % 2 === 0),
        initContainerStatuses: [{ name: 'init', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
        containerStatuses: [running('app', true, i % 4), { name: 'side', restartCount: i % 5, state: i % 7 === 0 ? { waiting: { reason: 'CrashLoopBackOff' } } : { running: {} }, ready: true }],
      }));
    }
    // The best of several passes: the steady cost once the JIT has compiled it, without the
    // garbage-collection pauses of a busy test process.
    let ms = Infinity;
    let errors = 0;
    for (let pass = 0; pass < 6; pass++) {
      const start = performance.now();
      errors = 0;
      for (const p of pods) if (podStatus(p).health === 'error') errors++;
      ms = Math.min(ms, performance.now() - start);
    }
    assert.equal(errors, Math.ceil(5000 / 7));
    assert.ok(ms < 30, `5,000 pods took ${ms.toFixed(1)} ms`);
  });
});
