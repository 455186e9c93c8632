import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { createAgents, DEFAULT_DEADLINE_MS, DEFAULT_IDLE_TIMEOUT_MS, type HttpClientOptions } from './agents';
import { AnswerTooLargeError, DeadlineError, canceledError, idleTimeoutError } from './errors';

/**
 * The registry's many small reads (a cold `get` sends two per tag) straight over node:http(s):
 * in a short-lived process axios's request pipeline ran mostly unoptimised and cost about 1 ms of
 * CPU per request, as much again as everything else the helper does with an answer. This does what
 * those reads need and nothing more: keep-alive agents with the TLS settings, an idle timeout, a
 * total deadline, the caller's AbortSignal, a size limit, and decoding a compressed body should a
 * server send one unasked. Redirects, retries and auth are the caller's.
 */

export interface AnswerRequest {
  method: 'GET' | 'HEAD';
  url: URL;
  headers: Record<string, string>;
  /** The answer is refused beyond this many bytes (decoded). */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface Answer {
  status: number;
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  data: Buffer;
}

export type Requester = (request: AnswerRequest) => Promise<Answer>;

export function createRequester(options: HttpClientOptions = {}): Requester {
  const { httpAgent, httpsAgent } = createAgents(options);
  const idleMs = options.timeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const userAgent = options.userAgent ?? 'rollback';

  return (request) =>
    new Promise<Answer>((resolve, reject) => {
      if (request.signal?.aborted) return reject(canceledError());
      const secure = request.url.protocol === 'https:';
      let settled = false;
      let deadline: NodeJS.Timeout | undefined;
      const end = (err: Error | undefined, answer?: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        request.signal?.removeEventListener('abort', onAbort);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(answer!);
      };
      const fail = (err: Error) => end(err);
      const onAbort = () => fail(canceledError());

      const req = (secure ? https : http).request(
        request.url,
        {
          method: request.method,
          headers: { 'User-Agent': userAgent, ...request.headers },
          agent: secure ? httpsAgent : httpAgent,
        },
        (res) => {
          const body = decoded(res, fail);
          const chunks: Buffer[] = [];
          let size = 0;
          body.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > request.maxBytes) return fail(new AnswerTooLargeError(request.maxBytes));
            chunks.push(chunk);
          });
          body.on('error', fail);
          body.on('end', () =>
            end(undefined, {
              status: res.statusCode ?? 0,
              headers: res.headers,
              data: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
            }),
          );
        },
      );
      req.on('error', fail);
      req.setTimeout(idleMs, () => fail(idleTimeoutError(idleMs)));
      deadline = setTimeout(() => fail(new DeadlineError(deadlineMs)), deadlineMs);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      req.end();
    });
}

/** The body as sent, or decoded when the server compressed it though we did not ask it to. */
function decoded(res: http.IncomingMessage, fail: (err: Error) => void): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  res.on('error', fail);
  return res.pipe(decoder);
}
