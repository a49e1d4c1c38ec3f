import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAnsi, stripAnsi } from '../../../src/core/logs/ansi';

const E = '\u001b';

describe('parseAnsi: SGR', () => {
  it('returns one unstyled segment for plain text, none for empty text', () => {
    assert.deepEqual(parseAnsi('hello'), [{ text: 'hello' }]);
    assert.deepEqual(parseAnsi(''), []);
  });

  it('maps the 16 palette colours to CSS variables, foreground and background', () => {
    assert.deepEqual(parseAnsi(`${E}[31mred${E}[0m plain`), [{ text: 'red', fg: '--ansi-1' }, { text: ' plain' }]);
    assert.deepEqual(parseAnsi(`${E}[37;40mx`), [{ text: 'x', fg: '--ansi-7', bg: '--ansi-0' }]);
    assert.deepEqual(parseAnsi(`${E}[90;107mx`), [{ text: 'x', fg: '--ansi-8', bg: '--ansi-15' }]);
    assert.deepEqual(parseAnsi(`${E}[97;100mx`), [{ text: 'x', fg: '--ansi-15', bg: '--ansi-8' }]);
  });

  it('resets colours with 39 and 49 and everything with 0 or an empty SGR', () => {
    assert.deepEqual(parseAnsi(`${E}[31;42ma${E}[39mb${E}[49mc`), [{ text: 'a', fg: '--ansi-1', bg: '--ansi-2' }, { text: 'b', bg: '--ansi-2' }, { text: 'c' }]);
    assert.deepEqual(parseAnsi(`${E}[1;31ma${E}[mb`), [{ text: 'a', fg: '--ansi-1', bold: true }, { text: 'b' }]);
    assert.deepEqual(parseAnsi(`${E}[1ma${E}[;3mb`), [{ text: 'a', bold: true }, { text: 'b', italic: true }], 'an empty parameter is 0');
  });

  it('sets and clears the attributes', () => {
    assert.deepEqual(parseAnsi(`${E}[1;2;3;4;7mx`), [{ text: 'x', bold: true, dim: true, italic: true, underline: true, inverse: true }]);
    assert.deepEqual(parseAnsi(`${E}[1;2;3;4;7m${E}[22mx`), [{ text: 'x', italic: true, underline: true, inverse: true }], '22 clears bold and dim');
    assert.deepEqual(parseAnsi(`${E}[3;4;7m${E}[23;24;27mx`), [{ text: 'x' }]);
    assert.deepEqual(parseAnsi(`${E}[21mx`), [{ text: 'x', underline: true }], '21 is double underline');
  });

  it('ignores blink, conceal and strike (concealed text stays visible) and unknown codes', () => {
    assert.deepEqual(parseAnsi(`${E}[5;6;8;9;25;26;28;29;55;999mvisible`), [{ text: 'visible' }]);
  });

  it('maps 256-colour indexes: palette, 6x6x6 cube, grey ramp', () => {
    assert.deepEqual(parseAnsi(`${E}[38;5;9mx`), [{ text: 'x', fg: '--ansi-9' }]);
    assert.deepEqual(parseAnsi(`${E}[38;5;16mx`), [{ text: 'x', fg: '#000000' }]);
    assert.deepEqual(parseAnsi(`${E}[38;5;196mx`), [{ text: 'x', fg: '#ff0000' }]);
    assert.deepEqual(parseAnsi(`${E}[48;5;110mx`), [{ text: 'x', bg: '#87afd7' }]);
    assert.deepEqual(parseAnsi(`${E}[38;5;231mx`), [{ text: 'x', fg: '#ffffff' }]);
    assert.deepEqual(parseAnsi(`${E}[38;5;232mx`), [{ text: 'x', fg: '#080808' }]);
    assert.deepEqual(parseAnsi(`${E}[38;5;255mx`), [{ text: 'x', fg: '#eeeeee' }]);
  });

  it('maps truecolour, with semicolons and with colons', () => {
    assert.deepEqual(parseAnsi(`${E}[38;2;255;128;0mx`), [{ text: 'x', fg: '#ff8000' }]);
    assert.deepEqual(parseAnsi(`${E}[48;2;1;2;3mx`), [{ text: 'x', bg: '#010203' }]);
    assert.deepEqual(parseAnsi(`${E}[38:2::10:20:30mx`), [{ text: 'x', fg: '#0a141e' }]);
    assert.deepEqual(parseAnsi(`${E}[38:2:10:20:30mx`), [{ text: 'x', fg: '#0a141e' }]);
    assert.deepEqual(parseAnsi(`${E}[48:5:4mx`), [{ text: 'x', bg: '--ansi-4' }]);
  });

  it('consumes the arguments of an extended colour so they are not read as codes', () => {
    // Without skipping, "1" would turn bold on and "4" underline.
    assert.deepEqual(parseAnsi(`${E}[38;2;1;4;1mx`), [{ text: 'x', fg: '#010401' }]);
    assert.deepEqual(parseAnsi(`${E}[38;5;1;3mx`), [{ text: 'x', fg: '--ansi-1', italic: true }]);
  });

  it('ignores malformed extended colours without breaking the rest', () => {
    assert.deepEqual(parseAnsi(`${E}[38;5;256mx`), [{ text: 'x' }], 'index out of range');
    assert.deepEqual(parseAnsi(`${E}[38;2;300;0;0mx`), [{ text: 'x' }], 'channel out of range');
    assert.deepEqual(parseAnsi(`${E}[38;5mx`), [{ text: 'x' }], 'missing index');
    assert.deepEqual(parseAnsi(`${E}[38mx`), [{ text: 'x' }]);
    assert.deepEqual(parseAnsi(`${E}[38;2;1;2mx`), [{ text: 'x' }], 'missing blue');
    assert.deepEqual(parseAnsi(`${E}[58;5;1;1mx`), [{ text: 'x', bold: true }], 'underline colour is skipped, what follows applies');
  });

  it('handles 4:n underline styles', () => {
    assert.deepEqual(parseAnsi(`${E}[4:3mx${E}[4:0my`), [{ text: 'x', underline: true }, { text: 'y' }]);
  });

  it('merges neighbouring text with the same style and drops empty runs', () => {
    assert.deepEqual(parseAnsi(`a${E}[31m${E}[0mb${E}[1m${E}[22mc`), [{ text: 'abc' }]);
    assert.deepEqual(parseAnsi(`${E}[31ma${E}[31mb`), [{ text: 'ab', fg: '--ansi-1' }]);
  });

  it('does not share style objects between segments', () => {
    const segments = parseAnsi(`${E}[1ma${E}[3mb`);
    assert.deepEqual(segments, [{ text: 'a', bold: true }, { text: 'b', bold: true, italic: true }]);
  });
});

