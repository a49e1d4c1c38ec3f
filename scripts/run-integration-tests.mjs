// Integration tests against the real parts (test/integration/**): starts the private Docker
// engine and registries (scripts/services/docker.mjs), runs the tests with node's test runner,
// and always stops what it started. A part that cannot start fails the run with the reason.
//   node scripts/run-integration-tests.mjs [--tap=FILE] [substring filters...]
import { spawnSync } from 'node:child_process';
import { dockerStatus, startDocker, stopDocker } from './services/docker.mjs';
import { testRun } from './lib/nodeTests.mjs';

const { files: selected, reporters } = testRun('test/integration');

const wasRunning = (await dockerStatus()).running;
let status = 1;
try {
  const state = await startDocker();
  console.log(`integration: private engine ${state.dockerd.host}, registries ${state.registries.open.address} (open) and ${state.registries.auth.address} (auth); ${state.reused ? 'reused' : `started in ${state.startMs} ms`}`);
  // One file at a time: the fault tests freeze and restart the shared engine.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...reporters, ...selected], {
    stdio: 'inherit',
    env: { ...process.env, DOCKER_HOST: state.dockerd.host, DOCKER_CONFIG: state.dockerConfig, DOCKER_CONTEXT: '' },
  });
  status = r.status ?? 1;
} catch (error) {
  console.error(`integration: ${error instanceof Error ? error.message : String(error)}`);
  status = 1;
} finally {
  // Services someone else started (npm start, a developer) are left as they were.
  if (!wasRunning) await stopDocker();
}
process.exit(status);
