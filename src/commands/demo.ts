import type { CommandContext } from './context';
import { InternalError } from '../errors';

export async function demo(_options: Record<string, unknown>, _ctx: CommandContext): Promise<number> {
  throw new InternalError('demo is not implemented yet');
}
