import { implausibility, plausibleCreated } from '../plan/days';
import type { ImageConfig } from './manifest';

/**
 * When an image was built, from what its manifest and config say. Pure.
 *
 * Precedence: the `org.opencontainers.image.created` annotation of the image manifest, then of the
 * index it came from, then the label of the same name in the config, then the config's `created`
 * (schema1: the newest `v1Compatibility.created`). A value that is absent or no plausible date is
 * skipped: not RFC 3339 with an offset (without one it is a different instant on every machine),
 * a day that does not exist (2026-11-31), or before 1990 (reproducible builds pin 1970 or 1980:
 * such an image must be reported as undated rather than placed in 1970). So is a date more than a
 * day ahead of this machine's clock: a builder with a wrong clock must not put its image at the
 * top of the dropdown.
 */

export const CREATED = 'org.opencontainers.image.created';

export type DateSource = 'annotation' | 'index annotation' | 'label' | 'config' | 'schema1';

export type Dating =
  | { created: string; source: DateSource }
  /** `provisional`: rejected only for lying in the future, which changes with time (never cached). */
  | { reason: string; provisional?: true };

export function isDated(d: Dating): d is { created: string; source: DateSource } {
  return 'created' in d;
}

interface Candidate {
  source: DateSource;
  value: unknown;
}

/** Clock skew we tolerate between a builder and this machine. */
const FUTURE_TOLERANCE_MS = 86_400_000;

/** ISO-8601 UTC for a date between 1990 and tomorrow, else why it is none. */
function plausible(value: unknown, now: number): { created: string } | { why: string; future?: true } {
  const created = plausibleCreated(value);
  if (created === undefined) return { why: implausibility(value) ?? 'not a date' };
  if (Date.parse(created) <= now + FUTURE_TOLERANCE_MS) return { created };
  return { why: 'in the future', future: true };
}

function unknown(rejected: string[], future: boolean): Dating {
  return {
    reason: `no plausible creation date (${rejected.join('; ')})`,
    ...(future ? { provisional: true as const } : {}),
  };
}

function firstPlausible(candidates: Candidate[], now: number): Dating {
  const rejected: string[] = [];
  let future = false;
  for (const { source, value } of candidates) {
    if (value === undefined || value === null || value === '') continue;
    const read = plausible(value, now);
    if ('created' in read) return { created: read.created, source };
    future ||= read.future === true;
    rejected.push(`${source} ${JSON.stringify(value)}: ${read.why}`);
  }
  if (rejected.length === 0) return { reason: 'the image has no creation date' };
  return unknown(rejected, future);
}

export function dateImage(input: {
  manifestAnnotations: Record<string, string>;
  indexAnnotations?: Record<string, string>;
  config: ImageConfig;
  now?: number;
}): Dating {
  return firstPlausible(
    [
      { source: 'annotation', value: input.manifestAnnotations[CREATED] },
      { source: 'index annotation', value: input.indexAnnotations?.[CREATED] },
      { source: 'label', value: input.config.labels[CREATED] },
      { source: 'config', value: input.config.created },
    ],
    input.now ?? Date.now(),
  );
}

/** Schema1 has no config blob: the newest `created` among the layers' v1Compatibility JSON. */
export function dateSchema1(v1Compatibility: readonly string[], now = Date.now()): Dating {
  let newest: number | undefined;
  let future = false;
  const rejected: string[] = [];
  for (const entry of v1Compatibility) {
    let created: unknown;
    try {
      created = (JSON.parse(entry) as { created?: unknown } | null)?.created;
    } catch {
      continue;
    }
    if (created === undefined) continue;
    const read = plausible(created, now);
    if (!('created' in read)) {
      future ||= read.future === true;
      rejected.push(`schema1 ${JSON.stringify(created)}: ${read.why}`);
      continue;
    }
    const ms = Date.parse(read.created);
    if (newest === undefined || ms > newest) newest = ms;
  }
  if (newest !== undefined) {
    return { created: new Date(newest).toISOString(), source: 'schema1' };
  }
  if (rejected.length === 0) return { reason: 'the schema1 manifest has no creation date' };
  return unknown(rejected.slice(0, 3), future);
}
