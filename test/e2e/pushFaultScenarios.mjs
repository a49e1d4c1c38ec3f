// Push faults in real VS Code (reliability row T17), through a loopback fault proxy in front of the
// private open registry: a failed push offers Retry, which then succeeds; a registry that stops
// answering mid-upload is named in the progress notification, and Cancel ends the push.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { check, dockerCli, poll, readOutputChannel, runCommand, sleep, writeWorkspaceFile } from './workbench.mjs';

/** Forwards to the registry at `port`, except what the current fault targets. */
function proxyFor(port) {
  let fault = 'none';
  const held = new Set();
  const server = createServer((req, res) => {
    if (fault === 'manifest-500' && req.method === 'PUT' && /\/manifests\//.test(req.url)) {
      req.resume();
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('injected failure');
      return;
    }
    if (fault === 'hold-patch' && req.method === 'PATCH') {
      req.resume();
      held.add(req.socket);
      return;
    }
    const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (u) => { res.writeHead(u.statusCode ?? 502, u.headers); u.pipe(res); });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return { server, held, set(f) { fault = f; }, release() { for (const s of held) s.destroy(); held.clear(); } };
}

async function toasts(page) {
  return page.$$eval('.notifications-toasts .notification-list-item', (items) => items.map((i) => ({
    text: (i.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
    buttons: [...i.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map((b) => b.textContent?.trim() ?? ''),
  })));
}

async function waitToast(page, pattern, what, timeoutMs = 90_000) {
  return poll(async () => (await toasts(page)).find((t) => pattern.test(t.text)), { timeoutMs, intervalMs: 300, what, describeLast: async () => JSON.stringify(await toasts(page)) });
}

async function clickToastButton(page, pattern, label) {
  const item = page.locator('.notifications-toasts .notification-list-item').filter({ hasText: pattern }).first();
  await item.hover();
  await item.locator('.notification-list-item-buttons-container .monaco-button', { hasText: label }).first().click();
}

async function answer(page, title, value) {
  await poll(async () => ((await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '').includes(title), { timeoutMs: 20_000, what: title });
  await page.locator('.quick-input-widget .quick-input-box input').fill(value);
  await sleep(200);
  await page.keyboard.press('Enter');
}

async function push(ctx, reference) {
  for (let i = 0; ; i++) {
    try { await runCommand(ctx.page, 'Berth: Push Image', { timeoutMs: 5_000 }); break; } catch (e) { if (i > 6) throw e; await ctx.page.keyboard.press('Escape'); }
  }
  await answer(ctx.page, 'Push which image?', reference);
}

export const pushFaultScenarios = [{
  id: 'push-faults',
  title: 'Push: failure offers Retry; a stalled registry is reported, Cancel stops the push',
  services: ['docker'],
  async run(ctx) {
    const { page } = ctx;
    const proxy = proxyFor(ctx.docker.registries.open.port);
    await new Promise((r) => proxy.server.listen(0, '127.0.0.1', r));
    const address = `127.0.0.1:${proxy.server.address().port}`;
    const refs = [];
    try {
      const settingsPath = join(ctx.workspace, '.vscode', 'settings.json');
      const settings = existsSync(settingsPath) ? JSON.parse(readFileSync(settingsPath, 'utf8')) : {};
      writeWorkspaceFile(ctx, '.vscode/settings.json', JSON.stringify({ ...settings, 'berth.docker.pushStallSeconds': 5 }, null, 2));

      // 1. A 500 on the manifest: the failure notification offers Retry, which then succeeds.
      const tag = Date.now().toString(36);
      const ref = `${address}/e2e/retry:${tag}`;
      refs.push(ref);
      dockerCli(ctx, ['tag', 'busybox:local', ref]);
      proxy.set('manifest-500');
      await push(ctx, ref);
      const failed = await waitToast(page, /push of .* failed/, 'the failure notification');
      ctx.log(`failure toast: ${JSON.stringify(failed)}`);
      check(failed.buttons.includes('Retry'), `no Retry on the failure: ${JSON.stringify(failed)}`);
      await ctx.screenshot('failed');
      proxy.set('none');
      await clickToastButton(page, /push of .* failed/, 'Retry');
      const pushed = await waitToast(page, /^Berth: pushed /, 'the success after Retry');
      check(/sha256:[0-9a-f]{64}/.test(pushed.text), `no digest: ${pushed.text}`);

      // 2. A stalled upload: the progress notification says so, Cancel ends the push.
      const stallRef = `${address}/e2e/stall-${tag}:1`;
      refs.push(stallRef);
      execFileSync('docker', ['build', '-q', '-t', stallRef, '-'], { input: 'FROM busybox:local\nRUN dd if=/dev/urandom of=/x bs=1k count=64 2>/dev/null\n', env: { ...process.env, DOCKER_HOST: ctx.docker.dockerd.host, DOCKER_CONFIG: ctx.docker.dockerConfig, DOCKER_CONTEXT: '' } });
      proxy.set('hold-patch');
      await push(ctx, stallRef);
      const stalled = await waitToast(page, /no progress from/, 'the stall in the progress notification', 30_000);
      ctx.log(`stall toast: ${JSON.stringify(stalled)}`);
      check(stalled.text.includes(address), `the stall names the registry: ${stalled.text}`);
      await ctx.screenshot('stalled');
      await clickToastButton(page, /no progress from/, 'Cancel');
      const cancelled = await waitToast(page, /cancelled/, 'the cancel note', 15_000);
      ctx.log(`cancel toast: ${JSON.stringify(cancelled)}`);
      await ctx.screenshot();
      const output = await readOutputChannel(page, 'Berth Docker').catch((e) => `(output: ${e.message})`);
      ctx.log(`output:\n${output}`);
      return `failure toast: "${failed.text.slice(0, 160)}" [${failed.buttons.join(', ')}]; after Retry: "${pushed.text.slice(0, 100)}"; stall: "${stalled.text}"; cancel: "${cancelled.text.slice(0, 120)}"`;
    } finally {
      // The engine's data root outlives the run: leave no images behind.
      for (const made of refs) {
        try { dockerCli(ctx, ['rmi', made]); } catch { /* never made */ }
      }
      proxy.release();
      proxy.server.close();
      proxy.server.closeAllConnections();
    }
  },
}];
