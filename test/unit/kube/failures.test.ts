import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyFailure, sanitizeServerText } from '../../../src/core/kube/failures';

const server = 'https://127.0.0.1:6443';

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

describe('classifyFailure: network', () => {
  const cases: [string, string][] = [
    ['ECONNREFUSED', 'connection refused'],
    ['ENOTFOUND', 'host name not found'],
    ['EAI_AGAIN', 'host name not found'],
    ['EHOSTUNREACH', 'no route to host'],
    ['ENETUNREACH', 'network unreachable'],
    ['ECONNRESET', 'the connection was closed'],
    ['EPIPE', 'the connection was closed'],
  ];
  for (const [errorCode, why] of cases) {
    it(`${errorCode} is unreachable and names the server`, () => {
      const f = classifyFailure({ errorCode, message: `connect ${errorCode} 127.0.0.1:6443`, server });
      assert.equal(f.code, 'KUBE_UNREACHABLE');
      assert.equal(f.message, `Cannot reach ${server}: ${why}`);
      assert.match(f.hint, /server address in the kubeconfig/);
    });
  }

  it('a timeout says how long Berth waited when the message tells', () => {
    assert.equal(classifyFailure({ errorCode: 'ETIMEDOUT', message: 'no answer after 10 s', server }).message, `Cannot reach ${server}: no answer within 10 s`);
    assert.equal(classifyFailure({ errorCode: 'ETIMEDOUT', message: 'timed out after 2500ms', server }).message, `Cannot reach ${server}: no answer within 2.5 s`);
    assert.equal(classifyFailure({ errorCode: 'ETIMEDOUT', server }).message, `Cannot reach ${server}: no answer in time`);
  });

  it('recognises a Node error by its text when the code was lost', () => {
    assert.equal(classifyFailure({ message: 'connect ECONNREFUSED 127.0.0.1:1', server }).code, 'KUBE_UNREACHABLE');
    assert.equal(classifyFailure({ message: 'socket hang up', server }).message, `Cannot reach ${server}: the connection was closed`);
    assert.equal(classifyFailure({ message: 'self-signed certificate in certificate chain', server }).code, 'KUBE_TLS');
  });

  it('never shows credentials that were part of the server URL', () => {
    const f = classifyFailure({ errorCode: 'ECONNREFUSED', server: 'https://admin:s3cret@10.0.0.1:6443' });
    assert.equal(f.message, 'Cannot reach https://10.0.0.1:6443: connection refused');
  });

  it('a missing server is "the API server"', () => {
    assert.equal(classifyFailure({ errorCode: 'ECONNREFUSED' }).message, 'Cannot reach the API server: connection refused');
  });

  it('an abort is a cancellation', () => {
    assert.equal(classifyFailure({ errorCode: 'ABORT_ERR', message: 'The operation was aborted', server }).code, 'KUBE_CANCELLED');
    assert.equal(classifyFailure({ message: 'AbortError: This operation was aborted' }).code, 'KUBE_CANCELLED');
  });
});

