import type { PartialSettings } from '../../core/config/hadolintConfig';
import type { LintConfig } from '../../core/dockerfile/lint';
import type { Finding, LintOptions } from '../../core/dockerfile/rules/types';
import type { StageSummary } from '../../core/dockerfile/stageSummary';

/**
 * The configuration of one lint, in the form the editor has it: the text of the
 * `.hadolint.yaml` that applies (parsed in the worker, so that the YAML parser and the
 * rule table stay out of the activation bundle) and the VS Code settings on top.
 */
export interface LintConfigSources {
  readonly hadolintFile: { readonly path: string; readonly text: string } | undefined;
  readonly settings: PartialSettings;
  readonly disabledFamilies: LintConfig['disabledFamilies'];
  readonly maxFindings: number;
}

/** A request to the lint worker. */
export interface LintRequest {
  readonly id: number;
  readonly text: string;
  readonly config: LintConfigSources;
  readonly options: Partial<LintOptions>;
}

/** The worker's answer: findings plus what the code lenses show above FROM lines. */
export interface LintResponse {
  readonly id: number;
  readonly findings: readonly Finding[];
  readonly stages: readonly StageSummary[];
  readonly binary: boolean;
  /** Problems in the configuration file (`path:line:col: message`), to log. */
  readonly configProblems: readonly string[];
  /** Time spent linting inside the worker, in milliseconds. */
  readonly elapsedMs: number;
  readonly error?: string;
}
