import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HelmArgumentError,
  getArgs,
  helmVersionProblem,
  historyArgs,
  installOrUpgradeArgs,
  lintArgs,
  listArgs,
  parseHelmVersion,
  rollbackArgs,
  templateArgs,
  uninstallArgs,
  validateKubeContext,
  validateNamespace,
  validateReleaseName,
  versionArgs,
  type InstallOrUpgradeOptions,
} from '../../../src/core/helm/args';
import type { HelmVersion } from '../../../src/core/helm/types';
import { cliOutput } from './fixtures';

const V3: HelmVersion = { major: 3, minor: 19, patch: 5, raw: 'v3.19.5' };
const V4: HelmVersion = { major: 4, minor: 3, patch: 1, raw: 'v4.3.1' };
const TARGET = { kubeContext: 'berth-sandbox', namespace: 'shop' };

function upgrade(version: HelmVersion, extra: Partial<InstallOrUpgradeOptions> = {}): InstallOrUpgradeOptions {
  return { ...TARGET, version, release: 'web', chart: '/charts/web', install: true, valuesFiles: [], wait: false, atomic: false, createNamespace: false, ...extra };
}

describe('helm version', () => {
  it('reads both majors from real `helm version` output, short and long', () => {
    assert.deepEqual(versionArgs(), ['version', '--short']);
    assert.deepEqual(parseHelmVersion(cliOutput(3, 'version.stdout')), V3);
    assert.deepEqual(parseHelmVersion(cliOutput(4, 'version.stdout')), V4);
    assert.deepEqual(parseHelmVersion(cliOutput(3, 'version-long.stdout')), V3);
    assert.deepEqual(parseHelmVersion(cliOutput(4, 'version-long.stdout')), V4);
    assert.deepEqual(parseHelmVersion('v3.14.4+g81c902a\n'), { major: 3, minor: 14, patch: 4, raw: 'v3.14.4+g81c902a' });
  });

  it('refuses Helm 2, unknown majors and noise, and flags a Helm 3 that is too old', () => {
    const helm2 = parseHelmVersion('Client: &version.Version{SemVer:"v2.17.0", GitCommit:"a690bad"}');
    assert.ok('error' in helm2 && /Helm 2 .* not supported/.test(helm2.error));
    assert.ok('error' in parseHelmVersion('v5.0.0'));
    assert.ok('error' in parseHelmVersion('command not found'));
    assert.match(helmVersionProblem({ major: 3, minor: 12, patch: 3, raw: 'v3.12.3' }) ?? '', /3\.13 or later/);
    assert.equal(helmVersionProblem(V3), undefined);
    assert.equal(helmVersionProblem(V4), undefined);
  });
});

