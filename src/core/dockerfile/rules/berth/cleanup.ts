/**
 * BT101: cleanup in a later layer than the one that wrote the files. Each RUN, COPY
 * and ADD is a layer; deleting a file in a later layer hides it but the bytes stay in
 * the layer that wrote it, so the image is no smaller.
 */
import type { Instruction, Stage } from '../../model';
import type { Fix, Rule, RuleContext, RunCommand, TextEdit } from '../types';
import {
  appendToRun, brief, commandWords, deleteCommand, deleteInstruction, isNeutralCommand, lineLabel, pathRelation, runHasOtherCommands,
  chainFromRoot, walkChain,
} from './common';
import { commandText } from '../../commands';
import { readCopy } from './copies';
import type { Written } from './files';
import { ARCHIVE_EXTENSION, cachesWritten, cleanupOf, cwdAfter, directoriesOf, downloadsOf, mayCleanUp, normaliseVars, touchesTrackedFiles } from './files';
import { managerOf, usesIndex } from './packages';
import { cacheMountTargetsOf } from './mounts';
import { allCommands } from '../util';

/** Something an earlier instruction wrote that is still there. */
interface Record {
  readonly written: Written;
  readonly inst: Instruction;
  readonly stage: Stage;
  /** The file name later commands would use to refer to it (downloads). */
  readonly name: string;
  /** Set when a later RUN worked inside this tree: files in it may come from that RUN. */
  touched: boolean;
}

interface LateCleanup {
  readonly cmd: RunCommand;
  readonly creators: Record[];
  /** Paths of the command attributed to nothing (files of the base image or unknown origin). */
  readonly unattributed: number;
  readonly unresolved: number;
}

function underCacheMount(path: string, mounts: readonly string[]): boolean {
  return mounts.some((m) => path === m || path.startsWith(`${m}/`));
}

function recordsOfWrite(written: Written[], inst: Instruction, stage: Stage, name = ''): Record[] {
  return written.map((w) => ({ written: w, inst, stage, name, touched: false }));
}

/** Does any command of `insts` (and `prefix`) use what `record` holds? Then moving the cleanup earlier would break it. */
function usedBetween(ctx: RuleContext, record: Record, between: readonly Instruction[], prefix: readonly RunCommand[]): boolean {
  const commands: RunCommand[] = [...prefix];
  for (const inst of between) if (inst.keyword === 'RUN') commands.push(...ctx.commands(inst));
  const { written } = record;
  if (written.kind === 'index') {
    return commands.some((c) => {
      const manager = managerOf(c);
      return manager !== undefined && usesIndex(c, manager);
    });
  }
  if (written.kind === 'cache') return false;
  const path = written.path;
  const name = record.name !== '' ? record.name : path.slice(path.lastIndexOf('/') + 1);
  return commands.some((c) => {
    const text = commandWords(c);
    if (!text.includes(path) && (name === '' || !text.includes(name)) && !text.includes('$')) return false;
    return c.words.some((w) => {
      const v = normaliseVars(w.value);
      return v.includes(path) || (name !== '' && (v === name || v.endsWith(`/${name}`) || v.includes(`${name}/`)));
    });
  }) || between.some((inst) => (inst.keyword === 'COPY' || inst.keyword === 'ADD') && inst.args.includes(path));
}

function describeCreator(record: Record): { text: string; plural: boolean } {
  const what = record.written.what;
  switch (record.written.kind) {
    case 'index': return { text: `the package index that \`${what}\` downloaded`, plural: false };
    case 'cache': return { text: `the cache that \`${what}\` filled`, plural: false };
    case 'download': return { text: `a file that \`${what}\` downloaded`, plural: false };
    case 'directory': return { text: `files that \`${what}\` created`, plural: true };
    default: return record.written.tree ? { text: `files that \`${what}\` brought in`, plural: true } : { text: `a file that \`${what}\` brought in`, plural: false };
  }
}

function message(late: LateCleanup, inst: Instruction, usedIndex: boolean, movable: boolean, cmdText: string): string {
  const creators = [...new Set(late.creators.map((r) => r.inst))];
  const first = late.creators[0] as Record;
  const where = creators.length === 1 ? lineLabel(first.inst) : `lines ${creators.map((c) => c.range.start.line + 1).join(', ')}`;
  const { text, plural } = describeCreator(first);
  const head = `\`${brief(cmdText, 50)}\` deletes ${text} on ${where}, in an earlier layer: ${plural ? 'they stay' : 'it stays'} in that layer, so the image is no smaller.`;
  if (first.written.kind === 'copy') {
    return `${head} Keep ${plural ? 'them' : 'it'} out of the ${first.inst.keyword} instead (.dockerignore, a narrower source, or RUN --mount=type=bind for files only needed during the build).`;
  }
  if (usedIndex) {
    return `${head} ${capitalize(lineLabel(inst))} still installs from that index: update the index in each RUN that installs, and clean up at the end of that same RUN.`;
  }
  if (first.written.kind === 'download' && !movable) return `${head} Download, use and delete it in one RUN.`;
  if (first.written.kind === 'cache' || first.written.kind === 'index') return `${head} Clean it up in the RUN that fills it.`;
  if (first.written.kind === 'download') return `${head} Delete it in the RUN that downloads it.`;
  return `${head} Delete them in the RUN that creates them.`;
}

