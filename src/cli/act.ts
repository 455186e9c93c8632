import type { Command } from 'commander';
import type { CommandContext } from '../commands/context';

/**
 * How a command's declaration hands its options to the command itself, loaded lazily so that
 * `--help` and a typo cost no more than commander (esbuild keeps the lazy import in the bundle).
 */
export type Act = (
  cmd: Command,
  execute: (options: Record<string, unknown>, ctx: CommandContext) => Promise<number>,
) => Command;
