// End-to-end scenarios of the Kubernetes issue: the Clusters view and the log panel, in real
// VS Code against the private sandbox control plane (scripts/services/k8s.mjs). VS Code sees only
// the sandbox's kubeconfig (test/e2e/run.mjs sets KUBECONFIG for `services: ['k8s']`).
/* global document, window, getComputedStyle -- page.evaluate callbacks run in the browser */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { get } from 'node:http';
import { E2EError, check, openFile, poll, runCommand, sleep, writeWorkspaceFile } from './workbench.mjs';


/** kubectl of the sandbox, with its admin kubeconfig (setup and cross-checks, never what is under test). */
export function kubectl(ctx, args, input) {
  return execFileSync(ctx.k8s.kubectl, ['--kubeconfig', ctx.k8s.kubeconfig, ...args], { encoding: 'utf8', input, timeout: 120_000, maxBuffer: 1 << 28 }).trim();
}

const KWOK_POD_SPEC = {
  nodeSelector: { type: 'kwok' },
  tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
};

/** A fresh namespace with a Deployment `web` of `replicas` pods (two containers) and a bare pod `solo`; waits until they are Ready. */
export async function seedNamespace(ctx, { replicas = 2 } = {}) {
  const ns = `e2e-${Date.now().toString(36)}`;
  kubectl(ctx, ['create', 'namespace', ns]);
  const manifests = [
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns },
      spec: {
        replicas, selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { ...KWOK_POD_SPEC, containers: [{ name: 'app', image: 'registry.invalid/web:1' }, { name: 'side', image: 'registry.invalid/side:1' }] } },
      },
    },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', namespace: ns }, spec: { ...KWOK_POD_SPEC, containers: [{ name: 'app', image: 'registry.invalid/solo:1' }] } },
  ];
  // The namespace's default ServiceAccount comes from the controller manager a moment later.
  await poll(() => { try { kubectl(ctx, ['get', 'sa', 'default', '-n', ns]); return true; } catch { return undefined; } }, { timeoutMs: 30_000, what: `the default ServiceAccount of ${ns}` });
  for (let attempt = 1; ; attempt++) {
    try { kubectl(ctx, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests })); break; } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(500);
    }
  }
  kubectl(ctx, ['wait', '--for=condition=Ready', 'pod', '--all', '-n', ns, '--timeout=120s']);
  return ns;
}

export function dropNamespace(ctx, ns) {
  try { kubectl(ctx, ['delete', 'namespace', ns, '--wait=false']); } catch { /* the sandbox may be gone already */ }
}

/** Appends CRI log lines (every pod of the sandbox reads this file), each with its own timestamp, in a second later than any line before. */
export function appendLogLines(ctx, texts) {
  const file = ctx.k8s.appLog;
  let latest = 0;
  const tail = readFileSync(file, 'utf8').slice(-4096);
  for (const m of tail.matchAll(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)/gm)) latest = Math.max(latest, Date.parse(`${m[1]}Z`) / 1000);
  const second = Math.max(Math.floor(Date.now() / 1000), latest + 1);
  const iso = new Date(second * 1000).toISOString().slice(0, 19);
  appendFileSync(file, texts.map((t, i) => `${iso}.${String(i).padStart(9, '0')}Z stdout F ${t}\n`).join(''));
}

