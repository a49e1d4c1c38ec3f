/**
 * Reads the JSON-lines stream of the engine's `/build` (classic builder) and
 * `/images/{name}/push` endpoints. The engine answers HTTP 200 before it starts, so a
 * failure arrives inside the stream as `{"errorDetail": ..., "error": ...}`: a build
 * only succeeded when the stream ended without one and named the image (`aux.ID` or
 * "Successfully built"), and a push only when the stream carried `aux.Digest`.
 */

/** One decoded line of an engine progress stream. */
export interface EngineMessage {
  readonly stream?: string;
  readonly status?: string;
  readonly id?: string;
  readonly progress?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string; readonly code?: number };
  readonly aux?: { readonly ID?: string; readonly Digest?: string; readonly Tag?: string; readonly Size?: number };
}

/**
 * Splits a byte stream into JSON messages. Feed chunks as they come; lines that are
 * not JSON are returned as plain `stream` text rather than dropped.
 */
export class JsonLineDecoder {
  private pending = '';

  push(chunk: string): EngineMessage[] {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.flatMap((line) => decodeLine(line));
  }

  /** Whatever is left when the stream ends. */
  end(): EngineMessage[] {
    const rest = this.pending;
    this.pending = '';
    return decodeLine(rest);
  }
}

function decodeLine(line: string): EngineMessage[] {
  const text = line.trim();
  if (text === '') return [];
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return [value];
  } catch {
    // not JSON: keep it as text
  }
  return [{ stream: `${text}\n` }];
}

/** A build step as the classic builder announces it: `Step 3/7 : RUN make`. */
export interface BuildStep {
  /** 1-based, as printed. */
  readonly number: number;
  readonly total: number;
  /** The instruction as the builder echoes it. */
  readonly text: string;
  /** Image ID after the step (`---> 1a2b3c`), once known. */
  imageId: string | undefined;
  /** Output lines of the step (capped). */
  readonly output: string[];
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
const STEP_RESULT = /^ ---> ([0-9a-f]{12,64})$/;
const SUCCESS = /^Successfully built ([0-9a-f]{12,64})$/;
const MAX_STEP_OUTPUT = 200;

export type BuildOutcome =
  | { readonly ok: true; readonly imageId: string; readonly steps: readonly BuildStep[] }
  | { readonly ok: false; readonly message: string; readonly failedStep: BuildStep | undefined; readonly steps: readonly BuildStep[]; readonly streamEndedEarly: boolean };

/**
 * Follows a classic-builder stream: steps, their output and result images, and the
 * outcome. `finish()` decides success only from what the stream said.
 */
export class BuildStreamTracker {
  readonly steps: BuildStep[] = [];
  private imageId: string | undefined;
  private error: string | undefined;
  private partialLine = '';

  /** Feeds one message; returns the text lines it carried (for an output channel). */
  accept(message: EngineMessage): string[] {
    if (message.error !== undefined || message.errorDetail !== undefined) {
      this.error = message.errorDetail?.message ?? message.error ?? 'unknown error';
      return [`ERROR: ${this.error}`];
    }
    if (message.aux?.ID !== undefined) this.imageId = message.aux.ID;
    const text = message.stream ?? (message.status !== undefined ? `${message.status}${message.progress !== undefined ? ` ${message.progress}` : ''}\n` : '');
    if (text === '') return [];
    const combined = this.partialLine + text;
    const lines = combined.split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.acceptLine(line.replace(/\r$/, ''));
    return lines;
  }

  private acceptLine(line: string): void {
    const step = STEP.exec(line);
    if (step) {
      this.steps.push({ number: Number(step[1]), total: Number(step[2]), text: step[3] ?? '', imageId: undefined, output: [] });
      return;
    }
    const current = this.steps.at(-1);
    const result = STEP_RESULT.exec(line);
    if (result && current) {
      current.imageId = result[1];
      return;
    }
    const success = SUCCESS.exec(line);
    if (success) {
      this.imageId ??= success[1];
      return;
    }
    if (current && current.output.length < MAX_STEP_OUTPUT && line.trim() !== '' && !/^ ---> /.test(line)) current.output.push(line);
  }

  /** The step being run now (for progress), if any. */
  get currentStep(): BuildStep | undefined {
    return this.steps.at(-1);
  }

