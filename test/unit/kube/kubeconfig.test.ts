import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeKubeconfigs, resolveAgainstFile, splitKubeconfigPaths } from '../../../src/core/kube/kubeconfig';

const A = '/home/me/.kube/config';
const B = '/home/me/work/team.yaml';
const C = '/etc/kube/third.yaml';

function kubeconfig(parts: { clusters?: string; users?: string; contexts?: string; current?: string }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    parts.clusters ? `clusters:\n${parts.clusters}` : '',
    parts.users ? `users:\n${parts.users}` : '',
    parts.contexts ? `contexts:\n${parts.contexts}` : '',
    parts.current ? `current-context: ${parts.current}` : '',
  ].join('\n');
}

describe('splitKubeconfigPaths', () => {
  it('uses the default path when KUBECONFIG is unset or empty', () => {
    assert.deepEqual(splitKubeconfigPaths(undefined, ':', '/home/me/.kube/config'), ['/home/me/.kube/config']);
    assert.deepEqual(splitKubeconfigPaths('', ':', '/home/me/.kube/config'), ['/home/me/.kube/config']);
  });

  it('splits on the delimiter, drops empty entries and repeated paths, keeps order', () => {
    assert.deepEqual(splitKubeconfigPaths('/a::/b:/a:', ':', '/d'), ['/a', '/b']);
    assert.deepEqual(splitKubeconfigPaths('/only', ':', '/d'), ['/only']);
  });

  it('gives no file for a value made only of delimiters, as kubectl does', () => {
    assert.deepEqual(splitKubeconfigPaths('::', ':', '/d'), []);
  });

  it('on Windows splits on ; and lets double quotes protect a ;', () => {
    assert.deepEqual(splitKubeconfigPaths('C:\\a\\config;;"D:\\odd;name\\config";C:\\a\\config', ';', 'X'), ['C:\\a\\config', 'D:\\odd;name\\config']);
    // A colon inside a Windows path is not a separator there.
    assert.deepEqual(splitKubeconfigPaths('C:\\x', ';', 'X'), ['C:\\x']);
  });
});

describe('mergeKubeconfigs: precedence', () => {
  const first = kubeconfig({
    clusters: '- name: shared\n  cluster:\n    server: https://first.example:6443\n- name: only-a\n  cluster:\n    server: https://a.example',
    users: '- name: me\n  user:\n    token: first-token',
    contexts: '- name: dev\n  context:\n    cluster: shared\n    user: me\n    namespace: team',
  });
  const second = kubeconfig({
    clusters: '- name: shared\n  cluster:\n    server: https://second.example:6443\n    insecure-skip-tls-verify: true\n- name: only-b\n  cluster:\n    server: https://b.example',
    users: '- name: me\n  user:\n    client-certificate: me.crt\n    client-key: me.key',
    contexts: '- name: dev\n  context:\n    cluster: only-b\n    user: me\n- name: prod\n  context:\n    cluster: only-b\n    user: me',
    current: 'prod',
  });
  const third = kubeconfig({ current: 'dev' });
  const merged = mergeKubeconfigs([
    { path: A, text: first },
    { path: B, text: second },
    { path: C, text: third },
  ]);

  it('keeps the first definition of a name, whole: later fields for it are not mixed in', () => {
    const shared = merged.clusters.find((c) => c.name === 'shared');
    assert.deepEqual(shared, { name: 'shared', server: 'https://first.example:6443' });
    const me = merged.users.find((u) => u.name === 'me');
    assert.deepEqual(me, { name: 'me', token: 'first-token' });
    const dev = merged.contexts.find((c) => c.name === 'dev');
    assert.deepEqual(dev, { name: 'dev', cluster: 'shared', user: 'me', namespace: 'team', sourcePath: A });
  });

  it('adds names only later files define, in file order', () => {
    assert.deepEqual(merged.clusters.map((c) => c.name), ['shared', 'only-a', 'only-b']);
    assert.deepEqual(merged.contexts.map((c) => [c.name, c.sourcePath]), [['dev', A], ['prod', B]]);
  });

  it('takes current-context from the first file that sets one', () => {
    assert.equal(merged.currentContext, 'prod');
  });

  it('warns about each duplicate, naming the file that lost and the one that won', () => {
    const dups = merged.warnings.filter((w) => w.includes('defines it first'));
    assert.equal(dups.length, 3, merged.warnings.join('\n'));
    assert.ok(dups.includes(`Cluster "shared" in ${B} is ignored: ${A} defines it first.`), dups.join('\n'));
    assert.ok(dups.includes(`User "me" in ${B} is ignored: ${A} defines it first.`));
    assert.ok(dups.includes(`Context "dev" in ${B} is ignored: ${A} defines it first.`));
  });
});

