// Reading releases as users who may not read every namespace's Secrets, against the sandbox's
// real RBAC: the faults kubeconfig's `limited` user (pods in team-a only, no Secrets, no
// namespace list) and a user minted for this test with the sandbox CA, who may list namespaces
// and read Secrets in one namespace but not in another. listReleases never throws for a 403:
// it lists what it may and names what it may not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HelmClient } from '../../../src/clients/helm/api';
import { listReleases, releaseHistory } from '../../../src/clients/helm/releases';
import type { KubeConnection } from '../../../src/clients/kube/api';
import { loadKubeconfig } from '../../../src/clients/kube/config';
import { KubeError } from '../../../src/clients/kube/errors';
import { installOrUpgradeArgs } from '../../../src/core/helm/args';
import { TEST_CONNECT_OPTIONS, adminRequest, connectTo, createNamespace, createObject, pkiFile, sandbox } from '../kube/sandbox';
import { CHART_NAME, cleanUp, helmClient, targetIn, writeChart } from './env';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

function openssl(args: string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`openssl ${args[0] ?? ''} failed: ${result.stderr || String(result.error)}`);
}

/** A client certificate for `user` signed by the sandbox CA, and a kubeconfig using it. */
function mintUser(user: string): { kubeconfig: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-helm-rbac-'));
  const key = join(dir, 'user.key');
  const csr = join(dir, 'user.csr');
  const crt = join(dir, 'user.crt');
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-subj', `/CN=${user}`, '-out', csr]);
  // An explicit serial: the CA's serial file belongs to the sandbox.
  const serial = `0x${Math.floor(Math.random() * 2 ** 48).toString(16)}`;
  openssl(['x509', '-req', '-in', csr, '-CA', pkiFile('ca.crt'), '-CAkey', pkiFile('ca.key'), '-set_serial', serial, '-days', '1', '-out', crt]);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters:
- name: sandbox
  cluster: {server: "${sandbox().server}", certificate-authority: "${sandbox().caFile}"}
users:
- name: ${user}
  user: {client-certificate: "${crt}", client-key: "${key}"}
contexts:
- name: reader
  context: {cluster: sandbox, user: ${user}, namespace: default}
current-context: reader
`);
  return { kubeconfig, dir };
}

describe('listReleases as the limited user (no Secrets anywhere, no namespace list)', () => {
  let connection: KubeConnection;
  before(async () => {
    connection = await connectTo('limited');
  });
  after(() => {
    connection.dispose();
  });

  it('all namespaces: no throw; the cluster scope, the namespace list and its own namespace are reported forbidden', async () => {
    const listing = await listReleases(connection);
    assert.deepEqual(listing.releases, []);
    const summary = listing.forbidden.map((f) => [f.namespace ?? '(cluster)', f.failure.code, f.failure.verb, f.failure.resource]);
    assert.deepEqual(summary, [
      ['(cluster)', 'KUBE_FORBIDDEN', 'list', 'secrets'],
      ['(cluster)', 'KUBE_FORBIDDEN', 'list', 'namespaces'],
      ['team-a', 'KUBE_FORBIDDEN', 'list', 'secrets'],
    ]);
    assert.match(listing.forbidden[2]?.failure.message ?? '', /secrets/);
  });

  it('one namespace: forbidden names it', async () => {
    const listing = await listReleases(connection, { namespace: 'default' });
    assert.deepEqual(listing.releases, []);
    assert.deepEqual(listing.forbidden.map((f) => [f.namespace, f.failure.code]), [['default', 'KUBE_FORBIDDEN']]);
  });
});

describe('listReleases as a user who may read Secrets in one namespace only (per-namespace fallback)', () => {
  const user = `berth-helm-reader-${Math.random().toString(36).slice(2, 8)}`;
  const chart = writeChart();
  let minted: { kubeconfig: string; dir: string };
  let helm3: HelmClient;
  let helm4: HelmClient;
  let readable: string;
  let hidden: string;
  let connection: KubeConnection;

  before(async () => {
    minted = mintUser(user);
    [helm3, helm4] = await Promise.all([helmClient(3), helmClient(4)]);
    readable = await createNamespace('helm-rbac-open');
    hidden = await createNamespace('helm-rbac-closed');
    // May list namespaces (cluster-wide), and Secrets in `readable` only.
    await createObject(`${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: user }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }] });
    await createObject(`${RBAC}/clusterrolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: user },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
    });
    await createObject(`${RBAC}/namespaces/${readable}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'read-secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] });
    await createObject(`${RBAC}/namespaces/${readable}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'read-secrets' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-secrets' },
    });
    // Installed by the admin, one with each major.
    for (const [helm, namespace] of [[helm3, readable], [helm4, hidden]] as const) {
      await helm.run(installOrUpgradeArgs({ ...targetIn(namespace), version: helm.binary.version, release: 'shop', chart, install: true, wait: true, timeoutSeconds: 120, atomic: false, createNamespace: false }), { deadlineMs: 180_000 });
    }
    const loaded = await loadKubeconfig({ kubeconfigSetting: minted.kubeconfig, env: {}, home: minted.dir });
    connection = loaded.connect('reader', TEST_CONNECT_OPTIONS);
  });
  after(async () => {
    connection.dispose();
    await cleanUp(helm3, readable, ['shop']);
    await cleanUp(helm4, hidden, ['shop']);
    await adminRequest('DELETE', `${RBAC}/clusterrolebindings/${user}`).catch(() => undefined);
    await adminRequest('DELETE', `${RBAC}/clusterroles/${user}`).catch(() => undefined);
    rmSync(minted.dir, { recursive: true, force: true });
  });

  it('lists the readable namespace\'s release (decoded) and names the namespaces that refused', async () => {
    const listing = await listReleases(connection);
    const mine = listing.releases.filter((r) => r.namespace === readable || r.namespace === hidden);
    assert.deepEqual(mine.map((r) => [r.namespace, r.name, r.revision, r.status, r.chart, r.chartVersion, r.appVersion]), [[readable, 'shop', 1, 'deployed', CHART_NAME, '0.1.0', '1.0.0']]);
    assert.equal(listing.forbidden[0]?.namespace, undefined, 'the cluster-wide list comes first');
    assert.equal(listing.forbidden[0]?.failure.code, 'KUBE_FORBIDDEN');
    const refused = new Set(listing.forbidden.map((f) => f.namespace));
    assert.ok(refused.has(hidden), `${hidden} is reported forbidden`);
    assert.ok(refused.has('default') && refused.has('kube-system'));
    assert.ok(!refused.has(readable));
    assert.ok(listing.forbidden.every((f) => f.failure.code === 'KUBE_FORBIDDEN'));
  });

  it('releaseHistory in a namespace that refuses rejects with KUBE_FORBIDDEN; in the readable one it decodes', async () => {
    const history = await releaseHistory(connection, readable, 'shop');
    assert.deepEqual(history.map((r) => [r.revision, r.status, r.chart]), [[1, 'deployed', CHART_NAME]]);
    let failure: unknown;
    try {
      await releaseHistory(connection, hidden, 'shop');
    } catch (error) {
      failure = error;
    }
    assert.ok(failure instanceof KubeError, `expected a KubeError, got ${String(failure)}`);
    assert.equal(failure.code, 'KUBE_FORBIDDEN');
  });
});
