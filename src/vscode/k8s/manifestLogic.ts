// Decisions of the manifest and chart diagnostics that need no editor: which files are
// Kubernetes manifests, which are Helm templates, how the workspace is searched, where each
// chart finding goes and which documentation heading a check links to. No `vscode` import
// here, so that it is tested in plain Node.
import type { Range } from '../../core/dockerfile/model';
import type { ManifestCheckCode, ManifestSeverity } from '../../core/k8s/manifestChecks';
import type { TemplateFinding } from '../../core/k8s/renderedFindings';

/** The workspace search: YAML files, at most this many, each at most this large. */
export const MANIFEST_GLOB = '**/*.{yaml,yml}';
export const MAX_INDEXED_FILES = 2000;
export const MAX_FILE_BYTES = 1024 * 1024;
/** All indexed text together; beyond it, further files are not read (a workspace of generated YAML). */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/** Folders never searched for manifests: dependencies, VCS data, virtual environments. */
const ALWAYS_EXCLUDED = ['**/node_modules/**', '**/.git/**', '**/.hg/**', '**/.svn/**', '**/vendor/**', '**/.terraform/**', '**/.venv/**', '**/venv/**', '**/bower_components/**'];

/**
 * The exclude glob for `findFiles`. Passing one turns off `files.exclude`, so its enabled
 * patterns are added back; patterns with their own braces are left out (globs do not nest).
 */
export function excludeGlob(filesExclude: Readonly<Record<string, unknown>> | undefined): string {
  const patterns = [...ALWAYS_EXCLUDED];
  for (const [pattern, enabled] of Object.entries(filesExclude ?? {})) {
    if (enabled !== true || /[{},]/.test(pattern) || patterns.includes(pattern)) continue;
    patterns.push(pattern);
  }
  return `{${patterns.join(',')}}`;
}

// A key at the start of a line, in block style (`kind:`, `- kind:` in a List) or JSON-ish (`{"kind":`).
const API_VERSION_KEY = /^[ \t]*(?:-[ \t]+|[{,][ \t]*)*["']?apiVersion["']?[ \t]*:[ \t]*\S/m;
const KIND_KEY = /^[ \t]*(?:-[ \t]+|[{,][ \t]*)*["']?kind["']?[ \t]*:[ \t]*\S/m;

/**
 * True when a YAML text may hold Kubernetes objects: some line writes `apiVersion:` and some
 * line writes `kind:`. Other YAML (CI pipelines, compose files, values files) is left alone, so
 * its syntax errors are not reported as manifest errors.
 */
export function looksLikeManifest(text: string): boolean {
  return API_VERSION_KEY.test(text) && KIND_KEY.test(text);
}

/**
 * The folders that would make `path` a Helm template: for each `templates` folder on the path,
 * the folder above it (a chart when it holds a Chart.yaml). Paths use `/`; innermost first.
 */
export function chartFoldersAbove(path: string): string[] {
  const parts = path.split('/');
  const folders: string[] = [];
  // The last part is the file name: only folders count.
  for (let i = parts.length - 2; i >= 1; i--) {
    if (parts[i] === 'templates') folders.push(parts.slice(0, i).join('/') || '/');
  }
  return folders;
}

/** The `## BKxxx: Title` headings of docs/k8s-checks.md: 0-based line and the preview's anchor. */
export interface CheckDocAnchor {
  readonly line: number;
  readonly slug: string;
}

/** Heading anchors as GitHub and VS Code's Markdown preview make them: lower case, spaces to `-`, punctuation dropped. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/[^\p{L}\p{N}_-]/gu, '')
    .replace(/^-+|-+$/g, '');
}

export function checkDocAnchors(markdown: string): Map<string, CheckDocAnchor> {
  const anchors = new Map<string, CheckDocAnchor>();
  markdown.split('\n').forEach((raw, line) => {
    const match = /^##[ \t]+((BK\d{3})\b.*?)[ \t]*\r?$/.exec(raw);
    if (match?.[1] !== undefined && match[2] !== undefined && !anchors.has(match[2])) anchors.set(match[2], { line, slug: headingSlug(match[1]) });
  });
  return anchors;
}

/** One diagnostic to show for a chart, on a chart file named relative to the chart (`templates/web.yaml`, `Chart.yaml`). */
export interface PlannedDiagnostic {
  readonly file: string;
  readonly range: Range;
  readonly severity: ManifestSeverity;
  readonly code: ManifestCheckCode;
  readonly message: string;
  readonly related: readonly { readonly file: string; readonly range: Range; readonly message: string }[];
}

export interface ChartPlan {
  /** By chart-relative file, each list sorted by position. */
  readonly byFile: Map<string, PlannedDiagnostic[]>;
  /** Findings in templates Berth did not read: dependencies packed under `charts/` as archives. */
  readonly skipped: number;
}

function lineRange(text: string | undefined, line: number): Range {
  const length = (text?.split('\n')[line] ?? '').replace(/\r$/, '').length;
  return { start: { line, col: 0 }, end: { line, col: length } };
}

/**
 * Where the findings on a chart's `helm template` output go: on the template line that writes
 * the key, on the template's first line when no line could be found (the message then quotes the
 * rendered line), on Chart.yaml for output without a `# Source:`. Findings in templates that were
 * not read (archived dependencies) are counted, not shown. Related places in unread files are dropped.
 */
export function planChartFindings(findings: readonly TemplateFinding[], templates: Readonly<Record<string, string>>): ChartPlan {
  const byFile = new Map<string, PlannedDiagnostic[]>();
  let skipped = 0;
  for (const finding of findings) {
    let file: string;
    let range: Range;
    let message = finding.message;
    // The core also matches a template by suffix: a packed dependency's `templates/web.yaml`
    // must not land on the chart's own file of that name.
    const fromSource = finding.source === undefined ? undefined : finding.source.slice(finding.source.indexOf('/') + 1);
    if (finding.file !== undefined && fromSource !== undefined && finding.file !== fromSource && finding.file !== finding.source) {
      skipped++;
      continue;
    }
    if (finding.placement === 'line' && finding.file !== undefined) {
      file = finding.file;
      range = finding.range;
    } else if (finding.placement === 'file' && finding.file !== undefined) {
      file = finding.file;
      range = lineRange(templates[file], 0);
    } else if (finding.source === undefined) {
      file = 'Chart.yaml';
      range = lineRange(templates[file], 0);
      message = `In the output of helm template (line ${finding.renderedRange.start.line + 1}): ${finding.message}`;
    } else {
      skipped++;
      continue;
    }
    const related = (finding.related ?? [])
      .filter((r) => Object.hasOwn(templates, r.fileName))
      .map((r) => ({ file: r.fileName, range: r.range, message: r.message }));
    const list = byFile.get(file) ?? [];
    list.push({ file, range, severity: finding.severity, code: finding.code, message, related });
    byFile.set(file, list);
  }
  for (const list of byFile.values()) list.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col);
  return { byFile, skipped };
}

/** Template files of a chart worth reading for mapping: not partials (`_helpers.tpl`), not NOTES.txt. */
export function isRenderedTemplateName(name: string): boolean {
  return !name.startsWith('_') && name !== 'NOTES.txt';
}

/**
 * Whether a chart's template errors should be shown by this run: on save, `helm lint` (when
 * `berth.helm.lintOnSave` is on) already reports the same error on the same line.
 */
export function showTemplateErrors(trigger: 'save' | 'open' | 'command', lintOnSave: boolean): boolean {
  return trigger !== 'save' || !lintOnSave;
}
