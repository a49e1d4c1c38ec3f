import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { Finding } from '../../../src/core/dockerfile/rules/types';
import { berthRules } from '../../../src/core/dockerfile/rules/berth/index';
import { applyEdits } from '../../../src/core/dockerfile/edits';

function findings(code: string, lines: readonly string[]): Finding[] {
  const rule = berthRules.find((r) => r.code === code);
  assert.ok(rule, code);
  return lintDockerfile({ text: lines.join('\n'), rules: [rule] }).findings.filter((f) => f.code === code);
}

/** Applies fix `k` of the only finding and returns the new text. */
function fixed(code: string, lines: readonly string[], k = 0, which = 0): string {
  const found = findings(code, lines);
  const fix = found[which]?.fixes[k];
  assert.ok(fix, `${code} has no fix ${k} on finding ${which}: ${found.map((f) => f.message).join(' / ')}`);
  return applyEdits(lines.join('\n'), fix.edits);
}

describe('BT101 cleanup in a later layer', () => {
  it('reports rm of apt lists in a RUN after the one that updated, and moves it', () => {
    const text = [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'RUN rm -rf /var/lib/apt/lists/*',
    ];
    const [f] = findings('BT101', text);
    assert.ok(f);
    assert.deepEqual(f.range, { start: { line: 2, col: 4 }, end: { line: 2, col: 31 } });
    assert.match(f.message, /apt-get update.*line 2/);
    assert.equal(fixed('BT101', text), [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
    ].join('\n'));
  });

  it('moves several cleanups of one RUN together and deletes that RUN', () => {
    const text = [
      'FROM ubuntu:24.04',
      'RUN apt-get update \\',
      '    && apt-get install -y --no-install-recommends ca-certificates',
      'RUN apt-get clean && rm -rf /var/lib/apt/lists/*',
      'CMD ["bash"]',
    ];
    assert.equal(findings('BT101', text).length, 2);
    assert.equal(fixed('BT101', text), [
      'FROM ubuntu:24.04',
      'RUN apt-get update \\',
      '    && apt-get install -y --no-install-recommends ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/*',
      'CMD ["bash"]',
    ].join('\n'));
  });

  it('deletes only the cleanup command when the later RUN does other work', () => {
    const text = [
      'FROM python:3.12-slim',
      'RUN pip install flask',
      'RUN pip cache purge && useradd app',
    ];
    assert.equal(fixed('BT101', text), ['FROM python:3.12-slim', 'RUN pip install flask && pip cache purge', 'RUN useradd app'].join('\n'));
  });

  it('does not offer to move a cleanup that a RUN in between still needs', () => {
    const text = [
      'FROM debian:bookworm-slim',
      'RUN apt-get update',
      'RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
    ];
    const [f] = findings('BT101', text);
    assert.ok(f);
    assert.equal(f.fixes.length, 0);
    assert.match(f.message, /Line 3 still installs from that index/);
  });

  it('reports a downloaded file deleted in the next RUN, without a fix when that RUN uses it', () => {
    const text = [
      'FROM debian:bookworm-slim',
      'RUN curl -fsSLo /tmp/go.tgz https://go.dev/dl/go1.22.5.linux-amd64.tar.gz',
      'RUN tar -C /usr/local -xzf /tmp/go.tgz && rm /tmp/go.tgz',
    ];
    const [f] = findings('BT101', text);
    assert.ok(f);
    assert.match(f.message, /`curl` downloaded on line 2.*Download, use and delete it in one RUN/);
    assert.equal(f.fixes.length, 0);
  });

  it('resolves relative paths against WORKDIR and cd', () => {
    const text = [
      'FROM alpine:3.20',
      'WORKDIR /build',
      'RUN wget https://example.com/tool-1.0.tar.gz',
      'RUN cd /build && rm -f tool-1.0.tar.gz',
    ];
    assert.equal(findings('BT101', text).length, 1);
  });

  it('reports files a COPY of a directory brought in, with advice instead of a fix', () => {
    const text = ['FROM node:22-slim', 'COPY . /app', 'RUN rm -rf /app/.git /app/test'];
    const [f] = findings('BT101', text);
    assert.ok(f);
    assert.match(f.message, /COPY \. \/app.*\.dockerignore/);
    assert.equal(f.fixes.length, 0);
  });

  it('works with heredoc RUNs on both sides', () => {
    const text = [
      'FROM debian:bookworm-slim',
      'RUN <<EOF',
      'apt-get update',
      'apt-get install -y --no-install-recommends git',
      'EOF',
      'RUN <<EOF',
      'rm -rf /var/lib/apt/lists/*',
      'EOF',
    ];
    const [f] = findings('BT101', text);
    assert.ok(f);
    assert.deepEqual(f.range.start, { line: 6, col: 0 });
    assert.equal(fixed('BT101', text), [
      'FROM debian:bookworm-slim',
      'RUN <<EOF',
      'apt-get update',
      'apt-get install -y --no-install-recommends git',
      'rm -rf /var/lib/apt/lists/*',
      'EOF',
    ].join('\n'));
  });

  it('does not report a cleanup in the same RUN, through sudo and continuation lines', () => {
    assert.deepEqual(findings('BT101', [
      'FROM ubuntu:24.04',
      'RUN sudo apt-get update \\',
      '  # a comment inside',
      '  && sudo apt-get install -y curl \\',
      '  && sudo rm -rf /var/lib/apt/lists/*',
    ]), []);
  });

  it('does not report cleanups of files this Dockerfile did not create', () => {
    assert.deepEqual(findings('BT101', ['FROM debian:bookworm-slim', 'RUN rm -rf /usr/share/doc/* /var/lib/apt/lists/*']), []);
  });

  it('does not report a small copied script deleted later (only archives and directories count)', () => {
    assert.deepEqual(findings('BT101', ['FROM debian:bookworm-slim', 'COPY install.sh /tmp/', 'RUN sh /tmp/install.sh', 'RUN rm -f /tmp/install.sh']), []);
    assert.equal(findings('BT101', ['FROM debian:bookworm-slim', 'COPY app.tar.gz /tmp/', 'RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz']).length, 1);
  });

  it('ignores caches written to BuildKit cache mounts', () => {
    assert.deepEqual(findings('BT101', [
      'FROM python:3.12-slim',
      'RUN --mount=type=cache,target=/root/.cache/pip pip install flask',
      'RUN pip cache purge',
    ]), []);
  });

  it('ignores build stages: only the final image counts', () => {
    assert.deepEqual(findings('BT101', [
      'FROM debian:bookworm AS build',
      'RUN apt-get update && apt-get install -y gcc',
      'RUN rm -rf /var/lib/apt/lists/*',
      'FROM debian:bookworm-slim',
      'COPY --from=build /etc/hostname /tmp/x',
    ]), []);
  });

  it('follows the final stage into the stage it is built FROM, and does not move across stages', () => {
    const text = [
      'FROM debian:bookworm-slim AS base',
      'RUN apt-get update && apt-get install -y curl',
      'FROM base',
      'RUN rm -rf /var/lib/apt/lists/*',
    ];
    const [f] = findings('BT101', text);
    assert.ok(f);
    assert.equal(f.fixes.length, 0);
  });
});

