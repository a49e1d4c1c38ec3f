import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogStreamRequest, LogStreamSink } from '../../../src/clients/kube/api';
import type { WorkloadLogSink, WorkloadLogTarget } from '../../../src/clients/kube/workloadLogs';
import type { KubeFailure } from '../../../src/core/kube/types';
import type { StreamState } from '../../../src/core/logs/protocol';
import { containersToFollow, podLogDriver, workloadLogDriver } from '../../../src/vscode/kube/logPanelDrivers';
import type { SessionSink, StreamMarker } from '../../../src/vscode/kube/logPanelSession';

/** Records what a driver tells the session, as readable strings. */
function recordingSink(): { sink: SessionSink; events: string[] } {
  const events: string[] = [];
  const sink: SessionSink = {
    lines: (lines) => { events.push(`lines ${lines.map((l) => `${l.pod}/${l.container}:${l.text}`).join(',')}`); },
    marker: (pod, container, kind: StreamMarker, text) => { events.push(`marker ${pod}/${container} ${kind} ${text}`); },
    failure: (pod, container, failure) => { events.push(`failure ${pod}/${container} ${failure.code}`); },
    state: (pod, container, state: StreamState, detail) => { events.push(`state ${pod}/${container} ${state}${detail ? ` (${detail})` : ''}`); },
    containers: (names) => { events.push(`containers ${names.join(',')}`); },
    notice: (text) => { events.push(`notice ${text}`); },
  };
  return { sink, events };
}

function fakeConnection(options: { throwFor?: string } = {}) {
  const streams: { request: LogStreamRequest; sink: LogStreamSink; stopped: boolean }[] = [];
  return {
    streams,
    streamLogs(request: LogStreamRequest, sink: LogStreamSink) {
      if (request.container === options.throwFor) throw new Error('boom');
      const entry = { request, sink, stopped: false };
      streams.push(entry);
      return { stop: () => { entry.stopped = true; } };
    },
  };
}

const toFailure = (error: unknown): KubeFailure => ({ code: 'KUBE_OTHER', message: error instanceof Error ? error.message : String(error), hint: '' });

describe('containersToFollow', () => {
  it('follows the picked container, or the defaults up to maxStreams', () => {
    assert.deepEqual(containersToFollow(['a', 'b', 'c'], { follow: true, previous: false }, 20), { follow: ['a', 'b', 'c'], skipped: 0 });
    assert.deepEqual(containersToFollow(['a', 'b', 'c'], { follow: true, previous: false, container: 'init-db' }, 20), { follow: ['init-db'], skipped: 0 });
    assert.deepEqual(containersToFollow(['a', 'b', 'c'], { follow: true, previous: false }, 2), { follow: ['a', 'b'], skipped: 1 });
    assert.deepEqual(containersToFollow(['a'], { follow: true, previous: false }, 0), { follow: ['a'], skipped: 0 }, 'at least one stream');
  });
});

describe('podLogDriver', () => {
  it('opens one stream per container with the options, and tags markers with their container', () => {
    const connection = fakeConnection();
    const { sink, events } = recordingSink();
    const handle = podLogDriver(connection, { namespace: 'team-a', pod: 'web-1', containers: ['app', 'sidecar'] }, 20, toFailure)
      .start({ follow: true, previous: false, tailLines: 50, sinceSeconds: 300 }, sink);
    assert.deepEqual(connection.streams.map((s) => s.request), [
      { namespace: 'team-a', pod: 'web-1', container: 'app', follow: true, tailLines: 50, sinceSeconds: 300, previous: false },
      { namespace: 'team-a', pod: 'web-1', container: 'sidecar', follow: true, tailLines: 50, sinceSeconds: 300, previous: false },
    ]);
    connection.streams[1]?.sink.onMarker('restarted', 'Container sidecar restarted.');
    connection.streams[0]?.sink.onLines([{ pod: 'web-1', container: 'app', text: 'hi' }]);
    connection.streams[0]?.sink.onFailure({ code: 'KUBE_FORBIDDEN', message: 'no', hint: '' });
    assert.deepEqual(events, [
      'state web-1/app connecting',
      'state web-1/sidecar connecting',
      'marker web-1/sidecar restarted Container sidecar restarted.',
      'lines web-1/app:hi',
      'failure web-1/app KUBE_FORBIDDEN',
    ]);
    handle.stop();
    assert.ok(connection.streams.every((s) => s.stopped));
  });

  it('follows only the picked container, and says when maxStreams leaves containers out', () => {
    const connection = fakeConnection();
    const { sink, events } = recordingSink();
    podLogDriver(connection, { namespace: 'ns', pod: 'p', containers: ['a', 'b', 'c'] }, 20, toFailure).start({ follow: false, previous: true, container: 'b' }, sink);
    assert.deepEqual(connection.streams.map((s) => [s.request.container, s.request.previous, s.request.follow]), [['b', true, false]]);

    const limited = fakeConnection();
    const second = recordingSink();
    podLogDriver(limited, { namespace: 'ns', pod: 'p', containers: ['a', 'b', 'c'] }, 2, toFailure).start({ follow: true, previous: false }, second.sink);
    assert.equal(limited.streams.length, 2);
    assert.ok(second.events.includes('notice Following 2 of 3 containers (setting berth.logs.maxStreams).'), second.events.join('\n'));
    assert.ok(events.length > 0);
  });

  it('reports a stream that cannot even be opened as a failure of that container only', () => {
    const connection = fakeConnection({ throwFor: 'b' });
    const { sink, events } = recordingSink();
    podLogDriver(connection, { namespace: 'ns', pod: 'p', containers: ['a', 'b'] }, 20, toFailure).start({ follow: true, previous: false }, sink);
    assert.equal(connection.streams.length, 1);
    assert.ok(events.includes('failure p/b KUBE_OTHER'));
  });
});

