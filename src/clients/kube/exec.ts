// Exec credential plugins (gke-gcloud-auth-plugin, kubelogin, aws eks get-token...) run by
// Berth rather than client-node, because a plugin may wait minutes for a browser sign-in and
// client-node offers no deadline, no kill and no cancel. The plugin runs in its own process
// group (it may start helpers), without a shell, and the whole group is killed at the deadline.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseExecCredential, redactSecrets } from '../../core/kube/execCredential';
import type { ExecCredential } from '../../core/kube/execCredential';
import { sanitizeServerText } from '../../core/kube/failures';
import type { ExecConfig, KubeCluster } from '../../core/kube/types';
import { KubeError, cancelledError, kubeError } from './errors';

/** After this long without an answer the UI is told (so it can show "waiting for sign-in… Cancel"). */
export const EXEC_WAITING_AFTER_MS = 1_500;
/** A credential this close to its expiry is fetched again before use. */
const EXPIRY_MARGIN_MS = 10_000;
/** A plugin that ignores SIGTERM this long is killed. */
const KILL_GRACE_MS = 500;
const STDOUT_CAP_BYTES = 4 * 1024 * 1024;
const STDERR_KEEP_CHARS = 16 * 1024;

export type { ExecCredential };

export interface ExecRunOptions {
  deadlineMs: number;
  /** The environment the plugin inherits (the exec config's `env` entries are laid over it). */
  env: Record<string, string | undefined>;
  onWaiting?: (info: { command: string; stderr: string }) => void;
}

/** The ExecCredential request a plugin finds in KUBERNETES_EXEC_INFO. */
async function execInfo(exec: ExecConfig, cluster: KubeCluster): Promise<string> {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    let caData = cluster.certificateAuthorityData;
    if (!caData && cluster.certificateAuthority) {
      try {
        caData = (await readFile(cluster.certificateAuthority)).toString('base64');
      } catch {
        // The request itself will report the unreadable CA file.
      }
    }
    spec.cluster = {
      server: cluster.server,
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(caData ? { 'certificate-authority-data': caData } : {}),
      ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
    };
  }
  return JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone (or the group leader left): try the process itself.
    try { child.kill(signal); } catch { /* gone */ }
  }
}

function stderrTail(stderr: string): string {
  const text = sanitizeServerText(redactSecrets(stderr).trim().split('\n').slice(-3).join(' '));
  return text ? `: ${text}` : '';
}

/**
 * Runs one exec plugin once, and caches its credential until `expirationTimestamp`.
 * Concurrent callers share one run; `cancel()` kills a run in progress.
 */
export class ExecCredentialSource {
  private cached: ExecCredential | undefined;
  private running: { promise: Promise<ExecCredential>; cancel: () => void } | undefined;
  readonly commandName: string;

  constructor(private readonly exec: ExecConfig, private readonly cluster: KubeCluster, private readonly options: ExecRunOptions) {
    this.commandName = basename(exec.command);
  }

  /** Whether a credential is cached and still valid (no plugin run needed). */
  get hasValidCredential(): boolean {
    return this.cached !== undefined && (this.cached.expiresAtMs === undefined || this.cached.expiresAtMs - Date.now() > EXPIRY_MARGIN_MS);
  }

