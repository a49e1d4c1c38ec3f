/**
 * What Berth's own registry client (Registry HTTP API v2, read-only) reports about an
 * image: the size a pull downloads, for one platform. Used for base-image size lenses
 * when the image is not in the local engine. Shared by core, clients and vscode.
 */

/** The compressed size of an image as a registry serves it, for one platform. */
export interface RegistryImageSize {
  /** The reference as asked (`node:22`, `127.0.0.1:5000/team/app:1`). */
  readonly reference: string;
  /** The registry host contacted, with its port (`registry-1.docker.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  /** Digest of the image manifest measured (the platform's, when the tag is an index). */
  readonly manifestDigest: string;
  /** `linux/amd64`, `linux/arm64/v8` when chosen from an index; undefined for a single-platform manifest. */
  readonly platform: string | undefined;
  /** Bytes a pull downloads: the layers' compressed sizes plus the config blob. */
  readonly compressedBytes: number;
  readonly layerCount: number;
  /** ISO time of the lookup. */
  readonly fetchedAt: string;
}

export type RegistryErrorCode =
  /** The repository or tag does not exist (404, MANIFEST_UNKNOWN, NAME_UNKNOWN). */
  | 'NOT_FOUND'
  /** 401/403 after the auth exchange: no or wrong credentials, or no pull access. */
  | 'UNAUTHORIZED'
  /** Connection refused, DNS failure, reset. */
  | 'UNREACHABLE'
  /** The lookup's deadline passed (a silent or slow registry). */
  | 'TIMEOUT'
  /** Certificate or TLS handshake failure. */
  | 'TLS'
  /** A reply that is not what the protocol says (bad JSON, unknown media type, 5xx). */
  | 'BAD_RESPONSE'
  /** A token realm Berth will not contact or send credentials to (other host, plain http). */
  | 'REALM_REFUSED'
  /** The index has no manifest for the platform asked. */
  | 'NO_PLATFORM'
  | 'CANCELLED';
