import type { Logger } from '../util/log';
import type { MarathonApp, MarathonClient, MarathonDeployment, MarathonTask } from './client';
import { displayVersion } from './image';
import { dockerImageOf } from './client';
import { sleep as abortableSleep } from '../util/sleep';

/**
 * Waiting for a deployment. Marathon has no deployment timeout and a cancelled deployment vanishes
 * from the list just like a finished one, so "gone from /v2/deployments" alone proves nothing:
 * done means gone AND the app runs the new version with every instance healthy (or running, for
 * apps without health checks). Polling is shared: one deployment list per tick for all watchers.
 */

export interface WatchTarget {
  appId: string;
  deploymentId: string;
  /** The version Marathon gave the change (PUT reply); the image decides when it gave none. */
  version?: string;
  image: string;
  /** The key of the progress line (usually the app id). */
  label: string;
  /** Stop watching (SIGTERM with --on-failure revert): the outcome is a failure, the deployment goes on. */
  signal?: AbortSignal;
}

export type WatchOutcome =
  | { ok: true; elapsedMs: number }
  | {
      ok: false;
      elapsedMs: number;
      /** Our deployment was still listed when we gave up (it is still running in Marathon). */
      deploymentRunning: boolean;
      message: string;
      /** Ended by the caller's signal, not by Marathon. */
      interrupted?: boolean;
    };

export interface WatchOptions {
  timeoutMs: number;
  logger: Logger;
  /** First poll interval; it grows to maxIntervalMs so long deployments cost few requests. */
  minIntervalMs?: number;
  maxIntervalMs?: number;
  now?: () => number;
  /** Gets the watch's signal too, so an interruption ends the wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface Watcher {
  watch(target: WatchTarget): Promise<WatchOutcome>;
}

export interface AppReadiness {
  ready: boolean;
  /** e.g. `1/2 healthy`, for the progress line. */
  counts: string;
}

/** Whether the app as Marathon shows it runs `target` on every instance. */
export function readiness(app: MarathonApp, target: Pick<WatchTarget, 'version' | 'image'>): AppReadiness {
  const instances = app.instances ?? 1;
  const checked = (app.healthChecks?.length ?? 0) > 0;
  const up = checked ? (app.tasksHealthy ?? 0) : (app.tasksRunning ?? 0);
  // During a restart the old tasks stay healthy until the new ones are: counting all of them would
  // print "2/2 healthy" from the first second. Count the tasks of the new version when Marathon
  // embeds them (GET /v2/apps/{id} always does).
  const newTasks =
    target.version !== undefined && app.tasks !== undefined
      ? app.tasks.filter((t) => t.version === target.version && isTaskUp(t, checked)).length
      : undefined;
  const counts =
    newTasks !== undefined && newTasks < instances
      ? `${newTasks}/${instances} new tasks ${checked ? 'healthy' : 'running'}`
      : `${Math.min(up, instances)}/${instances} ${checked ? 'healthy' : 'running'}${up > instances ? ', old tasks stopping' : ''}`;
  // A scale by someone else after our change gives a new version but keeps our config change.
  const configVersion = (app.versionInfo as { lastConfigChangeAt?: unknown } | undefined)?.lastConfigChangeAt;
  const onVersion =
    target.version === undefined || app.version === target.version || configVersion === target.version;
  const onImage = dockerImageOf(app) === target.image;
  // With tasks embedded, tasks of an older version still running mean the restart is not over.
  const oldTasks =
    target.version !== undefined &&
    app.version === target.version &&
    (app.tasks ?? []).some((t) => t.version !== undefined && t.version !== target.version);
  const idle = (app.deployments ?? []).length === 0;
  return {
    ready: onVersion && onImage && idle && !oldTasks && up === instances && (app.tasksStaged ?? 0) === 0,
    counts,
  };
}

function isTaskUp(task: MarathonTask, checked: boolean): boolean {
  if (task.state !== 'TASK_RUNNING') return false;
  if (!checked) return true;
  const results = task.healthCheckResults;
  return (
    Array.isArray(results) &&
    results.length > 0 &&
    results.every((r) => (r as { alive?: unknown }).alive === true)
  );
}

