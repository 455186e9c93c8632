import type { Logger } from '../util/log';
import { sleep as abortableSleep } from '../util/sleep';
import {
  configVersionOf,
  dockerImageOf,
  type MarathonApp,
  type MarathonDeployment,
  type MarathonTask,
} from './answers';
import type { MarathonClient } from './client';
import { displayVersion } from './image';

/**
 * Waiting for a deployment. Marathon has no deployment timeout and a cancelled deployment vanishes
 * from the list just like a finished one, so "gone from /v2/deployments" alone proves nothing:
 * done means gone AND the app runs the new image with every instance healthy (or running, for
 * apps without health checks). Polling is shared: one deployment list per tick for all watchers.
 * No poll outlives the timeout or an interruption: each request is aborted with the watch.
 */

export interface WatchTarget {
  appId: string;
  deploymentId: string;
  image: string;
  /** The key of the progress line (usually the app id). */
  label: string;
  /** Stop watching (SIGTERM with --on-failure revert): the outcome is a failure, the deployment goes on. */
  signal?: AbortSignal;
}

export type WatchOutcome =
  | { ok: true; elapsedMs: number; /** The app's configuration version at the end. */ version?: string }
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

/**
 * Whether the app as Marathon shows it runs `image` on every instance, healthy, with no deployment
 * of its own pending. The version does not matter: someone else's forced restart, or a change that
 * changed nothing (Marathon then keeps the old version), still ends with the app on our image.
 */
export function readiness(app: MarathonApp, image: string): AppReadiness {
  const instances = app.instances ?? 1;
  const checked = (app.healthChecks?.length ?? 0) > 0;
  const up = checked ? (app.tasksHealthy ?? 0) : (app.tasksRunning ?? 0);
  // Tasks started before the current configuration run the old image, even while healthy: during
  // a restart "2/2 healthy" would otherwise show from the first second. GET /v2/apps/{id} embeds them.
  const config = configVersionOf(app);
  const tasks = app.tasks;
  const isNew = (t: MarathonTask) => config === undefined || (t.version ?? '') >= config;
  const newUp = tasks ? tasks.filter((t) => isNew(t) && isTaskUp(t, checked)).length : undefined;
  const oldTasks = tasks?.some((t) => t.version !== undefined && !isNew(t)) ?? false;
  const counts =
    newUp !== undefined && newUp < instances
      ? `${newUp}/${instances} new tasks ${checked ? 'healthy' : 'running'}`
      : `${Math.min(up, instances)}/${instances} ${checked ? 'healthy' : 'running'}${up > instances ? ', old tasks stopping' : ''}`;
  const onImage = dockerImageOf(app) === image;
  const idle = (app.deployments ?? []).length === 0;
  return {
    ready: onImage && idle && !oldTasks && up === instances && (app.tasksStaged ?? 0) === 0,
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
  // Shared by every watcher of a tick, so no single watcher's signal may cancel it: each one stops
  // waiting for it on its own signal instead.
  const deploymentList = (signal: AbortSignal) => {
    if (!shared || now() - shared.at >= minInterval / 2) {
      const list = client.deployments(AbortSignal.timeout(options.timeoutMs + 1000));
      list.catch(() => undefined);
      shared = { at: now(), list };
    }
    return untilAborted(shared.list, signal);
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
      const interrupted = (): WatchOutcome => {
        const message = `interrupted while deploying ${version}`;
        report(message);
        return {
          ok: false,
          elapsedMs: elapsed(),
          deploymentRunning: lastSeen.running,
          message,
          interrupted: true,
        };
      };
      for (;;) {
        if (target.signal?.aborted) return interrupted();
        // A request that trickles or hangs must not hold the watch past its timeout or an interruption.
        const poll = pollSignal(target.signal, options.timeoutMs - elapsed());
        try {
          const [list, app] = await Promise.all([deploymentList(poll), client.getApp(target.appId, poll)]);
          lastError = undefined;
          const running = list.some((d) => d.id === target.deploymentId);
          const state = readiness(app, target.image);
          lastSeen = { running, app };
          if (!running && state.ready) {
            report(`on ${version}, ${state.counts}`);
            const v = configVersionOf(app);
            return { ok: true, elapsedMs: elapsed(), ...(v ? { version: v } : {}) };
          }
          if (!running && dockerImageOf(app) !== target.image) {
            const message = `was changed by someone else while deploying (now ${displayVersion(dockerImageOf(app) ?? '?')}, version ${app.version ?? '?'})`;
            report(`failed: ${message}`);
            return { ok: false, elapsedMs: elapsed(), deploymentRunning: false, message };
          }
          const failure = recentFailure(app);
          const others = (app.deployments ?? []).filter((d) => d.id !== target.deploymentId).length;
          report(
            running
              ? `deploying ${version}: ${state.counts}${failure ? `, last task failure: ${failure}` : ''}`
              : `${others > 0 ? 'on it; another deployment of the app is running' : 'deployment ended'}, waiting for ${version}: ${state.counts}${failure ? `, last task failure: ${failure}` : ''}`,
          );
        } catch (err) {
          if (target.signal?.aborted) return interrupted();
          // Abandoned at the deadline: Marathon was reached, its answer just never came in full.
          lastError = poll.aborted
            ? 'no complete answer from Marathon in time (the request was abandoned)'
            : (err as Error).message;
          report(`cannot read the state from Marathon: ${lastError}`);
        }
        if (elapsed() >= options.timeoutMs) {
          const limit = `${Math.round(options.timeoutMs / 1000)}s`;
          const app = lastSeen.app;
          const failure = app ? recentFailure(app) : undefined;
          const counts = app ? readiness(app, target.image).counts : 'state unknown';
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

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', abort), resolve(v)),
      (e) => (signal.removeEventListener('abort', abort), reject(e)),
    );
  });
}

/** Aborts with the watch, and at the latest a little after the watch's own time is up. */
function pollSignal(watch: AbortSignal | undefined, remainingMs: number): AbortSignal {
  const deadline = AbortSignal.timeout(Math.max(0, remainingMs) + 1000);
  return watch ? AbortSignal.any([watch, deadline]) : deadline;
}

function recentFailure(app: MarathonApp): string | undefined {
  const f = app.lastTaskFailure;
  if (!f || typeof f.message !== 'string') return undefined;
  // Only failures of the current configuration matter; an old one is history.
  const config = configVersionOf(app);
  if (config !== undefined && f.version !== undefined && f.version < config) return undefined;
  return f.message.slice(0, 200);
}
