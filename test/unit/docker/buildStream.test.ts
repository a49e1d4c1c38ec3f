import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuildStreamTracker, JsonLineDecoder, PushProgressLine, PushStreamTracker } from '../../../src/core/docker/buildStream';
import type { EngineMessage } from '../../../src/core/docker/buildStream';

function feed(tracker: BuildStreamTracker, chunks: string[]): void {
  const decoder = new JsonLineDecoder();
  for (const chunk of chunks) for (const m of decoder.push(chunk)) tracker.accept(m);
  for (const m of decoder.end()) tracker.accept(m);
}

const ok = [
  '{"stream":"Step 1/2 : FROM busybox:local\\n"}\n{"stream":" ---\\u003e 34f757970f41\\n"}\n',
  '{"stream":"Step 2/2 : RUN echo hi\\n"}\n{"stream":" ---\\u003e Running in 1a2b3c4d5e6f\\n"}\n{"str',
  'eam":"hi\\n"}\n{"stream":"Removing intermediate container 1a2b3c4d5e6f\\n"}\n{"stream":" ---\\u003e 492fd6fbef1c\\n"}\n',
  '{"aux":{"ID":"sha256:492fd6fbef1cf5a450a53738661ed07fa685435955835a9152a1d1f99fa9613c"}}\n{"stream":"Successfully built 492fd6fbef1c\\n"}\n',
];

describe('BuildStreamTracker', () => {
  it('follows steps across chunk boundaries and succeeds with the image ID', () => {
    const t = new BuildStreamTracker();
    feed(t, ok);
    const outcome = t.finish(true);
    assert.ok(outcome.ok);
    assert.equal(outcome.imageId, 'sha256:492fd6fbef1cf5a450a53738661ed07fa685435955835a9152a1d1f99fa9613c');
    assert.deepEqual(outcome.steps.map((s) => [s.number, s.total, s.text, s.imageId]), [[1, 2, 'FROM busybox:local', '34f757970f41'], [2, 2, 'RUN echo hi', '492fd6fbef1c']]);
    assert.ok(outcome.steps[1]?.output.includes('hi'));
  });

  it('an errorDetail inside the 200 stream is a failure at that step, even after output', () => {
    const t = new BuildStreamTracker();
    feed(t, [ok[0] ?? '', '{"stream":"Step 2/2 : RUN exit 3\\n"}\n{"errorDetail":{"code":3,"message":"The command \'/bin/sh -c exit 3\' returned a non-zero code: 3"},"error":"The command \'/bin/sh -c exit 3\' returned a non-zero code: 3"}\n']);
    const outcome = t.finish(true);
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.match(outcome.message, /non-zero code: 3/);
      assert.equal(outcome.failedStep?.number, 2);
      assert.equal(outcome.streamEndedEarly, false);
    }
  });

  it('a stream that breaks off, or ends without an image, is never a success', () => {
    const broken = new BuildStreamTracker();
    feed(broken, [ok[0] ?? '']);
    const a = broken.finish(false);
    assert.ok(!a.ok && a.streamEndedEarly);
    const silent = new BuildStreamTracker();
    feed(silent, [ok[0] ?? '']);
    const b = silent.finish(true);
    assert.ok(!b.ok && /without naming an image/.test(b.message));
  });

  it('keeps non-JSON lines as text', () => {
    const d = new JsonLineDecoder();
    assert.deepEqual(d.push('plain text\n{"stream":"x"}\n'), [{ stream: 'plain text\n' }, { stream: 'x' }]);
  });
});

