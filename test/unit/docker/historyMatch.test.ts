// Content matching of image histories against Dockerfiles. The history entries below are
// literal captures from the private engine (dockerd 20.10.24, `docker history --no-trunc`
// through the Engine API), of the Dockerfiles FULL and VARIABLES built on busybox:local
// with the classic builder (DOCKER_BUILDKIT=0) and BuildKit (DOCKER_BUILDKIT=1, the 20.10
// CLI, --network none), with --build-arg GREETING=from-arg --build-arg OTHER=o for FULL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDockerfile } from '../../../src/core/dockerfile/parser';
import {
  discoverBuilds, entryFits, goQuote, localImageFor, matchStageImage, readHistoryStep, recentImages, shortReference,
} from '../../../src/core/images/historyMatch';
import type { ImageSummary } from '../../../src/core/images/imageList';
import type { HistoryEntry } from '../../../src/core/images/layers';

const FULL = `ARG GLOBAL=g1
FROM busybox:local AS build
ARG GREETING=hello
ARG OTHER
ENV PATH_EXTRA=/opt/bin MODE="two words"
WORKDIR /src
RUN mkdir -p /out && echo "$GREETING" > /out/greeting
RUN echo one \\
    && echo two   three \\
    && dd if=/dev/zero of=/out/blob bs=1024 count=100 2>/dev/null
RUN ["/bin/sh", "-c", "echo exec > /out/exec"]
COPY app.txt /src/app.txt
COPY dir/ /src/dir/
ADD app.txt /src/added.txt
LABEL org.example.a="b c" simple=1
USER 1000:1000

FROM busybox:local
COPY --from=build /out/greeting /app/greeting
COPY --from=build /out /app/out
EXPOSE 8080/tcp 9090
ENV APP_ENV=prod
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s CMD ["true"]
SHELL ["/bin/sh", "-e", "-c"]
RUN echo after-shell > /app/s
RUN ["/bin/echo", "exec form"]
USER nobody
ENTRYPOINT ["/bin/cat"]
CMD ["/app/greeting"]
ONBUILD RUN echo later
MAINTAINER someone <a@b.c>
CMD echo shell-form $HOME
ENTRYPOINT /bin/sh -c "exec cat"

`;

/** With variables, legacy ENV, relative WORKDIR, --chown and RUN --mount (BuildKit only). */
const VARIABLES = `FROM busybox:local
ARG BASE=/opt
ARG UID=1234
ENV LEGACY some value here
ENV A=1 B=$BASE/bin C="quoted value" \\
    D='single $NOT'
WORKDIR $BASE/work
WORKDIR sub
COPY app.txt .
COPY --chown=1:1 app.txt rel/
COPY app.txt \${BASE}/viaarg.txt
ADD --chown=2:2 app.txt /abs/
LABEL "quoted key"="v" multi=1 \\
      other="x y"
EXPOSE 80
EXPOSE \${UID}
RUN --mount=type=tmpfs,target=/tmp echo mounted > /m || true
RUN echo 'single  quoted   spaces' > /q \\
 # a comment line inside
 && echo tail > /t
RUN set -e; \\
	echo tab-continued
USER \${UID}:0
CMD echo "$A"
ENTRYPOINT ["/bin/sh", "-c"]
`;

/** `docker history` of hx/classic:1. */
const CLASSIC_FINAL: readonly (readonly [string, number])[] = [
  ["/bin/sh -e -c #(nop)  ENTRYPOINT [\"/bin/sh\" \"-e\" \"-c\" \"/bin/sh -c \\\"exec cat\\\"\"]", 0],
  ["/bin/sh -e -c #(nop)  CMD [\"/bin/sh\" \"-e\" \"-c\" \"echo shell-form $HOME\"]", 0],
  ["/bin/sh -e -c #(nop)  MAINTAINER someone <a@b.c>", 0],
  ["/bin/sh -e -c #(nop)  ONBUILD RUN echo later", 0],
  ["/bin/sh -e -c #(nop)  CMD [\"/app/greeting\"]", 0],
  ["/bin/sh -e -c #(nop)  ENTRYPOINT [\"/bin/cat\"]", 0],
  ["/bin/sh -e -c #(nop)  USER nobody", 0],
  ["/bin/echo exec form", 0],
  ["/bin/sh -e -c echo after-shell > /app/s", 12],
  ["/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]", 0],
  ["/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD\" \"true\"] \"30s\" \"0s\" \"0s\" '\\x00'}", 0],
  ["/bin/sh -c #(nop)  STOPSIGNAL SIGTERM", 0],
  ["/bin/sh -c #(nop)  VOLUME [/data]", 0],
  ["/bin/sh -c #(nop)  ENV APP_ENV=prod", 0],
  ["/bin/sh -c #(nop)  EXPOSE 8080/tcp 9090", 0],
  ["/bin/sh -c #(nop) COPY dir:87d13a1e5da6f48d0ca5543c259bb4c95e80d11a2c56e6a0fef3d2fd8cc7ad0d in /app/out ", 102414],
  ["/bin/sh -c #(nop) COPY file:1e4fd9bf49a5486fee6ec4e16958896f689d11071b5f334522ae0213ddeb7802 in /app/greeting ", 9],
  ["", 1982564],
];

