import { buildProgram } from './cli';
import { asksForJson, failureJson, failureOf, failureText } from './cli/failure';
import { processContext, type CommandContext } from './commands/context';
import { ExitCode } from './errors';
import { favourSmallHeap } from './util/heap';
import { redact, registerEnvironmentSecrets } from './util/secrets';

/**
 * The only catch-all: every failure becomes one line on stderr and a documented exit code, and
 * with --json also one JSON object on stdout.
 */
export async function main(argv: string[], ctx: CommandContext = processContext()): Promise<number> {
  registerEnvironmentSecrets(ctx.env);
  let code: number = ExitCode.Ok;
  const stdout = noticeWrites(ctx.stdout);
  const program = buildProgram({ ...ctx, stdout: stdout.stream }, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    // A command that already printed its JSON result (a failed run) has said it with `"ok": false`;
    // a second object would make stdout unparsable.
    return report(err, ctx, { json: asksForJson(argv) && !stdout.written() });
  }
}

export function report(
  err: unknown,
  ctx: Pick<CommandContext, 'stderr'> & Partial<Pick<CommandContext, 'stdout'>>,
  options: { json?: boolean } = {},
): number {
  const failure = failureOf(err);
  if (failure.exitCode === ExitCode.Ok) return ExitCode.Ok; // --help and --version end here
  if (!failure.printed) ctx.stderr.write(redact(failureText(failure)));
  if (options.json && ctx.stdout) ctx.stdout.write(redact(failureJson(failure)));
  return failure.exitCode;
}

/** The same stream, remembering whether anything was written to it. */
function noticeWrites(stream: NodeJS.WritableStream) {
  let written = false;
  const wrapped = new Proxy(stream, {
    get(target, key) {
      if (key === 'write')
        return (...args: Parameters<NodeJS.WritableStream['write']>) => {
          written = true;
          return (target.write as (...a: unknown[]) => boolean)(...args);
        };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { stream: wrapped, written: () => written };
}

if (require.main === module) {
  // Only as the real command line: tests run main() in a process that is not ours to tune.
  favourSmallHeap();
  main(process.argv.slice(2)).then((code) => {
    // exitCode, not exit(): piped stdout (Jenkins) must be flushed before the process ends.
    process.exitCode = code;
  });
}
