import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { Finding, Rule } from '../../../src/core/dockerfile/rules/types';
import { DL3042, DL3060, DL3062, goPackagePinned } from '../../../src/core/dockerfile/rules/hadolint/part2/languages';

function run(rule: Rule, text: string): Finding[] {
  return lintDockerfile({ text, rules: [rule] }).findings.filter((f) => f.code === rule.code);
}
function fires(rule: Rule, text: string): boolean {
  return run(rule, text).length > 0;
}
const py = 'FROM python:3.12-slim\n';
const node = 'FROM node:22-slim\n';
const go = 'FROM golang:1.23\n';

describe('DL3042 pip --no-cache-dir', () => {
  it('reports pip, pip3, versioned pips, python -m pip, sudo and ONBUILD', () => {
    for (const cmd of ['pip install flask', 'pip3 install flask', 'pip3.12 install flask', 'python3 -m pip install flask',
      '/usr/local/bin/pip install flask', 'sudo pip install flask']) {
      assert.ok(fires(DL3042, `${py}RUN ${cmd}`), cmd);
    }
    assert.ok(fires(DL3042, `${py}ONBUILD RUN pip install flask`));
    assert.ok(fires(DL3042, `${py}RUN ["pip", "install", "flask"]`));
    assert.ok(fires(DL3042, `${py}RUN <<EOF\npip install flask\nEOF\n`));
  });
  it('accepts --no-cache-dir anywhere on the command', () => {
    assert.ok(!fires(DL3042, `${py}RUN pip install --no-cache-dir flask`));
    assert.ok(!fires(DL3042, `${py}RUN pip install flask --no-cache-dir`));
    assert.ok(!fires(DL3042, `${py}RUN pip --no-cache-dir install flask`));
  });
  it('ignores the pipx and pipenv wrappers and other pip sub-commands', () => {
    assert.ok(!fires(DL3042, `${py}RUN pipx install black`));
    assert.ok(!fires(DL3042, `${py}RUN pipenv install`));
    assert.ok(!fires(DL3042, `${py}RUN python -m pipx install black`));
    assert.ok(!fires(DL3042, `${py}RUN pip download flask`));
  });
  it('respects PIP_NO_CACHE_DIR set truthy in the RUN or by ENV, inherited through FROM <stage>', () => {
    assert.ok(!fires(DL3042, `${py}RUN PIP_NO_CACHE_DIR=1 pip install flask`));
    assert.ok(!fires(DL3042, `${py}RUN export PIP_NO_CACHE_DIR=true && pip install flask`));
    assert.ok(!fires(DL3042, `${py}ENV PIP_NO_CACHE_DIR=on\nRUN pip install flask`));
    assert.ok(!fires(DL3042, 'FROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install flask'));
    assert.ok(fires(DL3042, 'FROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=1\nFROM python:3.12\nRUN pip install flask'));
    assert.ok(fires(DL3042, `${py}ENV PIP_NO_CACHE_DIR=0\nRUN pip install flask`));
    assert.ok(fires(DL3042, `${py}RUN PIP_NO_CACHE_DIR=off pip install flask`));
    assert.ok(fires(DL3042, `${py}RUN pip install flask\nENV PIP_NO_CACHE_DIR=1`));
  });
  it('accepts a cache mount on the pip cache (deviation), not on other directories', () => {
    assert.ok(!fires(DL3042, `${py}RUN --mount=type=cache,target=/root/.cache/pip pip install flask`));
    assert.ok(!fires(DL3042, `${py}RUN --mount=type=cache,target=/home/app/.cache/pip/ pip install flask`));
    assert.ok(!fires(DL3042, `${py}RUN --mount=type=cache,target=/root/.cache pip install flask`));
    assert.ok(fires(DL3042, `${py}RUN --mount=type=cache,target=/root/.npm pip install flask`));
    assert.ok(fires(DL3042, `${py}RUN --mount=type=bind,target=/root/.cache/pip pip install flask`));
  });
  it('reports each offending pip command of a RUN', () => {
    assert.equal(run(DL3042, `${py}RUN pip install a && pip install --no-cache-dir b && pip3 install c`).length, 2);
  });
});

