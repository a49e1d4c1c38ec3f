import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { objectToYaml } from '../../../src/core/kube/yamlView';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    namespace: 'default',
    uid: '5f1c9a7e-3b2d-4c8e-9f10-2a3b4c5d6e7f',
    labels: { app: 'web', enabled: 'yes', version: '1.10' },
    annotations: { note: 'line one\nline two' },
    managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', fieldsV1: { 'f:metadata': {} } }],
  },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27', args: ['--port', '8080'] }] },
  status: { phase: 'Running' },
};

describe('objectToYaml', () => {
  it('drops managedFields, keeps everything else in the object\'s key order', () => {
    const text = objectToYaml(pod);
    assert.ok(!text.includes('managedFields'));
    assert.ok(!text.includes('kubectl-client-side-apply'));
    assert.deepEqual(Object.keys(parse(text) as object), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.deepEqual(Object.keys((parse(text) as { metadata: object }).metadata), ['name', 'namespace', 'uid', 'labels', 'annotations']);
    assert.ok(text.startsWith('apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1\n'), text);
  });

  it('does not change the input', () => {
    objectToYaml(pod);
    assert.equal(pod.metadata.managedFields.length, 1);
  });

  it('quotes strings YAML 1.1 readers would take for booleans or numbers, and reads back the same', () => {
    const text = objectToYaml(pod);
    assert.match(text, /enabled: "yes"/);
    assert.match(text, /version: "1.10"/);
    const { managedFields, ...metadata } = pod.metadata;
    assert.equal(managedFields.length, 1);
    assert.deepEqual(parse(text, { version: '1.1' }), { ...pod, metadata });
  });

  it('writes multi-line strings as blocks and never folds long lines', () => {
    const long = 'x'.repeat(300);
    const text = objectToYaml({ a: 'line one\nline two', b: long });
    assert.match(text, /a: \|-\n {2}line one\n {2}line two\n/);
    assert.ok(text.includes(`b: ${long}\n`));
  });

  it('writes repeated objects out instead of anchors and aliases', () => {
    const shared = { app: 'web' };
    const text = objectToYaml({ spec: { selector: { matchLabels: shared }, template: { metadata: { labels: shared } } } });
    assert.ok(!text.includes('&') && !text.includes('*'), text);
  });

  it('drops managedFields of each item of a List', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [pod, { ...pod, metadata: { ...pod.metadata, name: 'web-2' } }] };
    const text = objectToYaml(list);
    assert.ok(!text.includes('managedFields'));
    assert.equal((parse(text) as { items: unknown[] }).items.length, 2);
  });

  it('handles scalars and nothing', () => {
    assert.equal(objectToYaml(undefined), '');
    assert.equal(objectToYaml(null), 'null\n');
    assert.equal(objectToYaml('text'), 'text\n');
  });
});
