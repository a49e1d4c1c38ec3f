import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../src/core/dockerfile/parser';
import { ignoreOnLineFix } from '../../src/core/dockerfile/pragmaFix';
import { applyEdits } from '../../src/core/dockerfile/edits';

describe('ignore-on-this-line fix', () => {
  it('inserts a hadolint pragma above the instruction, keeping indentation', () => {
    const text = 'FROM debian:12\n  RUN apt-get install -y curl \\\n    wget\n';
    const df = parseDockerfile(text);
    const fix = ignoreOnLineFix(df, 2, 'DL3008');
    assert.ok(fix);
    assert.equal(applyEdits(text, fix.edits), 'FROM debian:12\n  # hadolint ignore=DL3008\n  RUN apt-get install -y curl \\\n    wget\n');
  });
  it('adds the code to an existing pragma instead of stacking a second one', () => {
    const text = 'FROM debian:12\n# hadolint ignore=DL3015\nRUN apt-get install -y curl\n';
    const fix = ignoreOnLineFix(parseDockerfile(text), 2, 'DL3008');
    assert.ok(fix);
    assert.equal(applyEdits(text, fix.edits), 'FROM debian:12\n# hadolint ignore=DL3015,DL3008\nRUN apt-get install -y curl\n');
  });
  it('the pragma it writes silences the finding in the engine', async () => {
    const { lintDockerfile } = await import('../../src/core/dockerfile/lint');
    const text = 'FROM debian:12\nRUN apt-get install -y curl\n';
    const rule = { code: 'XT001', family: 'berth' as const, severity: 'warning' as const, title: 't', doc: { why: 'w', bad: '', good: '' },
      check(ctx: import('../../src/core/dockerfile/rules/types').RuleContext) { for (const i of ctx.df.instructions) if (i.keyword === 'RUN') ctx.report(i.range, 'run'); } };
    assert.equal(lintDockerfile({ text, rules: [rule] }).findings.length, 1);
    const fix = ignoreOnLineFix(parseDockerfile(text), 1, 'XT001');
    assert.ok(fix);
    assert.equal(lintDockerfile({ text: applyEdits(text, fix.edits), rules: [rule] }).findings.length, 0);
  });
  it('returns nothing for a line outside any instruction', () => {
    assert.equal(ignoreOnLineFix(parseDockerfile('# only a comment\n'), 0, 'DL3008'), undefined);
  });
});
