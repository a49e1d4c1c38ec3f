// Releases whose storage Secrets are close to the 1 MiB object limit (a chart carrying a large,
// incompressible value), with real helm 3 and 4: the listing and the history decode them intact.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { HelmClient } from '../../../src/clients/helm/api';
import { listReleases, releaseHistory } from '../../../src/clients/helm/releases';
import type { KubeConnection } from '../../../src/clients/kube/api';
import { installOrUpgradeArgs } from '../../../src/core/helm/args';
import { connectTo, createNamespace, kubectl } from '../kube/sandbox';
import { MAJORS, cleanUp, helmClient, targetIn, writeChart } from './env';

// Random bytes as base64 barely compress: the stored release holds it twice (the chart's
// values.yaml and the rendered manifest), so each Secret carries about 0.6 MiB.
const BLOB = randomBytes(240 * 1024).toString('base64');

for (const major of MAJORS) {
  describe(`helm ${major}: releases with large storage Secrets (real control plane)`, () => {
    let helm: HelmClient;
    let connection: KubeConnection;
    let namespace: string;
    const chart = writeChart({
      name: 'berth-blob',
      values: `replicaCount: 1\nimage:\n  repository: registry.invalid/berth/blob\n  tag: "1"\nneverReady: false\nmessage: blob\nblob: ${BLOB}\n`,
      templates: { 'blob.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-blob\ndata:\n  blob: {{ .Values.blob | quote }}\n' },
    });

    before(async () => {
      helm = await helmClient(major);
      connection = await connectTo('berth-sandbox', { requestDeadlineMs: 30_000 });
      namespace = await createNamespace(`helm${major}-large`);
    });
    after(async () => {
      await cleanUp(helm, namespace, ['blob']);
      connection.dispose();
    });

    it('three revisions of ~0.6 MiB: listReleases decodes the latest, releaseHistory all three', async (t) => {
      for (const message of ['first', 'second', 'third']) {
        await helm.run(
          installOrUpgradeArgs({ ...targetIn(namespace), version: helm.binary.version, release: 'blob', chart, install: true, set: { message }, wait: true, timeoutSeconds: 120, atomic: false, createNamespace: false }),
          { deadlineMs: 180_000 },
        );
      }
      const sizes = (JSON.parse(kubectl(['get', 'secrets', '-n', namespace, '-l', 'owner=helm,name=blob', '-o', 'json'])) as { items: { data: { release: string } }[] }).items.map((s) => s.data.release.length);
      assert.equal(sizes.length, 3);
      assert.ok(sizes.every((size) => size > 500 * 1024), `Secret payload sizes ${sizes.join(', ')}`);

      const listStarted = performance.now();
      const listing = await listReleases(connection, { namespace });
      const listMs = performance.now() - listStarted;
      assert.deepEqual(listing.releases.map((r) => [r.name, r.revision, r.status, r.chart, r.chartVersion]), [['blob', 3, 'deployed', 'berth-blob', '0.1.0']]);

      const historyStarted = performance.now();
      const history = await releaseHistory(connection, namespace, 'blob');
      const historyMs = performance.now() - historyStarted;
      t.diagnostic(`payloads ${sizes.map((s) => `${Math.round(s / 1024)} KiB`).join(', ')}; listReleases ${Math.round(listMs)} ms, releaseHistory ${Math.round(historyMs)} ms`);
      assert.deepEqual(history.map((r) => [r.revision, r.status, r.values.message]), [[3, 'deployed', 'third'], [2, 'superseded', 'second'], [1, 'superseded', 'first']]);
      for (const revision of history) {
        assert.equal(revision.computedValues?.blob, BLOB, `revision ${revision.revision} kept the value intact`);
        assert.ok(revision.manifest.includes(BLOB));
      }
    });
  });
}
