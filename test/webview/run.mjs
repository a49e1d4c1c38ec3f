#!/usr/bin/env node
/* global window, document, getComputedStyle, MessageEvent, requestAnimationFrame */
// The log panel's webview in a real browser: builds src/webview/logs/main.ts with esbuild into a
// temp dir, serves it from 127.0.0.1 in a page with the panel's CSP (script nonce, no unsafe-*)
// and a fake acquireVsCodeApi, and drives headless Chromium (playwright-core, as test/e2e does)
// through hostile log lines, ANSI colours, 100,000 lines, the filters and the toolbar messages.
//
//   node test/webview/run.mjs [substring ...]   only the tests whose name contains one of them
//   BERTH_WEBVIEW_SCREENSHOTS=<dir> node test/webview/run.mjs   also a PNG of each test's page
//
// Chromium: BERTH_CHROMIUM, else `chromium` on PATH. Missing Chromium is a failure, never a skip.
// Output: TAP, then a last line "N passed, N failed"; the exit code is non-zero on any failure.
import { deepStrictEqual } from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, esbuild, fakeApiScript, posted, repo, runSuite } from './harness.mjs';

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const RUN_TIMEOUT_MS = Number(process.env.BERTH_WEBVIEW_TIMEOUT_MS ?? 180_000);
const VIEWPORT = { width: 1200, height: 800 };

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

async function build(outDir) {
  await esbuild.build({
    entryPoints: [join(repo, 'src/webview/logs/main.ts')],
    outfile: join(outDir, 'logs.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
  });
  // The contract's validator, to check every message the webview posts.
  await esbuild.build({
    entryPoints: [join(repo, 'src/core/logs/protocol.ts')],
    outfile: join(outDir, 'protocol.mjs'),
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    logLevel: 'warning',
  });
  return import(pathToFileURL(join(outDir, 'protocol.mjs')).href);
}

/** The page the host would generate: CSP meta with a nonce, the stylesheet, the fake API, the bundle. */
function pageHtml(origin, nonce, initialState) {
  const csp = `default-src 'none'; style-src ${origin}; script-src 'nonce-${nonce}'; font-src ${origin};`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${origin}/logs.css">
<title>Logs</title>
</head>
<body>
<script nonce="${nonce}">${fakeApiScript(initialState)}</script>
<script nonce="${nonce}" src="${origin}/logs.js"></script>
</body>
</html>`;
}

/** `/` is the panel (?state=<json>: what getState() returns, as after the webview was hidden and shown again). */
function route(_protocol, outDir, url, origin, nonce) {
  if (url.pathname === '/') {
    const state = url.searchParams.get('state');
    return { type: 'text/html; charset=utf-8', body: pageHtml(origin, nonce, state === null ? undefined : JSON.parse(state)) };
  }
  if (url.pathname === '/logs.js') return { type: 'text/javascript; charset=utf-8', body: readFileSync(join(outDir, 'logs.js')) };
  if (url.pathname === '/logs.css') return { type: 'text/css; charset=utf-8', body: readFileSync(join(repo, 'media/logs/logs.css')) };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Page helpers.

const SOURCES = [
  { pod: 'web-1', container: 'app', color: 0 },
  { pod: 'web-2', container: 'app', color: 1 },
];
const OPTIONS = { follow: true, tailLines: 100, previous: false };

/** A fresh page with the panel loaded, `ready` received and `init` sent. */
async function openPanel(ctx, init = {}, { state } = {}) {
  const page = await ctx.browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(10_000);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  ctx.pages.push({ page, errors });
  await page.goto(state === undefined ? ctx.url : `${ctx.url}?state=${encodeURIComponent(JSON.stringify(state))}`);
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  await send(page, {
    type: 'init',
    title: 'web logs',
    sources: SOURCES,
    options: OPTIONS,
    containers: ['app', 'sidecar'],
    maxLines: 50_000,
    ...init,
  });
  return page;
}

/** Posts a host message to the page and waits two frames, so the list has drawn it. */
async function send(page, message) {
  await page.evaluate(async (m) => {
    window.dispatchEvent(new MessageEvent('message', { data: m }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, message);
}

const lines = (texts, extra = {}) => ({ type: 'lines', lines: texts.map((x, i) => ({ s: i % 2, x, ...extra })) });

/** Text of every row in the DOM, top to bottom. */
const rowTexts = (page) => page.$$eval('.rows > .row', (rows) => rows.map((r) => r.querySelector('.text')?.textContent ?? ''));

/** Rows at least partly inside the viewport. */
const visibleRowTexts = (page) =>
  page.evaluate(() => {
    const viewport = document.querySelector('.viewport').getBoundingClientRect();
    return [...document.querySelectorAll('.rows > .row')]
      .filter((r) => {
        const box = r.getBoundingClientRect();
        return box.bottom > viewport.top + 1 && box.top < viewport.bottom - 1;
      })
      .map((r) => r.querySelector('.text')?.textContent ?? '');
  });

const statusText = (page) => page.$eval('.status', (s) => s.textContent);
const pressed = (page, selector) => page.$eval(selector, (b) => b.getAttribute('aria-pressed') === 'true');

/** Clicks the toolbar button with this label. */
async function clickButton(page, label) {
  await page.locator('.toolbar button', { hasText: label }).first().click();
}

/** Waits for the filter's debounce and the redraw. */
async function settle(page) {
  await page.waitForTimeout(250);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// ---------------------------------------------------------------------------------------------
// Tests.

test('source files never build markup from strings', async (ctx) => {
  const dir = join(repo, 'src/webview/logs');
  const forbidden = /innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment|srcdoc|setAttribute\(\s*['"`]style|\.cssText|\beval\s*\(|new Function|setHTMLUnsafe|parseHTMLUnsafe/;
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  check(files.length >= 3, `expected the panel's modules in ${dir}, found ${files.join(', ')}`);
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    const hit = forbidden.exec(text);
    check(!hit, `${file} contains "${hit?.[0]}"`);
  }
  // The bundle includes the core modules it uses (ansi, filter, buffer): they must not either.
  const bundle = readFileSync(join(ctx.outDir, 'logs.js'), 'utf8');
  const hit = forbidden.exec(bundle);
  check(!hit, `the bundle contains "${hit?.[0]}"`);
  const css = readFileSync(join(repo, 'media/logs/logs.css'), 'utf8');
  check(!/@import|url\(/.test(css), 'the stylesheet loads nothing else (no @import, no url())');
});

