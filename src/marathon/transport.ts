import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { AuthError, BadAnswerError, UnavailableError } from '../errors';
import { createHttpClient, exceededAnswerLimit, type TlsOptions } from '../http/client';
import { defaultRetryPolicy, requestWithRetry, type RetryPolicy } from '../http/retry';
import { ChangeUncertainError } from '../targets/target';
import { assertCaFile } from '../util/ca-file';
import { parseServiceUrl } from '../util/service-url';
import { TLS_FIX, tlsFailureCode } from '../util/tls';
import { appProblem, messageOf, type MarathonApp } from './answers';
import { describeNetworkError, marathonAuthFromEnv, type MarathonAuth, type MarathonTarget } from './auth';

/**
 * How requests reach Marathon: its URL, credentials (one fresh login after a 401), retries of
 * reads only, a change sent once, and every failure as a typed error that says what to do.
 */

export interface MarathonTransportOptions {
  target: MarathonTarget;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  tls?: TlsOptions;
  timeoutMs?: number;
  maxSockets?: number;
  retry?: RetryPolicy;
  /** For tests: an axios instance instead of a new one. */
  http?: AxiosInstance;
  /** Largest answer accepted (default MAX_MARATHON_ANSWER_BYTES). */
  maxAnswerBytes?: number;
}

/**
 * An app list of thousands of apps with their deployments is a few MB; far more than this is not an
 * answer to what we asked (a misrouted download, a runaway proxy) and is refused before it fills memory.
 */
export const MAX_MARATHON_ANSWER_BYTES = 64 * 1024 * 1024;

const CREDENTIALS_HINT = {
  marathon: 'put them in MARATHON_USER and MARATHON_PASSWORD',
  dcos: 'put them in DCOS_USER and DCOS_PASSWORD (or DCOS_SERVICE_ACCOUNT_ID and its key, or DCOS_TOKEN)',
};

/** The base URL of --marathon or --dcos, checked: http(s), no credentials, no query. */
export function marathonBaseUrl(kind: MarathonTarget['kind'], url: string): string {
  return parseServiceUrl(url, {
    name: `--${kind}`,
    example: kind === 'dcos' ? 'https://dcos.example.com' : 'https://marathon.example.com',
    credentialsHint: CREDENTIALS_HINT[kind],
  });
}

/** Errors after which a request cannot have reached the server: repeating nothing, changing nothing. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface Transport {
  readonly apiUrl: string;
  readonly auth: MarathonAuth;
  /** `--marathon` or `--dcos`, for hints. */
  readonly flag: string;
  /** `check --dcos: it must point at the DC/OS cluster`. */
  readonly pointAt: string;
  send<T>(
    config: AxiosRequestConfig,
    mode?: { change?: boolean; signal?: AbortSignal },
  ): Promise<AxiosResponse<T>>;
  expectJson<T>(response: AxiosResponse<unknown>, check: (v: unknown) => v is T, what: string): T;
  expectApp(value: unknown, what: string): MarathonApp;
  unexpected(response: AxiosResponse<unknown>, what: string): UnavailableError;
}