describe('mergeKubeconfigs: files that are missing, unreadable or broken', () => {
  const good = kubeconfig({
    clusters: '- name: c\n  cluster:\n    server: https://127.0.0.1:6443',
    users: '- name: u\n  user:\n    token: abc',
    contexts: '- name: ok\n  context:\n    cluster: c\n    user: u',
    current: 'ok',
  });

  it('skips a missing file and still loads the others', () => {
    const merged = mergeKubeconfigs([{ path: '/nope/config' }, { path: B, text: good }]);
    assert.deepEqual(merged.contexts.map((c) => c.name), ['ok']);
    assert.equal(merged.currentContext, 'ok');
    assert.deepEqual(merged.warnings, ['Kubeconfig /nope/config does not exist: skipped.']);
  });

  it('reports an unreadable file (sanitised) and loads the rest', () => {
    const merged = mergeKubeconfigs([{ path: A, readError: 'EACCES: permission denied\x1b[31m, open' }, { path: B, text: good }]);
    assert.deepEqual(merged.contexts.map((c) => c.name), ['ok']);
    assert.equal(merged.warnings.length, 1);
    assert.match(merged.warnings[0] ?? '', /^Cannot read kubeconfig \/home\/me\/\.kube\/config: EACCES: permission denied, open\. Its contexts are not loaded\.$/);
  });

  it('reports invalid YAML by line and column without quoting the file (which may hold a token)', () => {
    const broken = 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: sup3r-secret-token\n\tbad: [\n';
    const merged = mergeKubeconfigs([{ path: A, text: broken }, { path: B, text: good }]);
    assert.deepEqual(merged.contexts.map((c) => c.name), ['ok']);
    const warning = merged.warnings.find((w) => w.includes(A)) ?? '';
    assert.match(warning, /is not valid YAML or JSON \(line 6, column 1: /);
    assert.ok(!warning.includes('sup3r-secret-token'), warning);
    assert.ok(!merged.warnings.join('\n').includes('sup3r'));
  });

  it('reports duplicate keys, a file that is a list or a scalar, and entries without names', () => {
    const merged = mergeKubeconfigs([
      { path: '/dup.yaml', text: 'clusters: []\nclusters: []\n' },
      { path: '/list.yaml', text: '- a\n- b\n' },
      { path: '/scalar.yaml', text: 'just text' },
      { path: '/noname.yaml', text: 'clusters:\n- cluster:\n    server: https://x\nusers: {}\n' },
    ]);
    assert.match(merged.warnings[0] ?? '', /^Kubeconfig \/dup\.yaml is not valid YAML or JSON \(line 2, column 1: Map keys must be unique/);
    assert.match(merged.warnings[1] ?? '', /\/list\.yaml is not a kubeconfig/);
    assert.match(merged.warnings[2] ?? '', /\/scalar\.yaml is not a kubeconfig/);
    assert.ok(merged.warnings.includes('Kubeconfig /noname.yaml: an entry of clusters has no name. Ignored.'));
    assert.ok(merged.warnings.includes('Kubeconfig /noname.yaml: users is not a list. Ignored.'));
    assert.equal(merged.clusters.length, 0);
  });

  it('treats an empty file as an empty kubeconfig, silently', () => {
    const merged = mergeKubeconfigs([{ path: A, text: '' }, { path: B, text: '   \n' }]);
    assert.deepEqual(merged, { contexts: [], clusters: [], users: [], warnings: [] });
  });

  it('keeps the first of two same-named entries in one file, with a warning', () => {
    const text = kubeconfig({ clusters: '- name: c\n  cluster:\n    server: https://one\n- name: c\n  cluster:\n    server: https://two' });
    const merged = mergeKubeconfigs([{ path: A, text }]);
    assert.deepEqual(merged.clusters, [{ name: 'c', server: 'https://one' }]);
    assert.deepEqual(merged.warnings, [`Kubeconfig ${A} defines cluster "c" twice; the first definition is used.`]);
  });

  it('warns about contexts naming clusters or users nobody defines, and an undefined current-context', () => {
    const text = kubeconfig({ contexts: '- name: lost\n  context:\n    cluster: ghost\n    user: nobody\n- name: bare\n  context: {}', current: 'missing' });
    const merged = mergeKubeconfigs([{ path: A, text }]);
    assert.deepEqual(merged.warnings, [
      `Context "lost" (${A}) names cluster "ghost", which no kubeconfig file defines.`,
      `Context "lost" (${A}) names user "nobody", which no kubeconfig file defines.`,
      `Context "bare" (${A}) names no cluster.`,
      'current-context "missing" is not defined in any kubeconfig file.',
    ]);
    assert.deepEqual(merged.contexts.find((c) => c.name === 'bare'), { name: 'bare', cluster: '', user: '', sourcePath: A });
  });

  it('survives an alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n');
    const start = performance.now();
    const merged = mergeKubeconfigs([{ path: A, text: bomb }]);
    assert.ok(performance.now() - start < 1000);
    assert.equal(merged.warnings.length, 1);
    assert.match(merged.warnings[0] ?? '', /not valid YAML or JSON/);
  });
});

describe('mergeKubeconfigs: fields', () => {
  it('reads every cluster, user and exec field Berth uses', () => {
    const text = kubeconfig({
      clusters: [
        '- name: full',
        '  cluster:',
        '    server: https://10.0.0.1:6443',
        '    certificate-authority-data: Q0FEQVRB',
        '    insecure-skip-tls-verify: yes',
        '    tls-server-name: api.internal',
        '    proxy-url: socks5://127.0.0.1:1080',
      ].join('\n'),
      users: [
        '- name: exec-user',
        '  user:',
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1',
        '      command: kubelogin',
        '      args: [get-token, --server-id, "42"]',
        '      env:',
        '      - name: AAD_LOGIN_METHOD',
        '        value: devicecode',
        '      - value: no-name-is-dropped',
        '      interactiveMode: IfAvailable',
        '      provideClusterInfo: true',
        '- name: legacy',
        '  user:',
        '    auth-provider:',
        '      name: gcp',
        '      config: {access-token: x}',
        '- name: basic',
        '  user:',
        '    username: admin',
        '    password: hunter2',
        '    client-certificate-data: Q0VSVA==',
        '    client-key-data: S0VZ',
      ].join('\n'),
      contexts: '- name: numeric\n  context:\n    cluster: full\n    user: basic\n    namespace: 2024',
    });
    const merged = mergeKubeconfigs([{ path: A, text }]);
    assert.deepEqual(merged.clusters, [
      { name: 'full', server: 'https://10.0.0.1:6443', certificateAuthorityData: 'Q0FEQVRB', insecureSkipTlsVerify: true, tlsServerName: 'api.internal', proxyUrl: 'socks5://127.0.0.1:1080' },
    ]);
    assert.deepEqual(merged.users, [
      {
        name: 'exec-user',
        exec: {
          command: 'kubelogin',
          args: ['get-token', '--server-id', '42'],
          env: [{ name: 'AAD_LOGIN_METHOD', value: 'devicecode' }],
          apiVersion: 'client.authentication.k8s.io/v1',
          interactiveMode: 'IfAvailable',
          provideClusterInfo: true,
        },
      },
      { name: 'legacy', authProviderName: 'gcp' },
      { name: 'basic', username: 'admin', password: 'hunter2', clientCertificateData: 'Q0VSVA==', clientKeyData: 'S0VZ' },
    ]);
    assert.equal(merged.contexts[0]?.namespace, '2024');
    assert.deepEqual(merged.warnings, []);
  });

  it('warns about an exec section without a command', () => {
    const merged = mergeKubeconfigs([{ path: A, text: kubeconfig({ users: '- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1' }) }]);
    assert.equal(merged.users[0]?.exec?.command, '');
    assert.deepEqual(merged.warnings, [`Kubeconfig ${A}: the exec section of user "u" has no command.`]);
  });

  it('reads a JSON kubeconfig, tab-indented as some tools write it', () => {
    const json = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'j', cluster: { server: 'https://json.example', 'certificate-authority': 'ca.pem' } }],
        users: [{ name: 'ju', user: { tokenFile: 'token' } }],
        contexts: [{ name: 'jc', context: { cluster: 'j', user: 'ju' } }],
        'current-context': 'jc',
      },
      null,
      '\t',
    );
    const merged = mergeKubeconfigs([{ path: '/cfg/kube.json', text: json }]);
    assert.equal(merged.currentContext, 'jc');
    assert.deepEqual(merged.clusters, [{ name: 'j', server: 'https://json.example', certificateAuthority: '/cfg/ca.pem' }]);
    assert.deepEqual(merged.users, [{ name: 'ju', tokenFile: '/cfg/token' }]);
  });
});

