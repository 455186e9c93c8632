import type { JournalStep } from '../journal/format';
import { isOwnChange } from '../journal/ownership';
import type { Target, Workload } from '../targets/target';

export interface InFlight {
  /** Changes this journal's steps started (a run that was stopped, or this one). */
  ours: string[];
  /** Changes of someone else. */
  theirs: string[];
}

/**
 * The changes holding the workload now, split by whose they are. Read afresh, not from the
 * workload as read earlier: a deployment that finished in between holds nothing, and one whose
 * version can no longer be read must not be taken for a colleague's lock.
 */
export async function changesInFlight(
  workload: Workload,
  steps: readonly JournalStep[],
  target: Target,
): Promise<InFlight> {
  if (workload.busy.length === 0) return { ours: [], theirs: [] };
  const ours: string[] = [];
  const theirs: string[] = [];
  for (const change of await target.changesInFlight(workload)) {
    // Only a change that deploys the version the workload shows can be judged by that version.
    const version = change.version === workload.changeVersion ? change.version : undefined;
    const own =
      steps.length > 0 && isOwnChange({ id: change.id, ...(version ? { version } : {}) }, workload, steps);
    (own ? ours : theirs).push(change.id);
  }
  return { ours, theirs };
}
