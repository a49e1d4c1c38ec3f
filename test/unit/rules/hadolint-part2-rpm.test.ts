import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { Finding, Rule } from '../../../src/core/dockerfile/rules/types';
import { DL3035, DL3036, DL3037, DL3038, DL3040, DL3041, dnfPackagePinned } from '../../../src/core/dockerfile/rules/hadolint/part2/rpm';

function run(rule: Rule, text: string): Finding[] {
  return lintDockerfile({ text, rules: [rule] }).findings.filter((f) => f.code === rule.code);
}
function fires(rule: Rule, text: string): boolean {
  return run(rule, text).length > 0;
}
const zypperBase = 'FROM opensuse/leap:15.6\n';
const dnfBase = 'FROM fedora:40\n';

describe('DL3035 zypper dist-upgrade', () => {
  it('reports dist-upgrade and its dup alias, also through sudo and ONBUILD', () => {
    assert.ok(fires(DL3035, `${zypperBase}RUN zypper dist-upgrade -y`));
    assert.ok(fires(DL3035, `${zypperBase}RUN zypper -n dup`));
    assert.ok(fires(DL3035, `${zypperBase}RUN sudo zypper dup`));
    assert.ok(fires(DL3035, `${zypperBase}ONBUILD RUN zypper dup`));
  });
  it('accepts other zypper commands and other programs', () => {
    assert.ok(!fires(DL3035, `${zypperBase}RUN zypper update -y && zypper patch`));
    assert.ok(!fires(DL3035, `${zypperBase}RUN echo zypper dup`));
  });
  it('reports the offending command with the message hadolint prints', () => {
    const [f] = run(DL3035, `${zypperBase}RUN echo hi && zypper dup`);
    assert.equal(f?.message, 'Do not use `zypper dist-upgrade`.');
    assert.deepEqual(f?.range, { start: { line: 1, col: 15 }, end: { line: 1, col: 25 } });
    assert.equal(f?.severity, 'warning');
  });
});

describe('DL3036 zypper clean', () => {
  it('reports an install without clean', () => {
    assert.ok(fires(DL3036, `${zypperBase}RUN zypper install -y curl=8`));
    assert.ok(fires(DL3036, `${zypperBase}RUN zypper in -y curl=8`));
    assert.ok(fires(DL3036, `${zypperBase}ONBUILD RUN zypper in -y curl=8`));
  });
  it('accepts clean or cc after the install, across continuation lines', () => {
    assert.ok(!fires(DL3036, `${zypperBase}RUN zypper install -y curl=8 && zypper clean`));
    assert.ok(!fires(DL3036, `${zypperBase}RUN zypper in -y curl=8 \\\n && zypper cc -a`));
    assert.ok(!fires(DL3036, `${zypperBase}RUN zypper in -y curl=8 && rm -rf /var/cache/zypp/*`));
  });
  it('does not count a clean that runs before the last install', () => {
    assert.ok(fires(DL3036, `${zypperBase}RUN zypper clean && zypper in -y curl=8`));
    assert.ok(fires(DL3036, `${zypperBase}RUN zypper in -y a=1 && zypper clean && zypper in -y b=2`));
  });
  it('accepts a cache or tmpfs mount on the zypper cache (deviation)', () => {
    assert.ok(!fires(DL3036, `${zypperBase}RUN --mount=type=cache,target=/var/cache/zypp zypper in -y curl=8`));
    assert.ok(!fires(DL3036, `${zypperBase}RUN --mount=type=tmpfs,target=/var/cache zypper in -y curl=8`));
    assert.ok(fires(DL3036, `${zypperBase}RUN --mount=type=bind,target=/var/cache/zypp zypper in -y curl=8`));
    assert.ok(fires(DL3036, `${zypperBase}RUN --mount=type=cache,target=/root/.npm zypper in -y curl=8`));
  });
  it('checks heredoc bodies', () => {
    assert.ok(fires(DL3036, `${zypperBase}RUN <<EOF\nzypper in -y curl=8\nEOF\n`));
    assert.ok(!fires(DL3036, `${zypperBase}RUN <<EOF\nzypper in -y curl=8\nzypper clean\nEOF\n`));
  });
});

describe('DL3037 zypper versions', () => {
  it('reports unpinned packages', () => {
    assert.ok(fires(DL3037, `${zypperBase}RUN zypper install -y curl`));
    assert.ok(fires(DL3037, `${zypperBase}RUN zypper in -y curl=8 wget`));
  });
  it('accepts =, <, >, >= and .rpm files', () => {
    assert.ok(!fires(DL3037, `${zypperBase}RUN zypper install -y curl=8.6 'wget>=1.21' 'vim<9'`));
    assert.ok(!fires(DL3037, `${zypperBase}RUN zypper install -y /tmp/tool-1.0.x86_64.rpm`));
  });
  it('does not take option values or global options for packages (deviation)', () => {
    assert.ok(!fires(DL3037, `${zypperBase}RUN zypper --root /mnt in --from updates -y curl=8`));
  });
});

