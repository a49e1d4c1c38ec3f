import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanPath, createDockerignoreMatcher, parseDockerignore } from '../../src/core/dockerfile/dockerignore';

/** True when the single pattern `pattern` matches `path` by itself. */
function patternMatches(pattern: string, path: string): boolean {
  const [compiled] = parseDockerignore(pattern);
  assert.ok(compiled, `pattern ${pattern} was dropped`);
  return compiled.matches(path);
}

function excluded(dockerignore: string, path: string): boolean {
  return createDockerignoreMatcher(dockerignore).isExcluded(path);
}

void describe('cleanPath (Go path.Clean)', () => {
  const cases: [string, string][] = [
    ['', '.'], ['.', '.'], ['./', '.'], ['a/', 'a'], ['a//b', 'a/b'], ['./a/./b/', 'a/b'], ['a/../b', 'b'],
    ['a/b/../../..', '..'], ['../a', '../a'], ['/../a', '/a'], ['/', '/'], ['//a', '/a'], ['a/b/..', 'a'],
  ];
  for (const [input, expected] of cases) {
    void it(`${JSON.stringify(input)} -> ${expected}`, () => { assert.equal(cleanPath(input), expected); });
  }
});

void describe('reading a .dockerignore', () => {
  void it('skips comments and blank lines, trims, cleans and drops a leading slash', () => {
    const patterns = parseDockerignore('# comment\n\n  node_modules  \n/build/\n./dist//x\n!/keep/../keep.txt\n');
    assert.deepEqual(patterns.map((p) => [p.pattern, p.negated, p.line]), [
      ['node_modules', false, 2], ['build', false, 3], ['dist/x', false, 4], ['keep.txt', true, 5],
    ]);
  });
  void it('treats a # after leading blanks as part of a pattern, as Docker does', () => {
    assert.deepEqual(parseDockerignore('  #notacomment\n').map((p) => p.pattern), ['#notacomment']);
  });
  void it('handles CRLF line ends and a byte-order mark', () => {
    assert.deepEqual(parseDockerignore('\uFEFFa\r\nb\r\n').map((p) => p.pattern), ['a', 'b']);
  });
  void it('keeps "!" with spaces after it as a negation of the trimmed pattern', () => {
    const [p] = parseDockerignore('!  docs/README.md');
    assert.equal(p?.negated, true);
    assert.equal(p?.pattern, 'docs/README.md');
  });
  void it('marks a lone "!" and an unclosed character class invalid, and they match nothing', () => {
    const patterns = parseDockerignore('!\n[abc\n');
    assert.deepEqual(patterns.map((p) => p.valid), [false, false]);
    assert.equal(patterns.some((p) => p.matches('abc') || p.matches('[abc')), false);
  });
});

