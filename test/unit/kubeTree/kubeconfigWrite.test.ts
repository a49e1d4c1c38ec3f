import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setContextNamespace, setCurrentContext } from '../../../src/clients/kube/kubeconfigWrite';
import type { KubeconfigSource } from '../../../src/core/kube/types';

const dir = mkdtempSync(join(tmpdir(), 'berth-kcw-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

let counter = 0;
/** Writes a kubeconfig file and returns it as a source, as the loader would have read it. */
function file(text: string, mode = 0o600): KubeconfigSource {
  const path = join(dir, `config-${counter++}`);
  writeFileSync(path, text, { mode });
  return { path, text };
}

const A = `# team cluster, edited by hand
apiVersion: v1
kind: Config
clusters:
  - name: a # the main one
    cluster: { server: "https://127.0.0.1:6443" }
contexts:
  - name: alpha
    context:
      cluster: a
      user: u # keep this comment
  - name: beta
    context: { cluster: a, user: u, namespace: team-b }
users:
  - name: u
    user: { token: abc }
`;

describe('kubeconfig edits', () => {
  it('sets current-context in the file that already sets one, keeping comments and layout', async () => {
    const first = file(A);
    const second = file('apiVersion: v1\nkind: Config\ncurrent-context: alpha\ncontexts: []\n');
    const edit = await setCurrentContext([first, second], 'beta');
    assert.equal(edit.path, second.path);
    assert.equal(readFileSync(first.path, 'utf8'), A, 'the other file is untouched');
    assert.match(readFileSync(second.path, 'utf8'), /^current-context: beta$/m);
  });

  it('with no current-context anywhere, writes the first readable file and keeps every comment', async () => {
    const missing: KubeconfigSource = { path: join(dir, 'absent') };
    const first = file(A);
    await setCurrentContext([missing, first], 'alpha');
    const text = readFileSync(first.path, 'utf8');
    assert.match(text, /^current-context: alpha$/m);
    for (const comment of ['# team cluster, edited by hand', '# the main one', '# keep this comment']) assert.ok(text.includes(comment), comment);
    assert.equal(text.replace(/^current-context: alpha\n/m, ''), A);
  });

  it('an empty first file gets just the key', async () => {
    const empty = file('# nothing yet\n');
    const other = file(A);
    await setCurrentContext([empty, other], 'beta');
    assert.equal(readFileSync(empty.path, 'utf8'), '# nothing yet\ncurrent-context: beta\n');
  });

  it('refuses when the file changed since it was read, and writes nothing', async () => {
    const source = file(A);
    writeFileSync(source.path, `${A}# edited elsewhere\n`);
    await assert.rejects(setCurrentContext([source], 'alpha'), /changed since Berth read it/);
    assert.equal(readFileSync(source.path, 'utf8'), `${A}# edited elsewhere\n`);
  });

  it('refuses an unknown context and a file that is not YAML', async () => {
    await assert.rejects(setCurrentContext([file(A)], 'gamma'), /No kubeconfig file defines the context "gamma"/);
    const broken = file('contexts: [\n');
    await assert.rejects(setCurrentContext([broken, file(A)], 'alpha'), /not valid YAML/);
  });

  it('keeps the file mode (0600) and leaves no temporary file behind', async () => {
    const source = file(A, 0o600);
    await setCurrentContext([source], 'alpha');
    assert.equal(statSync(source.path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  });

  it('writes through a symlink to its target, keeping the link', async () => {
    const target = file(A);
    const link = join(dir, `link-${counter++}`);
    symlinkSync(target.path, link);
    const edit = await setCurrentContext([{ path: link, text: A }], 'beta');
    assert.equal(edit.path, target.path);
    assert.ok(statSync(link).isFile());
    assert.match(readFileSync(link, 'utf8'), /^current-context: beta$/m);
  });

  it('sets a context namespace in the file that defines the context (the first one)', async () => {
    const first = file(A);
    const shadowed = file(A);
    await setContextNamespace([first, shadowed], 'alpha', 'team-a');
    const text = readFileSync(first.path, 'utf8');
    assert.match(text, /cluster: a\n\s+user: u # keep this comment\n\s+namespace: team-a\n/);
    assert.equal(readFileSync(shadowed.path, 'utf8'), A);
    await setContextNamespace([{ path: first.path, text }], 'beta', 'other');
    assert.match(readFileSync(first.path, 'utf8'), /namespace: other/);
    assert.doesNotMatch(readFileSync(first.path, 'utf8'), /team-b/);
  });

  it('an empty namespace removes the key; an invalid name is refused', async () => {
    const source = file(A);
    await setContextNamespace([source], 'beta', '');
    assert.doesNotMatch(readFileSync(source.path, 'utf8'), /team-b/);
    await assert.rejects(setContextNamespace([file(A)], 'alpha', 'Bad_Name'), /not a valid namespace name/);
    await assert.rejects(setContextNamespace([file(A)], 'alpha', 'a;rm -rf ~'), /not a valid namespace name/);
  });

  it('a context with an empty body gets a mapping', async () => {
    const source = file('contexts:\n  - name: bare\n    context:\n');
    await setContextNamespace([source], 'bare', 'ns1');
    assert.match(readFileSync(source.path, 'utf8'), /context:\n\s+namespace: ns1/);
  });
});
