/**
 * Chart folders as the deploy flow sees them: is this a chart (Chart.yaml), what should the
 * release be called, which values files can be offered, and which template produced each
 * document of `helm template` output (to put findings on the template's lines).
 */
import { parseDocument } from 'yaml';
import { MAX_RELEASE_NAME_LENGTH } from './args';
import { splitManifest } from './diff';

/** What Berth reads from a Chart.yaml. */
export interface ChartMetadata {
  apiVersion: 'v1' | 'v2';
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  /** `application` or `library` (v2); library charts cannot be installed. */
  type?: string;
}

// SemVer as Helm accepts it (Masterminds/semver: optional `v`, minor and patch may be left out).
const CHART_VERSION = /^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * Reads a Chart.yaml: `apiVersion` v1 or v2, a `name` and a SemVer `version` are required
 * (what `helm lint` refuses without). Returns the reason when the text is not a usable chart file.
 */
export function parseChartYaml(text: string): ChartMetadata | { error: string } {
  let data: unknown;
  try {
    const doc = parseDocument(text);
    const first = doc.errors[0];
    if (first) return { error: `Chart.yaml is not valid YAML: ${first.message.split('\n')[0] ?? ''}` };
    data = doc.toJS();
  } catch (error) {
    return { error: `Chart.yaml could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { error: 'Chart.yaml is not a YAML map.' };
  const chart = data as Record<string, unknown>;
  const apiVersion = chart.apiVersion;
  if (apiVersion !== 'v1' && apiVersion !== 'v2') {
    return { error: apiVersion === undefined ? 'Chart.yaml has no apiVersion (v2 for Helm 3 and 4 charts).' : `Chart.yaml apiVersion ${JSON.stringify(apiVersion) ?? ''} is not v1 or v2.` };
  }
  const name = scalarText(chart.name);
  if (!name) return { error: 'Chart.yaml has no name.' };
  const version = scalarText(chart.version);
  if (!version) return { error: 'Chart.yaml has no version.' };
  if (!CHART_VERSION.test(version)) return { error: `Chart.yaml version "${version}" is not SemVer (e.g. 0.1.0).` };
  const metadata: ChartMetadata = { apiVersion, name, version };
  const appVersion = scalarText(chart.appVersion);
  if (appVersion !== undefined) metadata.appVersion = appVersion;
  if (typeof chart.description === 'string') metadata.description = chart.description;
  if (typeof chart.type === 'string') metadata.type = chart.type;
  return metadata;
}

/** Whether `text` is a usable Chart.yaml (see {@link parseChartYaml}). */
export function isChartYaml(text: string): boolean {
  return !('error' in parseChartYaml(text));
}

/**
 * A release name from a chart name that follows Helm's rule (lowercase letters, digits, `-`
 * and `.`, starting and ending with a letter or digit, at most 53 characters): `My_Chart` ->
 * `my-chart`. `release` when nothing usable is left.
 */
export function defaultReleaseName(chartName: string): string {
  let name = chartName
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/\.{2,}/g, '.')
    // A dot must sit between letters or digits: `a.-b` and `a-.b` are not allowed.
    .replace(/[.-]*\.[.-]*/g, (run) => (run.length === 1 ? '.' : '-'))
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (name.length > MAX_RELEASE_NAME_LENGTH) name = name.slice(0, MAX_RELEASE_NAME_LENGTH).replace(/[^a-z0-9]+$/, '');
  return name === '' ? 'release' : name;
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/**
 * The values files a chart folder offers, from the names of its files: `values.yaml` first
 * (the chart's defaults), then `values*.yaml`/`values-*.yaml` (and `.yml`) sorted by name.
 * Entries may be paths; they are returned as given. `values.schema.json` is not a values file.
 */
export function valuesFilesOf(fileNames: readonly string[]): string[] {
  const isValues = (name: string): boolean => /^values[^/\\]*\.ya?ml$/i.test(name);
  const defaults = fileNames.filter((f) => baseName(f) === 'values.yaml');
  const others = fileNames
    .filter((f) => baseName(f) !== 'values.yaml' && isValues(baseName(f)))
    .sort((x, y) => {
      const a = baseName(x);
      const b = baseName(y);
      return a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0;
    });
  return [...defaults, ...others];
}

/** Which template produced one document of `helm template` output. */
export interface TemplateSource {
  /** Chart-relative template path: `templates/deployment.yaml`, `charts/sub/templates/service.yaml`. */
  template: string;
  /** The chart name helm prefixed (`mychart` in `mychart/templates/deployment.yaml`). */
  chart: string;
  /** 0-based line of the document's `# Source:` comment in the rendered text. */
  startLine: number;
  /** 0-based line in the rendered text of the template's first rendered line. */
  contentStartLine: number;
  /** 0 for the first document a template renders, 1 for the next (a template with `---` inside), ... */
  indexInTemplate: number;
  kind: string;
  name: string;
}

/**
 * Maps each document of `helm template` output to its template (from helm's `# Source:`
 * comments, chart name stripped) and its position in the rendered text. Documents without a
 * source comment are skipped. For the first document of a template, rendered line
 * `contentStartLine + n` came from the template's line n when no action above it rendered to
 * more or fewer lines.
 */
export function templateSourceMap(rendered: string): TemplateSource[] {
  const perTemplate = new Map<string, number>();
  const sources: TemplateSource[] = [];
  for (const doc of splitManifest(rendered)) {
    if (doc.source === undefined) continue;
    const slash = doc.source.indexOf('/');
    const chart = slash < 0 ? '' : doc.source.slice(0, slash);
    const template = slash < 0 ? doc.source : doc.source.slice(slash + 1);
    const index = perTemplate.get(template) ?? 0;
    perTemplate.set(template, index + 1);
    sources.push({ template, chart, startLine: doc.startLine, contentStartLine: doc.contentStartLine, indexInTemplate: index, kind: doc.kind, name: doc.name });
  }
  return sources;
}
