/**
 * Which Docker engine to talk to, decided the way the docker CLI decides it, plus
 * Berth's own machine-scoped setting in front:
 *
 *   1. the setting `berth.docker.host` (the user's explicit choice for the editor);
 *   2. `DOCKER_HOST` (selects the "default" context, as in the CLI);
 *   3. `DOCKER_CONTEXT`;
 *   4. `currentContext` of `~/.docker/config.json`;
 *   5. the platform default (`unix:///var/run/docker.sock`).
 *
 * TLS for TCP comes from `DOCKER_TLS_VERIFY` / `DOCKER_TLS` / `DOCKER_CERT_PATH` for the
 * first two sources and from the context's own metadata otherwise. Pure: files are
 * read by the caller and handed in.
 */

/** The endpoint of a named context, from `contexts/meta/<sha256(name)>/meta.json`. */
export interface ContextEndpoint {
  readonly host: string;
  readonly skipTLSVerify: boolean;
  /** True when the context has TLS material (`contexts/tls/<hash>/docker/`). */
  readonly hasTLSMaterial: boolean;
}

export interface EndpointInputs {
  /** Value of the `berth.docker.host` setting ('' or undefined: not set). */
  readonly setting?: string | undefined;
  /** The process environment (only DOCKER_* variables are read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `currentContext` from the Docker client config, when the file has one. */
  readonly currentContext?: string | undefined;
  /** Looks up a context by name; undefined when it does not exist. */
  readonly context?: (name: string) => ContextEndpoint | undefined;
  /** 'win32' selects the named-pipe default. */
  readonly platform?: string;
}

export type EndpointSource = 'setting' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'current context' | 'default';

export type EndpointTransport =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'npipe'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'ssh'; readonly host: string; readonly port: number; readonly username: string | undefined };

export interface TlsOptions {
  /** Verify the server certificate against the CA of `certPath`. */
  readonly verify: boolean;
  /** Folder with ca.pem, cert.pem and key.pem; undefined: none given. */
  readonly certPath: string | undefined;
  /** TLS material comes from this context's store instead of `certPath`. */
  readonly contextName: string | undefined;
}

export interface DockerEndpoint {
  /** The URL as configured: `unix:///var/run/docker.sock`, `tcp://127.0.0.1:2376`. */
  readonly url: string;
  readonly source: EndpointSource;
  /** Context name when the endpoint came from a context. */
  readonly contextName: string | undefined;
  readonly transport: EndpointTransport;
  /** TLS for TCP; undefined: plain connection. */
  readonly tls: TlsOptions | undefined;
  /** Things the user should know (unencrypted TCP to another host, ...). */
  readonly warnings: readonly string[];
  /** `unix:///var/run/docker.sock (DOCKER_HOST)`: for messages and the tree. */
  readonly description: string;
}

export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

const DEFAULT_UNIX = 'unix:///var/run/docker.sock';
const DEFAULT_NPIPE = 'npipe:////./pipe/docker_engine';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Parses a Docker host URL (`unix://`, `npipe://`, `tcp://`, `ssh://`, bare `host:port`). */
export function parseDockerHost(url: string, tlsEnabled: boolean): EndpointTransport {
  const value = url.trim();
  if (value === '') throw new EndpointError('The Docker host is empty.');
  const scheme = /^([a-z+]+):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'unix') {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new EndpointError(`"${url}": a unix socket needs an absolute path (unix:///path/docker.sock).`);
    return { kind: 'unix', socketPath };
  }
  if (scheme === 'npipe') {
    return { kind: 'npipe', socketPath: value.slice('npipe://'.length).replace(/\//g, '\\') };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https' || scheme === undefined) {
    const rest = scheme === undefined ? value : value.slice(scheme.length + 3);
    const hostPort = rest.replace(/\/.*$/, '');
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort);
    if (!match?.[1]) throw new EndpointError(`"${url}" is not a Docker host URL (tcp://host:port, unix:///path, ssh://user@host).`);
    const port = match[2] !== undefined ? Number(match[2]) : tlsEnabled || scheme === 'https' ? 2376 : 2375;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new EndpointError(`"${url}": port ${match[2] ?? ''} is out of range.`);
    return { kind: 'tcp', host: match[1].replace(/^\[|\]$/g, ''), port };
  }
  if (scheme === 'ssh') {
    const rest = value.slice('ssh://'.length).replace(/\/.*$/, '');
    const at = rest.lastIndexOf('@');
    const username = at >= 0 ? decodeURIComponent(rest.slice(0, at)) : undefined;
    const hostPort = at >= 0 ? rest.slice(at + 1) : rest;
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort);
    if (!match?.[1]) throw new EndpointError(`"${url}" is not an ssh URL (ssh://user@host[:port]).`);
    return { kind: 'ssh', host: match[1].replace(/^\[|\]$/g, ''), port: match[2] !== undefined ? Number(match[2]) : 22, username };
  }
  throw new EndpointError(`"${url}": Berth cannot connect over ${scheme}:// (use unix://, tcp://, ssh:// or npipe://).`);
}

