// `berth`: the command-line linter. Same core as the extension, no vscode.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import type { HadolintSettings, PartialSettings } from '../core/config/settings';
import { failsThreshold, formatConfigProblem, mergeSettings, settingsFromEnvironment } from '../core/config/settings';
import type { LintConfig } from '../core/dockerfile/lint';
import { ALL_RULES, findRule } from '../core/dockerfile/rules/index';
import type { CliFormat, LintArgs } from './args';
import { CLI_FORMATS, parseCommandLine, USAGE } from './args';
import type { FileReport, Formatter } from './formats';
import { BERTH_VERSION, checkstyleFormatter, jsonFormatter, ruleHelpUri, sarifFormatter, textFormatter } from './formats';
import { DockerignoreReader, findConfigFile, mapOrdered } from './io';
import type { Linted } from './lintFile';
import { lintPath } from './lintFile';
import { isLintWorker, LintPool, serveLintRequests } from './pool';

/**
 * Files in flight at once (being read, linted by a worker, or waiting for their turn to be
 * printed): enough to keep the workers busy, few enough to keep memory flat.
 */
const READ_CONCURRENCY = 16;
const META_CODES = new Set(['dl1000', 'bt000', 'bt001', 'bt002', 'bt003']);

/** Buffers output and respects back-pressure, so a slow pipe never makes us hold everything. */
class Output {
  private pending = '';
  constructor(private readonly stream: Writable) {}

  async write(text: string): Promise<void> {
    this.pending += text;
    if (this.pending.length >= 65536) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pending) return;
    const chunk = this.pending;
    this.pending = '';
    if (!this.stream.write(chunk)) {
      await new Promise<void>((done) => {
        const finish = (): void => { this.stream.off('drain', finish); this.stream.off('error', finish); this.stream.off('close', finish); done(); };
        this.stream.on('drain', finish);
        this.stream.on('error', finish);
        this.stream.on('close', finish);
      });
    }
  }
}

function fail(message: string): number {
  process.stderr.write(`berth: ${message}\n`);
  return 1;
}

async function loadSettings(args: LintArgs): Promise<HadolintSettings | string> {
  const configPath = args.configFile ?? findConfigFile(process.cwd(), process.env);
  let fromFile: PartialSettings | undefined;
  if (configPath !== undefined) {
    let text: string;
    try {
      text = readFileSync(configPath, 'utf8');
    } catch (err) {
      return `cannot read configuration file ${configPath}: ${err instanceof Error ? err.message : String(err)}`;
    }
    const isKnownRule = (code: string): boolean => findRule(code) !== undefined || META_CODES.has(code.toLowerCase());
    // The YAML parser is loaded only when there is a file to parse: most runs have none.
    const { parseHadolintConfig } = await import('../core/config/hadolintConfig.js');
    const parsed = parseHadolintConfig(text, { isKnownRule });
    for (const w of parsed.warningProblems) process.stderr.write(`berth: warning: ${formatConfigProblem(configPath, w)}\n`);
    if (parsed.errorProblem) return formatConfigProblem(configPath, parsed.errorProblem);
    fromFile = parsed.config;
  }
  const env = settingsFromEnvironment(process.env);
  for (const w of env.warnings) process.stderr.write(`berth: warning: ${w}\n`);
  const settings = mergeSettings(fromFile, env.settings, args.settings);
  if (settings.verbose) {
    process.stderr.write(configPath === undefined ? 'berth: no configuration file found; using the defaults\n' : `berth: configuration file: ${configPath}\n`);
  }
  return settings;
}

function chooseFormat(args: LintArgs, settings: HadolintSettings): CliFormat {
  if (args.format) return args.format;
  const fromConfig = settings.format;
  if (fromConfig === undefined) return 'tty';
  if ((CLI_FORMATS as readonly string[]).includes(fromConfig)) return fromConfig as CliFormat;
  process.stderr.write(`berth: warning: format "${fromConfig}" from the configuration is not supported by berth; using tty\n`);
  return 'tty';
}

function formatterFor(format: CliFormat, settings: HadolintSettings): Formatter {
  switch (format) {
    case 'json': return jsonFormatter();
    case 'sarif': return sarifFormatter();
    case 'checkstyle': return checkstyleFormatter();
    case 'text': return textFormatter(false);
    case 'tty': return textFormatter(process.stdout.isTTY && !settings.noColor);
  }
}

