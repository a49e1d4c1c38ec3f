import { mergeSettings, parseHadolintConfig } from '../../core/config/hadolintConfig';
import type { ConfigParseResult } from '../../core/config/hadolintConfig';
import { lintDockerfile } from '../../core/dockerfile/lint';
import type { LintConfig } from '../../core/dockerfile/lint';
import { findRule } from '../../core/dockerfile/rules/index';
import { summariseStages } from '../../core/dockerfile/stageSummary';
import { lookupBaseImageFacts } from '../../core/images/baseImageFacts';
import type { LintConfigSources, LintRequest, LintResponse } from './protocol';

// The same config file is linted with again and again while typing: parse it once.
let lastConfig: { text: string; result: ConfigParseResult } | undefined;

function parseConfigFile(text: string): ConfigParseResult {
  if (lastConfig?.text !== text) {
    lastConfig = { text, result: parseHadolintConfig(text, { isKnownRule: (code) => findRule(code) !== undefined }) };
  }
  return lastConfig.result;
}

/** Resolves the configuration sources into the engine's configuration. */
export function resolveConfig(sources: LintConfigSources): { config: LintConfig; problems: string[] } {
  const problems: string[] = [];
  let fromFile;
  if (sources.hadolintFile) {
    const parsed = parseConfigFile(sources.hadolintFile.text);
    if (parsed.error !== undefined) problems.push(`${sources.hadolintFile.path}: ${parsed.error}; the file was not used`);
    else fromFile = parsed.config;
    for (const warning of parsed.warnings) problems.push(`${sources.hadolintFile.path}: ${warning}`);
  }
  const merged = mergeSettings(fromFile, sources.settings);
  return { config: { ...merged, disabledFamilies: sources.disabledFamilies, maxFindings: sources.maxFindings }, problems };
}

/** Lints one document and summarises its stages; used by the worker thread. */
export function analyse(request: LintRequest): LintResponse {
  const started = performance.now();
  try {
    const { config, problems } = resolveConfig(request.config);
    const result = lintDockerfile({ text: request.text, config, options: request.options });
    const stages = result.dockerfile ? summariseStages(result.dockerfile, lookupBaseImageFacts) : [];
    return { id: request.id, findings: result.findings, stages, binary: result.binary, configProblems: problems, elapsedMs: performance.now() - started };
  } catch (err) {
    return { id: request.id, findings: [], stages: [], binary: false, configProblems: [], elapsedMs: performance.now() - started, error: err instanceof Error ? err.message : String(err) };
  }
}
