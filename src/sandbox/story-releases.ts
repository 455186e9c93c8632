/**
 * The story's two weeks as tables: when each image was built and deployed, and every other change of
 * the dev apps. Pure data plus the rule that turns "days ago, HH:MM" into an instant; story.ts turns
 * it into registry images and Marathon histories.
 *
 * The days a calendar-day rule cannot tell apart: two days ago api got 1.5.0 in the morning and the
 * hotfix 1.5.1 in the afternoon; yesterday frontend went out at 10:05 and api at 14:30. Rolling back
 * to "yesterday" takes the end of the day; rolling back to yesterday noon needs the release history.
 */

export type StoryService = 'frontend' | 'api' | 'billing';

/** Repository of each service, in the order their builds run (7 minutes apart). */
export const SERVICE_REPOSITORY: Record<StoryService, string> = {
  frontend: 'shop/frontend',
  api: 'shop/api',
  billing: 'shop/billing',
};

/** What one dev change did: a release (a new image), a change of configuration only, or a scale. */
export type StoryChange =
  | { image: string; /** UTC `HH:MM` of that day, or 'today' (see `builtToday`). */ built: string }
  | { env: Record<string, string> }
  | { healthCheckGraceSeconds: number }
  | { instances: number };

export interface StoryEvent {
  daysAgo: number;
  /** When it was deployed, UTC `HH:MM`, or 'today' for today's release (see `deployedToday`). */
  at: string;
  service: StoryService;
  change: StoryChange;
}

/** How each dev app was configured before the first change of the timeline. */
export interface AppShape {
  instances: number;
  /** Environment variables beyond SERVICE_NAME. */
  env: Record<string, string>;
  healthCheckGraceSeconds: number;
}

/** Today's shape of every app, the one `marathonAppDefinition` writes. */
export const TODAY_SHAPE: AppShape = { instances: 2, env: {}, healthCheckGraceSeconds: 30 };

/** Where the dev apps started two weeks ago; the timeline brings each to TODAY_SHAPE. */
export const DEV_FIRST_SHAPE: Record<StoryService, AppShape> = {
  frontend: TODAY_SHAPE,
  api: { ...TODAY_SHAPE, env: { LOG_LEVEL: 'info' } },
  billing: { ...TODAY_SHAPE, healthCheckGraceSeconds: 120 },
};

/** Every change of the dev apps (group /ds/dev), oldest first. */
export const DEV_TIMELINE: StoryEvent[] = [
  { daysAgo: 13, at: '09:40', service: 'frontend', change: { image: '1.1.0-develop', built: '09:00' } },
  { daysAgo: 13, at: '10:20', service: 'api', change: { image: '1.1.0-develop', built: '09:07' } },
  { daysAgo: 12, at: '10:05', service: 'billing', change: { image: '1.1.0-develop', built: '09:14' } },
  { daysAgo: 11, at: '11:30', service: 'api', change: { image: '1.2.0-develop', built: '09:07' } },
  { daysAgo: 10, at: '09:45', service: 'frontend', change: { image: '1.2.0-develop', built: '09:00' } },
  { daysAgo: 9, at: '13:20', service: 'billing', change: { image: '1.2.0-develop', built: '09:14' } },
  { daysAgo: 8, at: '10:10', service: 'api', change: { image: '1.3.0-develop', built: '09:07' } },
  { daysAgo: 8, at: '17:30', service: 'frontend', change: { instances: 4 } }, // load test
  { daysAgo: 7, at: '09:50', service: 'frontend', change: { image: '1.3.0-develop', built: '09:00' } },
  { daysAgo: 7, at: '18:05', service: 'frontend', change: { instances: 2 } },
  { daysAgo: 6, at: '10:30', service: 'billing', change: { image: '1.3.0-develop', built: '09:14' } },
  { daysAgo: 6, at: '15:45', service: 'billing', change: { healthCheckGraceSeconds: 30 } },
  { daysAgo: 5, at: '09:55', service: 'api', change: { image: '1.4.0-develop', built: '09:07' } },
  { daysAgo: 4, at: '10:15', service: 'frontend', change: { image: '1.4.0-develop', built: '09:00' } },
  { daysAgo: 4, at: '16:20', service: 'api', change: { env: { LOG_LEVEL: 'debug' } } },
  { daysAgo: 3, at: '10:40', service: 'billing', change: { image: '1.4.0-develop', built: '09:14' } },
  { daysAgo: 3, at: '11:30', service: 'api', change: { env: {} } }, // debug logging off again
  { daysAgo: 2, at: '09:40', service: 'api', change: { image: '1.5.0-develop', built: '09:07' } },
  { daysAgo: 2, at: '14:10', service: 'api', change: { image: '1.5.1-develop', built: '13:50' } }, // hotfix
  { daysAgo: 1, at: '10:05', service: 'frontend', change: { image: '1.5.0-develop', built: '09:00' } },
  { daysAgo: 1, at: '14:30', service: 'api', change: { image: '1.6.0-develop', built: '09:07' } },
  // Today's bad release of all three.
  { daysAgo: 0, at: 'today', service: 'frontend', change: { image: '1.6.0-develop', built: 'today' } },
  { daysAgo: 0, at: 'today', service: 'api', change: { image: '1.7.0-develop', built: 'today' } },
  { daysAgo: 0, at: 'today', service: 'billing', change: { image: '1.5.0-develop', built: 'today' } },
];

