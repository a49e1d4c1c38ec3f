import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits } from '../../../src/core/dockerfile/edits';
import {
  consistentInstructionCasing, duplicateStageName, fromAsCasing, invalidDefinitionDescription, reservedStageName, stageNameCasing,
} from '../../../src/core/dockerfile/rules/buildkit/naming';
import { fixed, lint } from './ruleHarness';

void describe('StageNameCasing', () => {
  void it('flags a mixed-case stage name on the name itself', () => {
    const [f] = lint(stageNameCasing, 'FROM alpine AS Builder\n');
    assert.ok(f);
    assert.match(f.message, /'Builder'.*lower case/);
    assert.deepEqual(f.range, { start: { line: 0, col: 15 }, end: { line: 0, col: 22 } });
  });
  void it('accepts lower-case names, unnamed stages and unusual FROM shapes', () => {
    assert.equal(lint(stageNameCasing, 'FROM alpine AS build-1\nFROM alpine\n').length, 0);
    assert.equal(lint(stageNameCasing, 'FROM alpine AS Build extra\n').length, 0);
  });
  void it('renames the stage and every later reference, whatever their casing', () => {
    const text = [
      'FROM golang AS Build',
      'RUN go build',
      'FROM Build AS Test',
      'RUN --mount=type=cache,from=BUILD,target=/x true',
      'FROM alpine',
      'COPY --from=build /out /out',
      'ONBUILD COPY --from=Build /a /b',
      '',
    ].join('\n');
    const findings = lint(stageNameCasing, text);
    assert.deepEqual(findings.map((f) => f.range.start.line), [0, 2]);
    assert.equal(applyEdits(text, findings[0]?.fixes[0]?.edits ?? []), [
      'FROM golang AS build',
      'RUN go build',
      'FROM build AS Test',
      'RUN --mount=type=cache,from=build,target=/x true',
      'FROM alpine',
      'COPY --from=build /out /out',
      'ONBUILD COPY --from=build /a /b',
      '',
    ].join('\n'));
  });
  void it('does not rename an image of the same name used before the stage exists', () => {
    const text = 'FROM App AS base\nFROM alpine AS App\nFROM App\n';
    const finding = lint(stageNameCasing, text).find((f) => f.range.start.line === 1);
    assert.ok(finding);
    assert.equal(applyEdits(text, finding.fixes[0]?.edits ?? []), 'FROM App AS base\nFROM alpine AS app\nFROM app\n');
  });
  void it('handles a quoted --from value', () => {
    assert.equal(fixed(stageNameCasing, 'FROM a AS Src\nFROM b\nCOPY --from="Src" /x /x\n'), 'FROM a AS src\nFROM b\nCOPY --from="src" /x /x\n');
  });
});

void describe('FromAsCasing', () => {
  void it('flags "as" after an upper-case FROM and "AS" after a lower-case from', () => {
    assert.equal(lint(fromAsCasing, 'FROM alpine as build\n').length, 1);
    assert.equal(lint(fromAsCasing, 'from alpine AS build\n').length, 1);
    assert.equal(lint(fromAsCasing, 'FROM alpine As build\n').length, 1);
  });
  void it('accepts matching casing, FROM without AS, and leaves a mixed-case FROM to ConsistentInstructionCasing', () => {
    assert.equal(lint(fromAsCasing, 'FROM alpine AS build\nfrom alpine as test\nFROM alpine\n').length, 0);
    assert.equal(lint(fromAsCasing, 'From alpine as build\n').length, 0);
  });
  void it('fixes the AS keyword to the casing of FROM', () => {
    assert.equal(fixed(fromAsCasing, 'FROM --platform=$BUILDPLATFORM alpine as build\n'), 'FROM --platform=$BUILDPLATFORM alpine AS build\n');
    assert.equal(fixed(fromAsCasing, 'from alpine AS build\n'), 'from alpine as build\n');
  });
});

void describe('DuplicateStageName', () => {
  void it('flags the second use of a name, case-insensitively, pointing at the first', () => {
    const findings = lint(duplicateStageName, 'FROM a AS base\nFROM b AS other\nFROM c AS Base\n');
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.range.start.line, 2);
    assert.match(findings[0]?.message ?? '', /line 1/);
  });
  void it('flags every further duplicate and accepts unique or missing names', () => {
    assert.equal(lint(duplicateStageName, 'FROM a AS x\nFROM a AS x\nFROM a AS x\n').length, 2);
    assert.equal(lint(duplicateStageName, 'FROM a AS x\nFROM a AS y\nFROM a\nFROM a\n').length, 0);
  });
});

