import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RolloutView } from '../../../src/core/k8s/rollout';
import { parseRolloutHostMessage } from '../../../src/core/k8s/rolloutProtocol';
import type { RolloutHostMessage } from '../../../src/core/k8s/rolloutProtocol';
import { RolloutSession, VIEW_DEBOUNCE_MS, acceptRolloutMessage, cleanText, toWireView } from '../../../src/vscode/kube/rolloutSession';
import type { SessionTimers } from '../../../src/vscode/kube/rolloutSession';

const NOW = Date.parse('2026-11-22T12:00:00Z');

/** Timers that run only when the test advances the clock. */
class FakeClock implements SessionTimers {
  t = 1000;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.t + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  now(): number {
    return this.t;
  }

  wallClock(): number {
    return NOW + this.t;
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].callback();
    }
    this.t = end;
  }

  get timers(): number {
    return this.pending.size;
  }
}

function rolloutView(overrides: Partial<RolloutView> = {}): RolloutView {
  return {
    kind: 'Deployment',
    name: 'web',
    namespace: 'shop',
    uid: 'u1',
    observed: true,
    phase: 'progressing',
    summary: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    paused: false,
    strategy: 'RollingUpdate',
    counts: { desired: 3, updated: 1, ready: 2, available: 2, current: 4 },
    revisions: [
      {
        revision: 3, name: 'web-new', isNew: true, images: [{ container: 'app', image: 'reg/web@sha256:' + 'a'.repeat(64) }, { container: 'init', image: 'busybox', init: true }],
        desired: 1, current: 1, ready: 0, available: 0, terminating: 0, pods: [],
      },
      { revision: 2, name: 'web-old', isNew: false, images: [{ container: 'app', image: 'reg/web:1.0' }], desired: 2, current: 3, ready: 2, available: 2, terminating: 1, pods: [] },
    ],
    pods: [
      { name: 'web-new-1', revisionName: 'web-new', isNew: true, movement: 'coming-up', status: 'ContainerCreating', health: 'progressing', ready: false, readyText: '0/1', restarts: 0, createdAt: new Date(NOW + 1000 - 5000).toISOString(), problem: 'pulling\u202e image\u0007' },
      { name: 'web-old-1', revisionName: 'web-old', isNew: false, movement: 'going-away', status: 'Terminating', health: 'terminating', ready: false, readyText: '0/1', restarts: 2 },
      { name: 'stray', isNew: false, movement: 'steady', status: 'Running', health: 'ok', ready: true, readyText: '1/1', restarts: 0 },
    ],
    conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-new" is progressing.', lastTransitionTime: new Date(NOW + 1000 - 65_000).toISOString() }],
    events: [{ type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed', object: { kind: 'Pod', name: 'web-new-1' }, count: 4, lastSeen: new Date(NOW + 1000 - 2000).toISOString() }],
    previousRevision: 2,
    ...overrides,
  };
}

function newSession(clock: FakeClock): { session: RolloutSession; posts: RolloutHostMessage[] } {
  const posts: RolloutHostMessage[] = [];
  const session = new RolloutSession({ target: 'Deployment shop/web in sandbox', contextName: 'sandbox', title: 'Rollout: web', timers: clock, post: (m) => { posts.push(m); } });
  return { session, posts };
}

const views = (posts: RolloutHostMessage[]): Extract<RolloutHostMessage, { type: 'view' }>['view'][] =>
  posts.flatMap((p) => (p.type === 'view' ? [p.view] : []));

describe('rollout session: wire view', () => {
  it('maps revisions, pods with their revision and direction, conditions, events and ages', () => {
    const wire = toWireView(rolloutView(), 'sandbox', NOW + 1000);
    assert.equal(wire.context, 'sandbox');
    assert.deepEqual(wire.revisions.map((r) => [r.revision, r.role, r.current]), [[3, 'new', 1], [2, 'old', 3]]);
    assert.deepEqual(wire.revisions[0]?.images, [`app=reg/web@sha256:${'a'.repeat(64)}`, 'init=busybox (init)']);
    assert.deepEqual(wire.pods.map((p) => [p.name, p.revision, p.direction]), [['web-new-1', 3, 'coming'], ['web-old-1', 2, 'going'], ['stray', 0, 'steady']]);
    assert.equal(wire.pods[0]?.age, '5s');
    assert.equal(wire.pods[0]?.message, 'pulling image', 'bidi and control characters are removed');
    assert.equal(wire.pods[1]?.age, '');
    assert.equal(wire.conditions[0]?.age, '65s');
    assert.deepEqual(wire.events[0], { type: 'Warning', reason: 'Unhealthy', object: 'Pod/web-new-1', message: 'Readiness probe failed', count: 4, age: '2s' });
    assert.deepEqual(wire.undo, { revision: 2, images: ['app=reg/web:1.0'] });
    assert.equal(wire.stall, undefined);
    assert.deepEqual(parseRolloutHostMessage({ type: 'view', view: wire }), { type: 'view', view: wire }, 'the webview accepts what the host sends');
  });

  it('turns a stall into a banner with a readable reason, the detail and the hint', () => {
    const wire = toWireView(rolloutView({
      phase: 'failed',
      stallReason: { code: 'ProgressDeadlineExceeded', message: 'The rollout made no progress for 600 s', hint: 'Undo to the previous revision.', detail: 'Pod web-new-1 cannot pull its image' },
    }), 'sandbox', NOW);
    assert.deepEqual(wire.stall, { reason: 'ProgressDeadlineExceeded', message: 'The rollout made no progress for 600 s\nPod web-new-1 cannot pull its image', hint: 'Undo to the previous revision.' });
    const pull = toWireView(rolloutView({ phase: 'stalled', stallReason: { code: 'ImagePull', message: 'x', hint: '' } }), 'c', NOW);
    assert.deepEqual(pull.stall, { reason: 'Image pull error', message: 'x' });
    assert.equal(toWireView(rolloutView({ stallReason: { code: 'Unschedulable', message: 'm', hint: 'h' } }), 'c', NOW).stall?.reason, 'Unschedulable');
    assert.equal(toWireView(rolloutView({ stallReason: { code: 'ReadinessFailing', message: 'm', hint: 'h' } }), 'c', NOW).stall?.reason, 'Readiness probe failing');
  });

  it('caps pods and counts the rest; prefers history images for Undo', () => {
    const many = Array.from({ length: 620 }, (_, i) => ({ name: `p-${i}`, isNew: true, movement: 'steady' as const, status: 'Running', health: 'ok' as const, ready: true, readyText: '1/1', restarts: 0 }));
    const wire = toWireView(rolloutView({ pods: many, previousRevision: 1 }), 'c', NOW, ['app=reg/web:0.9']);
    assert.equal(wire.pods.length, 500);
    assert.equal(wire.podsNotShown, 120);
    assert.deepEqual(wire.undo, { revision: 1, images: ['app=reg/web:0.9'] });
    const withoutPrevious = rolloutView();
    delete withoutPrevious.previousRevision;
    assert.equal(toWireView(withoutPrevious, 'c', NOW).undo, undefined);
  });

  it('cleans and caps text', () => {
    assert.equal(cleanText('a\u0000b\u202ec\u2066d\ne\tf'), 'abcd\ne\tf');
    assert.equal(cleanText('x'.repeat(10), 5), 'xxxx…');
  });
});

describe('rollout session: posting', () => {
  it('holds views until the webview is ready, then sends init, watch state and the newest view', () => {
    const clock = new FakeClock();
    const { session, posts } = newSession(clock);
    session.watch('watching');
    session.view(rolloutView({ summary: 'first' }));
    session.view(rolloutView({ summary: 'second' }));
    assert.equal(posts.length, 0);
    session.webviewReady();
    assert.deepEqual(posts.map((p) => p.type), ['init', 'watch', 'view']);
    assert.equal(views(posts)[0]?.summary, 'second');
  });

  it('posts the first view at once and coalesces a burst, none later than 50 ms after its event', () => {
    const clock = new FakeClock();
    const { session, posts } = newSession(clock);
    session.webviewReady();
    posts.length = 0;
    session.view(rolloutView({ summary: 'v1' }), clock.now());
    assert.equal(views(posts).length, 1, 'the first view after a quiet period is not delayed');
    assert.equal(session.stats().lastViewLatencyMs, 0);
    clock.advance(10);
    session.view(rolloutView({ summary: 'v2' }), clock.now());
    clock.advance(10);
    session.view(rolloutView({ summary: 'v3' }), clock.now());
    assert.equal(views(posts).length, 1, 'a burst waits');
    clock.advance(29);
    assert.equal(views(posts).length, 1);
    clock.advance(1);
    assert.deepEqual(views(posts).map((v) => v.summary), ['v1', 'v3']);
    assert.equal(session.stats().lastViewLatencyMs, 40, 'latency counts from the oldest coalesced event');
    assert.ok((session.stats().lastViewLatencyMs ?? Infinity) <= VIEW_DEBOUNCE_MS);
    // A steady stream every 5 ms: at most one post per 50 ms.
    for (let i = 0; i < 100; i++) {
      clock.advance(5);
      session.view(rolloutView({ summary: `s${i}` }), clock.now());
    }
    clock.advance(50);
    const posted = views(posts).length - 2;
    assert.ok(posted >= 10 && posted <= 11, `${posted} posts for 500 ms of events`);
    assert.equal(views(posts).at(-1)?.summary, 's99', 'the newest view is always the last one posted');
    assert.equal(clock.timers, 0);
  });

  it('stats name the target, the phase and the stall', () => {
    const clock = new FakeClock();
    const { session } = newSession(clock);
    session.webviewReady();
    session.view(rolloutView({ phase: 'stalled', stallReason: { code: 'Unschedulable', message: '0/1 nodes are available', hint: 'h' } }));
    assert.deepEqual(session.stats(), {
      target: 'Deployment shop/web in sandbox', views: 1, lastViewLatencyMs: 0, phase: 'stalled', stallReason: 'Unschedulable', stallMessage: '0/1 nodes are available', watch: 'connecting',
      summary: rolloutView().summary, undoRevision: 2,
    });
  });

  it('a webview that goes away and comes back gets the newest view again; nothing is posted meanwhile', () => {
    const clock = new FakeClock();
    const { session, posts } = newSession(clock);
    session.webviewReady();
    session.view(rolloutView({ summary: 'a' }));
    session.webviewGone();
    posts.length = 0;
    session.view(rolloutView({ summary: 'b' }));
    clock.advance(200);
    assert.equal(posts.length, 0);
    session.busy('Rolling back…');
    session.webviewReady();
    assert.deepEqual(posts.map((p) => p.type), ['init', 'watch', 'busy', 'view']);
    assert.equal(views(posts)[0]?.summary, 'b');
  });

  it('uses history images for Undo once known, and stops after dispose', () => {
    const clock = new FakeClock();
    const { session, posts } = newSession(clock);
    session.webviewReady();
    session.view(rolloutView({ previousRevision: 1 }));
    assert.deepEqual(views(posts).at(-1)?.undo, { revision: 1, images: [] });
    clock.advance(100);
    session.setUndoImages(1, ['app=reg/web:0.9']);
    assert.deepEqual(views(posts).at(-1)?.undo, { revision: 1, images: ['app=reg/web:0.9'] });
    session.dispose();
    const before = posts.length;
    session.view(rolloutView());
    session.watch('failed', 'gone');
    clock.advance(100);
    assert.equal(posts.length, before);
  });
});

describe('rollout session: webview messages', () => {
  it('accepts valid messages and explains refusals', () => {
    assert.deepEqual(acceptRolloutMessage({ type: 'undo', revision: 2 }), { ok: true, message: { type: 'undo', revision: 2 } });
    const refused = acceptRolloutMessage({ type: 'exec', command: 'rm -rf /' });
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.reason, /"exec"/);
    assert.equal(acceptRolloutMessage('ready').ok, false);
  });
});
