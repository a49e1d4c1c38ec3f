// Follows one container's log through the API server (`GET .../pods/{pod}/log`), never a
// kubectl process. Every line is requested with its timestamp, so that a dropped stream can
// be resumed with `sinceTime` and the part of the last second the server sends again can be
// recognised and skipped (core/logs/resume): nothing is shown twice, nothing silently lost.
//
// A drop is noticed from the response itself (it closes without its end, or errors), not
// from client-node's Log, which stays silent after its socket is destroyed (reliability
// T34). A stream that ends while following is checked against the pod: a deleted pod or a
// container that exited for good ends the stream, a restarted container is followed again
// from its first line, and anything else is reconnected with backoff.
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { ContainerStatusJson, PodJson } from '../../core/kube/objects';
import { classifyFailure, sanitizeServerText } from '../../core/kube/failures';
import { logPath, resourcePath } from '../../core/kube/paths';
import type { QueryValues } from '../../core/kube/paths';
import type { KubeFailure } from '../../core/kube/types';
import { LineSplitter } from '../../core/logs/lines';
import { ResumeTracker } from '../../core/logs/resume';
import { leadingTimeLength } from '../../core/logs/timestamps';
import { WorkQueue } from '../../core/logs/workQueue';
import type { LogLine, LogStreamRequest, LogStreamSink } from './api';

/**
 * Opens a GET request on the API server and resolves with the response once its headers
 * arrived. Aborting `signal` must destroy the request and the response. A non-2xx answer
 * may reject (with a KubeError carrying a `failure`) or resolve; both are handled.
 */
export type OpenRequest = (path: string, signal: AbortSignal) => Promise<IncomingMessage>;

export type LogMarkerKind = Parameters<LogStreamSink['onMarker']>[0];

/** Reconnection timing, in ms. Tests shorten them; the defaults are what users get. */
export interface LogStreamTiming {
  /** Delay before the first reconnection attempt; doubled after each failed one. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A stream that cannot be re-established for this long is given up (onFailure). */
  giveUpAfterMs: number;
  /** A connection that stays up this long counts as recovered, even if no line came. */
  stableAfterMs: number;
  /** After a reconnection, quiet time after which the replayed part is taken as over. */
  replaySettleMs: number;
  /** Deadline of the pod lookups made to detect a restart. */
  podLookupDeadlineMs: number;
}

export const DEFAULT_LOG_STREAM_TIMING: LogStreamTiming = {
  initialBackoffMs: 250,
  maxBackoffMs: 10_000,
  giveUpAfterMs: 120_000,
  stableAfterMs: 10_000,
  replaySettleMs: 400,
  podLookupDeadlineMs: 10_000,
};

/**
 * Parsing of every log stream of this process, a slice at a time (8 ms), so that a burst of
 * lines never holds the extension host's event loop for long. setImmediate: between slices,
 * timers and I/O run, and nothing waits for a timer's minimum delay.
 */
const logWork = new WorkQueue({ budgetMs: 8 }, { now: () => performance.now(), schedule: (run) => { setImmediate(run); } });
/** Received bytes waiting to be parsed above which a response is paused, and below which it resumes. */
const PAUSE_ABOVE_BYTES = 4 * 1024 * 1024;
const RESUME_BELOW_BYTES = 1024 * 1024;

/** TCP keep-alive probes on the stream's socket, so a peer that vanished is noticed. */
const KEEPALIVE_DELAY_MS = 15_000;
/** Pod objects are small; anything bigger than this is not a pod. */
const POD_BODY_CAP_BYTES = 4 * 1024 * 1024;
const ERROR_BODY_CAP_BYTES = 64 * 1024;

/**
 * Streams one container's log to `sink`: lines in batches (one call per socket read), and
 * markers for drops ('reconnecting'), recoveries ('resumed', with the number of replayed
 * lines skipped), restarts ('restarted') and the end ('ended'). `stop()` aborts the request
 * at once and cancels retries; the sink is not called after it.
 */
