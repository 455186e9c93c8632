import { CommanderError } from 'commander';
import { buildProgram } from './cli';
import { processContext, type CommandContext } from './commands/context';
import { ExitCode, isRollbackError } from './errors';
import { describeFileError, isFileSystemError } from './util/file-errors';
import { favourSmallHeap } from './util/heap';
import { redact, registerEnvironmentSecrets } from './util/secrets';

/**
 * The only catch-all: every failure becomes one line on stderr and a documented exit code.
 */
export async function main(argv: string[], ctx: CommandContext = processContext()): Promise<number> {
  registerEnvironmentSecrets(ctx.env);
  let code: number = ExitCode.Ok;
  const program = buildProgram(ctx, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    return report(err, ctx);
  }
}

export function report(err: unknown, ctx: Pick<CommandContext, 'stderr'>): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message; --help and --version end here too.
    return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (isRollbackError(err)) {
    const hint = err.hint ? ` (${err.hint})` : '';
    ctx.stderr.write(redact(`rollback: ${err.message}${hint}`).replace(/\n/g, ' ') + '\n');
    return err.exitCode;
  }
  if (isFileSystemError(err)) {
    // A full disk or a read-only folder is the operator's to fix, not a bug.
    ctx.stderr.write(redact(`rollback: cannot use ${err.path}: ${describeFileError(err)}\n`));
    return ExitCode.RollbackFailed;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  ctx.stderr.write(redact(`rollback: internal error: ${e.message}\n${e.stack ?? ''}\n`));
  ctx.stderr.write('rollback: this is a bug in rollback; please report it with the lines above.\n');
  return ExitCode.RollbackFailed;
}

if (require.main === module) {
  // Only as the real command line: tests run main() in a process that is not ours to tune.
  favourSmallHeap();
  main(process.argv.slice(2)).then((code) => {
    // exitCode, not exit(): piped stdout (Jenkins) must be flushed before the process ends.
    process.exitCode = code;
  });
}