/** Rows of the Clusters view: `[{ label, description, level, expanded }]`. */
async function clusterRows(page) {
  return page.$$eval('.pane', (panes) => {
    const pane = panes.find((p) => (p.querySelector('.pane-header .title')?.textContent ?? '').trim().toLowerCase() === 'clusters');
    if (!pane) return [];
    return [...pane.querySelectorAll('.monaco-list-row')].map((row) => ({
      label: (row.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      description: (row.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      level: Number(row.getAttribute('aria-level') ?? '0'),
      expanded: row.getAttribute('aria-expanded'),
    }));
  });
}

function clustersPane(page) {
  return page.locator('.pane', { has: page.locator('.pane-header .title', { hasText: /^Clusters$/i }) }).first();
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function clusterRow(page, label, level) {
  return clustersPane(page).locator(`.monaco-list-row[aria-level="${level}"]`, { has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) }).first();
}

async function waitClusterRow(page, predicate, what, timeoutMs = 30_000) {
  return poll(async () => (await clusterRows(page)).find(predicate), { timeoutMs, what, describeLast: async () => JSON.stringify((await clusterRows(page)).slice(0, 40)) });
}

async function expandRow(page, label, level) {
  const row = clusterRow(page, label, level);
  await row.scrollIntoViewIfNeeded();
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
}

/** Opens the Berth side bar with the Clusters view shown (the Images view collapsed to make room). */
async function showClustersView(page) {
  await page.locator('.activitybar .action-item .action-label[aria-label^="Berth"]').first().click();
  await clustersPane(page).waitFor({ state: 'visible', timeout: 20_000 });
  const header = clustersPane(page).locator('.pane-header').first();
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  // The other views share the side bar: collapse them so the tree's rows are on screen (the
  // list is virtualised: rows outside the pane are not in the DOM).
  for (const name of ['Images', 'Releases']) {
    const other = page.locator(`.pane-header[aria-label^="${name}"]`).first();
    if ((await other.getAttribute('aria-expanded').catch(() => null)) === 'true') await other.click();
  }
}

/** Expands context → namespace → Deployments → web and returns the web row. */
async function revealWeb(page, ns, replicas) {
  await waitClusterRow(page, (r) => r.level === 1 && r.label === 'berth-sandbox', 'the berth-sandbox context row');
  await expandRow(page, 'berth-sandbox', 1);
  await waitClusterRow(page, (r) => r.level === 2 && r.label === ns, `namespace ${ns} under berth-sandbox`);
  await expandRow(page, ns, 2);
  await waitClusterRow(page, (r) => r.level === 3 && r.label === 'Deployments', 'the Deployments group');
  await expandRow(page, 'Deployments', 3);
  return waitClusterRow(page, (r) => r.level === 4 && r.label === 'web' && r.description.startsWith(`${replicas}/${replicas}`), `web ${replicas}/${replicas} ready`, 60_000);
}

/** Right-click `row` and choose `item` from its context menu. */
async function contextMenu(page, row, item) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await row.click({ button: 'right' });
    const entry = page.locator('.context-view .action-item', { hasText: item }).first();
    await entry.waitFor({ state: 'visible', timeout: 10_000 });
    await entry.hover();
    await sleep(200);
    await entry.click();
    // The menu fades out after the click: give it a moment before taking the click as lost.
    if (await entry.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false)) return;
    await page.keyboard.press('Escape');
  }
  throw new E2EError(`the context menu item "${item}" did not run`);
}

/** The log panel's webview frame whose text includes `marker` (the panel and its title differ per target). */
async function logPanelFrame(page, accept, what) {
  return poll(async () => {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => document.querySelector('.log-panel')?.innerText ?? null).catch(() => null);
      if (text !== null && accept(text)) return frame;
    }
    return undefined;
  }, { timeoutMs: 40_000, what });
}

const panelText = (frame) => frame.evaluate(() => document.querySelector('.log-panel')?.innerText ?? '');

/** Appends probe lines until the panel shows one: the stream may open a moment after the panel. */
async function waitUntilStreaming(ctx, page, tag, what) {
  let frame;
  await poll(async () => {
    appendLogLines(ctx, [`${tag}-probe`]);
    await sleep(600);
    frame = await logPanelFrame(page, (text) => text.includes(`${tag}-probe`), what).catch(() => undefined);
    return frame;
  }, { timeoutMs: 60_000, what });
  return frame;
}

/** The silent listener of the faults kubeconfig's `silent` context: accepts and never answers. */
async function startSilentListener(ctx) {
  const port = ctx.k8s.silentPort;
  if (!port) return undefined;
  const server = createServer(() => {});
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  return server;
}

/** The rollout view's webview frame (its root is `.rollout`). */
async function rolloutFrame(page, accept, what) {
  return poll(async () => {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => document.querySelector('.rollout')?.innerText ?? null).catch(() => null);
      if (text !== null && accept(text)) return frame;
    }
    return undefined;
  }, { timeoutMs: 60_000, what });
}

