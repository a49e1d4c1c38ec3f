import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_WIRE_PODS,
  MAX_WIRE_TEXT,
  parseRolloutHostMessage,
  parseRolloutWebviewMessage,
  parseWireRollout,
} from '../../../src/core/k8s/rolloutProtocol';
import type { WireRollout } from '../../../src/core/k8s/rolloutProtocol';

function view(overrides: Partial<WireRollout> = {}): WireRollout {
  return {
    kind: 'Deployment',
    name: 'web',
    namespace: 'shop',
    context: 'berth-sandbox',
    phase: 'stalled',
    summary: 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
    desired: 3,
    updated: 1,
    ready: 2,
    available: 2,
    paused: false,
    revisions: [{ revision: 3, name: 'web-abc', role: 'new', images: ['app=x@sha256:' + 'a'.repeat(64)], desired: 1, current: 1, ready: 0, available: 0 }],
    pods: [{ name: 'web-abc-1', revision: 3, direction: 'coming', status: 'ImagePullBackOff', health: 'error', ready: '0/1', restarts: 0, age: '5s', message: 'Back-off pulling image' }],
    podsNotShown: 0,
    conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', age: '5s' }],
    events: [{ type: 'Warning', reason: 'Failed', object: 'Pod/web-abc-1', message: 'ErrImagePull', count: 2, age: '4s' }],
    stall: { reason: 'Image pull error', message: 'cannot pull', hint: 'check the tag' },
    undo: { revision: 2, images: ['app=x:1'] },
    ...overrides,
  };
}

describe('rollout protocol: webview messages (host side)', () => {
  it('accepts exactly the known messages', () => {
    assert.deepEqual(parseRolloutWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseRolloutWebviewMessage({ type: 'showLogs' }), { type: 'showLogs' });
    assert.deepEqual(parseRolloutWebviewMessage({ type: 'undo', revision: 4 }), { type: 'undo', revision: 4 });
    for (const action of ['pause', 'resume', 'restart'] as const) {
      assert.deepEqual(parseRolloutWebviewMessage({ type: 'action', action }), { type: 'action', action });
    }
  });

  it('refuses extra keys, wrong types, unknown actions and revisions below 1', () => {
    const refused: unknown[] = [
      null, undefined, 'ready', [], { type: 'ready', extra: true }, { type: 'undo' }, { type: 'undo', revision: 0 },
      { type: 'undo', revision: -1 }, { type: 'undo', revision: 1.5 }, { type: 'undo', revision: '2' },
      { type: 'undo', revision: Number.MAX_SAFE_INTEGER + 2 }, { type: 'action', action: 'scale' },
      { type: 'action', action: 'delete' }, { type: 'action' }, { type: 'showLogs', target: 'kube-system/x' },
      { type: 'setImage', image: 'evil' }, { type: '__proto__' },
    ];
    for (const raw of refused) assert.equal(parseRolloutWebviewMessage(raw), undefined, JSON.stringify(raw));
  });
});

describe('rollout protocol: host messages (webview side)', () => {
  it('round-trips a complete view, and copies rather than aliases arrays', () => {
    const original = view();
    const parsed = parseRolloutHostMessage({ type: 'view', view: original });
    assert.deepEqual(parsed, { type: 'view', view: original });
    assert.ok(parsed?.type === 'view');
    assert.notEqual(parsed.view.revisions[0]?.images, original.revisions[0]?.images);
  });

  it('accepts a view without stall and undo', () => {
    const rest: Partial<WireRollout> = view();
    delete rest.stall;
    delete rest.undo;
    assert.deepEqual(parseWireRollout(rest), rest);
  });

  it('refuses a view with any bad field as a whole', () => {
    const bad: [string, unknown][] = [
      ['unknown phase', { ...view(), phase: 'exploded' }],
      ['unknown kind', { ...view(), kind: 'Job' }],
      ['negative count', { ...view(), ready: -1 }],
      ['fractional count', { ...view(), desired: 1.5 }],
      ['extra key', { ...view(), html: '<b>' }],
      ['pod missing fields', { ...view(), pods: [{ name: 'x' }] }],
      ['pod bad health', { ...view(), pods: [{ ...view().pods[0], health: 'great' }] }],
      ['pod bad direction', { ...view(), pods: [{ ...view().pods[0], direction: 'sideways' }] }],
      ['revision bad role', { ...view(), revisions: [{ ...view().revisions[0], role: 'current' }] }],
      ['too long text', { ...view(), summary: 'x'.repeat(MAX_WIRE_TEXT + 1) }],
      ['too many pods', { ...view(), pods: Array.from({ length: MAX_WIRE_PODS + 1 }, () => view().pods[0]) }],
      ['empty stall reason', { ...view(), stall: { reason: '', message: 'x' } }],
      ['undo to revision 0', { ...view(), undo: { revision: 0, images: [] } }],
      ['events not a list', { ...view(), events: {} }],
      ['image not text', { ...view(), revisions: [{ ...view().revisions[0], images: [1] }] }],
    ];
    for (const [name, raw] of bad) {
      assert.equal(parseWireRollout(raw), undefined, name);
      assert.equal(parseRolloutHostMessage({ type: 'view', view: raw }), undefined, name);
    }
  });

  it('checks the other host messages', () => {
    assert.deepEqual(parseRolloutHostMessage({ type: 'init', title: 'Rollout: web' }), { type: 'init', title: 'Rollout: web' });
    assert.deepEqual(parseRolloutHostMessage({ type: 'watch', state: 'reconnecting', detail: 'dropped' }), { type: 'watch', state: 'reconnecting', detail: 'dropped' });
    assert.deepEqual(parseRolloutHostMessage({ type: 'busy', busy: false }), { type: 'busy', busy: false });
    assert.equal(parseRolloutHostMessage({ type: 'watch', state: 'sleeping' }), undefined);
    assert.equal(parseRolloutHostMessage({ type: 'busy', busy: 1 }), undefined);
    assert.equal(parseRolloutHostMessage({ type: 'init' }), undefined);
    assert.equal(parseRolloutHostMessage({ type: 'view', view: view(), extra: 1 }), undefined);
  });
});