test('posts ready once on load, first', async (ctx) => {
  const page = await openPanel(ctx);
  const messages = await posted(page);
  check(messages[0]?.type === 'ready', `first message ${JSON.stringify(messages[0])}`);
  check(messages.filter((m) => m.type === 'ready').length === 1, `ready posted ${messages.filter((m) => m.type === 'ready').length} times`);
  check((await page.title()) === 'web logs', `title from init: ${await page.title()}`);
});

test('the page runs under the CSP: inline script and style attributes are blocked', async (ctx) => {
  // Proves the "no violations" checks of the other tests mean something: the policy is active.
  const page = await openPanel(ctx);
  const result = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__probe = 1';
    document.body.appendChild(script);
    const styled = document.createElement('div');
    styled.setAttribute('style', 'color: rgb(1, 2, 3)');
    document.body.appendChild(styled);
    await new Promise((r) => setTimeout(r, 100));
    const colour = getComputedStyle(styled).color;
    script.remove();
    styled.remove();
    return { probe: window.__probe, colour, directives: window.__violations.map((v) => v.directive) };
  });
  check(result.probe === undefined, 'an inline script without the nonce ran');
  check(result.colour !== 'rgb(1, 2, 3)', 'a style attribute was applied');
  check(result.directives.some((d) => d.startsWith('script-src')), `no script-src violation reported: ${result.directives.join(', ')}`);
  check(result.directives.some((d) => d.startsWith('style-src')), `no style-src violation reported: ${result.directives.join(', ')}`);
  // The harness checks violations and console errors after each test; these were provoked on purpose.
  await page.evaluate(() => {
    window.__violations = [];
  });
  ctx.pages.at(-1).errors.length = 0;
});

const HOSTILE = [
  ['script tag', '<script>window.__pwned=1</script>', '<script>window.__pwned=1</script>'],
  ['img onerror', '<img src=x onerror="window.__pwned=1">', '<img src=x onerror="window.__pwned=1">'],
  ['javascript: URL', '<a href="javascript:window.__pwned=1">click</a> javascript:window.__pwned=1', '<a href="javascript:window.__pwned=1">click</a> javascript:window.__pwned=1'],
  ['closing tags', '</span></div></div><b>bold?</b>', '</span></div></div><b>bold?</b>'],
  ['svg onload', '<svg onload="window.__pwned=1"><iframe srcdoc="<script>parent.__pwned=1</script>">', '<svg onload="window.__pwned=1"><iframe srcdoc="<script>parent.__pwned=1</script>">'],
  ['ANSI around HTML', '\x1b[31m<script>window.__pwned=1</script>\x1b[0m done', '<script>window.__pwned=1</script> done'],
  ['OSC 52 clipboard write', '\x1b]52;c;cHduZWQ=\x07after-osc52', 'after-osc52'],
  ['OSC 8 hyperlink', '\x1b]8;;javascript:window.__pwned=1\x1b\\link\x1b]8;;\x1b\\', 'link'],
  ['bidi override', 'abc\u202eevil\u202cdef\u2066x\u2069', 'abcevildefx'],
  ['NUL bytes', 'nul\u0000byte\u0000here', 'nul\u2400byte\u2400here'],
  ['CR and other C0', 'visible\rhidden?\u0007bell', 'visible\u240dhidden?\u2407bell'],
  ['entity text', '&lt;b&gt; &amp; &#x3C;script&#x3E;', '&lt;b&gt; &amp; &#x3C;script&#x3E;'],
];

