import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { Finding, Fix, Rule, TextEdit } from '../../../src/core/dockerfile/rules/types';
import { DL3036, DL3038, DL3040 } from '../../../src/core/dockerfile/rules/hadolint/part2/rpm';
import { DL3042, DL3060 } from '../../../src/core/dockerfile/rules/hadolint/part2/languages';
import { DL3059 } from '../../../src/core/dockerfile/rules/hadolint/part2/general';
import { applyEdits } from '../../../src/core/dockerfile/edits';


function findings(rule: Rule, text: string): Finding[] {
  return lintDockerfile({ text, rules: [rule] }).findings.filter((f) => f.code === rule.code);
}

/** The single fix of the single finding, applied to the text. */
function fixed(rule: Rule, text: string): { title: string; result: string } {
  const found = findings(rule, text);
  assert.equal(found.length, 1, `expected one ${rule.code} finding`);
  const fix: Fix | undefined = found[0]?.fixes[0];
  assert.ok(fix, `${rule.code} offers no fix`);
  return { title: fix.title, result: applyEdits(text, fix.edits) };
}

function noFix(rule: Rule, text: string): void {
  const found = findings(rule, text);
  assert.ok(found.length > 0, `${rule.code} did not trigger`);
  assert.deepEqual(found.flatMap((f) => f.fixes), []);
}

describe('applyEdits (test helper)', () => {
  it('applies several edits against the original text', () => {
    const edits: TextEdit[] = [
      { range: { start: { line: 0, col: 1 }, end: { line: 0, col: 2 } }, newText: 'X' },
      { range: { start: { line: 1, col: 0 }, end: { line: 1, col: 0 } }, newText: '>' },
    ];
    assert.equal(applyEdits('abc\ndef', edits), 'aXc\n>def');
  });
});

describe('DL3042 fix: add --no-cache-dir', () => {
  it('inserts the option after install, for each offending command', () => {
    const text = 'FROM python:3.12\nRUN pip install flask && python3 -m pip install -r req.txt\n';
    const found = findings(DL3042, text);
    assert.equal(found.length, 2);
    assert.equal(found[0]?.fixes[0]?.title, 'Add --no-cache-dir to pip install');
    const all = found.flatMap((f) => f.fixes[0]?.edits ?? []);
    assert.equal(applyEdits(text, all), 'FROM python:3.12\nRUN pip install --no-cache-dir flask && python3 -m pip install --no-cache-dir -r req.txt\n');
  });
  it('works across continuation lines', () => {
    const { result } = fixed(DL3042, 'FROM python:3.12\nRUN apt-get update \\\n && pip3 install \\\n      flask\n');
    assert.equal(result, 'FROM python:3.12\nRUN apt-get update \\\n && pip3 install --no-cache-dir \\\n      flask\n');
  });
  it('works under ONBUILD', () => {
    assert.equal(fixed(DL3042, 'FROM python:3.12\nONBUILD RUN pip install .\n').result, 'FROM python:3.12\nONBUILD RUN pip install --no-cache-dir .\n');
  });
  it('offers no fix where offsets do not map back (heredoc, exec form)', () => {
    noFix(DL3042, 'FROM python:3.12\nRUN <<EOF\npip install flask\nEOF\n');
    noFix(DL3042, 'FROM python:3.12\nRUN ["pip", "install", "flask"]\n');
  });
});

