import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyPathsOf, fromPartsOf, keyValuesOf, wordsOf } from '../../src/core/dockerfile/args';
import { commandPosition, commandRange, commandText, runCommandsOf } from '../../src/core/dockerfile/commands';
import { applyEdits } from '../../src/core/dockerfile/edits';
import { lintDockerfile } from '../../src/core/dockerfile/lint';
import type { Instruction } from '../../src/core/dockerfile/model';
import { mountsOf, pathCovers, throwawayMountCovers, throwawayMountCoversFragment, throwawayMountTargets } from '../../src/core/dockerfile/mounts';
import { parseDockerfile } from '../../src/core/dockerfile/parser';
import type { Rule, RuleContext } from '../../src/core/dockerfile/rules/types';
import { parseShell, positionalArgs } from '../../src/core/dockerfile/shell';
import { stageChain } from '../../src/core/dockerfile/stages';
import { expandVariables, splitWords } from '../../src/core/dockerfile/variables';

/** The instruction on 0-based `line` of a parsed file. */
function instAt(text: string, line: number): { df: ReturnType<typeof parseDockerfile>; inst: Instruction } {
  const df = parseDockerfile(text);
  const inst = df.instructions.find((i) => i.range.start.line === line);
  assert.ok(inst, `no instruction on line ${line}`);
  return { df, inst };
}

describe('RUN commands (what ctx.commands gives every rule)', () => {
  it('reads shell form, and heredoc bodies that RUN hands to a shell', () => {
    const { inst } = instAt('FROM a\nRUN <<EOF\napt-get update\nrm -rf /x\nEOF\n', 1);
    assert.deepEqual(runCommandsOf(inst).map((c) => [c.program, c.heredoc]), [['apt-get', 0], ['rm', 0]]);
    const bash = instAt('FROM a\nRUN bash -e <<EOF\nmake\nEOF\n', 1).inst;
    assert.deepEqual(runCommandsOf(bash).map((c) => [c.program, c.heredoc]), [['bash', undefined], ['make', 0]]);
  });
  it('does not read a heredoc that is file content or another language as shell', () => {
    const py = instAt('FROM a\nRUN python3 <<EOF\nimport os\nEOF\n', 1).inst;
    assert.deepEqual(runCommandsOf(py).map((c) => c.program), ['python3']);
    const file = instAt('FROM a\nRUN cat <<EOF > /etc/app.conf\nservice = on\nEOF\n', 1).inst;
    assert.deepEqual(runCommandsOf(file).map((c) => c.program), ['cat']);
  });
  it('opens up exec-form `sh -c` (offsets in the script, heredoc -1) and keeps other exec forms as one command', () => {
    const { df, inst } = instAt('FROM a\nRUN ["/bin/sh", "-ec", "apt-get update && rm -rf /x"]\n', 1);
    const [update, rm] = runCommandsOf(inst);
    assert.ok(update && rm);
    assert.deepEqual([update, rm].map((c) => [c.program, c.heredoc]), [['apt-get', -1], ['rm', -1]]);
    assert.equal(commandText(inst, rm), 'rm -rf /x');
    assert.equal(commandPosition(df, inst, update, 0), undefined);
    assert.deepEqual(commandRange(df, inst, update), inst.range);
    const exec = instAt('FROM a\nRUN ["apt-get", "install", "-y", "curl"]\n', 1).inst;
    const only = runCommandsOf(exec);
    assert.deepEqual(only.map((c) => [c.program, c.heredoc, c.args.map((a) => a.value).join(' ')]), [['apt-get', -1, 'install -y curl']]);
  });
  it('an ONBUILD RUN gives the commands of the wrapped RUN', () => {
    const { inst } = instAt('FROM a\nONBUILD RUN apt-get update && make\n', 1);
    assert.deepEqual(runCommandsOf(inst).map((c) => c.program), ['apt-get', 'make']);
  });
  it('maps heredoc offsets to exact source positions, tabs of `<<-` included', () => {
    const text = 'FROM a\nRUN <<-EOF\n\t\tapt-get update\n\t\trm -rf /x\n\tEOF\n';
    const { df, inst } = instAt(text, 1);
    const rm = runCommandsOf(inst)[1];
    assert.ok(rm);
    assert.deepEqual(commandRange(df, inst, rm), { start: { line: 3, col: 2 }, end: { line: 3, col: 11 } });
    assert.equal(commandText(inst, rm), 'rm -rf /x');
  });
  it('maps offsets across continuation lines of shell form', () => {
    const { df, inst } = instAt('FROM a\nRUN apt-get update \\\n  && apt-get install -y curl\n', 1);
    const install = runCommandsOf(inst)[1];
    assert.ok(install);
    assert.deepEqual(commandRange(df, inst, install), { start: { line: 2, col: 5 }, end: { line: 2, col: 28 } });
  });
  it('the engine gives rules the same commands and ranges, cached per instruction', () => {
    const seen: string[] = [];
    const probe: Rule = {
      code: 'XT100', family: 'berth', severity: 'info', title: 'probe', doc: { why: '', bad: '', good: '' },
      check(ctx: RuleContext) {
        for (const inst of ctx.df.instructions) {
          if (inst.keyword !== 'RUN') continue;
          assert.equal(ctx.commands(inst), ctx.commands(inst));
          for (const cmd of ctx.commands(inst)) seen.push(`${cmd.program}@${ctx.commandRange(inst, cmd).start.line}`);
        }
      },
    };
    lintDockerfile({ text: 'FROM a\nRUN <<EOF\nmake\nEOF\nRUN ["sh", "-c", "npm ci"]\n', rules: [probe] });
    assert.deepEqual(seen, ['make@2', 'npm@4']);
  });
});

