import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logPanelCsp, logPanelHtml } from '../../../src/vscode/kube/logPanelHtml';

const page = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/logs.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/logs/logs.css',
  nonce: 'Zm9vYmFyYmF6cXV4MTIzNDU2',
};

describe('log panel page', () => {
  it('has a CSP without unsafe-*, inline scripts or network sources (T32)', () => {
    const csp = logPanelCsp(page.cspSource, page.nonce);
    assert.equal(csp, `default-src 'none'; style-src ${page.cspSource}; script-src 'nonce-${page.nonce}'; font-src ${page.cspSource}; img-src ${page.cspSource}`);
    assert.doesNotMatch(csp, /unsafe|\*|https?:\/\/(?!file\+)/);
  });

  it('loads only the nonce-tagged script and the stylesheet', () => {
    const html = logPanelHtml(page);
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${logPanelCsp(page.cspSource, page.nonce)}">`));
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(scripts, [`<script nonce="${page.nonce}" src="${page.scriptUri}">`]);
    assert.equal([...html.matchAll(/<link\b/g)].length, 1);
    assert.doesNotMatch(html, /\sstyle=|\son\w+=|<style/i, 'no inline style or handlers');
  });

  it('keeps attribute values inside their quotes', () => {
    const html = logPanelHtml({ ...page, styleUri: 'x"><script>alert(1)</script>' });
    assert.equal([...html.matchAll(/<script\b/g)].length, 1);
    assert.ok(html.includes('x&quot;&gt;&lt;script&gt;'));
  });
});
