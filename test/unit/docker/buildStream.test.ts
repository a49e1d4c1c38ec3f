import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuildStreamTracker, JsonLineDecoder, PushStreamTracker } from '../../../src/core/docker/buildStream';

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