export function createWatcher(
  client: Pick<MarathonClient, 'getApp' | 'deployments'>,
  options: WatchOptions,
): Watcher {
  const now = options.now ?? Date.now;
  // An interruption ends the wait at once, so a revert does not wait for the next poll.
  const sleep = options.sleep ?? abortableSleep;
  const minInterval = options.minIntervalMs ?? 250;
  const maxInterval = options.maxIntervalMs ?? 2000;
  let shared: { at: number; list: Promise<MarathonDeployment[]> } | undefined;
  const deploymentList = () => {
    if (!shared || now() - shared.at >= minInterval / 2) {
      const list = client.deployments();
      list.catch(() => undefined);
      shared = { at: now(), list };
    }
    return shared.list;
  };

  return {
    async watch(target) {
      const started = now();
      const elapsed = () => now() - started;
      const seconds = () => `${Math.round(elapsed() / 1000)}s`;
      let lastState = '';
      const report = (state: string) => {
        if (state === lastState) return;
        lastState = state;
        options.logger.status(target.label, `${state} (${seconds()})`);
      };
      let interval = minInterval;
      let lastError: string | undefined;
      let lastSeen: { running: boolean; app?: MarathonApp } = { running: true };
      const version = displayVersion(target.image);
      for (;;) {
        if (target.signal?.aborted) {
          const message = `interrupted while deploying ${version}`;
          report(message);
          return {
            ok: false,
            elapsedMs: elapsed(),
            deploymentRunning: lastSeen.running,
            message,
            interrupted: true,
          };
        }
        try {
          const [list, app] = await Promise.all([deploymentList(), client.getApp(target.appId)]);
          lastError = undefined;
          const running = list.some((d) => d.id === target.deploymentId);
          const state = readiness(app, target);
          lastSeen = { running, app };
          if (!running && state.ready) {
            report(`on ${version}, ${state.counts}`);
            return { ok: true, elapsedMs: elapsed() };
          }
          if (
            !running &&
            target.version !== undefined &&
            app.version !== target.version &&
            dockerImageOf(app) !== target.image
          ) {
            const message = `was changed by someone else while deploying (now ${displayVersion(dockerImageOf(app) ?? '?')}, version ${app.version ?? '?'})`;
            report(`failed: ${message}`);
            return { ok: false, elapsedMs: elapsed(), deploymentRunning: false, message };
          }
          const failure = recentFailure(app, target);
          report(
            running
              ? `deploying ${version}: ${state.counts}${failure ? `, last task failure: ${failure}` : ''}`
              : `deployment ended, waiting for ${version}: ${state.counts}${failure ? `, last task failure: ${failure}` : ''}`,
          );
        } catch (err) {
          lastError = (err as Error).message;
          report(`cannot read the state from Marathon: ${lastError}`);
        }
        if (elapsed() >= options.timeoutMs) {
          const limit = `${Math.round(options.timeoutMs / 1000)}s`;
          const app = lastSeen.app;
          const failure = app ? recentFailure(app, target) : undefined;
          const counts = app ? readiness(app, target).counts : 'state unknown';
          const message = lastError
            ? `not confirmed within ${limit}: ${lastError}`
            : lastSeen.running
              ? `deployment ${target.deploymentId} still running after ${limit} (${counts}${failure ? `; last task failure: ${failure}` : ''})`
              : `not healthy after ${limit} (${counts}${failure ? `; last task failure: ${failure}` : ''})`;
          report(`failed: ${message}`);
          return { ok: false, elapsedMs: elapsed(), deploymentRunning: lastSeen.running, message };
        }
        await sleep(Math.min(interval, Math.max(0, options.timeoutMs - elapsed()) + 1), target.signal);
        interval = Math.min(maxInterval, Math.round(interval * 1.5));
      }
    },
  };
}

function recentFailure(app: MarathonApp, target: Pick<WatchTarget, 'version'>): string | undefined {
  const f = app.lastTaskFailure;
  if (!f || typeof f.message !== 'string') return undefined;
  // Only failures of the new version matter; an old one is history.
  if (target.version !== undefined && f.version !== undefined && f.version !== target.version)
    return undefined;
  return f.message.slice(0, 200);
}