test('hostile log lines render as literal text and run nothing', async (ctx) => {
  const page = await openPanel(ctx, { sources: [SOURCES[0]] });
  const big = `BIG${'A'.repeat(1_048_576 - 20)}<script>window.__pwned=1</script>`;
  await send(page, { type: 'lines', lines: [...HOSTILE.map(([, x]) => ({ s: 0, x })), { s: 0, x: big }] });
  await page.waitForTimeout(300);
  const texts = await rowTexts(page);
  HOSTILE.forEach(([name, , expected], i) => {
    check(texts[i] === expected, `${name}: row shows ${JSON.stringify(texts[i])}, expected ${JSON.stringify(expected)}`);
  });
  const bigRow = texts[HOSTILE.length] ?? '';
  check(bigRow.startsWith('BIGAAAA'), `1 MB line row starts ${JSON.stringify(bigRow.slice(0, 20))}`);
  check(/more characters not drawn/.test(bigRow) && bigRow.length < 25_000, `1 MB line drawn as ${bigRow.length} characters`);
  const dom = await page.evaluate(() => ({
    pwned: window.__pwned,
    parentPwned: window.parent.__pwned,
    scripts: document.querySelectorAll('script').length,
    injected: document.querySelectorAll('.rows img, .rows svg, .rows iframe, .rows a, .rows b, .rows script, .rows div div').length,
    bidi: /[\u202a-\u202e\u2066-\u2069]/.test(document.body.textContent),
    nul: document.body.textContent.includes('\u0000'),
    esc: document.body.textContent.includes('\u001b'),
  }));
  check(dom.pwned === undefined && dom.parentPwned === undefined, 'window.__pwned was set');
  check(dom.scripts === 2, `${dom.scripts} script elements (expected the page's 2)`);
  check(dom.injected === 0, `${dom.injected} elements from log text in the list`);
  check(!dom.bidi, 'a bidi control character reached the page');
  check(!dom.nul, 'a NUL reached the page');
  check(!dom.esc, 'an ESC reached the page');
  const unexpected = ctx.requests.filter((r) => !['/', '/logs.js', '/logs.css', '/favicon.ico'].includes(new URL(r, 'http://x').pathname));
  check(unexpected.length === 0, `the page requested ${unexpected.join(', ')}`);
  // Copy carries the whole 1 MB line (only drawing is capped).
  await clickButton(page, 'Copy');
  const copy = (await posted(page)).find((m) => m.type === 'copy');
  check(copy?.text.includes(big), 'the copied text does not contain the whole 1 MB line');
  check(copy.text.includes('<script>window.__pwned=1</script>'), 'copy lost the literal script text');
});

test('ANSI colours become styled spans with theme colours', async (ctx) => {
  const page = await openPanel(ctx, { sources: [SOURCES[0]] });
  await send(page, lines(['\x1b[31mred text\x1b[0m plain', '\x1b[1;38;2;1;2;3mtrue colour\x1b[0m', '\x1b[44mblue bg\x1b[0m', '\x1b[38;5;196mpalette 196\x1b[0m', '\x1b[7minverse\x1b[27m'], { s: 0 }));
  const spans = await page.$$eval('.rows .text span', (all) =>
    all.map((s) => ({
      text: s.textContent,
      colourProperty: s.style.getPropertyValue('color'),
      colour: getComputedStyle(s).color,
      background: getComputedStyle(s).backgroundColor,
      weight: getComputedStyle(s).fontWeight,
      attribute: s.getAttribute('style'),
    })),
  );
  const byText = (t) => spans.find((s) => s.text === t);
  const red = byText('red text');
  check(red, `no span for the red text; spans: ${JSON.stringify(spans.map((s) => s.text))}`);
  check(red.colourProperty === 'var(--ansi-1)', `red span colour property ${red.colourProperty}`);
  check(red.colour === 'rgb(205, 49, 49)', `red span computed colour ${red.colour}`);
  check(!byText(' plain'), 'the text after the reset is styled');
  check(byText('true colour')?.colour === 'rgb(1, 2, 3)', `truecolour ${byText('true colour')?.colour}`);
  check(Number(byText('true colour')?.weight) >= 600, `bold weight ${byText('true colour')?.weight}`);
  check(byText('blue bg')?.background === 'rgb(36, 114, 200)', `blue background ${byText('blue bg')?.background}`);
  check(byText('palette 196')?.colour === 'rgb(255, 0, 0)', `256-colour ${byText('palette 196')?.colour}`);
  check(byText('inverse')?.background !== 'rgba(0, 0, 0, 0)', 'inverse has no background');
  // The palette follows the theme's terminal colours.
  const themed = await page.evaluate(async () => {
    document.documentElement.style.setProperty('--vscode-terminal-ansiRed', '#123456');
    await new Promise((r) => requestAnimationFrame(r));
    const span = [...document.querySelectorAll('.rows .text span')].find((s) => s.textContent === 'red text');
    return getComputedStyle(span).color;
  });
  check(themed === 'rgb(18, 52, 86)', `red after the theme changed: ${themed}`);
});

