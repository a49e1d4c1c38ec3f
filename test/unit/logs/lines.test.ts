import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MAX_LINE_CHARS, LineSplitter, makeControlsVisible, truncationSuffix } from '../../../src/core/logs/lines';

/** Feeds the chunks and ends the stream, returning every line. */
function split(chunks: readonly string[], max?: number): string[] {
  const splitter = new LineSplitter(max);
  const lines: string[] = [];
  for (const chunk of chunks) lines.push(...splitter.push(chunk));
  lines.push(...splitter.end());
  return lines;
}

/** Every way of cutting `text` into two chunks gives the same lines as one chunk. */
function assertSameForEveryCut(text: string, expected: string[], max?: number): void {
  assert.deepEqual(split([text], max), expected, 'one chunk');
  for (let cut = 0; cut <= text.length; cut++) {
    assert.deepEqual(split([text.slice(0, cut), text.slice(cut)], max), expected, `cut at ${cut}`);
  }
  const units = Array.from({ length: text.length }, (_, i) => text.charAt(i));
  assert.deepEqual(split(units, max), expected, 'one code unit per chunk');
}

describe('LineSplitter', () => {
  it('splits LF and CRLF lines, keeping empty lines and an unterminated last line', () => {
    assert.deepEqual(split(['a\nb\r\n\nc']), ['a', 'b', '', 'c']);
    assert.deepEqual(split(['a\n']), ['a']);
    assert.deepEqual(split(['']), []);
    assert.deepEqual(split([]), []);
  });

  it('returns complete lines as soon as they are complete', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push('one\ntw'), ['one']);
    assert.deepEqual(splitter.push('o'), []);
    assert.deepEqual(splitter.push('\nthree\n'), ['two', 'three']);
    assert.deepEqual(splitter.end(), []);
  });

  it('gives the same lines wherever the chunks are cut, including between CR and LF', () => {
    assertSameForEveryCut('alpha\r\nbeta\n\r\ngamma\r\n', ['alpha', 'beta', '', 'gamma']);
    assertSameForEveryCut('x\r\r\ny', ['x\u240d', 'y']);
  });

  it('a CR held back at a chunk end becomes visible when no LF follows', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push('progress 10%\r'), []);
    assert.deepEqual(splitter.push(''), [], 'an empty chunk decides nothing');
    assert.deepEqual(splitter.push('progress 20%\n'), ['progress 10%\u240dprogress 20%']);
  });

  it('takes a lone CR at the very end of the stream as the line end', () => {
    assert.deepEqual(split(['last\r']), ['last']);
    assert.deepEqual(split(['\r']), ['']);
  });

  it('makes NUL and other C0 controls and DEL visible, keeps TAB and ESC', () => {
    const [line] = split(['a\u0000b\u0007c\u0008d\te\u001b[31mf\u007fg\u001fh\n']);
    assert.equal(line, 'a\u2400b\u2407c\u2408d\te\u001b[31mf\u2421g\u241fh');
    assert.equal(makeControlsVisible('plain'), 'plain');
    assert.equal(makeControlsVisible('\u0000\u0000'), '\u2400\u2400', 'every occurrence, not only the first');
    assert.equal(makeControlsVisible('\u0000'), '\u2400', 'the shared regex does not keep state between calls');
  });

  it('cuts an over-long line and says how much was hidden', () => {
    assert.deepEqual(split(['abcdefghij\nok\n'], 4), [`abcd${truncationSuffix(6)}`, 'ok']);
    assert.equal(truncationSuffix(6), ' … [6 characters not shown]');
    assert.equal(truncationSuffix(1), ' … [1 character not shown]');
    // Exactly at the limit: nothing cut.
    assert.deepEqual(split(['abcd\n'], 4), ['abcd']);
  });

  it('counts the hidden part across chunks and CRLF cuts', () => {
    assertSameForEveryCut('abcdefghij\r\nxy\r\n', [`abcd${truncationSuffix(6)}`, 'xy'], 4);
  });

  it('truncates an unterminated over-long last line at end()', () => {
    assert.deepEqual(split(['abcdef', 'gh'], 3), [`abc${truncationSuffix(5)}`]);
  });

  it('never splits a surrogate pair when cutting', () => {
    // 'a' then U+1F600 (two code units): a cut after 2 units would leave half an emoji.
    const [line] = split(['a\u{1F600}b\n'], 2);
    assert.equal(line, `a${truncationSuffix(3)}`);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(line ?? ''), 'no lone high surrogate');
  });

  it('truncates a 1 MB line to the default limit with the suffix, fed in 64 KiB chunks', () => {
    const total = 1_000_000 + DEFAULT_MAX_LINE_CHARS;
    const big = 'x'.repeat(total);
    const splitter = new LineSplitter();
    const lines: string[] = [];
    for (let i = 0; i < big.length; i += 65_536) lines.push(...splitter.push(big.slice(i, i + 65_536)));
    lines.push(...splitter.push('\nafter\n'));
    assert.equal(lines.length, 2);
    const [first, second] = lines;
    assert.equal(first?.length, DEFAULT_MAX_LINE_CHARS + truncationSuffix(1_000_000).length);
    assert.ok(first?.endsWith(' … [1000000 characters not shown]'));
    assert.equal(second, 'after');
  });

  it('keeps a 1 MB line whole when it fits the limit', () => {
    const line = 'y'.repeat(1_000_000);
    assert.deepEqual(split([line.slice(0, 300_000), line.slice(300_000), '\n']), [line]);
  });

  it('gives the same lines for plain chunks as one code unit at a time (the careful path) does', () => {
    // Mostly plain lines, as real logs are, with CRLF, lone CRs, controls and over-long lines mixed in.
    const kinds = ['plain line', 'crlf line\r', 'lone \r cr', 'nul \u0000 and bel \u0007', 'x'.repeat(40), '', '\u001b[31mred\u001b[0m', 'tab\there'];
    let text = '';
    for (let i = 0; i < 400; i++) text += `${i} ${kinds[(i * 7) % kinds.length] ?? ''}\n`;
    text += 'unterminated';
    const reference = split(Array.from(text), 24);
    for (const size of [1, 5, 64, 333, 4096, text.length]) {
      const chunks: string[] = [];
      for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
      assert.deepEqual(split(chunks, 24), reference, `chunks of ${size}`);
    }
    assert.ok(reference.includes('7 crlf line'), 'the CR of a CRLF is dropped');
    assert.ok(reference.includes('6 lone \u240d cr'), 'a lone CR is made visible');
    assert.ok(reference.includes(`4 ${'x'.repeat(22)}${truncationSuffix(18)}`), 'an over-long line in a plain chunk is cut');
  });

  it('changes exactly the C0 controls but TAB and ESC, and DEL, whatever the code unit and path', () => {
    const changed: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      if (makeControlsVisible(char) !== char) changed.push(code);
      // In a chunk of whole lines (the plain path when the chunk has no control) and one unit at a time.
      if (code === 0x0a || code === 0x0d) continue;
      const text = `a${char}b\n`;
      assert.deepEqual(split([text]), split(Array.from(text)), `U+${code.toString(16)}`);
    }
    const expected = [...Array.from({ length: 0x20 }, (_, i) => i).filter((c) => c !== 0x09 && c !== 0x1b), 0x7f];
    assert.deepEqual(changed, expected);
  });

  it('rejects a limit that is not a positive integer', () => {
    assert.throws(() => new LineSplitter(0), RangeError);
    assert.throws(() => new LineSplitter(1.5), RangeError);
  });

  it('splits 100,000 lines in odd-sized chunks without losing or merging any', () => {
    let text = '';
    for (let i = 0; i < 100_000; i++) text += `line ${i} ${i % 7 === 0 ? '\u001b[32mok\u001b[0m' : 'plain'}${i % 3 === 0 ? '\r\n' : '\n'}`;
    const splitter = new LineSplitter();
    const lines: string[] = [];
    for (let i = 0; i < text.length; i += 4093) lines.push(...splitter.push(text.slice(i, i + 4093)));
    lines.push(...splitter.end());
    assert.equal(lines.length, 100_000);
    assert.equal(lines[0], 'line 0 \u001b[32mok\u001b[0m');
    assert.equal(lines[99_999], 'line 99999 plain');
    assert.ok(lines.every((line, i) => line.startsWith(`line ${i} `)));
  });
});
