// File-system side of the CLI: reading Dockerfiles within limits, finding the
// configuration file the way hadolint does, and the build context's .dockerignore.
import { closeSync, createReadStream, fstatSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Files above this are not read: one BT002 finding says so. Real Dockerfiles are a few
 * KiB (the largest of the 262 in the shared corpus is 4 KB); a megabyte is generated or
 * a mistake, and one pathological file must not stall a CI run over thousands. The editor
 * keeps the engine's own, larger limit.
 */
export const MAX_CLI_BYTES = 1_000_000;

export type ReadOutcome =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'too-large'; readonly bytes: number }
  | { readonly kind: 'error'; readonly message: string };

function describeError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'file name too long';
    default: return err instanceof Error ? err.message : String(err);
  }
}

/** Reads a stream until it ends or passes the lint limit; never holds more than the limit. */
async function readCapped(stream: Readable): Promise<ReadOutcome> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      total += buf.length;
      if (total > MAX_CLI_BYTES) {
        stream.destroy();
        return { kind: 'too-large', bytes: total };
      }
      chunks.push(buf);
    }
  } catch (err) {
    return { kind: 'error', message: describeError(err) };
  }
  return { kind: 'text', text: Buffer.concat(chunks).toString('utf8') };
}

let stdinRead: Promise<ReadOutcome> | undefined;

/**
 * Reads one Dockerfile (`-` is standard input). A regular file larger than the limit is
 * not read at all; pipes and devices are read up to the limit. Regular files are read
 * synchronously: for the small files Dockerfiles are, that is several times cheaper than
 * the promise API, and worker threads provide the parallelism.
 */
export async function readDockerfile(path: string, stdin: Readable): Promise<ReadOutcome> {
  if (path === '-') {
    stdinRead ??= readCapped(stdin);
    return stdinRead;
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return { kind: 'error', message: describeError(err) };
  }
  let streamed = false;
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) return { kind: 'error', message: 'is a directory' };
    if (info.isFile()) {
      if (info.size > MAX_CLI_BYTES) return { kind: 'too-large', bytes: info.size };
      const buf = readFileSync(fd);
      // The file may have grown since the stat.
      if (buf.length > MAX_CLI_BYTES) return { kind: 'too-large', bytes: buf.length };
      return { kind: 'text', text: buf.toString('utf8') };
    }
    // A FIFO or a device: stream it, never waiting on it synchronously. The stream closes the descriptor.
    streamed = true;
    return await readCapped(createReadStream(path, { fd, autoClose: true }));
  } catch (err) {
    return { kind: 'error', message: describeError(err) };
  } finally {
    if (!streamed) closeSync(fd);
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The `.dockerignore` that applies to a Dockerfile, as BuildKit picks it:
 * `<Dockerfile>.dockerignore` next to the Dockerfile first, then `.dockerignore` at the
 * root of the build context. Directory listings and contents are cached, so a run over
 * thousands of files in a few directories lists and reads each directory once instead of
 * failing an open per file.
 */
export class DockerignoreReader {
  private readonly listings = new Map<string, ReadonlySet<string> | undefined>();
  private readonly contents = new Map<string, string | undefined>();

  constructor(private readonly contextDir: string | undefined) {}

  private has(dir: string, name: string): boolean {
    let listing = this.listings.get(dir);
    if (!this.listings.has(dir)) {
      try {
        listing = new Set(readdirSync(dir));
      } catch {
        listing = undefined;
      }
      this.listings.set(dir, listing);
    }
    return listing?.has(name) ?? false;
  }

  private read(path: string): string | undefined {
    if (!this.contents.has(path)) this.contents.set(path, readOptional(path));
    return this.contents.get(path);
  }

  forDockerfile(path: string): Promise<{ dockerignore: string | undefined } | undefined> {
    return Promise.resolve(this.lookup(path));
  }

  private lookup(path: string): { dockerignore: string | undefined } | undefined {
    if (path === '-' && this.contextDir === undefined) return undefined;
    if (path !== '-') {
      const own = `${basename(path)}.dockerignore`;
      const dir = resolve(dirname(path));
      if (this.has(dir, own)) {
        const text = readOptional(join(dir, own));
        if (text !== undefined) return { dockerignore: text };
      }
    }
    const context = resolve(this.contextDir ?? dirname(path));
    return { dockerignore: this.has(context, '.dockerignore') ? this.read(join(context, '.dockerignore')) : undefined };
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The configuration file hadolint would use when none is given, first found wins:
 * `./.hadolint.yaml`, `$XDG_CONFIG_HOME/hadolint.yaml` (default `~/.config`),
 * `~/.hadolint/hadolint.yaml`, `~/.hadolint/config.yaml`, `~/.hadolint.yaml`, each also as `.yml`.
 */
export function configCandidates(cwd: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const home = env.HOME ?? homedir();
  const xdg = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  const both = (base: string): string[] => [`${base}.yaml`, `${base}.yml`];
  return [
    ...both(join(cwd, '.hadolint')),
    ...both(join(xdg, 'hadolint')),
    ...both(join(home, '.hadolint', 'hadolint')),
    ...both(join(home, '.hadolint', 'config')),
    ...both(join(home, '.hadolint')),
  ];
}

export function findConfigFile(cwd: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  return configCandidates(cwd, env).find(isFile);
}

/**
 * Maps items through an async function with at most `limit` in flight, yielding the
 * results in input order. At most `limit` results wait for their turn, so memory stays
 * bounded however many items there are.
 */
export async function* mapOrdered<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  let next = 0;
  while (next < items.length && window.length < limit) window.push(fn(items[next++] as T));
  while (window.length > 0) {
    const result = await (window.shift() as Promise<R>);
    if (next < items.length) window.push(fn(items[next++] as T));
    yield result;
  }
}
