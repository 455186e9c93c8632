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
  timeoutMs?: number;
  /** Sockets per host; matches the request concurrency so keep-alive connections are reused. */
  maxSockets?: number;
  userAgent?: string;
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
  return axios.create({
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
}

/** The size limit (bytes) an answer went over, when axios refused it for `maxContentLength`. */
export function exceededAnswerLimit(err: unknown): number | undefined {
  const over = /maxContentLength size of (\d+) exceeded/i.exec(
    (err as { message?: string } | null)?.message ?? '',
  );
  return over ? Number(over[1]) : undefined;
}
