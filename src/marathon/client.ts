import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { AuthError, BadAnswerError, InputError, RollbackFailedError, UnavailableError } from '../errors';
import { createHttpClient, exceededAnswerLimit, type TlsOptions } from '../http/client';
import { defaultRetryPolicy, requestWithRetry, type RetryPolicy } from '../http/retry';
import { ChangeUncertainError } from '../targets/target';
import { assertCaFile } from '../util/ca-file';
import { quote } from '../util/quote';
import { parseServiceUrl } from '../util/service-url';
import { TLS_FIX, tlsFailureCode } from '../util/tls';
import {
  APP_ID,
  appProblem,
  assertAppId,
  isAppList,
  isAppWrapper,
  isDeploymentList,
  isPodList,
  isUnderGroup,
  messageOf,
  normalizeGroup,
  type DeployResult,
  type MarathonApp,
  type MarathonDeployment,
  type MarathonPod,
} from './answers';
import { describeNetworkError, marathonAuthFromEnv, type MarathonAuth, type MarathonTarget } from './auth';

/**
 * The part of Marathon's REST API a rollback needs: list the apps (and pods) of a group, read one,
 * change its image, and read the running deployments. Every answer is checked at this boundary;
 * statuses become typed errors that say what to do.
 */

/** 409: a deployment that is not ours holds the app. */
export class AppLockedError extends RollbackFailedError {
  constructor(
    readonly appId: string,
    readonly deploymentIds: string[],
  ) {
    super(`app ${appId} is locked by deployment ${deploymentIds.join(', ') || '(id not given)'}`, {
      hint: 'wait for it to finish, or pass --force to cancel it (Marathon force=true)',
    });
  }
}

/** 404 for an app: someone deleted it (or --group/--marathon point elsewhere). */
export class AppNotFoundError extends InputError {
  constructor(
    readonly appId: string,
    apiUrl: string,
    flag: string,
  ) {
    super(`app ${appId} does not exist in Marathon at ${apiUrl}`, { hint: `check ${flag}` });
  }
}

/**
 * A Marathon without PATCH took our PUT for an app that no longer existed and created it (201)
 * from the container alone: 1 cpu, 128 MB, one instance, no env, no health checks.
 */
export class AppRecreatedError extends RollbackFailedError {
  constructor(readonly appId: string) {
    super(
      `app ${appId} had been deleted; Marathon created it anew from the image alone (HTTP 201, default resources, no env or health checks)`,
      { hint: `check ${appId} in Marathon and delete it unless someone wants it back` },
    );
  }
}

export interface MarathonClient {
  /** Where the Marathon API lives (for messages and the journal). */
  readonly apiUrl: string;
  readonly auth: MarathonAuth;
  /** Every app under `group` (whole path segments: /ds/dev never matches /ds/dev2). */
  listApps(group: string): Promise<MarathonApp[]>;
  /** Every pod under `group`; none when this Marathon has no pods API. */
  listPods(group: string): Promise<MarathonPod[]>;
  getApp(id: string, signal?: AbortSignal): Promise<MarathonApp>;
  /**
   * Change only the app's Docker image: PATCH the whole container with the image replaced (PUT on
   * a Marathon without PATCH). Sent once: a change request is never repeated blindly.
   */
  updateImage(app: MarathonApp, image: string, options?: { force?: boolean }): Promise<DeployResult>;
  deployments(signal?: AbortSignal): Promise<MarathonDeployment[]>;
}

