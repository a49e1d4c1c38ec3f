import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLineFilter, MAX_HIGHLIGHTS, MAX_TESTED_CHARS, type LineFilter, type LineFilterSpec } from '../../../src/core/logs/filter';

function compile(spec: LineFilterSpec): LineFilter {
  const result = compileLineFilter(spec);
  if (!result.ok) assert.fail(`expected ${JSON.stringify(spec)} to compile: ${result.error}`);
  return result.filter;
}

function compileError(spec: LineFilterSpec): string {
  const result = compileLineFilter(spec);
  if (result.ok) assert.fail(`expected ${JSON.stringify(spec)} to be rejected`);
  return result.error;
}

describe('compileLineFilter: text', () => {
  it('an empty filter matches everything and highlights nothing', () => {
    for (const spec of [{}, { text: '' }, { json: '   ' }, { text: '', regex: true }]) {
      const filter = compile(spec);
      assert.equal(filter.matches('anything'), true);
      assert.equal(filter.matches(''), true);
      assert.deepEqual(filter.highlights('anything'), []);
    }
  });

  it('plain text is a case-insensitive substring by default, with regex characters taken literally', () => {
    const filter = compile({ text: 'Error (x)' });
    assert.equal(filter.matches('an ERROR (X) occurred'), true);
    assert.equal(filter.matches('an error x occurred'), false);
    assert.deepEqual(filter.highlights('error (x) and Error (X)'), [[0, 9], [14, 23]]);
    assert.equal(compile({ text: '.*' }).matches('abc'), false);
    assert.equal(compile({ text: '.*' }).matches('a.*c'), true);
  });

  it('is case-sensitive when asked', () => {
    const filter = compile({ text: 'Error', caseSensitive: true });
    assert.equal(filter.matches('Error here'), true);
    assert.equal(filter.matches('error here'), false);
    assert.deepEqual(filter.highlights('error Error'), [[6, 11]]);
  });

  it('regex mode matches and highlights sorted, non-overlapping ranges', () => {
    const filter = compile({ text: 'a+|b', regex: true });
    assert.equal(filter.matches('xyz'), false);
    assert.deepEqual(filter.highlights('aaxbAAAb'), [[0, 2], [3, 4], [4, 7], [7, 8]]);
    const ranges = compile({ text: '\\d+', regex: true }).highlights('id=12 id=345 id=6');
    assert.deepEqual(ranges, [[3, 5], [9, 12], [16, 17]]);
  });

  it('is stateless between calls (no lastIndex carried over)', () => {
    const filter = compile({ text: 'x', regex: true });
    for (let i = 0; i < 3; i++) {
      assert.equal(filter.matches('x'), true);
      assert.deepEqual(filter.highlights('x'), [[0, 1]]);
    }
  });

  it('skips empty matches in highlights instead of looping', () => {
    assert.deepEqual(compile({ text: 'x*', regex: true }).highlights('axxbx'), [[1, 3], [4, 5]]);
    assert.deepEqual(compile({ text: '^', regex: true }).highlights('abc'), []);
    assert.equal(compile({ text: '^', regex: true }).matches('abc'), true, 'an empty match still matches');
    assert.deepEqual(compile({ text: '(?=a)', regex: true }).highlights('aaaa'), []);
  });

  it('reports an invalid regular expression with the JavaScript message', () => {
    let expected = '';
    const source = '(unclosed';
    try {
      new RegExp(source, 'i');
    } catch (error) {
      expected = (error as Error).message;
    }
    assert.ok(expected.length > 0);
    assert.equal(compileError({ text: '(unclosed', regex: true }), expected);
    assert.match(compileError({ text: '[z-a]', regex: true }), /Invalid regular expression/);
    // The same text as a plain filter is fine.
    assert.equal(compile({ text: '(unclosed' }).matches('x (unclosed'), true);
  });

  it('only tests the first 64 KiB of a line', () => {
    const filter = compile({ text: 'needle' });
    const early = `needle${'x'.repeat(200_000)}`;
    const late = `${'x'.repeat(MAX_TESTED_CHARS)}needle`;
    assert.equal(filter.matches(early), true);
    assert.equal(filter.matches(late), false);
    assert.deepEqual(filter.highlights(late), []);
    assert.equal(filter.matches(`${'x'.repeat(MAX_TESTED_CHARS - 6)}needle`), true, 'a match ending exactly at the limit counts');
  });

  it('runs a backtracking-prone expression on a huge line only over the prefix', () => {
    const filter = compile({ text: '(a|aa)+b', regex: true });
    // Linear-time in practice for this input; the point is the 1 MB tail is never scanned.
    assert.equal(filter.matches(`${'a'.repeat(20)}b${'c'.repeat(1_000_000)}`), true);
  });

  it('caps the number of highlights per line', () => {
    const ranges = compile({ text: 'a' }).highlights('a'.repeat(5000));
    assert.equal(ranges.length, MAX_HIGHLIGHTS);
    assert.deepEqual(ranges.at(-1), [MAX_HIGHLIGHTS - 1, MAX_HIGHLIGHTS]);
  });

  it('matches text with HTML in it literally', () => {
    const filter = compile({ text: '<script>' });
    assert.deepEqual(filter.highlights('x <script>alert(1)</script>'), [[2, 10]]);
  });
});