describe('validation', () => {
  it('release names follow Helm: lowercase RFC 1123 subdomain, at most 53 characters', () => {
    for (const ok of ['web', 'web-1', 'a.b', '1abc', 'a'.repeat(53)]) assert.equal(validateReleaseName(ok), undefined, ok);
    for (const bad of ['', 'Web', '-web', 'web-', 'a..b', 'a_b', 'a b', 'a'.repeat(54), 'web\n']) assert.notEqual(validateReleaseName(bad), undefined, JSON.stringify(bad));
    assert.match(validateReleaseName('a'.repeat(54)) ?? '', /54 characters long; Helm allows at most 53/);
  });

  it('namespaces are DNS labels; contexts are free-form but never empty or flag-like', () => {
    for (const ok of ['default', 'team-a', 'a1']) assert.equal(validateNamespace(ok), undefined);
    for (const bad of ['', 'Team', 'a.b', '-a', 'a'.repeat(64)]) assert.notEqual(validateNamespace(bad), undefined, bad);
    for (const ok of ['kind-kind', 'arn:aws:eks:eu-west-1:123456789012:cluster/prod', 'admin@prod', 'gke_proj_zone_name']) assert.equal(validateKubeContext(ok), undefined);
    for (const bad of ['', '  ', '--kubeconfig=/tmp/x', 'a\nb']) assert.notEqual(validateKubeContext(bad), undefined, JSON.stringify(bad));
  });

  it('every builder refuses unsafe input with a clear HelmArgumentError', () => {
    const refuses = (build: () => unknown, message: RegExp): void => {
      assert.throws(build, (error: unknown) => error instanceof HelmArgumentError && message.test(error.message));
    };
    refuses(() => installOrUpgradeArgs(upgrade(V3, { release: 'My_App' })), /Release name "My_App" is not valid/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { kubeContext: '' })), /never falls back to the kubeconfig's current context/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { namespace: 'Prod' })), /Namespace "Prod" is not valid/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { valuesFiles: ['-f/etc/passwd'] })), /values file path "-f\/etc\/passwd" starts with '-'/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { chart: '--post-renderer=x' })), /chart path .* starts with '-'/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { kubeconfig: '-x' })), /kubeconfig path/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { timeoutSeconds: 0 })), /timeout/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { timeoutSeconds: 1.5 })), /timeout/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { set: { 'a=b': 'c' } })), /Value key "a=b"/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { set: { 'a,b': 'c' } })), /Value key "a,b"/);
    refuses(() => installOrUpgradeArgs(upgrade(V3, { setJson: { f: () => 1 } })), /cannot be written as JSON/);
    refuses(() => rollbackArgs({ ...TARGET, version: V3, release: 'web', revision: 0 }), /revision must be a whole number/);
    refuses(() => getArgs({ ...TARGET, release: 'web', what: 'manifest', all: true }), /--all only applies/);
    refuses(() => lintArgs('-chart', []), /starts with '-'/);
    refuses(() => templateArgs({ release: 'web', chart: './c', kubeVersion: 'latest' }), /Kubernetes version "latest"/);
    refuses(() => historyArgs({ ...TARGET, release: 'web', max: -1 }), /maximum number of revisions/);
  });
});

