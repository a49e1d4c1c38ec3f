// Spawns the bundled CLI (built here with esbuild, the same way scripts/build.mjs does)
// on temporary files and checks its output and exit status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { version } from '../../package.json';
import { DEFAULT_CONFIG, lintDockerfile } from '../../src/core/dockerfile/lint';
import { ALL_RULES, findRule } from '../../src/core/dockerfile/rules/index';

let dir = '';
let cli = '';

interface Run { status: number | null; stdout: string; stderr: string }

function run(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Run {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('HADOLINT_') && k !== 'NO_COLOR') env[k] = v;
  }
  // No user-level hadolint config may leak into the tests.
  env.HOME = join(dir, 'home');
  env.XDG_CONFIG_HOME = join(dir, 'home', '.config');
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? dir,
    input: options.input ?? '',
    env: { ...env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** A Dockerfile whose only certain finding is DL1000 on line 2 (an unknown instruction). */
const UNPARSABLE = 'FROM alpine:3.20\nFOO bar\n';
/** Bytes with NUL: the engine reports BT001 (info) and nothing else. */
const BINARY = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0, 255, 254, 0]);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  mkdirSync(join(dir, 'home', '.config'), { recursive: true });
  cli = join(dir, 'cli.js');
  await build({ entryPoints: ['src/cli/main.ts'], outfile: cli, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
});

after(() => { rmSync(dir, { recursive: true, force: true }); });

