// Messages between the log panel's host (extension host) and its webview. Both directions
// are validated: the webview is treated as untrusted input (T33), so a message that does
// not match exactly is dropped, never half-applied.

/** A log line as sent to the webview. Short keys: 100,000 lines cross this boundary per second. */
export interface WireLine {
  /** Index into `sources` of the init message. -1 for panel markers (reconnecting, dropped...). */
  s: number;
  /** RFC 3339 timestamp from the API server, when known. */
  t?: string;
  /** The text as received (ANSI SGR sequences kept; the webview renders them as styled text nodes). */
  x: string;
  /** 'm' for a marker line (stream ended, reconnecting, N older lines dropped), absent for log text. */
  k?: 'm';
}

export interface WireSource {
  pod: string;
  container: string;
  /** Colour slot 0..7, stable per pod. */
  color: number;
}

export type StreamState = 'connecting' | 'streaming' | 'reconnecting' | 'ended' | 'failed';

/** What the user can change that needs the streams restarted. */
export interface StreamOptions {
  follow: boolean;
  /** Lines from the end to start with; undefined for all. */
  tailLines?: number;
  /** Only lines newer than this many seconds. */
  sinceSeconds?: number;
  previous: boolean;
  /** Restrict to one container name; undefined for all containers of the pod(s). */
  container?: string;
}

export type HostMessage =
  | { type: 'init'; title: string; sources: WireSource[]; options: StreamOptions; containers: string[]; maxLines: number }
  | { type: 'sources'; sources: WireSource[] }
  | { type: 'lines'; lines: WireLine[] }
  | { type: 'status'; paused: boolean; waiting: number; dropped: number; streams: { source: number; state: StreamState; detail?: string }[] }
  | { type: 'clear' };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'pause'; paused: boolean }
  | { type: 'restart'; options: StreamOptions }
  | { type: 'clear' }
  | { type: 'save' }
  | { type: 'copy'; text: string };

/** Copy payloads above this are refused: a webview asking for more is misbehaving. */
export const MAX_COPY_CHARS = 16 * 1024 * 1024;
/** Tail and since limits accepted from the webview. */
export const MAX_TAIL_LINES = 1_000_000;
export const MAX_SINCE_SECONDS = 366 * 24 * 3600;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key));
}

function optionalCount(value: unknown, max: number): value is number | undefined {
  return value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max);
}

/** Kubernetes container names are DNS labels; anything else is refused before it reaches a URL. */
const CONTAINER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseStreamOptions(raw: unknown): StreamOptions | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['follow', 'tailLines', 'sinceSeconds', 'previous', 'container'])) return undefined;
  const { follow, tailLines, sinceSeconds, previous, container } = raw;
  if (typeof follow !== 'boolean' || typeof previous !== 'boolean') return undefined;
  if (!optionalCount(tailLines, MAX_TAIL_LINES) || !optionalCount(sinceSeconds, MAX_SINCE_SECONDS)) return undefined;
  if (container !== undefined && (typeof container !== 'string' || !CONTAINER_NAME.test(container))) return undefined;
  const options: StreamOptions = { follow, previous };
  if (tailLines !== undefined) options.tailLines = tailLines;
  if (sinceSeconds !== undefined) options.sinceSeconds = sinceSeconds;
  if (container !== undefined) options.container = container;
  return options;
}

/** The webview's message if it is exactly one of the known shapes; undefined otherwise. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'ready':
    case 'clear':
    case 'save':
      return hasOnlyKeys(raw, ['type']) ? { type: raw.type } : undefined;
    case 'pause':
      return hasOnlyKeys(raw, ['type', 'paused']) && typeof raw.paused === 'boolean' ? { type: 'pause', paused: raw.paused } : undefined;
    case 'restart': {
      if (!hasOnlyKeys(raw, ['type', 'options'])) return undefined;
      const options = parseStreamOptions(raw.options);
      return options ? { type: 'restart', options } : undefined;
    }
    case 'copy':
      return hasOnlyKeys(raw, ['type', 'text']) && typeof raw.text === 'string' && raw.text.length <= MAX_COPY_CHARS
        ? { type: 'copy', text: raw.text }
        : undefined;
    default:
      return undefined;
  }
}
