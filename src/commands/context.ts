/**
 * What a command may touch of the outside world, passed in so tests can run commands in-process
 * with their own environment and streams.
 */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
}

export function processContext(): CommandContext {
  survivesClosedReader(process.stdout);
  survivesClosedReader(process.stderr);
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
}

/**
 * A reader that stops reading (`rollback --help | head -1`, a consumer that crashed, a closed
 * log) must not end the process with an EPIPE stack: in the middle of a rollback that would leave
 * it half done. Once a write fails the stream is destroyed and later writes go nowhere; the
 * command carries on, and its exit code says what it did, not whether the reader listened to the
 * end: the result is also in the files it wrote (rollback.json, the journal, the summary).
 */
function survivesClosedReader(stream: NodeJS.WriteStream): void {
  if (stream.listeners('error').includes(ignoreWriteError)) return;
  stream.on('error', ignoreWriteError);
}

function ignoreWriteError(): void {
  // Nothing to tell: the only reader of this stream is gone.
}