describe('parseAnsi: everything else is removed, never interpreted', () => {
  it('removes cursor moves, erases and private modes', () => {
    assert.equal(stripAnsi(`a${E}[2Jb${E}[10;20Hc${E}[?25ld${E}[Ke${E}[1Af`), 'abcdef');
  });

  it('removes an SGR with intermediates or private markers without applying it', () => {
    assert.deepEqual(parseAnsi(`${E}[>4;2mx`), [{ text: 'x' }]);
    assert.deepEqual(parseAnsi(`${E}[31 mx`), [{ text: 'x' }]);
  });

  it('removes OSC 8 hyperlinks but keeps their visible text', () => {
    const line = `see ${E}]8;;javascript:alert(1)${E}\\click here${E}]8;;${E}\\ now`;
    assert.deepEqual(parseAnsi(line), [{ text: 'see click here now' }]);
  });

  it('removes OSC 52 clipboard writes and title sets, BEL- or ST-terminated', () => {
    assert.equal(stripAnsi(`a${E}]52;c;cm0gLXJmIH4=\u0007b`), 'ab');
    assert.equal(stripAnsi(`a${E}]0;pwned title${E}\\b`), 'ab');
    assert.equal(stripAnsi(`a${E}]2;title\u009cb`), 'ab', '8-bit ST');
    // The host's LineSplitter shows BEL as U+2407 before the webview parses the line.
    assert.equal(stripAnsi(`a${E}]52;c;cm0gLXJmIH4=\u2407b`), 'ab', 'BEL picture');
  });

  it('removes DCS, SOS, PM and APC strings', () => {
    assert.equal(stripAnsi(`a${E}P1$r0m${E}\\b${E}X sos ${E}\\c${E}^pm${E}\\d${E}_apc${E}\\e`), 'abcde');
  });

  it('removes an unterminated OSC introducer but keeps the rest of the line visible', () => {
    assert.equal(stripAnsi(`before ${E}]52;c;payload`), 'before 52;c;payload');
  });

  it('ends a control string at an ESC that starts another sequence', () => {
    assert.deepEqual(parseAnsi(`${E}]0;title${E}[31mred`), [{ text: 'red', fg: '--ansi-1' }]);
  });

  it('removes two-character and charset sequences and a lone ESC', () => {
    assert.equal(stripAnsi(`a${E}(Bb${E}7c${E}8d${E}ce${E}Mf`), 'abcdef');
    assert.equal(stripAnsi(`lone ${E}`), 'lone ');
    assert.equal(stripAnsi(`${E}${E}[31mx`), 'x');
    assert.equal(stripAnsi(`x${E}\u00e9`), 'x\u00e9', 'ESC before a non-ASCII letter: only the ESC goes');
    assert.equal(stripAnsi(`cut ${E}[12;`), 'cut ', 'truncated CSI at the end');
    assert.equal(stripAnsi(`a${E}[12\u00e9b`), 'a\u00e9b', 'CSI broken by a character that cannot be in it');
  });

  it('removes C1 controls one by one (8-bit CSI is not read as a sequence)', () => {
    assert.deepEqual(parseAnsi('a\u009b31mb\u0085c'), [{ text: 'a31mbc' }]);
  });

  it('removes bidi embeddings, overrides and isolates', () => {
    const trojan = 'access = "user\u202e \u2066// admin\u2069 \u2066"';
    assert.equal(stripAnsi(trojan), 'access = "user // admin "');
    for (const code of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      assert.equal(stripAnsi(`a${String.fromCharCode(code)}b`), 'ab', code.toString(16));
    }
    assert.equal(stripAnsi('\u05e9\u05dc\u05d5\u05dd'), '\u05e9\u05dc\u05d5\u05dd', 'right-to-left text itself is untouched');
  });

  it('keeps HTML and URLs as literal text, never escaped or interpreted', () => {
    const hostile = `${E}[31m<script>alert(1)</script>${E}[0m<img src=x onerror=alert(1)></div>&amp; javascript:alert(1)`;
    const segments = parseAnsi(hostile);
    assert.deepEqual(segments, [
      { text: '<script>alert(1)</script>', fg: '--ansi-1' },
      { text: '<img src=x onerror=alert(1)></div>&amp; javascript:alert(1)' },
    ]);
    assert.equal(stripAnsi(hostile), '<script>alert(1)</script><img src=x onerror=alert(1)></div>&amp; javascript:alert(1)');
  });

  it('keeps TAB and visible control pictures', () => {
    assert.deepEqual(parseAnsi('a\tb\u2400c'), [{ text: 'a\tb\u2400c' }]);
  });

  it('parses a 1 MB line of alternating colours in one pass, losing no text', () => {
    const unit = `${E}[32mgreen${E}[0m plain `;
    const line = unit.repeat(Math.ceil(1_000_000 / unit.length));
    const segments = parseAnsi(line);
    const count = Math.ceil(1_000_000 / unit.length);
    assert.equal(segments.length, count * 2);
    assert.equal(segments.map((s) => s.text).join(''), 'green plain '.repeat(count));
  });
});

describe('stripAnsi', () => {
  it('returns the same string when there is nothing to strip', () => {
    const text = 'nothing special here';
    assert.equal(stripAnsi(text), text);
  });

  it('equals the concatenated text of parseAnsi', () => {
    const text = `${E}[1;38;5;200mA${E}]0;t\u0007B${E}[0mC\u202eD`;
    assert.equal(stripAnsi(text), parseAnsi(text).map((s) => s.text).join(''));
    assert.equal(stripAnsi(text), 'ABCD');
  });
});
