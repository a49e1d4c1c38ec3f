import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_IMAGE_SNAPSHOT, ON_DISK_PER_COMPRESSED, formatMegabytes, lookupBaseImage, parseTag, variantTag, withTag,
} from '../../src/core/images/baseImages';

describe('lookupBaseImage: exact entries and aliases', () => {
  it('finds node:22 as an alias of node:22-bookworm with the published range midpoint', () => {
    const info = lookupBaseImage('node:22');
    assert.ok(info);
    assert.equal(info.tableRef, 'node:22-bookworm');
    assert.equal(info.estimated, false);
    assert.equal(info.snapshot, BASE_IMAGE_SNAPSHOT);
    assert.deepEqual(info.compressedRangeMB, [402.5, 408.2]);
    assert.ok(Math.abs((info.compressedMB ?? 0) - 405.35) < 1e-9);
    // No published on-disk figure: estimated from the download size.
    assert.equal(info.onDiskEstimated, true);
    assert.ok(Math.abs((info.onDiskMB ?? 0) - 405.35 * ON_DISK_PER_COMPRESSED) < 1e-6);
    assert.equal(formatMegabytes(info.onDiskMB ?? 0), '1.1 GB');
  });

  it('normalises Docker Hub spellings and drops digests', () => {
    for (const ref of ['node:22', 'docker.io/library/node:22', 'index.docker.io/library/node:22', 'library/node:22', 'NODE:22', 'node:22@sha256:0123456789abcdef']) {
      assert.equal(lookupBaseImage(ref)?.tableRef, 'node:22-bookworm', ref);
    }
  });

  it('uses published on-disk sizes when there are some', () => {
    const info = lookupBaseImage('python:3.12-slim');
    assert.equal(info?.onDiskMB, 119.42);
    assert.equal(info?.onDiskEstimated, false);
    assert.equal(lookupBaseImage('python:3.12-slim-trixie')?.tableRef, 'python:3.12-slim');
  });

  it('knows untagged references by their latest alias', () => {
    assert.equal(lookupBaseImage('alpine')?.tableRef, 'alpine:3.24');
    assert.equal(lookupBaseImage('alpine:latest')?.tableRef, 'alpine:3.24');
    assert.equal(lookupBaseImage('ubuntu:noble')?.tableRef, 'ubuntu:24.04');
    assert.equal(lookupBaseImage('debian:13')?.tableRef, 'debian:trixie');
  });

  it('keeps registries apart: gcr.io distroless is found, an unknown registry is not', () => {
    assert.equal(lookupBaseImage('gcr.io/distroless/static-debian12')?.onDiskMB, 2);
    assert.equal(lookupBaseImage('ghcr.io/library/node:22'), undefined);
    assert.equal(lookupBaseImage('quay.io/node:22'), undefined);
  });

  it('returns scratch as zero and nothing for unusable input', () => {
    const scratch = lookupBaseImage('scratch');
    assert.equal(scratch?.onDiskMB, 0);
    assert.deepEqual(scratch?.slimmer, []);
    assert.equal(lookupBaseImage(''), undefined);
    assert.equal(lookupBaseImage('node:${NODE_VERSION}'), undefined);
    assert.equal(lookupBaseImage('mycompany/app:1.0'), undefined);
  });
});

describe('lookupBaseImage: unknown tags by family (estimated)', () => {
  it('maps a patch release to its major line', () => {
    const info = lookupBaseImage('node:22.11.0');
    assert.equal(info?.tableRef, 'node:22-bookworm');
    assert.equal(info?.estimated, true);
    assert.equal(lookupBaseImage('node:22.11.0-slim')?.tableRef, 'node:22-slim');
    assert.equal(lookupBaseImage('node:22-alpine3.20')?.tableRef, 'node:22-alpine');
  });

  it('maps another Debian codename of the same version to the listed one', () => {
    const info = lookupBaseImage('node:22-bullseye');
    assert.equal(info?.tableRef, 'node:22-bookworm');
    assert.equal(info?.estimated, true);
  });

  it('reads version aliases revealed by the table (node:lts is 22 in this snapshot)', () => {
    assert.equal(lookupBaseImage('node:lts')?.estimated, false);
    assert.equal(lookupBaseImage('node:lts-slim')?.tableRef, 'node:22-slim');
    assert.equal(lookupBaseImage('node:lts-slim')?.estimated, true);
  });

  it('does not cross node major versions, but takes a nearby python or golang minor', () => {
    assert.equal(lookupBaseImage('node:18'), undefined);
    assert.equal(lookupBaseImage('node:24-slim'), undefined);
    assert.equal(lookupBaseImage('python:3.11')?.tableRef, 'python:3.12');
    assert.equal(lookupBaseImage('python:3.11')?.estimated, true);
    assert.equal(lookupBaseImage('python:3.8'), undefined);
    assert.equal(lookupBaseImage('python:2.7'), undefined);
    assert.equal(lookupBaseImage('golang:1.25.3-alpine')?.tableRef, 'golang:1.26-alpine');
  });

  it('leaves tags it does not understand alone', () => {
    assert.equal(lookupBaseImage('node:22-windowsservercore'), undefined);
    assert.equal(lookupBaseImage('python:3.12-jessie-weird-suffix'), undefined);
  });
});

