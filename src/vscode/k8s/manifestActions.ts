import * as vscode from 'vscode';
import type { Fix } from '../../core/dockerfile/rules/types';
import { DIAGNOSTIC_SOURCE, codeOf, toVsRange } from './checkDocs';
import type { ManifestDiagnostics } from './manifestDiagnostics';

/** Commands the actions run (registered by registerManifestChecks). */
export const SHOW_CHECK_DOC_COMMAND = 'berth.manifests.showCheckDoc';

/**
 * Quick fixes for the manifest checks: the commented skeletons the checks computed (only
 * while the analysis matches the document's version, so an edit never lands on shifted text)
 * and the check's documentation. Chart findings have no fixes (their edits would be for the
 * rendered output), only the documentation.
 */
export class ManifestActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: ManifestDiagnostics) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const analysis = this.diagnostics.analysis(doc.uri);
    const current = analysis?.version === doc.version ? analysis : undefined;
    const actions: vscode.CodeAction[] = [];
    const documented = new Set<string>();
    // BK101 and BK102 share one fix (requests and a limit together): offer it once, for both.
    const offered = new Map<string, vscode.CodeAction>();
    for (const diagnostic of context.diagnostics) {
      const code = codeOf(diagnostic);
      if (diagnostic.source !== DIAGNOSTIC_SOURCE || code === undefined || !/^BK1\d\d$/.test(code)) continue;
      const finding = current?.findings.find((f) => f.code === code && f.message === diagnostic.message && sameStart(toVsRange(f.range), diagnostic.range));
      for (const fix of finding?.fixes ?? []) {
        const key = JSON.stringify([fix.title, fix.edits]);
        const same = offered.get(key);
        if (same) {
          same.diagnostics = [...(same.diagnostics ?? []), diagnostic];
          continue;
        }
        const action = fixAction(doc, fix, diagnostic);
        offered.set(key, action);
        actions.push(action);
      }
      if (documented.has(code)) continue;
      documented.add(code);
      const docAction = new vscode.CodeAction(`Show documentation for ${code}`, vscode.CodeActionKind.QuickFix);
      docAction.command = { command: SHOW_CHECK_DOC_COMMAND, title: 'Show check documentation', arguments: [code] };
      docAction.diagnostics = [diagnostic];
      actions.push(docAction);
    }
    return actions;
  }
}

/** Diagnostics widen empty ranges by one character, so only the start is compared. */
function sameStart(a: vscode.Range, b: vscode.Range): boolean {
  return a.start.isEqual(b.start);
}

function fixAction(doc: vscode.TextDocument, fix: Fix, diagnostic: vscode.Diagnostic): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  const edit = new vscode.WorkspaceEdit();
  for (const e of fix.edits) edit.replace(doc.uri, toVsRange(e.range), e.newText);
  action.edit = edit;
  action.diagnostics = [diagnostic];
  action.isPreferred = fix.preferred === true;
  return action;
}
