// Watches and informers against the real control plane: events for a pod kwok runs, a watch
// from a compacted resourceVersion (410), and through the fault proxy an informer that
// recovers from a cut, from a 410 (re-list, RESYNC), keeps its request rate bounded while
// the server is away, and stops for good on a 403.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Informer, InformerState, KubeConnection } from '../../../src/clients/kube/api';
import { KubeError } from '../../../src/clients/kube/errors';
import { BACKOFF_CAP_MS, InformerImpl, backoffDelay } from '../../../src/clients/kube/informer';
import type { PodJson } from '../../../src/core/kube/objects';
import type { KubeFailure, ResourceRef, WatchEvent } from '../../../src/core/kube/types';
import { FaultProxy } from './faultProxy';
import { adminRequest, compactEtcd, connectThrough, connectTo, createObject, createNamespace, deleteNamespace, eventManifest, eventually, podManifest, rejectionOf, settlesWithin } from './sandbox';

interface Recorder<T> {
  events: { type: string; name?: string; uid?: string }[];
  states: { state: InformerState; failure?: KubeFailure }[];
  informer: Informer<T>;
}

function record<T extends { metadata: { name: string; uid: string } }>(informer: Informer<T>): Recorder<T> {
  const r: Recorder<T> = { events: [], states: [], informer };
  informer.onChange((c) => { r.events.push({ type: c.type, ...(c.object ? { name: c.object.metadata.name, uid: c.object.metadata.uid } : {}) }); });
  informer.onStateChange((state, failure) => { r.states.push(failure ? { state, failure } : { state }); });
  return r;
}

function names<T extends { metadata: { name: string } }>(informer: Informer<T>): string[] {
  return [...informer.items.values()].map((o) => o.metadata.name).sort();
}

interface Named {
  metadata: { name: string; uid: string; resourceVersion?: string };
}

function configMap(name: string): unknown {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { 'berth.test/informer': 'yes' } }, data: { v: '1' } };
}

describe('informer backoff', () => {
  it('doubles from 500 ms with half of it random, and stops growing at 30 s', () => {
    assert.deepEqual([0, 1, 2, 3].map((n) => backoffDelay(n, () => 0)), [250, 500, 1_000, 2_000]);
    assert.deepEqual([0, 1, 2, 3].map((n) => backoffDelay(n, () => 1)), [500, 1_000, 2_000, 4_000]);
    assert.equal(backoffDelay(7, () => 1), BACKOFF_CAP_MS);
    assert.equal(backoffDelay(1_000, () => 0), BACKOFF_CAP_MS / 2);
  });
});

