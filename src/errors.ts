/**
 * Typed errors and the exit codes they map to. Deeper modules throw one of these with a sentence a
 * user can act on; src/main.ts is the only place that turns them into an exit code.
 */

export const ExitCode = {
  Ok: 0,
  /** A rollback started and did not reach its target; the message says what state it left. */
  RollbackFailed: 1,
  /** Bad flags, values, dates or files, or an unusable answer from a server. Nothing was changed. */
  Usage: 2,
  /** The registry or Marathon cannot be reached or refuses the credentials. Nothing was changed by us. */
  Unavailable: 3,
  /** --expect-plan: the plan computed now is not the one that was confirmed. Nothing was changed. */
  PlanChanged: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class RollbackError extends Error {
  abstract readonly exitCode: ExitCode;
  /** What the user can do about it, appended to the one-line message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad flags or flag values: exit 2. */
export class UsageError extends RollbackError {
  readonly exitCode = ExitCode.Usage;
}

/** Input that is well-formed as flags but wrong as data: a catalog, a journal, a date with no images. Exit 2. */
export class InputError extends RollbackError {
  readonly exitCode = ExitCode.Usage;
}

/** A remote system cannot be reached or keeps failing (network errors, 5xx after retries). Exit 3. */
export class UnavailableError extends RollbackError {
  readonly exitCode = ExitCode.Unavailable;
}

/**
 * A registry or Marathon answered something we cannot use: not JSON, wrong types, missing fields,
 * larger than our limit. Exit 2, like any other unusable input: nothing was changed, and retrying
 * will not help until the server (or what it serves) is fixed.
 */
export class BadAnswerError extends RollbackError {
  readonly exitCode = ExitCode.Usage;
}

/** A remote system refused our credentials (401/403). Exit 3. */
export class AuthError extends RollbackError {
  readonly exitCode = ExitCode.Unavailable;
}

/** A rollback was attempted and did not finish on target. Exit 1. */
export class RollbackFailedError extends RollbackError {
  readonly exitCode = ExitCode.RollbackFailed;
}

/**
 * A file we must write (the journal above all) could not be written: a full disk, a folder that
 * became read-only. Exit 1: it can happen after changes started; the message says what was put back.
 */
export class FileSystemError extends RollbackError {
  readonly exitCode = ExitCode.RollbackFailed;
}

/** Another run holds the --dump folder, or the environment changed since the plan was confirmed. */
export class PlanChangedError extends RollbackError {
  readonly exitCode = ExitCode.PlanChanged;
}

export function isRollbackError(err: unknown): err is RollbackError {
  return err instanceof RollbackError;
}
