import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkManifests } from '../../../src/core/k8s/manifestChecks';
import { checkRenderedChart, findTemplateLine, mapRenderedFindings, splitRenderedSources, type TemplateFinding } from '../../../src/core/k8s/renderedFindings';

// test/unit/k8s/fixtures/shop is our own chart; shop-rendered-helm3.yaml and -helm4.yaml are
// `helm template demo ./shop` from helm v3.19.5 and v4.3.1 (helm 4 adds a blank line between
// documents, and both sort documents by kind, not by template).
const FIXTURES = join(__dirname, 'fixtures');
const TEMPLATE_PATHS = [
  'templates/web.yaml', 'templates/service.yaml', 'templates/worker.yaml', 'templates/cleanup.yaml', 'templates/hpa.yaml',
  'charts/cache/templates/statefulset.yaml',
];
const templates: Record<string, string> = Object.fromEntries(TEMPLATE_PATHS.map((p) => [p, readFileSync(join(FIXTURES, 'shop', p), 'utf8')]));

/** The template line a finding landed on, from its start column to its end column. */
function landedOn(finding: TemplateFinding): string {
  assert.ok(finding.file !== undefined, `${finding.code} has no file`);
  const line = (templates[finding.file] ?? '').split('\n')[finding.range.start.line] ?? '';
  return line.slice(finding.range.start.col, finding.range.end.col);
}

