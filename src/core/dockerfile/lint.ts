import { commandRange, runCommandsOf } from './commands';
import type { Dockerfile, Instruction, Range } from './model';
import { parseDockerfile } from './parser';
import { ALL_RULES } from './rules/index';
import type { Finding, Fix, LintOptions, Rule, RuleContext, RunCommand, Severity } from './rules/types';
import { SEVERITIES } from './rules/types';
import type { ShellCommand } from './shell';

/** Configuration with hadolint's meaning (`.hadolint.yaml`), plus Berth's own switches. */
export interface LintConfig {
  /** Rule codes never reported. */
  readonly ignored: readonly string[];
  /** Severity overrides: code -> level. */
  readonly override: Readonly<Record<string, Severity>>;
  readonly trustedRegistries: readonly string[];
  readonly labelSchema: Readonly<Record<string, string>>;
  readonly strictLabels: boolean;
  /** hadolint `disable-ignore-pragma`. */
  readonly disableIgnorePragma: boolean;
  /** Families switched off entirely. */
  readonly disabledFamilies: readonly ('hadolint' | 'buildkit' | 'berth')[];
  /** At most this many findings; the rest are summarised in one finding. */
  readonly maxFindings: number;
}

export const DEFAULT_CONFIG: LintConfig = {
  ignored: [],
  override: {},
  trustedRegistries: [],
  labelSchema: {},
  strictLabels: false,
  disableIgnorePragma: false,
  disabledFamilies: [],
  maxFindings: 500,
};

/** Files above this size are not linted: one finding says so (VS Code itself stops syncing at 50 MB). */
export const MAX_LINT_BYTES = 4 * 1024 * 1024;

export interface LintResult {
  readonly dockerfile: Dockerfile | undefined;
  readonly findings: readonly Finding[];
  /** Findings left out by `maxFindings`. */
  readonly omitted: number;
  /** True when the content was judged binary and not linted. */
  readonly binary: boolean;
}

const WHOLE_FIRST_LINE: Range = { start: { line: 0, col: 0 }, end: { line: 0, col: 1 } };

/** Control characters other than tab, line breaks and form feed, and the replacement character. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ODD_CHARACTER = /[\u0000-\u0008\u000b\u000e-\u001f\ufffd]/;

/**
 * Binary content: a NUL in the first 8 KiB, or many replacement characters (invalid
 * UTF-8 decoded) or control characters. Such a file gets one finding and no others.
 */
export function looksBinary(text: string): boolean {
  const head = text.slice(0, 8192);
  // Text files have none of these: most files are decided by one regex scan.
  if (!ODD_CHARACTER.test(head)) return false;
  if (head.includes('\u0000')) return true;
  let odd = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12)) odd++;
  }
  return head.length > 0 && odd / head.length > 0.1;
}

function meta(code: string, message: string, severity: Severity, range: Range = WHOLE_FIRST_LINE): Finding {
  return { code, family: 'parser', severity, message, range, fixes: [] };
}

interface Pragmas {
  /** line of instruction start -> ignored codes (lower-case) */
  readonly perLine: Map<number, Set<string>>;
  readonly global: Set<string>;
}

