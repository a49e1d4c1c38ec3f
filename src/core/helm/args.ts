/**
 * Argument arrays for the helm binary, for `execFile` (never a shell string). Every command
 * that talks to a cluster names its target with `--kube-context` and `--namespace` (and
 * `--kubeconfig` when Berth uses a non-default file), so the kubeconfig's current context can
 * never be used by accident, even if another terminal switches it meanwhile. `lint` and
 * `template` never contact a cluster: their kube context is optional, their namespace defaults
 * to `default` (it is rendered into `.Release.Namespace`, so it is always explicit too).
 * User-controlled strings are validated first ({@link HelmArgumentError}), flags come first and
 * positionals last, after `--`, so a name can never be read as a flag.
 *
 * Flags that differ between Helm 3 and Helm 4, checked against `helm <cmd> --help` and real runs
 * of v3.19.5 and v4.3.1 (every builder's output is run through both binaries in
 * test/integration/helm/args.test.ts), and for the deprecations in the helm/helm
 * v4 sources (pkg/cmd/install.go and upgrade.go: `MarkDeprecated("atomic", "use
 * --rollback-on-failure instead")`, `MarkDeprecated("force", "use --force-replace instead")`):
 *
 * | what                         | Helm 3.19                                  | Helm 4                                                        |
 * |------------------------------|--------------------------------------------|---------------------------------------------------------------|
 * | roll back when install/upgrade fails | `--atomic` (implies `--wait`)      | `--rollback-on-failure` (implies `--wait=watcher`); `--atomic` still parses but is deprecated and hidden |
 * | replace resources on conflict| `--force`                                  | `--force-replace`; `--force` deprecated and hidden. New: `--force-conflicts` (server-side apply) |
 * | wait for readiness           | `--wait` (boolean)                         | `--wait[=watcher|hookOnly|legacy]`; bare `--wait` = `watcher`; omitted = `hookOnly` |
 * | dry run (install/upgrade)    | `--dry-run[=client|server]` (bare = client)| `--dry-run=none|client|server`; bare `--dry-run` deprecated  |
 * | dry run (rollback)           | `--dry-run` (boolean)                      | `--dry-run=none|client|server`                               |
 * | rollback `--recreate-pods`   | exists (deprecated)                        | removed                                                      |
 * | apply method                 | client-side three-way merge only           | `--server-side=true|false|auto` (install defaults to server-side apply) |
 * | list every status            | `--all` (default: deployed and failed only)| no `--all` (`-a` is an unknown flag): every status by default |
 * | template `--validate`        | exists                                     | removed (use `--dry-run=server`)                             |
 * | colours                      | none                                       | `--color never|auto|always` (not passed: Berth reads JSON or plain text) |
 *
 * Builders here use the explicit forms valid on both (`--dry-run=client`, `--wait=watcher` on 4)
 * and need Helm 3.13 or later on the 3 line (`--dry-run=server` came in 3.13, `--set-literal`
 * in 3.12): see {@link helmVersionProblem}.
 */
import type { HelmVersion } from './types';

/** A user-controlled argument that would be unsafe or that helm would refuse; the message says which and why. */
export class HelmArgumentError extends Error {
  override name = 'HelmArgumentError';
}

