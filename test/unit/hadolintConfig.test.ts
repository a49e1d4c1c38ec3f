import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SETTINGS,
  describeProblem,
  failsThreshold,
  formatConfigProblem,
  mergeSettings,
  parseFailureThreshold,
  parseHadolintConfig,
  parseLabelRequirement,
  settingsFromEnvironment,
} from '../../src/core/config/hadolintConfig';
import { lintDockerfile } from '../../src/core/dockerfile/lint';
import type { Rule } from '../../src/core/dockerfile/rules/types';

const FULL = `failure-threshold: warning
format: json
ignored:
  - DL3000
  - SC1010
label-schema:
  author: text
  created: rfc3339
no-color: true
no-fail: false
override:
  error:
    - DL3001
  warning: [DL3042, DL3033]
  info:
    - DL3032
  style:
    - DL3015
strict-labels: true
disable-ignore-pragma: true
trustedRegistries:
  - docker.io
  - my-company.com:5000
  - "*.gcr.io"
`;

function parsedOk(text: string, options = {}): ReturnType<typeof parseHadolintConfig> {
  const r = parseHadolintConfig(text, options);
  assert.equal(r.error, undefined, `unexpected error: ${r.error ?? ''}`);
  return r;
}

void describe('parseHadolintConfig: hadolint keys', () => {
  void it('reads every key of hadolint\'s documented schema', () => {
    const r = parsedOk(FULL);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.config, {
      failureThreshold: 'warning',
      format: 'json',
      ignored: ['DL3000', 'SC1010'],
      labelSchema: { author: 'text', created: 'rfc3339' },
      noColor: true,
      noFail: false,
      override: { dl3001: 'error', dl3042: 'warning', dl3033: 'warning', dl3032: 'info', dl3015: 'style' },
      strictLabels: true,
      disableIgnorePragma: true,
      trustedRegistries: ['docker.io', 'my-company.com:5000', '*.gcr.io'],
    });
  });

  void it('accepts a single registry as a string, as hadolint does', () => {
    assert.deepEqual(parsedOk('trustedRegistries: docker.io\n').config.trustedRegistries, ['docker.io']);
  });

  void it('reads `ignore` and `none` thresholds as the same "any finding fails"', () => {
    assert.equal(parsedOk('failure-threshold: ignore').config.failureThreshold, 'none');
    assert.equal(parsedOk('failure-threshold: none').config.failureThreshold, 'none');
    assert.equal(parsedOk('failure-threshold: ERROR').config.failureThreshold, 'error');
  });

  void it('treats an empty file, a comment-only file and empty keys as no settings', () => {
    assert.deepEqual(parsedOk('').config, {});
    assert.deepEqual(parsedOk('# nothing here\n').config, {});
    assert.deepEqual(parsedOk('ignored:\noverride:\n').config, {});
    assert.deepEqual(parsedOk('override:\n  error:\n').config, { override: {} });
  });

  void it('lower-cases override codes so the engine finds them whatever the spelling', () => {
    assert.deepEqual(parsedOk('override:\n  error: [Dl3008, StageNameCasing]').config.override, { dl3008: 'error', stagenamecasing: 'error' });
  });
});

void describe('parseHadolintConfig: warnings', () => {
  void it('warns about unknown keys with their position, and keeps the rest', () => {
    const r = parsedOk('ignored: [DL3000]\nfoo: 1\n');
    assert.deepEqual(r.config, { ignored: ['DL3000'] });
    assert.deepEqual(r.warnings, ['line 2, column 1: unknown key "foo" is ignored']);
    assert.deepEqual(r.warningProblems[0]?.range.start, { line: 1, col: 0 });
  });

  void it('names the key hadolint reads for a near miss', () => {
    const r = parsedOk('trusted-registries: [docker.io]\nfailure_threshold: error\n');
    assert.equal(r.config.trustedRegistries, undefined);
    assert.match(r.warnings[0] ?? '', /"trusted-registries".*hadolint reads "trustedRegistries"/);
    assert.match(r.warnings[1] ?? '', /hadolint reads "failure-threshold"/);
  });

  void it('warns about an unknown override level', () => {
    const r = parsedOk('override:\n  fatal: [DL3000]\n  error: [DL3001]\n');
    assert.deepEqual(r.config.override, { dl3001: 'error' });
    assert.match(r.warnings[0] ?? '', /line 2, column 3: unknown override level "fatal"/);
  });

  void it('warns when a code is listed under two levels; the later one is used', () => {
    const r = parsedOk('override:\n  error: [DL3008]\n  style: [DL3008]\n');
    assert.deepEqual(r.config.override, { dl3008: 'style' });
    assert.match(r.warnings[0] ?? '', /line 3, column 11: "DL3008" is listed under both "error" and "style"/);
  });

  void it('warns about rule codes the registry does not know, but not ShellCheck codes', () => {
    const known = new Set(['dl3008']);
    const r = parsedOk('ignored: [DL3008, SC2086, DL9999]\noverride:\n  info: [XX1]\n', { isKnownRule: (c: string) => known.has(c.toLowerCase()) });
    assert.deepEqual(r.warnings, ['line 1, column 27: unknown rule code "DL9999"', 'line 3, column 10: unknown rule code "XX1"']);
    assert.deepEqual(r.config.ignored, ['DL3008', 'SC2086', 'DL9999']);
  });
});

