import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../src/core/dockerfile/parser';
import { formatBytes, formatMB, summariseStages } from '../../src/core/dockerfile/stageSummary';
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
  it('gives the base image size with its source', () => {
    assert.equal(s[0]?.base, 'base golang:1.26 · 850 MB on disk, 312 MB download (table 2026-09)');
    assert.equal(s[1]?.base, 'based on stage "build"');
    assert.match(s[2]?.base ?? '', /size not known yet/);
    assert.equal(s[3]?.base, 'base scratch · 0 B');
    assert.deepEqual(s.map((x) => x.line), [0, 2, 4, 5]);
  });
  it('a single-stage file is just the final stage', () => {
    assert.equal(summariseStages(parseDockerfile('FROM golang:1.26\n'), table)[0]?.role, 'final stage');
  });
  it('substituted base images are looked up after ARG expansion', () => {
    const out = summariseStages(parseDockerfile('ARG GO=1.26\nFROM golang:${GO}\n'), table);
    assert.match(out[0]?.base ?? '', /^base golang:1.26 · 850 MB/);
  });
  it('formats sizes', () => {
    assert.equal(formatMB(1110), '1.1 GB');
    assert.equal(formatMB(5), '5.0 MB');
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(12_345), '12.3 kB');
    assert.equal(formatBytes(45_000_000), '45 MB');
  });
});
