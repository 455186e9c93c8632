import axios, { type AxiosInstance } from 'axios';
import { createAgents, DEFAULT_DEADLINE_MS, DEFAULT_IDLE_TIMEOUT_MS, proxyConfigured } from './agents';
import type { HttpClientOptions } from './agents';
import { DeadlineError } from './errors';

// Where the other clients have always found them.
export { DEFAULT_DEADLINE_MS, type HttpClientOptions, type TlsOptions } from './agents';
export { DeadlineError, exceededAnswerLimit, isDeadlineError } from './errors';

/**
 * One axios instance with keep-alive agents. Status codes are never thrown (validateStatus accepts
 * all): each client maps statuses to typed errors itself. Redirects are followed by axios's
 * follow-redirects, which drops Authorization when the host changes.
 */
export function createHttpClient(options: HttpClientOptions = {}): AxiosInstance {
  const { httpAgent, httpsAgent } = createAgents(options);
  const proxied = proxyConfigured();
  const instance = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    httpAgent,
    httpsAgent,
    // Proxies come from HTTP(S)_PROXY through axios's own proxy-from-env support. Without any of
    // those variables no URL can be proxied, and saying so spares axios the environment lookups it
    // otherwise makes for every request.
    ...(proxied ? {} : { proxy: false as const }),
    maxRedirects: 5,
    validateStatus: () => true,
    headers: { 'User-Agent': options.userAgent ?? 'rollback' },
    transitional: { clarifyTimeoutError: true },
  });
  withDeadline(instance, options.deadlineMs ?? DEFAULT_DEADLINE_MS);
  return instance;
}

interface Deadline {
  timer: NodeJS.Timeout;
  expired: boolean;
  release(): void;
}

/**
 * Every request of `instance` runs under its own AbortSignal, aborted when `deadlineMs` have
 * passed or when the caller's `config.signal` aborts (a cancelled watch, an interrupted run): axios
 * then ends the request at once, wherever it is, body included.
 */
function withDeadline(instance: AxiosInstance, deadlineMs: number): void {
  const deadlines = new WeakMap<object, Deadline>();
  instance.interceptors.request.use(
    (config) => {
      const controller = new AbortController();
      const caller = config.signal instanceof AbortSignal ? config.signal : undefined;
      const abort = () => controller.abort();
      const deadline: Deadline = {
        expired: false,
        timer: setTimeout(() => {
          deadline.expired = true;
          controller.abort();
        }, deadlineMs).unref(),
        release: () => {
          clearTimeout(deadline.timer);
          caller?.removeEventListener('abort', abort);
        },
      };
      if (caller?.aborted) abort();
      else caller?.addEventListener('abort', abort, { once: true });
      config.signal = controller.signal;
      deadlines.set(config, deadline);
      return config;
    },
    undefined,
    { synchronous: true },
  );
  const settle = (config: object | undefined): Deadline | undefined => {
    const deadline = config && deadlines.get(config);
    deadline?.release();
    return deadline;
  };
  instance.interceptors.response.use(
    (response) => {
      settle(response.config);
      return response;
    },
    (err: unknown) => {
      const deadline = settle((err as { config?: object } | null)?.config);
      throw deadline?.expired ? new DeadlineError(deadlineMs) : err;
    },
  );
}
