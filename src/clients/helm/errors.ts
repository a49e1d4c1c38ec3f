// The one error the helm adapters reject with. It carries a kind the vscode layer can switch on
// (no message parsing there), helm's stderr with secrets redacted, and, when helm names one,
// the chart or values file and line the problem is in.
import { parseTemplateError } from '../../core/helm/lintOutput';
import type { HelmTemplateError } from '../../core/helm/lintOutput';
import { redactSecrets } from '../../core/kube/execCredential';
import { sanitizeServerText } from '../../core/kube/failures';
import type { HelmErrorKind } from './api';

/** helm refuses to touch a release whose latest revision is pending-install/upgrade/rollback. */
const RELEASE_LOCKED = /another operation \(install\/upgrade\/rollback\) is in progress/;

export interface HelmErrorDetails {
  exitCode?: number;
  /** helm's stderr (or its tail); redacted here. */
  stderr?: string;
  /** What to try, for a notification's detail or a tooltip. */
  hint?: string;
}

export class HelmError extends Error {
  override name = 'HelmError';
  readonly kind: HelmErrorKind;
  /** Set when helm ran and exited non-zero. */
  readonly exitCode: number | undefined;
  /** helm's stderr with bearer tokens, passwords and key material redacted. */
  readonly stderr: string;
  readonly hint: string;
  /**
   * Where helm says the problem is (a template's file and 0-based line, a broken values file),
   * from core's parseTemplateError; undefined when stderr has no `Error:` line.
   */
  readonly problem: HelmTemplateError | undefined;

  constructor(kind: HelmErrorKind, message: string, details: HelmErrorDetails = {}) {
    super(message);
    this.kind = kind;
    this.exitCode = details.exitCode;
    this.stderr = redactSecrets(details.stderr ?? '');
    this.hint = details.hint ?? '';
    this.problem = this.stderr ? parseTemplateError(this.stderr) : undefined;
  }
}

export function isHelmError(error: unknown): error is HelmError {
  return error instanceof HelmError;
}

/**
 * What stderr says went wrong: helm's `Error: ...` with its indented continuation lines (helm 4
 * splits template errors over several), else the last line. Sanitised, redacted, at most 300
 * characters.
 */
function reasonOf(stderr: string): string {
  const lines = stderr.split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith('Error: '));
  if (start < 0) return sanitizeServerText(lines.map((l) => l.trim()).filter((l) => l !== '').at(-1) ?? '');
  const block = [(lines[start] ?? '').slice('Error: '.length)];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    block.push(line.trim());
  }
  return sanitizeServerText(block.join(' '));
}

/** The HelmError for a run that exited non-zero. `command` is helm's subcommand (`upgrade`) for the message. */
export function failedRunError(command: string, exitCode: number | null, exitSignal: NodeJS.Signals | null, stderr: string): HelmError {
  const reason = reasonOf(stderr);
  const how = exitCode !== null ? `exit code ${exitCode}` : `killed by ${exitSignal ?? 'a signal'}`;
  if (RELEASE_LOCKED.test(stderr)) {
    return new HelmError('release-locked', `helm ${command}: the release is locked by another operation (install, upgrade or rollback) that is in progress or was interrupted`, {
      ...(exitCode !== null ? { exitCode } : {}),
      stderr,
      hint: 'If no helm process is still working on this release, roll it back to its last deployed revision (or uninstall it if it was never deployed); then try again.',
    });
  }
  return new HelmError('failed', reason ? `helm ${command} failed: ${reason}` : `helm ${command} failed (${how}) without saying why`, {
    ...(exitCode !== null ? { exitCode } : {}),
    stderr,
  });
}