void describe('berth: commands and usage errors', () => {
  void it('--version prints the package version', () => {
    const r = run(['--version']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `berth ${version}\n`);
    assert.equal(run(['lint', '-v']).stdout, `berth ${version}\n`);
  });

  void it('--help prints the usage with every option, exit 0', () => {
    const r = run(['lint', '--help']);
    assert.equal(r.status, 0);
    for (const opt of ['--format', '--config', '--failure-threshold', '--ignore', '--no-fail', '--trusted-registry', '--context', '--rules']) {
      assert.ok(r.stdout.includes(opt), `help mentions ${opt}`);
    }
  });

  void it('bad usage exits 1 with a message on stderr, as hadolint does', () => {
    for (const args of [['lint'], ['lint', '--bogus', 'x'], ['lint', '--format', 'xml', 'x'], ['lint', '-t', 'fatal', 'x'], ['lint', '--config'], ['Dockerfile']]) {
      const r = run(args);
      assert.equal(r.status, 1, `exit status of ${args.join(' ')}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^berth: /);
    }
    assert.match(run(['Dockerfile']).stderr, /did you mean `berth lint Dockerfile`/);
  });

  void it('--rules lists every rule of the registry', () => {
    const r = run(['lint', '--rules']);
    assert.equal(r.status, 0);
    assert.ok(r.stdout.endsWith(`${ALL_RULES.length} rules\n`));
    const json = run(['lint', '--rules', '--format', 'json']);
    const list = JSON.parse(json.stdout) as { code: string; url: string | null }[];
    assert.deepEqual(list.map((r) => r.code).sort(), ALL_RULES.map((r) => r.code).sort());
    for (const item of list) assert.ok(item.url === null || item.url.startsWith('https://'));
  });
});

void describe('berth lint: output formats', () => {
  void it('text: file:line code level: message', () => {
    const p = file('text.Dockerfile', UNPARSABLE);
    const r = run(['lint', '--format', 'text', p]);
    assert.ok(r.stdout.split('\n').includes(`${p}:2 DL1000 error: Unknown instruction: FOO`), r.stdout);
    assert.equal(r.status, 1);
  });

  void it('tty without a terminal prints no colour codes', () => {
    const r = run(['lint', file('tty.Dockerfile', UNPARSABLE)]);
    assert.ok(r.stdout.includes(' DL1000 error: '));
    assert.ok(!r.stdout.includes('\u001b['));
  });

  void it('json: one line, hadolint\'s keys in hadolint\'s order, 1-based line and column', () => {
    const p = file('json.Dockerfile', UNPARSABLE);
    const r = run(['lint', '--format', 'json', p]);
    assert.equal(r.status, 1);
    assert.ok(r.stdout.endsWith(']\n') && r.stdout.indexOf('\n') === r.stdout.length - 1);
    const items = JSON.parse(r.stdout) as Record<string, unknown>[];
    const parseError = items.find((i) => i.code === 'DL1000');
    assert.ok(parseError);
    assert.deepEqual(Object.keys(parseError), ['code', 'column', 'file', 'level', 'line', 'message']);
    assert.deepEqual(parseError, { code: 'DL1000', column: 1, file: p, level: 'error', line: 2, message: 'Unknown instruction: FOO' });
  });

  void it('json holds exactly what the engine finds, for a real Dockerfile', () => {
    const text = 'FROM ubuntu\nRUN apt-get update && apt-get install -y curl\nWORKDIR app\nADD . /app\nUSER root\nCMD python app.py\n';
    const p = file('real.Dockerfile', text);
    const r = run(['lint', '-f', 'json', p]);
    const expected = lintDockerfile({ text, config: { ...DEFAULT_CONFIG, maxFindings: Number.MAX_SAFE_INTEGER }, options: { buildContext: { dockerignore: undefined } } }).findings
      .map((f) => ({ code: f.code, column: f.range.start.col + 1, file: p, level: f.severity, line: f.range.start.line + 1, message: f.message }));
    assert.deepEqual(JSON.parse(r.stdout), expected);
    assert.equal(r.status, expected.some((f) => f.level !== 'style') ? 1 : 0);
  });

  void it('an empty result is [] and exit 0', () => {
    const r = run(['lint', '-f', 'json', '--ignore', 'DL1000', file('empty.Dockerfile', '')]);
    const items = JSON.parse(r.stdout) as { level: string }[];
    assert.equal(r.status, items.some((i) => i.level !== 'style') ? 1 : 0);
    if (items.length === 0) assert.equal(r.stdout, '[]\n');
  });

  void it('sarif: 2.1.0 with tool.driver.rules (ids, help URIs) that every result points to', () => {
    const a = file('sarif one.Dockerfile', UNPARSABLE);
    const b = file('sarif.bin', BINARY);
    const r = run(['lint', '--format', 'sarif', 'sarif one.Dockerfile', b]);
    assert.equal(r.status, 1);
    const log = JSON.parse(r.stdout) as SarifLog;
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    const run0 = log.runs[0] as SarifLog['runs'][number];
    assert.equal(run0.tool.driver.name, 'Berth');
    assert.equal(run0.tool.driver.version, version);
    const ids = run0.tool.driver.rules.map((x) => x.id);
    assert.equal(new Set(ids).size, ids.length, 'rule ids are unique');
    assert.ok(ids.includes('DL1000') && ids.includes('BT001'));
    for (const rule of run0.tool.driver.rules) {
      assert.ok(rule.shortDescription.text.length > 0);
      if (rule.helpUri !== undefined) assert.doesNotThrow(() => new URL(rule.helpUri as string));
    }
    for (const result of run0.results) {
      assert.equal(ids[result.ruleIndex], result.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(result.level));
      const region = result.locations[0]?.physicalLocation.region;
      assert.ok(region && region.startLine >= 1 && region.startColumn >= 1 && region.endLine >= region.startLine);
      if (region.endLine === region.startLine) assert.ok(region.endColumn >= region.startColumn);
    }
    const uris = new Set(run0.results.map((x) => x.locations[0]?.physicalLocation.artifactLocation.uri));
    assert.ok(uris.has('sarif%20one.Dockerfile'), [...uris].join(', '));
    assert.ok(uris.has(`file://${b}`));
    assert.ok(a.endsWith('sarif one.Dockerfile'));
    const bt001 = run0.results.find((x) => x.ruleId === 'BT001');
    assert.equal(bt001?.level, 'note');
  });

  void it('checkstyle: well-formed XML with messages escaped', async () => {
    const p = file('check"style&.Dockerfile', 'FROM a\n<&"x\u0001> foo\n');
    const r = run(['lint', '--format', 'checkstyle', p]);
    assert.equal(r.status, 1);
    assert.ok(r.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">'));
    assert.ok(r.stdout.includes('name="' + p.replace('&', '&amp;').replace('"', '&quot;') + '"'));
    assert.ok(r.stdout.includes('message="Unknown instruction: &lt;&amp;&quot;x\uFFFD&gt;" source="DL1000"'), r.stdout);
    await assertWellFormedXml(r.stdout);
  });
});

void describe('berth lint: exit status and thresholds', () => {
  void it('default threshold info: an info finding fails, a warning threshold does not', () => {
    const p = file('binary.bin', BINARY);
    const r = run(['lint', '-f', 'json', p]);
    assert.deepEqual((JSON.parse(r.stdout) as { code: string; level: string }[]).map((i) => [i.code, i.level]), [['BT001', 'info']]);
    assert.equal(r.status, 1);
    assert.equal(run(['lint', '-t', 'warning', p]).status, 0);
    assert.equal(run(['lint', '--failure-threshold=style', p]).status, 1);
    assert.equal(run(['lint', '--failure-threshold', 'none', p]).status, 1, 'none: any finding fails (hadolint)');
    assert.equal(run(['lint', '--no-fail', p]).status, 0);
  });

  void it('a parse error (DL1000) fails at any threshold unless --no-fail', () => {
    const p = file('parse.Dockerfile', UNPARSABLE);
    assert.equal(run(['lint', '-t', 'error', p]).status, 1);
    assert.equal(run(['lint', '-t', 'error', '--no-fail', p]).status, 0);
  });

  void it('HADOLINT_FAILURE_THRESHOLD and HADOLINT_NOFAIL are read; flags beat them', () => {
    const p = file('env.bin', BINARY);
    assert.equal(run(['lint', p], { env: { HADOLINT_FAILURE_THRESHOLD: 'error' } }).status, 0);
    assert.equal(run(['lint', '-t', 'info', p], { env: { HADOLINT_FAILURE_THRESHOLD: 'error' } }).status, 1);
    assert.equal(run(['lint', p], { env: { HADOLINT_NOFAIL: 'true' } }).status, 0);
  });
});

void describe('berth lint: configuration files', () => {
  void it('reads .hadolint.yaml from the working directory', () => {
    const cwd = join(dir, 'project');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'Dockerfile'), BINARY);
    assert.equal(run(['lint', 'Dockerfile'], { cwd }).status, 1);
    writeFileSync(join(cwd, '.hadolint.yaml'), 'failure-threshold: warning\n');
    assert.equal(run(['lint', 'Dockerfile'], { cwd }).status, 0);
    const verbose = run(['lint', '-V', 'Dockerfile'], { cwd });
    assert.match(verbose.stderr, /configuration file: .*\.hadolint\.yaml/);
    // Flags beat the file.
    assert.equal(run(['lint', '-t', 'info', 'Dockerfile'], { cwd }).status, 1);
  });

  void it('falls back to $XDG_CONFIG_HOME/hadolint.yaml', () => {
    const cwd = join(dir, 'xdg-project');
    const xdg = join(dir, 'xdg');
    mkdirSync(cwd, { recursive: true });
    mkdirSync(xdg, { recursive: true });
    writeFileSync(join(cwd, 'Dockerfile'), BINARY);
    writeFileSync(join(xdg, 'hadolint.yaml'), 'no-fail: true\n');
    assert.equal(run(['lint', 'Dockerfile'], { cwd, env: { XDG_CONFIG_HOME: xdg } }).status, 0);
  });

  void it('--config FILE is used instead of the search', () => {
    const cfg = file('custom.yaml', 'failure-threshold: error\nformat: json\n');
    const p = file('cfg.bin', BINARY);
    const r = run(['lint', '--config', cfg, p]);
    assert.equal(r.status, 0);
    assert.ok(r.stdout.startsWith('[{"code":"BT001"'), 'format: json from the file');
    assert.ok(run(['lint', '-c', cfg, '-f', 'text', p]).stdout.startsWith(`${p}:1 BT001 info: `), 'the flag beats the file');
  });

  void it('a broken configuration exits 1 with file:line:col', () => {
    const cfg = file('broken.yaml', 'ignored:\n  - DL3000\nignored: [DL3001]\n');
    const r = run(['lint', '--config', cfg, file('x.Dockerfile', 'FROM a\n')]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`berth: ${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1: invalid YAML`));
    const missing = run(['lint', '--config', join(dir, 'nope.yaml'), 'x.Dockerfile']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read configuration file/);
  });

  void it('ignore and override a real rule from flags and from the file', () => {
    assert.ok(findRule('DL3006'), 'DL3006 is a registered rule');
    const p = file('untagged.Dockerfile', 'FROM ubuntu\n');
    const levels = (r: Run): string[] => (JSON.parse(r.stdout) as { code: string; level: string }[]).filter((i) => i.code === 'DL3006').map((i) => i.level);
    assert.deepEqual(levels(run(['lint', '-f', 'json', p])), ['warning']);
    assert.deepEqual(levels(run(['lint', '-f', 'json', '--ignore', 'DL3006', p])), []);
    assert.deepEqual(levels(run(['lint', '-f', 'json', '--style', 'dl3006', p])), ['style']);
    const cfg = file('override.yaml', 'override:\n  error: [DL3006]\n');
    assert.deepEqual(levels(run(['lint', '-f', 'json', '-c', cfg, p])), ['error']);
    assert.deepEqual(levels(run(['lint', '-f', 'json', '-c', cfg, '--info', 'DL3006', p])), ['info'], 'the flag beats the file');
    const ignoring = file('ignoring.yaml', 'ignored: [DL3006]\n');
    assert.deepEqual(levels(run(['lint', '-f', 'json', '-c', ignoring, p])), []);
    assert.deepEqual(levels(run(['lint', '-f', 'json', p], { env: { HADOLINT_IGNORE: 'DL3006' } })), []);
    // A pragma silences it, unless pragmas are disabled.
    const pragma = file('pragma.Dockerfile', '# hadolint ignore=DL3006\nFROM ubuntu\n');
    assert.deepEqual(levels(run(['lint', '-f', 'json', pragma])), []);
    assert.deepEqual(levels(run(['lint', '-f', 'json', '--disable-ignore-pragma', pragma])), ['warning']);
  });

  void it('--trusted-registry and trustedRegistries drive DL3026', () => {
    assert.ok(findRule('DL3026'), 'DL3026 is a registered rule');
    const p = file('registry.Dockerfile', 'FROM quay.io/org/app:1.2\n');
    const has = (r: Run): boolean => (JSON.parse(r.stdout) as { code: string }[]).some((i) => i.code === 'DL3026');
    assert.equal(has(run(['lint', '-f', 'json', p])), false, 'no list: any registry');
    assert.equal(has(run(['lint', '-f', 'json', '--trusted-registry', 'docker.io', p])), true);
    assert.equal(has(run(['lint', '-f', 'json', '--trusted-registry', 'docker.io', '--trusted-registry', 'quay.io', p])), false);
    assert.equal(has(run(['lint', '-f', 'json', '-c', file('registries.yaml', 'trustedRegistries: ghcr.io\n'), p])), true);
  });

  void it('unknown keys are warnings on stderr, not errors', () => {
    const cfg = file('unknown.yaml', 'rules: []\nfailure-threshold: error\n');
    const r = run(['lint', '-c', cfg, file('u.bin', BINARY)]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /warning: .*unknown\.yaml:1:1: unknown key "rules" is ignored/);
  });
});

