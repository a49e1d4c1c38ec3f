// Output formats of `berth lint`. Each formatter is fed one file at a time so that text
// and JSON stream out while thousands of files are linted; SARIF and checkstyle keep
// only the findings (never file contents) until the end.
import { repository, version } from '../../package.json';
import { upstreamUrl } from '../core/dockerfile/ruleDocs';
import { findRule } from '../core/dockerfile/rules/index';
import type { Rule, Severity } from '../core/dockerfile/rules/types';
import type { PlainFinding } from './lintFile';

/** What was linted in one file; `file` is the name to print. */
export interface FileReport {
  readonly file: string;
  readonly findings: readonly PlainFinding[];
}

export interface Formatter {
  begin(): string;
  file(report: FileReport): string;
  end(): string;
}

export const BERTH_VERSION: string = version;
const REPOSITORY_URL = repository.url.replace(/\.git$/, '');

/** Codes the engine and the CLI emit that are not rules of the registry. */
const META_CODES: Readonly<Record<string, string>> = {
  DL1000: 'The Dockerfile could not be parsed',
  BT000: 'A rule failed internally (a Berth bug)',
  BT001: 'The file holds binary content and was not linted',
  BT002: 'The file is too large to lint',
  BT003: 'More findings than the configured limit',
};

/** Where a rule is documented: upstream for hadolint and BuildKit rules, Berth's docs for its own. */
export function ruleHelpUri(code: string): string | undefined {
  const rule = findRule(code);
  if (!rule) return undefined;
  return upstreamUrl(rule) ?? `${REPOSITORY_URL}/blob/main/docs/rules/${rule.code}.md`;
}

/** One line, as in hadolint's output: newlines in a message would break line-based tools. */
function oneLine(message: string): string {
  return message.replace(/\s*\r?\n\s*/g, ' ');
}

const COLORS: Readonly<Record<Severity, string>> = { error: '31', warning: '33', info: '36', style: '32' };

/** `file:line code level: message`, hadolint's tty layout; coloured levels when `color`. */
export function textFormatter(color: boolean): Formatter {
  return {
    begin: () => '',
    file(report) {
      let out = '';
      for (const f of report.findings) {
        const level = color ? `\u001b[${COLORS[f.severity]}m${f.severity}\u001b[0m` : f.severity;
        const code = color ? `\u001b[1m${f.code}\u001b[0m` : f.code;
        out += `${report.file}:${f.range.start.line + 1} ${code} ${level}: ${oneLine(f.message)}\n`;
      }
      return out;
    },
    end: () => '',
  };
}

/**
 * hadolint's JSON: one array for all files of `{code, column, file, level, line, message}`
 * (this key order), 1-based line and column. hadolint always prints column 1 for rule
 * findings; Berth prints the column where the finding starts.
 */
export function jsonFormatter(): Formatter {
  let first = true;
  return {
    begin: () => '[',
    file(report) {
      let out = '';
      for (const f of report.findings) {
        const item = {
          code: f.code,
          column: f.range.start.col + 1,
          file: report.file,
          level: f.severity,
          line: f.range.start.line + 1,
          message: f.message,
        };
        out += (first ? '' : ',') + JSON.stringify(item);
        first = false;
      }
      return out;
    },
    end: () => ']\n',
  };
}

/** Characters XML 1.0 cannot hold at all, even as references. */
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for a quoted XML attribute value; characters XML cannot hold become U+FFFD. */
export function xmlAttribute(value: string): string {
  return value
    .replace(XML_INVALID, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // Attribute-value normalisation would turn these into spaces; references keep them.
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** Checkstyle 4.3 XML as hadolint writes it: one `<file>` per linted file, severity = level. */
export function checkstyleFormatter(): Formatter {
  return {
    begin: () => '<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">\n',
    file(report) {
      let out = `<file name="${xmlAttribute(report.file)}">\n`;
      for (const f of report.findings) {
        out += `<error line="${f.range.start.line + 1}" column="${f.range.start.col + 1}" severity="${f.severity}" message="${xmlAttribute(f.message)}" source="${xmlAttribute(f.code)}"/>\n`;
      }
      return `${out}</file>\n`;
    },
    end: () => '</checkstyle>\n',
  };
}

const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { error: 'error', warning: 'warning', info: 'note', style: 'note' };

/** A file name as a SARIF `uri`: a URI reference, so each path segment is percent-encoded. */
export function sarifUri(file: string): string {
  const slashed = file.replace(/\\/g, '/');
  const encoded = slashed.split('/').map((segment) => encodeURIComponent(segment)).join('/');
  if (/^[A-Za-z]:\//.test(slashed)) return `file:///${encoded.replace('%3A', ':')}`;
  return slashed.startsWith('/') ? `file://${encoded}` : encoded;
}

interface SarifRule {
  id: string;
  name?: string;
  shortDescription: { text: string };
  fullDescription?: { text: string };
  helpUri?: string;
  help?: { text: string };
  defaultConfiguration: { level: 'error' | 'warning' | 'note' };
  properties: { tags: string[] };
}

function sarifRule(code: string, rule: Rule | undefined): SarifRule {
  if (!rule) {
    return { id: code, shortDescription: { text: META_CODES[code] ?? code }, defaultConfiguration: { level: code === 'DL1000' ? 'error' : 'note' }, properties: { tags: ['berth'] } };
  }
  const helpUri = ruleHelpUri(rule.code);
  const out: SarifRule = {
    id: rule.code,
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.doc.why },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: { tags: [rule.family] },
  };
  if (helpUri) {
    out.helpUri = helpUri;
    out.help = { text: `${rule.title}. ${rule.doc.why} See ${helpUri}` };
  }
  return out;
}

/** SARIF 2.1.0: one run; `tool.driver.rules` lists every rule that has a result, with its help URI. */
export function sarifFormatter(): Formatter {
  const ruleIndex = new Map<string, number>();
  const rules: SarifRule[] = [];
  const results: unknown[] = [];
  return {
    begin: () => '',
    file(report) {
      for (const f of report.findings) {
        let index = ruleIndex.get(f.code);
        if (index === undefined) {
          index = rules.length;
          ruleIndex.set(f.code, index);
          rules.push(sarifRule(f.code, findRule(f.code)));
        }
        const startLine = f.range.start.line + 1;
        const startColumn = f.range.start.col + 1;
        const endLine = Math.max(f.range.end.line + 1, startLine);
        // SARIF's endColumn is exclusive like Berth's; it must not precede the start on one line.
        const endColumn = endLine === startLine ? Math.max(f.range.end.col + 1, startColumn) : f.range.end.col + 1;
        results.push({
          ruleId: f.code,
          ruleIndex: index,
          level: SARIF_LEVEL[f.severity],
          message: { text: f.message },
          locations: [{
            physicalLocation: {
              artifactLocation: { uri: sarifUri(report.file) },
              region: { startLine, startColumn, endLine, endColumn },
            },
          }],
        });
      }
      return '';
    },
    end() {
      const log = {
        version: '2.1.0',
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        runs: [{
          tool: {
            driver: {
              name: 'Berth',
              version: BERTH_VERSION,
              semanticVersion: BERTH_VERSION,
              informationUri: REPOSITORY_URL,
              rules,
            },
          },
          columnKind: 'utf16CodeUnits',
          results,
        }],
      };
      return `${JSON.stringify(log, null, 2)}\n`;
    },
  };
}
