import type { Catalog, CatalogImage } from '../plan/catalog';
import { isImageOf, parseImageReference } from '../marathon/image';
import { planRollback, serviceNames, type DiscoveredApp } from '../plan/rollback-plan';

/**
 * Where the environment is now, from the catalog and what each app runs: per app its image, that
 * image's build date and the newest image of its service; which offered days a rollback to would
 * change nothing (the environment sits exactly there), and what a rollback to each offered day
 * would change. Pure.
 */

export interface AppStatus {
  id: string;
  service: string;
  image: string;
  /** The catalog's record of the image it runs; undefined when the catalog does not know it. */
  built?: CatalogImage;
  newest?: CatalogImage;
}

export interface DayChoice {
  date: string;
  /** The services a rollback to that day would change, in catalog order. */
  changes: string[];
}

export interface EnvironmentStatus {
  apps: AppStatus[];
  /** Apps running an image the catalog does not know (another tag, a hotfix, another environment). */
  unknown: string[];
  /** Offered days a rollback to which would change nothing, newest first. */
  sitsOn: string[];
  /** Every offered day with what a rollback to it would change, newest first. */
  days: DayChoice[];
}

function known(image: string, images: readonly CatalogImage[]): CatalogImage | undefined {
  const ref = parseImageReference(image);
  if (!ref) return undefined;
  return images.find((i) => (ref.digest ? i.digest === ref.digest : i.tag === ref.tag));
}

export function environmentStatus(
  catalog: Catalog,
  apps: readonly DiscoveredApp[],
  group: string,
): EnvironmentStatus {
  const names = serviceNames(catalog.repositories.map((r) => r.name));
  const rows: AppStatus[] = [];
  for (const repo of catalog.repositories) {
    for (const app of apps.filter((a) => a.image !== undefined && isImageOf(a.image, repo.name))) {
      const built = known(app.image!, repo.images);
      rows.push({
        id: app.id,
        service: names.get(repo.name)!,
        image: app.image!,
        ...(built ? { built } : {}),
        ...(repo.images[0] ? { newest: repo.images[0] } : {}),
      });
    }
  }
  const days = catalog.offeredDates.map((date): DayChoice => {
    const plan = planRollback(catalog, date, apps, { group, allowMissing: true });
    return {
      date,
      changes: plan.services.filter((s) => s.apps.some((a) => a.action === 'deploy')).map((s) => s.service),
    };
  });
  return {
    apps: rows,
    unknown: rows.filter((r) => !r.built).map((r) => r.id),
    sitsOn: days.filter((d) => d.changes.length === 0).map((d) => d.date),
    days,
  };
}

/**
 * The drop-down: the newest day that changes something first (preselected by Jenkins), then the
 * others newest first; a day that changes nothing says so. The date is always the first 10
 * characters, so a choice maps back to exactly one date.
 */
export function choiceLines(days: readonly DayChoice[]): string[] {
  const label = (d: DayChoice) =>
    `${d.date} · ${d.changes.length ? d.changes.join(', ') : 'changes nothing'}`;
  const first = days.find((d) => d.changes.length > 0);
  return [...(first ? [first] : []), ...days.filter((d) => d !== first)].map(label);
}
