import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { contextEndpointOf, currentContextOf, resolveDockerEndpoint } from '../../core/docker/endpoint';
import type { ContextEndpoint, DockerEndpoint } from '../../core/docker/endpoint';

/** The Docker client config folder: `DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DOCKER_CONFIG;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.docker');
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Context metadata lives under `contexts/meta/<sha256 of the name>/meta.json`. */
function contextDigest(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function readContext(configDir: string, name: string): ContextEndpoint | undefined {
  const digest = contextDigest(name);
  const meta = readText(join(configDir, 'contexts', 'meta', digest, 'meta.json'));
  if (meta === undefined) return undefined;
  return contextEndpointOf(meta, existsSync(join(configDir, 'contexts', 'tls', digest, 'docker')));
}

/**
 * Resolves the engine endpoint from the setting, the environment and the Docker client
 * config on disk (see core/docker/endpoint.ts for the order).
 */
export function resolveEndpoint(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const configDir = dockerConfigDir(env);
  return resolveDockerEndpoint({
    setting,
    env,
    currentContext: currentContextOf(readText(join(configDir, 'config.json'))),
    context: (name) => readContext(configDir, name),
    platform: process.platform,
  });
}

function readTlsFile(dir: string, name: string): Buffer | undefined {
  try {
    return readFileSync(join(dir, name));
  } catch {
    return undefined;
  }
}

/** dockerode options for an endpoint. No idle timeout: deadlines are set per call. */
export function dockerodeOptions(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions {
  const t = endpoint.transport;
  switch (t.kind) {
    case 'unix':
    case 'npipe':
      return { socketPath: t.socketPath };
    case 'ssh':
      return {
        protocol: 'ssh',
        host: t.host,
        port: t.port,
        ...(t.username !== undefined ? { username: t.username } : {}),
        // The agent only: Berth never reads private key files or asks for passwords.
        sshOptions: { agent: env.SSH_AUTH_SOCK },
      };
    case 'tcp': {
      const tls = endpoint.tls;
      if (!tls) return { protocol: 'http', host: t.host, port: t.port };
      const dir = tls.contextName !== undefined
        ? join(dockerConfigDir(env), 'contexts', 'tls', contextDigest(tls.contextName), 'docker')
        : tls.certPath ?? dockerConfigDir(env);
      const ca = readTlsFile(dir, 'ca.pem');
      const cert = readTlsFile(dir, 'cert.pem');
      const key = readTlsFile(dir, 'key.pem');
      return {
        protocol: 'https',
        host: t.host,
        port: t.port,
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        // Without verification the server certificate is accepted as is (DOCKER_TLS without _VERIFY).
        ...(tls.verify ? {} : { checkServerIdentity: () => undefined }),
      };
    }
  }
}