/**
 * Promotions of all three services at once: built from 09:30 (stage) or 09:45 (master), deployed
 * from 11:00 (stage) or 16:00 (master), each service 7 minutes after the one before for the build
 * and 10 minutes for the deployment.
 */
export const PROMOTIONS = [
  { env: 'stage', daysAgo: 12, tag: '1.4.0-stage', built: '09:30', at: '11:00' },
  { env: 'stage', daysAgo: 8, tag: '1.3.0-stage', built: '09:30', at: '11:00' },
  { env: 'stage', daysAgo: 5, tag: '1.2.0-stage', built: '09:30', at: '11:00' },
  { env: 'stage', daysAgo: 2, tag: '1.1.0-stage', built: '09:30', at: '11:00' },
  { env: 'prod', daysAgo: 11, tag: '1.2.0-master', built: '09:45', at: '16:00' },
  { env: 'prod', daysAgo: 4, tag: '1.1.0-master', built: '09:45', at: '16:00' },
] as const;

/** The decoy gateway-api (a repository whose name ends like a service's): one release, five days ago. */
export const GATEWAY_RELEASE = { daysAgo: 5, tag: '2.0.0-develop', built: '09:00', at: '10:30' } as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

function startOfUtcDay(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** `HH:MM` (UTC) on the day `daysAgo` before `now`, plus `extraMinutes`. */
export function timeOn(now: Date, daysAgo: number, hhmm: string, extraMinutes = 0): string {
  const day = startOfUtcDay(now.getTime()) - daysAgo * DAY_MS;
  return new Date(day + (minutesOf(hhmm) + extraMinutes) * MINUTE_MS).toISOString();
}

/**
 * Today's release was built an hour ago, but never before midnight, so "today" stays today whatever
 * time the demo runs.
 */
export function builtToday(now: Date): string {
  return new Date(Math.max(startOfUtcDay(now.getTime()), now.getTime() - 60 * MINUTE_MS)).toISOString();
}

/**
 * Today's deployments fall between the build and `now`, in the order of `slot` (1 to 4 of five
 * parts of that span, at most 40 minutes), so none is in the future and none before its build.
 */
export function deployedToday(now: Date, slot: number): string {
  const built = Date.parse(builtToday(now));
  const span = Math.min(40 * MINUTE_MS, now.getTime() - built);
  return new Date(built + Math.floor((span * slot) / 5)).toISOString();
}
