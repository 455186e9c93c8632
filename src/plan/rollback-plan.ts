import type { Catalog, CatalogImage } from './catalog';
import { describePoint, pointLabel, type RollbackPoint } from './point';
import { fromCatalogRegistry, listed } from './registry-hosts';
import { imageAtPoint } from './snapshot';
import { InputError } from '../errors';
import { isReferenceOf, parseImageReference, withTag } from '../marathon/image';

/**
 * What `run` will do, decided from data alone: the catalog, the chosen day and the apps found in
 * the Marathon group. No I/O here, so every tricky case (a service that did not change, two images
 * on one day, time zones, missing repositories, apps already on target) is tested with plain data.
 */

export const PLAN_FORMAT = 'rollback-plan';
export const PLAN_VERSION = 1;
export const PLAN_FILE = 'rollback-plan.json';

export type Choice = 'of-that-day' | 'earlier' | 'missing' | 'history';

export interface ImageSelection {
  repository: string;
  choice: Choice;
  /** The image to deploy; absent when the repository has no image on or before the day. */
  image?: CatalogImage;
  /** In words: `image of that day`, `newest earlier image from 2026-11-25`, or why it stays. */
  reason: string;
  /** For `earlier`: the day the image was built (the gap is filled from there). */
  filledFrom?: string;
}

/** An app as discovered in Marathon: its id and its Docker image (absent for non-Docker apps). */
export interface DiscoveredApp {
  id: string;
  image?: string;
}

/** Apps to change that run a tag the catalog's environment filter does not take (--cross-environment). */

export type AppAction = 'deploy' | 'no-op' | 'stays';

export interface AppPlan {
  id: string;
  from: string;
  to: string;
  /** deploy: image changes; no-op: already on target; stays: no target (--allow-missing). */
  action: AppAction;
  /** It runs a tag of another environment, or of none (a hotfix deployed by hand): --cross-environment. */
  crossEnvironment?: true;
  /** Dry run only: the deployments that hold it now (the real run would stop on them). */
  lockedBy?: string[];
  /** Per app, when it differs from its service's (the point source chose per app). */
  reason?: string;
  /** --with-config: the definition of that version goes back; the fields it changes. */
  config?: { version: string; fields: string[] };
}

export interface ServicePlan {
  repository: string;
  /** Short name for summaries (`api` for `shop/api`, the full name when two would collide). */
  service: string;
  choice: Choice;
  reason: string;
  filledFrom?: string;
  target?: CatalogImage;
  apps: AppPlan[];
}

export interface RollbackPlan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  /** The point as the user gave it: a day, or an instant. */
  date: string;
  /** The point in words: `end of 2026-11-27 (UTC)`, `2026-12-02 up to 10:32:00, when the catalog was read`. */
  point: string;
  timeZone: string;
  group: string;
  environment: string;
  registry: string;
  pinDigest: boolean;
  /** Who approved the rollback (ROLLBACK_APPROVER), for the audit trail. */
  approver?: string;
  /** The plan of an undo: it puts back what a rollback changed. */
  undo?: true;
  services: ServicePlan[];
}

export interface SelectOptions {
  allowMissing?: boolean;
}

/**
 * The snapshot rule for every repository of the catalog. A repository without an image on or
 * before the day stops the run (naming it) unless the user allowed it to stay as it is.
 */
export function selectImages(
  catalog: Catalog,
  at: string | RollbackPoint,
  options: SelectOptions = {},
): ImageSelection[] {
  const point = typeof at === 'string' ? dayPoint(catalog, at) : at;
  const date = pointLabel(point);
  const selections = catalog.repositories.map((repo): ImageSelection => {
    const choice = imageAtPoint(repo.images, point);
    switch (choice.kind) {
      case 'of-that-day':
        return {
          repository: repo.name,
          choice: 'of-that-day',
          image: choice.image,
          reason: 'image of that day',
        };
      case 'earlier':
        return {
          repository: repo.name,
          choice: 'earlier',
          image: choice.image,
          reason: `newest earlier image from ${choice.day}`,
          filledFrom: choice.day,
        };
      case 'none':
        return {
          repository: repo.name,
          choice: 'missing',
          reason: `no image on or before ${date}; stays as it is (--allow-missing)`,
        };
    }
  });
  const missing = catalog.repositories.filter((_, i) => selections[i]!.choice === 'missing');
  if (missing.length > 0 && missing.length === catalog.repositories.length && options.allowMissing) {
    // --allow-missing lets some services stay; with none left there is nothing to roll back to.
    throw new InputError(
      `no service has an image on or before ${date} (${catalog.timeZone}): ${missing.map((r) => r.name).join(', ')}; nothing was changed`,
      {
        hint: `the oldest image in rollback.json is from ${oldestDay(catalog) ?? 'nowhere'}; pick a later date`,
      },
    );
  }
  if (missing.length > 0 && !options.allowMissing) {
    const names = missing.map((r) =>
      r.undated.length > 0 ? `${r.name} (${r.undated.length} undated image(s) not counted)` : r.name,
    );
    throw new InputError(
      `no image on or before ${date} (${catalog.timeZone}) for ${names.join(', ')}; nothing was changed`,
      { hint: 'pick a later date, or pass --allow-missing to leave these services as they are' },
    );
  }
  return selections;
}

