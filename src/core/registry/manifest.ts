/**
 * Image manifests and indexes as registries serve them (Docker v2 schema 2, Docker
 * manifest list, OCI image manifest, OCI image index), the platform choice in an index,
 * and the download size of an image. Sizes are bytes as the descriptors state them.
 */

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** The `Accept` header of a manifest request: the four media types Berth reads. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(', ');

/** Manifests larger than this are refused (the distribution registry's own limit is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  readonly mediaType: string | undefined;
  readonly digest: string;
  /** Bytes. */
  readonly size: number;
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant: string | undefined;
}

export interface IndexEntry extends Descriptor {
  readonly platform: Platform | undefined;
  /** A BuildKit attestation (SBOM, provenance), not a runnable image. */
  readonly attestation: boolean;
}

export type ManifestDocument =
  | { readonly kind: 'image'; readonly mediaType: string; readonly config: Descriptor; readonly layers: readonly Descriptor[] }
  | { readonly kind: 'index'; readonly mediaType: string; readonly manifests: readonly IndexEntry[] }
  | { readonly kind: 'invalid'; readonly problem: string };

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function descriptorOf(value: unknown): Descriptor | undefined {
  if (!isRecord(value)) return undefined;
  const { digest, size, mediaType } = value;
  if (typeof digest !== 'string' || !DIGEST.test(digest)) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  return { digest, size, mediaType: typeof mediaType === 'string' ? mediaType : undefined };
}

function platformOf(value: unknown): Platform | undefined {
  if (!isRecord(value) || typeof value.os !== 'string' || typeof value.architecture !== 'string') return undefined;
  return { os: value.os, architecture: value.architecture, variant: typeof value.variant === 'string' && value.variant !== '' ? value.variant : undefined };
}

/** `application/json; charset=utf-8` -> `application/json`. */
function bareMediaType(contentType: string | undefined): string | undefined {
  const bare = contentType?.split(';')[0]?.trim().toLowerCase();
  return bare === '' ? undefined : bare;
}

/**
 * Reads a manifest or index. The document's own `mediaType` wins over the
 * `Content-Type` header; without either, the shape decides (`manifests` or `layers`).
 */
export function parseManifest(body: string, contentType: string | undefined): ManifestDocument {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: 'invalid', problem: 'the manifest is not JSON' };
  }
  if (!isRecord(value)) return { kind: 'invalid', problem: 'the manifest is not a JSON object' };
  const declared = typeof value.mediaType === 'string' ? value.mediaType : bareMediaType(contentType);
  if (value.schemaVersion === 1 || declared?.startsWith('application/vnd.docker.distribution.manifest.v1') === true) {
    return { kind: 'invalid', problem: 'the registry serves a schema 1 manifest, which states no sizes' };
  }
  if (value.schemaVersion !== 2) return { kind: 'invalid', problem: `unknown manifest schemaVersion ${JSON.stringify(value.schemaVersion)}` };
  const isIndex = declared === MEDIA_TYPES.ociIndex || declared === MEDIA_TYPES.dockerManifestList
    || ((declared === undefined || declared === 'application/json') && Array.isArray(value.manifests));
  const isImage = declared === MEDIA_TYPES.ociManifest || declared === MEDIA_TYPES.dockerManifest
    || ((declared === undefined || declared === 'application/json') && Array.isArray(value.layers));
  if (isIndex) {
    if (!Array.isArray(value.manifests)) return { kind: 'invalid', problem: 'the index has no manifests list' };
    const manifests: IndexEntry[] = [];
    for (const item of value.manifests as unknown[]) {
      const descriptor = descriptorOf(item);
      if (!descriptor) return { kind: 'invalid', problem: 'an index entry has no valid digest or size' };
      const annotations = isRecord(item) && isRecord(item.annotations) ? item.annotations : {};
      const platform = isRecord(item) ? platformOf(item.platform) : undefined;
      const attestation = annotations['vnd.docker.reference.type'] === 'attestation-manifest' || (platform?.os === 'unknown' && platform.architecture === 'unknown');
      manifests.push({ ...descriptor, platform, attestation });
    }
    return { kind: 'index', mediaType: declared ?? MEDIA_TYPES.ociIndex, manifests };
  }
  if (isImage) {
    const config = descriptorOf(value.config);
    if (!config) return { kind: 'invalid', problem: 'the manifest has no valid config descriptor' };
    if (!Array.isArray(value.layers)) return { kind: 'invalid', problem: 'the manifest has no layers list' };
    const layers: Descriptor[] = [];
    for (const item of value.layers as unknown[]) {
      const layer = descriptorOf(item);
      if (!layer) return { kind: 'invalid', problem: 'a layer has no valid digest or size' };
      layers.push(layer);
    }
    return { kind: 'image', mediaType: declared ?? MEDIA_TYPES.ociManifest, config, layers };
  }
  return { kind: 'invalid', problem: `unsupported manifest media type ${declared ?? '(none)'}` };
}

