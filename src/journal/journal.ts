import { promises as fs } from 'node:fs';
import { FileSystemError, InputError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { describeFileError } from '../util/file-errors';
import { redact } from '../util/secrets';
import {
  JOURNAL_FORMAT,
  JOURNAL_VERSION,
  validateJournal,
  type JournalApp,
  type JournalData,
  type JournalStatus,
  type JournalStep,
} from './format';

export * from './format';

/**
 * The journal (rollback-journal.json) is what makes a rollback reversible: each app's image and
 * version before the change, written before the first change, and every step as it happens. Each
 * write replaces the file atomically, so after a crash (or a killed Jenkins job) it is always a
 * complete, valid record that `undo` can act on.
 *
 * A write that fails (a full disk, a folder made read-only) must not crash a rollback halfway: the
 * journal keeps every step in memory, remembers the failure, tells its owner once (who then stops
 * changing things and puts back what changed), and from then on each step reports whether it
 * reached the disk.
 */

export const JOURNAL_FILE = 'rollback-journal.json';

export class Journal {
  private writing: Promise<boolean> = Promise.resolve(true);
  /** The first write that failed; the journal on disk is behind memory from then on. */
  failure: FileSystemError | undefined;
  /** Called once, at the first failed write. */
  onFailure: ((failure: FileSystemError) => void) | undefined;

  private constructor(
    readonly file: string,
    readonly data: JournalData,
    private readonly now: () => Date,
  ) {}

  /** Write a new journal; resolves once it is on disk (throws FileSystemError when it cannot be). */
  static async create(
    file: string,
    fields: Omit<JournalData, 'format' | 'version' | 'createdAt' | 'updatedAt'>,
    now: () => Date = () => new Date(),
  ): Promise<Journal> {
    const at = now().toISOString();
    const journal = new Journal(
      file,
      { format: JOURNAL_FORMAT, version: JOURNAL_VERSION, createdAt: at, updatedAt: at, ...fields },
      now,
    );
    if (!(await journal.save())) throw journal.failure!;
    return journal;
  }

  /** A journal kept at another path from now on (an undo's own record of a run's journal). */
  static async copy(source: Journal, file: string, changes: Partial<JournalData>): Promise<Journal> {
    const data = { ...structuredClone(source.data), ...changes };
    const journal = new Journal(file, data, source.now);
    if (!(await journal.save())) throw journal.failure!;
    return journal;
  }

  static async read(file: string, now: () => Date = () => new Date()): Promise<Journal> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      throw new InputError(`cannot read journal ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
        hint: 'pass the rollback-journal.json that `rollback run` wrote (in its --dump folder)',
      });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InputError(`journal ${file} is not JSON: ${(err as Error).message}`);
    }
    return new Journal(file, validateJournal(value, file), now);
  }

  app(id: string): JournalApp {
    const app = this.data.apps.find((a) => a.id === id);
    if (!app) throw new RangeError(`app ${id} is not in the journal`);
    return app;
  }

  /** Append a step and try to persist it; true when it is on disk. */
  record(appId: string, step: Omit<JournalStep, 'at'>): Promise<boolean> {
    this.app(appId).steps.push({ at: this.now().toISOString(), ...step });
    return this.save();
  }

  setStatus(status: JournalStatus): Promise<boolean> {
    this.data.status = status;
    return this.save();
  }

  /** Writes are queued so concurrent deployments never interleave two renames of one file. */
  private save(): Promise<boolean> {
    const next = this.writing.then(async () => {
      this.data.updatedAt = this.now().toISOString();
      try {
        await writeFileAtomic(this.file, redact(JSON.stringify(this.data, null, 2)) + '\n');
        return true;
      } catch (err) {
        if (!this.failure) {
          this.failure = new FileSystemError(
            `cannot write the journal ${this.file}: ${describeFileError(err)}`,
          );
          this.onFailure?.(this.failure);
        }
        return false;
      }
    });
    this.writing = next;
    return next;
  }
}