void describe('berth lint: build context', () => {
  const codes = (r: Run): string[] => (JSON.parse(r.stdout) as { code: string }[]).map((i) => i.code);

  void it('reads .dockerignore from the Dockerfile\'s directory, <name>.dockerignore first, or from --context', () => {
    assert.ok(findRule('BT106') && findRule('CopyIgnoredFile'), 'BT106 and CopyIgnoredFile are registered rules');
    const app = join(dir, 'ctx-app');
    const other = join(dir, 'ctx-other');
    mkdirSync(app, { recursive: true });
    mkdirSync(other, { recursive: true });
    const dockerfile = join(app, 'Dockerfile');
    writeFileSync(dockerfile, 'FROM node:22-slim\nWORKDIR /app\nCOPY package.json dist/ ./\nCOPY . .\n');

    let found = codes(run(['lint', '-f', 'json', dockerfile]));
    assert.ok(found.includes('BT106'), 'no .dockerignore: BT106');
    assert.ok(!found.includes('CopyIgnoredFile'));

    writeFileSync(join(app, '.dockerignore'), 'dist\n');
    found = codes(run(['lint', '-f', 'json', dockerfile]));
    assert.ok(!found.includes('BT106'), 'a .dockerignore next to the Dockerfile counts');
    assert.ok(found.includes('CopyIgnoredFile'), 'and its patterns are read');

    found = codes(run(['lint', '-f', 'json', '--context', other, dockerfile]));
    assert.ok(found.includes('BT106'), '--context points at a directory without .dockerignore');

    writeFileSync(join(app, 'Dockerfile.dockerignore'), 'node_modules\n');
    found = codes(run(['lint', '-f', 'json', dockerfile]));
    assert.ok(!found.includes('CopyIgnoredFile'), 'Dockerfile.dockerignore wins over .dockerignore');

    found = codes(run(['lint', '-f', 'json', '-'], { input: 'FROM node:22-slim\nCOPY . .\n' }));
    assert.ok(!found.includes('BT106'), 'standard input has no known context');
    found = codes(run(['lint', '-f', 'json', '--context', other, '-'], { input: 'FROM node:22-slim\nCOPY . .\n' }));
    assert.ok(found.includes('BT106'), 'unless --context gives one');
  });
});

