#!/usr/bin/env node
/* global window, document, getComputedStyle, MessageEvent, requestAnimationFrame */
// The live rollout view's webview in a real browser, the way test/webview/run.mjs tests the log
// panel: builds src/webview/rollout/main.ts with esbuild into a temp dir, serves it from
// 127.0.0.1 in the page the host itself generates (rolloutPanelHtml: the real CSP with a script
// nonce, no unsafe-*), with a fake acquireVsCodeApi, and drives headless Chromium
// (playwright-core) through hostile pod names and messages, the stall banner, the buttons'
// messages and malformed host messages.
//
//   node test/webview/rollout.mjs [substring ...]   only the tests whose name contains one of them
//   BERTH_WEBVIEW_SCREENSHOTS=<dir> node test/webview/rollout.mjs   also a PNG of each test's page
//
// Chromium: BERTH_CHROMIUM, else `chromium` on PATH. Missing Chromium is a failure, never a skip.
// Output: TAP, then a last line "N passed, N failed"; the exit code is non-zero on any failure.
import { deepStrictEqual } from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, esbuild, fakeApiScript, posted, repo, runSuite } from './harness.mjs';

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const RUN_TIMEOUT_MS = Number(process.env.BERTH_WEBVIEW_TIMEOUT_MS ?? 120_000);
const VIEWPORT = { width: 1100, height: 800 };

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

