// The end-to-end scenarios. Each gets a fresh code-server (own user-data dir, own copy of demo/)
// with the workbench already open in `ctx.page`, and returns a one-line summary of what it saw, or
// throws an error that says what was expected and what the screen showed.
// Scenario ids are fixed by the issue (test-results/e2e/<id>.png, report.json).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { join } from 'node:path';
import {
  E2EError,
  activeEditorText,
  check,
  dockerCli,
  writeWorkspaceFile,
  errorNotifications,
  goToLine,
  openFile,
  paletteLabels,
  poll,
  quickInputRows,
  readCodeLenses,
  readOutputChannel,
  runCommand,
  sleep,
  waitForProblems,
} from './workbench.mjs';
import { baseSizeScenarios } from './baseSizeScenarios.mjs';
import { kubeScenarios } from './kubeScenarios.mjs';
import { outsideBuildScenarios } from './outsideBuildScenarios.mjs';
import { pushFaultScenarios } from './pushFaultScenarios.mjs';

const SIZE = /\d+(?:\.\d+)?\s?(?:kB|MB|GB)\b/;

/** Files under `dir` (recursively) whose path matches `pattern`. */
function findFiles(dir, pattern) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(full, pattern));
    else if (pattern.test(full)) found.push(full);
  }
  return found;
}

/** The newest extension-host log and Berth output channel log of a user-data dir. */
function extensionHostLogs(userDataDir) {
  const logs = join(userDataDir, 'logs');
  const byTime = (a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs;
  return {
    hostLogs: findFiles(logs, /exthost\d*\/remoteexthost\.log$/).sort(byTime),
    // A plain output channel is written to output_logging_*/<n>-Berth.log, a log channel to <extension id>/Berth.log.
    berthChannels: findFiles(logs, /(output_logging_[^/]+\/\d+-Berth|exthost\d*\/[^/]+\.berth\/Berth)\.log$/).sort(byTime),
  };
}

/** What Berth's core reports for a Dockerfile (test/e2e/coreFindings.ts run under tsx). */
function coreFindings(repo, dockerfile, config) {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(repo, 'test/e2e/coreFindings.ts'), dockerfile, ...(existsSync(config) ? [config] : [])],
    { cwd: repo, encoding: 'utf8', timeout: 60_000 },
  );
  return JSON.parse(out);
}

/** Berth problems of one file of the workspace root (folder "." in the Problems panel). */
function berthProblemsIn(problems, file, folder = '.') {
  return problems.filter((p) => p.file === file && p.folder === folder && p.source === 'berth');
}

/** Codes the Problems panel must show for demo/Dockerfile, with the line core puts each on. */
function expectedDockerfileCodes(ctx) {
  const core = coreFindings(ctx.repo, join(ctx.workspace, 'Dockerfile'), join(ctx.workspace, '.hadolint.yaml'));
  const expected = new Map(core.findings.map((f) => [f.code, f.line]));
  // These two hold even before the rules exist in core: the demo is written to trigger them.
  const aptLine = readFileSync(join(ctx.workspace, 'Dockerfile'), 'utf8').split('\n').findIndex((l) => /apt-get install/.test(l)) + 1;
  for (const code of ['DL3008', 'DL3015']) if (!expected.has(code)) expected.set(code, aptLine);
  return { expected, ruleCount: core.rules.length };
}

/** Commands whose `enablement`, or whose command-palette `when`, requires a trusted workspace. */
export function trustGatedCommands(packageJson) {
  const requiresTrust = (clause) => typeof clause === 'string' && /(^|[^!\w.])isWorkspaceTrusted\b(?!\s*(==|!=)\s*false)/.test(clause);
  const paletteWhen = new Map((packageJson.contributes?.menus?.commandPalette ?? []).map((m) => [m.command, m.when]));
  return (packageJson.contributes?.commands ?? [])
    .filter((c) => requiresTrust(c.enablement) || requiresTrust(paletteWhen.get(c.command)))
    .map((c) => ({ command: c.command, label: c.category ? `${c.category}: ${c.title}` : c.title, enablement: c.enablement, when: paletteWhen.get(c.command) }));
}

/** Commands the palette shows in any workspace: no enablement/when at all (a positive control). */
function ungatedPaletteCommands(packageJson) {
  const paletteWhen = new Map((packageJson.contributes?.menus?.commandPalette ?? []).map((m) => [m.command, m.when]));
  return (packageJson.contributes?.commands ?? [])
    .filter((c) => c.enablement === undefined && paletteWhen.get(c.command) === undefined)
    .map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
}

