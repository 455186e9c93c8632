import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Statuses worth another try: the server is overloaded or a proxy in front of it hiccuped. */
  retryStatuses: ReadonlySet<number>;
  /** Injected so tests run without waiting. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 4,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  retryStatuses: new Set([429, 502, 503, 504]),
};

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/**
 * Send a request, retrying network errors and the policy's statuses. Returns the last response
 * whatever its status (the caller decides what a 404 means); throws the last network error.
 * Never retries 401/403/404: those do not get better by waiting.
 */
export async function requestWithRetry<T = unknown>(
  http: AxiosInstance,
  config: AxiosRequestConfig,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<AxiosResponse<T>> {
  const sleep = policy.sleep ?? realSleep;
  for (let attempt = 0; ; attempt++) {
    let response: AxiosResponse<T> | undefined;
    try {
      response = await http.request<T>({ ...config, validateStatus: () => true });
    } catch (err) {
      if (attempt >= policy.retries || !isTransientNetworkError(err)) throw err;
      await sleep(backoffDelay(attempt, policy, policy.random));
      continue;
    }
    if (!policy.retryStatuses.has(response.status) || attempt >= policy.retries) return response;
    const retryAfter = parseRetryAfter(response.headers['retry-after']);
    await sleep(Math.min(policy.maxDelayMs, retryAfter ?? backoffDelay(attempt, policy, policy.random)));
  }
}

function isTransientNetworkError(err: unknown): boolean {
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
