import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { sleep as abortableSleep } from '../util/sleep';
import { isDeadlineError } from './errors';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  /** Ceiling of one backoff wait. */
  maxDelayMs: number;
  /**
   * Statuses worth another try. Only GET, HEAD and OPTIONS are ever retried after an answer: they
   * change nothing, while a PUT or POST that got a 500 or a 503 may have been acted on (a Marathon
   * deployment started, a Slack message posted), so repeating it could act twice.
   */
  retryStatuses: ReadonlySet<number>;
  /**
   * No retry starts later than this after the first attempt (its wait included): an on-call
   * engineer gets a clear error in seconds instead of minutes of silent waiting. A Retry-After
   * longer than what is left ends the retries at once.
   */
  maxTotalMs?: number;
  /** Injected so tests run without waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/**
 * Eight retries: a registry that fails one request in five still answers every request of a
 * 60,000-tag run (0.2^9 ≈ 5e-7 per request). The backoff ceilings (0.1, 0.2, 0.4, 0.8, 1.6, then
 * 2 s) add up to 9.1 s at most, so a registry that is down is reported within about 10 s.
 */
export const defaultRetryPolicy: RetryPolicy = {
  retries: 8,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  // 500 too: a registry behind S3 answers transient 500s to reads.
  retryStatuses: new Set([429, 500, 502, 503, 504]),
  maxTotalMs: 15_000,
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full jitter (AWS architecture blog): spreads retries of many concurrent requests apart. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/** GET, HEAD and OPTIONS (axios's default method is GET): repeating one changes nothing. */
function isSafe(method: string | undefined): boolean {
  return SAFE_METHODS.has((method ?? 'GET').toUpperCase());
}

/** Whether `status` is worth another try for `method` under `policy`. */
export function isRetryableStatus(status: number, method: string | undefined, policy: RetryPolicy): boolean {
  return isSafe(method) && policy.retryStatuses.has(status);
}

/**
 * Send a request, retrying network errors and the policy's statuses. Returns the last response
 * whatever its status (the caller decides what a 404 means); throws the last network error.
 * Never retries 401/403/404: those do not get better by waiting. Any other method than GET, HEAD
 * and OPTIONS is sent again only when the first attempt cannot have reached the server.
 */
export function requestWithRetry<T = unknown>(
  http: AxiosInstance,
  config: AxiosRequestConfig,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<AxiosResponse<T>> {
  // axios accepts its own CancelToken-like signals too; only a real AbortSignal can end a wait.
  const signal = config.signal instanceof AbortSignal ? config.signal : undefined;
  return withRetries(
    () => http.request<T>({ ...config, validateStatus: () => true }),
    config.method,
    policy,
    signal,
  );
}

/** requestWithRetry's rules around any way of sending: `attempt` sends the request once more. */
export async function withRetries<R extends { status: number; headers: object }>(
  attempt: () => Promise<R>,
  method: string | undefined,
  policy: RetryPolicy = defaultRetryPolicy,
  signal?: AbortSignal,
): Promise<R> {
  // A wait ends early when the request is cancelled: the next attempt then fails at once as cancelled.
  const sleep = policy.sleep ?? abortableSleep;
  const now = policy.now ?? Date.now;
  const started = now();
  // Whether waiting `ms` more still starts the next attempt within the policy's time.
  const inTime = (ms: number) => policy.maxTotalMs === undefined || now() - started + ms <= policy.maxTotalMs;
  for (let tries = 0; ; tries++) {
    let response: R;
    try {
      response = await attempt();
    } catch (err) {
      const again = isSafe(method) ? isTransientNetworkError(err) : neverSent(err);
      if (tries >= policy.retries || !again) throw err;
      const delay = backoffDelay(tries, policy, policy.random);
      if (!inTime(delay)) throw err;
      await sleep(delay, signal);
      continue;
    }
    if (tries >= policy.retries || !isRetryableStatus(response.status, method, policy)) return response;
    const retryAfter = parseRetryAfter((response.headers as Record<string, unknown>)['retry-after']);
    // The server said when it will be ready: sooner would only be refused again.
    const delay = retryAfter ?? backoffDelay(tries, policy, policy.random);
    if (!inTime(delay)) return response;
    await sleep(delay, signal);
  }
}

/**
 * The connection was refused, or the name did not resolve for now: no byte of the request left
 * this machine. A reset or a timeout may come after the server read it, and acted on it.
 */
function neverSent(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'EAI_AGAIN';
}

function isTransientNetworkError(err: unknown): boolean {
  if (isDeadlineError(err)) return false; // it took its whole deadline; another would too
  const code = (err as { code?: string } | null)?.code;
  // Certificate and DNS errors are configuration problems: retrying only delays the message.
  return (
    code === 'ECONNRESET' ||
    code === 'ECONNREFUSED' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNABORTED' ||
    code === 'EPIPE' ||
    code === 'EAI_AGAIN' ||
    code === 'ERR_SOCKET_CONNECTION_TIMEOUT'
  );
}
