/**
 * BT103: `RUN chown -R` / `chmod -R` over files an earlier COPY or ADD of the same stage
 * brought in. Changing a file's owner or mode copies the whole file into the new layer,
 * so every copied byte is stored twice; `COPY --chown` / `--chmod` sets them for free.
 */
import type { Instruction } from '../../model';
import type { ShellWord } from '../../shell';
import type { Fix, Rule, RuleContext, RunCommand, TextEdit } from '../types';
import type { BuildState } from './common';
import {
  brief, deleteCommand, deleteInstruction, isNeutralCommand, lineLabel, pathRelation, resolvePath,
  runHasOtherCommands, chainFromRoot, walkChain,
} from './common';
import type { CopyInfo } from './copies';
import { readCopy } from './copies';
import { cwdAfter, directoriesOf } from './files';
import { flagValue, usesProgram } from '../util';

interface RecursiveChange {
  readonly kind: 'chown' | 'chmod';
  /** Owner (`app:app`) or mode (`755`) as written. */
  readonly value: string;
  readonly paths: readonly { word: ShellWord; path: string | undefined }[];
  /** The `-R` word (or cluster such as `-Rf`). */
  readonly recursiveWord: ShellWord;
  /** `--reference=...`: the owner comes from a file, not from the command. */
  readonly byReference: boolean;
}

function readRecursiveChange(cmd: RunCommand, cwd: string | undefined, state: BuildState): RecursiveChange | undefined {
  if (cmd.program !== 'chown' && cmd.program !== 'chmod') return undefined;
  let recursiveWord: ShellWord | undefined;
  let byReference = false;
  const operands: ShellWord[] = [];
  for (const arg of cmd.args) {
    const v = arg.value;
    if (v === '-R' || v === '--recursive' || (/^-[a-zA-Z]+$/.test(v) && v.includes('R'))) { recursiveWord ??= arg; continue; }
    if (v.startsWith('--reference')) { byReference = true; continue; }
    // chmod accepts modes like -w: only treat known option letters as options.
    if (v.startsWith('-') && (cmd.program === 'chown' || /^-[cfvhHLP]+$/.test(v) || v.startsWith('--'))) continue;
    operands.push(arg);
  }
  if (!recursiveWord) return undefined;
  const first = byReference ? undefined : operands[0];
  const rest = byReference ? operands : operands.slice(1);
  if (!byReference && first === undefined) return undefined;
  return {
    kind: cmd.program === 'chown' ? 'chown' : 'chmod',
    value: first?.value ?? '',
    paths: rest.map((word) => ({ word, path: resolvePath(word.value, cwd, state) })),
    recursiveWord,
    byReference,
  };
}

interface CopyStep {
  readonly copy: CopyInfo;
  readonly state: BuildState;
  readonly order: number;
}

/** Something between the copy and the chown (or earlier in the chown's RUN) may have written under `root`. */
function writtenBetween(ctx: RuleContext, steps: readonly { inst: Instruction; state: BuildState }[], from: number, to: number, prefix: readonly RunCommand[], root: string, cwdAtPrefix: string): boolean {
  const inside = (p: string | undefined): boolean => p !== undefined && (p === root || p.startsWith(`${root}/`));
  const busy = (cmd: RunCommand, cwd: string | undefined): boolean => !isNeutralCommand(cmd) && (inside(cwd) || cmd.words.some((w) => w.value.includes(root)));
  for (let k = from + 1; k < to; k++) {
    const { inst, state } = steps[k] as { inst: Instruction; state: BuildState };
    if (inst.keyword !== 'RUN') continue;
    let cwd: string | undefined = state.workdir;
    for (const cmd of ctx.commands(inst)) {
      if (busy(cmd, cwd)) return true;
      cwd = cwdAfter(cmd, cwd, state);
    }
  }
  let cwd: string | undefined = cwdAtPrefix;
  for (const cmd of prefix) {
    if (busy(cmd, cwd)) return true;
    cwd = cwdAfter(cmd, cwd, steps[to]?.state as BuildState);
  }
  return false;
}

function valueUsable(change: RecursiveChange, copyState: BuildState): boolean {
  if (change.byReference || change.value.includes('`') || change.value.includes('$(')) return false;
  if (change.kind === 'chmod' && !/^[0-7]{3,4}$/.test(change.value)) return false;
  for (const m of change.value.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (copyState.vars.get(m[1] as string) === undefined) return false;
  }
  return true;
}

function buildFix(
  ctx: RuleContext, inst: Instruction, commands: readonly RunCommand[], cmd: RunCommand, change: RecursiveChange,
  covered: readonly CopyStep[], keepOnDirectory: boolean,
): Fix | undefined {
  const flag = change.kind === 'chown' ? 'chown' : 'chmod';
  const owner = change.kind === 'chown' ? change.value.replace(/^([^.:]+)\.([^.:]+)$/, '$1:$2') : change.value;
  const edits: TextEdit[] = [];
  for (const { copy } of covered) {
    const existing = flagValue(copy.inst, flag);
    if (existing !== undefined) {
      if (existing !== owner) return undefined;
      continue;
    }
    const at = copy.inst.keywordRange.end;
    edits.push({ range: { start: at, end: at }, newText: ` --${flag}=${owner}` });
  }
  if (keepOnDirectory) {
    // The directory itself may predate the copy (WORKDIR makes it as root): keep a non-recursive change of it.
    const w = change.recursiveWord;
    const rest = w.value === '-R' || w.value === '--recursive' ? '' : w.value.replace('R', '');
    if (cmd.heredoc === -1) return undefined;
    const range = rest === '' ? ctx.commandRange(inst, cmd, w.start, commandAfterWord(cmd, w)) : ctx.commandRange(inst, cmd, w.start, w.end);
    edits.push({ range, newText: rest });
  } else if (!runHasOtherCommands(commands, [cmd])) {
    edits.push(deleteInstruction(ctx.df, inst));
  } else {
    const del = deleteCommand(ctx, inst, commands, cmd);
    if (!del) return undefined;
    edits.push(del);
  }
  const title = change.kind === 'chown' ? `Set the owner while copying (COPY --chown=${owner})` : `Set the mode while copying (COPY --chmod=${owner})`;
  return { title, edits, preferred: true };
}

