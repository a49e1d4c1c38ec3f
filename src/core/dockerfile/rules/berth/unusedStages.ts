/**
 * BT204: a stage nothing uses. What counts as used: the final stage, every stage it
 * reaches through `FROM <stage>`, `COPY --from` and `RUN --mount=from=`, and the same for
 * stages that are evidently built on their own with `docker build --target` (a named
 * stage that sets CMD/ENTRYPOINT, or whose name says dev/test/lint/...). A stage used
 * only by an unused stage is unused too.
 */
import type { Stage } from '../../model';
import type { Rule } from '../types';
import { reachableFrom } from '../../stages';
import { firstLineRange } from '../util';

/** Names people give to stages they build with `--target`. */
const TARGET_NAME = /(^|[-_.])(dev|devel|develop|development|devenv|dev-envs?|devcontainer|debug|test|tests|testing|unittest|integration|e2e|lint|linter|check|ci|local|prod|production|release|runtime|final)([-_.]|$|\d)/i;

/** A named stage that looks like a build target of its own. */
export function looksLikeTarget(stage: Stage): boolean {
  if (stage.name === undefined) return false;
  if (TARGET_NAME.test(stage.name)) return true;
  return stage.instructions.some((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
}

export const BT204: Rule = {
  code: 'BT204',
  family: 'berth',
  severity: 'info',
  title: 'Remove stages that nothing uses',
  doc: {
    why: 'A stage that neither the final stage nor any build target depends on is dead code: BuildKit skips it, so its mistakes go unnoticed, while the legacy builder still builds it and wastes time. It usually means a COPY --from was forgotten or a refactoring left it behind. Delete it, or use it.',
    bad: [
      'FROM golang:1.22 AS tools',
      'RUN go install golang.org/x/tools/cmd/stringer@latest',
      '',
      'FROM golang:1.22',
      'WORKDIR /src',
      'COPY . .',
      'RUN go build -o /out/app .',
      '',
      'FROM gcr.io/distroless/static-debian12',
      'COPY --from=1 /out/app /app',
      'ENTRYPOINT ["/app"]',
      '',
    ].join('\n'),
    good: [
      'FROM golang:1.22 AS build',
      'WORKDIR /src',
      'COPY . .',
      'RUN go build -o /out/app .',
      '',
      'FROM gcr.io/distroless/static-debian12',
      'COPY --from=build /out/app /app',
      'ENTRYPOINT ["/app"]',
      '',
    ].join('\n'),
    deviation: 'Stages that look like build targets of their own (named, and setting CMD/ENTRYPOINT or named dev, test, lint, debug, ...) count as used, with everything they depend on: they are built with `docker build --target`.',
  },
  check(ctx) {
    const stages = ctx.df.stages;
    if (stages.length < 2) return;
    const final = stages[stages.length - 1] as Stage;
    const roots = [final.index, ...stages.filter((s) => s.usedBy.length === 0 && looksLikeTarget(s)).map((s) => s.index)];
    const used = reachableFrom(stages, roots);
    for (const stage of stages) {
      if (used.has(stage.index)) continue;
      const label = stage.name !== undefined ? `Stage "${stage.name}"` : `Stage ${stage.index} (unnamed)`;
      const users = stage.usedBy.map((u) => stages[u.byStage]).filter((s): s is Stage => s !== undefined);
      const why = users.length > 0
        ? `is only used by ${users.map((s) => (s.name !== undefined ? `"${s.name}"` : `stage ${s.index}`)).join(', ')}, which nothing uses either`
        : 'is not used by the final stage or any other stage (no FROM, COPY --from or RUN --mount from= names it)';
      const target = stage.name !== undefined ? ` If you build it on its own with --target ${stage.name}, ignore this finding for it.` : ' Delete it or copy what you need from it.';
      ctx.report(firstLineRange(stage.from), `${label} ${why}.${target}`);
    }
  },
};

/** Names of stages that are development or test environments, where toolchains are wanted. */
const DEVELOPMENT_NAME = /(^|[-_.])(dev|devel|develop|development|devenv|dev-envs?|devcontainer|debug|test|tests|testing|unittest|integration|e2e|lint|linter|ci)([-_.]|$|\d)/i;

/** True for a stage named like a development, test or CI target (`dev-envs`, `test`, `debug`). */
export function isDevelopmentStage(stage: Stage): boolean {
  return stage.name !== undefined && DEVELOPMENT_NAME.test(stage.name);
}
