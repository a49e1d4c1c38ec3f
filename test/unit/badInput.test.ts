import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../src/core/dockerfile/lint';

// Bad input gets one clear finding or a bounded list, never a crash or a hang. The
// deadline below is a hang guard (10 s), not a speed target: speed is `npm run bench`.
function lintWithin(text: string): ReturnType<typeof lintDockerfile> {
  const started = performance.now();
  const result = lintDockerfile({ text });
  assert.ok(performance.now() - started < 10_000, 'linting must finish');
  return result;
}

function randomBytesAsLatin1(n: number, seed: number): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; out += String.fromCharCode(x & 0xff); }
  return out;
}

describe('bad input', () => {
  it('an empty file, only blanks, only comments: no crash, a clear "no FROM" at most', () => {
    assert.deepEqual(lintWithin('').findings, []);
    assert.deepEqual(lintWithin('\n\n   \n').findings, []);
    assert.deepEqual(lintWithin('# just a comment\n').findings, []);
  });
  it('binary content (random bytes, NULs) is one info finding', () => {
    const r = lintWithin(randomBytesAsLatin1(200_000, 7));
    assert.deepEqual(r.findings.map((f) => f.code), ['BT001']);
  });
  it('invalid UTF-8 decoded as replacement characters is recognised as binary', () => {
    const text = Buffer.from([0xff, 0xfe, 0xfd, 0x80, 0x81, 0x46, 0x52, 0x4f, 0x4d, 0xc3, 0x28].concat(Array(200).fill(0x9f))).toString('utf8');
    assert.deepEqual(lintWithin(text).findings.map((f) => f.code), ['BT001']);
  });
  it('a 1 MB Dockerfile of malformed lines: findings capped with a summary', () => {
    const line = 'FROB this is not an instruction $((( ]]] {{{\n';
    const text = `FROM scratch\n${line.repeat(Math.ceil(1_048_576 / line.length))}`;
    const r = lintWithin(text);
    assert.ok(r.findings.length <= 501);
    assert.ok(r.omitted > 0);
    assert.match(r.findings[r.findings.length - 1]?.message ?? '', /more findings were not shown/);
  });
  it('60,000 continuation lines in one RUN', () => {
    const text = `FROM debian:12\nRUN apt-get update \\\n${'  && echo part \\\n'.repeat(60_000)}  && true\n`;
    const r = lintWithin(text);
    assert.equal(r.dockerfile?.instructions.length, 2);
    assert.equal(r.dockerfile?.instructions[1]?.range.end.line, 60_002);
  });
  it('a single 1 MB line', () => {
    const r = lintWithin(`FROM debian:12\nRUN echo ${'x'.repeat(1_048_576)}\n`);
    assert.equal(r.dockerfile?.instructions.length, 2);
  });
  it('an unterminated heredoc is one parse error and the file is still linted', () => {
    const r = lintWithin('FROM debian:12\nRUN <<EOF\napt-get install -y curl\n');
    assert.equal(r.findings.filter((f) => /Unterminated heredoc/.test(f.message)).length, 1);
    assert.ok(r.findings.some((f) => f.code !== 'DL1000'), 'rules still run on what parsed');
  });
  it('deeply nested quotes, unbalanced $( and backticks in RUN do not throw', () => {
    const r = lintWithin(`FROM debian:12\nRUN echo "$(echo '$(' \`\`\` "\${x" ${'$('.repeat(5000)}\n`);
    assert.ok(Array.isArray(r.findings));
  });
  it('a NUL byte deep in an otherwise textual file is still treated as text up to 8 KiB', () => {
    const r = lintWithin(`FROM debian:12\n${'# comment\n'.repeat(1000)}RUN echo \u0000\n`);
    assert.equal(r.binary, false);
  });
});
