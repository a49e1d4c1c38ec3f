import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { ContextFilter, escapingSymlinks, summariseContext } from '../../core/docker/buildContext';
import type { ContextEntry, ContextSummary } from '../../core/docker/buildContext';

export interface ScannedContext {
  readonly root: string;
  /** Paths sent to the engine, parents before children. */
  readonly entries: readonly (ContextEntry & { readonly mode: number; readonly mtime: Date })[];
  readonly summary: ContextSummary;
  /** Symlinks among the sent paths whose target leaves the context. */
  readonly escapingLinks: readonly { path: string; target: string }[];
  /** The Dockerfile's path inside the archive (a generated name when it lies outside the context). */
  readonly dockerfileInArchive: string;
  /** Set when the Dockerfile lies outside the context and is added under a generated name. */
  readonly externalDockerfile: { readonly name: string; readonly content: Buffer } | undefined;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/**
 * Walks the context folder as the docker CLI would send it: `.dockerignore` applied
 * (`<Dockerfile>.dockerignore` preferred, as BuildKit does), the Dockerfile and
 * `.dockerignore` always kept, symlinks kept as links (never followed).
 */
export async function scanContext(root: string, dockerfile: string, signal?: AbortSignal): Promise<ScannedContext> {
  const relativeDockerfile = toPosix(relative(root, dockerfile));
  const inside = !relativeDockerfile.startsWith('../') && relativeDockerfile !== '..' && !relativeDockerfile.startsWith('/');
  const name = dockerfile.slice(dockerfile.lastIndexOf(sep) + 1);
  const ignoreText = (await readFile(`${dockerfile}.dockerignore`, 'utf8').catch(() => undefined)) ?? (await readFile(join(root, '.dockerignore'), 'utf8').catch(() => undefined));
  const filter = new ContextFilter(ignoreText, inside ? relativeDockerfile : undefined);
  const entries: (ContextEntry & { mode: number; mtime: Date })[] = [];

  const walk = async (dir: string): Promise<void> => {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
    const names = (await readdir(dir)).sort();
    for (const child of names) {
      const full = join(dir, child);
      const path = toPosix(relative(root, full));
      const stat = await lstat(full);
      if (stat.isDirectory()) {
        if (filter.includes(path)) entries.push({ path, type: 'directory', size: 0, mode: stat.mode, mtime: stat.mtime });
        if (filter.mustWalk(path)) await walk(full);
      } else if (filter.includes(path)) {
        if (stat.isSymbolicLink()) {
          entries.push({ path, type: 'symlink', size: 0, linkTarget: await readlink(full), mode: stat.mode, mtime: stat.mtime });
        } else if (stat.isFile()) {
          entries.push({ path, type: 'file', size: stat.size, mode: stat.mode, mtime: stat.mtime });
        }
        // Sockets, FIFOs and devices are not sent: the CLI skips them too.
      }
    }
  };
  await walk(root);

  let externalDockerfile: ScannedContext['externalDockerfile'];
  let dockerfileInArchive = relativeDockerfile;
  if (!inside) {
    dockerfileInArchive = `.berth-dockerfile-${Date.now().toString(36)}-${name}`;
    externalDockerfile = { name: dockerfileInArchive, content: await readFile(dockerfile) };
  }
  return { root, entries, summary: summariseContext(entries), escapingLinks: escapingSymlinks(entries), dockerfileInArchive, externalDockerfile };
}

/**
 * Streams the scanned context as a tar archive (owner root, as the docker CLI sends it).
 * Destroying the returned stream stops reading files.
 */
export function packContext(scanned: ScannedContext): Readable {
  const pack = tar.pack();
  const addEntry = (header: tar.Headers, body?: Buffer | Readable): Promise<void> =>
    new Promise((resolve, reject) => {
      if (body === undefined || Buffer.isBuffer(body)) {
        pack.entry(header, body ?? Buffer.alloc(0), (error) => { if (error) reject(error); else resolve(); });
        return;
      }
      const sink = pack.entry(header, (error) => { if (error) reject(error); else resolve(); });
      body.on('error', reject);
      body.pipe(sink);
    });
  const run = async (): Promise<void> => {
    for (const entry of scanned.entries) {
      if (pack.destroyed) return;
      const base = { name: entry.path, mode: entry.mode & 0o7777, mtime: entry.mtime, uid: 0, gid: 0, uname: '', gname: '' };
      if (entry.type === 'directory') await addEntry({ ...base, type: 'directory' });
      else if (entry.type === 'symlink') await addEntry({ ...base, type: 'symlink', linkname: entry.linkTarget ?? '' });
      else if (entry.type === 'file') await addEntry({ ...base, type: 'file', size: entry.size }, createReadStream(join(scanned.root, entry.path)));
    }
    if (scanned.externalDockerfile) {
      const { name, content } = scanned.externalDockerfile;
      await addEntry({ name, mode: 0o644, mtime: new Date(), uid: 0, gid: 0, type: 'file', size: content.length }, content);
    }
    pack.finalize();
  };
  run().catch((error: unknown) => { pack.destroy(error instanceof Error ? error : new Error(String(error))); });
  return pack;
}
