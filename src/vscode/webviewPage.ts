// The page of Berth's webviews (log panel, rollout view): a strict CSP, one stylesheet and one
// nonce'd script. The webview scripts build all of their DOM themselves, so nothing from a log,
// a pod name or a server message is ever in this HTML. No vscode import: tested in plain Node.

export interface WebviewPage {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of the script and the stylesheet, as strings. */
  scriptUri: string;
  styleUri: string;
  /** Fresh per render, from a CSPRNG, base64. */
  nonce: string;
}

/** The Content-Security-Policy: nothing inline, nothing `unsafe-*`, no network. */
export function webviewCsp(cspSource: string, nonce: string): string {
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

export function webviewPageHtml(page: WebviewPage & { title: string }): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="${attribute(webviewCsp(page.cspSource, page.nonce))}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    `<link rel="stylesheet" href="${attribute(page.styleUri)}">`,
    `<title>${attribute(page.title)}</title>`,
    '</head>',
    '<body>',
    `<script nonce="${attribute(page.nonce)}" src="${attribute(page.scriptUri)}"></script>`,
    '</body>',
    '</html>',
  ].join('\n');
}
