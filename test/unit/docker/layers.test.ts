import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDockerfile } from '../../../src/core/dockerfile/parser';
import { buildSteps, compareLayers, historyEntryFits, instructionForStep, largeLayerAdvice, mapStageHistory, stageImagesFromSteps } from '../../../src/core/images/layers';
import type { HistoryEntry } from '../../../src/core/images/layers';

const entry = (createdBy: string, size: number): HistoryEntry => ({ id: '', created: 0, createdBy, size, tags: [], comment: '' });

const TEXT = `ARG V=1
FROM busybox:local AS build
RUN dd if=/dev/zero of=/blob bs=1k count=300
FROM busybox:local
WORKDIR /app
COPY --from=build /blob /app/blob
ENV MODE=prod
CMD ["sh"]
`;
const df = parseDockerfile(TEXT);
// The classic builder's history of the final image, newest first, over busybox:local.
const classic = [
  entry('/bin/sh -c #(nop)  CMD ["sh"]', 0),
  entry('/bin/sh -c #(nop)  ENV MODE=prod', 0),
  entry('/bin/sh -c #(nop) COPY file:abc in /app/blob ', 307200),
  entry('/bin/sh -c #(nop) WORKDIR /app', 0),
  entry('', 1_980_000),
];

describe('mapStageHistory', () => {
  it('maps classic-builder entries to the final stage\'s lines and puts the rest in the base', () => {
    const final = df.stages[1];
    assert.ok(final);
    const mapped = mapStageHistory(final, classic);
    assert.deepEqual(mapped.layers.map((l) => [l.line, l.keyword, l.size]), [[4, 'WORKDIR', 0], [5, 'COPY', 307200], [6, 'ENV', 0], [7, 'CMD', 0]]);
    assert.equal(mapped.baseSize, 1_980_000);
    assert.equal(mapped.totalSize, 1_980_000 + 307200);
    assert.deepEqual(mapped.unmatched, []);
  });

  it('maps BuildKit-style entries too', () => {
    const buildkit = [entry('CMD ["sh"]', 0), entry('ENV MODE=prod', 0), entry('COPY /blob /app/blob # buildkit', 307200), entry('WORKDIR /app', 0), entry('', 1_980_000)];
    const final = df.stages[1];
    assert.ok(final);
    assert.deepEqual(mapStageHistory(final, buildkit).layers.map((l) => l.size), [0, 307200, 0, 0]);
  });

  it('RUN entries are the command line, with build args in front', () => {
    const inst = df.stages[0]?.instructions[0];
    assert.ok(inst);
    assert.ok(historyEntryFits(inst, entry('|1 V=1 /bin/sh -c dd if=/dev/zero of=/blob bs=1k count=300', 307200)));
    assert.ok(historyEntryFits(inst, entry('RUN /bin/sh -c dd if=/dev/zero # buildkit', 1)));
    assert.ok(!historyEntryFits(inst, entry('/bin/sh -c #(nop) COPY file:x in /', 1)));
  });

  it('stops at the first entry that does not fit instead of shifting sizes onto other lines', () => {
    const final = df.stages[1];
    assert.ok(final);
    // The image was built from an older version: its top entry is a RUN, not the CMD.
    const other = [entry('/bin/sh -c make', 5000), ...classic.slice(1)];
    const mapped = mapStageHistory(final, other);
    assert.deepEqual(mapped.layers, []);
    assert.equal(mapped.unmatched.length, 4);
    assert.match(mapped.unmatched[3]?.reason ?? '', /does not come from this CMD/);
  });

  it('a history shorter than the stage leaves the earliest instructions unmatched', () => {
    const final = df.stages[1];
    assert.ok(final);
    const mapped = mapStageHistory(final, classic.slice(0, 2));
    assert.deepEqual(mapped.layers.map((l) => l.line), [6, 7]);
    assert.deepEqual(mapped.unmatched.map((u) => u.line), [4, 5]);
  });
});

describe('build steps', () => {
  it('numbers global ARGs, then each stage\'s FROM and instructions', () => {
    assert.deepEqual(buildSteps(df).map((i) => i.keyword), ['ARG', 'FROM', 'RUN', 'FROM', 'WORKDIR', 'COPY', 'ENV', 'CMD']);
    assert.equal(instructionForStep(df, 3, 'RUN dd if=/dev/zero of=/blob bs=1k count=300')?.range.start.line, 2);
    assert.equal(instructionForStep(df, 3, 'COPY x y'), undefined, 'a keyword mismatch means the numbering is not this file\'s');
    assert.equal(instructionForStep(df, 99, 'RUN x'), undefined);
  });

  it('finds each stage\'s image from the step results', () => {
    const steps = [
      { number: 1, text: 'ARG V=1', imageId: undefined },
      { number: 2, text: 'FROM busybox:local AS build', imageId: 'aaa' },
      { number: 3, text: 'RUN dd', imageId: 'bbb' },
      { number: 4, text: 'FROM busybox:local', imageId: 'aaa' },
      { number: 8, text: 'CMD ["sh"]', imageId: 'fff' },
    ];
    assert.deepEqual([...stageImagesFromSteps(df, steps)], [[0, 'bbb'], [1, 'fff']]);
  });
});

describe('compareLayers', () => {
  it('pairs instructions by text, so moved lines still compare', () => {
    const prev = [{ instructionIndex: 1, line: 1, keyword: 'RUN', size: 100, createdBy: '', text: 'RUN a' }, { instructionIndex: 2, line: 2, keyword: 'RUN', size: 50, createdBy: '', text: 'RUN b' }];
    const cur = [{ instructionIndex: 1, line: 1, keyword: 'RUN', size: 70, createdBy: '', text: 'RUN b' }, { instructionIndex: 3, line: 3, keyword: 'RUN', size: 10, createdBy: '', text: 'RUN c' }];
    assert.deepEqual(compareLayers(prev, cur), [{ line: 1, delta: 20 }, { line: 3, delta: undefined }]);
  });

  it('gives advice by keyword', () => {
    assert.match(largeLayerAdvice('RUN'), /same RUN/);
    assert.match(largeLayerAdvice('COPY'), /\.dockerignore/);
  });
});
