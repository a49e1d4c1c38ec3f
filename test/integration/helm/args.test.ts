// Every argument array core/helm/args.ts builds, run through the real helm 3 and 4 binaries
// (moved here from test/unit/helm/args.test.ts: it needs the binaries, and a missing binary
// must fail the run, not skip). helm parses the arguments before it contacts the cluster, so
// against an unreachable server a well-formed call fails with "cluster unreachable", and a
// wrong flag with "unknown flag" or a deprecation warning.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getArgs, historyArgs, installOrUpgradeArgs, lintArgs, listArgs, rollbackArgs, templateArgs, uninstallArgs } from '../../../src/core/helm/args';
import type { HelmVersion } from '../../../src/core/helm/types';
import { helmBinaryPaths } from './env';

const V3: HelmVersion = { major: 3, minor: 19, patch: 5, raw: 'v3.19.5' };
const V4: HelmVersion = { major: 4, minor: 3, patch: 1, raw: 'v4.3.1' };

describe('real helm 3 and 4 accept the arrays', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-helm-args-'));
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {token: x}\ncontexts:\n- name: berth-sandbox\n  context: {cluster: c, user: u}\ncurrent-context: berth-sandbox\n',
  );
  const target = { kubeContext: 'berth-sandbox', namespace: 'shop', kubeconfig };

  function run(major: 3 | 4, args: string[]): { status: number | null; stdout: string; stderr: string } {
    // helmBinaryPaths() fails the test, with the command that builds them, when a binary is missing.
    const result = spawnSync(helmBinaryPaths()[major], args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') }, timeout: 30_000 });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  const chart = join(work, 'web');
  const values = join(work, 'values-prod.yaml');
  before(() => {
    const created = run(3, ['create', chart]);
    assert.equal(created.status, 0, created.stderr);
    writeFileSync(values, 'replicaCount: 2\n');
  });

  for (const major of [3, 4] as const) {
    const version = major === 3 ? V3 : V4;
    const clusterCalls: [string, string[]][] = [
      ['upgrade --install (every option)', installOrUpgradeArgs({ ...target, version, release: 'web', chart, install: true, valuesFiles: [values], set: { 'image.tag': '1.10' }, setJson: { replicaCount: 2 }, wait: true, timeoutSeconds: 60, atomic: true, createNamespace: true, forceReplace: true, cleanupOnFail: true, reuseValues: true, description: 'from Berth', output: 'json' })],
      ['upgrade --dry-run=server', installOrUpgradeArgs({ ...target, version, release: 'web', chart, install: true, valuesFiles: [], wait: false, atomic: false, createNamespace: false, dryRun: 'server' })],
      ['rollback', rollbackArgs({ ...target, version, release: 'web', revision: 2, wait: true, timeoutSeconds: 60, forceReplace: true, cleanupOnFail: true })],
      ['uninstall', uninstallArgs({ ...target, version, release: 'web', wait: true, timeoutSeconds: 60, keepHistory: true, dryRun: true })],
      ['history', historyArgs({ ...target, release: 'web', max: 10 })],
      ['get values --all', getArgs({ ...target, release: 'web', what: 'values', all: true, revision: 1 })],
      ['get manifest', getArgs({ ...target, release: 'web', what: 'manifest', revision: 1 })],
      ['get notes', getArgs({ ...target, release: 'web', what: 'notes' })],
      ['get hooks', getArgs({ ...target, release: 'web', what: 'hooks' })],
      ['list -A', listArgs({ ...target, version, allNamespaces: true })],
    ];
    for (const [name, args] of clusterCalls) {
      it(`helm ${major}: ${name}`, () => {
        const { stderr } = run(major, args);
        assert.match(stderr, /[Kk]ubernetes cluster unreachable|connection refused/, stderr);
        assert.doesNotMatch(stderr, /unknown (shorthand )?flag|requires|accepts|invalid argument|deprecated/i, stderr);
      });
    }

    it(`helm ${major}: template and lint run offline with the arrays`, () => {
      const template = run(major, templateArgs({ release: 'web', chart, namespace: 'shop', kubeContext: 'berth-sandbox', kubeconfig, valuesFiles: [values], set: { 'image.tag': '1.10' }, showOnly: ['templates/deployment.yaml'], includeCrds: true, isUpgrade: true, skipTests: true, kubeVersion: '1.34.0' }));
      assert.equal(template.status, 0, template.stderr);
      assert.match(template.stdout, /# Source: web\/templates\/deployment.yaml/);
      // --set-literal keeps 1.10 a string (--set would have made it the number 1.1).
      assert.match(template.stdout, /image: "nginx:1.10"/);
      assert.match(template.stdout, /replicas: 2/);
      const lint = run(major, lintArgs(chart, [values], { namespace: 'shop', strict: true, withSubcharts: true, set: { a: 'b' } }));
      assert.equal(lint.status, 0, lint.stderr);
      assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it(`helm ${major}: the other major's flags are refused or deprecated`, () => {
      const other = major === 3 ? V4 : V3;
      const { stderr } = run(major, installOrUpgradeArgs({ ...target, version: other, release: 'web', chart, install: true, valuesFiles: [], wait: true, atomic: true, createNamespace: false, forceReplace: true }));
      if (major === 3) assert.match(stderr, /unknown flag: --(rollback-on-failure|force-replace)|invalid argument "watcher" for "--wait"/);
      else assert.match(stderr, /Flag --(atomic|force) has been deprecated/);
      const list = run(major, listArgs({ ...target, version: other, allNamespaces: true }));
      if (major === 4) assert.match(list.stderr, /unknown flag: --all/);
    });
  }
});
