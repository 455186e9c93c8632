import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JsonObject } from '../../src/sandbox/marathon/validate';

/**
 * The real Marathon data in ../shared/marathon (next to the repository), for the emulator's own tests.
 * Tests may read it; the emulator itself never does (it is bundled).
 */

export const SHARED_MARATHON = path.join(__dirname, '../../../shared/marathon');

export function readSharedJson<T = JsonObject>(relative: string): T {
  return JSON.parse(readFileSync(path.join(SHARED_MARATHON, relative), 'utf8')) as T;
}

/** [file name, app] of every example app in examples/apps. */
export function exampleApps(): Array<[string, JsonObject]> {
  const dir = path.join(SHARED_MARATHON, 'examples/apps');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, readSharedJson(`examples/apps/${f}`)]);
}

/** The 100 anonymised apps of the real group dump examples/group-dump/155_100.json. */
export function dumpApps(): JsonObject[] {
  const apps: JsonObject[] = [];
  const walk = (group: JsonObject): void => {
    apps.push(...((group['apps'] as JsonObject[] | undefined) ?? []));
    for (const sub of (group['groups'] as JsonObject[] | undefined) ?? []) walk(sub);
  };
  walk(readSharedJson('examples/group-dump/155_100.json'));
  return apps;
}

/** Loads every example app and the dump into an emulator (as seeded, healthy apps). */
export function loadSharedExamples(emulator: { addApp(app: Record<string, unknown>): void }): string[] {
  const ids: string[] = [];
  for (const [, app] of exampleApps()) {
    emulator.addApp(app);
    ids.push(`/${String(app['id']).replace(/^\//, '')}`);
  }
  for (const app of dumpApps()) {
    emulator.addApp(app);
    ids.push(String(app['id']));
  }
  return ids;
}
