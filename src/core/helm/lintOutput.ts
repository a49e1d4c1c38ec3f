/**
 * Findings from `helm lint` output and locations from `helm template`/`install` errors, so they
 * can become diagnostics on the chart's files. Formats read (helm 3.19 and 4.3, see the real
 * captures in test/unit/helm/fixtures/cli):
 *   ==> Linting ./mychart
 *   [INFO] Chart.yaml: icon is recommended
 *   [ERROR] templates/deployment.yaml: unable to parse YAML: error converting YAML to JSON: yaml: line 12: ...
 *   [ERROR] templates/: template: mychart/templates/x.yaml:7:3: executing "mychart/templates/x.yaml" at <...>: ...   (helm 3)
 *   [ERROR] templates/: mychart/templates/x.yaml:7:3          (helm 4 writes the same on several lines)
 *     executing "mychart/templates/x.yaml" at <...>:
 *       nil pointer evaluating interface {}.deeper
 *   [ERROR] templates/: parse error at (mychart/templates/x.yaml:7): function "foo" not defined
 *   [ERROR] : unable to load chart
 *   	cannot load values.yaml: ...
 * Lines are 0-based here. Template columns are Go's: a 0-based byte offset in the line (equal
 * to the column on ASCII lines).
 */

export type HelmLintSeverity = 'error' | 'warning' | 'info';

/** Where a problem is, as far as helm says. */
export interface HelmProblemLocation {
  /**
   * Path relative to the linted chart, with `/`: `templates/deployment.yaml`, `values.yaml`,
   * `Chart.yaml`, `charts/sub/templates/x.yaml`; `templates/` when helm names only the folder;
   * empty for the chart as a whole. For a `--values` file outside the chart: the path as given
   * to helm, with {@link valuesFile} set.
   */
  file: string;
  /** 0-based. */
  line?: number;
  /** 0-based byte offset in the line. */
  column?: number;
  /**
   * The line counts lines of the template's rendered output (a YAML error after rendering), not
   * of its source; they match unless actions above it render to more or fewer lines.
   */
  renderedLine?: boolean;
  /** `file` is a `--values` file as passed to helm, not a chart file. */
  valuesFile?: boolean;
}

export interface HelmLintFinding extends HelmProblemLocation {
  severity: HelmLintSeverity;
  message: string;
}

export interface HelmTemplateError extends HelmProblemLocation {
  message: string;
}

const SEVERITIES: Record<string, HelmLintSeverity> = { ERROR: 'error', WARNING: 'warning', INFO: 'info' };