export function createTransport(options: MarathonTransportOptions): Transport {
  // Also for a target read from a journal: a hand-edited URL must not carry credentials either.
  const base = marathonBaseUrl(options.target.kind, options.target.url);
  if (options.tls?.caFile) assertCaFile(options.tls.caFile);
  const apiUrl = options.target.kind === 'dcos' ? `${base}/service/marathon` : base;
  const http =
    options.http ??
    createHttpClient({
      tls: options.tls,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxSockets: options.maxSockets,
    });
  const retry = options.retry ?? defaultRetryPolicy;
  const auth = marathonAuthFromEnv(options.target, options.env, { http, cwd: options.cwd, retry });
  const flag = `--${options.target.kind}`;
  const maxAnswerBytes = options.maxAnswerBytes ?? MAX_MARATHON_ANSWER_BYTES;
  const pointAt = `check ${flag}: it must point at ${options.target.kind === 'dcos' ? 'the DC/OS cluster' : 'Marathon itself'}`;

  /**
   * One request with auth; a 401 triggers one fresh login when that can help. A change (`change`)
   * is sent once, and a failure that may have come after Marathon took it is ChangeUncertainError.
   */
  async function send<T>(
    config: AxiosRequestConfig,
    mode: { change?: boolean; signal?: AbortSignal } = {},
  ): Promise<AxiosResponse<T>> {
    let authorization: string | undefined;
    const what = `${config.method ?? 'GET'} ${config.url}`;
    const once = async () => {
      authorization = await auth.header();
      const request: AxiosRequestConfig = {
        ...config,
        ...(mode.signal ? { signal: mode.signal } : {}),
        maxContentLength: maxAnswerBytes,
        url: `${apiUrl}${config.url}`,
        headers: {
          Accept: 'application/json',
          ...config.headers,
          ...(authorization ? { Authorization: authorization } : {}),
        },
      };
      try {
        return mode.change
          ? await http.request<T>({ ...request, validateStatus: () => true })
          : await requestWithRetry<T>(http, request, retry);
      } catch (err) {
        const tls = tlsFailureCode(err);
        if (tls)
          throw new UnavailableError(`TLS check of Marathon at ${apiUrl} failed (${tls})`, { hint: TLS_FIX });
        const limit = exceededAnswerLimit(err);
        if (limit !== undefined)
          throw new BadAnswerError(
            `Marathon at ${apiUrl} answered ${what} with more than the limit of ${Math.round(limit / 1024 / 1024)} MiB`,
            { hint: `check ${flag}: it must point at Marathon's API` },
          );
        const code = (err as { code?: string }).code ?? '';
        if (mode.change && !NEVER_SENT.has(code))
          throw new ChangeUncertainError(
            `no answer from Marathon at ${apiUrl} to ${what} (${describeNetworkError(err)}); it may have been carried out`,
          );
        throw new UnavailableError(`cannot reach Marathon at ${apiUrl}: ${describeNetworkError(err)}`, {
          hint: `check ${flag}`,
        });
      }
    };
    let response = await once();
    if (response.status === 401 && (await auth.renew(authorization))) response = await once();
    if (response.status === 401)
      throw new AuthError(`Marathon at ${apiUrl} refused the credentials (${auth.description}): HTTP 401`, {
        hint: auth.hint,
      });
    if (response.status === 403)
      throw new AuthError(
        `Marathon at ${apiUrl} does not allow ${auth.description} to ${what}: HTTP 403${messageOf(response.data)}`,
        { hint: 'grant the account access to the group (dcos:service:marathon:marathon:services:<group>)' },
      );
    if (response.status >= 500) {
      // A proxy's 502 or Marathon's own 500 may come after the change was stored.
      if (mode.change)
        throw new ChangeUncertainError(
          `Marathon at ${apiUrl} answered ${what} with HTTP ${response.status}${messageOf(response.data)}; it may have been carried out`,
        );
      throw new UnavailableError(
        `Marathon at ${apiUrl} answered HTTP ${response.status}${messageOf(response.data)}`,
        { hint: 'try again when Marathon is healthy' },
      );
    }
    return response;
  }

  function expectJson<T>(response: AxiosResponse<unknown>, check: (v: unknown) => v is T, what: string): T {
    if (!check(response.data)) {
      throw new BadAnswerError(
        `Marathon at ${apiUrl} answered ${what} with something that is not Marathon's API (HTTP ${response.status}, ${String(response.headers['content-type'] ?? 'no content type')})`,
        { hint: pointAt },
      );
    }
    return response.data;
  }

  /** An app as the API documents it, or an error that says what is wrong with it. */
  function expectApp(value: unknown, what: string): MarathonApp {
    const problem = appProblem(value);
    if (problem)
      throw new BadAnswerError(
        `Marathon at ${apiUrl} answered ${what} with ${problem}; nothing was changed`,
        {
          hint: `${pointAt}; if it does, the app's definition is broken in Marathon`,
        },
      );
    return value as MarathonApp;
  }

  const unexpected = (response: AxiosResponse<unknown>, what: string) =>
    new UnavailableError(
      `Marathon at ${apiUrl} answered HTTP ${response.status} to ${what}${messageOf(response.data)}`,
    );

  return { apiUrl, auth, flag, pointAt, send, expectJson, expectApp, unexpected };
}
