// Helpers that drive the VS Code workbench in a browser page the way a user does: keyboard
// shortcuts, the command palette, quick open, the Problems panel. Every wait has a deadline, and
// the reads poll, because the workbench renders asynchronously.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class E2EError extends Error {}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns something other than undefined/false, or throws after `timeoutMs`
 * with `what` and the last value seen (so a failure says what the screen showed instead).
 */
export async function poll(probe, { timeoutMs = 15_000, intervalMs = 250, what = 'condition', describeLast } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      if (last !== undefined && last !== false && last !== null) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen = describeLast ? await describeLast().catch(() => '?') : undefined;
      const suffix = seen !== undefined ? `; last seen: ${seen}` : lastError ? `; last error: ${lastError.message}` : '';
      throw new E2EError(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await sleep(intervalMs);
  }
}

/** Visible text, with the non-breaking spaces Monaco renders turned into spaces. */
const clean = (text) => (text ?? '').replace(/\u00a0/g, ' ');

/** Opens the workbench for a folder and waits until the explorer shows it. */
export async function openWorkbench(page, url, { timeoutMs = 60_000 } = {}) {
  await page.goto(url, { timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
  await page.waitForSelector('.part.statusbar', { timeout: timeoutMs });
  // The explorer lists the folder once the remote file system is connected.
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: timeoutMs });
}

async function quickInputVisible(page) {
  return page.locator('.quick-input-widget').isVisible();
}

async function closeQuickInput(page) {
  if (await quickInputVisible(page)) await page.keyboard.press('Escape');
  await poll(async () => !(await quickInputVisible(page)), { timeoutMs: 5_000, what: 'the quick input to close' });
}

/** Labels (aria-label) of the rows the quick input currently shows. */
export async function quickInputRows(page) {
  // The widget stays in the DOM when hidden, with the rows of its last use.
  if (!(await quickInputVisible(page))) return [];
  return page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (rows) =>
    rows.map((row) => row.getAttribute('aria-label') ?? row.textContent ?? ''),
  );
}

/**
 * Opens the quick input with `key` and types `text`. When the key does not reach the workbench
 * (focus inside a webview such as a Markdown preview swallows it), clicks the command center
 * instead; the typed prefix (">" commands, ":" go to line, none for files) picks the mode.
 */
async function openQuickInput(page, key, text) {
  await closeQuickInput(page);
  let attempt = 0;
  await poll(
    async () => {
      if (!(await quickInputVisible(page))) {
        attempt++;
        if (attempt % 2 === 1) await page.keyboard.press(key);
        else await page.locator('.command-center .command-center-center').first().click({ timeout: 2_000 }).catch(() => undefined);
        await sleep(300);
      }
      return quickInputVisible(page);
    },
    { timeoutMs: 10_000, what: `the quick input (${key})` },
  );
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const prefix = { F1: '>', 'Control+G': ':' }[key] ?? '';
  await input.fill(prefix + text);
}

/**
 * Runs a command from the command palette by its exact label ("Category: Title").
 * Waits for the row, so a command that is missing or hidden fails here with the rows that were shown.
 */
export async function runCommand(page, label, { timeoutMs = 15_000 } = {}) {
  await openQuickInput(page, 'F1', label);
  const row = await poll(
    async () => {
      const rows = await quickInputRows(page);
      const index = rows.findIndex((r) => r === label || r.startsWith(`${label},`));
      return index >= 0 ? index + 1 : undefined;
    },
    { timeoutMs, what: `command "${label}" in the palette`, describeLast: async () => JSON.stringify(await quickInputRows(page)) },
  );
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').nth(row - 1).click();
  await poll(async () => !(await quickInputVisible(page)), { timeoutMs: 5_000, what: 'the palette to close' }).catch(() => undefined);
}

/**
 * Command palette labels that match `query`, read after the list has settled (the same rows for
 * several reads in a row), so that an empty answer means "not there" and not "not yet".
 */
export async function paletteLabels(page, query) {
  await openQuickInput(page, 'F1', query);
  let previous = '';
  let stableReads = 0;
  let rows = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && stableReads < 4) {
    await sleep(250);
    rows = await quickInputRows(page);
    const key = JSON.stringify(rows);
    stableReads = key === previous ? stableReads + 1 : 0;
    previous = key;
  }
  await closeQuickInput(page);
  return rows.map((r) => r.replace(/, .*$/, ''));
}

/**
 * Opens `relativePath` of the workspace folder `root` through quick open (typing the absolute path,
 * which quick open resolves without waiting for the file search) and waits until its editor is active.
 */
