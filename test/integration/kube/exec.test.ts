// Exec credential plugins run by Berth: never on load, once per credential (cached until its
// expiry), KUBERNETES_EXEC_INFO and the exec env passed, one re-run on a 401, and no loop when
// the plugin hands back something already expired.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadKubeconfig } from '../../../src/clients/kube/config';
import { KubeError } from '../../../src/clients/kube/errors';
import { FaultProxy } from './faultProxy';
import { TEST_CONNECT_OPTIONS, rejectionOf, sandbox } from './sandbox';

const roots: string[] = [];
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

/**
 * A plugin that appends one line per run to `runs.log` (with the env it saw) and prints the
 * sandbox admin's certificate as an ExecCredential expiring `expiresInSeconds` from now.
 */
function writePlugin(dir: string, expiresInSeconds: number): string {
  const env = sandbox();
  const script = join(dir, 'plugin.cjs');
  writeFileSync(script, `const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(join(dir, 'runs.log'))}, JSON.stringify({ info: process.env.KUBERNETES_EXEC_INFO, extra: process.env.BERTH_PLUGIN_EXTRA, pid: process.pid }) + '\\n');
process.stdout.write(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1',
  kind: 'ExecCredential',
  status: {
    clientCertificateData: fs.readFileSync(${JSON.stringify(env.adminCert)}, 'utf8'),
    clientKeyData: fs.readFileSync(${JSON.stringify(env.adminKey)}, 'utf8'),
    expirationTimestamp: new Date(Date.now() + ${expiresInSeconds} * 1000).toISOString(),
  },
}));
`);
  return script;
}

function writeKubeconfig(dir: string, server: string, script: string): string {
  const env = sandbox();
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
    certificate-authority: ${env.caFile}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${process.execPath}
      args: [${JSON.stringify(script)}]
      env:
      - name: BERTH_PLUGIN_EXTRA
        value: from-kubeconfig
      interactiveMode: Never
      provideClusterInfo: true
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: default}
`);
  return path;
}

function runs(dir: string): { info?: string; extra?: string }[] {
  const log = join(dir, 'runs.log');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { info?: string; extra?: string });
}

describe('exec credential plugins (real control plane)', () => {
  const env = sandbox();

  it('never runs on load or connect; runs once for many calls; gets KUBERNETES_EXEC_INFO and the exec env', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-exec-'));
    roots.push(dir);
    const path = writeKubeconfig(dir, env.server, writePlugin(dir, 3600));
    const loaded = await loadKubeconfig({ kubeconfigSetting: path, env: process.env, home: dir });
    const connection = loaded.connect('ctx', TEST_CONNECT_OPTIONS);
    try {
      assert.equal(runs(dir).length, 0, 'loading and connecting run nothing');
      assert.match(await connection.serverVersion(), /^v1\.34\./);
      await Promise.all([
        connection.list({ group: '', version: 'v1', resource: 'namespaces' }),
        connection.list({ group: '', version: 'v1', resource: 'pods', namespace: 'default' }),
        connection.get({ group: '', version: 'v1', resource: 'namespaces', name: 'default' }),
      ]);
      const seen = runs(dir);
      assert.equal(seen.length, 1, 'one run, cached until expiry');
      assert.equal(seen[0]?.extra, 'from-kubeconfig');
      const info = JSON.parse(seen[0]?.info ?? '{}') as { kind?: string; apiVersion?: string; spec?: { interactive?: boolean; cluster?: { server?: string; 'certificate-authority-data'?: string } } };
      assert.equal(info.kind, 'ExecCredential');
      assert.equal(info.apiVersion, 'client.authentication.k8s.io/v1');
      assert.equal(info.spec?.interactive, false);
      assert.equal(info.spec?.cluster?.server, env.server);
      assert.equal(Buffer.from(info.spec?.cluster?.['certificate-authority-data'] ?? '', 'base64').toString('utf8'), readFileSync(env.caFile, 'utf8'));
    } finally {
      connection.dispose();
    }
  });

  it('a credential about to expire is fetched again before use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-exec-'));
    roots.push(dir);
    // Valid for 5 s: inside the 10 s margin, so every call asks the plugin again.
    const path = writeKubeconfig(dir, env.server, writePlugin(dir, 5));
    const loaded = await loadKubeconfig({ kubeconfigSetting: path, env: process.env, home: dir });
    const connection = loaded.connect('ctx', TEST_CONNECT_OPTIONS);
    try {
      await connection.serverVersion();
      await connection.serverVersion();
      assert.equal(runs(dir).length, 2);
    } finally {
      connection.dispose();
    }
  });

  it('an already expired credential: KUBE_EXEC_PLUGIN, the plugin ran once (no loop)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-exec-'));
    roots.push(dir);
    const path = writeKubeconfig(dir, env.server, writePlugin(dir, -60));
    const loaded = await loadKubeconfig({ kubeconfigSetting: path, env: process.env, home: dir });
    const connection = loaded.connect('ctx', TEST_CONNECT_OPTIONS);
    const error = await rejectionOf(connection.serverVersion());
    connection.dispose();
    assert.ok(error instanceof KubeError, String(error));
    assert.equal(error.code, 'KUBE_EXEC_PLUGIN');
    assert.match(error.message, /already expired/);
    assert.equal(runs(dir).length, 1);
  });

  it('a 401 runs the plugin again once and retries; a second 401 is reported, not looped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-exec-'));
    roots.push(dir);
    const proxy = await FaultProxy.start();
    const path = writeKubeconfig(dir, proxy.url, writePlugin(dir, 3600));
    const loaded = await loadKubeconfig({ kubeconfigSetting: path, env: process.env, home: dir });
    const connection = loaded.connect('ctx', TEST_CONNECT_OPTIONS);
    const unauthorized = { status: 401, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } };
    try {
      await connection.serverVersion();
      assert.equal(runs(dir).length, 1);
      let flips = 1;
      const remove = proxy.inject((r) => (r.path.startsWith('/version') && flips-- > 0 ? unauthorized : undefined));
      assert.match(await connection.serverVersion(), /^v1\.34\./);
      assert.equal(runs(dir).length, 2, 'the credential was fetched again after the 401');
      remove();

      proxy.inject((r) => (r.path.startsWith('/version') ? unauthorized : undefined));
      const error = await rejectionOf(connection.serverVersion());
      assert.ok(error instanceof KubeError, String(error));
      assert.equal(error.code, 'KUBE_AUTH_EXPIRED');
      assert.equal(runs(dir).length, 3, 'one more run, then the 401 is reported');
      assert.equal(proxy.requestsMatching('/version').length, 5);
    } finally {
      connection.dispose();
      await proxy.close();
    }
  });
});
