import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../../src/core/dockerfile/rules/types';
import { referenceProblem } from '../../../src/core/dockerfile/rules/buildkit/reference';
import { closestName, editDistance } from '../../../src/core/dockerfile/rules/buildkit/support';
import {
  invalidDefaultArgInFrom, looksLikeSecret, secretsUsedInArgOrEnv, undefinedArgInFrom, undefinedVar,
} from '../../../src/core/dockerfile/rules/buildkit/variables';
import { lint } from './ruleHarness';

function names(findings: readonly Finding[]): string[] {
  return findings.map((f) => /'\$?([A-Za-z_][A-Za-z0-9_]*)'/.exec(f.message)?.[1] ?? '?');
}

void describe('closest-name suggestions', () => {
  void it('measures edit distance', () => {
    assert.equal(editDistance('PAHT', 'PATH'), 2);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });
  void it('suggests within distance 2 only, first best wins, never the name itself', () => {
    assert.equal(closestName('PAHT', ['HOME', 'PATH']), 'PATH');
    assert.equal(closestName('VERSON', ['VERSION', 'VERSIONS']), 'VERSION');
    assert.equal(closestName('abcdef', ['uvwxyz']), undefined);
    assert.equal(closestName('PATH', ['PATH', 'PATHS']), undefined);
  });
});

void describe('UndefinedVar', () => {
  void it('flags variables used before any ARG or ENV defines them, at the variable', () => {
    const findings = lint(undefinedVar, 'FROM alpine\nCOPY $SRC /app\nENV DEST=/app\nCOPY . ${DEST}\n');
    assert.deepEqual(names(findings), ['SRC']);
    assert.deepEqual(findings[0]?.range, { start: { line: 1, col: 5 }, end: { line: 1, col: 9 } });
  });
  void it('suggests a close name, as in BuildKit documentation', () => {
    const [f] = lint(undefinedVar, 'FROM alpine\nENV PATH=$PAHT:/app/bin\n');
    assert.match(f?.message ?? '', /'\$PAHT'.*did you mean \$PATH\?/);
  });
  void it('needs a global ARG to be declared again inside the stage', () => {
    const findings = lint(undefinedVar, 'ARG VERSION=1\nFROM alpine\nLABEL v=$VERSION\n');
    assert.deepEqual(names(findings), ['VERSION']);
    assert.match(findings[0]?.message ?? '', /add 'ARG VERSION' in this stage/);
    assert.equal(lint(undefinedVar, 'ARG VERSION=1\nFROM alpine\nARG VERSION\nLABEL v=$VERSION\n').length, 0);
  });
  void it('treats the platform arguments like global ARGs', () => {
    assert.deepEqual(names(lint(undefinedVar, 'FROM alpine\nCOPY bin/$TARGETARCH/app /app\n')), ['TARGETARCH']);
    assert.equal(lint(undefinedVar, 'FROM alpine\nARG TARGETARCH\nCOPY bin/$TARGETARCH/app /app\n').length, 0);
  });
  void it('inherits ARG and ENV from base stages, not from unrelated ones', () => {
    assert.equal(lint(undefinedVar, 'FROM alpine AS base\nARG A\nENV B=1\nFROM base\nLABEL x=$A y=$B\n').length, 0);
    assert.deepEqual(names(lint(undefinedVar, 'FROM alpine AS base\nENV B=1\nFROM alpine\nLABEL y=$B\n')), ['B']);
  });
  void it('checks every expanded instruction and ignores RUN, CMD and ONBUILD', () => {
    const text = 'FROM scratch\nADD $A /\nEXPOSE $B\nLABEL c=$C\nSTOPSIGNAL $D\nUSER $E\nVOLUME $F\nWORKDIR /$G\nRUN echo $H\nCMD echo $I\nONBUILD COPY $J /\n';
    assert.deepEqual(names(lint(undefinedVar, text)), ['A', 'B', 'C', 'D', 'E', 'F', 'G']);
  });
  void it('checks COPY --chown and RUN --mount values', () => {
    const findings = lint(undefinedVar, 'FROM alpine\nCOPY --chown=$APP_USER . /app\nRUN --mount=type=cache,target=$CACHE true\n');
    assert.deepEqual(names(findings), ['APP_USER', 'CACHE']);
  });
  void it('checks ARG defaults, where earlier names of the same ARG are visible', () => {
    assert.deepEqual(names(lint(undefinedVar, 'FROM alpine\nARG A=1 B=$A C=$Z\n')), ['Z']);
  });
  void it('lets all values of one ENV see the variables as they were before it', () => {
    assert.deepEqual(names(lint(undefinedVar, 'FROM alpine\nENV A=1 B=$A\n')), ['A']);
  });
  void it('accepts PATH everywhere, and common image variables on external base images only', () => {
    assert.equal(lint(undefinedVar, 'FROM scratch\nENV PATH=/bin:$PATH\n').length, 0);
    assert.equal(lint(undefinedVar, 'FROM eclipse-temurin:21\nENV PATH=$JAVA_HOME/bin:$PATH\n').length, 0);
    assert.deepEqual(names(lint(undefinedVar, 'FROM scratch\nENV PATH=$JAVA_HOME/bin\n')), ['JAVA_HOME']);
  });
  void it('does not report references that provide a default or alternative, or escaped and single-quoted dollars', () => {
    assert.equal(lint(undefinedVar, "FROM alpine\nCOPY ${SRC:-.} /app\nLABEL a=${X:+y} b=\\$LITERAL c='$QUOTED'\n").length, 0);
  });
  void it('reports each name once per instruction', () => {
    assert.equal(lint(undefinedVar, 'FROM alpine\nCOPY $X/a $X/b /dst/\n').length, 1);
  });
  void it('does not read across stages from the global scope for FROM itself', () => {
    assert.equal(lint(undefinedVar, 'ARG IMG=alpine\nFROM $IMG\n').length, 0);
  });
});