  /** The outcome once the stream has ended (`ended` false: it broke off). */
  finish(ended: boolean): BuildOutcome {
    if (this.partialLine !== '') {
      this.acceptLine(this.partialLine);
      this.partialLine = '';
    }
    if (this.error !== undefined) {
      return { ok: false, message: this.error, failedStep: this.steps.at(-1), steps: this.steps, streamEndedEarly: !ended };
    }
    if (!ended) {
      return { ok: false, message: 'the build stream ended before the engine reported a result', failedStep: this.steps.at(-1), steps: this.steps, streamEndedEarly: true };
    }
    if (this.imageId === undefined) {
      return { ok: false, message: 'the engine ended the build without naming an image', failedStep: undefined, steps: this.steps, streamEndedEarly: false };
    }
    return { ok: true, imageId: this.imageId, steps: this.steps };
  }
}

/** Per-layer state of a push, for progress. */
export interface PushLayer {
  /** Short id the engine prints: the first 12 hex digits of the layer's DiffID. */
  readonly id: string;
  status: string;
  /** Bytes sent so far, as the engine reports them. */
  current: number | undefined;
  /** Bytes to send. */
  total: number | undefined;
  /** How many times the engine started a retry of this layer's upload. */
  retries: number;
  /** Order of the layer's latest message (higher is more recent). */
  lastSeen: number;
}

/** The engine gave up on one upload attempt of a layer and waits before the next. */
export interface PushRetry {
  readonly layer: string;
  /** 1 for the first retry. */
  readonly retry: number;
  /** Seconds the engine waits before it tries again. */
  readonly delaySeconds: number;
}

export type PushOutcome =
  | { readonly ok: true; readonly digest: string; readonly tag: string | undefined; readonly size: number | undefined }
  | {
    readonly ok: false;
    readonly message: string;
    /** Short id of the layer whose upload failed, when the stream lets us tell. */
    readonly layer: string | undefined;
    /** Retries the engine made for that layer before it gave up. */
    readonly retries: number;
    readonly streamEndedEarly: boolean;
  };

const LAYER_ID = /^[0-9a-f]{12,64}$/;
const LAYER_DONE = /^(Pushed|Layer already exists|Mounted from)/;
// dockerd counts down "Retrying in 5 seconds", "... 4 seconds", ..., "... 1 second", once a second.
const RETRYING = /^Retrying in (\d+) seconds?$/;
// Statuses of a layer whose upload is under way (rather than queued or done).
const LAYER_ACTIVE = /^(Pushing|Retrying in )/;

/**
 * Follows a push stream; success only with `aux.Digest` and no error. The engine
 * retries a failed layer upload by itself (dockerd 20.10: 5 attempts, waiting 5, 10,
 * 15 and 20 s between them) and its final error line names no layer, so the tracker
 * remembers which layers were retrying and which were still unfinished.
 */
export class PushStreamTracker {
  readonly layers = new Map<string, PushLayer>();
  /** Every retry the engine announced, in order. */
  readonly retries: PushRetry[] = [];
  private digest: string | undefined;
  private tag: string | undefined;
  private size: number | undefined;
  private error: string | undefined;
  private errorLayer: PushLayer | undefined;
  private seen = 0;

  /** Feeds one message; returns a line for an output channel, if the message deserves one. */
  accept(message: EngineMessage): string | undefined {
    this.seen++;
    if (message.error !== undefined || message.errorDetail !== undefined) {
      this.error = message.errorDetail?.message ?? message.error ?? 'unknown error';
      this.errorLayer = this.failedLayer();
      return `ERROR: ${this.error}`;
    }
    if (message.aux?.Digest !== undefined) {
      this.digest = message.aux.Digest;
      this.tag = message.aux.Tag;
      this.size = message.aux.Size;
      return undefined;
    }
    if (message.id !== undefined && message.status !== undefined && LAYER_ID.test(message.id)) {
      const layer = this.layers.get(message.id) ?? { id: message.id, status: '', current: undefined, total: undefined, retries: 0, lastSeen: 0 };
      const countdown = RETRYING.exec(layer.status);
      layer.status = message.status;
      layer.current = message.progressDetail?.current;
      layer.total = message.progressDetail?.total;
      layer.lastSeen = this.seen;
      this.layers.set(message.id, layer);
      const retrying = RETRYING.exec(message.status);
      if (retrying) {
        const delaySeconds = Number(retrying[1]);
        // Only the first line of each countdown is news; a new countdown starts higher.
        if (countdown && delaySeconds <= Number(countdown[1])) return undefined;
        layer.retries++;
        this.retries.push({ layer: layer.id, retry: layer.retries, delaySeconds });
        return `${layer.id}: the upload failed; the engine retries in ${delaySeconds} s (retry ${layer.retries})`;
      }
      return message.status === 'Pushing' ? undefined : `${message.id}: ${message.status}`;
    }
    return message.status ?? message.stream?.trimEnd();
  }