void describe('parseHadolintConfig: errors', () => {
  void it('reports invalid YAML with its line and column', () => {
    const r = parseHadolintConfig('ignored:\n  - DL3000\n override: [\n');
    assert.notEqual(r.error, undefined);
    assert.match(r.error ?? '', /^line \d+, column \d+: invalid YAML: /);
    assert.deepEqual(r.config, {});
  });

  void it('points at the second of two duplicate keys', () => {
    const r = parseHadolintConfig('ignored: [DL3000]\nignored: [DL3001]\n');
    assert.match(r.error ?? '', /^line 2, column 1: invalid YAML: .*unique/);
  });

  void it('rejects a top level that is not a mapping', () => {
    assert.match(parseHadolintConfig('- DL3000\n- DL3001\n').error ?? '', /^line 1, column 1: the configuration must be a mapping/);
    assert.match(parseHadolintConfig('just text').error ?? '', /must be a mapping/);
  });

  void it('rejects values of the wrong type at the value\'s position', () => {
    assert.equal(parseHadolintConfig('ignored: DL3000').error, 'line 1, column 10: "ignored" must be a list, not string "DL3000"');
    assert.equal(parseHadolintConfig('no-fail: yes').error, 'line 1, column 10: "no-fail" must be true or false, not string "yes"');
    assert.equal(parseHadolintConfig('strict-labels: 1').error, 'line 1, column 16: "strict-labels" must be true or false, not number 1');
    assert.match(parseHadolintConfig('override: [DL3000]').error ?? '', /"override" must be a mapping/);
    assert.match(parseHadolintConfig('ignored:\n  - {a: 1}\n').error ?? '', /^line 2, column 5: "ignored" must list strings, not a mapping/);
  });

  void it('rejects unknown thresholds, formats and label types', () => {
    assert.match(parseHadolintConfig('failure-threshold: fatal').error ?? '', /"failure-threshold" must be one of error, warning, info, style, ignore, none \(got "fatal"\)/);
    assert.match(parseHadolintConfig('format: xml').error ?? '', /"format" must be one of tty, json/);
    assert.match(parseHadolintConfig('label-schema:\n  author: string\n').error ?? '', /^line 2, column 11: label "author" needs a type/);
  });

  void it('formats a problem as file:line:col for the CLI', () => {
    const r = parseHadolintConfig('ignored: 3');
    assert.ok(r.errorProblem);
    assert.equal(formatConfigProblem('.hadolint.yaml', r.errorProblem), '.hadolint.yaml:1:10: "ignored" must be a list, not number 3');
    assert.equal(describeProblem(r.errorProblem), r.error);
  });
});

void describe('thresholds and labels', () => {
  void it('fails at or above the threshold (hadolint: severity <= cutoff)', () => {
    assert.equal(failsThreshold('error', 'warning'), true);
    assert.equal(failsThreshold('warning', 'warning'), true);
    assert.equal(failsThreshold('info', 'warning'), false);
    assert.equal(failsThreshold('style', 'info'), false);
    assert.equal(failsThreshold('info', 'info'), true);
    assert.equal(failsThreshold('warning', 'error'), false);
  });

  void it('`none` makes every finding fail, as in hadolint', () => {
    for (const s of ['error', 'warning', 'info', 'style'] as const) assert.equal(failsThreshold(s, 'none'), true);
  });

  void it('parses threshold names and rejects others', () => {
    assert.equal(parseFailureThreshold(' Style '), 'style');
    assert.equal(parseFailureThreshold('critical'), undefined);
  });

  void it('parses --require-label items', () => {
    assert.deepEqual(parseLabelRequirement('maintainer:text'), ['maintainer', 'text']);
    assert.deepEqual(parseLabelRequirement('org.opencontainers.image.created:RFC3339'), ['org.opencontainers.image.created', 'rfc3339']);
    assert.match(String(parseLabelRequirement('maintainer')), /not of the form LABEL:TYPE/);
    assert.match(String(parseLabelRequirement('maintainer:number')), /unknown label type "number"/);
  });
});