export function streamContainerLogs(
  open: OpenRequest,
  request: LogStreamRequest,
  sink: LogStreamSink,
  timing: Partial<LogStreamTiming> = {},
): { stop(): void } {
  const stream = new ContainerLogStream(open, request, sink, { ...DEFAULT_LOG_STREAM_TIMING, ...timing });
  stream.start();
  return { stop: () => { stream.stop(); } };
}

/** How the next request starts. */
type Mode =
  | 'start' // as the user asked (tailLines, sinceSeconds)
  | 'resume' // after a drop: sinceTime of the last delivered line, replay skipped
  | 'restart'; // the container restarted: the new container's log from its first line

type ReadResult =
  | { type: 'complete' } // the server ended the response properly
  | { type: 'dropped'; reason: string; errorCode?: string | undefined }
  | { type: 'refused'; failure: KubeFailure; retryable: boolean; retryAfterMs: number }
  | { type: 'stopped' };

/** What the pod says about the followed container. */
type PodCheck =
  | { kind: 'running' } // the same container still runs: resume
  | { kind: 'restarted'; restartCount: number | undefined }
  | { kind: 'waiting'; text: string } // not running now, but will (CrashLoopBackOff, exited with restartPolicy Always)
  | { kind: 'finished'; text: string } // exited for good
  | { kind: 'gone' } // the pod was deleted
  | { kind: 'unknown'; failure: KubeFailure; retryable: boolean }; // the lookup failed

/** The identity of one run of a container: it changes when the kubelet restarts it. */
interface ContainerRun {
  restartCount: number | undefined;
  containerID: string | undefined;
}

interface Outage {
  startedAt: number;
  attempts: number;
}

type ContainerStatusWithId = ContainerStatusJson & { containerID?: string };

class ContainerLogStream {
  private stopped = false;
  private controller: AbortController | undefined;
  /** Pod lookups in flight, aborted by stop(). */
  private readonly lookups = new Set<AbortController>();
  private response: IncomingMessage | undefined;
  private tracker = new ResumeTracker();
  /** Whether lines are still compared against the delivered ones (after a reconnection). */
  private replaying = false;
  /** A 'resumed' marker is owed once the replayed part is over. */
  private resumePending = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleeper: (() => void) | undefined;
  private outage: Outage | undefined;
  /**
   * True from a 'reconnecting' marker until the 'resumed' (or 'restarted') that answers it. An
   * outage outlives its 'resumed' until the stream has stayed up a while (its backoff goes on
   * meanwhile), and a cut in that window must still be announced.
   */
  private reconnectingShown = false;
  private lastFailure: KubeFailure | undefined;
  /** The container run the delivered lines came from; undefined until the pod was read. */
  private baseline: ContainerRun | undefined;
  /** Restart detection needs `get pods`; a 403 turns it off rather than failing the stream. */
  private canReadPod = true;
  /** Second of the server's Date header at the first connection: resume point before any line came. */
  private firstServerSecond: string | undefined;
  private connectedOnce = false;
  private readonly following: boolean;

  constructor(
    private readonly open: OpenRequest,
    private readonly request: LogStreamRequest,
    private readonly sink: LogStreamSink,
    private readonly timing: LogStreamTiming,
  ) {
    // A previous container has exited: its log never grows, so there is nothing to follow.
    this.following = request.follow && request.previous !== true;
  }