/** `docker history` of hx/bk:2. */
const BUILDKIT_FINAL: readonly (readonly [string, number])[] = [
  ["ENTRYPOINT [\"/bin/sh\" \"-e\" \"-c\" \"/bin/sh -c \\\"exec cat\\\"\"]", 0],
  ["CMD [\"/bin/sh\" \"-e\" \"-c\" \"echo shell-form $HOME\"]", 0],
  ["MAINTAINER someone <a@b.c>", 0],
  ["CMD [\"/app/greeting\"]", 0],
  ["ENTRYPOINT [\"/bin/cat\"]", 0],
  ["USER nobody", 0],
  ["RUN /bin/echo exec form # buildkit", 0],
  ["RUN /bin/sh -e -c echo after-shell > /app/s # buildkit", 12],
  ["SHELL [/bin/sh -e -c]", 0],
  ["HEALTHCHECK &{[\"CMD\" \"true\"] \"30s\" \"0s\" \"0s\" '\\x00'}", 0],
  ["STOPSIGNAL SIGTERM", 0],
  ["VOLUME [/data]", 0],
  ["ENV APP_ENV=prod", 0],
  ["EXPOSE map[8080/tcp:{} 9090/tcp:{}]", 0],
  ["COPY /out /app/out # buildkit", 102414],
  ["COPY /out/greeting /app/greeting # buildkit", 9],
  ["", 1982564],
];

/** `docker history` of hx/classic-build:1. */
const CLASSIC_BUILD_STAGE: readonly (readonly [string, number])[] = [
  ["/bin/sh -c #(nop)  USER 1000:1000", 0],
  ["/bin/sh -c #(nop)  LABEL org.example.a=b c simple=1", 0],
  ["/bin/sh -c #(nop) ADD file:d08538d3805f9616c98e11379dc157d683474a87e9dbc786656a09c4364a0b74 in /src/added.txt ", 6],
  ["/bin/sh -c #(nop) COPY dir:933336f93f6ae3257fbf2c6616cf23363d5f64c925f88399b3c7af275a3a52d0 in /src/dir/ ", 4],
  ["/bin/sh -c #(nop) COPY file:d08538d3805f9616c98e11379dc157d683474a87e9dbc786656a09c4364a0b74 in /src/app.txt ", 6],
  ["|2 GREETING=from-arg OTHER=o /bin/sh -c echo exec > /out/exec", 5],
  ["|2 GREETING=from-arg OTHER=o /bin/sh -c echo one     && echo two   three     && dd if=/dev/zero of=/out/blob bs=1024 count=100 2>/dev/null", 102400],
  ["|2 GREETING=from-arg OTHER=o /bin/sh -c mkdir -p /out && echo \"$GREETING\" > /out/greeting", 9],
  ["/bin/sh -c #(nop) WORKDIR /src", 0],
  ["/bin/sh -c #(nop)  ENV PATH_EXTRA=/opt/bin MODE=two words", 0],
  ["/bin/sh -c #(nop)  ARG OTHER", 0],
  ["/bin/sh -c #(nop)  ARG GREETING=hello", 0],
  ["", 1982564],
];

