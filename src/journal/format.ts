import validateJournalSchema from '../generated/journal-validator';
import { InputError } from '../errors';
import type { TargetRecord } from '../targets/target';

/**
 * The journal's file format. Version 2 keeps only what undo needs (images, the version of each
 * definition, the names of fields a --with-config rollback changed): the journal is archived by
 * Jenkins, and an app's definition carries its secrets (env, args, fetch URIs, docker parameters).
 * Version 1 journals (whole definitions) are still read, so an undo of an older rollback works.
 */

export const JOURNAL_FORMAT = 'rollback-journal';
export const JOURNAL_VERSION = 2;

export type JournalStatus =
  'deploying' | 'succeeded' | 'failed' | 'reverted' | 'undoing' | 'undone' | 'undo-failed';
export type StepAction = 'deploy' | 'revert' | 'undo';
/**
 * `requested` is written before the change is sent: after a crash it says Marathon may have it.
 * `drifted`: someone else changed the app since; it was left alone.
 */
export type StepOutcome = 'requested' | 'started' | 'succeeded' | 'failed' | 'no-op' | 'drifted';

export interface JournalStep {
  at: string;
  action: StepAction;
  outcome: StepOutcome;
  /** The image this step puts on the app. */
  image: string;
  deploymentId?: string;
  /** The app's configuration version once this change was in (Marathon's answer or read back). */
  version?: string;
  message?: string;
}

export interface JournalApp {
  id: string;
  repository: string;
  reason?: string;
  /** Changed by an earlier run that did not finish (its journal, archived); undo puts it back too. */
  carriedFrom?: string;
  fromImage: string;
  toImage: string;
  /** The version of the definition before the rollback: what --with-config's undo reads back. */
  fromVersion?: string;
  config?: { toVersion: string; fields: string[] };
  steps: JournalStep[];
}

export interface JournalData {
  format: typeof JOURNAL_FORMAT;
  version: typeof JOURNAL_VERSION;
  createdAt: string;
  updatedAt: string;
  catalog?: { file: string; generatedAt?: string; registry: string; environment: string; timeZone: string };
  /** The rollback point as the user gave it: a day, or an instant. */
  date: string;
  /** The point in words (`end of 2026-11-27 (UTC)`). */
  point?: string;
  group: string;
  target: TargetRecord;
  approver?: string;
  onFailure?: 'revert' | 'keep';
  status: JournalStatus;
  /** In an undo's own record: the run journal it undoes. */
  undoOf?: { file: string; createdAt: string };
  apps: JournalApp[];
}

/** A parsed journal of either version, checked, as version 2. */
export function validateJournal(value: unknown, source: string): JournalData {
  const upgraded = isVersion1(value) ? fromVersion1(value, source) : value;
  // Compiled from journal.schema.json at build time (scripts/validators.js).
  if (!validateJournalSchema(upgraded)) {
    const first = validateJournalSchema.errors?.[0];
    const { format, version } = (value ?? {}) as { format?: unknown; version?: unknown };
    if (format === JOURNAL_FORMAT && version !== 1 && version !== JOURNAL_VERSION)
      throw new InputError(`${source} is a rollback journal of version ${String(version)}`, {
        hint: `this rollback reads versions 1 and ${JOURNAL_VERSION}; use the rollback that wrote it`,
      });
    throw new InputError(
      `${source} is not a valid rollback journal: ${first?.instancePath || '(top level)'} ${first?.message ?? 'is invalid'}`,
      { hint: 'pass the rollback-journal.json that `rollback run` wrote' },
    );
  }
  return upgraded as JournalData;
}

function isVersion1(v: unknown): v is Record<string, unknown> & { apps: unknown[] } {
  const o = v as { format?: unknown; version?: unknown; apps?: unknown } | null;
  return o?.format === JOURNAL_FORMAT && o.version === 1 && Array.isArray(o.apps);
}

/** Version 1 kept each app's whole definition in `before`; only its image and version are needed. */
function fromVersion1(v: Record<string, unknown> & { apps: unknown[] }, source: string): unknown {
  const { marathon, apps, ...rest } = v;
  return {
    ...rest,
    version: JOURNAL_VERSION,
    target: marathon,
    apps: apps.map((raw) => {
      const { before, ...app } = raw as Record<string, unknown> & {
        before?: { version?: unknown; container?: { docker?: { image?: unknown } } };
        fromImage?: unknown;
        id?: unknown;
      };
      if (before?.container?.docker?.image !== app.fromImage)
        throw new InputError(
          `${source}: app ${String(app.id)} has fromImage ${String(app.fromImage)} but its definition says otherwise`,
        );
      return { ...app, ...(typeof before?.version === 'string' ? { fromVersion: before.version } : {}) };
    }),
  };
}
