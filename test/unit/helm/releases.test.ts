import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  goTimeToIso,
  latestPerRelease,
  parseHelmList,
  releaseFromJson,
  releaseFromSecretLabels,
  releaseHealth,
  releaseHistory,
  releaseSecretName,
  rollbackTarget,
  splitChartColumn,
  type HelmReleaseSummary,
} from '../../../src/core/helm/releases';
import type { HelmRelease } from '../../../src/core/helm/types';
import { fixtureJson, fixtureText, storedReleases } from './fixtures';

function decoded(file: string, revision: number): HelmRelease {
  const stored = storedReleases(file).find((s) => s.labels.version === String(revision));
  assert.ok(stored, `${file} has revision ${revision}`);
  const release = releaseFromJson(stored.release);
  if ('error' in release) assert.fail(release.error);
  return release;
}

// Follows pkg/release/v1 Release/Info/Hook and pkg/chart/v2 Chart/Metadata field by field: a
// pending-upgrade revision left behind by a helm that was killed mid-upgrade.
const PENDING_UPGRADE = {
  name: 'shop-api',
  namespace: 'shop',
  version: 7,
  info: {
    first_deployed: '2026-03-01T09:15:02.123456789+01:00',
    last_deployed: '2026-03-04T17:40:11.5Z',
    deleted: '',
    description: 'Preparing upgrade',
    status: 'pending-upgrade',
  },
  chart: {
    metadata: { name: 'shop-api', version: '2.4.0-rc.1', appVersion: 'v5.0.0', apiVersion: 'v2', type: 'application' },
    lock: null,
    templates: [{ name: 'templates/deployment.yaml', data: 'a2luZDogRGVwbG95bWVudA==' }],
    values: { replicaCount: 1, image: { repository: 'registry.local/shop-api', tag: '' } },
    schema: null,
    files: [],
  },
  config: { image: { tag: 'sha-1a2b3c4' } },
  manifest: '---\n# Source: shop-api/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-api\n',
  hooks: [
    {
      name: 'shop-api-migrate',
      kind: 'Job',
      path: 'shop-api/templates/migrate-job.yaml',
      manifest: 'kind: Job',
      events: ['pre-upgrade', 'pre-install'],
      last_run: { started_at: '2026-03-04T17:40:12Z', completed_at: '', phase: 'Running' },
      weight: -5,
      delete_policies: ['before-hook-creation'],
    },
    { name: 'shop-api-test', kind: 'Pod', events: ['test'], last_run: { phase: '' } },
  ],
  apply_method: 'ssa',
};

