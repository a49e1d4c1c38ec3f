import type { Instruction, Stage, StageUse } from './model';
import { parseImageRef } from './imageRef';
import { expandVariables, parseKeyValues, splitWords } from './variables';

interface MutableStage extends Omit<Stage, 'usedBy' | 'isFinal'> {
  usedBy: StageUse[];
  isFinal: boolean;
}

/** Reads `FROM [--platform=..] image [AS name]` into its parts. */
export function parseFrom(inst: Instruction): { image: string; name: string | undefined; asKeyword: string | undefined; nameOffset: number } {
  const words = splitWords(inst.args);
  const image = words[0]?.text ?? '';
  const asWord = words[1];
  const nameWord = words[2];
  if (asWord && asWord.text.toLowerCase() === 'as' && nameWord) {
    return { image, name: nameWord.text, asKeyword: asWord.text, nameOffset: nameWord.offset };
  }
  return { image, name: undefined, asKeyword: undefined, nameOffset: -1 };
}

/** Values of the global ARGs (before the first FROM), for substitution in FROM lines. */
export function globalArgValues(globalArgs: readonly Instruction[]): Map<string, string | undefined> {
  const vars = new Map<string, string | undefined>();
  for (const arg of globalArgs) {
    for (const kv of parseKeyValues(arg.args, false)) {
      vars.set(kv.key, kv.value === undefined ? undefined : expandVariables(kv.value, vars).value);
    }
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
    } else if (flag.name === 'mount' && flag.value !== undefined) {
      const from = /(?:^|,)from=([^,]+)/.exec(flag.value);
      if (from) refs.push({ ref: from[1] as string, via: 'RUN --mount' });
    }
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

/** Stages the final stage depends on, directly or not (the final stage included). */
export function reachableStages(stages: readonly Stage[]): Set<number> {
  const reached = new Set<number>();
  const final = stages[stages.length - 1];
  if (!final) return reached;
  const dependsOn = new Map<number, number[]>();
  for (const s of stages) {
    for (const use of s.usedBy) {
      const list = dependsOn.get(use.byStage) ?? [];
      list.push(s.index);
      dependsOn.set(use.byStage, list);
    }
  }
  const queue = [final.index];
  while (queue.length > 0) {
    const idx = queue.pop() as number;
    if (reached.has(idx)) continue;
    reached.add(idx);
    for (const dep of dependsOn.get(idx) ?? []) queue.push(dep);
  }
  return reached;
}