test('markers are full-width marker rows, kept through filters', async (ctx) => {
  const page = await openPanel(ctx);
  await send(page, {
    type: 'lines',
    lines: [{ s: 0, x: 'before' }, { s: -1, x: 'web-1: stream ended, reconnecting', k: 'm' }, { s: 1, x: 'after' }, { s: 1, x: 'container restarted', k: 'm' }],
  });
  const rows = await page.$$eval('.rows > .row', (all) =>
    all.map((r) => ({ marker: r.classList.contains('marker'), text: r.textContent, hasTag: Boolean(r.querySelector('.tag')), width: r.getBoundingClientRect().width })),
  );
  const viewportWidth = await page.$eval('.viewport', (v) => v.clientWidth);
  check(rows.length === 4, `${rows.length} rows`);
  check(rows[1].marker && rows[1].text === 'web-1: stream ended, reconnecting', `marker row ${JSON.stringify(rows[1])}`);
  check(!rows[0].marker && !rows[2].marker, 'log rows drawn as markers');
  check(!rows[1].hasTag && rows[0].hasTag, 'a panel marker (s = -1) has a source tag, or a log row has none');
  check(rows[3].marker && rows[3].text === 'web-2container restarted', `a stream's marker names its source: ${JSON.stringify(rows[3])}`);
  check(rows[1].width >= viewportWidth - 1, `marker row ${rows[1].width}px wide in a ${viewportWidth}px viewport`);
  await page.fill('.toolbar input.filter', 'after');
  await settle(page);
  const texts = await rowTexts(page);
  check(
    JSON.stringify(texts) === JSON.stringify(['web-1: stream ended, reconnecting', 'after', 'container restarted']),
    `filtered rows ${JSON.stringify(texts)}`,
  );
});

test('100,000 lines in batches: DOM stays small, follow shows the last line, cap evicts', async (ctx) => {
  const page = await openPanel(ctx);
  const result = await page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const batchMs = [];
    let maxNodes = 0;
    const started = performance.now();
    for (let b = 0; b < 20; b++) {
      const batch = [];
      for (let i = 0; i < 5000; i++) {
        const n = b * 5000 + i;
        batch.push({ s: n % 2, t: '2026-01-01T00:00:00.000000000Z', x: n % 10 === 0 ? `\x1b[32mline ${n}\x1b[0m ok` : `line ${n} GET /api/items?id=${n} 200 ${n % 997}ms` });
      }
      const t0 = performance.now();
      window.dispatchEvent(new MessageEvent('message', { data: { type: 'lines', lines: batch } }));
      // The list draws in the next frame; time the message and that frame together.
      await frame();
      batchMs.push(performance.now() - t0);
      maxNodes = Math.max(maxNodes, document.getElementsByTagName('*').length);
    }
    await frame();
    return { totalMs: performance.now() - started, batchMs, maxNodes, nodes: document.getElementsByTagName('*').length };
  });
  check(result.maxNodes < 2000, `${result.maxNodes} DOM nodes at most (limit 2,000)`);
  const visible = await visibleRowTexts(page);
  check(visible.at(-1) === 'line 99999 GET /api/items?id=99999 200 299ms', `last visible row ${JSON.stringify(visible.at(-1))}`);
  check(await pressed(page, '.toolbar button.toggle'), 'follow is off after streaming');
  const status = await statusText(page);
  check(status.includes('50,000 older lines dropped') && status.includes('50,000 lines'), `status: ${status}`);
  const worst = Math.max(...result.batchMs);
  check(worst < 500, `a 5,000-line batch took ${worst.toFixed(0)} ms to take in and draw`);
  ctx.note(`100k lines: ${result.totalMs.toFixed(0)} ms in 20 batches, worst batch ${worst.toFixed(1)} ms, median ${result.batchMs.sort((a, b) => a - b)[10].toFixed(1)} ms, ${result.maxNodes} DOM nodes at most`);

  // Scrolling up turns follow off; the lines on screen stay put while more arrive and old ones are evicted.
  await page.evaluate(() => {
    const viewport = document.querySelector('.viewport');
    viewport.scrollTop = viewport.scrollHeight / 2;
  });
  await page.waitForFunction(() => document.querySelector('.toolbar button.toggle').getAttribute('aria-pressed') === 'false');
  await settle(page);
  const before = (await visibleRowTexts(page))[0];
  const more = [];
  for (let i = 100_000; i < 101_000; i++) more.push({ s: 0, x: `line ${i} late` });
  await send(page, { type: 'lines', lines: more });
  await settle(page);
  const after = (await visibleRowTexts(page))[0];
  check(before === after, `the top line moved from ${JSON.stringify(before)} to ${JSON.stringify(after)} while not following`);
  check(!(await pressed(page, '.toolbar button.toggle')), 'follow turned itself back on');
  // Scrolling to the end turns it on again.
  await page.evaluate(() => {
    const viewport = document.querySelector('.viewport');
    viewport.scrollTop = viewport.scrollHeight;
  });
  await page.waitForFunction(() => document.querySelector('.toolbar button.toggle').getAttribute('aria-pressed') === 'true');
  await send(page, { type: 'lines', lines: [{ s: 1, x: 'the newest line' }] });
  check((await visibleRowTexts(page)).at(-1) === 'the newest line', 'the newest line is not visible after scrolling back to the end');
  // Scrolling to the top shows the oldest line still kept.
  await page.evaluate(() => {
    document.querySelector('.viewport').scrollTop = 0;
  });
  await settle(page);
  const top = (await visibleRowTexts(page))[0];
  // 101,001 lines arrived and 50,000 are kept: the oldest is line 51001.
  check(top === `line 51001 GET /api/items?id=51001 200 ${51001 % 997}ms`, `oldest kept line ${JSON.stringify(top)}`);
});

