import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, lintDockerfile } from '../../../src/core/dockerfile/lint';
import { hadolintPart1 } from '../../../src/core/dockerfile/rules/hadolint/part1/index';
import type { Finding, LintOptions, Rule } from '../../../src/core/dockerfile/rules/types';

function rule(code: string): Rule {
  const found = hadolintPart1.find((r) => r.code === code);
  assert.ok(found, `${code} is not in hadolintPart1`);
  return found;
}

function lint(code: string, text: string, options?: Partial<LintOptions>): Finding[] {
  // Rules hadolint ships switched off (DL1001) are switched on here, as a config override would.
  const config = { ...DEFAULT_CONFIG, override: { [code]: rule(code).severity } };
  return lintDockerfile({ text, rules: [rule(code)], options, config }).findings.filter((f) => f.code === code);
}

/** 1-based line numbers of the findings, as hadolint prints them. */
function lines(code: string, text: string, options?: Partial<LintOptions>): number[] {
  return lint(code, text, options).map((f) => f.range.start.line + 1);
}

void describe('hadolint part 1: the rule set', () => {
  void it('holds exactly the codes hadolint 2.15 defines in DL1001, DL3000-DL3034, DL4000-DL4006', () => {
    const codes = hadolintPart1.map((r) => r.code);
    const expected = ['DL1001', 'DL3000', 'DL3001', 'DL3002', 'DL3003', 'DL3004', 'DL3006', 'DL3007', 'DL3008', 'DL3009',
      'DL3010', 'DL3011', 'DL3012', 'DL3013', 'DL3014', 'DL3015', 'DL3016', 'DL3018', 'DL3019', 'DL3020', 'DL3021',
      'DL3022', 'DL3023', 'DL3024', 'DL3025', 'DL3026', 'DL3027', 'DL3028', 'DL3029', 'DL3030', 'DL3032', 'DL3033',
      'DL3034', 'DL4000', 'DL4001', 'DL4003', 'DL4004', 'DL4005', 'DL4006'];
    assert.deepEqual(codes, expected);
    for (const retired of ['DL3005', 'DL3017', 'DL3031', 'DL4002']) assert.ok(!codes.includes(retired), retired);
    for (const r of hadolintPart1) assert.equal(r.family, 'hadolint');
  });

  void it('uses hadolint\'s default severities', () => {
    const expected: Record<string, string> = {
      DL1001: 'style', DL3000: 'error', DL3001: 'info', DL3002: 'warning', DL3003: 'warning', DL3004: 'error',
      DL3006: 'warning', DL3007: 'warning', DL3008: 'warning', DL3009: 'info', DL3010: 'info', DL3011: 'error',
      DL3012: 'error', DL3013: 'warning', DL3014: 'warning', DL3015: 'info', DL3016: 'warning', DL3018: 'warning',
      DL3019: 'info', DL3020: 'error', DL3021: 'error', DL3022: 'warning', DL3023: 'error', DL3024: 'error',
      DL3025: 'warning', DL3026: 'error', DL3027: 'warning', DL3028: 'warning', DL3029: 'warning', DL3030: 'warning',
      DL3032: 'warning', DL3033: 'warning', DL3034: 'warning', DL4000: 'error', DL4001: 'warning', DL4003: 'warning',
      DL4004: 'error', DL4005: 'warning', DL4006: 'warning',
    };
    for (const r of hadolintPart1) assert.equal(r.severity, expected[r.code], r.code);
  });

  void it('DL1001 is marked off by default (hadolint level "ignore")', () => {
    assert.equal((rule('DL1001') as Rule & { defaultOff?: boolean }).defaultOff, true);
    assert.equal(hadolintPart1.filter((r) => (r as Rule & { defaultOff?: boolean }).defaultOff).length, 1);
  });

  void it('prints hadolint\'s messages verbatim on each documented bad example', () => {
    const messages: Record<string, string> = {
      DL1001: 'Please refrain from using inline ignore pragmas  `# hadolint ignore=DLxxxx`.',
      DL3000: 'Use absolute WORKDIR',
      DL3001: 'For some bash commands it makes no sense running them in a Docker container like `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`',
      DL3002: 'Last USER should not be root',
      DL3003: 'Use WORKDIR to switch to a directory',
      DL3004: 'Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root',
      DL3006: 'Always tag the version of an image explicitly',
      DL3007: 'Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag',
      DL3008: 'Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`',
      DL3009: 'Delete the apt-get lists after installing something',
      DL3010: 'Use `ADD` for extracting archives into an image',
      DL3011: 'Valid UNIX ports range from 0 to 65535',
      DL3012: 'Multiple `HEALTHCHECK` instructions',
      DL3013: 'Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`',
      DL3014: 'Use the `-y` switch to avoid manual input `apt-get -y install <package>`',
      DL3015: 'Avoid additional packages by specifying `--no-install-recommends`',
      DL3016: 'Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`',
      DL3018: 'Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`',
      DL3019: 'Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages',
      DL3020: 'Use COPY instead of ADD for files and folders',
      DL3021: 'COPY with more than 2 arguments requires the last argument to end with /',
      DL3022: '`COPY --from` should reference a previously defined `FROM` alias',
      DL3023: '`COPY --from` cannot reference its own `FROM` alias',
      DL3024: 'FROM aliases (stage names) must be unique',
      DL3025: 'Use arguments JSON notation for CMD and ENTRYPOINT arguments',
      DL3026: 'Use only an allowed registry in the FROM image',
      DL3027: 'Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead',
      DL3028: 'Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`',
      DL3029: 'Do not use --platform flag with FROM',
      DL3030: 'Use the -y switch to avoid manual input `yum install -y <package`',
      DL3032: '`yum clean all` missing after yum command.',
      DL3033: 'Specify version with `yum install -y <package>-<version>`.',
      DL3034: 'Non-interactive switch missing from `zypper` command: `zypper install -y`',
      DL4000: 'MAINTAINER is deprecated',
      DL4001: 'Either use Wget or Curl but not both',
      DL4003: 'Multiple `CMD` instructions found. If you list more than one `CMD` then only the last `CMD` will take effect',
      DL4004: 'Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then only the last `ENTRYPOINT` will take effect',
      DL4005: 'Use SHELL to change the default shell',
      DL4006: 'Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check',
    };
    for (const r of hadolintPart1) {
      const options = (r.doc as { options?: Partial<LintOptions> }).options;
      const found = lint(r.code, r.doc.bad, options);
      assert.ok(found.length > 0, `${r.code} bad example`);
      for (const f of found) assert.equal(f.message, messages[r.code], r.code);
      assert.deepEqual(lint(r.code, r.doc.good, options), [], `${r.code} good example`);
    }
  });
});