describe('shell tokenizer', () => {
  it('reads redirections with a file descriptor of up to five digits; longer numbers are words', () => {
    const [cmd] = parseShell('make 2>&1 >>log <in 12345>x 1234567>y');
    assert.ok(cmd);
    assert.deepEqual(cmd.redirects, [
      { op: '>&', target: '1' }, { op: '>>', target: 'log' }, { op: '<', target: 'in' }, { op: '>', target: 'x' }, { op: '>', target: 'y' },
    ]);
    assert.deepEqual(cmd.args.map((a) => a.value), ['1234567']);
  });
  it('joins quoted and escaped parts of a word and keeps substitutions as written', () => {
    const [cmd] = parseShell(`echo a"b c"'d e'\\ f "$(date +%s)" \${HOME}/x \`id\``);
    assert.ok(cmd);
    assert.deepEqual(cmd.args.map((a) => a.value), ['ab cd e f', '$(date +%s)', '${HOME}/x', '`id`']);
    assert.equal(cmd.args[0]?.raw, `a"b c"'d e'\\ f`);
  });
  it('splits on operators and newlines, skips comments and line continuations', () => {
    const cmds = parseShell('a && b || c; d | e & f\n# note\ng \\\n  h');
    assert.deepEqual(cmds.map((c) => [c.name, c.before ?? '', c.after ?? '']), [
      ['a', '', '&&'], ['b', '&&', '||'], ['c', '||', ';'], ['d', ';', '|'], ['e', '|', '&'], ['f', '&', '\n'], ['g', '\n', ''],
    ]);
    assert.deepEqual(cmds[6]?.args.map((a) => a.value), ['h']);
  });
  it('positional arguments skip options, values of the listed options, and keep everything after --', () => {
    const [cmd] = parseShell('apt-get -o Dpkg::Options::=x install -y curl -- -weird');
    assert.ok(cmd);
    assert.deepEqual(positionalArgs(cmd, ['-o']).map((w) => w.value), ['install', 'curl', '-weird']);
    assert.deepEqual(positionalArgs(cmd, ['-o'], 3).map((w) => w.value), ['curl', '-weird']);
  });
});

describe('variable expansion', () => {
  const vars = new Map<string, string | undefined>([['A', 'one'], ['EMPTY', ''], ['UNSET', undefined]]);
  it('expands $X and ${X} in runs of text, and reports undefined names with their offsets', () => {
    const r = expandVariables('x-$A/${A}-$NOPE-${MISSING}', vars);
    assert.equal(r.value, 'x-one/one--');
    assert.deepEqual(r.undefinedNames, [{ name: 'NOPE', offset: 10, length: 5 }, { name: 'MISSING', offset: 16, length: 10 }]);
  });
  it('handles defaults, alternatives, escapes, single quotes and unclosed braces', () => {
    assert.equal(expandVariables('${EMPTY:-d} ${EMPTY-d} ${A:+alt} ${UNSET+alt}', vars).value, 'd  alt ');
    assert.equal(expandVariables("\\$A '$A' $ end$", vars).value, "$A '$A' $ end$");
    assert.equal(expandVariables('pre ${A', vars).value, 'pre ${A');
    assert.equal(expandVariables('`$A and \\$A', vars, '`').value, '$A and \\one');
  });
  it('splits words on any white space outside quotes', () => {
    assert.deepEqual(splitWords(' a\t"b c"\u00a0d\\ e \'f g\' ').map((w) => [w.text, w.offset]), [['a', 1], ['"b c"', 3], ['d\\ e', 9], ["'f g'", 14]]);
  });
});

