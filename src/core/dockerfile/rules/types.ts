import type { Dockerfile, Instruction, Range, Stage } from '../model';
import type { ShellCommand } from '../shell';

/** hadolint's levels, most severe first. */
export type Severity = 'error' | 'warning' | 'info' | 'style';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'style'];

export type RuleFamily = 'hadolint' | 'buildkit' | 'berth';

export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

/** A mechanical fix: applying every edit (all against the original text) fixes the finding. */
export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
  readonly preferred?: boolean;
}

export interface Finding {
  readonly code: string;
  readonly family: RuleFamily | 'parser';
  readonly severity: Severity;
  readonly message: string;
  readonly range: Range;
  readonly fixes: readonly Fix[];
}

/** What is known about the build context next to the Dockerfile (when it is known). */
export interface BuildContextInfo {
  /** Content of the `.dockerignore` that applies, or undefined when there is none. */
  readonly dockerignore: string | undefined;
}

export interface BaseImageSize {
  readonly ref: string;
  readonly compressedMB: number | undefined;
  readonly onDiskMB: number | undefined;
  /** Where the figure comes from: `table 2026-09`, `local engine`, `registry`. */
  readonly source: string;
}

export interface LintOptions {
  /** hadolint `trustedRegistries`: when non-empty, DL3026 flags other registries. */
  readonly trustedRegistries: readonly string[];
  /** hadolint `label-schema`: label name to type (text, url, semver, hash, rfc3339, spdx, email). */
  readonly labelSchema: Readonly<Record<string, string>>;
  /** hadolint `strict-labels`: labels not in the schema are findings (DL3050). */
  readonly strictLabels: boolean;
  /** Known when linting a file on disk; undefined for stdin and unsaved buffers. */
  readonly buildContext: BuildContextInfo | undefined;
}

/** One RUN command with where its text came from. */
export interface RunCommand extends ShellCommand {
  /**
   * Index of the heredoc it came from; undefined when it is in the instruction's arguments;
   * -1 for exec form (its offsets are in the JSON array, not in the source).
   */
  readonly heredoc: number | undefined;
}

export interface RuleContext {
  readonly df: Dockerfile;
  readonly options: LintOptions;
  /** Reports a finding of the running rule. */
  report(range: Range, message: string, fixes?: readonly Fix[]): void;
  /**
   * Shell commands of a RUN (ONBUILD RUN: of the wrapped one), cached: shell form, heredoc
   * bodies that RUN hands to a shell (not `RUN python3 <<EOF` or file contents), and
   * exec form (`["sh", "-c", "script"]` opened up). See `commands.ts`.
   */
  commands(inst: Instruction): readonly RunCommand[];
  /**
   * Source range of a command, or of its text `from`..`to` (offsets in its script): exact
   * in shell form and in heredoc bodies, the whole instruction for exec form.
   */
  commandRange(inst: Instruction, cmd: RunCommand, from?: number, to?: number): Range;
  /** The last stage (the image that gets built by default). */
  readonly finalStage: Stage | undefined;
}

export interface RuleDoc {
  /** Why it matters: size, speed or safety. */
  readonly why: string;
  /** A Dockerfile that triggers the rule. */
  readonly bad: string;
  /** The same intent written so that the rule does not trigger. */
  readonly good: string;
  /** Build context to lint the examples with (rules about `.dockerignore`). */
  readonly context?: BuildContextInfo;
  /** Where Berth deliberately differs from hadolint or BuildKit, and why. */
  readonly deviation?: string;
  /** Options to lint the examples with (trusted registries, label schema). */
  readonly options?: Partial<LintOptions>;
}

export interface Rule {
  /** `DL3008`, `StageNameCasing`, `BT101`. */
  readonly code: string;
  readonly family: RuleFamily;
  readonly severity: Severity;
  /** One line: what the rule asks for. */
  readonly title: string;
  readonly doc: RuleDoc;
  /**
   * Off unless the configuration names it in `override` (hadolint ships such rules at
   * level "ignore", e.g. DL1001).
   */
  readonly defaultOff?: boolean;
  check(ctx: RuleContext): void;
}
