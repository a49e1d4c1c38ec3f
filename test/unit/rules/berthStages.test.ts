import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import { parseDockerfile } from '../../../src/core/dockerfile/parser';
import type { Finding } from '../../../src/core/dockerfile/rules/types';
import { berthRules } from '../../../src/core/dockerfile/rules/berth/index';
import { applyEdits } from '../../../src/core/dockerfile/edits';

function findings(code: string, lines: readonly string[]): Finding[] {
  const rule = berthRules.find((r) => r.code === code);
  assert.ok(rule, code);
  return lintDockerfile({ text: lines.join('\n'), rules: [rule] }).findings.filter((f) => f.code === code);
}

describe('BT201 build toolchain in the final stage', () => {
  it('reports an SDK base at the FROM, with the multi-stage fix, and the fix clears it', () => {
    const text = ['FROM golang:1.22', 'WORKDIR /src', 'COPY . .', 'RUN go build -o /out/server ./cmd/server', 'CMD ["/out/server"]'];
    const [f] = findings('BT201', text);
    assert.ok(f);
    assert.deepEqual(f.range, { start: { line: 0, col: 5 }, end: { line: 0, col: 16 } });
    assert.match(f.message, /starts from golang:1\.22 \(the Go SDK\) and runs `go build` \(line 4\)/);
    const fix = f.fixes[0];
    assert.ok(fix);
    assert.match(fix.title, /Make this multi-stage \(Go: build stage \+ gcr\.io\/distroless\/static-debian13\)/);
    const after = applyEdits(text.join('\n'), fix.edits);
    assert.equal(parseDockerfile(after).stages.length, 2);
    assert.deepEqual(findings('BT201', after.split('\n')), []);
  });

  it('reports a build in the final stage of a full node image, with a Node.js rewrite', () => {
    const [f] = findings('BT201', ['FROM node:22', 'WORKDIR /app', 'COPY . .', 'RUN npm ci && npm run build', 'CMD ["node", "dist/index.js"]']);
    assert.match(f?.message ?? '', /starts from node:22 \(Node\.js\) and runs `npm run build`/);
    assert.match(f?.fixes[0]?.title ?? '', /Node\.js: build stage \+ node:22-slim/);
  });

  it('says when it cannot write the rewrite', () => {
    const [f] = findings('BT201', ['FROM golang:1.22', 'COPY . .', 'RUN go build .', 'CMD ["app"]']);
    assert.match(f?.message ?? '', /cannot write that rewrite/);
    assert.equal(f?.fixes.length, 0);
  });

  it('reports compilers and headers installed and not removed in the same RUN', () => {
    const [f] = findings('BT201', ['FROM python:3.12-slim', 'RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*', 'WORKDIR /app', 'COPY . .', 'RUN pip install --no-cache-dir -r requirements.txt', 'CMD ["python", "app.py"]']);
    assert.ok(f);
    assert.deepEqual(f.range.start, { line: 1, col: 22 });
    assert.match(f.message, /gcc and libpq-dev are installed in the final image and never removed/);
    assert.match(f.fixes[0]?.title ?? '', /Python/);
    assert.equal(f.fixes[0]?.preferred, false);
  });

  it('accepts toolchains removed in the same RUN (virtual groups, purge, variables, apt-mark auto)', () => {
    const ok = [
      ['FROM alpine:3.20', 'RUN apk add --no-cache --virtual .build-deps gcc musl-dev && make && apk del .build-deps', 'CMD ["app"]'],
      ['FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y gcc make && make && apt-get purge -y --auto-remove gcc make', 'CMD ["app"]'],
      ['FROM debian:bookworm-slim', 'RUN buildDeps="gcc libc6-dev make" && apt-get update && apt-get install -y $buildDeps && make && apt-get purge -y $buildDeps', 'CMD ["app"]'],
      ['FROM debian:bookworm-slim', 'RUN savedAptMark="$(apt-mark showmanual)"; apt-get update; apt-get install -y gcc; make; apt-mark auto \'.*\' > /dev/null; apt-mark manual $savedAptMark; apt-get purge -y --auto-remove', 'CMD ["app"]'],
      ['FROM fedora:40', 'RUN dnf install -y gcc && make && dnf remove -y gcc', 'CMD ["app"]'],
    ];
    for (const text of ok) assert.deepEqual(findings('BT201', text), [], text.join('\n'));
  });

  it('suggests the runtime library for a -dev package where no compiler exists', () => {
    const [f] = findings('BT201', ['FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev libmnl-dev && rm -rf /var/lib/apt/lists/*', 'CMD ["app"]']);
    assert.match(f?.message ?? '', /development packages.*no compiler.*libpq-dev -> libpq5/);
  });

  it('does not report environments: dev containers, dev targets, images without a program, shells', () => {
    assert.deepEqual(findings('BT201', ['FROM mcr.microsoft.com/devcontainers/base:bookworm', 'RUN apt-get update && apt-get install -y build-essential', 'CMD ["app"]']), []);
    assert.deepEqual(findings('BT201', ['FROM golang:1.22 AS dev-envs', 'RUN go build -o /a .', 'CMD ["/a"]']), []);
    assert.deepEqual(findings('BT201', ['FROM golang:1.26-trixie', 'RUN apt-get update && apt-get install -y gcc']), []);
    assert.deepEqual(findings('BT201', ['FROM golang:1.23', 'RUN go install golang.org/x/tools/gopls@v0.16.2']), []);
    assert.deepEqual(findings('BT201', ['FROM ubuntu:24.04', 'RUN apt-get update && apt-get install -y build-essential', 'CMD ["sleep", "infinity"]']), []);
    assert.deepEqual(findings('BT201', ['FROM ubuntu:24.04', 'RUN apt-get update && apt-get install -y build-essential', 'CMD ["/bin/bash"]']), []);
  });

  it('does not report multi-stage builds or a JDK that builds nothing', () => {
    assert.deepEqual(findings('BT201', ['FROM golang:1.22 AS build', 'RUN go build -o /a .', 'FROM gcr.io/distroless/static-debian12', 'COPY --from=build /a /a', 'CMD ["/a"]']), []);
    assert.deepEqual(findings('BT201', ['FROM eclipse-temurin:21', 'COPY app.jar /app.jar', 'CMD ["java", "-jar", "/app.jar"]']), []);
    assert.equal(findings('BT201', ['FROM eclipse-temurin:21', 'COPY . /src', 'RUN cd /src && ./mvnw -B package', 'CMD ["java", "-jar", "/src/target/app.jar"]']).length, 1);
  });

  it('follows FROM <stage> to the image the final stage really starts from', () => {
    const [f] = findings('BT201', ['FROM rust:1.80 AS base', 'WORKDIR /app', 'FROM base', 'COPY . .', 'RUN cargo build --release', 'CMD ["/app/target/release/app"]']);
    assert.match(f?.message ?? '', /starts from rust:1\.80 \(the Rust toolchain\)/);
  });
});

