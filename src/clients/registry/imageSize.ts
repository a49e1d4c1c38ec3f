import { createHash } from 'node:crypto';
import type { RegistryAuth } from '../../core/docker/credentials';
import { parseAuthenticate } from '../../core/registry/challenge';
import type { AuthChallenge } from '../../core/registry/challenge';
import { failureForNetwork, failureForStatus, quoteRegistryText } from '../../core/registry/errors';
import type { RegistryFailure } from '../../core/registry/errors';
import {
  MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, choosePlatform, downloadSize, formatPlatform, parseManifest, platformOfNode, platformsOf,
} from '../../core/registry/manifest';
import type { ManifestDocument, Platform } from '../../core/registry/manifest';
import { parseTokenResponse, planTokenRequest, refreshTokenForm } from '../../core/registry/realm';
import { manifestUrl, parseRegistryReference } from '../../core/registry/reference';
import type { RegistryEndpoint } from '../../core/registry/reference';
import type { RegistryImageSize } from '../../core/registry/types';
import { registryAuthFromConfig } from '../docker/credentials';
import { RegistryError } from './errors';
import { ReplyTooLargeError, exchange } from './http';
import type { HttpReply } from './http';

/** The whole lookup (auth exchange, index, manifest) must finish within this, by default. */
export const DEFAULT_REGISTRY_DEADLINE_MS = 5_000;
const MAX_REDIRECTS = 3;
const MAX_TOKEN_REPLY_BYTES = 64 * 1024;

export interface ImageSizeOptions {
  /** One deadline for the whole lookup, in ms (default 5 s). */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
  /** The platform to measure when the tag is an index (default: this machine's, as Linux). */
  readonly platform?: Platform;
  /**
   * Credentials of a registry (`docker.io`, `127.0.0.1:5000`), asked for only when the
   * registry requires them. Default: the Docker client config (`DOCKER_CONFIG` or `~/.docker`).
   */
  readonly credentials?: (registry: string) => Promise<RegistryAuth | undefined>;
}

/** Why the lookup's signal fired: the deadline or the caller. */
class Stopped extends Error {
  constructor(readonly timedOut: boolean) {
    super(timedOut ? 'deadline' : 'cancelled');
  }
}

function hostPlatform(): Platform {
  const armVersion = (process.config.variables as { arm_version?: string | number }).arm_version;
  return platformOfNode(process.arch, armVersion);
}

/** One lookup: the endpoint, the deadline, the authorization obtained, and the secrets to keep out of messages. */
class Lookup {
  private authorization: string | undefined;
  /** True once the registry's own credentials went out (to it or its token service). */
  private credentialsSent = false;
  private withheld: string | undefined;
  private readonly secrets: string[] = [];
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort: () => void;

  constructor(readonly endpoint: RegistryEndpoint, readonly reference: string, private readonly deadlineMs: number, private readonly callerSignal: AbortSignal | undefined, private readonly credentials: (registry: string) => Promise<RegistryAuth | undefined>) {
    this.timer = setTimeout(() => { this.controller.abort(new Stopped(true)); }, deadlineMs);
    this.onCallerAbort = () => { this.controller.abort(new Stopped(false)); };
    if (callerSignal?.aborted) this.controller.abort(new Stopped(false));
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (secret.length >= 4) out = out.split(secret).join('***');
    return out;
  }

  fail(failure: RegistryFailure): RegistryError {
    return new RegistryError(failure.code, this.redact(failure.message), this.redact(failure.action));
  }

  /** A RegistryError for whatever a request threw. */
  private failureOf(error: unknown, host: string, what: string): RegistryError {
    if (error instanceof RegistryError) return error;
    const reason = this.controller.signal.reason as unknown;
    if (this.controller.signal.aborted && reason instanceof Stopped) {
      return reason.timedOut
        ? new RegistryError('TIMEOUT', `${host} did not answer the ${what} within ${(this.deadlineMs / 1000).toString()} s.`, 'The registry is slow or unreachable; the size table is used meanwhile.')
        : new RegistryError('CANCELLED', `The lookup of ${this.reference} was cancelled.`, '');
    }
    if (error instanceof ReplyTooLargeError) return new RegistryError('BAD_RESPONSE', `${host} sent a ${what} larger than ${(error.limit / 1024).toString()} KiB.`, 'This is not what a registry sends; check the registry address.');
    const e = error as { code?: unknown; message?: unknown };
    return this.fail(failureForNetwork(typeof e.code === 'string' ? e.code : undefined, typeof e.message === 'string' ? e.message : String(error), host));
  }