function buildFix(ctx: RuleContext, inst: Instruction, commands: readonly RunCommand[], group: readonly LateCleanup[], creator: Instruction): Fix | undefined {
  const moved = group.map((l) => commandText(inst, l.cmd).trim());
  const append = appendToRun(ctx.df, creator, moved.join(' && '));
  if (!append) return undefined;
  const edits: TextEdit[] = [append];
  if (!runHasOtherCommands(commands, group.map((l) => l.cmd))) {
    edits.push(deleteInstruction(ctx.df, inst));
  } else {
    if (group.length !== 1) return undefined;
    const del = deleteCommand(ctx, inst, commands, (group[0] as LateCleanup).cmd);
    if (!del) return undefined;
    edits.push(del);
  }
  return { title: 'Move the cleanup into the RUN that created the files', edits, preferred: true };
}

function checkChain(ctx: RuleContext, chain: readonly Stage[]): void {
  const steps = walkChain(ctx.df, chain);
  // What earlier layers left behind, by path: a later write of the same path becomes its creator.
  const live = new Map<string, Record>();
  // Steps run root stage first, each stage in file order: their order is the order of `inst.index`.
  const instOrder = steps.map((s) => s.inst);
  for (const { inst, stage, state } of steps) {
    if (inst.keyword === 'COPY' || inst.keyword === 'ADD') {
      const copy = readCopy(inst, state);
      if (!copy) continue;
      for (const t of copy.targets) {
        // A later copy over the same path replaces what a cleanup would have removed.
        live.delete(t.path);
        const kind = copy.urls.includes(t.source) ? 'download' : 'copy';
        // A copied script or config file is a few kilobytes; archives and whole directories are what cost.
        if (kind === 'copy' && !t.tree && !ARCHIVE_EXTENSION.test(t.path)) continue;
        const what = kind === 'download' ? 'ADD' : `${inst.keyword} ${brief(inst.args, 40)}`;
        for (const r of recordsOfWrite([{ path: t.path, tree: t.tree, kind, what }], inst, stage)) live.set(r.written.path, r);
      }
      continue;
    }
    if (inst.keyword !== 'RUN') continue;
    let trees = 0;
    for (const r of live.values()) if (r.written.tree && !r.touched) trees++;
    const commands = ctx.commands(inst);
    const mounts = cacheMountTargetsOf(inst, state);
    const local: Record[] = [];
    const lates: LateCleanup[] = [];
    let cwd: string | undefined = state.workdir;
    let workDone = false;
    commands.forEach((cmd) => {
      if (trees > 0) markTouched(live.values(), cmd, cwd);
      if (!touchesTrackedFiles(cmd)) {
        if (!isNeutralCommand(cmd)) workDone = true;
        cwd = cwdAfter(cmd, cwd, state);
        return;
      }
      const cleanup = cleanupOf(cmd, cwd, state);
      if (cleanup) {
        const creators: Record[] = [];
        let unattributed = 0;
        for (const path of cleanup.paths) {
          const localHit = local.some((r) => pathRelation(path, r.written.path) !== undefined);
          if (localHit) {
            for (let i = local.length - 1; i >= 0; i--) if (pathRelation(path, (local[i] as Record).written.path) === 'covers') local.splice(i, 1);
            continue;
          }
          let latest: Record | undefined;
          for (const r of live.values()) {
            const relation = pathRelation(path, r.written.path);
            const hit = relation === 'covers' || (relation === 'inside' && r.written.tree && !r.touched && !workDone);
            if (!hit) continue;
            if (!latest || r.inst.index >= latest.inst.index) latest = r;
            // Removed now: a second cleanup of the same files is not reported again.
            if (relation === 'covers') live.delete(r.written.path);
          }
          if (!latest) { unattributed++; continue; }
          creators.push(latest);
        }
        if (creators.length > 0) lates.push({ cmd, creators, unattributed, unresolved: cleanup.unresolved.length });
      } else {
        const written: Written[] = [...cachesWritten(cmd, state), ...directoriesOf(cmd, cwd, state)];
        const records = recordsOfWrite(written.filter((w) => !underCacheMount(w.path, mounts)), inst, stage);
        for (const d of downloadsOf(cmd, cwd, state)) {
          if (d.path === undefined || underCacheMount(d.path, mounts)) continue;
          records.push(...recordsOfWrite([{ path: d.path, tree: false, kind: 'download', what: d.tool }], inst, stage, d.name));
        }
        local.push(...records);
        if (!isNeutralCommand(cmd)) workDone = true;
      }
      cwd = cwdAfter(cmd, cwd, state);
    });
    reportLate(ctx, inst, commands, lates, instOrder);
    for (const r of local) live.set(r.written.path, r);
  }
}

