/**
 * Line diffs for what a Helm action would change: two revisions' manifests (before a
 * rollback), a dry run against the live release (before an upgrade), and values. Myers'
 * O((N+M)·D) algorithm on the lines between the common prefix and suffix, with a guard on the
 * edit distance so that two unrelated 50,000-line manifests cannot stall the extension host:
 * past the guard the middle is shown as removed then added, which is still a correct diff.
 */
import { parseDocument } from 'yaml';

export type DiffKind = ' ' | '+' | '-';

export interface DiffLine {
  /** `' '` in both, `'-'` only in the old text, `'+'` only in the new text. */
  kind: DiffKind;
  text: string;
}

export interface LineDiffOptions {
  /** Most edits Myers' search may try before falling back to "all removed, all added"; default 2,000. */
  maxEditDistance?: number;
}

const DEFAULT_MAX_EDIT_DISTANCE = 2000;

/** Lines of `text` without their line breaks; a final line break does not start another line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The diagonals -d-1..d+1 as they stood before edit step d (enough to walk back from step d). */
interface Snapshot {
  d: number;
  values: Int32Array;
}

function furthest(snapshot: Snapshot, k: number): number {
  return snapshot.values[k + snapshot.d + 1] ?? 0;
}

/**
 * Myers' greedy shortest edit script between `a` and `b` (numbers, for fast comparison);
 * undefined when it needs more than `maxD` edits. Keeps the relevant diagonals of every step
 * (about D² numbers) to walk the path back.
 */
function myers(a: Int32Array, b: Int32Array, maxD: number): DiffKind[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxD);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Snapshot[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push({ d, values: v.slice(offset - d - 1, offset + d + 2) });
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
      let x = down ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m);
    }
  }
  return undefined;
}

