import { InputError } from '../errors';
import type { Resumed } from '../journal/resume';
import { resumeApps } from '../journal/resume';
import type { JournalData } from '../journal/journal';
import type { DiscoveredApp } from '../plan/rollback-plan';
import type { Target, Workload } from '../targets/target';
import type { Logger } from '../util/log';
import { readUnfinishedJournal } from './journal-files';
import type { RunSettings } from './settings';

/** The environment as it is: the target's workloads, and what an unfinished earlier run did to them. */

export interface Environment {
  workloads: Workload[];
  /** The workloads as the plan sees them: the rollback's starting images (resumed runs included). */
  apps: DiscoveredApp[];
  resumed: Map<string, Resumed>;
  previous?: JournalData;
  warnings: string[];
}

export async function discoverEnvironment(
  target: Target,
  settings: Pick<RunSettings, 'group' | 'files'>,
  point: string,
  logger: Logger,
): Promise<Environment> {
  logger.info(
    `${target.where} (${target.credentials}): listing the ${target.kind === 'kubernetes' ? 'workloads of namespace' : 'apps under'} ${settings.group}`,
  );
  const [workloads, unmanaged] = await Promise.all([target.list(), target.unmanaged()]);
  if (workloads.length === 0)
    throw new InputError(`no workloads under ${settings.group} in ${target.where}; nothing was changed`, {
      hint:
        target.kind === 'kubernetes'
          ? 'check --namespace and --selector'
          : 'check --group (a group path such as /ds/dev)',
    });
  // A run of the same point that did not finish: this one finishes it, starting from where the
  // first attempt started, so one journal still undoes everything.
  const previous = await readUnfinishedJournal(
    settings.files.journal,
    { date: point, group: settings.group },
    logger,
  );
  const resumed = previous ? resumeApps(previous, workloads) : new Map<string, Resumed>();
  const apps = workloads.map((w): DiscoveredApp => {
    const r = resumed.get(w.id);
    return {
      id: w.id,
      ...(r?.changedByPrevious ? { image: r.previous.fromImage } : w.image ? { image: w.image } : {}),
    };
  });
  if (resumed.size > 0)
    logger.info(
      `finishing the unfinished rollback recorded in ${settings.files.journal} (${[...resumed.values()].filter((r) => r.changedByPrevious).length} app(s) already changed by it)`,
    );
  return { workloads, apps, resumed, ...(previous ? { previous } : {}), warnings: unmanaged };
}