export const scenarios = [
  {
    id: 'activation',
    title: 'Berth activates on a Dockerfile, without error notifications',
    async run(ctx) {
      const { page, workspace, userDataDir, extension } = ctx;
      await openFile(page, workspace, 'Dockerfile');
      // The extension host's own log says which event activated Berth, or that activation failed.
      const activation = await poll(
        () => {
          for (const log of extensionHostLogs(userDataDir).hostLogs) {
            const text = readFileSync(log, 'utf8');
            const failed = new RegExp(`Activating extension '?${extension.id}'? failed[^\\n]*`, 'i').exec(text);
            if (failed) return { failed: failed[0] };
            const event = new RegExp(`_doActivateExtension ${extension.id.replace('.', '\\.')},[^\\n]*activationEvent: '([^']+)'`).exec(text);
            if (event) return { event: event[1] };
          }
          return undefined;
        },
        { timeoutMs: 30_000, what: `an activation of ${extension.id} in the extension host log` },
      );
      check(!activation.failed, `activation failed: ${activation.failed}`);

      // The figure Berth measured itself, as the extension host wrote its output channel to disk.
      const fromDisk = await poll(
        () => {
          for (const log of extensionHostLogs(userDataDir).berthChannels) {
            const match = /activated in (\d+(?:\.\d+)?) ms/.exec(readFileSync(log, 'utf8'));
            if (match) return Number(match[1]);
          }
          return undefined;
        },
        { timeoutMs: 20_000, what: 'a line "activated in <ms> ms" in the Berth output channel log' },
      );
      // ... and as a user sees it in the Output panel.
      const channelText = await readOutputChannel(page, 'Berth');
      const shown = /activated in (\d+(?:\.\d+)?) ms/.exec(channelText);
      check(shown, `the Output panel's Berth channel shows no "activated in <ms> ms" line: ${channelText.slice(0, 300)}`);

      const errors = await errorNotifications(page);
      check(errors.length === 0, `error notifications: ${errors.map((e) => `${e.source}: ${e.message}`).join(' | ')}`);
      return `activated by ${activation.event} in ${shown[1]} ms (log file: ${fromDisk} ms); no error notifications`;
    },
  },

  {
    id: 'dockerfile-diagnostics',
    title: 'The Problems panel lists Berth findings for demo/Dockerfile',
    async run(ctx) {
      const { page, workspace } = ctx;
      const { expected, ruleCount } = expectedDockerfileCodes(ctx);
      await openFile(page, workspace, 'Dockerfile');
      const problems = await waitForProblems(
        page,
        (all) => [...expected.keys()].every((code) => berthProblemsIn(all, 'Dockerfile').some((p) => p.code === code)),
        `Berth findings ${[...expected.keys()].join(', ')} on Dockerfile`,
        45_000,
      );
      const berth = berthProblemsIn(problems, 'Dockerfile');
      const wrongLine = [...expected].filter(([code, line]) => !berth.some((p) => p.code === code && p.line === line));
      check(wrongLine.length === 0, `on other lines than core says: ${wrongLine.map(([c, l]) => `${c} expected on line ${l}`).join(', ')}; shown ${berth.map((p) => `${p.code}@${p.line}`).join(', ')}`);
      check(berth.every((p) => p.code), `Berth problems without a code: ${berth.filter((p) => !p.code).map((p) => p.message).join(' | ')}`);
      const shown = [...new Set(berth.map((p) => p.code))].sort();
      return `${berth.length} Berth problems, codes ${shown.join(', ')} (core with ${ruleCount} rules expects ${[...expected.keys()].sort().join(', ')})`;
    },
  },

  {
    id: 'dockerfile-quick-fix',
    title: 'Ctrl+. on a DL3015 line offers "Add --no-install-recommends" and applying it clears the finding',
    async run(ctx) {
      const { page, workspace } = ctx;
      await openFile(page, workspace, 'Dockerfile');
      const problems = await waitForProblems(
        page,
        (all) => berthProblemsIn(all, 'Dockerfile').some((p) => p.code === 'DL3015'),
        'a DL3015 finding on Dockerfile',
        45_000,
      );
      const finding = berthProblemsIn(problems, 'Dockerfile').find((p) => p.code === 'DL3015');
      const before = (await activeEditorText(page)).split('\n')[finding.line - 1] ?? '';
      await goToLine(page, finding.line, finding.column);

      const title = 'Add --no-install-recommends';
      const menuRow = page.locator('.action-widget .monaco-list-row').filter({ hasText: title }).first();
      await poll(
        async () => {
          if (await menuRow.isVisible().catch(() => false)) return true;
          // Code actions are computed asynchronously; ask again if the menu did not come up.
          await page.keyboard.press('Escape');
          await page.keyboard.press('Control+.');
          await menuRow.waitFor({ state: 'visible', timeout: 3_000 }).catch(() => undefined);
          return menuRow.isVisible().catch(() => false);
        },
        {
          timeoutMs: 20_000,
          what: `"${title}" in the quick fix menu`,
          describeLast: async () => JSON.stringify(await page.$$eval('.action-widget .monaco-list-row', (rows) => rows.map((r) => r.textContent))),
        },
      );
      await ctx.screenshot('menu');
      await menuRow.click();

      const after = await poll(
        async () => {
          const line = (await activeEditorText(page)).split('\n')[finding.line - 1] ?? '';
          return line.includes('--no-install-recommends') ? line : undefined;
        },
        { timeoutMs: 10_000, what: `--no-install-recommends on line ${finding.line}` },
      );
      check(/apt-get\s+install\b.*--no-install-recommends|apt-get\s+--no-install-recommends/.test(after), `the fix produced an unexpected line: ${after}`);
      await waitForProblems(
        page,
        (all) => !berthProblemsIn(all, 'Dockerfile').some((p) => p.code === 'DL3015' && p.line === finding.line),
        'the DL3015 finding to disappear after the fix',
        20_000,
      );
      return `line ${finding.line}: "${before.trim()}" → "${after.trim()}"; DL3015 gone from the Problems panel`;
    },
  },

  {
    id: 'dockerfile-lenses',
    title: 'Code lenses above FROM lines describe each stage and its base image size',
    async run(ctx) {
      const { page, workspace } = ctx;
      const lensesAboveFrom = async (file) => {
        await openFile(page, workspace, file);
        const fromLines = (await activeEditorText(page))
          .split('\n')
          .map((text, index) => ({ text, line: index + 1 }))
          .filter((l) => /^\s*FROM\s/i.test(l.text));
        check(fromLines.length > 0, `${file} shows no FROM line`);
        let lenses = [];
        await poll(
          async () => {
            lenses = await readCodeLenses(page);
            // Other lenses (Build image…) may share the line and come first: wait for the stage's own.
            return fromLines.every((f) => lenses.some((l) => l.line === f.line && /stage/.test(l.text)));
          },
          { timeoutMs: 30_000, what: `a code lens above each FROM line of ${file}`, describeLast: async () => JSON.stringify(lenses) },
        );
        return { fromLines, lenses };
      };

      const single = await lensesAboveFrom('Dockerfile');
      const finalLens = single.lenses.find((l) => l.line === single.fromLines.at(-1).line);
      check(/final stage/.test(finalLens.text), `lens above the last FROM of Dockerfile lacks "final stage": ${finalLens.text}`);
      check(SIZE.test(finalLens.text), `lens above FROM node:22 shows no base image size: ${finalLens.text}`);
      await ctx.screenshot('single-stage');

      const multi = await lensesAboveFrom('web/Dockerfile');
      const buildFrom = multi.fromLines.find((f) => /\bAS\s+build\b/i.test(f.text));
      check(buildFrom, 'web/Dockerfile has no "AS build" stage');
      const buildLens = multi.lenses.find((l) => l.line === buildFrom.line);
      check(/used by/.test(buildLens.text), `build stage lens does not say it is used by a later stage: ${buildLens.text}`);
      const multiFinal = multi.lenses.find((l) => l.line === multi.fromLines.at(-1).line);
      check(/final stage/.test(multiFinal.text), `last stage lens of web/Dockerfile lacks "final stage": ${multiFinal.text}`);
      return `Dockerfile: "${finalLens.text}"; web/Dockerfile: "${buildLens.text}" / "${multiFinal.text}"`;
    },
  },

  {
    id: 'untrusted-workspace',
    title: 'Restricted Mode: Berth still lints, trust-gated commands are hidden',
    server: { trust: false },
    async run(ctx) {
      const { page, workspace, extension } = ctx;
      const restricted = page.locator('.part.statusbar .statusbar-item').filter({ hasText: 'Restricted Mode' }).first();
      await restricted.waitFor({ state: 'visible', timeout: 20_000 }).catch(() => {
        throw new E2EError('no "Restricted Mode" item in the status bar: the folder did not open untrusted');
      });

      await openFile(page, workspace, 'Dockerfile');
      const required = ['DL3008', 'DL3015'];
      const problems = await waitForProblems(
        page,
        (all) => required.every((code) => berthProblemsIn(all, 'Dockerfile').some((p) => p.code === code)),
        `Berth findings ${required.join(', ')} in Restricted Mode`,
        45_000,
      );
      const lint = berthProblemsIn(problems, 'Dockerfile').length;

      const gated = trustGatedCommands(extension.packageJson);
      const control = ungatedPaletteCommands(extension.packageJson)[0] ?? 'View: Toggle Problems';
      // The palette query must find a command that is there, or an empty answer proves nothing.
      const controlRows = await paletteLabels(page, control);
      check(controlRows.includes(control), `palette check is blind: "${control}" not found (rows: ${JSON.stringify(controlRows)})`);
      const visible = [];
      for (const command of gated) {
        const rows = await paletteLabels(page, command.label);
        if (rows.includes(command.label)) visible.push(command.label);
      }
      check(visible.length === 0, `trust-gated commands shown in Restricted Mode: ${visible.join(', ')}`);
      await page.keyboard.press('Control+Shift+M');
      await sleep(300);
      await ctx.screenshot(); // the scenario's picture: Restricted Mode, with Berth's findings

      let afterTrust = '';
      if (gated.length > 0) {
        // Positive control: once trusted, the same queries find the gated commands.
        await runCommand(page, 'Workspaces: Manage Workspace Trust');
        await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click();
        await restricted.waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => {
          throw new E2EError('"Restricted Mode" stayed in the status bar after clicking Trust');
        });
        // VS Code 1.139 shows the trust editor as a modal over the workbench, which keeps F1 from
        // reaching the palette: close it before asking the palette.
        const closeModal = page.locator('[aria-label^="Close Modal Editor"]').first();
        if (await closeModal.isVisible().catch(() => false)) {
          await closeModal.click();
          await closeModal.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
        }
        const shownWhenTrusted = await poll(
          async () => {
            const shown = [];
            for (const command of gated) if ((await paletteLabels(page, command.label)).includes(command.label)) shown.push(command.label);
            return shown.length > 0 ? shown : undefined;
          },
          { timeoutMs: 30_000, what: `any of ${gated.map((g) => g.label).join(', ')} in the palette after granting trust` },
        );
        await ctx.screenshot('trusted');
        afterTrust = `; after granting trust ${shownWhenTrusted.length} of them show`;
      }
      const gatedText = gated.length === 0 ? 'no command in package.json requires trust yet' : `${gated.length} trust-gated commands hidden (${gated.map((g) => g.command).join(', ')})${afterTrust}`;
      return `Restricted Mode; ${lint} Berth problems on Dockerfile; ${gatedText}; palette control "${control}" found`;
    },
  },

  {
    id: 'extension-host-tests',
    title: 'The tests of test/host run inside the extension host and all pass',
    server: {
      env: (dirs) => ({ BERTH_HOST_TESTS_RESULT: join(dirs.root, 'host-tests.json'), BERTH_HOST_TESTS_EXPECT_TRUSTED: 'true' }),
    },
    async run(ctx) {
      const { root, extension, resultsDir } = ctx;
      check(existsSync(join(extension.dir, 'dist', 'hostTests.js')), `${extension.dir}/dist/hostTests.js is missing: does the build bundle test/host/index.ts?`);
      const resultFile = join(root, 'host-tests.json');
      const report = await poll(() => (existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : undefined), {
        timeoutMs: 240_000,
        intervalMs: 500,
        what: `${resultFile} (written by dist/hostTests.js once Berth has activated with BERTH_HOST_TESTS_RESULT set)`,
      });
      writeFileSync(join(resultsDir, 'extension-host-tests.json'), JSON.stringify(report, null, 2) + '\n');
      for (const r of report.results) ctx.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.note ? ` (${r.note})` : ''}${r.error ? `: ${r.error}` : ''}`);
      const failures = report.results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`);
      check(report.failed === 0 && failures.length === 0, `${report.failed} of ${report.passed + report.failed} failed: ${failures.join(' | ')}`);
      check(report.passed > 0, 'no extension host test ran');
      // The picture: the report, open in the workbench the tests ran in.
      await openFile(ctx.page, root, 'host-tests.json').catch((error) => ctx.log(`could not open the report: ${error.message}`));
      return `${report.passed} passed, ${report.failed} failed inside VS Code ${report.vscodeVersion} (trusted: ${report.workspaceTrusted})`;
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Docker scenarios: run against the private engine and registries (scripts/services/docker.mjs),
// which run.mjs starts for scenarios with `services: ['docker']` and hands to code-server through
// DOCKER_HOST / DOCKER_CONFIG. ctx.docker is the recorded state (socket, registry ports).