describe('classifyFailure: TLS', () => {
  for (const errorCode of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
    it(`${errorCode}: unknown certificate authority`, () => {
      const f = classifyFailure({ errorCode, message: 'unable to verify the first certificate', server });
      assert.equal(f.code, 'KUBE_TLS');
      assert.equal(f.message, `TLS error with ${server}: the server's certificate is signed by an unknown authority`);
      assert.match(f.hint, /certificate-authority/);
      assert.match(f.hint, /insecure-skip-tls-verify hides the problem/);
    });
  }

  it('hostname mismatch points at tls-server-name', () => {
    const f = classifyFailure({ errorCode: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1", server: 'https://127.0.0.2:6443' });
    assert.equal(f.code, 'KUBE_TLS');
    assert.match(f.message, /^TLS error with https:\/\/127\.0\.0\.2:6443: the server's certificate does not name this host \(Hostname\/IP does not match/);
    assert.match(f.hint, /tls-server-name/);
  });

  it('an expired server certificate is the administrator\'s to renew', () => {
    const f = classifyFailure({ errorCode: 'CERT_HAS_EXPIRED', message: 'certificate has expired', server });
    assert.equal(f.code, 'KUBE_TLS');
    assert.equal(f.message, `TLS error with ${server}: the server's certificate has expired`);
    assert.match(f.hint, /serving certificate must be renewed/);
    assert.equal(classifyFailure({ errorCode: 'CERT_NOT_YET_VALID', server }).code, 'KUBE_TLS');
  });

  it('a TLS alert for our expired client certificate is expired credentials', () => {
    const f = classifyFailure({ errorCode: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', message: 'ssl3_read_bytes:sslv3 alert certificate expired:SSL alert number 45', server });
    assert.equal(f.code, 'KUBE_AUTH_EXPIRED');
    assert.equal(f.message, `${server} rejected the client certificate: it has expired`);
    assert.match(f.hint, /client-certificate/);
  });

  it('a TLS alert rejecting our client certificate', () => {
    for (const errorCode of ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA']) {
      const f = classifyFailure({ errorCode, server, credential: 'client-certificate' });
      assert.equal(f.code, 'KUBE_TLS', errorCode);
      assert.equal(f.message, `TLS error with ${server}: the server rejected the client certificate`);
    }
    assert.equal(classifyFailure({ errorCode: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', server, credential: 'token' }).message, `TLS error with ${server}: the server requires a client certificate`);
  });

  it('plain HTTP on the port, unreadable local PEM data, other SSL errors', () => {
    assert.match(classifyFailure({ errorCode: 'ERR_SSL_WRONG_VERSION_NUMBER', server }).message, /does not speak TLS/);
    const pem = classifyFailure({ errorCode: 'ERR_OSSL_PEM_NO_START_LINE', message: 'error:0480006C:PEM routines::no start line', server });
    assert.equal(pem.code, 'KUBE_CONFIG');
    assert.match(pem.hint, /client-key-data/);
    const mismatch = classifyFailure({ errorCode: 'ERR_OSSL_X509_KEY_VALUES_MISMATCH', server });
    assert.equal(mismatch.code, 'KUBE_CONFIG');
    const other = classifyFailure({ errorCode: 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', message: 'decryption failed', server });
    assert.equal(other.code, 'KUBE_TLS');
    assert.equal(other.message, `TLS error with ${server}: decryption failed`);
    assert.equal(classifyFailure({ errorCode: 'EPROTO', message: 'write EPROTO ... alert bad certificate:SSL alert number 42', server }).message, `TLS error with ${server}: the server rejected the client certificate`);
  });
});

describe('classifyFailure: HTTP status with a Status body', () => {
  it('403 names verb, resource and namespace from the server\'s RBAC message, and the permission to ask for', () => {
    const body = status(403, 'Forbidden', 'pods is forbidden: User "system:serviceaccount:team-a:reader" cannot list resource "pods" in API group "" in the namespace "default"', { kind: 'pods' });
    const f = classifyFailure({ status: 403, body, server, verb: 'list', resource: 'pods', namespace: 'default' });
    assert.equal(f.code, 'KUBE_FORBIDDEN');
    assert.equal(f.message, 'Forbidden: cannot list pods in namespace default');
    assert.equal(f.verb, 'list');
    assert.equal(f.resource, 'pods');
    assert.equal(f.namespace, 'default');
    assert.equal(f.status, 403);
    assert.match(f.hint, /^Missing RBAC permission: verb "list" on resource "pods" in the core API group in namespace default for user "system:serviceaccount:team-a:reader"\./);
    assert.match(f.hint, /kubectl auth can-i list pods -n default$/);
  });

  it('403 at the cluster scope, in a named API group, parsed without caller hints', () => {
    const body = status(403, 'Forbidden', 'deployments.apps is forbidden: User "jane" cannot watch resource "deployments" in API group "apps" at the cluster scope', { group: 'apps', kind: 'deployments' });
    const f = classifyFailure({ status: 403, body, server });
    assert.equal(f.message, 'Forbidden: cannot watch deployments at the cluster scope');
    assert.equal(f.namespace, undefined);
    assert.match(f.hint, /API group "apps"/);
    assert.match(f.hint, /ClusterRole with a ClusterRoleBinding/);
  });

  it('403 on secrets keeps the server\'s words intact (nothing in them is redacted)', () => {
    const message = 'secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "team-a"';
    const f = classifyFailure({ status: 403, body: status(403, 'Forbidden', message, { kind: 'secrets' }), server });
    assert.equal(f.message, 'Forbidden: cannot list secrets in namespace team-a');
    assert.equal(sanitizeServerText(message), message);
  });

  it('403 with a message that is not an RBAC denial uses the caller\'s verb and resource', () => {
    const f = classifyFailure({ status: 403, body: status(403, 'Forbidden', 'admission webhook "policy.example" denied the request'), server, verb: 'delete', resource: 'pods', namespace: 'prod' });
    assert.equal(f.message, 'Forbidden: cannot delete pods in namespace prod');
    const bare = classifyFailure({ status: 403, body: status(403, 'Forbidden', 'admission webhook "policy.example" denied the request'), server });
    assert.equal(bare.message, 'Forbidden: admission webhook "policy.example" denied the request');
  });

  it('401 says what to renew for each kind of credential', () => {
    const body = status(401, 'Unauthorized', 'Unauthorized');
    const cert = classifyFailure({ status: 401, body, server, credential: 'client-certificate' });
    assert.equal(cert.code, 'KUBE_AUTH_EXPIRED');
    assert.equal(cert.message, `${server} rejected the credentials (401 Unauthorized): the client certificate has expired or is not signed by the cluster's CA`);
    assert.match(cert.hint, /Renew the client certificate/);
    const exec = classifyFailure({ status: 401, body, server, credential: 'exec' });
    assert.match(exec.message, /the token has expired or is invalid$/);
    assert.match(exec.hint, /exec plugin/);
    assert.match(classifyFailure({ status: 401, server, credential: 'basic' }).message, /user name or password/);
    assert.match(classifyFailure({ status: 401, server, credential: 'none' }).hint, /has no credentials/);
    assert.match(classifyFailure({ status: 401, server, credential: 'token' }).hint, /fresh token/);
  });

  it('404 names the object, or says the API is not served', () => {
    const f = classifyFailure({ status: 404, body: status(404, 'NotFound', 'pods "web-1" not found', { name: 'web-1', kind: 'pods' }), server, namespace: 'default' });
    assert.equal(f.code, 'KUBE_NOT_FOUND');
    assert.equal(f.message, 'Not found: pods web-1 in namespace default');
    const notServed = classifyFailure({ status: 404, body: status(404, 'NotFound', 'the server could not find the requested resource'), server, resource: 'cronjobs' });
    assert.equal(notServed.message, `${server} does not serve cronjobs (404 Not Found)`);
  });

  it('410 from a watch or an expired continue token', () => {
    const f = classifyFailure({ status: 410, body: status(410, 'Expired', 'too old resource version: 1200 (3400)'), server });
    assert.equal(f.code, 'KUBE_GONE');
    assert.equal(f.message, 'The list or watch expired (410 Gone): too old resource version: 1200 (3400)');
  });

  it('a Status body without an HTTP status (a watch ERROR event) still classifies by its code', () => {
    assert.equal(classifyFailure({ body: status(410, 'Expired', 'too old resource version') }).code, 'KUBE_GONE');
  });

  it('429 honours the server\'s retry delay in the hint', () => {
    const f = classifyFailure({ status: 429, body: status(429, 'TooManyRequests', 'too many requests, please try again later', { retryAfterSeconds: 5 }), server });
    assert.equal(f.code, 'KUBE_SERVER');
    assert.equal(f.message, `${server} is throttling requests (429 Too Many Requests)`);
    assert.equal(f.hint, 'Berth waits 5 s, as the server asks, before trying again.');
  });

  it('5xx with a Status body, and a proxy\'s HTML page turned into text', () => {
    const f = classifyFailure({ status: 500, body: status(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'), server });
    assert.equal(f.code, 'KUBE_SERVER');
    assert.equal(f.message, `${server} failed (500 Internal Server Error): Internal error occurred: etcdserver: request timed out`);
    const html = classifyFailure({ status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>', server });
    assert.equal(html.message, `${server} failed (502 Bad Gateway): 502 Bad Gateway Bad Gateway`);
  });

  it('other 4xx are KUBE_OTHER with the server\'s words', () => {
    const f = classifyFailure({ status: 422, body: status(422, 'Invalid', 'Pod "x" is invalid: spec.containers: Required value'), server });
    assert.equal(f.code, 'KUBE_OTHER');
    assert.equal(f.message, `${server} refused the request (422 Unprocessable Entity): Pod "x" is invalid: spec.containers: Required value`);
  });

  it('an unknown failure keeps its message', () => {
    assert.deepEqual(classifyFailure({ message: 'something odd', server }), { code: 'KUBE_OTHER', message: `Request to ${server} failed: something odd`, hint: 'See the Berth output channel for details, then refresh.' });
  });
});

describe('classifyFailure: codes the clients layer decided', () => {
  it('exec plugin failures and timeouts', () => {
    const fail = classifyFailure({ errorCode: 'KUBE_EXEC_PLUGIN', message: 'exit code 1: error: token: abc.def.ghi expired' });
    assert.equal(fail.code, 'KUBE_EXEC_PLUGIN');
    assert.equal(fail.message, 'The exec credential plugin failed: exit code 1: error: token: [redacted] expired');
    const timeout = classifyFailure({ errorCode: 'KUBE_EXEC_TIMEOUT', message: 'no answer within 60 s' });
    assert.equal(timeout.code, 'KUBE_EXEC_TIMEOUT');
    assert.match(timeout.message, /waiting for a browser or device login\): no answer within 60 s$/);
    assert.match(timeout.hint, /Berth stopped the plugin/);
  });

  it('a kubeconfig problem, with a hint for legacy auth providers', () => {
    assert.equal(classifyFailure({ errorCode: 'KUBE_CONFIG', message: 'context "x" names cluster "y", which is not defined' }).message, 'The kubeconfig entry cannot be used: context "x" names cluster "y", which is not defined');
    assert.match(classifyFailure({ errorCode: 'KUBE_CONFIG', message: 'auth-provider gcp', credential: 'auth-provider' }).hint, /gke-gcloud-auth-plugin/);
  });

  it('every KUBE_* code gives a message and a hint', () => {
    for (const code of ['KUBE_UNREACHABLE', 'KUBE_TLS', 'KUBE_AUTH_EXPIRED', 'KUBE_FORBIDDEN', 'KUBE_EXEC_PLUGIN', 'KUBE_EXEC_TIMEOUT', 'KUBE_NOT_FOUND', 'KUBE_GONE', 'KUBE_CONFIG', 'KUBE_CANCELLED', 'KUBE_SERVER', 'KUBE_OTHER']) {
      const f = classifyFailure({ errorCode: code, message: 'detail', server, verb: 'get', resource: 'pods', namespace: 'ns' });
      assert.equal(f.code, code);
      assert.ok(f.message.length > 5, code);
      assert.ok(f.hint.length > 5, code);
    }
    assert.equal(classifyFailure({ errorCode: 'KUBE_FORBIDDEN', verb: 'get', resource: 'secrets', namespace: 'ns' }).message, 'Forbidden: cannot get secrets in namespace ns');
  });
});

describe('sanitizeServerText', () => {
  it('removes escapes and control characters, collapses whitespace, caps at 300 characters', () => {
    assert.equal(sanitizeServerText('\x1b[31mred\x1b[0m\x00 and\n\ttabs\u202e'), 'red and tabs');
    const long = sanitizeServerText('x'.repeat(10_000));
    assert.equal(long.length, 300);
    assert.ok(long.endsWith('…'));
  });

  it('redacts secrets the server or a proxy echoed', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InNpZyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const text = sanitizeServerText(`rejected Authorization: Bearer ${jwt} for https://bob:pw123@proxy.local`);
    assert.ok(!text.includes('eyJ'), text);
    assert.ok(!text.includes('pw123'), text);
    const f = classifyFailure({ status: 500, body: status(500, 'InternalError', `webhook said: token=${jwt}`), server });
    assert.ok(!f.message.includes(jwt.slice(0, 20)), f.message);
  });

  it('is quick on a megabyte of hostile text', () => {
    const start = performance.now();
    sanitizeServerText('a.'.repeat(500_000));
    assert.ok(performance.now() - start < 200);
  });
});