describe('DL3038 dnf -y', () => {
  it('reports dnf and microdnf installs without -y', () => {
    assert.ok(fires(DL3038, `${dnfBase}RUN dnf install httpd-2.4`));
    assert.ok(fires(DL3038, `${dnfBase}RUN microdnf install httpd-2.4`));
    assert.ok(fires(DL3038, `${dnfBase}RUN dnf groupinstall 'Development Tools'`));
    assert.ok(fires(DL3038, `${dnfBase}RUN dnf localinstall ./x.rpm`));
    assert.ok(fires(DL3038, `${dnfBase}RUN ["dnf", "install", "httpd-2.4"]`));
  });
  it('accepts -y, combined short flags and --assumeyes', () => {
    assert.ok(!fires(DL3038, `${dnfBase}RUN dnf install -y httpd-2.4`));
    assert.ok(!fires(DL3038, `${dnfBase}RUN dnf -qy install httpd-2.4`));
    assert.ok(!fires(DL3038, `${dnfBase}RUN sudo dnf --assumeyes install httpd-2.4`));
    assert.ok(!fires(DL3038, `${dnfBase}RUN dnf upgrade`));
  });
  it('uses the message hadolint prints', () => {
    assert.equal(run(DL3038, `${dnfBase}RUN dnf install x-1`)[0]?.message, 'Use the -y switch to avoid manual input `dnf install -y <package>`');
  });
});

describe('DL3040 dnf clean all', () => {
  it('reports installs without a clean', () => {
    assert.ok(fires(DL3040, `${dnfBase}RUN dnf install -y httpd-2.4`));
    assert.ok(fires(DL3040, `${dnfBase}RUN microdnf install -y httpd-2.4`));
  });
  it('checks dnf and microdnf separately, as hadolint does', () => {
    assert.ok(fires(DL3040, `${dnfBase}RUN dnf install -y a-1 && microdnf clean all`));
    assert.ok(!fires(DL3040, `${dnfBase}RUN microdnf install -y a-1 && microdnf clean all`));
  });
  it('accepts clean after the install, rm -rf of the cache, or a cache mount', () => {
    assert.ok(!fires(DL3040, `${dnfBase}RUN dnf install -y a-1 && dnf clean all`));
    assert.ok(!fires(DL3040, `${dnfBase}RUN dnf install -y a-1 && rm -rf /var/cache/yum/*`));
    assert.ok(!fires(DL3040, `${dnfBase}RUN dnf install -y a-1 && rm -rf /var/cache/dnf`));
    assert.ok(!fires(DL3040, `${dnfBase}RUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y a-1`));
    assert.ok(!fires(DL3040, `${dnfBase}RUN --mount=type=cache,target=/var/cache/dnf,sharing=locked dnf install -y a-1`));
  });
  it('does not count a clean before the install', () => {
    assert.ok(fires(DL3040, `${dnfBase}RUN dnf clean all && dnf install -y a-1`));
  });
});

describe('DL3041 dnf versions', () => {
  it('reports unpinned packages and unversioned modules', () => {
    assert.ok(fires(DL3041, `${dnfBase}RUN dnf install -y httpd`));
    assert.ok(fires(DL3041, `${dnfBase}RUN dnf install -y python3-devel`));
    assert.ok(fires(DL3041, `${dnfBase}RUN dnf module install -y nodejs`));
    assert.ok(fires(DL3041, `${dnfBase}RUN microdnf install -y httpd`));
  });
  it('accepts versions, rpm files, module streams and groups', () => {
    assert.ok(!fires(DL3041, `${dnfBase}RUN dnf install -y httpd-2.4.62 nodejs-16.1.0-1.el8 ./x.rpm`));
    assert.ok(!fires(DL3041, `${dnfBase}RUN dnf module install -y nodejs:16`));
    assert.ok(!fires(DL3041, `${dnfBase}RUN dnf group install -y 'Development Tools'`));
  });
  it('skips values of options (deviation)', () => {
    assert.ok(!fires(DL3041, `${dnfBase}RUN dnf install -y --enablerepo crb httpd-2.4`));
  });
  it('accepts versions given by an ARG or ENV in scope, but not undefined variables', () => {
    assert.ok(!fires(DL3041, `${dnfBase}ARG HTTPD_VERSION=2.4\nRUN dnf install -y httpd-\${HTTPD_VERSION}`));
    assert.ok(!fires(DL3041, `FROM fedora:40 AS base\nENV V=2.4\nFROM base\nRUN dnf install -y httpd-$V`));
    assert.ok(fires(DL3041, `${dnfBase}RUN dnf install -y httpd-$UNDEFINED`));
  });
  it('applies hadolint\'s version test', () => {
    assert.equal(dnfPackagePinned('gcc-c++', new Set()), false);
    assert.equal(dnfPackagePinned('mariadb-10.4', new Set()), true);
    assert.equal(dnfPackagePinned('foo-1.0-bar baz', new Set()), false);
  });
});
