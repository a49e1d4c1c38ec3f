/**
 * "Make this multi-stage": rewrites a Dockerfile whose final stage builds the program
 * into a build stage (the original, renamed `build`) plus a slim runtime stage that
 * copies only the artefacts. Recognised ecosystems: Go, Rust, Node.js, Python, Java
 * (Maven, Gradle) and .NET. Pure: text and model in, text edits out.
 *
 * The runtime stage keeps the original runtime settings (WORKDIR, runtime ENV, EXPOSE,
 * USER, HEALTHCHECK, ENTRYPOINT, CMD, LABEL), installs the non-toolchain system packages
 * the build stage installed, and says in comments what it could not know.
 */
import type { Dockerfile, ImageRef, Instruction, Stage } from './model';
import { normalizedRepository } from './imageRef';
import { parseDockerfile } from './parser';
import type { ShellCommand } from './shell';
import type { RunCommand, TextEdit } from './rules/types';
import { splitWords, unquote } from './variables';
import type { BuildState, StepWithState } from './rules/berth/common';
import { normalizePath, resolvePath, chainFromRoot, walkChainWithEnd } from './rules/berth/common';
import { commandText, runCommandsOf } from './commands';
import { applyEdits } from './edits';
import { cwdAfter } from './rules/berth/files';
import type { PackageInstall, PackageManager } from './rules/berth/packages';
import { packageInstall, packageName, packageRemoval, toolchainKind } from './rules/berth/packages';
import { parseTag, variantTag, withTag } from '../images/baseImages';
import { keyValuesOf } from './args';

export type Ecosystem = 'go' | 'rust' | 'node' | 'python' | 'maven' | 'gradle' | 'dotnet';

export const ECOSYSTEM_LABEL: Readonly<Record<Ecosystem, string>> = {
  go: 'Go', rust: 'Rust', node: 'Node.js', python: 'Python', maven: 'Java (Maven)', gradle: 'Java (Gradle)', dotnet: '.NET',
};

/** What an SDK base image is: the ecosystem, a label for messages, and whether it is a toolchain by itself. */
export interface SdkImage {
  readonly ecosystem: Ecosystem | 'java' | 'c';
  /** `the Go SDK`, `a JDK with Maven`. */
  readonly label: string;
  /** False for images that are toolchains only when the stage builds with them (full node/python, JDKs). */
  readonly always: boolean;
}

/** Classifies a base image as a language SDK / build toolchain. */
export function sdkImage(ref: ImageRef): SdkImage | undefined {
  const repo = normalizedRepository(ref).toLowerCase();
  const tag = (ref.tag ?? 'latest').toLowerCase();
  switch (repo) {
    case 'golang': case 'tinygo/tinygo': return { ecosystem: 'go', label: 'the Go SDK', always: true };
    case 'rust': case 'rustlang/rust': return { ecosystem: 'rust', label: 'the Rust toolchain', always: true };
    case 'maven': return { ecosystem: 'maven', label: 'Maven and a JDK', always: true };
    case 'gradle': return { ecosystem: 'gradle', label: 'Gradle and a JDK', always: true };
    case 'gcc': return { ecosystem: 'c', label: 'the GCC toolchain', always: true };
    case 'mcr.microsoft.com/dotnet/sdk': case 'mcr.microsoft.com/dotnet/core/sdk': return { ecosystem: 'dotnet', label: 'the .NET SDK', always: true };
    case 'microsoft/dotnet': return tag.includes('sdk') ? { ecosystem: 'dotnet', label: 'the .NET SDK', always: true } : undefined;
    case 'openjdk': case 'eclipse-temurin': case 'amazoncorretto': case 'sapmachine': case 'ibm-semeru-runtimes': case 'mcr.microsoft.com/openjdk/jdk':
      return /jre|headless/.test(tag) ? undefined : { ecosystem: 'java', label: 'a JDK', always: false };
    case 'node': return { ecosystem: 'node', label: 'Node.js', always: false };
    case 'python': return { ecosystem: 'python', label: 'Python', always: false };
    default: return undefined;
  }
}

/** `npm run build`, `yarn build`, `npx tsc`, `vite build`: a Node.js build step. */
export function isNodeBuildCommand(cmd: ShellCommand): boolean {
  if (cmd.program === 'npm' || cmd.program === 'yarn' || cmd.program === 'pnpm') {
    const words = cmd.args.map((a) => a.value).filter((v) => !v.startsWith('-'));
    const script = words[0] === 'run' || words[0] === 'run-script' ? words[1] : cmd.program === 'npm' ? undefined : words[0];
    return script !== undefined && /^(build|compile|bundle|dist|tsc)(:|$)/.test(script);
  }
  if (cmd.program === 'npx' || cmd.program === 'pnpx') return ['tsc', 'webpack', 'vite', 'next', 'ng', 'nest', 'rollup', 'esbuild', 'babel', 'parcel'].includes(cmd.args.find((a) => !a.value.startsWith('-'))?.value ?? '');
  return ['tsc', 'webpack', 'vite', 'ng', 'nest', 'rollup', 'parcel'].includes(cmd.program);
}

const MAVEN_GOALS = /^(package|install|verify|compile|deploy|spring-boot:repackage|assembly:single)$/;
const GRADLE_TASKS = /^(:?[\w-]+:)?(build|assemble|bootJar|jar|shadowJar|installDist|distTar|distZip|buildFatJar|war|bootWar)$/;

/** Programs `buildCommandOf` knows, besides `python*` and `pip*`: every other command is ruled out at once. */
const BUILD_PROGRAMS = new Set([
  'go', 'cargo', 'mvn', 'mvnw', 'gradle', 'gradlew', 'javac', 'dotnet', 'npm', 'yarn', 'pnpm', 'npx', 'pnpx',
  'tsc', 'webpack', 'vite', 'ng', 'nest', 'rollup', 'parcel',
]);

