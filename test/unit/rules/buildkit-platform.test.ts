import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromPlatformFlagConstDisallowed, invalidBaseImagePlatform, redundantTargetPlatform } from '../../../src/core/dockerfile/rules/buildkit/platform';
import { formatPlatform, parsePlatform } from '../../../src/core/dockerfile/rules/buildkit/support';
import { applyEdits } from '../../../src/core/dockerfile/edits';
import { lint } from './ruleHarness';

void describe('platform strings', () => {
  const cases: [string, string | undefined][] = [
    ['linux/amd64', 'linux/amd64'], ['linux/x86_64', 'linux/amd64'], ['linux/aarch64', 'linux/arm64'], ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'], ['linux/arm/v6', 'linux/arm/v6'], ['linux/armhf', 'linux/arm/v7'], ['linux/i386', 'linux/386'],
    ['windows/amd64', 'windows/amd64'], ['linux', 'linux/amd64'], ['arm64', 'linux/arm64'], ['Linux/AMD64', 'linux/amd64'],
    ['notanos', undefined], ['linux/amd64/v2/extra', undefined], ['linux/*', undefined], ['', undefined],
  ];
  for (const [spec, expected] of cases) {
    void it(`${JSON.stringify(spec)} -> ${expected ?? 'invalid'}`, () => {
      const p = parsePlatform(spec);
      assert.equal(p === undefined ? undefined : formatPlatform(p), expected);
    });
  }
});

void describe('RedundantTargetPlatform', () => {
  void it('flags $TARGETPLATFORM in its plain and braced forms', () => {
    assert.equal(lint(redundantTargetPlatform, 'FROM --platform=$TARGETPLATFORM alpine\nFROM --platform=${TARGETPLATFORM} alpine\n').length, 2);
  });
  void it('accepts other platforms and expressions built on TARGETPLATFORM', () => {
    const text = 'FROM --platform=$BUILDPLATFORM alpine\nFROM --platform=linux/amd64 alpine\nFROM --platform=${TARGETPLATFORM:+linux/arm64} alpine\nFROM --platform=$TARGETPLATFORM-x alpine\nFROM alpine\n';
    assert.equal(lint(redundantTargetPlatform, text).length, 0);
  });
  void it('removes the flag', () => {
    const text = 'FROM --platform=$TARGETPLATFORM alpine:3.20 AS base\nRUN true\n';
    const [f] = lint(redundantTargetPlatform, text);
    assert.equal(applyEdits(text, f?.fixes[0]?.edits ?? []), 'FROM alpine:3.20 AS base\nRUN true\n');
  });
});

void describe('FromPlatformFlagConstDisallowed', () => {
  void it('flags a constant platform on a stage whose name does not mention it', () => {
    const findings = lint(fromPlatformFlagConstDisallowed, 'FROM --platform=linux/amd64 alpine AS base\nFROM --platform=linux/arm64 alpine\n');
    assert.equal(findings.length, 2);
    assert.match(findings[0]?.message ?? '', /linux\/amd64/);
  });
  void it('accepts variables, stage names that carry the OS or architecture, and unparsable values', () => {
    const text = [
      'FROM --platform=$BUILDPLATFORM golang AS build',
      'FROM --platform=linux/amd64 alpine AS build_amd64',
      'FROM --platform=linux/aarch64 alpine AS build-arm64',
      'FROM --platform=windows/amd64 nanoserver AS windows-base',
      'FROM --platform=not/a/valid/one alpine AS x',
      '',
    ].join('\n');
    assert.equal(lint(fromPlatformFlagConstDisallowed, text).length, 0);
  });
});

void describe('InvalidBaseImagePlatform', () => {
  void it('flags a single-architecture Docker Hub image on another platform', () => {
    const [f] = lint(invalidBaseImagePlatform, 'FROM --platform=linux/amd64 arm64v8/alpine:3.20\n');
    assert.match(f?.message ?? '', /linux\/arm64 only.*linux\/amd64/);
    assert.equal(lint(invalidBaseImagePlatform, 'FROM --platform=linux/arm64 docker.io/i386/debian\n').length, 1);
  });
  void it('accepts matching platforms, variants of one architecture, and images it cannot judge', () => {
    const text = [
      'FROM --platform=linux/arm64 arm64v8/alpine',
      'FROM --platform=linux/arm/v6 arm32v7/alpine',
      'FROM --platform=linux/amd64 alpine',
      'FROM --platform=$TARGETPLATFORM arm64v8/alpine',
      'FROM arm64v8/alpine',
      'FROM --platform=linux/amd64 ghcr.io/arm64v8/alpine',
      'FROM --platform=linux/amd64 amd64',
      '',
    ].join('\n');
    assert.equal(lint(invalidBaseImagePlatform, text).length, 0);
  });
});