/** `docker history` of hx/bk-build:2. */
const BUILDKIT_BUILD_STAGE: readonly (readonly [string, number])[] = [
  ["USER 1000:1000", 0],
  ["LABEL org.example.a=b c simple=1", 0],
  ["ADD app.txt /src/added.txt # buildkit", 6],
  ["COPY dir/ /src/dir/ # buildkit", 4],
  ["COPY app.txt /src/app.txt # buildkit", 6],
  ["RUN |2 GREETING=from-arg OTHER=o /bin/sh -c echo exec > /out/exec # buildkit", 5],
  ["RUN |2 GREETING=from-arg OTHER=o /bin/sh -c echo one     && echo two   three     && dd if=/dev/zero of=/out/blob bs=1024 count=100 2>/dev/null # buildkit", 102400],
  ["RUN |2 GREETING=from-arg OTHER=o /bin/sh -c mkdir -p /out && echo \"$GREETING\" > /out/greeting # buildkit", 9],
  ["WORKDIR /src", 0],
  ["ENV PATH_EXTRA=/opt/bin MODE=two words", 0],
  ["ARG OTHER", 0],
  ["ARG GREETING=hello", 0],
  ["", 1982564],
];

/** VARIABLES without its RUN --mount line (the classic builder rejects --mount). */
/** `docker history` of hx/classic:2. */
const CLASSIC_VARIABLES: readonly (readonly [string, number])[] = [
  ["/bin/sh -c #(nop)  ENTRYPOINT [\"/bin/sh\" \"-c\"]", 0],
  ["/bin/sh -c #(nop)  CMD [\"/bin/sh\" \"-c\" \"echo \\\"$A\\\"\"]", 0],
  ["/bin/sh -c #(nop)  USER 1234:0", 0],
  ["|2 BASE=/opt UID=1234 /bin/sh -c set -e; \techo tab-continued", 0],
  ["|2 BASE=/opt UID=1234 /bin/sh -c echo 'single  quoted   spaces' > /q  && echo tail > /t", 29],
  ["/bin/sh -c #(nop)  EXPOSE 1234", 0],
  ["/bin/sh -c #(nop)  EXPOSE 80", 0],
  ["/bin/sh -c #(nop)  LABEL quoted key=v multi=1 other=x y", 0],
  ["/bin/sh -c #(nop) ADD --chown=2:2file:d08538d3805f9616c98e11379dc157d683474a87e9dbc786656a09c4364a0b74 in /abs/ ", 6],
  ["/bin/sh -c #(nop) COPY file:d08538d3805f9616c98e11379dc157d683474a87e9dbc786656a09c4364a0b74 in /opt/viaarg.txt ", 6],
  ["/bin/sh -c #(nop) COPY --chown=1:1file:d08538d3805f9616c98e11379dc157d683474a87e9dbc786656a09c4364a0b74 in rel/ ", 6],
  ["/bin/sh -c #(nop) COPY file:d08538d3805f9616c98e11379dc157d683474a87e9dbc786656a09c4364a0b74 in . ", 6],
  ["/bin/sh -c #(nop) WORKDIR /opt/work/sub", 0],
  ["/bin/sh -c #(nop) WORKDIR /opt/work", 0],
  ["/bin/sh -c #(nop)  ENV A=1 B=/opt/bin C=quoted value D=single $NOT", 0],
  ["/bin/sh -c #(nop)  ENV LEGACY=some value here", 0],
  ["/bin/sh -c #(nop)  ARG UID=1234", 0],
  ["/bin/sh -c #(nop)  ARG BASE=/opt", 0],
  ["", 1982564],
];

/** `docker history` of hx/bk:3. */
const BUILDKIT_VARIABLES: readonly (readonly [string, number])[] = [
  ["ENTRYPOINT [\"/bin/sh\" \"-c\"]", 0],
  ["CMD [\"/bin/sh\" \"-c\" \"echo \\\"$A\\\"\"]", 0],
  ["USER 1234:0", 0],
  ["RUN |2 BASE=/opt UID=1234 /bin/sh -c set -e; \techo tab-continued # buildkit", 0],
  ["RUN |2 BASE=/opt UID=1234 /bin/sh -c echo 'single  quoted   spaces' > /q  && echo tail > /t # buildkit", 29],
  ["RUN |2 BASE=/opt UID=1234 /bin/sh -c echo mounted > /m || true # buildkit", 8],
  ["EXPOSE map[1234/tcp:{}]", 0],
  ["EXPOSE map[80/tcp:{}]", 0],
  ["LABEL quoted key=v multi=1 other=x y", 0],
  ["ADD app.txt /abs/ # buildkit", 6],
  ["COPY app.txt /opt/viaarg.txt # buildkit", 6],
  ["COPY app.txt rel/ # buildkit", 6],
  ["COPY app.txt . # buildkit", 6],
  ["WORKDIR /opt/work/sub", 0],
  ["WORKDIR /opt/work", 0],
  ["ENV A=1 B=/opt/bin C=quoted value D=single $NOT", 0],
  ["ENV LEGACY=some value here", 0],
  ["ARG UID=1234", 0],
  ["ARG BASE=/opt", 0],
  ["", 1982564],
];