/** The docker CLI against the private engine (setup and cross-checks, never what is under test). */
/** Rows of a view pane in the side bar: `[{ text, label, level, expanded }]`. */
async function viewRows(page, viewName) {
  return page.$$eval('.pane', (panes, name) => {
    const pane = panes.find((p) => (p.querySelector('.pane-header .title')?.textContent ?? '').trim().toLowerCase() === name.toLowerCase());
    if (!pane) return [];
    return [...pane.querySelectorAll('.monaco-list-row')].map((row) => ({
      text: (row.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
      label: (row.querySelector('.label-name')?.textContent ?? row.querySelector('.monaco-highlighted-label')?.textContent ?? '').trim(),
      description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
      level: Number(row.getAttribute('aria-level') ?? '0'),
      expanded: row.getAttribute('aria-expanded'),
    }));
  }, viewName);
}

/** Opens the Berth view container from its activity bar icon, as a user does. */
function imagesPane(page) {
  // The only view of its container: VS Code hides its header, so the pane is found by the header's label.
  return page.locator('.pane', { has: page.locator('.pane-header[aria-label="Images Section"]') }).first();
}

async function showImagesView(page) {
  const body = imagesPane(page).locator('.pane-body');
  if (!(await body.isVisible().catch(() => false))) {
    await page.locator('.activitybar .action-item .action-label[aria-label^="Berth"]').first().click();
    await body.waitFor({ state: 'visible', timeout: 15_000 });
  }
  // The Clusters and Releases views share the side bar: collapse them so the Images rows have room.
  for (const name of ['Clusters', 'Releases']) {
    const header = page.locator(`.pane-header[aria-label^="${name}"]`).first();
    if ((await header.getAttribute('aria-expanded').catch(() => null)) === 'true') await header.click();
  }
}

/**
 * Runs a palette command that is enabled only in a trusted workspace. Right after the workbench
 * opens, the trust context key may not be set yet; the attempts (and what the palette showed)
 * are logged so that the report tells a slow start from a missing command.
 */
async function runTrustedCommand(ctx, label) {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await runCommand(ctx.page, label, { timeoutMs: 5_000 });
      if (attempt > 1) ctx.log(`"${label}" appeared in the palette after ${Date.now() - started} ms (attempt ${attempt})`);
      return;
    } catch (error) {
      ctx.log(`"${label}" not in the palette yet (attempt ${attempt}): ${error.message.slice(0, 300)}`);
      if (Date.now() - started > 30_000) throw error;
      await ctx.page.keyboard.press('Escape');
    }
  }
}

