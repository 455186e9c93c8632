import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors';

/** What every HTTP client of the helper is built from: TLS settings, limits, keep-alive agents. */

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

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * An answer that sends a byte every few seconds never trips the idle timeout; this bounds the
 * whole request. A minute is far more than any registry or Marathon answer takes (a 32 MiB tag
 * list included), and short enough that an on-call engineer is not left waiting on a stuck one.
 */
export const DEFAULT_DEADLINE_MS = 60_000;

/** Keep-alive agents for http and https, with the TLS settings of `options`. */
export function createAgents(options: HttpClientOptions): { httpAgent: http.Agent; httpsAgent: https.Agent } {
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
  return { httpAgent, httpsAgent };
}

/** What proxy-from-env (axios's proxy support) reads, in either case; NO_PROXY only narrows them. */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy'];

/** Whether any request may have to go through a proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => env[name] || env[name.toUpperCase()]);
}
