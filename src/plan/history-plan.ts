import { InputError } from '../errors';
import type { AppHistory } from '../history/read';
import { changedFields, type VersionSummary } from '../history/summary';
import { deployedAt, versionAt } from '../history/timeline';
import { isImageOf, parseImageReference, withTag } from '../marathon/image';
import type { Catalog } from './catalog';
import { describePoint, formatInstant, type RollbackPoint } from './point';
import {
  PLAN_FORMAT,
  PLAN_VERSION,
  serviceNames,
  type AppPlan,
  type DiscoveredApp,
  type RollbackPlan,
  type ServicePlan,
} from './rollback-plan';
import { imageAtPoint } from './snapshot';

/**
 * The plan from Marathon's own history (--source marathon): every app of the group goes to the
 * image (and, with --with-config, the whole definition) it ran at the instant. Where an app's kept
 * history does not reach back that far, the registry rule fills in from rollback.json, said in
 * words; with no catalog either, the plan stops before any change and names the app. Pure.
 */

export interface HistoryPlanInput {
  point: Extract<RollbackPoint, { kind: 'instant' }>;
  apps: readonly DiscoveredApp[];
  histories: ReadonlyMap<string, AppHistory>;
  /** What each app runs now, summarised (for --with-config: which fields differ). */
  current: ReadonlyMap<string, VersionSummary>;
  catalog?: Catalog;
  group: string;
  withConfig: boolean;
  withScale: boolean;
  approver?: string;
}

type AppTarget = Pick<AppPlan, 'to' | 'action' | 'reason' | 'config'>;

export function planFromHistory(input: HistoryPlanInput): RollbackPlan {
  const { point } = input;
  const at = formatInstant(point.at, point.timeZone);
  const docker = input.apps.filter(
    (a) => a.image !== undefined && parseImageReference(a.image) !== undefined,
  );
  const repositories = [...new Set(docker.map((a) => parseImageReference(a.image!)!.path))].sort();
  const names = serviceNames(repositories);
  const unknown: string[] = [];

  const targetOf = (app: DiscoveredApp, repository: string): AppTarget => {
    const from = app.image!;
    const history = input.histories.get(app.id);
    const found = history ? versionAt(history, point.at) : ({ kind: 'no-history' } as const);
    if (found.kind === 'version') {
      const to = found.summary.image ?? from;
      const now = input.current.get(app.id);
      const fields = input.withConfig && now ? configFields(now, found.summary, input.withScale) : [];
      const config =
        input.withConfig && fields.length > 0 ? { version: found.summary.version, fields } : undefined;
      return {
        to,
        action: to !== from || config ? 'deploy' : 'no-op',
        reason: `ran at ${at} (deployed ${formatInstant(deployedAt(history!, found.summary), point.timeZone)})`,
        ...(config ? { config } : {}),
      };
    }
    if (found.kind === 'not-created')
      return {
        to: from,
        action: 'stays',
        reason: `created after the point (${formatInstant(found.created, point.timeZone)}); stays as it is`,
      };
    const repo = input.catalog?.repositories.find((r) => r.name === repository);
    const choice = repo ? imageAtPoint(repo.images, point) : undefined;
    if (!choice || choice.kind === 'none') {
      unknown.push(
        found.kind === 'before-history'
          ? `${app.id} (its history starts ${formatInstant(found.oldest, point.timeZone)})`
          : `${app.id} (no history)`,
      );
      return { to: from, action: 'stays', reason: 'unknown' };
    }
    const to = withTag(from, choice.image.tag);
    const since = found.kind === 'before-history' ? formatInstant(found.oldest, point.timeZone) : 'never';
    return {
      to,
      action: to === from ? 'no-op' : 'deploy',
      reason: `history kept only since ${since}: newest image built by then, from rollback.json${
        input.withConfig ? ' (its configuration is not known, so not put back)' : ''
      }`,
    };
  };

  const services: ServicePlan[] = repositories.map((repository) => {
    const apps = docker
      .filter((a) => isImageOf(a.image!, repository))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((app): AppPlan => ({ id: app.id, from: app.image!, ...targetOf(app, repository) }));
    const reasons = [...new Set(apps.map((a) => a.reason!))];
    return {
      repository,
      service: names.get(repository)!,
      choice: 'history',
      reason: reasons.length === 1 ? reasons[0]! : 'per app, see below',
      apps,
    };
  });
  if (unknown.length > 0)
    throw new InputError(
      `what ran at ${at} is not known for ${unknown.join(', ')}: Marathon keeps only the last versions of an app${
        input.catalog ? ', and rollback.json has no image of it built by then' : ''
      }; nothing was changed`,
      {
        hint: input.catalog
          ? 'pick a later point (`rollback history`)'
          : 'pick a later point (`rollback history`), or give a catalog (`rollback get --dump DIR`) so the registry rule fills in',
      },
    );
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    date: point.at,
    point: describePoint(point),
    timeZone: point.timeZone,
    group: input.group,
    environment: input.catalog?.environment ?? '',
    registry: input.catalog?.registry ?? '',
    pinDigest: false,
    ...(input.approver ? { approver: input.approver } : {}),
    services,
  };
}

/** The fields --with-config puts back: what differs from now, instances only with --with-scale. */
function configFields(now: VersionSummary, then: VersionSummary, withScale: boolean): string[] {
  const fields = changedFields(now, then);
  return withScale && now.instances !== then.instances ? [...fields, 'instances'] : fields;
}
