import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkManifestSet } from '../../../src/core/k8s/manifestChecks';
import { ManifestWorkspace, answer, contextText } from '../../../src/clients/manifests/workspaceSet';

const deployment = (name: string, replicas: number, labels = `app: ${name}`): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {${labels}}
  template:
    metadata:
      labels: {${labels}}
    spec:
      containers:
        - name: ${name}
          image: registry.example.test/${name}:1.0.0
`;
const service = (name: string): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - port: 80
`;
const budget = (name: string): string => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: ${name}
`;

describe('the text other files are checked against', () => {
  it('keeps Services, budgets and autoscalers on their own lines and blanks the rest', () => {
    const text = `# web\n${deployment('web', 2)}---\n${service('web')}---\n${budget('web')}`;
    const context = contextText(text);
    assert.ok(context !== undefined);
    const before = text.split('\n');
    const after = context.split('\n');
    assert.equal(after.length, before.length, 'lines keep their numbers');
    after.forEach((line, i) => { if (line !== '') assert.equal(line, before[i]); });
    assert.ok(!context.includes('kind: Deployment'));
    assert.ok(context.includes('kind: Service'));
    assert.ok(context.includes('kind: PodDisruptionBudget'));
    assert.equal(after.indexOf('kind: Service'), before.indexOf('kind: Service'));
  });

  it('keeps Lists and documents whose kind is not at column 0', () => {
    assert.ok(contextText('apiVersion: v1\nkind: List\nitems: []\n')?.includes('kind: List'));
    assert.ok(contextText('{"apiVersion": "v1", "kind": "Service"}\n')?.includes('Service'));
  });

  it('is undefined when nothing is left', () => {
    assert.equal(contextText(deployment('web', 1)), undefined);
    assert.equal(contextText(`${deployment('a', 1)}---\n${deployment('b', 3)}`), undefined);
    assert.equal(contextText('# only a comment\n---\n'), undefined);
  });
});

describe('the workspace the worker holds', () => {
  it('finds the same as checking every whole file, for the files asked about', () => {
    const files = [
      { fileName: 'k8s/web.yaml', text: deployment('web', 1) },
      { fileName: 'k8s/web-svc.yaml', text: `${service('web')}---\n${deployment('other', 3)}` },
      { fileName: 'k8s/api.yaml', text: deployment('api', 3) },
      { fileName: 'k8s/api-pdb.yaml', text: `${deployment('noise', 1)}---\n${budget('api')}` },
      { fileName: 'k8s/lonely.yaml', text: deployment('lonely', 2) },
    ];
    const workspace = new ManifestWorkspace();
    for (const f of files) workspace.upsert(f.fileName, f.text);
    const whole = checkManifestSet(files);
    for (const report of [['k8s/web.yaml'], ['k8s/api.yaml', 'k8s/lonely.yaml'], files.map((f) => f.fileName)]) {
      const got = workspace.check(report);
      assert.deepEqual(got.map((r) => r.fileName), report);
      for (const result of got) assert.deepEqual(result.findings, whole.find((w) => w.fileName === result.fileName)?.findings, result.fileName);
    }
  });

  it('reports a lone replica behind a Service of another file, with the Service\'s place', () => {
    const workspace = new ManifestWorkspace();
    workspace.upsert('web.yaml', deployment('web', 1));
    workspace.upsert('svc.yaml', `${deployment('x', 1)}---\n${service('web')}`);
    const [web] = workspace.check(['web.yaml']);
    const single = web?.findings.find((f) => f.code === 'BK106');
    assert.ok(single, 'BK106');
    assert.match(single.message, /svc\.yaml/);
    assert.equal(single.related?.[0]?.fileName, 'svc.yaml');
    // The Service's metadata.name is on line 19 of svc.yaml (16 lines of Deployment, ---, apiVersion, kind, metadata).
    assert.equal(single.related?.[0]?.range.start.line, `${deployment('x', 1)}---\n`.split('\n').length - 1 + 3);
  });

  it('follows edits and removals', () => {
    const workspace = new ManifestWorkspace();
    workspace.upsert('api.yaml', deployment('api', 3));
    const codes = (): string[] => workspace.check(['api.yaml'])[0]?.findings.map((f) => f.code) ?? [];
    assert.ok(codes().includes('BK107'));
    workspace.upsert('pdb.yaml', budget('api'));
    assert.ok(!codes().includes('BK107'), 'a budget elsewhere counts');
    workspace.upsert('pdb.yaml', budget('other'));
    assert.ok(codes().includes('BK107'), 'the edited budget no longer selects api');
    workspace.upsert('pdb.yaml', budget('api'));
    workspace.remove('pdb.yaml');
    assert.ok(codes().includes('BK107'), 'a removed file no longer counts');
    assert.equal(workspace.size, 1);
  });

  it('answers nothing for files it does not hold, once for a file asked twice', () => {
    const workspace = new ManifestWorkspace();
    workspace.upsert('a.yaml', deployment('a', 1));
    assert.deepEqual(workspace.check(['missing.yaml', 'a.yaml', 'a.yaml']).map((r) => r.fileName), ['a.yaml']);
  });

  it('applies a request\'s reset, upserts and removals before checking', () => {
    const workspace = new ManifestWorkspace();
    workspace.upsert('stale.yaml', service('web'));
    const response = answer(workspace, { id: 7, type: 'check', reset: true, upserts: [{ fileName: 'web.yaml', text: deployment('web', 1) }], removals: [], report: ['web.yaml'] });
    assert.equal(response.id, 7);
    assert.equal(response.type, 'check');
    if (response.type !== 'check') return;
    assert.ok(!response.results[0]?.findings.some((f) => f.code === 'BK106'), 'the Service went with the reset');
    const again = answer(workspace, { id: 8, type: 'check', reset: false, upserts: [{ fileName: 'svc.yaml', text: service('web') }], removals: ['nothing.yaml'], report: ['web.yaml'] });
    assert.ok(again.type === 'check' && again.results[0]?.findings.some((f) => f.code === 'BK106'));
  });

  it('checks a rendered chart', () => {
    const rendered = `---\n# Source: c/templates/web.yaml\n${deployment('web', 3)}`;
    const response = answer(new ManifestWorkspace(), { id: 1, type: 'chart', rendered, templates: { 'templates/web.yaml': deployment('web', 3) } });
    assert.ok(response.type === 'chart');
    const budgetFinding = response.findings.find((f) => f.code === 'BK107');
    assert.equal(budgetFinding?.file, 'templates/web.yaml');
    assert.equal(budgetFinding?.placement, 'line');
    assert.equal(budgetFinding?.range.start.line, 5);
  });
});
