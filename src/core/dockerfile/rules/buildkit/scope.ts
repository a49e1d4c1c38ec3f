/**
 * What BuildKit knows at each instruction of a stage: the variables defined so far
 * (ENV, and ARG declared in the stage or inherited from the base stage), whether a
 * SHELL or an absolute WORKDIR was set. Walked stage by stage in file order; a stage
 * built `FROM` an earlier stage starts from that stage's final state, as BuildKit's
 * dispatch state does.
 */
import type { Dockerfile, Instruction, Stage } from '../../model';
import { keyValuesOf } from '../../args';
import { globalArgValues } from '../../stages';
import type { VariableLookup } from '../../variables';
import { expandVariables } from '../../variables';

/**
 * Environment variables that popular official base images set. BuildKit reads the
 * base image's configuration; a static linter cannot, so these names count as
 * defined in stages built on an external image (not `scratch`, not another stage).
 */
const COMMON_IMAGE_ENV: ReadonlySet<string> = new Set([
  'PATH', 'HOME', 'LANG', 'LANGUAGE', 'LC_ALL', 'TZ', 'container',
  // Go, Node, Python, Ruby, PHP
  'GOLANG_VERSION', 'GOPATH', 'GOTOOLCHAIN', 'GOROOT',
  'NODE_VERSION', 'YARN_VERSION', 'NODE_ENV', 'NPM_CONFIG_PREFIX',
  'PYTHON_VERSION', 'PYTHON_SHA256', 'PYTHON_PIP_VERSION', 'PYTHON_SETUPTOOLS_VERSION', 'PYTHON_GET_PIP_URL', 'PYTHON_GET_PIP_SHA256', 'GPG_KEY', 'PYTHONUNBUFFERED', 'PYTHONDONTWRITEBYTECODE', 'PIP_NO_CACHE_DIR', 'VIRTUAL_ENV',
  'RUBY_VERSION', 'RUBY_MAJOR', 'RUBY_DOWNLOAD_SHA256', 'GEM_HOME', 'BUNDLE_SILENCE_ROOT_WARNING', 'BUNDLE_APP_CONFIG', 'BUNDLE_PATH',
  'PHP_VERSION', 'PHP_INI_DIR', 'PHPIZE_DEPS', 'PHP_CFLAGS', 'PHP_CPPFLAGS', 'PHP_LDFLAGS', 'PHP_SHA256', 'PHP_URL', 'PHP_ASC_URL', 'COMPOSER_HOME', 'COMPOSER_ALLOW_SUPERUSER',
  // JVM
  'JAVA_HOME', 'JAVA_VERSION', 'JDK_VERSION', 'JRE_VERSION', 'MAVEN_HOME', 'MAVEN_CONFIG', 'MAVEN_VERSION', 'GRADLE_HOME', 'GRADLE_VERSION', 'GRADLE_USER_HOME',
  'CATALINA_HOME', 'TOMCAT_VERSION', 'TOMCAT_MAJOR', 'SCALA_VERSION', 'SBT_VERSION',
  // Rust, .NET, Erlang/Elixir, Haskell, Dart, Swift
  'RUSTUP_HOME', 'CARGO_HOME', 'RUST_VERSION', 'DOTNET_VERSION', 'ASPNET_VERSION', 'ASPNETCORE_VERSION', 'ASPNETCORE_HTTP_PORTS', 'DOTNET_RUNNING_IN_CONTAINER', 'DOTNET_SDK_VERSION', 'APP_UID', 'NUGET_XMLDOC_MODE',
  'OTP_VERSION', 'REBAR3_VERSION', 'ELIXIR_VERSION', 'GHC', 'STACK', 'CABAL_INSTALL', 'DART_SDK', 'SWIFT_VERSION',
  // Servers and databases
  'NGINX_VERSION', 'NJS_VERSION', 'NJS_RELEASE', 'PKG_RELEASE', 'DYNPKG_RELEASE', 'HTTPD_PREFIX', 'HTTPD_VERSION', 'HTTPD_SHA256',
  'PGDATA', 'PG_MAJOR', 'PG_VERSION', 'MYSQL_MAJOR', 'MYSQL_VERSION', 'MARIADB_VERSION', 'MONGO_VERSION', 'MONGO_MAJOR', 'REDIS_VERSION', 'REDIS_DOWNLOAD_URL', 'REDIS_DOWNLOAD_SHA',
  'GOSU_VERSION', 'TINI_VERSION', 'DEBIAN_FRONTEND', 'NVIDIA_VISIBLE_DEVICES', 'NVIDIA_DRIVER_CAPABILITIES', 'CUDA_VERSION', 'LD_LIBRARY_PATH',
]);