  /** Layers done ("Pushed" / "Layer already exists") and known. */
  get counts(): { done: number; total: number } {
    let done = 0;
    for (const layer of this.layers.values()) if (LAYER_DONE.test(layer.status)) done++;
    return { done, total: this.layers.size };
  }

  /**
   * The layer a silent push is most likely waiting on: the unfinished layer that was
   * uploading most recently (before queued ones); undefined when every layer is done
   * (the engine is then waiting on the manifest).
   */
  get stalledLayer(): string | undefined {
    return this.latestUnfinished(() => true)?.id;
  }

  private latestUnfinished(accept: (layer: PushLayer) => boolean): PushLayer | undefined {
    let best: PushLayer | undefined;
    const rank = (l: PushLayer): number => (LAYER_ACTIVE.test(l.status) ? 1 : 0);
    for (const layer of this.layers.values()) {
      if (LAYER_DONE.test(layer.status) || !accept(layer)) continue;
      if (!best || rank(layer) > rank(best) || (rank(layer) === rank(best) && layer.lastSeen > best.lastSeen)) best = layer;
    }
    return best;
  }

  /**
   * The layer an error line is about: one the engine had to retry, else the latest
   * unfinished one; none when every layer was done (the manifest failed).
   */
  private failedLayer(): PushLayer | undefined {
    return this.latestUnfinished((l) => l.retries > 0) ?? this.latestUnfinished(() => true);
  }

  finish(ended: boolean): PushOutcome {
    if (this.error !== undefined) {
      return { ok: false, message: this.error, layer: this.errorLayer?.id, retries: this.errorLayer?.retries ?? 0, streamEndedEarly: !ended };
    }
    if (this.digest === undefined) {
      const layer = this.latestUnfinished(() => true);
      return {
        ok: false,
        message: ended ? 'the registry did not confirm the push with a digest' : 'the push stream ended before the registry confirmed it',
        layer: layer?.id,
        retries: layer?.retries ?? 0,
        streamEndedEarly: !ended,
      };
    }
    return { ok: true, digest: this.digest, tag: this.tag, size: this.size };
  }
}

/**
 * The one-line status of a push for a progress notification: layer counts, an engine
 * retry under way, or a stall. The methods return undefined when the line did not change
 * (progress messages come by the hundred per second).
 */
export class PushProgressLine {
  private counts = '';
  private note = '';
  private shown: string | undefined;
  /** True while the watchdog's silence report is shown (until the engine speaks again). */
  private stalled = false;
  /** True once any stall was reported during this push. */
  private everStalled = false;

  constructor(private readonly registry: string) {}

  /** True once a stall was reported during this push, even if the engine spoke again. */
  get wasStalled(): boolean { return this.everStalled; }

  /** The engine spoke: `done` of `total` layers are in the registry. Clears a stall. */
  progress(done: number, total: number): string | undefined {
    this.counts = `${done}/${total} layers`;
    if (this.stalled) {
      this.stalled = false;
      this.note = '';
    }
    return this.show();
  }

  /** The engine retries `layer`'s upload (`retry`: 1 for the first retry). */
  retry(layer: string, retry: number): string | undefined {
    this.note = `layer ${layer}: upload failed, retry ${retry} by the engine`;
    return this.show();
  }

  /** Records a stall of `silentMs` ms (shown in whole seconds); returns its sentence, for the output channel. */
  stall(layer: string | undefined, silentMs: number): string {
    this.stalled = true;
    this.everStalled = true;
    this.note = `no progress from ${this.registry} for ${Math.round(silentMs / 1000)} s${layer !== undefined ? ` (layer ${layer})` : ''}`;
    return this.note;
  }

  /** The whole line, or undefined when it is the one shown already. */
  show(): string | undefined {
    const line = [this.counts, this.note].filter(Boolean).join(' · ');
    if (line === this.shown) return undefined;
    this.shown = line;
    return line;
  }
}