export async function openFile(page, root, relativePath, { timeoutMs = 30_000 } = {}) {
  const absolutePath = join(root, relativePath);
  const name = basename(relativePath);
  const folder = dirname(relativePath);
  // Quick open labels a file "<name> <folder relative to the workspace>", plus ", <group>".
  // A file outside the workspace is labelled with its absolute folder instead.
  const outside = `${name} ${dirname(absolutePath)}`;
  const wanted =
    folder === '.'
      ? (label) => label === name || label.startsWith(`${name},`) || label === outside || label.startsWith(`${outside},`)
      : (label) => label.startsWith(`${name} ${folder},`) || label === `${name} ${folder}`;
  await poll(
    async () => {
      if ((await activeEditorPath(page)) === absolutePath) return true;
      await openQuickInput(page, 'Control+P', absolutePath);
      // Rows may still be those of an earlier query for a moment: wait for the wanted one and click it.
      const index = await poll(
        async () => {
          const i = (await quickInputRows(page)).findIndex(wanted);
          return i >= 0 ? i + 1 : undefined;
        },
        { timeoutMs: 8_000, what: `quick open result for ${relativePath}` },
      ).catch(() => undefined);
      if (index === undefined) return false;
      await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').nth(index - 1).click();
      return poll(async () => (await activeEditorPath(page)) === absolutePath, { timeoutMs: 5_000, what: 'editor' }).catch(() => false);
    },
    {
      timeoutMs,
      what: `an editor for ${relativePath}`,
      describeLast: async () => `active editor ${await activeEditorPath(page)}, quick open rows ${JSON.stringify(await quickInputRows(page))}`,
    },
  );
  await closeQuickInput(page).catch(() => undefined);
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor({ timeout: timeoutMs });
}

/** Absolute path of the active editor, read from the breadcrumbs' file item ("<path> • 2 problems ..."). */
export async function activeEditorPath(page) {
  const labels = await page.$$eval(
    '.editor-group-container.active .breadcrumbs-control .monaco-breadcrumb-item.file .monaco-icon-label',
    (els) => els.map((el) => el.getAttribute('aria-label') ?? ''),
  );
  const last = labels.at(-1);
  return last ? last.split(' • ')[0].trim() : undefined;
}

/** Text of the lines the active editor renders (whole file for small files). */
export async function activeEditorText(page) {
  const lines = await page.$$eval('.editor-group-container.active .monaco-editor .view-lines .view-line', (els) =>
    els
      .map((el) => ({ top: parseFloat(el.style.top || '0'), text: el.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text),
  );
  return lines.map(clean).join('\n');
}

/** Moves the cursor with Go to Line (`line:column`, both 1-based). */
export async function goToLine(page, line, column = 1) {
  await openQuickInput(page, 'Control+G', `${line}:${column}`);
  await sleep(200);
  await page.keyboard.press('Enter');
  await poll(
    async () => {
      const status = await page.locator('[id="status.editor.selection"]').first().textContent().catch(() => '');
      return /Ln (\d+), Col (\d+)/.exec(status ?? '')?.[1] === String(line);
    },
    { timeoutMs: 5_000, what: `the cursor on line ${line}` },
  );
}

/** Rows of the Problems tree the list renders now, keyed by their index in the whole list. */
async function renderedProblemRows(page) {
  return page.$$eval('.markers-panel .monaco-list-row', (els) =>
    els.map((el) => ({
      index: Number(el.getAttribute('data-index') ?? '-1'),
      label: el.getAttribute('aria-label') ?? '',
      text: el.innerText ?? '',
    })),
  );
}

/**
 * Problems panel rows: `{ file, folder, severity, message, source, code, line, column }`.
 * The list renders only the rows in view, so it is scrolled from top to bottom and the rows are
 * merged by their index.
 */
export async function readProblems(page) {
  await showProblems(page);
  const list = page.locator('.markers-panel .monaco-list').first();
  const byIndex = new Map();
  const box = await list.boundingBox();
  if (box) {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -100_000);
    await sleep(50);
  }
  for (let step = 0; step < 200; step++) {
    const before = byIndex.size;
    for (const row of await renderedProblemRows(page)) byIndex.set(row.index, row);
    if (!box || (step > 0 && byIndex.size === before)) break;
    await page.mouse.wheel(0, Math.max(100, box.height - 40));
    await sleep(50);
  }
  const rows = [...byIndex.values()].sort((a, b) => a.index - b.index);
  const problems = [];
  let file;
  let folder;
  for (const row of rows) {
    // File rows: "3 problems in file Dockerfile of folder web".
    const fileMatch = /problems? in file (.+?) of folder (.+)$/.exec(row.label);
    if (fileMatch) {
      file = fileMatch[1];
      folder = fileMatch[2];
      continue;
    }
    // Marker rows: "Warning: <message> at line 6 and character 5. generated by berth".
    const marker = /^(Error|Warning|Info|Hint)?:? ?(.*) at line (\d+) and character (\d+)\.(?: generated by (.+))?$/s.exec(row.label);
    if (!marker) continue;
    const textLines = row.text.split('\n').map((t) => t.trim()).filter(Boolean);
    const source = marker[5]?.trim();
    // The row text is: message, source, code, [Ln x, Col y]; the code is the line after the source.
    const sourceIndex = source ? textLines.lastIndexOf(source) : -1;
    const code = sourceIndex >= 0 ? textLines[sourceIndex + 1] : undefined;
    problems.push({
      file,
      folder,
      severity: marker[1]?.toLowerCase() ?? 'unknown',
      message: marker[2],
      source,
      code: code && !code.startsWith('[Ln') ? code : undefined,
      line: Number(marker[3]),
      column: Number(marker[4]),
    });
  }
  return problems;
}

/** Opens and focuses the Problems panel. */
export async function showProblems(page) {
  if (!(await page.locator('.markers-panel').isVisible().catch(() => false))) {
    await page.keyboard.press('Control+Shift+M');
  }
  await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 10_000 });
}