/** Bytes a pull of the image downloads: every layer's compressed size plus the config blob. */
export function downloadSize(manifest: { readonly config: Descriptor; readonly layers: readonly Descriptor[] }): number {
  return manifest.layers.reduce((sum, layer) => sum + layer.size, manifest.config.size);
}

/** The variant an architecture implies when none is written (`arm64` is `v8`). */
function normalVariant(architecture: string, variant: string | undefined): string | undefined {
  if (variant !== undefined) return variant.toLowerCase();
  if (architecture === 'arm64') return 'v8';
  if (architecture === 'arm') return 'v7';
  return undefined;
}

/**
 * The index entry for `wanted`: same OS and architecture, the exact variant when one
 * is asked for (`arm64` without a variant is `v8`), attestations never. When no
 * variant is asked for, an entry without one (or the architecture's default) comes first.
 */
export function choosePlatform(manifests: readonly IndexEntry[], wanted: Platform): IndexEntry | undefined {
  const os = wanted.os.toLowerCase();
  const architecture = wanted.architecture.toLowerCase();
  const candidates = manifests.filter((m) => !m.attestation && m.platform?.os.toLowerCase() === os && m.platform.architecture.toLowerCase() === architecture);
  const wantedVariant = normalVariant(architecture, wanted.variant);
  const exact = candidates.find((m) => normalVariant(architecture, m.platform?.variant) === wantedVariant);
  if (exact) return exact;
  return wanted.variant === undefined ? candidates[0] : undefined;
}

/** `linux/amd64`, `linux/arm64/v8`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter((p) => p !== undefined && p !== '').join('/');
}

/** The platforms an index offers, for a message when the one wanted is missing. */
export function platformsOf(manifests: readonly IndexEntry[]): string[] {
  return [...new Set(manifests.filter((m) => !m.attestation && m.platform).map((m) => formatPlatform(m.platform as Platform)))];
}

/**
 * The image platform matching a Node process (`process.arch`, and for 32-bit ARM
 * `process.config.variables.arm_version`). Images are Linux ones, as Docker Desktop runs
 * them on macOS and Windows too.
 */
export function platformOfNode(arch: string, armVersion?: string | number): Platform {
  switch (arch) {
    case 'x64': return { os: 'linux', architecture: 'amd64', variant: undefined };
    case 'arm64': return { os: 'linux', architecture: 'arm64', variant: 'v8' };
    case 'arm': return { os: 'linux', architecture: 'arm', variant: armVersion !== undefined ? `v${String(armVersion)}` : 'v7' };
    case 'ia32': return { os: 'linux', architecture: '386', variant: undefined };
    // Node names little-endian POWER `ppc64`; images name it `ppc64le`.
    case 'ppc64': return { os: 'linux', architecture: 'ppc64le', variant: undefined };
    case 'loong64': return { os: 'linux', architecture: 'loong64', variant: undefined };
    default: return { os: 'linux', architecture: arch, variant: undefined };
  }
}