void describe('ReservedStageName', () => {
  void it('flags scratch and context in any casing', () => {
    assert.equal(lint(reservedStageName, 'FROM alpine AS scratch\nFROM alpine AS Context\n').length, 2);
  });
  void it('accepts other names and FROM scratch itself', () => {
    assert.equal(lint(reservedStageName, 'FROM scratch AS base\nFROM alpine AS scratchpad\n').length, 0);
  });
});

void describe('ConsistentInstructionCasing', () => {
  void it('flags the minority casing and mixed-case keywords', () => {
    const findings = lint(consistentInstructionCasing, 'FROM alpine\nRUN a\nrun b\nCopy x /x\n');
    assert.deepEqual(findings.map((f) => f.range.start.line), [2, 3]);
    assert.match(findings[0]?.message ?? '', /upper case/);
  });
  void it('follows a lower-case majority', () => {
    const findings = lint(consistentInstructionCasing, 'from alpine\nrun a\nRUN b\ncopy x /x\n');
    assert.deepEqual(findings.map((f) => f.range.start.line), [2]);
    assert.match(findings[0]?.message ?? '', /lower case/);
  });
  void it('resolves a tie in favour of upper case, as BuildKit does', () => {
    const findings = lint(consistentInstructionCasing, 'FROM alpine\nrun a\n');
    assert.deepEqual(findings.map((f) => f.range.start.line), [1]);
  });
  void it('counts global ARGs too, and ignores unknown instructions', () => {
    assert.equal(lint(consistentInstructionCasing, 'arg V=1\nFROM alpine\nRUN a\nCOPY a /a\n').length, 1);
    assert.equal(lint(consistentInstructionCasing, 'FROM alpine\nfoo bar\n').length, 0);
  });
  void it('fixes the keyword only, keeping an indented or continued instruction intact', () => {
    assert.equal(fixed(consistentInstructionCasing, 'FROM alpine\n  run apk add \\\n  curl\nCMD ["sh"]\n'), 'FROM alpine\n  RUN apk add \\\n  curl\nCMD ["sh"]\n');
  });
});

void describe('InvalidDefinitionDescription', () => {
  void it('is reported at the info level (experimental in BuildKit)', () => {
    assert.equal(invalidDefinitionDescription.severity, 'info');
  });
  void it('flags a comment right above a named FROM or an ARG that does not start with the name', () => {
    const findings = lint(invalidDefinitionDescription, '# the build\nFROM golang AS build\n# pinned\nARG VERSION=1\n');
    assert.deepEqual(findings.map((f) => f.range.start.line), [1, 3]);
    assert.match(findings[0]?.message ?? '', /'# build <description>'/);
    assert.match(findings[1]?.message ?? '', /'# VERSION <description>'/);
  });
  void it('uses a placeholder when an ARG declares several names', () => {
    const [f] = lint(invalidDefinitionDescription, 'FROM alpine\n# versions\nARG A=1 B=2\n');
    assert.match(f?.message ?? '', /<arg_key>/);
  });
  void it('accepts descriptions that start with the name, and any of several ARG names', () => {
    assert.equal(lint(invalidDefinitionDescription, '# build compiles\nFROM golang AS build\n# B is the second\nARG A=1 B=2\n').length, 0);
  });
  void it('ignores comments separated by an empty line or an empty #, and unnamed FROMs', () => {
    assert.equal(lint(invalidDefinitionDescription, '# a note\n\nFROM golang AS build\n# note\n#\nARG V\n# other\nFROM alpine\n').length, 0);
  });
  void it('does not read parser directives as descriptions', () => {
    assert.equal(lint(invalidDefinitionDescription, '# syntax=docker/dockerfile:1\nFROM alpine AS base\n').length, 0);
  });
  void it('only looks at the comment line directly above', () => {
    assert.equal(lint(invalidDefinitionDescription, '# something else\n# build makes it\nFROM golang AS build\n').length, 0);
  });
});
