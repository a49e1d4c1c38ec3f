import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MANIFEST_CHECKS } from '../../../src/core/k8s/manifestChecks';
import { checkRenderedChart } from '../../../src/core/k8s/renderedFindings';
import {
  chartFoldersAbove, checkDocAnchors, excludeGlob, headingSlug, isRenderedTemplateName, looksLikeManifest, planChartFindings, showTemplateErrors,
} from '../../../src/vscode/k8s/manifestLogic';

describe('which YAML files are manifests', () => {
  it('wants both apiVersion and kind, at any indentation, in block, list or JSON style', () => {
    assert.equal(looksLikeManifest('apiVersion: v1\nkind: Service\n'), true);
    assert.equal(looksLikeManifest('apiVersion: v1\nkind: List\nitems:\n  - apiVersion: apps/v1\n    kind: Deployment\n'), true);
    assert.equal(looksLikeManifest('- apiVersion: v1\n  kind: Pod\n'), true);
    assert.equal(looksLikeManifest('{"apiVersion": "v1", \n"kind": "Pod"}'), true);
  });

  it('leaves other YAML alone', () => {
    assert.equal(looksLikeManifest('name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n'), false);
    assert.equal(looksLikeManifest('apiVersion: v2\nname: shop\nversion: 0.3.0\n'), false, 'a Chart.yaml has no kind');
    assert.equal(looksLikeManifest('services:\n  web:\n    image: nginx\n'), false);
    assert.equal(looksLikeManifest('apiVersion:\nkind:\n'), false, 'keys without values');
    assert.equal(looksLikeManifest('# apiVersion: v1\n# kind: Pod\n'), false, 'commented out');
  });
});

describe('chart templates', () => {
  it('names the folder above each templates folder, innermost first', () => {
    assert.deepEqual(chartFoldersAbove('/w/charts/shop/templates/deployment.yaml'), ['/w/charts/shop']);
    assert.deepEqual(chartFoldersAbove('/w/shop/templates/sub/x.yaml'), ['/w/shop']);
    assert.deepEqual(chartFoldersAbove('/w/a/templates/charts/b/templates/x.yaml'), ['/w/a/templates/charts/b', '/w/a']);
    assert.deepEqual(chartFoldersAbove('/w/k8s/deployment.yaml'), []);
    assert.deepEqual(chartFoldersAbove('/templates/x.yaml'), ['/']);
  });

  it('a file named templates is not a folder', () => {
    assert.deepEqual(chartFoldersAbove('/w/k8s/templates'), []);
  });

  it('reads rendered templates, not partials or notes', () => {
    assert.equal(isRenderedTemplateName('deployment.yaml'), true);
    assert.equal(isRenderedTemplateName('_helpers.tpl'), false);
    assert.equal(isRenderedTemplateName('NOTES.txt'), false);
  });

  it('leaves template errors to helm lint on save when it runs', () => {
    assert.equal(showTemplateErrors('save', true), false);
    assert.equal(showTemplateErrors('save', false), true);
    assert.equal(showTemplateErrors('open', true), true);
    assert.equal(showTemplateErrors('command', true), true);
  });
});