describe('PushStreamTracker', () => {
  const layers = [
    { status: 'The push refers to repository [127.0.0.1:5000/x]' },
    { status: 'Preparing', id: 'f091e9228253' },
    { status: 'Pushing', id: 'f091e9228253', progressDetail: { current: 512, total: 1024 } },
    { status: 'Pushed', id: 'f091e9228253' },
  ];

  it('succeeds only with aux.Digest', () => {
    const t = new PushStreamTracker();
    for (const m of layers) t.accept(m);
    t.accept({ status: '1: digest: sha256:aa size: 735' });
    const without = t.finish(true);
    assert.ok(!without.ok && /did not confirm/.test(without.message));
    t.accept({ aux: { Tag: '1', Digest: 'sha256:aad2', Size: 735 } });
    assert.deepEqual(t.finish(true), { ok: true, digest: 'sha256:aad2', tag: '1', size: 735 });
    assert.deepEqual(t.counts, { done: 1, total: 1 });
  });

  it('an error wins over a digest and names the last layer', () => {
    const t = new PushStreamTracker();
    for (const m of layers.slice(0, 3)) t.accept(m);
    t.accept({ errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' });
    t.accept({ aux: { Digest: 'sha256:zz' } });
    const outcome = t.finish(true);
    assert.ok(!outcome.ok);
    if (!outcome.ok) assert.equal(outcome.layer, 'f091e9228253');
  });
});

// Push streams of dockerd 20.10.24 (Debian) as captured on 2026-11-22 through a loopback
// proxy in front of docker-registry that answered 500 to every upload (PATCH) of one
// layer: the engine counts down "Retrying in N seconds" once a second, waits 5, 10, 15
// and 20 s, and its final error line names no layer. Repeated "Pushing" lines shortened.
const FAILING = '2cc49d1409bd';
function countdown(id: string, from: number): EngineMessage[] {
  const out: EngineMessage[] = [];
  for (let n = from; n >= 1; n--) out.push({ status: `Retrying in ${n} second${n === 1 ? '' : 's'}`, progressDetail: {}, id });
  return out;
}
const persistent500: EngineMessage[] = [
  { status: 'The push refers to repository [127.0.0.1:40627/exp/persist-1795352283736]' },
  { status: 'Preparing', progressDetail: {}, id: 'f7d68f991272' },
  { status: 'Preparing', progressDetail: {}, id: FAILING },
  { status: 'Preparing', progressDetail: {}, id: '037127b10eac' },
  { status: 'Preparing', progressDetail: {}, id: 'e0432312fb09' },
  { status: 'Pushing', progressDetail: { current: 33280, total: 204800 }, id: FAILING },
  { status: 'Pushing', progressDetail: { current: 33280, total: 102400 }, id: 'f7d68f991272' },
  { status: 'Pushing', progressDetail: { current: 206336, total: 204800 }, id: FAILING },
  ...countdown(FAILING, 5),
  { status: 'Pushed', progressDetail: {}, id: 'f7d68f991272' },
  { status: 'Pushed', progressDetail: {}, id: '037127b10eac' },
  { status: 'Pushed', progressDetail: {}, id: 'e0432312fb09' },
  { status: 'Pushing', progressDetail: { current: 206336, total: 204800 }, id: FAILING },
  ...countdown(FAILING, 10),
  { status: 'Pushing', progressDetail: { current: 206336, total: 204800 }, id: FAILING },
  ...countdown(FAILING, 15),
  { status: 'Pushing', progressDetail: { current: 206336, total: 204800 }, id: FAILING },
  ...countdown(FAILING, 20),
  { status: 'Pushing', progressDetail: { current: 206336, total: 204800 }, id: FAILING },
  { errorDetail: { message: 'received unexpected HTTP status: 500 Internal Server Error' }, error: 'received unexpected HTTP status: 500 Internal Server Error' },
];

describe('PushStreamTracker: the engine\'s own retries', () => {
  it('counts each retry once, names the failing layer and how often it was retried', () => {
    const t = new PushStreamTracker();
    const lines = persistent500.map((m) => t.accept(m)).filter((l): l is string => l !== undefined);
    assert.deepEqual(t.retries, [
      { layer: FAILING, retry: 1, delaySeconds: 5 },
      { layer: FAILING, retry: 2, delaySeconds: 10 },
      { layer: FAILING, retry: 3, delaySeconds: 15 },
      { layer: FAILING, retry: 4, delaySeconds: 20 },
    ]);
    // One line per countdown, not one per second.
    assert.equal(lines.filter((l) => l.includes('retries in')).length, 4);
    assert.ok(lines.includes(`${FAILING}: the upload failed; the engine retries in 20 s (retry 4)`), lines.join('\n'));
    const outcome = t.finish(true);
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.equal(outcome.layer, FAILING);
      assert.equal(outcome.retries, 4);
      assert.match(outcome.message, /500 Internal Server Error/);
      assert.equal(outcome.streamEndedEarly, false);
    }
    assert.deepEqual(t.counts, { done: 3, total: 4 });
  });

  it('names the retried layer even when another layer spoke last', () => {
    const t = new PushStreamTracker();
    for (const m of persistent500.slice(0, 8)) t.accept(m);
    for (const m of countdown(FAILING, 5)) t.accept(m);
    t.accept({ status: 'Pushing', progressDetail: { current: 1_000_000, total: 1_982_564 }, id: 'e0432312fb09' });
    t.accept({ error: 'received unexpected HTTP status: 500 Internal Server Error' });
    const outcome = t.finish(true);
    assert.ok(!outcome.ok && outcome.layer === FAILING && outcome.retries === 1);
  });

  it('names no layer when every layer was in the registry before the error (the manifest failed)', () => {
    const t = new PushStreamTracker();
    for (const m of persistent500.slice(0, 7)) t.accept(m);
    for (const id of ['f7d68f991272', FAILING, '037127b10eac', 'e0432312fb09']) t.accept({ status: 'Pushed', progressDetail: {}, id });
    t.accept({ errorDetail: { message: 'received unexpected HTTP status: 500 Internal Server Error' }, error: 'received unexpected HTTP status: 500 Internal Server Error' });
    const outcome = t.finish(true);
    assert.ok(!outcome.ok);
    if (!outcome.ok) {
      assert.equal(outcome.layer, undefined);
      assert.equal(outcome.retries, 0);
    }
  });

  it('a countdown that follows another without a Pushing line between is a new retry', () => {
    const t = new PushStreamTracker();
    for (const m of [...countdown('aaaaaaaaaaaa', 5), ...countdown('aaaaaaaaaaaa', 10)]) t.accept(m);
    assert.deepEqual(t.retries.map((r) => [r.retry, r.delaySeconds]), [[1, 5], [2, 10]]);
  });

  it('a retry that then succeeds is still a success with the digest', () => {
    const t = new PushStreamTracker();
    for (const m of persistent500.slice(0, 8 + 5 + 3)) t.accept(m);
    t.accept({ status: 'Pushing', progressDetail: { current: 46080, total: 204800 }, id: FAILING });
    t.accept({ status: 'Pushed', progressDetail: {}, id: FAILING });
    t.accept({ status: '1: digest: sha256:b45f size: 1158' });
    t.accept({ progressDetail: {}, aux: { Tag: '1', Digest: 'sha256:b45f', Size: 1158 } });
    assert.deepEqual(t.finish(true), { ok: true, digest: 'sha256:b45f', tag: '1', size: 1158 });
    assert.equal(t.retries.length, 1);
  });
});

describe('PushStreamTracker.stalledLayer', () => {
  it('is the unfinished layer that was uploading, not the ones that finished after it', () => {
    // Captured: the proxy held the upload of f7d68f991272; the other layers went on.
    const t = new PushStreamTracker();
    for (const m of [
      { status: 'Preparing', id: 'f7d68f991272' }, { status: 'Preparing', id: '2cc49d1409bd' },
      { status: 'Preparing', id: '037127b10eac' }, { status: 'Preparing', id: 'e0432312fb09' },
      { status: 'Pushing', progressDetail: { current: 46080, total: 1982564 }, id: 'e0432312fb09' },
      { status: 'Pushing', progressDetail: { current: 33280, total: 102400 }, id: 'f7d68f991272' },
      { status: 'Pushing', progressDetail: { current: 308736, total: 307200 }, id: '037127b10eac' },
      { status: 'Pushed', id: '037127b10eac' }, { status: 'Pushed', id: '2cc49d1409bd' },
      { status: 'Pushing', progressDetail: { current: 1192960, total: 1982564 }, id: 'e0432312fb09' },
      { status: 'Pushed', id: 'e0432312fb09' },
    ]) t.accept(m);
    assert.equal(t.stalledLayer, 'f7d68f991272');
  });

  it('prefers a layer being uploaded over one still queued, and is undefined once all are done', () => {
    const t = new PushStreamTracker();
    t.accept({ status: 'Pushing', progressDetail: { current: 1, total: 9 }, id: 'aaaaaaaaaaaa' });
    t.accept({ status: 'Waiting', id: 'bbbbbbbbbbbb' });
    assert.equal(t.stalledLayer, 'aaaaaaaaaaaa');
    t.accept({ status: 'Pushed', id: 'aaaaaaaaaaaa' });
    assert.equal(t.stalledLayer, 'bbbbbbbbbbbb');
    t.accept({ status: 'Layer already exists', id: 'bbbbbbbbbbbb' });
    assert.equal(t.stalledLayer, undefined);
  });
});

describe('PushProgressLine', () => {
  it('shows counts, then a retry, then a stall that the next message clears', () => {
    const line = new PushProgressLine('127.0.0.1:5000');
    assert.equal(line.progress(0, 4), '0/4 layers');
    assert.equal(line.progress(0, 4), undefined, 'unchanged lines are not reported again');
    assert.equal(line.retry('2cc49d1409bd', 1), '0/4 layers · layer 2cc49d1409bd: upload failed, retry 1 by the engine');
    assert.equal(line.progress(3, 4), '3/4 layers · layer 2cc49d1409bd: upload failed, retry 1 by the engine');
    assert.equal(line.wasStalled, false);
    assert.equal(line.stall('f7d68f991272', 60_400), 'no progress from 127.0.0.1:5000 for 60 s (layer f7d68f991272)');
    assert.equal(line.show(), '3/4 layers · no progress from 127.0.0.1:5000 for 60 s (layer f7d68f991272)');
    assert.equal(line.stall(undefined, 120_000), 'no progress from 127.0.0.1:5000 for 120 s');
    assert.equal(line.progress(3, 4), '3/4 layers');
    assert.equal(line.wasStalled, true);
  });
});
