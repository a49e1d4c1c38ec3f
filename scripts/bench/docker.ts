// Docker overhead: Berth's build and push (Engine API through dockerode) against the docker CLI
// (classic builder, DOCKER_BUILDKIT=0) on the same Dockerfile, engine and registry, alternating
// runs; the Images view's data path (list + group) with 1,000 local images; and the engine's
// CPU while the view is open and idle: Berth (one list, then the event stream) against a view that
// polls the list every second, as Container Tools did (users.md #8: ~50% daemon CPU, #959).
// Runs against the private engine of scripts/services/docker.mjs (started here when needed).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerEngine } from '../../src/clients/docker/engine';
import { resolveDockerEndpoint } from '../../src/core/docker/endpoint';
import { groupImages } from '../../src/core/images/imageList';
import type { BenchContext, BenchResult } from './lib/measure';
import { median } from './lib/measure';

export const name = 'docker';
export const description = 'build/push overhead vs the docker CLI; Images list of 1,000 images; idle engine CPU vs a polling view';

interface State { dir: string; dockerd: { host: string; pid: number }; registries: { open: { address: string } }; dockerConfig: string }

const DOCKERFILE = `FROM busybox:local AS build
RUN dd if=/dev/urandom of=/blob bs=1024 count=4096 2>/dev/null
FROM busybox:local
COPY --from=build /blob /blob
RUN echo done > /stamp
`;

/** CPU time (user + system) dockerd has used so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function dockerdCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") ": utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const IDLE_WINDOW_MS = 20_000;

/** dockerd CPU over an idle window while `during` runs (it gets an abort signal for the window's end). */
async function idleCpu(pid: number, during: (signal: AbortSignal) => Promise<void>, windowMs: number): Promise<number> {
  const controller = new AbortController();
  const before = dockerdCpuMs(pid);
  const running = during(controller.signal).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const used = dockerdCpuMs(pid) - before;
  controller.abort();
  await running;
  return used;
}

