// Reading and linting one file: the unit of work, on the main thread or in a worker.
import type { Readable } from 'node:stream';
import type { LintConfig } from '../core/dockerfile/lint';
import { lintDockerfile } from '../core/dockerfile/lint';
import type { Finding } from '../core/dockerfile/rules/types';
import type { DockerignoreReader } from './io';
import { MAX_CLI_BYTES, readDockerfile } from './io';

/** Findings without their fixes: the CLI prints no fixes, and workers send less. */
export type PlainFinding = Omit<Finding, 'fixes'>;

export interface Linted {
  readonly path: string;
  /** Undefined when the file could not be read. */
  readonly findings: readonly PlainFinding[] | undefined;
  readonly error: string | undefined;
}

function tooLargeFinding(bytes: number): PlainFinding {
  return {
    code: 'BT002',
    family: 'parser',
    severity: 'info',
    message: `This file is too large to lint (${(bytes / 1e6).toFixed(1)} MB; the limit is ${MAX_CLI_BYTES / 1e6} MB).`,
    range: { start: { line: 0, col: 0 }, end: { line: 0, col: 1 } },
  };
}

/** Reads, lints and never throws: every failure becomes an error or a finding. */
export async function lintPath(path: string, config: LintConfig, dockerignores: DockerignoreReader, stdin: Readable): Promise<Linted> {
  try {
    const [input, buildContext] = await Promise.all([readDockerfile(path, stdin), dockerignores.forDockerfile(path)]);
    if (input.kind === 'error') return { path, findings: undefined, error: input.message };
    if (input.kind === 'too-large') return { path, findings: [tooLargeFinding(input.bytes)], error: undefined };
    const result = lintDockerfile({ text: input.text, config, options: { buildContext } });
    const findings = result.findings.map((f): PlainFinding => ({ code: f.code, family: f.family, severity: f.severity, message: f.message, range: f.range }));
    return { path, findings, error: undefined };
  } catch (err) {
    return { path, findings: undefined, error: `internal error: ${err instanceof Error ? err.message : String(err)}` };
  }
}