/** A command that compiles or packages the program, with its ecosystem. */
export function buildCommandOf(cmd: ShellCommand): { ecosystem: Ecosystem | 'java'; label: string } | undefined {
  const p = cmd.program;
  if (!BUILD_PROGRAMS.has(p) && !p.startsWith('python') && !p.startsWith('pip')) return undefined;
  const first = cmd.args.find((a) => !a.value.startsWith('-'))?.value;
  if (p === 'go' && first === 'build') return { ecosystem: 'go', label: 'go build' };
  if (p === 'go' && first === 'install') {
    // `go install golang.org/x/tools/gopls@latest` installs a tool; only installing local packages builds the project.
    const targets = cmd.args.filter((a) => !a.value.startsWith('-')).slice(1).map((a) => a.value);
    if (targets.length > 0 && targets.every((t) => /^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(t))) return undefined;
    return { ecosystem: 'go', label: 'go install' };
  }
  if (p === 'cargo' && (first === 'build' || first === 'b' || first === 'install')) return { ecosystem: 'rust', label: `cargo ${first}` };
  if ((p === 'mvn' || p === 'mvnw') && cmd.args.some((a) => MAVEN_GOALS.test(a.value))) return { ecosystem: 'maven', label: `${p} ${cmd.args.find((a) => MAVEN_GOALS.test(a.value))?.value ?? 'package'}` };
  if ((p === 'gradle' || p === 'gradlew') && cmd.args.some((a) => GRADLE_TASKS.test(a.value))) return { ecosystem: 'gradle', label: `${p} ${cmd.args.find((a) => GRADLE_TASKS.test(a.value))?.value ?? 'build'}` };
  if (p === 'javac') return { ecosystem: 'java', label: 'javac' };
  if (p === 'dotnet' && (first === 'build' || first === 'publish')) return { ecosystem: 'dotnet', label: `dotnet ${first}` };
  if (isNodeBuildCommand(cmd)) return { ecosystem: 'node', label: `${p} ${cmd.args.map((a) => a.value).filter((v) => !v.startsWith('-')).slice(0, 2).join(' ')}`.trim() };
  if (/^python(\d(\.\d+)?)?$/.test(p)) {
    const values = cmd.args.map((a) => a.value);
    if (values[0] === 'setup.py' && ['build', 'build_ext', 'bdist_wheel'].includes(values[1] ?? '')) return { ecosystem: 'python', label: `python setup.py ${values[1] ?? ''}` };
    if (values[0] === '-m' && values[1] === 'build') return { ecosystem: 'python', label: 'python -m build' };
  }
  if (/^pip(\d(\.\d+)?)?$/.test(p) && first === 'wheel') return { ecosystem: 'python', label: 'pip wheel' };
  return undefined;
}

// ---------------------------------------------------------------------------------------

/** The result of planning a rewrite. */
export interface MultiStagePlan {
  readonly ecosystem: Ecosystem;
  /** Name of the build stage in the rewritten file. */
  readonly buildStage: string;
  /** Base image of the new runtime stage. */
  readonly runtimeImage: string;
  /** What the runtime stage copies from the build stage (absolute paths). */
  readonly artifacts: readonly string[];
  /** Edits against the original text (rename the final stage, small build-stage additions, append the runtime stage). */
  readonly edits: readonly TextEdit[];
  /** What the user should check, also written as comments into the runtime stage. */
  readonly notes: readonly string[];
}

interface RunStep {
  readonly inst: Instruction;
  readonly cmd: RunCommand;
  readonly cwd: string | undefined;
  readonly state: BuildState;
  readonly commands: readonly RunCommand[];
}

interface Facts {
  readonly df: Dockerfile;
  readonly chain: readonly Stage[];
  readonly final: Stage;
  readonly root: Stage;
  readonly ref: ImageRef;
  readonly repo: string;
  readonly tag: string;
  readonly steps: readonly StepWithState[];
  readonly end: BuildState;
  readonly runs: readonly RunStep[];
  readonly installs: readonly { step: RunStep; install: PackageInstall }[];
  readonly cmd: Instruction | undefined;
  readonly entrypoint: Instruction | undefined;
  readonly healthcheck: Instruction | undefined;
}

function gatherFacts(df: Dockerfile): Facts | undefined {
  const final = df.stages[df.stages.length - 1];
  if (!final) return undefined;
  const chain = chainFromRoot(df, final);
  const root = chain[0] as Stage;
  if (!root.image || root.baseImage.includes('$')) return undefined;
  const { steps, end } = walkChainWithEnd(df, chain);
  const runs: RunStep[] = [];
  const installs: { step: RunStep; install: PackageInstall }[] = [];
  let cmd: Instruction | undefined;
  let entrypoint: Instruction | undefined;
  let healthcheck: Instruction | undefined;
  for (const { inst, state } of steps) {
    if (inst.keyword === 'CMD') cmd = inst;
    else if (inst.keyword === 'ENTRYPOINT') { entrypoint = inst; cmd = undefined; }
    else if (inst.keyword === 'HEALTHCHECK') healthcheck = inst;
    if (inst.keyword !== 'RUN') continue;
    const commands = runCommandsOf(inst);
    let cwd: string | undefined = state.workdir;
    for (const c of commands) {
      const step = { inst, cmd: c, cwd, state, commands };
      runs.push(step);
      const install = packageInstall(c);
      if (install) installs.push({ step, install });
      cwd = cwdAfter(c, cwd, state);
    }
  }
  return {
    df, chain, final, root, ref: root.image, repo: normalizedRepository(root.image).toLowerCase(), tag: (root.image.tag ?? 'latest').toLowerCase(),
    steps, end, runs, installs, cmd, entrypoint, healthcheck,
  };
}

/** Which ecosystem a final stage builds, from its base image and its build commands. */
export function detectEcosystem(df: Dockerfile): Ecosystem | undefined {
  const facts = gatherFacts(df);
  return facts ? ecosystemOf(facts) : undefined;
}

