/**
 * hadolint's instruction-level rules in this range: ONBUILD misuse (DL3043), ENV
 * self-references (DL3044), relative COPY without WORKDIR (DL3045), useradd (DL3046),
 * wget (DL3047), HEALTHCHECK (DL3057), consecutive RUNs (DL3059), instruction order
 * (DL3061), reserved stage names (DL3063), secrets in ARG/ENV (DL3064), redundant
 * platform (DL3065), non-numeric USER (DL3066) and copying a whole stage (DL3067).
 */
import type { Fix, Rule, RuleContext } from '../../types';
import type { Instruction } from '../../../model';
import { parseFrom, stageChain } from '../../../stages';
import { hasOption } from '../../../shell';
import { argRange } from '../../../positions';
import { unquote } from '../../../variables';
import { argsRange, firstLineRange, flagValue, instructionsOf, stageOf, usesProgram, withOnbuild } from '../../util';
import { argsStart, isLeafStage, referencedVariables } from './common';
import { namesDefinedBefore } from './definitions';
import { copyPathsOf, keyValuesOf } from '../../../args';

export const DL3043: Rule = {
  code: 'DL3043',
  family: 'hadolint',
  severity: 'error',
  title: '`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction.',
  doc: {
    why: 'Docker refuses ONBUILD ONBUILD, ONBUILD FROM and ONBUILD MAINTAINER: the image builds, but every image built FROM it fails at its first line.',
    bad: 'FROM node:22-slim\nONBUILD FROM alpine:3.20\n',
    good: 'FROM node:22-slim\nONBUILD COPY . /app\n',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      const inner = inst.onbuild?.keyword;
      if (inner === 'ONBUILD' || inner === 'FROM' || inner === 'MAINTAINER') {
        ctx.report(firstLineRange(inst), '`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction.');
      }
    }
  },
};

/** True when `value` uses `$name` or `${name...}` (`${name}`, `${name:-x}`), not `$name_longer`. */
export function refersTo(value: string, name: string): boolean {
  for (let i = value.indexOf('$'); i >= 0; i = value.indexOf('$', i + 1)) {
    if (value.charCodeAt(i + 1) === 123 && value.startsWith(name, i + 2)) {
      const after = value.charAt(i + 2 + name.length);
      if (after === '' || '}:#%/+?-'.includes(after)) return true;
    }
    if (value.startsWith(name, i + 1) && !/[A-Za-z0-9_]/.test(value.charAt(i + 1 + name.length))) return true;
  }
  return false;
}

export const DL3044: Rule = {
  code: 'DL3044',
  family: 'hadolint',
  severity: 'error',
  title: 'Do not refer to an environment variable within the same `ENV` statement where it is defined.',
  doc: {
    why: 'Variables in an ENV line are substituted with the values from before that line: `ENV A=1 B=$A` sets B to the old A (usually empty), which is rarely what was meant.',
    bad: 'FROM alpine:3.20\nENV APP_HOME=/opt/app APP_BIN=$APP_HOME/bin\n',
    good: 'FROM alpine:3.20\nENV APP_HOME=/opt/app\nENV APP_BIN=$APP_HOME/bin\n',
    deviation: 'References with a modifier (`${APP_HOME:-/opt}`) count too; hadolint only sees `$NAME` and `${NAME}`.',
  },
  check(ctx) {
    const known = new Set<string>();
    for (const inst of ctx.df.instructions) {
      if (inst.keyword === 'ENV') {
        const pairs = keyValuesOf(inst);
        // One pair cannot refer to another of the same ENV.
        const selfReferencing = pairs.length > 1 && pairs.some((pair, k) =>
          !known.has(pair.key) && pairs.some((other, j) => j !== k && other.value !== undefined && refersTo(other.value, pair.key)));
        if (selfReferencing) {
          ctx.report(firstLineRange(inst), 'Do not refer to an environment variable within the same `ENV` statement where it is defined.');
        }
      }
      if (inst.keyword === 'ARG' || inst.keyword === 'ENV') for (const kv of keyValuesOf(inst)) known.add(kv.key);
    }
  },
};

/** `/abs`, `C:\` and `C:/` (Windows), or a variable: not relative to the working directory. */
function isAbsoluteDestination(dest: string): boolean {
  return dest.startsWith('/') || /^[A-Za-z]:[\\/]/.test(dest) || dest.startsWith('$');
}

