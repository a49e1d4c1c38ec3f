// The private Docker parts the integration tests run against, as scripts/services/docker.mjs
// recorded them. A missing part fails the test that needs it, with the reason: never a skip.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after } from 'node:test';
import { join } from 'node:path';
import { DockerEngine } from '../../../src/clients/docker/engine';
import { resolveDockerEndpoint } from '../../../src/core/docker/endpoint';

export interface RegistryState {
  readonly pid: number;
  readonly port: number;
  readonly address: string;
  readonly url: string;
  readonly credentials?: { readonly username: string; readonly password: string };
}

export interface DockerState {
  readonly dir: string;
  readonly dockerd: { readonly pid: number; readonly socket: string; readonly host: string; readonly version: string };
  readonly registries: { readonly open: RegistryState; readonly auth: RegistryState };
  readonly baseImage: { readonly name: string };
  readonly dockerConfig: string;
}

function statePath(): string {
  if (process.env.BERTH_DOCKER_STATE) return process.env.BERTH_DOCKER_STATE;
  const dir = process.env.BERTH_DOCKER_RUN_DIR ?? join(tmpdir(), `berth-docker-${process.getuid?.() ?? 'u'}`);
  return join(dir, 'state.json');
}

/** The recorded state; throws (failing the test) when the services were not started. */
export function dockerState(): DockerState {
  let text: string;
  try {
    text = readFileSync(statePath(), 'utf8');
  } catch {
    throw new Error(`The private Docker engine is not running (no ${statePath()}). Start it: node scripts/services/docker.mjs start`);
  }
  const state = JSON.parse(text) as DockerState;
  if (!state.registries.auth.credentials) throw new Error('The auth registry has no recorded credentials: restart the services.');
  return state;
}

/** An engine client for the private dockerd, with a short deadline for quick calls. */
export function privateEngine(deadlineMs = 5_000): DockerEngine {
  const state = dockerState();
  return new DockerEngine(resolveDockerEndpoint({ env: { DOCKER_HOST: state.dockerd.host } }), deadlineMs);
}

/** Rejects when `promise` does not settle within `ms`: no test may hang. */
export async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => { timer = setTimeout(() => { reject(new Error(`${what} did not settle within ${ms} ms`)); }, ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Expects `promise` to reject; returns the error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, but the operation succeeded');
}

const tempRoots: string[] = [];
after(() => { for (const r of tempRoots) rmSync(r, { recursive: true, force: true }); });

/** A temporary directory removed when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempRoots.push(dir);
  return dir;
}