const entries = (rows: readonly (readonly [string, number])[]): HistoryEntry[] => rows.map(([createdBy, size], i) => ({ id: `sha256:${String(i)}`, created: 0, createdBy, size, tags: [], comment: '' }));
const BASE = new Map([['busybox:local', entries([['', 1982564]])]]);
const full = parseDockerfile(FULL);
const variables = parseDockerfile(VARIABLES);
const variablesClassic = parseDockerfile(VARIABLES.replace(/^RUN --mount.*\n/m, ''));

/** Layer sizes of a matched stage, by the instruction's first line (1-based, as an editor shows it). */
function sizesByLine(match: ReturnType<typeof matchStageImage>, stageIndex: number): Record<number, number> {
  const stage = match?.stages.get(stageIndex);
  assert.ok(stage, `stage ${String(stageIndex)} was not matched`);
  return Object.fromEntries(stage.layers.map((l) => [l.line + 1, l.size]));
}

describe('readHistoryStep', () => {
  it('reads both builders\' forms and strips their decorations', () => {
    assert.deepEqual(readHistoryStep('/bin/sh -c #(nop)  ENV APP_ENV=prod'), { builder: 'classic', keyword: 'ENV', text: 'APP_ENV=prod' });
    assert.deepEqual(readHistoryStep('/bin/sh -e -c #(nop)  USER nobody'), { builder: 'classic', keyword: 'USER', text: 'nobody' });
    assert.deepEqual(readHistoryStep('|2 A=x B=y /bin/sh -c echo one     && echo two'), { builder: 'classic', keyword: 'RUN', text: '|2 A=x B=y /bin/sh -c echo one && echo two' });
    assert.deepEqual(readHistoryStep('RUN /bin/echo exec form # buildkit'), { builder: 'buildkit', keyword: 'RUN', text: '/bin/echo exec form' });
    assert.deepEqual(readHistoryStep('COPY /out /app/out # buildkit'), { builder: 'buildkit', keyword: 'COPY', text: '/out /app/out' });
    assert.deepEqual(readHistoryStep('EXPOSE map[80/tcp:{}]'), { builder: 'buildkit', keyword: 'EXPOSE', text: 'map[80/tcp:{}]' });
    assert.equal(readHistoryStep(''), undefined);
    assert.equal(readHistoryStep('   '), undefined);
  });
});

