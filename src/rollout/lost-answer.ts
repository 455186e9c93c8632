import { stillOurs } from '../journal/ownership';
import type { ChangeUncertainError, Workload } from '../targets/target';
import type { RolloutItem, RolloutOptions, RolloutOutcome } from './rollout';

/**
 * The request may have been carried out: say what the app runs now instead of guessing. On our
 * image with a version stamped after we asked, it is our change in flight: watch it.
 */
export async function afterUncertainChange(
  err: ChangeUncertainError,
  item: RolloutItem,
  options: RolloutOptions,
  fail: (message: string, changed: boolean, extra?: Partial<RolloutOutcome>) => Promise<RolloutOutcome>,
  watchToEnd: (changeId: string, changed: boolean) => Promise<RolloutOutcome>,
): Promise<RolloutOutcome> {
  let now: Workload;
  try {
    now = await options.target.read(item.appId);
  } catch (readErr) {
    return fail(`${err.message}; reading it back failed too: ${(readErr as Error).message}`, false);
  }
  if (now.image !== item.to || !stillOurs(now, options.journal.app(item.appId).steps))
    return fail(
      `${err.message}; it runs ${now.image ?? 'no Docker image'} (not changed)`,
      false,
      now.image ? { now: now.image } : {},
    );
  options.logger.warn(`${item.appId}: ${err.message}; read back: it runs ${item.to}, watching it`);
  const changeId = now.busy[0] ?? '';
  await options.journal.record(item.appId, {
    action: options.action,
    outcome: 'started',
    image: item.to,
    ...(changeId ? { deploymentId: changeId } : {}),
    ...(now.changeVersion ? { version: now.changeVersion } : {}),
    message: 'read back after a lost answer',
  });
  return watchToEnd(changeId, true);
}
