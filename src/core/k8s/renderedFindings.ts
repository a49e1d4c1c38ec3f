/**
 * Findings on a chart's `helm template` output, placed back in the template that wrote them.
 * Helm heads every rendered document with `# Source: <chart>/templates/<file>` and sorts the
 * documents by kind, so a finding is traced to its template by that comment, the document's
 * `kind:`, and the key path of the finding searched in the template's indentation outline
 * (templates are not YAML, but their keys keep the indentation of the output). Pure.
 */
import { Document, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Range } from '../dockerfile/model';
import { checkManifests, type ManifestFinding, type ObjectRef, type PathSegment, type RelatedLocation } from './manifestChecks';
import { readFastDocument } from './fastYaml';
import { LineIndex, resolved, stringAt, type AliasScope } from './yamlText';

/** One document of `helm template` output and the template it came from. */
export interface RenderedSection {
  /** As written after `# Source: `, e.g. `shop/templates/web.yaml`, `shop/charts/cache/templates/db.yaml`. */
  readonly source: string;
  /** 0-based line of the `# Source:` comment. */
  readonly startLine: number;
  /** 0-based line after the section (exclusive). */
  readonly endLine: number;
  /** The document's top-level `kind:`, when it has one. */
  readonly kind: string | undefined;
}

/** Template texts by path: as in `# Source:` (`shop/templates/web.yaml`) or relative to the chart (`templates/web.yaml`). */
export type TemplateTexts = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export interface TemplateFinding extends ManifestFinding {
  /** The `# Source:` path of the rendered document; undefined when the finding is before any. */
  readonly source: string | undefined;
  /** The key of the template texts the finding was placed in; undefined when that template was not given. */
  readonly file: string | undefined;
  /**
   * `line`: on the template line that writes the key (or the nearest enclosing key found);
   * `file`: line 0 of the template, the rendered line quoted in the message;
   * `rendered`: left on the rendered output (no `# Source:`, or the template is unknown).
   */
  readonly placement: 'line' | 'file' | 'rendered';
  /** Where the finding is in the rendered output. */
  readonly renderedRange: Range;
}