void describe('DL1001 inline ignore pragmas', () => {
  void it('reports inline pragmas at the comment line, not global ones', () => {
    const text = '# hadolint global ignore=DL3006\nFROM debian\n# hadolint ignore=DL3008\nRUN apt-get install -y curl\n  #   berth ignore=DL3015\nRUN true\n';
    const found = lint('DL1001', text);
    assert.deepEqual(found.map((f) => f.range.start.line), [2, 4]);
    assert.deepEqual(found[1]?.range, { start: { line: 4, col: 2 }, end: { line: 4, col: 25 } });
  });
  void it('ignores comments that only mention hadolint', () => {
    assert.deepEqual(lint('DL1001', '# hadolint is a linter\n# ignore=DL3008\nFROM debian:12\n'), []);
  });
});

void describe('DL3000 absolute WORKDIR', () => {
  void it('reports relative paths, also quoted and under ONBUILD', () => {
    assert.deepEqual(lines('DL3000', 'FROM a:1\nWORKDIR app\nWORKDIR "src"\nONBUILD WORKDIR build\n'), [2, 3, 4]);
  });
  void it('accepts absolute, variable and Windows paths', () => {
    assert.deepEqual(lint('DL3000', 'FROM a:1\nWORKDIR /app\nWORKDIR "/srv/x"\nWORKDIR $HOME/x\nWORKDIR ${APP}\nWORKDIR C:\\app\nWORKDIR c:/x\n'), []);
  });
});