async function build(outDir) {
  await esbuild.build({
    entryPoints: [join(repo, 'src/webview/rollout/main.ts')],
    outfile: join(outDir, 'rollout.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
  });
  // The protocol's validators and the host's page builder, to check messages and serve the real page.
  await esbuild.build({
    stdin: {
      contents: "export * from './src/core/k8s/rolloutProtocol.ts';\nexport { rolloutPanelHtml } from './src/vscode/kube/rolloutPanelHtml.ts';\n",
      resolveDir: repo,
      loader: 'ts',
    },
    outfile: join(outDir, 'host.mjs'),
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    logLevel: 'warning',
  });
  return import(pathToFileURL(join(outDir, 'host.mjs')).href);
}

/** The page the host generates, with the fake acquireVsCodeApi inserted before the view's script under the same nonce. */
function pageHtml(host, origin, nonce) {
  const html = host.rolloutPanelHtml({ cspSource: origin, scriptUri: `${origin}/rollout.js`, styleUri: `${origin}/rollout.css`, nonce });
  const marker = `<script nonce="${nonce}" src=`;
  if (!html.includes(marker)) throw new Error('rolloutPanelHtml no longer has the nonce\'d script this harness expects');
  return html.replace(marker, `<script nonce="${nonce}">${fakeApiScript(undefined)}</script>\n${marker}`);
}

function route(host, outDir, url, origin, nonce) {
  if (url.pathname === '/') return { type: 'text/html; charset=utf-8', body: pageHtml(host, origin, nonce) };
  if (url.pathname === '/rollout.js') return { type: 'text/javascript; charset=utf-8', body: readFileSync(join(outDir, 'rollout.js')) };
  if (url.pathname === '/rollout.css') return { type: 'text/css; charset=utf-8', body: readFileSync(join(repo, 'media/rollout/rollout.css')) };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Page helpers and fixtures.

/** A progressing Deployment rollout: revision 3 coming up, revision 2 going away. */
function baseView(overrides = {}) {
  return {
    kind: 'Deployment',
    name: 'web',
    namespace: 'shop',
    context: 'berth-sandbox',
    phase: 'progressing',
    summary: '1 of 3 pods updated, 2 ready',
    desired: 3,
    updated: 1,
    ready: 2,
    available: 2,
    paused: false,
    revisions: [
      { revision: 3, name: 'web-7d9f8c', role: 'new', images: ['app=registry.local/web@sha256:' + 'a'.repeat(64)], desired: 1, current: 1, ready: 0, available: 0 },
      { revision: 2, name: 'web-5b6c4d', role: 'old', images: ['app=registry.local/web:1.0'], desired: 2, current: 2, ready: 2, available: 2 },
    ],
    pods: [
      { name: 'web-7d9f8c-abcde', revision: 3, direction: 'coming', status: 'ContainerCreating', health: 'progressing', ready: '0/1', restarts: 0, age: '5s' },
      { name: 'web-5b6c4d-11111', revision: 2, direction: 'going', status: 'Running', health: 'ok', ready: '1/1', restarts: 0, age: '2d' },
      { name: 'web-5b6c4d-22222', revision: 2, direction: 'going', status: 'Terminating', health: 'terminating', ready: '0/1', restarts: 1, age: '2d' },
    ],
    podsNotShown: 0,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', age: '2d' },
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-7d9f8c" is progressing.', age: '5s' },
    ],
    events: [
      { type: 'Normal', reason: 'ScalingReplicaSet', object: 'Deployment/web', message: 'Scaled up replica set web-7d9f8c from 0 to 1', count: 1, age: '5s' },
    ],
    undo: { revision: 2, images: ['app=registry.local/web:1.0'] },
    ...overrides,
  };
}

const STALLED = {
  phase: 'stalled',
  stall: {
    reason: 'ImagePullBackOff',
    message: 'Pod web-7d9f8c-abcde: Back-off pulling image "registry.local/web:nope"',
    hint: 'Check the image name and tag, and that the cluster can pull from the registry.',
  },
};

async function openView(ctx, view) {
  const page = await ctx.browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(10_000);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  ctx.pages.push({ page, errors });
  await page.goto(ctx.url);
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  await send(page, { type: 'init', title: 'Rollout: web' });
  await send(page, { type: 'watch', state: 'watching' });
  if (view) await send(page, { type: 'view', view });
  return page;
}

/** Posts a host message to the page and waits a frame, so it has been drawn. */
async function send(page, message) {
  await page.evaluate(async (m) => {
    window.dispatchEvent(new MessageEvent('message', { data: m }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, message);
}

const text = (page, selector) => page.$eval(selector, (n) => n.textContent);
const visible = (page, selector) => page.$eval(selector, (n) => !n.hidden && getComputedStyle(n).display !== 'none');
const podRows = (page) => page.$$eval('table.pods tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));

// ---------------------------------------------------------------------------------------------
// Tests.

test('source files never build markup from strings', async (ctx) => {
  const dir = join(repo, 'src/webview/rollout');
  const forbidden = /innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment|srcdoc|setAttribute\(\s*['"`]style|\.cssText|\.style\.|\beval\s*\(|new Function|setHTMLUnsafe|parseHTMLUnsafe/;
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  check(files.length >= 3, `expected the view's modules in ${dir}, found ${files.join(', ')}`);
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    const hit = forbidden.exec(source);
    check(!hit, `${file} contains "${hit?.[0]}"`);
  }
  const bundle = readFileSync(join(ctx.outDir, 'rollout.js'), 'utf8');
  const hit = forbidden.exec(bundle);
  check(!hit, `the bundle contains "${hit?.[0]}"`);
  const css = readFileSync(join(repo, 'media/rollout/rollout.css'), 'utf8');
  check(!/@import|url\(/.test(css), 'the stylesheet loads nothing else (no @import, no url())');
});

test('the page is the host\'s: strict CSP, ready posted once, first', async (ctx) => {
  const csp = ctx.host.rolloutPanelHtml({ cspSource: 'https://x.vscode-cdn.net', scriptUri: 's', styleUri: 'c', nonce: 'abc' });
  check(/default-src 'none'/.test(csp) && /script-src 'nonce-abc'/.test(csp) && !/unsafe-/.test(csp), `CSP ${csp}`);
  const page = await openView(ctx);
  const messages = await posted(page);
  check(messages[0]?.type === 'ready', `first message ${JSON.stringify(messages[0])}`);
  check(messages.filter((m) => m.type === 'ready').length === 1, 'ready posted more than once');
  check((await page.title()) === 'Rollout: web', `title ${await page.title()}`);
  check((await text(page, '.summary')) === 'Waiting for the rollout…', `summary before a view: ${await text(page, '.summary')}`);
  check(await page.$eval('button.undo', (b) => b.disabled), 'Undo enabled before any view');
});

test('the CSP is active: an inline script and a style attribute are blocked', async (ctx) => {
  const page = await openView(ctx, baseView());
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
  check(result.directives.some((d) => d.startsWith('script-src')), `no script-src violation: ${result.directives.join(', ')}`);
  await page.evaluate(() => {
    window.__violations = [];
  });
  ctx.pages.at(-1).errors.length = 0;
});

test('a progressing rollout: revisions, pods coming and going, conditions, counts', async (ctx) => {
  const page = await openView(ctx, baseView());
  check((await text(page, 'h1.title')) === 'Deployment web', `title ${await text(page, 'h1.title')}`);
  check((await text(page, '.phase')) === 'Progressing', `phase ${await text(page, '.phase')}`);
  check((await text(page, '.where')) === 'berth-sandbox · namespace shop', `where ${await text(page, '.where')}`);
  check((await text(page, '.watch-state')) === 'Live', `watch state ${await text(page, '.watch-state')}`);
  check(!(await visible(page, '.stall-banner')), 'the stall banner shows without a stall');
  const revisions = await page.$$eval('table.revisions tbody tr', (rows) => rows.map((r) => ({ cls: r.className, cells: [...r.cells].map((c) => c.textContent) })));
  check(revisions.length === 2, `${revisions.length} revision rows`);
  check(revisions[0].cls.includes('role-new') && revisions[0].cells[0] === '3new' && revisions[0].cells[1] === 'web-7d9f8c', `new revision row ${JSON.stringify(revisions[0])}`);
  check(revisions[1].cells.slice(3).join(',') === '2,2,2,2', `old revision counts ${JSON.stringify(revisions[1].cells)}`);
  const pods = await podRows(page);
  check(pods.length === 3, `${pods.length} pod rows`);
  check(pods[0][0] === 'web-7d9f8c-abcde' && pods[0][2] === '↑ coming up' && pods[0][3] === 'ContainerCreating', `coming pod ${JSON.stringify(pods[0])}`);
  check(pods[2][2] === '↓ going away' && pods[2][3] === 'Terminating', `going pod ${JSON.stringify(pods[2])}`);
  const counts = await page.$$eval('.counts .count', (tiles) => tiles.map((t) => `${t.querySelector('.count-label').textContent}=${t.querySelector('.count-value').textContent}`));
  check(counts.join(' ') === 'Desired=3 Updated=1 Ready=2 Available=2', `counts ${counts.join(' ')}`);
  const conditions = await page.$$eval('table.conditions tbody tr', (rows) => rows.map((r) => r.cells[0].textContent));
  check(conditions.join(',') === 'Available,Progressing', `conditions ${conditions.join(',')}`);
  check((await text(page, 'button.undo:not(.banner-undo)')) === 'Undo to revision 2…', `undo label ${await text(page, 'button.undo')}`);
  check((await text(page, 'button.pause')) === 'Pause', 'pause label');
});

const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '</td></tr></table><b>bold?</b>',
  '<svg onload="window.__pwned=1"><iframe srcdoc="<script>parent.__pwned=1</script>">',
  '&lt;b&gt; &amp; &#x3C;script&#x3E;',
  'javascript:window.__pwned=1',
];

test('hostile pod names, images, messages and conditions render as literal text', async (ctx) => {
  const page = await openView(ctx);
  const view = baseView({
    name: HOSTILE[0],
    summary: HOSTILE[1],
    phase: 'stalled',
    stall: { reason: HOSTILE[2], message: HOSTILE[3], hint: HOSTILE[4] },
    revisions: [{ revision: 4, name: HOSTILE[5], role: 'new', images: HOSTILE.slice(0, 2), desired: 1, current: 1, ready: 0, available: 0 }],
    pods: HOSTILE.map((name, i) => ({ name, revision: 4, direction: 'coming', status: HOSTILE[(i + 1) % HOSTILE.length], health: 'error', ready: '0/1', restarts: i, age: '1s', message: HOSTILE[(i + 2) % HOSTILE.length] })),
    conditions: [{ type: HOSTILE[1], status: 'False', reason: HOSTILE[0], message: HOSTILE[3] }],
    events: [{ type: 'Warning', reason: HOSTILE[2], object: `Pod/${HOSTILE[0]}`, message: HOSTILE[1], count: 3, age: '1s' }],
  });
  await send(page, { type: 'view', view });
  await page.waitForTimeout(200);
  check((await text(page, 'h1.title')) === `Deployment ${HOSTILE[0]}`, `title ${await text(page, 'h1.title')}`);
  check((await text(page, '.summary')) === HOSTILE[1], 'summary changed');
  check((await text(page, '.stall-title')) === `Rollout stalled: ${HOSTILE[2]}`, `stall title ${await text(page, '.stall-title')}`);
  check((await text(page, '.stall-message')) === HOSTILE[3], 'stall message changed');
  check((await text(page, '.stall-hint')) === HOSTILE[4], 'stall hint changed');
  const pods = await podRows(page);
  HOSTILE.forEach((name, i) => {
    check(pods[i]?.[0] === name, `pod ${i} shows ${JSON.stringify(pods[i]?.[0])}`);
    check(pods[i]?.[3] === HOSTILE[(i + 1) % HOSTILE.length] + HOSTILE[(i + 2) % HOSTILE.length], `pod ${i} status ${JSON.stringify(pods[i]?.[3])}`);
  });
  const event = await page.$$eval('table.events tbody td', (cells) => cells.map((c) => c.textContent));
  check(JSON.stringify(event) === JSON.stringify(['Warning', HOSTILE[2], `Pod/${HOSTILE[0]}`, HOSTILE[1], '3', '1s']), `event row ${JSON.stringify(event)}`);
  const images = await page.$$eval('table.revisions .image', (all) => all.map((n) => n.textContent));
  check(JSON.stringify(images) === JSON.stringify(HOSTILE.slice(0, 2)), `images ${JSON.stringify(images)}`);
  const dom = await page.evaluate(() => ({
    pwned: window.__pwned,
    scripts: document.querySelectorAll('script').length,
    injected: document.querySelectorAll('.rollout img, .rollout svg, .rollout iframe, .rollout a, .rollout b, .rollout script, table table').length,
  }));
  check(dom.pwned === undefined, 'window.__pwned was set');
  check(dom.scripts === 2, `${dom.scripts} script elements (expected the page's 2)`);
  check(dom.injected === 0, `${dom.injected} elements made from text`);
  const unexpected = ctx.requests.filter((r) => !['/', '/rollout.js', '/rollout.css', '/favicon.ico'].includes(new URL(r, 'http://x').pathname));
  check(unexpected.length === 0, `the page requested ${unexpected.join(', ')}`);
});

test('a stalled rollout shows the banner with its reason; it goes when the rollout recovers', async (ctx) => {
  const page = await openView(ctx, baseView());
  await send(page, { type: 'view', view: baseView(STALLED) });
  check(await visible(page, '.stall-banner'), 'the banner is hidden');
  check((await page.$eval('.stall-banner', (b) => b.getAttribute('role'))) === 'alert', 'the banner is not an alert');
  check((await text(page, '.stall-title')) === 'Rollout stalled: ImagePullBackOff', `banner title ${await text(page, '.stall-title')}`);
  check((await text(page, '.stall-message')).includes('Back-off pulling image'), 'banner message');
  check((await text(page, '.stall-hint')).startsWith('Check the image name'), 'banner hint');
  check((await text(page, '.banner-undo')) === 'Undo to revision 2', `banner undo ${await text(page, '.banner-undo')}`);
  check(await visible(page, '.banner-logs'), 'Show Logs missing from the banner');
  check((await text(page, '.phase')) === 'Stalled', 'phase label');
  // The banner stands out: its background is not the page's.
  const colours = await page.evaluate(() => [getComputedStyle(document.querySelector('.stall-banner')).backgroundColor, getComputedStyle(document.body).backgroundColor]);
  check(colours[0] !== colours[1], `banner background ${colours[0]} equals the page's`);
  await send(page, { type: 'view', view: baseView({ phase: 'failed', stall: { reason: 'ReplicaFailure', message: 'quota exceeded' } }) });
  check((await text(page, '.stall-title')) === 'Rollout failed: ReplicaFailure', `failed title ${await text(page, '.stall-title')}`);
  check(!(await visible(page, '.stall-hint')), 'an empty hint is shown');
  await send(page, { type: 'view', view: baseView({ phase: 'complete', summary: '3 of 3 pods updated, 3 ready' }) });
  check(!(await visible(page, '.stall-banner')), 'the banner stayed after recovery');
  check((await text(page, '.phase')) === 'Complete', 'phase after recovery');
});

test('Undo posts the revision of the view, from the banner and the toolbar; Show Logs posts showLogs', async (ctx) => {
  const page = await openView(ctx, baseView(STALLED));
  await page.click('.banner-undo');
  await page.click('button.undo:not(.banner-undo)');
  await page.click('.banner-logs');
  await page.click('.toolbar .show-logs');
  const messages = (await posted(page)).filter((m) => m.type !== 'ready');
  deepStrictEqual(messages, [{ type: 'undo', revision: 2 }, { type: 'undo', revision: 2 }, { type: 'showLogs' }, { type: 'showLogs' }]);
  // A later view with another target: Undo follows it.
  await send(page, { type: 'view', view: baseView({ ...STALLED, undo: { revision: 7, images: ['app=x:7'] } }) });
  await page.click('.banner-undo');
  check((await posted(page)).at(-1)?.revision === 7, `undo after the target changed: ${JSON.stringify((await posted(page)).at(-1))}`);
  // Nothing to go back to: no Undo in the banner, a disabled one in the toolbar.
  const withoutUndo = baseView(STALLED);
  delete withoutUndo.undo;
  await send(page, { type: 'view', view: withoutUndo });
  check(!(await visible(page, '.banner-undo')), 'banner Undo shown without a target');
  check(await page.$eval('button.undo:not(.banner-undo)', (b) => b.disabled), 'toolbar Undo enabled without a target');
});

test('busy disables the buttons; pause and resume follow the view; no pause for a StatefulSet', async (ctx) => {
  const page = await openView(ctx, baseView());
  await send(page, { type: 'busy', busy: true, text: 'Rolling back…' });
  check((await text(page, '.busy')) === 'Rolling back…', 'busy text');
  const disabled = await page.$$eval('.toolbar button:not(.show-logs)', (all) => all.every((b) => b.disabled));
  check(disabled, 'buttons enabled while busy');
  check(!(await page.$eval('.toolbar .show-logs', (b) => b.disabled)), 'Show Logs disabled while busy');
  await page.click('button.pause', { force: true });
  check((await posted(page)).length === 1, 'a disabled button posted');
  await send(page, { type: 'busy', busy: false });
  await page.click('button.pause');
  await send(page, { type: 'view', view: baseView({ phase: 'paused', paused: true }) });
  check((await text(page, 'button.pause')) === 'Resume', 'pause label after paused');
  await page.click('button.pause');
  await page.click('button.restart');
  const actions = (await posted(page)).filter((m) => m.type === 'action').map((m) => m.action);
  check(actions.join(',') === 'pause,resume,restart', `actions ${actions.join(',')}`);
  await send(page, { type: 'view', view: baseView({ kind: 'StatefulSet', name: 'db' }) });
  check(!(await visible(page, 'button.pause')), 'Pause shown for a StatefulSet');
  check((await page.$eval('.revisions-section h2', (h) => h.textContent)) === 'Revisions', 'revisions heading for a StatefulSet');
});

test('the focused button keeps focus through a stream of views', async (ctx) => {
  const page = await openView(ctx, baseView(STALLED));
  await page.focus('.banner-undo');
  for (let i = 0; i < 20; i++) {
    await send(page, { type: 'view', view: baseView({ ...STALLED, summary: `update ${i}`, pods: baseView().pods.map((p) => ({ ...p, age: `${i}s` })) }) });
  }
  check(await page.evaluate(() => document.activeElement?.classList.contains('banner-undo')), 'focus was lost');
  check((await text(page, '.summary')) === 'update 19', 'last update not drawn');
  await page.keyboard.press('Enter');
  check((await posted(page)).at(-1)?.type === 'undo', 'Enter on the focused Undo posted nothing');
});

test('500 pods draw in one frame; more are counted, not drawn', async (ctx) => {
  const page = await openView(ctx, baseView());
  const pods = Array.from({ length: 500 }, (_, i) => ({ name: `web-7d9f8c-${String(i).padStart(5, '0')}`, revision: 3, direction: i % 2 ? 'coming' : 'going', status: i % 3 ? 'Running' : 'Pending', health: i % 3 ? 'ok' : 'progressing', ready: '1/1', restarts: 0, age: '1m', message: i % 7 ? undefined : 'waiting' })).map((p) => {
    if (p.message === undefined) delete p.message;
    return p;
  });
  const ms = await page.evaluate(async (view) => {
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'view', view } }));
    await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - t0;
  }, baseView({ pods, podsNotShown: 1234 }));
  const rows = await podRows(page);
  check(rows.length === 500, `${rows.length} pod rows`);
  check((await text(page, '.pods-section .more')) === '… and 1234 more pods not shown', `more text ${await text(page, '.pods-section .more')}`);
  check((await text(page, '.pods-section h2')) === 'Pods (1734)', 'pods heading');
  check(ms < 250, `a 500-pod view took ${ms.toFixed(0)} ms to draw`);
  // One pod becomes ready: its row is updated in place, the others are not rebuilt.
  const changed = pods.map((p, i) => (i === 250 ? { ...p, status: 'Running', health: 'ok', ready: '1/1' } : p));
  changed[250].status = 'Ready-now';
  const update = await page.evaluate(async (view) => {
    const rows = [...document.querySelectorAll('table.pods tbody tr')];
    rows.forEach((r, i) => { r.dataset.mark = String(i); });
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'view', view } }));
    await new Promise((r) => requestAnimationFrame(r));
    const after = [...document.querySelectorAll('table.pods tbody tr')];
    return { ms: performance.now() - t0, kept: after.every((r, i) => r.dataset.mark === String(i)), status: after[250].cells[3].textContent };
  }, baseView({ pods: changed, podsNotShown: 1234 }));
  check(update.kept, 'pod rows were rebuilt instead of updated');
  check(update.status === 'Ready-now', `pod 250 status ${update.status}`);
  check(update.ms < 100, `updating one pod of 500 took ${update.ms.toFixed(0)} ms`);
  // Pods going away leave; a new one comes in at its place in the order.
  const fewer = [changed[0], { ...changed[1], name: 'web-new-pod' }, changed[2]];
  await send(page, { type: 'view', view: baseView({ pods: fewer }) });
  const names = (await podRows(page)).map((r) => r[0]);
  check(JSON.stringify(names) === JSON.stringify([fewer[0].name, 'web-new-pod', fewer[2].name]), `rows after shrinking ${JSON.stringify(names)}`);
  check(!(await visible(page, '.pods-section .more')), 'the "more" line stayed');
  await send(page, { type: 'view', view: baseView({ pods: [] }) });
  check(!(await visible(page, 'table.pods')) && (await visible(page, '.pods-section .empty')), 'an empty pod list still shows the table');
  ctx.note(`500-pod view drawn in ${ms.toFixed(1)} ms; one pod changed in ${update.ms.toFixed(1)} ms`);
});

