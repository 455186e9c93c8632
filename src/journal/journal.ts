import { promises as fs } from 'node:fs';
import Ajv from 'ajv';
import schema from './journal.schema.json';
import { InputError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { redact } from '../util/secrets';

/**
 * The journal (rollback-journal.json) is what makes a rollback reversible: it holds each app's
 * whole definition as it was before we changed it, written before the first change, and every
 * step's outcome as it happens. Each write replaces the file atomically, so after a crash (or a
 * killed Jenkins job) it is always a complete, valid record that `undo` can act on.
 */

export const JOURNAL_FORMAT = 'rollback-journal';
export const JOURNAL_VERSION = 1;
export const JOURNAL_FILE = 'rollback-journal.json';

export type JournalStatus =
  'deploying' | 'succeeded' | 'failed' | 'reverted' | 'undoing' | 'undone' | 'undo-failed';
export type StepAction = 'deploy' | 'revert' | 'undo';
/** `requested` is written before the change is sent: after a crash it says Marathon may have it. */
export type StepOutcome = 'requested' | 'started' | 'succeeded' | 'failed' | 'no-op';

export interface JournalStep {
  at: string;
  action: StepAction;
  outcome: StepOutcome;
  /** The image this step puts on the app. */
  image: string;
  deploymentId?: string;
  version?: string;
  message?: string;
}

export interface JournalApp {
  id: string;
  repository: string;
  reason?: string;
  /** Changed by an earlier run that did not finish (its journal, renamed); undo puts it back too. */
  carriedFrom?: string;
  fromImage: string;
  toImage: string;
  /** The app as Marathon showed it before the change (status fields removed). */
  before: Record<string, unknown> & { id: string; container: { docker: { image: string } } };
  steps: JournalStep[];
}

export interface JournalData {
  format: typeof JOURNAL_FORMAT;
  version: typeof JOURNAL_VERSION;
  createdAt: string;
  updatedAt: string;
  catalog: { file: string; generatedAt?: string; registry: string; environment: string; timeZone: string };
  date: string;
  group: string;
  marathon: { kind: 'marathon' | 'dcos'; url: string };
  onFailure?: 'revert' | 'keep';
  status: JournalStatus;
  apps: JournalApp[];
}

/** Fields that describe the app's current state rather than its definition. */
const STATUS_FIELDS = [
  'tasks',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'readinessCheckResults',
  'lastTaskFailure',
  'taskStats',
  'tasksStats',
  'counts',
];

/** Stands in for an env value in the journal. */
export const UNRECORDED_ENV_VALUE = '<not recorded>';

export function definitionOf(app: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(app);
  for (const field of STATUS_FIELDS) delete copy[field];
  // Plain env values often hold the app's own passwords, and the journal is archived by Jenkins.
  // Undo needs only the image, so keep the names and drop the values; `{secret: ...}` references
  // name a secret without holding it and stay.
  const env = copy.env;
  if (env && typeof env === 'object') {
    for (const [name, value] of Object.entries(env as Record<string, unknown>)) {
      if (typeof value === 'string') (env as Record<string, unknown>)[name] = UNRECORDED_ENV_VALUE;
    }
  }
  return copy;
}

let validator: ReturnType<Ajv['compile']> | undefined;

export function validateJournal(value: unknown, source: string): JournalData {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(schema);
  if (!validator(value)) {
    const first = validator.errors?.[0];
    throw new InputError(
      `${source} is not a valid rollback journal: ${first?.instancePath || '(top level)'} ${first?.message ?? 'is invalid'}`,
      { hint: 'pass the rollback-journal.json that `rollback run` wrote' },
    );
  }
  const data = value as JournalData;
  for (const app of data.apps) {
    if (app.before.container.docker.image !== app.fromImage)
      throw new InputError(
        `${source}: app ${app.id} has fromImage ${app.fromImage} but its definition says otherwise`,
      );
  }
  return data;
}

export class Journal {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    readonly data: JournalData,
    private readonly now: () => Date,
  ) {}

  /** Write a new journal; resolves once it is on disk. */
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
    await journal.save();
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

  /** Append a step and persist it before returning. */
  async record(appId: string, step: Omit<JournalStep, 'at'>): Promise<void> {
    this.app(appId).steps.push({ at: this.now().toISOString(), ...step });
    await this.save();
  }

  async setStatus(status: JournalStatus): Promise<void> {
    this.data.status = status;
    await this.save();
  }

  /** Writes are queued so concurrent deployments never interleave two renames of one file. */
  private save(): Promise<void> {
    const next = this.writing.then(() => {
      this.data.updatedAt = this.now().toISOString();
      return writeFileAtomic(this.file, redact(JSON.stringify(this.data, null, 2)) + '\n');
    });
    // A failed write must not block every later one; the caller still sees the failure.
    this.writing = next.catch(() => undefined);
    return next;
  }
}