export const DL3045: Rule = {
  code: 'DL3045',
  family: 'hadolint',
  severity: 'warning',
  title: '`COPY` to a relative destination without `WORKDIR` set.',
  doc: {
    why: 'A relative COPY destination resolves against the working directory of the base image, which the Dockerfile does not show and which changes when the base image does. Set WORKDIR or use an absolute path.',
    bad: 'FROM node:22-slim\nCOPY package.json app/\n',
    good: 'FROM node:22-slim\nWORKDIR /usr/src\nCOPY package.json app/\n',
  },
  check(ctx) {
    for (const inst of instructionsOf(ctx.df, 'COPY')) {
      const stage = stageOf(ctx.df.stages, inst);
      if (stage) {
        const chain = stageChain(ctx.df.stages, stage);
        const hasWorkdir = chain.some((s) => s.instructions.some((other) => other.keyword === 'WORKDIR' && (s !== stage || other.index < inst.index)));
        if (hasWorkdir) continue;
      }
      const dest = copyPathsOf(inst).dest;
      if (dest === undefined || isAbsoluteDestination(unquote(dest))) continue;
      ctx.report(firstLineRange(inst), '`COPY` to a relative destination without `WORKDIR` set.');
    }
  },
};

/** The value of `-u`/`--uid` in any of its spellings: `-u 1000`, `-u1000`, `--uid 1000`, `--uid=1000`. */
function useraddUid(args: readonly { value: string }[]): string | undefined {
  for (let k = 0; k < args.length; k++) {
    const v = (args[k] as { value: string }).value;
    if (v === '-u' || v === '--uid') return args[k + 1]?.value;
    if (v.startsWith('--uid=')) return v.slice(6);
    if (/^-u\d/.test(v)) return v.slice(2);
  }
  return undefined;
}

export const DL3046: Rule = {
  code: 'DL3046',
  family: 'hadolint',
  severity: 'warning',
  title: '`useradd` without flag `-l` and high UID will result in excessively large Image.',
  doc: {
    why: 'useradd records every user in /var/log/lastlog and /var/log/faillog, sparse files indexed by UID. A high UID makes them gigabytes long; Docker layers do not keep files sparse, so the image grows by that much. `-l` (`--no-log-init`) skips them.',
    bad: 'FROM debian:12-slim\nRUN useradd -u 123456 app\n',
    good: 'FROM debian:12-slim\nRUN useradd -l -u 123456 app\n',
    deviation: 'Only a numeric UID of six digits or more counts: a UID given by a variable (`-u "$APP_UID"`) is not known to be high.',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'useradd')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      for (const cmd of ctx.commands(inst)) {
        if (cmd.program !== 'useradd' || hasOption(cmd, '-l', '--no-log-init')) continue;
        const uid = useraddUid(cmd.args);
        if (uid !== undefined && /^\d{6,}$/.test(uid)) {
          ctx.report(ctx.commandRange(inst, cmd), '`useradd` without flag `-l` and high UID will result in excessively large Image.');
        }
      }
    }
  },
};

export const DL3047: Rule = {
  code: 'DL3047',
  family: 'hadolint',
  severity: 'info',
  title: 'Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).',
  doc: {
    why: 'Without a terminal, wget falls back to a dot progress display that prints a line every few kilobytes: a large download floods the build log with thousands of lines and buries the output that matters.',
    bad: 'FROM debian:12-slim\nRUN wget https://example.com/tool.tar.gz\n',
    good: 'FROM debian:12-slim\nRUN wget --progress=dot:giga https://example.com/tool.tar.gz\n',
  },
  check(ctx) {
    if (!usesProgram(ctx, 'wget')) return;
    for (const inst of withOnbuild(ctx.df, 'RUN')) {
      for (const cmd of ctx.commands(inst)) {
        if (cmd.program !== 'wget') continue;
        const quiet = hasOption(cmd, '--progress', '-q', '--quiet', '-o', '--output-file', '-a', '--append-output', '--no-verbose')
          || cmd.args.some((a) => a.value === '-nv');
        if (!quiet) {
          ctx.report(ctx.commandRange(inst, cmd),
            'Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).');
        }
      }
    }
  },
};

