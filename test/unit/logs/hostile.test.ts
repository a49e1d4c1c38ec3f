// Hostile log lines (reliability.md T32) through the whole core pipeline the panel uses:
// bytes decoded -> LineSplitter -> splitTimestamp -> (webview) parseAnsi / filter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAnsi, stripAnsi } from '../../../src/core/logs/ansi';
import { compileLineFilter } from '../../../src/core/logs/filter';
import { LineSplitter } from '../../../src/core/logs/lines';
import { splitTimestamp } from '../../../src/core/logs/timestamps';

const E = '\u001b';
const TS = '2026-01-01T00:00:00.000000000Z';

/** Runs a raw `timestamps=true` stream through the host side, as chunks of `chunkSize`. */
function hostLines(stream: string, chunkSize: number): { time?: string; text: string }[] {
  const splitter = new LineSplitter();
  const lines: string[] = [];
  for (let i = 0; i < stream.length; i += chunkSize) lines.push(...splitter.push(stream.slice(i, i + chunkSize)));
  lines.push(...splitter.end());
  return lines.map(splitTimestamp);
}

describe('hostile log lines', () => {
  const hostile = [
    '<script>window.__pwned = 1</script>',
    '<img src=x onerror="window.__pwned=1">',
    '</div></pre><iframe src="javascript:alert(1)">',
    `${E}[31m<b>red</b>${E}[0m & &amp; &lt;`,
    `${E}]52;c;cm0gLXJmIH4=\u0007copied?`,
    `${E}]8;;javascript:alert(1)${E}\\link${E}]8;;${E}\\`,
    `${E}]0;owned title\u0007title`,
    `${E}[2J${E}[Hcleared?`,
    'nul\u0000byte\u0000s',
    'bidi \u202eevil\u202c \u2066iso\u2069',
  ];

  it('every line survives as literal text with its timestamp, whatever the chunking', () => {
    const stream = hostile.map((line) => `${TS} ${line}\n`).join('');
    for (const chunkSize of [1, 3, 17, 4096]) {
      const lines = hostLines(stream, chunkSize);
      assert.equal(lines.length, hostile.length, `chunk size ${chunkSize}`);
      assert.ok(lines.every((line) => line.time === TS));
    }
  });

  it('what the webview shows: HTML stays text, escapes and bidi controls are gone, NUL is visible', () => {
    const stream = hostile.map((line) => `${TS} ${line}\n`).join('');
    const shown = hostLines(stream, 7).map((line) => stripAnsi(line.text));
    assert.deepEqual(shown, [
      '<script>window.__pwned = 1</script>',
      '<img src=x onerror="window.__pwned=1">',
      '</div></pre><iframe src="javascript:alert(1)">',
      '<b>red</b> & &amp; &lt;',
      'copied?',
      'link',
      'title',
      'cleared?',
      'nul\u2400byte\u2400s',
      'bidi evil iso',
    ]);
    // No escape character and no bidi control reaches a segment.
    for (const line of hostLines(stream, 7)) {
      for (const segment of parseAnsi(line.text)) {
        const forbidden = [0x1b, 0x00, 0x07, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
        assert.ok(!forbidden.some((code) => segment.text.includes(String.fromCharCode(code))), JSON.stringify(segment.text));
      }
    }
  });

  it('the colour of mixed ANSI and HTML applies to the literal tags', () => {
    const [line] = hostLines(`${TS} ${E}[1;31m<script>x</script>${E}[0m tail\n`, 5);
    assert.deepEqual(parseAnsi(line?.text ?? ''), [{ text: '<script>x</script>', fg: '--ansi-1', bold: true }, { text: ' tail' }]);
  });

  it('a 1 MB line with a timestamp is cut with the suffix and still parses and filters', () => {
    const body = 'A'.repeat(1_100_000);
    const lines = hostLines(`${TS} ${body}\n${TS} next\n`, 65_536);
    assert.equal(lines.length, 2);
    const [big, next] = lines;
    assert.equal(big?.time, TS);
    const hidden = TS.length + 1 + body.length - 1_048_576;
    assert.ok(big?.text.endsWith(` … [${hidden} characters not shown]`));
    assert.equal(next?.text, 'next');
    const filter = compileLineFilter({ text: 'a+', regex: true });
    assert.ok(filter.ok);
    if (filter.ok) {
      assert.equal(filter.filter.matches(big?.text ?? ''), true);
      assert.deepEqual(filter.filter.highlights(big?.text ?? ''), [[0, 65_536]], 'highlights stop at the tested prefix');
    }
  });

  it('a JSON filter on hostile JSON fields compares text, never evaluates it', () => {
    const compiled = compileLineFilter({ json: 'msg~<script>' });
    assert.ok(compiled.ok);
    if (compiled.ok) {
      assert.equal(compiled.filter.matches(JSON.stringify({ msg: '<script>alert(1)</script>' })), true);
      assert.equal(compiled.filter.matches('{"__proto__": {"msg": "<script>"}}'), false);
    }
  });
});
