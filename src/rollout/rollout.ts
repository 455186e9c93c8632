import { UnavailableError } from '../errors';
import { createLimiter } from '../http/limiter';
import type { Journal, StepAction } from '../journal/journal';
import { stillOurs } from '../journal/ownership';
import { displayVersion } from '../marathon/image';
import {
  ChangeUncertainError,
  WorkloadGoneError,
  WorkloadLockedError,
  WorkloadRecreatedError,
  type Target,
  type Workload,
} from '../targets/target';
import type { Logger } from '../util/log';
import { changesInFlight } from './in-flight';
import { afterUncertainChange } from './lost-answer';

/**
 * Put a set of apps on new images: at most `concurrency` at once, each change journaled before it
 * is sent and watched until the target really runs it. Used for the rollback itself, for putting
 * changed apps back after a failure, and for `undo`. What "ours" means is the journal's call
 * (journal/ownership.ts), so a revert or an undo never overwrites someone else's change.
 */

export interface RolloutItem {
  appId: string;
  /** The progress key and the name in messages (service and app). */
  label: string;
  /** The image the app is expected to run before this step. */
  from: string;
  to: string;
  /** --with-config: put back the whole definition of this stored version (it names `to`). */
  definition?: { version: string; withScale: boolean };
}

export interface RolloutOutcome {
  appId: string;
  /** The target accepted our change (the app's definition now names `to`). */
  changed: boolean;
  /** Deployed and healthy, or nothing needed doing. */
  ok: boolean;
  /** Not attempted: an earlier item failed, the run was interrupted, or the journal could not be written. */
  skipped: boolean;
  /** Our deployment was still running when we gave up. */
  deploymentRunning: boolean;
  /** Stopped by SIGINT/SIGTERM, not by a failure of the target or the app. */
  interrupted?: boolean;
  /** The app no longer exists (deleted by someone): nothing to deploy or put back. */
  gone?: boolean;
  /** Deleted by someone, then created anew by our change (a Marathon without PATCH): not ours to put back. */
  recreated?: boolean;
  /** Someone else changed the app since our change; left alone (revert and undo without --force). */
  drifted?: boolean;
  /** What the app runs as read back at the end, when it was read. */
  now?: string;
  /** The target could not be reached for it (exit 3 for undo). */
  unreachable?: boolean;
  message?: string;
}

export interface RolloutOptions {
  target: Target;
  journal: Journal;
  action: StepAction;
  concurrency: number;
  /** The user's --force: cancel any deployment that holds an app, change an app someone else changed. */
  force: boolean;
  /** Stop starting new items after the first failure (the rollback itself; not when putting back). */
  stopOnFailure: boolean;
  logger: Logger;
  /** Set on SIGINT/SIGTERM or a failed journal write: no item starts after it (those in flight go on). */
  interrupt?: AbortSignal;
  /** Also ends the watches in flight (a revert follows, so waiting for them would only delay it). */
  abortWatches?: AbortSignal;
}

export async function rollOut(
  items: readonly RolloutItem[],
  options: RolloutOptions,
): Promise<RolloutOutcome[]> {
  const limit = createLimiter(Math.max(1, options.concurrency));
  let failed = false;
  return Promise.all(
    items.map((item) =>
      limit(async (): Promise<RolloutOutcome> => {
        const why = options.interrupt?.aborted
          ? options.journal.failure
            ? 'the journal cannot be written'
            : 'interrupted'
          : failed && options.stopOnFailure
            ? 'an earlier deployment failed'
            : undefined;
        if (why) {
          options.logger.status(item.label, `not started (${why})`);
          return { appId: item.appId, changed: false, ok: false, skipped: true, deploymentRunning: false };
        }
        options.target.begin?.(item.appId);
        let outcome: RolloutOutcome;
        try {
          outcome = await rollOutOne(item, options);
        } finally {
          options.target.end?.(item.appId);
        }
        if (!outcome.ok) failed = true;
        return outcome;
      }),
    ),
  );
}

