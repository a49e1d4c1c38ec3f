// End-to-end scenario of the size lenses for images built outside Berth: `docker build` with
// the CLI (classic builder) against the run's private engine, then the Dockerfile opened in
// real VS Code shows the layer sizes without any Berth build, and a second CLI build of the
// same Dockerfile shows the change against the first.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { check, openFile, poll, readCodeLenses, writeWorkspaceFile } from './workbench.mjs';

/** `docker build` with the CLI and the classic builder, against the run's private engine only. */
function cliBuild(ctx, dir, tag, extra = []) {
  return execFileSync('docker', ['build', '-q', '-t', tag, ...extra, dir], {
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOCKER_HOST: ctx.docker.dockerd.host, DOCKER_CONFIG: ctx.docker.dockerConfig, DOCKER_CONTEXT: '', DOCKER_BUILDKIT: '0' },
  }).trim();
}

/** The engine's own layer sizes in bytes, newest first (`docker history --human=false`). */
function historySizes(ctx, tag) {
  const out = execFileSync('docker', ['history', '--no-trunc', '--human=false', '--format', '{{.Size}}', tag], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: ctx.docker.dockerd.host, DOCKER_CONFIG: ctx.docker.dockerConfig, DOCKER_CONTEXT: '' },
  });
  return out.trim().split('\n').map(Number);
}

/** Bytes a lens figure such as `307.2 kB` stands for, and how far rounding may put it off. */
function lensBytes(text) {
  const m = /(\d+(?:\.\d+)?) (B|kB|MB|GB)/.exec(text);
  if (!m) return undefined;
  const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2]];
  return { bytes: Number(m[1]) * unit, slack: unit === 1 ? 0 : unit / 10 };
}

export const outsideBuildScenarios = [
  {
    id: 'size-lenses-outside',
    title: 'An image built with the docker CLI gets layer lenses without a Berth build; a rebuild shows the change',
    services: ['docker'],
    async run(ctx) {
      const { page } = ctx;
      const id = Date.now().toString(36);
      const tag = `e2e/outside:${id}`;
      // The id makes the RUN's content this run's own: no other image in the engine matches it.
      const text = `FROM busybox:local\nARG KB=300\nRUN echo ${id} > /id && dd if=/dev/zero of=/blob bs=1024 count=$KB 2>/dev/null\nCOPY app.txt /app/app.txt\nCMD ["cat", "/app/app.txt"]\n`;
      writeWorkspaceFile(ctx, 'outside/Dockerfile', text);
      writeWorkspaceFile(ctx, 'outside/app.txt', 'app\n');
      const dir = join(ctx.workspace, 'outside');
      cliBuild(ctx, dir, tag);
      // Newest first: CMD, COPY, RUN, ARG, then the base.
      const sizes = historySizes(ctx, tag);
      check(sizes.length === 5, `docker history of ${tag} has ${sizes.length} entries, expected CMD, COPY, RUN, ARG and the base`);
      const firstRun = sizes[2];
      check(firstRun > 300 * 1024, `the RUN layer should hold the 300 KiB blob: ${firstRun}`);

      await openFile(page, ctx.workspace, 'outside/Dockerfile');
      const runLine = 3;
      let lenses = [];
      const runLens = (all) => all.find((l) => l.line === runLine && /^layer /.test(l.text));
      await poll(
        async () => {
          lenses = await readCodeLenses(page);
          return runLens(lenses) && lenses.some((l) => l.line === 1 && /image \d/.test(l.text));
        },
        { timeoutMs: 30_000, what: 'layer lenses from the CLI-built image, with no Berth build', describeLast: async () => JSON.stringify(lenses) },
      );
      const first = lensBytes(runLens(lenses).text);
      check(first && Math.abs(first.bytes - firstRun) <= first.slack, `RUN lens "${runLens(lenses).text}" is not docker history's ${firstRun} bytes`);
      const copyLens = lenses.find((l) => l.line === 4 && /^layer /.test(l.text));
      check(copyLens && /layer 4 B/.test(copyLens.text), `COPY lens: ${JSON.stringify(copyLens)}`);
      const fromLens = lenses.find((l) => l.line === 1 && /image \d/.test(l.text));
      check(fromLens.text.includes(`(${tag})`) && /base busybox:local .*\(local engine\)/.test(fromLens.text), `the FROM lens names neither the image nor the local base: ${fromLens.text}`);
      check(!lenses.some((l) => /since the previous build/.test(l.text)), `a first build has nothing to compare with: ${JSON.stringify(lenses)}`);
      await ctx.screenshot();

      // The same Dockerfile rebuilt by the CLI with a bigger blob: the tag event brings it in.
      cliBuild(ctx, dir, tag, ['--build-arg', 'KB=600']);
      const secondRun = historySizes(ctx, tag)[2];
      await poll(
        async () => {
          lenses = await readCodeLenses(page);
          return /since the previous build/.test(runLens(lenses)?.text ?? '');
        },
        { timeoutMs: 30_000, what: 'the RUN lens to show the change against the first CLI build', describeLast: async () => JSON.stringify(lenses) },
      );
      const second = runLens(lenses).text;
      const now = lensBytes(second);
      check(now && Math.abs(now.bytes - secondRun) <= now.slack, `RUN lens "${second}" is not docker history's ${secondRun} bytes`);
      const delta = /\+(\d+(?:\.\d+)? (?:B|kB|MB)) since the previous build/.exec(second);
      const deltaBytes = delta && lensBytes(delta[1]);
      check(deltaBytes && Math.abs(deltaBytes.bytes - (secondRun - firstRun)) <= deltaBytes.slack, `RUN lens "${second}" should show +${secondRun - firstRun} bytes since the previous build`);
      return `first: ${first.bytes} B lens for ${firstRun} B; rebuilt: "${second}"; FROM: "${fromLens.text}"`;
    },
  },
];