describe('matchStageImage (classic builder and BuildKit, captured histories)', () => {
  it('maps every instruction of the final stage of FULL, classic builder, with the sizes docker history reports', () => {
    const match = matchStageImage(full, 1, entries(CLASSIC_FINAL), BASE);
    assert.ok(match);
    assert.equal(match.baseVerified, true);
    const finalStage = full.stages[1];
    assert.ok(finalStage);
    // All 17 instructions, ONBUILD included (the classic builder records it).
    assert.equal(match.stages.get(1)?.layers.length, finalStage.instructions.length);
    const sizes = sizesByLine(match, 1);
    assert.equal(sizes[19], 9, 'COPY --from=build /out/greeting');
    assert.equal(sizes[20], 102414, 'COPY --from=build /out');
    assert.equal(sizes[27], 12, 'RUN after SHELL');
    assert.equal(sizes[28], 0, 'exec-form RUN');
    assert.equal(sizes[32], 0, 'ONBUILD');
    assert.equal(match.stages.get(1)?.baseSize, 1982564);
    assert.equal(match.stages.get(1)?.totalSize, 1982564 + 9 + 102414 + 12);
  });

  it('maps the same stage from BuildKit\'s history, where ONBUILD has no entry', () => {
    const match = matchStageImage(full, 1, entries(BUILDKIT_FINAL), BASE);
    assert.ok(match);
    const layers = match.stages.get(1)?.layers ?? [];
    assert.equal(layers.length, 16);
    assert.ok(!layers.some((l) => l.keyword === 'ONBUILD'));
    assert.deepEqual(Object.entries(sizesByLine(match, 1)).filter(([, size]) => size > 0), [['19', 9], ['20', 102414], ['27', 12]]);
  });

  for (const [builder, rows] of [['classic builder', CLASSIC_BUILD_STAGE], ['BuildKit', BUILDKIT_BUILD_STAGE]] as const) {
    it(`maps the build stage (--target build) with build args, continuation lines and exec-form RUN: ${builder}`, () => {
      const match = matchStageImage(full, 0, entries(rows), BASE);
      assert.ok(match);
      assert.deepEqual(sizesByLine(match, 0), { 3: 0, 4: 0, 5: 0, 6: 0, 7: 9, 8: 102400, 11: 5, 12: 6, 13: 4, 14: 6, 15: 0, 16: 0 });
    });
  }

  it('does not take one stage\'s image for another stage', () => {
    assert.equal(matchStageImage(full, 0, entries(CLASSIC_FINAL), BASE), undefined);
    assert.equal(matchStageImage(full, 0, entries(BUILDKIT_FINAL), BASE), undefined);
    assert.equal(matchStageImage(full, 1, entries(CLASSIC_BUILD_STAGE), BASE), undefined);
    assert.equal(matchStageImage(full, 1, entries(BUILDKIT_BUILD_STAGE), BASE), undefined);
  });

  it('expands nothing it cannot know: variables, quotes, legacy ENV, relative WORKDIR and --chown, both builders', () => {
    const classic = matchStageImage(variablesClassic, 0, entries(CLASSIC_VARIABLES), BASE);
    assert.ok(classic);
    assert.equal(classic.stages.get(0)?.layers.length, variablesClassic.stages[0]?.instructions.length);
    const buildkit = matchStageImage(variables, 0, entries(BUILDKIT_VARIABLES), BASE);
    assert.ok(buildkit);
    assert.equal(buildkit.stages.get(0)?.layers.length, variables.stages[0]?.instructions.length);
    assert.equal(sizesByLine(buildkit, 0)[17], 8, 'RUN --mount=… (the flag is not in the history)');
    // Each history belongs to its own Dockerfile only: one RUN more or fewer.
    assert.equal(matchStageImage(variables, 0, entries(CLASSIC_VARIABLES), BASE), undefined);
    assert.equal(matchStageImage(variablesClassic, 0, entries(BUILDKIT_VARIABLES), BASE), undefined);
  });

  // An unrelated Dockerfile with the same keywords in the same order but other content.
  const edits: readonly (readonly [string, string])[] = [
    ['count=100', 'count=200'],
    ['APP_ENV=prod', 'APP_ENV=dev'],
    ['COPY --from=build /out /app/out', 'COPY --from=build /out /app/other'],
    ['EXPOSE 8080/tcp 9090', 'EXPOSE 8080/tcp 9091'],
    ['USER nobody', 'USER root'],
    ['CMD ["/app/greeting"]', 'CMD ["/app/other"]'],
    ['ENTRYPOINT ["/bin/cat"]', 'ENTRYPOINT ["/bin/cat", "-n"]'],
    ['CMD echo shell-form $HOME', 'CMD echo shell-form $HOSTNAME'],
    ['VOLUME /data', 'VOLUME /data2'],
    ['STOPSIGNAL SIGTERM', 'STOPSIGNAL SIGKILL'],
    ['CMD ["true"]', 'CMD ["false"]'],
    ['SHELL ["/bin/sh", "-e", "-c"]', 'SHELL ["/bin/sh", "-c"]'],
    ['RUN ["/bin/echo", "exec form"]', 'RUN ["/bin/echo", "exec", "form!"]'],
    ['MAINTAINER someone <a@b.c>', 'MAINTAINER someone else'],
    ['ONBUILD RUN echo later', 'ONBUILD RUN echo sooner'],
    ['ENV PATH_EXTRA=/opt/bin MODE="two words"', 'ENV PATH_EXTRA=/opt/bin MODE="two"'],
    ['WORKDIR /src', 'WORKDIR /srv'],
    ['LABEL org.example.a="b c" simple=1', 'LABEL org.example.a="b c" simple=2'],
    ['ARG GREETING=hello', 'ARG GREETING=bye'],
    ['COPY app.txt /src/app.txt', 'COPY app.txt /src/app2.txt'],
    ['ADD app.txt /src/added.txt', 'COPY app.txt /src/added.txt'],
  ];
  for (const [from, to] of edits) {
    it(`an image of another Dockerfile is not matched: ${from} → ${to}`, () => {
      assert.ok(FULL.includes(from));
      const other = parseDockerfile(FULL.replace(from, to));
      const editedStage = FULL.indexOf(from) > FULL.indexOf('\nFROM busybox:local\n') ? 1 : 0;
      // ONBUILD has no BuildKit entry: only the classic history can tell that edit apart.
      const histories = editedStage === 0 ? [CLASSIC_BUILD_STAGE, BUILDKIT_BUILD_STAGE] : from.startsWith('ONBUILD') ? [CLASSIC_FINAL] : [CLASSIC_FINAL, BUILDKIT_FINAL];
      for (const rows of histories) assert.equal(matchStageImage(other, editedStage, entries(rows), BASE), undefined, `stage ${String(editedStage)} matched ${rows[0]?.[0] ?? ''}`);
      // The stage that was not edited still matches its images.
      const untouched = editedStage === 0 ? CLASSIC_FINAL : CLASSIC_BUILD_STAGE;
      assert.ok(matchStageImage(other, 1 - editedStage, entries(untouched), BASE));
    });
  }

  it('requires the entries below the stage to be the base image\'s history when the engine has the base', () => {
    const otherBase = new Map([['busybox:local', entries([['', 1982565]])]]);
    assert.equal(matchStageImage(full, 1, entries(CLASSIC_FINAL), otherBase), undefined);
    const unknownBase = matchStageImage(full, 1, entries(CLASSIC_FINAL), new Map());
    assert.ok(unknownBase);
    assert.equal(unknownBase.baseVerified, false);
    const scratch = parseDockerfile('FROM scratch\nCOPY app.txt /app.txt\n');
    assert.ok(matchStageImage(scratch, 0, entries([['COPY app.txt /app.txt # buildkit', 6]]), new Map())?.baseVerified);
    assert.equal(matchStageImage(scratch, 0, entries([['COPY app.txt /app.txt # buildkit', 6], ['', 10]]), new Map()), undefined);
  });

  it('follows FROM <stage> into the stages below, mapping each from the same history', () => {
    const df = parseDockerfile('FROM busybox:local AS base\nRUN echo a > /a\nFROM base AS test\nRUN echo b > /b\nFROM test\nCMD ["sh"]\n');
    const history = entries([['CMD ["sh"]', 0], ['RUN /bin/sh -c echo b > /b # buildkit', 2], ['RUN /bin/sh -c echo a > /a # buildkit', 2], ['', 1982564]]);
    const match = matchStageImage(df, 2, history, BASE);
    assert.ok(match);
    assert.deepEqual([...match.stages.keys()].sort(), [0, 1, 2]);
    assert.deepEqual(match.stages.get(0)?.layers.map((l) => [l.line, l.size]), [[1, 2]]);
    assert.equal(match.stages.get(1)?.totalSize, 1982564 + 4);
    assert.equal(match.stages.get(0)?.baseSize, 1982564);
  });

  it('a stage of FROM alone is not a build of the file (the base image would match it)', () => {
    const df = parseDockerfile('FROM busybox:local\n');
    assert.equal(matchStageImage(df, 0, entries([['', 1982564]]), BASE), undefined);
  });
});

