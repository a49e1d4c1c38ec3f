/**
 * Lint settings with hadolint's meaning, from any source: `.hadolint.yaml` (parsed in
 * hadolintConfig.ts), `HADOLINT_*` variables, command-line flags, editor settings. Pure,
 * and free of the YAML parser so that a run without a config file never loads it.
 *
 * Merging follows hadolint 2.x (Config/Configuration.hs): lists (`ignored`, `override.*`,
 * `trustedRegistries`) from several sources add up; single values (`failure-threshold`,
 * `no-fail`, ...) come from the last source that sets them.
 */
import type { Range } from '../dockerfile/model';
import type { LintConfig } from '../dockerfile/lint';
import { DEFAULT_CONFIG } from '../dockerfile/lint';
import type { Severity } from '../dockerfile/rules/types';
import { SEVERITIES } from '../dockerfile/rules/types';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The lowest severity that makes the linter exit with a failure. `none` (hadolint also
 * spells it `ignore`) keeps hadolint's meaning: every finding fails; `noFail` is the
 * switch that never fails.
 */
export type FailureThreshold = Severity | 'none';

/** hadolint's output formats (`format:` / `--format`); which ones a tool prints is its own business. */
export const HADOLINT_FORMATS: readonly string[] = [
  'tty', 'json', 'checkstyle', 'codeclimate', 'gitlab_codeclimate', 'gnu', 'codacy', 'sonarqube', 'sarif', 'junit',
];

/** hadolint's label types for `label-schema` and `--require-label`. */
export const LABEL_TYPES: readonly string[] = ['text', 'url', 'semver', 'hash', 'rfc3339', 'spdx', 'email'];

/** The lint engine's configuration plus the switches that only decide the exit code and the output. */
export interface HadolintSettings extends LintConfig {
  readonly failureThreshold: FailureThreshold;
  readonly noFail: boolean;
  /** Output only (CLI). */
  readonly noColor: boolean;
  /** Output only (CLI). */
  readonly verbose: boolean;
  /** Output only (CLI): a name from {@link HADOLINT_FORMATS}, or undefined for the tool's default. */
  readonly format: string | undefined;
}

/** One source of settings: every field is optional, unset fields leave earlier sources alone. */
export interface PartialSettings {
  readonly ignored?: readonly string[];
  /** Rule code (lower-cased) -> severity. */
  readonly override?: Readonly<Record<string, Severity>>;
  readonly trustedRegistries?: readonly string[];
  readonly labelSchema?: Readonly<Record<string, string>>;
  readonly strictLabels?: boolean;
  readonly disableIgnorePragma?: boolean;
  readonly failureThreshold?: FailureThreshold;
  readonly noFail?: boolean;
  readonly noColor?: boolean;
  readonly verbose?: boolean;
  readonly format?: string;
}

/** hadolint's defaults: threshold `info`, nothing ignored, tty output. */
export const DEFAULT_SETTINGS: HadolintSettings = {
  ...DEFAULT_CONFIG,
  failureThreshold: 'info',
  noFail: false,
  noColor: false,
  verbose: false,
  format: undefined,
};

/** A problem in a configuration file; `range` is 0-based like the Dockerfile model. */
export interface ConfigProblem {
  readonly message: string;
  readonly range: Range;
}

/** Reads a threshold name as hadolint does (`ignore` and `none` mean the same). */
export function parseFailureThreshold(value: string): FailureThreshold | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'none' || v === 'ignore') return 'none';
  return (SEVERITIES as readonly string[]).includes(v) ? (v as Severity) : undefined;
}

/** True when a finding of this severity makes the run fail under the threshold. */
export function failsThreshold(severity: Severity, threshold: FailureThreshold): boolean {
  if (threshold === 'none') return true;
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** `maintainer:text` (hadolint `--require-label`) -> `[label, type]`, or an error message. */
export function parseLabelRequirement(item: string): [string, string] | string {
  const colon = item.indexOf(':');
  if (colon <= 0) return `"${item}" is not of the form LABEL:TYPE (e.g. maintainer:text)`;
  const name = item.slice(0, colon).trim();
  const type = item.slice(colon + 1).trim().toLowerCase();
  if (!LABEL_TYPES.includes(type)) return `unknown label type "${type}" for "${name}"; use one of ${LABEL_TYPES.join(', ')}`;
  return [name, type];
}

/** `line 3, column 5: message` (1-based). */
export function describeProblem(problem: ConfigProblem): string {
  return `line ${problem.range.start.line + 1}, column ${problem.range.start.col + 1}: ${problem.message}`;
}

/** hadolint's truthy spellings for `HADOLINT_*` switches. */
function truthy(value: string): boolean {
  return ['1', 'y', 'on', 'true', 'yes'].includes(value.trim().toLowerCase());
}

function commaList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Reads hadolint's environment variables (`HADOLINT_NOFAIL`, `HADOLINT_FAILURE_THRESHOLD`,
 * `HADOLINT_IGNORE`, `NO_COLOR`, ...). Values hadolint would not understand are skipped
 * with a warning.
 */
