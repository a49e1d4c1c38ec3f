// The log panel's page: a strict CSP, the stylesheet and one nonce'd script. The webview
// script builds all of its DOM itself, so nothing from a log or a pod name is ever in here.

export interface LogPanelPage {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of dist/webview/logs.js and media/logs/logs.css, as strings. */
  scriptUri: string;
  styleUri: string;
  /** Fresh per render, from a CSPRNG, base64 (see `newNonce` in logPanel.ts). */
  nonce: string;
}

/** The Content-Security-Policy of the panel: nothing inline, nothing `unsafe-*`, no network. */
export function logPanelCsp(cspSource: string, nonce: string): string {
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

export function logPanelHtml(page: LogPanelPage): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="${attribute(logPanelCsp(page.cspSource, page.nonce))}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    `<link rel="stylesheet" href="${attribute(page.styleUri)}">`,
    '<title>Logs</title>',
    '</head>',
    '<body>',
    `<script nonce="${attribute(page.nonce)}" src="${attribute(page.scriptUri)}"></script>`,
    '</body>',
    '</html>',
  ].join('\n');
}
