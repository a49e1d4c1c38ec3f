// Command-line parsing for `berth`. No I/O: main.ts prints and exits.
import type { PartialSettings } from '../core/config/settings';
import { parseFailureThreshold, parseLabelRequirement } from '../core/config/settings';
import type { Severity } from '../core/dockerfile/rules/types';

/** Output formats the CLI prints. `tty` is `text` with colours when stdout is a terminal. */
export const CLI_FORMATS = ['tty', 'text', 'json', 'sarif', 'checkstyle'] as const;
export type CliFormat = (typeof CLI_FORMATS)[number];

export interface LintArgs {
  readonly files: readonly string[];
  readonly configFile: string | undefined;
  readonly format: CliFormat | undefined;
  readonly contextDir: string | undefined;
  readonly filePathInReport: string | undefined;
  readonly listRules: boolean;
  /** Settings given as flags: the highest-precedence layer. */
  readonly settings: PartialSettings;
}

export type ParsedCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'lint'; readonly args: LintArgs }
  | { readonly kind: 'usage-error'; readonly message: string };

export const USAGE = `Usage: berth lint [options] FILE... | -
       berth lint --rules [--format text|json]
       berth --version | --help

Lints Dockerfiles with hadolint-compatible rules, Docker BuildKit build checks and
Berth's size and multi-stage rules. Reads .hadolint.yaml like hadolint does.

Options:
  -f, --format FORMAT          tty (default), text, json, sarif, checkstyle
  -c, --config FILE            configuration file (default: the first of ./.hadolint.yaml,
                               ./.hadolint.yml, $XDG_CONFIG_HOME/hadolint.yaml,
                               ~/.config/hadolint.yaml, ~/.hadolint/hadolint.yaml,
                               ~/.hadolint/config.yaml, ~/.hadolint.yaml; .yml too)
  -t, --failure-threshold LEVEL
                               exit 1 only for findings of LEVEL or more severe:
                               error, warning, info (default), style, none (= any finding)
      --no-fail                always exit 0 when the files could be linted
      --ignore CODE            do not report this rule (repeatable, or CODE,CODE)
      --error|--warning|--info|--style CODE
                               report this rule at that level (repeatable)
      --trusted-registry REG   registry images may come from (DL3026; repeatable)
      --require-label NAME:TYPE
                               label schema entry (DL3049-DL3058; repeatable)
      --strict-labels          labels outside the schema are findings
      --disable-ignore-pragma  ignore "# hadolint ignore=" comments
      --context DIR            build context for .dockerignore rules
                               (default: each Dockerfile's directory)
      --file-path-in-report P  file name to print instead of the real path
      --no-color               no colours in tty output (also NO_COLOR=1)
      --rules                  list every rule and exit
  -V, --verbose                say which configuration file is used
  -v, --version                print the version
  -h, --help                   print this help

Exit status: 0 when no finding reaches the failure threshold, 1 when one does, when a
file cannot be read or parsed (DL1000), or on a usage or configuration error.`;

/** Flags that take a value, by every spelling. */
const VALUE_FLAGS: Readonly<Record<string, string>> = {
  '-f': 'format', '--format': 'format',
  '-c': 'config', '--config': 'config',
  '-t': 'failure-threshold', '--failure-threshold': 'failure-threshold',
  '--ignore': 'ignore',
  '--error': 'error', '--warning': 'warning', '--info': 'info', '--style': 'style',
  '--trusted-registry': 'trusted-registry',
  '--require-label': 'require-label',
  '--context': 'context',
  '--file-path-in-report': 'file-path-in-report',
};

const SWITCHES: Readonly<Record<string, string>> = {
  '--no-fail': 'no-fail',
  '--no-color': 'no-color',
  '--strict-labels': 'strict-labels',
  '--disable-ignore-pragma': 'disable-ignore-pragma',
  '--rules': 'rules',
  '-V': 'verbose', '--verbose': 'verbose',
  '-v': 'version', '--version': 'version',
  '-h': 'help', '--help': 'help',
};

function splitCodes(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Parses `process.argv.slice(2)`. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') return { kind: 'help' };
  if (first === '-v' || first === '--version' || first === 'version') return { kind: 'version' };
  if (first !== 'lint') {
    return { kind: 'usage-error', message: `unknown command "${first}"; did you mean \`berth lint ${first}\`?` };
  }
  return parseLint(rest);
}

function parseLint(argv: readonly string[]): ParsedCommand {
  const files: string[] = [];
  const ignored: string[] = [];
  const override: Record<string, Severity> = {};
  const registries: string[] = [];
  const labels: Record<string, string> = {};
  let configFile: string | undefined;
  let format: CliFormat | undefined;
  let contextDir: string | undefined;
  let filePathInReport: string | undefined;
  let listRules = false;
  const settings: { -readonly [K in keyof PartialSettings]: PartialSettings[K] } = {};
  let onlyFiles = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (onlyFiles || arg === '-' || !arg.startsWith('-')) { files.push(arg); continue; }
    if (arg === '--') { onlyFiles = true; continue; }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const switchName = SWITCHES[name];
    if (switchName !== undefined) {
      if (eq > 0) return { kind: 'usage-error', message: `${name} takes no value` };
      switch (switchName) {
        case 'help': return { kind: 'help' };
        case 'version': return { kind: 'version' };
        case 'rules': listRules = true; break;
        case 'no-fail': settings.noFail = true; break;
        case 'no-color': settings.noColor = true; break;
        case 'strict-labels': settings.strictLabels = true; break;
        case 'disable-ignore-pragma': settings.disableIgnorePragma = true; break;
        case 'verbose': settings.verbose = true; break;
      }
      continue;
    }
    const valueName = VALUE_FLAGS[name];
    if (valueName === undefined) return { kind: 'usage-error', message: `unknown option ${name}` };
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else { value = argv[i + 1]; i++; }
    if (value === undefined) return { kind: 'usage-error', message: `${name} needs a value` };
    switch (valueName) {
      case 'format': {
        const f = value.toLowerCase();
        if (!(CLI_FORMATS as readonly string[]).includes(f)) {
          return { kind: 'usage-error', message: `unknown format "${value}"; use one of ${CLI_FORMATS.join(', ')}` };
        }
        format = f as CliFormat;
        break;
      }
      case 'config': configFile = value; break;
      case 'context': contextDir = value; break;
      case 'file-path-in-report': filePathInReport = value; break;
      case 'failure-threshold': {
        const t = parseFailureThreshold(value);
        if (!t) return { kind: 'usage-error', message: `unknown failure threshold "${value}"; use error, warning, info, style or none` };
        settings.failureThreshold = t;
        break;
      }
      case 'ignore': ignored.push(...splitCodes(value)); break;
      case 'error': case 'warning': case 'info': case 'style':
        for (const code of splitCodes(value)) override[code.toLowerCase()] = valueName;
        break;
      case 'trusted-registry': registries.push(...splitCodes(value)); break;
      case 'require-label': {
        const parsed = parseLabelRequirement(value);
        if (typeof parsed === 'string') return { kind: 'usage-error', message: `--require-label: ${parsed}` };
        labels[parsed[0]] = parsed[1];
        break;
      }
    }
  }
  if (ignored.length) settings.ignored = ignored;
  if (Object.keys(override).length) settings.override = override;
  if (registries.length) settings.trustedRegistries = registries;
  if (Object.keys(labels).length) settings.labelSchema = labels;
  if (!listRules && files.length === 0) return { kind: 'usage-error', message: 'no Dockerfile given (use - to read standard input)' };
  return { kind: 'lint', args: { files, configFile, format, contextDir, filePathInReport, listRules, settings } };
}