export function settingsFromEnvironment(env: Readonly<Record<string, string | undefined>>): { settings: PartialSettings; warnings: string[] } {
  const out: Mutable<PartialSettings> = {};
  const warnings: string[] = [];
  const flag = (name: string): boolean | undefined => (env[name] === undefined ? undefined : truthy(env[name]));
  const noFail = flag('HADOLINT_NOFAIL');
  if (noFail !== undefined) out.noFail = noFail;
  if (env.NO_COLOR !== undefined) out.noColor = true;
  const verbose = flag('HADOLINT_VERBOSE');
  if (verbose !== undefined) out.verbose = verbose;
  const strict = flag('HADOLINT_STRICT_LABELS');
  if (strict !== undefined) out.strictLabels = strict;
  const noPragma = flag('HADOLINT_DISABLE_IGNORE_PRAGMA');
  if (noPragma !== undefined) out.disableIgnorePragma = noPragma;
  const format = env.HADOLINT_FORMAT?.trim().toLowerCase();
  if (format) {
    if (HADOLINT_FORMATS.includes(format)) out.format = format;
    else warnings.push(`HADOLINT_FORMAT="${format}" is not a known format; ignored`);
  }
  const threshold = env.HADOLINT_FAILURE_THRESHOLD;
  if (threshold !== undefined && threshold.trim() !== '') {
    const parsed = parseFailureThreshold(threshold);
    if (parsed) out.failureThreshold = parsed;
    else warnings.push(`HADOLINT_FAILURE_THRESHOLD="${threshold}" is not a threshold; ignored`);
  }
  const override: Record<string, Severity> = {};
  for (const level of SEVERITIES) {
    for (const code of commaList(env[`HADOLINT_OVERRIDE_${level.toUpperCase()}`])) override[code.toLowerCase()] = level;
  }
  if (Object.keys(override).length > 0) out.override = override;
  const ignored = commaList(env.HADOLINT_IGNORE);
  if (ignored.length > 0) out.ignored = ignored;
  const registries = commaList(env.HADOLINT_TRUSTED_REGISTRIES);
  if (registries.length > 0) out.trustedRegistries = registries;
  const labels: Record<string, string> = {};
  for (const item of commaList(env.HADOLINT_REQUIRE_LABELS)) {
    const parsed = parseLabelRequirement(item);
    if (typeof parsed === 'string') warnings.push(`HADOLINT_REQUIRE_LABELS: ${parsed}; ignored`);
    else labels[parsed[0]] = parsed[1];
  }
  if (Object.keys(labels).length > 0) out.labelSchema = labels;
  return { settings: out, warnings };
}

function union(a: readonly string[], b: readonly string[] | undefined, fold: (s: string) => string): readonly string[] {
  if (!b || b.length === 0) return a;
  const seen = new Set(a.map(fold));
  const out = [...a];
  for (const item of b) {
    const k = fold(item);
    if (!seen.has(k)) { seen.add(k); out.push(item); }
  }
  return out;
}

/**
 * Merges sources in increasing precedence: `mergeSettings(fileSettings, envSettings,
 * cliSettings)` starts from {@link DEFAULT_SETTINGS}. Lists add up (as in hadolint, an
 * `--ignore` adds to the file's `ignored`); a code's override and a label's type from a
 * later source replace earlier ones; single values from a later source win.
 */
export function mergeSettings(...layers: readonly (PartialSettings | undefined)[]): HadolintSettings {
  let merged: HadolintSettings = DEFAULT_SETTINGS;
  for (const layer of layers) {
    if (!layer) continue;
    merged = {
      ...merged,
      ignored: union(merged.ignored, layer.ignored, (s) => s.toLowerCase()),
      override: layer.override ? { ...merged.override, ...lowerKeys(layer.override) } : merged.override,
      trustedRegistries: union(merged.trustedRegistries, layer.trustedRegistries, (s) => s),
      labelSchema: layer.labelSchema ? { ...merged.labelSchema, ...layer.labelSchema } : merged.labelSchema,
      strictLabels: layer.strictLabels ?? merged.strictLabels,
      disableIgnorePragma: layer.disableIgnorePragma ?? merged.disableIgnorePragma,
      failureThreshold: layer.failureThreshold ?? merged.failureThreshold,
      noFail: layer.noFail ?? merged.noFail,
      noColor: layer.noColor ?? merged.noColor,
      verbose: layer.verbose ?? merged.verbose,
      format: layer.format ?? merged.format,
    };
  }
  return merged;
}

function lowerKeys(record: Readonly<Record<string, Severity>>): Record<string, Severity> {
  const out: Record<string, Severity> = {};
  for (const [k, v] of Object.entries(record)) out[k.toLowerCase()] = v;
  return out;
}

/** `file:line:col: message` with 1-based line and column, as compilers print it. */
export function formatConfigProblem(file: string, problem: ConfigProblem): string {
  return `${file}:${problem.range.start.line + 1}:${problem.range.start.col + 1}: ${problem.message}`;
}
