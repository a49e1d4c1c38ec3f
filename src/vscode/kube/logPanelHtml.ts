// The log panel's page (see ../webviewPage.ts): dist/webview/logs.js and media/logs/logs.css.
import { webviewCsp, webviewPageHtml } from '../webviewPage';
import type { WebviewPage } from '../webviewPage';

export type LogPanelPage = WebviewPage;

export const logPanelCsp = webviewCsp;

export function logPanelHtml(page: LogPanelPage): string {
  return webviewPageHtml({ ...page, title: 'Logs' });
}
