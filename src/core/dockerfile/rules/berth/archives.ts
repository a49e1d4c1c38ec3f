/**
 * BT102: a downloaded archive or package is unpacked or installed and then left in the
 * layer. The archive costs as much again as what came out of it.
 */
import type { Instruction, Stage } from '../../model';
import type { ShellWord } from '../../shell';
import type { Fix, Rule, RuleContext, RunCommand } from '../types';
import type { BuildState } from './common';
import { lineLabel, pathRelation, chainFromRoot, walkChain } from './common';
import { readCopy } from './copies';
import type { Download } from './files';
import { ARCHIVE_EXTENSION, cleanupOf, cwdAfter, downloadsOf, normaliseVars, unpacksOrInstalls, urlFileName, wordRefersTo } from './files';
import { cacheMountTargetsOf } from './mounts';
import { effective, flagValue, hasFlag, instructionsOf, usesProgram } from '../util';

interface Tracked {
  readonly download: Download;
  readonly cmd: RunCommand;
  /** The command that unpacked or installed it, and the word it used for the file. */
  user: { cmd: RunCommand; word: ShellWord } | undefined;
  removed: boolean;
}

function isArchive(download: Download): boolean {
  const name = download.name !== '' ? download.name : urlFileName(download.url);
  // `.jar` counts only when it is unpacked (checked by the caller through unpacksOrInstalls).
  return ARCHIVE_EXTENSION.test(name) || ARCHIVE_EXTENSION.test(urlFileName(download.url));
}

/** A cleanup command somewhere in the chain, found once per chain. */
interface ChainCleanup {
  readonly step: number;
  readonly paths: readonly string[];
  readonly rmWords: readonly string[];
}

/** Every cleanup of the chain, with the step it is in (computed once, then filtered by position). */
function chainCleanups(ctx: RuleContext, steps: readonly { inst: Instruction; state: BuildState }[]): ChainCleanup[] {
  const out: ChainCleanup[] = [];
  steps.forEach(({ inst, state }, step) => {
    if (inst.keyword !== 'RUN') return;
    let cwd: string | undefined = state.workdir;
    for (const cmd of ctx.commands(inst)) {
      const cleanup = cleanupOf(cmd, cwd, state);
      if (cleanup) out.push({ step, paths: cleanup.paths, rmWords: cmd.program === 'rm' ? cmd.args.map((a) => normaliseVars(a.value)) : [] });
      cwd = cwdAfter(cmd, cwd, state);
    }
  });
  return out;
}

/** A later RUN of the chain deletes the file: BT101 reports that (with a fix), not this rule. */
function removedLater(cleanups: readonly ChainCleanup[], after: number, path: string | undefined, name: string): boolean {
  for (const c of cleanups) {
    if (c.step <= after) continue;
    if (path !== undefined && c.paths.some((p) => pathRelation(p, path) === 'covers')) return true;
    if (c.rmWords.some((w) => w.endsWith(name))) return true;
  }
  return false;
}

function removalFix(ctx: RuleContext, inst: Instruction, tracked: Tracked): Fix | undefined {
  const user = tracked.user;
  if (!user) return undefined;
  const { cmd, word } = user;
  if (cmd.heredoc === -1) return undefined;
  const fileText = word.raw;
  if (cmd.heredoc !== undefined) {
    if (cmd.after !== '\n' && cmd.after !== undefined) return undefined;
  } else if (cmd.after !== '&&' && cmd.after !== undefined) {
    return undefined;
  }
  const end = ctx.commandRange(inst, cmd, cmd.end, cmd.end);
  const newText = cmd.heredoc !== undefined ? `\nrm -f ${fileText}` : ` && rm -f ${fileText}`;
  return { title: `Delete ${tracked.download.name} once it is unpacked`, edits: [{ range: end, newText }], preferred: true };
}

function checkRun(ctx: RuleContext, inst: Instruction, state: BuildState, cleanups: () => readonly ChainCleanup[], step: number): void {
  const commands = ctx.commands(inst);
  const mounts = cacheMountTargetsOf(inst, state);
  const tracked: Tracked[] = [];
  let cwd: string | undefined = state.workdir;
  for (const cmd of commands) {
    for (const t of tracked) {
      if (!t.user && unpacksOrInstalls(cmd, (w) => wordRefersTo(w, t.download.path, t.download.name, cwd, state))) {
        const word = cmd.args.find((w) => wordRefersTo(w, t.download.path, t.download.name, cwd, state));
        if (word) t.user = { cmd, word };
      }
      const cleanup = cleanupOf(cmd, cwd, state);
      if (cleanup && !t.removed) {
        const path = t.download.path;
        if (path !== undefined && cleanup.paths.some((p) => pathRelation(p, path) === 'covers')) t.removed = true;
        // `rm -rf "$tmp"`, `rm *.tgz` in an unknown directory: give the benefit of the doubt.
        else if (cleanup.unresolved.length > 0) t.removed = true;
        else if (cmd.program === 'rm' && cmd.args.some((a) => normaliseVars(a.value).endsWith(t.download.name))) t.removed = true;
      }
    }
    for (const d of downloadsOf(cmd, cwd, state)) {
      if (d.path !== undefined && mounts.some((m) => d.path === m || d.path?.startsWith(`${m}/`))) continue;
      if (!isArchive(d)) continue;
      tracked.push({ download: d, cmd, user: undefined, removed: false });
    }
    cwd = cwdAfter(cmd, cwd, state);
  }
  for (const t of tracked) {
    if (!t.user || t.removed) continue;
    if (removedLater(cleanups(), step, t.download.path, t.download.name)) continue;
    const verb = ['tar', 'bsdtar', 'gtar', 'unzip', '7z', '7za', '7zr', 'unrar', 'jar'].includes(t.user.cmd.program) ? 'unpacked' : 'installed';
    const fix = removalFix(ctx, inst, t);
    ctx.report(
      ctx.commandRange(inst, t.cmd),
      `${t.download.name} is downloaded and ${verb} here but never deleted: the archive stays in this layer on top of what came out of it. Delete it in this RUN after \`${t.user.cmd.program}\`, or stream it (\`curl -fsSL URL | tar -xz\`) so it never touches the disk.`,
      fix ? [fix] : [],
    );
  }
}

