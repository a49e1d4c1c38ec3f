import type { Instruction, Stage, StageUse } from './model';
import { parseImageRef } from './imageRef';
import { mountsOf } from './mounts';
import { keyValuesOf, wordsOf } from './args';
import { expandVariables } from './variables';

interface MutableStage extends Omit<Stage, 'usedBy' | 'isFinal'> {
  usedBy: StageUse[];
  isFinal: boolean;
}

/** Reads `FROM [--platform=..] image [AS name]` into its parts. */
export function parseFrom(inst: Instruction): { image: string; name: string | undefined; asKeyword: string | undefined; nameOffset: number } {
  const words = wordsOf(inst);
  const image = words[0]?.text ?? '';
  const asWord = words[1];
  const nameWord = words[2];
  if (asWord && asWord.text.toLowerCase() === 'as' && nameWord) {
    return { image, name: nameWord.text, asKeyword: asWord.text, nameOffset: nameWord.offset };
  }
  return { image, name: undefined, asKeyword: undefined, nameOffset: -1 };
}

const globalArgCache = new WeakMap<readonly Instruction[], ReadonlyMap<string, string | undefined>>();

/**
 * Values of the global ARGs (before the first FROM), for substitution in FROM lines;
 * undefined for `ARG X` without a default. Cached per file: copy it to change it.
 */
export function globalArgValues(globalArgs: readonly Instruction[]): ReadonlyMap<string, string | undefined> {
  let vars = globalArgCache.get(globalArgs);
  if (!vars) {
    const values = new Map<string, string | undefined>();
    for (const arg of globalArgs) {
      for (const kv of keyValuesOf(arg)) values.set(kv.key, kv.value === undefined ? undefined : expandVariables(kv.value, values).value);
    }
    vars = values;
    globalArgCache.set(globalArgs, vars);
  }
  return vars;
}

/** Stage names referenced by `--from=` of COPY or by `RUN --mount=...,from=...`. */
export function stageReferences(inst: Instruction): { ref: string; via: 'COPY --from' | 'RUN --mount' }[] {
  const refs: { ref: string; via: 'COPY --from' | 'RUN --mount' }[] = [];
  const target = inst.onbuild ?? inst;
  for (const flag of target.flags) {
    if (flag.name === 'from' && flag.value !== undefined && (target.keyword === 'COPY' || target.keyword === 'ADD')) {
      refs.push({ ref: flag.value, via: 'COPY --from' });
    }
  }
  // Only a mount with a `from=` names a stage: most are cache mounts, read later if a rule needs them.
  if (target.flags.some((f) => f.name === 'mount' && f.value !== undefined && /from/i.test(f.value))) {
    for (const mount of mountsOf(target)) if (mount.from !== undefined) refs.push({ ref: mount.from, via: 'RUN --mount' });
  }
  return refs;
}

/** Groups instructions into stages and links stages that use each other. */
export function buildStages(instructions: readonly Instruction[]): { stages: Stage[]; globalArgs: Instruction[] } {
  const globalArgs = instructions.filter((inst) => inst.stageIndex === -1 && inst.keyword === 'ARG');
  const vars = globalArgValues(globalArgs);
  const stages: MutableStage[] = [];
  const byName = new Map<string, number>();
  for (const inst of instructions) {
    if (inst.keyword === 'FROM') {
      const { image, name } = parseFrom(inst);
      const baseImage = expandVariables(image, vars).value;
      const baseLower = baseImage.toLowerCase();
      const baseStage = byName.get(baseLower);
      const platform = inst.flags.find((f) => f.name === 'platform')?.value;
      const index = stages.length;
      stages.push({
        index,
        name,
        nameLower: name?.toLowerCase(),
        from: inst,
        baseImage,
        baseImageRaw: image,
        baseStage,
        image: baseStage === undefined && baseLower !== 'scratch' && baseImage !== '' ? parseImageRef(baseImage) : undefined,
        platform,
        instructions: [],
        usedBy: [],
        isFinal: false,
      });
      if (baseStage !== undefined) {
        (stages[baseStage] as MutableStage).usedBy.push({ byStage: index, via: 'FROM', instruction: inst });
      }
      if (name) byName.set(name.toLowerCase(), index);
    } else if (inst.stageIndex >= 0) {
      const stage = stages[inst.stageIndex] as MutableStage;
      (stage.instructions as Instruction[]).push(inst);
      // Only `--from` and `--mount` flags name other stages.
      if ((inst.onbuild ?? inst).flags.length === 0) continue;
      for (const { ref, via } of stageReferences(inst)) {
        const lower = ref.toLowerCase();
        let used = byName.get(lower);
        if (used === undefined && /^\d+$/.test(ref) && Number(ref) < stage.index) used = Number(ref);
        if (used !== undefined && used !== stage.index) {
          (stages[used] as MutableStage).usedBy.push({ byStage: stage.index, via, instruction: inst });
        }
      }
    }
  }
  const last = stages[stages.length - 1];
  if (last) last.isFinal = true;
  return { stages, globalArgs };
}

/** A stage and the earlier stages it is built `FROM` (`FROM build`), nearest first. */
export function stageChain(stages: readonly Stage[], stage: Stage): Stage[] {
  const chain: Stage[] = [stage];
  let current = stage;
  // A FROM can only name an earlier stage, so the chain always ends; the bound guards odd models.
  while (current.baseStage !== undefined && current.baseStage < current.index && chain.length <= stages.length) {
    const base = stages[current.baseStage];
    if (!base) break;
    chain.push(base);
    current = base;
  }
  return chain;
}

/** Stages the final stage depends on, directly or not (the final stage included). */
export function reachableStages(stages: readonly Stage[]): Set<number> {
  const final = stages[stages.length - 1];
  return final ? reachableFrom(stages, [final.index]) : new Set();
}

/** Indexes of `roots` and of every stage they use, directly or not (FROM, COPY --from, RUN --mount from=). */
export function reachableFrom(stages: readonly Stage[], roots: readonly number[]): Set<number> {
  const dependsOn = new Map<number, number[]>();
  for (const s of stages) {
    for (const use of s.usedBy) {
      const list = dependsOn.get(use.byStage);
      if (list) list.push(s.index); else dependsOn.set(use.byStage, [s.index]);
    }
  }
  const reached = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const idx = queue.pop() as number;
    if (reached.has(idx)) continue;
    reached.add(idx);
    for (const dep of dependsOn.get(idx) ?? []) queue.push(dep);
  }
  return reached;
}
