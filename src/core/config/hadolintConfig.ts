/**
 * hadolint's configuration file (`.hadolint.yaml`) read into Berth's lint settings.
 * Pure: the caller reads the file. Keys and meanings follow hadolint 2.x (README
 * "Configure", Config/Configuration.hs). Merging and the other sources: settings.ts,
 * re-exported here.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Range } from '../dockerfile/model';
import type { Severity } from '../dockerfile/rules/types';
import { SEVERITIES } from '../dockerfile/rules/types';
import type { ConfigProblem, PartialSettings } from './settings';
import { describeProblem, HADOLINT_FORMATS, LABEL_TYPES, parseFailureThreshold } from './settings';

export * from './settings';

export interface ConfigParseResult {
  /** The settings the file sets; empty when `error` is set. */
  readonly config: PartialSettings;
  /** `line L, column C: message` (1-based), or undefined when the file could be used. */
  readonly error: string | undefined;
  /** `line L, column C: message` for each unknown key or rule code. */
  readonly warnings: readonly string[];
  /** The error with its 0-based range, for editor diagnostics. */
  readonly errorProblem: ConfigProblem | undefined;
  /** The warnings with their 0-based ranges. */
  readonly warningProblems: readonly ConfigProblem[];
}

export interface ConfigParseOptions {
  /**
   * Tells whether a rule code exists; codes it rejects get a warning (ShellCheck's
   * `SCxxxx` codes are accepted silently: hadolint configs name them, Berth has none).
   */
  readonly isKnownRule?: (code: string) => boolean;
}

/** Every key hadolint reads from its config file. */
const KNOWN_KEYS = new Set([
  'ignored', 'override', 'trustedRegistries', 'label-schema', 'strict-labels', 'failure-threshold',
  'disable-ignore-pragma', 'no-fail', 'no-color', 'verbose', 'format',
]);

/** Spellings people try that hadolint does not read, with the key it does read. */
const NEAR_MISSES: Readonly<Record<string, string>> = {
  'trusted-registries': 'trustedRegistries',
  trustedregistries: 'trustedRegistries',
  trusted_registries: 'trustedRegistries',
  ignore: 'ignored',
  labelschema: 'label-schema',
  label_schema: 'label-schema',
  labelSchema: 'label-schema',
  strictLabels: 'strict-labels',
  strict_labels: 'strict-labels',
  failureThreshold: 'failure-threshold',
  failure_threshold: 'failure-threshold',
  threshold: 'failure-threshold',
  disableIgnorePragma: 'disable-ignore-pragma',
  noFail: 'no-fail',
  no_fail: 'no-fail',
  noColor: 'no-color',
  'output-format': 'format',
  overrides: 'override',
};

const SHELLCHECK_CODE = /^SC\d{4}$/i;

class ConfigError extends Error {
  constructor(message: string, readonly range: Range) {
    super(message);
  }
}

/**
 * Parses the text of a `.hadolint.yaml`. Unknown keys and unknown rule codes are
 * warnings; YAML syntax errors and values of the wrong type are an error with the
 * position of the offending text. An empty file is an empty configuration.
 */
export function parseHadolintConfig(text: string, options: ConfigParseOptions = {}): ConfigParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const warnings: ConfigProblem[] = [];
  const rangeOf = (start: number, end: number): Range => {
    const a = lineCounter.linePos(Math.min(start, text.length));
    const b = lineCounter.linePos(Math.min(Math.max(end, start), text.length));
    return { start: { line: a.line - 1, col: a.col - 1 }, end: { line: b.line - 1, col: b.col - 1 } };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    const message = firstError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
    return failed({ message: `invalid YAML: ${message}`, range: rangeOf(firstError.pos[0], firstError.pos[1]) }, warnings);
  }
  const nodeRange = (node: unknown): Range => {
    const r = (node as { range?: [number, number, number] } | null)?.range;
    return r ? rangeOf(r[0], r[1]) : rangeOf(0, 0);
  };
  try {
    const config = readRoot(doc.contents, { warnings, nodeRange, isKnownRule: options.isKnownRule });
    return { config, error: undefined, warnings: warnings.map(describeProblem), errorProblem: undefined, warningProblems: warnings };
  } catch (err) {
    if (err instanceof ConfigError) return failed({ message: err.message, range: err.range }, warnings);
    throw err;
  }
}

function failed(error: ConfigProblem, warnings: readonly ConfigProblem[]): ConfigParseResult {
  return { config: {}, error: describeProblem(error), warnings: warnings.map(describeProblem), errorProblem: error, warningProblems: warnings };
}

