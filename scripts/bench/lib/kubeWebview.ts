// The log panel's webview for the logs benchmark: the built bundle (dist/webview/logs.js) in the
// page the extension generates (logPanelHtml: its CSP, stylesheet and nonce'd script), served
// from 127.0.0.1 to headless Chromium (playwright-core) with a stand-in for acquireVsCodeApi.
// Host messages reach the page the way VS Code delivers them: a `message` event on window.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { delimiter, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { HostMessage } from '../../../src/core/logs/protocol';
import { logPanelHtml } from '../../../src/vscode/kube/logPanelHtml';

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** BERTH_CHROMIUM, else `chromium` / `chromium-browser` on PATH. */
export function findChromium(): string {
  if (process.env.BERTH_CHROMIUM) return process.env.BERTH_CHROMIUM;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this folder
      }
    }
  }
  throw new Error('Chromium not found: install Debian\'s `chromium` package, or set BERTH_CHROMIUM to its path');
}

// Runs in the page before the bundle: records what the webview posts, and watches the DOM for
// one awaited row text, noting when it first appears (epoch ms, comparable across processes).
const PAGE_PRELUDE = `
  window.__posted = [];
  window.__awaited = undefined;
  window.__seenAt = undefined;
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    let state;
    return Object.freeze({
      postMessage: (message) => { window.__posted.push(structuredClone(message)); },
      getState: () => state,
      setState: (next) => { state = structuredClone(next); },
    });
  };
  const check = () => {
    if (window.__awaited === undefined || window.__seenAt !== undefined) return;
    for (const row of document.querySelectorAll('.rows > .row .text')) {
      if (row.textContent === window.__awaited) {
        window.__seenAt = performance.timeOrigin + performance.now();
        return;
      }
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  window.__await = (text) => { window.__awaited = text; window.__seenAt = undefined; check(); };
`;

export interface PanelServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the panel page, dist/webview/logs.js and media/logs/logs.css from 127.0.0.1. */
export async function servePanel(root: string): Promise<PanelServer> {
  const script = join(root, 'dist/webview/logs.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const bundle = readFileSync(script);
  const css = readFileSync(join(root, 'media/logs/logs.css'));
  const server: Server = createServer((req, res) => {
    const address = server.address();
    const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const path = new URL(req.url ?? '/', origin).pathname;
    const send = (type: string, body: string | Buffer): void => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/') {
      const nonce = randomBytes(16).toString('base64');
      send('text/html; charset=utf-8', logPanelHtml({ cspSource: origin, scriptUri: `${origin}/logs.js`, styleUri: `${origin}/logs.css`, nonce }));
    } else if (path === '/logs.js') {
      send('text/javascript; charset=utf-8', bundle);
    } else if (path === '/logs.css') {
      send('text/css; charset=utf-8', css);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => { server.close(() => { resolve(); }); server.closeAllConnections(); }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: BROWSER_ARGS, headless: true, timeout: 60_000 });
}

/** One webview: a page with the panel loaded and its `ready` received; `post` delivers host messages in order. */
export class PanelPage {
  private pending: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  /** host messages delivered (page.evaluate calls made). */
  delivered = 0;

  private constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string): Promise<PanelPage> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.setDefaultTimeout(60_000);
    await page.addInitScript(PAGE_PRELUDE);
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    return new PanelPage(page);
  }

  /**
   * Delivers a host message as VS Code's webview.postMessage does: serialised on the host
   * (JSON, as VS Code's IPC does), revived in the page, dispatched as a `message` event, and
   * not waited for (evaluations run in the page in the order they were sent). Passing the
   * object itself would time playwright's own argument serialiser, far slower than JSON.
   */
  post(message: HostMessage): void {
    this.delivered++;
    const delivery = this.page.evaluate((json) => { window.dispatchEvent(new MessageEvent('message', { data: JSON.parse(json) as unknown })); }, JSON.stringify(message));
    delivery.catch((error: unknown) => { this.failure ??= error; });
    this.pending = delivery;
  }

  /** Resolves once every message posted so far was handled; rejects if one failed. */
  async flushed(): Promise<void> {
    await this.pending.catch(() => undefined);
    if (this.failure instanceof Error) throw this.failure;
    if (this.failure !== undefined) throw new Error('a host message could not be delivered to the webview');
  }

  /** Starts watching the DOM for a row with this exact text. */
  async awaitRow(text: string): Promise<void> {
    await this.page.evaluate((t) => { (window as unknown as { __await(x: string): void }).__await(t); }, text);
  }

  /** When the awaited row appeared (epoch ms), once it has; waits at most `timeoutMs`. */
  async rowSeenAt(timeoutMs: number): Promise<number> {
    const handle = await this.page.waitForFunction(() => (window as unknown as { __seenAt?: number }).__seenAt, undefined, { timeout: timeoutMs, polling: 50 });
    return (await handle.jsonValue()) as number;
  }

  /** Element count of the document, and the rows the virtual list keeps. */
  domNodes(): Promise<{ nodes: number; rows: number }> {
    return this.page.evaluate(() => ({ nodes: document.getElementsByTagName('*').length, rows: document.querySelectorAll('.rows > .row').length }));
  }

  /** The JS heap of the page, from Chromium (bytes). */
  async heapUsed(): Promise<number> {
    const session = await this.page.context().newCDPSession(this.page);
    try {
      await session.send('HeapProfiler.collectGarbage');
      const { usedSize } = await session.send('Runtime.getHeapUsage');
      return usedSize;
    } finally {
      await session.detach();
    }
  }

  close(): Promise<void> {
    return this.page.close();
  }
}
