import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateReleaseName } from '../../../src/core/helm/args';
import { defaultReleaseName, isChartYaml, parseChartYaml, templateSourceMap, valuesFilesOf } from '../../../src/core/helm/charts';
import { splitLines } from '../../../src/core/helm/diff';
import { cliOutput, fixtureText } from './fixtures';

describe('parseChartYaml', () => {
  it('reads the Chart.yaml `helm create` writes', () => {
    assert.deepEqual(parseChartYaml(fixtureText('cli', 'mychart', 'Chart.yaml')), {
      apiVersion: 'v2',
      name: 'mychart',
      version: '0.1.0',
      appVersion: '1.16.0',
      description: 'A Helm chart for Kubernetes',
      type: 'application',
    });
    assert.equal(isChartYaml(fixtureText('cli', 'mychart', 'Chart.yaml')), true);
  });

  it('accepts v1 charts and Helm\'s lenient SemVer; numbers stay text', () => {
    assert.deepEqual(parseChartYaml('apiVersion: v1\nname: old\nversion: 1.2\nappVersion: 2\n'), { apiVersion: 'v1', name: 'old', version: '1.2', appVersion: '2' });
    assert.equal(isChartYaml('apiVersion: v2\nname: x\nversion: v1.0.0-rc.1+build.5\n'), true);
  });

  it('says why a file is not a usable chart', () => {
    const reason = (text: string): string => {
      const result = parseChartYaml(text);
      return 'error' in result ? result.error : '';
    };
    assert.match(reason('name: x\nversion: 1.0.0\n'), /no apiVersion/);
    assert.match(reason('apiVersion: v3\nname: x\nversion: 1.0.0\n'), /"v3" is not v1 or v2/);
    assert.match(reason('apiVersion: v2\nversion: 1.0.0\n'), /no name/);
    assert.match(reason('apiVersion: v2\nname: x\n'), /no version/);
    assert.match(reason('apiVersion: v2\nname: x\nversion: notsemver\n'), /"notsemver" is not SemVer/);
    assert.match(reason('apiVersion: v2\nname: x\nversion: 0.1.0\n  bad: [\n'), /not valid YAML/);
    assert.match(reason('- a\n- b\n'), /not a YAML map/);
    assert.match(reason(''), /not a YAML map/);
    // A compose file or a values file is not a chart.
    assert.equal(isChartYaml('services:\n  web:\n    image: nginx\n'), false);
    assert.equal(isChartYaml(fixtureText('cli', 'mychart', 'values.yaml')), false);
  });
});

describe('defaultReleaseName', () => {
  it('sanitises chart names to a valid release name', () => {
    const cases: [string, string][] = [
      ['mychart', 'mychart'],
      ['My_Chart', 'my-chart'],
      ['ingress-nginx', 'ingress-nginx'],
      ['__weird__name__', 'weird-name'],
      ['a..b', 'a.b'],
      ['a.-b', 'a-b'],
      ['app v2', 'app-v2'],
      ['ÜberApp', 'berapp'],
      ['---', 'release'],
      ['', 'release'],
      [`${'x'.repeat(52)}-y`, 'x'.repeat(52)],
    ];
    for (const [chart, expected] of cases) {
      const name = defaultReleaseName(chart);
      assert.equal(name, expected, chart);
      assert.equal(validateReleaseName(name), undefined, `${chart} -> ${name}`);
    }
  });
});

describe('valuesFilesOf', () => {
  it('values.yaml first, then values*.yaml sorted; nothing else', () => {
    assert.deepEqual(
      valuesFilesOf(['templates', 'values-prod.yaml', 'Chart.yaml', 'values.schema.json', 'values.yaml', 'values-dev.yml', 'values.staging.yaml', 'README.md', 'myvalues.yaml', 'values-ci.yaml']),
      ['values.yaml', 'values-ci.yaml', 'values-dev.yml', 'values-prod.yaml', 'values.staging.yaml'],
    );
    assert.deepEqual(valuesFilesOf(['/w/chart/values-b.yaml', '/w/chart/values.yaml', 'C:\\w\\chart\\values-a.yaml']), ['/w/chart/values.yaml', 'C:\\w\\chart\\values-a.yaml', '/w/chart/values-b.yaml']);
    assert.deepEqual(valuesFilesOf([]), []);
  });
});

describe('templateSourceMap', () => {
  for (const major of [3, 4] as const) {
    it(`maps real helm ${major} output to templates, and rendered lines to template lines`, () => {
      const rendered = cliOutput(major, 'template-mychart.yaml');
      const map = templateSourceMap(rendered);
      assert.deepEqual(
        map.map((s) => [s.template, s.chart, s.kind, s.indexInTemplate]),
        [
          ['templates/serviceaccount.yaml', 'mychart', 'ServiceAccount', 0],
          ['templates/service.yaml', 'mychart', 'Service', 0],
          ['templates/deployment.yaml', 'mychart', 'Deployment', 0],
          ['templates/tests/test-connection.yaml', 'mychart', 'Pod', 0],
        ],
      );
      // Up to its first multi-line action (`nindent` of the labels on line 5), rendered line
      // contentStartLine + n is the template's line n.
      const renderedLines = splitLines(rendered);
      const serviceTemplate = splitLines(fixtureText('cli', 'mychart', 'templates', 'service.yaml'));
      const service = map.find((s) => s.template === 'templates/service.yaml');
      assert.ok(service);
      assert.equal(renderedLines[service.startLine], '# Source: mychart/templates/service.yaml');
      assert.deepEqual(renderedLines.slice(service.contentStartLine, service.contentStartLine + 5), [
        serviceTemplate[0], serviceTemplate[1], serviceTemplate[2], '  name: web-mychart', serviceTemplate[4],
      ]);
      assert.equal(serviceTemplate[3], '  name: {{ include "mychart.fullname" . }}');
    });
  }

  it('strips the parent chart name from subchart sources', () => {
    const map = templateSourceMap(cliOutput(3, 'template-parent.yaml'));
    assert.deepEqual(
      map.map((s) => `${s.template} (${s.chart})`),
      [
        'charts/sub/templates/serviceaccount.yaml (parent)',
        'templates/serviceaccount.yaml (parent)',
        'charts/sub/templates/service.yaml (parent)',
        'templates/service.yaml (parent)',
        'charts/sub/templates/deployment.yaml (parent)',
        'templates/deployment.yaml (parent)',
      ],
    );
  });

  it('counts several documents rendered by one template', () => {
    const rendered = '---\n# Source: c/templates/multi.yaml\nkind: A\nmetadata: {name: a}\n---\n# Source: c/templates/multi.yaml\nkind: B\nmetadata: {name: b}\n';
    assert.deepEqual(templateSourceMap(rendered).map((s) => [s.template, s.indexInTemplate, s.startLine, s.contentStartLine]), [
      ['templates/multi.yaml', 0, 1, 2],
      ['templates/multi.yaml', 1, 5, 6],
    ]);
  });
});