  start(): void {
    if (this.following) void this.captureBaseline();
    void this.run().catch((error: unknown) => {
      // A bug here must not leave the panel waiting forever.
      if (!this.stopped) this.fail(classifyFailure({ message: error instanceof Error ? error.message : String(error) }));
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.controller?.abort();
    for (const lookup of this.lookups) lookup.abort();
    this.response?.destroy();
    this.clearTimers();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wakeSleeper?.();
  }

  // ---- the loop --------------------------------------------------------------------------

  private async run(): Promise<void> {
    let mode: Mode = 'start';
    for (;;) {
      const result = await this.readOnce(this.pathFor(mode), mode === 'resume');
      if (this.stopped || result.type === 'stopped') return;
      this.clearTimers();
      // A resume cut short before its replay was over owes no 'resumed' marker: the outage goes on.
      if (result.type !== 'complete' || this.following) this.resumePending = false;

      let reason: string;
      let errorCode: string | undefined;
      let retryAfterMs = 0;
      if (result.type === 'complete') {
        if (!this.following) {
          this.flushResumed();
          this.marker('ended', 'End of log.');
          this.stop();
          return;
        }
        reason = 'the server ended the stream';
      } else if (result.type === 'dropped') {
        reason = result.reason;
        errorCode = result.errorCode;
      } else {
        if (!result.retryable) {
          if (result.failure.code === 'KUBE_NOT_FOUND' && this.connectedOnce) {
            this.marker('ended', `Pod ${this.request.pod} no longer exists.`);
            this.stop();
          } else {
            this.fail(result.failure);
          }
          return;
        }
        this.lastFailure = result.failure;
        reason = result.failure.message;
        retryAfterMs = result.retryAfterMs;
      }
      if (errorCode !== undefined || this.lastFailure === undefined) {
        this.lastFailure = classifyFailure({ errorCode: errorCode ?? 'ECONNRESET', message: reason, verb: 'get', resource: 'pods/log', namespace: this.request.namespace });
      }

      const next = await this.recover(reason, result.type === 'complete', retryAfterMs);
      if (next === undefined) return;
      mode = next;
    }
  }

  /**
   * Waits (backoff) and decides how to reconnect; undefined when the stream is over (ended,
   * failed or stopped). When the server ended the stream on its own, the pod is looked at
   * first, so that a container that exited shows 'ended' rather than 'reconnecting'.
   */
  private async recover(reason: string, serverEnded: boolean, retryAfterMs: number): Promise<Mode | undefined> {
    let check: PodCheck | undefined;
    if (serverEnded && this.following) {
      check = await this.checkPod();
      if (this.stopped) return undefined;
      const decided = await this.decide(check, reason, true);
      if (decided !== 'wait') return decided === 'over' ? undefined : decided;
    } else {
      this.beginOutage(reason);
    }
    for (;;) {
      const outage = this.outage;
      if (outage && Date.now() - outage.startedAt >= this.timing.giveUpAfterMs) {
        this.fail(this.lastFailure ?? classifyFailure({ errorCode: 'ECONNRESET', message: reason }));
        return undefined;
      }
      await this.sleep(this.nextBackoff(retryAfterMs));
      retryAfterMs = 0;
      if (this.stopped) return undefined;
      if (!this.following) return 'resume';
      check = await this.checkPod();
      if (this.stopped) return undefined;
      const decided = await this.decide(check, reason, false);
      if (decided !== 'wait') return decided === 'over' ? undefined : decided;
    }
  }

  private async decide(check: PodCheck, reason: string, beforeBackoff: boolean): Promise<Mode | 'over' | 'wait'> {
    switch (check.kind) {
      case 'gone':
        this.marker('ended', `Pod ${this.request.pod} was deleted.`);
        this.stop();
        return 'over';
      case 'finished':
        this.marker('ended', check.text);
        this.stop();
        return 'over';
      case 'restarted':
        await this.catchUpFromPrevious();
        if (this.stopped) return 'over';
        this.marker('restarted', `Container ${this.request.container} restarted${check.restartCount !== undefined ? ` (restart #${check.restartCount})` : ''}: following the new container from its first line.`);
        this.tracker = new ResumeTracker();
        this.endOutage();
        return 'restart';
      case 'running':
        this.beginOutage(reason);
        // Straight after the server ended a stream, wait out the backoff before asking again.
        return beforeBackoff ? 'wait' : 'resume';
      case 'waiting':
        this.beginOutage(check.text);
        // A container waiting to restart is not a failure: never give up on it.
        if (this.outage) this.outage.startedAt = Date.now();
        return 'wait';
      case 'unknown':
        if (!check.retryable) {
          // Without `get pods`, restarts cannot be detected: just resume.
          this.canReadPod = false;
          this.beginOutage(reason);
          return beforeBackoff ? 'wait' : 'resume';
        }
        this.lastFailure = check.failure;
        this.beginOutage(reason);
        return 'wait';
    }
  }

  private pathFor(mode: Mode): string {
    const { namespace, pod, container, previous } = this.request;
    const query: QueryValues = { container, timestamps: true };
    // Not for a previous container: its log never grows (and a kubelet that took it for a
    // running one would keep the request open for nothing).
    if (this.following) query.follow = true;
    if (previous === true) query.previous = true;
    if (mode === 'start') {
      query.tailLines = this.request.tailLines;
      query.sinceSeconds = this.request.sinceSeconds;
    } else if (mode === 'resume') {
      // Before any line came, a followed stream resumes from when it connected; a snapshot
      // (no follow) is asked for again as it was, or its tail would be lost.
      const since = this.tracker.sinceTime() ?? (this.following ? this.firstServerSecond : undefined);
      if (since !== undefined) {
        query.sinceTime = since;
      } else {
        query.tailLines = this.request.tailLines;
        query.sinceSeconds = this.request.sinceSeconds;
      }
    }
    return logPath(namespace, pod, query);
  }

  // ---- one request -----------------------------------------------------------------------

  /** Opens one log request and reads it to its end, delivering lines as they come. */
  private async readOnce(path: string, resuming: boolean, catchingUp = false): Promise<ReadResult> {
    if (this.stopped) return { type: 'stopped' };
    const controller = new AbortController();
    this.controller = controller;
    let res: IncomingMessage;
    try {
      res = await this.open(path, controller.signal);
    } catch (error) {
      if (this.stopped) return { type: 'stopped' };
      const failure = this.failureOf(error);
      return { type: 'refused', failure, retryable: isRetryable(failure), retryAfterMs: retryAfterOf(error) };
    }
    if (this.stopped) {
      res.destroy();
      return { type: 'stopped' };
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const body = await readCapped(res, ERROR_BODY_CAP_BYTES);
      if (this.stopped) return { type: 'stopped' };
      const failure = classifyFailure({ status, body, verb: 'get', resource: 'pods/log', namespace: this.request.namespace });
      const retryAfterSeconds = Number(res.headers['retry-after']);
      return { type: 'refused', failure, retryable: isRetryable(failure), retryAfterMs: Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 0 };
    }
    if (!catchingUp) this.connected(res, resuming);
    return this.read(res, catchingUp);
  }

  private connected(res: IncomingMessage, resuming: boolean): void {
    if (!this.connectedOnce) {
      this.connectedOnce = true;
      this.firstServerSecond = serverSecond(res.headers.date);
    }
    if (resuming) {
      this.tracker.beginReplay();
      this.replaying = this.tracker.replaying;
      this.resumePending = true;
      this.armSettleTimer();
    }
    // Staying connected for a while ends an outage even on a quiet log.
    this.stableTimer = setTimeout(() => { this.endOutage(); }, this.timing.stableAfterMs);
  }

  /**
   * Reads the response to its end. Chunks are parsed on the shared work queue, in order and
   * a slice at a time; the end of the response is queued behind them, so that every line is
   * delivered before what follows the read (a marker, a reconnection). While more than
   * PAUSE_ABOVE_BYTES wait, the response is paused: the API server waits rather than the
   * host's memory growing.
   */
  private read(res: IncomingMessage, catchingUp: boolean): Promise<ReadResult> {
    this.response = res;
    res.socket?.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    // Fresh per response: a line cut by the drop is sent again whole after the resume.
    // StringDecoder rather than TextDecoder: the same text (a character split across reads
    // joined, invalid bytes as U+FFFD), at a third of the cost per read.
    const decoder = new StringDecoder('utf8');
    const splitter = new LineSplitter();
    let errorReason: string | undefined;
    let errorCode: string | undefined;
    let queuedBytes = 0;
    let paused = false;
    return new Promise<ReadResult>((resolve) => {
      res.on('data', (chunk: Buffer) => {
        if (this.stopped) return;
        queuedBytes += chunk.length;
        if (!paused && queuedBytes > PAUSE_ABOVE_BYTES) {
          paused = true;
          res.pause();
        }
        logWork.add(() => {
          queuedBytes -= chunk.length;
          if (paused && queuedBytes <= RESUME_BELOW_BYTES) {
            paused = false;
            res.resume();
          }
          if (!this.stopped) this.take(splitter.push(decoder.write(chunk)), catchingUp);
        });
      });
      res.once('end', () => {
        logWork.add(() => {
          if (!this.stopped) this.take([...splitter.push(decoder.end()), ...splitter.end()], catchingUp);
        });
      });
      res.on('error', (error: Error & { code?: unknown }) => {
        errorReason ??= describeStreamError(error);
        if (typeof error.code === 'string') errorCode ??= error.code;
      });
      res.once('close', () => {
        if (this.response === res) this.response = undefined;
        if (this.stopped) {
          resolve({ type: 'stopped' });
          return;
        }
        const complete = res.complete;
        logWork.add(() => {
          if (this.stopped) resolve({ type: 'stopped' });
          else if (complete) resolve({ type: 'complete' });
          else resolve({ type: 'dropped', reason: errorReason ?? 'the connection closed before the stream ended', errorCode });
        });
      });
    });
  }

  /** Delivers the lines of one socket read in one call, skipping the replayed ones. */
  private take(rawLines: string[], catchingUp: boolean): void {
    if (rawLines.length === 0) return;
    const { pod, container } = this.request;
    const lines: LogLine[] = [];
    for (const raw of rawLines) {
      // Two slices of the line and no temporary object: this runs for every line.
      const timeLength = leadingTimeLength(raw);
      const time = timeLength > 0 ? raw.slice(0, timeLength) : undefined;
      const text = timeLength > 0 ? raw.slice(timeLength + 1) : raw;
      if (this.replaying) {
        if (this.tracker.shouldSkip(time)) continue;
        this.replaying = this.tracker.replaying;
      }
      this.tracker.observe(time);
      lines.push(time === undefined ? { pod, container, text } : { pod, container, time, text });
    }
    if (lines.length === 0) {
      // Only replayed lines so far: the replay may go on.
      if (this.resumePending) this.armSettleTimer();
      return;
    }
    if (!catchingUp) {
      this.flushResumed();
      this.endOutage();
    }
    this.sink.onLines(lines);
  }

  // ---- restarts --------------------------------------------------------------------------

  /** Reads the pod once, at the start, to know which run of the container is followed. */
  private async captureBaseline(): Promise<void> {
    const pod = await this.fetchPod();
    if (this.stopped || pod.kind !== 'pod') return;
    this.baseline ??= runOf(findStatus(pod.pod, this.request.container));
  }

  private async checkPod(): Promise<PodCheck> {
    if (!this.canReadPod) return { kind: 'running' };
    const result = await this.fetchPod();
    if (result.kind === 'gone') return { kind: 'gone' };
    if (result.kind === 'failed') return { kind: 'unknown', failure: result.failure, retryable: isRetryable(result.failure) };
    const pod = result.pod;
    const status = findStatus(pod, this.request.container);
    const run = runOf(status);
    const state = status?.state;
    const started = state?.running !== undefined || state?.terminated !== undefined;
    if (this.baseline === undefined) {
      this.baseline = run;
    } else if (started && isAnotherRun(this.baseline, run)) {
      this.baseline = run;
      return { kind: 'restarted', restartCount: run.restartCount };
    }
    if (state?.running) return { kind: 'running' };
    const phase = pod.status?.phase;
    const terminated = state?.terminated;
    if (terminated) {
      const exit = terminated.exitCode !== undefined ? ` with code ${terminated.exitCode}` : '';
      const why = terminated.reason && terminated.reason !== 'Completed' && terminated.reason !== 'Error' ? ` (${sanitizeServerText(terminated.reason)})` : '';
      const policy = pod.spec?.restartPolicy ?? 'Always';
      const forGood = phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp !== undefined
        || policy === 'Never' || (policy === 'OnFailure' && terminated.exitCode === 0);
      return forGood
        ? { kind: 'finished', text: `Container ${this.request.container} exited${exit}${why}.` }
        : { kind: 'waiting', text: `container exited${exit}${why}; waiting for it to restart` };
    }
    if (phase === 'Succeeded' || phase === 'Failed') return { kind: 'finished', text: `Pod ${this.request.pod} has finished (${phase}).` };
    const waitingReason = state?.waiting?.reason;
    return { kind: 'waiting', text: waitingReason ? `container is waiting (${sanitizeServerText(waitingReason)})` : 'container is not running' };
  }

  /**
   * Before switching to the restarted container, reads the lines the old one wrote after
   * the drop from its `previous` log, so that its last words are not lost.
   */
  private async catchUpFromPrevious(): Promise<void> {
    const since = this.tracker.sinceTime();
    if (since === undefined) return;
    const { namespace, pod, container } = this.request;
    this.tracker.beginReplay();
    this.replaying = this.tracker.replaying;
    // Best effort: without a previous log the marker still tells what happened.
    await this.readOnce(logPath(namespace, pod, { container, timestamps: true, previous: true, sinceTime: since }), false, true);
    this.replaying = false;
  }

  private async fetchPod(): Promise<{ kind: 'pod'; pod: PodJson } | { kind: 'gone' } | { kind: 'failed'; failure: KubeFailure }> {
    const controller = new AbortController();
    this.lookups.add(controller);
    const deadline = setTimeout(() => { controller.abort(); }, this.timing.podLookupDeadlineMs);
    const { namespace, pod } = this.request;
    try {
      const res = await this.open(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace, name: pod }), controller.signal);
      const status = res.statusCode ?? 0;
      const body = await readCapped(res, status >= 200 && status < 300 ? POD_BODY_CAP_BYTES : ERROR_BODY_CAP_BYTES);
      if (status === 404) return { kind: 'gone' };
      if (status < 200 || status >= 300) return { kind: 'failed', failure: classifyFailure({ status, body, verb: 'get', resource: 'pods', namespace }) };
      const parsed = parsePod(body);
      return parsed ? { kind: 'pod', pod: parsed } : { kind: 'failed', failure: classifyFailure({ errorCode: 'KUBE_SERVER', message: 'the pod lookup returned something that is not a pod' }) };
    } catch (error) {
      const failure = controller.signal.aborted && !this.stopped
        ? classifyFailure({ errorCode: 'ETIMEDOUT', message: `no answer within ${this.timing.podLookupDeadlineMs} ms` })
        : this.failureOf(error);
      return failure.code === 'KUBE_NOT_FOUND' ? { kind: 'gone' } : { kind: 'failed', failure };
    } finally {
      this.lookups.delete(controller);
      clearTimeout(deadline);
    }
  }

  // ---- markers, outages, timers ----------------------------------------------------------

  private marker(kind: LogMarkerKind, text: string): void {
    if (!this.stopped) this.sink.onMarker(kind, text);
  }

  private fail(failure: KubeFailure): void {
    if (this.stopped) return;
    this.sink.onFailure(failure);
    this.stop();
  }

  private beginOutage(reason: string): void {
    if (!this.outage) {
      this.outage = { startedAt: Date.now(), attempts: 0 };
      this.resumePending = false;
    }
    if (this.reconnectingShown) return;
    this.reconnectingShown = true;
    this.marker('reconnecting', `Log stream interrupted (${reason}); reconnecting…`);
  }

  private endOutage(): void {
    this.outage = undefined;
    this.lastFailure = undefined;
    this.reconnectingShown = false;
  }

  private flushResumed(): void {
    if (!this.resumePending) return;
    this.resumePending = false;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    const skipped = this.tracker.skipped;
    this.reconnectingShown = false;
    this.marker('resumed', `Reconnected; ${skipped} ${skipped === 1 ? 'line' : 'lines'} already shown ${skipped === 1 ? 'was' : 'were'} skipped.`);
  }

  private armSettleTimer(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      // Behind the chunks already received: lines still waiting there mean the log is not quiet.
      logWork.add(() => {
        if (!this.stopped && this.settleTimer === undefined) this.flushResumed();
      });
    }, this.timing.replaySettleMs);
  }

