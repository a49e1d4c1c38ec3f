import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { manifestDiff } from '../../../src/core/helm/diff';
import type { HelmReleaseSummary } from '../../../src/core/helm/releases';
import type { HelmRelease } from '../../../src/core/helm/types';
import type { PodJson } from '../../../src/core/kube/objects';
import {
  documentPath, explainHelmFailure, findChartDir, formatDurationSeconds, groupByNamespace, healthOf, helmFailureOf, helmKubeconfig, isValuesFileName, listResources,
  manifestResources, namespaceChoices, needsAttention, parseDocumentQuery, parseDurationSeconds, podProgress, problemFile, releaseDescription, revisionDescription,
  releaseRefOf, rollbackChoices, summariseChanges, usesInstanceLabel,
} from '../../../src/vscode/helm/model';

const MANIFEST = `---
# Source: web/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: edge
spec:
  ports: [{ port: 80 }]
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
---
# Source: web/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
---
# Source: web/templates/fake.yaml
apiVersion: example.com/v1
kind: Deployment
metadata:
  name: not-a-workload
---
# Source: web/templates/empty.yaml
# nothing rendered
`;

function release(revision: number, status: HelmRelease['status'], manifest = '', extra: Partial<HelmRelease> = {}): HelmRelease {
  return { name: 'web', namespace: 'shop', revision, status, chart: 'web', chartVersion: '0.1.0', appVersion: '1.16.0', updated: '2026-11-22T10:01:25.562Z', description: 'Install complete', values: {}, manifest, ...extra };
}

function pod(name: string, phase: string, ready: boolean[], extra: Partial<PodJson['metadata']> = {}): PodJson {
  return {
    metadata: { name, uid: name, ...extra },
    spec: { containers: ready.map((_, i) => ({ name: `c${i}` })) },
    status: {
      phase,
      containerStatuses: ready.map((r, i) => ({
        name: `c${i}`, ready: r, restartCount: 0, image: 'x',
        state: r ? { running: { startedAt: '2026-01-01T00:00:00Z' } } : { waiting: { reason: 'ContainerCreating' } },
      })),
      conditions: [{ type: 'Ready', status: ready.every(Boolean) ? 'True' : 'False' }],
    },
  };
}

describe('durations for --timeout', () => {
  it('reads Go durations and bare seconds', () => {
    assert.equal(parseDurationSeconds('5m'), 300);
    assert.equal(parseDurationSeconds('90s'), 90);
    assert.equal(parseDurationSeconds('1h30m'), 5400);
    assert.equal(parseDurationSeconds(' 2.5m '), 150);
    assert.equal(parseDurationSeconds('300'), 300);
  });
  it('refuses what helm would not take, and less than a second', () => {
    for (const bad of ['', 'm', '5 m', '5min', '-1m', '0s', '0', '0.2s', '5m garbage']) assert.equal(parseDurationSeconds(bad), undefined, bad);
  });
  it('writes seconds back the way users write them', () => {
    assert.equal(formatDurationSeconds(300), '5m');
    assert.equal(formatDurationSeconds(5400), '1h30m');
    assert.equal(formatDurationSeconds(3725), '1h2m5s');
    assert.equal(formatDurationSeconds(45), '45s');
  });
});

describe('what a manifest created', () => {
  it('lists objects in order with their namespace; only apps/v1 and batch/v1 kinds are workloads', () => {
    const resources = manifestResources(MANIFEST, 'shop');
    assert.deepEqual(resources.map((r) => `${r.kind}/${r.namespace}/${r.name}${r.workloadKind ? ` [${r.workloadKind}]` : ''}`), [
      'ServiceAccount/shop/web',
      'Service/edge/web',
      'Deployment/shop/web [Deployment]',
      'Job/shop/migrate [Job]',
      'Deployment/shop/not-a-workload',
    ]);
    assert.equal(resources[2]?.source, 'web/templates/deployment.yaml');
  });
  it('names a few resources and counts the rest', () => {
    const resources = manifestResources(MANIFEST, 'shop');
    assert.equal(listResources(resources, 2), 'ServiceAccount/web, Service/web and 3 more');
    assert.equal(listResources(resources.slice(0, 2)), 'ServiceAccount/web, Service/web');
  });
});

