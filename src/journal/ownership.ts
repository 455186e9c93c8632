import type { JournalStep } from './format';

/**
 * Whose change an app runs now, judged by what the journal asked for and the version Marathon gave
 * that change, never by the image alone: a colleague who redeploys the same image, restarts the
 * app, or puts a hotfix on it has made a change of their own that a revert or an undo must not
 * overwrite. Pure.
 */

export interface OwnChange {
  /** deploy (the rollback's change), revert or undo (putting it back). */
  action: JournalStep['action'];
  image: string;
  /** The configuration version our change produced; undefined when its answer never came back. */
  version?: string;
  /** When the change was requested. */
  at: string;
}

/** Every change the journal's steps asked for, oldest first, with the version each produced. */
export function ownChanges(steps: readonly JournalStep[]): OwnChange[] {
  const changes: OwnChange[] = [];
  /** The last request has been taken (started): a failure after it is a failed deployment, still ours. */
  let taken = false;
  for (const step of steps) {
    const last = changes[changes.length - 1];
    if (step.outcome === 'requested') {
      changes.push({ action: step.action, image: step.image, at: step.at });
      taken = false;
    } else if (step.outcome === 'started' && last?.image === step.image) {
      taken = true;
      // Marathon's answer to our request names our version; a version read at the end of the watch
      // only stands in when that answer was lost (it could be a colleague's later change).
      if (step.version) last.version = step.version;
    } else if (step.outcome === 'succeeded' && last?.image === step.image && step.version && !last.version)
      last.version = step.version;
    // Refused (409, 422, an app re-created by a 201) or never sent: nothing of ours runs from it,
    // and an app that later runs that image by someone else's hand is theirs.
    else if (step.outcome === 'failed' && last?.image === step.image && !taken) changes.pop();
  }
  return changes;
}

/** The last change the journal's steps put on the app, or undefined when they put none. */
export function lastOwnChange(steps: readonly JournalStep[]): OwnChange | undefined {
  return ownChanges(steps).at(-1);
}

/**
 * How long before our request a version Marathon stamped may be and still be ours: its clock and
 * ours differ. Only for a change whose answer was lost (the helper was killed in between).
 */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface Running {
  image?: string;
  changeVersion?: string;
}

/**
 * Whether the app runs exactly a definition one of our changes produced (configuration versions
 * are unique instants, so a match means nobody changed it since), or, when the answer to our last
 * request was lost, our image with a version stamped after we asked.
 */
export function stillOurs(app: Running, steps: readonly JournalStep[]): boolean {
  return ourChangeRunning(app, steps) !== undefined;
}

/** Which of our changes the app runs exactly now (see stillOurs), if one. */
export function ourChangeRunning(app: Running, steps: readonly JournalStep[]): OwnChange | undefined {
  const changes = ownChanges(steps);
  const exact = changes.find(
    (c) => c.version !== undefined && c.version === app.changeVersion && c.image === app.image,
  );
  if (exact) return exact;
  const last = changes.at(-1);
  if (!last || last.version !== undefined || app.image !== last.image) return undefined;
  const stamped = app.changeVersion === undefined ? NaN : Date.parse(app.changeVersion);
  return !Number.isNaN(stamped) && stamped >= Date.parse(last.at) - CLOCK_SKEW_MS ? last : undefined;
}

/** Whether a change in flight on the app is one the journal started (its id, or our version). */
export function isOwnChange(
  change: { id: string; version?: string },
  app: Running,
  steps: readonly JournalStep[],
): boolean {
  if (steps.some((s) => s.deploymentId === change.id)) return true;
  return change.version !== undefined && stillOurs({ ...app, changeVersion: change.version }, steps);
}