describe('argument arrays', () => {
  it('upgrade --install: target explicit, flags first, positionals after --', () => {
    const args = installOrUpgradeArgs(
      upgrade(V3, {
        kubeconfig: '/home/me/.kube/other',
        valuesFiles: ['/charts/web/values.yaml', '/charts/web/values-prod.yaml'],
        set: { 'image.tag': '1.10', 'podAnnotations.note': 'a,b\\c' },
        setJson: { replicaCount: 3 },
        wait: true,
        timeoutSeconds: 300,
        atomic: true,
        createNamespace: true,
        dryRun: 'server',
        output: 'json',
      }),
    );
    assert.deepEqual(args, [
      'upgrade', '--install',
      '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--kubeconfig', '/home/me/.kube/other',
      '--create-namespace',
      '--values', '/charts/web/values.yaml', '--values', '/charts/web/values-prod.yaml',
      '--set-literal', 'image.tag=1.10', '--set-literal', 'podAnnotations.note=a,b\\c',
      '--set-json', 'replicaCount=3',
      '--wait', '--timeout', '300s', '--atomic', '--dry-run=server', '--output', 'json',
      '--', 'web', '/charts/web',
    ]);
  });

  it('Helm 4 gets its own names for atomic, force and wait', () => {
    const v3 = installOrUpgradeArgs(upgrade(V3, { wait: true, atomic: true, forceReplace: true }));
    const v4 = installOrUpgradeArgs(upgrade(V4, { wait: true, atomic: true, forceReplace: true }));
    assert.ok(v3.includes('--atomic') && v3.includes('--force') && v3.includes('--wait'));
    assert.ok(!v3.includes('--rollback-on-failure') && !v3.includes('--force-replace'));
    assert.ok(v4.includes('--rollback-on-failure') && v4.includes('--force-replace') && v4.includes('--wait=watcher'));
    assert.ok(!v4.includes('--atomic') && !v4.includes('--force') && !v4.includes('--wait'));
    const rollback3 = rollbackArgs({ ...TARGET, version: V3, release: 'web', revision: 4, wait: true, timeoutSeconds: 60, forceReplace: true, cleanupOnFail: true });
    const rollback4 = rollbackArgs({ ...TARGET, version: V4, release: 'web', revision: 4, wait: true, timeoutSeconds: 60, forceReplace: true, cleanupOnFail: true });
    assert.deepEqual(rollback3, ['rollback', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--wait', '--timeout', '60s', '--force', '--cleanup-on-fail', '--', 'web', '4']);
    assert.deepEqual(rollback4, ['rollback', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--wait=watcher', '--timeout', '60s', '--force-replace', '--cleanup-on-fail', '--', 'web', '4']);
  });

  it('plain upgrade with reused values (set the image) has no --install and no --create-namespace', () => {
    const args = installOrUpgradeArgs(upgrade(V4, { install: false, createNamespace: true, reuseValues: true, set: { 'image.tag': 'sha-1a2b3c4' } }));
    assert.deepEqual(args, ['upgrade', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--set-literal', 'image.tag=sha-1a2b3c4', '--reuse-values', '--', 'web', '/charts/web']);
  });

  it('uninstall, history, get and list', () => {
    assert.deepEqual(uninstallArgs({ ...TARGET, version: V4, release: 'web', wait: true, keepHistory: true }), [
      'uninstall', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--wait=watcher', '--keep-history', '--', 'web',
    ]);
    assert.deepEqual(uninstallArgs({ ...TARGET, version: V3, release: 'web', dryRun: true }), ['uninstall', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--dry-run', '--', 'web']);
    assert.deepEqual(historyArgs({ ...TARGET, release: 'web', max: 20 }), ['history', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--output', 'json', '--max', '20', '--', 'web']);
    assert.deepEqual(getArgs({ ...TARGET, release: 'web', what: 'values', all: true, revision: 3 }), [
      'get', 'values', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--revision', '3', '--all', '--output', 'json', '--', 'web',
    ]);
    assert.deepEqual(getArgs({ ...TARGET, release: 'web', what: 'manifest' }), ['get', 'manifest', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--', 'web']);
    assert.deepEqual(listArgs({ ...TARGET, version: V3, allNamespaces: true }), ['list', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--all-namespaces', '--all', '--max', '0', '--output', 'json']);
    assert.deepEqual(listArgs({ ...TARGET, version: V4, allNamespaces: false }), ['list', '--kube-context', 'berth-sandbox', '--namespace', 'shop', '--max', '0', '--output', 'json']);
  });

  it('lint and template: namespace always explicit, kube context optional', () => {
    assert.deepEqual(lintArgs('/charts/web', ['/charts/web/values-prod.yaml']), ['lint', '--namespace', 'default', '--values', '/charts/web/values-prod.yaml', '--', '/charts/web']);
    assert.deepEqual(lintArgs('./web', [], { namespace: 'shop', kubeContext: 'ctx', strict: true, withSubcharts: true, set: { a: 'b' } }), [
      'lint', '--kube-context', 'ctx', '--namespace', 'shop', '--set-literal', 'a=b', '--strict', '--with-subcharts', '--', './web',
    ]);
    assert.deepEqual(templateArgs({ release: 'web', chart: './web', namespace: 'shop', valuesFiles: ['v.yaml'], showOnly: ['templates/deployment.yaml'], includeCrds: true, isUpgrade: true, skipTests: true, kubeVersion: '1.34.0' }), [
      'template', '--namespace', 'shop', '--values', 'v.yaml', '--show-only', 'templates/deployment.yaml', '--include-crds', '--is-upgrade', '--skip-tests', '--kube-version', '1.34.0', '--', 'web', './web',
    ]);
  });
});
