import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors';

export interface TlsOptions {
  /** Explicit opt-out of certificate verification (--insecure). */
  insecure?: boolean;
  /** Extra CA bundle (PEM) trusted on top of the system's (--ca-file). */
  caFile?: string;
}

export interface HttpClientOptions {
  baseURL?: string;
  tls?: TlsOptions;
  /** Longest silence within an answer (socket idle time). */
  timeoutMs?: number;
  /** Longest a request may take from start to its last byte, whatever trickles in meanwhile. */
  deadlineMs?: number;
  /** Sockets per host; matches the request concurrency so keep-alive connections are reused. */
  maxSockets?: number;
  userAgent?: string;
}

/**
 * An answer that sends a byte every few seconds never trips the idle timeout; this bounds the
 * whole request. A minute is far more than any registry or Marathon answer takes (a 32 MiB tag
 * list included), and short enough that an on-call engineer is not left waiting on a stuck one.
 */
export const DEFAULT_DEADLINE_MS = 60_000;

/** A request ended by its deadline. Not retried: a server that trickled once will again. */
export class DeadlineError extends Error {
  // ETIMEDOUT, so that code which names the error by its code says what happened.
  readonly code = 'ETIMEDOUT';
  constructor(readonly deadlineMs: number) {
    super(`no complete answer within ${formatSeconds(deadlineMs)}`);
    this.name = 'DeadlineError';
  }
}

export function isDeadlineError(err: unknown): err is DeadlineError {
  return err instanceof DeadlineError;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** What proxy-from-env (axios's proxy support) reads, in either case; NO_PROXY only narrows them. */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy'];

/**
 * One axios instance with keep-alive agents. Status codes are never thrown (validateStatus accepts
 * all): each client maps statuses to typed errors itself. Redirects are followed by axios's
 * follow-redirects, which drops Authorization when the host changes.
 */
export function createHttpClient(options: HttpClientOptions = {}): AxiosInstance {
  const sockets = options.maxSockets ?? 8;
  let ca: Buffer | undefined;
  if (options.tls?.caFile) {
    try {
      ca = readFileSync(options.tls.caFile);
    } catch (err) {
      throw new UsageError(`cannot read --ca-file ${options.tls.caFile}: ${(err as Error).message}`);
    }
  }
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: sockets,
    rejectUnauthorized: !options.tls?.insecure,
    // Node replaces the default roots when `ca` is set, so add ours to them.
    ...(ca ? { ca: [...tls.rootCertificates, ca.toString('utf8')] } : {}),
  });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const proxied = PROXY_VARIABLES.some((name) => process.env[name] || process.env[name.toUpperCase()]);
  const instance = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
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

/** The size limit (bytes) an answer went over, when axios refused it for `maxContentLength`. */
export function exceededAnswerLimit(err: unknown): number | undefined {
  const over = /maxContentLength size of (\d+) exceeded/i.exec(
    (err as { message?: string } | null)?.message ?? '',
  );
  return over ? Number(over[1]) : undefined;
}