describe('releaseFromJson', () => {
  it('maps a real helm 3 release decoded from its storage Secret', () => {
    const release = decoded('secrets-helm3-web3.json', 2);
    assert.equal(release.name, 'web3');
    assert.equal(release.namespace, 'helper-g-fx');
    assert.equal(release.revision, 2);
    assert.equal(release.status, 'deployed');
    assert.equal(release.chart, 'mychart');
    assert.equal(release.chartVersion, '0.1.0');
    assert.equal(release.appVersion, '1.16.0');
    assert.equal(release.description, 'Upgrade complete');
    // Go writes nanoseconds; ISO keeps milliseconds, in UTC.
    assert.equal(release.updated, '2026-11-22T10:01:01.784Z');
    assert.equal(release.firstDeployed, '2026-11-22T10:00:59.417Z');
    assert.match(release.notes ?? '', /kubectl --namespace helper-g-fx port-forward/);
    assert.deepEqual(release.values, fixtureJson('values-user-helm3-web3-rev2.json'));
    assert.deepEqual(release.computedValues, fixtureJson('values-all-helm3-web3-rev2.json'));
    assert.match(release.manifest, /^---\n# Source: mychart\/templates\/serviceaccount.yaml\n/);
    assert.match(release.manifest, /replicas: 3\n/);
    assert.deepEqual(release.hooks, [{ name: 'web3-mychart-test-connection', kind: 'Pod', events: ['test'], path: 'mychart/templates/tests/test-connection.yaml' }]);
  });

  it('maps a real helm 4 release the same way (helm 4 adds apply_method and omits empty times)', () => {
    const release = decoded('secrets-helm4-web4.json', 1);
    assert.equal(release.name, 'web4');
    assert.equal(release.revision, 1);
    assert.equal(release.status, 'deployed');
    assert.equal(release.description, 'Install complete');
    assert.equal(release.updated, release.firstDeployed);
    assert.match(release.updated, /^2026-11-22T10:01:0\d\.\d{3}Z$/);
    assert.deepEqual(release.values, { image: { pullPolicy: null, tag: '1.27' }, newKey: null, podAnnotations: { team: 'shop' }, replicaCount: 2, tolerations: null });
    assert.equal((release.computedValues?.image as { pullPolicy?: string }).pullPolicy, undefined);
    assert.equal(release.computedValues?.replicaCount, 2);
  });

  it('maps a hand-written pending-upgrade release with hooks, offsets and empty times', () => {
    const release = releaseFromJson(PENDING_UPGRADE);
    if ('error' in release) assert.fail(release.error);
    assert.equal(release.status, 'pending-upgrade');
    assert.equal(release.chartVersion, '2.4.0-rc.1');
    assert.equal(release.appVersion, 'v5.0.0');
    assert.equal(release.firstDeployed, '2026-03-01T08:15:02.123Z');
    assert.equal(release.updated, '2026-03-04T17:40:11.500Z');
    assert.equal(release.notes, undefined);
    assert.deepEqual(release.computedValues, { replicaCount: 1, image: { repository: 'registry.local/shop-api', tag: 'sha-1a2b3c4' } });
    assert.deepEqual(release.hooks, [
      { name: 'shop-api-migrate', kind: 'Job', events: ['pre-upgrade', 'pre-install'], path: 'shop-api/templates/migrate-job.yaml', lastRunPhase: 'Running' },
      { name: 'shop-api-test', kind: 'Pod', events: ['test'] },
    ]);
  });

  it('tolerates what Helm omits, and maps statuses it does not know to unknown', () => {
    const minimal = releaseFromJson({ name: 'x', version: 1 });
    if ('error' in minimal) assert.fail(minimal.error);
    assert.deepEqual(minimal, { name: 'x', namespace: '', revision: 1, status: 'unknown', chart: '', chartVersion: '', appVersion: '', updated: '', description: '', values: {}, manifest: '' });
    const odd = releaseFromJson({ name: 'x', version: 2, info: { status: 'exploded', last_deployed: '0001-01-01T00:00:00Z' }, config: null, chart: { metadata: { name: 'c' }, values: null } });
    if ('error' in odd) assert.fail(odd.error);
    assert.equal(odd.status, 'unknown');
    assert.equal(odd.updated, '', "Go's zero time means never");
    assert.deepEqual(odd.computedValues, {});
  });

  it('refuses what is not a release', () => {
    assert.deepEqual(releaseFromJson(null), { error: 'Not a Helm release: expected a JSON object.' });
    assert.deepEqual(releaseFromJson([1]), { error: 'Not a Helm release: expected a JSON object.' });
    assert.deepEqual(releaseFromJson({ version: 1 }), { error: 'Not a Helm release: it has no name.' });
    for (const version of [0, -1, 1.5, '3', undefined]) {
      const result = releaseFromJson({ name: 'web', version });
      assert.ok('error' in result && result.error.includes('"web"'), `version ${String(version)}`);
    }
  });
});

describe('goTimeToIso', () => {
  it('reads RFC 3339 with any fraction and offset, and Go time.String()', () => {
    assert.equal(goTimeToIso('2026-11-22T10:01:01.784246416Z'), '2026-11-22T10:01:01.784Z');
    assert.equal(goTimeToIso('2026-11-22T12:01:01+02:00'), '2026-11-22T10:01:01.000Z');
    assert.equal(goTimeToIso('2026-11-22T10:01:01.7Z'), '2026-11-22T10:01:01.700Z');
    assert.equal(goTimeToIso('2026-11-22 10:01:25.562330998 +0000 UTC'), '2026-11-22T10:01:25.562Z');
    assert.equal(goTimeToIso('2026-11-22 11:01:25 +0100 CET'), '2026-11-22T10:01:25.000Z');
  });

  it('gives undefined for empty, zero and unreadable times', () => {
    for (const value of ['', '0001-01-01T00:00:00Z', 'yesterday', '2026-13-45T99:00:00Z', 42, null, undefined]) assert.equal(goTimeToIso(value), undefined, String(value));
  });
});

// The real sequence behind history-helm3-web3.json: install, upgrade, upgrade killed mid-way
// (pending-upgrade), rollback to 2, upgrade that timed out (failed).
const WEB3_HISTORY: HelmReleaseSummary[] = (fixtureJson('history-helm3-web3.json') as { revision: number; status: string }[]).map((row) => ({
  name: 'web3',
  namespace: 'helper-g-fx',
  revision: row.revision,
  status: row.status as HelmReleaseSummary['status'],
}));

describe('latestPerRelease and history', () => {
  it('picks the highest revision whatever its status, per namespace and name', () => {
    const web4 = [
      { name: 'web4', namespace: 'helper-g-fx', revision: 1, status: 'deployed' as const },
      { name: 'web4', namespace: 'helper-g-fx', revision: 2, status: 'pending-upgrade' as const },
    ];
    // The same release name in another namespace is another release (helm list keys by name only).
    const other = { name: 'web3', namespace: 'staging', revision: 9, status: 'deployed' as const };
    const latest = latestPerRelease([...WEB3_HISTORY.slice().reverse(), ...web4.slice().reverse(), other]);
    assert.deepEqual(
      latest.map((r) => `${r.namespace}/${r.name}#${r.revision} ${r.status}`),
      ['helper-g-fx/web3#5 failed', 'helper-g-fx/web4#2 pending-upgrade', 'staging/web3#9 deployed'],
    );
  });

  it('a newer pending revision stands over the deployed one below it', () => {
    const latest = latestPerRelease(WEB3_HISTORY.filter((r) => r.revision <= 3));
    assert.deepEqual(latest.map((r) => [r.revision, r.status]), [[3, 'pending-upgrade']]);
  });

  it('lists one release newest first', () => {
    assert.deepEqual(releaseHistory(WEB3_HISTORY, 'helper-g-fx', 'web3').map((r) => r.revision), [5, 4, 3, 2, 1]);
    assert.deepEqual(releaseHistory(WEB3_HISTORY, 'staging', 'web3'), []);
  });

  it('rolls back to the newest earlier deployed revision, else superseded', () => {
    assert.equal(rollbackTarget(WEB3_HISTORY, 5), 4, 'after the failed upgrade: the rollback that is deployed');
    assert.equal(rollbackTarget(WEB3_HISTORY, 3), 2, 'the killed upgrade: nothing earlier is deployed any more, so the newest superseded');
    assert.equal(rollbackTarget([{ revision: 1, status: 'deployed' }, { revision: 2, status: 'pending-upgrade' }], 2), 1);
    assert.equal(rollbackTarget([{ revision: 1, status: 'failed' }], 1), undefined);
    assert.equal(rollbackTarget([{ revision: 1, status: 'failed' }, { revision: 2, status: 'failed' }], 2), undefined);
  });

  it('names storage Secrets as Helm does', () => {
    assert.deepEqual(
      storedReleases('secrets-helm3-web3.json').map((s) => s.name),
      [releaseSecretName('web3', 1), releaseSecretName('web3', 2)],
    );
  });
});

describe('releaseHealth', () => {
  it('ok, done and error for the settled statuses', () => {
    assert.equal(releaseHealth('deployed').health, 'ok');
    assert.equal(releaseHealth('superseded').health, 'done');
    assert.equal(releaseHealth('uninstalled').health, 'done');
    assert.equal(releaseHealth('unknown').health, 'warning');
  });

  it('a pending upgrade says it may be running or interrupted, and how to recover', () => {
    const stuck = releaseHealth('pending-upgrade', { revision: 3, rollbackRevision: 2, ageMs: 3 * 3600_000 });
    assert.equal(stuck.health, 'warning');
    assert.match(stuck.hint, /started 3 hours ago/);
    assert.match(stuck.hint, /never finished/);
    assert.match(stuck.hint, /killed/);
    assert.match(stuck.hint, /another operation is in progress/);
    assert.match(stuck.hint, /roll back to revision 2/);
    assert.deepEqual(stuck.recover, { action: 'rollback', revision: 2 });

    const running = releaseHealth('pending-upgrade', { rollbackRevision: 2, ageMs: 30_000 });
    assert.equal(running.health, 'progressing');
    assert.match(running.hint, /^An upgrade is in progress \(started less than a minute ago\)\./);
    assert.match(running.hint, /roll back to revision 2/);

    const unknownAge = releaseHealth('pending-upgrade');
    assert.equal(unknownAge.health, 'warning', 'without an age it cannot be called running');
    assert.equal(unknownAge.recover, undefined);
    assert.equal(releaseHealth('pending-upgrade', { ageMs: 60_000, stuckAfterMs: 30_000 }).health, 'warning');
  });

  it('a pending install recovers by uninstalling; a pending rollback by rolling back again', () => {
    const install = releaseHealth('pending-install', { revision: 1, ageMs: 86_400_000 });
    assert.match(install.hint, /^An install \(started 24 hours ago\) never finished/);
    assert.match(install.hint, /uninstall the release and install it again/);
    assert.deepEqual(install.recover, { action: 'uninstall' });
    const rollback = releaseHealth('pending-rollback', { rollbackRevision: 4 });
    assert.match(rollback.hint, /^A rollback never finished/);
    assert.match(rollback.hint, /run the rollback again: roll back to revision 4/);
    assert.deepEqual(releaseHealth('uninstalling').recover, { action: 'uninstall' });
  });

  it('failed says to look at the failing resources, then roll back or upgrade', () => {
    const failed = releaseHealth('failed', { revision: 5, rollbackRevision: 4 });
    assert.equal(failed.health, 'error');
    assert.match(failed.hint, /failing resources/);
    assert.match(failed.hint, /roll back to revision 4/);
    assert.match(failed.hint, /upgrade again/);
    assert.deepEqual(failed.recover, { action: 'rollback', revision: 4 });
    const firstInstall = releaseHealth('failed', { revision: 1 });
    assert.match(firstInstall.hint, /^The install failed/);
    assert.deepEqual(firstInstall.recover, { action: 'upgrade' });
    assert.deepEqual(releaseHealth('failed', { revision: 3 }).recover, { action: 'upgrade' });
  });
});

describe('releaseFromSecretLabels', () => {
  it('reads the labels of real storage Secrets', () => {
    const summaries = storedReleases('secrets-helm3-web3.json').map((s) => releaseFromSecretLabels(s.labels, s.namespace));
    assert.deepEqual(summaries, [
      { name: 'web3', namespace: 'helper-g-fx', revision: 1, status: 'superseded', updated: '2026-11-22T10:01:01.000Z' },
      { name: 'web3', namespace: 'helper-g-fx', revision: 2, status: 'deployed', updated: '2026-11-22T10:01:01.000Z' },
    ]);
  });

  it('reads a pending revision (labels as seen on the sandbox) and skips what is not Helm', () => {
    assert.deepEqual(
      releaseFromSecretLabels({ createdAt: '1795341673', modifiedAt: '1795341661', name: 'web3', owner: 'helm', status: 'pending-upgrade', version: '3' }, 'ns'),
      { name: 'web3', namespace: 'ns', revision: 3, status: 'pending-upgrade', updated: '2026-11-22T10:01:01.000Z' },
    );
    assert.equal(releaseFromSecretLabels({ createdAt: '1795341673', name: 'a', owner: 'helm', version: '1' }, 'ns')?.updated, '2026-11-22T10:01:13.000Z');
    assert.equal(releaseFromSecretLabels({ name: 'a', owner: 'someone', version: '1' }, 'ns'), undefined);
    assert.equal(releaseFromSecretLabels({ owner: 'helm', version: '1' }, 'ns'), undefined);
    assert.equal(releaseFromSecretLabels({ name: 'a', owner: 'helm', version: 'v1' }, 'ns'), undefined);
    assert.equal(releaseFromSecretLabels({ name: 'a', owner: 'helm', version: '0' }, 'ns'), undefined);
    assert.equal(releaseFromSecretLabels(undefined, 'ns'), undefined);
    assert.equal(releaseFromSecretLabels({ name: 'a', owner: 'helm', version: '2', status: 'weird' }, 'ns')?.status, 'unknown');
  });
});

describe('parseHelmList', () => {
  it('reads real `helm list --all -o json` rows', () => {
    assert.deepEqual(parseHelmList(fixtureText('list-helm3.json')), [
      { name: 'web3', namespace: 'helper-g-fx', revision: 5, status: 'failed', chart: 'mychart', chartVersion: '0.2.0', appVersion: '1.16.0', updated: '2026-11-22T10:01:25.562Z' },
      { name: 'web4', namespace: 'helper-g-fx', revision: 2, status: 'pending-upgrade', chart: 'mychart', chartVersion: '0.2.0', appVersion: '1.16.0', updated: '2026-11-22T10:01:16.749Z' },
    ]);
  });

  it('empty output is no releases; other text is not a list', () => {
    assert.deepEqual(parseHelmList(''), []);
    assert.deepEqual(parseHelmList('[]\n'), []);
    assert.equal(parseHelmList('Error: boom'), undefined);
    assert.equal(parseHelmList('{"name":"x"}'), undefined);
  });

  it('splits chart columns with dashes in the name and pre-release versions', () => {
    assert.deepEqual(splitChartColumn('my-chart-1.2.3-rc.1'), { chart: 'my-chart', chartVersion: '1.2.3-rc.1' });
    assert.deepEqual(splitChartColumn('ingress-nginx-4.11.3'), { chart: 'ingress-nginx', chartVersion: '4.11.3' });
    assert.deepEqual(splitChartColumn('app-v2.0.0+build.7'), { chart: 'app', chartVersion: 'v2.0.0+build.7' });
    assert.deepEqual(splitChartColumn('noversion'), { chart: 'noversion', chartVersion: '' });
  });
});
