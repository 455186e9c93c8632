import { existsSync } from 'node:fs';
import { FileSystemError, isRollbackError } from '../errors';
import { Journal } from '../journal/journal';
import { archivePreviousJournal } from '../run/journal-files';
import type { Logger } from '../util/log';

/**
 * An undo records what it changes before it changes it, like a run, but never in the run's
 * journal: that may be a read-only copy (archived by Jenkins, on a full disk). Its record is a copy
 * of the run's journal at another path, with the undo's steps added; an undo run again for the
 * same journal continues its own record, so its earlier changes still count as its own.
 */

export const UNDO_RECORD_FILE = 'rollback-undo-journal.json';

/** The fix when the record's folder (by default the journal's) cannot be written. */
export const RECORD_ELSEWHERE = 'pass --record FILE in a writable folder (the journal itself is only read)';

export async function openUndoRecord(source: Journal, file: string, logger: Logger): Promise<Journal> {
  const of = { file: source.file, createdAt: source.data.createdAt };
  if (existsSync(file)) {
    let earlier: Journal | undefined;
    try {
      earlier = await Journal.read(file);
    } catch {
      earlier = undefined;
    }
    if (earlier?.data.undoOf?.file === of.file && earlier.data.undoOf.createdAt === of.createdAt) {
      logger.info(`continuing the undo recorded in ${file}`);
      return earlier;
    }
    await archivePreviousJournal(file, logger);
  }
  try {
    const record = await Journal.copy(source, file, { undoOf: of, status: 'undoing' });
    logger.info(`undo record: ${file}`);
    return record;
  } catch (err) {
    if (!isRollbackError(err) || !(err instanceof FileSystemError)) throw err;
    throw new FileSystemError(`${err.message}; nothing was changed`, {
      hint: RECORD_ELSEWHERE,
    });
  }
}