void describe('settingsFromEnvironment', () => {
  void it('reads hadolint\'s variables', () => {
    const { settings, warnings } = settingsFromEnvironment({
      HADOLINT_NOFAIL: 'yes',
      NO_COLOR: '',
      HADOLINT_FAILURE_THRESHOLD: 'error',
      HADOLINT_OVERRIDE_STYLE: 'DL3008, DL3009',
      HADOLINT_IGNORE: 'DL3000,DL3001',
      HADOLINT_TRUSTED_REGISTRIES: 'docker.io,ghcr.io',
      HADOLINT_REQUIRE_LABELS: 'maintainer:text,version:semver',
      HADOLINT_STRICT_LABELS: '0',
      HADOLINT_FORMAT: 'json',
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(settings, {
      noFail: true,
      noColor: true,
      strictLabels: false,
      format: 'json',
      failureThreshold: 'error',
      override: { dl3008: 'style', dl3009: 'style' },
      ignored: ['DL3000', 'DL3001'],
      trustedRegistries: ['docker.io', 'ghcr.io'],
      labelSchema: { maintainer: 'text', version: 'semver' },
    });
  });

  void it('skips values it cannot read, with a warning', () => {
    const { settings, warnings } = settingsFromEnvironment({ HADOLINT_FAILURE_THRESHOLD: 'high', HADOLINT_FORMAT: 'xml', HADOLINT_REQUIRE_LABELS: 'a:b' });
    assert.deepEqual(settings, {});
    assert.equal(warnings.length, 3);
  });

  void it('sets nothing for an empty environment', () => {
    assert.deepEqual(settingsFromEnvironment({}).settings, {});
  });
});

void describe('mergeSettings: defaults < config file < environment < flags', () => {
  void it('starts from hadolint\'s defaults', () => {
    const s = mergeSettings();
    assert.equal(s.failureThreshold, 'info');
    assert.equal(s.noFail, false);
    assert.equal(s, DEFAULT_SETTINGS);
  });

  void it('later single values win, unset ones keep earlier values', () => {
    const s = mergeSettings({ failureThreshold: 'warning', noFail: true, strictLabels: true }, { failureThreshold: 'error' }, { noFail: false });
    assert.equal(s.failureThreshold, 'error');
    assert.equal(s.noFail, false);
    assert.equal(s.strictLabels, true);
  });

  void it('lists add up without duplicates (case-insensitive codes)', () => {
    const s = mergeSettings({ ignored: ['DL3000'], trustedRegistries: ['docker.io'] }, { ignored: ['dl3000', 'DL3001'], trustedRegistries: ['ghcr.io', 'docker.io'] });
    assert.deepEqual(s.ignored, ['DL3000', 'DL3001']);
    assert.deepEqual(s.trustedRegistries, ['docker.io', 'ghcr.io']);
  });

  void it('a later override of the same code replaces the earlier one', () => {
    const s = mergeSettings({ override: { dl3008: 'error', dl3009: 'info' } }, { override: { DL3008: 'style' } });
    assert.deepEqual(s.override, { dl3008: 'style', dl3009: 'info' });
  });

  void it('label schemas merge per label', () => {
    const s = mergeSettings({ labelSchema: { a: 'text', b: 'url' } }, { labelSchema: { b: 'semver' } });
    assert.deepEqual(s.labelSchema, { a: 'text', b: 'semver' });
  });

  void it('a parsed file drives the engine: ignored codes and overrides apply', () => {
    const probe: Rule = {
      code: 'XT0001',
      family: 'berth',
      severity: 'warning',
      title: 'probe',
      doc: { why: 'test probe rule that reports every FROM', bad: 'FROM a', good: '' },
      check(ctx) { for (const inst of ctx.df.instructions) ctx.report(inst.range, 'probe'); },
    };
    const text = 'FROM alpine:3.20\n';
    const overridden = mergeSettings(parsedOk('override:\n  error: [XT0001]\n').config);
    assert.deepEqual(lintDockerfile({ text, rules: [probe], config: overridden }).findings.map((f) => f.severity), ['error']);
    const ignored = mergeSettings(parsedOk('ignored: [xt0001]\n').config);
    assert.deepEqual(lintDockerfile({ text, rules: [probe], config: ignored }).findings, []);
  });
});