export interface MarathonClientOptions {
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

export function createMarathonClient(options: MarathonClientOptions): MarathonClient {
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
  /** Learned from the first 405: this Marathon has no PATCH (before 1.4), so changes go as PUT. */
  let patchMissing = false;

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

  async function sendChange(app: MarathonApp, body: unknown, force: boolean) {
    const url = `/v2/apps${app.id}${force ? '?force=true' : ''}`;
    const headers = { 'Content-Type': 'application/json' };
    if (!patchMissing) {
      const response = await send<unknown>({ method: 'PATCH', url, data: body, headers }, { change: true });
      if (response.status !== 405) return { response, method: 'PATCH' };
      patchMissing = true;
    }
    return {
      response: await send<unknown>({ method: 'PUT', url, data: body, headers }, { change: true }),
      method: 'PUT',
    };
  }

  return {
    apiUrl,
    auth,

    async listApps(group) {
      const g = normalizeGroup(group);
      const query = g === '/' ? '' : `id=${encodeURIComponent(g)}&`;
      const response = await send<unknown>({
        method: 'GET',
        url: `/v2/apps?${query}embed=apps.counts&embed=apps.deployments`,
      });
      if (response.status !== 200) throw unexpected(response, 'the app list');
      const body = expectJson(response, isAppList, 'the app list');
      const apps = body.apps.map((app) => expectApp(app, 'the app list'));
      // `id` is a case-insensitive substring filter: /ds/dev also matches /ds/dev2 and /x/ds/dev.
      const inGroup = apps.filter((app) => isUnderGroup(app.id, g));
      const odd = inGroup.find((app) => !APP_ID.test(app.id));
      if (odd)
        // Marathon never stores such an id; a path built from it could address another app.
        throw new BadAnswerError(
          `Marathon at ${apiUrl} listed an app under ${g} whose id Marathon does not allow: ${quote(odd.id)}; nothing was changed`,
          { hint: `${pointAt}; app ids are lowercase letters, digits, "." and "-" between "/"` },
        );
      return inGroup;
    },

    async listPods(group) {
      const g = normalizeGroup(group);
      const response = await send<unknown>({ method: 'GET', url: '/v2/pods' });
      // Marathon before 1.4 (and some proxies) have no pods API: then there are no pods to miss.
      if (response.status === 404 || response.status === 405) return [];
      if (response.status !== 200) throw unexpected(response, 'the pod list');
      return expectJson(response, isPodList, 'the pod list').filter((p) => isUnderGroup(p.id, g));
    },

    async getApp(id, signal) {
      assertAppId(id);
      const response = await send<unknown>({ method: 'GET', url: `/v2/apps${id}` }, { signal });
      if (response.status === 404) throw new AppNotFoundError(id, apiUrl, flag);
      if (response.status !== 200) throw unexpected(response, `app ${id}`);
      const app = expectApp(expectJson(response, isAppWrapper, `app ${id}`).app, `app ${id}`);
      if (app.id !== id)
        throw new BadAnswerError(`Marathon at ${apiUrl} answered app ${id} with app ${quote(app.id)}`, {
          hint: pointAt,
        });
      return app;
    },

    async updateImage(app, image, updateOptions = {}) {
      assertAppId(app.id);
      const container = app.container;
      if (!container?.docker?.image)
        throw new InputError(`app ${app.id} has no Docker image (container.docker.image) to change`);
      // A top-level field replaces the stored one whole, so the complete container goes back with
      // only the image changed; `version`/`versionInfo` would turn the request into a 422.
      const body = { container: { ...container, docker: { ...container.docker, image } } };
      const { response, method } = await sendChange(app, body, updateOptions.force ?? false);
      if (response.status === 409) {
        const data = response.data as { deployments?: Array<{ id?: unknown }> } | undefined;
        const ids = (Array.isArray(data?.deployments) ? data.deployments : [])
          .map((d) => d?.id)
          .filter((d): d is string => typeof d === 'string');
        throw new AppLockedError(app.id, ids);
      }
      if (response.status === 422 || response.status === 400)
        throw new RollbackFailedError(
          `Marathon rejected the new definition of ${app.id} (HTTP ${response.status})${messageOf(response.data)}`,
        );
      // PATCH never creates: a 404 means someone deleted the app.
      if (response.status === 404) throw new AppNotFoundError(app.id, apiUrl, flag);
      if (response.status === 201 && method === 'PUT') throw new AppRecreatedError(app.id);
      if (response.status !== 200 && response.status !== 201)
        throw unexpected(response, `the update of ${app.id}`);
      const data = (response.data ?? {}) as { deploymentId?: unknown; version?: unknown };
      const deploymentId =
        typeof data.deploymentId === 'string'
          ? data.deploymentId
          : String(response.headers['marathon-deployment-id'] ?? '');
      if (!deploymentId)
        throw new ChangeUncertainError(`Marathon accepted the update of ${app.id} but named no deployment`);
      return { deploymentId, ...(typeof data.version === 'string' ? { version: data.version } : {}) };
    },

    async deployments(signal) {
      const response = await send<unknown>({ method: 'GET', url: '/v2/deployments' }, { signal });
      if (response.status !== 200) throw unexpected(response, 'the deployment list');
      return expectJson(response, isDeploymentList, 'the deployment list');
    },
  };
}