describe('the workspace search', () => {
  it('excludes dependencies and adds back the enabled files.exclude patterns without braces', () => {
    const glob = excludeGlob({ '**/.DS_Store': true, '**/generated/**': true, '**/off/**': false, '**/*.{a,b}': true, '**/when': { when: '$(basename).ts' } });
    assert.ok(glob.startsWith('{') && glob.endsWith('}'));
    const parts = glob.slice(1, -1).split(',');
    assert.ok(parts.includes('**/node_modules/**'));
    assert.ok(parts.includes('**/generated/**'));
    assert.ok(parts.includes('**/.DS_Store'));
    assert.ok(!parts.includes('**/off/**'));
    assert.ok(!glob.includes('{a'), 'nested braces are left out');
    assert.ok(!parts.includes('**/when'), 'conditional patterns are left out');
  });

  it('works without files.exclude', () => {
    assert.match(excludeGlob(undefined), /^\{\*\*\/node_modules\/\*\*,/);
  });
});

describe('documentation anchors', () => {
  it('slugs headings as the Markdown preview does', () => {
    assert.equal(headingSlug('BK101: Containers request CPU and memory'), 'bk101-containers-request-cpu-and-memory');
    assert.equal(headingSlug('BK105: Images are pinned to a version tag or a digest, not latest'), 'bk105-images-are-pinned-to-a-version-tag-or-a-digest-not-latest');
  });

  it('finds a heading for every check in docs/k8s-checks.md', () => {
    const markdown = readFileSync('docs/k8s-checks.md', 'utf8');
    const anchors = checkDocAnchors(markdown);
    const lines = markdown.split('\n');
    for (const check of MANIFEST_CHECKS) {
      const anchor = anchors.get(check.code);
      assert.ok(anchor, `${check.code} has a section`);
      assert.equal(lines[anchor.line], `## ${check.code}: ${check.title}`);
      assert.ok(anchor.slug.startsWith(check.code.toLowerCase()));
    }
    assert.equal(anchors.size, MANIFEST_CHECKS.length, 'the table rows are not headings');
  });
});

// The demo chart's templates, and what helm 3.19 renders from them (plus a dependency packed
// under charts/ that has a template of the same name, and a document before any # Source:).
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "shop.labels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "shop.labels" . | nindent 8 }}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  selector:
    {{- include "shop.labels" . | nindent 4 }}
  ports:
    - port: 80
`;
const RENDERED = `---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: shop-shop
spec:
  selector:
    app.kubernetes.io/name: shop
  ports:
    - port: 80
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-shop
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: shop
  template:
    metadata:
      labels:
        app.kubernetes.io/name: shop
    spec:
      containers:
        - name: web
          image: "127.0.0.1:5000/shop-web:1.4.0"
          resources:
            limits:
              memory: 128Mi
            requests:
              cpu: 50m
              memory: 64Mi
---
# Source: shop/charts/cache/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-cache
spec:
  replicas: 1
  selector:
    matchLabels:
      app: cache
  template:
    metadata:
      labels:
        app: cache
    spec:
      containers:
        - name: cache
          image: "redis"
`;
const TEMPLATES = { 'templates/deployment.yaml': DEPLOYMENT, 'templates/service.yaml': SERVICE, 'Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.3.0\n' };

describe('chart findings on template files', () => {
  const plan = planChartFindings(checkRenderedChart(RENDERED, TEMPLATES), TEMPLATES);

  it('puts each finding on the template line that writes the key', () => {
    const deployment = plan.byFile.get('templates/deployment.yaml') ?? [];
    const codes = deployment.map((d) => `${d.code}@${d.range.start.line}`);
    // Probes are missing on the container (its name: line 15); one replica behind the Service (replicas: line 5).
    assert.ok(codes.includes('BK103@15'), codes.join(' '));
    assert.ok(codes.includes('BK104@15'), codes.join(' '));
    assert.ok(codes.includes('BK106@5'), codes.join(' '));
    assert.ok(!codes.some((c) => c.startsWith('BK101') || c.startsWith('BK102')), 'the rendered resources are complete');
    const lines = DEPLOYMENT.split('\n');
    for (const d of deployment) assert.ok(d.range.end.col <= (lines[d.range.end.line] ?? '').length, 'ranges stay inside the template line');
    assert.deepEqual(deployment.map((d) => d.range.start.line), [...deployment.map((d) => d.range.start.line)].sort((a, b) => a - b), 'sorted by position');
  });

  it('points the cross-file finding at the Service template', () => {
    const single = plan.byFile.get('templates/deployment.yaml')?.find((d) => d.code === 'BK106');
    assert.ok(single);
    assert.equal(single.related.length, 1);
    assert.equal(single.related[0]?.file, 'templates/service.yaml');
    assert.equal(single.related[0]?.range.start.line, 3, 'the Service\'s metadata.name line');
  });

  it('does not put a packed dependency\'s findings on the chart\'s template of the same name', () => {
    const deployment = plan.byFile.get('templates/deployment.yaml') ?? [];
    assert.ok(!deployment.some((d) => d.message.includes('cache')), deployment.map((d) => d.message).join('\n'));
    assert.ok(plan.skipped >= 3, `skipped ${plan.skipped}`);
    assert.equal(plan.byFile.has('charts/cache/templates/deployment.yaml'), false);
  });

  it('shows a dependency unpacked under charts/ on its own template', () => {
    const cache = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-cache
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: cache
          image: "redis"
`;
    const templates = { ...TEMPLATES, 'charts/cache/templates/deployment.yaml': cache };
    const unpacked = planChartFindings(checkRenderedChart(RENDERED, templates), templates);
    const codes = (unpacked.byFile.get('charts/cache/templates/deployment.yaml') ?? []).map((d) => `${d.code}@${d.range.start.line}`);
    assert.ok(codes.includes('BK105@10'), codes.join(' '));
    assert.equal(unpacked.skipped, 0);
  });

  it('puts output without a # Source: on Chart.yaml, quoting where it was', () => {
    const rendered = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: stray\nspec:\n  containers:\n    - name: a\n      image: busybox\n`;
    const stray = planChartFindings(checkRenderedChart(rendered, TEMPLATES), TEMPLATES);
    const onChart = stray.byFile.get('Chart.yaml') ?? [];
    assert.ok(onChart.length > 0);
    assert.ok(onChart.every((d) => d.range.start.line === 0 && d.range.end.col === 'apiVersion: v2'.length));
    assert.ok(onChart.some((d) => d.code === 'BK105' && d.message.startsWith('In the output of helm template (line 8)')), onChart.map((d) => d.message).join('\n'));
  });
});