describe('entryFits: RUN', () => {
  const run = parseDockerfile('FROM busybox:local\nRUN make\n').stages[0]?.instructions[0];
  assert.ok(run);
  const e = (createdBy: string): HistoryEntry => ({ id: '', created: 0, createdBy, size: 0, tags: [], comment: '' });
  it('accepts the command with the shell, build args and BuildKit decorations stripped', () => {
    assert.ok(entryFits(run, e('/bin/sh -c make')));
    assert.ok(entryFits(run, e('|1 A=x y /bin/sh -c make')));
    assert.ok(entryFits(run, e('RUN |2 A=1 B=2 /bin/sh -c make # buildkit')));
  });
  it('rejects another command that merely ends the same way, or another shell', () => {
    assert.ok(!entryFits(run, e('|1 A=x /bin/sh -c cd y && make')));
    assert.ok(!entryFits(run, e('/bin/sh -c cd y && /bin/sh -c make')));
    assert.ok(!entryFits(run, e('/bin/bash -c make')));
    assert.ok(!entryFits(run, e('/bin/sh -c make install')));
  });
  it('accepts a heredoc RUN entry that carries the heredoc body (unverified format: 20.10 has no heredocs)', () => {
    const heredoc = parseDockerfile('FROM busybox:local\nRUN <<EOT\necho   hi > /h\nEOT\n').stages[0]?.instructions[0];
    assert.ok(heredoc);
    assert.ok(entryFits(heredoc, e('RUN /bin/sh -c echo hi > /h # buildkit')));
    assert.ok(!entryFits(heredoc, e('RUN /bin/sh -c echo ho > /h # buildkit')));
  });
});

