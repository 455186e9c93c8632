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

/** Normalise a creation date to ISO-8601 UTC, or undefined when absent, unparsable or implausible. */
export function plausibleCreated(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < EARLIEST_PLAUSIBLE_IMAGE) return undefined;
  return new Date(ms).toISOString();
}