function backtrack(trace: Snapshot[], n: number, m: number): DiffKind[] {
  const script: DiffKind[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const snapshot = trace[d];
    if (!snapshot) break;
    const k = x - y;
    const down = k === -d || (k !== d && furthest(snapshot, k - 1) < furthest(snapshot, k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = furthest(snapshot, prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      script.push(' ');
      x--;
      y--;
    }
    script.push(down ? '+' : '-');
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    script.push(' ');
    x--;
    y--;
  }
  return script.reverse();
}

/**
 * The lines of `a` and `b` as unchanged, removed and added, in order (removals before the
 * additions that replace them). Line breaks (`\n` or `\r\n`) are not compared.
 */
export function lineDiff(a: string, b: string, options: LineDiffOptions = {}): DiffLine[] {
  const left = splitLines(a);
  const right = splitLines(b);
  let start = 0;
  while (start < left.length && start < right.length && left[start] === right[start]) start++;
  let endLeft = left.length;
  let endRight = right.length;
  while (endLeft > start && endRight > start && left[endLeft - 1] === right[endRight - 1]) {
    endLeft--;
    endRight--;
  }
  const result: DiffLine[] = [];
  for (let i = 0; i < start; i++) result.push({ kind: ' ', text: left[i] ?? '' });

  const ids = new Map<string, number>();
  const intern = (line: string): number => {
    let id = ids.get(line);
    if (id === undefined) {
      id = ids.size;
      ids.set(line, id);
    }
    return id;
  };
  const middleLeft = left.slice(start, endLeft);
  const middleRight = right.slice(start, endRight);
  const script = myers(Int32Array.from(middleLeft, intern), Int32Array.from(middleRight, intern), options.maxEditDistance ?? DEFAULT_MAX_EDIT_DISTANCE);
  if (script) {
    let i = 0;
    let j = 0;
    for (const kind of script) {
      if (kind === '+') {
        result.push({ kind, text: middleRight[j++] ?? '' });
      } else {
        result.push({ kind, text: middleLeft[i++] ?? '' });
        if (kind === ' ') j++;
      }
    }
  } else {
    for (const text of middleLeft) result.push({ kind: '-', text });
    for (const text of middleRight) result.push({ kind: '+', text });
  }
  for (let i = endLeft; i < left.length; i++) result.push({ kind: ' ', text: left[i] ?? '' });
  return result;
}

/** `start,count` of a hunk side, as diff -u writes it (1-based; an empty side names the line before it). */
function hunkRange(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/**
 * A unified diff (`diff -u` layout, `---`/`+++` headers and `@@` hunks with `context` lines
 * around each change); empty when the texts have the same lines.
 */
export function unifiedDiff(a: string, b: string, labels: { from: string; to: string }, context = 3, options: LineDiffOptions = {}): string {
  const lines = lineDiff(a, b, options);
  const changed = lines.map((line, index) => (line.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  // Group changes whose context windows touch into one hunk.
  const hunks: { from: number; to: number }[] = [];
  for (const index of changed) {
    const from = Math.max(0, index - context);
    const to = Math.min(lines.length, index + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && from <= last.to) last.to = Math.max(last.to, to);
    else hunks.push({ from, to });
  }
  // Line numbers before each position, on both sides.
  const oldBefore: number[] = [];
  const newBefore: number[] = [];
  let oldLine = 0;
  let newLine = 0;
  for (const line of lines) {
    oldBefore.push(oldLine);
    newBefore.push(newLine);
    if (line.kind !== '+') oldLine++;
    if (line.kind !== '-') newLine++;
  }
  for (const hunk of hunks) {
    const slice = lines.slice(hunk.from, hunk.to);
    const oldCount = slice.filter((l) => l.kind !== '+').length;
    const newCount = slice.filter((l) => l.kind !== '-').length;
    const oldStart = oldBefore[hunk.from] ?? 0;
    const newStart = newBefore[hunk.from] ?? 0;
    out.push(`@@ -${hunkRange(oldStart, oldCount)} +${hunkRange(newStart, newCount)} @@`);
    for (const line of slice) out.push(`${line.kind}${line.text}`);
  }
  return `${out.join('\n')}\n`;
}

/** One YAML document of a Helm manifest or `helm template` output. */
export interface ManifestDocument {
  /** `kind/namespace/name`, e.g. `Deployment/shop/web` (namespace empty when neither the document nor the caller gives one). */
  key: string;
  kind: string;
  name: string;
  namespace: string;
  apiVersion: string;
  /** The `# Source:` path helm writes, e.g. `mychart/templates/deployment.yaml`. */
  source?: string;
  /** The document's text, without the `---` separator. */
  text: string;
  /** 0-based line in the manifest of the document's first line (its `# Source:` comment when it has one). */
  startLine: number;
  /** 0-based line of the first line after the `# Source:` comment: the template's own first line. */
  contentStartLine: number;
}

const SEPARATOR = /^---(?:\s.*)?$/;
const SOURCE_COMMENT = /^# Source: (.+?)\s*$/;

function stringAt(value: unknown, ...path: string[]): string {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return '';
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'string' ? current : '';
}

/**
 * The documents of a rendered manifest, in order, keyed by `kind/namespace/name`;
 * `defaultNamespace` stands in for documents without `metadata.namespace` (helm applies those
 * to the release's namespace). Documents with only comments are skipped; a document that is
 * not valid YAML keeps an empty kind and name, keyed by its source path.
 */
export function splitManifest(manifest: string, defaultNamespace = ''): ManifestDocument[] {
  const lines = splitLines(manifest);
  const documents: ManifestDocument[] = [];
  let chunkStart = 0;
  const flush = (end: number): void => {
    const chunk = lines.slice(chunkStart, end);
    const meaningful = chunk.some((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
    if (meaningful) {
      const text = chunk.join('\n');
      const sourceIndex = chunk.findIndex((line) => SOURCE_COMMENT.test(line));
      const source = sourceIndex >= 0 ? SOURCE_COMMENT.exec(chunk[sourceIndex] ?? '')?.[1] : undefined;
      let body: unknown;
      try {
        const doc = parseDocument(text);
        body = doc.errors.length === 0 ? doc.toJS() : undefined;
      } catch {
        body = undefined;
      }
      const kind = stringAt(body, 'kind');
      const name = stringAt(body, 'metadata', 'name');
      const namespace = stringAt(body, 'metadata', 'namespace') || defaultNamespace;
      const key = kind || name ? `${kind}/${namespace}/${name}` : `?/${source ?? `line ${chunkStart + 1}`}`;
      const document: ManifestDocument = {
        key,
        kind,
        name,
        namespace,
        apiVersion: stringAt(body, 'apiVersion'),
        text,
        startLine: chunkStart,
        contentStartLine: sourceIndex >= 0 ? chunkStart + sourceIndex + 1 : chunkStart,
      };
      if (source !== undefined) document.source = source;
      documents.push(document);
    }
  };
  lines.forEach((line, index) => {
    if (SEPARATOR.test(line)) {
      flush(index);
      chunkStart = index + 1;
    }
  });
  flush(lines.length);
  // Keys must be unique for diffs: a repeated key (a chart rendering the same object twice) gets `#2`, `#3`.
  const seen = new Map<string, number>();
  for (const document of documents) {
    const count = (seen.get(document.key) ?? 0) + 1;
    seen.set(document.key, count);
    if (count > 1) document.key = `${document.key}#${count}`;
  }
  return documents;
}

export interface ResourceChange {
  key: string;
  kind: string;
  name: string;
  namespace: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  /** Document text in the old manifest (absent when added). */
  before?: string;
  /** Document text in the new manifest (absent when removed). */
  after?: string;
  /** Unified diff of the document for `changed` ones (labels `a/<key>`, `b/<key>`). */
  diff?: string;
}

/** Document text without the `# Source:` comment and trailing blank lines: helm 3 and 4 differ there, Kubernetes does not care. */
function comparable(text: string): string {
  return splitLines(text)
    .filter((line) => !SOURCE_COMMENT.test(line))
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/**
 * Per-resource changes between two manifests (e.g. revision 3 and revision 5 of a release, or
 * the live release and a dry run): resources of the new manifest in its order (added,
 * changed, unchanged), then removed ones in the old manifest's order.
 */
export function manifestDiff(oldManifest: string, newManifest: string, defaultNamespace = '', options: LineDiffOptions = {}): ResourceChange[] {
  const before = splitManifest(oldManifest, defaultNamespace);
  const after = splitManifest(newManifest, defaultNamespace);
  const oldByKey = new Map(before.map((doc) => [doc.key, doc]));
  const newKeys = new Set(after.map((doc) => doc.key));
  const changes: ResourceChange[] = [];
  for (const doc of after) {
    const base = { key: doc.key, kind: doc.kind, name: doc.name, namespace: doc.namespace };
    const old = oldByKey.get(doc.key);
    if (!old) {
      changes.push({ ...base, change: 'added', after: doc.text });
    } else if (comparable(old.text) === comparable(doc.text)) {
      changes.push({ ...base, change: 'unchanged', before: old.text, after: doc.text });
    } else {
      const diff = unifiedDiff(comparable(old.text), comparable(doc.text), { from: `a/${doc.key}`, to: `b/${doc.key}` }, 3, options);
      changes.push({ ...base, change: 'changed', before: old.text, after: doc.text, diff });
    }
  }
  for (const doc of before) {
    if (!newKeys.has(doc.key)) changes.push({ key: doc.key, kind: doc.kind, name: doc.name, namespace: doc.namespace, change: 'removed', before: doc.text });
  }
  return changes;
}