test('more lines than a browser can scroll in pixels: the list pins its rows and still reaches every line', async (ctx) => {
  const page = await openPanel(ctx, { maxLines: 200_000 });
  // A large editor font (the theme's variable on <html>, as VS Code sets it) makes 100,000 rows
  // taller than the list lets the scroll height grow.
  await page.evaluate(() => document.documentElement.style.setProperty('--vscode-editor-font-size', '120px'));
  for (let b = 0; b < 10; b++) {
    const batch = [];
    for (let i = b * 10_000; i < (b + 1) * 10_000; i++) batch.push({ s: 0, x: `line ${i}` });
    await send(page, { type: 'lines', lines: batch });
  }
  const layout = await page.evaluate(() => {
    const viewport = document.querySelector('.viewport');
    const row = document.querySelector('.rows > .row');
    return { classes: viewport.className, scrollHeight: viewport.scrollHeight, rowHeight: row.getBoundingClientRect().height, nodes: document.getElementsByTagName('*').length };
  });
  check(layout.rowHeight > 100, `rows are ${layout.rowHeight}px tall after the font grew (not re-measured?)`);
  check(layout.rowHeight * 100_000 > 15_000_000, 'the test needs more rows than fit in the scroll limit');
  check(layout.classes.includes('pinned'), `viewport classes ${layout.classes}`);
  check(layout.scrollHeight <= 15_000_000 + 1000, `scroll height ${layout.scrollHeight}`);
  check(layout.nodes < 2000, `${layout.nodes} DOM nodes`);
  let visible = await visibleRowTexts(page);
  check(visible.at(-1) === 'line 99999', `last visible row ${visible.at(-1)} while following`);
  await page.evaluate(() => {
    document.querySelector('.viewport').scrollTop = 0;
  });
  await settle(page);
  visible = await visibleRowTexts(page);
  check(visible[0] === 'line 0', `first row at the top ${visible[0]}`);
  check(!(await pressed(page, '.toolbar button.toggle')), 'follow still on at the top');
  await page.evaluate(() => {
    const viewport = document.querySelector('.viewport');
    viewport.scrollTop = (viewport.scrollHeight - viewport.clientHeight) / 2;
  });
  await settle(page);
  visible = await visibleRowTexts(page);
  const middle = Number(/^line (\d+)$/.exec(visible[0] ?? '')?.[1]);
  check(Math.abs(middle - 50_000) < 50, `row at the middle of the scrollbar: ${visible[0]}`);
  await page.evaluate(() => {
    const viewport = document.querySelector('.viewport');
    viewport.scrollTop = viewport.scrollHeight;
  });
  await page.waitForFunction(() => document.querySelector('.toolbar button.toggle').getAttribute('aria-pressed') === 'true');
  await settle(page);
  check((await visibleRowTexts(page)).at(-1) === 'line 99999', 'the last line is not visible after scrolling to the end');
});

test('wrap: long lines wrap inside the viewport and the newest line stays fully visible', async (ctx) => {
  const page = await openPanel(ctx);
  const long = (n) => `${n} ${'wrapped words '.repeat(300)}end-${n}`;
  const many = [];
  for (let i = 0; i <= 300; i++) many.push(i % 3 === 0 ? long(i) : `short ${i}`);
  await send(page, lines(many));
  const rowHeight = await page.$eval('.rows > .row', (r) => r.getBoundingClientRect().height);
  await clickButton(page, 'Wrap');
  await settle(page);
  const layout = await page.evaluate(() => {
    const viewport = document.querySelector('.viewport').getBoundingClientRect();
    const rows = [...document.querySelectorAll('.rows > .row')].map((r) => {
      const box = r.getBoundingClientRect();
      return { text: r.querySelector('.text').textContent, top: box.top, bottom: box.bottom, right: box.right, height: box.height };
    });
    return { viewport: { top: viewport.top, bottom: viewport.bottom, right: viewport.right }, rows, nodes: document.getElementsByTagName('*').length };
  });
  const last = layout.rows.at(-1);
  check(last.text.endsWith('end-300'), `last row ${JSON.stringify(last.text.slice(-20))}`);
  check(last.bottom <= layout.viewport.bottom + 1 && last.top >= layout.viewport.top - 1, `last row ${last.top}-${last.bottom} outside viewport ${layout.viewport.top}-${layout.viewport.bottom}`);
  check(last.height > rowHeight * 3, `a wrapped long row is ${last.height}px tall (one line is ${rowHeight}px)`);
  check(layout.rows.every((r) => r.right <= layout.viewport.right + 1), 'a wrapped row is wider than the viewport');
  check(layout.rows.length < 100 && layout.nodes < 2000, `${layout.rows.length} rows, ${layout.nodes} nodes in wrap mode`);
  check((await page.evaluate(() => window.__state?.wrap)) === true, 'wrap not saved in the webview state');
  // Scrolling to the top in wrap mode shows the first lines from the top.
  await page.evaluate(() => {
    document.querySelector('.viewport').scrollTop = 0;
  });
  await settle(page);
  const first = (await visibleRowTexts(page))[0];
  check(first.startsWith('0 wrapped words'), `first row at the top ${JSON.stringify(first.slice(0, 20))}`);
  check(!(await pressed(page, '.toolbar button.toggle')), 'follow still on after scrolling to the top');
});

