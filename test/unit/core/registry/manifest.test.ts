import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MANIFEST_ACCEPT, MEDIA_TYPES, choosePlatform, downloadSize, formatPlatform, parseManifest, platformOfNode, platformsOf,
} from '../../../../src/core/registry/manifest';
import type { IndexEntry, ManifestDocument } from '../../../../src/core/registry/manifest';

const d = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

const dockerManifest = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.dockerManifest,
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1551, digest: d(1) },
  layers: [
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1065116, digest: d(2) },
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 109, digest: d(3) },
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 207, digest: d(4) },
  ],
};

// The shape of a BuildKit-pushed OCI index: two platforms and their attestations.
const ociIndex = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociIndex,
  manifests: [
    { mediaType: MEDIA_TYPES.ociManifest, digest: d(10), size: 1000, platform: { architecture: 'amd64', os: 'linux' } },
    { mediaType: MEDIA_TYPES.ociManifest, digest: d(11), size: 1000, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    { mediaType: MEDIA_TYPES.ociManifest, digest: d(12), size: 1000, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } },
    { mediaType: MEDIA_TYPES.ociManifest, digest: d(13), size: 566, annotations: { 'vnd.docker.reference.digest': d(10), 'vnd.docker.reference.type': 'attestation-manifest' }, platform: { architecture: 'unknown', os: 'unknown' } },
  ],
};

function image(doc: ManifestDocument): Extract<ManifestDocument, { kind: 'image' }> {
  if (doc.kind !== 'image') throw new Error(`expected an image manifest, got ${JSON.stringify(doc)}`);
  return doc;
}

function index(doc: ManifestDocument): readonly IndexEntry[] {
  if (doc.kind !== 'index') throw new Error(`expected an index, got ${JSON.stringify(doc)}`);
  return doc.manifests;
}

describe('manifests and indexes', () => {
  it('asks for all four media types', () => {
    for (const type of Object.values(MEDIA_TYPES)) assert.ok(MANIFEST_ACCEPT.includes(type), type);
  });

  it('Docker v2 schema 2: config and layers; the download is their sum', () => {
    const m = image(parseManifest(JSON.stringify(dockerManifest), 'application/vnd.docker.distribution.manifest.v2+json'));
    assert.equal(m.layers.length, 3);
    assert.equal(downloadSize(m), 1551 + 1065116 + 109 + 207);
  });

  it('OCI manifest without mediaType in the body: the Content-Type, else the shape, decides', () => {
    const bare = { schemaVersion: 2, config: dockerManifest.config, layers: dockerManifest.layers };
    assert.equal(image(parseManifest(JSON.stringify(bare), `${MEDIA_TYPES.ociManifest}; charset=utf-8`)).mediaType, MEDIA_TYPES.ociManifest);
    assert.equal(downloadSize(image(parseManifest(JSON.stringify(bare), undefined))), 1066983);
    assert.equal(downloadSize(image(parseManifest(JSON.stringify(bare), 'application/json'))), 1066983);
  });

  it('an index (OCI or Docker manifest list) lists platforms; attestations are marked', () => {
    const entries = index(parseManifest(JSON.stringify(ociIndex), MEDIA_TYPES.ociIndex));
    assert.deepEqual(entries.map((e) => e.attestation), [false, false, false, true]);
    assert.deepEqual(platformsOf(entries), ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
    const list = index(parseManifest(JSON.stringify({ ...ociIndex, mediaType: MEDIA_TYPES.dockerManifestList }), 'application/json'));
    assert.equal(list.length, 4);
  });

  it('refuses what states no sizes or is malformed, saying what', () => {
    const problem = (body: string, type?: string): string => {
      const doc = parseManifest(body, type);
      assert.equal(doc.kind, 'invalid', body);
      return doc.kind === 'invalid' ? doc.problem : '';
    };
    assert.match(problem('{"schemaVersion":1,"fsLayers":[]}', 'application/vnd.docker.distribution.manifest.v1+prettyjws'), /schema 1/);
    assert.match(problem('not json'), /not JSON/);
    assert.match(problem('[1]'), /not a JSON object/);
    assert.match(problem(JSON.stringify({ ...dockerManifest, schemaVersion: 3 })), /schemaVersion 3/);
    assert.match(problem(JSON.stringify({ ...dockerManifest, layers: [{ digest: d(2), size: -1 }] })), /layer/);
    assert.match(problem(JSON.stringify({ ...dockerManifest, layers: [{ digest: 'md5:x', size: 1 }] })), /layer/);
    assert.match(problem(JSON.stringify({ ...dockerManifest, layers: [{ digest: d(2), size: 1.5 }] })), /layer/);
    assert.match(problem(JSON.stringify({ ...dockerManifest, config: undefined })), /config/);
    assert.match(problem(JSON.stringify({ ...dockerManifest, mediaType: 'application/vnd.example+json' })), /unsupported manifest media type/);
    assert.match(problem(JSON.stringify({ ...ociIndex, manifests: [{ digest: d(1) }] })), /index entry/);
  });

  it('chooses the platform: exact variant, default variants, never an attestation', () => {
    const entries = index(parseManifest(JSON.stringify(ociIndex), undefined));
    assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'amd64', variant: undefined })?.digest, d(10));
    // arm64 without a variant is v8.
    assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'arm64', variant: undefined })?.digest, d(11));
    assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest, d(11));
    assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest, d(12));
    assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'arm', variant: 'v6' }), undefined);
    assert.equal(choosePlatform(entries, { os: 'linux', architecture: 's390x', variant: undefined }), undefined);
    assert.equal(choosePlatform(entries, { os: 'windows', architecture: 'amd64', variant: undefined }), undefined);
    assert.equal(choosePlatform(entries, { os: 'unknown', architecture: 'unknown', variant: undefined }), undefined);
    // An index that writes arm64's variant nowhere still matches a v8 request.
    const plain: IndexEntry[] = [{ digest: d(20), size: 1, mediaType: undefined, attestation: false, platform: { os: 'linux', architecture: 'arm64', variant: undefined } }];
    assert.equal(choosePlatform(plain, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest, d(20));
  });

  it('maps Node\'s architecture names to image platforms', () => {
    assert.equal(formatPlatform(platformOfNode('x64')), 'linux/amd64');
    assert.equal(formatPlatform(platformOfNode('arm64')), 'linux/arm64/v8');
    assert.equal(formatPlatform(platformOfNode('arm', '6')), 'linux/arm/v6');
    assert.equal(formatPlatform(platformOfNode('ppc64')), 'linux/ppc64le');
    assert.equal(formatPlatform(platformOfNode('s390x')), 'linux/s390x');
  });
});
