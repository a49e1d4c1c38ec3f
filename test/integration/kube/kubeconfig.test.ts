// Kubeconfig files as kubectl reads them: KUBECONFIG with several paths (first wins, missing
// files skipped), the setting overriding it, ~/.kube/config as the default, relative paths
// resolved against the file, and the merged contexts connecting to the real control plane.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kubeconfigPaths, loadKubeconfig } from '../../../src/clients/kube/config';
import { KubeError } from '../../../src/clients/kube/errors';
import { TEST_CONNECT_OPTIONS, rejectionOf, sandbox } from './sandbox';

const roots: string[] = [];
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-kubeconfig-'));
  roots.push(dir);
  return dir;
}

/** A kubeconfig whose paths are relative to its own folder, with copies of the sandbox PKI there. */
function writeConfig(dir: string, name: string, body: { contexts: { name: string; cluster: string; namespace?: string }[]; clusters: { name: string; server: string }[]; current?: string }): string {
  const env = sandbox();
  mkdirSync(join(dir, 'pki'), { recursive: true });
  copyFileSync(env.caFile, join(dir, 'pki', 'ca.crt'));
  copyFileSync(env.adminCert, join(dir, 'pki', 'admin.crt'));
  copyFileSync(env.adminKey, join(dir, 'pki', 'admin.key'));
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...body.clusters.flatMap((c) => [`- name: ${c.name}`, '  cluster:', `    server: ${c.server}`, '    certificate-authority: pki/ca.crt']),
    'users:',
    `- name: admin-${name}`,
    '  user:',
    '    client-certificate: pki/admin.crt',
    '    client-key: pki/admin.key',
    'contexts:',
    ...body.contexts.flatMap((c) => [`- name: ${c.name}`, '  context:', `    cluster: ${c.cluster}`, `    user: admin-${name}`, ...(c.namespace ? [`    namespace: ${c.namespace}`] : [])]),
    ...(body.current ? [`current-context: ${body.current}`] : []),
  ];
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}