test('text filter narrows rows and highlights matches; regex and case toggles; errors inline', async (ctx) => {
  const page = await openPanel(ctx);
  await send(
    page,
    lines([
      'GET /api 200',
      'ERROR db timeout',
      'error: disk full',
      '{"level":"error","status":503,"msg":"upstream"}',
      '{"level":"info","status":200}',
      '{"level":"error","status":404}',
      '\x1b[31mERROR\x1b[0m in red',
      'all good',
    ]),
  );
  await page.fill('.toolbar input.filter', 'error');
  await settle(page);
  let texts = await rowTexts(page);
  check(texts.length === 5, `"error" matched ${texts.length} rows: ${JSON.stringify(texts)}`);
  const marks = await page.$$eval('.rows mark.match', (all) => all.map((m) => ({ text: m.textContent, inColour: m.parentElement.style.getPropertyValue('color') })));
  check(marks.length === 5 && marks.every((m) => m.text.toLowerCase() === 'error'), `highlights ${JSON.stringify(marks)}`);
  check(marks.some((m) => m.inColour === 'var(--ansi-1)'), 'the match inside red text is not inside the red span');
  check((await statusText(page)).includes('5 of 8 lines'), `status: ${await statusText(page)}`);

  await clickButton(page, 'Aa');
  await settle(page);
  texts = await rowTexts(page);
  check(
    JSON.stringify(texts) === JSON.stringify(['error: disk full', '{"level":"error","status":503,"msg":"upstream"}', '{"level":"error","status":404}']),
    `case-sensitive "error": ${JSON.stringify(texts)}`,
  );
  await page.fill('.toolbar input.filter', 'ERROR');
  await settle(page);
  texts = await rowTexts(page);
  check(JSON.stringify(texts) === JSON.stringify(['ERROR db timeout', 'ERROR in red']), `case-sensitive "ERROR": ${JSON.stringify(texts)}`);
  await clickButton(page, 'Aa');

  await clickButton(page, '.*');
  await page.fill('.toolbar input.filter', 'disk|time(out)?');
  await settle(page);
  texts = await rowTexts(page);
  check(JSON.stringify(texts) === JSON.stringify(['ERROR db timeout', 'error: disk full']), `regex: ${JSON.stringify(texts)}`);
  const regexMarks = await page.$$eval('.rows mark.match', (all) => all.map((m) => m.textContent));
  check(JSON.stringify(regexMarks) === JSON.stringify(['timeout', 'disk']), `regex highlights ${JSON.stringify(regexMarks)}`);

  await page.fill('.toolbar input.filter', 'err(or');
  await settle(page);
  const invalid = await page.evaluate(() => ({
    error: document.querySelectorAll('.inline-error')[1].textContent,
    invalid: document.querySelector('.toolbar input.filter').getAttribute('aria-invalid'),
  }));
  check(invalid.error.length > 0 && invalid.invalid === 'true', `invalid regex shows ${JSON.stringify(invalid)}`);
  check(JSON.stringify(await rowTexts(page)) === JSON.stringify(texts), 'an invalid regex changed the rows (the last valid filter should stay)');
  await page.fill('.toolbar input.filter', '');
  await settle(page);
  check((await rowTexts(page)).length === 8, 'clearing the filter does not show every line');
  check(!(await page.$eval('.toolbar input.filter', (i) => i.hasAttribute('aria-invalid'))), 'the error stays after clearing');
});

test('JSON field filter; invalid input shows the error inline; copy takes the filtered lines', async (ctx) => {
  const page = await openPanel(ctx);
  await send(
    page,
    lines(['{"level":"error","status":503,"msg":"upstream"}', '{"level":"info","status":200}', '{"level":"error","status":404}', 'not json error 503', '{"level":"error","http":{"status":500}}']),
  );
  await page.fill('.toolbar input.json', 'level=error status>=500');
  await settle(page);
  let texts = await rowTexts(page);
  check(JSON.stringify(texts) === JSON.stringify(['{"level":"error","status":503,"msg":"upstream"}']), `json filter: ${JSON.stringify(texts)}`);
  await page.fill('.toolbar input.json', 'http.status>=500');
  await settle(page);
  texts = await rowTexts(page);
  check(JSON.stringify(texts) === JSON.stringify(['{"level":"error","http":{"status":500}}']), `nested field: ${JSON.stringify(texts)}`);
  await page.fill('.toolbar input.json', 'status>abc');
  await settle(page);
  const error = await page.evaluate(() => ({
    text: document.querySelectorAll('.inline-error')[2].textContent,
    invalid: document.querySelector('.toolbar input.json').getAttribute('aria-invalid'),
  }));
  check(/number/.test(error.text) && error.invalid === 'true', `invalid json filter shows ${JSON.stringify(error)}`);
  await page.fill('.toolbar input.json', 'level=error');
  await settle(page);
  await clickButton(page, 'Copy');
  const copy = (await posted(page)).filter((m) => m.type === 'copy').at(-1);
  // Two sources: rows are tagged, and a copy takes what the rows show.
  const expected = ['[web-1] {"level":"error","status":503,"msg":"upstream"}', '[web-1] {"level":"error","status":404}', '[web-1] {"level":"error","http":{"status":500}}'].join('\n');
  check(copy?.text === expected, `copied ${JSON.stringify(copy?.text)}`);
});