describe('BT202 heavy base image with a slimmer variant', () => {
  it('gives the size, the date and the saving, and switches the image', () => {
    const text = ['FROM node:22', 'CMD ["node", "server.js"]'];
    const [f] = findings('BT202', text);
    assert.ok(f);
    assert.equal(f.message, 'node:22 is about 1.1 GB on disk, a 405 MB download (table, 2026-09), and it is the base of the final stage; node:22-slim is about 80% smaller, node:22-alpine about 85% (Alpine uses musl instead of glibc: check native modules).');
    assert.deepEqual(f.fixes.map((x) => [x.title, x.preferred]), [['Switch to node:22-slim', true], ['Switch to node:22-alpine', false]]);
    assert.equal(applyEdits(text.join('\n'), f.fixes[0]?.edits ?? []), ['FROM node:22-slim', 'CMD ["node", "server.js"]'].join('\n'));
  });

  it('says "estimated" for a tag of the same family, and keeps the user\'s spelling', () => {
    const [f] = findings('BT202', ['FROM docker.io/library/node:22.11.0 AS app', 'CMD ["node", "server.js"]']);
    assert.match(f?.message ?? '', /estimated from node:22-bookworm in the table, 2026-09/);
    assert.equal(f?.fixes[0]?.edits[0]?.newText, 'docker.io/library/node:22.11.0-slim');
  });

  it('edits a tag built from an ARG by appending the variant', () => {
    const text = ['ARG NODE_VERSION=22', 'FROM node:${NODE_VERSION}', 'CMD ["node", "server.js"]'];
    const [f] = findings('BT202', text);
    assert.equal(applyEdits(text.join('\n'), f?.fixes[0]?.edits ?? []).split('\n')[1], 'FROM node:${NODE_VERSION}-slim');
  });

  it('reports the image the final stage is built from, not build stages', () => {
    const [f] = findings('BT202', ['FROM python:3.12 AS base', 'RUN pip install --no-cache-dir flask', 'FROM base', 'CMD ["flask", "run"]']);
    assert.match(f?.message ?? '', /base of stage "base", which the final stage builds on/);
    assert.deepEqual(findings('BT202', ['FROM node:22 AS build', 'RUN npm ci', 'FROM node:22-slim', 'COPY --from=build /app /app']), []);
  });

  it('stays quiet for slim images, unknown images, small savings and dev targets', () => {
    assert.deepEqual(findings('BT202', ['FROM node:22-slim']), []);
    assert.deepEqual(findings('BT202', ['FROM mycompany/base:1.0']), []);
    assert.deepEqual(findings('BT202', ['FROM debian:trixie']), []);
    assert.deepEqual(findings('BT202', ['FROM golang:1.26']), []);
    assert.deepEqual(findings('BT202', ['FROM node:lts AS development', 'CMD ["npm", "run", "dev"]']), []);
  });
});

