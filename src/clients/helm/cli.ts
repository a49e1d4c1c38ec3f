// The helm binary as a process: found from a machine-scoped setting or PATH (without running
// `which`), its major version read from `helm version --short`, and every run an argument array
// (built by core/helm/args.ts) without a shell. A run lives in its own process group so that
// cancelling it (or its deadline) stops helm and anything it started: SIGTERM first, which helm
// install/upgrade turn into a clean "cancelled" (the release is marked failed, not left pending),
// then SIGKILL when it has not exited 3 s later.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { helmVersionProblem, parseHelmVersion, versionArgs } from '../../core/helm/args';
import { redactSecrets } from '../../core/kube/execCredential';
import { sanitizeServerText } from '../../core/kube/failures';
import type { HelmBinary, HelmClient, HelmRunOptions, HelmRunResult } from './api';
import { HelmError, failedRunError } from './errors';

/** How long a helm that ignores SIGTERM gets before SIGKILL. */
export const KILL_GRACE_MS = 3_000;
/** Kept of stdout (its tail): room for `helm template` of large charts, CRDs included. */
export const STDOUT_KEEP_CHARS = 16 * 1024 * 1024;
/** Kept of stderr (its tail, where helm's `Error:` is). */
export const STDERR_KEEP_CHARS = 1024 * 1024;
/** `helm version` answers in milliseconds; this only guards against a binary that hangs. */
const VERSION_DEADLINE_MS = 15_000;
/** After helm exited, how long its output pipes may stay open (held by something it started) before we stop reading. */
const PIPE_DRAIN_MS = 1_000;

/** The last `cap` characters of a stream, with a note of how many were dropped before them. */
class TailText {
  private text = '';
  private dropped = 0;

  constructor(private readonly cap: number) {}

  push(chunk: string): void {
    this.text += chunk;
    // Trim in batches so a chatty process costs one copy per `cap` characters, not per chunk.
    if (this.text.length > this.cap * 2) this.trim();
  }

  value(): string {
    this.trim();
    return this.dropped > 0 ? `[… ${this.dropped} earlier characters not kept]\n${this.text}` : this.text;
  }

  private trim(): void {
    const excess = this.text.length - this.cap;
    if (excess <= 0) return;
    this.dropped += excess;
    this.text = this.text.slice(excess);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // No such group (it has exited, or Windows): signal the process itself.
    try { child.kill(signal); } catch { /* already gone */ }
  }
}

function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/** helm's subcommand for messages (`upgrade`), never a user-controlled positional. */
function commandName(args: readonly string[]): string {
  const first = args[0];
  return first !== undefined && /^[a-z][a-z-]*$/.test(first) ? first : 'command';
}

/**
 * Runs `path` with `args` (no shell) and collects its output. Resolves on exit code 0; rejects
 * with a HelmError: 'cancelled' (signal), 'timeout' (deadline), 'release-locked' or 'failed'
 * (non-zero exit), 'not-found' (could not be started). Settles only once the process is gone.
 */
export function runHelmProcess(path: string, args: readonly string[], baseEnv: Record<string, string>, options: HelmRunOptions = {}): Promise<HelmRunResult> {
  const command = commandName(args);
  return new Promise<HelmRunResult>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(new HelmError('cancelled', `helm ${command} was cancelled before it started`));
      return;
    }
    const started = performance.now();
    const stdout = new TailText(STDOUT_KEEP_CHARS);
    const stderr = new TailText(STDERR_KEEP_CHARS);
    const timers: NodeJS.Timeout[] = [];
    let stopReason: 'cancelled' | 'timeout' | undefined;
    let exited = false;
    let settled = false;

    const child = spawn(path, args, {
      env: { ...baseEnv, ...(options.env ?? {}) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });

    const cleanup = (): void => {
      for (const timer of timers) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      cleanup();
      outcome();
    };
    const stop = (why: 'cancelled' | 'timeout'): void => {
      if (exited || stopReason) return;
      stopReason = why;
      killGroup(child, 'SIGTERM');
      timers.push(setTimeout(() => { killGroup(child, 'SIGKILL'); }, KILL_GRACE_MS));
    };
    function onAbort(): void {
      stop('cancelled');
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (options.deadlineMs !== undefined) timers.push(setTimeout(() => { stop('timeout'); }, options.deadlineMs));

    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout.push(chunk);
      options.onStdout?.(chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr.push(chunk);
      options.onStderr?.(redactSecrets(chunk));
    });

    child.on('error', (error: NodeJS.ErrnoException) => {
      // A failed kill of a running process also lands here; its 'close' still settles the run.
      if (child.pid !== undefined) return;
      // The process never ran (ENOENT, EACCES).
      exited = true;
      const reason = error.code === 'ENOENT' ? 'does not exist' : error.code === 'EACCES' ? 'is not executable' : `could not be started (${error.code ?? error.message})`;
      settle(() => { reject(new HelmError('not-found', `helm at ${path} ${reason}`, { hint: 'Install Helm 3 or 4, or give the absolute path of helm in Berth\'s settings.' })); });
    });
    child.on('exit', () => {
      exited = true;
      // Anything helm started that is still running goes with it when the run was stopped.
      if (stopReason) killGroup(child, 'SIGKILL');
      // 'close' waits for the pipes; a process helm left behind may hold them open.
      timers.push(setTimeout(() => { child.stdout.destroy(); child.stderr.destroy(); }, PIPE_DRAIN_MS));
    });
    child.on('close', (code, exitSignal) => {
      const durationMs = Math.round(performance.now() - started);
      const err = stderr.value();
      settle(() => {
        if (stopReason === 'cancelled') {
          reject(new HelmError('cancelled', `helm ${command} was cancelled`, { stderr: err, ...(code !== null ? { exitCode: code } : {}) }));
        } else if (stopReason === 'timeout') {
          const seconds = Math.round((options.deadlineMs ?? 0) / 1000);
          reject(new HelmError('timeout', `helm ${command} did not finish within ${seconds} s and was stopped`, { stderr: err, ...(code !== null ? { exitCode: code } : {}) }));
        } else if (code === 0) {
          resolve({ exitCode: 0, stdout: stdout.value(), stderr: redactSecrets(err), durationMs });
        } else {
          reject(failedRunError(command, code, exitSignal, err));
        }
      });
    });
  });
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pathValue(env: Record<string, string | undefined>): string {
  if (process.platform !== 'win32') return env.PATH ?? '';
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
  return key !== undefined ? env[key] ?? '' : '';
}

