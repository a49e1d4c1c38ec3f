import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointError, contextEndpointOf, currentContextOf, parseDockerHost, resolveDockerEndpoint } from '../../../src/core/docker/endpoint';
import type { ContextEndpoint } from '../../../src/core/docker/endpoint';

const contexts: Record<string, ContextEndpoint> = {
  remote: { host: 'tcp://127.0.0.2:2376', skipTLSVerify: false, hasTLSMaterial: true },
  plain: { host: 'tcp://build.example.test:2375', skipTLSVerify: false, hasTLSMaterial: false },
  ssh: { host: 'ssh://deploy@127.0.0.3:2222', skipTLSVerify: false, hasTLSMaterial: false },
  empty: { host: '', skipTLSVerify: false, hasTLSMaterial: false },
};
const lookup = (name: string): ContextEndpoint | undefined => contexts[name];

describe('resolveDockerEndpoint', () => {
  it('defaults to the unix socket, or the named pipe on Windows', () => {
    const e = resolveDockerEndpoint({ env: {} });
    assert.deepEqual(e.transport, { kind: 'unix', socketPath: '/var/run/docker.sock' });
    assert.equal(e.source, 'default');
    assert.equal(resolveDockerEndpoint({ env: {}, platform: 'win32' }).transport.kind, 'npipe');
  });

  it('the setting wins over DOCKER_HOST, which wins over DOCKER_CONTEXT and currentContext', () => {
    const env = { DOCKER_HOST: 'unix:///run/user/1000/docker.sock', DOCKER_CONTEXT: 'remote' };
    assert.equal(resolveDockerEndpoint({ setting: 'tcp://127.0.0.1:2375', env, context: lookup, currentContext: 'ssh' }).source, 'setting');
    const fromHost = resolveDockerEndpoint({ setting: ' ', env, context: lookup, currentContext: 'ssh' });
    assert.equal(fromHost.source, 'DOCKER_HOST');
    assert.deepEqual(fromHost.transport, { kind: 'unix', socketPath: '/run/user/1000/docker.sock' });
    const fromEnvContext = resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'remote' }, context: lookup, currentContext: 'ssh' });
    assert.equal(fromEnvContext.contextName, 'remote');
    assert.equal(fromEnvContext.source, 'DOCKER_CONTEXT');
    const fromCurrent = resolveDockerEndpoint({ env: {}, context: lookup, currentContext: 'ssh' });
    assert.equal(fromCurrent.source, 'current context');
    assert.deepEqual(fromCurrent.transport, { kind: 'ssh', host: '127.0.0.3', port: 2222, username: 'deploy' });
  });

  it('TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, port 2376 by default', () => {
    const e = resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://127.0.0.1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' } });
    assert.deepEqual(e.transport, { kind: 'tcp', host: '127.0.0.1', port: 2376 });
    assert.deepEqual(e.tls, { verify: true, certPath: '/certs', contextName: undefined });
    assert.deepEqual(e.warnings, []);
    const unverified = resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS: '1' } });
    assert.equal(unverified.tls?.verify, false);
    assert.match(unverified.warnings.join(), /does not verify/);
    assert.equal(resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://127.0.0.1', DOCKER_TLS_VERIFY: '0' } }).tls, undefined);
  });

  it('a context with TLS material uses that context\'s store', () => {
    const e = resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'remote' }, context: lookup });
    assert.deepEqual(e.tls, { verify: true, certPath: undefined, contextName: 'remote' });
    assert.equal(e.description, 'tcp://127.0.0.2:2376 (context "remote")');
  });

  it('warns about plain TCP to another host, not to loopback', () => {
    assert.match(resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'plain' }, context: lookup }).warnings.join(), /unauthenticated TCP/);
    assert.deepEqual(resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2375' } }).warnings, []);
    assert.deepEqual(resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://localhost:2375' } }).warnings, []);
  });

  it('context "default" means DOCKER_HOST or the socket', () => {
    const e = resolveDockerEndpoint({ env: {}, currentContext: 'default', context: lookup });
    assert.equal(e.source, 'default');
  });

  it('fails with an actionable message for a missing context, an empty one, or a bad URL', () => {
    assert.throws(() => resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'gone' }, context: lookup }), (e: unknown) => e instanceof EndpointError && /"gone".*does not exist.*docker context ls/.test(e.message));
    assert.throws(() => resolveDockerEndpoint({ env: {}, currentContext: 'gone', context: lookup }), /currentContext/);
    assert.throws(() => resolveDockerEndpoint({ env: { DOCKER_CONTEXT: 'empty' }, context: lookup }), /no Docker endpoint/);
    assert.throws(() => resolveDockerEndpoint({ env: { DOCKER_HOST: 'unix://relative.sock' } }), /absolute path/);
    assert.throws(() => resolveDockerEndpoint({ env: { DOCKER_HOST: 'fd://' } }), /cannot connect over fd:\/\//);
    assert.throws(() => resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://127.0.0.1:99999' } }), /out of range/);
  });
});

describe('parseDockerHost', () => {
  it('reads bare host:port as TCP and IPv6 in brackets', () => {
    assert.deepEqual(parseDockerHost('127.0.0.1:2375', false), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
    assert.deepEqual(parseDockerHost('tcp://[::1]:2376', true), { kind: 'tcp', host: '::1', port: 2376 });
    assert.deepEqual(parseDockerHost('ssh://127.0.0.1', false), { kind: 'ssh', host: '127.0.0.1', port: 22, username: undefined });
    assert.deepEqual(parseDockerHost('npipe:////./pipe/docker_engine', false), { kind: 'npipe', socketPath: '\\\\.\\pipe\\docker_engine' });
  });
});

describe('Docker config files', () => {
  it('currentContext and context metadata', () => {
    assert.equal(currentContextOf('{"currentContext":"remote","auths":{}}'), 'remote');
    assert.equal(currentContextOf('{"auths":{}}'), undefined);
    assert.equal(currentContextOf('not json'), undefined);
    assert.equal(currentContextOf(undefined), undefined);
    assert.deepEqual(contextEndpointOf('{"Name":"r","Endpoints":{"docker":{"Host":"tcp://127.0.0.2:2376","SkipTLSVerify":true}}}', false), { host: 'tcp://127.0.0.2:2376', skipTLSVerify: true, hasTLSMaterial: false });
    assert.equal(contextEndpointOf('{"Name":"k8s-only","Endpoints":{}}', false), undefined);
  });
});
