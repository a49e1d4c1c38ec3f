import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHelmLint, parseTemplateError, type HelmLintFinding } from '../../../src/core/helm/lintOutput';
import { cliOutput } from './fixtures';

/** stdout and stderr of a captured `helm lint` run, as the client would join them. */
function lint(major: 3 | 4, name: string): string {
  return `${cliOutput(major, `lint-${name}.stdout`)}\n${cliOutput(major, `lint-${name}.stderr`)}`;
}

const ICON: HelmLintFinding = { severity: 'info', file: 'Chart.yaml', message: 'icon is recommended' };

// Real output of both majors must give the same findings (bar what helm 4 adds on purpose).
for (const major of [3, 4] as const) {
  describe(`parseHelmLint on real helm ${major} output`, () => {
    it('a clean chart has only the icon note', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'mychart'), './mychart'), [ICON]);
    });

    it('a YAML error in a template: file, rendered line', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'yaml-error'), './yaml-error'), [
        ICON,
        { severity: 'error', file: 'templates/broken.yaml', line: 6, renderedLine: true, message: 'the rendered output is not valid YAML: mapping values are not allowed in this context' },
      ]);
    });

    it('template parse errors: file and line from the message, not the templates/ folder', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'parse-error'), './parse-error')[1], { severity: 'error', file: 'templates/t.yaml', line: 6, message: 'parse error: missing value for if' });
      assert.deepEqual(parseHelmLint(lint(major, 'unknown-function'), './unknown-function')[1], { severity: 'error', file: 'templates/t.yaml', line: 5, message: 'parse error: function "nosuchfunc" not defined' });
      // Helm reports an unclosed action at the end of the file; the finding goes where it starts.
      assert.deepEqual(parseHelmLint(lint(major, 'unclosed-action'), './unclosed-action')[1], {
        severity: 'error', file: 'templates/t.yaml', line: 5, message: 'parse error: unclosed action started at mychart/templates/t.yaml:6',
      });
    });

    it('template execution errors: file, line and column (helm 4 splits them over lines)', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'exec-error'), './exec-error'), [
        ICON,
        { severity: 'error', file: 'templates/t.yaml', line: 5, column: 15, message: 'executing "mychart/templates/t.yaml" at <.Values.nope.deeper>: nil pointer evaluating interface {}.deeper' },
      ]);
      assert.deepEqual(parseHelmLint(lint(major, 'missing-include'), './missing-include')[1], {
        severity: 'error', file: 'templates/t.yaml', line: 5, column: 8,
        message: 'executing "mychart/templates/t.yaml" at <include "nope" .>: error calling include: template: no template "nope" associated with template "gotpl"',
      });
    });

    it('a broken values.yaml is one finding on values.yaml, not three', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'values-error'), './values-error'), [
        ICON,
        { severity: 'error', file: 'values.yaml', line: 2, message: 'not valid YAML: did not find expected key' },
      ]);
    });

    it('a broken Chart.yaml and an invalid version land on Chart.yaml', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'chart-yaml-error'), './chart-yaml-error'), [
        { severity: 'error', file: 'Chart.yaml', line: 3, message: 'not valid YAML: mapping values are not allowed in this context' },
      ]);
      const version = parseHelmLint(lint(major, 'chart-version'), './chart-version');
      assert.ok(version.every((f) => f.file === 'Chart.yaml'));
      assert.deepEqual(version.filter((f) => f.severity === 'error').map((f) => f.message), [
        "version 'notsemver' is not a valid SemVer",
        'validation: chart.metadata.version "notsemver" is invalid',
      ]);
    });

    it('warnings keep helm\'s words', () => {
      const findings = parseHelmLint(lint(major, 'warnings'), './warnings');
      assert.deepEqual(findings.map((f) => [f.severity, f.file]), [['warning', 'templates/old.yaml'], ['warning', 'templates/old.yaml']]);
      assert.match(findings[0]?.message ?? '', /^object name does not conform to Kubernetes naming requirements: "Bad_Name"/);
      assert.equal(findings[1]?.message, 'extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress');
    });

    it('lenient-render notes from stderr become chart-level warnings', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'required-value'), './required-value')[1], {
        severity: 'warning', file: '', message: 'A required value is missing: need foo (lint renders leniently; install and template would fail)',
      });
      assert.deepEqual(parseHelmLint(lint(major, 'fail-call'), './fail-call')[1], {
        severity: 'warning', file: '', message: 'The chart calls fail: boom here (lint renders leniently; install and template would fail)',
      });
      // Without stderr they are simply absent.
      assert.deepEqual(parseHelmLint(cliOutput(major, 'lint-required-value.stdout'), './required-value'), [ICON]);
    });

    it('a broken --values file (no lint section at all) names the file as given', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'values-file'), './mychart'), [
        { severity: 'error', file: 'bad-values-file.yaml', line: 2, valuesFile: true, message: 'not valid YAML: did not find expected key' },
      ]);
    });

    it('a folder without Chart.yaml gives one chart-level error', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'no-chart'), './no-chart'), [
        { severity: 'error', file: '', message: 'unable to check Chart.yaml file in chart: stat no-chart/Chart.yaml: no such file or directory' },
      ]);
    });

    it('--with-subcharts: subchart findings under charts/<name>/, dependency errors on Chart.yaml', () => {
      assert.deepEqual(parseHelmLint(lint(major, 'subcharts'), './parent'), [
        ICON,
        { severity: 'error', file: 'Chart.yaml', message: 'chart metadata is missing these dependencies: sub' },
        { severity: 'info', file: 'charts/sub/Chart.yaml', message: 'icon is recommended' },
        { severity: 'error', file: 'charts/sub/templates/broken.yaml', line: 6, renderedLine: true, message: 'the rendered output is not valid YAML: mapping values are not allowed in this context' },
      ]);
    });
  });

  describe(`parseTemplateError on real helm ${major} stderr`, () => {
    const error = (name: string) => parseTemplateError(cliOutput(major, `template-${name}.stderr`));

    it('locates template errors of every kind', () => {
      assert.deepEqual(error('exec-error'), { file: 'templates/t.yaml', line: 5, column: 15, message: 'executing "mychart/templates/t.yaml" at <.Values.nope.deeper>: nil pointer evaluating interface {}.deeper' });
      assert.deepEqual(error('parse-error'), { file: 'templates/t.yaml', line: 6, message: 'parse error: missing value for if' });
      assert.deepEqual(error('unclosed-action'), { file: 'templates/t.yaml', line: 5, message: 'parse error: unclosed action started at mychart/templates/t.yaml:6' });
      assert.deepEqual(error('required-value'), { file: 'templates/t.yaml', line: 5, column: 8, message: 'need foo' });
      assert.deepEqual(error('fail-call'), { file: 'templates/t.yaml', line: 5, column: 8, message: 'boom here' });
      assert.deepEqual(error('yaml-error'), { file: 'templates/broken.yaml', line: 6, renderedLine: true, message: 'the rendered output is not valid YAML: mapping values are not allowed in this context' });
    });

    it('locates broken chart files and values files', () => {
      assert.deepEqual(error('values-error'), { file: 'values.yaml', line: 2, message: 'not valid YAML: did not find expected key' });
      assert.deepEqual(error('values-file'), { file: 'bad-values-file.yaml', line: 2, valuesFile: true, message: 'not valid YAML: did not find expected key' });
      assert.deepEqual(error('chart-yaml-error'), { file: 'Chart.yaml', line: 3, message: 'not valid YAML: mapping values are not allowed in this context' });
      assert.deepEqual(error('chart-version'), { file: 'Chart.yaml', message: 'validation: chart.metadata.version "notsemver" is invalid' });
    });

    it('no Error line, no error', () => {
      assert.equal(error('mychart'), undefined);
      assert.equal(error('warnings'), undefined);
    });
  });
}

