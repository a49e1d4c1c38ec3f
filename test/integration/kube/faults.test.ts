// Every context of the sandbox's faults kubeconfig, against the real control plane: each
// gives its own failure code within its deadline, and one bad context never blocks another.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeError } from '../../../src/clients/kube/errors';
import type { KubeFailure } from '../../../src/core/kube/types';
import { connectTo, rejectionOf, sandbox, settlesWithin } from './sandbox';

function failureOf(error: unknown): KubeFailure {
  assert.ok(error instanceof KubeError, `expected a KubeError, got ${String(error)}`);
  return error.failure;
}

/** PIDs of our child processes whose command line contains `fragment`. */
function childrenRunning(fragment: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (after the parenthesised name) is the parent PID.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(fragment)) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('faults kubeconfig contexts (real control plane)', () => {
  const env = sandbox();

  it('berth-sandbox answers: the reachability probe gives the server version', async () => {
    const connection = await connectTo('berth-sandbox');
    try {
      assert.match(await connection.serverVersion(), /^v1\.34\./);
      assert.equal(connection.server, env.server);
    } finally {
      connection.dispose();
    }
  });

  it('unreachable (closed port): KUBE_UNREACHABLE "connection refused" at once', async () => {
    const connection = await connectTo('unreachable', { requestDeadlineMs: 3_000 });
    const started = Date.now();
    const failure = failureOf(await rejectionOf(settlesWithin(connection.serverVersion(), 5_000, 'version')));
    connection.dispose();
    assert.equal(failure.code, 'KUBE_UNREACHABLE');
    assert.match(failure.message, /connection refused/);
    assert.ok(failure.message.includes(env.unreachableServer), failure.message);
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
  });

  describe('silent: a listener that accepts and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    before(async () => {
      server = createServer((socket) => { sockets.add(socket); socket.on('error', () => undefined); });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(env.silentPort, '127.0.0.1', resolve);
      });
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
    });

    it('times out within the request deadline with KUBE_UNREACHABLE naming the wait', async () => {
      const connection = await connectTo('silent', { requestDeadlineMs: 2_000 });
      const started = Date.now();
      const failure = failureOf(await rejectionOf(settlesWithin(connection.serverVersion(), 6_000, 'version')));
      const took = Date.now() - started;
      connection.dispose();
      assert.equal(failure.code, 'KUBE_UNREACHABLE');
      assert.match(failure.message, /no answer within 2 s/);
      assert.ok(took >= 1_900 && took < 3_000, `took ${took} ms`);
      assert.ok(sockets.size >= 1, 'the client connected to the silent listener');
    });

    it('a list there times out too, and does not delay another context meanwhile', async () => {
      const silent = await connectTo('silent', { requestDeadlineMs: 2_000 });
      const good = await connectTo('berth-sandbox');
      try {
        const pending = rejectionOf(silent.list({ group: '', version: 'v1', resource: 'pods', namespace: 'default' }));
        const started = Date.now();
        await good.list({ group: '', version: 'v1', resource: 'namespaces' });
        assert.ok(Date.now() - started < 1_500, 'the good context answered while the silent one hung');
        assert.equal(failureOf(await pending).code, 'KUBE_UNREACHABLE');
      } finally {
        silent.dispose();
        good.dispose();
      }
    });
  });

  it('wrong-ca: KUBE_TLS, unknown authority', async () => {
    const connection = await connectTo('wrong-ca');
    const failure = failureOf(await rejectionOf(settlesWithin(connection.serverVersion(), 6_000, 'version')));
    connection.dispose();
    assert.equal(failure.code, 'KUBE_TLS');
    assert.match(failure.message, /unknown authority/);
  });

  it('expired-cert: KUBE_AUTH_EXPIRED (401) saying the client certificate', async () => {
    const connection = await connectTo('expired-cert');
    const failure = failureOf(await rejectionOf(settlesWithin(connection.list({ group: '', version: 'v1', resource: 'pods', namespace: 'default' }), 6_000, 'list')));
    connection.dispose();
    assert.equal(failure.code, 'KUBE_AUTH_EXPIRED');
    assert.equal(failure.status, 401);
    assert.match(failure.message, /client certificate/);
  });

  it('limited: KUBE_FORBIDDEN naming verb, resource and namespace in default; allowed in team-a', async () => {
    const connection = await connectTo('limited');
    try {
      const failure = failureOf(await rejectionOf(connection.list({ group: '', version: 'v1', resource: 'pods', namespace: 'default' })));
      assert.equal(failure.code, 'KUBE_FORBIDDEN');
      assert.equal(failure.status, 403);
      assert.equal(failure.verb, 'list');
      assert.equal(failure.resource, 'pods');
      assert.equal(failure.namespace, 'default');
      const allowed = await connection.list({ group: '', version: 'v1', resource: 'pods', namespace: env.limited.namespace });
      assert.ok(Array.isArray(allowed.items));
      assert.match(allowed.resourceVersion, /^\d+$/);
      // Reading is granted; deleting is not.
      const deleteDenied = failureOf(await rejectionOf(connection.delete({ group: '', version: 'v1', resource: 'pods', namespace: env.limited.namespace, name: 'nothing-here' })));
      assert.equal(deleteDenied.code, 'KUBE_FORBIDDEN');
      assert.equal(deleteDenied.verb, 'delete');
      const patchDenied = failureOf(await rejectionOf(connection.patch({ group: '', version: 'v1', resource: 'pods', namespace: env.limited.namespace, name: 'nothing-here' }, { metadata: { labels: { a: 'b' } } }, 'merge')));
      assert.equal(patchDenied.code, 'KUBE_FORBIDDEN');
      assert.equal(patchDenied.verb, 'patch');
    } finally {
      connection.dispose();
    }
  });

  it('exec-fail: KUBE_EXEC_PLUGIN with the plugin\'s stderr; nothing left running', async () => {
    const connection = await connectTo('exec-fail');
    try {
      const failure = failureOf(await rejectionOf(settlesWithin(connection.serverVersion(), 6_000, 'version')));
      assert.equal(failure.code, 'KUBE_EXEC_PLUGIN');
      assert.match(failure.message, /exited with code 1/);
      assert.match(failure.message, /invalid_grant/);
      assert.ok(failure.message.includes('"node"'), `names the command: ${failure.message}`);
      assert.deepEqual(childrenRunning('exec-fail.cjs'), []);
    } finally {
      connection.dispose();
    }
  });

  it('exec-hang: waiting reported with the device code, then KUBE_EXEC_TIMEOUT at the deadline and the plugin is gone', async () => {
    const waiting: { command: string; stderr: string }[] = [];
    let pids: number[] = [];
    const connection = await connectTo('exec-hang', {
      execDeadlineMs: 3_000,
      onExecWaiting: (info) => {
        waiting.push(info);
        pids = childrenRunning('exec-hang.cjs');
      },
    });
    const started = Date.now();
    const failure = failureOf(await rejectionOf(settlesWithin(connection.serverVersion(), 8_000, 'version')));
    const took = Date.now() - started;
    connection.dispose();
    assert.equal(failure.code, 'KUBE_EXEC_TIMEOUT');
    assert.match(failure.message, /did not finish within 3 s/);
    assert.ok(took >= 2_900 && took < 4_500, `took ${took} ms`);
    assert.ok(waiting.length >= 1, 'onExecWaiting was called');
    assert.match(waiting[0]?.stderr ?? '', /BRTH-0000/);
    assert.equal(waiting[0]?.command, 'node');
    assert.equal(pids.length, 1, 'the plugin process was found while it waited');
    for (const pid of pids) assert.equal(alive(pid), false, `plugin process ${pid} is gone`);
    assert.deepEqual(childrenRunning('exec-hang.cjs'), []);
  });

  it('exec-hang, Cancel: KUBE_CANCELLED at once and the plugin is killed', async () => {
    let pids: number[] = [];
    const holder: { connection?: { cancelExec(): void } } = {};
    const connection = await connectTo('exec-hang', {
      execDeadlineMs: 60_000,
      onExecWaiting: () => {
        pids = childrenRunning('exec-hang.cjs');
        holder.connection?.cancelExec();
      },
    });
    holder.connection = connection;
    const started = Date.now();
    const failure = failureOf(await rejectionOf(settlesWithin(connection.serverVersion(), 5_000, 'version')));
    connection.dispose();
    assert.equal(failure.code, 'KUBE_CANCELLED');
    assert.ok(Date.now() - started < 3_000);
    assert.equal(pids.length, 1);
    for (const pid of pids) assert.equal(alive(pid), false, `plugin process ${pid} is gone`);
  });

  it('exec-ok: the plugin\'s client certificate works for version, list and watch', async () => {
    const connection = await connectTo('exec-ok');
    try {
      assert.match(await connection.serverVersion(), /^v1\.34\./);
      const namespaces = await connection.list({ group: '', version: 'v1', resource: 'namespaces' });
      assert.ok(namespaces.items.length >= 3);
      const controller = new AbortController();
      const watching = connection.watch({ group: '', version: 'v1', resource: 'namespaces' }, namespaces.resourceVersion, () => undefined, controller.signal);
      setTimeout(() => { controller.abort(); }, 300);
      await settlesWithin(watching, 2_000, 'aborted watch');
    } finally {
      connection.dispose();
    }
  });

  it('all fault contexts at once: each settles with its own code, none waits for another', async () => {
    const expected: Record<string, string> = {
      unreachable: 'KUBE_UNREACHABLE',
      'wrong-ca': 'KUBE_TLS',
      'expired-cert': 'KUBE_AUTH_EXPIRED',
      'exec-fail': 'KUBE_EXEC_PLUGIN',
      'exec-hang': 'KUBE_EXEC_TIMEOUT',
    };
    const started = Date.now();
    const results = await Promise.all(Object.keys(expected).map(async (name) => {
      const connection = await connectTo(name, { requestDeadlineMs: 3_000, execDeadlineMs: 2_000 });
      try {
        const error = await rejectionOf(settlesWithin(connection.list({ group: '', version: 'v1', resource: 'pods', namespace: 'default' }), 6_000, name));
        return [name, failureOf(error).code, Date.now() - started] as const;
      } finally {
        connection.dispose();
      }
    }));
    for (const [name, code, took] of results) {
      assert.equal(code, expected[name], name);
      if (name !== 'exec-hang') assert.ok(took < 1_500, `${name} took ${took} ms`);
    }
  });
});