/** Variables in scope at one instruction. Scopes are shared between instructions and never change. */
export interface VarScope {
  /** Name to value; an undefined value means defined, but not known statically (e.g. `ARG X`). */
  readonly values: ReadonlyMap<string, string | undefined>;
  /** Names the base image probably defines (external images only). */
  readonly imageVars: ReadonlySet<string>;
  /** A SHELL instruction ran in this stage or its base stages. */
  readonly shellSet: boolean;
  /** A WORKDIR ran in this stage or its base stages. */
  readonly workdirSet: boolean;
}

const NO_NAMES: ReadonlySet<string> = new Set();

/** True when `name` is defined in the scope (including names the base image probably sets). */
export function isDefined(scope: VarScope, name: string): boolean {
  return scope.values.has(name) || scope.imageVars.has(name);
}

/** The variables of a scope whose values are known, as a lookup (no copy of the map). */
function knownValues(values: ReadonlyMap<string, string | undefined>): VariableLookup {
  return { has: (name) => values.get(name) !== undefined, get: (name) => values.get(name) };
}

/**
 * Expands `text` and tells whether the result is known: undefined when it depends on
 * a variable whose value cannot be known statically. Undefined variables expand to ''.
 */
export function expandKnown(text: string, scope: VarScope, escape: string): string | undefined {
  if (!text.includes('$')) return text;
  const result = expandVariables(text, knownValues(scope.values), escape);
  return result.undefinedNames.some((u) => isDefined(scope, u.name)) ? undefined : result.value;
}

/** Values of the global ARGs (before the first FROM); undefined for `ARG X` without a default. Shared: do not change it. */
export function globalScope(df: Dockerfile): ReadonlyMap<string, string | undefined> {
  return globalArgValues(df.globalArgs);
}

/** The scope after one instruction (the same object when the instruction changes nothing). */
function after(scope: VarScope, inst: Instruction, globals: ReadonlyMap<string, string | undefined>, escape: string): VarScope {
  switch (inst.keyword) {
    case 'ARG': {
      // Each default sees the names declared before it in the same ARG.
      const values = new Map(scope.values);
      const next: VarScope = { ...scope, values };
      for (const kv of keyValuesOf(inst)) {
        if (kv.value === undefined) {
          // `ARG NAME` without a value takes the global ARG's value, when there is one.
          values.set(kv.key, globals.get(kv.key));
          continue;
        }
        values.set(kv.key, expandKnown(kv.value, next, escape));
      }
      return next;
    }
    case 'ENV': {
      // All values of one ENV see the variables as they were before it.
      const values = new Map(scope.values);
      for (const kv of keyValuesOf(inst)) values.set(kv.key, kv.value === undefined ? undefined : expandKnown(kv.value, scope, escape));
      return { ...scope, values };
    }
    case 'SHELL':
      return scope.shellSet ? scope : { ...scope, shellSet: true };
    case 'WORKDIR':
      return scope.workdirSet ? scope : { ...scope, workdirSet: true };
    default:
      return scope;
  }
}

interface ScopeStep {
  readonly inst: Instruction;
  readonly scope: VarScope;
  readonly stage: Stage;
}

const stepCache = new WeakMap<Dockerfile, readonly ScopeStep[]>();

/** Every instruction of every stage with the scope before it, computed once per file. */
function scopeSteps(df: Dockerfile): readonly ScopeStep[] {
  let steps = stepCache.get(df);
  if (steps) return steps;
  const globals = globalScope(df);
  const escape = df.directives.escape;
  const exits: VarScope[] = [];
  const out: ScopeStep[] = [];
  for (const stage of df.stages) {
    const base = stage.baseStage === undefined ? undefined : exits[stage.baseStage];
    let scope: VarScope;
    if (base) scope = base;
    else {
      const external = stage.baseImage.toLowerCase() !== 'scratch';
      // BuildKit always sets PATH when the base image does not.
      scope = { values: new Map([['PATH', undefined]]), imageVars: external ? COMMON_IMAGE_ENV : NO_NAMES, shellSet: false, workdirSet: false };
    }
    for (const inst of stage.instructions) {
      out.push({ inst, scope, stage });
      scope = after(scope, inst, globals, escape);
    }
    exits.push(scope);
  }
  steps = out;
  stepCache.set(df, steps);
  return steps;
}

/**
 * Calls `visit` for every instruction of every stage (FROM lines excluded) with the
 * scope as it is just before the instruction. ONBUILD instructions are visited but
 * change nothing: they run in other builds.
 */
export function walkStages(df: Dockerfile, visit: (inst: Instruction, scope: VarScope, stage: Stage) => void): void {
  for (const step of scopeSteps(df)) visit(step.inst, step.scope, step.stage);
}