function cli(state: State, args: string[], extraEnv: Record<string, string> = {}): number {
  const started = performance.now();
  const r = spawnSync('docker', args, { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: state.dockerd.host, DOCKER_CONFIG: state.dockerConfig, DOCKER_CONTEXT: '', ...extraEnv } });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - started;
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const statusBefore = spawnSync(process.execPath, ['scripts/services/docker.mjs', 'status'], { cwd: ctx.root });
  const start = spawnSync(process.execPath, ['scripts/services/docker.mjs', 'start', '--json'], { cwd: ctx.root, encoding: 'utf8' });
  if (start.status !== 0) throw new Error(`could not start the private engine: ${start.stderr}`);
  const state = JSON.parse(start.stdout) as State;
  const engine = new DockerEngine(resolveDockerEndpoint({ env: { DOCKER_HOST: state.dockerd.host } }));
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
  const rounds = ctx.quick ? 3 : 7;
  const build = { cli: [] as number[], berth: [] as number[] };
  const push = { cli: [] as number[], berth: [] as number[] };
  try {
    for (let i = 0; i < rounds; i++) {
      // Alternate who goes first, so that warm caches do not favour one side.
      const order = i % 2 === 0 ? ['cli', 'berth'] : ['berth', 'cli'];
      for (const who of order) {
        if (who === 'cli') {
          build.cli.push(cli(state, ['build', '-q', '--no-cache', '-t', `bench/cli:${i}`, dir], { DOCKER_BUILDKIT: '0' }));
        } else {
          const t0 = performance.now();
          await engine.build({ contextDir: dir, dockerfile: join(dir, 'Dockerfile'), tag: `bench/berth:${i}`, noCache: true });
          build.berth.push(performance.now() - t0);
        }
      }
      // A new repository each round, so that every push uploads the layers.
      for (const who of order) {
        const ref = `${state.registries.open.address}/bench-${who}-${Date.now()}-${i}:1`;
        await engine.tag(`bench/${who}:${i}`, ref);
        if (who === 'cli') {
          push.cli.push(cli(state, ['push', '-q', ref]));
        } else {
          const t0 = performance.now();
          await engine.push(ref);
          push.berth.push(performance.now() - t0);
        }
      }
      ctx.log(`round ${i + 1}/${rounds}: build cli ${build.cli.at(-1)?.toFixed(0)} ms / berth ${build.berth.at(-1)?.toFixed(0)} ms; push cli ${push.cli.at(-1)?.toFixed(0)} ms / berth ${push.berth.at(-1)?.toFixed(0)} ms`);
    }

    // 1,000 tags on the base image: the Images view's list and grouping.
    const tags = Array.from({ length: 1000 }, (_, i) => `bench/many-${Math.floor(i / 10)}:t${i}`);
    for (const t of tags) await engine.tag('busybox:local', t);
    const listMs: number[] = [];
    for (let i = 0; i < (ctx.quick ? 3 : 10); i++) {
      const t0 = performance.now();
      const [images, containers] = await Promise.all([engine.listImages(), engine.listContainers()]);
      const groups = groupImages(images, containers);
      if (groups.repositories.length < 100) throw new Error('the 1,000 tags are not listed');
      listMs.push(performance.now() - t0);
    }

    // The engine idle with 1,000 images, for the same window three ways: nobody watching; Berth's
    // view (one list, then only the event stream); a view that lists images and containers every second.
    const windowMs = ctx.quick ? 8_000 : IDLE_WINDOW_MS;
    const requests = { polling: 0 };
    const baseline = await idleCpu(state.dockerd.pid, async () => { /* nothing */ }, windowMs);
    // Berth's first list happens before the window: the window is the view staying open.
    groupImages(...(await Promise.all([engine.listImages(), engine.listContainers()])));
    const idle = {
      baseline,
      berth: await idleCpu(state.dockerd.pid, async (signal) => {
        await engine.watchEvents(() => undefined, signal).catch(() => undefined);
      }, windowMs),
      polling: await idleCpu(state.dockerd.pid, async (signal) => {
        while (!signal.aborted) {
          requests.polling += 2;
          groupImages(...(await Promise.all([engine.listImages(), engine.listContainers()])));
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }, windowMs),
    };
    ctx.log(`idle dockerd CPU over ${windowMs / 1000} s: nobody ${idle.baseline} ms, Berth's event stream ${idle.berth} ms, polling every 1 s ${idle.polling} ms (${requests.polling} requests)`);
    for (const t of tags) await engine.removeImage(t);

    const buildOverhead = (median(build.berth) / median(build.cli) - 1) * 100;
    const pushOverhead = (median(push.berth) / median(push.cli) - 1) * 100;
    const report = [
      `rounds: ${rounds}; Dockerfile: 2 stages, a 4 MiB random layer; engine ${state.dockerd.host}`,
      `build --no-cache   docker CLI ${median(build.cli).toFixed(0)} ms   Berth ${median(build.berth).toFixed(0)} ms   overhead ${buildOverhead.toFixed(1)} %`,
      `push (new repo)    docker CLI ${median(push.cli).toFixed(0)} ms   Berth ${median(push.berth).toFixed(0)} ms   overhead ${pushOverhead.toFixed(1)} %`,
      `Images list + group, 1,000 tags: median ${median(listMs).toFixed(0)} ms`,
      `idle engine with 1,000 images, dockerd CPU over ${windowMs / 1000} s: nobody watching ${idle.baseline} ms; Berth's engine client holding the event stream as the open Images view does (no timer in the view) ${idle.berth} ms; a view polling every 1 s ${idle.polling} ms (${requests.polling} requests)`,
      `(the docker CLI timing includes starting the CLI process, ~30-60 ms)`,
    ].join('\n');
    return {
      report,
      targets: [
        { name: 'build overhead within 5 %', pass: buildOverhead <= 5, value: `${buildOverhead.toFixed(1)} %` },
        { name: 'push overhead within 5 %', pass: pushOverhead <= 5, value: `${pushOverhead.toFixed(1)} %` },
        { name: 'Images list of 1,000 under 300 ms', pass: median(listMs) < 300, value: `${median(listMs).toFixed(0)} ms` },
        // No polling: after the first list, the open view costs the engine about what nobody watching costs
        // (the margin is for dockerd's own background work; run the bench on a quiet machine).
        { name: 'idle engine: no polling (the event stream the view holds costs dockerd no more CPU than nobody watching)', pass: idle.berth <= idle.baseline * 1.5 + 50, value: `${idle.berth} ms vs ${idle.baseline} ms idle; polling peer ${idle.polling} ms (${(idle.polling / Math.max(idle.berth, 10)).toFixed(0)}x)` },
      ],
      json: { build, push, listMs, buildOverhead, pushOverhead, idle, requests, windowMs },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    for (let i = 0; i < rounds; i++) for (const who of ['cli', 'berth']) await engine.removeImage(`bench/${who}:${i}`).catch(() => undefined);
    if (statusBefore.status !== 0) spawnSync(process.execPath, ['scripts/services/docker.mjs', 'stop'], { cwd: ctx.root });
  }
}