  /** The cached credential, or a new one from the plugin. */
  async get(signal?: AbortSignal): Promise<ExecCredential> {
    if (this.cached && this.hasValidCredential) return this.cached;
    if (!this.running) {
      const run = this.start();
      this.running = run;
      run.promise.then((credential) => { this.cached = credential; }, () => undefined).finally(() => { if (this.running === run) this.running = undefined; });
    }
    const { promise } = this.running;
    if (!signal) return promise;
    if (signal.aborted) throw cancelledError();
    // This caller stops waiting; the plugin keeps running for the others (cancel() stops it).
    return new Promise<ExecCredential>((resolve, reject) => {
      const onAbort = (): void => { reject(cancelledError()); };
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort); });
    });
  }

  /** Forgets the cached credential (the server answered 401 with it). */
  invalidate(): void {
    this.cached = undefined;
  }

  /** Kills the plugin if it is running; its waiters reject with KUBE_CANCELLED. */
  cancel(): void {
    this.running?.cancel();
  }

  private start(): { promise: Promise<ExecCredential>; cancel: () => void } {
    let cancelRequested = false;
    let cancelRun: (() => void) | undefined;
    const promise = (async (): Promise<ExecCredential> => {
      if (this.exec.interactiveMode === 'Always') {
        throw kubeError('KUBE_EXEC_PLUGIN', `The exec credential plugin "${this.commandName}" needs an interactive terminal (interactiveMode: Always)`, `Run ${this.commandName} in a terminal to sign in, or change interactiveMode in the kubeconfig.`);
      }
      const info = await execInfo(this.exec, this.cluster);
      if (cancelRequested) throw cancelledError(`Sign-in with ${this.commandName}`);
      return new Promise<ExecCredential>((resolve, reject) => {
        cancelRun = this.spawnPlugin(info, resolve, reject);
      });
    })();
    return {
      promise,
      cancel: () => {
        cancelRequested = true;
        cancelRun?.();
      },
    };
  }

  /** Starts the plugin; returns the function that cancels it. */
  private spawnPlugin(info: string, resolve: (c: ExecCredential) => void, reject: (e: KubeError) => void): () => void {
    const name = this.commandName;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.env)) if (v !== undefined) env[k] = v;
    for (const { name: k, value } of this.exec.env) env[k] = value;
    env.KUBERNETES_EXEC_INFO = info;

    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let outcome: 'timeout' | 'cancelled' | 'overflow' | undefined;
    let finished = false;
    const timers: NodeJS.Timeout[] = [];

    const child = spawn(this.exec.command, this.exec.args, {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      shell: false,
    });

    const stop = (why: 'timeout' | 'cancelled' | 'overflow'): void => {
      if (finished || outcome) return;
      outcome = why;
      killGroup(child, 'SIGTERM');
      timers.push(setTimeout(() => { killGroup(child, 'SIGKILL'); }, KILL_GRACE_MS));
    };
    const done = (): void => {
      finished = true;
      for (const t of timers) clearTimeout(t);
    };

    let lastWaitingReport = 0;
    const reportWaiting = (): void => {
      lastWaitingReport = Date.now();
      this.options.onWaiting?.({ command: name, stderr: redactSecrets(stderr).slice(-4096) });
    };
    timers.push(setTimeout(reportWaiting, EXEC_WAITING_AFTER_MS));
    timers.push(setTimeout(() => { stop('timeout'); }, this.options.deadlineMs));

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > STDOUT_CAP_BYTES) stop('overflow');
      else stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP_CHARS);
      // A device code printed after the first report is shown too, at most 4 times a second.
      if (lastWaitingReport > 0 && Date.now() - lastWaitingReport > 250) reportWaiting();
    });

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (finished) return;
      done();
      const reason = error.code === 'ENOENT' ? 'was not found' : error.code === 'EACCES' ? 'is not executable' : `could not be started (${error.code ?? error.message})`;
      reject(kubeError('KUBE_EXEC_PLUGIN', `The exec credential plugin "${name}" ${reason}`, `Install ${name}, or give its full path in the kubeconfig: VS Code may have been started with a different PATH than your terminal.`));
    });

    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (finished) return;
      done();
      const seconds = Math.round(this.options.deadlineMs / 100) / 10;
      if (outcome === 'timeout') {
        reject(kubeError('KUBE_EXEC_TIMEOUT', `The exec credential plugin "${name}" did not finish within ${seconds} s${stderrTail(stderr)}`, `If it waits for a sign-in in the browser, finish it and refresh; or run ${name} in a terminal first.`));
        return;
      }
      if (outcome === 'cancelled') {
        reject(cancelledError(`Sign-in with ${name}`));
        return;
      }
      if (outcome === 'overflow') {
        reject(kubeError('KUBE_EXEC_PLUGIN', `The exec credential plugin "${name}" printed more than ${STDOUT_CAP_BYTES / 1024 / 1024} MiB`, 'Check the plugin: it should print one ExecCredential object.'));
        return;
      }
      if (code !== 0) {
        const how = code === null ? `was stopped by ${signal ?? 'a signal'}` : `exited with code ${code}`;
        reject(kubeError('KUBE_EXEC_PLUGIN', `The exec credential plugin "${name}" ${how}${stderrTail(stderr)}`, `Run ${name} in a terminal to see what it needs (often a new sign-in), then refresh.`));
        return;
      }
      const parsed = parseExecCredential(Buffer.concat(stdout).toString('utf8'), Date.now(), this.exec.apiVersion);
      if (!parsed.ok) {
        reject(kubeError('KUBE_EXEC_PLUGIN', `The exec credential plugin "${name}" gave no usable credential: ${sanitizeServerText(parsed.error)}`, `Run ${name} in a terminal to see what it prints, then refresh.`));
        return;
      }
      resolve(parsed.credential);
    };
    child.on('exit', (code, signal) => {
      // Killed at the deadline or on Cancel: report once the process is gone, without waiting
      // for pipes a straying helper may still hold.
      if (outcome) {
        finish(code, signal);
        return;
      }
      // Normal exit: 'close' follows once stdout is read to the end; a helper that inherited
      // stdout and lives on must not keep us waiting.
      timers.push(setTimeout(() => { child.stdout.destroy(); child.stderr.destroy(); }, 1_000));
    });
    child.on('close', (code, signal) => { finish(code, signal); });

    return () => { stop('cancelled'); };
  }
}