describe('lookupBaseImage: slimmer variants', () => {
  it('lists the table advice for node:22, preferred first, in the style of the reference', () => {
    const info = lookupBaseImage('node:22');
    assert.deepEqual(info?.slimmer.map((s) => [s.ref, s.savingPercent]), [['node:22-slim', 80], ['node:22-alpine', 85]]);
    assert.equal(info?.slimmer[0]?.tableRef, 'node:22-slim');
  });

  it('keeps the registry spelling and the codename', () => {
    assert.deepEqual(lookupBaseImage('docker.io/library/node:22')?.slimmer.map((s) => s.ref), ['docker.io/library/node:22-slim', 'docker.io/library/node:22-alpine']);
    assert.deepEqual(lookupBaseImage('node:22-bookworm')?.slimmer.map((s) => s.ref), ['node:22-bookworm-slim', 'node:22-alpine']);
    assert.deepEqual(lookupBaseImage('python:3.12-trixie')?.slimmer.map((s) => s.ref), ['python:3.12-slim-trixie', 'python:3.12-alpine']);
    assert.deepEqual(lookupBaseImage('node:22.11.0')?.slimmer.map((s) => s.ref), ['node:22.11.0-slim', 'node:22.11.0-alpine']);
  });

  it('computes the saving from the table when it gives no advice (node:20)', () => {
    const info = lookupBaseImage('node:20');
    const slim = info?.slimmer.find((s) => s.variant === 'slim');
    // 1 - 71.1 / 398.5
    assert.equal(slim?.savingPercent, 82);
    assert.equal(slim?.ref, 'node:20-slim');
  });

  it('has no slimmer variant for images that already are slim, and advice instead of an image for golang', () => {
    assert.deepEqual(lookupBaseImage('node:22-slim')?.slimmer, []);
    assert.deepEqual(lookupBaseImage('alpine:3.24')?.slimmer, []);
    const go = lookupBaseImage('golang:1.26');
    assert.deepEqual(go?.slimmer, []);
    assert.match(go?.advice ?? '', /static binary/);
  });
});

describe('tag helpers', () => {
  it('parses official-image tags', () => {
    assert.deepEqual(parseTag('3.12-slim-bookworm'), { version: '3.12', variant: 'slim', codename: 'bookworm', understood: true });
    assert.deepEqual(parseTag('22-alpine3.20'), { version: '22', variant: 'alpine', codename: undefined, understood: true });
    assert.equal(parseTag('latest').version, undefined);
    assert.equal(parseTag('8-jdk-windowsservercore').understood, false);
  });

  it('builds variant tags per project convention', () => {
    assert.equal(variantTag('node', '22-bookworm', 'slim'), '22-bookworm-slim');
    assert.equal(variantTag('python', '3.12-bookworm', 'slim'), '3.12-slim-bookworm');
    assert.equal(variantTag('python', '3.12-bookworm', 'alpine'), '3.12-alpine');
    assert.equal(variantTag('node', 'latest', 'slim'), 'slim');
    assert.equal(variantTag('node', '22-slim', 'alpine'), undefined);
  });

  it('replaces only the tag of a reference', () => {
    assert.equal(withTag('registry.example.com:5000/team/node:22@sha256:abc', '22-slim'), 'registry.example.com:5000/team/node:22-slim');
  });

  it('formats sizes the way docker prints them', () => {
    assert.equal(formatMegabytes(405.35), '405 MB');
    assert.equal(formatMegabytes(3.8), '3.8 MB');
    assert.equal(formatMegabytes(1110), '1.1 GB');
  });
});
