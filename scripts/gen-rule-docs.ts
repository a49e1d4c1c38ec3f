// Writes docs/rules/<code>.md for every rule and the index page, from the rules' own
// metadata. test/unit/ruleDocs.test.ts fails when the committed pages are stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { ALL_RULES } from '../src/core/dockerfile/rules/index';
import { renderRuleDoc, renderRuleIndex } from '../src/core/dockerfile/ruleDocs';

const dir = 'docs/rules';
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) if (name.endsWith('.md')) rmSync(`${dir}/${name}`);
for (const rule of ALL_RULES) writeFileSync(`${dir}/${rule.code}.md`, renderRuleDoc(rule));
writeFileSync(`${dir}/README.md`, renderRuleIndex(ALL_RULES));
console.log(`wrote ${ALL_RULES.length} rule pages to ${dir}`);