  private async send(url: URL, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; maxBytes: number }, what: string): Promise<HttpReply> {
    try {
      return await exchange(url, { ...init, signal: this.controller.signal });
    } catch (error) {
      throw this.failureOf(error, url.host, what);
    }
  }

  /** Credentials of the registry, raced against the deadline (a helper may hang). */
  private async registryCredentials(): Promise<RegistryAuth | undefined> {
    const signal = this.controller.signal;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => { reject(this.failureOf(undefined, this.endpoint.host, 'credentials lookup')); };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const auth = await Promise.race([this.credentials(this.endpoint.registry), stopped]);
      for (const secret of [auth?.password, auth?.identitytoken]) if (secret !== undefined && secret !== '') this.secrets.push(secret);
      return auth;
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new RegistryError('UNAUTHORIZED', `The credentials for ${this.endpoint.registry} could not be read: ${this.redact(message)}`, 'Check the Docker client config (config.json) and its credential helper.');
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  /** Answers the registry's challenge: a Bearer token (realm policy applied) or Basic credentials. */
  private async authenticate(challenges: readonly AuthChallenge[]): Promise<void> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const registry = this.endpoint.registry;
    if (bearer) {
      const plan = planTokenRequest(this.endpoint.host, bearer, this.endpoint.repository);
      if (plan.kind === 'refused') throw new RegistryError('REALM_REFUSED', plan.reason, 'Berth did not contact that token service; the size table is used instead.');
      const auth = plan.kind === 'withCredentials' ? await this.registryCredentials() : undefined;
      if (plan.kind === 'anonymous') this.withheld = plan.withheld;
      const url = new URL(plan.url);
      let reply: HttpReply;
      if (auth?.identitytoken !== undefined && auth.identitytoken !== '') {
        const form = refreshTokenForm(auth.identitytoken, plan.service, plan.scope);
        this.credentialsSent = true;
        reply = await this.send(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form, maxBytes: MAX_TOKEN_REPLY_BYTES }, 'token request');
      } else {
        const headers: Record<string, string> = {};
        if (auth?.username !== undefined && auth.password !== undefined) {
          headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
          this.credentialsSent = true;
        }
        reply = await this.send(url, { method: 'GET', headers, maxBytes: MAX_TOKEN_REPLY_BYTES }, 'token request');
      }
      if (reply.status === 401 || reply.status === 403) {
        throw new RegistryError('UNAUTHORIZED', `The token service ${url.host} of ${registry} refused ${auth ? 'the credentials Berth has' : 'an anonymous pull token'} (HTTP ${reply.status.toString()}).`, `Log in again with "docker login ${registry}".`);
      }
      if (reply.status !== 200) throw new RegistryError('BAD_RESPONSE', `The token service ${url.host} of ${registry} answered HTTP ${reply.status.toString()}.`, 'Try again later.');
      const token = parseTokenResponse(reply.body.toString('utf8'));
      if (token === undefined) throw new RegistryError('BAD_RESPONSE', `The token service ${url.host} of ${registry} sent no usable token.`, 'Check the registry address.');
      this.secrets.push(token);
      this.authorization = `Bearer ${token}`;
      return;
    }
    if (basic) {
      // A Basic challenge comes from the registry itself: its own credentials go back to it.
      const auth = await this.registryCredentials();
      if (auth?.username === undefined || auth.password === undefined) {
        throw new RegistryError('UNAUTHORIZED', `${registry} requires a user name and password for ${this.reference}, and the Docker client config has none for it.`, `Log in with "docker login ${registry}".`);
      }
      this.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      this.credentialsSent = true;
      return;
    }
    const schemes = challenges.map((c) => c.scheme).join(', ');
    throw new RegistryError('UNAUTHORIZED', `${registry} requires authentication by ${schemes === '' ? 'an unnamed scheme' : schemes}, which Berth does not support.`, 'Pull the image with docker to see its size from the local engine.');
  }

  /** Fetches one manifest or index by tag or digest, authenticating once if asked to. */
  async manifest(reference: string): Promise<{ document: ManifestDocument; digest: string }> {
    let url = new URL(manifestUrl(this.endpoint, reference));
    let authenticated = false;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT };
      if (this.authorization !== undefined) headers.Authorization = this.authorization;
      const reply = await this.send(url, { method: 'GET', headers, maxBytes: MAX_MANIFEST_BYTES }, 'manifest request');
      if ([301, 302, 303, 307, 308].includes(reply.status)) {
        const location = reply.headers.location;
        const next = location !== undefined ? new URL(location, url) : undefined;
        // Authorization travels with the request: a redirect elsewhere would carry it away.
        if (!next || next.host !== url.host || next.protocol !== url.protocol || hop >= MAX_REDIRECTS) {
          throw new RegistryError('BAD_RESPONSE', `${this.endpoint.host} redirected the manifest request ${next ? `to ${next.host}` : 'without a location'}; Berth follows manifest redirects only on the same host.`, 'Check the registry address.');
        }
        url = next;
        continue;
      }
      if (reply.status === 401 && !authenticated) {
        authenticated = true;
        await this.authenticate(parseAuthenticate(reply.authenticate));
        continue;
      }
      if (reply.status !== 200) {
        if ((reply.status === 401 || reply.status === 403) && this.withheld !== undefined) {
          throw new RegistryError('REALM_REFUSED', this.withheld, `The anonymous token was not enough. If ${this.endpoint.registry} really uses that token service, pull the image with docker to see its size.`);
        }
        throw this.fail(failureForStatus(reply.status, reply.body.toString('utf8'), this.endpoint.host, this.reference, this.credentialsSent));
      }
      const digest = `sha256:${createHash('sha256').update(reply.body).digest('hex')}`;
      if (reference.startsWith('sha256:') && reference !== digest) {
        throw new RegistryError('BAD_RESPONSE', `${this.endpoint.host} served a manifest whose content does not match the digest asked for (${reference.slice(0, 19)}…).`, 'The registry or something between may be tampering with content.');
      }
      const document = parseManifest(reply.body.toString('utf8'), reply.headers['content-type']);
      if (document.kind === 'invalid') throw new RegistryError('BAD_RESPONSE', `${this.endpoint.host} sent an unusable manifest for ${this.reference}: ${quoteRegistryText(document.problem)}.`, 'Pull the image with docker to see its size from the local engine.');
      // A digest-addressed manifest in another algorithm keeps its own name.
      return { document, digest: reference.includes(':') && !reference.startsWith('sha256:') ? reference : digest };
    }
  }
}

