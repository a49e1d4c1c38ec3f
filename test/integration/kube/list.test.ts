// Lists, gets, YAML and delete against the real control plane: pagination over 1,200 objects
// page by page, a continue token that expires mid-list (restart once), 429 Retry-After, a
// stalled server (deadline), and cancellation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConnection } from '../../../src/clients/kube/api';
import { KubeError } from '../../../src/clients/kube/errors';
import type { ResourceRef } from '../../../src/core/kube/types';
import { FaultProxy } from './faultProxy';
import { connectThrough, connectTo, createMany, createNamespace, createObject, deleteNamespace, kubectl, rejectionOf, settlesWithin } from './sandbox';

const COUNT = 1_200;

interface ConfigMapJson {
  metadata: { name: string; uid: string; resourceVersion?: string; managedFields?: unknown };
  data?: Record<string, string>;
}

describe('lists and object calls (real control plane)', () => {
  let namespace: string;
  let connection: KubeConnection;
  let proxy: FaultProxy;
  let proxied: KubeConnection;
  let ref: ResourceRef;

  before(async () => {
    namespace = await createNamespace('list');
    ref = { group: '', version: 'v1', resource: 'configmaps', namespace };
    const objects = Array.from({ length: COUNT }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${String(i).padStart(4, '0')}`, labels: { 'berth.test/page': 'yes' } },
      data: { index: String(i) },
    }));
    await createMany(`/api/v1/namespaces/${namespace}/configmaps`, objects, 24);
    connection = await connectTo('berth-sandbox');
    proxy = await FaultProxy.start();
    proxied = await connectThrough(proxy.url);
  });

  after(async () => {
    connection.dispose();
    proxied.dispose();
    await proxy.close();
    await deleteNamespace(namespace);
  });

  it(`lists ${COUNT} objects in pages of 500, each page delivered as it arrives; same set as kubectl`, async () => {
    const pages: number[] = [];
    const result = await connection.list<ConfigMapJson>(ref, { labelSelector: 'berth.test/page=yes', onPage: (items) => pages.push(items.length) });
    assert.deepEqual(pages, [500, 500, 200]);
    assert.equal(result.items.length, COUNT);
    assert.equal(new Set(result.items.map((i) => i.metadata.uid)).size, COUNT);
    assert.match(result.resourceVersion, /^\d+$/);
    const viaKubectl = JSON.parse(kubectl(['get', 'configmaps', '-n', namespace, '-l', 'berth.test/page=yes', '-o', 'json'])) as { items: ConfigMapJson[] };
    assert.deepEqual(result.items.map((i) => i.metadata.uid).sort(), viaKubectl.items.map((i) => i.metadata.uid).sort());
  });

  it('limit is honoured and every page after the first carries the continue token', async () => {
    const before = proxy.requests.length;
    const pages: number[] = [];
    const result = await proxied.list<ConfigMapJson>(ref, { limit: 400, labelSelector: 'berth.test/page=yes', onPage: (items) => pages.push(items.length) });
    assert.equal(result.items.length, COUNT);
    // The selector filters after paging: the server may end with an empty page.
    assert.deepEqual(pages.filter((n) => n > 0), [400, 400, 400]);
    const sent = proxy.requests.slice(before);
    assert.equal(sent.length, pages.length);
    for (const [i, r] of sent.entries()) {
      assert.equal(r.url.searchParams.get('limit'), '400');
      assert.equal(r.url.searchParams.has('continue'), i > 0, r.path);
    }
  });

  it('a continue token that expires (410) restarts the list once and still gives the whole set', async () => {
    let injected = 0;
    const remove = proxy.inject((r) => {
      if (!r.url.pathname.endsWith('/configmaps') || !r.url.searchParams.has('continue') || injected > 0) return undefined;
      injected++;
      return { status: 410, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'The provided continue parameter is too old to display a consistent list result.' } };
    });
    try {
      const pages: number[] = [];
      const before = proxy.requests.length;
      const result = await proxied.list<ConfigMapJson>(ref, { labelSelector: 'berth.test/page=yes', onPage: (items) => pages.push(items.length) });
      assert.equal(injected, 1);
      assert.equal(result.items.length, COUNT);
      assert.equal(new Set(result.items.map((i) => i.metadata.uid)).size, COUNT, 'no object twice after the restart');
      assert.deepEqual(pages, [500], 'only the first attempt previews pages');
      assert.equal(proxy.requests.length - before, 5, 'page 1, the expired page 2, then pages 1-3 again');
    } finally {
      remove();
    }
  });

  it('a second expiry is reported as KUBE_GONE', async () => {
    const remove = proxy.inject((r) => (r.url.searchParams.has('continue')
      ? { status: 410, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old' } }
      : undefined));
    try {
      const error = await rejectionOf(proxied.list(ref, { labelSelector: 'berth.test/page=yes' }));
      assert.ok(error instanceof KubeError, String(error));
      assert.equal(error.code, 'KUBE_GONE');
    } finally {
      remove();
    }
  });

  it('429 with Retry-After: 1 is waited out, then the call succeeds', async () => {
    let left = 1;
    const remove = proxy.inject((r) => (r.url.pathname.endsWith('/cm-0001') && left-- > 0
      ? { status: 429, headers: { 'Retry-After': '1' }, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'too many requests, please try again later' } }
      : undefined));
    try {
      const started = Date.now();
      const object = await proxied.get<ConfigMapJson>({ ...ref, name: 'cm-0001' });
      assert.equal(object.data?.index, '1');
      assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
    } finally {
      remove();
    }
  });

  it('a stalled server: the list fails within its deadline with KUBE_UNREACHABLE', async () => {
    const slow = await connectThrough(proxy.url, { requestDeadlineMs: 1_500 });
    proxy.mode = 'stall';
    try {
      const started = Date.now();
      const error = await rejectionOf(settlesWithin(slow.list(ref), 5_000, 'list'));
      assert.ok(error instanceof KubeError, String(error));
      assert.equal(error.code, 'KUBE_UNREACHABLE');
      assert.match(error.message, /no answer within 1\.5 s/);
      assert.ok(Date.now() - started < 2_500);
    } finally {
      proxy.mode = 'pass';
      slow.dispose();
    }
  });

  it('aborting a list rejects with KUBE_CANCELLED; dispose cancels what is in flight', async () => {
    const controller = new AbortController();
    const pending = rejectionOf(connection.list(ref, { signal: controller.signal }));
    controller.abort();
    const error = await pending;
    assert.ok(error instanceof KubeError && error.code === 'KUBE_CANCELLED', String(error));

    const doomed = await connectThrough(proxy.url);
    proxy.mode = 'stall';
    try {
      const inFlight = rejectionOf(doomed.list(ref));
      await new Promise((r) => setTimeout(r, 200));
      doomed.dispose();
      const e = await settlesWithin(inFlight, 1_000, 'disposed list');
      assert.ok(e instanceof KubeError && e.code === 'KUBE_CANCELLED', String(e));
    } finally {
      proxy.mode = 'pass';
    }
  });

  it('get, getYaml without managedFields, delete (and delete of what is already gone)', async () => {
    const name = 'to-delete';
    await createObject(`/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { note: 'x' } });
    const object = await connection.get<ConfigMapJson>({ ...ref, name });
    assert.equal(object.metadata.name, name);
    const yaml = await connection.getYaml({ ...ref, name });
    assert.match(yaml, /^kind: ConfigMap$/m);
    assert.match(yaml, /note: x/);
    assert.doesNotMatch(yaml, /managedFields/);
    await connection.delete({ ...ref, name });
    const gone = await rejectionOf(connection.get({ ...ref, name }));
    assert.ok(gone instanceof KubeError && gone.code === 'KUBE_NOT_FOUND', String(gone));
    await connection.delete({ ...ref, name });
  });

  it('create, then patch with each patch type (strategic, merge, JSON patch); a duplicate create is refused with 409', async () => {
    const created = await connection.create<ConfigMapJson>(ref, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patched' }, data: { a: '1' } });
    assert.equal(created.metadata.name, 'patched');
    assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
    const named = { ...ref, name: 'patched' };
    const strategic = await connection.patch<ConfigMapJson>(named, { data: { b: '2' } }, 'strategic');
    assert.deepEqual(strategic.data, { a: '1', b: '2' });
    const merged = await connection.patch<ConfigMapJson & { metadata: { labels?: Record<string, string> } }>(named, { metadata: { labels: { tier: 'x' } }, data: { a: null } }, 'merge');
    assert.deepEqual(merged.data, { b: '2' });
    assert.equal(merged.metadata.labels?.tier, 'x');
    const jsonPatched = await connection.patch<ConfigMapJson>(named, [{ op: 'replace', path: '/data/b', value: '3' }], 'json');
    assert.deepEqual(jsonPatched.data, { b: '3' });
    assert.deepEqual((await connection.get<ConfigMapJson>(named)).data, { b: '3' });
    const duplicate = await rejectionOf(connection.create(ref, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patched' } }));
    assert.ok(duplicate instanceof KubeError, String(duplicate));
    assert.equal(duplicate.failure.status, 409);
    await connection.delete(named);
  });

  it('a name with path characters stays one segment (never another object or a query)', async () => {
    const error = await rejectionOf(connection.get({ ...ref, name: '../../../namespaces/default' }));
    assert.ok(error instanceof KubeError, String(error));
    assert.equal(error.code, 'KUBE_NOT_FOUND');
  });
});