/** Waits for the quick input titled `title`, optionally types `value`, and presses Enter. */
async function answerQuickInput(page, title, value) {
  await poll(
    async () => {
      if (!(await page.locator('.quick-input-widget').isVisible())) return false;
      const shown = (await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '';
      return shown.includes(title);
    },
    { timeoutMs: 20_000, what: `the quick input "${title}"`, describeLast: async () => (await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '' },
  );
  if (value !== undefined) await page.locator('.quick-input-widget .quick-input-box input').fill(value);
  await sleep(200);
  await page.keyboard.press('Enter');
}

/** Texts of the notification toasts now shown. */
async function toastTexts(page) {
  return page.$$eval('.notifications-toasts .notification-list-item', (items) => items.map((i) => (i.querySelector('.notification-list-item-message')?.textContent ?? i.textContent ?? '').trim()));
}

async function waitForToast(page, pattern, what, timeoutMs = 120_000) {
  return poll(async () => (await toastTexts(page)).find((t) => pattern.test(t)), { timeoutMs, intervalMs: 300, what, describeLast: async () => JSON.stringify(await toastTexts(page)) });
}

/** Builds the active Dockerfile from the palette, answering the prompts as a user would. */
async function buildFromPalette(ctx, tag, { hasStages = false } = {}) {
  const { page } = ctx;
  await runTrustedCommand(ctx, 'Berth: Build Image');
  await answerQuickInput(page, 'Build context');
  await answerQuickInput(page, 'Image tag', tag);
  if (hasStages) await answerQuickInput(page, 'Target stage');
}

const MULTI_STAGE = `FROM busybox:local AS build
RUN mkdir -p /out && dd if=/dev/zero of=/out/blob bs=1024 count=3000 2>/dev/null

FROM busybox:local
COPY --from=build /out/blob /app/blob
RUN echo built > /app/stamp
CMD ["cat", "/app/stamp"]
`;

scenarios.push(
  {
    id: 'images-tree',
    title: 'The Images view lists local images by repository and follows the engine\'s events',
    services: ['docker'],
    async run(ctx) {
      const { page } = ctx;
      const suffix = Date.now().toString(36);
      dockerCli(ctx, ['tag', 'busybox:local', `e2e/tree-${suffix}:first`]);
      await showImagesView(page);
      const expectRow = (label, what) => poll(async () => (await viewRows(page, 'Images')).find((r) => r.label === label), { timeoutMs: 30_000, what, describeLast: async () => JSON.stringify(await viewRows(page, 'Images')) });
      await expectRow('busybox', 'a "busybox" repository row');
      const repo = await expectRow(`e2e/tree-${suffix}`, `the e2e/tree-${suffix} repository row`);
      check(/1 tag/.test(repo.description), `repository row description: ${repo.description}`);
      await imagesPane(page).locator('.monaco-list-row', { hasText: 'busybox' }).first().click();
      const tagRow = await expectRow('local', 'the busybox "local" tag row after expanding');
      check(SIZE.test(tagRow.description), `tag row shows no size: ${tagRow.description}`);
      check(/ago|just now/.test(tagRow.description), `tag row shows no age: ${tagRow.description}`);
      // Made outside Berth, after the view was listed: the engine's event stream must bring it in.
      const started = Date.now();
      dockerCli(ctx, ['tag', 'busybox:local', `e2e/later-${suffix}:second`]);
      await expectRow(`e2e/later-${suffix}`, 'a repository tagged after the first listing (from the event stream, no refresh clicked)');
      const eventMs = Date.now() - started;
      await ctx.screenshot();
      const rows = await viewRows(page, 'Images');
      return `${rows.length} rows; busybox:local ${tagRow.description}; a tag made by the docker CLI appeared in ${eventMs} ms without a refresh`;
    },
  },

  {
    id: 'images-tree-1000',
    title: 'The Images view with 1,000 local images: first rows shown, time from opening the view',
    services: ['docker'],
    async run(ctx) {
      const { page } = ctx;
      const suffix = Date.now().toString(36);
      // 1,000 tags in 100 repositories, made through the Engine API (1,000 docker CLI runs would take a minute).
      const tags = Array.from({ length: 1000 }, (_, i) => ({ repo: `e2e/many-${suffix}-${String(Math.floor(i / 10)).padStart(2, '0')}`, tag: `t${i}` }));
      const socketPath = ctx.docker.dockerd.host.replace(/^unix:\/\//, '');
      const engineCall = (method, path) => new Promise((resolvePromise, reject) => {
        const req = request({ socketPath, method, path }, (res) => {
          res.resume();
          res.on('end', () => { if ((res.statusCode ?? 500) < 300) resolvePromise(); else reject(new E2EError(`${method} ${path}: HTTP ${res.statusCode}`)); });
        });
        req.on('error', reject);
        req.end();
      });
      for (let i = 0; i < tags.length; i += 50) {
        await Promise.all(tags.slice(i, i + 50).map((t) => engineCall('POST', `/images/busybox:local/tag?repo=${encodeURIComponent(t.repo)}&tag=${t.tag}`)));
      }
      try {
        const started = Date.now();
        await showImagesView(page);
        const rows = await poll(async () => {
          const all = await viewRows(page, 'Images');
          return all.filter((r) => r.label.startsWith(`e2e/many-${suffix}-`)).length >= 5 ? all : undefined;
        }, { timeoutMs: 60_000, intervalMs: 50, what: 'rows of the 1,000 tagged images', describeLast: async () => JSON.stringify((await viewRows(page, 'Images')).slice(0, 5)) });
        const shownMs = Date.now() - started;
        const many = rows.filter((r) => r.label.startsWith(`e2e/many-${suffix}-`));
        check(many.every((r) => r.description === '10 tags'), `a repository row does not count its 10 tags: ${JSON.stringify(many.slice(0, 3))}`);
        // Virtualised: the DOM holds the visible rows, not 100 repositories.
        check(rows.length < 100, `the view rendered ${rows.length} rows into the DOM`);
        await ctx.screenshot();
        // Where the time went, as Berth logged it: loading the Docker client bundle, and the list itself.
        const logged = await poll(() => {
          for (const log of extensionHostLogs(ctx.userDataDir).berthChannels) {
            const text = readFileSync(log, 'utf8');
            const list = /Images: listed \d+ images \((\d+) tags\) and \d+ containers in (\d+) ms/.exec(text);
            const load = /Docker client loaded in (\d+) ms/.exec(text);
            if (list && load) return { tags: Number(list[1]), listMs: Number(list[2]), loadMs: Number(load[1]) };
          }
          return undefined;
        }, { timeoutMs: 20_000, what: 'the "Images: listed" and "Docker client loaded" lines in the Berth log' });
        check(logged.tags >= 1000, `Berth listed ${logged.tags} tags, not the 1,000 made`);
        return `first rows shown ${shownMs} ms after opening the view; of that, Berth logged the Docker client's first load ${logged.loadMs} ms and the list of ${logged.tags} tags ${logged.listMs} ms (the rest: the view container opening and the extension's activation); ${rows.length} rows in the DOM`;
      } finally {
        for (let i = 0; i < tags.length; i += 50) {
          await Promise.all(tags.slice(i, i + 50).map((t) => engineCall('DELETE', `/images/${encodeURIComponent(`${t.repo}:${t.tag}`)}`).catch(() => undefined)));
        }
      }
    },
  },

  {
    id: 'build-image',
    title: 'Build Image from the palette: prompts, progress, the image in the engine; a failing step becomes a diagnostic on its line',
    services: ['docker'],
    async run(ctx) {
      const { page } = ctx;
      const tag = `e2e/built:${Date.now().toString(36)}`;
      writeWorkspaceFile(ctx, 'berth-e2e/Dockerfile', MULTI_STAGE);
      await openFile(page, ctx.workspace, 'berth-e2e/Dockerfile');
      await buildFromPalette(ctx, tag, { hasStages: true });
      await ctx.screenshot('progress');
      const toast = await waitForToast(page, /Berth: built |build failed/, 'the build result notification');
      check(/Berth: built /.test(toast), `the build did not succeed: ${toast}`);
      const id = dockerCli(ctx, ['image', 'inspect', '--format', '{{.Id}}', tag]);
      check(toast.includes(id.replace('sha256:', '').slice(0, 12)), `notification "${toast}" does not name the engine's image ${id}`);
      const output = await readOutputChannel(page, 'Berth Docker');
      check(/Step \d+\/\d+ : /.test(output) && output.includes('Successfully built'), `the Berth Docker output lacks the steps: ${output.slice(0, 300)}`);
      await ctx.screenshot();

      // A failing RUN: an error, never "built", and a diagnostic on the line that failed.
      writeWorkspaceFile(ctx, 'berth-e2e/broken/Dockerfile', 'FROM busybox:local\nRUN echo going to fail && exit 3\nRUN echo never\n');
      await openFile(page, ctx.workspace, 'berth-e2e/broken/Dockerfile');
      await page.keyboard.press('Escape');
      await buildFromPalette(ctx, 'e2e/broken:1');
      const failure = await waitForToast(page, /build failed|Berth: built /, 'the failed build notification');
      check(/build failed at line 2/.test(failure), `expected "build failed at line 2": ${failure}`);
      const problems = await waitForProblems(page, (all) => all.some((p) => p.file === 'Dockerfile' && p.folder === 'berth-e2e/broken' && p.code === 'build-failed'), 'a build-failed problem on berth-e2e/broken/Dockerfile');
      const problem = problems.find((p) => p.code === 'build-failed');
      check(problem.line === 2, `build-failed problem on line ${problem.line}, expected 2`);
      await ctx.screenshot('failed-step');
      return `built ${tag} (${id.slice(7, 19)}); failing step reported at line ${problem.line}: ${problem.message.slice(0, 80)}`;
    },
  },

  {
    id: 'push-image',
    title: 'Push Image to the private registry: success only with the digest the registry serves',
    services: ['docker'],
    async run(ctx) {
      const { page } = ctx;
      const registry = ctx.docker.registries.open.address;
      const tag = Date.now().toString(36);
      const reference = `${registry}/e2e/pushed:${tag}`;
      dockerCli(ctx, ['tag', 'busybox:local', reference]);
      await showImagesView(page);
      await runTrustedCommand(ctx, 'Berth: Push Image');
      await answerQuickInput(page, 'Push which image?', reference);
      const toast = await waitForToast(page, /^Berth: pushed |failed|refused|Enter Credentials/, 'the push result notification', 60_000);
      const digest = /sha256:[0-9a-f]{64}/.exec(toast)?.[0];
      check(digest, `no digest in the notification: ${toast}`);
      const served = await new Promise((resolvePromise, reject) => {
        get(`http://${registry}/v2/e2e/pushed/manifests/${tag}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
          res.resume();
          resolvePromise(res.headers['docker-content-digest']);
        }).on('error', reject);
      });
      check(served === digest, `Berth showed ${digest}, the registry serves ${served}`);
      await ctx.screenshot();
      return `pushed ${reference}: ${digest} (the registry serves the same digest)`;
    },
  },

  {
    id: 'size-lenses',
    title: 'After a build, a lens above each instruction shows the real size of its layer',
    services: ['docker'],
    async run(ctx) {
      const { page } = ctx;
      const tag = `e2e/sized:${Date.now().toString(36)}`;
      writeWorkspaceFile(ctx, 'sized/Dockerfile', MULTI_STAGE);
      await openFile(page, ctx.workspace, 'sized/Dockerfile');
      await buildFromPalette(ctx, tag, { hasStages: true });
      const toast = await waitForToast(page, /Berth: built |build failed/, 'the build result notification');
      check(/Berth: built /.test(toast), `the build did not succeed: ${toast}`);
      await openFile(page, ctx.workspace, 'sized/Dockerfile');
      const lines = MULTI_STAGE.split('\n');
      const lineOf = (pattern) => lines.findIndex((l) => pattern.test(l)) + 1;
      let lenses = [];
      await poll(
        async () => {
          lenses = await readCodeLenses(page);
          return (
            lenses.some((l) => l.line === lineOf(/^COPY --from/) && /^layer /.test(l.text)) &&
            lenses.some((l) => l.line === lineOf(/^RUN mkdir/) && /^layer /.test(l.text)) &&
            lenses.some((l) => l.line === lineOf(/^FROM busybox:local$/) && /image \d/.test(l.text))
          );
        },
        { timeoutMs: 30_000, what: 'layer-size lenses above the COPY and RUN lines and the image total on the final FROM', describeLast: async () => JSON.stringify(lenses) },
      );
      // The engine's own figure for the COPY layer (docker history, newest first: CMD, RUN, COPY).
      const history = dockerCli(ctx, ['history', '--no-trunc', '--format', '{{.Size}}|{{.CreatedBy}}', tag]).split('\n');
      const copyEntry = history.find((h) => /COPY/.test(h));
      const copyLens = lenses.find((l) => l.line === lineOf(/^COPY --from/) && /^layer /.test(l.text));
      check(/layer 3\.1 MB/.test(copyLens.text), `COPY lens "${copyLens.text}" should show the 3,072,000-byte blob as 3.1 MB (docker history: ${copyEntry})`);
      const runLens = lenses.find((l) => l.line === lineOf(/^RUN mkdir/) && /^layer /.test(l.text));
      check(/layer 3\.1 MB/.test(runLens.text), `build-stage RUN lens: ${runLens.text}`);
      const finalFrom = lenses.find((l) => l.line === lineOf(/^FROM busybox:local$/) && /image \d/.test(l.text));
      check(finalFrom && /base busybox:local .*\(local engine\)/.test(finalFrom.text), `final FROM lens lacks the total and the local base size: ${JSON.stringify(lenses.filter((l) => l.line === lineOf(/^FROM busybox:local$/)))}`);
      await ctx.screenshot();
      return `COPY: "${copyLens.text}"; RUN: "${runLens.text}"; final FROM: "${finalFrom.text}"`;
    },
  },
);

scenarios.push({
  id: 'images-tree-not-running',
  title: 'With no engine at DOCKER_HOST, the Images view says so as a node, with what to do',
  server: { env: (dirs) => ({ DOCKER_HOST: `unix://${dirs.root}/no-such-engine.sock`, DOCKER_CONTEXT: '' }) },
  async run(ctx) {
    const { page } = ctx;
    await showImagesView(page);
    const rows = await poll(
      async () => {
        const all = await viewRows(page, 'Images');
        return all.some((r) => /^Docker is not running\b/.test(r.label)) ? all : undefined;
      },
      { timeoutMs: 30_000, what: 'a "Docker is not running" node', describeLast: async () => JSON.stringify(await viewRows(page, 'Images')) },
    );
    const message = rows.find((r) => /^Docker is not running\b/.test(r.label)).label;
    check(message.includes('no-such-engine.sock') && /socket does not exist/.test(message), `the node does not name the socket and the cause: ${message}`);
    check(rows.some((r) => /Start Docker/.test(r.label)), `no node says what to do: ${JSON.stringify(rows.map((r) => r.label))}`);
    const errors = await errorNotifications(page);
    check(errors.length === 0, `the view raised error notifications: ${errors.map((e) => e.message).join(' | ')}`);
    await ctx.screenshot();
    return message;
  },
});

/** Text of the modal dialog now shown, and a click on its button labelled `button`. */
async function answerDialog(page, button, { timeoutMs = 15_000 } = {}) {
  const dialog = page.locator('.monaco-dialog-box').first();
  await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
  const text = ((await dialog.textContent()) ?? '').replace(/\u00a0/g, ' ');
  await dialog.locator('.monaco-button', { hasText: button }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: timeoutMs });
  return text;
}

scenarios.push({
  id: 'images-actions',
  title: 'Images view: remove a tag and prune dangling images, each after a confirmation that lists what goes',
  services: ['docker'],
  async run(ctx) {
    const { page } = ctx;
    const suffix = Date.now().toString(36);
    const doomed = `e2e/remove-${suffix}`;
    dockerCli(ctx, ['tag', 'busybox:local', `${doomed}:1`]);
    // An untagged image: a build without -t.
    const dir = join(ctx.root, 'dangling');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'Dockerfile'), `FROM busybox:local\nRUN echo ${suffix} > /marker\n`);
    const danglingId = execFileSync('docker', ['build', '-q', dir], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: ctx.docker.dockerd.host, DOCKER_CONFIG: ctx.docker.dockerConfig, DOCKER_BUILDKIT: '0' } }).trim();
    const shortId = danglingId.replace('sha256:', '').slice(0, 12);

    await showImagesView(page);
    const pane = imagesPane(page);
    const rowsNow = () => viewRows(page, 'Images');
    // Both new images shown: the refresh that the tag and the build set off has happened, so no
    // re-render moves the rows between the clicks below.
    await poll(async () => {
      const rows = await rowsNow();
      return rows.some((r) => r.label === doomed) && rows.some((r) => r.label === 'Dangling images');
    }, { timeoutMs: 30_000, what: `the ${doomed} row and the Dangling images group`, describeLast: async () => JSON.stringify(await rowsNow()) });
    const repositoryRow = pane.locator('.monaco-list-row[aria-level="1"]', { hasText: doomed }).first();
    // The tag row of that repository: its label is the tag, "1".
    const tagRow = pane.locator('.monaco-list-row[aria-level="2"]', { has: page.locator('.label-name', { hasText: /^1$/ }) }).first();
    const menuItems = () => page.$$eval('.context-view .action-item', (items) => items.map((i) => (i.textContent ?? '').trim()).filter(Boolean));
    // A click on a fading context menu can be lost, and a tree refresh can close the menu: open it
    // again until the confirmation shows, expanding the repository again if a refresh collapsed it.
    const dialog = page.locator('.monaco-dialog-box').first();
    let attempts = 0;
    let lastMenu = 'never opened';
    await poll(async () => {
      // A confirmation that came late (a loaded machine) is taken as it is.
      if (await dialog.isVisible().catch(() => false)) return true;
      if ((await repositoryRow.getAttribute('aria-expanded').catch(() => null)) !== 'true') await repositoryRow.click();
      if (!(await tagRow.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false))) return undefined;
      attempts++;
      // Every other try opens the menu from the keyboard (select the row, Shift+F10), as keyboard
      // users do: it does not depend on where the pointer lands (a hover can cover the row).
      const how = attempts % 2 === 1 ? 'right-click' : 'Shift+F10';
      if (how === 'right-click') {
        await tagRow.click({ button: 'right', timeout: 5_000 });
      } else {
        await tagRow.click({ timeout: 5_000 });
        await page.keyboard.press('Shift+F10');
      }
      const entry = page.locator('.context-view .action-item', { hasText: 'Remove Image' }).first();
      if (!(await entry.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false))) {
        lastMenu = `${how}: ${JSON.stringify(await menuItems())}`;
        ctx.log(`no Remove Image in the context menu after ${lastMenu}`);
        await page.keyboard.press('Escape');
        return undefined;
      }
      if (how === 'right-click') {
        await entry.hover();
        await sleep(200);
        await entry.click().catch(() => undefined);
      } else {
        await entry.focus().catch(() => undefined);
        await entry.press('Enter').catch(() => undefined);
      }
      return dialog.waitFor({ state: 'visible', timeout: 8_000 }).then(() => true, async () => {
        if (await dialog.isVisible().catch(() => false)) return true;
        await page.keyboard.press('Escape');
        return undefined;
      });
    }, {
      timeoutMs: 60_000,
      what: 'the Remove Image confirmation',
      // What the screen shows instead: the rows, an open menu, a quick pick, notifications.
      describeLast: async () => `${attempts} tries; last menu without Remove Image: ${lastMenu}; rows ${JSON.stringify(await rowsNow())}; menu ${JSON.stringify(await menuItems())}; quick pick ${JSON.stringify(await quickInputRows(page))}; toasts ${JSON.stringify(await toastTexts(page))}`,
    });
    const removeText = await answerDialog(page, 'Remove');
    check(removeText.includes(`${doomed}:1`), `the confirmation does not name ${doomed}:1: ${removeText}`);
    await poll(async () => !(await rowsNow()).some((r) => r.label === doomed), { timeoutMs: 15_000, what: `the ${doomed} row to go` });
    const left = dockerCli(ctx, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    check(!left.includes(doomed), `the engine still has ${doomed}: ${left}`);
    check(left.includes('busybox:local'), 'removing a tag removed the image its other tag points to');

    await pane.hover();
    await page.locator('.pane-header .action-label[aria-label^="Remove Dangling Images"], .title-actions .action-label[aria-label^="Remove Dangling Images"]').first().click();
    const pruneText = await answerDialog(page, 'Remove');
    check(pruneText.includes(shortId), `the prune confirmation does not list ${shortId}: ${pruneText}`);
    check(/Volumes and containers are not touched/.test(pruneText), `the prune confirmation does not say what stays: ${pruneText}`);
    await poll(() => {
      const ids = dockerCli(ctx, ['images', '-a', '--no-trunc', '--format', '{{.ID}}']);
      return !ids.includes(danglingId);
    }, { timeoutMs: 15_000, what: `the dangling image ${shortId} to be removed from the engine` });
    await ctx.screenshot();
    return `removed ${doomed}:1 after a confirmation naming it; pruned dangling ${shortId} after a confirmation listing it`;
  },
});

// The Docker scenarios of their own files, then Kubernetes and Helm.
scenarios.push(...baseSizeScenarios, ...outsideBuildScenarios, ...pushFaultScenarios);
scenarios.push(...kubeScenarios);
