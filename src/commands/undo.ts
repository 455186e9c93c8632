import type { CommandContext } from './context';
import { InternalError } from '../errors';

export async function undo(_options: Record<string, unknown>, _ctx: CommandContext): Promise<number> {
  throw new InternalError('undo is not implemented yet');
}