describe('BT102 downloaded archive left in the layer', () => {
  it('reports a download unpacked and never deleted, and adds the rm after the unpack', () => {
    const text = [
      'FROM debian:bookworm-slim',
      'RUN curl -fsSLO https://example.com/releases/tool-1.2.tar.gz \\',
      ' && tar xzf tool-1.2.tar.gz -C /opt \\',
      ' && ln -s /opt/tool/bin/tool /usr/local/bin/tool',
    ];
    const [f] = findings('BT102', text);
    assert.ok(f);
    assert.match(f.message, /tool-1\.2\.tar\.gz is downloaded and unpacked/);
    assert.equal(fixed('BT102', text), [
      'FROM debian:bookworm-slim',
      'RUN curl -fsSLO https://example.com/releases/tool-1.2.tar.gz \\',
      ' && tar xzf tool-1.2.tar.gz -C /opt && rm -f tool-1.2.tar.gz \\',
      ' && ln -s /opt/tool/bin/tool /usr/local/bin/tool',
    ].join('\n'));
  });

  it('knows wget -O, installs of .deb and pip wheels', () => {
    assert.equal(findings('BT102', ['FROM debian:bookworm-slim', 'RUN wget -qO /tmp/app.deb https://example.com/app_1.0_amd64.deb && dpkg -i /tmp/app.deb']).length, 1);
    assert.equal(findings('BT102', ['FROM python:3.12-slim', 'RUN wget https://example.com/pkg-1.0-py3-none-any.whl && pip install pkg-1.0-py3-none-any.whl']).length, 1);
  });

  it('does not report when the archive is deleted, streamed, or not unpacked', () => {
    assert.deepEqual(findings('BT102', ['FROM debian:bookworm-slim', 'RUN curl -fsSLo /tmp/a.zip https://x/a.zip && unzip /tmp/a.zip -d /opt && rm /tmp/a.zip']), []);
    assert.deepEqual(findings('BT102', ['FROM debian:bookworm-slim', 'RUN curl -fsSL https://x/a.tar.gz | tar -xz -C /opt']), []);
    assert.deepEqual(findings('BT102', ['FROM eclipse-temurin:21-jre', 'RUN curl -fsSLo /app.jar https://x/app.jar']), []);
    assert.deepEqual(findings('BT102', ['FROM debian:bookworm-slim', 'RUN cd /tmp && curl -fsSLO https://x/a.tgz && tar xzf a.tgz && rm -rf /tmp/*']), []);
    assert.deepEqual(findings('BT102', ['FROM debian:bookworm-slim', 'RUN tmp="$(mktemp -d)" && curl -fsSLo "$tmp/a.tgz" https://x/a.tgz && tar xzf "$tmp/a.tgz" && rm -rf "$tmp"']), []);
  });

  it('leaves a deletion in a later RUN to BT101', () => {
    assert.deepEqual(findings('BT102', [
      'FROM debian:bookworm-slim',
      'RUN curl -fsSLo /tmp/a.tgz https://x/a.tgz && tar xzf /tmp/a.tgz -C /opt',
      'RUN rm /tmp/a.tgz',
    ]), []);
  });

  it('reports ADD of a remote archive that a later RUN unpacks', () => {
    const [f] = findings('BT102', ['FROM debian:bookworm-slim', 'ADD https://example.com/app.tar.gz /tmp/', 'RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz']);
    assert.ok(f);
    assert.match(f.message, /ADD stores app\.tar\.gz in a layer of its own/);
    assert.deepEqual(findings('BT102', ['FROM debian:bookworm-slim', 'ADD --unpack=true https://example.com/app.tar.gz /opt/', 'RUN ls /opt']), []);
  });

  it('handles heredoc scripts', () => {
    const text = ['FROM debian:bookworm-slim', 'RUN <<EOF', 'set -e', 'wget -O /tmp/t.zip https://x/t.zip', 'unzip /tmp/t.zip -d /opt', 'EOF'];
    const [f] = findings('BT102', text);
    assert.ok(f);
    assert.deepEqual(f.range.start, { line: 3, col: 0 });
    assert.equal(fixed('BT102', text), ['FROM debian:bookworm-slim', 'RUN <<EOF', 'set -e', 'wget -O /tmp/t.zip https://x/t.zip', 'unzip /tmp/t.zip -d /opt', 'rm -f /tmp/t.zip', 'EOF'].join('\n'));
  });
});

