// The worker's side of the manifest checks: the workspace's manifest texts, kept between
// requests, and the answer to each request. Cross-file checks (a Service, PodDisruptionBudget
// or HorizontalPodAutoscaler anywhere counts) need every file, but only the files shown in an
// editor need their own findings: the others are checked through the few documents the
// cross-file checks read, which keeps a 2,000-file workspace near 100 ms per edit.
import { checkManifestSet } from '../../core/k8s/manifestChecks';
import type { FileFindings, ManifestFile } from '../../core/k8s/manifestChecks';
import { checkRenderedChart } from '../../core/k8s/renderedFindings';
import type { ManifestWorkerRequest, ManifestWorkerResponse } from './protocol';

/** Column-0 `kind:` of a document, as the checks read it. */
const COLUMN0_KIND = /^kind:[ \t]*["']?([A-Za-z0-9]+)["']?[ \t]*(?:#.*)?\r?$/;
const DOCUMENT_START = /^---(?:[ \t]|\r?$)/;
const NOT_CONTENT = /^(?:[ \t]*(?:#.*)?|%.*)\r?$/;
/** The kinds another file's workloads are checked against (BK106, BK107). */
const CONTEXT_KINDS = new Set(['Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);

/**
 * What of a file the cross-file checks need when its own findings are not wanted: its
 * Services, PodDisruptionBudgets and HorizontalPodAutoscalers (and Lists, and documents whose
 * kind is not written at column 0, which may be any of these). Other documents become empty
 * lines, so that lines keep their numbers for related locations. Undefined when nothing is left.
 */
export function contextText(text: string): string | undefined {
  const lines = text.split('\n');
  const out: string[] = [];
  let keptAny = false;
  let start = 0;
  const flush = (end: number): void => {
    let kind: string | undefined;
    let content = false;
    for (let i = start; i < end; i++) {
      const line = lines[i] ?? '';
      kind ??= COLUMN0_KIND.exec(line)?.[1];
      if (!content && !NOT_CONTENT.test(line) && !DOCUMENT_START.test(line)) content = true;
    }
    const keep = content && (kind === undefined || CONTEXT_KINDS.has(kind) || kind.endsWith('List'));
    keptAny ||= keep;
    for (let i = start; i < end; i++) out.push(keep ? lines[i] ?? '' : '');
  };
  lines.forEach((line, index) => {
    if (index > start && DOCUMENT_START.test(line)) {
      flush(index);
      start = index;
    }
  });
  flush(lines.length);
  return keptAny ? out.join('\n') : undefined;
}

interface HeldFile {
  readonly text: string;
  /** `contextText` of the text, computed when first needed. */
  context?: string | null;
}

/** The manifest texts of a workspace, by file name. */
export class ManifestWorkspace {
  private readonly files = new Map<string, HeldFile>();

  get size(): number {
    return this.files.size;
  }

  reset(): void {
    this.files.clear();
  }

  upsert(fileName: string, text: string): void {
    if (this.files.get(fileName)?.text === text) return;
    this.files.set(fileName, { text });
  }

  remove(fileName: string): void {
    this.files.delete(fileName);
  }

  /**
   * Findings of the `report` files (those held; in `report` order), with every other held
   * file counting for the cross-file checks.
   */
  check(report: readonly string[]): FileFindings[] {
    const wanted = new Set<string>();
    const input: ManifestFile[] = [];
    for (const fileName of report) {
      const held = this.files.get(fileName);
      if (!held || wanted.has(fileName)) continue;
      wanted.add(fileName);
      input.push({ fileName, text: held.text });
    }
    const reported = input.length;
    for (const [fileName, held] of this.files) {
      if (wanted.has(fileName)) continue;
      if (held.context === undefined) held.context = contextText(held.text) ?? null;
      if (held.context !== null) input.push({ fileName, text: held.context });
    }
    return checkManifestSet(input).slice(0, reported);
  }
}

/** The worker's answer to one request; never throws (a failure is the answer's `error`). */
export function answer(workspace: ManifestWorkspace, request: ManifestWorkerRequest): ManifestWorkerResponse {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  if (request.type === 'chart') {
    try {
      return { id: request.id, type: 'chart', findings: checkRenderedChart(request.rendered, request.templates), elapsedMs: elapsed() };
    } catch (error) {
      return { id: request.id, type: 'chart', findings: [], elapsedMs: elapsed(), error: error instanceof Error ? error.message : String(error) };
    }
  }
  if (request.reset) workspace.reset();
  for (const file of request.upserts) workspace.upsert(file.fileName, file.text);
  for (const fileName of request.removals) workspace.remove(fileName);
  try {
    return { id: request.id, type: 'check', results: workspace.check(request.report), elapsedMs: elapsed() };
  } catch (error) {
    return { id: request.id, type: 'check', results: [], elapsedMs: elapsed(), error: error instanceof Error ? error.message : String(error) };
  }
}
