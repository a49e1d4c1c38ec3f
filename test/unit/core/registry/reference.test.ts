import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostnameOf, isLoopbackHostname, manifestUrl, parseRegistryReference } from '../../../../src/core/registry/reference';
import type { RegistryEndpoint } from '../../../../src/core/registry/reference';

function endpoint(reference: string): RegistryEndpoint {
  const parsed = parseRegistryReference(reference);
  if (!parsed.ok) throw new Error(`${reference}: ${parsed.problem}`);
  return parsed.endpoint;
}

function problem(reference: string): string {
  const parsed = parseRegistryReference(reference);
  if (parsed.ok) throw new Error(`${reference} was accepted as ${JSON.stringify(parsed.endpoint)}`);
  return parsed.problem;
}

describe('registry reference -> endpoint', () => {
  it('Docker Hub official images go to registry-1.docker.io under library/, latest by default', () => {
    assert.deepEqual(endpoint('node'), {
      registry: 'docker.io', host: 'registry-1.docker.io', scheme: 'https', repository: 'library/node', tag: undefined, digest: undefined, manifestReference: 'latest',
    });
    for (const spelling of ['node:22', 'docker.io/node:22', 'docker.io/library/node:22', 'index.docker.io/library/node:22', 'registry-1.docker.io/library/node:22']) {
      const e = endpoint(spelling);
      assert.equal(e.host, 'registry-1.docker.io', spelling);
      assert.equal(e.registry, 'docker.io', spelling);
      assert.equal(e.repository, 'library/node', spelling);
      assert.equal(e.manifestReference, '22', spelling);
    }
  });

  it('Docker Hub user repositories keep their namespace', () => {
    assert.equal(endpoint('bitnami/redis:7.2').repository, 'bitnami/redis');
    assert.equal(endpoint('docker.io/bitnami/redis').repository, 'bitnami/redis');
  });

  it('other registries keep host, port and path; https unless loopback', () => {
    const ghcr = endpoint('ghcr.io/org/team/app:1.2.3');
    assert.deepEqual([ghcr.registry, ghcr.host, ghcr.scheme, ghcr.repository, ghcr.tag], ['ghcr.io', 'ghcr.io', 'https', 'org/team/app', '1.2.3']);
    const local = endpoint('127.0.0.1:5000/team/app:1');
    assert.deepEqual([local.registry, local.host, local.scheme, local.repository], ['127.0.0.1:5000', '127.0.0.1:5000', 'http', 'team/app']);
    assert.equal(endpoint('localhost:5000/app').scheme, 'http');
    assert.equal(endpoint('localhost/app').scheme, 'http');
    assert.equal(endpoint('[::1]:5000/app').scheme, 'http');
    assert.equal(endpoint('127.9.8.7:80/app').scheme, 'http');
    // A LAN registry is not loopback: TLS, as the docker CLI does without insecure-registries.
    assert.equal(endpoint('192.168.1.10:5000/app').scheme, 'https');
    assert.equal(endpoint('localhost.example.com/app').scheme, 'https');
    assert.equal(endpoint('128.0.0.1:5000/app').scheme, 'https');
  });

  it('a digest wins over the tag for the manifest request', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const e = endpoint(`node:22@${digest}`);
    assert.equal(e.tag, '22');
    assert.equal(e.digest, digest);
    assert.equal(e.manifestReference, digest);
    assert.equal(manifestUrl(e, e.manifestReference), `https://registry-1.docker.io/v2/library/node/manifests/${digest}`);
  });

  it('refuses text that is not a reference, saying why', () => {
    assert.match(problem(''), /empty/);
    assert.match(problem('node:${VERSION}'), /build argument/);
    assert.match(problem('Node:22'), /not a valid repository/);
    assert.match(problem('ghcr.io/org/../etc:1'), /not a valid repository/);
    // The reference grammar reads `node:bad` before a slash as a host with a port.
    assert.match(problem('node:bad/tag'), /"node:bad" is not a valid registry host/);
    assert.match(problem(`node:${'x'.repeat(129)}`), /not a valid tag/);
    assert.match(problem('node@sha256:abc'), /not a valid digest/);
    assert.match(problem(`node@sha256:${'A'.repeat(64)}`), /not a valid digest/);
    assert.match(problem('ex-.com/app:1'), /not a valid registry host/);
    assert.match(problem('host:99999/app'), /not a valid registry host/);
    assert.match(problem('node 22'), /white space/);
  });

  it('host helpers: hostname without port, loopback only for this machine', () => {
    assert.equal(hostnameOf('127.0.0.1:5000'), '127.0.0.1');
    assert.equal(hostnameOf('[::1]:5000'), '::1');
    assert.equal(hostnameOf('Registry.Example.com'), 'registry.example.com');
    assert.ok(isLoopbackHostname('localhost'));
    assert.ok(isLoopbackHostname('127.0.0.2'));
    assert.ok(isLoopbackHostname('[::1]'));
    assert.ok(!isLoopbackHostname('127.0.0.256'));
    assert.ok(!isLoopbackHostname('127.0.0.1.nip.io'));
    assert.ok(!isLoopbackHostname('10.0.0.1'));
  });
});
