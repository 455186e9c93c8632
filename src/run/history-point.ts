import { existsSync } from 'node:fs';
import { UsageError } from '../errors';
import type { Catalog } from '../plan/catalog';
import { checkPoint } from '../plan/guards';
import { planFromHistory } from '../plan/history-plan';
import type { RollbackPoint } from '../plan/point';
import type { RollbackPlan } from '../plan/rollback-plan';
import { defaultCacheDir } from '../registry/cache';
import type { Target } from '../targets/target';
import type { Logger } from '../util/log';
import type { Environment } from './environment';
import { readCatalogFile } from './registry-point';
import type { RunSettings } from './settings';

/**
 * The point from Marathon's own history (--source marathon): an instant; rollback.json, when the
 * --dump folder has one, only fills in for apps whose kept history does not reach back that far.
 */

export type Instant = Extract<RollbackPoint, { kind: 'instant' }>;

export async function resolveHistoryPoint(
  settings: Pick<RunSettings, 'when' | 'files'>,
  logger: Logger,
  now: Date,
): Promise<{ catalog?: Catalog; point: Instant }> {
  if (settings.when.kind !== 'instant')
    throw new UsageError('--source marathon needs --at INSTANT (a release point `rollback history` printed)');
  const catalog = existsSync(settings.files.catalog)
    ? await readCatalogFile(settings.files.catalog)
    : undefined;
  const point: Instant = { kind: 'instant', at: settings.when.at, timeZone: catalog?.timeZone ?? 'UTC' };
  // The catalog only fills in here: an instant after it was read is refused only when it must.
  const { warnings } = checkPoint(point, undefined, now);
  for (const warning of warnings) logger.warn(warning);
  if (catalog && Date.parse(point.at) > Date.parse(catalog.generatedAt))
    logger.warn(
      `rollback.json was read before ${point.at}; it fills in only apps whose history does not reach back`,
    );
  return { ...(catalog ? { catalog } : {}), point };
}

export async function planHistoryRun(
  target: Target,
  environment: Environment,
  settings: Pick<RunSettings, 'group' | 'withConfig' | 'withScale' | 'approver'>,
  point: Instant,
  catalog: Catalog | undefined,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<RollbackPlan> {
  if (!target.history)
    throw new UsageError(`--source marathon needs a target that keeps a history; ${target.where} does not`);
  logger.info(`reading the history of ${environment.workloads.length} app(s) under ${settings.group}`);
  const { histories, current } = await target.history(environment.workloads, defaultCacheDir(env));
  return planFromHistory({
    point,
    apps: environment.apps,
    histories,
    current,
    ...(catalog ? { catalog } : {}),
    group: settings.group,
    withConfig: settings.withConfig,
    withScale: settings.withScale,
    ...(settings.approver ? { approver: settings.approver } : {}),
  });
}