function ecosystemOf(f: Facts): Ecosystem | undefined {
  const sdk = sdkImage(f.ref);
  const built = f.runs.map((r) => buildCommandOf(r.cmd)).find((b) => b !== undefined);
  if (sdk && sdk.ecosystem !== 'java' && sdk.ecosystem !== 'c' && (sdk.always || built?.ecosystem === sdk.ecosystem)) return sdk.ecosystem;
  if (built && built.ecosystem !== 'java') return built.ecosystem;
  if (sdk?.ecosystem === 'python' && f.runs.some((r) => /^pip/.test(r.cmd.program) || r.cmd.args.some((a) => a.value === 'pip'))) return 'python';
  if (sdk?.ecosystem === 'node' && f.runs.some((r) => ['npm', 'yarn', 'pnpm'].includes(r.cmd.program))) return 'node';
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Pieces shared by the ecosystems

/** The program the container runs: ENTRYPOINT's first word, else CMD's. */
function executableOf(f: Facts): { word: string; exec: boolean } | undefined {
  const inst = f.entrypoint ?? f.cmd;
  if (!inst) return undefined;
  if (inst.json) return inst.json[0] !== undefined ? { word: inst.json[0], exec: true } : undefined;
  const first = splitWords(inst.args)[0];
  return first ? { word: unquote(first.text), exec: false } : undefined;
}

/** Words of CMD and ENTRYPOINT (exec or shell form), for finding `-jar x.jar` and the like. */
function runtimeWords(f: Facts): string[] {
  const words: string[] = [];
  for (const inst of [f.entrypoint, f.cmd]) {
    if (!inst) continue;
    if (inst.json) words.push(...inst.json);
    else words.push(...splitWords(inst.args).map((w) => unquote(w.text)));
  }
  return words;
}

/** A shell-form CMD/ENTRYPOINT that is plain words: it can become exec form (for images without a shell). */
function execFormOf(inst: Instruction): string | undefined {
  if (inst.json) return `${inst.keywordRaw} ${inst.args}`;
  if (/[$`|&;<>(){}*?\\]|\b(if|for|while)\b/.test(inst.args)) return undefined;
  const words = splitWords(inst.args).map((w) => unquote(w.text));
  return `${inst.keywordRaw} ${JSON.stringify(words).replace(/","/g, '", "')}`;
}

/** True when running the container needs /bin/sh (shell-form commands, scripts, shells). */
function needsShell(f: Facts): boolean {
  for (const inst of [f.entrypoint, f.cmd]) {
    if (!inst) continue;
    if (!inst.json && execFormOf(inst) === undefined) return true;
    const first = inst.json ? inst.json[0] : splitWords(inst.args)[0]?.text;
    if (first !== undefined && (/(^|\/)(sh|bash|ash|dash)$/.test(first) || first.endsWith('.sh'))) return true;
  }
  if (f.healthcheck && !/\bNONE\b/i.test(f.healthcheck.args)) return true;
  return false;
}

const BUILD_ONLY_PACKAGES = new Set([
  'git', 'wget', 'curl', 'unzip', 'zip', 'xz-utils', 'xz', 'bzip2', 'gnupg', 'gnupg2', 'dirmngr', 'openssh-client', 'openssh',
  'upx', 'upx-ucl', 'binutils', 'file', 'patch', 'software-properties-common', 'apt-transport-https', 'lsb-release', 'sudo',
  'python3', 'python3-pip', 'python', 'py3-pip', 'nodejs', 'npm', 'yarn', 'gettext', 'rsync', 'jq', 'vim', 'nano', 'less',
]);

/** Runtime libraries that go with common -dev packages (Debian and Alpine names). */
const RUNTIME_OF_DEV: Readonly<Record<string, string | null>> = {
  'libpq-dev': 'libpq5', 'default-libmysqlclient-dev': 'libmariadb3', 'libmariadb-dev': 'libmariadb3', 'libmariadb-dev-compat': 'libmariadb3',
  'libmysqlclient-dev': 'libmariadb3', 'libjpeg-dev': 'libjpeg62-turbo', 'libjpeg62-turbo-dev': 'libjpeg62-turbo', 'libpng-dev': 'libpng16-16',
  'libxml2-dev': 'libxml2', 'libxslt1-dev': 'libxslt1.1', 'libyaml-dev': 'libyaml-0-2', 'libmagic-dev': 'libmagic1', 'libcurl4-openssl-dev': 'libcurl4',
  'libsasl2-dev': 'libsasl2-2', 'libzmq3-dev': 'libzmq5', 'libfreetype6-dev': 'libfreetype6', 'liblcms2-dev': 'liblcms2-2', 'libopenjp2-7-dev': 'libopenjp2-7',
  'libcairo2-dev': 'libcairo2', 'libgl1-mesa-dev': 'libgl1', 'libglib2.0-dev': 'libglib2.0-0', 'libgeos-dev': 'libgeos-c1v5', 'libvips-dev': 'libvips42',
  'libffi-dev': null, 'libssl-dev': null, 'zlib1g-dev': null, 'libsqlite3-dev': 'libsqlite3-0', 'libbz2-dev': null, 'liblzma-dev': null, 'libreadline-dev': null,
  'python3-dev': null, 'python-dev': null, 'libc6-dev': null, 'linux-headers': null, 'musl-dev': null, 'libc-dev': null,
  'postgresql-dev': 'libpq', 'libpq-dev@apk': 'libpq', 'mariadb-dev': 'mariadb-connector-c', 'mariadb-connector-c-dev': 'mariadb-connector-c',
  'jpeg-dev': 'libjpeg-turbo', 'libjpeg-turbo-dev': 'libjpeg-turbo', 'libpng-dev@apk': 'libpng', 'libxml2-dev@apk': 'libxml2', 'libxslt-dev': 'libxslt',
  'libffi-dev@apk': null, 'openssl-dev': null, 'zlib-dev': null, 'freetype-dev': 'freetype', 'lcms2-dev': 'lcms2', 'openjpeg-dev': 'openjpeg',
  'tiff-dev': 'tiff', 'libwebp-dev': 'libwebp', 'yaml-dev': 'yaml', 'geos-dev': 'geos', 'zeromq-dev': 'zeromq', 'sqlite-dev': 'sqlite-libs', 'curl-dev': 'libcurl',
  'file-dev': 'libmagic', 'cairo-dev': 'cairo', 'glib-dev': 'glib', 'vips-dev': 'vips', 'python3-dev@apk': null,
};

/**
 * The runtime library that goes with a -dev package (`libpq-dev` -> `libpq5` on Debian,
 * `postgresql-dev` -> `libpq` on Alpine); null when the base images already have it,
 * undefined when unknown.
 */
export function runtimeLibraryFor(devPackage: string, manager: PackageManager): string | null | undefined {
  const name = packageName(devPackage);
  const key = manager === 'apk' && `${name}@apk` in RUNTIME_OF_DEV ? `${name}@apk` : name;
  return RUNTIME_OF_DEV[key];
}

interface RuntimePackages {
  readonly manager: PackageManager | undefined;
  readonly names: readonly string[];
  /** -dev packages whose runtime library is not known. */
  readonly unknownDev: readonly string[];
}

/** System packages the build stage installed that the program may need at run time. */
function runtimePackages(f: Facts): RuntimePackages {
  const names: string[] = [];
  const unknownDev: string[] = [];
  let manager: PackageManager | undefined;
  const health = f.healthcheck?.args ?? '';
  for (const { step, install } of f.installs) {
    if (install.virtual !== undefined && step.commands.some((c) => packageRemoval(c)?.names.includes(install.virtual as string))) continue;
    manager ??= install.manager;
    for (const word of install.packages) {
      if (word.value.includes('$') || word.value.startsWith('.') || word.value.startsWith('/')) continue;
      const name = packageName(word.value);
      const removed = step.commands.some((c) => packageRemoval(c)?.names.some((n) => packageName(n) === name));
      if (removed) continue;
      const kind = toolchainKind(name);
      if (kind === 'headers') {
        const runtime = runtimeLibraryFor(name, install.manager);
        if (runtime === undefined) unknownDev.push(name);
        else if (runtime !== null && !names.includes(runtime)) names.push(runtime);
        continue;
      }
      if (kind !== undefined) continue;
      if (BUILD_ONLY_PACKAGES.has(name) && !(health.includes(name) && (name === 'curl' || name === 'wget'))) continue;
      if (!names.includes(name)) names.push(name);
    }
  }
  return { manager, names, unknownDev };
}

function installLine(manager: PackageManager, names: readonly string[]): string {
  const list = names.join(' ');
  switch (manager) {
    case 'apk': return `RUN apk add --no-cache ${list}`;
    case 'apt': return `RUN apt-get update \\\n && apt-get install -y --no-install-recommends ${list} \\\n && rm -rf /var/lib/apt/lists/*`;
    case 'zypper': return `RUN zypper --non-interactive install --no-recommends ${list} && zypper clean --all`;
    default: return `RUN ${manager === 'yum' ? 'yum' : 'dnf'} install -y ${list} && ${manager === 'yum' ? 'yum' : 'dnf'} clean all`;
  }
}

/** Names the build stage can take: `build`, unless the file already has a stage called that. */
function buildStageName(f: Facts): string {
  if (f.final.name !== undefined) return f.final.name;
  const taken = new Set(f.df.stages.map((s) => s.nameLower).filter((n): n is string => n !== undefined));
  for (const candidate of ['build', 'builder', 'build-stage', 'compile']) if (!taken.has(candidate)) return candidate;
  return `build-${f.df.stages.length}`;
}

/** The edit that names the final stage (`FROM golang:1.22` -> `FROM golang:1.22 AS build`). */
function nameFinalStage(f: Facts, name: string): TextEdit | undefined {
  if (f.final.name !== undefined) return undefined;
  const from = f.final.from;
  const last = from.argSegments[from.argSegments.length - 1];
  if (!last) return undefined;
  const at = { line: last.line, col: last.col + last.length };
  const as = from.keywordRaw === from.keywordRaw.toLowerCase() ? 'as' : 'AS';
  return { range: { start: at, end: at }, newText: ` ${as} ${name}` };
}

/** Inserts whole lines right after an instruction. */
function insertAfter(df: Dockerfile, inst: Instruction, lines: readonly string[]): TextEdit {
  const line = inst.range.end.line;
  const nextLine = line + 1;
  if (nextLine < df.lines.length) return { range: { start: { line: nextLine, col: 0 }, end: { line: nextLine, col: 0 } }, newText: `${lines.join('\n')}\n` };
  const col = (df.lines[line] ?? '').length;
  return { range: { start: { line, col }, end: { line, col } }, newText: `\n${lines.join('\n')}` };
}

function appendAtEnd(df: Dockerfile, text: string): TextEdit {
  const lastLine = Math.max(0, df.lines.length - 1);
  const col = (df.lines[lastLine] ?? '').length;
  const lead = col === 0 ? (lastLine > 0 && (df.lines[lastLine - 1] ?? '') === '' ? '' : '\n') : '\n\n';
  return { range: { start: { line: lastLine, col }, end: { line: lastLine, col } }, newText: `${lead}${text}\n` };
}

const BUILD_ENV = /^(CGO_ENABLED|GO[A-Z0-9_]*|CARGO_[A-Z_]*|RUSTUP_[A-Z_]*|RUSTFLAGS|RUST_VERSION|NPM_CONFIG_[A-Z_]*|npm_config_\w*|YARN_[A-Z_]*|PIP_[A-Z_]*|POETRY_[A-Z_]*|PIPENV_[A-Z_]*|UV_[A-Z_]*|MAVEN_[A-Z_]*|M2_HOME|GRADLE_[A-Z_]*|JAVA_HOME|JAVA_VERSION|JDK_[A-Z_]*|DOTNET_[A-Z_]*|NUGET_[A-Z_]*|PATH|NODE_VERSION|PYTHON_VERSION|PYTHON_SHA256|GPG_KEY|YARN_VERSION|LANG|DEBIAN_FRONTEND)$/;

function quoteEnvValue(value: string): string {
  return /^[A-Za-z0-9_./:,@%+=-]*$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** ENV lines for the runtime stage: the runtime settings of the original, build variables left out. */
function runtimeEnv(f: Facts): { lines: string[]; args: string[] } {
  const lines: string[] = [];
  const referenced = new Set<string>();
  for (const { inst } of f.steps) {
    if (inst.keyword !== 'ENV') continue;
    const kept = keyValuesOf(inst).filter((kv) => kv.value !== undefined && !BUILD_ENV.test(kv.key));
    if (kept.length === 0) continue;
    lines.push(`ENV ${kept.map((kv) => `${kv.key}=${quoteEnvValue(kv.value ?? '')}`).join(' ')}`);
    for (const kv of kept) for (const m of (kv.value ?? '').matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) referenced.add(m[1] as string);
  }
  // ARGs the kept ENV values read must be declared in the runtime stage too.
  const args: string[] = [];
  for (const name of referenced) {
    const declared = [...f.steps].reverse().find(({ inst }) => inst.keyword === 'ARG' && keyValuesOf(inst).some((kv) => kv.key === name));
    const global = f.df.globalArgs.some((a) => keyValuesOf(a).some((kv) => kv.key === name));
    if (declared) {
      const kv = keyValuesOf(declared.inst).find((x) => x.key === name);
      args.push(kv?.value !== undefined ? `ARG ${name}=${quoteEnvValue(kv.value)}` : `ARG ${name}`);
    } else if (global) {
      args.push(`ARG ${name}`);
    }
  }
  return { lines, args };
}

/** EXPOSE, VOLUME, STOPSIGNAL, LABEL and HEALTHCHECK of the original, in order. */
function runtimeSettings(f: Facts, withHealthcheck: boolean): string[] {
  const out: string[] = [];
  for (const { inst } of f.steps) {
    if (['EXPOSE', 'VOLUME', 'STOPSIGNAL', 'LABEL'].includes(inst.keyword) || (withHealthcheck && inst.keyword === 'HEALTHCHECK')) {
      out.push(sourceOf(f.df, inst));
    }
  }
  return out;
}

function sourceOf(df: Dockerfile, inst: Instruction): string {
  const lines = df.lines.slice(inst.range.start.line, inst.range.end.line + 1);
  if (lines.length > 0) lines[0] = (lines[0] as string).slice(inst.range.start.col);
  return lines.join('\n');
}

const KNOWN_USERS: Readonly<Record<string, readonly string[]>> = {
  node: ['node'],
  distroless: ['nonroot'],
};

/** USER for the runtime stage, with the commands that create that user when the runtime image lacks it. */
function runtimeUser(f: Facts, runtime: 'distroless' | 'node' | 'other', notes: string[]): string[] {
  const user = f.end.user.trim();
  const name = user.split(':')[0] ?? '';
  if (user === '' || name === 'root' || name === '0') return [];
  if (/^\d+(:\d+)?$/.test(user) || name === 'nobody' || (KNOWN_USERS[runtime] ?? []).includes(name)) return [`USER ${user}`];
  if (runtime === 'distroless') {
    notes.push(`The build stage runs as "${user}", which distroless images do not have: the runtime stage uses their "nonroot" user (uid 65532).`);
    return ['USER nonroot:nonroot'];
  }
  const creators: string[] = [];
  for (const run of f.runs) {
    if (!['useradd', 'adduser', 'groupadd', 'addgroup'].includes(run.cmd.program)) continue;
    if (!run.cmd.args.some((a) => a.value === name || a.value === user.split(':')[1])) continue;
    creators.push(commandText(run.inst, run.cmd).trim());
  }
  if (creators.length > 0) return [`RUN ${creators.join(' \\\n && ')}`, `USER ${user}`];
  notes.push(`The user "${user}" must exist in the runtime image.`);
  return [`USER ${user}`];
}

function debianSlim(codename: string | undefined): string {
  return `debian:${codename ?? 'stable'}-slim`;
}

function assemble(parts: {
  header: string; image: string; notes: readonly string[]; args: readonly string[]; workdir: string | undefined; env: readonly string[];
  setup: readonly string[]; copies: readonly string[]; settings: readonly string[]; user: readonly string[]; start: readonly string[];
}): string {
  const lines: string[] = [parts.header];
  for (const note of parts.notes) lines.push(`# Check: ${note}`);
  lines.push(`FROM ${parts.image}`);
  lines.push(...parts.args);
  if (parts.workdir !== undefined && parts.workdir !== '/') lines.push(`WORKDIR ${parts.workdir}`);
  lines.push(...parts.env, ...parts.setup, ...parts.copies, ...parts.settings, ...parts.user, ...parts.start);
  return lines.join('\n');
}

/** ENTRYPOINT and CMD of the original, as written (or converted to exec form for shell-less images). */
function startLines(f: Facts, execOnly: boolean): string[] {
  const out: string[] = [];
  for (const inst of [f.entrypoint, f.cmd]) {
    if (!inst) continue;
    out.push(execOnly && !inst.json ? (execFormOf(inst) ?? sourceOf(f.df, inst)) : sourceOf(f.df, inst));
  }
  return out;
}

function copyLine(build: string, from: string, to: string, chown: string | undefined): string {
  return `COPY --from=${build}${chown !== undefined ? ` --chown=${chown}` : ''} ${from} ${to}`;
}

/** `--chown` for copies when the runtime stage runs as a non-root user. */
function chownFor(userLines: readonly string[]): string | undefined {
  const user = userLines.find((l) => l.startsWith('USER '))?.slice(5).trim();
  return user !== undefined && user !== 'root' ? user : undefined;
}

// ---------------------------------------------------------------------------------------
// Ecosystems

interface Draft {
  readonly runtimeImage: string;
  readonly artifacts: readonly string[];
  readonly buildEdits: readonly TextEdit[];
  /** Lines added at the end of the build stage, before the runtime stage. */
  readonly buildTail: readonly string[];
  readonly text: (build: string) => string;
  readonly notes: readonly string[];
}

function outputOption(cmd: ShellCommand, names: readonly string[]): string | undefined {
  for (let k = 0; k < cmd.args.length; k++) {
    const v = (cmd.args[k] as { value: string }).value;
    for (const n of names) {
      if (v === n) return cmd.args[k + 1]?.value;
      if (v.startsWith(`${n}=`)) return v.slice(n.length + 1);
    }
  }
  return undefined;
}

function planGo(f: Facts): Draft | undefined {
  const notes: string[] = [];
  const artifacts: string[] = [];
  let firstBuild: RunStep | undefined;
  for (const run of f.runs) {
    const built = buildCommandOf(run.cmd);
    if (built?.ecosystem !== 'go') continue;
    firstBuild ??= run;
    if (built.label === 'go build') {
      const out = outputOption(run.cmd, ['-o']);
      if (out === undefined) continue;
      const path = resolvePath(out, run.cwd, run.state);
      if (path === undefined) return undefined;
      if (!artifacts.includes(path)) artifacts.push(path);
    } else {
      const gobin = run.state.vars.get('GOBIN') ?? `${run.state.vars.get('GOPATH') ?? '/go'}/bin`;
      const path = normalizePath(gobin);
      if (!artifacts.includes(path)) artifacts.push(path);
    }
  }
  const exe = executableOf(f);
  if (exe && /(^|\/)go$/.test(exe.word)) return undefined;
  if (artifacts.length === 0 && exe) {
    const path = resolvePath(exe.word, f.end.workdir, f.end);
    if (path !== undefined && exe.word.includes('/')) artifacts.push(path);
  }
  if (artifacts.length === 0 || !firstBuild) return undefined;
  const cgoValue = firstBuild.cmd.envPrefix.find((w) => w.value.startsWith('CGO_ENABLED='))?.value.slice(12) ?? firstBuild.state.vars.get('CGO_ENABLED');
  const cBuild = f.installs.some(({ install }) => install.packages.some((p) => toolchainKind(p.value) === 'compiler' || toolchainKind(p.value) === 'headers'));
  const cgo = cgoValue === '1' || (cgoValue !== '0' && cBuild);
  const found = runtimePackages(f);
  const extraPkgs = found.names.filter((n) => n !== 'ca-certificates' && n !== 'tzdata');
  const shell = needsShell(f);
  const alpine = parseTag(f.tag).variant === 'alpine';
  const distroless = !cgo && !shell && extraPkgs.length === 0;
  const buildEdits: TextEdit[] = [];
  if (distroless && cgoValue !== '0') {
    // A static binary needs cgo off; set it where the stage that builds starts.
    const stage = f.df.stages[firstBuild.inst.stageIndex];
    if (stage) buildEdits.push(insertAfter(f.df, stage.from, ['ENV CGO_ENABLED=0']));
  }
  const runtimeImage = distroless ? 'gcr.io/distroless/static-debian13' : alpine ? 'alpine:3' : debianSlim(parseTag(f.tag).codename);
  // Debian slim has no CA certificates; distroless and Alpine do.
  const runtimePkgs: RuntimePackages = !distroless && !alpine
    ? { ...found, names: [...new Set(['ca-certificates', ...found.names])], manager: found.manager ?? 'apt' }
    : found;
  // A program started by bare name must be on the runtime image's PATH.
  const bare = exe !== undefined && !exe.word.includes('/') ? exe.word : undefined;
  const copies = artifacts.map((a): [string, string] => {
    if (bare === undefined) return [a, a];
    if (a.slice(a.lastIndexOf('/') + 1) === bare) return [a, `/usr/local/bin/${bare}`];
    return a.endsWith('/bin') ? [`${a}/`, '/usr/local/bin/'] : [a, a];
  });
  return {
    runtimeImage, artifacts, buildEdits, buildTail: [], notes,
    text: (build) => runtimeText(f, build, runtimeImage, copies, distroless ? 'distroless' : 'other', runtimePkgs, notes, distroless),
  };
}

function planRust(f: Facts): Draft | undefined {
  const notes: string[] = [];
  const exe = executableOf(f);
  if (exe && /(^|\/)cargo$/.test(exe.word)) return undefined;
  const artifacts: string[] = [];
  for (const run of f.runs) {
    const built = buildCommandOf(run.cmd);
    if (built?.ecosystem !== 'rust') continue;
    const values = run.cmd.args.map((a) => a.value);
    if (built.label === 'cargo install') {
      const cargoHome = run.state.vars.get('CARGO_HOME') ?? '/usr/local/cargo';
      const name = exe ? exe.word.slice(exe.word.lastIndexOf('/') + 1) : undefined;
      if (name === undefined) continue;
      artifacts.push(normalizePath(`${cargoHome}/bin/${name}`));
      continue;
    }
    const profile = values.includes('--release') || values.includes('-r') ? 'release' : outputOption(run.cmd, ['--profile']) ?? 'debug';
    const triple = outputOption(run.cmd, ['--target']);
    const targetDir = outputOption(run.cmd, ['--target-dir']) ?? run.state.vars.get('CARGO_TARGET_DIR') ?? 'target';
    const dir = resolvePath(`${targetDir}/${triple !== undefined ? `${triple}/` : ''}${profile}`, run.cwd, run.state);
    if (dir === undefined) return undefined;
    const bin = outputOption(run.cmd, ['--bin']);
    if (bin !== undefined) { artifacts.push(`${dir}/${bin}`); continue; }
    if (exe) {
      const path = resolvePath(exe.word, f.end.workdir, f.end);
      if (path !== undefined && exe.word.includes('/')) { artifacts.push(path); continue; }
      artifacts.push(`${dir}/${exe.word.slice(exe.word.lastIndexOf('/') + 1)}`);
    }
  }
  if (artifacts.length === 0) return undefined;
  const alpine = parseTag(f.tag).variant === 'alpine';
  const runtimeImage = alpine ? 'alpine:3' : debianSlim(parseTag(f.tag).codename);
  const pkgs = runtimePackages(f);
  const names = alpine ? pkgs.names : [...new Set(['ca-certificates', ...pkgs.names])];
  const packages = { ...pkgs, names, manager: pkgs.manager ?? (alpine ? 'apk' : 'apt') };
  // The program is started by its path in the runtime stage: keep the original path so CMD still works.
  const copies = artifacts.map((a) => {
    const started = exe && !exe.word.includes('/') ? `/usr/local/bin/${a.slice(a.lastIndexOf('/') + 1)}` : a;
    return [a, started] as [string, string];
  });
  return {
    runtimeImage, artifacts, buildEdits: [], buildTail: [], notes,
    text: (build) => runtimeText(f, build, runtimeImage, copies, 'other', packages, notes, false),
  };
}

/** Java major version from an image tag: `maven:3.9-eclipse-temurin-17` -> 17. */
export function javaVersionOf(repo: string, tag: string): number | undefined {
  const m = /(?:jdk|openjdk|temurin|corretto|java|semeru|sapmachine)-?(\d+)/.exec(tag);
  if (m) return Number(m[1]);
  if (['openjdk', 'eclipse-temurin', 'amazoncorretto', 'sapmachine', 'ibm-semeru-runtimes'].includes(repo)) {
    const lead = /^(\d+)/.exec(tag);
    if (lead) return Number(lead[1]);
  }
  return undefined;
}

function planJava(f: Facts, tool: 'maven' | 'gradle'): Draft | undefined {
  const notes: string[] = [];
  const version = javaVersionOf(f.repo, f.tag);
  if (version === undefined) return undefined;
  const run = f.runs.find((r) => buildCommandOf(r.cmd)?.ecosystem === tool);
  if (!run || run.cwd === undefined) return undefined;
  let projectDir = run.cwd;
  const pom = outputOption(run.cmd, ['-f', '--file', '-p', '--project-dir']);
  if (pom !== undefined) {
    const resolved = resolvePath(pom, run.cwd, run.state);
    if (resolved === undefined) return undefined;
    projectDir = pom.endsWith('.xml') || pom.endsWith('.gradle') || pom.endsWith('.kts') ? normalizePath(`${resolved}/..`) : resolved;
  }
  const jarGlob = `${projectDir}/${tool === 'maven' ? 'target' : 'build/libs'}/*.jar`;
  const alpine = parseTag(f.tag).variant === 'alpine' || f.tag.includes('alpine');
  const runtimeImage = `eclipse-temurin:${version}-jre${alpine ? '-alpine' : ''}`;
  const words = runtimeWords(f);
  const jarIndex = words.indexOf('-jar');
  const jarWord = jarIndex >= 0 ? words[jarIndex + 1] : undefined;
  const exe = executableOf(f);
  const startsJava = exe !== undefined && /(^|\/)java$/.test(exe.word) && jarWord !== undefined;
  let copies: [string, string][];
  let start: string[] | undefined;
  if (startsJava && jarWord !== undefined) {
    const jarPath = resolvePath(jarWord, f.end.workdir, f.end);
    if (jarPath === undefined) return undefined;
    copies = [[jarPath, /[*?[]/.test(jarPath) ? `${jarPath.slice(0, jarPath.lastIndexOf('/'))}/` : jarPath]];
  } else {
    copies = [[jarGlob, '/app/app.jar']];
    start = ['ENTRYPOINT ["java", "-jar", "/app/app.jar"]'];
    notes.push(`The runtime stage copies ${jarGlob} to /app/app.jar: if the build makes more than one jar (sources, plain, shaded), name the one to run.`);
  }
  return {
    runtimeImage, artifacts: copies.map((c) => c[0]), buildEdits: [], buildTail: [], notes,
    text: (build) => runtimeText(f, build, runtimeImage, copies, 'other', runtimePackages(f), notes, false, start),
  };
}

function planDotnet(f: Facts): Draft | undefined {
  const notes: string[] = [];
  const run = f.runs.find((r) => buildCommandOf(r.cmd)?.label === 'dotnet publish');
  if (!run) return undefined;
  const out = outputOption(run.cmd, ['-o', '--output']);
  if (out === undefined) return undefined;
  const path = resolvePath(out, run.cwd, run.state);
  if (path === undefined) return undefined;
  const exe = executableOf(f);
  if (!exe || (exe.word === 'dotnet' && runtimeWords(f).includes('run'))) return undefined;
  const tag = f.tag.replace(/-?sdk-?/, '') || 'latest';
  const runtimeImage = `mcr.microsoft.com/dotnet/aspnet:${tag}`;
  notes.push('aspnet runs web apps and console apps alike; mcr.microsoft.com/dotnet/runtime is smaller for console apps.');
  return {
    runtimeImage, artifacts: [path], buildEdits: [], buildTail: [], notes,
    text: (build) => runtimeText(f, build, runtimeImage, [[path, path]], 'other', runtimePackages(f), notes, false),
  };
}

function appDirectory(f: Facts): string | undefined {
  const dir = f.end.workdir;
  return dir !== '/' && !['/usr', '/usr/local', '/root', '/home', '/tmp', '/var', '/opt'].includes(dir) ? dir : undefined;
}

function slimVariant(f: Facts, repo: string): string | undefined {
  if (f.repo !== repo) return undefined;
  const parsed = parseTag(f.tag);
  if (!parsed.understood) return undefined;
  if (parsed.variant !== 'full') return f.root.baseImage;
  const tag = variantTag(repo, f.ref.tag ?? 'latest', 'slim');
  return tag === undefined ? undefined : withTag(f.root.baseImage, tag);
}

function planNode(f: Facts): Draft | undefined {
  const notes: string[] = [];
  const image = slimVariant(f, 'node');
  const dir = appDirectory(f);
  if (image === undefined || dir === undefined) return undefined;
  const tools = new Set(f.runs.map((r) => r.cmd.program).filter((p) => p === 'npm' || p === 'yarn' || p === 'pnpm'));
  const berry = f.runs.some((r) => r.cmd.program === 'corepack' || (r.cmd.program === 'yarn' && r.cmd.args[0]?.value === 'set')) || f.steps.some(({ inst }) => inst.keyword === 'COPY' && inst.args.includes('.yarnrc.yml'));
  let prune: string;
  if (tools.has('pnpm')) prune = 'RUN pnpm prune --prod';
  else if (tools.has('yarn')) {
    if (berry) return undefined;
    prune = 'RUN yarn install --production --ignore-scripts --prefer-offline';
  } else if (tools.has('npm')) prune = 'RUN npm prune --omit=dev';
  else return undefined;
  const env = runtimeEnv(f);
  const hasNodeEnv = env.lines.some((l) => /\bNODE_ENV=/.test(l));
  return {
    runtimeImage: image, artifacts: [dir], buildEdits: [], buildTail: [prune], notes,
    text: (build) => runtimeText(f, build, image, [[dir, dir]], image.includes('alpine') || image.includes('slim') || f.repo === 'node' ? 'node' : 'other', runtimePackages(f), notes, false, undefined, hasNodeEnv ? [] : ['ENV NODE_ENV=production']),
  };
}

function planPython(f: Facts): Draft | undefined {
  const notes: string[] = [];
  const image = slimVariant(f, 'python');
  const dir = appDirectory(f);
  if (image === undefined || dir === undefined) return undefined;
  // `python -m venv` needs Python 3.
  const version = parseTag(f.tag).version;
  if (version !== undefined && /^\d/.test(version) && Number(version.split('.')[0]) < 3) return undefined;
  const pipRuns = f.runs.filter((r) => /^pip/.test(r.cmd.program) || (/^python/.test(r.cmd.program) && r.cmd.args[1]?.value === 'pip'));
  const firstPip = pipRuns[0];
  if (!firstPip) return undefined;
  if (pipRuns.some((r) => r.cmd.args.some((a) => a.value === '--user' || a.value === '--target' || a.value === '-t' || a.value === '--prefix'))) return undefined;
  if (pipRuns.some((r) => r.state.user !== 'root' && r.state.user !== '0')) return undefined;
  if (pipRuns.some((r) => r.cmd.name.startsWith('/'))) return undefined;
  const stage = f.df.stages[firstPip.inst.stageIndex];
  if (!stage) return undefined;
  // Install into a virtualenv, so the runtime stage can copy every installed package in one directory.
  const buildEdits = [insertAfter(f.df, stage.from, ['RUN python -m venv /opt/venv', 'ENV PATH="/opt/venv/bin:$PATH"'])];
  const extraEnv = ['ENV PATH="/opt/venv/bin:$PATH"'];
  return {
    runtimeImage: image, artifacts: ['/opt/venv', dir], buildEdits, buildTail: [], notes,
    text: (build) => runtimeText(f, build, image, [['/opt/venv', '/opt/venv'], [dir, dir]], 'other', runtimePackages(f), notes, false, undefined, extraEnv),
  };
}

function runtimeText(
  f: Facts, build: string, image: string, copies: readonly (readonly [string, string])[], runtime: 'distroless' | 'node' | 'other',
  packages: RuntimePackages, notes: string[], execOnly: boolean, start?: readonly string[], extraEnv: readonly string[] = [],
): string {
  const env = runtimeEnv(f);
  const setup: string[] = [];
  const distroless = runtime === 'distroless';
  if (!distroless && packages.names.length > 0) {
    const manager = packages.manager ?? (image.includes('alpine') ? 'apk' : 'apt');
    setup.push(installLine(manager, packages.names));
  }
  if (packages.unknownDev.length > 0) notes.push(`The build stage installed ${packages.unknownDev.join(', ')}: install the runtime libraries the build linked against.`);
  const userNotes: string[] = [];
  const user = runtimeUser(f, runtime === 'node' ? 'node' : runtime, userNotes);
  notes.push(...userNotes);
  const chown = chownFor(user);
  notes.push('Files the program reads at run time (templates, static assets, config) must be copied from the build stage too.');
  const copyLines = copies.map(([from, to]) => copyLine(build, from, to, chown));
  return assemble({
    header: `# Runtime stage: only what the program needs, copied from the "${build}" stage above.`,
    image,
    notes,
    args: env.args,
    workdir: appDirectory(f) ?? (f.end.workdir !== '/' ? f.end.workdir : undefined),
    env: [...extraEnv, ...env.lines],
    setup: user.length > 1 ? [...setup, ...user.slice(0, -1)] : setup,
    copies: copyLines,
    settings: runtimeSettings(f, !distroless),
    user: user.slice(-1),
    start: start ?? startLines(f, execOnly),
  });
}

/**
 * Plans the rewrite of `df` into a build stage and a runtime stage. Undefined when the
 * final stage does not build a recognised ecosystem or when the artefact to copy cannot
 * be told (for example `go build` without `-o` and no CMD naming the binary).
 */
export function planMultiStage(df: Dockerfile): MultiStagePlan | undefined {
  const f = gatherFacts(df);
  if (!f) return undefined;
  const ecosystem = ecosystemOf(f);
  if (!ecosystem) return undefined;
  let draft: Draft | undefined;
  switch (ecosystem) {
    case 'go': draft = planGo(f); break;
    case 'rust': draft = planRust(f); break;
    case 'maven': case 'gradle': draft = planJava(f, ecosystem); break;
    case 'dotnet': draft = planDotnet(f); break;
    case 'node': draft = planNode(f); break;
    case 'python': draft = planPython(f); break;
  }
  if (!draft) return undefined;
  const build = buildStageName(f);
  const edits: TextEdit[] = [];
  const rename = nameFinalStage(f, build);
  if (rename) edits.push(rename);
  edits.push(...draft.buildEdits);
  const tail = draft.buildTail.length > 0 ? `${draft.buildTail.join('\n')}\n\n` : '';
  edits.push(appendAtEnd(df, `${tail}${draft.text(build)}`));
  return { ecosystem, buildStage: build, runtimeImage: draft.runtimeImage, artifacts: draft.artifacts, edits, notes: draft.notes };
}

/** Rewrites Dockerfile text into a multi-stage build; undefined when there is no plan. */
export function rewriteMultiStage(text: string): { text: string; plan: MultiStagePlan } | undefined {
  const df = parseDockerfile(text);
  const plan = planMultiStage(df);
  if (!plan) return undefined;
  return { text: applyEdits(text, plan.edits), plan };
}