/** End offset to delete a word and the blank after it. */
function commandAfterWord(cmd: RunCommand, word: ShellWord): number {
  const next = cmd.words.find((w) => w.start > word.start);
  return next ? next.start : word.end;
}

function checkChain(ctx: RuleContext, steps: readonly { inst: Instruction; state: BuildState }[]): void {
  let copies: CopyStep[] = [];
  let stageIndex = -1;
  // Directories this Dockerfile made (WORKDIR, mkdir): a chown of one is not only about copied files.
  const dirs = new Set<string>();
  steps.forEach(({ inst, state }, order) => {
    if (inst.stageIndex !== stageIndex) { stageIndex = inst.stageIndex; copies = []; }
    dirs.add(state.workdir);
    if (inst.keyword === 'COPY' || inst.keyword === 'ADD') {
      const copy = readCopy(inst, state);
      if (copy) copies.push({ copy, state, order });
      return;
    }
    if (inst.keyword !== 'RUN') return;
    const commands = ctx.commands(inst);
    let cwd: string | undefined = state.workdir;
    for (const cmd of commands) {
      for (const d of directoriesOf(cmd, cwd, state)) dirs.add(d.path);
      cwd = cwdAfter(cmd, cwd, state);
    }
    if (copies.length === 0) return;
    cwd = state.workdir;
    commands.forEach((cmd, k) => {
      const change = readRecursiveChange(cmd, cwd, state);
      cwd = cwdAfter(cmd, cwd, state);
      if (!change) return;
      const covered: CopyStep[] = [];
      let insideOnly = false;
      let allPathsCovered = change.paths.length > 0;
      for (const { path } of change.paths) {
        if (path === undefined) { allPathsCovered = false; continue; }
        let hit = false;
        for (const step of copies) {
          for (const t of step.copy.targets) {
            const relation = pathRelation(path, t.path);
            if (relation === 'covers' && (path === t.path || dirs.has(path) || step.copy.dest === path)) {
              if (!covered.includes(step)) covered.push(step);
              hit = true;
            } else if (relation === 'inside' && t.tree) {
              const prefix = commands.slice(0, k);
              if (!writtenBetween(ctx, steps, step.order, order, prefix, path, state.workdir)) { hit = true; insideOnly = true; }
            }
          }
        }
        if (!hit) allPathsCovered = false;
      }
      if (covered.length === 0 && !insideOnly) return;
      const shown = covered[0]?.copy.inst ?? copies[copies.length - 1]?.copy.inst;
      const flag = change.kind === 'chown' ? '--chown' : '--chmod';
      const what = change.kind === 'chown' ? 'owner' : 'mode';
      let fix: Fix | undefined;
      const firstCovered = covered[0];
      if (firstCovered && !insideOnly && allPathsCovered && change.paths.length === 1 && valueUsable(change, firstCovered.state)) {
        const root = change.paths[0]?.path as string;
        const prefix = commands.slice(0, k);
        const firstOrder = Math.min(...covered.map((c) => c.order));
        if (!writtenBetween(ctx, steps, firstOrder, order, prefix, root, state.workdir)) {
          const isFile = covered.every((c) => c.copy.targets.some((t) => t.path === root && !t.tree));
          fix = buildFix(ctx, inst, commands, cmd, change, covered, !isFile);
        }
      }
      const cmdText = `${cmd.program} ${cmd.args.map((a) => a.raw).join(' ')}`;
      ctx.report(
        ctx.commandRange(inst, cmd),
        `\`${brief(cmdText, 50)}\` rewrites files that ${shown ? `${shown.keyword} on ${lineLabel(shown)}` : 'an earlier COPY'} brought in, so this layer stores a second copy of each of them. Set the ${what} while copying: ${shown?.keyword ?? 'COPY'} ${flag}=${change.value || '...'}.`,
        fix ? [fix] : [],
      );
    });
  });
}

export const BT103: Rule = {
  code: 'BT103',
  family: 'berth',
  severity: 'warning',
  title: 'Use COPY --chown/--chmod instead of chown -R/chmod -R over copied files',
  doc: {
    why: 'Layers store whole files: changing the owner or mode of a file in a RUN copies the file into the new layer, so a `chown -R` over an application directory that a COPY just brought in stores every byte twice (a 300 MB node_modules becomes 600 MB). `COPY --chown=user:group` and `COPY --chmod=755` set owner and mode as the files are written, at no cost.',
    bad: [
      'FROM node:22-slim',
      'WORKDIR /app',
      'COPY . .',
      'RUN chown -R node:node /app',
      'USER node',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
    good: [
      'FROM node:22-slim',
      'WORKDIR /app',
      'COPY --chown=node:node . .',
      'USER node',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n'),
    deviation: 'The fix keeps a non-recursive `chown`/`chmod` of the directory itself when it may predate the copy (WORKDIR creates directories owned by root, and --chown only applies to what COPY creates). `COPY --chmod` with non-octal modes needs Dockerfile syntax 1.14, so symbolic modes get no fix.',
  },
  check(ctx) {
    const final = ctx.finalStage;
    if (!final || !usesProgram(ctx, 'chown', 'chmod')) return;
    checkChain(ctx, walkChain(ctx.df, chainFromRoot(ctx.df, final)));
  },
};
