// Entry point of the log panel's webview script (bundled to dist/webview/logs.js). The host page
// holds only this script and the stylesheet; everything else is built here.
import type { WebviewMessage } from '../../core/logs/protocol';
import { LogPanel } from './app';

declare global {
  /** Provided by VS Code inside a webview; may be called once. */
  function acquireVsCodeApi(): {
    postMessage(message: WebviewMessage): void;
    getState(): unknown;
    setState(state: unknown): void;
  };
}

function start(): void {
  const api = acquireVsCodeApi();
  const root = document.createElement('div');
  root.className = 'log-panel';
  document.body.appendChild(root);
  const panel = new LogPanel(api, root);
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    panel.handle(event.data);
  });
  api.postMessage({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
