/**
 * BT105: a package index update (`apt-get update`, `apk update`, ...) in a RUN of its
 * own. The index is stored in that layer for nothing, and the build cache keeps reusing
 * the old layer, so later installs read a stale index (and can fail on packages that
 * the mirror no longer has).
 */
import type { Instruction } from '../../model';
import type { Fix, Rule, RuleContext, RunCommand, TextEdit } from '../types';
import { commandText } from '../../commands';
import { effective, usesProgram } from '../util';
import type { StepWithState } from './common';
import { brief, deleteInstruction, lineLabel, walkChain } from './common';
import { cacheMountTargetsOf } from './mounts';
import type { PackageManager } from './packages';
import { indexUpdateOf, MANAGER_PROGRAMS, managerOf, usesIndex } from './packages';

const INDEX_DIRS: Readonly<Record<PackageManager, string>> = {
  apt: '/var/lib/apt/lists',
  apk: '/var/cache/apk',
  yum: '/var/cache/yum',
  dnf: '/var/cache/dnf',
  zypper: '/var/cache/zypp',
};

const TRIVIAL = new Set(['set', 'true', ':', 'echo']);

/** The managers whose index a RUN only refreshes, or undefined when it does more. */
function updateOnly(commands: readonly RunCommand[]): PackageManager[] | undefined {
  const managers: PackageManager[] = [];
  for (const cmd of commands) {
    if (TRIVIAL.has(cmd.program) || cmd.name === '') continue;
    const manager = indexUpdateOf(cmd);
    if (!manager) return undefined;
    if (!managers.includes(manager)) managers.push(manager);
  }
  return managers.length > 0 ? managers : undefined;
}

function mergeFix(ctx: RuleContext, update: Instruction, next: Instruction, manager: PackageManager): Fix | undefined {
  const t = effective(next);
  if (t.json || t.heredocs.length > 0 || t !== next) return undefined;
  const nextCommands = ctx.commands(next);
  const edits: TextEdit[] = [deleteInstruction(ctx.df, update)];
  if (nextCommands.some((c) => indexUpdateOf(c) === manager)) {
    return { title: 'Delete this index update (the RUN that installs already refreshes the index)', edits, preferred: true };
  }
  const updateText = ctx.commands(update).filter((c) => indexUpdateOf(c) !== undefined).map((c) => commandText(update, c).trim()).join(' && ');
  const first = t.argSegments[0];
  if (!first || updateText === '') return undefined;
  const at = { line: first.line, col: first.col };
  edits.push({ range: { start: at, end: at }, newText: `${updateText} && ` });
  return { title: `Merge \`${brief(updateText, 30)}\` into the RUN that installs (${lineLabel(next)})`, edits, preferred: true };
}

export const BT105: Rule = {
  code: 'BT105',
  family: 'berth',
  severity: 'warning',
  title: 'Update the package index in the RUN that installs, not in a RUN of its own',
  doc: {
    why: 'A RUN that only refreshes the package index stores the index (tens of MB for apt) in a layer of its own, where no cleanup can remove it. Worse, the build cache reuses that layer for as long as the line is unchanged, so the RUN that installs later reads an index that can be weeks old and fails when the mirror has moved on. Refresh, install and clean up in one RUN.',
    bad: [
      'FROM debian:bookworm-slim',
      'RUN apt-get update',
      'RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
      '',
    ].join('\n'),
    good: [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
      '',
    ].join('\n'),
  },
  check(ctx) {
    // Only package-manager commands refresh an index: most files are done here.
    if (!usesProgram(ctx, ...MANAGER_PROGRAMS)) return;
    for (const stage of ctx.df.stages) {
      const insts = stage.instructions;
      // The state (WORKDIR for relative mount targets) is only needed for update-only RUNs.
      let steps: readonly StepWithState[] | undefined;
      insts.forEach((inst, k) => {
        if (inst.keyword !== 'RUN') return;
        const managers = updateOnly(ctx.commands(inst));
        if (!managers) return;
        steps ??= walkChain(ctx.df, [stage]);
        const state = (steps[k] as StepWithState).state;
        const mounts = cacheMountTargetsOf(inst, state);
        const manager = managers[0] as PackageManager;
        const dir = INDEX_DIRS[manager];
        if (mounts.some((m) => dir === m || dir.startsWith(`${m}/`))) return;
        const next = insts.slice(k + 1).find((i) => i.keyword === 'RUN' && ctx.commands(i).some((c) => managerOf(c) === manager && usesIndex(c, manager)));
        const name = ctx.commands(inst).find((c) => indexUpdateOf(c) !== undefined);
        const label = name ? brief(commandText(inst, name), 30) : 'the index update';
        const fix = next && managers.length === 1 ? mergeFix(ctx, inst, next, manager) : undefined;
        const tail = next
          ? `Do it in the RUN that installs (${lineLabel(next)}), and clean up at the end of that RUN.`
          : 'Nothing in this stage installs from it afterwards: do the update in the RUN that installs, or delete it.';
        ctx.report(
          inst.range.start.line === inst.range.end.line ? inst.range : { start: inst.range.start, end: { line: inst.range.start.line, col: (ctx.df.lines[inst.range.start.line] ?? '').length } },
          `\`${label}\` runs in a RUN of its own: the index is stored in this layer for nothing, and the build cache keeps reusing it, so later installs read a stale index. ${tail}`,
          fix ? [fix] : [],
        );
      });
    }
  },
};
