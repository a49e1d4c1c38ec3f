/**
 * BuildKit checks about build arguments and environment variables: undefined
 * variables, ARGs in FROM, and secrets passed through ARG or ENV.
 */
import type { Dockerfile, Instruction, Range, Stage } from '../../model';
import { argRange } from '../../positions';
import { expandVariables } from '../../variables';
import type { Rule, RuleContext } from '../types';
import { referenceProblem } from './reference';
import type { VarScope } from './scope';
import { globalScope, isDefined, walkStages } from './scope';
import { closestName, PLATFORM_ARG_SAMPLES, PLATFORM_ARGS, PROXY_ARGS, unquoteWord } from './support';
import { keyValuesOf, wordRange, wordsOf } from '../../args';

/** A piece of an instruction that BuildKit expands, and where it is. */
interface Expandable {
  readonly text: string;
  /** Offset of `text` in the instruction's args, or undefined for a flag value. */
  readonly offset: number | undefined;
  /** Range to report when the text is a flag value. */
  readonly flagRange: Range | undefined;
  /** ARG names declared earlier in the same instruction (visible to this piece). */
  readonly declaredBefore: readonly string[];
}

// Instructions whose arguments BuildKit runs through variable expansion.
const EXPANDED_ARGS = new Set(['ADD', 'COPY', 'ENV', 'EXPOSE', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** True when some text `expandables` would return holds a `$`: only those can name a variable. */
function mayExpand(inst: Instruction): boolean {
  if (inst.onbuild) return false;
  if ((EXPANDED_ARGS.has(inst.keyword) || inst.keyword === 'ARG') && inst.args.includes('$')) return true;
  if (inst.keyword !== 'ADD' && inst.keyword !== 'COPY' && inst.keyword !== 'RUN') return false;
  for (const flag of inst.flags) if (flag.value?.includes('$')) return true;
  return false;
}

function expandables(inst: Instruction): Expandable[] {
  const out: Expandable[] = [];
  if (EXPANDED_ARGS.has(inst.keyword)) out.push({ text: inst.args, offset: 0, flagRange: undefined, declaredBefore: [] });
  if (inst.keyword === 'ADD' || inst.keyword === 'COPY' || inst.keyword === 'RUN') {
    const names = inst.keyword === 'RUN' ? ['mount'] : ['chown', 'chmod'];
    for (const flag of inst.flags) {
      if (names.includes(flag.name) && flag.value !== undefined) out.push({ text: flag.value, offset: undefined, flagRange: flag.range, declaredBefore: [] });
    }
  }
  if (inst.keyword === 'ARG') {
    // Only default values are expanded; each sees the names declared before it.
    const declared: string[] = [];
    for (const word of wordsOf(inst)) {
      const eq = word.text.indexOf('=');
      if (eq > 0) out.push({ text: word.text.slice(eq + 1), offset: word.offset + eq + 1, flagRange: undefined, declaredBefore: [...declared] });
      declared.push(eq < 0 ? word.text : word.text.slice(0, eq));
    }
  }
  return out;
}

export const undefinedVar: Rule = {
  code: 'UndefinedVar',
  family: 'buildkit',
  severity: 'warning',
  title: 'Variables should be defined before they are used',
  doc: {
    why: 'A variable that is not declared with ARG or ENV in the stage expands to an empty string, so `COPY $SRC .` silently copies the whole context. Global ARGs (before FROM) are only visible inside a stage after `ARG NAME` is repeated there.',
    bad: 'ARG APP_DIR=/srv/app\nFROM alpine:3.20\nWORKDIR $APP_DIR\nENV PATH=$PAHT:/srv/app/bin\n',
    good: 'ARG APP_DIR=/srv/app\nFROM alpine:3.20\nARG APP_DIR\nWORKDIR $APP_DIR\nENV PATH=$PATH:/srv/app/bin\n',
    deviation: 'BuildKit reads the base image and knows its variables; Berth cannot, so in stages built on an external image it accepts the variables that popular official images set (JAVA_HOME, GOPATH, NODE_VERSION, ...). References with a default or an alternative (`${X:-default}`, `${X:+alt}`) are not reported, because they handle the unset case on purpose. RUN commands are not checked (the shell expands them), as in BuildKit.',
  },
  check(ctx) {
    if (!ctx.df.instructions.some(mayExpand)) return;
    const escape = ctx.df.directives.escape;
    const globals = fromScope(ctx);
    walkStages(ctx.df, (inst, scope) => {
      if (!mayExpand(inst)) return;
      const reported = new Set<string>();
      for (const piece of expandables(inst)) {
        const { undefinedNames } = expandVariables(piece.text, scope.values, escape);
        for (const u of undefinedNames) {
          if (isDefined(scope, u.name) || piece.declaredBefore.includes(u.name) || reported.has(u.name)) continue;
          reported.add(u.name);
          const range = piece.offset === undefined ? (piece.flagRange as Range) : argRange(inst, piece.offset + u.offset, u.length);
          // A global ARG (or platform argument) only needs to be declared again in the stage.
          const hint = globals.has(u.name)
            ? ` (add 'ARG ${u.name}' in this stage to use the global value)`
            : suggestionText(closestName(u.name, suggestionsFor(scope, piece.declaredBefore)));
          ctx.report(range, `Variable '$${u.name}' is not defined at this point and expands to an empty string${hint}`);
        }
      }
    });
  },
};

function suggestionText(name: string | undefined): string {
  return name === undefined ? '' : ` (did you mean $${name}?)`;
}

function suggestionsFor(scope: VarScope, extra: readonly string[]): string[] {
  return [...scope.values.keys(), ...extra];
}

/** Names usable in FROM: global ARGs and Docker's predefined platform and proxy arguments. */
const fromScopeCache = new WeakMap<Dockerfile, ReadonlyMap<string, string | undefined>>();

function fromScope(ctx: RuleContext): ReadonlyMap<string, string | undefined> {
  let scope = fromScopeCache.get(ctx.df);
  if (!scope) {
    const names = new Map(globalScope(ctx.df));
    for (const name of [...PLATFORM_ARGS, ...PROXY_ARGS]) if (!names.has(name)) names.set(name, undefined);
    scope = names;
    fromScopeCache.set(ctx.df, scope);
  }
  return scope;
}

export const undefinedArgInFrom: Rule = {
  code: 'UndefinedArgInFrom',
  family: 'buildkit',
  severity: 'warning',
  title: 'FROM should only use ARGs declared before the first FROM',
  doc: {
    why: 'FROM lines can only see the ARGs declared before the first FROM (and the predefined platform arguments). Anything else expands to an empty string and produces a broken image name.',
    bad: 'ARG NODE_VERSION=22\nFROM node:${NODE_VERSON}-slim\n',
    good: 'ARG NODE_VERSION=22\nFROM node:${NODE_VERSION}-slim\n',
    deviation: 'References with a default (`${X:-22}`) are not reported.',
  },
  check(ctx) {
    // Only a `$` in the image or the platform can name an undefined ARG.
    const usesVariables = (stage: Stage): boolean => stage.baseImageRaw.includes('$') || stage.from.flags.some((f) => f.name === 'platform' && f.value?.includes('$') === true);
    if (!ctx.df.stages.some(usesVariables)) return;
    const scope = fromScope(ctx);
    let options: string[] | undefined;
    const escape = ctx.df.directives.escape;
    for (const stage of ctx.df.stages) {
      if (!usesVariables(stage)) continue;
      const from = stage.from;
      const reported = new Set<string>();
      const report = (name: string, range: Range): void => {
        if (reported.has(name)) return;
        reported.add(name);
        options ??= [...scope.keys()].filter((n) => !PROXY_ARGS.includes(n));
        const suggestion = closestName(name, options);
        ctx.report(range, `FROM uses '$${name}', which no ARG before the first FROM declares${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`);
      };
      const image = wordRange(from, 0);
      if (image) {
        const offset = wordsOf(from)[0]?.offset ?? 0;
        for (const u of expandVariables(image.text, scope, escape).undefinedNames) report(u.name, argRange(from, offset + u.offset, u.length));
      }
      const platform = from.flags.find((f) => f.name === 'platform');
      if (platform?.value !== undefined) {
        for (const u of expandVariables(platform.value, scope, escape).undefinedNames) report(u.name, platform.range);
      }
    }
  },
};

export const invalidDefaultArgInFrom: Rule = {
  code: 'InvalidDefaultArgInFrom',
  family: 'buildkit',
  severity: 'warning',
  title: 'Default values of global ARGs should give a valid base image',
  doc: {
    why: 'When the build runs without `--build-arg`, the ARG defaults must still form a valid image name; `FROM node:${VERSION}` with `ARG VERSION` and no default becomes `node:`, which fails.',
    bad: 'ARG VERSION\nFROM node:${VERSION}-alpine\n',
    good: 'ARG VERSION=22\nFROM node:${VERSION}-alpine\n',
    deviation: 'Only FROM lines that use a variable are checked: an invalid literal image name is a build error, not a question of defaults.',
  },
  check(ctx) {
    if (!ctx.df.stages.some((stage) => stage.baseImageRaw.includes('$'))) return;
    const values = new Map<string, string>(PLATFORM_ARG_SAMPLES);
    for (const [name, value] of globalScope(ctx.df)) {
      if (value === undefined) values.delete(name);
      else values.set(name, value);
    }
    for (const stage of ctx.df.stages) {
      const image = wordRange(stage.from, 0);
      if (!image?.text.includes('$')) continue;
      const result = unquoteWord(expandVariables(image.text, values, ctx.df.directives.escape).value, ctx.df.directives.escape);
      const problem = referenceProblem(result);
      if (problem === undefined) continue;
      const shown = result === '' ? '' : ` '${result}'`;
      ctx.report(image.range, `With the default values of its ARGs, '${image.text}' becomes${shown}: ${problem}; give the ARG a default that makes a valid image name`);
    }
  },
};

// BuildKit's tokens: a key is suspicious when one of its `_`-separated words is one of these...
const SECRET_WORD = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
// ...unless one of its words says it is not the secret itself.
const NOT_SECRET_WORD = /(?:_|^)(?:public|file|version)(?:_|$)/i;

/** True when a variable name looks like it holds a secret, by BuildKit's rule. */
export function looksLikeSecret(name: string): boolean {
  return SECRET_WORD.test(name) && !NOT_SECRET_WORD.test(name);
}

export const secretsUsedInArgOrEnv: Rule = {
  code: 'SecretsUsedInArgOrEnv',
  family: 'buildkit',
  severity: 'warning',
  title: 'Secrets should not be passed with ARG or ENV',
  doc: {
    why: 'ENV values are stored in the image configuration and build arguments in its history, where anyone who pulls the image can read them. Use `RUN --mount=type=secret` so the secret never lands in a layer or in metadata. Global ARGs (before the first FROM) are not checked: they only reach FROM lines, not the image.',
    bad: 'FROM node:22-slim\nARG NPM_TOKEN\nRUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc && npm ci\n',
    good: 'FROM node:22-slim\nRUN --mount=type=secret,id=npm_token \\\n    NPM_TOKEN="$(cat /run/secrets/npm_token)" npm ci\n',
  },
  check(ctx) {
    for (const stage of ctx.df.stages) {
      for (const inst of stage.instructions) {
        if (inst.keyword !== 'ARG' && inst.keyword !== 'ENV') continue;
        for (const kv of keyValuesOf(inst)) {
          if (!looksLikeSecret(kv.key)) continue;
          ctx.report(argRange(inst, kv.offset, kv.key.length), `'${kv.key}' looks like a secret: ${inst.keyword === 'ENV' ? 'ENV values are stored in the image configuration' : 'build arguments are recorded in the image history'}, where anyone with the image can read them; use RUN --mount=type=secret instead`);
        }
      }
    }
  },
};
