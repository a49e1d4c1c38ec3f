// Loads the real helm output kept in ./fixtures (see fixtures/README.md) and decodes Helm's
// storage Secrets the way the clients layer will: base64 (Secret data) of base64 of gzip of JSON.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = join(__dirname, 'fixtures');

export function fixtureText(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), 'utf8');
}

export function fixtureJson(...parts: string[]): unknown {
  return JSON.parse(fixtureText(...parts)) as unknown;
}

export interface StoredSecret {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** The decoded release JSON. */
  release: unknown;
}

interface SecretList {
  items: { metadata: { name: string; namespace: string; labels: Record<string, string> }; data: { release: string } }[];
}

/** The storage Secrets of a `kubectl get secret -o json` fixture, payloads decoded. */
export function storedReleases(file: string): StoredSecret[] {
  const list = fixtureJson(file) as SecretList;
  return list.items.map((item) => {
    const gzipped = Buffer.from(Buffer.from(item.data.release, 'base64').toString('utf8'), 'base64');
    return {
      name: item.metadata.name,
      namespace: item.metadata.namespace,
      labels: item.metadata.labels,
      release: JSON.parse(gunzipSync(gzipped).toString('utf8')) as unknown,
    };
  });
}

/** `test/unit/helm/fixtures/cli/helm<major>/<file>`. */
export function cliOutput(major: 3 | 4, file: string): string {
  return fixtureText('cli', `helm${major}`, file);
}
