import type { AxiosResponse } from 'axios';
import { BadAnswerError, InputError, RollbackFailedError } from '../errors';
import { ChangeUncertainError } from '../targets/target';
import { quote } from '../util/quote';
import {
  APP_ID,
  assertAppId,
  isAppList,
  isAppWrapper,
  isDeploymentList,
  isPodList,
  isUnderGroup,
  isVersionList,
  messageOf,
  normalizeGroup,
  type DeployResult,
  type MarathonApp,
  type MarathonDeployment,
  type MarathonPod,
} from './answers';
import type { MarathonAuth } from './auth';
import { AppLockedError, AppNotFoundError, AppRecreatedError } from './errors';
import { createTransport, type MarathonTransportOptions } from './transport';

export { AppLockedError, AppNotFoundError, AppRecreatedError } from './errors';
export { marathonBaseUrl, MAX_MARATHON_ANSWER_BYTES } from './transport';

/**
 * The part of Marathon's REST API a rollback needs: list the apps (and pods) of a group, read one
 * and its stored versions, change its image or put back a whole definition, and read the running
 * deployments. Every answer is checked at this boundary (transport.ts).
 */

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
  /** The versions Marathon keeps of an app (at most --zk_max_versions, 50 by default), in no order. */
  listVersions(id: string): Promise<string[]>;
  /** The app's definition as it was at `version` (immutable once written). */
  getVersion(id: string, version: string): Promise<MarathonApp>;
  /**
   * Put back a whole definition (--with-config): PUT with partialUpdate=false, so fields added
   * since are removed too. Sent once, like every change.
   */
  replaceDefinition(
    id: string,
    definition: Record<string, unknown>,
    options?: { force?: boolean },
  ): Promise<DeployResult>;
}

export type MarathonClientOptions = MarathonTransportOptions;

export function createMarathonClient(options: MarathonClientOptions): MarathonClient {
  const { apiUrl, auth, flag, pointAt, send, expectJson, expectApp, unexpected } = createTransport(options);
  /** Learned from the first 405: this Marathon has no PATCH (before 1.4), so changes go as PUT. */
  let patchMissing = false;

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
      return changeResult(app.id, response, method);
    },

    async replaceDefinition(id, definition, replaceOptions = {}) {
      assertAppId(id);
      const response = await send<unknown>(
        {
          method: 'PUT',
          url: `/v2/apps${id}?partialUpdate=false${replaceOptions.force ? '&force=true' : ''}`,
          data: definition,
          headers: { 'Content-Type': 'application/json' },
        },
        { change: true },
      );
      return changeResult(id, response, 'PUT');
    },

    async deployments(signal) {
      const response = await send<unknown>({ method: 'GET', url: '/v2/deployments' }, { signal });
      if (response.status !== 200) throw unexpected(response, 'the deployment list');
      return expectJson(response, isDeploymentList, 'the deployment list');
    },

    async listVersions(id) {
      assertAppId(id);
      const response = await send<unknown>({ method: 'GET', url: `/v2/apps${id}/versions` });
      if (response.status === 404) throw new AppNotFoundError(id, apiUrl, flag);
      if (response.status !== 200) throw unexpected(response, `the versions of ${id}`);
      return expectJson(response, isVersionList, `the versions of ${id}`).versions;
    },

    async getVersion(id, version) {
      assertAppId(id);
      const response = await send<unknown>({
        method: 'GET',
        url: `/v2/apps${id}/versions/${encodeURIComponent(version)}`,
      });
      if (response.status === 404) throw new AppNotFoundError(id, apiUrl, flag);
      if (response.status !== 200) throw unexpected(response, `version ${version} of ${id}`);
      // A version is the bare App, not wrapped like GET /v2/apps/{id}.
      const app = expectApp(response.data, `version ${version} of ${id}`);
      if (app.id !== id)
        throw new BadAnswerError(
          `Marathon at ${apiUrl} answered version ${version} of ${id} with app ${quote(app.id)}`,
          {
            hint: pointAt,
          },
        );
      return app;
    },
  };

  function changeResult(id: string, response: AxiosResponse<unknown>, method: string): DeployResult {
    const app = { id };
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
  }
}
