import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyDockerFailure, classifyRegistryMessage, sanitiseEngineText } from '../../../src/core/docker/errors';

const at = 'unix:///var/run/docker.sock (default)';

describe('classifyDockerFailure', () => {
  it('tells the transport failures apart', () => {
    assert.equal(classifyDockerFailure({ code: 'ENOENT', message: 'connect ENOENT /var/run/docker.sock' }, at).code, 'DAEMON_NOT_RUNNING');
    assert.equal(classifyDockerFailure({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, at).code, 'DAEMON_NOT_RUNNING');
    const perm = classifyDockerFailure({ code: 'EACCES', message: 'connect EACCES' }, at);
    assert.equal(perm.code, 'DAEMON_PERMISSION');
    assert.doesNotMatch(perm.action, /chmod 666/);
    assert.match(perm.action, /docker" group/);
    assert.equal(classifyDockerFailure({ message: 'aborted', timedOut: true }, at).code, 'DAEMON_UNRESPONSIVE');
    assert.equal(classifyDockerFailure({ code: 'ECONNRESET', message: 'socket hang up', midStream: true }, at).code, 'DAEMON_CONNECTION_LOST');
    assert.equal(classifyDockerFailure({ code: 'ECONNRESET', message: 'socket hang up' }, at).code, 'DAEMON_NOT_RUNNING');
    assert.equal(classifyDockerFailure({ message: 'x', cancelled: true }, at).code, 'CANCELLED');
  });

  it('names the endpoint in the message', () => {
    assert.ok(classifyDockerFailure({ code: 'ENOENT', message: '' }, at).message.includes(at));
  });

  it('maps engine statuses', () => {
    assert.equal(classifyDockerFailure({ statusCode: 404, message: 'No such image: x:1' }, at).code, 'NOT_FOUND');
    assert.equal(classifyDockerFailure({ statusCode: 409, message: 'image is being used by running container' }, at).code, 'CONFLICT');
    assert.equal(classifyDockerFailure({ statusCode: 500, message: 'boom' }, at).code, 'ENGINE_ERROR');
  });
});

describe('classifyRegistryMessage', () => {
  it('auth, server and network failures of a push', () => {
    assert.equal(classifyRegistryMessage('no basic auth credentials', '127.0.0.1:5000').code, 'REGISTRY_AUTH');
    assert.equal(classifyRegistryMessage('unauthorized: authentication required', 'ghcr.io').code, 'REGISTRY_AUTH');
    assert.equal(classifyRegistryMessage('received unexpected HTTP status: 500 Internal Server Error', 'r').code, 'REGISTRY_SERVER');
    assert.equal(classifyRegistryMessage('Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused', 'r').code, 'REGISTRY_UNREACHABLE');
    assert.equal(classifyRegistryMessage('something else', 'r').code, 'ENGINE_ERROR');
  });
});

describe('sanitiseEngineText', () => {
  it('drops control characters and ANSI escapes, caps the length', () => {
    assert.equal(sanitiseEngineText('\u001b[31mred\u001b[0m \u0000\u0001bytes\u0007'), 'red bytes');
    assert.equal(sanitiseEngineText('x'.repeat(600)).length, 500);
    assert.ok(sanitiseEngineText('x'.repeat(600)).endsWith('…'));
  });
});
