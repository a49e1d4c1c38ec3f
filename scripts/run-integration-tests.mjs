// Integration tests against the real parts (test/integration/**): starts what the selected tests
// need — the private Docker engine and registries (scripts/services/docker.mjs) for
// test/integration/docker, the Kubernetes sandbox (scripts/services/k8s.mjs: etcd, kube-apiserver,
// controller-manager, scheduler and kwok on 127.0.0.1) for test/integration/kube and, with real
// helm 3 and 4 (scripts/services/helm.mjs), for test/integration/helm — runs the tests
// with node's test runner, and always stops what it started. A part that cannot start fails the
// run with the reason.
//   node scripts/run-integration-tests.mjs [--tap=FILE] [substring filters...]
import { spawnSync } from 'node:child_process';
import { sep } from 'node:path';
import { dockerStatus, startDocker, stopDocker } from './services/docker.mjs';
import { sandboxProcessEnv, sandboxStatus, startSandbox, stopSandbox } from './services/k8s.mjs';
import { ensureHelm } from './services/helm.mjs';
import { ensureCodeServer } from './vscode/ensure.mjs';
import { testRun } from './lib/nodeTests.mjs';

const { files: selected, reporters } = testRun('test/integration');
const needs = (area) => selected.some((file) => file.includes(`${sep}${area}${sep}`) || file.includes(`/${area}/`));

const stops = [];
let status = 1;
try {
  const env = { ...process.env };
  if (needs('docker')) {
    const wasRunning = (await dockerStatus()).running;
    const state = await startDocker();
    if (!wasRunning) stops.push(() => stopDocker());
    console.log(`integration: private engine ${state.dockerd.host}, registries ${state.registries.open.address} (open) and ${state.registries.auth.address} (auth); ${state.reused ? 'reused' : `started in ${state.startMs} ms`}`);
    Object.assign(env, { DOCKER_HOST: state.dockerd.host, DOCKER_CONFIG: state.dockerConfig, DOCKER_CONTEXT: '' });
  }
  if (needs('helm')) {
    // Real helm 3 and 4 (built from the Go proxy, cached by version); the grammar test tokenizes
    // with the TextMate engine of the code-server the e2e suite uses.
    const helm = await ensureHelm();
    console.log(`integration: helm 3 ${helm.paths.v3}, helm 4 ${helm.paths.v4}`);
    await ensureCodeServer();
  }
  if (needs('kube') || needs('helm')) {
    const wasRunning = (await sandboxStatus()).running;
    const started = Date.now();
    const sandbox = await startSandbox();
    if (!wasRunning) stops.push(() => stopSandbox());
    console.log(`integration: Kubernetes sandbox ${sandbox.server}; ${sandbox.reused ? 'reused' : `started in ${((Date.now() - started) / 1000).toFixed(1)} s`}`);
    // The tests' KUBECONFIG is the sandbox's: nothing can reach the user's own clusters.
    Object.assign(env, sandboxProcessEnv(sandbox));
  }
  // One file at a time: the Docker fault tests freeze and restart the shared engine.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...reporters, ...selected], {
    stdio: 'inherit',
    env,
  });
  status = r.status ?? 1;
} catch (error) {
  console.error(`integration: ${error instanceof Error ? error.message : String(error)}`);
  status = 1;
} finally {
  // Services someone else started (npm start, a developer) are left as they were.
  for (const stop of stops.reverse()) await stop();
}
process.exit(status);
