import * as vscode from 'vscode';
import { parseDockerfile } from '../core/dockerfile/parser';
import { ignoreOnLineFix } from '../core/dockerfile/pragmaFix';
import type { Finding, Fix } from '../core/dockerfile/rules/types';
import type { DockerfileLinter } from './dockerfileLint';
import { DIAGNOSTIC_SOURCE, isDockerfile } from './dockerfileLint';

function toRange(r: Finding['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.col, r.end.line, r.end.col);
}

function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (typeof code === 'object') return String(code.value);
  return code === undefined ? undefined : String(code);
}

/**
 * Quick fixes for Berth's findings: the mechanical fixes the rules computed, "ignore
 * this rule for this instruction" (a hadolint-compatible pragma) and the rule's page.
 * Fixes are only offered while the analysis matches the document version they were
 * computed for, so an edit never lands on shifted text.
 */
export class DockerfileActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly linter: DockerfileLinter) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (!isDockerfile(doc)) return [];
    const analysis = this.linter.analysis(doc.uri);
    if (analysis?.version !== doc.version) return [];
    const actions: vscode.CodeAction[] = [];
    const ignored = new Set<string>();
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      const code = codeOf(diagnostic);
      if (code === undefined) continue;
      const finding = analysis.findings.find((f) => f.code === code && f.message === diagnostic.message && toRange(f.range).isEqual(diagnostic.range))
        ?? analysis.findings.find((f) => f.code === code && toRange(f.range).start.line === diagnostic.range.start.line);
      for (const fix of finding?.fixes ?? []) actions.push(this.fixAction(doc, fix, diagnostic));
      const line = diagnostic.range.start.line;
      if (!ignored.has(`${code}:${line}`) && !code.startsWith('BT00') && code !== 'DL1000') {
        ignored.add(`${code}:${line}`);
        const ignore = ignoreOnLineFix(parseDockerfile(analysis.text), line, code);
        if (ignore) actions.push(this.fixAction(doc, ignore, diagnostic, false));
      }
      const docAction = new vscode.CodeAction(`Show documentation for ${code}`, vscode.CodeActionKind.QuickFix);
      docAction.command = { command: 'berth.dockerfile.showRuleDoc', title: 'Show rule documentation', arguments: [code] };
      docAction.diagnostics = [diagnostic];
      actions.push(docAction);
    }
    return actions;
  }

  private fixAction(doc: vscode.TextDocument, fix: Fix, diagnostic: vscode.Diagnostic, mayBePreferred = true): vscode.CodeAction {
    const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
    const edit = new vscode.WorkspaceEdit();
    for (const e of fix.edits) edit.replace(doc.uri, toRange(e.range), e.newText);
    action.edit = edit;
    action.diagnostics = [diagnostic];
    action.isPreferred = mayBePreferred && fix.preferred === true;
    return action;
  }
}
