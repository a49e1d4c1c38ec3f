// A release's whole life with real helm 3 and 4 against the sandbox control plane: install
// with --wait, the Releases listing read from Helm's storage Secrets, upgrade, history,
// rollback, uninstall, and an atomic upgrade that fails and rolls itself back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HelmClient } from '../../../src/clients/helm/api';
import { listReleases, releaseHistory } from '../../../src/clients/helm/releases';
import type { KubeConnection } from '../../../src/clients/kube/api';
import { installOrUpgradeArgs, rollbackArgs, uninstallArgs } from '../../../src/core/helm/args';
import { releaseSecretName } from '../../../src/core/helm/releases';
import { connectTo, createNamespace, kubectl } from '../kube/sandbox';
import { CHART_NAME, MAJORS, cleanUp, helmClient, helmErrorOf, releaseIn, targetIn, writeChart, writeTempFile } from './env';

interface DeploymentJson {
  status?: { readyReplicas?: number };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> }; spec?: { nodeSelector?: unknown } } };
}

function deployment(namespace: string, name: string): DeploymentJson {
  return JSON.parse(kubectl(['get', 'deployment', '-n', namespace, name, '-o', 'json'])) as DeploymentJson;
}

for (const major of MAJORS) {
  describe(`helm ${major}: install, list, upgrade, history, rollback, uninstall (real control plane)`, () => {
    let helm: HelmClient;
    let connection: KubeConnection;
    let namespace: string;
    const release = 'web';
    const chart = writeChart();

    before(async () => {
      helm = await helmClient(major);
      connection = await connectTo('berth-sandbox', { requestDeadlineMs: 15_000 });
      namespace = await createNamespace(`helm${major}-life`);
    });
    after(async () => {
      await cleanUp(helm, namespace, [release]);
      connection.dispose();
    });

    it('install --wait: the Deployment is ready and listReleases shows chart, version, app version and status', async () => {
      const stdoutChunks: string[] = [];
      const result = await helm.run(
        installOrUpgradeArgs({ ...targetIn(namespace), version: helm.binary.version, release, chart, install: true, wait: true, timeoutSeconds: 120, atomic: false, createNamespace: false }),
        { deadlineMs: 180_000, onStdout: (chunk) => stdoutChunks.push(chunk) },
      );
      assert.equal(result.exitCode, 0);
      assert.match(result.stdout, /STATUS: deployed/);
      assert.equal(stdoutChunks.join(''), result.stdout, 'the streamed output is the collected output');
      const deployed = deployment(namespace, `${release}-web`);
      assert.equal(deployed.status?.readyReplicas, 2, '--wait returned before both replicas were ready');

      const inNamespace = await releaseIn(connection, namespace, release);
      assert.deepEqual(
        { ...inNamespace, updated: undefined },
        { name: release, namespace, revision: 1, status: 'deployed', chart: CHART_NAME, chartVersion: '0.1.0', appVersion: '1.0.0', updated: undefined },
      );
      assert.ok(inNamespace?.updated !== undefined && Math.abs(Date.parse(inNamespace.updated) - Date.now()) < 120_000, `updated ${String(inNamespace?.updated)}`);

      // All namespaces (the admin may list Secrets cluster-wide): the same row, nothing forbidden.
      const all = await listReleases(connection);
      assert.deepEqual(all.forbidden, []);
      assert.deepEqual(all.releases.find((r) => r.namespace === namespace && r.name === release), inNamespace);
    });

    it('upgrade with a values file: revision 2, and the history decodes both revisions', async () => {
      const values = writeTempFile('values-prod.yaml', 'replicaCount: 3\nmessage: "upgraded: yes, 1.10"\n');
      await helm.run(
        installOrUpgradeArgs({ ...targetIn(namespace), version: helm.binary.version, release, chart, install: false, valuesFiles: [values], set: { 'image.tag': '1.10' }, wait: true, timeoutSeconds: 120, atomic: false, createNamespace: false, description: 'Berth integration upgrade' }),
        { deadlineMs: 180_000 },
      );
      const current = await releaseIn(connection, namespace, release);
      assert.equal(current?.revision, 2);
      assert.equal(current.status, 'deployed');
      const live = deployment(namespace, `${release}-web`);
      assert.equal(live.status?.readyReplicas, 3);
      assert.equal(live.spec?.template?.metadata?.annotations?.['berth.test/message'], 'upgraded: yes, 1.10');

      const history = await releaseHistory(connection, namespace, release);
      assert.deepEqual(history.map((r) => [r.revision, r.status]), [[2, 'deployed'], [1, 'superseded']]);
      const [second, first] = history;
      assert.ok(second && first);
      assert.equal(second.description, 'Berth integration upgrade');
      // --set-literal kept 1.10 a string; the values file's replicaCount is a number.
      assert.deepEqual(second.values, { replicaCount: 3, message: 'upgraded: yes, 1.10', image: { tag: '1.10' } });
      assert.equal((second.computedValues?.image as { repository?: string } | undefined)?.repository, 'registry.invalid/berth/web');
      assert.match(second.manifest, /replicas: 3/);
      assert.match(second.manifest, /image: "registry\.invalid\/berth\/web:1\.10"/);
      assert.match(first.manifest, /replicas: 2/);
      assert.match(second.notes ?? '', /Release web of berth-web is up\./);
      assert.deepEqual(first.values, {});
      assert.equal(first.namespace, namespace);
    });

    it('rollback to revision 1: revision 3 is deployed with revision 1\'s manifest', async () => {
      await helm.run(rollbackArgs({ ...targetIn(namespace), version: helm.binary.version, release, revision: 1, wait: true, timeoutSeconds: 120 }), { deadlineMs: 180_000 });
      const history = await releaseHistory(connection, namespace, release);
      assert.deepEqual(history.map((r) => [r.revision, r.status]), [[3, 'deployed'], [2, 'superseded'], [1, 'superseded']]);
      assert.match(history[0]?.description ?? '', /Rollback to 1/);
      assert.equal(history[0]?.manifest, history[2]?.manifest);
      assert.equal(deployment(namespace, `${release}-web`).status?.readyReplicas, 2);
      assert.equal((await releaseIn(connection, namespace, release))?.revision, 3);
    });

    it('uninstall: the release and its storage Secrets are gone', async () => {
      await helm.run(uninstallArgs({ ...targetIn(namespace), version: helm.binary.version, release, wait: true, timeoutSeconds: 120 }), { deadlineMs: 180_000 });
      assert.equal(await releaseIn(connection, namespace, release), undefined);
      assert.deepEqual(await releaseHistory(connection, namespace, release), []);
      const secrets = kubectl(['get', 'secrets', '-n', namespace, '-l', 'owner=helm', '-o', 'name']);
      assert.doesNotMatch(secrets, new RegExp(releaseSecretName(release, 1).replace(/\./g, '\\.')));
    });
  });

  describe(`helm ${major}: an atomic upgrade whose pods never become ready rolls back (real control plane)`, () => {
    let helm: HelmClient;
    let connection: KubeConnection;
    let namespace: string;
    const release = 'atomic';
    const chart = writeChart();

    before(async () => {
      helm = await helmClient(major);
      connection = await connectTo('berth-sandbox', { requestDeadlineMs: 15_000 });
      namespace = await createNamespace(`helm${major}-atomic`);
    });
    after(async () => {
      await cleanUp(helm, namespace, [release]);
      connection.dispose();
    });

    it(`${major === 3 ? '--atomic' : '--rollback-on-failure'}: the failed revision is recorded, a rollback revision is deployed`, async () => {
      const base = { ...targetIn(namespace), version: helm.binary.version, release, chart, install: true, createNamespace: false };
      await helm.run(installOrUpgradeArgs({ ...base, wait: true, timeoutSeconds: 120, atomic: false }), { deadlineMs: 180_000 });
      const args = installOrUpgradeArgs({ ...base, setJson: { neverReady: true }, wait: true, timeoutSeconds: 6, atomic: true });
      assert.ok(args.includes(major === 3 ? '--atomic' : '--rollback-on-failure'));
      const started = Date.now();
      const error = await helmErrorOf(helm.run(args, { deadlineMs: 120_000 }));
      assert.equal(error.kind, 'failed', error.message);
      assert.match(error.stderr, /rolled back|rollback/i, error.stderr);
      assert.ok(Date.now() - started < 90_000);

      const history = await releaseHistory(connection, namespace, release);
      assert.deepEqual(history.map((r) => [r.revision, r.status]), [[3, 'deployed'], [2, 'failed'], [1, 'superseded']]);
      assert.match(history[0]?.description ?? '', /Rollback to 1/);
      assert.deepEqual(history[1]?.values, { neverReady: true });
      const current = await releaseIn(connection, namespace, release);
      assert.equal(current?.status, 'deployed');
      assert.equal(current.revision, 3);
      // The rollback restored the schedulable pods.
      assert.equal(deployment(namespace, `${release}-web`).spec?.template?.spec?.nodeSelector, undefined);
    });
  });
}