async function rollOutOne(item: RolloutItem, options: RolloutOptions): Promise<RolloutOutcome> {
  const { target, journal, logger } = options;
  const base = { appId: item.appId, skipped: false };
  const steps = () => journal.app(item.appId).steps;
  const fail = async (
    message: string,
    changed: boolean,
    extra: Partial<RolloutOutcome> & { deploymentId?: string; shown?: boolean } = {},
  ): Promise<RolloutOutcome> => {
    const { deploymentId, shown, ...rest } = extra;
    if (!shown) logger.status(item.label, `failed: ${message}`);
    await journal.record(item.appId, {
      action: options.action,
      outcome: 'failed',
      image: item.to,
      message,
      ...(deploymentId ? { deploymentId } : {}),
    });
    return { ...base, changed, ok: false, deploymentRunning: false, message, ...rest };
  };
  /** Watch a change of ours to its end and journal the verdict. */
  const watchToEnd = async (changeId: string, changed: boolean): Promise<RolloutOutcome> => {
    const watched = await target.watch({
      workloadId: item.appId,
      changeId,
      image: item.to,
      label: item.label,
      ...(options.abortWatches ? { signal: options.abortWatches } : {}),
    });
    if (!watched.ok)
      return fail(watched.message, changed, {
        deploymentId: changeId,
        shown: true,
        deploymentRunning: watched.deploymentRunning,
        ...(watched.interrupted ? { interrupted: true } : {}),
      });
    await journal.record(item.appId, {
      action: options.action,
      outcome: 'succeeded',
      image: item.to,
      deploymentId: changeId,
      ...(watched.version ? { version: watched.version } : {}),
    });
    return { ...base, changed, ok: true, deploymentRunning: false, now: item.to };
  };

  let workload: Workload;
  try {
    workload = await target.read(item.appId);
  } catch (err) {
    if (!(err instanceof WorkloadGoneError))
      return fail((err as Error).message, false, { unreachable: err instanceof UnavailableError });
    // Deleted by someone else since the plan: recreating it is not ours to decide.
    return fail(`${err.message}: deleted since the plan, not recreated`, false, { gone: true });
  }
  const current = workload.image;
  const putsBack = options.action !== 'deploy';

  // With a definition to put back, the same image is not the same app: its configuration differs.
  if (current === item.to && !item.definition) {
    const { ours, theirs } = await changesInFlight(workload, steps(), target);
    if (ours.length > 0) {
      // Our own change from a run that was stopped (or this one, resumed): finish watching it.
      logger.status(item.label, `already on ${displayVersion(item.to)}, waiting for deployment ${ours[0]}`);
      return watchToEnd(ours[0]!, false);
    }
    // Nothing of ours to do. A deployment someone else runs on it is theirs to watch.
    const running = theirs.length ? ` (deployment ${theirs.join(', ')} of someone else still running)` : '';
    logger.status(item.label, `already on ${displayVersion(item.to)}${running}`);
    await journal.record(item.appId, { action: options.action, outcome: 'no-op', image: item.to });
    return { ...base, changed: false, ok: true, deploymentRunning: false, now: item.to };
  }

  const drift = putsBack ? !stillOurs(workload, steps()) : current !== item.from;
  if (drift) {
    const what = `runs ${current ?? 'no Docker image'} now${putsBack && current === item.from ? ' (redeployed or changed by someone else since our change)' : `, not ${item.from}`}`;
    if (!putsBack) return fail(`${what}: changed by someone else since the plan; not touched`, false);
    if (!options.force) {
      const message = `${what}: changed by someone else; left alone (--force puts it on ${displayVersion(item.to)} anyway)`;
      logger.status(item.label, `drifted: ${message}`);
      await journal.record(item.appId, {
        action: options.action,
        outcome: 'drifted',
        image: item.to,
        message,
      });
      return {
        ...base,
        changed: false,
        ok: false,
        drifted: true,
        deploymentRunning: false,
        message,
        ...(current ? { now: current } : {}),
      };
    }
    logger.warn(`${item.appId} ${what}; --force: putting it on ${item.to} anyway`);
  }

  logger.status(item.label, `deploying ${displayVersion(item.to)}`);
  // Written before the request: if we are killed before the answer reaches the journal, the next
  // run or undo knows that a deployment of this image may be ours. No new image is sent
  // unrecorded. Putting an app back is the exception: it goes to the image the journal on disk
  // already names as the app's from before, which is what an undo from that journal would do, so
  // a journal that can no longer be written must not keep the environment half rolled back.
  // Whose deployment holds the app is judged by the changes asked for before this one: with this
  // request counted, the last change would be ours-to-come, and a change of ours whose answer was
  // lost (killed in between) would look like someone else's lock.
  const earlierSteps = [...steps()];
  const recorded = await journal.record(item.appId, {
    action: options.action,
    outcome: 'requested',
    image: item.to,
  });
  if (!recorded && !putsBack) {
    logger.status(item.label, 'not started (the journal cannot be written)');
    return { ...base, skipped: true, changed: false, ok: false, deploymentRunning: false };
  }
  let receipt;
  try {
    receipt = await change(target, workload, item, options.force);
  } catch (err) {
    if (err instanceof WorkloadGoneError)
      return fail(`${err.message}: deleted since the plan, not recreated`, false, { gone: true });
    if (err instanceof WorkloadRecreatedError)
      return fail(`${err.message}; ${err.hint}`, true, { recreated: true });
    if (err instanceof ChangeUncertainError)
      return afterUncertainChange(err, item, options, fail, watchToEnd);
    if (!(err instanceof WorkloadLockedError))
      return fail((err as Error).message, false, { unreachable: err instanceof UnavailableError });
    // Our own earlier deployment of this app (e.g. one that hangs) may be cancelled without asking;
    // anybody else's only with --force.
    // The answer says the app is held, whatever it showed when read: ask afresh whose changes hold it.
    const held = { ...workload, busy: err.changeIds };
    const { ours, theirs } = await changesInFlight(held, earlierSteps, target);
    if (err.changeIds.length === 0 || theirs.length > 0) return fail(`${err.message} (${err.hint})`, false);
    try {
      // Cancelling only our own; with none left (it finished meanwhile) the plain request goes.
      receipt = await change(target, workload, item, ours.length > 0);
    } catch (again) {
      if (again instanceof ChangeUncertainError)
        return afterUncertainChange(again, item, options, fail, watchToEnd);
      return fail((again as Error).message, false);
    }
  }
  await journal.record(item.appId, {
    action: options.action,
    outcome: 'started',
    image: item.to,
    deploymentId: receipt.changeId,
    ...(receipt.version ? { version: receipt.version } : {}),
  });
  return watchToEnd(receipt.changeId, true);
}

function change(target: Target, workload: Workload, item: RolloutItem, force: boolean) {
  return item.definition
    ? target.changeDefinition(workload, item.definition, { force })
    : target.changeImage(workload, item.to, { force });
}
