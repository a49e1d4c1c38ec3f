import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import { hadolintPart1 } from '../../../src/core/dockerfile/rules/hadolint/part1/index';
import type { Finding } from '../../../src/core/dockerfile/rules/types';

function lint(code: string, text: string): Finding[] {
  const rule = hadolintPart1.find((r) => r.code === code);
  assert.ok(rule, code);
  return lintDockerfile({ text, rules: [rule] }).findings.filter((f) => f.code === code);
}

/** How many findings `code` gives for the RUN line `script` (after a FROM). */
function runCount(code: string, script: string): number {
  return lint(code, `FROM base:1\nRUN ${script}\n`).length;
}

/** Asserts which of the RUN scripts trigger `code` (each alone in its own file). */
function expectRuns(code: string, bad: readonly string[], good: readonly string[]): void {
  for (const script of bad) assert.ok(runCount(code, script) > 0, `${code} should report: ${script}`);
  for (const script of good) assert.equal(runCount(code, script), 0, `${code} should accept: ${script}`);
}

void describe('DL3001 commands that make no sense in a build', () => {
  void it('reports them wherever they appear, through sudo and env prefixes', () => {
    expectRuns('DL3001', ['service nginx start', 'true && sudo ssh host', 'FOO=1 top -b', 'ifconfig eth0', 'ps aux | grep x'], ['apt-get install -y procps', 'echo service', 'vim-tiny --version']);
  });
  void it('reads heredoc bodies as commands only when a shell runs them', () => {
    assert.equal(lint('DL3001', 'FROM a:1\nRUN bash <<EOF\nservice x start\nEOF\n').length, 1);
    assert.equal(lint('DL3001', 'FROM a:1\nRUN <<EOF\nservice x start\nEOF\n').length, 1);
    assert.equal(lint('DL3001', 'FROM a:1\nRUN cat <<EOF > /etc/motd\nkill the lights\ntop of the morning\nEOF\n').length, 0);
    assert.equal(lint('DL3001', 'FROM a:1\nRUN python3 <<EOF\nps = 1\nEOF\n').length, 0);
  });
  void it('points at the command, on its continuation line', () => {
    const found = lint('DL3001', 'FROM a:1\nRUN echo a \\\n  && kill -9 1\n');
    assert.deepEqual(found[0]?.range, { start: { line: 2, col: 5 }, end: { line: 2, col: 14 } });
  });
});

void describe('DL3003 cd', () => {
  void it('reports cd in shell form, heredoc, exec form sh -c and ONBUILD', () => {
    expectRuns('DL3003', ['cd /app && make', 'make -C /app; cd -', '["sh", "-c", "cd /x && ls"]'], ['make -C /app', 'echo cd', '["make", "-C", "/x"]']);
    assert.equal(lint('DL3003', 'FROM a:1\nRUN <<EOF\nset -e\ncd /src\nEOF\n').length, 1);
    assert.equal(lint('DL3003', 'FROM a:1\nONBUILD RUN cd /x\n').length, 1);
  });
  void it('gives the precise range of a command in a heredoc body, tabs stripped by <<- included', () => {
    const found = lint('DL3003', 'FROM a:1\nRUN <<-EOF\n\t\tset -e\n\t\tcd /src\nEOF\n');
    assert.deepEqual(found[0]?.range, { start: { line: 3, col: 2 }, end: { line: 3, col: 9 } });
  });
});

void describe('DL3004 sudo', () => {
  void it('reports sudo with or without options', () => {
    expectRuns('DL3004', ['sudo apt-get update', 'sudo -u app make', 'true && sudo'], ['echo sudo', 'apt-get install -y sudo=1.9']);
  });
});

void describe('DL3008 apt-get install pinning', () => {
  void it('reports unpinned packages, per apt-get install command', () => {
    expectRuns('DL3008', ['apt-get install -y curl', 'apt-get -y install curl=1 wget', 'sudo apt-get install -t bookworm-backports curl', 'apt-get install -o Dpkg::Options::=--force-confold -y vim'],
      ['apt-get install -y curl=7.88', 'apt-get install -y ./pkg.deb', 'apt-get install -y curl/bookworm-backports', 'apt-get install -y $PACKAGES', 'apt-get update', 'apt-get -t bookworm-backports install -y curl=1', 'apt install -y curl']);
    assert.equal(runCount('DL3008', 'apt-get install -y a && apt-get install -y b=1 && apt-get install c'), 2);
  });
});

