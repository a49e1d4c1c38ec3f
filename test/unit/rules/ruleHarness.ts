// Helpers shared by the rule tests: lint with one rule, and apply a finding's fix.
import assert from 'node:assert/strict';
import { applyEdits } from '../../../src/core/dockerfile/edits';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { Finding, Rule } from '../../../src/core/dockerfile/rules/types';

/** The findings of `rule` alone on `text`. */
export function lint(rule: Rule, text: string): Finding[] {
  return lintDockerfile({ text, rules: [rule] }).findings.filter((f) => f.code === rule.code);
}

/** The text after applying the first fix of the `index`-th finding (which must exist and offer a fix). */
export function fixed(rule: Rule, text: string, index = 0): string {
  const finding = lint(rule, text)[index];
  assert.ok(finding, `${rule.code} did not trigger on:\n${text}`);
  const fix = finding.fixes[0];
  assert.ok(fix, `${rule.code} offered no fix`);
  return applyEdits(text, fix.edits);
}