export const DL3057: Rule = {
  code: 'DL3057',
  family: 'hadolint',
  severity: 'info',
  defaultOff: true,
  title: '`HEALTHCHECK` instruction missing.',
  doc: {
    why: 'Without a HEALTHCHECK, Docker and Compose only know whether the process runs, not whether it serves: a hung server stays "healthy" and is never restarted. (Kubernetes ignores HEALTHCHECK and uses probes instead.)',
    bad: 'FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n',
    good: 'FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\nHEALTHCHECK CMD curl -fs http://localhost/ || exit 1\n',
    deviation: 'hadolint turns this rule off by default (severity "ignore"); Berth ships it off too: it reports only when `override` in `.hadolint.yaml` (or `berth.lint.severity`) gives it a level. Only stages that are built as images are reported (the final stage and stages nothing else uses), and a HEALTHCHECK inherited from an earlier stage counts; hadolint also reports build stages.',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      if (!isLeafStage(stage)) continue;
      const has = stageChain(ctx.df.stages, stage).some((s) => s.instructions.some((i) => i.keyword === 'HEALTHCHECK'));
      if (!has) ctx.report(firstLineRange(stage.from), '`HEALTHCHECK` instruction missing.');
    }
  },
};

/** The flags of a RUN as one comparable key: hadolint compares them as a set. */
function flagsKey(inst: Instruction): string {
  return inst.flags.map((f) => `${f.name}=${f.value ?? ''}`).sort().join('\u0000');
}

/** The "merge with the previous RUN" fix, when it is mechanical. */
function mergeRunsFix(ctx: RuleContext, previous: Instruction, current: Instruction): Fix[] {
  const plain = (i: Instruction): boolean => !i.json && i.heredocs.length === 0 && i.flags.length === 0;
  if (!plain(previous) || !plain(current)) return [];
  const prevScript = previous.args.trimEnd();
  // A comment would swallow the `&&`; a trailing operator would make `; &&`.
  if (prevScript === '' || previous.args.includes('#') || /[;&|\\]$/.test(prevScript)) return [];
  // `a && b || c` would change what the second RUN does when the first fails.
  if (ctx.commands(current).some((c) => c.before !== undefined && c.before !== '&&' && c.before !== '|')) return [];
  const escape = ctx.df.directives.escape;
  let between = '';
  for (let line = previous.range.end.line + 1; line < current.range.start.line; line++) {
    const text = ctx.df.lines[line] ?? '';
    if (text.trimStart().startsWith('#')) between += `${text}\n`;
  }
  return [{
    title: 'Merge with the previous RUN',
    edits: [{ range: { start: previous.range.end, end: argsStart(current) }, newText: ` && ${escape}\n${between}    ` }],
  }];
}

export const DL3059: Rule = {
  code: 'DL3059',
  family: 'hadolint',
  severity: 'info',
  title: 'Multiple consecutive `RUN` instructions. Consider consolidation.',
  doc: {
    why: 'Each RUN adds a layer and a cache step. Consecutive short RUNs are usually one step split for no reason; merged, files removed later in the step never reach a layer and the image pulls faster.',
    bad: 'FROM debian:12-slim\nRUN mkdir -p /opt/app\nRUN chown nobody /opt/app\n',
    good: 'FROM debian:12-slim\nRUN mkdir -p /opt/app && chown nobody /opt/app\n',
  },
  check(ctx) {
    let previous: { inst: Instruction; count: number; flags: string } | undefined;
    for (const inst of ctx.df.instructions) {
      if (inst.keyword !== 'RUN') { previous = undefined; continue; }
      const count = ctx.commands(inst).length;
      const flags = flagsKey(inst);
      // More than two chained commands on either side is taken as a deliberate split (hadolint #715).
      if (previous && previous.flags === flags && count <= 2 && previous.count <= 2) {
        ctx.report(firstLineRange(inst), 'Multiple consecutive `RUN` instructions. Consider consolidation.', mergeRunsFix(ctx, previous.inst, inst));
      }
      previous = { inst, count, flags };
    }
  },
};

export const DL3061: Rule = {
  code: 'DL3061',
  family: 'hadolint',
  severity: 'error',
  title: 'Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.',
  doc: {
    why: 'Only ARG (and parser directives and comments) may come before the first FROM; Docker rejects anything else there.',
    bad: 'LABEL maintainer="team@example.com"\nFROM alpine:3.20\n',
    good: 'ARG ALPINE_VERSION=3.20\nFROM alpine:${ALPINE_VERSION}\nLABEL maintainer="team@example.com"\n',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      if (inst.keyword === 'FROM') break;
      if (inst.keyword !== 'ARG') ctx.report(inst.keywordRange, 'Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.');
    }
  },
};

