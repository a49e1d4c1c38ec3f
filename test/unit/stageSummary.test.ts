import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../src/core/dockerfile/parser';
import { describeBaseImage, formatBytes, formatMB, summariseStages } from '../../src/core/dockerfile/stageSummary';
import type { BaseImageFacts } from '../../src/core/dockerfile/stageSummary';

const table = (ref: string): BaseImageFacts | undefined =>
  ref === 'golang:1.26' ? { onDiskMB: 850, compressedMB: 312.3, source: 'table 2026-09', estimated: false } : undefined;

describe('stage summaries for code lenses', () => {
  const df = parseDockerfile([
    'FROM golang:1.26 AS build',
    'RUN go build -o /out/app .',
    'FROM build AS test',
    'RUN go test ./...',
    'FROM alpine:3.24 AS unused',
    'FROM scratch',
    'COPY --from=build /out/app /app',
  ].join('\n'));
  const s = summariseStages(df, table);

  it('names the role of every stage', () => {
    assert.equal(s.length, 4);
    assert.match(s[0]?.role ?? '', /^build stage "build", used by "test" via FROM, the final stage via COPY --from$/);
    assert.match(s[1]?.role ?? '', /unused/);
    assert.match(s[2]?.role ?? '', /unused/);
    assert.equal(s[3]?.role, 'final stage (of 4)');
  });
  it('gives the base image size with its source, in a few words', () => {
    assert.equal(s[0]?.base, 'base 850 MB on disk, 312 MB download (table 2026-09)');
    assert.equal(s[1]?.base, 'based on stage "build"');
    assert.equal(s[2]?.base, 'base size unknown');
    assert.equal(s[3]?.base, 'base scratch, 0 B');
    assert.deepEqual(s.map((x) => x.line), [0, 2, 4, 5]);
  });
  it('names the image reference to look up, only for image bases', () => {
    assert.deepEqual(s.map((x) => x.baseImage), ['golang:1.26', undefined, 'alpine:3.24', undefined]);
    // An argument without a value substitutes to nothing: `node:` is not a reference to look up.
    for (const text of ['ARG BASE\nFROM ${BASE}\n', 'ARG V\nFROM node:${V}\n', 'FROM node:$V\n']) {
      const unresolved = summariseStages(parseDockerfile(text), table)[0];
      assert.equal(unresolved?.baseImage, undefined, text);
      assert.equal(unresolved?.base, 'base size unknown (depends on a build argument)', text);
    }
    assert.equal(summariseStages(parseDockerfile('ARG V=22\nFROM node:$V\n'), table)[0]?.baseImage, 'node:22');
  });
  it('a single-stage file is just the final stage', () => {
    assert.equal(summariseStages(parseDockerfile('FROM golang:1.26\n'), table)[0]?.role, 'final stage');
  });
  it('substituted base images are looked up after ARG expansion', () => {
    const out = summariseStages(parseDockerfile('ARG GO=1.26\nFROM golang:${GO}\n'), table);
    assert.equal(out[0]?.baseImage, 'golang:1.26');
    assert.equal(out[0]?.base, 'base 850 MB on disk, 312 MB download (table 2026-09)');
  });
  it('describes a base image: one figure in the text, both and the source in the tooltip', () => {
    const table = describeBaseImage('golang:1.26', { onDiskMB: 850, compressedMB: 312.3, source: 'table 2026-09', estimated: false });
    assert.equal(table.text, 'base 850 MB on disk, 312 MB download (table 2026-09)');
    assert.match(table.tooltip, /^Base image golang:1\.26\nDownload \(compressed layers\): 312 MB\nOn disk \(unpacked\): 850 MB\nFrom: table 2026-09$/);
    const local = describeBaseImage('busybox:local', { onDiskMB: 1_269_800 / 1e6, compressedMB: undefined, source: 'local engine', estimated: false, detail: ['Image sha256:34f7…'] });
    assert.equal(local.text, 'base 1.3 MB on disk (local engine)');
    assert.match(local.tooltip, /From: local engine\nImage sha256:34f7…$/);
    const estimated = describeBaseImage('node:22.11.0', { onDiskMB: 1134, compressedMB: 405, source: 'table 2026-09', estimated: true }, ['Registry: unreachable']);
    assert.equal(estimated.text, 'base ≈ 1.13 GB on disk, ≈ 405 MB download (table 2026-09)');
    assert.match(estimated.tooltip, /≈ 1\.13 GB/);
    assert.match(estimated.tooltip, /closest listed tag\)\nRegistry: unreachable$/);
    const unknown = describeBaseImage('example.com/app:1', undefined, ['Registry: NOT_FOUND']);
    assert.equal(unknown.text, 'base size unknown');
    assert.match(unknown.tooltip, /example\.com\/app:1.*\nPull or build it to see its size\.\nRegistry: NOT_FOUND$/s);
  });
  it('formats sizes', () => {
    assert.equal(formatMB(1110), '1.1 GB');
    assert.equal(formatMB(5), '5.0 MB');
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(12_345), '12.3 kB');
    assert.equal(formatBytes(45_000_000), '45 MB');
  });
});
