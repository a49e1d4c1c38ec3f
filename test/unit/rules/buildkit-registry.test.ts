import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import { buildkitRules } from '../../../src/core/dockerfile/rules/buildkit/index';
import { findRule } from '../../../src/core/dockerfile/rules/index';

// The names BuildKit uses (frontend/dockerfile/linter/ruleset.go), which `# check=skip=` refers to.
const BUILDKIT_NAMES = [
  'StageNameCasing', 'FromAsCasing', 'NoEmptyContinuation', 'ConsistentInstructionCasing', 'DuplicateStageName',
  'ReservedStageName', 'JSONArgsRecommended', 'MaintainerDeprecated', 'UndefinedArgInFrom', 'WorkdirRelativePath',
  'UndefinedVar', 'MultipleInstructionsDisallowed', 'LegacyKeyValueFormat', 'InvalidBaseImagePlatform',
  'RedundantTargetPlatform', 'SecretsUsedInArgOrEnv', 'InvalidDefaultArgInFrom', 'FromPlatformFlagConstDisallowed',
  'CopyIgnoredFile', 'InvalidDefinitionDescription', 'ExposeProtoCasing', 'ExposeInvalidFormat',
];

void describe('BuildKit build checks: the set', () => {
  void it('has exactly the 22 BuildKit checks, under their own names', () => {
    assert.deepEqual([...buildkitRules.map((r) => r.code)].sort(), [...BUILDKIT_NAMES].sort());
  });
  void it('belong to the buildkit family and are findable case-insensitively', () => {
    for (const rule of buildkitRules) {
      assert.equal(rule.family, 'buildkit');
      assert.equal(findRule(rule.code.toLowerCase()), rule);
    }
  });
  void it('are warnings, except the experimental description check', () => {
    for (const rule of buildkitRules) assert.equal(rule.severity, rule.code === 'InvalidDefinitionDescription' ? 'info' : 'warning', rule.code);
  });
});

void describe('BuildKit build checks: # check= directive', () => {
  const text = 'FROM alpine AS Build\nMAINTAINER me\n';
  void it('reports both checks by default', () => {
    const codes = lintDockerfile({ text, rules: buildkitRules }).findings.map((f) => f.code).sort();
    assert.deepEqual(codes, ['MaintainerDeprecated', 'StageNameCasing']);
  });
  void it('skips named checks and turns the rest into errors', () => {
    const findings = lintDockerfile({ text: `# check=skip=StageNameCasing;error=true\n${text}`, rules: buildkitRules }).findings;
    assert.deepEqual(findings.map((f) => [f.code, f.severity]), [['MaintainerDeprecated', 'error']]);
  });
});

void describe('BuildKit build checks: robustness', () => {
  const awkward = [
    '', 'FROM', 'FROM --platform= AS', 'ARG\nFROM $', 'FROM a AS\nCOPY', 'FROM alpine\nENV\nLABEL\nEXPOSE :\nEXPOSE /tcp\nWORKDIR\n',
    'FROM alpine\nRUN a \\\n', 'FROM alpine\nCOPY <<EOF\n', 'ONBUILD\nFROM x\nONBUILD ONBUILD RUN x', 'FROM x\nCOPY --from= a b\nRUN --mount=from= x',
    '# escape=`\nFROM x\nRUN a `\n\n  b\nWORKDIR c:\\x', 'FROM ${A:-${B}}\nEXPOSE ${P:?no}\nUSER ${',
  ];
  for (const text of awkward) {
    void it(`never throws on ${JSON.stringify(text)}`, () => {
      const findings = lintDockerfile({ text, rules: buildkitRules, options: { buildContext: { dockerignore: '*\n' } } }).findings;
      assert.equal(findings.filter((f) => f.code === 'BT000').map((f) => f.message).join('\n'), '');
    });
  }
});