/** ADD of a remote archive: the download is its own layer and cannot be deleted from it. */
const UNPACKERS = new Set(['tar', 'bsdtar', 'gtar', 'unzip', '7z', '7za', '7zr', 'unrar', 'jar', 'dpkg', 'rpm', 'gdebi', 'gem', 'apt-get', 'apt', 'apk', 'yum', 'dnf', 'microdnf', 'zypper']);

function checkAdd(ctx: RuleContext, inst: Instruction, state: BuildState, steps: readonly { inst: Instruction; state: BuildState }[], index: number): void {
  const copy = readCopy(inst, state);
  if (!copy || copy.urls.length === 0 || (hasFlag(inst, 'unpack') && flagValue(inst, 'unpack') !== 'false')) return;
  const later = steps.slice(index + 1);
  for (const t of copy.targets) {
    if (!copy.urls.includes(t.source)) continue;
    const name = urlFileName(t.source);
    if (!ARCHIVE_EXTENSION.test(name)) continue;
    let unpackedAt: Instruction | undefined;
    for (const step of later) {
      if (step.inst.keyword !== 'RUN') continue;
      let cwd: string | undefined = step.state.workdir;
      for (const cmd of ctx.commands(step.inst)) {
        const candidate = UNPACKERS.has(cmd.program) || cmd.program.startsWith('pip') || cmd.program.startsWith('python');
        if (candidate && unpacksOrInstalls(cmd, (w) => wordRefersTo(w, t.path, name, cwd, step.state))) { unpackedAt = step.inst; break; }
        cwd = cwdAfter(cmd, cwd, step.state);
      }
      if (unpackedAt) break;
    }
    if (!unpackedAt) continue;
    ctx.report(
      ctx.df.instructions[inst.index]?.range ?? inst.range,
      `ADD stores ${name} in a layer of its own, and ${lineLabel(unpackedAt)} unpacks or installs it: the archive stays in the image even if a later RUN deletes it. Download it in the RUN that uses it (curl or wget, then delete it there).`,
    );
  }
}

function checkChain(ctx: RuleContext, chain: readonly Stage[]): void {
  const steps = walkChain(ctx.df, chain);
  let cleanups: ChainCleanup[] | undefined;
  const lazyCleanups = (): readonly ChainCleanup[] => (cleanups ??= chainCleanups(ctx, steps));
  steps.forEach((step, k) => {
    const t = effective(step.inst);
    if (t !== step.inst) return;
    if (step.inst.keyword === 'RUN') {
      if (ctx.commands(step.inst).some((c) => c.program === 'curl' || c.program === 'wget')) checkRun(ctx, step.inst, step.state, lazyCleanups, k);
    } else if (step.inst.keyword === 'ADD') {
      checkAdd(ctx, step.inst, step.state, steps, k);
    }
  });
}

export const BT102: Rule = {
  code: 'BT102',
  family: 'berth',
  severity: 'warning',
  title: 'Delete downloaded archives in the RUN that unpacks or installs them',
  doc: {
    why: 'A tarball, zip, .deb, .rpm or wheel that has been unpacked or installed is dead weight, yet it stays in the layer unless the same RUN deletes it: the image carries the archive and its content. ADD of a remote archive is worse, because the download is a layer of its own that no later RUN can shrink. Download, unpack and delete in one RUN, or stream the download straight into tar.',
    bad: [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*',
      'RUN curl -fsSLo /tmp/node.tar.xz https://nodejs.org/dist/v22.11.0/node-v22.11.0-linux-x64.tar.xz \\',
      ' && tar -xJf /tmp/node.tar.xz -C /usr/local --strip-components=1',
      '',
    ].join('\n'),
    good: [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*',
      'RUN curl -fsSLo /tmp/node.tar.xz https://nodejs.org/dist/v22.11.0/node-v22.11.0-linux-x64.tar.xz \\',
      ' && tar -xJf /tmp/node.tar.xz -C /usr/local --strip-components=1 \\',
      ' && rm -f /tmp/node.tar.xz',
      '',
    ].join('\n'),
    deviation: 'Archives are .tar (plain or .gz/.bz2/.xz/.zst/.lz4), .tgz, .txz, .zip, .7z, .rar, .deb, .rpm, .apk, .whl, .gem, .nupkg, and .jar when it is unpacked rather than run. Single compressed files (.gz, .xz) are left out because gunzip and xz -d delete the original. A deletion in a later RUN is reported by BT101 instead, with its own fix. Only the final image counts (the final stage and the stages it is built FROM).',
  },
  check(ctx) {
    const final = ctx.finalStage;
    // Only downloads by curl or wget and ADD of a URL can leave an archive behind.
    if (!final || (!usesProgram(ctx, 'curl', 'wget') && instructionsOf(ctx.df, 'ADD').length === 0)) return;
    checkChain(ctx, chainFromRoot(ctx.df, final));
  },
};
