import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findCredentialSource, isHelperNotFound, isSafeHelperName, parseHelperOutput } from '../../core/docker/credentials';
import type { RegistryAuth } from '../../core/docker/credentials';
import { dockerConfigDir } from './connection';
import { DockerError } from './errors';

const HELPER_DEADLINE_MS = 10_000;
const MAX_HELPER_OUTPUT = 64 * 1024;

/**
 * Runs `docker-credential-<helper> get` by the helper protocol: the server address on
 * stdin, JSON on stdout. With a deadline; the output is never logged or shown, and the
 * helper's stderr is not echoed either (it may hold what it was given).
 */
export function runCredentialHelper(helper: string, serverAddress: string, deadlineMs = HELPER_DEADLINE_MS): Promise<RegistryAuth | undefined> {
  if (!isSafeHelperName(helper)) {
    return Promise.reject(new DockerError('REGISTRY_AUTH', `The credential helper name "${helper}" in the Docker config is not valid.`, 'Fix credsStore / credHelpers in config.json.'));
  }
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => { reject(new DockerError('REGISTRY_AUTH', `The credential helper ${program} did not answer within ${deadlineMs / 1000} s.`, 'It may be waiting for a password prompt or a locked keyring: unlock it, or log in again.')); });
    }, deadlineMs);
    child.stdout.on('data', (chunk: Buffer) => { if (stdout.length < MAX_HELPER_OUTPUT) stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { if (stderr.length < MAX_HELPER_OUTPUT) stderr += chunk.toString('utf8'); });
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle(() => {
        reject(error.code === 'ENOENT'
          ? new DockerError('REGISTRY_AUTH', `The Docker config names the credential helper ${program}, which is not on PATH.`, `Install ${program}, or remove it from config.json.`)
          : new DockerError('REGISTRY_AUTH', `The credential helper ${program} could not be started (${error.code ?? error.message}).`, 'Check the helper installation.'));
      });
    });
    child.on('close', (code) => {
      settle(() => {
        if (code === 0) {
          const auth = parseHelperOutput(stdout, serverAddress);
          if (auth) resolve(auth);
          else reject(new DockerError('REGISTRY_AUTH', `The credential helper ${program} printed something that is not the credential helper protocol.`, 'Check the helper, or log in again.'));
          return;
        }
        if (isHelperNotFound(stdout) || isHelperNotFound(stderr)) resolve(undefined);
        else reject(new DockerError('REGISTRY_AUTH', `The credential helper ${program} failed (exit ${code ?? 'signal'}).`, `Run "echo ${serverAddress} | ${program} get" in a terminal to see why.`));
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverAddress);
  });
}

/**
 * Credentials for `registry` from the Docker client config (`DOCKER_CONFIG` or
 * `~/.docker`): credHelpers, credsStore, then auths. Undefined when there are none.
 */
export async function registryAuthFromConfig(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryAuth | undefined> {
  const text = await readFile(join(dockerConfigDir(env), 'config.json'), 'utf8').catch(() => undefined);
  let source;
  try {
    source = findCredentialSource(text, registry);
  } catch (error) {
    throw new DockerError('REGISTRY_AUTH', error instanceof Error ? error.message : String(error), 'Fix the Docker client config.');
  }
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'auths':
      return { username: source.username, password: source.password, serveraddress: source.serverAddress };
    case 'identityToken':
      return { identitytoken: source.token, serveraddress: source.serverAddress };
    case 'helper':
      return runCredentialHelper(source.helper, source.serverAddress);
  }
}
