import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LintService, LintTimeoutError } from '../../src/clients/lint/lintService';
import type { LintConfigSources } from '../../src/clients/lint/protocol';

const DEFAULT_CONFIG: LintConfigSources = { hadolintFile: undefined, settings: {}, disabledFamilies: [], maxFindings: 500 };

// The real worker thread, bundled the way scripts/build.mjs bundles it.
describe('lint service (worker thread)', () => {
  let dir = '';
  let workerPath = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-worker-'));
    workerPath = join(dir, 'lintWorker.js');
    await build({ entryPoints: ['src/clients/lint/worker.ts'], outfile: workerPath, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('lints in the worker and summarises stages', async () => {
    const service = new LintService(workerPath);
    try {
      const r = await service.lint({ text: 'FROM golang:1.26 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n', config: DEFAULT_CONFIG, options: {} });
      assert.equal(r.binary, false);
      assert.equal(r.stages.length, 2);
      assert.equal(r.stages[1]?.role, 'final stage (of 2)');
      assert.ok(r.elapsedMs >= 0);
    } finally {
      service.dispose();
    }
  });

  it('answers concurrent requests each with its own result', async () => {
    const service = new LintService(workerPath);
    try {
      const texts = Array.from({ length: 20 }, (_, k) => `FROM scratch AS s${k}\n${'FROM scratch\n'.repeat(k % 3)}`);
      const results = await Promise.all(texts.map((text) => service.lint({ text, config: DEFAULT_CONFIG, options: {} })));
      results.forEach((r, k) => { assert.equal(r.stages.length, 1 + (k % 3)); });
    } finally {
      service.dispose();
    }
  });

  it('a request past its deadline fails with a timeout and the next one gets a fresh worker', async () => {
    const service = new LintService(workerPath);
    try {
      const big = `FROM scratch\n${'RUN echo a && echo b\n'.repeat(20000)}`;
      await assert.rejects(service.lint({ text: big, config: DEFAULT_CONFIG, options: {} }, 1), LintTimeoutError);
      const r = await service.lint({ text: 'FROM scratch\n', config: DEFAULT_CONFIG, options: {} });
      assert.equal(r.stages.length, 1);
    } finally {
      service.dispose();
    }
  });

  it('reads the .hadolint.yaml text it is given and reports its problems', async () => {
    const service = new LintService(workerPath);
    try {
      const text = 'FROM scratch\nMAINTAINER someone\n';
      const plain = await service.lint({ text, config: DEFAULT_CONFIG, options: {} });
      assert.ok(plain.findings.some((f) => f.code === 'MaintainerDeprecated' || f.code === 'DL4000'), 'a MAINTAINER finding by default');
      const hadolintFile = { path: '/p/.hadolint.yaml', text: 'ignored: [DL4000, MaintainerDeprecated]\nfailure-threshold: bogus\nfoo: 1\n' };
      const configured = await service.lint({ text, config: { ...DEFAULT_CONFIG, hadolintFile }, options: {} });
      assert.ok(configured.configProblems.length > 0, 'the unknown key or bad value is reported');
      const broken = await service.lint({ text, config: { ...DEFAULT_CONFIG, hadolintFile: { path: '/p/.hadolint.yaml', text: 'ignored: [\n' } }, options: {} });
      assert.match(broken.configProblems.join('\n'), /not used/);
      assert.deepEqual(broken.findings.map((f) => f.code), plain.findings.map((f) => f.code));
    } finally {
      service.dispose();
    }
  });

  it('reports binary content instead of linting it', async () => {
    const service = new LintService(workerPath);
    try {
      const r = await service.lint({ text: 'FROM \u0000\u0001\u0002 garbage', config: DEFAULT_CONFIG, options: {} });
      assert.equal(r.binary, true);
      assert.deepEqual(r.findings.map((f) => f.code), ['BT001']);
    } finally {
      service.dispose();
    }
  });
});
