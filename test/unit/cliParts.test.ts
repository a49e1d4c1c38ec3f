// The CLI's pieces in-process: argument parsing, escaping, ordering, .dockerignore lookup.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '../../src/cli/args';
import { jsonFormatter, ruleHelpUri, sarifUri, textFormatter, xmlAttribute } from '../../src/cli/formats';
import { configCandidates, DockerignoreReader, mapOrdered } from '../../src/cli/io';
import { ALL_RULES } from '../../src/core/dockerfile/rules/index';
import type { Finding } from '../../src/core/dockerfile/rules/types';

void describe('parseCommandLine', () => {
  void it('reads hadolint\'s flags into a settings layer', () => {
    const c = parseCommandLine(['lint', '--ignore', 'DL3008,DL3009', '--ignore=DL3015', '--error', 'DL3007', '--style=DL3059', '-t', 'warning',
      '--trusted-registry', 'ghcr.io', '--require-label', 'maintainer:text', '--strict-labels', '--disable-ignore-pragma', '--no-fail', '--no-color',
      '-f', 'sarif', '-c', 'cfg.yaml', '--context', 'ctx', '--file-path-in-report', 'x/Dockerfile', 'a', '-', '--', '--weird-name']);
    assert.equal(c.kind, 'lint');
    if (c.kind !== 'lint') return;
    assert.deepEqual(c.args.files, ['a', '-', '--weird-name']);
    assert.equal(c.args.format, 'sarif');
    assert.equal(c.args.configFile, 'cfg.yaml');
    assert.equal(c.args.contextDir, 'ctx');
    assert.equal(c.args.filePathInReport, 'x/Dockerfile');
    assert.deepEqual(c.args.settings, {
      ignored: ['DL3008', 'DL3009', 'DL3015'],
      override: { dl3007: 'error', dl3059: 'style' },
      failureThreshold: 'warning',
      trustedRegistries: ['ghcr.io'],
      labelSchema: { maintainer: 'text' },
      strictLabels: true,
      disableIgnorePragma: true,
      noFail: true,
      noColor: true,
    });
  });

  void it('knows help, version and their short forms', () => {
    assert.equal(parseCommandLine([]).kind, 'help');
    assert.equal(parseCommandLine(['-h']).kind, 'help');
    assert.equal(parseCommandLine(['lint', 'x', '--help']).kind, 'help');
    assert.equal(parseCommandLine(['--version']).kind, 'version');
    assert.equal(parseCommandLine(['lint', '-v']).kind, 'version');
  });

  void it('rejects bad usage with a reason', () => {
    const reason = (argv: string[]): string => {
      const c = parseCommandLine(argv);
      return c.kind === 'usage-error' ? c.message : `not an error: ${c.kind}`;
    };
    assert.match(reason(['lint']), /no Dockerfile given/);
    assert.match(reason(['lint', '--format=yaml', 'a']), /unknown format "yaml"/);
    assert.match(reason(['lint', '-t', 'high', 'a']), /unknown failure threshold "high"/);
    assert.match(reason(['lint', '--require-label', 'x:nope', 'a']), /unknown label type "nope"/);
    assert.match(reason(['lint', '--no-fail=yes', 'a']), /takes no value/);
    assert.match(reason(['lint', 'a', '--ignore']), /--ignore needs a value/);
    assert.match(reason(['check', 'a']), /unknown command "check"/);
  });

  void it('--rules needs no file', () => {
    const c = parseCommandLine(['lint', '--rules']);
    assert.ok(c.kind === 'lint' && c.args.listRules);
  });
});

const finding = (code: string, message: string, line = 0, col = 0): Finding => ({
  code, family: 'hadolint', severity: 'warning', message, range: { start: { line, col }, end: { line, col: col + 3 } }, fixes: [],
});