void describe('DL3009 apt lists cleanup', () => {
  void it('reports apt-get update without cleanup in the final stage', () => {
    expectRuns('DL3009', ['apt-get update', 'apt-get update && apt-get install -y x && apt-get clean', 'apt update && apt install -y x', 'rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y x', 'apt-get update && rm -rf /tmp/*'],
      ['apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*', 'apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists', 'apt-get update && apt-get install -y x && apt-get dist-clean', 'apt-get install -y ./x.deb', 'apt-get update; rm -fr /var/lib/apt']);
  });
  void it('accepts BuildKit cache and tmpfs mounts over the lists, not over /var/cache/apt alone', () => {
    assert.equal(lint('DL3009', 'FROM a:1\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n').length, 0);
    assert.equal(lint('DL3009', 'FROM a:1\nRUN --mount=type=cache,target=/var/lib/apt,sharing=locked --mount=type=cache,target=/var/cache/apt apt-get update\n').length, 0);
    assert.equal(lint('DL3009', 'FROM a:1\nRUN --mount=type=tmpfs,target=/var/lib/apt/lists/ apt-get update\n').length, 0);
    assert.equal(lint('DL3009', 'FROM a:1\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\n').length, 1);
    assert.equal(lint('DL3009', 'FROM a:1\nRUN --mount=type=bind,target=/var/lib/apt/lists apt-get update\n').length, 1);
    assert.equal(lint('DL3009', 'FROM a:1\nRUN --mount=type=cache,target=/var/lib/apt/lists/partial apt-get update\n').length, 1);
  });
  void it('only looks at stages that reach an image: the final one and FROM bases', () => {
    const text = 'FROM a:1 AS builder\nRUN apt-get update\nFROM a:1 AS base\nRUN apt-get update\nFROM base\nCOPY --from=builder /x /x\n';
    assert.deepEqual(lint('DL3009', text).map((f) => f.range.start.line), [3]);
    assert.equal(lint('DL3009', 'FROM a:1\nONBUILD RUN apt-get update\n').length, 1);
  });
  void it('reports at the update command', () => {
    const found = lint('DL3009', 'FROM a:1\nRUN set -e; apt-get update\n');
    assert.deepEqual(found[0]?.range, { start: { line: 1, col: 12 }, end: { line: 1, col: 26 } });
  });
});

void describe('DL3010 archives copied then extracted', () => {
  void it('reports a COPY whose tar archive a later RUN extracts', () => {
    const cases = [
      'COPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz',
      'COPY dist/app.tgz /opt/\nRUN cd /opt && tar xzf app.tgz',
      'COPY app.tar.xz /tmp/app.tar.xz\nRUN tar --extract --file=/tmp/app.tar.xz',
      'COPY src.bin /tmp/pkg.tar.gz\nRUN gunzip /tmp/pkg.tar.gz',
      'COPY a.tar /x/\nRUN tar -C /opt -xf /x/a.tar',
      'COPY a.tar.xz /x/\nRUN xz -d /x/a.tar.xz && tar -xf /x/a.tar',
      'COPY b.tar.gz /x/\nRUN gzip -d /x/b.tar.gz',
    ];
    for (const c of cases) assert.equal(lint('DL3010', `FROM a:1\n${c}\n`).length, 1, c);
  });
  void it('accepts archives that stay packed, non-tar files, --from copies and other stages', () => {
    const cases = [
      'COPY app.tar.gz /data/\nRUN ls /data',
      'COPY data.gz /tmp/\nRUN gunzip /tmp/data.gz',
      'COPY site.zip /tmp/\nRUN unzip /tmp/site.zip',
      'COPY --from=build /out/app.tar /tmp/\nRUN tar -xf /tmp/app.tar',
      'COPY app.tar /tmp/\nFROM b:1\nRUN tar -xf /tmp/app.tar',
      'COPY app.tar /tmp/\nRUN tar -cf /tmp/other.tar /tmp/app.tar',
    ];
    for (const c of cases) assert.equal(lint('DL3010', `FROM a:1 AS build\n${c}\n`).length, 0, c);
  });
});

void describe('DL3013 pip pinning', () => {
  void it('reports unpinned pip installs', () => {
    expectRuns('DL3013', ['pip install flask', 'pip3 install --no-cache-dir -U pip setuptools==70.0', 'python3 -m pip install requests', '/usr/local/bin/pip install --index-url https://x/simple flask', 'pip install --cache-dir /tmp/c flask'],
      ['pip install flask==3.0.3', 'pip install "flask>=3,<4"', 'pip install -r requirements.txt', 'pip install --requirement=req.txt', 'pip install -c constraints.txt flask', 'pip install .', 'pip install -e .', 'pip install ./wheels/app-1.0-py3-none-any.whl', 'pip install git+https://github.com/a/b@v1.0', 'pip install $PKG', 'pip download flask', 'pip install --index-url https://x/simple flask==1', 'python -m venv /venv']);
  });
});