const RESERVED_STAGE_NAMES = new Set(['scratch', 'context']);

export const DL3063: Rule = {
  code: 'DL3063',
  family: 'hadolint',
  severity: 'warning',
  title: 'stage name should not be a reserved word',
  doc: {
    why: '`scratch` and `context` already mean something in FROM and COPY --from: a stage with that name is shadowed or shadows the built-in meaning, and the build silently uses the wrong thing.',
    bad: 'FROM golang:1.23 AS scratch\nRUN go version\n',
    good: 'FROM golang:1.23 AS build\nRUN go version\n',
    deviation: 'Stage names are compared case-insensitively, as Docker does (`AS Scratch` is the same name).',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      if (inst.keyword !== 'FROM') continue;
      const { name, nameOffset } = parseFrom(inst);
      if (name !== undefined && RESERVED_STAGE_NAMES.has(name.toLowerCase())) {
        ctx.report(argRange(inst, nameOffset, name.length), 'stage name should not be a reserved word');
      }
    }
  },
};

/** Variable names known to hold credentials (hadolint's list, from public CI secret naming). */
const KNOWN_SECRET_NAMES = new Set([
  'ACCESS_TOKEN', 'APPLICATION_KEY', 'APP_SECRET', 'AUTH_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'BITTREX_API_KEY',
  'BITTREX_API_SECRET', 'CF_PASSWORD', 'CF_USERNAME', 'CIRCLE_TOKEN', 'CI_DEPLOY_PASSWORD', 'CI_DEPLOY_USER', 'DOCKERHUB_PASSWORD',
  'DOCKER_EMAIL', 'DOCKER_PASSWORD', 'DOCKER_USERNAME', 'FACEBOOK_ACCESS_TOKEN', 'FACEBOOK_APP_ID', 'FACEBOOK_APP_SECRET',
  'FIREBASE_API_TOKEN', 'FIREBASE_TOKEN', 'FOSSA_API_KEY', 'GH_ENTERPRISE_TOKEN', 'GH_TOKEN', 'GITHUB_ENTERPRISE_TOKEN',
  'GITHUB_TOKEN', 'HEROKU_API_KEY', 'HEROKU_API_USER', 'NPM_AUTH_TOKEN', 'NPM_TOKEN', 'OKTA_AUTHN_GROUPID', 'OKTA_CLIENT_ORGURL',
  'OKTA_CLIENT_TOKEN', 'OKTA_OAUTH2_CLIENTID', 'OKTA_OAUTH2_CLIENTSECRET', 'OPENAI_API_KEY', 'OS_PASSWORD', 'OS_USERNAME',
  'POSTGRES_PASSWORD', 'SLACK_TOKEN', 'STRIPE_API_KEY', 'STRIPE_DEVICE_NAME', 'TRAVIS_OS_NAME', 'TRAVIS_SECURE_ENV_VARS',
  'TRAVIS_SUDO', 'VAULT_CLIENT_KEY', 'VAULT_TOKEN',
]);
const SECRET_FRAGMENTS = ['api_key', 'client_key', 'password', 'private', 'secret', 'token', 'username'];
/** Names that point at a secret rather than hold one, and Go's module-privacy setting. */
const NOT_A_SECRET = /(_FILE|_PATH|_DIR)$|^GOPRIVATE$/i;

export function looksSensitive(name: string): boolean {
  if (NOT_A_SECRET.test(name)) return false;
  if (KNOWN_SECRET_NAMES.has(name.toUpperCase())) return true;
  const lower = name.toLowerCase();
  return SECRET_FRAGMENTS.some((f) => lower.includes(f));
}

