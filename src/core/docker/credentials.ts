/**
 * Where the Docker client config (`~/.docker/config.json`) keeps the credentials of a
 * registry: `credHelpers[registry]` wins, then `credsStore` (for every registry), then
 * an `auths` entry with a base64 `auth` or an `identitytoken`. Docker Hub's key is
 * `https://index.docker.io/v1/`. Pure: the caller reads the file and runs helpers.
 */

export const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';

export type CredentialSource =
  | { readonly kind: 'helper'; readonly helper: string; readonly serverAddress: string }
  | { readonly kind: 'auths'; readonly username: string; readonly password: string; readonly serverAddress: string }
  | { readonly kind: 'identityToken'; readonly token: string; readonly serverAddress: string }
  | { readonly kind: 'none'; readonly serverAddress: string };

/** The registry host of an image reference (`docker.io` for Docker Hub). */
export function registryOf(reference: string): string {
  const slash = reference.indexOf('/');
  if (slash > 0) {
    const first = reference.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') return first === 'index.docker.io' ? 'docker.io' : first;
  }
  return 'docker.io';
}

/** The key Docker uses for a registry in `auths` and for helpers. */
export function serverAddressOf(registry: string): string {
  return registry === 'docker.io' ? DOCKER_HUB_SERVER : registry;
}

/** Host part of an `auths` key (`https://ghcr.io/v2/` -> `ghcr.io`). */
function hostOfKey(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
}

function isHub(host: string): boolean {
  return host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io';
}

/** A helper name must be a plain word: it becomes `docker-credential-<name>` on PATH. */
export function isSafeHelperName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name);
}

interface ConfigShape {
  auths?: Record<string, { auth?: unknown; identitytoken?: unknown; username?: unknown; password?: unknown }>;
  credsStore?: unknown;
  credHelpers?: Record<string, unknown>;
}

function decodeBase64(text: string): string | undefined {
  try {
    return atob(text.trim());
  } catch {
    return undefined;
  }
}

/**
 * Finds where the credentials of `registry` come from. Throws on a config that is not
 * JSON (the docker CLI refuses it as well), naming nothing of its content.
 */
export function findCredentialSource(configText: string | undefined, registry: string): CredentialSource {
  const serverAddress = serverAddressOf(registry);
  if (configText === undefined || configText.trim() === '') return { kind: 'none', serverAddress };
  let config: ConfigShape;
  try {
    config = JSON.parse(configText) as ConfigShape;
  } catch {
    throw new Error('The Docker client config (config.json) is not valid JSON.');
  }
  const host = registry.toLowerCase();
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => hostOfKey(key) === host || (isHub(host) && isHub(hostOfKey(key))))?.[1];
  if (typeof helper === 'string' && helper !== '') return { kind: 'helper', helper, serverAddress };
  if (typeof config.credsStore === 'string' && config.credsStore !== '') return { kind: 'helper', helper: config.credsStore, serverAddress };
  const entry = Object.entries(config.auths ?? {}).find(([key]) => hostOfKey(key) === host || (isHub(host) && isHub(hostOfKey(key))))?.[1];
  if (entry) {
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { kind: 'identityToken', token: entry.identitytoken, serverAddress };
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = decodeBase64(entry.auth);
      const colon = decoded?.indexOf(':') ?? -1;
      if (decoded !== undefined && colon > 0) return { kind: 'auths', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serverAddress };
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') return { kind: 'auths', username: entry.username, password: entry.password, serverAddress };
  }
  return { kind: 'none', serverAddress };
}

/** Credentials as the engine takes them in `X-Registry-Auth`. */
export interface RegistryAuth {
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly serveraddress: string;
}

/**
 * Reads the JSON a `docker-credential-<helper> get` printed. `<token>` as the user name
 * means the secret is an identity token. Undefined when it is not the helper protocol.
 */
export function parseHelperOutput(stdout: string, serverAddress: string): RegistryAuth | undefined {
  try {
    const value = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
    if (typeof value.Secret !== 'string' || typeof value.Username !== 'string') return undefined;
    if (value.Username === '<token>') return { identitytoken: value.Secret, serveraddress: serverAddress };
    return { username: value.Username, password: value.Secret, serveraddress: serverAddress };
  } catch {
    return undefined;
  }
}

/** True when a helper's failure text means "nothing stored" rather than a broken helper. */
export function isHelperNotFound(text: string): boolean {
  return /credentials not found|not found in native keychain|no credentials/i.test(text);
}