describe('compileLineFilter: json', () => {
  const line = JSON.stringify({
    level: 'Error',
    status: 200,
    code: '404',
    latency: 1.5,
    ok: false,
    nothing: null,
    msg: 'disk full on /var',
    http: { method: 'GET', path: '/api' },
    'req.id': 'abc',
    items: [{ name: 'first' }],
    user: { 'e.mail': 'a@b.c' },
  });

  const holds = (json: string, text = line, extra: LineFilterSpec = {}): boolean => compile({ json, ...extra }).matches(text);

  it('key=value compares strings case-insensitively by default', () => {
    assert.equal(holds('level=error'), true);
    assert.equal(holds('level=error', line, { caseSensitive: true }), false);
    assert.equal(holds('level=Error', line, { caseSensitive: true }), true);
    assert.equal(holds('level=warn'), false);
    assert.equal(holds('level==error'), true, '== is accepted as =');
  });

  it('compares numbers numerically', () => {
    assert.equal(holds('status=200'), true);
    assert.equal(holds('status=200.0'), true);
    assert.equal(holds('status=2e2'), true);
    assert.equal(holds('status=20'), false);
    assert.equal(holds('code=404'), true, 'numeric string field');
    assert.equal(holds('code=404.0'), true);
    assert.equal(holds('latency>1'), true);
    assert.equal(holds('latency>1.5'), false);
    assert.equal(holds('latency>=1.5'), true);
    assert.equal(holds('latency<10'), true, 'numeric, not text order ("1.5" > "10" as text)');
    assert.equal(holds('latency<=1.4'), false);
    assert.equal(holds('code>400 code<500'), true);
    assert.equal(holds('level>1'), false, 'a text field is not a number');
    assert.equal(holds('missing<1'), false);
  });

  it('compares booleans and null by their JSON text', () => {
    assert.equal(holds('ok=false'), true);
    assert.equal(holds('ok=true'), false);
    assert.equal(holds('nothing=null'), true);
  });

  it('key!=value holds for other values and for absent fields', () => {
    assert.equal(holds('level!=info'), true);
    assert.equal(holds('level!=error'), false);
    assert.equal(holds('missing!=x'), true);
    assert.equal(holds('status!=200'), false);
  });

  it('key~regex matches the field text', () => {
    assert.equal(holds('msg~disk\\s+full'), true);
    assert.equal(holds('msg~^full'), false);
    assert.equal(holds('msg~DISK'), true, 'case-insensitive by default');
    assert.equal(holds('msg~DISK', line, { caseSensitive: true }), false);
    assert.equal(holds('status~^2\\d\\d$'), true, 'numbers as text');
    assert.equal(holds('http~path.{4}api'), true, 'objects as their JSON text');
    assert.equal(holds('http~"\\"path\\":\\"/api"'), true, 'a quoted regex with escaped quotes');
    assert.equal(holds('missing~.*'), false);
  });

  it('follows dotted keys into nested objects, arrays and dotted field names', () => {
    assert.equal(holds('http.method=get'), true);
    assert.equal(holds('http.path=/api'), true);
    assert.equal(holds('http.nope=x'), false);
    assert.equal(holds('req.id=abc'), true, 'a field named "req.id"');
    assert.equal(holds('items.0.name=first'), true);
    assert.equal(holds('user.e.mail=a@b.c'), true, 'mixed nesting and dotted names');
    assert.equal(holds('"req.id"=abc'), true, 'quoted key');
    assert.equal(holds('"http.method"=get'), false, 'a quoted key is one literal name');
  });

  it('accepts quoted values with spaces and escaped quotes', () => {
    assert.equal(holds('msg="disk full on /var"'), true);
    assert.equal(holds('msg="disk full"'), false);
    assert.equal(holds('msg~"full on"'), true);
    assert.equal(holds('q="say \\"hi\\""', JSON.stringify({ q: 'say "hi"' })), true);
    assert.equal(holds('p="a\\\\b"', JSON.stringify({ p: 'a\\b' })), true);
    assert.equal(holds('n~"^\\d+$"', JSON.stringify({ n: '123' })), true, 'regex escapes survive quoting');
    assert.equal(holds('e=""', JSON.stringify({ e: '' })), true);
    assert.equal(holds('e=', JSON.stringify({ e: '' })), true);
  });

  it('requires every clause', () => {
    assert.equal(holds('level=error status=200 http.method=GET'), true);
    assert.equal(holds('level=error status=500'), false);
    assert.equal(holds('  level=error    status=200  '), true, 'extra spaces');
  });

  it('never matches lines that are not JSON objects', () => {
    for (const text of ['level=error', '', '[{"level":"error"}]', '"level"', '{"level":"error"', 'null', '  {"level": "error"} trailing']) {
      assert.equal(holds('level!=x', text), false, text);
    }
    assert.equal(holds('level=error', '   {"level":"error"}  '), true, 'surrounding whitespace is fine');
  });

  it('combines with a text filter (both must hold); highlights come from the text', () => {
    const filter = compile({ text: 'disk', json: 'level=error' });
    assert.equal(filter.matches(line), true);
    assert.equal(filter.matches(JSON.stringify({ level: 'error', msg: 'cpu' })), false);
    assert.equal(filter.matches('disk but not json'), false);
    assert.equal(filter.highlights(line).length, 1);
    assert.deepEqual(compile({ json: 'level=error' }).highlights(line), []);
  });

  it('does not look up inherited properties', () => {
    assert.equal(holds('constructor~.', '{}'), false);
    assert.equal(holds('toString!=x', '{}'), true, 'absent');
    assert.equal(holds('__proto__~.', '{"a":1}'), false);
  });

  it('rejects malformed filters with a message naming the problem', () => {
    assert.match(compileError({ json: 'level' }), /expected =, !=, ~/);
    assert.match(compileError({ json: '=x' }), /expected a field name at position 1/);
    assert.match(compileError({ json: 'a.=x' }), /empty part/);
    assert.match(compileError({ json: 'msg="unclosed' }), /never closed/);
    assert.match(compileError({ json: 'msg="a"b' }), /expected a space/);
    assert.match(compileError({ json: 'latency>fast' }), /needs a number/);
    assert.match(compileError({ json: 'msg~(' }), /Invalid regular expression/);
    assert.match(compileError({ json: `${Array.from({ length: 17 }, () => 'k').join('.')}=1` }), /more than 16 parts/);
    assert.match(compileError({ json: 'level=error', text: '(', regex: true }), /Invalid regular expression/);
  });
});
