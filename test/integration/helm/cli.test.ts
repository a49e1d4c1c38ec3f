// Finding helm and running it as a process, with the real helm 3 and 4 binaries: the setting
// and PATH lookups (no `which`), version detection and refusal, output streaming and caps,
// secret redaction in errors, and the SIGTERM -> SIGKILL escalation that takes down a process
// group which ignores SIGTERM (a small Node program in the role of a misbehaving helm plugin).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KILL_GRACE_MS, STDOUT_KEEP_CHARS, findHelm, findOnPath, runHelmProcess } from '../../../src/clients/helm/cli';
import { helmClients } from '../../../src/clients/helm/index';
import { versionArgs } from '../../../src/core/helm/args';
import { MAJORS, helmBinaryPaths, helmEnv, helmErrorOf, processesOf } from './env';

const work = mkdtempSync(join(tmpdir(), 'berth-helm-cli-'));
after(() => {
  rmSync(work, { recursive: true, force: true });
});

/** An executable Node script at `path` (a stand-in binary whose behaviour the test controls). */
function nodeScript(path: string, source: string): string {
  writeFileSync(path, `#!${process.execPath}\n${source}\n`);
  chmodSync(path, 0o755);
  return path;
}

function dir(name: string): string {
  const path = join(work, name);
  mkdirSync(path, { recursive: true });
  return path;
}