void describe('DL3014 apt-get -y', () => {
  void it('reports apt-get install without a yes option', () => {
    expectRuns('DL3014', ['apt-get install curl', 'apt-get -q install curl', 'DEBIAN_FRONTEND=noninteractive apt-get install curl'],
      ['apt-get install -y curl', 'apt-get install --yes curl', 'apt-get install --assume-yes curl', 'apt-get -qq install curl', 'apt-get -q -q install curl', 'apt-get -q=2 install curl', 'apt-get -o APT::Get::Assume-Yes=true install curl', 'apt-get -yq install curl', 'apt-get update']);
  });
});

void describe('DL3015 --no-install-recommends', () => {
  void it('reports apt-get install that keeps recommends', () => {
    expectRuns('DL3015', ['apt-get install -y curl', 'apt-get -o APT::Install-Recommends=true install -y curl'],
      ['apt-get install -y --no-install-recommends curl', 'apt-get -o APT::Install-Recommends=false install -y curl', 'apt-get -o APT::Install-Recommends=0 install -y curl', 'apt-get update', 'apt-get remove -y curl']);
  });
});

void describe('DL3016 npm pinning', () => {
  void it('reports unpinned npm installs', () => {
    expectRuns('DL3016', ['npm install express', 'npm i -g typescript', 'npm install @types/node', 'npm add lodash', 'npm install --prefix /app express@4 cors', 'npm install git+https://github.com/a/b.git'],
      ['npm install', 'npm ci', 'npm install express@4.21.1', 'npm install @types/node@22', 'npm install ./local-pkg', 'npm install pkg.tgz', 'npm install git+https://github.com/a/b.git#v1.2', 'npm install user/repo#abc123', 'npm install --loglevel verbose express@4', 'npm install $PKG', 'npm run build']);
  });
});

void describe('DL3018 apk pinning', () => {
  void it('reports unpinned apk add', () => {
    expectRuns('DL3018', ['apk add --no-cache curl', 'apk --update add curl=8 git', 'apk add --virtual .build gcc'],
      ['apk add --no-cache curl=8.9.1-r2', 'apk add "curl~8.9"', 'apk add --virtual .build-deps gcc=13.2', 'apk add /tmp/x.apk', 'apk add $PKGS', 'apk del curl', 'apk update']);
  });
});

void describe('DL3019 apk --no-cache', () => {
  void it('reports apk add that keeps its cache', () => {
    expectRuns('DL3019', ['apk add curl=8', 'apk --update add curl=8', 'rm -rf /var/cache/apk/* && apk add curl=8'],
      ['apk add --no-cache curl=8', 'apk --no-cache add curl=8', 'apk add curl=8 && rm -rf /var/cache/apk/*', 'apk update']);
    assert.equal(lint('DL3019', 'FROM a:1\nRUN --mount=type=cache,target=/var/cache/apk apk add curl=8\n').length, 0);
    assert.equal(lint('DL3019', 'FROM a:1\nRUN --mount=type=cache,target=/var/cache/apk/ apk --update add curl=8\n').length, 0);
    assert.equal(lint('DL3019', 'FROM a:1\nRUN --mount=type=cache,target=/root/.cache apk add curl=8\n').length, 1);
  });
});

void describe('DL3020 ADD for plain files', () => {
  void it('reports ADD of local non-archive sources', () => {
    const found = lint('DL3020', 'FROM a:1\nADD index.html /www/\nADD app.tar.gz /opt/\nADD https://example.com/x.bin /x\nADD git@github.com:a/b.git /src\nADD a.txt b.tgz /d/\nONBUILD ADD conf /etc/x\nADD <<EOF /x\nhi\nEOF\n');
    assert.deepEqual(found.map((f) => f.range.start.line), [1, 5, 6]);
  });
});

void describe('DL3021 COPY destination for several sources', () => {
  void it('reports a destination without trailing slash', () => {
    const text = 'FROM a:1\nCOPY a b /dest\nCOPY a b /dest/\nCOPY a /dest\nCOPY ["a", "b", "/dest"]\nCOPY a b "/d/"\nCOPY a b $DEST\nCOPY --chown=app a b c\n';
    assert.deepEqual(lint('DL3021', text).map((f) => f.range.start.line), [1, 4, 7]);
  });
});

