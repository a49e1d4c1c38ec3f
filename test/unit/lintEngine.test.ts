import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, lintDockerfile, MAX_LINT_BYTES } from '../../src/core/dockerfile/lint';
import type { Rule, RuleContext } from '../../src/core/dockerfile/rules/types';

// A rule that reports every RUN, to observe what the engine does around rules.
function everyRun(code = 'XT001', family: Rule['family'] = 'berth', extra: Partial<Rule> = {}): Rule {
  return {
    code, family, severity: 'warning', title: 'every RUN', doc: { why: 'test', bad: '', good: '' },
    check(ctx: RuleContext) { for (const i of ctx.df.instructions) if (i.keyword === 'RUN') ctx.report(i.range, `run at ${i.range.start.line}`); },
    ...extra,
  };
}
const codes = (text: string, rules: Rule[], config = DEFAULT_CONFIG): string[] => lintDockerfile({ text, rules, config }).findings.map((f) => `${f.code}@${f.range.start.line}`);

describe('lint engine', () => {
  it('an ignore pragma silences the next instruction only, even with a trailing comment and comments between', () => {
    const text = 'FROM scratch\n# hadolint ignore=XT001 # we need it\n# another comment\nRUN a\nRUN b\n';
    assert.deepEqual(codes(text, [everyRun()]), ['XT001@4']);
  });
  it('a pragma covers a multi-line instruction wherever the finding sits in it', () => {
    const rule = everyRun('XT002', 'berth', { check(ctx) { for (const i of ctx.df.instructions) if (i.keyword === 'RUN') ctx.report({ start: { line: i.range.end.line, col: 0 }, end: { line: i.range.end.line, col: 1 } }, 'last line'); } });
    assert.deepEqual(codes('FROM scratch\n# hadolint ignore=XT002\nRUN a \\\n  && b\n', [rule]), []);
  });
  it('a global pragma silences the rule everywhere; disable-ignore-pragma turns pragmas off', () => {
    const text = '# hadolint global ignore=XT001\nFROM scratch\nRUN a\nRUN b\n';
    assert.deepEqual(codes(text, [everyRun()]), []);
    assert.equal(codes(text, [everyRun()], { ...DEFAULT_CONFIG, disableIgnorePragma: true }).length, 2);
  });
  it('rules shipped off report only when the configuration gives them a level', () => {
    const off = everyRun('XT003', 'hadolint', { defaultOff: true });
    assert.deepEqual(codes('FROM scratch\nRUN a\n', [off]), []);
    assert.deepEqual(codes('FROM scratch\nRUN a\n', [off], { ...DEFAULT_CONFIG, override: { xt003: 'error' } }), ['XT003@1']);
  });
  it('severity overrides and ignored codes are case-insensitive', () => {
    const r = lintDockerfile({ text: 'FROM scratch\nRUN a\n', rules: [everyRun()], config: { ...DEFAULT_CONFIG, override: { xt001: 'error' } } });
    assert.equal(r.findings[0]?.severity, 'error');
    assert.deepEqual(codes('FROM scratch\nRUN a\n', [everyRun()], { ...DEFAULT_CONFIG, ignored: ['xt001'] }), []);
  });
  it("BuildKit's # check directive skips build checks and can make them errors", () => {
    const bk = everyRun('SomeCheck', 'buildkit');
    assert.deepEqual(codes('# check=skip=somecheck\nFROM scratch\nRUN a\n', [bk]), []);
    assert.deepEqual(codes('# check=skip=all\nFROM scratch\nRUN a\n', [bk]), []);
    const r = lintDockerfile({ text: '# check=error=true\nFROM scratch\nRUN a\n', rules: [bk, everyRun()] });
    assert.deepEqual(r.findings.map((f) => `${f.code}:${f.severity}`).sort(), ['SomeCheck:error', 'XT001:warning']);
  });
  it('caps findings and says how many were left out', () => {
    const text = `FROM scratch\n${'RUN a\n'.repeat(30)}`;
    const r = lintDockerfile({ text, rules: [everyRun()], config: { ...DEFAULT_CONFIG, maxFindings: 10 } });
    assert.equal(r.findings.length, 11);
    assert.equal(r.omitted, 20);
    assert.match(r.findings[10]?.message ?? '', /20 more findings were not shown/);
  });
  it('a crashing rule becomes a finding; the other rules still run', () => {
    const broken: Rule = { ...everyRun('XT009'), check() { throw new Error('boom'); } };
    const r = lintDockerfile({ text: 'FROM scratch\nRUN a\n', rules: [broken, everyRun()] });
    assert.deepEqual(r.findings.map((f) => f.code).sort(), ['BT000', 'XT001']);
    assert.match(r.findings.find((f) => f.code === 'BT000')?.message ?? '', /XT009: boom/);
  });
  it('binary content gets one finding and no rule runs', () => {
    const r = lintDockerfile({ text: `FROM scratch\u0000\u0001${'\ufffd'.repeat(50)}`, rules: [everyRun()] });
    assert.equal(r.binary, true);
    assert.deepEqual(r.findings.map((f) => f.code), ['BT001']);
  });
  it('a file above the size limit is not linted and says so', () => {
    const r = lintDockerfile({ text: `FROM scratch\n${'#'.repeat(MAX_LINT_BYTES)}`, rules: [everyRun()] });
    assert.deepEqual(r.findings.map((f) => f.code), ['BT002']);
  });
  it('parse problems are DL1000 errors: unknown instruction, unterminated heredoc, no FROM', () => {
    const r = lintDockerfile({ text: 'FROM scratch\nFROB x\nRUN <<EOF\necho never closed\n', rules: [] });
    const messages = r.findings.filter((f) => f.code === 'DL1000').map((f) => f.message);
    assert.ok(messages.some((m) => /Unknown instruction: FROB/.test(m)));
    assert.ok(messages.some((m) => /Unterminated heredoc/.test(m)));
    assert.ok(lintDockerfile({ text: 'RUN echo\n', rules: [] }).findings.some((f) => /no FROM/.test(f.message)));
  });
  it('a byte-order mark does not break the first instruction', () => {
    assert.deepEqual(lintDockerfile({ text: '\ufeffFROM scratch\n', rules: [] }).findings, []);
  });
});
