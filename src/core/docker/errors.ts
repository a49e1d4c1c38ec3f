/**
 * Docker failures as a small set of codes, each with a message that names the cause and
 * an action. Transport errors (socket missing, permission, timeouts, resets) and engine
 * answers (HTTP status with a message) both land here. Raw engine text is sanitised:
 * control characters removed, length capped.
 */

export type DockerErrorCode =
  | 'DAEMON_NOT_RUNNING'
  | 'DAEMON_PERMISSION'
  | 'DAEMON_UNRESPONSIVE'
  | 'DAEMON_CONNECTION_LOST'
  | 'ENDPOINT_INVALID'
  | 'REGISTRY_AUTH'
  | 'REGISTRY_SERVER'
  | 'REGISTRY_UNREACHABLE'
  | 'BUILD_FAILED'
  | 'BUILD_CONTEXT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CANCELLED'
  | 'ENGINE_ERROR';

/** What a failure looked like when it reached us. */
export interface RawDockerFailure {
  /** Node's error code (`ENOENT`, `EACCES`, `ECONNRESET`, ...). */
  readonly code?: string | undefined;
  /** HTTP status from the engine, when it answered. */
  readonly statusCode?: number | undefined;
  readonly message: string;
  /** True when the error happened after the operation had started streaming. */
  readonly midStream?: boolean;
  /** True when our own deadline fired. */
  readonly timedOut?: boolean;
  /** True when the user cancelled. */
  readonly cancelled?: boolean;
}

export interface ClassifiedDockerError {
  readonly code: DockerErrorCode;
  /** One sentence with the cause, for a notification or a tree node. */
  readonly message: string;
  /** What to do about it. */
  readonly action: string;
}

const MAX_MESSAGE = 500;

/**
 * Removes control characters (ANSI escapes and raw bytes a binary Dockerfile makes the
 * engine echo back) and caps the length, so engine text is safe to show.
 */
export function sanitiseEngineText(text: string, max = MAX_MESSAGE): string {
  const cleaned = text
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}

const REGISTRY_AUTH = /unauthorized|authentication required|no basic auth credentials|denied: |incorrect username or password|access to the requested resource is not authorized/i;
const REGISTRY_5XX = /received unexpected HTTP status: 5\d\d|500 Internal Server Error|502 Bad Gateway|503 Service Unavailable|status code 5\d\d/i;
const REGISTRY_NET = /connection refused|no such host|i\/o timeout|dial tcp|EOF$|connection reset by peer|broken pipe/i;

/** Classifies an error of a registry operation the engine reported (push or pull). */
export function classifyRegistryMessage(message: string, registry: string): ClassifiedDockerError {
  const text = sanitiseEngineText(message);
  if (REGISTRY_AUTH.test(text)) {
    return { code: 'REGISTRY_AUTH', message: `${registry} refused the credentials: ${text}`, action: `Log in to ${registry} (docker login ${registry}) or enter the credentials when Berth asks.` };
  }
  if (REGISTRY_5XX.test(text)) {
    return { code: 'REGISTRY_SERVER', message: `${registry} failed on its side: ${text}`, action: 'Retry the push; if it keeps failing, check the registry.' };
  }
  if (REGISTRY_NET.test(text)) {
    return { code: 'REGISTRY_UNREACHABLE', message: `The engine could not reach ${registry}: ${text}`, action: 'Check the registry address and the network of the Docker engine.' };
  }
  return { code: 'ENGINE_ERROR', message: `Push to ${registry} failed: ${text}`, action: 'See the Berth output channel for the full log.' };
}

/**
 * Classifies a failure of a call to the engine at `endpoint` (its description, shown in
 * the message so the user sees which engine was tried).
 */
export function classifyDockerFailure(failure: RawDockerFailure, endpoint: string): ClassifiedDockerError {
  if (failure.cancelled) return { code: 'CANCELLED', message: 'Cancelled.', action: '' };
  const text = sanitiseEngineText(failure.message);
  const code = failure.code;
  if (failure.timedOut) {
    return {
      code: 'DAEMON_UNRESPONSIVE',
      message: `The Docker engine at ${endpoint} is not responding (${text}).`,
      action: 'The daemon may be frozen or overloaded: check it (docker info), restart it, then refresh.',
    };
  }
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    const what = code === 'ENOENT' ? 'its socket does not exist' : code === 'ECONNREFUSED' ? 'nothing accepts connections there' : 'the host cannot be reached';
    return {
      code: 'DAEMON_NOT_RUNNING',
      message: `Docker is not running at ${endpoint}: ${what}.`,
      action: 'Start Docker (or install it), or point berth.docker.host / DOCKER_HOST / the Docker context at a running engine.',
    };
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      code: 'DAEMON_PERMISSION',
      message: `Permission denied on ${endpoint}.`,
      action: 'Add your user to the "docker" group and log in again, or use rootless Docker. Do not make the socket world-writable.',
    };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|premature close|aborted/i.test(failure.message)) {
    return failure.midStream
      ? { code: 'DAEMON_CONNECTION_LOST', message: `The connection to the Docker engine at ${endpoint} was lost mid-operation (${text}).`, action: 'The daemon may have stopped or restarted. Check it, then retry; leftover containers can be pruned.' }
      : { code: 'DAEMON_NOT_RUNNING', message: `The Docker engine at ${endpoint} closed the connection (${text}).`, action: 'Check that the daemon is running and that the endpoint speaks the Docker API.' };
  }
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(failure.message)) {
    return { code: 'DAEMON_UNRESPONSIVE', message: `The Docker engine at ${endpoint} is not responding (${text}).`, action: 'Check the daemon (docker info) and the network, then refresh.' };
  }
  if (code === 'ERR_SSH' || /ssh|handshake|All configured authentication methods failed/i.test(failure.message)) {
    return { code: 'DAEMON_NOT_RUNNING', message: `Cannot reach the Docker engine over ssh at ${endpoint}: ${text}.`, action: 'Check that ssh works (an agent with your key in SSH_AUTH_SOCK) and that the remote user may use Docker.' };
  }
  const status = failure.statusCode;
  if (status === 404) return { code: 'NOT_FOUND', message: text || 'Not found.', action: 'Refresh the view: it may have been removed meanwhile.' };
  if (status === 409) return { code: 'CONFLICT', message: text || 'Conflict.', action: 'Something still uses it (a container, another tag): see the message.' };
  if (status === 401 || status === 403) return { code: 'REGISTRY_AUTH', message: text || 'Not authorised.', action: 'Check the credentials.' };
  return { code: 'ENGINE_ERROR', message: text ? `Docker engine error: ${text}` : 'The Docker engine reported an error.', action: 'See the Berth output channel for details.' };
}
