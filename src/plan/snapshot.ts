import type { CatalogImage } from './catalog';
import { dayIn } from './days';
import { builtBy, type RollbackPoint } from './point';

/**
 * The rollback point is a snapshot in time: every service goes to the newest image it had at the
 * end of the chosen day, whether or not it changed that day. These functions are the whole rule;
 * `get` uses them to choose what to offer, `run` to choose what to deploy.
 */

export type ImageChoice =
  | { kind: 'of-that-day'; image: CatalogImage }
  /** The service did not change that day: its newest earlier image, built on `day`. */
  | { kind: 'earlier'; image: CatalogImage; day: string }
  /** No image on or before the day. */
  | { kind: 'none' };

/**
 * `images` must be sorted newest first (the catalog guarantees it). Two images on the same day:
 * the later one, because it is first.
 */
export function imageAt(images: readonly CatalogImage[], day: string, timeZone: string): ImageChoice {
  return imageAtPoint(images, { kind: 'day', date: day, timeZone });
}

/** The same rule for any point: a day, or an instant (then "that day" is the instant's day). */
export function imageAtPoint(images: readonly CatalogImage[], point: RollbackPoint): ImageChoice {
  const day = point.kind === 'day' ? point.date : dayIn(point.at, point.timeZone);
  for (const image of images) {
    if (!builtBy(image.created, point)) continue;
    const built = dayIn(image.created, point.timeZone);
    return built === day ? { kind: 'of-that-day', image } : { kind: 'earlier', image, day: built };
  }
  return { kind: 'none' };
}

/** The dropdown: the union of the days of each repository's newest `keep` images, newest first. */
export function offeredDates(
  repositories: ReadonlyArray<{ images: readonly CatalogImage[] }>,
  keep: number,
  timeZone: string,
): string[] {
  const days = new Set<string>();
  for (const repo of repositories) {
    for (const image of repo.images.slice(0, keep)) days.add(dayIn(image.created, timeZone));
  }
  return [...days].sort().reverse();
}

/** Sort images newest first; equal instants by tag so the order is stable across runs. */
export function newestFirst(images: CatalogImage[]): CatalogImage[] {
  return images.sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || (a.tag < b.tag ? 1 : -1));
}