  private nextBackoff(retryAfterMs: number): number {
    const attempts = this.outage?.attempts ?? 0;
    if (this.outage) this.outage.attempts++;
    const backoff = Math.min(this.timing.maxBackoffMs, this.timing.initialBackoffMs * 2 ** Math.min(attempts, 20));
    return Math.max(backoff, Math.min(retryAfterMs, this.timing.giveUpAfterMs));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) {
        resolve();
        return;
      }
      this.wakeSleeper = () => {
        this.wakeSleeper = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(() => {
        this.sleepTimer = undefined;
        this.wakeSleeper?.();
      }, ms);
    });
  }

  private clearTimers(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.settleTimer = undefined;
    this.stableTimer = undefined;
  }

  private failureOf(error: unknown): KubeFailure {
    const carried = (error as { failure?: unknown } | null)?.failure;
    if (isKubeFailure(carried)) return carried;
    const e = error as { code?: unknown; message?: unknown } | null;
    return classifyFailure({
      errorCode: typeof e?.code === 'string' ? e.code : undefined,
      message: typeof e?.message === 'string' ? e.message : String(error),
      verb: 'get',
      resource: 'pods/log',
      namespace: this.request.namespace,
    });
  }
}

// ---- helpers ---------------------------------------------------------------------------

function isKubeFailure(value: unknown): value is KubeFailure {
  const v = value as { code?: unknown; message?: unknown; hint?: unknown } | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.code === 'string' && typeof v.message === 'string' && typeof v.hint === 'string';
}

