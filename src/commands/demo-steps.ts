import { spawn } from 'node:child_process';
import type { CommandContext } from './context';
import { RollbackFailedError } from '../errors';
import type { paint } from '../util/log';

/**
 * What every demo prints: its steps, each a child process of this very bundle shown as the
 * command one would type, and tables of what the emulator reads back.
 */

export function table(say: (s: string) => void, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `   ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  say(line(header));
  for (const r of rows) say(line(r));
}

/** Run one CLI step as a child process; its stdout is shown and returned, its stderr passes through. */
export async function step(
  ctx: CommandContext,
  say: (s: string) => void,
  color: ReturnType<typeof paint>,
  args: string[],
  env: NodeJS.ProcessEnv = ctx.env,
): Promise<string> {
  say(color.cyan(`   $ rollback ${args.join(' ')}`));
  const self = require.main?.filename ?? process.argv[1]!;
  // The child gets our own stderr when it is the process's: on a terminal it then draws its live
  // progress lines itself, as it would for a user.
  const inherit = ctx.stderr === process.stderr;
  const child = spawn(process.execPath, [self, ...args], {
    env,
    stdio: ['ignore', 'pipe', inherit ? 'inherit' : 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    ctx.stdout.write(d);
  });
  child.stderr?.on('data', (d: Buffer) => ctx.stderr.write(d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new RollbackFailedError(`demo step \`rollback ${args[0]}\` failed with exit ${code}`);
  return stdout;
}