describe('BT103 chown/chmod -R over copied files', () => {
  it('moves the owner into COPY --chown and keeps a non-recursive chown of the directory', () => {
    const text = ['FROM node:22-slim', 'WORKDIR /app', 'COPY package*.json ./', 'COPY . .', 'RUN chown -R node:node /app', 'USER node'];
    const [f] = findings('BT103', text);
    assert.ok(f);
    assert.match(f.message, /chown -R node:node \/app.*COPY --chown=node:node/);
    assert.equal(fixed('BT103', text), ['FROM node:22-slim', 'WORKDIR /app', 'COPY --chown=node:node package*.json ./', 'COPY --chown=node:node . .', 'RUN chown node:node /app', 'USER node'].join('\n'));
  });

  it('removes the whole RUN for a copied file, and only the command when the RUN does more', () => {
    assert.equal(fixed('BT103', ['FROM alpine:3.20', 'COPY entrypoint.sh /entrypoint.sh', 'RUN chmod -R 755 /entrypoint.sh', 'ENTRYPOINT ["/entrypoint.sh"]']),
      ['FROM alpine:3.20', 'COPY --chmod=755 entrypoint.sh /entrypoint.sh', 'ENTRYPOINT ["/entrypoint.sh"]'].join('\n'));
    assert.equal(fixed('BT103', ['FROM alpine:3.20', 'COPY app.yml /etc/app/conf.yml', 'RUN chown -R app /etc/app/conf.yml && apk add --no-cache tini']),
      ['FROM alpine:3.20', 'COPY --chown=app app.yml /etc/app/conf.yml', 'RUN apk add --no-cache tini'].join('\n'));
  });

  it('reports without a fix when a RUN in between wrote into the directory', () => {
    const [f] = findings('BT103', ['FROM node:22-slim', 'WORKDIR /app', 'COPY . .', 'RUN npm ci --omit=dev', 'RUN chown -R node:node /app']);
    assert.ok(f);
    assert.equal(f.fixes.length, 0);
  });

  it('gives no fix for symbolic modes (they need Dockerfile 1.14)', () => {
    const [f] = findings('BT103', ['FROM alpine:3.20', 'COPY bin/ /opt/bin/', 'RUN chmod -R a+rx /opt/bin']);
    assert.ok(f);
    assert.equal(f.fixes.length, 0);
  });

  it('does not report chown of directories the base image owns, non-recursive changes, or other stages', () => {
    assert.deepEqual(findings('BT103', ['FROM nginx:1.27', 'COPY nginx.conf /etc/nginx/nginx.conf', 'RUN chown -R nginx /etc/nginx']), []);
    assert.deepEqual(findings('BT103', ['FROM alpine:3.20', 'COPY run.sh /run.sh', 'RUN chmod +x /run.sh']), []);
    assert.deepEqual(findings('BT103', ['FROM alpine:3.20', 'RUN mkdir /data && chown -R nobody /data']), []);
    assert.deepEqual(findings('BT103', ['FROM alpine:3.20 AS build', 'COPY . /src', 'RUN chown -R nobody /src', 'FROM alpine:3.20', 'COPY --from=build /src /src']), []);
  });
});

