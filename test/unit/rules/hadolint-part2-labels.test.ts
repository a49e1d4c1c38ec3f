import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { Finding, LintOptions, Rule } from '../../../src/core/dockerfile/rules/types';
import {
  DL3048, DL3049, DL3050, DL3051, DL3052, DL3053, DL3054, DL3055, DL3056, DL3058, isValidLabelKey, labelPairs,
} from '../../../src/core/dockerfile/rules/hadolint/part2/labels';
import {
  isValidEmail, isValidGitHash, isValidRfc3339, isValidSemver, isValidSpdx, isValidUrl,
} from '../../../src/core/dockerfile/rules/hadolint/part2/labelFormats';
import { parseDockerfile } from '../../../src/core/dockerfile/parser';

function run(rule: Rule, text: string, options: Partial<LintOptions> = {}): Finding[] {
  return lintDockerfile({ text, rules: [rule], options }).findings.filter((f) => f.code === rule.code);
}
const schema = (labelSchema: Record<string, string>, strictLabels = false): Partial<LintOptions> => ({ labelSchema, strictLabels });

describe('LABEL parsing', () => {
  it('reads key=value pairs with quotes and the legacy form', () => {
    const [inst] = parseDockerfile('LABEL a=1 "b.c"="two words" d=\'x\'').instructions;
    assert.ok(inst);
    assert.deepEqual(labelPairs(inst).map((p) => [p.key, p.value]), [['a', '1'], ['b.c', 'two words'], ['d', 'x']]);
    const [legacy] = parseDockerfile('LABEL description a long text').instructions;
    assert.ok(legacy);
    assert.deepEqual(labelPairs(legacy).map((p) => [p.key, p.value]), [['description', 'a long text']]);
  });
});

describe('DL3048 label keys', () => {
  it('accepts reverse-DNS lower-case keys', () => {
    for (const key of ['version', 'org.opencontainers.image.source', 'com.example.some-key', 'a1']) assert.ok(isValidLabelKey(key), key);
  });
  it('rejects upper case, bad ends, bad characters, reserved namespaces, doubled separators', () => {
    for (const key of ['Version', '1abc', 'abc.', 'abc-', 'a_b', 'com.docker.x', 'io.docker.y', 'org.dockerproject.z', 'a..b', 'a--b', '']) {
      assert.ok(!isValidLabelKey(key), key);
    }
  });
  it('reports each invalid key on the key itself', () => {
    const found = run(DL3048, 'FROM a:1\nLABEL ok=1 Bad=2 "also_bad"=3');
    assert.equal(found.length, 2);
    assert.deepEqual(found[0]?.range, { start: { line: 1, col: 11 }, end: { line: 1, col: 14 } });
  });
});

describe('DL3049 missing labels', () => {
  it('does nothing without a schema', () => {
    assert.deepEqual(run(DL3049, 'FROM a:1\nRUN x'), []);
  });
  it('reports each missing schema label at the FROM of image stages', () => {
    const found = run(DL3049, 'FROM a:1\nLABEL version=1', schema({ version: 'text', owner: 'text' }));
    assert.deepEqual(found.map((f) => [f.message, f.range.start.line]), [['Label `owner` is missing.', 0]]);
  });
  it('counts labels inherited through FROM <stage> and skips build stages (deviation)', () => {
    const opts = schema({ version: 'text' });
    assert.deepEqual(run(DL3049, 'FROM a:1 AS base\nLABEL version=1\nFROM base\nRUN x', opts), []);
    assert.deepEqual(run(DL3049, 'FROM a:1 AS build\nRUN make\nFROM b:1\nCOPY --from=build /x /x\nLABEL version=1', opts), []);
    assert.deepEqual(run(DL3049, 'FROM a:1 AS base\nFROM base\nLABEL version=1', opts), []);
    assert.deepEqual(run(DL3049, 'FROM a:1 AS one\nLABEL version=1\nFROM b:1\nRUN x', opts).map((f) => f.range.start.line), [2]);
  });
});

describe('DL3050 strict labels', () => {
  it('reports labels outside the schema only with strict-labels', () => {
    assert.deepEqual(run(DL3050, 'FROM a:1\nLABEL team=x', schema({ version: 'text' })), []);
    assert.equal(run(DL3050, 'FROM a:1\nLABEL version=1 team=x other=y', schema({ version: 'text' }, true)).length, 1);
    assert.equal(run(DL3050, 'FROM a:1\nLABEL anything=x', schema({}, true)).length, 1);
    assert.deepEqual(run(DL3050, 'FROM a:1\nLABEL version=1', schema({ version: 'text' }, true)), []);
  });
});

describe('DL3051 empty labels', () => {
  it('reports empty schema labels with hadolint\'s lower-case message', () => {
    const found = run(DL3051, 'FROM a:1\nLABEL version="" other=""', schema({ version: 'text' }));
    assert.deepEqual(found.map((f) => f.message), ['label `version` is empty.']);
    assert.deepEqual(run(DL3051, 'FROM a:1\nLABEL version=1', schema({ version: 'text' })), []);
  });
});

