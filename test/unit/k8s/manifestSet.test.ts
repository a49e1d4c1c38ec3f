import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdits } from '../../../src/core/dockerfile/edits';
import { checkManifestSet, checkManifests, type FileFindings } from '../../../src/core/k8s/manifestChecks';

/** A Deployment whose single container passes every per-container check. */
function workload(name: string, replicas: number | undefined, labels: Record<string, string>, extra = ''): string {
  const labelLines = Object.entries(labels).map(([k, v]) => `        ${k}: ${v}\n`).join('');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${extra}spec:
${replicas === undefined ? '' : `  replicas: ${replicas}\n`}  selector:
    matchLabels:
${labelLines.replace(/^ {8}/gm, '      ')}  template:
    metadata:
      labels:
${labelLines}    spec:
      containers:
        - name: app
          image: app:1.0
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 64Mi}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}}
`;
}

function budget(selector: string, extra = ''): string {
  return `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: budget
${extra}spec:
  maxUnavailable: 1
${selector}`;
}

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: front\nspec:\n  selector:\n    app: web\n  ports: [{port: 80}]\n';

function summary(results: readonly FileFindings[]): string[] {
  return results.flatMap((r) => r.findings.map((f) => `${r.fileName} ${f.code} ${f.object?.name ?? ''}`));
}

describe('checkManifestSet: a Service in another file', () => {
  it('finds the single replica behind it and names the Service and its file', () => {
    const results = checkManifestSet([
      { fileName: 'deploy/web.yaml', text: workload('web', 1, { app: 'web', tier: 'front' }) },
      { fileName: 'deploy/service.yaml', text: SERVICE },
    ]);
    assert.deepEqual(summary(results), ['deploy/web.yaml BK106 web']);
    const finding = results[0]?.findings[0];
    assert.match(finding?.message ?? '', /behind Service "front" \(deploy\/service\.yaml\)/);
    assert.deepEqual(finding?.related?.map((r) => [r.fileName, r.range.start.line]), [['deploy/service.yaml', 3]]);
    assert.deepEqual(results[1]?.findings, []);
  });

  it('keeps one entry per file in input order, and a file alone does not see the others', () => {
    const files = [
      { fileName: 'a.yaml', text: workload('web', undefined, { app: 'web' }) },
      { fileName: 'b.yaml', text: 'kind: Note\n' },
      { fileName: 'c.yaml', text: SERVICE },
    ];
    assert.deepEqual(checkManifestSet(files).map((r) => r.fileName), ['a.yaml', 'b.yaml', 'c.yaml']);
    assert.deepEqual(checkManifests(files[0]?.text ?? ''), []);
  });
});

describe('checkManifestSet: PodDisruptionBudgets', () => {
  const web = { fileName: 'web.yaml', text: workload('web', 3, { app: 'web', track: 'stable' }) };
  const withBudget = (selector: string, extra = ''): string[] => summary(checkManifestSet([web, { fileName: 'pdb.yaml', text: budget(selector, extra) }]));

  it('is satisfied by matchLabels that the pod labels include', () => {
    assert.deepEqual(withBudget('  selector:\n    matchLabels:\n      app: web\n'), []);
    assert.deepEqual(withBudget('  selector:\n    matchLabels:\n      app: api\n'), ['web.yaml BK107 web']);
  });

  it('evaluates matchExpressions with In, NotIn, Exists and DoesNotExist', () => {
    const expression = (text: string): string[] => withBudget(`  selector:\n    matchExpressions:\n${text}`);
    assert.deepEqual(expression('      - {key: app, operator: In, values: [web, api]}\n'), []);
    assert.deepEqual(expression('      - {key: app, operator: In, values: [api]}\n'), ['web.yaml BK107 web']);
    assert.deepEqual(expression('      - {key: track, operator: NotIn, values: [canary]}\n'), []);
    assert.deepEqual(expression('      - {key: track, operator: NotIn, values: [stable]}\n'), ['web.yaml BK107 web']);
    assert.deepEqual(expression('      - key: app\n        operator: Exists\n'), []);
    assert.deepEqual(expression('      - key: app\n        operator: DoesNotExist\n'), ['web.yaml BK107 web']);
    assert.deepEqual(expression('      - {key: app, operator: Gt, values: ["1"]}\n'), ['web.yaml BK107 web']);
    assert.deepEqual(withBudget('  selector:\n    matchLabels: {app: web}\n    matchExpressions:\n      - {key: track, operator: In, values: [canary]}\n'), ['web.yaml BK107 web']);
  });

  it('reads an empty selector as every pod and a missing one as none', () => {
    assert.deepEqual(withBudget('  selector: {}\n'), []);
    assert.deepEqual(withBudget(''), ['web.yaml BK107 web']);
  });

  it('needs the budget in the same namespace (or one left to the apply command)', () => {
    const namespaced = { fileName: 'web.yaml', text: workload('web', 3, { app: 'web' }, '  namespace: shop\n') };
    const run = (extra: string): string[] => summary(checkManifestSet([namespaced, { fileName: 'pdb.yaml', text: budget('  selector:\n    matchLabels: {app: web}\n', extra) }]));
    assert.deepEqual(run('  namespace: shop\n'), []);
    assert.deepEqual(run(''), []);
    assert.deepEqual(run('  namespace: other\n'), ['web.yaml BK107 web']);
  });

  it('appends the fix to the workload\'s own file, and the set is then satisfied', () => {
    const results = checkManifestSet([web, { fileName: 'other.yaml', text: SERVICE }]);
    const finding = results[0]?.findings.find((f) => f.code === 'BK107');
    assert.ok(finding?.fixes[0]);
    const fixed = applyEdits(web.text, finding.fixes[0].edits);
    assert.deepEqual(summary(checkManifestSet([{ fileName: 'web.yaml', text: fixed }, { fileName: 'other.yaml', text: SERVICE }])), []);
  });

  it('counts an autoscaler in another file', () => {
    const hpa = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 6\n';
    const unset = { fileName: 'web.yaml', text: workload('web', undefined, { app: 'web' }) };
    assert.deepEqual(summary(checkManifestSet([unset, { fileName: 'svc.yaml', text: SERVICE }, { fileName: 'hpa.yaml', text: hpa }])), ['web.yaml BK107 web']);
    const otherTarget = hpa.replace('name: web}', 'name: api}');
    assert.deepEqual(summary(checkManifestSet([unset, { fileName: 'svc.yaml', text: SERVICE }, { fileName: 'hpa.yaml', text: otherTarget }])), ['web.yaml BK106 web']);
  });

  it('does not ask DaemonSets, Jobs or Pods for a budget', () => {
    const daemon = workload('agent', undefined, { app: 'agent' }).replace('kind: Deployment', 'kind: DaemonSet');
    assert.deepEqual(summary(checkManifestSet([{ fileName: 'agent.yaml', text: daemon }])), []);
  });
});