describe('BT105 package index update in a RUN of its own', () => {
  it('merges apt-get update into the next RUN that installs', () => {
    const text = ['FROM debian:bookworm-slim', 'ENV DEBIAN_FRONTEND=noninteractive', 'RUN apt-get update -qq', 'WORKDIR /app', 'RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*'];
    const [f] = findings('BT105', text);
    assert.ok(f);
    assert.match(f.message, /apt-get update -qq.*line 5/);
    assert.equal(fixed('BT105', text), ['FROM debian:bookworm-slim', 'ENV DEBIAN_FRONTEND=noninteractive', 'WORKDIR /app', 'RUN apt-get update -qq && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*'].join('\n'));
  });

  it('only deletes the update when the installing RUN refreshes the index itself', () => {
    const text = ['FROM alpine:3.20', 'RUN apk update', 'RUN apk update && apk add curl'];
    const [f] = findings('BT105', text);
    assert.match(f?.fixes[0]?.title ?? '', /Delete/);
    assert.equal(fixed('BT105', text), ['FROM alpine:3.20', 'RUN apk update && apk add curl'].join('\n'));
  });

  it('knows the other package managers and reports an update nothing uses', () => {
    assert.equal(findings('BT105', ['FROM fedora:40', 'RUN dnf makecache', 'RUN dnf install -y git && dnf clean all']).length, 1);
    assert.equal(findings('BT105', ['FROM opensuse/leap:15.6', 'RUN zypper --non-interactive refresh']).length, 1);
    const [f] = findings('BT105', ['FROM debian:bookworm-slim', 'RUN set -eux; apt-get update', 'CMD ["bash"]']);
    assert.match(f?.message ?? '', /Nothing in this stage installs/);
    assert.equal(f?.fixes.length, 0);
  });

  it('does not report an update that installs too, one on a cache mount, or ONBUILD', () => {
    assert.deepEqual(findings('BT105', ['FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y curl']), []);
    assert.deepEqual(findings('BT105', ['FROM debian:bookworm-slim', 'RUN --mount=type=cache,target=/var/lib/apt apt-get update', 'RUN --mount=type=cache,target=/var/lib/apt apt-get install -y curl']), []);
    assert.deepEqual(findings('BT105', ['FROM debian:bookworm-slim', 'ONBUILD RUN apt-get update']), []);
  });

  it('applies to every stage (a stale index breaks build stages too)', () => {
    assert.equal(findings('BT105', ['FROM debian:bookworm AS build', 'RUN apt-get update', 'RUN apt-get install -y gcc', 'FROM scratch', 'COPY --from=build /etc/hostname /x']).length, 1);
  });
});