void describe('DL3002 last USER of a stage', () => {
  void it('reports the last USER of each stage when it is root (per stage, as hadolint)', () => {
    const text = 'FROM a:1 AS build\nUSER root\nFROM b:1\nUSER app\nUSER 0:0\n';
    assert.deepEqual(lines('DL3002', text), [2, 5]);
  });
  void it('accepts switching back to an unprivileged user, and root:group spellings are root', () => {
    assert.deepEqual(lint('DL3002', 'FROM a:1\nUSER root\nRUN true\nUSER 1000:1000\n'), []);
    assert.deepEqual(lines('DL3002', 'FROM a:1\nUSER root:root\n'), [2]);
    assert.deepEqual(lint('DL3002', 'FROM a:1\nUSER rootless\n'), []);
    assert.deepEqual(lint('DL3002', 'FROM a:1\nRUN true\n'), []);
  });
});

void describe('DL3006 tag the base image', () => {
  void it('reports untagged images at the image word', () => {
    const found = lint('DL3006', 'FROM --platform=linux/amd64 debian AS base\n');
    assert.equal(found.length, 1);
    assert.deepEqual(found[0]?.range, { start: { line: 0, col: 28 }, end: { line: 0, col: 34 } });
  });
  void it('accepts tags, digests, scratch, earlier stages and variables', () => {
    const text = 'ARG BASE=node\nFROM $BASE AS a\nFROM debian:12 AS b\nFROM debian@sha256:abc AS c\nFROM scratch AS d\nFROM b\nFROM reg.io/${IMG}\nFROM localhost:5000/app:1\n';
    assert.deepEqual(lint('DL3006', text), []);
  });
  void it('reports a stage name used before the stage is defined (it is an image then)', () => {
    assert.deepEqual(lines('DL3006', 'FROM build\nFROM golang:1.23 AS build\n'), [1]);
  });
  void it('reports a registry image with a port but no tag', () => {
    assert.deepEqual(lines('DL3006', 'FROM localhost:5000/app\n'), [1]);
  });
});

void describe('DL3007 latest tag', () => {
  void it('reports latest, also through a global ARG default', () => {
    assert.deepEqual(lines('DL3007', 'ARG TAG=latest\nFROM alpine:latest\nFROM node:$TAG\n'), [2, 3]);
  });
  void it('accepts release tags, digests and unknown build args', () => {
    assert.deepEqual(lint('DL3007', 'ARG TAG\nFROM alpine:3.20\nFROM alpine:latest@sha256:0123\nFROM node:$TAG\nFROM alpine\n'), []);
  });
});

void describe('DL3011 port range', () => {
  void it('reports each port word above 65535, ranges and protocols included', () => {
    const found = lint('DL3011', 'FROM a:1\nEXPOSE 80 65536/tcp 1000-70000 8080\n');
    assert.deepEqual(found.map((f) => f.range.start.col), [10, 20]);
  });
  void it('accepts valid ports and variables', () => {
    assert.deepEqual(lint('DL3011', 'FROM a:1\nEXPOSE 0 65535/udp 8000-8010 $PORT\n'), []);
  });
  void it('checks ONBUILD EXPOSE', () => {
    assert.deepEqual(lines('DL3011', 'FROM a:1\nONBUILD EXPOSE 99999\n'), [2]);
  });
});

void describe('DL3012 / DL4003 / DL4004 repeated instructions per stage', () => {
  void it('reports the second and later ones in a stage, not across stages', () => {
    const text = 'FROM a:1\nHEALTHCHECK NONE\nCMD ["a"]\nENTRYPOINT ["x"]\nHEALTHCHECK CMD true\nCMD ["b"]\nCMD ["c"]\nENTRYPOINT ["y"]\nFROM b:1\nHEALTHCHECK NONE\nCMD ["d"]\nENTRYPOINT ["z"]\n';
    assert.deepEqual(lines('DL3012', text), [5]);
    assert.deepEqual(lines('DL4003', text), [6, 7]);
    assert.deepEqual(lines('DL4004', text), [8]);
  });
  void it('does not count ONBUILD CMD as a CMD of the stage', () => {
    assert.deepEqual(lint('DL4003', 'FROM a:1\nONBUILD CMD ["a"]\nCMD ["b"]\n'), []);
  });
});