/**
 * The download size of an image from its registry's manifest (Registry HTTP API v2,
 * read-only): the platform's manifest when the tag is an index, the sum of the layers'
 * compressed sizes plus the config blob. Credentials are asked for only when the
 * registry requires them, and sent only to it or to its own token service.
 * Throws RegistryError.
 */
export async function lookupImageSize(reference: string, options: ImageSizeOptions = {}): Promise<RegistryImageSize> {
  const parsed = parseRegistryReference(reference);
  if (!parsed.ok) throw new RegistryError('NOT_FOUND', `Not an image reference Berth can look up: ${parsed.problem}`, 'Check the FROM line.');
  const credentials = options.credentials ?? ((registry: string) => registryAuthFromConfig(registry));
  const lookup = new Lookup(parsed.endpoint, reference.trim(), options.deadlineMs ?? DEFAULT_REGISTRY_DEADLINE_MS, options.signal, credentials);
  try {
    let fetched = await lookup.manifest(parsed.endpoint.manifestReference);
    let platform: string | undefined;
    if (fetched.document.kind === 'index') {
      const wanted = options.platform ?? hostPlatform();
      const entry = choosePlatform(fetched.document.manifests, wanted);
      if (!entry) {
        const offered = platformsOf(fetched.document.manifests);
        throw new RegistryError('NO_PLATFORM', `${reference.trim()} has no image for ${formatPlatform(wanted)}${offered.length > 0 ? ` (it has ${offered.join(', ')})` : ''}.`, 'The size shown is not for this machine\'s platform.');
      }
      platform = entry.platform ? formatPlatform(entry.platform) : undefined;
      fetched = await lookup.manifest(entry.digest);
      if (fetched.document.kind !== 'image') throw new RegistryError('BAD_RESPONSE', `The index of ${reference.trim()} points at another index for ${platform ?? 'the platform'}.`, 'Pull the image with docker to see its size from the local engine.');
    }
    if (fetched.document.kind !== 'image') throw new RegistryError('BAD_RESPONSE', `Unexpected manifest for ${reference.trim()}.`, '');
    return {
      reference: reference.trim(),
      registry: parsed.endpoint.host,
      manifestDigest: fetched.digest,
      platform,
      compressedBytes: downloadSize(fetched.document),
      layerCount: fetched.document.layers.length,
      fetchedAt: new Date().toISOString(),
    };
  } finally {
    lookup.dispose();
  }
}
