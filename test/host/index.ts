// Tests that run inside the real extension host, against the `vscode` API only.
//
// How they are started:
// - In this repo's e2e suite (code-server, which rejects --extensionTestsPath): scripts/build.mjs bundles
//   this file into dist/hostTests.js; when BERTH_HOST_TESTS_RESULT is set, the extension requires it
//   after activation and calls `run(resultFile)`. test/e2e/run.mjs (scenario `extension-host-tests`)
//   sets the variable and reads the file.
// - Under @vscode/test-electron, where VS Code can be downloaded: point `extensionTestsPath` at a
//   bundle of test/host/testElectron.ts, whose `run()` calls this one and throws on any failure.
// Nothing here may import from src/vscode or use code-server specifics, so both stay possible.
import { rename, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import { findRule } from '../../src/core/dockerfile/rules/index';

export const EXTENSION_ID = 'berth-dev.berth';

export interface HostTestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  /** What was seen, for the report (counts, figures). */
  readonly note?: string;
}

export interface HostTestReport {
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly HostTestResult[];
  readonly vscodeVersion: string;
  readonly workspaceTrusted: boolean;
}

/** A test returns a note for the report, or throws. */
type HostTest = () => Promise<string | undefined>;

const TEST_TIMEOUT_MS = 30_000;

// Triggers DL3008 (unpinned apt package) and DL3015 (no --no-install-recommends) on line 2,
// and has a second stage so that lenses have a build stage and a final stage.
const SAMPLE_DOCKERFILE = [
  'FROM debian:bookworm AS build',
  'RUN apt-get update && apt-get install -y curl',
  'RUN curl -fsSL -o /tmp/tool https://example.invalid/tool',
  '',
  'FROM debian:bookworm-slim',
  'COPY --from=build /tmp/tool /usr/local/bin/tool',
  '',
].join('\n');
const APT_LINE = 1;

