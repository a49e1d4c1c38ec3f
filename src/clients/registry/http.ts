import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A complete, bounded HTTP reply. */
export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Every `WWW-Authenticate` value (Node folds repeated ones; the raw list keeps them apart). */
  readonly authenticate: readonly string[];
  readonly body: Buffer;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal: AbortSignal;
  /** Larger replies are cut and fail with ReplyTooLargeError. */
  readonly maxBytes: number;
}

export class ReplyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the reply is larger than ${limit} bytes`);
    this.name = 'ReplyTooLargeError';
  }
}

/**
 * One HTTP exchange, no redirects followed, the whole body read. Rejects with Node's own
 * error (with its `code`), the signal's reason when aborted, or ReplyTooLargeError.
 */
export function exchange(url: URL, init: HttpRequest): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const abortReason = (): Error => (init.signal.reason instanceof Error ? init.signal.reason : new Error('aborted'));
    if (init.signal.aborted) {
      reject(abortReason());
      return;
    }
    let response: IncomingMessage | undefined;
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      init.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const fail = (error: Error): void => {
      finish(() => { reject(error); });
      req.destroy();
      response?.destroy();
    };
    const onAbort = (): void => { fail(abortReason()); };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'User-Agent': 'berth', ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));
    const req = send(url, { method: init.method, headers }, (res) => {
      response = res;
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > init.maxBytes) {
          fail(new ReplyTooLargeError(init.maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const authenticate: string[] = [];
        for (let k = 0; k + 1 < res.rawHeaders.length; k += 2) {
          if (res.rawHeaders[k]?.toLowerCase() === 'www-authenticate') authenticate.push(res.rawHeaders[k + 1] ?? '');
        }
        finish(() => { resolve({ status: res.statusCode ?? 0, headers: res.headers, authenticate, body: Buffer.concat(chunks) }); });
      });
      res.on('error', fail);
      res.on('aborted', () => { fail(Object.assign(new Error('the connection was closed mid-reply'), { code: 'ECONNRESET' })); });
    });
    req.on('error', fail);
    init.signal.addEventListener('abort', onAbort, { once: true });
    req.end(init.body);
  });
}
