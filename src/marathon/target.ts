import {
  WorkloadGoneError,
  WorkloadLockedError,
  WorkloadRecreatedError,
  type Target,
  type TargetRecord,
  type Workload,
} from '../targets/target';
import { createVersionCache, noVersionCache } from '../history/cache';
import { readHistories } from '../history/read';
import { keyedHash, summarize } from '../history/summary';
import { RollbackFailedError } from '../errors';
import type { Logger } from '../util/log';
import { configVersionOf, dockerImageOf, STATE_FIELDS, type MarathonApp } from './answers';
import type { MarathonTarget } from './auth';
import { AppLockedError, AppNotFoundError, AppRecreatedError, type MarathonClient } from './client';
import { displayVersion } from './image';
import { createWatcher } from './watch';

/** Marathon (plain or DC/OS) as a rollback target: the apps of one group. */

export interface MarathonTargetOptions {
  client: MarathonClient;
  target: MarathonTarget;
  group: string;
  /** A deployment still running after this is a failure. */
  timeoutMs: number;
  logger: Logger;
}

export function workloadOf(app: MarathonApp): Workload {
  const image = dockerImageOf(app);
  const changeVersion = configVersionOf(app);
  return {
    id: app.id,
    ...(image ? { image } : {}),
    ...(changeVersion ? { changeVersion } : {}),
    ...(typeof app.version === 'string' ? { definitionVersion: app.version } : {}),
    busy: (app.deployments ?? []).map((d) => d.id),
    raw: app,
  };
}

export function createMarathonTarget(options: MarathonTargetOptions): Target {
  const { client, group } = options;
  const watcher = createWatcher(client, { timeoutMs: options.timeoutMs, logger: options.logger });
  const where = `Marathon at ${client.apiUrl}`;
  const record: TargetRecord = { kind: options.target.kind, url: options.target.url };
  return {
    kind: options.target.kind,
    where,
    scope: group,
    credentials: client.auth.description,
    record: () => record,

    async list() {
      return (await client.listApps(group)).map(workloadOf);
    },

    async unmanaged() {
      const pods = await client.listPods(group);
      if (pods.length === 0) return [];
      const shown = pods.slice(0, 5).map((p) => {
        const images = (p.containers ?? []).map((c) => c.image?.id).filter((i): i is string => !!i);
        return `${p.id}${images.length ? ` (${images.map(displayVersion).join(', ')})` : ''}`;
      });
      return [
        `${pods.length} Marathon pod(s) under ${group} are not rolled back (only apps are): ${shown.join(', ')}${pods.length > 5 ? ` and ${pods.length - 5} more` : ''}; roll them back by hand if they run a service of this release`,
      ];
    },

    async read(id) {
      try {
        return workloadOf(await client.getApp(id));
      } catch (err) {
        if (err instanceof AppNotFoundError) throw new WorkloadGoneError(id, where, `app ${id}`);
        throw err;
      }
    },

    async changeImage(workload, image, { force }) {
      try {
        const result = await client.updateImage(workload.raw as MarathonApp, image, { force });
        return { changeId: result.deploymentId, ...(result.version ? { version: result.version } : {}) };
      } catch (err) {
        if (err instanceof AppLockedError)
          throw new WorkloadLockedError(err.appId, err.deploymentIds, `app ${err.appId}`);
        if (err instanceof AppNotFoundError)
          throw new WorkloadGoneError(workload.id, where, `app ${workload.id}`);
        if (err instanceof AppRecreatedError)
          throw new WorkloadRecreatedError(err.message, err.hint ? { hint: err.hint } : {});
        throw err;
      }
    },

    async changeDefinition(workload, to, { force }) {
      const current = workload.raw as MarathonApp;
      let stored: MarathonApp;
      try {
        stored = await client.getVersion(workload.id, to.version);
      } catch (err) {
        // The rollout has just read the app: it is the version that is gone, dropped by Marathon
        // (it keeps the last --zk_max_versions), not the app. Nothing was sent.
        if (err instanceof AppNotFoundError)
          throw new RollbackFailedError(
            `version ${to.version} of app ${workload.id} is no longer in Marathon's history (it keeps the last --zk_max_versions, 50 by default); not changed`,
          );
        throw err;
      }
      const definition = definitionToSend(stored, to.withScale ? undefined : current.instances);
      try {
        const result = await client.replaceDefinition(workload.id, definition, { force });
        return { changeId: result.deploymentId, ...(result.version ? { version: result.version } : {}) };
      } catch (err) {
        if (err instanceof AppLockedError)
          throw new WorkloadLockedError(err.appId, err.deploymentIds, `app ${err.appId}`);
        throw err;
      }
    },

    async history(workloads, cacheDir) {
      const cache = cacheDir
        ? createVersionCache(cacheDir, client.apiUrl, (err) =>
            options.logger.warn(
              `cannot write the cache in ${cacheDir} (${err.message}); going on without it`,
            ),
          )
        : noVersionCache;
      const { histories } = await readHistories(
        client,
        workloads.map((w) => w.id),
        { cache, concurrency: 8 },
      );
      const hash = keyedHash(await cache.key());
      return {
        histories: new Map(histories.map((h) => [h.appId, h])),
        current: new Map(workloads.map((w) => [w.id, summarize(w.raw as MarathonApp, hash)])),
      };
    },

    async changesInFlight(workload) {
      const list = await client.deployments();
      return list
        .filter((d) => d.affectedApps.includes(workload.id))
        .map((d) => ({ id: d.id, ...(d.version ? { version: d.version } : {}) }));
    },

    watch(request) {
      return watcher.watch({
        appId: request.workloadId,
        deploymentId: request.changeId,
        image: request.image,
        label: request.label,
        ...(request.signal ? { signal: request.signal } : {}),
      });
    },
  };
}

/** A stored version as a definition to PUT back: its fields, today's instances unless --with-scale. */
export function definitionToSend(
  stored: MarathonApp,
  instances: number | undefined,
): Record<string, unknown> {
  const definition: Record<string, unknown> = { ...stored };
  for (const field of STATE_FIELDS) delete definition[field];
  if (instances !== undefined) definition.instances = instances;
  return definition;
}
