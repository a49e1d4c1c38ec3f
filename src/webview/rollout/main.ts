// Entry point of the live rollout view's webview script (bundled to dist/webview/rollout.js).
// The host page holds only this script and the stylesheet; everything else is built here.
import type { RolloutWebviewMessage } from '../../core/k8s/rolloutProtocol';
import { RolloutApp } from './app';

declare function acquireVsCodeApi(): { postMessage(message: RolloutWebviewMessage): void };

function start(): void {
  const api = acquireVsCodeApi();
  const root = document.createElement('div');
  root.className = 'rollout';
  document.body.appendChild(root);
  const app = new RolloutApp(api, root);
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    app.handle(event.data);
  });
  api.postMessage({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