void describe('formatters', () => {
  void it('text puts a multi-line message on one line', () => {
    const out = textFormatter(false).file({ file: 'Dockerfile', findings: [finding('DL3008', 'first\n  second', 4)] });
    assert.equal(out, 'Dockerfile:5 DL3008 warning: first second\n');
  });

  void it('tty colours the level when asked', () => {
    const out = textFormatter(true).file({ file: 'D', findings: [finding('DL3008', 'm')] });
    assert.ok(out.includes('\u001b[33mwarning\u001b[0m'));
  });

  void it('json separates items across files with commas', () => {
    const f = jsonFormatter();
    const text = f.begin() + f.file({ file: 'a', findings: [finding('X1', 'm')] }) + f.file({ file: 'b', findings: [] }) + f.file({ file: 'c', findings: [finding('X2', 'n', 1, 4)] }) + f.end();
    const items = JSON.parse(text) as { file: string; line: number; column: number }[];
    assert.deepEqual(items.map((i) => [i.file, i.line, i.column]), [['a', 1, 1], ['c', 2, 5]]);
  });

  void it('xmlAttribute escapes markup, keeps newlines and drops what XML cannot hold', () => {
    assert.equal(xmlAttribute(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
    assert.equal(xmlAttribute('line1\nline2\ttab\r'), 'line1&#10;line2&#9;tab&#13;');
    assert.equal(xmlAttribute('nul\u0000 bell\u0007 \uFFFF'), 'nul\uFFFD bell\uFFFD \uFFFD');
    assert.equal(xmlAttribute('lone \uD800 pair \uD83D\uDC33'), 'lone \uFFFD pair \uD83D\uDC33');
  });

  void it('sarifUri makes valid URI references', () => {
    assert.equal(sarifUri('Dockerfile'), 'Dockerfile');
    assert.equal(sarifUri('my app/Docker#file'), 'my%20app/Docker%23file');
    assert.equal(sarifUri('/abs/x y'), 'file:///abs/x%20y');
    assert.equal(sarifUri('C:\\work\\Dockerfile'), 'file:///C:/work/Dockerfile');
    assert.doesNotThrow(() => new URL(sarifUri('/abs/ä?'), 'file:///'));
  });

  void it('every rule has a help URI', () => {
    for (const rule of ALL_RULES) assert.ok(ruleHelpUri(rule.code)?.startsWith('https://'), rule.code);
    assert.equal(ruleHelpUri('NOPE'), undefined);
  });
});

void describe('mapOrdered', () => {
  void it('yields in input order with at most `limit` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out: number[] = [];
    for await (const v of mapOrdered(items, 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      // Later items finish first: order must still hold.
      await new Promise((r) => setTimeout(r, (50 - i) % 7));
      inFlight--;
      return i * 2;
    })) out.push(v);
    assert.deepEqual(out, items.map((i) => i * 2));
    assert.ok(peak <= 4 && peak > 1, `peak ${peak}`);
  });

  void it('handles an empty list', async () => {
    for await (const v of mapOrdered([], 4, () => Promise.resolve(1))) assert.fail(`unexpected ${v}`);
  });
});

void describe('DockerignoreReader and config locations', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-io-'));
    mkdirSync(join(dir, 'app'));
    mkdirSync(join(dir, 'ctx'));
    writeFileSync(join(dir, 'app', '.dockerignore'), 'node_modules\n');
    writeFileSync(join(dir, 'app', 'Dockerfile'), 'FROM a\n');
    writeFileSync(join(dir, 'app', 'prod.Dockerfile'), 'FROM a\n');
    writeFileSync(join(dir, 'app', 'prod.Dockerfile.dockerignore'), '*\n!dist\n');
    writeFileSync(join(dir, 'ctx', '.dockerignore'), '.git\n');
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  void it('uses the Dockerfile\'s directory by default', async () => {
    assert.deepEqual(await new DockerignoreReader(undefined).forDockerfile(join(dir, 'app', 'Dockerfile')), { dockerignore: 'node_modules\n' });
  });

  void it('prefers <Dockerfile>.dockerignore, as BuildKit does', async () => {
    assert.deepEqual(await new DockerignoreReader(undefined).forDockerfile(join(dir, 'app', 'prod.Dockerfile')), { dockerignore: '*\n!dist\n' });
  });

  void it('reads the --context directory instead', async () => {
    assert.deepEqual(await new DockerignoreReader(join(dir, 'ctx')).forDockerfile(join(dir, 'app', 'Dockerfile')), { dockerignore: '.git\n' });
  });

  void it('a context without .dockerignore is known to have none; stdin without --context is unknown', async () => {
    assert.deepEqual(await new DockerignoreReader(undefined).forDockerfile(join(dir, 'Dockerfile')), { dockerignore: undefined });
    assert.equal(await new DockerignoreReader(undefined).forDockerfile('-'), undefined);
    assert.deepEqual(await new DockerignoreReader(join(dir, 'ctx')).forDockerfile('-'), { dockerignore: '.git\n' });
  });

  void it('lists hadolint\'s config locations in its order', () => {
    const list = configCandidates('/work', { HOME: '/home/u', XDG_CONFIG_HOME: '/xdg' });
    assert.deepEqual(list, [
      '/work/.hadolint.yaml', '/work/.hadolint.yml',
      '/xdg/hadolint.yaml', '/xdg/hadolint.yml',
      '/home/u/.hadolint/hadolint.yaml', '/home/u/.hadolint/hadolint.yml',
      '/home/u/.hadolint/config.yaml', '/home/u/.hadolint/config.yml',
      '/home/u/.hadolint.yaml', '/home/u/.hadolint.yml',
    ]);
    assert.equal(configCandidates('/w', { HOME: '/h' })[2], '/h/.config/hadolint.yaml');
  });
});
