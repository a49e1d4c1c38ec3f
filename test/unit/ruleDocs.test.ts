import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ALL_RULES } from '../../src/core/dockerfile/rules/index';
import { renderRuleDoc, renderRuleIndex, upstreamUrl } from '../../src/core/dockerfile/ruleDocs';

describe('rule documentation pages', () => {
  it('every rule has an up-to-date page in docs/rules (run `npm run docs`)', () => {
    const stale = ALL_RULES.filter((r) => !existsSync(`docs/rules/${r.code}.md`) || readFileSync(`docs/rules/${r.code}.md`, 'utf8') !== renderRuleDoc(r));
    assert.deepEqual(stale.map((r) => r.code), []);
    assert.equal(readFileSync('docs/rules/README.md', 'utf8'), renderRuleIndex(ALL_RULES));
  });
  it('links BuildKit checks to Docker docs with kebab-case slugs', () => {
    const fake = { code: 'StageNameCasing', family: 'buildkit' as const, severity: 'warning' as const, title: 't', doc: { why: '', bad: '', good: '' }, check() { /* none */ } };
    assert.equal(upstreamUrl(fake), 'https://docs.docker.com/reference/build-checks/stage-name-casing/');
    assert.equal(upstreamUrl({ ...fake, code: 'JSONArgsRecommended' }), 'https://docs.docker.com/reference/build-checks/json-args-recommended/');
  });
});
