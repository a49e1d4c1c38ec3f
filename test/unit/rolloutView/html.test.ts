import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolloutPanelCsp, rolloutPanelHtml } from '../../../src/vscode/kube/rolloutPanelHtml';

describe('rollout view page', () => {
  it('has a CSP with nothing inline, nothing unsafe and no network', () => {
    const csp = rolloutPanelCsp('https://file+.vscode-resource.vscode-cdn.net', 'n0nce');
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-n0nce'(;|$)/);
    assert.match(csp, /style-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net(;|$)/);
    assert.doesNotMatch(csp, /unsafe-|connect-src|\*/);
  });

  it('holds one nonce\'d script and the stylesheet, with attribute values escaped', () => {
    const html = rolloutPanelHtml({ cspSource: 'vscode-webview://x', scriptUri: 'https://x/rollout.js?a=1&b="2"', styleUri: 'https://x/rollout.css', nonce: 'abc+/=' });
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="abc\+\/=" src="https:\/\/x\/rollout\.js\?a=1&amp;b=&quot;2&quot;"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/x\/rollout\.css">/);
    assert.doesNotMatch(html, /\s(style|on\w+)=/);
  });
});
