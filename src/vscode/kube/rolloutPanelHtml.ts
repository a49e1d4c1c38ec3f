// The live rollout view's page (see ../webviewPage.ts): dist/webview/rollout.js and media/rollout/rollout.css.
import { webviewCsp, webviewPageHtml } from '../webviewPage';
import type { WebviewPage } from '../webviewPage';

export type RolloutPanelPage = WebviewPage;

export const rolloutPanelCsp = webviewCsp;

export function rolloutPanelHtml(page: RolloutPanelPage): string {
  return webviewPageHtml({ ...page, title: 'Rollout' });
}