describe('workloadLogDriver', () => {
  function fakeWorkloadStream() {
    const calls: { target: WorkloadLogTarget; sink: WorkloadLogSink; stopped: boolean }[] = [];
    const stream = (target: WorkloadLogTarget, sink: WorkloadLogSink) => {
      const call = { target, sink, stopped: false };
      calls.push(call);
      return { stop: () => { call.stopped = true; } };
    };
    return { calls, stream };
  }

  it('asks for the selector, the options and maxStreams', () => {
    const { calls, stream } = fakeWorkloadStream();
    const { sink } = recordingSink();
    const handle = workloadLogDriver(stream, { namespace: 'default', selector: 'app=web' }, 7).start({ follow: true, previous: false, tailLines: 10, container: 'app' }, sink);
    assert.deepEqual(calls[0]?.target, { namespace: 'default', selector: 'app=web', container: 'app', options: { follow: true, previous: false, maxStreams: 7, tailLines: 10 } });
    handle.stop();
    assert.equal(calls[0]?.stopped, true);
  });

  it('maps sources, markers and failures onto the session', () => {
    const { calls, stream } = fakeWorkloadStream();
    const { sink, events } = recordingSink();
    workloadLogDriver(stream, { namespace: 'default', selector: 'app=web' }, 20).start({ follow: true, previous: false }, sink);
    const w = calls[0]?.sink;
    assert.ok(w);
    w.onSources([{ pod: 'web-a', container: 'app', state: 'streaming' }, { pod: 'web-b', container: 'app', state: 'queued' }, { pod: 'web-b', container: 'log', state: 'waiting' }]);
    // Unchanged states are not sent again.
    w.onSources([{ pod: 'web-a', container: 'app', state: 'streaming' }, { pod: 'web-b', container: 'app', state: 'streaming' }, { pod: 'web-b', container: 'log', state: 'waiting' }]);
    w.onMarker('web-c', 'app', 'joined', 'web-c/app joined.');
    w.onMarker('web-a', 'app', 'left', 'Pod web-a was deleted.');
    w.onMarker('', '', 'waiting', 'No pod matches yet; pods that start will join.');
    w.onLines([{ pod: 'web-c', container: 'app', text: 'x' }]);
    w.onFailure({ code: 'KUBE_FORBIDDEN', message: 'cannot watch pods', hint: 'Ask for RBAC.' });
    w.onFailure({ code: 'KUBE_SERVER', message: 'oops', hint: '' }, { pod: 'web-b', container: 'app' });
    assert.deepEqual(events, [
      'containers app,log',
      'state web-a/app streaming',
      'state web-b/app connecting (queued: every log stream slot is in use (berth.logs.maxStreams))',
      'state web-b/log connecting (waiting for the container to start)',
      'containers app,log',
      'state web-b/app streaming',
      'marker web-c/app joined web-c/app joined.',
      'marker web-a/app left Pod web-a was deleted.',
      'notice No pod matches yet; pods that start will join.',
      'lines web-c/app:x',
      'notice The pod watch failed: cannot watch pods. Streams already open go on; new pods will not join. Ask for RBAC.',
      'failure web-b/app KUBE_SERVER',
    ]);
  });
});
