import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContextFilter, describeContext, escapingSymlinks, looksBinary, summariseContext } from '../../../src/core/docker/buildContext';

describe('ContextFilter', () => {
  it('applies .dockerignore but always keeps the Dockerfile and .dockerignore', () => {
    const f = new ContextFilter('*\n!src\n', 'docker/Dockerfile');
    assert.ok(f.includes('docker/Dockerfile'));
    assert.ok(f.includes('.dockerignore'));
    assert.ok(f.includes('src/main.go'));
    assert.ok(!f.includes('README.md'));
    assert.ok(f.mustWalk('docker'), 'the Dockerfile lies below');
  });

  it('walks an excluded folder only when a ! pattern may re-include something', () => {
    assert.ok(!new ContextFilter('node_modules\n', 'Dockerfile').mustWalk('node_modules'));
    assert.ok(new ContextFilter('logs\n!logs/keep.log\n', 'Dockerfile').mustWalk('logs'));
  });

  it('keeps everything without a .dockerignore', () => {
    assert.ok(new ContextFilter(undefined, undefined).includes('a/b/c'));
  });
});

describe('context summary', () => {
  it('sums files and names the biggest top-level paths', () => {
    const s = summariseContext([
      { path: 'node_modules', type: 'directory', size: 0 },
      { path: 'node_modules/a.js', type: 'file', size: 900 },
      { path: 'node_modules/b.js', type: 'file', size: 100 },
      { path: 'app.js', type: 'file', size: 50 },
      { path: 'link', type: 'symlink', size: 0, linkTarget: 'app.js' },
    ]);
    assert.equal(s.files, 3);
    assert.equal(s.bytes, 1050);
    assert.deepEqual(s.biggest[0], { path: 'node_modules/', bytes: 1000, files: 2 });
    assert.equal(describeContext(s, (n) => `${n} B`), '1050 B in 3 files; biggest: node_modules/ 1000 B, app.js 50 B');
  });

  it('finds symlinks that leave the context', () => {
    const links = escapingSymlinks([
      { path: 'etc', type: 'symlink', size: 0, linkTarget: '/etc' },
      { path: 'a/up', type: 'symlink', size: 0, linkTarget: '../../x' },
      { path: 'a/ok', type: 'symlink', size: 0, linkTarget: '../b' },
      { path: 'same', type: 'symlink', size: 0, linkTarget: './a/ok' },
    ]);
    assert.deepEqual(links.map((l) => l.path), ['etc', 'a/up']);
  });
});

describe('looksBinary', () => {
  it('text, UTF-8 and a multi-byte character cut at 8 KiB are text; NUL or invalid UTF-8 are not', () => {
    const enc = new TextEncoder();
    assert.ok(!looksBinary(enc.encode('FROM busybox\nRUN echo "héllo ✓"\n')));
    const cut = new Uint8Array(9000).fill(0x41);
    cut.set(enc.encode('✓'), 8191);
    assert.ok(!looksBinary(cut));
    assert.ok(looksBinary(new Uint8Array([0x46, 0x00, 0x52])));
    assert.ok(looksBinary(new Uint8Array([0x46, 0xff, 0xfe, 0x41])));
  });
});