/** Where a command goes. Never defaulted from the kubeconfig's current context. */
export interface HelmTarget {
  kubeContext: string;
  namespace: string;
  /** One kubeconfig file; for several, set KUBECONFIG in the process environment instead. */
  kubeconfig?: string;
}

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Helm's limit: 63 (DNS label) less room for the suffixes charts add to resource names. */
export const MAX_RELEASE_NAME_LENGTH = 53;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Keys of --set-literal/--set-json: a dotted path, list indexes, escaped dots (`a\.b`); no `=` or `,`.
const SET_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\-/[\]\\]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `name` is not a valid release name (Helm's rule: lowercase RFC 1123 subdomain, at most 53 characters), or undefined. */
export function validateReleaseName(name: string): string | undefined {
  if (name === '') return 'A release name is required.';
  if (name.length > MAX_RELEASE_NAME_LENGTH) return `Release name "${name}" is ${name.length} characters long; Helm allows at most ${MAX_RELEASE_NAME_LENGTH}.`;
  if (!RELEASE_NAME.test(name)) {
    return `Release name "${name}" is not valid: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.`;
  }
  return undefined;
}

/** Why `namespace` is not a valid namespace name (a DNS label: at most 63 lowercase letters, digits and '-'), or undefined. */
export function validateNamespace(namespace: string): string | undefined {
  if (namespace === '') return 'A namespace is required.';
  if (namespace.length > 63) return `Namespace "${namespace}" is ${namespace.length} characters long; Kubernetes allows at most 63.`;
  if (!DNS_LABEL.test(namespace)) return `Namespace "${namespace}" is not valid: use lowercase letters, digits and '-', starting and ending with a letter or digit.`;
  return undefined;
}

/** Why `context` cannot be passed as `--kube-context`, or undefined. Context names are free-form otherwise (`arn:aws:eks:...`, `user@cluster`). */
export function validateKubeContext(context: string): string | undefined {
  if (context.trim() === '') return 'A kube context is required: Berth never falls back to the kubeconfig\'s current context.';
  if (context.startsWith('-')) return `Kube context "${context}" starts with '-', which helm would read as a flag.`;
  if (CONTROL.test(context)) return `Kube context "${context}" contains control characters.`;
  return undefined;
}

/** Why `path` cannot be passed to helm as a file or chart path, or undefined. `what` names it in the message. */
export function validatePathArgument(path: string, what: string): string | undefined {
  if (path === '') return `The ${what} path is empty.`;
  if (path.startsWith('-')) return `The ${what} path "${path}" starts with '-', which helm would read as a flag; use an absolute path or prefix it with ./`;
  if (CONTROL.test(path)) return `The ${what} path "${path}" contains control characters.`;
  return undefined;
}

function check(problem: string | undefined): void {
  if (problem !== undefined) throw new HelmArgumentError(problem);
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new HelmArgumentError(`${what} must be a whole number of at least 1 (got ${value}).`);
  return value;
}

function targetFlags(target: HelmTarget): string[] {
  check(validateKubeContext(target.kubeContext));
  check(validateNamespace(target.namespace));
  const flags = ['--kube-context', target.kubeContext, '--namespace', target.namespace];
  if (target.kubeconfig !== undefined) {
    check(validatePathArgument(target.kubeconfig, 'kubeconfig'));
    flags.push('--kubeconfig', target.kubeconfig);
  }
  return flags;
}

/** Values sources shared by install/upgrade, template and lint. */
export interface HelmValuesOptions {
  /** `--values` files, in order (later files win). */
  valuesFiles?: string[];
  /**
   * `--set-literal key=value`: the value is taken as one literal string (commas, backslashes,
   * `1.10`, `null` and `true` stay text), unlike `--set`, which splits on commas and guesses types.
   */
  set?: Record<string, string>;
  /** `--set-json key=<JSON>`: for numbers, booleans, lists and maps. */
  setJson?: Record<string, unknown>;
}

function valuesFlags(options: HelmValuesOptions): string[] {
  const flags: string[] = [];
  for (const file of options.valuesFiles ?? []) {
    check(validatePathArgument(file, 'values file'));
    flags.push('--values', file);
  }
  const setKey = (key: string): string => {
    if (!SET_KEY.test(key)) throw new HelmArgumentError(`Value key "${key}" is not valid: use a dotted path like image.tag (letters, digits, '_', '-', '.', '/', [index]).`);
    return key;
  };
  for (const [key, value] of Object.entries(options.set ?? {})) flags.push('--set-literal', `${setKey(key)}=${value}`);
  for (const [key, value] of Object.entries(options.setJson ?? {})) {
    const json = JSON.stringify(value);
    if (json === undefined) throw new HelmArgumentError(`Value for "${key}" cannot be written as JSON.`);
    flags.push('--set-json', `${setKey(key)}=${json}`);
  }
  return flags;
}

function timeoutFlags(timeoutSeconds: number | undefined): string[] {
  return timeoutSeconds === undefined ? [] : ['--timeout', `${positiveInteger(timeoutSeconds, 'The timeout (seconds)')}s`];
}

function waitFlags(version: HelmVersion, wait: boolean | undefined): string[] {
  if (!wait) return [];
  return version.major === 4 ? ['--wait=watcher'] : ['--wait'];
}

/** `helm version --short`. */
export function versionArgs(): string[] {
  return ['version', '--short'];
}

/**
 * The version from `helm version --short` (`v3.19.5`, `v4.3.1+g1a2b3c4`) or plain `helm version`
 * (`version.BuildInfo{Version:"v3.19.5", ...}`). Helm 2 (`Client: &version.Version{SemVer:"v2..."}`)
 * and majors other than 3 and 4 are refused with a message.
 */
export function parseHelmVersion(stdout: string): HelmVersion | { error: string } {
  const match = /\bv(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?/.exec(stdout);
  if (!match) return { error: `Could not read a helm version from "${stdout.trim().slice(0, 200)}".` };
  const [raw, majorText, minorText, patchText] = match;
  const major = Number(majorText);
  if (major !== 3 && major !== 4) {
    return { error: major === 2 ? `Helm 2 (${raw}) is not supported; install Helm 3 or 4.` : `Helm ${raw} is not supported; Berth knows Helm 3 and 4.` };
  }
  return { major, minor: Number(minorText), patch: Number(patchText), raw };
}

/** Why this helm is too old for the flags Berth uses (3.13+ on the 3 line), or undefined. */
export function helmVersionProblem(version: HelmVersion): string | undefined {
  if (version.major === 3 && version.minor < 13) return `Helm ${version.raw} is too old: Berth needs Helm 3.13 or later (for --dry-run=server and --set-literal), or Helm 4.`;
  return undefined;
}

export interface InstallOrUpgradeOptions extends HelmTarget, HelmValuesOptions {
  version: HelmVersion;
  release: string;
  /** Chart directory or archive path. */
  chart: string;
  /** `upgrade --install`: install when the release does not exist yet. */
  install: boolean;
  wait: boolean;
  timeoutSeconds?: number;
  /** Roll back (or uninstall a first install) when it fails: `--atomic` on 3, `--rollback-on-failure` on 4. */
  atomic: boolean;
  /** `--create-namespace` (only with `install`). */
  createNamespace: boolean;
  dryRun?: 'client' | 'server';
  /** `--reuse-values`: start from the release's current values (for "set the image" upgrades). */
  reuseValues?: boolean;
  /** Replace resources that cannot be patched: `--force` on 3, `--force-replace` on 4. */
  forceReplace?: boolean;
  /** Delete resources this upgrade created when it fails. */
  cleanupOnFail?: boolean;
  description?: string;
  /** `--output json`: print the release (with its manifest) as JSON, e.g. for a dry-run diff. */
  output?: 'json';
}

/** `helm upgrade [--install] ... -- RELEASE CHART`. */
export function installOrUpgradeArgs(options: InstallOrUpgradeOptions): string[] {
  check(validateReleaseName(options.release));
  check(validatePathArgument(options.chart, 'chart'));
  const { version } = options;
  const args = ['upgrade'];
  if (options.install) args.push('--install');
  args.push(...targetFlags(options));
  if (options.install && options.createNamespace) args.push('--create-namespace');
  args.push(...valuesFlags(options));
  if (options.reuseValues) args.push('--reuse-values');
  args.push(...waitFlags(version, options.wait));
  args.push(...timeoutFlags(options.timeoutSeconds));
  if (options.atomic) args.push(version.major === 4 ? '--rollback-on-failure' : '--atomic');
  if (options.forceReplace) args.push(version.major === 4 ? '--force-replace' : '--force');
  if (options.cleanupOnFail) args.push('--cleanup-on-fail');
  if (options.dryRun) args.push(`--dry-run=${options.dryRun}`);
  if (options.description !== undefined) {
    check(CONTROL.test(options.description) ? 'The description contains control characters.' : undefined);
    args.push('--description', options.description);
  }
  if (options.output) args.push('--output', options.output);
  args.push('--', options.release, options.chart);
  return args;
}

export interface RollbackOptions extends HelmTarget {
  version: HelmVersion;
  release: string;
  /** The revision to go back to; explicit (helm's 0 = "the previous one" is not offered). */
  revision: number;
  wait?: boolean;
  timeoutSeconds?: number;
  forceReplace?: boolean;
  cleanupOnFail?: boolean;
}

/** `helm rollback ... -- RELEASE REVISION`. */
export function rollbackArgs(options: RollbackOptions): string[] {
  check(validateReleaseName(options.release));
  const revision = positiveInteger(options.revision, 'The revision');
  const args = ['rollback', ...targetFlags(options), ...waitFlags(options.version, options.wait), ...timeoutFlags(options.timeoutSeconds)];
  if (options.forceReplace) args.push(options.version.major === 4 ? '--force-replace' : '--force');
  if (options.cleanupOnFail) args.push('--cleanup-on-fail');
  args.push('--', options.release, String(revision));
  return args;
}

export interface UninstallOptions extends HelmTarget {
  version: HelmVersion;
  release: string;
  /** Wait until the resources are gone. */
  wait?: boolean;
  timeoutSeconds?: number;
  keepHistory?: boolean;
  dryRun?: boolean;
}

/** `helm uninstall ... -- RELEASE`. */
export function uninstallArgs(options: UninstallOptions): string[] {
  check(validateReleaseName(options.release));
  const args = ['uninstall', ...targetFlags(options), ...waitFlags(options.version, options.wait), ...timeoutFlags(options.timeoutSeconds)];
  if (options.keepHistory) args.push('--keep-history');
  // A boolean on both majors for uninstall.
  if (options.dryRun) args.push('--dry-run');
  args.push('--', options.release);
  return args;
}

export interface HistoryOptions extends HelmTarget {
  release: string;
  /** At most this many revisions (helm's default is 256). */
  max?: number;
}

/** `helm history ... --output json -- RELEASE`. */
export function historyArgs(options: HistoryOptions): string[] {
  check(validateReleaseName(options.release));
  const args = ['history', ...targetFlags(options), '--output', 'json'];
  if (options.max !== undefined) args.push('--max', String(positiveInteger(options.max, 'The maximum number of revisions')));
  args.push('--', options.release);
  return args;
}

export type HelmGetWhat = 'values' | 'manifest' | 'notes' | 'hooks';

export interface GetOptions extends HelmTarget {
  release: string;
  what: HelmGetWhat;
  /** A past revision; the current one when absent. */
  revision?: number;
  /** `get values --all`: computed values (chart defaults coalesced with the user's). Only for values. */
  all?: boolean;
}

/** `helm get values|manifest|notes|hooks ... -- RELEASE` (values as JSON). */
export function getArgs(options: GetOptions): string[] {
  check(validateReleaseName(options.release));
  if (options.all && options.what !== 'values') throw new HelmArgumentError(`--all only applies to "helm get values", not "${options.what}".`);
  const args = ['get', options.what, ...targetFlags(options)];
  if (options.revision !== undefined) args.push('--revision', String(positiveInteger(options.revision, 'The revision')));
  if (options.what === 'values') {
    if (options.all) args.push('--all');
    args.push('--output', 'json');
  }
  args.push('--', options.release);
  return args;
}

/** Optional target for the commands that never contact a cluster. */
export interface OfflineTarget {
  /** Rendered into `.Release.Namespace`; `default` when absent (never the kubeconfig's). */
  namespace?: string;
  kubeContext?: string;
  kubeconfig?: string;
}

function offlineTargetFlags(target: OfflineTarget): string[] {
  const namespace = target.namespace ?? 'default';
  check(validateNamespace(namespace));
  const flags: string[] = [];
  if (target.kubeContext !== undefined) {
    check(validateKubeContext(target.kubeContext));
    flags.push('--kube-context', target.kubeContext);
  }
  flags.push('--namespace', namespace);
  if (target.kubeconfig !== undefined) {
    check(validatePathArgument(target.kubeconfig, 'kubeconfig'));
    flags.push('--kubeconfig', target.kubeconfig);
  }
  return flags;
}

export interface LintOptions extends OfflineTarget, Omit<HelmValuesOptions, 'valuesFiles'> {
  /** `--strict`: warnings fail the lint too. */
  strict?: boolean;
  /** Lint the charts under `charts/` as well (their findings come in their own sections). */
  withSubcharts?: boolean;
}

/** `helm lint ... -- CHART_DIR`. */
export function lintArgs(chartDir: string, valuesFiles: string[], options: LintOptions = {}): string[] {
  check(validatePathArgument(chartDir, 'chart'));
  const args = ['lint', ...offlineTargetFlags(options), ...valuesFlags({ ...options, valuesFiles })];
  if (options.strict) args.push('--strict');
  if (options.withSubcharts) args.push('--with-subcharts');
  args.push('--', chartDir);
  return args;
}

export interface TemplateOptions extends OfflineTarget, HelmValuesOptions {
  release: string;
  chart: string;
  /** Only these templates (chart-relative, e.g. `templates/deployment.yaml`). */
  showOnly?: string[];
  includeCrds?: boolean;
  /** Render as an upgrade (`.Release.IsUpgrade`). */
  isUpgrade?: boolean;
  skipTests?: boolean;
  /** `Capabilities.KubeVersion`, e.g. `1.34.0`. */
  kubeVersion?: string;
}

/** `helm template ... -- RELEASE CHART`. */
export function templateArgs(options: TemplateOptions): string[] {
  check(validateReleaseName(options.release));
  check(validatePathArgument(options.chart, 'chart'));
  const args = ['template', ...offlineTargetFlags(options), ...valuesFlags(options)];
  for (const template of options.showOnly ?? []) {
    check(validatePathArgument(template, 'template'));
    args.push('--show-only', template);
  }
  if (options.includeCrds) args.push('--include-crds');
  if (options.isUpgrade) args.push('--is-upgrade');
  if (options.skipTests) args.push('--skip-tests');
  if (options.kubeVersion !== undefined) {
    if (!/^v?\d+\.\d+(\.\d+)?$/.test(options.kubeVersion)) throw new HelmArgumentError(`Kubernetes version "${options.kubeVersion}" is not valid (e.g. 1.34.0).`);
    args.push('--kube-version', options.kubeVersion);
  }
  args.push('--', options.release, options.chart);
  return args;
}

export interface ListOptions extends HelmTarget {
  version: HelmVersion;
  /** `--all-namespaces`; `namespace` is still passed (helm ignores it then). */
  allNamespaces: boolean;
}

/**
 * `helm list --output json` with every status (v3 needs `--all`: its default hides pending,
 * superseded and uninstalling releases; v4 shows every status and has no `--all`) and no row
 * limit (`--max 0`; the default is 256).
 */
export function listArgs(options: ListOptions): string[] {
  const args = ['list', ...targetFlags(options)];
  if (options.allNamespaces) args.push('--all-namespaces');
  if (options.version.major === 3) args.push('--all');
  args.push('--max', '0', '--output', 'json');
  return args;
}