void describe('DL3024 unique stage names', () => {
  void it('reports a repeated name at the name, case-insensitively', () => {
    const found = lint('DL3024', 'FROM a:1 AS build\nFROM b:1 AS Build\nFROM c:1 AS test\n');
    assert.equal(found.length, 1);
    assert.deepEqual(found[0]?.range, { start: { line: 1, col: 12 }, end: { line: 1, col: 17 } });
  });
  void it('accepts distinct and unnamed stages', () => {
    assert.deepEqual(lint('DL3024', 'FROM a:1\nFROM a:1\nFROM b:1 AS x\nFROM c:1 AS y\n'), []);
  });
});

void describe('DL3025 JSON form for CMD and ENTRYPOINT', () => {
  void it('reports shell form, invalid JSON and ONBUILD', () => {
    assert.deepEqual(lines('DL3025', "FROM a:1\nCMD node app.js\nENTRYPOINT ['node']\nONBUILD CMD run\nCMD [\"ok\"]\n"), [2, 3, 4]);
  });
  void it('accepts exec form', () => {
    assert.deepEqual(lint('DL3025', 'FROM a:1\nCMD ["node", "app.js"]\nENTRYPOINT ["/entry.sh"]\nCMD []\n'), []);
  });
});

void describe('DL3026 trusted registries', () => {
  const trusted = { trustedRegistries: ['docker.io', '*.gcr.io', 'registry.example.com:5000'] };
  void it('does nothing without trustedRegistries', () => {
    assert.deepEqual(lint('DL3026', 'FROM quay.io/a/b:1\n'), []);
  });
  void it('reports images from other registries in FROM, COPY --from and RUN --mount', () => {
    const text = 'FROM quay.io/a/b:1 AS one\nFROM ghcr.io/x/y:2\nCOPY --from=quay.io/c/d:3 /x /x\nRUN --mount=type=bind,from=ghcr.io/e/f:1,target=/m true\n';
    assert.deepEqual(lines('DL3026', text, trusted), [1, 2, 3, 4]);
  });
  void it('accepts Docker Hub, wildcard matches, stages, stage indexes and scratch', () => {
    const text = 'FROM node:22 AS build\nFROM eu.gcr.io/p/i:1\nFROM registry.example.com:5000/team/app:1\nFROM scratch\nFROM docker.io/library/debian:12\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\nRUN --mount=type=cache,target=/c true\n';
    assert.deepEqual(lint('DL3026', text, trusted), []);
  });
  void it('treats Docker Hub as untrusted when only a private registry is allowed', () => {
    assert.deepEqual(lines('DL3026', 'FROM node:22\nFROM scratch\n', { trustedRegistries: ['my.registry'] }), [1]);
    assert.deepEqual(lint('DL3026', 'FROM node:22\n', { trustedRegistries: ['*'] }), []);
    assert.deepEqual(lint('DL3026', 'FROM node:22\n', { trustedRegistries: ['hub.docker.com'] }), []);
  });
});

void describe('DL3029 FROM --platform', () => {
  void it('reports a hard-coded platform at the flag', () => {
    const found = lint('DL3029', 'FROM --platform=linux/arm64 a:1\n');
    assert.deepEqual(found[0]?.range, { start: { line: 0, col: 5 }, end: { line: 0, col: 27 } });
  });
  void it('accepts BuildKit platform arguments', () => {
    assert.deepEqual(lint('DL3029', 'FROM --platform=$BUILDPLATFORM a:1\nFROM --platform=${TARGETPLATFORM} b:1\nFROM --platform=linux/$TARGETARCH c:1\nFROM d:1\n'), []);
  });
});

void describe('DL4000 MAINTAINER', () => {
  void it('reports MAINTAINER at the keyword', () => {
    const found = lint('DL4000', 'FROM a:1\nMAINTAINER me\n');
    assert.deepEqual(found[0]?.range, { start: { line: 1, col: 0 }, end: { line: 1, col: 10 } });
  });
});
