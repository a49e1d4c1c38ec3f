/* global window */
// What the webview suites (run.mjs: the log panel, rollout.mjs: the rollout view) share: the
// Chromium lookup, the fake acquireVsCodeApi, a loopback page server and the runner that prints
// TAP and a last line "N passed, N failed". After every test the runner checks each page for CSP
// violations, page errors and posted messages the host would refuse.
import { deepStrictEqual } from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireFromRepo = createRequire(join(repo, 'package.json'));
export const esbuild = requireFromRepo('esbuild');
const { chromium } = requireFromRepo('playwright-core');

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// BERTH_WEBVIEW_SCREENSHOTS=<dir>: a picture of each test's page at its end, to look at the view.
const SCREENSHOTS = process.env.BERTH_WEBVIEW_SCREENSHOTS ? resolve(process.env.BERTH_WEBVIEW_SCREENSHOTS) : undefined;

export class Failure extends Error {}
export function check(condition, message) {
  if (!condition) throw new Failure(message);
}

/** Messages the page posted to the fake host, in order. */
export const posted = (page) => page.evaluate(() => window.__posted);

function findChromium() {
  if (process.env.BERTH_CHROMIUM) return process.env.BERTH_CHROMIUM;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * Script text of the fake acquireVsCodeApi, to run before the view's own script: it records
 * posted messages (structured-cloned, as a real webview's postMessage does) and CSP violations,
 * and keeps the state getState() returns (`initialState` is what a view shown again gets).
 */
export function fakeApiScript(initialState) {
  return `
    window.__posted = [];
    window.__violations = [];
    window.__state = ${initialState === undefined ? 'undefined' : JSON.stringify(initialState).replace(/</g, '\\u003c')};
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    });
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return Object.freeze({
        postMessage: (message) => { window.__posted.push(structuredClone(message)); },
        getState: () => window.__state,
        setState: (state) => { window.__state = structuredClone(state); },
      });
    };`;
}

/**
 * Serves pages from 127.0.0.1: `route(url, origin, nonce)` returns `{ type, body }` for a path
 * it knows, else undefined (404). Every request's URL is recorded in `requests`.
 */
function startServer(route) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    const origin = `http://127.0.0.1:${server.address().port}`;
    const url = new URL(req.url, origin);
    const answer = url.pathname === '/favicon.ico' ? undefined : route(url, origin, randomBytes(16).toString('base64'));
    if (answer) {
      res.writeHead(200, { 'content-type': answer.type, 'cache-control': 'no-store' });
      res.end(answer.body);
    } else {
      res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404);
      res.end();
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise({ server, requests, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

/**
 * Runs `tests` ({ name, fn(ctx) }) whose name contains one of `filters` (all when empty) and exits
 * with the count. `build(outDir)` bundles the view and returns what the tests and `route` need
 * (`ctx.host`); `parseMessage(host, message)` is the host's validator of webview messages.
 */
export async function runSuite({ title, tests, filters, timeoutMs, build, route, parseMessage, screenshotPrefix = '', fullPageScreenshots = false }) {
  const chromiumPath = findChromium();
  if (!chromiumPath) {
    console.error(`${title}: Chromium not found (install Debian's \`chromium\` package, or set BERTH_CHROMIUM to its path). These tests never skip.`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'berth-webview-'));
  let browser;
  let server;
  const watchdog = setTimeout(() => {
    console.error(`${title}: the run exceeded ${timeoutMs / 1000} s`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }, timeoutMs);
  watchdog.unref();
  let passed = 0;
  let failed = 0;
  try {
    const host = await build(outDir);
    const served = await startServer((url, origin, nonce) => route(host, outDir, url, origin, nonce));
    server = served.server;
    browser = await chromium.launch({ executablePath: chromiumPath, args: BROWSER_ARGS, headless: true, timeout: 60_000 });
    const selected = tests.filter((t) => filters.length === 0 || filters.some((f) => t.name.includes(f)));
    console.log('TAP version 13');
    console.log(`# ${chromiumPath} ${browser.version()}`);
    let n = 0;
    for (const t of selected) {
      n++;
      const notes = [];
      const ctx = { browser, url: served.url, requests: served.requests, outDir, host, pages: [], note: (s) => notes.push(s) };
      served.requests.length = 0;
      const started = performance.now();
      let error;
      try {
        await t.fn(ctx);
        // After every test: no CSP violation, no page error, and every posted message one the host accepts as is.
        for (const { page, errors } of ctx.pages) {
          const violations = await page.evaluate(() => window.__violations);
          check(violations.length === 0, `CSP violations: ${JSON.stringify(violations)}`);
          check(errors.length === 0, `page errors: ${errors.join(' | ')}`);
          for (const message of await posted(page)) {
            const parsed = parseMessage(host, message);
            check(parsed !== undefined, `the host would refuse ${JSON.stringify(message).slice(0, 200)}`);
            deepStrictEqual(parsed, message);
          }
        }
      } catch (e) {
        error = e;
      } finally {
        if (SCREENSHOTS) {
          const slug = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
          await Promise.allSettled(ctx.pages.map(({ page }, i) => page.screenshot({ path: join(SCREENSHOTS, `${screenshotPrefix}${String(n).padStart(2, '0')}-${slug}-${i}.png`), fullPage: fullPageScreenshots })));
        }
        await Promise.allSettled(ctx.pages.map(({ page }) => page.close()));
      }
      const ms = (performance.now() - started).toFixed(0);
      if (error) {
        failed++;
        console.log(`not ok ${n} - ${t.name}`);
        console.log('  ---');
        console.log(`  duration_ms: ${ms}`);
        console.log(`  error: ${JSON.stringify(error instanceof Error ? error.message : String(error))}`);
        console.log('  ...');
      } else {
        passed++;
        console.log(`ok ${n} - ${t.name}`);
        console.log(`  # duration_ms ${ms}`);
      }
      for (const s of notes) console.log(`# ${s}`);
    }
    console.log(`1..${n}`);
    console.log(`# pass ${passed}`);
    console.log(`# fail ${failed}`);
    if (selected.length === 0) {
      console.error(`${title}: no test matches ${filters.join(', ')}`);
      failed++;
    }
  } catch (error) {
    failed++;
    console.error(`${title}: ${error instanceof Error ? error.stack : String(error)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    server?.close();
    rmSync(outDir, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}
