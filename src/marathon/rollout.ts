import { createLimiter } from '../http/limiter';
import type { Journal, StepAction } from '../journal/journal';
import { requested } from '../journal/resume';
import type { Logger } from '../util/log';
import { AppLockedError, AppNotFoundError, dockerImageOf, type MarathonClient } from './client';
import { displayVersion } from './image';
import type { Watcher } from './watch';

/**
 * Put a set of apps on new images: at most `concurrency` at once, each change journaled as it
 * happens and watched until Marathon really runs it. Used for the rollback itself, for putting
 * changed apps back after a failure, and for `undo`.
 */

export interface RolloutItem {
  appId: string;
  /** The progress key and the name in messages (service and app). */
  label: string;
  /** The image the app is expected to run before this step (as journaled). */
  from: string;
  to: string;
}

export interface RolloutOutcome {
  appId: string;
  /** Marathon accepted our change (the app's definition now names `to`). */
  changed: boolean;
  /** Deployed and healthy, or nothing needed doing. */
  ok: boolean;
  /** Not attempted because an earlier item failed. */
  skipped: boolean;
  /** Our deployment was still running when we gave up. */
  deploymentRunning: boolean;
  /** Stopped by SIGINT/SIGTERM, not by a failure of Marathon or the app. */
  interrupted?: boolean;
  /** The app no longer exists in Marathon (deleted by someone): nothing to deploy or put back. */
  gone?: boolean;
  message?: string;
}

export interface RolloutOptions {
  client: Pick<MarathonClient, 'getApp' | 'deployImage'>;
  watcher: Watcher;
  journal: Journal;
  action: StepAction;
  concurrency: number;
  /** The user's --force: cancel any deployment that locks an app. */
  force: boolean;
  /** Stop starting new items after the first failure (the rollback itself; not when putting back). */
  stopOnFailure: boolean;
  /**
   * Whether the image the app runs now is acceptable as the starting point, when it is not `from`.
   * The rollback refuses apps changed by someone else since the plan; revert and undo accept them.
   */
  acceptDrift: boolean;
  logger: Logger;
  /** Set on SIGINT/SIGTERM: no item starts after it (the ones in flight go on). */
  interrupt?: AbortSignal;
  /** Also ends the watches in flight (a revert follows, so waiting for them would only delay it). */
  abortWatches?: AbortSignal;
}

export async function rollOut(
  items: readonly RolloutItem[],
  options: RolloutOptions,
): Promise<RolloutOutcome[]> {
  const limit = createLimiter(options.concurrency);
  let failed = false;
  return Promise.all(
    items.map((item) =>
      limit(async (): Promise<RolloutOutcome> => {
        if (options.interrupt?.aborted || (failed && options.stopOnFailure)) {
          options.logger.status(
            item.label,
            options.interrupt?.aborted
              ? 'not started (interrupted)'
              : 'not started (an earlier deployment failed)',
          );
          return { appId: item.appId, changed: false, ok: false, skipped: true, deploymentRunning: false };
        }
        const outcome = await rollOutOne(item, options);
        if (!outcome.ok) failed = true;
        return outcome;
      }),
    ),
  );
}