function normalisePath(path: string): string {
  let p = path.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** `mychart/templates/x.yaml` (template names start with the chart's name) -> `templates/x.yaml`. */
function stripChartName(templateName: string): string {
  const slash = templateName.indexOf('/');
  return slash < 0 ? templateName : templateName.slice(slash + 1);
}

function cleanYamlReason(reason: string): string {
  return reason.replace(/^error converting YAML to JSON:\s*/, '').replace(/^cannot unmarshal yaml document:\s*/, '').replace(/^error converting YAML to JSON:\s*/, '');
}

const TEMPLATE_EXEC = /^(?:template: )?([^\s:()]+):(\d+):(\d+):? (.*)$/s;
const TEMPLATE_LINE = /^template: ([^\s:()]+):(\d+): (.*)$/s;
const PARSE_ERROR = /^parse error at \(([^\s:()]+):(\d+)\): (.*)$/s;
const EXECUTION_ERROR = /^execution error at \(([^\s:()]+):(\d+)(?::(\d+))?\): (.*)$/s;
const UNCLOSED = /^unclosed action started at [^\s:()]+:(\d+)/;
const YAML_LINE = /^(?:(.*?):\s*)?yaml: line (\d+): (.*)$/s;
const YAML_ON_TEMPLATE = /^YAML parse error on ([^\s:]+): (.*)$/s;
const CANNOT_LOAD = /^cannot load ([^\s:]+): (.*)$/s;
const VALUES_FILE = /^failed to parse (.+?): (.*)$/s;
const UNABLE_TO_PARSE = /^unable to parse YAML:?\s*(.*)$/s;
const UNABLE_TO_LOAD = /^unable to load chart: (.*)$/s;

interface Located extends Omit<HelmProblemLocation, 'file'> {
  file?: string;
  message: string;
}

function yamlLocation(reason: string, rendered: boolean): { line?: number; message: string } {
  const cleaned = cleanYamlReason(reason);
  const match = YAML_LINE.exec(cleaned);
  const prefix = rendered ? 'the rendered output is not valid YAML' : 'not valid YAML';
  if (!match) return { message: `${prefix}: ${cleaned.replace(/^yaml:\s*/, '')}` };
  return { line: Number(match[2]) - 1, message: `${prefix}: ${match[3] ?? ''}` };
}

/**
 * Reads a location out of one helm error message (template positions, YAML lines, the file
 * that could not be loaded). `file` is chart-relative when the message names a template.
 * `renderedYaml`: a YAML error in this message is about a template's rendered output.
 */
function locate(message: string, renderedYaml = false): Located {
  let match = TEMPLATE_EXEC.exec(message);
  if (match?.[1]?.includes('/')) {
    return { file: stripChartName(match[1]), line: Number(match[2]) - 1, column: Number(match[3]), message: match[4] ?? '' };
  }
  match = TEMPLATE_LINE.exec(message);
  if (match?.[1]) return { file: stripChartName(match[1]), line: Number(match[2]) - 1, message: match[3] ?? '' };
  match = PARSE_ERROR.exec(message);
  if (match?.[1]) {
    const reason = match[3] ?? '';
    // Helm reports an unclosed action where the file ends; the action starts earlier.
    const started = UNCLOSED.exec(reason);
    const line = Number(started?.[1] ?? match[2]) - 1;
    return { file: stripChartName(match[1]), line, message: `parse error: ${reason}` };
  }
  match = EXECUTION_ERROR.exec(message);
  if (match?.[1]) {
    const located: Located = { file: stripChartName(match[1]), line: Number(match[2]) - 1, message: match[4] ?? '' };
    if (match[3] !== undefined) located.column = Number(match[3]);
    return located;
  }
  match = YAML_ON_TEMPLATE.exec(message);
  if (match?.[1]) return { file: stripChartName(match[1]), renderedLine: true, ...yamlLocation(match[2] ?? '', true) };
  match = CANNOT_LOAD.exec(message);
  if (match?.[1]) {
    const reason = match[2] ?? '';
    return /yaml: /.test(reason) ? { file: match[1], ...yamlLocation(reason, false) } : { file: match[1], message: reason };
  }
  match = VALUES_FILE.exec(message);
  if (match?.[1]) return { file: match[1], valuesFile: true, ...yamlLocation(match[2] ?? '', false) };
  match = UNABLE_TO_PARSE.exec(message);
  if (match) {
    const located: Located = yamlLocation(match[1] ?? '', renderedYaml);
    if (renderedYaml && located.line !== undefined) located.renderedLine = true;
    return located;
  }
  match = UNABLE_TO_LOAD.exec(message);
  if (match) {
    const inner = locate(match[1] ?? '');
    return inner.file !== undefined ? inner : { message };
  }
  if (/^validation: chart\.metadata\./.test(message)) return { file: 'Chart.yaml', message };
  return { message };
}

/** Joins a message's continuation lines: after a trailing `:` with a space, otherwise with `: `. */
function joinLines(lines: string[]): string {
  let joined = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (joined === '') joined = line;
    else joined += joined.endsWith(':') ? ` ${line}` : `: ${line}`;
  }
  return joined;
}

interface RawFinding {
  severity: HelmLintSeverity;
  path: string;
  lines: string[];
  section: string | undefined;
}

/** Splits `[ERROR] path: message` at the `: ` after the path (a Windows drive's colon is not it). */
function splitPath(rest: string): { path: string; message: string } {
  const from = /^[A-Za-z]:[\\/]/.test(rest) ? 2 : 0;
  const at = rest.indexOf(': ', from);
  if (rest.startsWith(': ')) return { path: '', message: rest.slice(2) };
  if (at < 0) return rest.endsWith(':') ? { path: rest.slice(0, -1), message: '' } : { path: '', message: rest };
  return { path: rest.slice(0, at), message: rest.slice(at + 2) };
}

function sameChartDir(a: string, b: string): boolean {
  const x = normalisePath(a);
  const y = normalisePath(b);
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

// Notes helm prints on stderr while linting with lenient rendering (a required value or a
// `fail` would stop a real install).
const REQUIRED_NOTES = [/^\S+\.go:\d+: \[INFO\] Missing required value: (.*)$/, /^level=WARN msg="missing required value" message="(.*)"$/];
const FAIL_NOTES = [/^\S+\.go:\d+: \[INFO\] Fail: (.*)$/, /^level=INFO msg="funcMap fail" message="(.*)"$/];

function firstGroup(patterns: RegExp[], line: string): string | undefined {
  for (const pattern of patterns) {
    const match = pattern.exec(line);
    if (match) return (match[1] ?? '').replace(/\\"/g, '"');
  }
  return undefined;
}

/**
 * Findings of `helm lint` for the chart at `chartDir` (the path given to helm, relative or
 * absolute). Pass stdout; stderr may be appended: it adds the `Error: failed to parse <values
 * file>` of a broken `--values` file and the lenient-rendering notes (a missing required value,
 * a `fail` call) as warnings on the chart. With `--with-subcharts`, a subchart's findings get
 * paths under `charts/<name>/`. Findings helm repeats for the same spot (a broken values.yaml
 * is reported three times) are kept once.
 */
export function parseHelmLint(output: string, chartDir: string): HelmLintFinding[] {
  const raws: RawFinding[] = [];
  const headers: string[] = [];
  const extra: HelmLintFinding[] = [];
  let section: string | undefined;
  let open: RawFinding | undefined;
  for (const line of output.split(/\r?\n/)) {
    const header = /^==> Linting (.+)$/.exec(line);
    if (header?.[1]) {
      section = header[1].trim();
      headers.push(section);
      open = undefined;
      continue;
    }
    const finding = /^\[(ERROR|WARNING|INFO)\] (.*)$/.exec(line);
    if (finding) {
      const severity = SEVERITIES[finding[1] ?? ''] ?? 'info';
      const { path, message } = splitPath(finding[2] ?? '');
      open = { severity, path, lines: [message], section };
      raws.push(open);
      continue;
    }
    const required = firstGroup(REQUIRED_NOTES, line);
    const failed = required === undefined ? firstGroup(FAIL_NOTES, line) : undefined;
    if (required !== undefined || failed !== undefined) {
      open = undefined;
      const message = required !== undefined
        ? `A required value is missing: ${required} (lint renders leniently; install and template would fail)`
        : `The chart calls fail: ${failed ?? ''} (lint renders leniently; install and template would fail)`;
      extra.push({ severity: 'warning', file: '', message });
      continue;
    }
    // `Error unable to check Chart.yaml file in chart: ...` (no colon): the folder is not a chart.
    const chartError = /^Error ([^:].*)$/.exec(line);
    if (chartError) {
      open = undefined;
      extra.push({ severity: 'error', file: '', message: chartError[1] ?? '' });
      continue;
    }
    if (line.startsWith('Error: ')) {
      open = undefined;
      if (/^Error: \d+ chart\(s\) linted/.test(line)) continue;
      const located = locate(line.slice('Error: '.length));
      if (located.valuesFile) extra.push({ severity: 'error', ...located, file: located.file ?? '' });
      continue;
    }
    if (line.trim() === '' || /^\d+ chart\(s\) linted/.test(line)) {
      open = undefined;
      continue;
    }
    open?.lines.push(line);
  }

  const root = headers.find((h) => sameChartDir(h, chartDir)) ?? headers[0];
  const findings: HelmLintFinding[] = [];
  for (const raw of raws) {
    let prefix = '';
    let sectionDirs: string[] = [chartDir];
    if (raw.section !== undefined && root !== undefined) {
      const sectionPath = normalisePath(raw.section);
      const rootPath = normalisePath(root);
      if (sectionPath !== rootPath) {
        if (!sectionPath.startsWith(`${rootPath}/`)) continue; // another chart linted in the same run
        prefix = `${sectionPath.slice(rootPath.length + 1)}/`;
      }
      sectionDirs = [raw.section, chartDir];
    }
    const message = joinLines(raw.lines);
    // A YAML error reported against a file under templates/ is about that template's rendered output.
    const located = locate(message, /(^|\/)templates\/./.test(normalisePath(raw.path)));
    let file: string;
    if (located.file !== undefined) {
      file = located.valuesFile ? located.file : prefix + located.file;
    } else if (raw.path === '') {
      file = prefix === '' ? '' : `${prefix}Chart.yaml`;
    } else if (isAbsolutePath(raw.path) || sectionDirs.some((dir) => normalisePath(dir) === normalisePath(raw.path))) {
      // Helm reports dependency problems against the chart directory; they are declared in Chart.yaml.
      file = `${prefix}Chart.yaml`;
    } else {
      file = prefix + normalisePath(raw.path) + (raw.path.endsWith('/') ? '/' : '');
    }
    const result: HelmLintFinding = { severity: raw.severity, file, message: located.message };
    if (located.line !== undefined) result.line = located.line;
    if (located.column !== undefined) result.column = located.column;
    if (located.renderedLine) result.renderedLine = true;
    if (located.valuesFile) result.valuesFile = true;
    findings.push(result);
  }
  return dedupe([...findings, ...extra]);
}

function dedupe(findings: HelmLintFinding[]): HelmLintFinding[] {
  const seen = new Set<string>();
  const kept: HelmLintFinding[] = [];
  for (const finding of findings) {
    // Helm reports a broken values.yaml or Chart.yaml again as "cannot load ..." and "unable to load chart".
    const key = finding.line !== undefined ? `${finding.severity}\u0000${finding.file}\u0000${finding.line}` : `${finding.severity}\u0000${finding.file}\u0000${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(finding);
  }
  return kept;
}

const COMMAND_PREFIXES = /^(?:INSTALLATION FAILED|UPGRADE FAILED|ROLLBACK FAILED|template): /;

/**
 * The error of a failed `helm template`, `install` or `upgrade` (stderr), with the chart file
 * and position when helm gives one: template parse and execution errors, `required`/`fail`
 * messages, YAML errors in rendered templates, a broken values.yaml or Chart.yaml, a broken
 * `--values` file. Undefined when stderr has no `Error:` line. Errors without a location
 * (cluster unreachable, release locked) come back with an empty `file`.
 */
export function parseTemplateError(stderr: string): HelmTemplateError | undefined {
  const lines = stderr.split(/\r?\n/);
  const start = lines.findIndex((line) => line.startsWith('Error: '));
  if (start < 0) return undefined;
  const block: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (i > start && (line.trim() === '' || line.startsWith('Use --debug flag') || line.startsWith('Error: '))) break;
    block.push(i === start ? line.slice('Error: '.length) : line);
  }
  let message = joinLines(block);
  // Only strip `template: ` when it is not a position (`template: chart/templates/x.yaml:3:4: ...`).
  while (COMMAND_PREFIXES.test(message) && !/^template: [^\s:()]+:\d+/.test(message)) message = message.replace(COMMAND_PREFIXES, '');
  const located = locate(message);
  const result: HelmTemplateError = { file: located.file ?? '', message: located.message };
  if (located.line !== undefined) result.line = located.line;
  if (located.column !== undefined) result.column = located.column;
  if (located.renderedLine) result.renderedLine = true;
  if (located.valuesFile) result.valuesFile = true;
  return result;
}