/** Worker threads pay off from this many files on; below, their start-up costs more than they save. */
const POOL_MIN_FILES = 48;

/**
 * Lint workers by default: none below 4 cores. On the 2-core machines measured so far
 * V8's own GC threads already use the second core, and a worker (its own isolate, its own
 * JIT warm-up) made 2,000 files slower, not faster (docs/cli.md). `BERTH_WORKERS=N`
 * forces N, `0` none.
 */
function poolSize(fileCount: number): number {
  const requested = process.env.BERTH_WORKERS;
  if (requested !== undefined && requested !== '') {
    const n = Number(requested);
    return Number.isInteger(n) && n > 0 ? Math.min(n, 16) : 0;
  }
  const cores = availableParallelism();
  if (fileCount < POOL_MIN_FILES || cores < 4) return 0;
  return Math.max(0, Math.min(cores - 2, 6, Math.floor(fileCount / POOL_MIN_FILES)));
}

async function lintFiles(args: LintArgs, settings: HadolintSettings, format: CliFormat): Promise<number> {
  const out = new Output(process.stdout);
  const formatter = formatterFor(format, settings);
  const dockerignores = new DockerignoreReader(args.contextDir);
  // Every finding is reported: the extension's per-file cap is for editors, not CI.
  const config: LintConfig = { ...settings, maxFindings: Number.MAX_SAFE_INTEGER };
  const size = poolSize(args.files.length);
  const pool = size > 0 ? new LintPool(__filename, size, { config, contextDir: args.contextDir }) : undefined;
  let failed = false;
  let unreadable = false;

  // Workers take files while they have room in their backlog; the main thread lints the rest.
  const lintOne = async (path: string): Promise<Linted> => {
    if (pool && path !== '-') {
      // Reading and linting here never wait on I/O, so without this turn of the event loop
      // the workers' messages (ready, results) would not be seen until the very end.
      await new Promise<void>((resolve) => { setImmediate(resolve); });
      const delegated = pool.tryLint(path);
      if (delegated) return delegated;
    }
    return lintPath(path, config, dockerignores, process.stdin);
  };

  try {
    await out.write(formatter.begin());
    for await (const linted of mapOrdered(args.files, READ_CONCURRENCY, lintOne)) {
      if (linted.error !== undefined || linted.findings === undefined) {
        unreadable = true;
        process.stderr.write(`berth: ${linted.path}: ${linted.error ?? 'not linted'}\n`);
        continue;
      }
      const report: FileReport = { file: args.filePathInReport ?? linted.path, findings: linted.findings };
      if (report.findings.some((f) => failsThreshold(f.severity, settings.failureThreshold) || f.code === 'DL1000')) failed = true;
      await out.write(formatter.file(report));
    }
    await out.write(formatter.end());
    await out.flush();
  } finally {
    await pool?.close();
  }
  if (unreadable) return 1;
  return failed && !settings.noFail ? 1 : 0;
}

async function listRules(format: CliFormat): Promise<number> {
  const out = new Output(process.stdout);
  const rules = [...ALL_RULES].sort((a, b) => a.family.localeCompare(b.family) || a.code.localeCompare(b.code));
  if (format === 'json') {
    await out.write(`${JSON.stringify(rules.map((r) => ({ code: r.code, family: r.family, severity: r.severity, title: r.title, url: ruleHelpUri(r.code) ?? null })))}\n`);
  } else {
    const width = Math.max(4, ...rules.map((r) => r.code.length));
    for (const r of rules) await out.write(`${r.code.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.family.padEnd(8)}  ${r.title}\n`);
    await out.write(`${rules.length} rules\n`);
  }
  await out.flush();
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const command = parseCommandLine(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'version':
      process.stdout.write(`berth ${BERTH_VERSION}\n`);
      return 0;
    case 'usage-error':
      return fail(`${command.message}\nTry \`berth --help\`.`);
    case 'lint': {
      const { args } = command;
      const settings = await loadSettings(args);
      if (typeof settings === 'string') return fail(settings);
      const format = chooseFormat(args, settings);
      if (args.listRules) return listRules(format);
      return lintFiles(args, settings, format);
    }
  }
}

if (isLintWorker()) {
  serveLintRequests();
} else {
  // A closed pipe (`berth lint ... | head`) is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`berth: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