async function rollOutOne(item: RolloutItem, options: RolloutOptions): Promise<RolloutOutcome> {
  const { client, journal, logger } = options;
  const base = { appId: item.appId, skipped: false };
  const fail = async (
    message: string,
    changed: boolean,
    deploymentRunning = false,
    deploymentId?: string,
  ) => {
    // The watcher has already shown its own verdict.
    if (!deploymentId) logger.status(item.label, `failed: ${message}`);
    await journal.record(item.appId, {
      action: options.action,
      outcome: 'failed',
      image: item.to,
      message,
      ...(deploymentId ? { deploymentId } : {}),
    });
    return { ...base, changed, ok: false, deploymentRunning, message };
  };
  /** Watch a deployment of ours to its end and journal the verdict. */
  const watchToEnd = async (
    deploymentId: string,
    version: string | undefined,
    changed: boolean,
  ): Promise<RolloutOutcome> => {
    const watched = await options.watcher.watch({
      appId: item.appId,
      deploymentId,
      ...(version ? { version } : {}),
      image: item.to,
      label: item.label,
      ...(options.abortWatches ? { signal: options.abortWatches } : {}),
    });
    if (!watched.ok)
      return {
        ...(await fail(watched.message, changed, watched.deploymentRunning, deploymentId)),
        ...(watched.interrupted ? { interrupted: true } : {}),
      };
    await journal.record(item.appId, {
      action: options.action,
      outcome: 'succeeded',
      image: item.to,
      deploymentId,
    });
    return { ...base, changed, ok: true, deploymentRunning: false };
  };

  let app;
  try {
    app = await client.getApp(item.appId);
  } catch (err) {
    if (!(err instanceof AppNotFoundError)) return fail((err as Error).message, false);
    // Deleted by someone else since the plan: recreating it is not ours to decide.
    return { ...(await fail(`${err.message}: deleted since the plan, not recreated`, false)), gone: true };
  }
  const current = dockerImageOf(app);
  const running = (app.deployments ?? []).map((d) => d.id);
  if (current === item.to) {
    if (running.length > 0 && requestedByUs(options.journal, item.appId, item.to)) {
      // Our own change from a run that was stopped (or this one, resumed): finish watching it.
      logger.status(
        item.label,
        `already on ${displayVersion(item.to)}, waiting for deployment ${running[0]}`,
      );
      return watchToEnd(running[0]!, typeof app.version === 'string' ? app.version : undefined, false);
    }
    // Nothing of ours to do (e.g. putting back an app whose change Marathon refused). A deployment
    // someone else runs on it is theirs to watch.
    logger.status(
      item.label,
      `already on ${displayVersion(item.to)}${running.length ? ` (deployment ${running.join(', ')} of someone else still running)` : ''}`,
    );
    await journal.record(item.appId, { action: options.action, outcome: 'no-op', image: item.to });
    return { ...base, changed: false, ok: true, deploymentRunning: false };
  }
  if (current !== item.from && current !== item.to) {
    const drift = `runs ${current ?? 'no Docker image'} now, not ${item.from}`;
    if (!options.acceptDrift)
      return fail(`${drift}: changed by someone else since the plan; not touched`, false);
    logger.warn(`${item.appId} ${drift}; putting it on ${item.to} anyway`);
  }

  logger.status(item.label, `deploying ${displayVersion(item.to)}`);
  // Written before the request: if we are killed before Marathon's answer reaches the journal, the
  // next run or undo knows that a deployment of this image may be ours.
  await journal.record(item.appId, { action: options.action, outcome: 'requested', image: item.to });
  let result;
  try {
    result = await client.deployImage(app, item.to, { force: options.force });
  } catch (err) {
    if (!(err instanceof AppLockedError)) return fail((err as Error).message, false);
    // Our own earlier deployment of this app (e.g. one that hangs) may be cancelled without
    // asking; anybody else's only with --force. A deployment putting on the image we asked for, when
    // the answer never reached the journal (the helper was killed), counts as ours.
    const ours = new Set(
      journal.app(item.appId).steps.flatMap((s) => (s.deploymentId ? [s.deploymentId] : [])),
    );
    const oursByImage = current !== undefined && requestedByUs(journal, item.appId, current);
    if (err.deploymentIds.length === 0 || !(oursByImage || err.deploymentIds.every((id) => ours.has(id))))
      return fail(`${err.message} (${err.hint})`, false);
    try {
      result = await client.deployImage(app, item.to, { force: true });
    } catch (again) {
      return fail((again as Error).message, false);
    }
  }
  await journal.record(item.appId, {
    action: options.action,
    outcome: 'started',
    image: item.to,
    deploymentId: result.deploymentId,
    ...(result.version ? { version: result.version } : {}),
  });
  return watchToEnd(result.deploymentId, result.version, true);
}

/** Whether this journal asked Marathon to put `image` on the app (whatever came of it). */
const requestedByUs = (journal: Journal, appId: string, image: string) =>
  requested(journal.app(appId).steps, image);