void describe('DL3022 / DL3023 COPY --from', () => {
  const text = [
    'FROM golang:1.23 AS build', // line 1
    'COPY --from=build /a /a', // own alias: DL3023
    'FROM debian:12 AS Final',
    'COPY --from=build /b /b',
    'COPY --from=BUILD /c /c',
    'COPY --from=test /d /d', // defined later: DL3022
    'COPY --from=0 /e /e',
    'COPY --from=5 /f /f', // no such index: DL3022
    'COPY --from=nginx:1.27 /g /g',
    'COPY --from=ghcr.io/x/y /h /h',
    'COPY --from=$STAGE /i /i',
    'COPY --from=final /j /j', // own alias, other case: DL3023
    'FROM alpine:3 AS test',
  ].join('\n');
  void it('DL3022 reports names that are neither earlier stages nor images', () => {
    assert.deepEqual(lint('DL3022', text).map((f) => f.range.start.line + 1), [6, 8]);
  });
  void it('DL3023 reports a stage copying from itself', () => {
    assert.deepEqual(lint('DL3023', text).map((f) => f.range.start.line + 1), [2, 12]);
  });
});

void describe('DL3027 apt', () => {
  void it('reports apt, not apt-get or apt-cache', () => {
    expectRuns('DL3027', ['apt install -y curl', 'sudo apt update', '/usr/bin/apt list --installed'], ['apt-get install -y curl', 'apt-cache policy curl', 'echo apt']);
  });
});

void describe('DL3028 gem pinning', () => {
  void it('reports unpinned gems', () => {
    expectRuns('DL3028', ['gem install rails', 'gem install --no-document rails', 'gem i bundler'],
      ['gem install rails:7.1.3', 'gem install rails -v 7.1.3', 'gem install rails --version=7.1', 'gem install ./x.gem', 'gem install pg:1.5.9 -- --with-pg-config=/usr/bin/pg_config', 'gem update --system', 'gem install --install-dir /gems rails:7']);
  });
});

void describe('DL3030 / DL3032 / DL3033 yum', () => {
  void it('DL3030 reports yum install without -y', () => {
    expectRuns('DL3030', ['yum install httpd', 'yum groupinstall "Development Tools"', 'yum localinstall x.rpm'], ['yum install -y httpd', 'yum -y install httpd', 'yum install --assumeyes httpd', 'yum update -y', 'dnf install httpd']);
  });
  void it('DL3032 reports yum install without cleaning the cache afterwards', () => {
    expectRuns('DL3032', ['yum install -y httpd', 'yum clean all && yum install -y httpd', 'yum install -y httpd && rm -rf /tmp/*'],
      ['yum install -y httpd && yum clean all', 'yum install -y httpd && dnf clean all', 'yum install -y httpd && rm -rf /var/cache/yum', 'yum install -y httpd; rm -rf /var/cache/yum/*', 'yum makecache']);
    assert.equal(lint('DL3032', 'FROM a:1\nRUN --mount=type=cache,target=/var/cache/yum yum install -y httpd\n').length, 0);
  });
  void it('DL3033 reports packages and modules without version', () => {
    expectRuns('DL3033', ['yum install -y httpd', 'yum install -y python3-devel', 'yum module install -y nodejs'],
      ['yum install -y httpd-2.4.62', 'yum install -y python3-devel-3.9.18-1.el9', 'yum install -y /tmp/pkg.rpm', 'yum module install -y nodejs:18', 'yum install -y $PKG', 'yum --enablerepo epel install -y jq-1.6', 'yum clean all']);
  });
});

void describe('DL3034 zypper', () => {
  void it('reports zypper changes without a non-interactive switch', () => {
    expectRuns('DL3034', ['zypper install curl', 'zypper rm curl', 'zypper patch'], ['zypper install -y curl', 'zypper -n install curl', 'zypper --non-interactive in curl', 'zypper in --no-confirm curl', 'zypper refresh']);
  });
});

void describe('DL4001 wget and curl', () => {
  void it('reports every RUN using either tool once both were seen in a stage', () => {
    const text = 'FROM a:1\nRUN curl -O x\nRUN wget y\nRUN curl z\nRUN echo\nFROM b:1\nRUN wget y\n';
    assert.deepEqual(lint('DL4001', text).map((f) => f.range.start.line + 1), [3, 4]);
    assert.equal(lint('DL4001', 'FROM a:1\nRUN curl -O x && wget y\n').length, 1);
  });
});

