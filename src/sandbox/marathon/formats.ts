/**
 * The formats Marathon's schema names, with Marathon's meaning. A module of its own because the
 * generated app-definition validator (src/generated/) requires it at run time.
 */

/** ISO-8601 with an offset, as Marathon's Timestamp parser accepts. */
export function isTimestamp(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

/** By the name the schema gives each format (`"format": "date-time"`). */
export const formats = { 'date-time': isTimestamp };