describe('label format rules', () => {
  const cases: [Rule, string, string, string][] = [
    [DL3052, 'url', 'https://example.com/docs?a=1#x', 'example.com/docs'],
    [DL3053, 'rfc3339', '2024-02-29T23:59:60.5+01:00', '2023-02-29T10:00:00Z'],
    [DL3054, 'spdx', 'Apache-2.0', 'Apache 2'],
    [DL3055, 'hash', '4f2c9e1', 'main'],
    [DL3056, 'semver', '1.0.0-rc.1+build.5', 'v1.0'],
    [DL3058, 'email', 'payments@example.com', 'payments at example'],
  ];
  for (const [rule, type, good, bad] of cases) {
    it(`${rule.code} checks ${type} labels`, () => {
      const opts = schema({ lbl: type });
      assert.deepEqual(run(rule, `FROM a:1\nLABEL lbl="${good}"`, opts), []);
      const [f] = run(rule, `FROM a:1\nLABEL lbl="${bad}" other="${bad}"`, opts);
      assert.ok(f?.message.startsWith('Label `lbl` '), f?.message);
      assert.equal(run(rule, `FROM a:1\nLABEL lbl="${bad}" other="${bad}"`, opts).length, 1);
      // Other types of the schema are not this rule's business.
      assert.deepEqual(run(rule, `FROM a:1\nLABEL lbl="${bad}"`, schema({ lbl: 'text' })), []);
    });
  }
  it('uses the messages hadolint prints', () => {
    assert.equal(run(DL3053, 'FROM a:1\nLABEL t=x', schema({ t: 'rfc3339' }))[0]?.message, 'Label `t` is not a valid time format - must be conform to RFC3339.');
    assert.equal(run(DL3058, 'FROM a:1\nLABEL t=x', schema({ t: 'email' }))[0]?.message, 'Label `t` is not a valid email format - must be conform to RFC5322.');
    assert.equal(run(DL3054, 'FROM a:1\nLABEL t=x', schema({ t: 'spdx' }))[0]?.message, 'Label `t` is not a valid SPDX identifier.');
  });
});

describe('label format validators', () => {
  it('URL', () => {
    for (const v of ['https://example.com', 'http://user@host:8080/p?q#f', 'mailto:a@b.c', 'urn:isbn:0451450523', 'http://[::1]:80/']) assert.ok(isValidUrl(v), v);
    for (const v of ['', 'example.com', 'http://exa mple.com', 'https://x/%zz', 'http://host:port/', '1http://x']) assert.ok(!isValidUrl(v), v);
  });
  it('RFC 3339', () => {
    for (const v of ['2024-05-01T12:30:00Z', '2024-05-01t12:30:00.123456-07:00', '2000-02-29T00:00:00Z']) assert.ok(isValidRfc3339(v), v);
    for (const v of ['2024-05-01', '2024-13-01T00:00:00Z', '1900-02-29T00:00:00Z', '2024-05-01T24:00:00Z', '2024-05-01 12:30:00Z', '2024-05-01T12:30:00+25:00']) {
      assert.ok(!isValidRfc3339(v), v);
    }
  });
  it('semver', () => {
    for (const v of ['0.0.0', '1.2.3', '1.2.3-alpha.1', '1.2.3+sha.abc', '10.20.30-0a.b-c']) assert.ok(isValidSemver(v), v);
    for (const v of ['1.2', 'v1.2.3', '01.2.3', '1.2.3-01', '1.2.3-', '1.2.3+']) assert.ok(!isValidSemver(v), v);
  });
  it('git hash (SHA-256 accepted: deviation)', () => {
    assert.ok(isValidGitHash('a'.repeat(40), false));
    assert.ok(isValidGitHash('b'.repeat(64), true));
    assert.ok(!isValidGitHash('b'.repeat(64), false));
    assert.ok(!isValidGitHash('ABCDEF1', true));
    assert.ok(!isValidGitHash('abcdef', true));
  });
  it('SPDX identifiers and expressions (expressions: deviation)', () => {
    for (const v of ['MIT', 'mit', 'GPL-2.0-or-later', 'GPL-2.0+', 'MIT OR Apache-2.0', '(MIT AND BSD-3-Clause) or ISC',
      'GPL-2.0-only WITH Classpath-exception-2.0', 'LicenseRef-Proprietary']) assert.ok(isValidSpdx(v), v);
    for (const v of ['', 'Apache 2', 'MIT OR', '(MIT', 'MIT WITH Nothing-1.0', 'AND MIT']) assert.ok(!isValidSpdx(v), v);
  });
  it('email', () => {
    for (const v of ['a@b.c', 'first.last+tag@example.co.uk', '"john doe"@example.com', 'x@[192.0.2.1]', 'root@localhost']) assert.ok(isValidEmail(v), v);
    for (const v of ['', 'plain', 'a@', '@b.c', 'a..b@c.d', 'a b@c.d', 'a@b..c']) assert.ok(!isValidEmail(v), v);
  });
});
