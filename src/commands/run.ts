import type { CommandContext } from './context';
import { InternalError } from '../errors';

export async function run(_options: Record<string, unknown>, _ctx: CommandContext): Promise<number> {
  throw new InternalError('run is not implemented yet');
}
