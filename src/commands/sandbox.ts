import type { CommandContext } from './context';
import { InternalError } from '../errors';

export async function sandbox(_options: Record<string, unknown>, _ctx: CommandContext): Promise<number> {
  throw new InternalError('sandbox is not implemented yet');
}
