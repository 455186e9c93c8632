import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { FileSystemError } from '../errors';
import { Journal, type JournalData } from '../journal/journal';
import { resumable } from '../journal/resume';
import { writeFileAtomic } from '../util/atomic-write';
import { describeFileError } from '../util/file-errors';
import type { Logger } from '../util/log';

/** The journal files of a --dump folder: the earlier run's, its archived copy, and room for ours. */

export async function readUnfinishedJournal(
  file: string,
  current: { date: string; group: string },
  logger: Logger,
): Promise<JournalData | undefined> {
  if (!existsSync(file)) return undefined;
  let journal: Journal;
  try {
    journal = await Journal.read(file);
  } catch (err) {
    // It is archived untouched below; it just cannot help finishing an earlier run.
    logger.warn(`${(err as Error).message}; starting afresh`);
    return undefined;
  }
  return resumable(journal.data, current) ? journal.data : undefined;
}

/**
 * An earlier rollback's journal may still be needed for undo: it is copied aside before ours
 * replaces it (atomically), so at every moment one of the two files holds it.
 */
export async function archivePreviousJournal(file: string, logger: Logger): Promise<string | undefined> {
  let previous: string;
  try {
    previous = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const stamp = /"createdAt":\s*"([^"]+)"/.exec(previous)?.[1]?.replace(/[:.]/g, '-') ?? String(Date.now());
  const archived = file.replace(/\.json$/, `.${stamp}.json`);
  try {
    await writeFileAtomic(archived, previous);
  } catch (err) {
    throw new FileSystemError(
      `cannot keep the earlier journal as ${archived}: ${describeFileError(err)}; nothing was changed`,
      { hint: `free space in ${path.dirname(file)} or choose another --dump` },
    );
  }
  logger.info(`the previous journal is kept as ${archived}`);
  return archived;
}

/** Bytes a journal step takes at most (a step with a long message and a deployment id). */
const STEP_BYTES = 400;
/** Steps one app may need: deploy (requested, started, end) and revert (the same), with slack. */
const STEPS_PER_APP = 8;

/**
 * Before the first change: is there room for the journal to grow to its end (each write needs the
 * old file and the new one side by side), for the summary, and is the folder writable? Finding out
 * halfway would leave the environment half rolled back.
 */
export async function checkRoomForJournal(
  dir: string,
  initial: string,
  apps: number,
  extraBytes = 0,
): Promise<void> {
  const final = initial.length + apps * STEPS_PER_APP * STEP_BYTES;
  const needed = 2 * final + extraBytes + 16 * 1024;
  try {
    await fs.access(dir, fs.constants.W_OK);
  } catch (err) {
    throw new FileSystemError(
      `cannot write the journal in ${dir}: ${describeFileError(err)}; nothing was changed`,
      {
        hint: 'choose a writable --dump folder',
      },
    );
  }
  let free: number;
  try {
    const stats = await fs.statfs(dir);
    free = stats.bavail * stats.bsize;
  } catch {
    return; // No statfs here: the first write will tell.
  }
  if (free < needed)
    throw new FileSystemError(
      `not enough space for the journal in ${dir}: ${free} bytes free, ${needed} needed; nothing was changed`,
      { hint: `free space in ${dir} or choose another --dump` },
    );
}