function build(url: string, source: EndpointSource, contextName: string | undefined, tls: TlsOptions | undefined): DockerEndpoint {
  const transport = parseDockerHost(url, tls !== undefined);
  const warnings: string[] = [];
  if (transport.kind === 'tcp' && tls === undefined && !isLoopback(transport.host)) {
    warnings.push(`${url} is plain, unauthenticated TCP: anyone on the network can control this engine. Use TLS (DOCKER_TLS_VERIFY=1) or ssh://.`);
  }
  if (tls && !tls.verify) warnings.push(`TLS to ${url} does not verify the server certificate.`);
  const origin = contextName !== undefined ? `context "${contextName}"` : source;
  return { url, source, contextName, transport, tls: transport.kind === 'tcp' ? tls : undefined, warnings, description: `${url} (${origin})` };
}

function tlsFromEnv(env: EndpointInputs['env']): TlsOptions | undefined {
  const verify = truthy(env.DOCKER_TLS_VERIFY);
  const enabled = verify || truthy(env.DOCKER_TLS);
  if (!enabled) return undefined;
  const certPath = env.DOCKER_CERT_PATH !== undefined && env.DOCKER_CERT_PATH !== '' ? env.DOCKER_CERT_PATH : undefined;
  return { verify, certPath, contextName: undefined };
}

function fromContext(name: string, source: EndpointSource, inputs: EndpointInputs): DockerEndpoint {
  if (name === 'default') return fromDefault(inputs);
  const context = inputs.context?.(name);
  if (!context) {
    const where = source === 'DOCKER_CONTEXT' ? 'DOCKER_CONTEXT' : 'currentContext in the Docker config';
    throw new EndpointError(`Docker context "${name}" (from ${where}) does not exist. Run "docker context ls", or unset it.`);
  }
  if (context.host === '') throw new EndpointError(`Docker context "${name}" has no Docker endpoint.`);
  const tls = context.hasTLSMaterial || context.skipTLSVerify ? { verify: !context.skipTLSVerify, certPath: undefined, contextName: name } : undefined;
  return build(context.host, source, name, tls);
}

function fromDefault(inputs: EndpointInputs): DockerEndpoint {
  const host = inputs.env.DOCKER_HOST;
  if (host !== undefined && host !== '') return build(host, 'DOCKER_HOST', undefined, tlsFromEnv(inputs.env));
  return build(inputs.platform === 'win32' ? DEFAULT_NPIPE : DEFAULT_UNIX, 'default', undefined, tlsFromEnv(inputs.env));
}

/**
 * Resolves the engine endpoint. Throws `EndpointError` with an actionable message for a
 * malformed URL or a context that does not exist.
 */
export function resolveDockerEndpoint(inputs: EndpointInputs): DockerEndpoint {
  const setting = inputs.setting?.trim();
  if (setting !== undefined && setting !== '') return build(setting, 'setting', undefined, tlsFromEnv(inputs.env));
  const host = inputs.env.DOCKER_HOST;
  if (host !== undefined && host !== '') return fromDefault(inputs);
  const envContext = inputs.env.DOCKER_CONTEXT;
  if (envContext !== undefined && envContext !== '') return fromContext(envContext, 'DOCKER_CONTEXT', inputs);
  if (inputs.currentContext !== undefined && inputs.currentContext !== '') return fromContext(inputs.currentContext, 'current context', inputs);
  return fromDefault(inputs);
}

/** Reads `currentContext` from the text of a Docker client `config.json` (undefined when absent or unreadable). */
export function currentContextOf(configText: string | undefined): string | undefined {
  if (configText === undefined) return undefined;
  try {
    const parsed = JSON.parse(configText) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'currentContext' in parsed && typeof parsed.currentContext === 'string') {
      return parsed.currentContext;
    }
  } catch {
    // A broken config.json: the CLI refuses it too; fall back to the default.
  }
  return undefined;
}

/** Reads the Docker endpoint of a context's `meta.json` text. */
export function contextEndpointOf(metaText: string, hasTLSMaterial: boolean): ContextEndpoint | undefined {
  try {
    const meta = JSON.parse(metaText) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
    const docker = meta.Endpoints?.docker;
    if (!docker) return undefined;
    return { host: typeof docker.Host === 'string' ? docker.Host : '', skipTLSVerify: docker.SkipTLSVerify === true, hasTLSMaterial };
  } catch {
    return undefined;
  }
}
