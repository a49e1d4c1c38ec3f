import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import { parseDockerfile } from '../../../src/core/dockerfile/parser';
import type { Finding, Rule } from '../../../src/core/dockerfile/rules/types';
import { berthRules } from '../../../src/core/dockerfile/rules/berth/index';
import { applyEdits } from '../../../src/core/dockerfile/edits';

// The corpus lives beside the repository (../shared), as on CI; BERTH_CORPUS overrides.
const CORPUS = process.env.BERTH_CORPUS ?? resolve(__dirname, '../../../../shared/data/dockerfiles');

function corpusFiles(): { name: string; text: string }[] {
  if (!existsSync(CORPUS)) return [];
  const out: { name: string; text: string }[] = [];
  for (const dir of readdirSync(CORPUS)) {
    const path = join(CORPUS, dir);
    if (dir.endsWith('.md')) continue;
    for (const file of readdirSync(path)) out.push({ name: `${dir}/${file}`, text: readFileSync(join(path, file), 'utf8') });
  }
  return out;
}

/** Every fix must apply cleanly, leave a parseable file, and make its finding go away. */
function checkFixes(name: string, text: string, rule: Rule, finding: Finding): void {
  for (const fix of finding.fixes) {
    const ranges = fix.edits.map((e) => e.range).sort((a, b) => a.start.line - b.start.line || a.start.col - b.start.col);
    for (let k = 1; k < ranges.length; k++) {
      const prev = ranges[k - 1];
      const cur = ranges[k];
      assert.ok(prev && cur && (prev.end.line < cur.start.line || (prev.end.line === cur.start.line && prev.end.col <= cur.start.col)), `${name}: overlapping edits in "${fix.title}"`);
    }
    const after = applyEdits(text, fix.edits);
    assert.deepEqual(parseDockerfile(after).problems.map((p) => p.message), parseDockerfile(text).problems.map((p) => p.message), `${name}: "${fix.title}" broke the file:\n${after}`);
    const before = lintDockerfile({ text, rules: [rule] }).findings.filter((f) => f.message === finding.message).length;
    const remaining = lintDockerfile({ text: after, rules: [rule] }).findings.filter((f) => f.message === finding.message).length;
    assert.ok(remaining < before, `${name}: "${fix.title}" did not fix "${finding.message}":\n${after}`);
  }
}

describe('Berth rules on the corpus of real Dockerfiles', () => {
  it('the corpus is there (set BERTH_CORPUS when it lives elsewhere)', () => {
    assert.ok(existsSync(CORPUS), `no corpus at ${CORPUS}`);
    assert.ok(corpusFiles().length > 200);
  });
  const files = corpusFiles();

  it('lints every file without an internal error, with ranges inside the file', () => {
    assert.ok(files.length >= 250);
    for (const { name, text } of files) {
      const result = lintDockerfile({ text, rules: berthRules, options: { buildContext: { dockerignore: undefined } } });
      assert.deepEqual(result.findings.filter((f) => f.code === 'BT000').map((f) => f.message), [], name);
      const lines = text.split('\n');
      for (const f of result.findings) {
        assert.ok(f.range.start.line < lines.length && f.range.end.line < lines.length, `${name}: ${f.code} out of range`);
        assert.ok(f.range.start.line < f.range.end.line || f.range.start.col <= f.range.end.col, `${name}: ${f.code} inverted range`);
      }
    }
  });

  it('offers only fixes that apply cleanly and remove their finding', () => {
    let checked = 0;
    for (const { name, text } of files) {
      for (const rule of berthRules) {
        for (const f of lintDockerfile({ text, rules: [rule] }).findings) {
          if (f.fixes.length === 0) continue;
          checkFixes(name, text, rule, f);
          checked++;
        }
      }
    }
    assert.ok(checked > 0);
  });

  it('stays quiet on well-known good practice: no unused-stage or late-cleanup reports on this corpus', () => {
    for (const { name, text } of files) {
      const codes = lintDockerfile({ text, rules: berthRules }).findings.map((f) => f.code);
      // Every unused stage in these files is a --target stage (dev-envs, development) with a CMD.
      assert.ok(!codes.includes('BT204'), `${name}: BT204`);
      // The dev containers clean up in the RUN that installs; copied helper scripts are too small to matter.
      if (name.startsWith('devcontainers')) assert.ok(!codes.includes('BT101') && !codes.includes('BT201'), `${name}: ${codes.join(',')}`);
    }
  });
});

describe('Berth rules: fixes of the documented bad examples', () => {
  for (const rule of berthRules) {
    it(`${rule.code}: every fix of the bad example applies and clears its finding`, () => {
      const opts = { rules: [rule], options: { buildContext: rule.doc.context } };
      for (const f of lintDockerfile({ text: rule.doc.bad, ...opts }).findings) checkFixes(`${rule.code} doc`, rule.doc.bad, rule, f);
    });
  }
});
