import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, lintDockerfile } from '../../../src/core/dockerfile/lint';
import { ALL_RULES } from '../../../src/core/dockerfile/rules/index';

// Every rule documents a bad and a good example; both are checked here, so the
// documentation can never drift from what the rule does.
describe('every rule: its documented examples', () => {
  for (const rule of ALL_RULES) {
    it(`${rule.code}: the bad example triggers it, the good one does not`, () => {
      const opts = { rules: [rule], options: { buildContext: rule.doc.context, ...rule.doc.options }, config: { ...DEFAULT_CONFIG, override: rule.defaultOff ? { [rule.code]: rule.severity } : {} } };
      const bad = lintDockerfile({ text: rule.doc.bad, ...opts }).findings.filter((f) => f.code === rule.code);
      assert.ok(bad.length > 0, `${rule.code} did not trigger on its bad example:\n${rule.doc.bad}`);
      const good = lintDockerfile({ text: rule.doc.good, ...opts }).findings.filter((f) => f.code === rule.code);
      assert.deepEqual(good.map((f) => f.message), [], `${rule.code} triggered on its good example`);
      assert.ok(rule.doc.why.length > 20, `${rule.code} needs a why`);
    });
  }
  it('rule codes are unique', () => {
    const codes = ALL_RULES.map((r) => r.code.toLowerCase());
    assert.equal(new Set(codes).size, codes.length);
  });
});