describe('splitRenderedSources', () => {
  it('finds each `# Source:` section with its kind, the next `---` outside it', () => {
    const text = readFileSync(join(FIXTURES, 'shop-rendered-helm3.yaml'), 'utf8');
    const sections = splitRenderedSources(text);
    assert.deepEqual(sections.map((s) => `${s.kind ?? '?'} ${s.source}`), [
      'PodDisruptionBudget shop/charts/cache/templates/statefulset.yaml',
      'ConfigMap shop/templates/worker.yaml',
      'Service shop/templates/service.yaml',
      'Deployment shop/templates/web.yaml',
      'Deployment shop/templates/worker.yaml',
      'StatefulSet shop/charts/cache/templates/statefulset.yaml',
      'CronJob shop/templates/cleanup.yaml',
    ]);
    const lines = text.split('\n');
    for (const section of sections) {
      assert.match(lines[section.startLine] ?? '', /^# Source: /);
      assert.notEqual(lines[section.endLine - 1], '---');
    }
    assert.deepEqual(splitRenderedSources('apiVersion: v1\nkind: Pod\n'), []);
  });
});

describe('mapRenderedFindings on real helm output', () => {
  for (const version of ['helm3', 'helm4']) {
    it(`places every finding of the ${version} rendering on its template line`, () => {
      const rendered = readFileSync(join(FIXTURES, `shop-rendered-${version}.yaml`), 'utf8');
      const findings = checkManifests(rendered);
      const mapped = mapRenderedFindings(rendered, findings, templates);
      assert.equal(mapped.length, findings.length);
      assert.deepEqual(mapped.map((f) => `${f.code} ${f.file ?? '?'}:${f.range.start.line} ${landedOn(f)}`), [
        'BK106 templates/web.yaml:8 replicas: {{ .Values.web.replicaCount }}',
        'BK101 templates/web.yaml:19 name: web',
        'BK102 templates/web.yaml:19 name: web',
        'BK104 templates/web.yaml:19 name: web',
        'BK105 templates/web.yaml:20 image: "{{ .Values.web.image.repository }}:{{ .Values.web.image.tag | default .Chart.AppVersion }}"',
        'BK107 templates/worker.yaml:12 replicas: {{ .Values.worker.replicaCount }}',
        'BK101 templates/worker.yaml:22 name: migrate',
        'BK102 templates/worker.yaml:22 name: migrate',
        'BK105 templates/cleanup.yaml:13 image: busybox',
      ]);
      for (const finding of mapped) {
        assert.equal(finding.placement, 'line');
        assert.deepEqual(finding.fixes, [], 'edits of the rendered text do not apply to templates');
        assert.match(finding.source ?? '', /^shop\/templates\//);
      }
      const singleReplica = mapped[0];
      assert.equal(singleReplica?.related?.[0]?.fileName, 'templates/service.yaml');
      assert.equal(singleReplica?.related?.[0]?.range.start.line, 3);
      // The rendered range is kept for a preview of the output.
      assert.equal(rendered.split('\n')[singleReplica?.renderedRange.start.line ?? 0]?.trim(), 'replicas: 1');
    });
  }

  it('accepts template keys as written after `# Source:` and a Map', () => {
    const rendered = readFileSync(join(FIXTURES, 'shop-rendered-helm3.yaml'), 'utf8');
    const bySource = new Map(Object.entries(templates).map(([path, text]) => [`shop/${path}`, text]));
    const mapped = checkRenderedChart(rendered, bySource);
    assert.equal(mapped.length, 9);
    assert.ok(mapped.every((f) => f.placement === 'line' && f.file?.startsWith('shop/templates/')), JSON.stringify(mapped.map((f) => f.file)));
  });

  it('leaves findings on the rendered text when the template is not given or there is no Source', () => {
    const rendered = readFileSync(join(FIXTURES, 'shop-rendered-helm3.yaml'), 'utf8');
    const withoutWeb = { ...templates };
    delete withoutWeb['templates/web.yaml'];
    const mapped = checkRenderedChart(rendered, withoutWeb);
    const web = mapped.filter((f) => f.source === 'shop/templates/web.yaml');
    assert.equal(web.length, 5);
    for (const f of web) {
      assert.equal(f.placement, 'rendered');
      assert.equal(f.file, undefined);
      assert.deepEqual(f.range, f.renderedRange);
    }
    const plain = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: c:1\n';
    const loose = mapRenderedFindings(plain, checkManifests(plain), templates);
    assert.ok(loose.length > 0 && loose.every((f) => f.placement === 'rendered' && f.source === undefined));
  });
});

describe('mapRenderedFindings on templates written in other ways', () => {
  const render = (source: string, body: string): string => `---\n# Source: app/templates/${source}\n${body}`;

  it('falls back to line 0 with the rendered line quoted when the template does not write the key', () => {
    const template = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: 1\n{{ toYaml .Values.podTemplate | indent 2 }}\n';
    const body = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: r\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:latest\n';
    const rendered = render('deploy.yaml', body);
    const mapped = checkRenderedChart(rendered, { 'templates/deploy.yaml': template });
    const image = mapped.find((f) => f.code === 'BK105');
    assert.ok(image);
    // `spec:` is the deepest key of the path the template writes.
    assert.equal(image.placement, 'line');
    assert.equal(image.range.start.line, 4);
    const noSpec = checkRenderedChart(rendered, { 'templates/deploy.yaml': '{{ include "app.deployment" . }}\n' });
    const lost = noSpec.find((f) => f.code === 'BK105');
    assert.ok(lost);
    assert.equal(lost.placement, 'file');
    assert.deepEqual(lost.range, { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } });
    assert.match(lost.message, /\(rendered line 13: image: app:latest\)$/);
  });

  it('finds the container by name among items a range loop wrote', () => {
    const template = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    {{- range .Values.sidecars }}
    - name: {{ .name }}
      image: {{ .image }}
    {{- end }}
    - name: main
      image: app:1.0
`;
    const body = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: proxy\n      image: proxy:latest\n    - name: log\n      image: log:2\n    - name: main\n      image: app:1.0\n';
    const mapped = checkRenderedChart(render('pod.yaml', body), { 'templates/pod.yaml': template });
    const main = mapped.find((f) => f.code === 'BK101' && f.message.includes('"main"'));
    assert.equal(main?.range.start.line, 10);
    assert.equal(main && landedOnText(template, main), 'name: main');
    const proxyImage = mapped.find((f) => f.code === 'BK105');
    assert.equal(proxyImage && landedOnText(template, proxyImage), 'image: {{ .image }}');
  });

  it('picks the document of a multi-document template by kind, then by order among the same kind', () => {
    const template = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: first
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: first}
    spec:
      containers:
        - name: first
          image: first:1
---
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  selector: {app: second}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: second
spec:
  template:
    metadata:
      labels: {app: second}
    spec:
      containers:
        - name: second
          image: second:1
`;
    const docs = template.split('---\n');
    // helm sorts by kind: the Service comes first.
    const rendered = render('pair.yaml', docs[1] ?? '') + render('pair.yaml', docs[0] ?? '') + render('pair.yaml', docs[2] ?? '');
    const mapped = checkRenderedChart(rendered, { 'templates/pair.yaml': template });
    const lines = template.split('\n');
    const secondName = mapped.find((f) => f.code === 'BK101' && f.object?.name === 'second');
    assert.equal(secondName?.range.start.line, lines.indexOf('        - name: second'));
    const firstName = mapped.find((f) => f.code === 'BK101' && f.object?.name === 'first');
    assert.equal(firstName?.range.start.line, lines.indexOf('        - name: first'));
    const single = mapped.find((f) => f.code === 'BK106');
    assert.equal(single?.range.start.line, lines.indexOf('  name: second'));
    assert.equal(single?.related?.[0]?.range.start.line, lines.indexOf('  name: svc'));
    const budget = mapped.find((f) => f.code === 'BK107');
    assert.equal(budget?.range.start.line, lines.indexOf('  replicas: 3'));
  });
});

describe('findTemplateLine', () => {
  it('follows the key path through template actions and indentless sequences', () => {
    const template = `spec:
  {{- with .Values.strategy }}
  strategy: {{ toYaml . | nindent 4 }}
  {{- end }}
  template:
    spec:
      containers:
      - name: {{ .Chart.Name }}
        # the image comes from values
        image: "{{ .Values.image }}"
        {{- if .Values.probe }}
        readinessProbe:
          httpGet: {path: /, port: http}
        {{- end }}
`;
    const at = (path: (string | number)[]): string | undefined => {
      const range = findTemplateLine(template, path);
      return range ? `${range.start.line}:${template.split('\n')[range.start.line]?.slice(range.start.col, range.end.col) ?? ''}` : undefined;
    };
    assert.equal(at(['spec', 'template', 'spec', 'containers', 0, 'image']), '9:image: "{{ .Values.image }}"');
    assert.equal(at(['spec', 'template', 'spec', 'containers', 0, 'name']), '7:name: {{ .Chart.Name }}');
    assert.equal(at(['spec', 'template', 'spec', 'containers', 0, 'readinessProbe', 'httpGet']), '12:httpGet: {path: /, port: http}');
    // A second container the template does not write: the list's key is the best line.
    assert.equal(at(['spec', 'template', 'spec', 'containers', 1, 'image']), '6:containers:');
    assert.equal(at(['metadata', 'name']), undefined);
  });
});

function landedOnText(template: string, finding: TemplateFinding): string {
  return (template.split('\n')[finding.range.start.line] ?? '').slice(finding.range.start.col, finding.range.end.col);
}