describe('release rows', () => {
  const now = Date.parse('2026-11-22T10:06:25Z');
  it('shows chart-version, app version, status, revision and age', () => {
    const summary: HelmReleaseSummary = { name: 'web', namespace: 'shop', revision: 3, status: 'deployed', chart: 'web', chartVersion: '0.1.0', appVersion: '1.16.0', updated: '2026-11-22T10:01:25Z' };
    assert.equal(releaseDescription(summary, now), 'web-0.1.0 · app 1.16.0 · deployed · rev 3 · 5m');
    assert.equal(releaseDescription({ name: 'x', namespace: 'shop', revision: 1, status: 'failed' }, now), 'failed · rev 1');
  });
  it('pending and failed releases need attention, with the rollback target from the history', () => {
    const history = [release(5, 'pending-upgrade'), release(4, 'deployed'), release(3, 'superseded')];
    const stuck: HelmReleaseSummary = { name: 'web', namespace: 'shop', revision: 5, status: 'pending-upgrade', updated: '2026-11-22T09:00:00Z' };
    const health = healthOf(stuck, now, history);
    assert.equal(health.health, 'warning');
    assert.ok(needsAttention(health));
    assert.match(health.hint, /roll back to revision 4/);
    assert.deepEqual(health.recover, { action: 'rollback', revision: 4 });
    assert.equal(healthOf({ ...stuck, updated: '2026-11-22T10:05:00Z' }, now, history).health, 'progressing');
    assert.ok(!needsAttention(healthOf({ ...stuck, status: 'deployed' }, now)));
  });
  it('describes a revision for the history', () => {
    assert.equal(revisionDescription(release(2, 'superseded', '', { description: 'Upgrade complete' })), 'superseded · web-0.1.0 · Upgrade complete · 2026-11-22 10:01');
  });
  it('groups releases by namespace, both sorted', () => {
    const groups = groupByNamespace([{ namespace: 'b', name: 'z' }, { namespace: 'a', name: 'y' }, { namespace: 'b', name: 'c' }]);
    assert.deepEqual(groups.map((g) => [g.namespace, g.releases.map((r) => r.name)]), [['a', ['y']], ['b', ['c', 'z']]]);
  });
  it('offers the last deployed revision first for a rollback, never the current one', () => {
    const history = [release(5, 'failed'), release(4, 'superseded'), release(3, 'deployed'), release(2, 'superseded')];
    assert.deepEqual(rollbackChoices(history, 5, 3).map((r) => r.revision), [3, 4, 2]);
    assert.deepEqual(rollbackChoices(history, 5, undefined).map((r) => r.revision), [4, 3, 2]);
  });
});

describe('the kubeconfig helm is given', () => {
  it('one file as --kubeconfig, several as KUBECONFIG, none as nothing', () => {
    assert.deepEqual(helmKubeconfig(['/k/a'], ':'), { kubeconfig: '/k/a' });
    assert.deepEqual(helmKubeconfig(['/k/a', '/k/b'], ':'), { env: { KUBECONFIG: '/k/a:/k/b' } });
    assert.deepEqual(helmKubeconfig(['C:\\k\\a', 'C:\\k\\b'], ';'), { env: { KUBECONFIG: 'C:\\k\\a;C:\\k\\b' } });
    assert.deepEqual(helmKubeconfig([], ':'), {});
  });
});