const dayPoint = (catalog: Catalog, date: string): RollbackPoint => ({
  kind: 'day',
  date,
  timeZone: catalog.timeZone,
});

function oldestDay(catalog: Catalog): string | undefined {
  const days = catalog.repositories.flatMap((r) => r.images.map((i) => i.created.slice(0, 10))).sort();
  return days[0];
}

/** `api` for `shop/api`, unless another repository of the catalog also ends in `api`. */
const lastSegment = (name: string) => name.slice(name.lastIndexOf('/') + 1);

export function serviceNames(repositories: readonly string[]): Map<string, string> {
  const last = lastSegment;
  const counts = new Map<string, number>();
  for (const r of repositories) counts.set(last(r), (counts.get(last(r)) ?? 0) + 1);
  return new Map(repositories.map((r) => [r, counts.get(last(r))! > 1 ? r : last(r)]));
}

export interface PlanOptions extends SelectOptions {
  group: string;
  /** How the user named the environment, for the hints: --group (Marathon, default) or --namespace. */
  scopeFlag?: '--group' | '--namespace';
  pinDigest?: boolean;
  approver?: string;
}

/**
 * The plan per service: which apps run the repository, the image each runs now, the image it
 * gets and why. A repository with no app in the group is an error: the rollback would otherwise
 * leave that service on the bad release without anyone noticing.
 */
export function planRollback(
  catalog: Catalog,
  at: string | RollbackPoint,
  apps: readonly DiscoveredApp[],
  options: PlanOptions,
): RollbackPlan {
  const point = typeof at === 'string' ? dayPoint(catalog, at) : at;
  const selections = selectImages(catalog, point, options);
  const names = serviceNames(selections.map((s) => s.repository));
  const services: ServicePlan[] = [];
  const withoutApp: string[] = [];
  const foreign: string[] = [];
  // Each image parsed once, not once per repository: 500 workloads are 250,000 matches.
  const references = new Map(apps.map((app) => [app, app.image && parseImageReference(app.image)]));
  for (const [i, selection] of selections.entries()) {
    const matching = apps
      .filter((app) => {
        const ref = references.get(app);
        return ref ? isReferenceOf(ref, selection.repository) : false;
      })
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (matching.length === 0) withoutApp.push(selection.repository);
    for (const app of matching) {
      if (!fromCatalogRegistry(app.image!, catalog.registry, catalog.repositories[i]!))
        foreign.push(`${app.id} runs ${app.image}`);
    }
    services.push({
      repository: selection.repository,
      service: names.get(selection.repository)!,
      choice: selection.choice,
      reason: selection.reason,
      ...(selection.filledFrom ? { filledFrom: selection.filledFrom } : {}),
      ...(selection.image ? { target: selection.image } : {}),
      apps: matching.map((app) => planApp(app.id, app.image!, selection.image, options.pinDigest ?? false)),
    });
  }
  if (withoutApp.length > 0) {
    const noImage = withoutImage(apps);
    throw new InputError(
      `no app under ${options.group} runs an image of ${withoutApp.join(', ')}${
        noImage.length > 0 ? ` (apps with no Docker image: ${listed(noImage)})` : ''
      }; nothing was changed`,
      {
        hint:
          options.scopeFlag === '--namespace'
            ? 'check --namespace and --selector, or create rollback.json with `rollback get` for the repositories of this namespace'
            : 'check --group, or create rollback.json with `rollback get` for the repositories of this group',
      },
    );
  }
  if (foreign.length > 0) {
    throw new InputError(
      `rollback.json was read from ${catalog.registry}, but ${listed(foreign)}, a registry and tag it does not know; nothing was changed`,
      {
        hint: 'run `rollback get --registry <the registry these apps pull from>` and pick the date again',
      },
    );
  }
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    date: pointLabel(point),
    point: describePoint(point),
    timeZone: catalog.timeZone,
    group: options.group,
    environment: catalog.environment,
    registry: catalog.registry,
    pinDigest: options.pinDigest ?? false,
    ...(options.approver ? { approver: options.approver } : {}),
    services,
  };
}

/** Apps whose image the plan cannot read: no container, a non-Docker container, or junk. */
function withoutImage(apps: readonly DiscoveredApp[]): string[] {
  return apps
    .filter((a) => a.image === undefined || parseImageReference(a.image) === undefined)
    .map((a) => a.id)
    .sort();
}

/**
 * A warning for apps of the group that no service can claim because they run no Docker image
 * (command apps, Mesos containers without an image): they stay as they are, and the engineer
 * should know that the rollback did not look at them.
 */
export function appsWithoutImageWarning(apps: readonly DiscoveredApp[], group: string): string | undefined {
  const ids = withoutImage(apps);
  if (ids.length === 0) return undefined;
  return `${ids.length} app(s) under ${group} run no Docker image and stay as they are: ${listed(ids)}`;
}

function planApp(id: string, from: string, target: CatalogImage | undefined, pinDigest: boolean): AppPlan {
  if (!target) return { id, from, to: from, action: 'stays' };
  const to = withTag(from, target.tag, pinDigest ? target.digest : undefined);
  return { id, from, to, action: to === from ? 'no-op' : 'deploy' };
}