void describe('berth lint: inputs', () => {
  void it('reads standard input for -, named "-"', () => {
    const r = run(['lint', '-f', 'json', '-'], { input: UNPARSABLE });
    const items = JSON.parse(r.stdout) as { file: string; code: string }[];
    assert.ok(items.some((i) => i.code === 'DL1000' && i.file === '-'));
    assert.equal(r.status, 1);
  });

  void it('--file-path-in-report replaces the name', () => {
    const r = run(['lint', '-f', 'json', '--file-path-in-report', 'src/Dockerfile', file('fp.Dockerfile', UNPARSABLE)]);
    assert.ok((JSON.parse(r.stdout) as { file: string }[]).every((i) => i.file === 'src/Dockerfile'));
  });

  void it('a missing file or a directory is an error on stderr; the other files are still linted', () => {
    const good = file('ok.Dockerfile', UNPARSABLE);
    const r = run(['lint', '-f', 'json', join(dir, 'missing'), dir, good]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing: no such file/);
    assert.match(r.stderr, /: is a directory/);
    assert.ok((JSON.parse(r.stdout) as { file: string }[]).some((i) => i.file === good));
    assert.equal(run(['lint', '--no-fail', join(dir, 'missing')]).status, 1, 'an unreadable file is not a rule finding');
  });

  void it('a 1 MB file gives one BT002 finding, without being linted', () => {
    const big = file('big.Dockerfile', `FROM alpine:3.20\n${'RUN echo a && mkdir -p /opt/a\n'.repeat(34000)}`);
    const started = Date.now();
    const r = run(['lint', '-f', 'json', big]);
    const items = JSON.parse(r.stdout) as { code: string; message: string; level: string }[];
    assert.deepEqual(items.map((i) => [i.code, i.level]), [['BT002', 'info']]);
    assert.match(items[0]?.message ?? '', /too large to lint \(1\.0 MB; the limit is 1 MB\)/);
    assert.equal(r.status, 1, 'info fails at the default threshold');
    assert.ok(Date.now() - started < 5000);
  });

  void it('a large but plausible Dockerfile (100 KB) is linted', () => {
    const lines = ['FROM alpine:3.20'];
    let size = 0;
    while (size < 100 * 1000) {
      const line = `RUN echo line ${lines.length} && mkdir -p /opt/d${lines.length}`;
      lines.push(line);
      size += line.length + 1;
    }
    const p = file('hundredkb.Dockerfile', `${lines.join('\n')}\n`);
    const r = run(['lint', '-f', 'json', p]);
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const items = JSON.parse(r.stdout) as { code: string }[];
    assert.ok(!items.some((i) => i.code === 'BT002' || i.code === 'BT000'));
    assert.equal(r.stderr, '');
  });

  void it('a binary file gives one BT001 finding', () => {
    // Pseudo-random bytes, like a compressed archive passed by mistake.
    const bytes = Buffer.alloc(256 * 1024);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) { x = (x * 1103515245 + 12345) >>> 0; bytes[i] = x >>> 24; }
    const r = run(['lint', '-f', 'json', file('archive.tar.gz', bytes)]);
    assert.deepEqual((JSON.parse(r.stdout) as { code: string }[]).map((i) => i.code), ['BT001']);
  });

  void it('worker threads change nothing in the output', () => {
    const set = join(dir, 'pool');
    mkdirSync(set, { recursive: true });
    const texts = [UNPARSABLE, 'FROM ubuntu\nRUN apt-get install curl\nWORKDIR app\n', 'FROM node:22\nCOPY . .\nRUN npm install\n', 'FROM alpine:3.20\nUSER root\n'];
    const names: string[] = [];
    for (let i = 0; i < 120; i++) {
      const name = join(set, `p${i}.Dockerfile`);
      writeFileSync(name, texts[i % texts.length] ?? '');
      names.push(name);
    }
    names.splice(60, 0, join(set, 'missing.Dockerfile'));
    const pooled = run(['lint', '-f', 'json', ...names], { env: { BERTH_WORKERS: '3' } });
    const single = run(['lint', '-f', 'json', ...names], { env: { BERTH_WORKERS: '0' } });
    assert.equal(pooled.stdout, single.stdout);
    assert.equal(pooled.stderr, single.stderr);
    assert.equal(pooled.status, single.status);
    assert.ok((JSON.parse(pooled.stdout) as unknown[]).length >= 30);
  });

  void it('thousands of files in one process, reported in argument order', () => {
    const many = join(dir, 'many');
    mkdirSync(many, { recursive: true });
    const names: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const name = join(many, `f${i}.Dockerfile`);
      writeFileSync(name, i % 2 === 0 ? UNPARSABLE : BINARY);
      names.push(name);
    }
    const r = run(['lint', '-f', 'json', '--no-fail', ...names.map((n) => n.slice(dir.length + 1))]);
    assert.equal(r.status, 0, r.stderr);
    const items = JSON.parse(r.stdout) as { file: string; code: string }[];
    const order = items.filter((i) => i.code === 'DL1000' || i.code === 'BT001').map((i) => i.file);
    assert.deepEqual(order, names.map((n) => n.slice(dir.length + 1)));
  });
});

// ---- helpers ----

interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; rules: { id: string; helpUri?: string; shortDescription: { text: string } }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } } }[];
    }[];
  }[];
}

/** Parses with sax in strict mode when it is installed (it comes with @vscode/vsce). */
async function assertWellFormedXml(xml: string): Promise<void> {
  type Sax = { parser(strict: boolean): { onerror: (e: Error) => void; write(s: string): { close(): void } } };
  let sax: Sax;
  try {
    // @ts-expect-error -- sax ships no types; only parser() is used.
    const mod = (await import('sax')) as unknown as Sax & { default?: Sax };
    sax = mod.default ?? mod;
  } catch {
    // Without sax, at least every attribute must be quoted text without raw markup.
    assert.match(xml, /^(<[^<>]*>\n?)+$/);
    return;
  }
  const errors: Error[] = [];
  const parser = sax.parser(true);
  parser.onerror = (e: Error): void => { errors.push(e); };
  parser.write(xml).close();
  assert.deepEqual(errors, []);
}