describe('mergeKubeconfigs: relative paths', () => {
  const text = kubeconfig({
    clusters: '- name: c\n  cluster:\n    server: https://x\n    certificate-authority: ../pki/ca.crt',
    users: [
      '- name: files',
      '  user:',
      '    client-certificate: ./certs/me.crt',
      '    client-key: certs/me.key',
      '    tokenFile: /abs/token',
      '- name: local-plugin',
      '  user:',
      '    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./bin/get-token}',
      '- name: path-plugin',
      '  user:',
      '    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}',
    ].join('\n'),
  });

  it('resolves them against the directory of the file that names them', () => {
    const merged = mergeKubeconfigs([{ path: '/home/me/work/kubeconfig', text }]);
    assert.equal(merged.clusters[0]?.certificateAuthority, '/home/me/pki/ca.crt');
    const files = merged.users.find((u) => u.name === 'files');
    assert.equal(files?.clientCertificate, '/home/me/work/certs/me.crt');
    assert.equal(files?.clientKey, '/home/me/work/certs/me.key');
    assert.equal(files?.tokenFile, '/abs/token');
  });

  it('resolves an exec command only when it contains a slash (otherwise PATH finds it)', () => {
    const merged = mergeKubeconfigs([{ path: '/home/me/work/kubeconfig', text }]);
    assert.equal(merged.users.find((u) => u.name === 'local-plugin')?.exec?.command, '/home/me/work/bin/get-token');
    assert.equal(merged.users.find((u) => u.name === 'path-plugin')?.exec?.command, 'aws');
  });

  it('resolves against each file separately when merging', () => {
    const other = kubeconfig({ clusters: '- name: d\n  cluster:\n    server: https://y\n    certificate-authority: ca.crt' });
    const merged = mergeKubeconfigs([{ path: '/one/config', text }, { path: '/two/sub/config', text: other }]);
    assert.equal(merged.clusters.find((c) => c.name === 'c')?.certificateAuthority, '/pki/ca.crt');
    assert.equal(merged.clusters.find((c) => c.name === 'd')?.certificateAuthority, '/two/sub/ca.crt');
  });

  it('joins posix and Windows paths and normalises . and ..', () => {
    assert.equal(resolveAgainstFile('/a/b/config', 'c.crt'), '/a/b/c.crt');
    assert.equal(resolveAgainstFile('/a/b/config', './x/../y/./c.crt'), '/a/b/y/c.crt');
    assert.equal(resolveAgainstFile('/config', '../../c.crt'), '/c.crt');
    assert.equal(resolveAgainstFile('/a/config', '/etc/ca.crt'), '/etc/ca.crt');
    assert.equal(resolveAgainstFile('config', 'ca.crt'), 'ca.crt');
    assert.equal(resolveAgainstFile('rel/dir/config', '../../../ca.crt'), '../ca.crt');
    assert.equal(resolveAgainstFile('C:\\Users\\me\\.kube\\config', 'certs\\ca.crt'), 'C:\\Users\\me\\.kube\\certs\\ca.crt');
    assert.equal(resolveAgainstFile('C:\\Users\\me\\.kube\\config', '..\\ca.crt'), 'C:\\Users\\me\\ca.crt');
    assert.equal(resolveAgainstFile('C:\\Users\\me\\.kube\\config', 'D:\\pki\\ca.crt'), 'D:\\pki\\ca.crt');
    assert.equal(resolveAgainstFile('\\\\server\\share\\kube\\config', 'ca.crt'), '\\\\server\\share\\kube\\ca.crt');
  });
});