export const DL3064: Rule = {
  code: 'DL3064',
  family: 'hadolint',
  severity: 'warning',
  title: 'Potentially sensitive data should not be used in the `ARG` or `ENV` commands',
  doc: {
    why: 'ARG and ENV values are stored in the image: `docker history` and `docker inspect` show them to anyone who can pull it. Pass secrets with `RUN --mount=type=secret` (build time) or at run time instead.',
    bad: 'FROM node:22-slim\nARG NPM_TOKEN\nRUN npm ci\n',
    good: 'FROM node:22-slim\nRUN --mount=type=secret,id=npm_token NPM_TOKEN="$(cat /run/secrets/npm_token)" npm ci\n',
    deviation: 'Names that point at a secret instead of holding one (`*_FILE`, `*_PATH`, `*_DIR`) and `GOPRIVATE` are not reported (hadolint issue #1245).',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      const target = inst.onbuild ?? inst;
      if (target.keyword !== 'ARG' && target.keyword !== 'ENV') continue;
      const hit = keyValuesOf(target).find((kv) => looksSensitive(kv.key));
      if (hit) ctx.report(argRange(target, hit.offset, hit.key.length), 'Potentially sensitive data should not be used in the `ARG` or `ENV` commands');
    }
  },
};

export const DL3065: Rule = {
  code: 'DL3065',
  family: 'hadolint',
  severity: 'warning',
  title: 'Setting `FROM --platform` to predefined `$TARGETPLATFORM` in is redundant as this is the default behavior',
  doc: {
    why: 'A stage is built for $TARGETPLATFORM unless told otherwise, so `--platform=$TARGETPLATFORM` adds nothing; it also hides the one case where --platform matters, `$BUILDPLATFORM` for cross-compiling stages.',
    bad: 'FROM --platform=$TARGETPLATFORM alpine:3.20\n',
    good: 'FROM alpine:3.20\n',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      if (inst.keyword !== 'FROM') continue;
      const platform = flagValue(inst, 'platform');
      if (platform === '$TARGETPLATFORM' || platform === '${TARGETPLATFORM}') {
        const flag = inst.flags.find((f) => f.name === 'platform');
        ctx.report(flag ? flag.range : firstLineRange(inst),
          'Setting `FROM --platform` to predefined `$TARGETPLATFORM` in is redundant as this is the default behavior');
      }
    }
  },
};

export const DL3066: Rule = {
  code: 'DL3066',
  family: 'hadolint',
  severity: 'info',
  title: 'Non-numeric user-id may not be resolvable by host system',
  doc: {
    why: 'A user name is resolved through the image\'s /etc/passwd; the host and Kubernetes see only numbers. `runAsNonRoot` cannot verify a named user, and volume permissions depend on the UID, so a numeric USER is the portable choice.',
    bad: 'FROM node:22-slim\nUSER node\n',
    good: 'FROM node:22-slim\nUSER 1000:1000\n',
    deviation: 'As in hadolint\'s current source, only the USER in effect at the end of each stage is checked and a user given by an ARG (`USER ${APP_UID}`, accepted since 2.15.1) passes; Berth also accepts a variable set by ENV.',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      const users = stage.instructions.filter((i) => i.keyword === 'USER');
      const last = users[users.length - 1];
      if (!last) continue;
      const user = unquote(last.args.trim());
      const uid = user.split(':')[0] ?? '';
      if (/^\d+$/.test(uid)) continue;
      if (user.includes('$')) {
        const defined = namesDefinedBefore(ctx.df, last);
        if (referencedVariables(user).some((n) => defined.has(n))) continue;
      }
      ctx.report(argsRange(last), 'Non-numeric user-id may not be resolvable by host system');
    }
  },
};

export const DL3067: Rule = {
  code: 'DL3067',
  family: 'hadolint',
  severity: 'warning',
  title: 'Do not copy an entire filesystem from another stage',
  doc: {
    why: '`COPY --from=build / /` brings the whole build stage along: compilers, package caches, source and any secret that touched it. The point of a multi-stage build is to copy only the artifacts.',
    bad: 'FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build / /\n',
    good: 'FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/app /app\n',
  },
  check(ctx) {
    for (const inst of ctx.df.instructions) {
      const target = inst.onbuild ?? inst;
      if (target.keyword !== 'COPY' || flagValue(target, 'from') === undefined) continue;
      const { sources, dest } = copyPathsOf(target);
      if (dest !== undefined && unquote(dest) === '/' && sources.some((s) => unquote(s) === '/')) {
        ctx.report(firstLineRange(inst), 'Do not copy an entire filesystem from another stage');
      }
    }
  },
};

export const generalRules: readonly Rule[] = [DL3043, DL3044, DL3045, DL3046, DL3047, DL3057, DL3059, DL3061, DL3063, DL3064, DL3065, DL3066, DL3067];
