import type { FileFindings } from '../../core/k8s/manifestChecks';
import type { TemplateFinding } from '../../core/k8s/renderedFindings';

/** The text of one workspace file, by the name findings will carry (a workspace-relative path). */
export interface ManifestFileText {
  readonly fileName: string;
  readonly text: string;
}

/**
 * Checks the files in `report` against everything the worker holds. The worker keeps the
 * workspace's manifest texts between requests, so each request carries only what changed:
 * `reset` first forgets everything (a new worker), then `upserts` and `removals` apply.
 */
export interface ManifestCheckRequest {
  readonly id: number;
  readonly type: 'check';
  readonly reset: boolean;
  readonly upserts: readonly ManifestFileText[];
  readonly removals: readonly string[];
  /** Files whose findings are wanted, in the order of the answer. */
  readonly report: readonly string[];
}

/** Checks a chart's `helm template` output and places findings in its templates (chart-relative paths). */
export interface ChartCheckRequest {
  readonly id: number;
  readonly type: 'chart';
  readonly rendered: string;
  readonly templates: Readonly<Record<string, string>>;
}

export type ManifestWorkerRequest = ManifestCheckRequest | ChartCheckRequest;

export interface ManifestCheckResponse {
  readonly id: number;
  readonly type: 'check';
  /** One entry per reported file that the worker holds, in `report` order. */
  readonly results: readonly FileFindings[];
  /** Time spent checking inside the worker, in milliseconds. */
  readonly elapsedMs: number;
  readonly error?: string;
}

export interface ChartCheckResponse {
  readonly id: number;
  readonly type: 'chart';
  readonly findings: readonly TemplateFinding[];
  readonly elapsedMs: number;
  readonly error?: string;
}

export type ManifestWorkerResponse = ManifestCheckResponse | ChartCheckResponse;
