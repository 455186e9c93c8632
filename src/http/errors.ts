/**
 * How a request ends without an answer the caller can use, whichever client sent it: Node's own
 * network errors pass through with their codes (ECONNRESET, ...); these are ours.
 */

/** A request ended by its deadline. Not retried: a server that trickled once will again. */
export class DeadlineError extends Error {
  // ETIMEDOUT, so that code which names the error by its code says what happened.
  readonly code = 'ETIMEDOUT';
  constructor(readonly deadlineMs: number) {
    super(`no complete answer within ${Number((deadlineMs / 1000).toFixed(1))} s`);
    this.name = 'DeadlineError';
  }
}

export function isDeadlineError(err: unknown): err is DeadlineError {
  return err instanceof DeadlineError;
}

/** An answer longer than the caller allows; the request is ended there. */
export class AnswerTooLargeError extends Error {
  readonly code = 'ERR_ANSWER_TOO_LARGE';
  constructor(readonly limitBytes: number) {
    super(`the answer is larger than ${limitBytes} bytes`);
    this.name = 'AnswerTooLargeError';
  }
}

/** The socket was idle longer than allowed (axios says the same with clarifyTimeoutError). */
export function idleTimeoutError(ms: number): Error {
  return Object.assign(new Error(`timeout of ${ms}ms exceeded`), { code: 'ETIMEDOUT' });
}

/** The caller's AbortSignal ended the request (axios's CanceledError has the same code). */
export function canceledError(): Error {
  return Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' });
}

/** The size limit (bytes) an answer went over: ours, or axios's `maxContentLength`. */
export function exceededAnswerLimit(err: unknown): number | undefined {
  if (err instanceof AnswerTooLargeError) return err.limitBytes;
  const over = /maxContentLength size of (\d+) exceeded/i.exec(
    (err as { message?: string } | null)?.message ?? '',
  );
  return over ? Number(over[1]) : undefined;
}
