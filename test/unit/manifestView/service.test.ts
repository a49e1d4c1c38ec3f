import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ManifestService, ManifestTimeoutError } from '../../../src/clients/manifests/manifestService';

const deployment = (name: string, replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: ${name}
          image: registry.example.test/${name}:1.0.0
`;
const service = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${name}\n  ports:\n    - port: 80\n`;

// The real worker thread, bundled the way scripts/build.mjs should bundle it (dist/manifestWorker.js).
describe('manifest service (worker thread)', () => {
  let dir = '';
  let workerPath = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-manifest-worker-'));
    workerPath = join(dir, 'manifestWorker.js');
    await build({ entryPoints: ['src/clients/manifests/worker.ts'], outfile: workerPath, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  const codes = async (svc: ManifestService, file: string): Promise<string[]> => {
    const { results } = await svc.check([file]);
    return results[0]?.findings.map((f) => f.code) ?? [];
  };

  it('checks across files it was sent once, then only their changes', async () => {
    const svc = new ManifestService(workerPath);
    try {
      svc.update('web.yaml', deployment('web', 1));
      assert.ok(!(await codes(svc, 'web.yaml')).includes('BK106'));
      svc.update('svc.yaml', service('web'));
      assert.ok((await codes(svc, 'web.yaml')).includes('BK106'), 'the Service sent later counts');
      svc.remove('svc.yaml');
      assert.ok(!(await codes(svc, 'web.yaml')).includes('BK106'), 'the removal reached the worker');
      svc.update('web.yaml', deployment('web', 3));
      assert.ok((await codes(svc, 'web.yaml')).includes('BK107'), 'the edit reached the worker');
      assert.deepEqual(svc.stats(), { files: 1, chars: deployment('web', 3).length });
    } finally {
      svc.dispose();
    }
  });

  it('starts a fresh worker after a missed deadline and sends it every text again', async () => {
    const svc = new ManifestService(workerPath);
    try {
      svc.update('web.yaml', deployment('web', 1));
      svc.update('svc.yaml', service('web'));
      // A new worker cannot even start within 1 ms.
      await assert.rejects(svc.check(['web.yaml'], 1), ManifestTimeoutError);
      const { results } = await svc.check(['web.yaml']);
      assert.ok(results[0]?.findings.some((f) => f.code === 'BK106'), 'the Service was sent to the new worker');
    } finally {
      svc.dispose();
    }
  });

  it('checks rendered charts and keeps the workspace meanwhile', async () => {
    const svc = new ManifestService(workerPath);
    try {
      svc.update('web.yaml', deployment('web', 1));
      svc.update('svc.yaml', service('web'));
      await svc.check(['web.yaml']);
      const findings = await svc.checkChart(`---\n# Source: c/templates/api.yaml\n${deployment('api', 2)}`, { 'templates/api.yaml': deployment('api', 2) });
      assert.ok(findings.some((f) => f.code === 'BK107' && f.file === 'templates/api.yaml' && f.range.start.line === 5));
      assert.ok((await codes(svc, 'web.yaml')).includes('BK106'));
    } finally {
      svc.dispose();
    }
  });

  it('refuses work once disposed', async () => {
    const svc = new ManifestService(workerPath);
    svc.dispose();
    await assert.rejects(svc.check([]), /stopped/);
  });
});
