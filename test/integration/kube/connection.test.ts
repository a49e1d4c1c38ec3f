// A connection's lifetime against the real control plane: workload logs through the
// connection (its pod informer and its log requests), and dispose() stopping all of it.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Informer, KubeConnection, LogLine } from '../../../src/clients/kube/api';
import type { WorkloadLogSource } from '../../../src/clients/kube/workloadLogs';
import { connectTo, createNamespace, createObject, deleteNamespace, eventually, podManifest, sandbox } from './sandbox';

describe('connection lifetime (real control plane)', () => {
  let namespace: string;

  before(async () => {
    namespace = await createNamespace('conn');
    for (const name of ['w-1', 'w-2']) await createObject(`/api/v1/namespaces/${namespace}/pods`, podManifest(name, { app: 'w' }));
  });
  after(async () => {
    await deleteNamespace(namespace);
  });

  it('streamWorkloadLogs follows every pod of the selector; dispose() stops the streams and the pod informer', async () => {
    const connection: KubeConnection = await connectTo('berth-sandbox');
    const lines: LogLine[] = [];
    let sources: WorkloadLogSource[] = [];
    const failures: string[] = [];
    connection.streamWorkloadLogs({ namespace, selector: 'app=w', options: { follow: true, tailLines: 0 } }, {
      onLines: (batch) => { lines.push(...batch); },
      onMarker: () => undefined,
      onSources: (s) => { sources = s; },
      onFailure: (f) => { failures.push(f.message); },
    });
    const tag = `conn-${Math.random().toString(36).slice(2, 8)}`;
    const mine = (): LogLine[] => lines.filter((l) => l.text.includes(tag));
    await eventually(() => sources.length === 2 && sources.every((s) => s.state === 'streaming'), 20_000, 'both pods streaming');
    // Every pod's log is the sandbox's appLog: each stream sees the line, tagged with its pod.
    await eventually(() => {
      appendFileSync(sandbox().appLog, `${new Date().toISOString()} stdout F ${tag} before\n`);
      return new Set(mine().map((l) => l.pod)).size === 2;
    }, 10_000, 'a line from each pod');
    assert.deepEqual([...new Set(mine().map((l) => l.pod))].sort(), ['w-1', 'w-2']);
    assert.deepEqual(failures, []);

    // dispose() stops every informer of the connection (the workload's pod informer is one).
    const probe: Informer<unknown> = connection.informer({ group: '', version: 'v1', resource: 'pods', namespace });
    connection.dispose();
    assert.equal(probe.state, 'stopped');
    const count = lines.length;
    appendFileSync(sandbox().appLog, `${new Date().toISOString()} stdout F ${tag} after dispose\n`);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(lines.length, count, 'no line after dispose');
    assert.ok(!lines.some((l) => l.text.includes('after dispose')));
    // A disposed connection refuses new work at once.
    await assert.rejects(connection.serverVersion(), (e: unknown) => (e as { code?: string }).code === 'KUBE_CANCELLED');
  });
});
