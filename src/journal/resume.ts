import type { JournalApp, JournalData } from './format';
import { stillOurs, type Running } from './ownership';

/**
 * Picking up after a run that did not finish (killed, or failed with --on-failure keep): rerunning
 * `run` for the same day must finish the job AND leave one journal from which `undo` restores every
 * app to where it was before the first attempt. Pure: the caller reads the previous journal.
 */

/** Statuses of a run whose changes may still be in place. */
const UNFINISHED = new Set<JournalData['status']>(['deploying', 'failed']);

export interface Resumed {
  /** The previous journal's history of this app (its steps say which deployments are ours). */
  previous: JournalApp;
  /**
   * The previous run put this app on its current image (and nobody changed it since): the
   * rollback as a whole started from the previous journal's fromImage, not from what runs now.
   */
  changedByPrevious: boolean;
}

export function resumable(
  previous: JournalData | undefined,
  current: { date: string; group: string },
): previous is JournalData {
  return (
    previous !== undefined &&
    previous.undoOf === undefined &&
    UNFINISHED.has(previous.status) &&
    previous.date === current.date &&
    previous.group === current.group
  );
}

/** What the previous, unfinished run of the same point did to each app it touched, by app id. */
export function resumeApps(
  previous: JournalData,
  apps: ReadonlyArray<Running & { id: string }>,
): Map<string, Resumed> {
  const out = new Map<string, Resumed>();
  for (const app of apps) {
    const prev = previous.apps.find((a) => a.id === app.id);
    if (!prev || prev.steps.length === 0) continue;
    out.set(app.id, {
      previous: prev,
      changedByPrevious:
        prev.fromImage !== prev.toImage && app.image === prev.toImage && stillOurs(app, prev.steps),
    });
  }
  return out;
}
