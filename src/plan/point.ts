import { dayIn } from './days';

/**
 * The rollback point: a calendar day in a time zone (the end of that day, or the moment the catalog
 * was read when that was on the same day), or an exact instant. Pure.
 */
export type RollbackPoint =
  | {
      kind: 'day';
      date: string;
      timeZone: string;
      /** On the day the catalog was read: it knows the images up to this instant only. */
      readAt?: string;
    }
  | { kind: 'instant'; at: string; timeZone: string };

/** The point as the user gave it, for file names, the journal and the summary line. */
export function pointLabel(point: RollbackPoint): string {
  return point.kind === 'day' ? point.date : point.at;
}

/** `2026-12-01 14:32:08 UTC` (or the zone's offset name) for an instant. */
export function formatInstant(at: string | number | Date, timeZone: string): string {
  const d = new Date(at);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hour12: false,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const hour = get('hour') === '24' ? '00' : get('hour');
  return `${dayIn(d, timeZone)} ${hour}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}

/** The point in words, as the plan and the confirmation show it. */
export function describePoint(point: RollbackPoint): string {
  if (point.kind === 'instant') return formatInstant(point.at, point.timeZone);
  if (point.readAt)
    // The time alone (`10:32:00`): the zone follows once, as in `end of 2026-11-27 (UTC)`.
    return `${point.date} up to ${formatInstant(point.readAt, point.timeZone).slice(11, 19)}, when the catalog was read (${point.timeZone})`;
  return `end of ${point.date} (${point.timeZone})`;
}

/** Whether an image built at `created` belongs to the snapshot at `point`. */
export function builtBy(created: string, point: RollbackPoint): boolean {
  return point.kind === 'day'
    ? dayIn(created, point.timeZone) <= point.date
    : Date.parse(created) <= Date.parse(point.at);
}
