/**
 * BT201: the final stage carries a build toolchain: an SDK base image, a build that runs
 * in the final stage, or compilers and headers installed and never removed. The fix
 * rewrites the file into a build stage and a slim runtime stage (`multistage.ts`).
 */
import type { Instruction, Stage } from '../../model';
import { normalizedRepository } from '../../imageRef';
import type { Fix, Rule, RuleContext, RunCommand } from '../types';
import { buildCommandOf, ECOSYSTEM_LABEL, planMultiStage, runtimeLibraryFor, sdkImage } from '../../multistage';
import { brief, lineLabel, shellAssignments, chainFromRoot, walkChain, expandWords } from './common';
import { packageInstall, packageName, packageRemoval, toolchainKind } from './packages';
import { isDevelopmentStage } from './unusedStages';
import { joinAnd } from './text';
import { wordRange } from '../../args';

/** Dev containers and similar images exist to carry toolchains. */
function isToolImage(repo: string): boolean {
  return /^(mcr\.microsoft\.com\/(vscode\/)?devcontainers\/|devcontainers\/|mcr\.microsoft\.com\/vscode\/devcontainers|gitpod\/|codercom\/)/.test(repo);
}

/** The program the image starts: ENTRYPOINT's first word, else CMD's (undefined when neither is set). */
function startCommand(steps: readonly { inst: Instruction }[]): string | undefined {
  let start: string | undefined;
  for (const { inst } of steps) {
    if (inst.keyword !== 'CMD' && inst.keyword !== 'ENTRYPOINT') continue;
    if (inst.keyword === 'CMD' && start !== undefined && steps.some((s) => s.inst.keyword === 'ENTRYPOINT' && s.inst.index < inst.index)) continue;
    start = inst.json ? (inst.json[0] ?? '') : (inst.args.trim().split(/\s+/)[0] ?? '');
  }
  return start;
}

/**
 * An image that is an environment rather than an application: it starts nothing of its
 * own (no CMD/ENTRYPOINT: dev containers, CI images) or an interactive shell or
 * `sleep infinity`. Toolchains are what such images are for.
 */
function isEnvironmentImage(steps: readonly { inst: Instruction }[], builds: number): boolean {
  const start = startCommand(steps);
  if (start === undefined) return builds === 0;
  return /^(\/(usr\/)?bin\/)?(bash|sh|zsh|ash|fish|sleep)$/.test(start);
}

function multiStageFix(ctx: RuleContext): Fix | undefined {
  const plan = planMultiStage(ctx.df);
  if (!plan) return undefined;
  return { title: `Make this multi-stage (${ECOSYSTEM_LABEL[plan.ecosystem]}: build stage + ${plan.runtimeImage})`, edits: plan.edits, preferred: true };
}