function executableNames(env: Record<string, string | undefined>): string[] {
  if (process.platform !== 'win32') return ['helm'];
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATHEXT');
  const extensions = (key !== undefined ? env[key] : undefined)?.split(';').filter((e) => e !== '') ?? ['.EXE'];
  return extensions.map((ext) => `helm${ext.toLowerCase()}`);
}

/**
 * The first `helm` on PATH that is an executable file. Relative PATH entries (`.`, empty) are
 * skipped: they would make the workspace folder decide which program runs.
 */
export async function findOnPath(env: Record<string, string | undefined>): Promise<string | undefined> {
  for (const dir of pathValue(env).split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    for (const name of executableNames(env)) {
      const candidate = join(dir, name);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

async function locateHelm(setting: string | undefined, env: Record<string, string | undefined>): Promise<string> {
  const configured = setting?.trim();
  if (configured) {
    if (!isAbsolute(configured)) {
      throw new HelmError('not-found', `The helm path setting "${configured}" is not an absolute path`, { hint: 'Give the full path of the helm executable, e.g. /usr/local/bin/helm.' });
    }
    if (!(await isExecutableFile(configured))) {
      throw new HelmError('not-found', `The helm path setting "${configured}" is not an executable file`, { hint: 'Check the path, or clear the setting to use helm from PATH.' });
    }
    return configured;
  }
  const found = await findOnPath(env);
  if (found === undefined) {
    throw new HelmError('not-found', 'helm was not found on PATH', {
      hint: 'Install Helm 3 or 4, or give the absolute path of helm in Berth\'s settings (VS Code may have been started with a different PATH than your terminal).',
    });
  }
  return found;
}

class ProcessHelmClient implements HelmClient {
  constructor(readonly binary: HelmBinary, private readonly env: Record<string, string>) {}

  run(args: string[], options?: HelmRunOptions): Promise<HelmRunResult> {
    return runHelmProcess(this.binary.path, args, this.env, options);
  }
}

/**
 * helm from `setting` (an absolute path; a machine-scoped setting, so a workspace cannot choose
 * the program) or else PATH, with its version. `env` is the environment every run inherits.
 * Rejects with HelmError 'not-found' or 'unsupported-version' (Helm 2, an unknown major, a Helm 3
 * older than 3.13, or no readable version).
 */
export async function findHelm(options: { setting?: string; env: Record<string, string | undefined> }): Promise<HelmClient> {
  const path = await locateHelm(options.setting, options.env);
  const env = definedEnv(options.env);
  let stdout: string;
  try {
    stdout = (await runHelmProcess(path, versionArgs(), env, { deadlineMs: VERSION_DEADLINE_MS })).stdout;
  } catch (error) {
    if (error instanceof HelmError && error.kind !== 'not-found') {
      throw new HelmError('unsupported-version', `${path} did not report a helm version: ${error.message}`, { stderr: error.stderr, hint: 'Check that this file is helm 3 or 4.' });
    }
    throw error;
  }
  const version = parseHelmVersion(stdout);
  if ('error' in version) throw new HelmError('unsupported-version', `${path}: ${sanitizeServerText(version.error)}`, { hint: 'Install Helm 3.13 or later, or Helm 4.' });
  const problem = helmVersionProblem(version);
  if (problem !== undefined) throw new HelmError('unsupported-version', problem, { hint: 'Install Helm 3.13 or later, or Helm 4.' });
  return new ProcessHelmClient({ path, version }, env);
}