/** Polls the Problems panel until `accept(problems)` returns truthy; returns the problems then. */
export async function waitForProblems(page, accept, what, timeoutMs = 30_000) {
  let last = [];
  return poll(
    async () => {
      last = await readProblems(page);
      return accept(last) ? last : undefined;
    },
    {
      timeoutMs,
      intervalMs: 500,
      what,
      describeLast: async () => JSON.stringify(last.map((p) => `${p.folder}/${p.file}:${p.line} ${p.source}(${p.code})`)),
    },
  );
}

/**
 * Code lenses of the active editor with the line each stands above:
 * `[{ text, line, lineText }]` (line 1-based). A lens is a view zone; its line is the first line
 * rendered below it.
 */
export async function readCodeLenses(page) {
  return page.$$eval('.editor-group-container.active .monaco-editor', (editors) => {
    const editor = editors[0];
    if (!editor) return [];
    const lines = [...editor.querySelectorAll('.view-lines .view-line')].map((el) => ({
      top: el.getBoundingClientRect().top,
      text: (el.textContent ?? '').replace(/\u00a0/g, ' '),
    }));
    const numbers = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].map((el) => ({
      top: el.getBoundingClientRect().top,
      n: Number((el.textContent ?? '').trim()),
    }));
    return [...editor.querySelectorAll('.codelens-decoration')].map((lens) => {
      const box = lens.getBoundingClientRect();
      const below = lines.filter((l) => l.top >= box.bottom - 2).sort((a, b) => a.top - b.top)[0];
      const number = below ? numbers.find((n) => Math.abs(n.top - below.top) < 3)?.n : undefined;
      return { text: (lens.textContent ?? '').replace(/\u00a0/g, ' ').trim(), line: number, lineText: below?.text ?? '' };
    });
  });
}

/**
 * Error notifications, from the toasts and the notification center:
 * `[{ message, source }]`. Leaves the center closed.
 */
export async function errorNotifications(page) {
  const read = (selector) =>
    page.$$eval(selector, (items) =>
      items
        .filter((item) => item.querySelector('.codicon-error, .codicon-notifications-error, .notification-list-item-icon.error'))
        .map((item) => ({
          message: item.querySelector('.notification-list-item-message')?.textContent ?? item.textContent ?? '',
          source: item.querySelector('.notification-list-item-source')?.textContent ?? '',
        })),
    );
  const toasts = await read('.notifications-toasts .notification-list-item');
  await runCommand(page, 'Notifications: Show Notifications');
  await sleep(500);
  const center = await read('.notifications-center .notification-list-item');
  await page.keyboard.press('Escape');
  const seen = new Set();
  return [...toasts, ...center].filter((n) => {
    const key = `${n.source}|${n.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Text of the Output panel after selecting `channel` (via "Output: Show Output Channels..."). */
export async function readOutputChannel(page, channel, { timeoutMs = 15_000 } = {}) {
  await runCommand(page, 'Output: Show Output Channels...');
  const row = await poll(
    async () => {
      const rows = await quickInputRows(page);
      const index = rows.findIndex((r) => r === channel || r.startsWith(`${channel},`));
      return index >= 0 ? index + 1 : undefined;
    },
    { timeoutMs, what: `output channel "${channel}"`, describeLast: async () => JSON.stringify(await quickInputRows(page)) },
  );
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').nth(row - 1).click();
  return poll(
    async () => {
      const text = await page
        .locator('.part.panel .output-view .monaco-editor .view-lines, .part.panel .monaco-editor .view-lines')
        .first()
        .innerText()
        .catch(() => '');
      return clean(text).trim() ? clean(text) : undefined;
    },
    { timeoutMs, what: `text in output channel "${channel}"` },
  );
}

/** Fails the scenario with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new E2EError(message);
}

/** The docker CLI against the run's private engine (never the user's own context). */
export function dockerCli(ctx, args) {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DOCKER_HOST: ctx.docker.dockerd.host, DOCKER_CONFIG: ctx.docker.dockerConfig, DOCKER_CONTEXT: '' } }).trim();
}

/** Writes a file into the scenario's workspace folder, creating its directories. */
export function writeWorkspaceFile(ctx, relativePath, text) {
  const full = join(ctx.workspace, relativePath);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return full;
}