function retryAfterOf(error: unknown): number {
  const seconds = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/**
 * Whether trying again can help. The kubelet answers 400 while a container has not started
 * yet (or the pod has no node), which passes; a wrong container name or RBAC does not.
 */
function isRetryable(failure: KubeFailure): boolean {
  switch (failure.code) {
    case 'KUBE_UNREACHABLE':
    case 'KUBE_SERVER':
      return true;
    case 'KUBE_OTHER':
      if (failure.status === undefined) return true;
      if (failure.status === 408) return true;
      return failure.status === 400 && /waiting to start|ContainerCreating|PodInitializing|does not have a host assigned|is not available/i.test(failure.message);
    default:
      return false;
  }
}

function describeStreamError(error: Error & { code?: unknown }): string {
  switch (error.code) {
    case 'ECONNRESET':
      return error.message === 'aborted' ? 'the connection closed mid-stream' : 'connection reset';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'EPIPE':
      return 'the connection broke';
    default:
      return sanitizeServerText(error.message) || 'the connection failed';
  }
}

/** The Date header's second as `sinceTime` text, e.g. `2026-11-22T10:00:05Z`. */
function serverSecond(date: string | undefined): string | undefined {
  if (date === undefined) return undefined;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? undefined : `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function findStatus(pod: PodJson, container: string): ContainerStatusWithId | undefined {
  const ephemeral = (pod.status as { ephemeralContainerStatuses?: ContainerStatusJson[] } | undefined)?.ephemeralContainerStatuses;
  for (const list of [pod.status?.containerStatuses, pod.status?.initContainerStatuses, ephemeral]) {
    const found = list?.find((s) => s.name === container);
    if (found) return found;
  }
  return undefined;
}

function runOf(status: ContainerStatusWithId | undefined): ContainerRun {
  return {
    restartCount: typeof status?.restartCount === 'number' ? status.restartCount : undefined,
    containerID: typeof status?.containerID === 'string' && status.containerID !== '' ? status.containerID : undefined,
  };
}

function isAnotherRun(before: ContainerRun, now: ContainerRun): boolean {
  if (before.containerID !== undefined && now.containerID !== undefined && before.containerID !== now.containerID) return true;
  return before.restartCount !== undefined && now.restartCount !== undefined && now.restartCount > before.restartCount;
}

function parsePod(body: string): PodJson | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const metadata = (value as { metadata?: unknown }).metadata;
    return typeof metadata === 'object' && metadata !== null ? (value as PodJson) : undefined;
  } catch {
    return undefined;
  }
}

/** At most `cap` bytes of the body as text; the rest is dropped and the response closed. */
function readCapped(res: IncomingMessage, cap: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (): void => { resolve(Buffer.concat(chunks).toString('utf8')); };
    res.on('data', (chunk: Buffer) => {
      const room = cap - size;
      if (room > 0) chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += chunk.length;
      if (size >= cap) res.destroy();
    });
    res.on('error', () => undefined);
    res.once('close', finish);
  });
}
