import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MANIFEST_CHECKS, checkManifests } from '../../../src/core/k8s/manifestChecks';

// docs/k8s-checks.md is the reference users read: its examples must do what it says.
const DOC = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'k8s-checks.md'), 'utf8');

function section(code: string): string {
  const start = DOC.indexOf(`\n## ${code}: `);
  assert.ok(start >= 0, `docs/k8s-checks.md has no section for ${code}`);
  const next = DOC.indexOf('\n## ', start + 1);
  return DOC.slice(start, next < 0 ? DOC.length : next);
}

function example(text: string, heading: string): string {
  const match = new RegExp(`### ${heading}\\n\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\`\\n`).exec(text);
  assert.ok(match?.[1], `no yaml example under "### ${heading}"`);
  return match[1];
}

describe('docs/k8s-checks.md', () => {
  for (const check of MANIFEST_CHECKS) {
    it(`${check.code}: title, severity and examples match the checks`, () => {
      const text = section(check.code);
      assert.ok(text.startsWith(`\n## ${check.code}: ${check.title}\n`), text.split('\n')[1]);
      assert.ok(text.includes(`Default severity: **${check.severity}**.`));
      assert.ok(DOC.includes(`| ${check.code} | ${check.severity} | ${check.title} |`), 'summary table row');
      assert.ok(text.includes('### Why it matters'));
      const bad = checkManifests(example(text, 'Triggers on')).map((f) => f.code);
      assert.ok(bad.includes(check.code), `the bad example should trigger ${check.code}, got ${bad.join()}`);
      const good = checkManifests(example(text, 'Passes')).map((f) => f.code);
      assert.ok(!good.includes(check.code), `the good example should not trigger ${check.code}, got ${good.join()}`);
    });
  }

  it('documents no code that does not exist', () => {
    const documented = [...DOC.matchAll(/^## (BK\d{3}):/gm)].map((m) => m[1]);
    assert.deepEqual(documented, MANIFEST_CHECKS.map((c) => c.code));
  });
});