describe('BT204 unused stages', () => {
  it('reports a stage nothing uses, and one used only by an unused stage', () => {
    const found = findings('BT204', [
      'FROM alpine:3.20 AS tools',
      'RUN echo tools',
      'FROM tools AS helper',
      'RUN echo helper',
      'FROM alpine:3.20',
      'RUN echo hi',
      'FROM debian:bookworm-slim',
      'CMD ["bash"]',
    ]);
    assert.deepEqual(found.map((f) => f.range.start.line), [0, 2, 4]);
    assert.match(found[0]?.message ?? '', /Stage "tools" is only used by "helper", which nothing uses either/);
    assert.match(found[2]?.message ?? '', /Stage 2 \(unnamed\) is not used/);
  });

  it('counts FROM, COPY --from (by name or index) and RUN --mount from= as uses', () => {
    assert.deepEqual(findings('BT204', [
      'FROM alpine:3.20 AS a',
      'FROM alpine:3.20 AS b',
      'FROM alpine:3.20',
      'FROM alpine:3.20 AS d',
      'FROM a AS c',
      'RUN --mount=type=bind,from=d,target=/d ls /d',
      'FROM alpine:3.20',
      'COPY --from=b /etc/hostname /b',
      'COPY --from=2 /etc/hostname /two',
      'COPY --from=c /etc/hostname /c',
    ]), []);
  });

  it('treats evident build targets (CMD/ENTRYPOINT, dev/test names) as used', () => {
    assert.deepEqual(findings('BT204', [
      'FROM golang:1.22 AS builder',
      'RUN go build -o /a .',
      'FROM builder AS dev-envs',
      'CMD ["go", "run", "."]',
      'FROM builder AS test',
      'RUN go test ./...',
      'FROM scratch',
      'COPY --from=builder /a /a',
    ]), []);
  });
});
