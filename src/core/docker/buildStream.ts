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
  readonly id: string;
  status: string;
  current: number | undefined;
  total: number | undefined;
}

export type PushOutcome =
  | { readonly ok: true; readonly digest: string; readonly tag: string | undefined; readonly size: number | undefined }
  | { readonly ok: false; readonly message: string; readonly layer: string | undefined; readonly streamEndedEarly: boolean };

/** Follows a push stream; success only with `aux.Digest` and no error. */
export class PushStreamTracker {
  readonly layers = new Map<string, PushLayer>();
  private digest: string | undefined;
  private tag: string | undefined;
  private size: number | undefined;
  private error: string | undefined;
  private errorLayer: string | undefined;
  private lastLayer: string | undefined;

  accept(message: EngineMessage): string | undefined {
    if (message.error !== undefined || message.errorDetail !== undefined) {
      this.error = message.errorDetail?.message ?? message.error ?? 'unknown error';
      this.errorLayer = this.lastLayer;
      return `ERROR: ${this.error}`;
    }
    if (message.aux?.Digest !== undefined) {
      this.digest = message.aux.Digest;
      this.tag = message.aux.Tag;
      this.size = message.aux.Size;
      return undefined;
    }
    if (message.id !== undefined && message.status !== undefined && /^[0-9a-f]{12,64}$/.test(message.id)) {
      const layer = this.layers.get(message.id) ?? { id: message.id, status: '', current: undefined, total: undefined };
      layer.status = message.status;
      layer.current = message.progressDetail?.current;
      layer.total = message.progressDetail?.total;
      this.layers.set(message.id, layer);
      this.lastLayer = message.id;
      return message.status === 'Pushing' ? undefined : `${message.id}: ${message.status}`;
    }
    return message.status ?? message.stream?.trimEnd();
  }

  /** Layers done ("Pushed" / "Layer already exists") and known. */
  get counts(): { done: number; total: number } {
    let done = 0;
    for (const layer of this.layers.values()) if (/^(Pushed|Layer already exists|Mounted from)/.test(layer.status)) done++;
    return { done, total: this.layers.size };
  }

  finish(ended: boolean): PushOutcome {
    if (this.error !== undefined) return { ok: false, message: this.error, layer: this.errorLayer, streamEndedEarly: !ended };
    if (this.digest === undefined) {
      return { ok: false, message: ended ? 'the registry did not confirm the push with a digest' : 'the push stream ended before the registry confirmed it', layer: this.lastLayer, streamEndedEarly: !ended };
    }
    return { ok: true, digest: this.digest, tag: this.tag, size: this.size };
  }
}
