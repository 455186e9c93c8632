import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { startStoryWorld, type StoryWorld, type StoryWorldOptions } from '../../src/sandbox/world';
import { request } from '../support/http';
import { runBundle, type Spawned } from './run-fixture';

export type { Spawned };

/**
 * The story's world with its clock pinned, so the release points of its release table
 * (src/sandbox/story-releases.ts) are literal instants the tests can name: "today" is STORY_TODAY,
 * and each table row `{ daysAgo, at }` is that many days before it at that UTC time.
 */

/** The story's "now": today's release was built at 07:30 and went out at 07:38, 07:46 and 07:54. */
export const STORY_NOW = new Date('2026-06-10T08:30:00.000Z');
export const STORY_TODAY = '2026-06-10';
/** Days before STORY_TODAY, as the release table counts them. */
export const DAY: Record<number, string> = {
  0: '2026-06-10',
  1: '2026-06-09',
  2: '2026-06-08',
  3: '2026-06-07',
  4: '2026-06-06',
  5: '2026-06-05',
  6: '2026-06-04',
  13: '2026-05-28',
};

export const DEV = {
  api: '/ds/dev/shop/api',
  billing: '/ds/dev/shop/billing',
  frontend: '/ds/dev/shop/frontend',
  gateway: '/ds/dev/shop/gateway-api',
};

export function startHistoryWorld(options: Omit<StoryWorldOptions, 'now'> = {}): Promise<StoryWorld> {
  return startStoryWorld({ deploymentMs: 300, ...options, now: STORY_NOW });
}

export const tmpDir = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), `rollback-${prefix}-`));

/**
 * The helper as a child, with its own cache folder (never the developer's ~/.cache) and only the
 * environment given.
 */
export function helper(args: string[], cache: string, env: NodeJS.ProcessEnv = {}): Promise<Spawned> {
  return runBundle(args, { XDG_CACHE_HOME: cache, ...env });
}

/** The tag an app of the world runs now. */
export function tagOf(marathon: MarathonEmulator, id: string): string {
  const app = marathon.getApp(id) as { container?: { docker?: { image?: string } } } | undefined;
  return app?.container?.docker?.image?.split(':').pop() ?? '(none)';
}

/** The tags of the given apps, by the last segment of their id. */
export function tagsOf(marathon: MarathonEmulator, ids: readonly string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [id.split('/').pop()!, tagOf(marathon, id)]));
}

/** What Marathon reports about an app beyond its definition, and the version fields a change moves. */
const NOT_DEFINITION = [
  'version',
  'versionInfo',
  'tasks',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'lastTaskFailure',
  'readinessCheckResults',
  'taskStats',
  'tasksStats',
  'counts',
];

/** An app's whole definition as Marathon has it now, minus status and version fields. */
export function definitionOf(marathon: MarathonEmulator, id: string): Record<string, unknown> {
  const app = structuredClone(marathon.getApp(id)!);
  for (const field of NOT_DEFINITION) delete app[field];
  return app;
}

/** A stored version of an app, read from the emulator's versions API, minus its version fields. */
export async function storedDefinition(
  marathon: MarathonEmulator,
  id: string,
  version: string,
): Promise<Record<string, unknown>> {
  const res = await request(`${marathon.marathonUrl}/v2/apps${id}/versions/${encodeURIComponent(version)}`);
  if (res.status !== 200) throw new Error(`version ${version} of ${id}: ${res.status}`);
  const app = res.json<Record<string, unknown>>();
  for (const field of NOT_DEFINITION) delete app[field];
  return app;
}

/** The version requests the emulator received since `from` (an index into its log). */
export function versionRequests(marathon: MarathonEmulator, from = 0) {
  const seen = marathon.requests.slice(from).filter((r) => r.method === 'GET');
  return {
    lists: seen.filter((r) => /^\/v2\/apps\/.+\/versions(\?.*)?$/.test(r.path)).map((r) => r.path),
    versions: seen.filter((r) => /^\/v2\/apps\/.+\/versions\/[^/]+$/.test(r.path)).map((r) => r.path),
  };
}

/** The app whose history Marathon cut: created on 1.4.0 five days ago, then scaled 52 times. */
export const LONG = '/ds/long/shop/api';

/**
 * Seed LONG: created 06-05 10:00 on 1.4.0-develop, scaled every 30 minutes from 06-06 00:00
 * (52 scales), then 1.5.0 on 06-08 09:40 and the 1.5.1 hotfix at 14:10. That is 55 versions:
 * Marathon keeps the newest 50, so its kept history starts at the fifth scale, 06-06 02:00.
 */
export function seedLongHistory(world: StoryWorld): void {
  const app = (tag: string, instances: number) => ({
    instances,
    cpus: 0.1,
    mem: 64,
    container: { type: 'DOCKER', docker: { image: `${world.registryHost}/shop/api:${tag}` } },
  });
  const scales = Array.from({ length: 52 }, (_, i) => ({
    at: new Date(Date.parse('2026-06-06T00:00:00Z') + i * 30 * 60_000).toISOString(),
    definition: app('1.4.0-develop', 2 + (i % 2)),
  }));
  world.marathon.seedHistory(LONG, [
    { at: '2026-06-05T10:00:00Z', definition: app('1.4.0-develop', 2) },
    ...scales,
    { at: '2026-06-08T09:40:00Z', definition: app('1.5.0-develop', 3) },
    { at: '2026-06-08T14:10:00Z', definition: app('1.5.1-develop', 3) },
  ]);
}
