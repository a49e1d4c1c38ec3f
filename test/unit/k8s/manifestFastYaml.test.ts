import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { readFastDocument } from '../../../src/core/k8s/fastYaml';

/**
 * The fast reader must build exactly what the `yaml` package builds, or give up. Scalars and
 * keys are compared with their values and offsets; collections with their start, and with an
 * end that may differ only by the trailing comments and blank lines each parser counts in.
 */
function describeNode(node: unknown, text: string): unknown {
  if (isMap(node) || isSeq(node)) {
    const range = node.range ?? [0, 0, 0];
    return {
      type: isMap(node) ? 'map' : 'seq',
      flow: node.flow === true,
      start: range[0],
      end: text.slice(0, range[1]).replace(/(?:[ \t\r\n]|#[^\n]*)*$/, '').length,
      items: node.items.map((item: unknown) => (isPair(item) ? [describeNode(item.key, text), describeNode(item.value, text)] : describeNode(item, text))),
    };
  }
  if (isScalar(node)) {
    const value: unknown = node.value;
    return { type: 'scalar', value: value instanceof Date ? value.toISOString() : value, start: node.range?.[0], end: node.range?.[1] };
  }
  return node === null || node === undefined ? null : 'other';
}

type Outcome = 'fast' | 'fallback';

/** Reads a document both ways; fails the test when the fast reader accepts it and differs. */
function compare(text: string): Outcome {
  const fast = readFastDocument(text);
  const docs = parseAllDocuments(text, { version: '1.1', prettyErrors: false });
  if (!fast) return 'fallback';
  const errors = Array.from(docs).flatMap((d) => d.errors.map((e) => e.code));
  assert.deepEqual(errors, [], `the fast reader accepted invalid YAML:\n${text}`);
  assert.ok(docs.length <= 1, `one document expected:\n${text}`);
  const reference = docs[0]?.contents;
  const expected = reference === undefined || (isScalar(reference) && reference.value === null) ? null : describeNode(reference, text);
  assert.deepEqual(describeNode(fast.contents, text), expected, text);
  return 'fast';
}

const FIXTURES = join(__dirname, 'fixtures');

describe('readFastDocument: same nodes as the yaml package', () => {
  const handled = [
    'a: 1\n', 'a:\n  b: x\n\n# tail\n\nc: 2', '- \n- x\n', 'k:\n- a\n- b\nz: 1\n', '---\na: b\n', '--- # hi\na: b\n',
    'a: {x: 1, y: [a, "b"]}  # c\n', 'x: 0777\nz: 1_000\nw: 2001-12-14\nv: on\n', 'a: |\n  x\n\n  y\n\n\nb: 1\n',
    'a: |-\n  x\n  # not a comment\nb: 2\n', 'a:   \nb:\n', '-\n- a\n', 'a: "x"   \nb: \'it\'\'s\'\n', 'a: x\r\nb:\r\n  - 1\r\n',
    'a:\n  - name: x\n    image: y\n  - name: z\n', 'a:\n- - 1\n  - 2\n- 3\n', 'key: value # comment\nurl: http://x.y/z#frag\n',
    'a: [1, 2,]\n', 'a: { }\n', 'a: []\n', 'a: -1\nb: .5\nc: 1e3\nd: 1:20\n', '\'quoted key\': 1\n"dq": 2\n', 'a:\n  - x\n  -  y\n',
    'a: |\n\n  x\n', '- |\n  x\n- y\n', 'a:\n  - |-\n    script\n    more\n  - z\n', 'a: ~\nb: null\nc: Null\n', 'a: true\nb: Yes\nc: off\nd: False\ne: n\n',
    'a: 0x1F\nb: 0b11\nc: +12\n', 'a: \'x\'\'y\'\'z\'\n', 'a: ""\nb: \'\'\n', '# only comment\n', '', '  a: 1\n  b: 2\n',
    'a:\n    b: 1\n    c:\n      - 1\n      - 2\n', 'a: ["--port", "80"]\n', 'a: {cpu: 50m, memory: 64Mi}\n', 'a: [{x: 1}, {y: [2]}]\n',
    'a: x:y\n', 'a: x :y\n', 'a: b # c\n  # d\n', 'a:\n  # c\n  b: 1\n', 'a: |\n  x\n# c\nb: 1\n', 'a: |\n  x\n  \n  y\n',
    'a:\n  - b: 1\n    c: 2\n  - d: 3\n', '-   a: 1\n    b: 2\n', '- - - x\n', 'a: b,c\n', 'a: [b c]\n', 'a: {b: c d}\n', '-\n  a: 1\n',
    '- # c\n  a: 1\n', 'a:\n\n  b: 1\n', 'a: 1 #c\n', 'a: 1#c\n', 'y: 1\nn: 2\n', '1: a\n2.5: b\n', 'Fast: false\nfalse: x\nOn: 0\n',
    // kubectl's managedFields and timestamps.
    'f:spec:\n  k:{"name":"web"}:\n    .: {}\n    f:image: {}\ntime: 2024-05-01T10:00:00Z\n',
  ];
  for (const text of handled) {
    it(`reads ${JSON.stringify(text).slice(0, 60)} itself`, () => { assert.equal(compare(text), 'fast'); });
  }

  const leftToYaml = [
    'a: b: c\n', 'a: [a: b]\n', 'a: {b}\n', 'a: b\n  c: d\n', 'a:\n  b: 1\n c: 2\n', 'a: 1\na: 2\n', 'a: x\n   y\n', 'a: |\n  x\n  y',
    'a: |\n    x\n  y\n', '? a\n: b\n', 'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: >\n  x\n', 'a: |+\n  x\n', 'a: "x\\ny"\n', 'a:\tb\n',
    '%YAML 1.1\n---\na: 1\n', 'a: 1\n...\n', '- a\nb: 1\n', 'a:\n- b\n  c: 1\n', 'a: \'x\n  y\'\n', 'a: [x,\n  y]\n', 'a: - b\n', 'a: ,b\n',
    'a: "b"c\n', 'a: [b]c\n', 'null: 1\n', 'Off: 1\nfalse: 2\n', '<<: {a: 1}\n', '{a: 1}: b\n', 'a: 2001-12-14: x\n', `${'k'.repeat(1100)}: v\n`,
  ];
  for (const text of leftToYaml) {
    it(`leaves ${JSON.stringify(text).slice(0, 60)} to the yaml package`, () => { assert.equal(compare(text), 'fallback'); });
  }

  it('reads every document of the rendered chart fixtures itself', () => {
    for (const name of ['shop-rendered-helm3.yaml', 'shop-rendered-helm4.yaml']) {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      const chunks = text.split(/^(?=---\n)/m).filter((c) => c.trim() !== '');
      assert.ok(chunks.length >= 7);
      for (const chunk of chunks) assert.equal(compare(chunk), 'fast', chunk);
    }
  });

  it('agrees with the yaml package on randomly written documents', () => {
    let seed = 20261122;
    const random = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const pick = <T>(items: readonly T[]): T => items[random(items.length)] as T;
    const keys = ['a', 'name', 'image', 'y', 'on', '1', 'app.kubernetes.io/name', 'x y', '-x', 'x:y', 'b#c', '~', 'Off', '.dockerconfigjson', '"q k"', '\'s k\''];
    const scalars = [
      'nginx:1.27', '100m', '128Mi', '0777', '08', '1_000', '2001-12-14', 'on', 'yes', 'No', 'null', '~', '', 'a # b', 'a#b', 'http://x/y', 'x: y',
      '- a', '[a]', '{a: 1}', '*a', '&a x', '!a', '|', '>', '%x', '@x', '`x', '"q"', '\'s\'', '"a\\"b"', '\'it\'\'s\'', '.5', '-1', '+1', '.inf',
      '1e3', '1:20', '0x1F', '0b101', 'true', 'FALSE', 'ünïcode', 'a, b', 'a: ', '-', '?x', ':x', '"unclosed', '[1, 2', '{a: [b, c]}', '[]', '{}',
    ];
    const comment = (): string => (random(5) === 0 ? `${' '.repeat(1 + random(2))}# ${pick(['c', 'note: x', '- y'])}` : '');
    const write = (depth: number, indent: number, step: number): string[] => {
      const pad = ' '.repeat(indent);
      const lines: string[] = [];
      const kind = depth > 2 ? 2 : random(3);
      const count = 1 + random(4);
      for (let i = 0; i < count; i++) {
        if (random(8) === 0) lines.push(random(2) === 0 ? '' : `${' '.repeat(random(indent + 3))}# comment`);
        const nested = depth < 3 && random(3) === 0;
        const head = kind === 0 ? `${pad}- ` : `${pad}${pick(keys)}:`;
        if (nested) {
          const inner = write(depth + 1, kind === 0 && random(2) === 0 ? indent + 2 : indent + step, step);
          if (kind === 0 && random(2) === 0 && inner[0] !== undefined) {
            lines.push(`${head}${inner[0].trimStart()}`, ...inner.slice(1));
          } else {
            lines.push(`${head.trimEnd()}${comment()}`, ...inner);
          }
        } else if (random(10) === 0) {
          lines.push(`${head}${kind === 0 ? '' : ' '}|${random(2) === 0 ? '-' : ''}`, `${pad}${' '.repeat(step)}${pick(scalars)}`, `${pad}${' '.repeat(step)}${pick(scalars)}`);
        } else {
          const value = random(4) === 0 ? `[${pick(scalars)}, ${pick(scalars)}]` : pick(scalars);
          lines.push(`${head}${kind === 0 ? '' : ' '.repeat(1 + random(2))}${value}${comment()}`);
        }
      }
      return lines;
    };
    const outcomes: Record<Outcome, number> = { fast: 0, fallback: 0 };
    for (let round = 0; round < 3000; round++) {
      const step = 2 + random(3);
      let text = `${write(0, 0, step).join('\n')}${random(4) === 0 ? '' : '\n'}`;
      if (random(10) === 0) text = text.replace(/\n/g, '\r\n');
      if (random(10) === 0) text = `---\n${text}`;
      outcomes[compare(text)]++;
    }
    // Enough random documents are inside the subset for the comparison to mean something.
    assert.ok(outcomes.fast > 300, JSON.stringify(outcomes));
  });
});