describe('instruction arguments, cached per instruction', () => {
  it('words, key=value pairs (legacy ENV form too), COPY paths and FROM parts', () => {
    const df = parseDockerfile('FROM node:22 as build\nENV A=1 B="two words"\nENV LEGACY some value\nARG X Y=2\nCOPY --chown=1 a b /dst/\nCOPY <<EOF /etc/conf\nx\nEOF\n');
    const [from, env, legacy, arg, copy, heredoc] = df.instructions as Instruction[];
    assert.ok(from && env && legacy && arg && copy && heredoc);
    assert.equal(wordsOf(env), wordsOf(env));
    assert.deepEqual(keyValuesOf(env).map((kv) => [kv.key, kv.value]), [['A', '1'], ['B', 'two words']]);
    assert.deepEqual(keyValuesOf(legacy).map((kv) => [kv.key, kv.value]), [['LEGACY', 'some value']]);
    assert.deepEqual(keyValuesOf(arg).map((kv) => [kv.key, kv.value]), [['X', undefined], ['Y', '2']]);
    assert.deepEqual(copyPathsOf(copy), { sources: ['a', 'b'], dest: '/dst/' });
    assert.deepEqual(copyPathsOf(heredoc), { sources: [], dest: '/etc/conf' });
    const parts = fromPartsOf(from);
    assert.deepEqual([parts.image?.text, parts.as?.text, parts.name?.text, parts.wordCount], ['node:22', 'as', 'build', 3]);
    assert.deepEqual(parts.name?.range, { start: { line: 0, col: 16 }, end: { line: 0, col: 21 } });
  });
  it('a stage chain runs from a stage through the stages it is built FROM', () => {
    const df = parseDockerfile('FROM a AS base\nFROM base AS mid\nFROM other\nFROM mid\n');
    const last = df.stages[3];
    assert.ok(last);
    assert.deepEqual(stageChain(df.stages, last).map((s) => s.index), [3, 1, 0]);
  });
});

describe('RUN --mount', () => {
  const run = parseDockerfile(
    'FROM a\nRUN --mount=type=CACHE,target=/root/.cache/pip/ --mount=type=tmpfs,dst="/tmp" --mount=from=build,source=/out,target=/in make\n',
  ).instructions[1] as Instruction;
  it('reads type (lower-cased, bind by default), target under any of its names, from and source', () => {
    assert.deepEqual(mountsOf(run).map((m) => [m.type, m.target, m.from, m.source]), [
      ['cache', '/root/.cache/pip/', undefined, undefined], ['tmpfs', '/tmp', undefined, undefined], ['bind', '/in', 'build', '/out'],
    ]);
    assert.deepEqual(throwawayMountTargets(run), ['/root/.cache/pip', '/tmp']);
  });
  it('tells which paths a cache or tmpfs mount covers', () => {
    assert.ok(throwawayMountCovers(run, '/tmp/build'));
    assert.ok(!throwawayMountCovers(run, '/in/file'));
    assert.ok(throwawayMountCoversFragment(run, ['.cache/pip']));
    assert.ok(!throwawayMountCoversFragment(run, ['/var/cache/apt']));
  });
  it('path coverage respects whole path components', () => {
    assert.ok(pathCovers('/var/lib/apt/', '/var/lib/apt/lists'));
    assert.ok(pathCovers('/', '/anything'));
    assert.ok(!pathCovers('/var/lib/ap', '/var/lib/apt'));
    assert.ok(!pathCovers('', '/var'));
  });
});

describe('applyEdits', () => {
  const at = (line: number, col: number): { line: number; col: number } => ({ line, col });
  it('applies edits made against the original text in any order', () => {
    const edits = [
      { range: { start: at(1, 1), end: at(1, 1) }, newText: '+' },
      { range: { start: at(0, 0), end: at(0, 1) }, newText: 'X' },
      { range: { start: at(0, 2), end: at(1, 0) }, newText: '' },
    ];
    assert.equal(applyEdits('ab\ncd\n', edits), 'Xbc+d\n');
  });
  it('keeps inserts at the same position in array order, before a replacement that starts there', () => {
    const edits = [
      { range: { start: at(0, 1), end: at(0, 2) }, newText: 'R' },
      { range: { start: at(0, 1), end: at(0, 1) }, newText: '1' },
      { range: { start: at(0, 1), end: at(0, 1) }, newText: '2' },
    ];
    assert.equal(applyEdits('abc', edits), 'a12Rc');
  });
  it('clamps positions past the end of the text', () => {
    assert.equal(applyEdits('ab', [{ range: { start: at(5, 0), end: at(5, 0) }, newText: '!' }]), 'ab!');
  });
});