describe('DL3060 yarn cache clean', () => {
  it('reports yarn install without a clean in the final stage', () => {
    const [f] = run(DL3060, `${node}RUN yarn install`);
    assert.equal(f?.message, '`yarn cache clean` missing after `yarn install` was run.');
    assert.equal(f?.severity, 'info');
    assert.ok(fires(DL3060, `${node}ONBUILD RUN yarn install`));
  });
  it('accepts yarn cache clean after the install (deviation: not before it)', () => {
    assert.ok(!fires(DL3060, `${node}RUN yarn install && yarn cache clean`));
    assert.ok(!fires(DL3060, `${node}RUN yarn install \\\n  && yarn cache clean --all`));
    assert.ok(fires(DL3060, `${node}RUN yarn cache clean && yarn install`));
  });
  it('accepts a cache mount on the yarn cache, not on unrelated directories (deviation)', () => {
    assert.ok(!fires(DL3060, `${node}RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install`));
    assert.ok(!fires(DL3060, `${node}RUN --mount=type=cache,target=/tmp/yc yarn install --cache-folder /tmp/yc`));
    assert.ok(!fires(DL3060, `${node}RUN --mount=type=cache,target=/tmp/yc YARN_CACHE_FOLDER=/tmp/yc yarn install`));
    assert.ok(fires(DL3060, `${node}RUN --mount=type=cache,target=/root/.npm yarn install`));
  });
  it('ignores stages only used by COPY --from, but not stages used as a base', () => {
    assert.ok(!fires(DL3060, `FROM node:22 AS deps\nRUN yarn install\nFROM node:22-slim\nCOPY --from=deps /app /app\n`));
    assert.ok(fires(DL3060, `FROM node:22 AS deps\nRUN yarn install\nFROM deps\nRUN node -v\n`));
  });
  it('does not mistake other yarn commands for an install', () => {
    assert.ok(!fires(DL3060, `${node}RUN yarn build && yarn add left-pad`));
  });
});

describe('DL3062 go install versions', () => {
  it('reports unpinned and @latest modules for install, get and run', () => {
    for (const cmd of ['go install example.com/pkg', 'go install example.com/pkg@latest', 'go get example.com/pkg', 'go get -u example.com/pkg@latest',
      'go run example.com/pkg', 'go install tool foobar', 'go get -tool foobar@latest']) {
      assert.ok(fires(DL3062, `${go}RUN ${cmd}`), cmd);
    }
    assert.ok(fires(DL3062, `${go}ONBUILD RUN go install example.com/pkg`));
  });
  it('accepts pinned versions and local paths', () => {
    for (const cmd of ['go install example.com/pkg@v1.2.3', 'go get -tool foobar@v1.2.3', 'go install .', 'go install ./cmd/...',
      'go install /go/src/app', 'go run example.com/pkg@v1.2.3 --foo bar', 'go run main.go', 'go build ./...', 'go install tool']) {
      assert.ok(!fires(DL3062, `${go}RUN ${cmd}`), cmd);
    }
  });
  it('does not take flag values for packages (deviation)', () => {
    assert.ok(!fires(DL3062, `${go}RUN go install -tags netgo -ldflags "-s -w" example.com/pkg@v1.2.3`));
  });
  it('checks go install even when the RUN also has a go run (deviation)', () => {
    assert.ok(fires(DL3062, `${go}RUN go run ./gen && go install example.com/pkg`));
  });
  it('treats floating queries like @latest (deviation)', () => {
    assert.equal(goPackagePinned('example.com/pkg@upgrade'), false);
    assert.equal(goPackagePinned('example.com/pkg@master'), false);
    assert.equal(goPackagePinned('example.com/pkg@none'), false);
    assert.equal(goPackagePinned('example.com/pkg@v0.0.0-20240101000000-abcdef123456'), true);
  });
});
