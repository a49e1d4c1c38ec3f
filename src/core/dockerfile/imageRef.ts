import type { ImageRef } from './model';

/**
 * Parses `[registry[:port]/]path[:tag][@digest]` the way the Docker reference grammar
 * does: the first path component is a registry when it contains `.` or `:` or is
 * `localhost`.
 */
export function parseImageRef(raw: string): ImageRef {
  let rest = raw.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  return { raw, registry, repository: rest, tag, digest };
}

/** `node` and `library/node` on Docker Hub are the same repository. */
export function normalizedRepository(ref: ImageRef): string {
  const registry = ref.registry === undefined || ref.registry === 'docker.io' || ref.registry === 'index.docker.io' ? undefined : ref.registry;
  const repo = registry === undefined && ref.repository.startsWith('library/') ? ref.repository.slice(8) : ref.repository;
  return registry ? `${registry}/${repo}` : repo;
}