void describe('one pattern against one path', () => {
  const cases: [string, string, boolean][] = [
    // literals, with regexp characters taken literally
    ['abc.def', 'abc.def', true], ['abc.def', 'abcZdef', false], ['a(b)c/def', 'a(b)c/def', true],
    ['a.|)$(}+{bc', 'a.|)$(}+{bc', true], ['dist/pkg-2.4.0rc3+g08acad9.whl', 'dist/pkg-2.4.0rc3+g08acad9.whl', true],
    // * and ? stop at slashes
    ['*', 'foo', true], ['*', 'foo/bar', false], ['*.go', 'main.go', true], ['*.go', 'cmd/main.go', false],
    ['abc?def', 'abcZdef', true], ['abc?def', 'abcdef', false], ['a?c', 'a/c', false],
    ['*/tmp/*', 'tmp/x', false], ['*/tmp/*', 'a/tmp/x', true],
    // character classes
    ['file[0-9].txt', 'file7.txt', true], ['file[0-9].txt', 'fileA.txt', false], ['file[^0-9]', 'fileA', true],
    // ** in all positions
    ['**', 'anything/at/all', true], ['**/file', 'file', true], ['**/file', 'dir/file', true], ['**/file', 'a/b/file', true],
    ['**/file', 'afile', false], ['**/*.txt', 'file.txt', true], ['**/*.txt', 'a/b/file.txt', true], ['**/*.txt', 'a/b/file.txtx', false],
    ['**/.foo', '.foo', true], ['**/.foo', 'bar.foo', false], ['**/foo/bar', 'foo/bar', true], ['**/foo/bar', 'x/y/foo/bar', true],
    ['dir/**', 'dir/file', true], ['dir/**', 'dir/a/b', true], ['dir/**', 'dir', false], ['dir/**', 'dirx/file', false],
    ['a/**/b', 'a/b', true], ['a/**/b', 'a/x/y/b', true], ['a/**/b', 'ab', false], ['a/**/*.md', 'a/x/y.md', true],
    // escapes
    ['a\\*b', 'a\\*b', true], ['a\\*b', 'axb', false], ['\\[x\\]', '\\[x\\]', true],
  ];
  for (const [pattern, path, expected] of cases) {
    void it(`${pattern} ${expected ? 'matches' : 'does not match'} ${path}`, () => { assert.equal(patternMatches(pattern, path), expected); });
  }
});

void describe('a whole .dockerignore against paths', () => {
  void it('excludes files below an excluded directory', () => {
    assert.equal(excluded('node_modules\n', 'node_modules/react/index.js'), true);
    assert.equal(excluded('node_modules\n', 'src/node_modules.ts'), false);
    assert.equal(excluded('*\n', 'src/app/main.go'), true);
  });
  void it('matches patterns against the path relative to the context, not anywhere in it', () => {
    assert.equal(excluded('*.log\n', 'debug.log'), true);
    assert.equal(excluded('*.log\n', 'logs/debug.log'), false);
    assert.equal(excluded('**/*.log\n', 'logs/debug.log'), true);
  });
  void it('lets the last matching pattern decide (Docker documentation example)', () => {
    const text = '*.md\n!README*.md\nREADME-secret.md\n';
    assert.equal(excluded(text, 'CHANGELOG.md'), true);
    assert.equal(excluded(text, 'README.md'), false);
    assert.equal(excluded(text, 'README-secret.md'), true);
  });
  void it('re-includes a file inside an excluded directory', () => {
    const text = 'docs\n!docs/README.md\n';
    assert.equal(excluded(text, 'docs/README.md'), false);
    assert.equal(excluded(text, 'docs/guide.md'), true);
  });
  void it('re-includes through a parent directory of the path', () => {
    const text = 'docs\n!docs/api\n';
    assert.equal(excluded(text, 'docs/api/index.md'), false);
    assert.equal(excluded(text, 'docs/guide/index.md'), true);
  });
  void it('ignores a negation that comes before the exclusion', () => {
    assert.equal(excluded('!keep.txt\n*.txt\n', 'keep.txt'), true);
  });
  void it('cleans the path it is asked about', () => {
    assert.equal(excluded('build\n', './build/out.bin'), true);
    assert.equal(excluded('build\n', 'src/../build/'), true);
  });
  void it('reports which pattern decided, with its line', () => {
    const matcher = createDockerignoreMatcher('# header\n*.tmp\nsecrets/\n');
    const decided = matcher.decidingPattern('secrets/prod/key.pem');
    assert.equal(decided?.pattern, 'secrets');
    assert.equal(decided?.line, 2);
    assert.equal(matcher.decidingPattern('src/main.go'), undefined);
  });
  void it('knows whether there are negations', () => {
    assert.equal(createDockerignoreMatcher('a\nb\n').hasNegations, false);
    assert.equal(createDockerignoreMatcher('a\n!a/b\n').hasNegations, true);
  });
  void it('matches nothing when the file is empty or only comments', () => {
    assert.equal(excluded('', 'anything'), false);
    assert.equal(excluded('# only a comment\n\n', 'anything'), false);
  });
});
