import * as vscode from 'vscode';
import type { Range } from '../../core/dockerfile/model';
import type { ManifestCheckCode, ManifestSeverity } from '../../core/k8s/manifestChecks';
import { checkDocAnchors } from './manifestLogic';
import type { CheckDocAnchor } from './manifestLogic';

export const DIAGNOSTIC_SOURCE = 'berth';

const SEVERITY: Record<ManifestSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/**
 * Links from a check's code to its section of the bundled docs/k8s-checks.md: the
 * diagnostic's code opens the file at the section's heading (`#L<line>`, which editors
 * understand), and "Show documentation" opens the Markdown preview at its anchor.
 */
export class CheckDocs {
  private anchors: Map<string, CheckDocAnchor> | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  get file(): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, 'docs', 'k8s-checks.md');
  }

  /** Reads the headings once; a missing file only means links without a line. */
  ready(): Promise<void> {
    this.loading ??= (async () => {
      try {
        this.anchors = checkDocAnchors(new TextDecoder().decode(await vscode.workspace.fs.readFile(this.file)));
      } catch {
        this.anchors = new Map();
      }
    })();
    return this.loading;
  }

  /** The diagnostic's code link. */
  target(code: string): vscode.Uri {
    const anchor = this.anchors?.get(code);
    return anchor ? this.file.with({ fragment: `L${anchor.line + 1}` }) : this.file;
  }

  async showPreview(code: string): Promise<void> {
    await this.ready();
    const anchor = this.anchors?.get(code);
    await vscode.commands.executeCommand('markdown.showPreview', anchor ? this.file.with({ fragment: anchor.slug }) : this.file);
  }
}

export function toVsRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.col, range.end.line, range.end.col);
}

/** A Berth diagnostic for a BK check; an empty range on one line is widened to one character so it shows. */
export function checkDiagnostic(
  docs: CheckDocs, code: ManifestCheckCode, severity: ManifestSeverity, message: string, range: Range,
  related: readonly { uri: vscode.Uri; range: Range; message: string }[],
): vscode.Diagnostic {
  const { start, end } = range;
  const endCol = end.line === start.line ? Math.max(end.col, start.col + 1) : end.col;
  const diagnostic = new vscode.Diagnostic(new vscode.Range(start.line, start.col, end.line, endCol), message, SEVERITY[severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: code, target: docs.target(code) };
  if (related.length > 0) {
    diagnostic.relatedInformation = related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(r.uri, toVsRange(r.range)), r.message));
  }
  return diagnostic;
}

/** The code of a diagnostic, whichever form it was given in. */
export function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (typeof code === 'object') return String(code.value);
  return code === undefined ? undefined : String(code);
}
