// Puts something to look at into the Kubernetes sandbox for `npm start`: a namespace `shop`
// with the demo chart installed by helm (a release with history) and the demo's hand-written
// manifests applied, and log lines appended to the file kwok serves every pod's log from, so that
// the log panel has a live stream (plain, JSON, coloured and warning lines).
// Everything goes through the sandbox's own kubeconfig and binaries; argument arrays only.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const NAMESPACE = 'shop';
const CONTEXT = 'berth-sandbox';

function run(command, args) {
  return execFileSync(command, args, { encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

async function sleep(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** The same CRI line format kwok reads (`<RFC 3339 nano> stdout F <text>`). */
function criLine(stream, text) {
  const now = new Date();
  const nanos = `${String(now.getUTCMilliseconds()).padStart(3, '0')}000000`;
  return `${now.toISOString().slice(0, 19)}.${nanos}Z ${stream} F ${text}\n`;
}

const SAMPLE_LINES = [
  () => ['stdout', `GET /api/products 200 ${(5 + Math.random() * 40).toFixed(1)}ms`],
  () => ['stdout', JSON.stringify({ level: 'info', msg: 'order placed', orderId: Math.floor(Math.random() * 1e6), latencyMs: Math.round(Math.random() * 120) })],
  () => ['stderr', '\u001b[33mWARN\u001b[0m cache miss for product catalogue, reloading'],
  () => ['stdout', JSON.stringify({ level: 'error', msg: 'payment gateway timeout', status: 504, attempt: 1 + Math.floor(Math.random() * 3) })],
  () => ['stdout', '\u001b[32mINFO\u001b[0m health check ok'],
];

/**
 * Creates (or reuses) the demo namespace and release, then starts a log writer.
 * Resolves `{ namespace, summary, stop }`; `stop()` ends the log writer (the objects stay: the
 * sandbox is stopped anyway when `npm start` started it).
 */
export async function seedDemoCluster({ env, helm, demo }) {
  const kubectl = (...args) => run(env.kubectl, ['--kubeconfig', env.kubeconfig, '--context', CONTEXT, ...args]);
  try {
    kubectl('get', 'namespace', NAMESPACE);
  } catch {
    kubectl('create', 'namespace', NAMESPACE);
  }
  // The namespace's default ServiceAccount comes from the controller manager a moment later.
  for (let i = 0; i < 60; i++) {
    try { kubectl('get', 'serviceaccount', 'default', '-n', NAMESPACE); break; } catch { await sleep(500); }
  }
  const chart = join(demo, 'charts', 'shop');
  const helmArgs = ['--kubeconfig', env.kubeconfig, '--kube-context', CONTEXT, '--namespace', NAMESPACE];
  let releases = [];
  try {
    releases = JSON.parse(run(helm, ['list', ...helmArgs, '-o', 'json']));
  } catch { /* none yet */ }
  if (!releases.some((r) => r.name === 'shop')) {
    // Two revisions, so that the Releases view has a history and a rollback target.
    run(helm, ['upgrade', '--install', ...helmArgs, '--set', 'image.tag=1.0.0', '--', 'shop', chart]);
    run(helm, ['upgrade', '--install', ...helmArgs, '--set', 'image.tag=1.1.0', '--', 'shop', chart]);
  }
  const manifests = readdirSync(join(demo, 'k8s')).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(demo, 'k8s', f));
  for (const file of manifests) kubectl('apply', '-n', NAMESPACE, '-f', file);

  const timer = setInterval(() => {
    const lines = Array.from({ length: 3 }, () => SAMPLE_LINES[Math.floor(Math.random() * SAMPLE_LINES.length)]());
    appendFileSync(env.appLog, lines.map(([stream, text]) => criLine(stream, text)).join(''));
  }, 700);
  timer.unref();
  return {
    namespace: NAMESPACE,
    summary: `release shop (helm, 2 revisions), ${manifests.length} manifests from demo/k8s, log lines every 0.7 s`,
    stop: () => { clearInterval(timer); },
  };
}
