import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineDiff, manifestDiff, splitLines, splitManifest, unifiedDiff, type DiffLine } from '../../../src/core/helm/diff';
import { releaseFromJson } from '../../../src/core/helm/releases';
import { cliOutput, storedReleases } from './fixtures';

/** Length of a longest common subsequence, the classic O(N·M) way: what Myers must match. */
function lcsLength(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const current = [0];
    b.forEach((y, j) => current.push(x === y ? (previous[j] ?? 0) + 1 : Math.max(previous[j + 1] ?? 0, current[j] ?? 0)));
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function sides(diff: DiffLine[]): { left: string[]; right: string[] } {
  return { left: diff.filter((l) => l.kind !== '+').map((l) => l.text), right: diff.filter((l) => l.kind !== '-').map((l) => l.text) };
}

/** Applies a unified diff to `a` (the way patch does, trusting the line numbers). */
function applyUnified(a: string, patch: string): string {
  const source = splitLines(a);
  const out: string[] = [];
  let at = 0;
  const lines = splitLines(patch).slice(2);
  for (let i = 0; i < lines.length; ) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(lines[i] ?? '');
    assert.ok(header, `hunk header expected: ${lines[i] ?? ''}`);
    const count = header[2] === undefined ? 1 : Number(header[2]);
    const start = count === 0 ? Number(header[1]) : Number(header[1]) - 1;
    while (at < start) out.push(source[at++] ?? '');
    i++;
    while (i < lines.length && !(lines[i] ?? '').startsWith('@@')) {
      const line = lines[i] ?? '';
      if (line.startsWith(' ')) {
        assert.equal(source[at], line.slice(1));
        out.push(source[at++] ?? '');
      } else if (line.startsWith('-')) {
        assert.equal(source[at], line.slice(1));
        at++;
      } else out.push(line.slice(1));
      i++;
    }
  }
  while (at < source.length) out.push(source[at++] ?? '');
  return out.join('\n');
}

// A small deterministic generator, so failures can be replayed.
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('lineDiff', () => {
  it('marks unchanged, removed and added lines in order', () => {
    assert.deepEqual(lineDiff('a\nb\nc\n', 'a\nx\nc\nd\n'), [
      { kind: ' ', text: 'a' },
      { kind: '-', text: 'b' },
      { kind: '+', text: 'x' },
      { kind: ' ', text: 'c' },
      { kind: '+', text: 'd' },
    ]);
    assert.deepEqual(lineDiff('', ''), []);
    assert.deepEqual(lineDiff('', 'a'), [{ kind: '+', text: 'a' }]);
    assert.deepEqual(lineDiff('a\r\nb\r\n', 'a\nb'), [{ kind: ' ', text: 'a' }, { kind: ' ', text: 'b' }]);
  });

  it('is a shortest edit script: it keeps a longest common subsequence (300 random pairs)', () => {
    const next = random(7);
    for (let round = 0; round < 300; round++) {
      const alphabet = 2 + Math.floor(next() * 5);
      const make = (): string[] => Array.from({ length: Math.floor(next() * 40) }, () => String.fromCharCode(97 + Math.floor(next() * alphabet)));
      const a = make();
      const b = make();
      const diff = lineDiff(a.join('\n'), b.join('\n'));
      const { left, right } = sides(diff);
      assert.deepEqual(left, a, `round ${round}`);
      assert.deepEqual(right, b, `round ${round}`);
      assert.equal(diff.filter((l) => l.kind === ' ').length, lcsLength(a, b), `round ${round}: ${a.join('')} / ${b.join('')}`);
    }
  });

  it('past the edit-distance guard it stays correct, only coarser, and fast', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `old ${i}`).join('\n');
    const b = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? `new ${i}` : `old ${i}`)).join('\n');
    const started = performance.now();
    const diff = lineDiff(a, b, { maxEditDistance: 100 });
    const elapsed = performance.now() - started;
    const { left, right } = sides(diff);
    assert.deepEqual(left, splitLines(a));
    assert.deepEqual(right, splitLines(b));
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
    // Under the guard the same input gets the minimal script.
    const small = lineDiff('x\na\ny\n', 'x\nb\ny\n', { maxEditDistance: 1 });
    assert.deepEqual(small.map((l) => l.kind).join(''), ' -+ ', 'the fallback keeps the common prefix and suffix');
  });
});

describe('unifiedDiff', () => {
  it('writes diff -u hunks with context and GNU line ranges', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'].join('\n');
    const b = ['1', '2', 'three', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13'].join('\n');
    assert.equal(
      unifiedDiff(a, b, { from: 'revision 3', to: 'revision 5' }),
      [
        '--- revision 3',
        '+++ revision 5',
        '@@ -1,6 +1,6 @@',
        ' 1', ' 2', '-3', '+three', ' 4', ' 5', ' 6',
        '@@ -10,3 +10,4 @@',
        ' 10', ' 11', ' 12', '+13',
        '',
      ].join('\n'),
    );
    assert.equal(unifiedDiff('a\n', 'a\n', { from: 'x', to: 'y' }), '');
    assert.equal(unifiedDiff('', 'a\n', { from: 'x', to: 'y' }), '--- x\n+++ y\n@@ -0,0 +1 @@\n+a\n');
    assert.equal(unifiedDiff('a\nb\nc\n', 'a\nc\n', { from: 'x', to: 'y' }, 0), '--- x\n+++ y\n@@ -2 +1,0 @@\n-b\n');
  });

  it('patches back exactly (200 random pairs, contexts 0 to 3)', () => {
    const next = random(11);
    for (let round = 0; round < 200; round++) {
      const make = (): string => Array.from({ length: Math.floor(next() * 30) }, () => `line ${Math.floor(next() * 6)}`).join('\n');
      const a = make();
      const b = make();
      const patch = unifiedDiff(a, b, { from: 'a', to: 'b' }, round % 4);
      if (patch === '') assert.deepEqual(splitLines(a), splitLines(b));
      else assert.equal(applyUnified(a, patch), splitLines(b).join('\n'), `round ${round}`);
    }
  });
});