// A trailing comment after the codes is allowed (`# hadolint ignore=DL3003 # we need cd`).
const IGNORE_PRAGMA = /^(?:hadolint|berth)\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s-]+?)\s*(?:#.*)?$/i;

const NO_PRAGMAS: Pragmas = { perLine: new Map(), global: new Set() };

/** `# hadolint ignore=DL3008,DL3015` above an instruction; `# hadolint global ignore=...` anywhere. */
function readPragmas(df: Dockerfile): Pragmas {
  let perLine: Map<number, Set<string>> | undefined;
  let global: Set<string> | undefined;
  let commentLines: Set<number> | undefined;
  for (const c of df.comments) {
    // Pragmas start with `hadolint` or `berth` (any case): most comments are skipped without the regex.
    const first = c.text.charCodeAt(0) | 0x20;
    if (first !== 0x68 && first !== 0x62) continue;
    const m = IGNORE_PRAGMA.exec(c.text);
    if (!m) continue;
    const codes = (m[2] as string).split(/[\s,]+/).filter(Boolean).map((code) => code.toLowerCase());
    if (m[1]) { global ??= new Set(); for (const code of codes) global.add(code); continue; }
    // The pragma applies to the next instruction, skipping further comment lines.
    commentLines ??= new Set(df.comments.map((comment) => comment.line));
    let line = c.line + 1;
    while (commentLines.has(line)) line++;
    perLine ??= new Map();
    const set = perLine.get(line) ?? new Set<string>();
    for (const code of codes) set.add(code);
    perLine.set(line, set);
  }
  return perLine === undefined && global === undefined ? NO_PRAGMAS : { perLine: perLine ?? new Map<number, Set<string>>(), global: global ?? new Set<string>() };
}

const NO_CHECK_DIRECTIVE = { skip: new Set<string>(), skipAll: false, error: false };

/** BuildKit's `# check=skip=A,B;error=true`. */
function readCheckDirective(df: Dockerfile): { skip: Set<string>; skipAll: boolean; error: boolean } {
  const raw = df.directives.check;
  if (raw === undefined) return NO_CHECK_DIRECTIVE;
  const skip = new Set<string>();
  let skipAll = false;
  let error = false;
  for (const part of raw.split(';')) {
    const [key, value] = part.split('=').map((s) => s.trim()) as [string, string | undefined];
    if (key.toLowerCase() === 'skip' && value !== undefined) {
      for (const name of value.split(',').map((s) => s.trim().toLowerCase())) {
        if (name === 'all') skipAll = true; else if (name) skip.add(name);
      }
    } else if (key.toLowerCase() === 'error') {
      error = value?.toLowerCase() === 'true';
    }
  }
  return { skip, skipAll, error };
}

export function resolveSeverity(rule: Rule, config: LintConfig, checkError: boolean): Severity {
  const override = config.override[rule.code] ?? config.override[rule.code.toLowerCase()];
  if (override) return override;
  if (rule.family === 'buildkit' && checkError) return 'error';
  return rule.severity;
}

export interface LintInput {
  readonly text: string;
  readonly config?: LintConfig;
  readonly options?: Partial<LintOptions>;
  /** Lint only with these rules (tests, the docs generator). */
  readonly rules?: readonly Rule[];
  /** When given, each rule's time in milliseconds is added to it (the benchmark's per-rule table). */
  readonly ruleTimes?: Map<string, number>;
}

/** A rule as one configuration runs it: what can be decided without the file is decided once. */
interface ActiveRule {
  readonly rule: Rule;
  /** Lower-cased code, as pragmas and `# check=skip=` name rules. */
  readonly code: string;
  readonly severity: Severity;
  /** The severity under `# check=error=true`. */
  readonly severityOnCheckError: Severity;
}

// Rule set -> configuration -> the rules that run. The CLI lints every file with the same
// configuration object; the editor's worker builds an equal one per request, which the
// content key finds.
const activeRuleCache = new WeakMap<readonly Rule[], { byConfig: WeakMap<LintConfig, readonly ActiveRule[]>; byKey: Map<string, readonly ActiveRule[]> }>();

/** What decides which rules run and at which severity. */
function configKey(config: LintConfig): string {
  return JSON.stringify([config.ignored, config.override, config.disabledFamilies]);
}

function activeRules(rules: readonly Rule[], config: LintConfig): readonly ActiveRule[] {
  let cache = activeRuleCache.get(rules);
  if (!cache) { cache = { byConfig: new WeakMap(), byKey: new Map() }; activeRuleCache.set(rules, cache); }
  let active = cache.byConfig.get(config);
  if (active) return active;
  const key = configKey(config);
  active = cache.byKey.get(key);
  if (!active) {
    active = computeActiveRules(rules, config);
    // A handful of configurations at a time (one per workspace folder): drop them all when there are more.
    if (cache.byKey.size >= 16) cache.byKey.clear();
    cache.byKey.set(key, active);
  }
  cache.byConfig.set(config, active);
  return active;
}

function computeActiveRules(rules: readonly Rule[], config: LintConfig): readonly ActiveRule[] {
  const ignored = new Set(config.ignored.map((c) => c.toLowerCase()));
  const active: ActiveRule[] = [];
  for (const rule of rules) {
    const code = rule.code.toLowerCase();
    if (ignored.has(code) || config.disabledFamilies.includes(rule.family)) continue;
    if (rule.defaultOff === true && config.override[rule.code] === undefined && config.override[code] === undefined) continue;
    active.push({ rule, code, severity: resolveSeverity(rule, config, false), severityOnCheckError: resolveSeverity(rule, config, true) });
  }
  return active;
}

const NO_FIXES: readonly Fix[] = Object.freeze([]);

/**
 * Findings in reading order, then by code. Codes compare by UTF-16 code units, which for
 * rule codes (`DL3008`, `BT101`, `StageNameCasing`) is the order `localeCompare` gives,
 * without loading ICU's collator (about 10 ms at startup).
 */
function byPosition(a: Finding, b: Finding): number {
  return a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** Lints Dockerfile text. Never throws on any input. */
export function lintDockerfile(input: LintInput): LintResult {
  const config = input.config ?? DEFAULT_CONFIG;
  const text = input.text.charCodeAt(0) === 0xfeff ? input.text.slice(1) : input.text;
  if (looksBinary(text)) {
    return { dockerfile: undefined, findings: [meta('BT001', 'This file is not a Dockerfile: it holds binary content (NUL bytes or invalid UTF-8). Nothing was linted.', 'info')], omitted: 0, binary: true };
  }
  if (text.length > MAX_LINT_BYTES) {
    return { dockerfile: undefined, findings: [meta('BT002', `This file is too large to lint (${(text.length / 1048576).toFixed(1)} MB; the limit is ${MAX_LINT_BYTES / 1048576} MB).`, 'info')], omitted: 0, binary: false };
  }
  const df = parseDockerfile(text);
  const options: LintOptions = {
    trustedRegistries: input.options?.trustedRegistries ?? config.trustedRegistries,
    labelSchema: input.options?.labelSchema ?? config.labelSchema,
    strictLabels: input.options?.strictLabels ?? config.strictLabels,
    buildContext: input.options?.buildContext,
  };
  const findings: Finding[] = df.problems.map((p) => meta('DL1000', p.message, 'error', p.range));
  const pragmas = config.disableIgnorePragma ? NO_PRAGMAS : readPragmas(df);
  const perLine = pragmas.perLine.size > 0 ? pragmas.perLine : undefined;
  const check = readCheckDirective(df);
  const commandCache = new Map<Instruction, readonly RunCommand[]>();

  let current: ActiveRule | undefined;
  let severity: Severity = 'warning';
  const ctx: RuleContext = {
    df,
    options,
    finalStage: df.stages[df.stages.length - 1],
    report(range: Range, message: string, fixes: readonly Fix[] = NO_FIXES): void {
      const active = current as ActiveRule;
      if (perLine) {
        // A pragma on the line above the instruction that holds this range silences it.
        const inst = instructionContaining(df, range.start.line);
        if (perLine.get(inst ? inst.range.start.line : range.start.line)?.has(active.code)) return;
      }
      findings.push({ code: active.rule.code, family: active.rule.family, severity, message, range, fixes });
    },
    commands(inst: Instruction): readonly RunCommand[] {
      let cached = commandCache.get(inst);
      if (!cached) { cached = runCommandsOf(inst); commandCache.set(inst, cached); }
      return cached;
    },
    commandRange(inst: Instruction, cmd: RunCommand, from?: number, to?: number): Range {
      return commandRange(df, inst, cmd, from, to);
    },
  };

  const skipsSome = pragmas.global.size > 0 || check.skipAll || check.skip.size > 0;
  for (const active of activeRules(input.rules ?? ALL_RULES, config)) {
    const { rule, code } = active;
    if (skipsSome && (pragmas.global.has(code) || (rule.family === 'buildkit' && (check.skipAll || check.skip.has(code))))) continue;
    current = active;
    severity = check.error ? active.severityOnCheckError : active.severity;
    const started = input.ruleTimes ? performance.now() : 0;
    try {
      rule.check(ctx);
      if (input.ruleTimes) input.ruleTimes.set(rule.code, (input.ruleTimes.get(rule.code) ?? 0) + performance.now() - started);
    } catch (err) {
      // A rule bug must never take the linter down; it becomes a visible finding instead.
      findings.push(meta('BT000', `Internal error in rule ${rule.code}: ${err instanceof Error ? err.message : String(err)}`, 'info'));
    }
  }
  current = undefined;

  findings.sort(byPosition);
  if (findings.length > config.maxFindings) {
    const kept = findings.slice(0, config.maxFindings);
    const omitted = findings.length - kept.length;
    kept.push(meta('BT003', `${omitted} more findings were not shown (limit ${config.maxFindings}).`, 'info', (kept[kept.length - 1] as Finding).range));
    return { dockerfile: df, findings: kept, omitted, binary: false };
  }
  return { dockerfile: df, findings, omitted: 0, binary: false };
}

function instructionContaining(df: Dockerfile, line: number): Instruction | undefined {
  const list = df.instructions;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const inst = list[mid] as Instruction;
    if (line < inst.range.start.line) hi = mid - 1;
    else if (line > inst.range.end.line) lo = mid + 1;
    else return inst;
  }
  return undefined;
}

/** Index of a severity, 0 = error. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export type { ShellCommand };