interface ReadContext {
  readonly warnings: ConfigProblem[];
  readonly nodeRange: (node: unknown) => Range;
  readonly isKnownRule: ((code: string) => boolean) | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function readRoot(root: unknown, ctx: ReadContext): PartialSettings {
  const out: Mutable<PartialSettings> = {};
  if (root === null || root === undefined) return out;
  if (isScalar(root) && (root.value === null || root.value === '')) return out;
  if (!isMap(root)) {
    throw new ConfigError('the configuration must be a mapping of keys such as `ignored:`, `override:` or `trustedRegistries:`', ctx.nodeRange(root));
  }
  for (const pair of root.items) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    const value = pair.value;
    if (key === undefined) {
      throw new ConfigError('keys must be plain names', ctx.nodeRange(keyNode));
    }
    if (!KNOWN_KEYS.has(key)) {
      const hint = NEAR_MISSES[key];
      ctx.warnings.push({
        message: hint ? `unknown key "${key}" is ignored; hadolint reads "${hint}"` : `unknown key "${key}" is ignored`,
        range: ctx.nodeRange(keyNode),
      });
      continue;
    }
    // `key:` with nothing after it is the same as leaving the key out.
    if (value === null || (isScalar(value) && value.value === null)) continue;
    switch (key) {
      case 'ignored':
        out.ignored = readCodes(value, key, ctx);
        break;
      case 'override':
        out.override = readOverride(value, ctx);
        break;
      case 'trustedRegistries':
        out.trustedRegistries = readStringOrList(value, key, ctx);
        break;
      case 'label-schema':
        out.labelSchema = readLabelSchema(value, ctx);
        break;
      case 'strict-labels':
        out.strictLabels = readBoolean(value, key, ctx);
        break;
      case 'disable-ignore-pragma':
        out.disableIgnorePragma = readBoolean(value, key, ctx);
        break;
      case 'no-fail':
        out.noFail = readBoolean(value, key, ctx);
        break;
      case 'no-color':
        out.noColor = readBoolean(value, key, ctx);
        break;
      case 'verbose':
        out.verbose = readBoolean(value, key, ctx);
        break;
      case 'failure-threshold': {
        const raw = readString(value, key, ctx);
        const threshold = parseFailureThreshold(raw);
        if (!threshold) throw new ConfigError(`"failure-threshold" must be one of error, warning, info, style, ignore, none (got "${raw}")`, ctx.nodeRange(value));
        out.failureThreshold = threshold;
        break;
      }
      case 'format': {
        const raw = readString(value, key, ctx).trim().toLowerCase();
        if (!HADOLINT_FORMATS.includes(raw)) throw new ConfigError(`"format" must be one of ${HADOLINT_FORMATS.join(', ')} (got "${raw}")`, ctx.nodeRange(value));
        out.format = raw;
        break;
      }
    }
  }
  return out;
}

function describe(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) return node.value === null ? 'nothing' : `${typeof node.value} ${JSON.stringify(node.value)}`;
  return 'something else';
}

function readString(node: unknown, key: string, ctx: ReadContext): string {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value);
  throw new ConfigError(`"${key}" must be a string, not ${describe(node)}`, ctx.nodeRange(node));
}

function readBoolean(node: unknown, key: string, ctx: ReadContext): boolean {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  throw new ConfigError(`"${key}" must be true or false, not ${describe(node)}`, ctx.nodeRange(node));
}

function readStringList(node: unknown, key: string, ctx: ReadContext): { value: string; node: YamlNode }[] {
  if (!isSeq(node)) throw new ConfigError(`"${key}" must be a list, not ${describe(node)}`, ctx.nodeRange(node));
  const out: { value: string; node: YamlNode }[] = [];
  for (const item of node.items) {
    if (isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number')) {
      const value = String(item.value).trim();
      if (value) out.push({ value, node: item });
      continue;
    }
    throw new ConfigError(`"${key}" must list strings, not ${describe(item)}`, ctx.nodeRange(item));
  }
  return out;
}

/** `trustedRegistries: docker.io` or a list of them, as hadolint accepts both. */
function readStringOrList(node: unknown, key: string, ctx: ReadContext): string[] {
  if (isScalar(node)) return [readString(node, key, ctx).trim()].filter(Boolean);
  return readStringList(node, key, ctx).map((i) => i.value);
}

function readCodes(node: unknown, key: string, ctx: ReadContext): string[] {
  const items = readStringList(node, key, ctx);
  for (const { value, node: itemNode } of items) checkCode(value, itemNode, ctx);
  return items.map((i) => i.value);
}

function checkCode(code: string, node: YamlNode, ctx: ReadContext): void {
  if (!ctx.isKnownRule || SHELLCHECK_CODE.test(code) || ctx.isKnownRule(code)) return;
  ctx.warnings.push({ message: `unknown rule code "${code}"`, range: ctx.nodeRange(node) });
}

function readOverride(node: unknown, ctx: ReadContext): Record<string, Severity> {
  if (!isMap(node)) throw new ConfigError(`"override" must be a mapping of error/warning/info/style to lists of rule codes, not ${describe(node)}`, ctx.nodeRange(node));
  const out: Record<string, Severity> = {};
  const levelOf = new Map<string, Severity>();
  for (const pair of node.items) {
    const level = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(SEVERITIES as readonly string[]).includes(level)) {
      ctx.warnings.push({ message: `unknown override level "${level}" is ignored; use error, warning, info or style`, range: ctx.nodeRange(pair.key) });
      continue;
    }
    if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue;
    for (const { value: code, node: itemNode } of readStringList(pair.value, `override.${level}`, ctx)) {
      checkCode(code, itemNode, ctx);
      const lower = code.toLowerCase();
      const earlier = levelOf.get(lower);
      if (earlier && earlier !== level) {
        ctx.warnings.push({ message: `"${code}" is listed under both "${earlier}" and "${level}"; "${level}" is used`, range: ctx.nodeRange(itemNode) });
      }
      levelOf.set(lower, level as Severity);
      // Lower-cased: the engine looks overrides up case-insensitively by lower-case code.
      out[lower] = level as Severity;
    }
  }
  return out;
}

function readLabelSchema(node: unknown, ctx: ReadContext): Record<string, string> {
  if (!isMap(node)) throw new ConfigError(`"label-schema" must map label names to types (${LABEL_TYPES.join(', ')}), not ${describe(node)}`, ctx.nodeRange(node));
  const out: Record<string, string> = {};
  for (const pair of node.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const type = isScalar(pair.value) && typeof pair.value.value === 'string' ? pair.value.value.trim().toLowerCase() : '';
    if (!LABEL_TYPES.includes(type)) {
      throw new ConfigError(`label "${name}" needs a type among ${LABEL_TYPES.join(', ')}`, ctx.nodeRange(pair.value ?? pair.key));
    }
    out[name] = type;
  }
  return out;
}