const SOURCE_LINE = /^# Source: (.+?)\s*$/;
const DOCUMENT_SEPARATOR = /^---(\s|$)/;
const TOP_LEVEL_KIND = /^kind:\s*["']?([A-Za-z0-9]+)["']?\s*(#.*)?$/;

/** The `# Source:` sections of `helm template` output, in order. */
export function splitRenderedSources(rendered: string): RenderedSection[] {
  const lines = rendered.split('\n');
  const starts: { line: number; source: string }[] = [];
  lines.forEach((text, line) => {
    const match = SOURCE_LINE.exec(text);
    if (match?.[1] !== undefined) starts.push({ line, source: match[1] });
  });
  return starts.map((start, index) => {
    const next = starts[index + 1];
    let endLine = next ? next.line : lines.length;
    // The `---` that opens the next section belongs to it.
    while (endLine - 1 > start.line && DOCUMENT_SEPARATOR.test(lines[endLine - 1] ?? '')) endLine--;
    let kind: string | undefined;
    for (let line = start.line + 1; line < endLine && kind === undefined; line++) kind = TOP_LEVEL_KIND.exec(lines[line] ?? '')?.[1];
    return { source: start.source, startLine: start.line, endLine, kind };
  });
}

/** Checks rendered chart output (BK1xx) and places each finding in its template. */
export function checkRenderedChart(rendered: string, templates: TemplateTexts): TemplateFinding[] {
  return mapRenderedFindings(rendered, checkManifests(rendered, { fileName: 'helm template' }), templates);
}

/**
 * Moves findings made on `helm template` output to the templates. Fixes are dropped (their
 * edits are for the rendered text); related locations are moved the same way.
 */
export function mapRenderedFindings(rendered: string, findings: readonly ManifestFinding[], templates: TemplateTexts): TemplateFinding[] {
  const context = new MappingContext(rendered, templates);
  return findings.map((finding) => context.map(finding));
}

interface Placement {
  readonly source: string | undefined;
  readonly file: string | undefined;
  readonly placement: 'line' | 'file' | 'rendered';
  readonly range: Range;
}

class MappingContext {
  private readonly lines: LineIndex;
  private readonly sections: RenderedSection[];
  private readonly templates: ReadonlyMap<string, string>;
  private readonly outlines = new Map<string, TemplateOutline>();
  private readonly sectionRoots = new Map<RenderedSection, { node: unknown; scope: AliasScope }>();

  constructor(private readonly rendered: string, templates: TemplateTexts) {
    this.lines = new LineIndex(rendered);
    this.sections = splitRenderedSources(rendered);
    this.templates = templates instanceof Map ? templates : new Map(Object.entries(templates as Readonly<Record<string, string>>));
  }

  map(finding: ManifestFinding): TemplateFinding {
    const where = this.place(finding.range, finding.path, finding.object);
    const excerpt = this.lines.lineText(finding.range.start.line).trim();
    const message = where.placement === 'file'
      ? `${finding.message} (rendered line ${finding.range.start.line + 1}: ${truncate(excerpt)})`
      : finding.message;
    const related = finding.related?.map((r) => this.mapRelated(r));
    return {
      ...finding,
      message,
      range: where.range,
      fixes: [],
      ...(related ? { related } : {}),
      source: where.source,
      file: where.file,
      placement: where.placement,
      renderedRange: finding.range,
    };
  }

  private mapRelated(related: RelatedLocation): RelatedLocation {
    const where = this.place(related.range, related.path, related.object);
    return where.file === undefined ? related : { ...related, fileName: where.file, range: where.range };
  }

  private place(range: Range, path: readonly PathSegment[], object: ObjectRef | undefined): Placement {
    const line = range.start.line;
    let section: RenderedSection | undefined;
    for (const candidate of this.sections) {
      if (candidate.startLine <= line && line < candidate.endLine) section = candidate;
    }
    if (!section) return { source: undefined, file: undefined, placement: 'rendered', range };
    const file = this.templateKey(section.source);
    const text = file === undefined ? undefined : this.templates.get(file);
    if (file === undefined || text === undefined) return { source: section.source, file: undefined, placement: 'rendered', range };
    let outline = this.outlines.get(file);
    if (!outline) { outline = new TemplateOutline(text); this.outlines.set(file, outline); }
    const part = this.templatePart(outline, section, object?.kind);
    const names = path.length > 0 ? this.itemNames(section, path) : [];
    const found = path.length > 0 ? outline.search(path, names, part) : undefined;
    if (!found) return { source: section.source, file, placement: 'file', range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } } };
    return { source: section.source, file, placement: 'line', range: found };
  }

  /** The given template path for a `# Source:` path: exact, without the chart name, or by suffix. */
  private templateKey(source: string): string | undefined {
    if (this.templates.has(source)) return source;
    const withoutChart = source.slice(source.indexOf('/') + 1);
    if (this.templates.has(withoutChart)) return withoutChart;
    for (const key of this.templates.keys()) {
      if (source.endsWith(`/${key}`)) return key;
    }
    return undefined;
  }

  /**
   * Lines of the template document that rendered this section: the one whose `kind:` matches
   * (in order among same-kind sections of the template), else the whole template.
   */
  private templatePart(outline: TemplateOutline, section: RenderedSection, kind: string | undefined): { start: number; end: number } {
    const whole = { start: 0, end: outline.lineCount };
    const wanted = kind ?? section.kind;
    if (wanted === undefined) return whole;
    const candidates = outline.parts.filter((p) => p.kind === wanted);
    if (candidates.length === 0) return whole;
    if (candidates.length === 1) return candidates[0] ?? whole;
    const sameKind = this.sections.filter((s) => s.source === section.source && s.kind === wanted);
    return candidates[sameKind.indexOf(section)] ?? whole;
  }

  /** For each sequence index in the path, the `name:` of that item in the rendered document (containers). */
  private itemNames(section: RenderedSection, path: readonly PathSegment[]): (string | undefined)[] {
    let root = this.sectionRoots.get(section);
    if (root === undefined) {
      const text = this.sectionText(section);
      const fast = readFastDocument(text);
      const doc = fast ? undefined : parseAllDocuments(text, { version: '1.1', prettyErrors: false })[0];
      root = { node: fast ? fast.contents : doc?.contents, scope: doc instanceof Document ? doc : undefined };
      this.sectionRoots.set(section, root);
    }
    const names: (string | undefined)[] = [];
    let node = resolved(root.node, root.scope);
    for (const segment of path) {
      if (typeof segment === 'number') {
        node = isSeq(node) ? resolved(node.items[segment], root.scope) : undefined;
        names.push(isMap(node) ? stringAt(node, 'name', root.scope) : undefined);
      } else {
        node = isMap(node) ? resolved(node.get(segment, true), root.scope) : undefined;
        names.push(undefined);
      }
      if (node === undefined || isScalar(node)) break;
    }
    return names;
  }

  private sectionText(section: RenderedSection): string {
    const start = this.lines.lineStart(section.startLine);
    const end = section.endLine < this.lines.endLine ? this.lines.lineStart(section.endLine) : this.rendered.length;
    return this.rendered.slice(start, end);
  }
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A line of a template that writes YAML (not blank, not a comment, not only a template action). */
interface OutlineLine {
  readonly line: number;
  /** Column of the first character (a `-` for sequence items). */
  readonly indent: number;
  /** True when the line starts a sequence item. */
  readonly dash: boolean;
  /** The key written on the line, after any `- `. */
  readonly key: string | undefined;
  readonly keyCol: number;
  /** The value text after `key:`, trimmed and unquoted. */
  readonly value: string;
  /** End of the line's text (trailing spaces and comments excluded). */
  readonly endCol: number;
}

const KEY_LINE = /^((?:-[ ]+)*)([A-Za-z0-9_.\\/-]+|"[^"]*"|'[^']*')[ ]*:(?:[ ]+(.*))?$/;

class TemplateOutline {
  readonly lineCount: number;
  readonly items: OutlineLine[] = [];
  readonly parts: { start: number; end: number; kind: string | undefined }[] = [];