describe('findHelm with the real binaries', () => {
  for (const major of MAJORS) {
    it(`helm ${major} from the setting: its version is read from \`helm version --short\``, async () => {
      const client = await helmClients.findHelm({ setting: helmBinaryPaths()[major], env: helmEnv() });
      assert.equal(client.binary.path, helmBinaryPaths()[major]);
      assert.deepEqual(client.binary.version, major === 3 ? { major: 3, minor: 19, patch: 5, raw: 'v3.19.5' } : { major: 4, minor: 3, patch: 1, raw: 'v4.3.1' });
      const result = await client.run(versionArgs());
      assert.equal(result.stdout.trim(), client.binary.version.raw);
      assert.ok(result.durationMs >= 0 && result.durationMs < 10_000);
    });
  }

  it('PATH: the first executable helm wins; relative entries and non-executable files are skipped', async () => {
    const relative = dir('relative-bin');
    symlinkSync(helmBinaryPaths()[3], join(relative, 'helm'));
    const notExecutable = dir('plain-file');
    writeFileSync(join(notExecutable, 'helm'), 'not a program');
    const real = dir('real-bin');
    symlinkSync(helmBinaryPaths()[4], join(real, 'helm'));
    const later = dir('later-bin');
    symlinkSync(helmBinaryPaths()[3], join(later, 'helm'));
    // `relative-bin` as a relative entry: it must not be used even though the cwd makes it resolvable.
    const PATH = ['', 'relative-bin', notExecutable, real, later].join(':');
    const cwd = process.cwd();
    process.chdir(work);
    try {
      assert.equal(await findOnPath({ PATH }), join(real, 'helm'));
      const client = await findHelm({ env: { ...helmEnv(), PATH } });
      assert.equal(client.binary.version.major, 4);
      assert.equal(client.binary.path, join(real, 'helm'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('not found: no helm on PATH, a relative setting, a setting that is not an executable file', async () => {
    const empty = dir('empty-bin');
    const onPath = await helmErrorOf(findHelm({ env: { PATH: empty } }));
    assert.equal(onPath.kind, 'not-found');
    assert.match(onPath.message, /helm was not found on PATH/);
    assert.match(onPath.hint, /absolute path/);
    const relative = await helmErrorOf(findHelm({ setting: 'bin/helm', env: helmEnv() }));
    assert.equal(relative.kind, 'not-found');
    assert.match(relative.message, /"bin\/helm" is not an absolute path/);
    const missing = await helmErrorOf(findHelm({ setting: join(empty, 'helm'), env: helmEnv() }));
    assert.equal(missing.kind, 'not-found');
    assert.match(missing.message, /is not an executable file/);
  });

  it('unsupported versions: Helm 2, a Helm 3 older than 3.13, and a program that prints no version', async () => {
    const helm2 = nodeScript(join(dir('helm2'), 'helm'), 'console.log(\'Client: &version.Version{SemVer:"v2.17.0", GitCommit:"a690bad"}\')');
    const error2 = await helmErrorOf(findHelm({ setting: helm2, env: helmEnv() }));
    assert.equal(error2.kind, 'unsupported-version');
    assert.match(error2.message, /Helm 2 \(v2\.17\.0\) is not supported/);
    const old = nodeScript(join(dir('helm312'), 'helm'), 'console.log("v3.12.3+g3a31588")');
    const errorOld = await helmErrorOf(findHelm({ setting: old, env: helmEnv() }));
    assert.equal(errorOld.kind, 'unsupported-version');
    assert.match(errorOld.message, /3\.13 or later/);
    const failing = nodeScript(join(dir('not-helm'), 'helm'), 'console.error("Error: unknown command \\"version\\""); process.exit(1)');
    const errorFailing = await helmErrorOf(findHelm({ setting: failing, env: helmEnv() }));
    assert.equal(errorFailing.kind, 'unsupported-version');
    assert.match(errorFailing.message, /did not report a helm version: .*unknown command "version"/);
  });
});

describe('running helm as a process', () => {
  it('a failing helm: HelmError with exit code, stderr, and the reason in the message', async () => {
    const client = await findHelm({ setting: helmBinaryPaths()[4], env: helmEnv() });
    const error = await helmErrorOf(client.run(['install', '--no-such-flag']));
    assert.equal(error.kind, 'failed');
    assert.equal(error.exitCode, 1);
    assert.match(error.stderr, /unknown flag: --no-such-flag/);
    assert.match(error.message, /^helm install failed: unknown flag: --no-such-flag/);
  });

  it('stderr and messages are redacted: bearer tokens, passwords in URLs, JWTs', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
    const leaky = nodeScript(join(dir('leaky'), 'helm'), `console.error(${JSON.stringify(`Error: pull failed from https://robot:s3cr3t-pass@charts.example.com/x: Authorization: Bearer ${jwt}`)}); process.exit(1)`);
    const streamed: string[] = [];
    const error = await helmErrorOf(runHelmProcess(leaky, ['pull'], {}, { onStderr: (chunk) => streamed.push(chunk) }));
    for (const text of [error.message, error.stderr, streamed.join('')]) {
      assert.ok(!text.includes('s3cr3t-pass'), text);
      assert.ok(!text.includes(jwt), text);
      assert.match(text, /pull failed from https:\/\/robot:/);
    }
  });

  it('output is streamed as it comes and capped to its tail', async () => {
    const chatty = nodeScript(join(dir('chatty'), 'helm'), [
      'const line = "x".repeat(1023) + "\\n";',
      // 20 MiB in 1 KiB lines, then a last line the caller must still see.
      'for (let i = 0; i < 20 * 1024; i++) process.stdout.write(line);',
      'process.stdout.write("LAST LINE\\n");',
    ].join('\n'));
    let streamedChars = 0;
    const result = await runHelmProcess(chatty, ['template'], {}, { onStdout: (chunk) => { streamedChars += chunk.length; } });
    assert.equal(streamedChars, 20 * 1024 * 1024 + 'LAST LINE\n'.length);
    assert.ok(result.stdout.endsWith('LAST LINE\n'));
    const marker = /^\[… (\d+) earlier characters not kept\]\n/.exec(result.stdout);
    assert.ok(marker, result.stdout.slice(0, 80));
    assert.equal(result.stdout.length - marker[0].length, STDOUT_KEEP_CHARS);
    assert.equal(Number(marker[1]) + STDOUT_KEEP_CHARS, streamedChars);
  });

  it('a process group that ignores SIGTERM is killed with SIGKILL after the grace period; none of it remains', async () => {
    const script = join(dir('stubborn'), 'helm');
    // It starts a child, which stays in its process group (as a plugin or post-renderer would), and both ignore SIGTERM.
    nodeScript(script, [
      'const { spawn } = require("node:child_process");',
      'process.on("SIGTERM", () => { console.error("ignoring SIGTERM"); });',
      'if (process.argv[2] === "upgrade") spawn(process.argv[1], ["child"], { stdio: "ignore" });',
      'setInterval(() => {}, 1000);',
    ].join('\n'));
    const controller = new AbortController();
    const run = runHelmProcess(script, ['upgrade'], {}, { signal: controller.signal });
    run.catch(() => undefined);
    // Both processes up (argv[0] of a script is the interpreter; the script path is argv[1]).
    const ours = (): number[] => processesOf(process.execPath, script);
    const deadline = Date.now() + 10_000;
    while (ours().length < 2) {
      assert.ok(Date.now() < deadline, 'the stand-in and its child did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const abortedAt = Date.now();
    controller.abort();
    const error = await helmErrorOf(run);
    const took = Date.now() - abortedAt;
    assert.equal(error.kind, 'cancelled');
    assert.match(error.stderr, /ignoring SIGTERM/);
    assert.ok(took >= KILL_GRACE_MS - 100 && took < KILL_GRACE_MS + 2_000, `settled ${took} ms after cancel`);
    assert.deepEqual(ours(), [], 'a process of the group survived');
  });
});
