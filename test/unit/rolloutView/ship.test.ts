import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkloadJson } from '../../../src/core/kube/objects';
import {
  defaultRepository, hasRegistryHost, imageValueKeys, parseShipOptions, releaseWorkloads, repositoryProblem, rolloutErrorOf, shipReference, shipSteps,
} from '../../../src/vscode/kube/rolloutShip';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

function workload(name: string, meta: { annotations?: Record<string, string>; labels?: Record<string, string> } = {}): { workload: WorkloadJson } {
  return { workload: { metadata: { name, uid: name, ...meta } } };
}

describe('ship: steps', () => {
  it('lists the steps of a workload and of a Helm release', () => {
    assert.deepEqual(shipSteps(false, true).map((s) => s.name), ['Build', 'Push', 'Set image', 'Wait for rollout', 'Open logs']);
    assert.deepEqual(shipSteps(true, true).map((s) => s.name), ['Build', 'Push', 'Helm upgrade', 'Wait for rollout', 'Open logs']);
    assert.deepEqual(shipSteps(true, false).map((s) => s.name), ['Build', 'Push', 'Helm upgrade']);
    assert.ok(shipSteps(false, true).every((s) => s.status === 'pending'));
  });
});

describe('ship: repository and tag', () => {
  it('accepts a repository without tag or digest', () => {
    for (const ok of ['localhost:5000/web', 'registry.example.com/team/app', '127.0.0.1:5000/a/b/c', 'web']) assert.equal(repositoryProblem(ok), undefined, ok);
  });

  it('refuses tags, digests, upper case and empty text with a reason', () => {
    assert.match(repositoryProblem('localhost:5000/web:1.0') ?? '', /tag/);
    assert.match(repositoryProblem(`web@sha256:${'a'.repeat(64)}`) ?? '', /digest/);
    assert.match(repositoryProblem('Registry/App') ?? '', /Not a valid repository/);
    assert.match(repositoryProblem('  ') ?? '', /Type the repository/);
  });

  it('tags with the short commit, or latest outside git', () => {
    assert.equal(shipReference('localhost:5000/web', 'web', COMMIT), 'localhost:5000/web:0123456789ab');
    assert.equal(shipReference('localhost:5000/web', 'web', undefined), 'localhost:5000/web:latest');
    assert.equal(shipReference('localhost:5000/web', 'web', 'not-a-commit'), 'localhost:5000/web:latest');
  });

  it('offers the remembered repository, else the registry repository the container runs now', () => {
    assert.equal(defaultRepository('localhost:5000/remembered', 'registry.example.com/team/app:1.0'), 'localhost:5000/remembered');
    assert.equal(defaultRepository(undefined, `registry.example.com/team/app:1.0@sha256:${'b'.repeat(64)}`), 'registry.example.com/team/app');
    assert.equal(defaultRepository(undefined, 'nginx:1.27'), undefined, 'a Docker Hub library image is not where the user pushes');
    assert.equal(defaultRepository('Bad:Repo:x', 'localhost:5000/web:1'), 'localhost:5000/web');
    assert.equal(hasRegistryHost('localhost/web'), true);
    assert.equal(hasRegistryHost('team/app'), false);
  });
});

describe('ship: Helm releases', () => {
  it('finds a release\'s workloads by Helm\'s annotation first, else the instance label', () => {
    const entries = [
      workload('web', { annotations: { 'meta.helm.sh/release-name': 'shop' } }),
      workload('worker', { labels: { 'app.kubernetes.io/instance': 'shop' } }),
      workload('other', { annotations: { 'meta.helm.sh/release-name': 'blog' } }),
    ];
    assert.deepEqual(releaseWorkloads(entries, 'shop').map((e) => e.workload.metadata.name), ['web']);
    assert.deepEqual(releaseWorkloads(entries.slice(1), 'shop').map((e) => e.workload.metadata.name), ['worker']);
    assert.deepEqual(releaseWorkloads(entries, 'none'), []);
  });

  it('maps a values prefix to repository and tag keys', () => {
    assert.deepEqual(imageValueKeys('image'), { repository: 'image.repository', tag: 'image.tag' });
    assert.deepEqual(imageValueKeys(' app.image '), { repository: 'app.image.repository', tag: 'app.image.tag' });
    for (const bad of ['', 'image.', '.image', 'image=x', 'a,b', 'image tag']) assert.equal(imageValueKeys(bad), undefined, bad);
  });
});

describe('ship: options from a caller', () => {
  it('accepts a complete workload run', () => {
    const options = { dockerfile: '/w/Dockerfile', contextName: 'berth-sandbox', namespace: 'shop', workload: { workloadKind: 'Deployment', name: 'web' }, container: 'app', repository: 'localhost:5000/web', timeoutSeconds: 120 };
    assert.deepEqual(parseShipOptions(options), options);
  });

  it('accepts a Helm run', () => {
    assert.deepEqual(parseShipOptions({ release: 'shop', chart: '/w/chart', valuesKey: 'image' }), { release: 'shop', chart: '/w/chart', valuesKey: 'image' });
  });

  it('refuses anything else', () => {
    const refused: unknown[] = [
      undefined, null, 'Dockerfile', [], {}, { unknown: 1 }, { dockerfile: 3 }, { dockerfile: '' }, { namespace: 'Bad NS' },
      { workload: { workloadKind: 'Job', name: 'x' } }, { workload: { workloadKind: 'Deployment', name: 'Bad Name' } }, { workload: 'web' },
      { release: 'UPPER' }, { release: 'shop', workload: { workloadKind: 'Deployment', name: 'web' } }, { timeoutSeconds: 0 }, { timeoutSeconds: 1.5 },
    ];
    for (const raw of refused) assert.equal(parseShipOptions(raw), undefined, JSON.stringify(raw));
  });
});

describe('ship: rollout errors', () => {
  it('reads a RolloutError by shape, with its stall reason', () => {
    const error = Object.assign(new Error('Container app cannot pull its image'), { name: 'RolloutError', code: 'stalled', reason: { code: 'ImagePull', message: 'cannot pull', hint: 'check the tag' } });
    assert.deepEqual(rolloutErrorOf(error), { code: 'stalled', message: 'Container app cannot pull its image', reason: { code: 'ImagePull', message: 'cannot pull', hint: 'check the tag' } });
    assert.deepEqual(rolloutErrorOf(Object.assign(new Error('late'), { name: 'RolloutError', code: 'timeout' })), { code: 'timeout', message: 'late' });
    assert.equal(rolloutErrorOf(new Error('plain')), undefined);
    assert.equal(rolloutErrorOf('RolloutError'), undefined);
  });
});
