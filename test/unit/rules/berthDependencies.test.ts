import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintDockerfile } from '../../../src/core/dockerfile/lint';
import type { BuildContextInfo, Finding } from '../../../src/core/dockerfile/rules/types';
import { berthRules } from '../../../src/core/dockerfile/rules/berth/index';
import { applyEdits } from '../../../src/core/dockerfile/edits';

function findings(code: string, lines: readonly string[], buildContext?: BuildContextInfo): Finding[] {
  const rule = berthRules.find((r) => r.code === code);
  assert.ok(rule, code);
  return lintDockerfile({ text: lines.join('\n'), rules: [rule], options: { buildContext } }).findings.filter((f) => f.code === code);
}

function applyFix(lines: readonly string[], finding: Finding | undefined, title: RegExp): string {
  const fix = finding?.fixes.find((f) => title.test(f.title));
  assert.ok(fix, `no fix matching ${String(title)} in ${finding?.fixes.map((f) => f.title).join(', ') ?? 'no finding'}`);
  return applyEdits(lines.join('\n'), fix.edits);
}

describe('BT104 npm install in the final stage', () => {
  const base = ['FROM node:22-slim', 'WORKDIR /app', 'COPY package.json package-lock.json ./'];

  it('reports dev dependencies and cache, with one fix for each', () => {
    const text = [...base, 'RUN npm ci', 'COPY . .', 'CMD ["node", "server.js"]'];
    const [f] = findings('BT104', text);
    assert.ok(f);
    assert.match(f.message, /`npm ci` in the final stage keeps devDependencies and npm's download cache/);
    assert.equal(applyFix(text, f, /--omit=dev/).split('\n')[3], 'RUN npm ci --omit=dev');
    assert.equal(applyFix(text, f, /Clean the npm cache/).split('\n')[3], 'RUN npm ci && npm cache clean --force');
  });

  it('inserts the cache clean right after the install in a longer script', () => {
    const text = [...base, 'RUN npm ci --omit=dev && node scripts/postinstall.js'];
    const [f] = findings('BT104', text);
    assert.equal(applyFix(text, f, /Clean/).split('\n')[3], 'RUN npm ci --omit=dev && npm cache clean --force && node scripts/postinstall.js');
  });

  it('accepts every way of dropping dev dependencies and the cache', () => {
    const ok = [
      'RUN npm ci --omit=dev && npm cache clean --force',
      'RUN npm ci --only=production && npm cache clean --force',
      'RUN npm install --production && rm -rf /root/.npm',
      'RUN NODE_ENV=production npm ci && npm cache clean --force',
      'RUN export NODE_ENV=production && npm ci && npm cache clean --force',
      'RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev',
      'RUN npm ci && npm run build && npm prune --omit=dev && npm cache clean --force',
    ];
    for (const line of ok) assert.deepEqual(findings('BT104', [...base, line]), [], line);
    assert.deepEqual(findings('BT104', [...base, 'ENV NODE_ENV=production', 'RUN npm ci && npm cache clean --force']), []);
    assert.deepEqual(findings('BT104', [...base, 'ARG NODE_ENV', 'ENV NODE_ENV=$NODE_ENV', 'RUN npm ci && npm cache clean --force']), []);
  });

  it('counts a prune in a later RUN as too late', () => {
    const [f] = findings('BT104', [...base, 'RUN npm ci && npm cache clean --force', 'RUN npm prune --omit=dev']);
    assert.match(f?.message ?? '', /devDependencies/);
  });

  it('points at the build when the final stage builds, and then offers no --omit=dev', () => {
    const [f] = findings('BT104', [...base, 'RUN npm ci && npm cache clean --force', 'COPY . .', 'RUN npm run build']);
    assert.ok(f);
    assert.match(f.message, /the build on line 6 needs them, so build in an earlier stage/);
    assert.equal(f.fixes.length, 0);
  });

  it('reports only the cache for global installs, and handles yarn and pnpm', () => {
    const [g] = findings('BT104', ['FROM node:22-slim', 'RUN npm install -g pm2']);
    assert.match(g?.message ?? '', /keeps npm's download cache/);
    assert.doesNotMatch(g?.message ?? '', /devDependencies/);
    const [y] = findings('BT104', [...base, 'RUN yarn install --frozen-lockfile']);
    assert.match(y?.message ?? '', /devDependencies and yarn's download cache/);
    assert.deepEqual(findings('BT104', [...base, 'RUN yarn install --frozen-lockfile --production && yarn cache clean']), []);
    const [p] = findings('BT104', [...base, 'RUN pnpm install --frozen-lockfile']);
    assert.match(p?.message ?? '', /devDependencies/);
    assert.deepEqual(findings('BT104', [...base, 'RUN pnpm install --prod --frozen-lockfile']), []);
  });

  it('ignores build stages and development targets', () => {
    assert.deepEqual(findings('BT104', ['FROM node:22 AS build', 'RUN npm ci && npm run build', 'FROM nginx:1.27', 'COPY --from=build /dist /usr/share/nginx/html']), []);
    assert.deepEqual(findings('BT104', ['FROM node:22 AS dev', 'WORKDIR /app', 'RUN npm install', 'CMD ["npm", "run", "dev"]']), []);
  });
});

describe('BT106 COPY . without .dockerignore', () => {
  const text = ['FROM node:22-slim', 'WORKDIR /app', 'COPY . .', 'ADD ./ /srv/', 'COPY --from=build /out .', 'COPY src/ ./src/'];

  it('reports whole-context copies when the context is known and has no .dockerignore', () => {
    const found = findings('BT106', text, { dockerignore: undefined });
    assert.deepEqual(found.map((f) => f.range.start.line), [2, 3]);
    assert.match(found[0]?.message ?? '', /COPY \. copies the whole build context and there is no \.dockerignore/);
  });

  it('says nothing when a .dockerignore exists or the context is unknown', () => {
    assert.deepEqual(findings('BT106', text, { dockerignore: 'node_modules\n.git\n' }), []);
    assert.deepEqual(findings('BT106', text, { dockerignore: '' }), []);
    assert.deepEqual(findings('BT106', text, undefined), []);
  });
});

describe('BT203 whole context copied before dependency installation', () => {
  it('names the manifests to copy first for each ecosystem', () => {
    const cases: [string, RegExp][] = [
      ['RUN npm ci', /package\.json and package-lock\.json/],
      ['RUN yarn install --frozen-lockfile', /package\.json and yarn\.lock/],
      ['RUN pip install --no-cache-dir -r requirements/prod.txt', /requirements\/prod\.txt/],
      ['RUN python -m pip install -r requirements.txt', /requirements\.txt/],
      ['RUN go mod download', /go\.mod and go\.sum/],
      ['RUN bundle install', /Gemfile and Gemfile\.lock/],
      ['RUN mvn -B dependency:go-offline', /pom\.xml/],
      ['RUN poetry install --no-root', /pyproject\.toml and poetry\.lock/],
      ['RUN cargo fetch', /Cargo\.toml and Cargo\.lock/],
    ];
    for (const [run, manifests] of cases) {
      const [f] = findings('BT203', ['FROM debian:bookworm-slim', 'WORKDIR /app', 'COPY . .', run]);
      assert.ok(f, run);
      assert.match(f.message, manifests, run);
      assert.match(f.message, /after COPY on line 3/);
    }
  });

  it('does not report installs that come first, installs of named packages, or project installs that need the source', () => {
    assert.deepEqual(findings('BT203', ['FROM node:22-slim', 'WORKDIR /app', 'COPY package*.json ./', 'RUN npm ci', 'COPY . .', 'RUN npm run build']), []);
    assert.deepEqual(findings('BT203', ['FROM node:22-slim', 'COPY . /app', 'RUN npm install -g serve']), []);
    assert.deepEqual(findings('BT203', ['FROM python:3.12-slim', 'COPY . /app', 'RUN pip install /app']), []);
    assert.deepEqual(findings('BT203', ['FROM golang:1.22', 'COPY . .', 'RUN go build ./...']), []);
  });

  it('follows FROM <stage>: a copy in the base stage still precedes installs in the derived one', () => {
    const found = findings('BT203', ['FROM node:22 AS src', 'WORKDIR /app', 'COPY . .', 'FROM src', 'RUN npm ci']);
    assert.equal(found.length, 1);
    assert.equal(found[0]?.range.start.line, 4);
  });

  it('finds installs in heredoc and exec-form RUNs', () => {
    assert.equal(findings('BT203', ['FROM python:3.12-slim', 'COPY . .', 'RUN <<EOF', 'pip install -r requirements.txt', 'EOF']).length, 1);
    assert.equal(findings('BT203', ['FROM node:22-slim', 'COPY . .', 'RUN ["npm", "ci"]']).length, 1);
  });
});