describe('discoverBuilds', () => {
  const image = (id: string, created: number, tag?: string): ImageSummary => ({ id, repoTags: tag ? [tag] : ['<none>:<none>'], repoDigests: [], created, size: 0 });
  it('returns the final stage\'s builds newest first, and fills the other stages from their own newest image', () => {
    const unrelated = entries([['/bin/sh -c #(nop)  CMD ["/app/other"]', 0], ...CLASSIC_FINAL.slice(1)]);
    const found = discoverBuilds(full, [
      { image: image('old-classic', 100, 'e2e/x:1'), history: entries(CLASSIC_FINAL) },
      { image: image('new-buildkit', 300, 'e2e/x:2'), history: entries(BUILDKIT_FINAL) },
      { image: image('build-stage', 200, 'e2e/x:build'), history: entries(BUILDKIT_BUILD_STAGE) },
      { image: image('unrelated', 400, 'e2e/y:1'), history: unrelated },
      { image: image('busybox', 50, 'busybox:local'), history: entries([['', 1982564]]) },
    ], BASE);
    assert.deepEqual(found.map((f) => f.image.id), ['new-buildkit', 'old-classic']);
    assert.equal(found[0]?.stageIndex, 1);
    assert.deepEqual([...(found[0]?.stages.keys() ?? [])].sort(), [0, 1]);
    assert.equal(found[0]?.stages.get(0)?.layers.find((l) => l.line === 7)?.size, 102400);
  });
  it('falls back to the last stage some image matches (an image built with --target)', () => {
    const found = discoverBuilds(full, [{ image: image('build-stage', 200), history: entries(CLASSIC_BUILD_STAGE) }], BASE);
    assert.deepEqual(found.map((f) => [f.image.id, f.stageIndex]), [['build-stage', 0]]);
  });
  it('finds nothing among unrelated images', () => {
    assert.deepEqual(discoverBuilds(variables, [{ image: image('a', 1), history: entries(CLASSIC_FINAL) }, { image: image('b', 2), history: entries(BUILDKIT_BUILD_STAGE) }], BASE), []);
  });
});

describe('helpers', () => {
  it('goQuote prints strings as Go\'s %q does', () => {
    assert.equal(goQuote('echo "$A"'), '"echo \\"$A\\""');
    assert.equal(goQuote('a\\b\tc\n\u0001'), '"a\\\\b\\tc\\n\\x01"');
  });
  it('shortReference and localImageFor find FROM references among local images', () => {
    assert.equal(shortReference('docker.io/library/busybox'), 'busybox:latest');
    assert.equal(shortReference('localhost:5000/app'), 'localhost:5000/app:latest');
    assert.equal(shortReference('busybox:1.36@sha256:abc'), 'busybox@sha256:abc');
    const images: ImageSummary[] = [
      { id: 'a', repoTags: ['busybox:local'], repoDigests: [], created: 1, size: 1 },
      { id: 'b', repoTags: ['node:22'], repoDigests: ['node@sha256:abc'], created: 2, size: 1 },
    ];
    assert.equal(localImageFor('docker.io/library/busybox:local', images)?.id, 'a');
    assert.equal(localImageFor('node:22-slim@sha256:abc', images)?.id, 'b');
    assert.equal(localImageFor('busybox', images), undefined);
  });
  it('recentImages keeps the newest, one per image id', () => {
    const images: ImageSummary[] = [1, 5, 3, 5, 4].map((created, i) => ({ id: created === 5 ? 'same' : `i${String(i)}`, repoTags: [], repoDigests: [], created, size: 0 }));
    assert.deepEqual(recentImages(images, 3).map((i) => i.created), [5, 4, 3]);
  });
});