describe('kubeconfig loading (real files, real control plane)', () => {
  const env = sandbox();

  it('KUBECONFIG a:missing:b:folder with a duplicate context: first wins, missing skipped, folder reported, both files connect', async () => {
    const dirA = tempDir();
    const dirB = tempDir();
    const a = writeConfig(dirA, 'a.yaml', { clusters: [{ name: 'real', server: env.server }], contexts: [{ name: 'shared', cluster: 'real', namespace: 'from-a' }], current: 'shared' });
    const b = writeConfig(dirB, 'b.yaml', {
      clusters: [{ name: 'dead', server: env.unreachableServer }, { name: 'real-b', server: env.server }],
      contexts: [{ name: 'shared', cluster: 'dead', namespace: 'from-b' }, { name: 'only-b', cluster: 'real-b' }],
      current: 'only-b',
    });
    const missing = join(dirA, 'missing.yaml');
    const folder = join(dirB, 'pki');
    const loaded = await loadKubeconfig({ env: { KUBECONFIG: `${a}::${missing}:${b}:${folder}` }, home: tempDir() });

    assert.deepEqual(loaded.sources.map((s) => s.path), [a, missing, b, folder]);
    assert.equal(loaded.sources[1]?.text, undefined);
    assert.equal(loaded.sources[1]?.readError, undefined, 'a missing file is skipped, not an error');
    assert.equal(loaded.sources[3]?.readError, 'it is a folder');
    assert.deepEqual(loaded.merged.contexts.map((c) => c.name), ['shared', 'only-b']);
    const shared = loaded.merged.contexts.find((c) => c.name === 'shared');
    assert.equal(shared?.namespace, 'from-a');
    assert.equal(shared?.sourcePath, a);
    assert.equal(loaded.merged.currentContext, 'shared', 'current-context of the first file that sets one');
    assert.ok(loaded.merged.warnings.some((w) => w.includes(missing)), loaded.merged.warnings.join('\n'));
    assert.ok(loaded.merged.warnings.some((w) => w.includes(folder)), loaded.merged.warnings.join('\n'));
    assert.ok(loaded.merged.warnings.some((w) => w.includes('"shared"') && w.includes(b) && w.includes(`${a} defines it first`)), loaded.merged.warnings.join('\n'));

    // The winning "shared" is a's (the real server); b's context from the second file works too,
    // with its relative certificate paths resolved against b's folder.
    for (const name of ['shared', 'only-b']) {
      const connection = loaded.connect(name, TEST_CONNECT_OPTIONS);
      try {
        assert.equal(connection.server, env.server);
        assert.match(await connection.serverVersion(), /^v1\.34\./, name);
      } finally {
        connection.dispose();
      }
    }
  });

  it('the berth.kube.kubeconfig setting overrides KUBECONFIG; ~ is the home folder', async () => {
    const home = tempDir();
    const path = writeConfig(home, 'cfg.yaml', { clusters: [{ name: 'real', server: env.server }], contexts: [{ name: 'from-setting', cluster: 'real' }] });
    const other = writeConfig(tempDir(), 'other.yaml', { clusters: [{ name: 'real', server: env.server }], contexts: [{ name: 'from-env', cluster: 'real' }] });
    const loaded = await loadKubeconfig({ kubeconfigSetting: '~/cfg.yaml', env: { KUBECONFIG: other }, home });
    assert.deepEqual(loaded.sources.map((s) => s.path), [path]);
    assert.deepEqual(loaded.merged.contexts.map((c) => c.name), ['from-setting']);
  });

  it('no setting, no KUBECONFIG: ~/.kube/config', async () => {
    const home = tempDir();
    mkdirSync(join(home, '.kube'));
    writeConfig(join(home, '.kube'), 'config', { clusters: [{ name: 'real', server: env.server }], contexts: [{ name: 'home-default', cluster: 'real' }] });
    const loaded = await loadKubeconfig({ env: {}, home });
    assert.deepEqual(loaded.sources.map((s) => s.path), [join(home, '.kube', 'config')]);
    const connection = loaded.connect('home-default', TEST_CONNECT_OPTIONS);
    try {
      assert.match(await connection.serverVersion(), /^v1\.34\./);
    } finally {
      connection.dispose();
    }
    // A home without one: nothing to load, no failure.
    const empty = await loadKubeconfig({ env: {}, home: tempDir() });
    assert.deepEqual(empty.merged.contexts, []);
    assert.equal(empty.sources[0]?.readError, undefined);
  });

  it('paths: KUBECONFIG of only delimiters names no file; repeated paths are read once', () => {
    assert.deepEqual(kubeconfigPaths({ env: { KUBECONFIG: '::' }, home: '/h' }, 'linux'), []);
    assert.deepEqual(kubeconfigPaths({ env: { KUBECONFIG: '/a:/b:/a' }, home: '/h' }, 'linux'), ['/a', '/b']);
    assert.deepEqual(kubeconfigPaths({ env: {}, home: '/h' }, 'linux'), ['/h/.kube/config']);
  });

  it('connect to an unknown context, or one whose cluster is missing: KUBE_CONFIG, before any request', async () => {
    const dir = tempDir();
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'apiVersion: v1\nkind: Config\ncontexts:\n- name: orphan\n  context: {cluster: nowhere, user: nobody}\n');
    const loaded = await loadKubeconfig({ kubeconfigSetting: path, env: {}, home: dir });
    for (const name of ['orphan', 'not-there']) {
      const error = await rejectionOf(Promise.resolve().then(() => loaded.connect(name, TEST_CONNECT_OPTIONS)));
      assert.ok(error instanceof KubeError, String(error));
      assert.equal(error.code, 'KUBE_CONFIG');
    }
  });

  it('a certificate file the kubeconfig names that was removed: KUBE_CONFIG naming the file', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, 'c.yaml', { clusters: [{ name: 'real', server: env.server }], contexts: [{ name: 'c', cluster: 'real' }] });
    rmSync(join(dir, 'pki', 'admin.key'));
    const loaded = await loadKubeconfig({ kubeconfigSetting: path, env: {}, home: dir });
    const connection = loaded.connect('c', TEST_CONNECT_OPTIONS);
    const error = await rejectionOf(connection.serverVersion());
    connection.dispose();
    assert.ok(error instanceof KubeError, String(error));
    assert.equal(error.code, 'KUBE_CONFIG');
    assert.ok(error.message.includes(join(dir, 'pki', 'admin.key')), error.message);
  });
});