void describe('UndefinedArgInFrom', () => {
  void it('flags names that no global ARG declares, with a suggestion', () => {
    const [f] = lint(undefinedArgInFrom, 'ARG NODE_VERSION=22\nFROM node:${NODE_VERSON}-slim\n');
    assert.match(f?.message ?? '', /'\$NODE_VERSON'.*did you mean NODE_VERSION\?/);
    assert.deepEqual(f?.range, { start: { line: 1, col: 10 }, end: { line: 1, col: 24 } });
  });
  void it('accepts global ARGs with or without a default, and the predefined platform args', () => {
    assert.equal(lint(undefinedArgInFrom, 'ARG BASE\nARG TAG=1\nFROM ${BASE}:${TAG}\nFROM --platform=$BUILDPLATFORM golang\n').length, 0);
  });
  void it('does not accept ARGs declared inside an earlier stage', () => {
    assert.deepEqual(names(lint(undefinedArgInFrom, 'FROM alpine\nARG IMG=busybox\nFROM $IMG\n')), ['IMG']);
  });
  void it('checks the --platform value too', () => {
    assert.deepEqual(names(lint(undefinedArgInFrom, 'FROM --platform=$PLATFORM alpine\n')), ['PLATFORM']);
  });
  void it('does not report a reference with a default', () => {
    assert.equal(lint(undefinedArgInFrom, 'FROM ${BASE:-alpine}\n').length, 0);
  });
});

void describe('InvalidDefaultArgInFrom', () => {
  void it('flags an ARG without default that leaves the image name incomplete', () => {
    const [f] = lint(invalidDefaultArgInFrom, 'ARG TAG\nFROM busybox:${TAG}\n');
    assert.match(f?.message ?? '', /'busybox:'/);
    assert.equal(lint(invalidDefaultArgInFrom, 'ARG IMAGE\nFROM $IMAGE\n').length, 1);
  });
  void it('flags defaults that make an invalid name', () => {
    const [f] = lint(invalidDefaultArgInFrom, 'ARG REPO=MyOrg/App\nFROM ${REPO}:1\n');
    assert.match(f?.message ?? '', /lower case/);
  });
  void it('accepts defaults that give a valid name, platform args and stage names', () => {
    const text = 'ARG TAG=3.20\nARG REG=ghcr.io/acme\nFROM alpine:${TAG}\nFROM ${REG}/app:${TAG}@sha256:' + 'a'.repeat(64) + '\nFROM golang AS build-amd64\nFROM build-${TARGETARCH}\n';
    assert.equal(lint(invalidDefaultArgInFrom, text).length, 0);
  });
  void it('leaves FROM lines without variables alone', () => {
    assert.equal(lint(invalidDefaultArgInFrom, 'FROM Alpine\n').length, 0);
  });
});

void describe('image reference validity (ParseNormalizedNamed)', () => {
  const valid = ['alpine', 'alpine:3.20', 'library/alpine', 'ghcr.io/acme/app:v1', 'localhost:5000/app', 'my-registry.local/a/b/c:tag',
    `alpine@sha256:${'f'.repeat(64)}`, 'a__b/c.d-e', 'Upper/app', '[::1]:5000/app'];
  const invalid: [string, RegExp][] = [['', /empty/], ['busybox:', /not a valid/], ['Alpine', /lower case/], ['app:-bad', /not a valid/],
    ['a'.repeat(64).replace(/a/g, 'f'), /hexadecimal/], ['ghcr.io/Acme/app', /lower case/], ['app@sha256:short', /not a valid/], ['a--', /not a valid/]];
  for (const ref of valid) void it(`accepts ${ref}`, () => { assert.equal(referenceProblem(ref), undefined); });
  for (const [ref, reason] of invalid) void it(`rejects ${JSON.stringify(ref)}`, () => { assert.match(referenceProblem(ref) ?? '', reason); });
});

void describe('SecretsUsedInArgOrEnv', () => {
  void it('matches whole _-separated words only, with BuildKit tokens and exceptions', () => {
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'api_key', 'DB_PASSWORD', 'AUTH', 'NPM_AUTH_TOKEN', 'passwd', 'MY_CREDENTIALS', 'APIKEY', 'PWORD']) {
      assert.equal(looksLikeSecret(name), true, name);
    }
    for (const name of ['TOKENS', 'KEYBOARD', 'AUTHOR', 'PUBLIC_KEY', 'KEY_FILE', 'TOKEN_VERSION', 'SECRETARY', 'PATH', 'PASSWORD_FILE']) {
      assert.equal(looksLikeSecret(name), false, name);
    }
  });
  void it('flags ARG and ENV keys in stages, at the key', () => {
    const findings = lint(secretsUsedInArgOrEnv, 'FROM alpine\nARG GITHUB_TOKEN\nENV DB_USER=app DB_PASSWORD=secret\nENV API_KEY abc\n');
    assert.deepEqual(findings.map((f) => [f.range.start.line, f.range.start.col]), [[1, 4], [2, 16], [3, 4]]);
    assert.match(findings[0]?.message ?? '', /'GITHUB_TOKEN'.*--mount=type=secret/);
  });
  void it('leaves global ARGs, LABELs and RUN alone, as BuildKit does', () => {
    assert.equal(lint(secretsUsedInArgOrEnv, 'ARG GITHUB_TOKEN\nFROM alpine\nLABEL secret=1\nRUN TOKEN=x true\n').length, 0);
  });
});