void describe('DL4005 relinking /bin/sh', () => {
  void it('reports ln onto /bin/sh only', () => {
    expectRuns('DL4005', ['ln -sf /bin/bash /bin/sh', 'ln -s -f bash /bin/sh'], ['ln -s /bin/sh /usr/local/bin/sh', 'ln -s /usr/bin/python3 /usr/bin/python', 'echo /bin/sh']);
  });
});

void describe('DL4006 pipefail', () => {
  void it('reports pipes under the default shell and points at the pipeline', () => {
    const found = lint('DL4006', 'FROM a:1\nRUN echo a && curl -s x | tar -x\n');
    assert.equal(found.length, 1);
    assert.deepEqual(found[0]?.range, { start: { line: 1, col: 14 }, end: { line: 1, col: 32 } });
    expectRuns('DL4006', ['a | b', 'set -e; a | b', 'a | b; set -o pipefail'], ['a || b', 'a && b', 'set -o pipefail; a | b', 'set -euo pipefail && a | b', '["sh", "-c", "a | b"]']);
  });
  void it('follows SHELL per stage, inherits it through FROM <stage>, and skips non-POSIX shells', () => {
    const text = [
      'FROM a:1 AS base',
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
      'RUN a | b',
      'FROM base',
      'RUN c | d',
      'FROM a:1',
      'RUN e | f', // line 7: fresh stage, default shell
      'SHELL ["/bin/bash", "-c"]',
      'RUN g | h', // line 9
      'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]',
      'RUN i | j',
      'FROM mcr.microsoft.com/windows/servercore:ltsc2022',
      'SHELL ["powershell", "-Command"]',
      'RUN Get-Process | Stop-Process',
    ].join('\n');
    assert.deepEqual(lint('DL4006', text).map((f) => f.range.start.line + 1), [7, 9]);
  });
  void it('checks heredoc scripts', () => {
    assert.equal(lint('DL4006', 'FROM a:1\nRUN <<EOF\ncurl x | sh\nEOF\n').length, 1);
    assert.equal(lint('DL4006', 'FROM a:1\nRUN <<EOF\nset -o pipefail\ncurl x | sh\nEOF\n').length, 0);
  });
});

void describe('hadolint part 1 on odd input', () => {
  void it('never fails internally (no BT000 finding) on malformed or partial files', () => {
    const samples = [
      '', '\n\n', '# only a comment\n', 'RUN apt-get update\n', 'ONBUILD\n', 'FROM\n', 'FROM a:1\nRUN\n', 'FROM a:1\nCOPY\nADD\n',
      'FROM a:1\nRUN <<EOF\napt-get update\n', 'FROM a:1\nRUN <<-EOF\n\tcurl x | sh\n', 'FROM a:1\nUSER\nWORKDIR\nEXPOSE\nSHELL\nCMD\n',
      'FROM a:1\nRUN ["sh", "-c"]\nRUN ["bash"]\nRUN []\n', 'FROM a:1\nRUN --mount=type=cache apt-get update\nRUN --mount= true\n',
      'FROM --platform a:1\nCOPY --from= x y\nCOPY --from x y\n', 'FROM a:1\nRUN "unterminated \'quote\nRUN $(echo\nRUN `x\n',
      'FROM a:1\nRUN apt-get install -t\nRUN pip install -r\nRUN gem install -v\nRUN npm install --prefix\n',
      'FROM a:1 AS\nFROM b:1 AS a AS b\n', 'FROM a:1\nMAINTAINER\nHEALTHCHECK\nHEALTHCHECK\n',
    ];
    for (const text of samples) {
      const result = lintDockerfile({ text, rules: hadolintPart1, options: { trustedRegistries: ['docker.io'] } });
      assert.deepEqual(result.findings.filter((f) => f.code === 'BT000').map((f) => f.message), [], JSON.stringify(text));
    }
  });

  void it('never fails internally on every prefix of a realistic Dockerfile', () => {
    const text = '# syntax=docker/dockerfile:1\nARG BASE=debian:12\nFROM $BASE AS build\nRUN --mount=type=cache,target=/var/cache/apt apt-get update \\\n  && apt-get install -y --no-install-recommends curl=7 \\\n  && rm -rf /var/lib/apt/lists/*\nCOPY app.tar.gz /tmp/\nRUN <<-EOF\n\ttar -xzf /tmp/app.tar.gz -C /opt | tee log\n\tpip install flask\nEOF\nFROM build\nUSER root\nCMD node app.js\n';
    for (let end = 0; end <= text.length; end++) {
      const result = lintDockerfile({ text: text.slice(0, end), rules: hadolintPart1 });
      assert.deepEqual(result.findings.filter((f) => f.code === 'BT000').map((f) => f.message), [], `prefix ${end}`);
    }
  });
});
