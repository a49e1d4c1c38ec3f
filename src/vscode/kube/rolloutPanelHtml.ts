// The live rollout view's page: a strict CSP, the stylesheet and one nonce'd script. The
// webview script builds all of its DOM itself, so no pod name or server message is ever in here.

export interface RolloutPanelPage {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of dist/webview/rollout.js and media/rollout/rollout.css, as strings. */
  scriptUri: string;
  styleUri: string;
  /** Fresh per render, from a CSPRNG, base64. */
  nonce: string;
}

/** The Content-Security-Policy of the view: nothing inline, nothing `unsafe-*`, no network. */
export function rolloutPanelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' };

/** For values placed in double-quoted attributes (the CSP's single quotes stay as they are). */
function attribute(value: string): string {
  return value.replace(/[&"<>]/g, (ch) => ATTRIBUTE_ESCAPES[ch] ?? ch);
}

export function rolloutPanelHtml(page: RolloutPanelPage): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="${attribute(rolloutPanelCsp(page.cspSource, page.nonce))}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    `<link rel="stylesheet" href="${attribute(page.styleUri)}">`,
    '<title>Rollout</title>',
    '</head>',
    '<body>',
    `<script nonce="${attribute(page.nonce)}" src="${attribute(page.scriptUri)}"></script>`,
    '</body>',
    '</html>',
  ].join('\n');
}