/** Waits for the quick input titled `title` (a pick or an input box), fills `value` if given, and presses Enter. */
async function answerInput(page, title, value) {
  await poll(async () => {
    if (!(await page.locator('.quick-input-widget').isVisible().catch(() => false))) return undefined;
    const shown = (await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '';
    return shown.includes(title) ? true : undefined;
  }, { timeoutMs: 20_000, what: `the quick input "${title}"`, describeLast: async () => (await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '' });
  if (value !== undefined) await page.locator('.quick-input-widget .quick-input-box input').fill(value);
  await sleep(300);
  await page.keyboard.press('Enter');
}

/**
 * Answers the quick pick titled `title`: types `filter`, then clicks the row whose label is
 * exactly `label` (typing alone could pick a longer name that also matches).
 */
async function pickQuickItem(page, title, filter, label) {
  await answerInputTitle(page, title);
  await page.locator('.quick-input-widget .quick-input-box input').fill(filter);
  const row = await poll(async () => {
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    const count = await rows.count();
    for (let i = 0; i < count; i++) {
      const text = ((await rows.nth(i).locator('.label-name, .monaco-highlighted-label').first().textContent().catch(() => '')) ?? '').replace(/\u00a0/g, ' ').trim();
      if (text === label) return rows.nth(i);
    }
    return undefined;
  }, { timeoutMs: 30_000, what: `the row "${label}" in "${title}"`, describeLast: async () => JSON.stringify(await page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (rows) => rows.map((r) => r.getAttribute('aria-label')))) });
  await row.click();
}

/** Waits for the quick input titled `title`. */
async function answerInputTitle(page, title) {
  await poll(async () => {
    if (!(await page.locator('.quick-input-widget').isVisible().catch(() => false))) return undefined;
    const shown = (await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '';
    return shown.includes(title) ? true : undefined;
  }, { timeoutMs: 30_000, what: `the quick input "${title}"`, describeLast: async () => (await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '' });
}

/** The digest a registry serves for `repository:tag` (Docker-Content-Digest of a manifest HEAD). */
function servedDigest(registry, repository, tag) {
  return new Promise((resolvePromise, reject) => {
    get(`http://${registry}/v2/${repository}/manifests/${tag}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } }, (res) => {
      res.resume();
      resolvePromise(res.headers['docker-content-digest']);
    }).on('error', reject);
  });
}

/** helm 3 of the sandbox run (setup and cross-checks, never what is under test). */
function helm(ctx, args) {
  return execFileSync(ctx.helm.paths.v3, ['--kubeconfig', ctx.k8s.kubeconfig, '--kube-context', 'berth-sandbox', ...args], { encoding: 'utf8', timeout: 180_000 }).trim();
}

async function releaseRows(page) {
  return page.$$eval('.pane', (panes) => {
    const pane = panes.find((p) => (p.querySelector('.pane-header .title')?.textContent ?? '').trim().toLowerCase() === 'releases');
    if (!pane) return [];
    return [...pane.querySelectorAll('.monaco-list-row')].map((row) => ({
      label: (row.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      description: (row.querySelector('.label-description')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      level: Number(row.getAttribute('aria-level') ?? '0'),
    }));
  });
}

function releasesPane(page) {
  return page.locator('.pane', { has: page.locator('.pane-header .title', { hasText: /^Releases$/i }) }).first();
}

/** Opens the Berth side bar with only the Releases view expanded. */
async function showReleasesView(page) {
  await page.locator('.activitybar .action-item .action-label[aria-label^="Berth"]').first().click();
  await releasesPane(page).waitFor({ state: 'visible', timeout: 20_000 });
  for (const name of ['Images', 'Clusters']) {
    const header = page.locator(`.pane-header[aria-label^="${name}"]`).first();
    if ((await header.getAttribute('aria-expanded').catch(() => null)) === 'true') await header.click();
  }
  const header = releasesPane(page).locator('.pane-header').first();
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
}

async function waitReleaseRow(page, predicate, what, timeoutMs = 60_000) {
  return poll(async () => (await releaseRows(page)).find(predicate), { timeoutMs, what, describeLast: async () => JSON.stringify((await releaseRows(page)).slice(0, 40)) });
}

/** A fresh namespace name, created by the test's helm with --create-namespace. */
const freshNamespace = (prefix) => `${prefix}-${Date.now().toString(36)}`;

export const kubeScenarios = [
  {
    id: 'clusters-tree',
    title: 'Clusters view: every context, namespaces → workloads → pods → containers, live updates, failures as nodes',
    services: ['k8s'],
    withFaultContexts: true,
    async run(ctx) {
      const { page } = ctx;
      const ns = await seedNamespace(ctx, { replicas: 2 });
      const silent = await startSilentListener(ctx);
      try {
        await showClustersView(page);
        const contexts = (await poll(async () => {
          const rows = (await clusterRows(page)).filter((r) => r.level === 1);
          return rows.some((r) => r.label === 'berth-sandbox') && rows.some((r) => r.label === 'unreachable') ? rows : undefined;
        }, { timeoutMs: 30_000, what: 'the sandbox and fault contexts', describeLast: async () => JSON.stringify(await clusterRows(page)) }));
        check(/current/.test(contexts.find((r) => r.label === 'berth-sandbox')?.description ?? ''), `berth-sandbox is not marked current: ${JSON.stringify(contexts)}`);

        // Several contexts expanded at once: the broken ones show why, the good one is not held up.
        const t0 = Date.now();
        for (const name of ['unreachable', 'wrong-ca', 'limited']) await expandRow(page, name, 1);
        const web = await revealWeb(page, ns, 2);
        const listedMs = Date.now() - t0;
        const rows = await clusterRows(page);
        const under = (name) => {
          const i = rows.findIndex((r) => r.level === 1 && r.label === name);
          const out = [];
          for (let j = i + 1; j < rows.length && rows[j].level > 1; j++) out.push(rows[j]);
          return out;
        };
        const unreachable = under('unreachable').find((r) => r.level === 2);
        check(unreachable && /reach|refused/i.test(unreachable.label), `the unreachable context shows no "cannot reach" node: ${JSON.stringify(under('unreachable'))}`);
        const wrongCa = await waitClusterRow(page, (r) => r.level === 2 && /certif|TLS|authority/i.test(r.label), 'a TLS failure node under wrong-ca');
        check(under('limited').some((r) => r.label === 'team-a') || (await clusterRows(page)).some((r) => r.level === 2 && r.label === 'team-a'), 'the limited context does not fall back to its namespace team-a');

        await expandRow(page, 'web', 4);
        const pod = await waitClusterRow(page, (r) => r.level === 5 && /^web-/.test(r.label) && /Running/.test(r.description), 'a Running web pod');
        check(/2\/2/.test(pod.description), `the pod row does not show 2/2 ready: ${pod.description}`);
        await expandRow(page, pod.label, 5);
        const container = await waitClusterRow(page, (r) => r.level === 6 && r.label === 'app', 'the container row "app"');
        check(/registry\.invalid\/web:1/.test(container.description), `the container row does not show its image: ${container.description}`);
        await ctx.screenshot('expanded');

        // A change made outside VS Code reaches the tree through the watch, without a refresh.
        const t1 = Date.now();
        kubectl(ctx, ['scale', '-n', ns, 'deployment/web', '--replicas=3']);
        await waitClusterRow(page, (r) => r.level === 4 && r.label === 'web' && r.description.startsWith('3/3'), 'web 3/3 after kubectl scale, without a refresh', 60_000);
        const scaledMs = Date.now() - t1;
        const t2 = Date.now();
        kubectl(ctx, ['delete', 'pod', '-n', ns, pod.label, '--wait=false']);
        await poll(async () => !(await clusterRows(page)).some((r) => r.label === pod.label), { timeoutMs: 60_000, what: `the deleted pod ${pod.label} to leave the tree` });
        const deletedMs = Date.now() - t2;
        await ctx.screenshot();
        return `contexts ${contexts.map((c) => c.label).join(', ')}; web ${web.description}; pod ${pod.description}; container ${container.description}; unreachable: "${unreachable.label}"; wrong-ca: "${wrongCa.label}"; namespaces listed ${listedMs} ms after expanding three broken contexts; kubectl scale shown in ${scaledMs} ms, a deleted pod gone in ${deletedMs} ms (watch, no refresh)`;
      } finally {
        silent?.close();
        dropNamespace(ctx, ns);
      }
    },
  },

  {
    id: 'pod-logs',
    title: 'Show Logs on a pod: lines stream in, hostile lines stay text, ANSI colour, pause counts waiting lines',
    services: ['k8s'],
    async run(ctx) {
      const { page } = ctx;
      const ns = await seedNamespace(ctx, { replicas: 1 });
      try {
        await showClustersView(page);
        await revealWeb(page, ns, 1);
        await expandRow(page, 'web', 4);
        const pod = await waitClusterRow(page, (r) => r.level === 5 && /^web-/.test(r.label), 'the web pod row');
        await contextMenu(page, clusterRow(page, pod.label, 5), 'Show Kubernetes Logs');
        const tag = `pl${Date.now().toString(36)}`;
        const frame = await waitUntilStreaming(ctx, page, tag, 'the first line in the pod log panel');
        appendLogLines(ctx, [
          ...Array.from({ length: 20 }, (_, i) => `${tag} #${i}`),
          '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>',
          '\u001b[31mred text\u001b[0m plain',
        ]);
        const text = await poll(async () => {
          const t = await panelText(frame);
          return t.includes(`${tag} #19`) && t.includes('onerror') && t.includes('red text') ? t : undefined;
        }, { timeoutMs: 30_000, what: 'the 20 numbered lines, the hostile line and the red line', describeLast: async () => (await panelText(frame)).slice(-1200) });
        // Both containers of the pod stream: each numbered line arrives once per container.
        const perLine = text.split('\n').filter((l) => l.includes(`${tag} #7`)).length;
        check(perLine === 2, `"${tag} #7" shown ${perLine} times; expected once per container (app, side)`);
        const pwned = await frame.evaluate(() => window.__pwned ?? null);
        check(pwned === null, `a log line ran script in the webview (window.__pwned = ${pwned})`);
        const injected = await frame.evaluate(() => document.querySelectorAll('.rows img, .rows script').length);
        check(injected === 0, `${injected} img/script elements were created from log text`);
        const red = await frame.evaluate(() => {
          const span = [...document.querySelectorAll('.rows span')].find((s) => s.textContent === 'red text');
          return span ? getComputedStyle(span).color : null;
        });
        check(red && red !== 'rgba(0, 0, 0, 0)', `the ANSI red text has no colour of its own: ${red}`);
        await ctx.screenshot('streaming');

        await frame.locator('.toolbar button', { hasText: 'Pause' }).click();
        await sleep(500);
        appendLogLines(ctx, Array.from({ length: 5 }, (_, i) => `${tag}-paused #${i}`));
        const waiting = await poll(async () => {
          const status = await frame.evaluate(() => document.querySelector('.status')?.textContent ?? '');
          return /10 lines waiting/.test(status) ? status : undefined;
        }, { timeoutMs: 20_000, what: '"10 lines waiting" (5 lines × 2 containers) while paused', describeLast: async () => frame.evaluate(() => document.querySelector('.status')?.textContent ?? '') });
        check(!(await panelText(frame)).includes(`${tag}-paused`), 'lines appeared while the panel was paused');
        await frame.locator('.toolbar button', { hasText: 'Resume' }).click();
        await poll(async () => ((await panelText(frame)).includes(`${tag}-paused #4`) ? true : undefined), { timeoutMs: 15_000, what: 'the waiting lines after Resume' });
        await ctx.screenshot();
        return `pod ${pod.label}: 20 numbered lines once per container, hostile line shown as text (__pwned unset, no elements), ANSI red rendered as ${red}; paused status "${waiting.trim()}", lines delivered on Resume`;
      } finally {
        dropNamespace(ctx, ns);
      }
    },
  },

  {
    id: 'workload-logs',
    title: 'Show Logs on a Deployment: every pod tagged, a pod started later joins',
    services: ['k8s'],
    async run(ctx) {
      const { page } = ctx;
      const ns = await seedNamespace(ctx, { replicas: 2 });
      try {
        await showClustersView(page);
        await revealWeb(page, ns, 2);
        await contextMenu(page, clusterRow(page, 'web', 4), 'Show Kubernetes Logs');
        const tag = `wl${Date.now().toString(36)}`;
        const frame = await waitUntilStreaming(ctx, page, tag, 'the first line in the workload log panel');
        const podsOf = (text) => [...new Set([...text.matchAll(/\b(web-[a-z0-9]+-[a-z0-9]+)\b/g)].map((m) => m[1]))];
        const before = kubectl(ctx, ['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}']).split(/\s+/).filter(Boolean);
        const two = await poll(async () => {
          appendLogLines(ctx, [`${tag} line`]);
          await sleep(700);
          const shown = podsOf(await panelText(frame));
          return before.every((p) => shown.includes(p)) ? shown : undefined;
        }, { timeoutMs: 40_000, what: `lines tagged with both pods ${before.join(', ')}`, describeLast: async () => (await panelText(frame)).slice(-1200) });
        // Each pod's tag has its own colour slot.
        const slots = await frame.evaluate(() => Object.fromEntries([...document.querySelectorAll('.rows .tag')].map((e) => [(e.textContent ?? '').split('/')[0], [...e.classList].find((c) => c.startsWith('src-')) ?? ''])));
        check(before.every((p) => slots[p]) && slots[before[0]] !== slots[before[1]], `the two pods' tags do not have distinct colour slots: ${JSON.stringify(slots)}`);
        await ctx.screenshot('two-pods');

        kubectl(ctx, ['scale', '-n', ns, 'deployment/web', '--replicas=3']);
        kubectl(ctx, ['wait', '--for=condition=Ready', 'pod', '-l', 'app=web', '-n', ns, '--timeout=120s']);
        const after = kubectl(ctx, ['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}']).split(/\s+/).filter(Boolean);
        const newcomer = after.find((p) => !before.includes(p));
        check(newcomer, `kubectl scale made no new pod: ${after.join(', ')}`);
        const t0 = Date.now();
        await poll(async () => {
          appendLogLines(ctx, [`${tag} after scale`]);
          await sleep(700);
          return podsOf(await panelText(frame)).includes(newcomer) ? true : undefined;
        }, { timeoutMs: 60_000, what: `lines tagged with the new pod ${newcomer}`, describeLast: async () => (await panelText(frame)).slice(-1200) });
        const joinedMs = Date.now() - t0;
        await ctx.screenshot();
        return `pods ${two.join(', ')} tagged; ${newcomer} joined ${joinedMs} ms after it was Ready; tag colour slots ${JSON.stringify(slots)}`;
      } finally {
        dropNamespace(ctx, ns);
      }
    },
  },

  {
    id: 'rollout',
    title: 'Set Image from the Clusters view: the live rollout view shows it progress and complete; a rollout that never becomes ready fails with its reason and Undo brings the old revision back',
    services: ['k8s'],
    async run(ctx) {
      const { page } = ctx;
      const ns = await seedNamespace(ctx, { replicas: 2 });
      try {
        // Pods of the new revision become Ready 3 s after they are bound (a kwok stage of Berth's
        // sandbox), so the rollout can be seen progressing; a deadline makes a stuck one fail.
        kubectl(ctx, ['patch', '-n', ns, 'deployment/web', '--type=merge', '-p', JSON.stringify({ spec: { progressDeadlineSeconds: 15, template: { metadata: { labels: { 'berth.dev/slow-ready': 'true' } } } } })]);
        kubectl(ctx, ['rollout', 'status', '-n', ns, 'deployment/web', '--timeout=120s']);
        await showClustersView(page);
        await revealWeb(page, ns, 2);
        await contextMenu(page, clusterRow(page, 'web', 4), 'Set Image…');
        await answerInput(page, 'Set the image of which container of web?', 'app');
        await answerInput(page, 'New image for container app', 'registry.invalid/web:2');
        const t0 = Date.now();
        const frame = await rolloutFrame(page, (text) => /Deployment web/.test(text), 'the rollout view of web');
        const phases = new Set();
        const complete = await poll(async () => {
          const text = await frame.evaluate(() => document.querySelector('.rollout')?.innerText ?? '');
          const phase = await frame.evaluate(() => document.querySelector('.phase')?.textContent ?? '');
          phases.add(phase);
          return phase === 'Complete' && text.includes('registry.invalid/web:2') ? text : undefined;
        }, { timeoutMs: 90_000, intervalMs: 200, what: 'the rollout to web:2 to complete in the view', describeLast: async () => (await frame.evaluate(() => document.querySelector('.rollout')?.innerText ?? '')).slice(0, 1500) });
        const completeMs = Date.now() - t0;
        const image = kubectl(ctx, ['get', '-n', ns, 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
        check(image === 'registry.invalid/web:2', `the Deployment's image is ${image}, not registry.invalid/web:2`);
        check(phases.has('Progressing'), `the view never showed the rollout progressing (phases seen: ${[...phases].join(', ')})`);
        check(/Undo to revision \d/.test(complete), `the view offers no undo to the previous revision: ${complete.slice(0, 300)}`);
        await ctx.screenshot('complete');

        // A revision whose pods never become Ready: the deadline passes and the view says why.
        kubectl(ctx, ['patch', '-n', ns, 'deployment/web', '--type=merge', '-p', JSON.stringify({ spec: { template: { metadata: { labels: { 'berth.dev/never-ready': 'true', 'berth.dev/slow-ready': null } }, spec: { containers: [{ name: 'app', image: 'registry.invalid/web:3' }] } } } })]);
        const banner = await poll(async () => {
          const title = await frame.evaluate(() => { const b = document.querySelector('.stall-banner'); return b && !b.hidden ? b.textContent ?? '' : ''; });
          return /Rollout (failed|stalled)/.test(title) ? title : undefined;
        }, { timeoutMs: 120_000, intervalMs: 500, what: 'the stall banner for the never-ready revision', describeLast: async () => (await frame.evaluate(() => document.querySelector('.rollout')?.innerText ?? '')).slice(0, 1500) });
        check(/ProgressDeadlineExceeded|Readiness/i.test(banner), `the banner does not give the reason: ${banner}`);
        await ctx.screenshot('stalled');

        // Undo, one click away in the banner (with a confirmation): back to web:2.
        await frame.locator('.stall-banner button', { hasText: /^Undo/ }).first().click();
        const dialog = page.locator('.monaco-dialog-box').first();
        await dialog.waitFor({ state: 'visible', timeout: 15_000 });
        const question = ((await dialog.textContent()) ?? '').replace(/\u00a0/g, ' ');
        await dialog.locator('.monaco-button', { hasText: 'Undo' }).first().click();
        await poll(() => {
          const now = kubectl(ctx, ['get', '-n', ns, 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
          return now === 'registry.invalid/web:2' ? true : undefined;
        }, { timeoutMs: 30_000, what: 'the Deployment back on registry.invalid/web:2 after Undo' });
        await poll(async () => ((await frame.evaluate(() => document.querySelector('.phase')?.textContent ?? '')) === 'Complete' ? true : undefined), { timeoutMs: 90_000, what: 'the view to show the undone rollout complete' });
        await ctx.screenshot();
        return `set image web:2 from the tree: view phases ${[...phases].join(' → ')}, complete in ${completeMs} ms; never-ready revision: "${banner.trim().slice(0, 120)}"; Undo asked "${question.trim().slice(0, 80)}" and brought web:2 back`;
      } finally {
        dropNamespace(ctx, ns);
      }
    },
  },

  {
    id: 'releases-tree',
    title: 'Releases view: releases of every namespace with chart, revision and status; a failed release says what to do; history under each release',
    services: ['k8s', 'helm'],
    async run(ctx) {
      const { page } = ctx;
      const ns = freshNamespace('e2e-rel');
      const chart = join(ctx.workspace, 'charts', 'shop');
      try {
        helm(ctx, ['upgrade', '--install', '--namespace', ns, '--create-namespace', '--set', 'image.tag=1.0.0', '--', 'shop', chart]);
        helm(ctx, ['upgrade', '--install', '--namespace', ns, '--set', 'image.tag=1.1.0', '--', 'shop', chart]);
        // A LoadBalancer Service never gets an address in the sandbox: helm --wait fails the release.
        try {
          helm(ctx, ['install', '--namespace', ns, '--wait', '--timeout', '8s', '--set', 'service.type=LoadBalancer', '--', 'broken', chart]);
        } catch { /* expected: the install fails */ }
        const status = JSON.parse(helm(ctx, ['list', '--namespace', ns, '--all', '-o', 'json']));
        await showReleasesView(page);
        const shop = await waitReleaseRow(page, (r) => r.label === 'shop' && /rev 2/.test(r.description), 'the shop release at revision 2');
        check(/deployed/.test(shop.description) && /shop-/.test(shop.description), `the shop row does not show chart and status: ${shop.description}`);
        const broken = (await releaseRows(page)).find((r) => r.label === 'broken');
        const brokenStatus = status.find((r) => r.name === 'broken')?.status;
        if (brokenStatus === 'failed') {
          check(broken && /failed/.test(broken.description), `the failed release broken is not shown as failed: ${JSON.stringify(broken)}`);
        }
        await releasesPane(page).locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^shop$/ }) }).first().click();
        const history = await waitReleaseRow(page, (r) => r.label === 'History', 'the History row under shop');
        await releasesPane(page).locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^History$/ }) }).first().click();
        const revisions = await poll(async () => {
          const rows = (await releaseRows(page)).filter((r) => /^Revision \d+$/.test(r.label));
          return rows.length >= 2 ? rows : undefined;
        }, { timeoutMs: 30_000, what: 'two revision rows', describeLast: async () => JSON.stringify(await releaseRows(page)) });
        let whatToDo = '';
        if (brokenStatus === 'failed') {
          await releasesPane(page).locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^broken$/ }) }).first().click();
          const row = await waitReleaseRow(page, (r) => r.label === 'What to do', 'the "What to do" row under the failed release');
          whatToDo = row.description;
        }
        await ctx.screenshot();
        return `shop: ${shop.description}; ${history.description}: ${revisions.map((r) => `${r.label} (${r.description})`).join('; ')}; broken (${brokenStatus}): ${broken?.description ?? 'not shown'}${whatToDo ? `; what to do: ${whatToDo.slice(0, 120)}` : ''}`;
      } finally {
        try { helm(ctx, ['uninstall', '--namespace', ns, 'shop', 'broken']); } catch { /* gone with the namespace */ }
        dropNamespace(ctx, ns);
      }
    },
  },

  {
    id: 'deploy-chart',
    title: 'Deploy Helm Chart: context, new namespace, release name, options; the result names what was created',
    services: ['k8s', 'helm'],
    async run(ctx) {
      const { page } = ctx;
      const ns = freshNamespace('e2e-deploy');
      try {
        // The palette (the explorer's "Deploy Helm Chart…" on the chart folder runs the same command
        // with the folder); the workspace has one chart, so no chart is asked for.
        for (let attempt = 1; ; attempt++) {
          try { await runCommand(page, 'Berth: Deploy Helm Chart\u2026', { timeoutMs: 5_000 }); break; } catch (error) {
            if (attempt >= 6) throw error;
            await page.keyboard.press('Escape');
            await sleep(2_000);
          }
        }
        await answerInput(page, 'to which context?', 'berth-sandbox');
        await answerInput(page, 'namespace', ns);
        await answerInput(page, 'release name');
        // The options pick: Wait until ready is on by default.
        await answerInput(page, 'options');
        const toast = await poll(async () => {
          const texts = await page.$$eval('.notifications-toasts .notification-list-item', (items) => items.map((i) => (i.textContent ?? '').trim()));
          return texts.find((t) => /Berth: deployed shop|deploying shop .* failed/.test(t));
        }, { timeoutMs: 180_000, intervalMs: 500, what: 'the deploy result notification' });
        check(/Berth: deployed shop/.test(toast), `the deploy did not succeed: ${toast}`);
        check(/Deployment\/shop/.test(toast), `the result does not name the Deployment it created: ${toast}`);
        const listed = JSON.parse(helm(ctx, ['list', '--namespace', ns, '-o', 'json']));
        check(listed.some((r) => r.name === 'shop' && r.status === 'deployed'), `helm list does not show shop deployed in ${ns}: ${JSON.stringify(listed)}`);
        const ready = kubectl(ctx, ['get', 'deployment', '-n', ns, '-o', 'jsonpath={.items[*].status.readyReplicas}']);
        await ctx.screenshot();
        return `${toast.slice(0, 200)}; helm list: ${listed.map((r) => `${r.name} rev ${r.revision} ${r.status}`).join(', ')}; ready replicas ${ready}`;
      } finally {
        try { helm(ctx, ['uninstall', '--namespace', ns, 'shop']); } catch { /* gone with the namespace */ }
        dropNamespace(ctx, ns);
      }
    },
  },
  {
    id: 'ship',
    title: 'Build, Push and Roll Out from a Dockerfile: built, pushed to the private registry, the workload set to the pushed digest, rolled out',
    services: ['docker', 'k8s'],
    async run(ctx) {
      const { page } = ctx;
      const ns = await seedNamespace(ctx, { replicas: 2 });
      const registry = ctx.docker.registries.open.address;
      const repository = `e2e/ship-${Date.now().toString(36)}`;
      try {
        writeWorkspaceFile(ctx, 'ship/Dockerfile', `FROM busybox:local\nRUN echo ${repository} > /shipped\nCMD ["cat", "/shipped"]\n`);
        await openFile(page, ctx.workspace, 'ship/Dockerfile');
        await runCommand(page, 'Berth: Build, Push and Roll Out');
        await pickQuickItem(page, 'Build, Push and Roll Out: which context?', 'berth-sandbox', 'berth-sandbox');
        await pickQuickItem(page, 'Build, Push and Roll Out: which namespace of berth-sandbox?', ns, ns);
        await pickQuickItem(page, 'roll out to which workload or release', 'web', 'web');
        await pickQuickItem(page, 'which container of web runs this image?', 'app', 'app');
        await answerInput(page, 'push to which repository?', `${registry}/${repository}`);
        const t0 = Date.now();
        // Success is a notification naming what was rolled out; a failure names its step.
        const toast = await poll(async () => {
          const texts = await page.$$eval('.notifications-toasts .notification-list-item', (items) => items.map((i) => (i.querySelector('.notification-list-item-message')?.textContent ?? '').trim()));
          return texts.find((t) => /^Berth: (Deployment web runs |Build, Push and Roll Out (stopped|cancelled) at)/.test(t));
        }, { timeoutMs: 240_000, intervalMs: 500, what: 'the Build, Push and Roll Out result' });
        const seconds = ((Date.now() - t0) / 1000).toFixed(1);
        check(!/stopped at|cancelled/.test(toast), `the flow failed: ${toast}`);
        const image = kubectl(ctx, ['get', '-n', ns, 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[?(@.name=="app")].image}']);
        const side = kubectl(ctx, ['get', '-n', ns, 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[?(@.name=="side")].image}']);
        const match = /^(.+)@(sha256:[0-9a-f]{64})$/.exec(image);
        check(match && match[1] === `${registry}/${repository}`, `container app runs ${image}, not ${registry}/${repository}@sha256:…`);
        check(side === 'registry.invalid/side:1', `the other container changed too: ${side}`);
        const pushedTag = await poll(async () => {
          const tags = await new Promise((resolvePromise, reject) => {
            get(`http://${registry}/v2/${repository}/tags/list`, (res) => {
              let body = '';
              res.on('data', (c) => { body += c; });
              res.on('end', () => { try { resolvePromise(JSON.parse(body).tags ?? []); } catch (e) { reject(e); } });
            }).on('error', reject);
          });
          return tags[0];
        }, { timeoutMs: 10_000, what: `a tag of ${repository} in the registry` });
        const digest = await servedDigest(registry, repository, pushedTag);
        check(digest === match[2], `the workload runs ${match[2]}, the registry serves ${digest} for ${repository}:${pushedTag}`);
        kubectl(ctx, ['rollout', 'status', '-n', ns, 'deployment/web', '--timeout=120s']);
        await ctx.screenshot();
        return `${seconds} s from the last answer to "${toast.slice(0, 160)}"; web/app runs ${registry}/${repository}@${digest.slice(0, 19)}… (the digest the registry serves for :${pushedTag}); container side untouched; rollout complete`;
      } finally {
        dropNamespace(ctx, ns);
      }
    },
  },
];
