import type { Catalog } from './catalog';
import { dayIn } from './days';
import { formatInstant, type RollbackPoint } from './point';
import type { RollbackPlan } from './rollback-plan';
import { InputError } from '../errors';
import { displayVersion, parseImageReference } from '../marathon/image';

/**
 * The refusals that keep a rollback from going somewhere, or to some time, nobody meant: a point
 * in the future or beyond what the catalog knows, and apps that run another environment's images
 * (or a hand-deployed hotfix). Pure: the clock and the catalog come in as values.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PointCheck {
  /** The point to plan with: on the day the catalog was read, capped at that moment. */
  point: RollbackPoint;
  /** Said on stderr: the catalog's age when it is older than a day. */
  warnings: string[];
}

/**
 * A point after now rolls forward onto builds that never ran; one after the catalog was read plans
 * from an image list that misses what came since. Both are refused before anything is read.
 */
export function checkPoint(point: RollbackPoint, catalog: Catalog | undefined, now: Date): PointCheck {
  const tz = point.timeZone;
  const today = dayIn(now, tz);
  const readAt = catalog?.generatedAt;
  const readDay = readAt ? dayIn(readAt, tz) : undefined;
  const read = readAt ? formatInstant(readAt, tz) : '';
  const again = 'run `rollback get` again (Jenkins: build again) to read the registry now';
  if (point.kind === 'day') {
    if (point.date > today)
      throw new InputError(
        `--date ${point.date} is after today (${today}, ${tz}); a rollback cannot go forward`,
        {
          hint: 'pick a day on or before today',
        },
      );
    if (readDay !== undefined && point.date > readDay)
      throw new InputError(
        `--date ${point.date} is after the day rollback.json was read (${read}); it knows no image built since`,
        { hint: again },
      );
  } else {
    if (Date.parse(point.at) > now.getTime())
      throw new InputError(`--at ${point.at} is in the future (now ${formatInstant(now, tz)})`, {
        hint: 'pick an instant in the past',
      });
    if (readAt !== undefined && Date.parse(point.at) > Date.parse(readAt))
      throw new InputError(
        `--at ${point.at} is after rollback.json was read (${read}); it knows no image built since`,
        {
          hint: again,
        },
      );
  }
  const warnings: string[] = [];
  if (readAt !== undefined && now.getTime() - Date.parse(readAt) > DAY_MS) {
    const days = Math.floor((now.getTime() - Date.parse(readAt)) / DAY_MS);
    warnings.push(
      `rollback.json was read ${days} day(s) ago (${read}); images pushed since are not in it (${again})`,
    );
  }
  const capped = point.kind === 'day' && point.date === readDay && readAt ? { ...point, readAt } : point;
  return { point: capped, warnings };
}

export interface EnvironmentGuard {
  /** Whether a tag belongs to the catalog's environment, by the catalog's own filter. */
  belongs: (tag: string) => boolean;
  /** `develop tags (ending in -develop, _develop or .develop)`, for the message. */
  description: string;
  environment: string;
  /** --cross-environment: accept them, marked in the plan. */
  allow: boolean;
  /** How the user named the environment, for the hint: --group (default) or --namespace. */
  scopeFlag?: '--group' | '--namespace';
}

/**
 * Every app to be changed must run a tag of the catalog's environment now: a develop catalog
 * applied to the prod group would put develop builds on prod. A hotfix tag of no environment is
 * stopped the same way, so nobody's hand-deployed fix is rolled over unseen.
 */
export function guardEnvironment(plan: RollbackPlan, guard: EnvironmentGuard): RollbackPlan {
  const foreign: string[] = [];
  const services = plan.services.map((s) => ({
    ...s,
    apps: s.apps.map((a) => {
      if (a.action !== 'deploy') return a;
      const tag = parseImageReference(a.from)?.tag;
      if (tag !== undefined && guard.belongs(tag)) return a;
      foreign.push(`${a.id} runs ${tag === undefined ? displayVersion(a.from) : tag}`);
      return { ...a, crossEnvironment: true as const };
    }),
  }));
  if (foreign.length > 0 && !guard.allow)
    throw new InputError(
      `rollback.json is of environment ${guard.environment}, but ${foreign.join(', ')}, not one of its ${guard.description}; nothing was changed`,
      {
        hint: `check ${guard.scopeFlag ?? '--group'} and --dump; if these apps really are to get ${guard.environment} images, pass --cross-environment (Jenkins: crossEnvironment: true)`,
      },
    );
  return { ...plan, services };
}
