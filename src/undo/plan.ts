import type { JournalApp, JournalData } from '../journal/format';
import { lastOwnChange, stillOurs } from '../journal/ownership';
import { displayVersion } from '../marathon/image';
import {
  PLAN_FORMAT,
  PLAN_VERSION,
  serviceNames,
  type AppPlan,
  type RollbackPlan,
} from '../plan/rollback-plan';
import type { Workload } from '../targets/target';

/**
 * What `undo` will do, from the journal and what each app runs now. Pure. An app goes back only
 * while it still runs what the rollback put on it (judged by the journal's request and version);
 * one someone changed since is left alone and named (drifted), unless --force.
 */

export type UndoRow =
  /** Runs the rollback's change: put back. */
  | 'undo'
  /** Already on its image from before. */
  | 'back'
  /** The rollback never changed it (it failed before, or someone else put it there). */
  | 'untouched'
  /** Someone else changed it since our change. */
  | 'drifted'
  /** No longer exists. */
  | 'gone';

export interface UndoApp {
  app: JournalApp;
  row: UndoRow;
  /** What it runs now (undefined when gone or without an image). */
  now?: string;
}

export function classify(app: JournalApp, workload: Workload | undefined): UndoApp {
  if (!workload) return { app, row: 'gone' };
  const now = workload.image;
  const base = { app, ...(now ? { now } : {}) };
  if (now === app.fromImage) return { ...base, row: 'back' };
  if (!lastOwnChange(app.steps)) return { ...base, row: 'untouched' };
  return { ...base, row: stillOurs(workload, app.steps) ? 'undo' : 'drifted' };
}

const REASON: Record<UndoRow, (u: UndoApp) => string> = {
  undo: () => 'put back to its image from before the rollback',
  back: () => 'already back on its image from before',
  untouched: () => 'the rollback did not change it',
  drifted: (u) =>
    `changed by someone else since the rollback (runs ${displayVersion(u.now ?? '?')}); left alone unless --force`,
  gone: () => 'deleted since the rollback; not recreated',
};

/** The undo as a plan, so the dry run, the confirmation and --expect-plan work as for `run`. */
export function planUndo(journal: JournalData, rows: UndoApp[], force: boolean): RollbackPlan {
  const names = serviceNames([...new Set(journal.apps.map((a) => a.repository))]);
  const services = [...names].map(([repository, service]) => {
    const apps = rows
      .filter((r) => r.app.repository === repository)
      .map((r): AppPlan => {
        const from = r.now ?? r.app.toImage;
        const change = r.row === 'undo' || (r.row === 'drifted' && force);
        return {
          id: r.app.id,
          from,
          to: change ? r.app.fromImage : from,
          action: change ? 'deploy' : r.row === 'back' ? 'no-op' : 'stays',
          reason:
            r.row === 'drifted' && force
              ? 'changed by someone else since; --force puts it back anyway'
              : REASON[r.row](r),
        };
      });
    const reasons = [...new Set(apps.map((a) => a.reason!))];
    return { repository, service, choice: 'history' as const, reason: reasons.join('; '), apps };
  });
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    date: journal.date,
    point: `the rollback to ${journal.point ?? journal.date} of ${journal.createdAt}`,
    undo: true,
    timeZone: journal.catalog?.timeZone ?? 'UTC',
    group: journal.group,
    environment: journal.catalog?.environment ?? '',
    registry: journal.catalog?.registry ?? '',
    pinDigest: false,
    services,
  };
}
