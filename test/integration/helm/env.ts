// What the Helm integration tests share: the real helm 3 and 4 binaries that
// scripts/services/helm.mjs builds, the sandbox control plane (through the Kubernetes tests'
// sandbox helpers), charts written to temp dirs, and process checks. A missing binary or a
// stopped sandbox fails the test that needs it, saying how to provide it: never a skip.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HelmClient } from '../../../src/clients/helm/api';
import { findHelm } from '../../../src/clients/helm/cli';
import { HelmError } from '../../../src/clients/helm/errors';
import { listReleases } from '../../../src/clients/helm/releases';
import { uninstallArgs } from '../../../src/core/helm/args';
import type { HelmTarget } from '../../../src/core/helm/args';
import type { HelmReleaseSummary } from '../../../src/core/helm/releases';
import type { KubeConnection } from '../../../src/clients/kube/api';
import { deleteNamespace, sandbox } from '../kube/sandbox';

export type Major = 3 | 4;
export const MAJORS: readonly Major[] = [3, 4];

let cachedPaths: Record<Major, string> | undefined;

/** Absolute paths of the pinned helm 3 and 4 builds; fails (with the command to build them) when they are missing. */
export function helmBinaryPaths(): Record<Major, string> {
  if (cachedPaths) return cachedPaths;
  const script = resolve('scripts/services/helm.mjs');
  const result = spawnSync(process.execPath, [script, 'paths', '--json'], { encoding: 'utf8', timeout: 60_000 });
  let paths: { v3?: string; v4?: string };
  try {
    paths = JSON.parse(result.stdout) as typeof paths;
  } catch {
    throw new Error(`Could not read the helm paths from ${script} (${result.stderr.trim() || `exit ${String(result.status)}`}).`);
  }
  const { v3, v4 } = paths;
  if (v3 === undefined || v4 === undefined || !existsSync(v3) || !existsSync(v4)) {
    throw new Error(`The real helm binaries are missing (${[v3, v4].filter((p) => p === undefined || !existsSync(p)).join(', ')}). Build them: node scripts/services/helm.mjs build`);
  }
  cachedPaths = { 3: v3, 4: v4 };
  return cachedPaths;
}

/** helm's own config, cache and data dirs for the tests: nothing of the developer's (repositories, plugins) is read. */
const helmHome = mkdtempSync(join(tmpdir(), 'berth-helm-home-'));
process.once('exit', () => { rmSync(helmHome, { recursive: true, force: true }); });

export function helmEnv(): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    // Never the developer's clusters: every command also names --kubeconfig and --kube-context.
    KUBECONFIG: sandbox().kubeconfig,
  };
}

/** A HelmClient for one major, found through the setting path (as a user's machine setting would give it). */
export async function helmClient(major: Major): Promise<HelmClient> {
  const client = await findHelm({ setting: helmBinaryPaths()[major], env: helmEnv() });
  assert.equal(client.binary.version.major, major, `${client.binary.path} is helm ${client.binary.version.raw}`);
  return client;
}

/** Where every test's helm commands go: the sandbox admin context, explicitly. */
export function targetIn(namespace: string): HelmTarget {
  return { kubeContext: 'berth-sandbox', namespace, kubeconfig: sandbox().kubeconfig };
}

export interface ChartOptions {
  name?: string;
  version?: string;
  appVersion?: string;
  /** Extra files under templates/ (name -> text). */
  templates?: Record<string, string>;
  /** Replace values.yaml. */
  values?: string;
}

export const CHART_NAME = 'berth-web';

/**
 * A small chart: a Deployment (2 replicas by default) and a ClusterIP Service. `neverReady: true`
 * gives its pods a nodeSelector no node has, so they stay Pending and `--wait` never succeeds.
 */
export function writeChart(options: ChartOptions = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-helm-chart-'));
  const dir = join(root, options.name ?? CHART_NAME);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), `apiVersion: v2
name: ${options.name ?? CHART_NAME}
description: A Deployment and a Service for Berth's Helm integration tests
type: application
version: ${options.version ?? '0.1.0'}
appVersion: "${options.appVersion ?? '1.0.0'}"
`);
  writeFileSync(join(dir, 'values.yaml'), options.values ?? `replicaCount: 2
image:
  repository: registry.invalid/berth/web
  tag: ""
neverReady: false
message: hello
`);
  writeFileSync(join(dir, 'templates', 'deployment.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels:
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: {{ .Release.Name }}
      annotations:
        berth.test/message: {{ .Values.message | quote }}
    spec:
      automountServiceAccountToken: false
      {{- if .Values.neverReady }}
      nodeSelector:
        berth.test/no-such-node: "true"
      {{- end }}
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          ports:
            - containerPort: 8080
`);
  writeFileSync(join(dir, 'templates', 'service.yaml'), `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-web
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/instance: {{ .Release.Name }}
  ports:
    - port: 80
      targetPort: 8080
`);
  writeFileSync(join(dir, 'templates', 'NOTES.txt'), 'Release {{ .Release.Name }} of {{ .Chart.Name }} is up.\n');
  for (const [name, text] of Object.entries(options.templates ?? {})) writeFileSync(join(dir, 'templates', name), text);
  process.once('exit', () => { rmSync(root, { recursive: true, force: true }); });
  return dir;
}

/** A file in a fresh temp dir, removed at exit. */
export function writeTempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-helm-file-'));
  process.once('exit', () => { rmSync(dir, { recursive: true, force: true }); });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : JSON.stringify(error);
}

/** The error a promise rejects with, which must be a HelmError. */
export async function helmErrorOf(promise: Promise<unknown>): Promise<HelmError> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  assert.ok(error !== undefined, 'expected helm to fail, but it succeeded');
  assert.ok(error instanceof HelmError, `expected a HelmError, got ${describe(error)}`);
  return error;
}

/** The current revision of one release as listReleases reports it (undefined when there is none). */
export async function releaseIn(connection: KubeConnection, namespace: string, name: string): Promise<HelmReleaseSummary | undefined> {
  const listing = await listReleases(connection, { namespace });
  assert.deepEqual(listing.forbidden, [], `listing ${namespace} as admin was refused`);
  return listing.releases.find((r) => r.name === name);
}

/** Uninstalls what a test left (ignoring "not found") and deletes its namespace. */
export async function cleanUp(helm: HelmClient, namespace: string, releases: readonly string[]): Promise<void> {
  for (const release of releases) {
    try {
      await helm.run(uninstallArgs({ ...targetIn(namespace), version: helm.binary.version, release, wait: false, timeoutSeconds: 60 }), { deadlineMs: 90_000 });
    } catch (error) {
      if (!(error instanceof HelmError && /not found/i.test(error.stderr))) console.error(`cleanup: helm uninstall ${release} in ${namespace}: ${describe(error)}`);
    }
  }
  await deleteNamespace(namespace);
}

/** PIDs of live processes whose executable is `binary` (zombies excluded), optionally with `fragment` in their arguments. */
export function processesOf(binary: string, fragment?: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] !== binary) continue;
      if (fragment !== undefined && !argv.includes(fragment)) continue;
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue;
      found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Polls `check` every 100 ms until it returns a value; fails after `ms` naming `what`. */
export async function waitUntil<T>(check: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last !== undefined ? ` (last error: ${describe(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
