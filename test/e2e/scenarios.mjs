// The end-to-end scenarios. Each gets a fresh code-server (own user-data dir, own copy of demo/)
// with the workbench already open in `ctx.page`, and returns a one-line summary of what it saw, or
// throws an error that says what was expected and what the screen showed.
// Scenario ids are fixed by the issue (test-results/e2e/<id>.png, report.json).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  E2EError,
  activeEditorText,
  errorNotifications,
  goToLine,
  openFile,
  paletteLabels,
  poll,
  readCodeLenses,
  readOutputChannel,
  runCommand,
  sleep,
  waitForProblems,
} from './workbench.mjs';

const SIZE = /\d+(?:\.\d+)?\s?(?:kB|MB|GB)\b/;

function check(condition, message) {
  if (!condition) throw new E2EError(message);
}

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
            return fromLines.every((f) => lenses.some((l) => l.line === f.line && l.text));
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