test('timestamps and source tags are display toggles', async (ctx) => {
  const page = await openPanel(ctx);
  await send(page, { type: 'lines', lines: [{ s: 0, t: '2026-01-01T10:00:00.123456789Z', x: 'from one' }, { s: 1, t: '2026-01-01T10:00:01Z', x: 'from two' }] });
  const tags = await page.$$eval('.rows .tag', (all) => all.map((t) => ({ text: t.textContent, colour: getComputedStyle(t).color })));
  check(JSON.stringify(tags.map((t) => t.text)) === JSON.stringify(['web-1', 'web-2']), `tags ${JSON.stringify(tags)}`);
  check(tags[0].colour !== tags[1].colour, 'both pods tagged in the same colour');
  check((await page.$$('.rows .ts')).length === 0, 'timestamps shown before asking');
  await clickButton(page, 'Time');
  await settle(page);
  const times = await page.$$eval('.rows .ts', (all) => all.map((t) => t.textContent));
  check(JSON.stringify(times) === JSON.stringify(['2026-01-01T10:00:00.123Z', '2026-01-01T10:00:01Z']), `timestamps ${JSON.stringify(times)}`);
  await clickButton(page, 'Source');
  await settle(page);
  check((await page.$$('.rows .tag')).length === 0, 'tags still shown after turning them off');
  // A new pod joining (sources message) is tagged with its own label once tags are back on.
  await clickButton(page, 'Source');
  await send(page, { type: 'sources', sources: [...SOURCES, { pod: 'web-3', container: 'app', color: 2 }] });
  await send(page, { type: 'lines', lines: [{ s: 2, x: 'from three' }] });
  const last = await page.$$eval('.rows .tag', (all) => all.at(-1).textContent);
  check(last === 'web-3', `new pod's tag ${last}`);
});

test('pause and resume post pause messages; status shows waiting, dropped and stream states', async (ctx) => {
  const page = await openPanel(ctx);
  await clickButton(page, 'Pause');
  let messages = await posted(page);
  check(JSON.stringify(messages.at(-1)) === JSON.stringify({ type: 'pause', paused: true }), `after Pause: ${JSON.stringify(messages.at(-1))}`);
  await send(page, {
    type: 'status',
    paused: true,
    waiting: 42,
    dropped: 7,
    streams: [
      { source: 0, state: 'streaming' },
      { source: 1, state: 'reconnecting', detail: 'connection reset by peer' },
    ],
  });
  const status = await statusText(page);
  for (const part of ['Paused — 42 lines waiting', '7 older lines dropped', 'web-1: streaming', 'web-2: reconnecting']) {
    check(status.includes(part), `status "${status}" lacks "${part}"`);
  }
  const title = await page.$eval('.badge.state-reconnecting', (b) => b.title);
  check(title === 'connection reset by peer', `badge detail ${title}`);
  await clickButton(page, 'Resume');
  messages = await posted(page);
  check(JSON.stringify(messages.at(-1)) === JSON.stringify({ type: 'pause', paused: false }), `after Resume: ${JSON.stringify(messages.at(-1))}`);
  await send(page, { type: 'status', paused: false, waiting: 0, dropped: 7, streams: [{ source: 0, state: 'ended' }] });
  const resumed = await statusText(page);
  check(!resumed.includes('Paused') && resumed.includes('web-1: ended'), `status after resume: ${resumed}`);
});

