import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import {
  AuthError,
  BadAnswerError,
  InputError,
  RollbackFailedError,
  UnavailableError,
  UsageError,
} from '../errors';
import { createHttpClient, exceededAnswerLimit, type TlsOptions } from '../http/client';
import { defaultRetryPolicy, requestWithRetry, type RetryPolicy } from '../http/retry';
import { assertCaFile } from '../util/ca-file';
import { quote } from '../util/quote';
import { parseServiceUrl } from '../util/service-url';
import { TLS_FIX, tlsFailureCode } from '../util/tls';
import { describeNetworkError, marathonAuthFromEnv, type MarathonAuth, type MarathonTarget } from './auth';

/**
 * The part of Marathon's REST API a rollback needs: list the apps of a group, read one, change its
 * image, and read the running deployments. Every answer is checked at this boundary; statuses
 * become typed errors that say what to do.
 */

export interface MarathonContainer {
  type?: string;
  docker?: { image?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface MarathonTask {
  id?: string;
  version?: string;
  state?: string;
  [key: string]: unknown;
}

export interface MarathonApp {
  id: string;
  instances?: number;
  version?: string;
  container?: MarathonContainer | null;
  healthChecks?: unknown[];
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksStaged?: number;
  tasksUnhealthy?: number;
  deployments?: Array<{ id: string }>;
  tasks?: MarathonTask[];
  lastTaskFailure?: { message?: string; timestamp?: string; version?: string; state?: string } | null;
  [key: string]: unknown;
}

export interface MarathonDeployment {
  id: string;
  version?: string;
  affectedApps: string[];
  currentStep?: number;
  totalSteps?: number;
  [key: string]: unknown;
}

export interface DeployResult {
  deploymentId: string;
  version?: string;
}

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

export interface MarathonClient {
  /** Where the Marathon API lives (for messages and the journal). */
  readonly apiUrl: string;
  readonly auth: MarathonAuth;
  /** Every app under `group` (whole path segments: /ds/dev never matches /ds/dev2). */
  listApps(group: string): Promise<MarathonApp[]>;
  getApp(id: string): Promise<MarathonApp>;
  /** PUT the app's whole container with only the Docker image changed. */
  deployImage(app: MarathonApp, image: string, options?: { force?: boolean }): Promise<DeployResult>;
  deployments(): Promise<MarathonDeployment[]>;
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

const APP_ID = /^(\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)+$/;

/** `/ds/dev/` → `/ds/dev`; rejects what Marathon would not accept as a group path. */
export function normalizeGroup(group: string): string {
  const trimmed = group.trim().replace(/\/+$/, '');
  if (trimmed === '') return '/';
  const absolute = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (!APP_ID.test(absolute))
    throw new UsageError(`--group ${quote(group)} is not a Marathon group path such as /ds/dev`);
  return absolute;
}

export function isUnderGroup(appId: string, group: string): boolean {
  return group === '/' || appId.startsWith(`${group}/`);
}

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

  /** One request with auth; a 401 triggers one fresh login when that can help. */
  async function send<T>(config: AxiosRequestConfig, retries: boolean): Promise<AxiosResponse<T>> {
    let authorization: string | undefined;
    const once = async () => {
      authorization = await auth.header();
      const request: AxiosRequestConfig = {
        ...config,
        maxContentLength: maxAnswerBytes,
        url: `${apiUrl}${config.url}`,
        headers: {
          Accept: 'application/json',
          ...config.headers,
          ...(authorization ? { Authorization: authorization } : {}),
        },
      };
      try {
        // A PUT is not repeated blindly: the first may have started a deployment.
        return retries
          ? await requestWithRetry<T>(http, request, retry)
          : await http.request<T>({ ...request, validateStatus: () => true });
      } catch (err) {
        const tls = tlsFailureCode(err);
        if (tls)
          throw new UnavailableError(`TLS check of Marathon at ${apiUrl} failed (${tls})`, { hint: TLS_FIX });
        const limit = exceededAnswerLimit(err);
        if (limit !== undefined)
          throw new BadAnswerError(
            `Marathon at ${apiUrl} answered ${config.method ?? 'GET'} ${config.url} with more than the limit of ${Math.round(limit / 1024 / 1024)} MiB`,
            { hint: `check ${flag}: it must point at Marathon's API` },
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
        `Marathon at ${apiUrl} does not allow ${auth.description} to ${config.method ?? 'GET'} ${config.url}: HTTP 403${messageOf(response.data)}`,
        { hint: 'grant the account access to the group (dcos:service:marathon:marathon:services:<group>)' },
      );
    if (response.status >= 500)
      throw new UnavailableError(
        `Marathon at ${apiUrl} answered HTTP ${response.status}${messageOf(response.data)}`,
        {
          hint: 'try again when Marathon is healthy',
        },
      );
    return response;
  }

  const pointAt = `check ${flag}: it must point at ${options.target.kind === 'dcos' ? 'the DC/OS cluster' : 'Marathon itself'}`;

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

  return {
    apiUrl,
    auth,

    async listApps(group) {
      const g = normalizeGroup(group);
      const query = g === '/' ? '' : `id=${encodeURIComponent(g)}&`;
      const response = await send<unknown>(
        { method: 'GET', url: `/v2/apps?${query}embed=apps.counts&embed=apps.deployments` },
        true,
      );
      if (response.status !== 200)
        throw new UnavailableError(
          `Marathon at ${apiUrl} answered HTTP ${response.status} to the app list${messageOf(response.data)}`,
        );
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

    async getApp(id) {
      assertAppId(id);
      const response = await send<unknown>({ method: 'GET', url: `/v2/apps${id}` }, true);
      if (response.status === 404) throw new AppNotFoundError(id, apiUrl, flag);
      if (response.status !== 200)
        throw new UnavailableError(
          `Marathon at ${apiUrl} answered HTTP ${response.status} for app ${id}${messageOf(response.data)}`,
        );
      const app = expectApp(expectJson(response, isAppWrapper, `app ${id}`).app, `app ${id}`);
      if (app.id !== id)
        throw new BadAnswerError(`Marathon at ${apiUrl} answered app ${id} with app ${quote(app.id)}`, {
          hint: pointAt,
        });
      return app;
    },

    async deployImage(app, image, deployOptions = {}) {
      assertAppId(app.id);
      const container = app.container;
      if (!container?.docker?.image)
        throw new InputError(`app ${app.id} has no Docker image (container.docker.image) to change`);
      // A top-level field replaces the stored one whole, so the complete container goes back with
      // only the image changed; `version`/`versionInfo` would turn the PUT into a 422.
      const body = { container: { ...container, docker: { ...container.docker, image } } };
      const response = await send<unknown>(
        {
          method: 'PUT',
          url: `/v2/apps${app.id}${deployOptions.force ? '?force=true' : ''}`,
          data: body,
          headers: { 'Content-Type': 'application/json' },
        },
        false,
      );
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
      if (response.status === 404)
        throw new InputError(`app ${app.id} no longer exists in Marathon at ${apiUrl}`);
      if (response.status !== 200 && response.status !== 201)
        throw new UnavailableError(
          `Marathon at ${apiUrl} answered HTTP ${response.status} to the update of ${app.id}${messageOf(response.data)}`,
        );
      const data = (response.data ?? {}) as { deploymentId?: unknown; version?: unknown };
      const deploymentId =
        typeof data.deploymentId === 'string'
          ? data.deploymentId
          : String(response.headers['marathon-deployment-id'] ?? '');
      if (!deploymentId)
        throw new UnavailableError(`Marathon accepted the update of ${app.id} but named no deployment`);
      return { deploymentId, ...(typeof data.version === 'string' ? { version: data.version } : {}) };
    },

    async deployments() {
      const response = await send<unknown>({ method: 'GET', url: '/v2/deployments' }, true);
      if (response.status !== 200)
        throw new UnavailableError(
          `Marathon at ${apiUrl} answered HTTP ${response.status} to the deployment list`,
        );
      return expectJson(response, isDeploymentList, 'the deployment list');
    },
  };
}

function assertAppId(id: string): void {
  // Ids come from Marathon or from a journal a person may have edited; never build a path from junk.
  if (!APP_ID.test(id)) throw new InputError(`"${id}" is not a Marathon app id`);
}

/** ` : message (details)` from Marathon's error body, or nothing. */
export function messageOf(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const { message, details } = data as { message?: unknown; details?: unknown };
  if (typeof message !== 'string') return '';
  let extra = '';
  if (Array.isArray(details)) {
    extra = details
      .map((d: { path?: unknown; errors?: unknown }) =>
        `${typeof d?.path === 'string' ? d.path : ''} ${Array.isArray(d?.errors) ? d.errors.join('; ') : ''}`.trim(),
      )
      .filter(Boolean)
      .join(', ');
  } else if (typeof details === 'string') extra = details;
  return `: ${message}${extra ? ` (${extra})` : ''}`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What is wrong with an app in an answer, as Marathon's API documents apps (RAML app.raml): an
 * object with an id; `container` absent (a command app) or an object whose `docker.image` is a
 * string, required for type DOCKER; `deployments` a list of {id}. Undefined when nothing is.
 */
export function appProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'an app that is not a JSON object';
  if (typeof v.id !== 'string' || v.id === '') return 'an app without an id';
  const app = `app ${quote(v.id)}`;
  const c = v.container;
  if (c !== undefined && c !== null) {
    if (!isObject(c)) return `${app} whose container is not an object`;
    if (c.type !== undefined && typeof c.type !== 'string')
      return `${app} whose container type is not a string`;
    const d = c.docker;
    if (d !== undefined && d !== null && !isObject(d))
      return `${app} whose container.docker is not an object`;
    const image = isObject(d) ? d.image : undefined;
    if (image !== undefined && typeof image !== 'string') return `${app} whose Docker image is not a string`;
    if ((c.type ?? 'DOCKER') === 'DOCKER' && !image)
      return `${app} of container type DOCKER without a Docker image (container.docker.image)`;
  }
  if (
    v.deployments !== undefined &&
    !(Array.isArray(v.deployments) && v.deployments.every((d) => isObject(d) && typeof d.id === 'string'))
  )
    return `${app} whose deployments are not a list of {"id": ...}`;
  return undefined;
}

function isAppList(v: unknown): v is { apps: unknown[] } {
  return isObject(v) && Array.isArray(v.apps);
}

function isAppWrapper(v: unknown): v is { app: unknown } {
  return isObject(v) && v.app !== undefined;
}

function isDeploymentList(v: unknown): v is MarathonDeployment[] {
  return (
    Array.isArray(v) &&
    v.every((d) => isObject(d) && typeof d.id === 'string' && Array.isArray(d.affectedApps))
  );
}

/** The Docker image of an app, for container types DOCKER (the default) and MESOS. */
export function dockerImageOf(app: MarathonApp): string | undefined {
  const c = app.container;
  if (!c) return undefined;
  const type = c.type ?? 'DOCKER';
  if (type !== 'DOCKER' && type !== 'MESOS') return undefined;
  const image = c.docker?.image;
  return typeof image === 'string' && image !== '' ? image : undefined;
}
