/**
 * The Dockerfile model shared by the linter, the code lenses, the quick fixes and the CLI.
 * Positions are 0-based; `endCol` is exclusive. Nothing here touches I/O.
 */

export interface Position {
  readonly line: number;
  readonly col: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/** A `--name=value` (or bare `--name`) flag of an instruction, e.g. `--from=build`. */
export interface Flag {
  /** Lower-cased name without the dashes: `from`, `mount`, `chown`. */
  readonly name: string;
  /** The value after `=`, or undefined for a bare flag. */
  readonly value: string | undefined;
  readonly range: Range;
}

/** A heredoc body attached to RUN, COPY or ADD (`RUN <<EOF ... EOF`). */
export interface Heredoc {
  readonly delimiter: string;
  /** `<<-EOF`: leading tabs are stripped from the body. */
  readonly stripTabs: boolean;
  /** `<<"EOF"` or `<<'EOF'`: no variable expansion in the body. */
  readonly quoted: boolean;
  /** The body, lines joined with `\n`, without the terminator line. */
  readonly content: string;
  /** First line of the body (0-based). */
  readonly contentStartLine: number;
  /** False when the file ended before the terminator. */
  readonly terminated: boolean;
}

/**
 * One piece of an instruction's argument text and where it came from: the argument
 * string joins continuation lines, so an offset in it maps back to a source position
 * through these segments.
 */
export interface ArgSegment {
  /** Offset in `Instruction.args` where this segment starts. */
  readonly offset: number;
  readonly line: number;
  readonly col: number;
  readonly length: number;
}

export type InstructionKeyword =
  | 'FROM' | 'RUN' | 'CMD' | 'LABEL' | 'MAINTAINER' | 'EXPOSE' | 'ENV' | 'ADD' | 'COPY'
  | 'ENTRYPOINT' | 'VOLUME' | 'USER' | 'WORKDIR' | 'ARG' | 'ONBUILD' | 'STOPSIGNAL'
  | 'HEALTHCHECK' | 'SHELL';

export const KNOWN_KEYWORDS: ReadonlySet<string> = new Set<InstructionKeyword>([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT',
  'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

export interface Instruction {
  /** Upper-cased keyword; unknown keywords keep their upper-cased spelling. */
  readonly keyword: string;
  /** The keyword exactly as written (for casing checks). */
  readonly keywordRaw: string;
  /** The whole instruction, continuation lines and heredoc bodies included. */
  readonly range: Range;
  readonly keywordRange: Range;
  readonly flags: readonly Flag[];
  /**
   * Argument text after the flags, continuation lines joined (escape + newline removed,
   * comment lines inside the continuation dropped). Heredoc bodies are not included.
   */
  readonly args: string;
  readonly argSegments: readonly ArgSegment[];
  /** Exec form (`["a", "b"]`) when the arguments are a valid JSON array of strings. */
  readonly json: readonly string[] | undefined;
  readonly heredocs: readonly Heredoc[];
  /** Index of the stage this instruction belongs to; -1 before the first FROM. */
  readonly stageIndex: number;
  /** For `ONBUILD <instruction>`: the wrapped instruction. */
  readonly onbuild: Instruction | undefined;
  /** Index in `Dockerfile.instructions`. */
  readonly index: number;
}

export interface Comment {
  readonly line: number;
  /** Text after `#`, trimmed. */
  readonly text: string;
  /** True when the comment sits between continuation lines of an instruction. */
  readonly insideInstruction: boolean;
}

export interface ParserDirectives {
  readonly escape: string;
  readonly syntax: string | undefined;
  /** Raw value of `# check=...` (BuildKit build-check configuration). */
  readonly check: string | undefined;
  /** Lines that held directives, with their names, for diagnostics. */
  readonly lines: readonly { line: number; name: string; value: string }[];
}

export interface ParseProblem {
  readonly message: string;
  readonly range: Range;
}

/** A parsed image reference: `[registry/]repository[:tag][@digest]`. */
export interface ImageRef {
  readonly raw: string;
  /** Registry host as written (`ghcr.io`, `localhost:5000`), or undefined for Docker Hub. */
  readonly registry: string | undefined;
  /** Repository path without registry: `library/node` is written `node`. */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export interface StageUse {
  readonly byStage: number;
  readonly via: 'FROM' | 'COPY --from' | 'RUN --mount';
  readonly instruction: Instruction;
}

export interface Stage {
  readonly index: number;
  /** Name after `AS`, as written; compare with `nameLower`. */
  readonly name: string | undefined;
  readonly nameLower: string | undefined;
  readonly from: Instruction;
  /** The base image text after ARG substitution (`node:22-slim`, `build`, `scratch`). */
  readonly baseImage: string;
  /** The base image text as written. */
  readonly baseImageRaw: string;
  /** Set when the base is an earlier stage (`FROM build`). */
  readonly baseStage: number | undefined;
  /** Parsed image reference when the base is an image (not a stage, not scratch). */
  readonly image: ImageRef | undefined;
  readonly platform: string | undefined;
  /** Instructions after FROM up to the next FROM. */
  readonly instructions: readonly Instruction[];
  /** Stages that use this one. */
  readonly usedBy: readonly StageUse[];
  readonly isFinal: boolean;
}

export interface Dockerfile {
  readonly text: string;
  readonly lines: readonly string[];
  readonly directives: ParserDirectives;
  readonly instructions: readonly Instruction[];
  readonly comments: readonly Comment[];
  readonly stages: readonly Stage[];
  /** ARG instructions before the first FROM. */
  readonly globalArgs: readonly Instruction[];
  readonly problems: readonly ParseProblem[];
}
