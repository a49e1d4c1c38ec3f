// Bad input and faults with real helm 3 and 4 against the sandbox control plane: a chart with a
// template error, a values file that is not YAML, a release left pending-upgrade by a helm that
// was killed mid-upgrade (then locked), and a hung `--wait` stopped by cancel and by a deadline
// without leaving a helm process behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HelmClient, HelmRunResult } from '../../../src/clients/helm/api';
import { KILL_GRACE_MS } from '../../../src/clients/helm/cli';
import { releaseHistory } from '../../../src/clients/helm/releases';
import type { KubeConnection } from '../../../src/clients/kube/api';
import { installOrUpgradeArgs, templateArgs } from '../../../src/core/helm/args';
import type { InstallOrUpgradeOptions } from '../../../src/core/helm/args';
import { connectTo, createNamespace } from '../kube/sandbox';
import { MAJORS, cleanUp, helmClient, helmErrorOf, processesOf, releaseIn, targetIn, waitUntil, writeChart, writeTempFile } from './env';

// Line 7 (1-based) of the template dereferences a value that does not exist.
const BROKEN_TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.message | quote }}
  port: {{ .Values.server.port | quote }}
`;

for (const major of MAJORS) {
  describe(`helm ${major}: bad charts and values (real control plane)`, () => {
    let helm: HelmClient;
    let connection: KubeConnection;
    let namespace: string;

    before(async () => {
      helm = await helmClient(major);
      connection = await connectTo('berth-sandbox', { requestDeadlineMs: 15_000 });
      namespace = await createNamespace(`helm${major}-bad`);
    });
    after(async () => {
      await cleanUp(helm, namespace, ['broken', 'badvalues']);
      connection.dispose();
    });

    it('a template error: HelmError names the template file and line, and nothing is installed', async () => {
      const chart = writeChart({ templates: { 'settings.yaml': BROKEN_TEMPLATE } });
      const install = installOrUpgradeArgs({ ...targetIn(namespace), version: helm.binary.version, release: 'broken', chart, install: true, wait: true, timeoutSeconds: 60, atomic: false, createNamespace: false });
      const error = await helmErrorOf(helm.run(install, { deadlineMs: 120_000 }));
      assert.equal(error.kind, 'failed');
      assert.equal(error.exitCode, 1);
      assert.match(error.message, /^helm upgrade failed: .*settings\.yaml:7:.*nil pointer evaluating interface \{\}\.port/, error.message);
      assert.equal(error.problem?.file, 'templates/settings.yaml', JSON.stringify(error.problem));
      assert.equal(error.problem.line, 6);
      // Go reports the byte offset of the field it could not evaluate: `.server` in that line.
      assert.equal(error.problem.column, BROKEN_TEMPLATE.split('\n')[6]?.indexOf('.server'));
      assert.match(error.problem.message, /nil pointer evaluating interface \{\}\.port/);
      assert.equal(await releaseIn(connection, namespace, 'broken'), undefined, 'helm stops before it records a release');

      // helm template (no cluster) reports the same place.
      const rendered = await helmErrorOf(helm.run(templateArgs({ release: 'broken', chart, namespace }), { deadlineMs: 60_000 }));
      assert.deepEqual({ file: rendered.problem?.file, line: rendered.problem?.line }, { file: 'templates/settings.yaml', line: 6 });
    });

    it('a values file that is not YAML: the error names the file and the line', async () => {
      const chart = writeChart();
      const values = writeTempFile('values-broken.yaml', 'replicaCount: [1, 2\nmessage: hi\n');
      const install = installOrUpgradeArgs({ ...targetIn(namespace), version: helm.binary.version, release: 'badvalues', chart, install: true, valuesFiles: [values], wait: false, atomic: false, createNamespace: false });
      const error = await helmErrorOf(helm.run(install, { deadlineMs: 60_000 }));
      assert.equal(error.kind, 'failed');
      assert.ok(error.message.includes(values), `the message names ${values}: ${error.message}`);
      assert.match(error.message, /yaml: line 1: did not find expected ',' or ']'/);
      assert.equal(error.problem?.file, values);
      assert.equal(error.problem.valuesFile, true);
      assert.equal(error.problem.line, 0);
      assert.equal(await releaseIn(connection, namespace, 'badvalues'), undefined);
    });
  });

  describe(`helm ${major}: interrupted and hung operations (real control plane)`, () => {
    let helm: HelmClient;
    let connection: KubeConnection;
    let namespace: string;
    const chart = writeChart();
    const releases = ['stuck', 'hung', 'slow'];

    before(async () => {
      helm = await helmClient(major);
      connection = await connectTo('berth-sandbox', { requestDeadlineMs: 15_000 });
      namespace = await createNamespace(`helm${major}-hang`);
    });
    after(async () => {
      await cleanUp(helm, namespace, releases);
      connection.dispose();
      assert.deepEqual(processesOf(helm.binary.path, namespace), [], 'a helm process of this test is still running');
    });

    const options = (release: string, extra: Partial<InstallOrUpgradeOptions> = {}): InstallOrUpgradeOptions => ({
      ...targetIn(namespace), version: helm.binary.version, release, chart, install: true, wait: true, timeoutSeconds: 600, atomic: false, createNamespace: false, ...extra,
    });

    /** Starts a run that waits for pods that never become ready, and resolves once helm has recorded `status`. */
    async function startHungRun(release: string, status: string, runOptions: { signal?: AbortSignal; deadlineMs?: number } = {}): Promise<{ run: Promise<HelmRunResult>; pid: number }> {
      const run = helm.run(installOrUpgradeArgs(options(release, { setJson: { neverReady: true } })), runOptions);
      // Observed, so that a rejection before the test awaits it is not reported as unhandled.
      run.catch(() => undefined);
      await waitUntil(async () => ((await releaseIn(connection, namespace, release))?.status === status ? true : undefined), 60_000, `release ${release} ${status}`);
      const [pid, ...others] = processesOf(helm.binary.path, release);
      assert.ok(pid !== undefined && others.length === 0, `one helm process for ${release}, found ${[pid, ...others].join(', ')}`);
      return { run, pid };
    }

    it('helm killed (SIGKILL) mid-upgrade: listReleases says pending-upgrade and the next upgrade is release-locked', async () => {
      await helm.run(installOrUpgradeArgs(options('stuck', { timeoutSeconds: 120 })), { deadlineMs: 180_000 });
      const { run, pid } = await startHungRun('stuck', 'pending-upgrade');
      process.kill(pid, 'SIGKILL');
      const killed = await helmErrorOf(run);
      assert.equal(killed.kind, 'failed');
      assert.equal(killed.exitCode, undefined, 'killed by a signal: no exit code');
      assert.match(killed.message, /helm upgrade failed/);

      const current = await releaseIn(connection, namespace, 'stuck');
      assert.deepEqual({ revision: current?.revision, status: current?.status }, { revision: 2, status: 'pending-upgrade' });
      const history = await releaseHistory(connection, namespace, 'stuck');
      assert.deepEqual(history.map((r) => [r.revision, r.status]), [[2, 'pending-upgrade'], [1, 'deployed']]);

      const locked = await helmErrorOf(helm.run(installOrUpgradeArgs(options('stuck', { timeoutSeconds: 60 })), { deadlineMs: 120_000 }));
      assert.equal(locked.kind, 'release-locked', locked.message);
      assert.match(locked.stderr, /another operation \(install\/upgrade\/rollback\) is in progress/);
      assert.match(locked.hint, /roll it back/);
      assert.equal((await releaseIn(connection, namespace, 'stuck'))?.status, 'pending-upgrade', 'the refused upgrade changed nothing');
    });

    it('a hung --wait --timeout 10m is stopped by cancel within 3 s and no helm process remains', async (t) => {
      const controller = new AbortController();
      const { run, pid } = await startHungRun('hung', 'pending-install', { signal: controller.signal });
      const cancelledAt = Date.now();
      controller.abort();
      const error = await helmErrorOf(run);
      const took = Date.now() - cancelledAt;
      assert.equal(error.kind, 'cancelled', error.message);
      t.diagnostic(`helm ${major} exited ${took} ms after cancel`);
      assert.ok(took < KILL_GRACE_MS, `the run settled ${took} ms after cancel`);
      assert.deepEqual(processesOf(helm.binary.path, 'hung'), [], `helm (pid ${pid}) is still running`);
      // SIGTERM lets helm record the outcome: the release is failed, not left pending (and locked).
      const after = await releaseIn(connection, namespace, 'hung');
      assert.equal(after?.status, 'failed', JSON.stringify(after));
    });

    it('a deadline stops a hung run the same way, with kind timeout', async () => {
      const started = Date.now();
      const { run } = await startHungRun('slow', 'pending-install', { deadlineMs: 4_000 });
      const error = await helmErrorOf(run);
      assert.equal(error.kind, 'timeout', error.message);
      assert.match(error.message, /did not finish within 4 s/);
      assert.ok(Date.now() - started < 4_000 + KILL_GRACE_MS + 1_000, `settled ${Date.now() - started} ms after start`);
      assert.deepEqual(processesOf(helm.binary.path, 'slow'), []);
    });

    it('a run cancelled before it starts never spawns helm', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await helmErrorOf(helm.run(['version', '--short'], { signal: controller.signal }));
      assert.equal(error.kind, 'cancelled');
    });
  });
}
