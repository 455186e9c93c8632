import type { CommandContext } from './context';
import { InternalError } from '../errors';

export async function get(_options: Record<string, unknown>, _ctx: CommandContext): Promise<number> {
  throw new InternalError('get is not implemented yet');
}