describe('DL3059 fix: merge with the previous RUN', () => {
  it('joins the two RUNs with && and a continuation, keeping the second\'s text', () => {
    const { title, result } = fixed(DL3059, 'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n');
    assert.equal(title, 'Merge with the previous RUN');
    assert.equal(result, 'FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl\n');
  });
  it('keeps comments between the RUNs inside the continuation, drops blank lines', () => {
    const { result } = fixed(DL3059, 'FROM debian:12\nRUN a \\\n  && b\n\n# why c\nRUN c\n');
    assert.equal(result, 'FROM debian:12\nRUN a \\\n  && b && \\\n# why c\n    c\n');
  });
  it('uses the escape character of the file', () => {
    const { result } = fixed(DL3059, '# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN a\nRUN b\n');
    assert.equal(result, '# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN a && `\n    b\n');
  });
  it('offers no fix for flags, heredocs, exec form, comments, trailing operators, or || in the second RUN', () => {
    noFix(DL3059, 'FROM a:1\nRUN --network=none a\nRUN --network=none b\n');
    noFix(DL3059, 'FROM a:1\nRUN a\nRUN <<EOF\nb\nEOF\n');
    noFix(DL3059, 'FROM a:1\nRUN ["a"]\nRUN b\n');
    noFix(DL3059, 'FROM a:1\nRUN a # note\nRUN b\n');
    noFix(DL3059, 'FROM a:1\nRUN a;\nRUN b\n');
    noFix(DL3059, 'FROM a:1\nRUN a\nRUN b || true\n');
  });
  it('merges in a way the linter then accepts', () => {
    const { result } = fixed(DL3059, 'FROM debian:12\nRUN mkdir /x\nRUN chown 1 /x\n');
    assert.deepEqual(findings(DL3059, result), []);
  });
});

describe('DL3038 fix: add -y', () => {
  it('inserts -y after the install sub-command', () => {
    assert.equal(fixed(DL3038, 'FROM fedora:40\nRUN dnf install httpd-2.4\n').result, 'FROM fedora:40\nRUN dnf install -y httpd-2.4\n');
    assert.equal(fixed(DL3038, 'FROM fedora:40\nRUN sudo microdnf --nodocs groupinstall x\n').result, 'FROM fedora:40\nRUN sudo microdnf --nodocs groupinstall -y x\n');
  });
  it('the fixed text no longer triggers', () => {
    const { result } = fixed(DL3038, 'FROM fedora:40\nRUN dnf install httpd-2.4 && dnf clean all\n');
    assert.deepEqual(findings(DL3038, result), []);
  });
});

describe('DL3040 / DL3036 fixes: append the clean command', () => {
  it('appends dnf clean all (or microdnf clean all) at the end of the RUN', () => {
    assert.equal(fixed(DL3040, 'FROM fedora:40\nRUN dnf install -y a-1\n').result, 'FROM fedora:40\nRUN dnf install -y a-1 && dnf clean all\n');
    assert.equal(fixed(DL3040, 'FROM fedora:40\nRUN microdnf install -y a-1 \\\n  && echo ok   \n').result,
      'FROM fedora:40\nRUN microdnf install -y a-1 \\\n  && echo ok && microdnf clean all   \n');
  });
  it('appends zypper clean --all, with sudo when the install used it', () => {
    assert.equal(fixed(DL3036, 'FROM opensuse/leap:15.6\nRUN sudo zypper in -y curl=8\n').result,
      'FROM opensuse/leap:15.6\nRUN sudo zypper in -y curl=8 && sudo zypper clean --all\n');
  });
  it('offers no fix after a trailing operator or a comment', () => {
    noFix(DL3040, 'FROM fedora:40\nRUN dnf install -y a-1 &\n');
    noFix(DL3040, 'FROM fedora:40\nRUN dnf install -y a-1 # keep\n');
  });
});

describe('DL3060 fix: append yarn cache clean', () => {
  it('appends && yarn cache clean, and the result passes', () => {
    const { title, result } = fixed(DL3060, 'FROM node:22\nRUN yarn install --frozen-lockfile\n');
    assert.equal(title, 'Add `yarn cache clean` at the end of the RUN');
    assert.equal(result, 'FROM node:22\nRUN yarn install --frozen-lockfile && yarn cache clean\n');
    assert.deepEqual(findings(DL3060, result), []);
  });
  it('offers no fix for a heredoc RUN', () => {
    noFix(DL3060, 'FROM node:22\nRUN <<EOF\nyarn install\nEOF\n');
  });
});