describe('splitManifest', () => {
  for (const major of [3, 4] as const) {
    it(`reads real helm ${major} template output: keys, sources and positions`, () => {
      const rendered = cliOutput(major, 'template-mychart.yaml');
      const lines = splitLines(rendered);
      const docs = splitManifest(rendered, 'shop');
      assert.deepEqual(
        docs.map((d) => `${d.key} <- ${d.source ?? ''}`),
        [
          'ServiceAccount/shop/web-mychart <- mychart/templates/serviceaccount.yaml',
          'Service/shop/web-mychart <- mychart/templates/service.yaml',
          'Deployment/shop/web-mychart <- mychart/templates/deployment.yaml',
          'Pod/shop/web-mychart-test-connection <- mychart/templates/tests/test-connection.yaml',
        ],
      );
      for (const doc of docs) {
        assert.match(lines[doc.startLine] ?? '', /^# Source: /);
        assert.equal(lines[doc.startLine - 1], '---');
        assert.equal(doc.contentStartLine, doc.startLine + 1);
        assert.equal(doc.apiVersion === 'apps/v1' || doc.apiVersion === 'v1', true);
      }
    });
  }

  it('keeps explicit namespaces, numbers repeated keys, and survives broken documents', () => {
    const manifest = [
      '---',
      '# Source: c/templates/a.yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: a',
      '  namespace: other',
      '---',
      '# Source: c/templates/a.yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: a, namespace: other}',
      '---',
      '# Source: c/templates/empty.yaml',
      '# only a comment',
      '---',
      '# Source: c/templates/broken.yaml',
      'kind: [',
    ].join('\n');
    const docs = splitManifest(manifest);
    assert.deepEqual(docs.map((d) => d.key), ['ConfigMap/other/a', 'ConfigMap/other/a#2', '?/c/templates/broken.yaml']);
    assert.equal(docs[2]?.startLine, 16);
  });
});

describe('manifestDiff', () => {
  it('diffs two real revisions of a release per resource', () => {
    const [first, second] = storedReleases('secrets-helm3-web3.json').map((s) => {
      const release = releaseFromJson(s.release);
      if ('error' in release) assert.fail(release.error);
      return release;
    });
    assert.ok(first && second);
    const changes = manifestDiff(first.manifest, second.manifest, 'helper-g-fx');
    assert.deepEqual(
      changes.map((c) => `${c.change} ${c.key}`),
      [
        'unchanged ServiceAccount/helper-g-fx/web3-mychart',
        'unchanged Service/helper-g-fx/web3-mychart',
        'changed Deployment/helper-g-fx/web3-mychart',
      ],
    );
    const deployment = changes[2]?.diff ?? '';
    // Revision 2 raised replicas from 2 to 3 and added the `extra: x` annotation.
    assert.match(deployment, /^--- a\/Deployment\/helper-g-fx\/web3-mychart\n\+\+\+ b\/Deployment\/helper-g-fx\/web3-mychart\n@@ /);
    assert.match(deployment, /\n- {2}replicas: 2\n\+ {2}replicas: 3\n/);
    assert.match(deployment, /\n\+ {8}extra: x\n/);
    assert.equal(deployment.split('\n').filter((l) => /^[-+](?![-+]{2})/.test(l)).length, 3);
  });

  it('finds added and removed resources, and ignores what helm 3 and 4 render differently around documents', () => {
    const v3 = cliOutput(3, 'template-mychart.yaml');
    const v4 = cliOutput(4, 'template-mychart.yaml');
    assert.notEqual(v3, v4, 'helm 4 adds blank lines between documents');
    assert.ok(manifestDiff(v3, v4, 'shop').every((c) => c.change === 'unchanged'));
    const withoutService = splitManifest(v3).filter((d) => d.kind !== 'Service').map((d) => `---\n${d.text}`).join('\n');
    const changes = manifestDiff(withoutService, v3, 'shop');
    assert.deepEqual(changes.filter((c) => c.change !== 'unchanged').map((c) => `${c.change} ${c.key}`), ['added Service/shop/web-mychart']);
    assert.deepEqual(manifestDiff(v3, withoutService, 'shop').filter((c) => c.change !== 'unchanged').map((c) => `${c.change} ${c.key}`), ['removed Service/shop/web-mychart']);
    assert.deepEqual(manifestDiff('', '', 'shop'), []);
  });
});
