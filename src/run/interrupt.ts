import type { CommandContext } from '../commands/context';
import { ExitCode, type FileSystemError } from '../errors';
import type { Logger } from '../util/log';

/**
 * What stops a rollback halfway: Jenkins' Stop (SIGTERM), Ctrl-C (SIGINT), or a journal that can
 * no longer be written. The first stops new deployments; the rollback then ends as --on-failure
 * says (a broken journal always puts back what changed: nothing may run on unrecorded). A second
 * signal ends the process at once; the journal on disk is still valid for undo.
 */
export interface Stop {
  /** Aborted at the first signal or journal failure: no deployment starts after it. */
  readonly signal: AbortSignal;
  /** Aborted when what changed is to be put back at once: the watches in flight end. */
  readonly revertNow: AbortSignal;
  /** The signal that stopped the run, if one did. */
  by?: NodeJS.Signals;
  /** The failed journal write that stopped the run, if one did. */
  journalFailure?: FileSystemError;
  /** A journal write failed: stop new changes and put back what changed. */
  journalFailed(failure: FileSystemError): void;
  release(): void;
}

export function guardInterruption(
  ctx: CommandContext,
  journalFile: string,
  what: string,
  onFailure: 'revert' | 'keep',
  logger: Logger,
): Stop {
  const controller = new AbortController();
  const revert = new AbortController();
  const stop: Stop = {
    signal: controller.signal,
    revertNow: revert.signal,
    journalFailed(failure) {
      if (stop.journalFailure) return;
      stop.journalFailure = failure;
      logger.warn(`${failure.message}: starting no more deployments; putting back what was changed`);
      controller.abort();
      revert.abort();
    },
    release: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
  function onSignal(signal: NodeJS.Signals) {
    if (stop.by) {
      // After a failed journal write its folder cannot take undo's own record either: say where
      // else it goes. The journal still names every change sent (each was on disk before it).
      const record = stop.journalFailure
        ? `${journalFile} records every change sent before the disk failed (\`rollback undo --journal ${journalFile} --record FILE\`, FILE in a writable folder, puts it back)`
        : `${journalFile} records what was changed (\`rollback undo --journal ${journalFile}\` puts it back)`;
      ctx.stderr.write(
        `rollback: interrupted again (${signal}) during ${what}; deployments already started go on. ${record}\n`,
      );
      process.exit(ExitCode.RollbackFailed);
    }
    stop.by = signal;
    const next =
      stop.journalFailure || onFailure === 'revert'
        ? 'putting back what was changed'
        : 'letting the deployments in flight finish';
    logger.warn(`${signal}: starting no more deployments; ${next} (send it again to stop at once)`);
    controller.abort();
    if (stop.journalFailure || onFailure === 'revert') revert.abort();
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return stop;
}