function fail(message: string): never {
  throw new Error(message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what}: no result within ${ms} ms`)); }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `ms`. */
async function waitFor<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

function berthDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'berth');
}

function codeOf(d: vscode.Diagnostic): string {
  const code = d.code;
  if (code === undefined) return '';
  if (typeof code === 'object') return String(code.value);
  return String(code);
}

interface PackageJsonShape {
  readonly contributes?: {
    readonly commands?: readonly { readonly command: string; readonly enablement?: string }[];
    readonly configuration?: ConfigurationSection | readonly ConfigurationSection[];
  };
}
interface ConfigurationSection {
  readonly properties?: Readonly<Record<string, { readonly default?: unknown }>>;
}

/** `contributes.configuration` is one section or an array of them. */
function configurationSections(value: ConfigurationSection | readonly ConfigurationSection[] | undefined): readonly ConfigurationSection[] {
  if (value === undefined) return [];
  return isSectionList(value) ? value : [value];
}

function isSectionList(value: ConfigurationSection | readonly ConfigurationSection[]): value is readonly ConfigurationSection[] {
  return Array.isArray(value);
}

function berth(): vscode.Extension<unknown> {
  return vscode.extensions.getExtension(EXTENSION_ID) ?? fail(`extension ${EXTENSION_ID} is not installed`);
}

function packageJson(): PackageJsonShape {
  return berth().packageJSON as PackageJsonShape;
}

async function openSample(): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument({ language: 'dockerfile', content: SAMPLE_DOCKERFILE });
  await vscode.window.showTextDocument(document);
  return document;
}

async function closeWithoutSaving(document: vscode.TextDocument): Promise<void> {
  // Untitled documents are closed by reverting them, so no "save?" dialog appears.
  await vscode.window.showTextDocument(document);
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

const tests: Record<string, HostTest> = {
  'Berth is installed and active': async () => {
    const extension = berth();
    if (!extension.isActive) await withTimeout(Promise.resolve(extension.activate()), 15_000, 'activation');
    if (!extension.isActive) fail('extension is not active');
    return `version ${String((extension.packageJSON as { version?: string }).version)}`;
  },

  'every command in contributes.commands is registered': async () => {
    const contributed = (packageJson().contributes?.commands ?? []).map((c) => c.command);
    if (contributed.length === 0) fail('package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    if (missing.length > 0) fail(`not registered: ${missing.join(', ')}`);
    return `${contributed.length} commands`;
  },

  'berth.internal.activationTime returns the activation time in ms': async () => {
    const value: unknown = await vscode.commands.executeCommand('berth.internal.activationTime');
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`got ${JSON.stringify(value)}`);
    if (value > 60_000) fail(`implausible activation time ${value} ms`);
    return `${value.toFixed(1)} ms`;
  },

  'setting defaults match package.json': () => {
    const sections = configurationSections(packageJson().contributes?.configuration);
    const entries = sections.flatMap((s) => Object.entries(s.properties ?? {}));
    const mismatches: string[] = [];
    let checked = 0;
    for (const [key, schema] of entries) {
      if (!('default' in schema)) continue;
      checked++;
      const inspected = vscode.workspace.getConfiguration().inspect(key);
      if (inspected === undefined) {
        mismatches.push(`${key}: unknown to VS Code`);
      } else if (!isDeepStrictEqual(inspected.defaultValue, schema.default)) {
        mismatches.push(`${key}: VS Code has ${JSON.stringify(inspected.defaultValue)}, package.json ${JSON.stringify(schema.default)}`);
      }
    }
    if (mismatches.length > 0) fail(mismatches.join('; '));
    return Promise.resolve(checked === 0 ? 'no settings with defaults are contributed yet' : `${checked} settings`);
  },

  'an opened Dockerfile gets diagnostics with source "berth"': async () => {
    const document = await openSample();
    try {
      const diagnostics = await waitFor(() => {
        const found = berthDiagnostics(document.uri);
        return found.length > 0 ? found : undefined;
      }, 20_000, 'berth diagnostics on an untitled Dockerfile');
      const codes = [...new Set(diagnostics.map(codeOf))];
      const unknown = codes.filter((c) => findRule(c) === undefined && !/^BT0\d\d$/.test(c));
      if (unknown.length > 0) fail(`codes that are no Berth rule: ${unknown.join(', ')}`);
      // The sample triggers these whenever the rules exist.
      const expected = ['DL3008', 'DL3015'].filter((c) => findRule(c) !== undefined);
      const missing = expected.filter((c) => !codes.includes(c));
      if (missing.length > 0) fail(`missing ${missing.join(', ')}; got ${codes.join(', ')}`);
      const onAptLine = diagnostics.filter((d) => expected.includes(codeOf(d)));
      if (onAptLine.some((d) => d.range.start.line !== APT_LINE)) fail('DL3008/DL3015 reported on the wrong line');
      return `codes ${codes.sort().join(', ')}`;
    } finally {
      await closeWithoutSaving(document);
    }
  },

  'a Dockerfile of the workspace gets diagnostics': async () => {
    const files = await vscode.workspace.findFiles('**/Dockerfile', '**/node_modules/**', 20);
    const first = files.sort((a, b) => a.path.length - b.path.length)[0];
    if (first === undefined) return 'no Dockerfile in the workspace: nothing to check';
    const document = await vscode.workspace.openTextDocument(first);
    await vscode.window.showTextDocument(document);
    const diagnostics = await waitFor(() => {
      const found = berthDiagnostics(document.uri);
      return found.length > 0 ? found : undefined;
    }, 20_000, `berth diagnostics on ${vscode.workspace.asRelativePath(first)}`);
    return `${vscode.workspace.asRelativePath(first)}: ${diagnostics.length} findings`;
  },

  'the DL3015 quick fix adds --no-install-recommends and clears the finding': async () => {
    if (findRule('DL3015') === undefined) return 'rule DL3015 does not exist yet';
    const document = await openSample();
    try {
      const finding = await waitFor(
        () => berthDiagnostics(document.uri).find((d) => codeOf(d) === 'DL3015'),
        20_000,
        'DL3015',
      );
      const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[] | undefined>(
        'vscode.executeCodeActionProvider',
        document.uri,
        finding.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const fix = (actions ?? []).find(
        (a): a is vscode.CodeAction => 'title' in a && a.title.includes('--no-install-recommends') && 'edit' in a,
      );
      if (fix?.edit === undefined) fail(`no quick fix mentioning --no-install-recommends; got: ${(actions ?? []).map((a) => a.title).join(' | ')}`);
      if (!(await vscode.workspace.applyEdit(fix.edit))) fail('applyEdit refused the fix');
      const line = document.lineAt(APT_LINE).text;
      if (!/apt-get install\b.*--no-install-recommends/.test(line)) fail(`line after the fix: ${line}`);
      await waitFor(
        () => (berthDiagnostics(document.uri).some((d) => codeOf(d) === 'DL3015') ? undefined : true),
        20_000,
        'DL3015 to disappear after the fix',
      );
      return `"${fix.title}" → ${line.trim()}`;
    } finally {
      await closeWithoutSaving(document);
    }
  },

  'code lenses describe every stage above its FROM line': async () => {
    const document = await openSample();
    try {
      const fromLines = [0, 4];
      // Lenses may be computed after the first lint; poll until they are there.
      const deadline = Date.now() + 20_000;
      let titles: { line: number; title: string }[] = [];
      while (Date.now() < deadline) {
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>(
          'vscode.executeCodeLensProvider',
          document.uri,
          100,
        );
        titles = (lenses ?? []).map((l) => ({ line: l.range.start.line, title: l.command?.title ?? '' }));
        if (fromLines.every((line) => titles.some((t) => t.line === line && t.title !== ''))) break;
        await sleep(250);
      }
      const final = titles.find((t) => t.line === 4 && t.title.includes('final stage'));
      if (final === undefined) fail(`no "final stage" lens on line 5; lenses: ${JSON.stringify(titles)}`);
      const build = titles.find((t) => t.line === 0 && /used by/.test(t.title));
      if (build === undefined) fail(`no "used by" lens on the build stage; lenses: ${JSON.stringify(titles)}`);
      return titles.map((t) => `${t.line + 1}: ${t.title}`).join(' | ');
    } finally {
      await closeWithoutSaving(document);
    }
  },

  'workspace trust state is read': () => {
    const expected = process.env.BERTH_HOST_TESTS_EXPECT_TRUSTED;
    const trusted = vscode.workspace.isTrusted;
    if (typeof trusted !== 'boolean') fail('workspace.isTrusted is not a boolean');
    if (expected !== undefined && String(trusted) !== expected) fail(`isTrusted is ${trusted}, expected ${expected}`);
    return Promise.resolve(`isTrusted ${trusted}`);
  },
};

async function writeAtomically(file: string, content: string): Promise<void> {
  // Written under a temporary name, then renamed: a reader polling for the file never sees half of it.
  const partial = `${file}.partial`;
  await writeFile(partial, content);
  await rename(partial, file);
}

/** Runs every host test in order and writes `{passed, failed, results}` as JSON to `resultFile`. */
export async function run(resultFile: string): Promise<void> {
  const results: HostTestResult[] = [];
  for (const [name, test] of Object.entries(tests)) {
    try {
      const note = await withTimeout(test(), TEST_TIMEOUT_MS, name);
      results.push(note === undefined ? { name, ok: true } : { name, ok: true, note });
    } catch (error) {
      results.push({ name, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const report: HostTestReport = {
    passed: results.filter((r) => r.ok).length,
    failed: results.filter((r) => !r.ok).length,
    results,
    vscodeVersion: vscode.version,
    workspaceTrusted: vscode.workspace.isTrusted,
  };
  await writeAtomically(resultFile, JSON.stringify(report, null, 2) + '\n');
}