describe('parseTemplateError on install and upgrade failures', () => {
  it('strips the command prefix and keeps the location', () => {
    assert.deepEqual(
      parseTemplateError('Error: INSTALLATION FAILED: template: shop/charts/db/templates/sts.yaml:12:20: executing "shop/charts/db/templates/sts.yaml" at <.Values.db.size>: nil pointer evaluating interface {}.size\n'),
      { file: 'charts/db/templates/sts.yaml', line: 11, column: 20, message: 'executing "shop/charts/db/templates/sts.yaml" at <.Values.db.size>: nil pointer evaluating interface {}.size' },
    );
    // Helm 4 writes the same error over several lines.
    assert.deepEqual(
      parseTemplateError('Error: UPGRADE FAILED: shop/templates/cm.yaml:3:9\n  executing "shop/templates/cm.yaml" at <required "x" .Values.x>:\n    error calling required: x\n\nUse --debug flag to render out invalid YAML\n'),
      { file: 'templates/cm.yaml', line: 2, column: 9, message: 'executing "shop/templates/cm.yaml" at <required "x" .Values.x>: error calling required: x' },
    );
  });

  it('errors without a location keep helm\'s message with an empty file (real messages from the sandbox)', () => {
    assert.deepEqual(parseTemplateError('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n'), {
      file: '', message: 'another operation (install/upgrade/rollback) is in progress',
    });
    assert.deepEqual(parseTemplateError('level=WARN msg="upgrade failed"\nError: UPGRADE FAILED: context deadline exceeded\n'), { file: '', message: 'context deadline exceeded' });
    assert.deepEqual(parseTemplateError('Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused'), {
      file: '', message: 'Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused',
    });
  });
});

describe('parseHelmLint path handling', () => {
  it('matches the section to chartDir given as relative or absolute, and skips other charts of the same run', () => {
    const output = [
      '==> Linting ./other',
      '[ERROR] templates/x.yaml: unable to parse YAML: error converting YAML to JSON: yaml: line 2: bad',
      '',
      '==> Linting /home/me/charts/web',
      '[WARNING] templates/: directory not found',
      '[ERROR] /home/me/charts/web: chart metadata is missing these dependencies: db',
      '',
      'Error: 2 chart(s) linted, 2 chart(s) failed',
    ].join('\n');
    assert.deepEqual(parseHelmLint(output, 'charts/web'), [
      { severity: 'warning', file: 'templates/', message: 'directory not found' },
      { severity: 'error', file: 'Chart.yaml', message: 'chart metadata is missing these dependencies: db' },
    ]);
  });

  it('reads Windows paths and CRLF line ends', () => {
    const output = '==> Linting C:\\charts\\web\r\n[ERROR] C:\\charts\\web: chart metadata is missing these dependencies: db\r\n[INFO] Chart.yaml: icon is recommended\r\n\r\n';
    assert.deepEqual(parseHelmLint(output, 'C:\\charts\\web'), [
      { severity: 'error', file: 'Chart.yaml', message: 'chart metadata is missing these dependencies: db' },
      { severity: 'info', file: 'Chart.yaml', message: 'icon is recommended' },
    ]);
  });

  it('nothing to read, nothing found', () => {
    assert.deepEqual(parseHelmLint('', './c'), []);
    assert.deepEqual(parseHelmLint('Error: 1 chart(s) linted, 1 chart(s) failed\n', './c'), []);
  });
});
