/**
 * Where an image reference lives in the Registry HTTP API v2: the host to contact, the
 * scheme, the repository path and the tag or digest. Pure: the client does the requests.
 */

import { parseImageRef } from '../dockerfile/imageRef';

/** Docker Hub's API host; references name it `docker.io` (or nothing at all). */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** An image reference resolved to a Registry v2 endpoint. */
export interface RegistryEndpoint {
  /**
   * The registry as references and the Docker client config name it (`docker.io`,
   * `ghcr.io`, `127.0.0.1:5000`): the key its credentials are stored under.
   */
  readonly registry: string;
  /** Host contacted, with its port when not the default (`registry-1.docker.io`, `127.0.0.1:5000`). */
  readonly host: string;
  /** `http` only for loopback hosts (a local registry); every other registry over TLS. */
  readonly scheme: 'http' | 'https';
  /** Repository path inside the registry (`library/node`, `team/app`). */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** What goes after `/manifests/`: the digest when given (it pins the content), else the tag, `latest` by default. */
  readonly manifestReference: string;
}

export type ParsedRegistryReference =
  | { readonly ok: true; readonly endpoint: RegistryEndpoint }
  | { readonly ok: false; readonly problem: string };

// The grammar of github.com/distribution/reference, written out.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME_LENGTH = 255;

/** `127.0.0.1:5000` -> `127.0.0.1`; `[::1]:5000` -> `::1`. */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(1, end).toLowerCase() : host.toLowerCase();
  }
  const colon = host.lastIndexOf(':');
  return (colon >= 0 ? host.slice(0, colon) : host).toLowerCase();
}

/** True for names and addresses that never leave the machine: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name === '::1') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
}

function isDockerHub(registry: string | undefined): boolean {
  return registry === undefined || ['docker.io', 'index.docker.io', DOCKER_HUB_API_HOST].includes(registry.toLowerCase());
}

function validHost(host: string): boolean {
  if (host.startsWith('[')) return /^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(host);
  const colon = host.lastIndexOf(':');
  const name = colon >= 0 ? host.slice(0, colon) : host;
  const port = colon >= 0 ? host.slice(colon + 1) : undefined;
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) return false;
  return name.split('.').every((part) => DOMAIN_COMPONENT.test(part));
}

/**
 * Resolves an image reference (`node:22`, `ghcr.io/org/app@sha256:…`,
 * `127.0.0.1:5000/team/app:1`) to the registry endpoint that serves its manifest.
 * Docker Hub references go to `registry-1.docker.io` with the `library/` prefix for
 * official images. Problems name what is wrong with the text, for an error message.
 */
export function parseRegistryReference(reference: string): ParsedRegistryReference {
  const text = reference.trim();
  if (text === '') return { ok: false, problem: 'The image reference is empty.' };
  if (text.includes('$')) return { ok: false, problem: `"${text}" depends on a build argument.` };
  if (/\s/.test(text)) return { ok: false, problem: `"${text}" contains white space.` };
  const parsed = parseImageRef(text);
  const hub = isDockerHub(parsed.registry);
  if (!hub && parsed.registry !== undefined && !validHost(parsed.registry)) {
    return { ok: false, problem: `"${parsed.registry}" is not a valid registry host.` };
  }
  const components = parsed.repository.split('/');
  if (!components.every((c) => PATH_COMPONENT.test(c))) {
    return { ok: false, problem: `"${parsed.repository}" is not a valid repository name (lowercase letters, digits and . _ - separators).` };
  }
  const repository = hub && components.length === 1 ? `library/${parsed.repository}` : parsed.repository;
  if (repository.length > MAX_NAME_LENGTH) return { ok: false, problem: 'The repository name is longer than 255 characters.' };
  if (parsed.tag !== undefined && !TAG.test(parsed.tag)) return { ok: false, problem: `"${parsed.tag}" is not a valid tag.` };
  if (parsed.digest !== undefined && !(DIGEST.test(parsed.digest) && (!parsed.digest.startsWith('sha256:') || SHA256_DIGEST.test(parsed.digest)))) {
    return { ok: false, problem: `"${parsed.digest}" is not a valid digest.` };
  }
  const registry = hub ? 'docker.io' : (parsed.registry as string);
  const host = hub ? DOCKER_HUB_API_HOST : registry;
  return {
    ok: true,
    endpoint: {
      registry,
      host,
      scheme: isLoopbackHostname(hostnameOf(host)) ? 'http' : 'https',
      repository,
      tag: parsed.tag,
      digest: parsed.digest,
      manifestReference: parsed.digest ?? parsed.tag ?? 'latest',
    },
  };
}

/** The manifest URL of `reference` (a tag or digest) in the endpoint's repository. */
export function manifestUrl(endpoint: RegistryEndpoint, reference: string): string {
  return `${endpoint.scheme}://${endpoint.host}/v2/${endpoint.repository}/manifests/${reference}`;
}
