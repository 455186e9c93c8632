import { UsageError } from '../errors';
import { quote } from '../util/quote';

/**
 * A rollback date is a calendar day (YYYY-MM-DD) in one time zone. Days compare as strings, so all
 * date logic reduces to "which day of zone Z does this instant fall on".
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDay(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

export function parseCalendarDay(value: string, what = '--date'): string {
  if (!isCalendarDay(value))
    throw new UsageError(`${what} must be a calendar day YYYY-MM-DD, got ${quote(value)}`);
  return value;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

export function assertTimeZone(timeZone: string): string {
  try {
    formatterFor(timeZone);
  } catch {
    throw new UsageError(
      `--tz ${quote(timeZone)} is not a time zone this Node.js knows (try UTC or Europe/Berlin)`,
    );
  }
  return timeZone;
}

/** The calendar day, in `timeZone`, on which `instant` falls. */
export function dayIn(instant: string | number | Date, timeZone: string): string {
  const date = instant instanceof Date ? instant : new Date(instant);
  const parts = formatterFor(timeZone).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Images built before this are treated as undated: reproducible builds pin 1970 or 1980. */
export const EARLIEST_PLAUSIBLE_IMAGE = Date.UTC(1990, 0, 1);

/**
 * An RFC 3339 date-time (seconds optional, as ECMAScript allows): a day, a time and an offset. The
 * offset is what makes it one instant: Date.parse reads `2026-11-30T23:30:00` in the local time
 * zone, so one registry would give 11-30 on one Jenkins agent and 12-01 on another.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/** A creation date as an instant (ms), or why it is none. */
function readCreated(value: unknown): number | string {
  if (typeof value !== 'string' || value.trim() === '') return 'not a date';
  const m = DATE_TIME.exec(value.trim());
  if (!m) return 'not an RFC 3339 date';
  const [y, mo, d, h, mi, s = 0] = m.slice(1, 7).map((part) => Number(part ?? 0)) as number[];
  if (!m[8] && !m[9]) return 'no UTC offset (Z or ±hh:mm)';
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  // Dates roll 2026-11-31 over to December 1 and 24:00 to the next day: a date whose fields do
  // not come back as given names no moment at all. (setUTCFullYear, unlike Date.UTC, keeps years
  // below 100 as they are, so 0001-01-01 is "before 1990", as it is.)
  const back = new Date(0);
  back.setUTCFullYear(y!, mo! - 1, d!);
  back.setUTCHours(h!, mi!, s, 0);
  const local = back.getTime();
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo! - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return 'no such day or time';
  }
  const sign = m[9] === '-' ? -1 : 1;
  const instant = local + ms - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return instant < EARLIEST_PLAUSIBLE_IMAGE ? 'before 1990' : instant;
}

/**
 * Normalise a creation date to ISO-8601 UTC, or undefined when it is absent, not an RFC 3339 date
 * with an offset, names no real day or time, or lies before 1990.
 */
export function plausibleCreated(value: unknown): string | undefined {
  const read = readCreated(value);
  return typeof read === 'number' ? new Date(read).toISOString() : undefined;
}

/** Why `value` is not a plausible creation date (see plausibleCreated), or undefined when it is. */
export function implausibility(value: unknown): string | undefined {
  const read = readCreated(value);
  return typeof read === 'string' ? read : undefined;
}