  constructor(text: string) {
    const lines = text.split('\n');
    this.lineCount = lines.length;
    let partStart = 0;
    let partKind: string | undefined;
    lines.forEach((raw, line) => {
      const text = raw.replace(/\r$/, '');
      if (DOCUMENT_SEPARATOR.test(text)) {
        this.parts.push({ start: partStart, end: line, kind: partKind });
        partStart = line + 1;
        partKind = undefined;
        return;
      }
      partKind ??= TOP_LEVEL_KIND.exec(text)?.[1];
      const content = text.trimStart();
      if (content === '' || content.startsWith('#') || content.startsWith('{{')) return;
      const indent = text.length - content.length;
      const match = KEY_LINE.exec(content);
      const dashes = match?.[1] ?? (/^(-[ ]+)*/.exec(content)?.[0] ?? '');
      const rawValue = (match?.[3] ?? '').replace(/[ ]+#.*$/, '').trim();
      this.items.push({
        line,
        indent,
        dash: content.startsWith('- ') || content === '-',
        key: match?.[2]?.replace(/^["']|["']$/g, ''),
        keyCol: indent + dashes.length,
        value: rawValue.replace(/^"(.*)"$|^'(.*)'$/, '$1$2'),
        endCol: indent + content.replace(/[ ]+#.*$/, '').trimEnd().length,
      });
    });
    this.parts.push({ start: partStart, end: lines.length, kind: partKind });
  }

  /**
   * The template line that writes the deepest key of `path` that can be found, searching
   * each key inside the block of the previous one; undefined when not even the first is.
   */
  search(path: readonly PathSegment[], names: readonly (string | undefined)[], part: { start: number; end: number }): Range | undefined {
    let from = this.items.findIndex((l) => l.line >= part.start);
    if (from < 0) return undefined;
    let to = this.items.findIndex((l) => l.line >= part.end);
    if (to < 0) to = this.items.length;
    let parentCol = -1;
    let best: OutlineLine | undefined;
    let bestCol = 0;
    for (const [index, segment] of path.entries()) {
      if (typeof segment === 'string') {
        // The shallowest line with that key is the child; deeper ones belong to nested blocks.
        let found = -1;
        for (let i = from; i < to; i++) {
          const item = this.items[i];
          if (item?.key !== segment || item.keyCol <= parentCol) continue;
          if (found < 0 || item.keyCol < (this.items[found]?.keyCol ?? 0)) found = i;
        }
        const item = this.items[found];
        if (!item) break;
        best = item;
        bestCol = item.keyCol;
        to = this.blockEnd(found, to, (l) => l.indent < item.keyCol || (l.indent === item.keyCol && !l.dash));
        from = found + 1;
        parentCol = item.keyCol;
      } else {
        const entries = this.sequenceItems(from, to, parentCol);
        const name = names[index];
        const byName = name === undefined ? undefined : entries.find((e) => this.itemHasName(e.start, e.end, name));
        const entry = byName ?? entries[segment];
        const item = entry ? this.items[entry.start] : undefined;
        if (!entry || !item) break;
        best = item;
        bestCol = item.key === undefined ? item.indent : item.keyCol;
        // The item's own keys start on its dash line.
        from = entry.start;
        to = entry.end;
        parentCol = item.indent;
      }
    }
    if (!best) return undefined;
    return { start: { line: best.line, col: bestCol }, end: { line: best.line, col: Math.max(bestCol, best.endCol) } };
  }

  /** Index after the block that starts at `start`: the first later line for which `ends` holds. */
  private blockEnd(start: number, limit: number, ends: (line: OutlineLine) => boolean): number {
    for (let i = start + 1; i < limit; i++) {
      const item = this.items[i];
      if (item && ends(item)) return i;
    }
    return limit;
  }

  /** Sequence items (dash lines at one indentation, the first found) between `from` and `to`. */
  private sequenceItems(from: number, to: number, parentCol: number): { start: number; end: number }[] {
    let itemIndent: number | undefined;
    const starts: number[] = [];
    for (let i = from; i < to; i++) {
      const item = this.items[i];
      if (!item) continue;
      if (itemIndent === undefined) {
        if (!item.dash || item.indent < parentCol) return [];
        itemIndent = item.indent;
      }
      if (item.indent < itemIndent || (item.indent === itemIndent && !item.dash)) { to = i; break; }
      if (item.indent === itemIndent && item.dash) starts.push(i);
    }
    return starts.map((start, k) => ({ start, end: starts[k + 1] ?? to }));
  }

  private itemHasName(start: number, end: number, name: string): boolean {
    const first = this.items[start];
    if (!first) return false;
    for (let i = start; i < end; i++) {
      const item = this.items[i];
      if (item?.key === 'name' && item.keyCol === first.keyCol && item.value === name) return true;
    }
    return false;
  }
}

/** Exposed for tests: the template range a key path lands on, searched in the whole template. */
export function findTemplateLine(template: string, path: readonly PathSegment[], names: readonly (string | undefined)[] = []): Range | undefined {
  const outline = new TemplateOutline(template);
  return outline.search(path, names, { start: 0, end: outline.lineCount });
}