test('tail, since, previous and container post restart with valid StreamOptions', async (ctx) => {
  const page = await openPanel(ctx);
  await send(page, lines(['old line']));
  const lastRestart = async () => (await posted(page)).filter((m) => m.type === 'restart').at(-1);
  const count = async () => (await posted(page)).filter((m) => m.type === 'restart').length;

  await page.selectOption('.toolbar select.since', { label: '1h' });
  let restart = await lastRestart();
  deepStrictEqual(restart, { type: 'restart', options: { follow: true, previous: false, tailLines: 100, sinceSeconds: 3600 } });
  await settle(page);
  check((await rowTexts(page)).length === 0, 'the old lines stay after a restart (they would be repeated)');

  await page.fill('.toolbar input.tail', '500');
  await page.press('.toolbar input.tail', 'Enter');
  restart = await lastRestart();
  deepStrictEqual(restart.options, { follow: true, previous: false, tailLines: 500, sinceSeconds: 3600 });

  const before = await count();
  await page.fill('.toolbar input.tail', '12abc');
  await page.press('.toolbar input.tail', 'Enter');
  check((await count()) === before, 'an invalid tail was posted');
  const tailError = await page.$eval('.toolbar input.tail', (i) => i.getAttribute('aria-invalid'));
  check(tailError === 'true', 'an invalid tail shows no error');
  await page.fill('.toolbar input.tail', '');
  await page.press('.toolbar input.tail', 'Enter');
  restart = await lastRestart();
  deepStrictEqual(restart.options, { follow: true, previous: false, sinceSeconds: 3600 });

  await page.check('.toolbar input.previous');
  restart = await lastRestart();
  deepStrictEqual(restart.options, { follow: true, previous: true, sinceSeconds: 3600 });

  await page.selectOption('.toolbar select.container', 'sidecar');
  restart = await lastRestart();
  deepStrictEqual(restart.options, { follow: true, previous: true, sinceSeconds: 3600, container: 'sidecar' });

  await page.selectOption('.toolbar select.since', { label: 'all' });
  restart = await lastRestart();
  deepStrictEqual(restart.options, { follow: true, previous: true, container: 'sidecar' });
  // Every one of them passes the host's validator unchanged (checked for all messages after each test too).
  for (const message of (await posted(page)).filter((m) => m.type === 'restart')) {
    deepStrictEqual(ctx.host.parseWebviewMessage(message), message);
  }
});

test('init options show in the controls; clear, save and copy post their messages', async (ctx) => {
  const page = await openPanel(ctx, { options: { follow: true, previous: true, sinceSeconds: 120, tailLines: 20, container: 'sidecar' } });
  const controls = await page.evaluate(() => ({
    tail: document.querySelector('.toolbar input.tail').value,
    since: document.querySelector('.toolbar select.since').selectedOptions[0].textContent,
    previous: document.querySelector('.toolbar input.previous').checked,
    container: document.querySelector('.toolbar select.container').value,
  }));
  deepStrictEqual(controls, { tail: '20', since: '2m', previous: true, container: 'sidecar' });
  await send(page, lines(['one', 'two']));
  await clickButton(page, 'Save');
  check((await posted(page)).at(-1).type === 'save', 'Save did not post save');
  await clickButton(page, 'Copy');
  const copy = (await posted(page)).at(-1);
  check(copy.type === 'copy' && copy.text === '[web-1] one\n[web-2] two', `copy ${JSON.stringify(copy)}`);
  await clickButton(page, 'Clear');
  check((await posted(page)).at(-1).type === 'clear', 'Clear did not post clear');
  await settle(page);
  check((await rowTexts(page)).length === 0, 'rows left after Clear');
  await send(page, lines(['three']));
  await send(page, { type: 'clear' });
  check((await rowTexts(page)).length === 0, 'rows left after the host cleared');
});

test('display settings saved with setState come back when the webview reloads', async (ctx) => {
  const state = { timestamps: true, wrap: true, tags: false, filter: 'keep', regex: false, caseSensitive: false, json: '' };
  const page = await openPanel(ctx, {}, { state });
  await send(page, { type: 'lines', lines: [{ s: 0, t: '2026-01-01T00:00:00Z', x: 'keep me' }, { s: 1, t: '2026-01-01T00:00:01Z', x: 'drop me' }] });
  await settle(page);
  const shown = await page.evaluate(() => ({
    timestamps: document.querySelectorAll('.toolbar button.toggle')[1].getAttribute('aria-pressed'),
    wrap: document.querySelector('.viewport').classList.contains('wrap'),
    filter: document.querySelector('.toolbar input.filter').value,
    tags: document.querySelectorAll('.rows .tag').length,
    times: [...document.querySelectorAll('.rows .ts')].map((t) => t.textContent),
  }));
  deepStrictEqual(shown, { timestamps: 'true', wrap: true, filter: 'keep', tags: 0, times: ['2026-01-01T00:00:00Z'] });
  deepStrictEqual(await rowTexts(page), ['keep me']);
});

test('malformed host messages are ignored without breaking the panel', async (ctx) => {
  const page = await openPanel(ctx);
  for (const bad of [null, 'lines', { type: 'lines' }, { type: 'lines', lines: [{ s: 0 }, { x: 1 }, null] }, { type: 'status', streams: 'x' }, { type: 'nope' }, { type: 'sources', sources: [{ pod: 1 }] }]) {
    await send(page, bad);
  }
  await send(page, lines(['still works']));
  check(JSON.stringify(await rowTexts(page)) === JSON.stringify(['still works']), `rows ${JSON.stringify(await rowTexts(page))}`);
});

// ---------------------------------------------------------------------------------------------

await runSuite({
  title: 'webview tests',
  tests,
  filters,
  timeoutMs: RUN_TIMEOUT_MS,
  build,
  route,
  parseMessage: (protocol, message) => protocol.parseWebviewMessage(message),
});