describe('watch and informer (real control plane)', () => {
  let namespace: string;
  let connection: KubeConnection;

  before(async () => {
    namespace = await createNamespace('informer');
    connection = await connectTo('berth-sandbox');
  });
  after(async () => {
    connection.dispose();
    await deleteNamespace(namespace);
  });

  it('a raw watch from the list\'s resourceVersion delivers ADDED then DELETED', async () => {
    const ref: ResourceRef = { group: '', version: 'v1', resource: 'configmaps', namespace };
    const listed = await connection.list(ref, { labelSelector: 'berth.test/informer=yes' });
    const events: WatchEvent<Named>[] = [];
    const controller = new AbortController();
    const watching = connection.watch<Named>(ref, listed.resourceVersion, (e) => events.push(e), controller.signal, { labelSelector: 'berth.test/informer=yes' });
    await createObject(`/api/v1/namespaces/${namespace}/configmaps`, configMap('raw-watch'));
    await adminRequest('DELETE', `/api/v1/namespaces/${namespace}/configmaps/raw-watch`);
    await eventually(() => events.filter((e) => e.type !== 'BOOKMARK').length >= 2, 10_000, 'ADDED and DELETED');
    controller.abort();
    await settlesWithin(watching, 2_000, 'aborted watch');
    const types = events.flatMap((e) => (e.type === 'BOOKMARK' ? [] : [`${e.type} ${e.object.metadata.name}`]));
    assert.deepEqual(types, ['ADDED raw-watch', 'DELETED raw-watch']);
  });

  it('a watch from a compacted resourceVersion (events: no watch cache) is rejected with KUBE_GONE', async () => {
    // A young cluster's watch cache still replays from resourceVersion 1; events bypass the
    // cache, so after a compaction etcd itself refuses the old revision.
    const ref: ResourceRef = { group: '', version: 'v1', resource: 'events', namespace };
    const listed = await connection.list(ref);
    await createObject(`/api/v1/namespaces/${namespace}/events`, eventManifest('before-compaction', namespace));
    await createObject(`/api/v1/namespaces/${namespace}/events`, eventManifest('before-compaction-2', namespace));
    await compactEtcd();
    const error = await rejectionOf(settlesWithin(connection.watch(ref, listed.resourceVersion, () => undefined, new AbortController().signal), 10_000, 'watch from a compacted version'));
    assert.ok(error instanceof KubeError, String(error));
    assert.equal(error.code, 'KUBE_GONE');
    assert.equal(error.failure.status, 410);
  });

  it('an informer sees a pod ADDED, MODIFIED as kwok runs it, and DELETED', async () => {
    const ref: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespace };
    const r = record(connection.informer<PodJson & Named>(ref));
    try {
      await eventually(() => r.informer.state === 'watching', 10_000, 'watching');
      assert.deepEqual(r.states.map((s) => s.state), ['watching']);
      await createObject(`/api/v1/namespaces/${namespace}/pods`, podManifest('informed', { app: 'informed' }));
      await eventually(() => [...r.informer.items.values()].some((p) => p.metadata.name === 'informed' && p.status?.phase === 'Running'), 20_000, 'pod Running');
      const uid = [...r.informer.items.values()].find((p) => p.metadata.name === 'informed')?.metadata.uid;
      assert.ok(uid);
      await connection.delete({ ...ref, name: 'informed' });
      await eventually(() => !r.informer.items.has(uid), 30_000, 'pod gone from the informer');
      const mine = r.events.filter((e) => e.name === 'informed').map((e) => e.type);
      assert.equal(mine[0], 'ADDED');
      assert.ok(mine.includes('MODIFIED'), mine.join(','));
      assert.equal(mine.at(-1), 'DELETED');
      assert.equal(mine.filter((t) => t === 'ADDED').length, 1);
    } finally {
      r.informer.stop();
    }
    assert.equal(r.informer.state, 'stopped');
  });

  it('403 on list: state failed with KUBE_FORBIDDEN (verb, resource), no retry storm', async () => {
    const limited = await connectTo('limited');
    const informer = limited.informer<Named>({ group: '', version: 'v1', resource: 'pods', namespace: 'default' });
    try {
      await eventually(() => informer.state === 'failed', 5_000, 'failed');
      assert.equal(informer.lastFailure?.code, 'KUBE_FORBIDDEN');
      assert.equal(informer.lastFailure?.verb, 'list');
      assert.equal(informer.lastFailure?.resource, 'pods');
      await new Promise((r) => setTimeout(r, 3_000));
      assert.ok(informer instanceof InformerImpl);
      assert.equal(informer.stats.lists, 1, 'no retry within the cap interval');
      assert.equal(informer.state, 'failed');
    } finally {
      limited.dispose();
    }
    assert.equal(informer.state, 'stopped', 'dispose stops the informers of a connection');
  });

  describe('through the fault proxy', () => {
    let proxy: FaultProxy;
    let proxied: KubeConnection;
    const ref = (): ResourceRef => ({ group: '', version: 'v1', resource: 'configmaps', namespace });

    before(async () => {
      proxy = await FaultProxy.start();
      proxied = await connectThrough(proxy.url);
    });
    after(async () => {
      proxied.dispose();
      await proxy.close();
    });

    async function freshNames(): Promise<string[]> {
      const fresh = await connection.list<Named>(ref(), { labelSelector: 'berth.test/informer=yes' });
      return fresh.items.map((o) => o.metadata.name).sort();
    }

    it('a cut: reconnecting, then watching again, with changes made meanwhile and no duplicate ADDED', async () => {
      await createObject(`/api/v1/namespaces/${namespace}/configmaps`, configMap('before-cut'));
      const r = record(proxied.informer<Named>(ref(), { labelSelector: 'berth.test/informer=yes' }));
      try {
        await eventually(() => r.informer.state === 'watching', 10_000, 'watching');
        assert.deepEqual(names(r.informer), ['before-cut']);
        proxy.mode = 'refuse';
        proxy.cut();
        await eventually(() => r.informer.state === 'reconnecting', 5_000, 'reconnecting');
        assert.equal(r.informer.lastFailure?.code, 'KUBE_UNREACHABLE');
        // Changes the informer cannot see now: it must catch up from its resourceVersion.
        await createObject(`/api/v1/namespaces/${namespace}/configmaps`, configMap('during-cut'));
        await adminRequest('DELETE', `/api/v1/namespaces/${namespace}/configmaps/before-cut`);
        proxy.mode = 'pass';
        await eventually(() => r.informer.state === 'watching', 15_000, 'watching again');
        await eventually(() => names(r.informer).join() === 'during-cut', 10_000, 'caught up');
        assert.deepEqual(names(r.informer), await freshNames());
        const states = r.states.map((s) => s.state);
        assert.deepEqual(states.slice(0, 2), ['watching', 'reconnecting']);
        assert.equal(states.at(-1), 'watching');
        assert.equal(r.events.filter((e) => e.type === 'RESYNC').length, 1, 'no re-list after a plain cut');
        const added = r.events.filter((e) => e.type === 'ADDED').map((e) => e.name);
        assert.deepEqual(added, ['during-cut']);
        // The watch resumed from the informer's resourceVersion, not from scratch.
        const watches = proxy.requests.filter((q) => q.url.searchParams.get('watch') === 'true');
        assert.ok(watches.length >= 2);
        assert.ok(watches.every((q) => /^\d+$/.test(q.url.searchParams.get('resourceVersion') ?? '')));
      } finally {
        r.informer.stop();
        await adminRequest('DELETE', `/api/v1/namespaces/${namespace}/configmaps/during-cut`).catch(() => undefined);
      }
    });

    for (const variant of ['ERROR event', 'HTTP 410'] as const) {
      it(`a 410 Gone on re-watch (${variant}): re-list, RESYNC, consistent with a fresh list`, async () => {
        await createObject(`/api/v1/namespaces/${namespace}/configmaps`, configMap('stays'));
        await createObject(`/api/v1/namespaces/${namespace}/configmaps`, configMap('goes'));
        const r = record(proxied.informer<Named>(ref(), { labelSelector: 'berth.test/informer=yes' }));
        try {
          await eventually(() => r.informer.state === 'watching' && r.informer.items.size === 2, 10_000, 'watching');
          const gone = { code: 410, reason: 'Expired', message: 'too old resource version: 1 (2)' };
          let left = 1;
          proxy.inject((q) => {
            if (q.url.searchParams.get('watch') !== 'true' || left <= 0) return undefined;
            left--;
            return variant === 'ERROR event' ? { watchError: gone } : { status: 410, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', ...gone } };
          });
          proxy.mode = 'refuse';
          proxy.cut();
          await eventually(() => r.informer.state === 'reconnecting', 5_000, 'reconnecting');
          await adminRequest('DELETE', `/api/v1/namespaces/${namespace}/configmaps/goes`);
          await createObject(`/api/v1/namespaces/${namespace}/configmaps`, configMap('new'));
          const resyncsBefore = r.events.filter((e) => e.type === 'RESYNC').length;
          proxy.mode = 'pass';
          await eventually(() => r.informer.state === 'watching' && left === 0 && r.events.filter((e) => e.type === 'RESYNC').length > resyncsBefore, 20_000, 'resynced and watching');
          assert.deepEqual(names(r.informer), ['new', 'stays']);
          assert.deepEqual(names(r.informer), await freshNames());
          assert.ok(r.informer instanceof InformerImpl);
          assert.equal(r.informer.stats.resyncs, 1);
          const states = r.states.map((s) => s.state);
          assert.ok(states.includes('listing'), states.join(','));
          assert.equal(states.at(-1), 'watching');
        } finally {
          r.informer.stop();
          for (const name of ['stays', 'goes', 'new']) await adminRequest('DELETE', `/api/v1/namespaces/${namespace}/configmaps/${name}`).catch(() => undefined);
        }
      });
    }

    it('a real 410 (events, etcd compacted during a cut): re-list, RESYNC, consistent with a fresh list', async () => {
      const events = (): ResourceRef => ({ group: '', version: 'v1', resource: 'events', namespace });
      const labels = { 'berth.test/events': 'yes' };
      await createObject(`/api/v1/namespaces/${namespace}/events`, eventManifest('ev-stays', namespace, labels));
      await createObject(`/api/v1/namespaces/${namespace}/events`, eventManifest('ev-goes', namespace, labels));
      const r = record(proxied.informer<Named>(events(), { labelSelector: 'berth.test/events=yes' }));
      try {
        await eventually(() => r.informer.state === 'watching' && r.informer.items.size === 2, 10_000, 'watching');
        proxy.mode = 'refuse';
        proxy.cut();
        await eventually(() => r.informer.state === 'reconnecting', 5_000, 'reconnecting');
        await adminRequest('DELETE', `/api/v1/namespaces/${namespace}/events/ev-goes`);
        await createObject(`/api/v1/namespaces/${namespace}/events`, eventManifest('ev-new', namespace, labels));
        await compactEtcd();
        const watchesBefore = proxy.requests.filter((q) => q.url.searchParams.get('watch') === 'true').length;
        proxy.mode = 'pass';
        await eventually(() => r.informer.state === 'watching' && r.informer instanceof InformerImpl && r.informer.stats.resyncs === 1, 20_000, 'resynced and watching');
        assert.deepEqual(names(r.informer), ['ev-new', 'ev-stays']);
        const fresh = await connection.list<Named>(events(), { labelSelector: 'berth.test/events=yes' });
        assert.deepEqual(names(r.informer), fresh.items.map((o) => o.metadata.name).sort());
        // The server itself refused the old version: a watch, then a list, then a new watch.
        const after = proxy.requests.filter((q) => q.url.pathname.endsWith('/events')).slice(-3);
        assert.ok(proxy.requests.filter((q) => q.url.searchParams.get('watch') === 'true').length > watchesBefore);
        assert.deepEqual(after.map((q) => (q.url.searchParams.get('watch') === 'true' ? 'watch' : 'list')), ['watch', 'list', 'watch']);
      } finally {
        r.informer.stop();
      }
    });

    it('server away for 12 s: jittered backoff keeps connection attempts bounded, then it recovers', async () => {
      const r = record(proxied.informer<Named>(ref(), { labelSelector: 'berth.test/informer=yes' }));
      try {
        await eventually(() => r.informer.state === 'watching', 10_000, 'watching');
        proxy.mode = 'refuse';
        const from = Date.now();
        proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 12_000));
        const attempts = proxy.connections.filter((t) => t >= from).length;
        // Backoff 0.5, 1, 2, 4, 8 s (each between half and all of that): at most 6 in 12 s.
        assert.ok(attempts >= 3 && attempts <= 7, `${attempts} connection attempts in 12 s`);
        proxy.mode = 'pass';
        await eventually(() => r.informer.state === 'watching', 20_000, 'watching again');
      } finally {
        proxy.mode = 'pass';
        r.informer.stop();
      }
    });
  });
});