/** The toolchain packages an install command leaves behind (not removed later in the same RUN). */
function leftToolchain(commands: readonly RunCommand[], index: number): string[] {
  const cmd = commands[index] as RunCommand;
  const install = packageInstall(cmd);
  if (!install) return [];
  const vars = shellAssignments(commands, index);
  const words = expandWords(install.packages, vars);
  const tools = words.filter((w) => toolchainKind(w) !== undefined).map((w) => packageName(w));
  if (tools.length === 0) return [];
  const later = commands.slice(index + 1);
  // docker-library style: `apt-mark auto '.*'` then `apt-get purge --auto-remove`: everything installed here goes.
  const markedAuto = commands.some((c) => c.program === 'apt-mark' && c.args[0]?.value === 'auto');
  const removals = later.map((c) => packageRemoval(c)).filter((r) => r !== undefined);
  if (markedAuto && removals.some((r) => r.autoRemove)) return [];
  const removedWords = new Set<string>();
  for (const r of removals) for (const n of r.names) removedWords.add(n);
  if (install.virtual !== undefined && removedWords.has(install.virtual)) return [];
  const rawRemoved = later.filter((c) => packageRemoval(c) !== undefined).flatMap((c) => c.args.map((a) => a.raw));
  if (install.packages.some((p) => p.value.includes('$') && rawRemoved.includes(p.raw))) return [];
  const removedNames = expandWords(later.filter((c) => packageRemoval(c) !== undefined).flatMap((c) => c.args.filter((a) => !a.value.startsWith('-'))), vars).map(packageName);
  const globs = removedNames.filter((n) => n.includes('*')).map((n) => new RegExp(`^${n.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  return [...new Set(tools.filter((t) => !removedNames.includes(t) && !globs.some((g) => g.test(t))))];
}

export const BT201: Rule = {
  code: 'BT201',
  family: 'berth',
  severity: 'warning',
  title: 'Keep the build toolchain out of the final stage: build in a separate stage',
  doc: {
    why: 'Compilers, SDKs, headers and build tools are needed to build the program, not to run it. In the final image they add hundreds of megabytes (golang:1.26 is a 312 MB download, close to 900 MB on disk, in the dated size table), slow down every pull, and hand an attacker a compiler. A multi-stage build compiles in one stage and copies only the result into a slim runtime stage.',
    bad: [
      'FROM golang:1.22',
      'WORKDIR /src',
      'COPY . .',
      'RUN go build -o /out/server ./cmd/server',
      'CMD ["/out/server"]',
      '',
    ].join('\n'),
    good: [
      'FROM golang:1.22 AS build',
      'WORKDIR /src',
      'COPY . .',
      'RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server',
      '',
      'FROM gcr.io/distroless/static-debian12',
      'COPY --from=build /out/server /out/server',
      'CMD ["/out/server"]',
      '',
    ].join('\n'),
    deviation: 'Images that are environments rather than applications are meant to carry toolchains and are not reported: dev-container base images, final stages named like development or test targets (dev, dev-envs, debug, test, ci, ...), and images that start no program of their own (no CMD/ENTRYPOINT and no build) or start a shell or `sleep infinity`. A JDK, full node or full python base counts only when the final stage also builds with it. A -dev package installed where no compiler exists gets advice to install the runtime library instead.',
  },
  check(ctx) {
    const final = ctx.finalStage;
    if (!final || isDevelopmentStage(final)) return;
    const chain = chainFromRoot(ctx.df, final);
    const root = chain[0] as Stage;
    if (root.image && isToolImage(normalizedRepository(root.image).toLowerCase())) return;
    const steps = walkChain(ctx.df, chain);
    const builds: { inst: Instruction; cmd: RunCommand; label: string; ecosystem: string }[] = [];
    for (const { inst } of steps) {
      if (inst.keyword !== 'RUN') continue;
      for (const cmd of ctx.commands(inst)) {
        const built = buildCommandOf(cmd);
        if (built) builds.push({ inst, cmd, ...built });
      }
    }
    if (isEnvironmentImage(steps, builds.length)) return;
    const sdk = root.image ? sdkImage(root.image) : undefined;
    const sdkCounts = sdk !== undefined && (sdk.always || builds.some((b) => b.ecosystem === sdk.ecosystem || (sdk.ecosystem === 'java' && ['maven', 'gradle', 'java'].includes(b.ecosystem))));
    let fix: Fix | undefined;
    let fixComputed = false;
    const lazyFix = (): Fix | undefined => {
      if (!fixComputed) { fix = multiStageFix(ctx); fixComputed = true; }
      return fix;
    };
    if (sdkCounts || builds.length > 0) {
      const evidence: string[] = [];
      if (sdkCounts && sdk) evidence.push(`starts from ${root.baseImage} (${sdk.label})`);
      const shown = builds.slice(0, 2).map((b) => `runs \`${brief(b.label, 30)}\` (${lineLabel(b.inst)})`);
      evidence.push(...shown);
      const word = wordRange(final.from, 0);
      const f = lazyFix();
      ctx.report(
        word?.range ?? final.from.range,
        `The final stage ${joinAnd(evidence)}: everything the build needs (SDK, compilers, dev dependencies, sources) ships in the image. Build in a separate stage and copy only the result into a slim runtime stage${f ? '' : ' (Berth cannot write that rewrite for this file)'}.`,
        f ? [f] : [],
      );
    }
    if (sdkCounts && sdk?.always) return;
    // Is there a compiler in the image (installed anywhere in the chain, or in a full language image)?
    let compilerKnown: boolean | undefined;
    const hasCompiler = (): boolean => compilerKnown ??= sdk !== undefined || steps.some(({ inst }) => inst.keyword === 'RUN' && ctx.commands(inst).some((c) => packageInstall(c)?.packages.some((p) => toolchainKind(p.value) === 'compiler' || toolchainKind(p.value) === 'build tool') ?? false));
    for (const { inst } of steps) {
      if (inst.keyword !== 'RUN') continue;
      const commands = ctx.commands(inst);
      commands.forEach((cmd, k) => {
        const left = leftToolchain(commands, k);
        if (left.length === 0) return;
        const install = packageInstall(cmd);
        if (!install) return;
        const compilers = left.filter((n) => toolchainKind(n) !== 'build tool');
        if (compilers.length === 0) return;
        if (compilers.every((n) => toolchainKind(n) === 'headers') && !left.some((n) => toolchainKind(n) === 'build tool') && !hasCompiler()) {
          // Headers with no compiler anywhere in the image: they were installed for the library inside.
          const swaps = compilers.map((n) => ({ dev: n, lib: runtimeLibraryFor(n, install.manager) }));
          const known = swaps.filter((s) => typeof s.lib === 'string').map((s) => `${s.dev} -> ${s.lib as string}`);
          ctx.report(
            ctx.commandRange(inst, cmd),
            `${joinAnd(compilers)} ${compilers.length === 1 ? 'is a development package' : 'are development packages'} (headers, static libraries) in the final image, which has no compiler to use them. Install the runtime library instead${known.length > 0 ? ` (${known.join(', ')})` : ' (the package without -dev)'}.`,
          );
          return;
        }
        const shown = left.length > 4 ? `${left.slice(0, 4).join(', ')} and ${left.length - 4} more` : joinAnd(left);
        const removal = install.manager === 'apk'
          ? 'install them with `apk add --virtual .build-deps ...` and `apk del .build-deps` at the end of this RUN'
          : install.manager === 'apt' ? 'remove them at the end of this RUN (`apt-get purge -y --auto-remove ...`)' : 'remove them at the end of this RUN';
        const f = lazyFix();
        ctx.report(
          ctx.commandRange(inst, cmd),
          `${shown} ${left.length === 1 ? 'is' : 'are'} installed in the final image and never removed: compilers and headers add size and attack surface without being needed at run time. Build in a separate stage, or ${removal}.`,
          f ? [{ ...f, preferred: false }] : [],
        );
      });
    }
  },
};
