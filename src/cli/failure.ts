import { CommanderError } from 'commander';
import { ExitCode, isRollbackError } from '../errors';
import { describeFileError, isFileSystemError } from '../util/file-errors';

/**
 * Every way the helper can end badly, as one value: the exit code, the sentence, what to do about
 * it. src/main.ts writes it as the one stderr line and, with --json, as the JSON object on stdout,
 * so a script parsing stdout never meets an empty one.
 */
export interface Failure {
  exitCode: number;
  error: string;
  hint?: string;
  /** Already on stderr (commander prints its own errors, and the help of `rollback` alone). */
  printed: boolean;
  /** For a bug report: the stack, on stderr only. */
  stack?: string;
}

/** Commander's message as one line without its `error: ` prefix. */
export function usageLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .trim()
    .replace(/\s*\n+\s*/g, ' ');
}

export function failureOf(err: unknown): Failure {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return { exitCode: ExitCode.Ok, error: '', printed: true };
    // `rollback` without a command prints the help on stderr; its message is a placeholder.
    const error = err.code === 'commander.help' ? 'no command given' : usageLine(err.message);
    return { exitCode: ExitCode.Usage, error, hint: 'see --help', printed: true };
  }
  if (isRollbackError(err)) {
    return {
      exitCode: err.exitCode,
      error: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      printed: false,
    };
  }
  if (isFileSystemError(err)) {
    // A full disk or a read-only folder is the operator's to fix, never a bug.
    return {
      exitCode: ExitCode.RollbackFailed,
      error: `cannot use ${err.path}: ${describeFileError(err)}`,
      hint: 'free space, or choose a writable folder',
      printed: false,
    };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    exitCode: ExitCode.RollbackFailed,
    error: `internal error: ${e.message}`,
    hint: 'this is a bug in rollback; please report it with the lines on stderr',
    printed: false,
    stack: e.stack ?? '',
  };
}

/** The one stderr line (plus the stack of a bug); secrets are redacted by the caller. */
export function failureText(f: Failure): string {
  if (f.stack !== undefined)
    return `rollback: ${f.error}\n${f.stack}\nrollback: this is a bug in rollback; please report it with the lines above.\n`;
  return `rollback: ${f.error}${f.hint ? ` (${f.hint})` : ''}`.replace(/\n/g, ' ') + '\n';
}

/** The --json form: `{"ok": false, "exitCode": 2, "error": "...", "hint": "..."}` on one line. */
export function failureJson(f: Failure): string {
  return (
    JSON.stringify({ ok: false, exitCode: f.exitCode, error: f.error, ...(f.hint ? { hint: f.hint } : {}) }) +
    '\n'
  );
}

/**
 * Whether the command line asks for JSON. Read from the words, not from parsed options, because
 * the failure may be that parsing failed (an unknown flag, a bad value before --json).
 */
export function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}