/** A RUN that works inside a copied or cloned tree may have written what a later cleanup removes. */
function markTouched(live: Iterable<Record>, cmd: RunCommand, cwd: string | undefined): void {
  if (isNeutralCommand(cmd)) return;
  const words = commandWords(cmd);
  for (const r of live) {
    if (!r.written.tree || r.touched) continue;
    const root = r.written.path;
    if ((cwd !== undefined && (cwd === root || cwd.startsWith(`${root}/`))) || words.includes(root)) r.touched = true;
  }
}

function reportLate(ctx: RuleContext, inst: Instruction, commands: readonly RunCommand[], lates: readonly LateCleanup[], order: readonly Instruction[]): void {
  if (lates.length === 0) return;
  // Cleanups that can all move to one creator in the same stage move together.
  const fixFor = new Map<LateCleanup, Fix | undefined>();
  const byCreator = new Map<Instruction, LateCleanup[]>();
  for (const late of lates) {
    const creators = new Set(late.creators.map((r) => r.inst));
    const creator = late.creators[0] as Record;
    const movable = creators.size === 1 && late.unresolved === 0 && creator.inst.keyword === 'RUN' && creator.inst.stageIndex === inst.stageIndex;
    if (!movable) { fixFor.set(late, undefined); continue; }
    const list = byCreator.get(creator.inst) ?? [];
    list.push(late);
    byCreator.set(creator.inst, list);
  }
  for (const [creator, group] of byCreator) {
    const from = order.indexOf(creator);
    const to = order.indexOf(inst);
    const between = order.slice(from + 1, to);
    const usable = group.filter((late) => {
      const prefix = commands.slice(0, commands.indexOf(late.cmd));
      return !late.creators.some((r) => usedBetween(ctx, r, between, prefix));
    });
    const allMove = usable.length === group.length && !runHasOtherCommands(commands, group.map((l) => l.cmd));
    for (const late of group) {
      if (!usable.includes(late)) { fixFor.set(late, undefined); continue; }
      fixFor.set(late, buildFix(ctx, inst, commands, allMove ? group : [late], creator));
    }
  }
  for (const late of lates) {
    const text = commandText(inst, late.cmd);
    const first = late.creators[0] as Record;
    const usedIndex = first.written.kind === 'index' && fixFor.get(late) === undefined && commands.slice(0, commands.indexOf(late.cmd)).some((c) => {
      const manager = managerOf(c);
      return manager !== undefined && usesIndex(c, manager);
    });
    const fix = fixFor.get(late);
    ctx.report(ctx.commandRange(inst, late.cmd), message(late, inst, usedIndex, fix !== undefined, text), fix ? [fix] : []);
  }
}

export const BT101: Rule = {
  code: 'BT101',
  family: 'berth',
  severity: 'warning',
  title: 'Clean up in the RUN that created the files, not in a later layer',
  doc: {
    why: 'Every RUN, COPY and ADD adds a layer, and layers only ever add bytes: deleting files in a later RUN hides them from the final filesystem but they are still downloaded and stored as part of the layer that wrote them. Package lists, download caches and fetched archives removed "afterwards" cost the full size anyway. Deleting them in the same RUN that wrote them is what makes the image smaller.',
    bad: [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'RUN rm -rf /var/lib/apt/lists/*',
      '',
    ].join('\n'),
    good: [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl \\',
      ' && rm -rf /var/lib/apt/lists/*',
      '',
    ].join('\n'),
    deviation: 'Only the final image counts: the final stage and the stages it is built FROM. A cleanup is reported when Berth can name the earlier instruction that wrote the files (package indexes and caches, pip/npm/yarn caches, downloads, clones, mkdir, and COPY/ADD of archives or whole directories; a copied script of a few kilobytes is not worth a warning). The fix moves the cleanup only when the files come from a RUN of the same stage and nothing in between still uses them.',
  },
  check(ctx) {
    const final = ctx.finalStage;
    if (!final || !allCommands(ctx).some(({ cmd }) => mayCleanUp(cmd))) return;
    checkChain(ctx, chainFromRoot(ctx.df, final));
  },
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