describe('changes before a rollback or a deploy', () => {
  it('counts and lists added, changed and removed resources', () => {
    const before = MANIFEST;
    const after = MANIFEST.replace('replicas: 2', 'replicas: 3').replace(/---\n# Source: web\/templates\/job\.yaml[\s\S]*?name: migrate\n/, '') + '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n';
    const summary = summariseChanges(manifestDiff(before, after, 'shop'));
    assert.equal(summary.counts, '1 added, 1 changed, 1 removed, 3 unchanged');
    // In the new manifest's order, removed ones last.
    assert.deepEqual(summary.lines, ['~ Deployment/web (shop)', '+ ConfigMap/extra (shop)', '- Job/migrate (shop)']);
    assert.equal(summary.changed, 3);
    assert.equal(summariseChanges([]).counts, 'no resources');
  });
});

describe('pods coming up', () => {
  it('counts ready pods and names those that are not, skipping terminating ones', () => {
    const progress = podProgress([
      pod('web-b', 'Running', [true, true]),
      pod('web-a', 'Pending', [false, true]),
      pod('web-old', 'Running', [true], { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    ]);
    assert.equal(progress.ready, 1);
    assert.equal(progress.total, 2);
    assert.match(progress.text, /^1\/2 pods ready · web-a \S+/);
    assert.deepEqual(progress.notReady.map((p) => p.name), ['web-a']);
    assert.equal(podProgress([]).text, 'no pods yet');
  });
  it('knows whether a chart sets the instance label', () => {
    assert.ok(usesInstanceLabel(['a: b', 'app.kubernetes.io/instance: {{ .Release.Name }}']));
    assert.ok(!usesInstanceLabel(['app: {{ .Release.Name }}']));
  });
});

describe('helm failures', () => {
  it('reads a HelmError by shape', () => {
    const error = Object.assign(new Error('helm upgrade failed: boom'), { kind: 'failed', stderr: 'Error: boom\n', hint: 'try x' });
    assert.deepEqual(helmFailureOf(error), { kind: 'failed', stderr: 'Error: boom\n', message: 'helm upgrade failed: boom', hint: 'try x' });
    assert.deepEqual(helmFailureOf('text'), { stderr: '', message: 'text' });
  });
  it('names the template line and says what a locked release or a timeout means', () => {
    const template = explainHelmFailure({ kind: 'failed', message: 'x', stderr: 'Error: UPGRADE FAILED: template: web/templates/deployment.yaml:12:5: executing "web/templates/deployment.yaml" at <.Values.x.y>: nil pointer evaluating interface {}.y\n' });
    assert.match(template.reason, /^templates\/deployment\.yaml:12: .*nil pointer/);
    const locked = explainHelmFailure({ kind: 'release-locked', message: 'locked', stderr: 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n' });
    assert.match(locked.reason, /another operation/);
    assert.match(locked.hint ?? '', /roll it back/);
    const timedOut = explainHelmFailure({ kind: 'failed', message: 'x', stderr: 'Error: INSTALLATION FAILED: context deadline exceeded\n' });
    assert.equal(timedOut.reason, 'context deadline exceeded');
    assert.match(timedOut.hint ?? '', /did not become ready/);
    assert.deepEqual(explainHelmFailure({ kind: 'failed', message: 'helm x failed', stderr: '', hint: 'their hint' }), { reason: 'helm x failed', hint: 'their hint' });
    assert.equal(explainHelmFailure({ kind: 'cancelled', message: 'x', stderr: '' }).reason, 'cancelled; helm was stopped');
  });
});

describe('the namespace picker', () => {
  it('puts the context\'s namespace first, then the rest by name', () => {
    assert.deepEqual(namespaceChoices(['zeta', 'default', 'alpha', 'shop'], 'shop', '').map((c) => c.label), ['shop', 'alpha', 'default', 'zeta']);
  });
  it('offers to create a typed namespace that does not exist, and only a valid one', () => {
    const choices = namespaceChoices(['default'], 'default', 'new-one');
    assert.equal(choices[0]?.create, true);
    assert.equal(choices[0]?.namespace, 'new-one');
    assert.match(choices[0]?.label ?? '', /Create namespace "new-one"/);
    assert.ok(!namespaceChoices(['default'], 'default', 'default').some((c) => c.create));
    assert.ok(!namespaceChoices(['default'], 'default', 'Bad_Name').some((c) => c.create));
  });
});

describe('where a problem goes', () => {
  const join = (dir: string, relative: string): string => path.posix.join(dir, relative);
  const files = new Set(['/c/Chart.yaml', '/c/templates/deployment.yaml', '/v/values-prod.yaml']);
  const exists = (file: string): boolean => files.has(file);
  it('to the template, the values file, or Chart.yaml with a note', () => {
    assert.deepEqual(problemFile({ file: 'templates/deployment.yaml', line: 3 }, '/c', join, exists), { file: '/c/templates/deployment.yaml' });
    assert.deepEqual(problemFile({ file: '/v/values-prod.yaml', valuesFile: true }, '/c', join, exists), { file: '/v/values-prod.yaml' });
    assert.deepEqual(problemFile({ file: '' }, '/c', join, exists), { file: '/c/Chart.yaml' });
    assert.deepEqual(problemFile({ file: 'templates/' }, '/c', join, exists), { file: '/c/Chart.yaml', note: 'templates/' });
    assert.deepEqual(problemFile({ file: 'charts/sub/templates/x.yaml', line: 1 }, '/c', join, exists), { file: '/c/Chart.yaml', note: 'charts/sub/templates/x.yaml' });
  });
});

describe('berth-helm document addresses', () => {
  it('round-trip through the query, with context names that have slashes and colons', () => {
    const address = { kind: 'release', contextName: 'arn:aws:eks:eu-west-1:1:cluster/prod', namespace: 'shop', release: 'web', revision: 3, part: 'computed' } as const;
    const { path: docPath, query } = documentPath(address);
    assert.ok(docPath.endsWith('/web-r3-values-all.yaml'), docPath);
    assert.deepEqual(parseDocumentQuery(query), address);
    assert.ok(documentPath({ ...address, part: 'notes' }).path.endsWith('.txt'));
    assert.deepEqual(parseDocumentQuery(documentPath({ kind: 'memory', id: 'm7' }, 'a/b.yaml').query), { kind: 'memory', id: 'm7' });
    assert.equal(documentPath({ kind: 'memory', id: 'm7' }, 'a/b.yaml').path, '/m7/a_b.yaml');
  });
  it('refuses incomplete or invalid addresses', () => {
    assert.equal(parseDocumentQuery('context=a&namespace=b&release=c&revision=0&part=manifest'), undefined);
    assert.equal(parseDocumentQuery('context=a&namespace=b&release=c&revision=2&part=secrets'), undefined);
    assert.equal(parseDocumentQuery(''), undefined);
  });
});

describe('chart folders', () => {
  it('finds the chart of a folder, a Chart.yaml or a values file a few levels down', async () => {
    const charts = new Set(['/w/web']);
    const has = (dir: string): Promise<boolean> => Promise.resolve(charts.has(dir));
    const dirname = (p: string): string => path.posix.dirname(p);
    assert.equal(await findChartDir('/w/web', false, has, dirname), '/w/web');
    assert.equal(await findChartDir('/w/web/Chart.yaml', true, has, dirname), '/w/web');
    assert.equal(await findChartDir('/w/web/ci/values-test.yaml', true, has, dirname), '/w/web');
    assert.equal(await findChartDir('/w/web/a/b/c/d/values.yaml', true, has, dirname), undefined);
    assert.equal(await findChartDir('/w/other/values.yaml', true, has, dirname), undefined);
  });
  it('recognises values file names', () => {
    for (const name of ['values.yaml', 'values-prod.yaml', 'values.dev.yml', 'Values.YAML']) assert.ok(isValuesFileName(name), name);
    for (const name of ['values.schema.json', 'myvalues.yaml', 'values.yaml.bak']) assert.ok(!isValuesFileName(name), name);
  });
});

describe('what a command acts on', () => {
  const base = { contextName: 'ctx', namespace: 'shop', release: 'web' };
  it('reads release, revision and part from tree nodes', () => {
    assert.deepEqual(releaseRefOf({ kind: 'release', id: 'x', ...base }), base);
    assert.deepEqual(releaseRefOf({ kind: 'revision', ...base, revision: 2, current: false }), { ...base, revision: 2, pastRevision: true });
    assert.deepEqual(releaseRefOf({ kind: 'revision', ...base, revision: 3, current: true }), { ...base, revision: 3 });
    assert.deepEqual(releaseRefOf({ kind: 'document', ...base, revision: 3, part: 'computed' }), { ...base, revision: 3, part: 'computed' });
    assert.deepEqual(releaseRefOf({ kind: 'advice', ...base, revision: 3 }), { ...base, revision: 3, advice: true });
  });
  it('refuses anything without a context, namespace and release, and unknown parts', () => {
    assert.equal(releaseRefOf({ kind: 'namespace', contextName: 'ctx', namespace: 'shop' }), undefined);
    assert.equal(releaseRefOf({ ...base, release: '' }), undefined);
    assert.equal(releaseRefOf(undefined), undefined);
    assert.equal(releaseRefOf('web'), undefined);
    assert.equal(releaseRefOf({ kind: 'document', ...base, revision: 1.5, part: 'secrets' })?.part, undefined);
    assert.equal(releaseRefOf({ kind: 'document', ...base, revision: 1.5 })?.revision, undefined);
  });
});