test('malformed host messages are ignored and never half-applied', async (ctx) => {
  const page = await openView(ctx, baseView());
  const bad = [
    null,
    'view',
    { type: 'view' },
    { type: 'view', view: { ...baseView(), summary: 'HALF', phase: 'exploded' } },
    { type: 'view', view: { ...baseView(), summary: 'HALF', pods: [{ name: 'x' }] } },
    { type: 'view', view: { ...baseView(), summary: 'HALF', extra: 1 } },
    { type: 'view', view: { ...baseView(), summary: 'HALF', desired: -1 } },
    { type: 'view', view: { ...baseView(), summary: 'HALF', stall: { reason: '', message: 'x' } } },
    { type: 'view', view: { ...baseView(), summary: 'HALF', undo: { revision: 0, images: [] } } },
    { type: 'view', view: { ...baseView(), summary: 'x'.repeat(5000) } },
    { type: 'watch', state: 'sideways' },
    { type: 'busy', busy: 'yes' },
    { type: 'nope' },
  ];
  for (const message of bad) await send(page, message);
  check((await text(page, '.summary')) === '1 of 3 pods updated, 2 ready', `summary ${await text(page, '.summary')}`);
  check((await text(page, '.watch-state')) === 'Live', 'watch state changed');
  check(!(await page.$eval('button.restart', (b) => b.disabled)), 'a malformed busy disabled the buttons');
  await send(page, { type: 'view', view: baseView({ summary: 'still works' }) });
  check((await text(page, '.summary')) === 'still works', 'the view stopped updating');
});

// ---------------------------------------------------------------------------------------------

await runSuite({
  title: 'rollout webview tests',
  tests,
  filters,
  timeoutMs: RUN_TIMEOUT_MS,
  build,
  route,
  parseMessage: (host, message) => host.parseRolloutWebviewMessage(message),
  screenshotPrefix: 'rollout-',
  fullPageScreenshots: true,
});
