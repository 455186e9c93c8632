import { existsSync } from 'node:fs';
import path from 'node:path';
import type { StoryWorld } from '../../src/sandbox/world';
import { lastLine, readJson } from './run-fixture';
import {
  DEV,
  helper,
  LONG,
  seedLongHistory,
  startHistoryWorld,
  tagOf,
  tagsOf,
  tmpDir,
} from './history-support';

/**
 * `run --at` with both point sources against the story: the registry's build dates (the day rule
 * with sub-day precision) and Marathon's own history (what ran). Yesterday (06-09) frontend 1.5.0
 * went out at 10:05 and api 1.6.0 at 14:30; api 1.6.0 was built at 09:07. At noon api still ran
 * the 1.5.1 hotfix of the day before: only history knows that.
 */

const SERVICES = [DEV.frontend, DEV.api, DEV.billing];

let world: StoryWorld;
let cache: string;
let dump: string;

beforeEach(async () => {
  world = await startHistoryWorld();
  cache = tmpDir('run-at-cache');
  dump = tmpDir('run-at');
});
afterEach(() => world?.stop());

/** rollback.json of the story's develop images, as `get` writes it. */
async function getCatalog(): Promise<void> {
  const get = await helper(
    [
      'get',
      '--registry',
      world.registryUrl,
      '--repo',
      'shop/frontend,shop/api,shop/billing',
      '--env',
      'develop',
      '--dump',
      dump,
    ],
    cache,
  );
  expect({ code: get.code, stderr: get.code === 0 ? '' : get.stderr }).toEqual({ code: 0, stderr: '' });
}

const run = (...args: string[]) =>
  helper(['run', '--dump', dump, '--marathon', world.marathon.url, '--group', '/ds/dev', ...args], cache);

/** service → target tag, from `run --dry-run --json`. */
function planned(stdout: string): Record<string, string> {
  const result = JSON.parse(stdout) as { services: Array<{ service: string; apps: Array<{ to: string }> }> };
  return Object.fromEntries(result.services.map((s) => [s.service, s.apps[0]!.to.split(':').pop()!]));
}

describe('run --at --source marathon', () => {
  it('between two releases of one day: what ran at noon, which no day and no build date gives', async () => {
    const res = await run('--at', '2026-06-09T12:00:00Z', '--source', 'marathon');
    expect({ code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(tagsOf(world.marathon, SERVICES)).toEqual({
      frontend: '1.5.0-develop',
      api: '1.5.1-develop',
      billing: '1.4.0-develop',
    });
    expect(tagOf(world.marathon, DEV.gateway)).toBe('2.0.0-develop');
    expect(res.stdout.split('\n')[0]).toBe(
      'dev → 2026-06-09 12:00:00 UTC: api 1.5.1-develop, billing 1.4.0-develop, frontend 1.5.0-develop, gateway-api unchanged',
    );
    const journal = readJson(path.join(dump, 'rollback-journal.json'));
    expect(journal).toMatchObject({ date: '2026-06-09T12:00:00.000Z', point: '2026-06-09 12:00:00 UTC' });
    // No catalog was read nor needed.
    expect(journal.catalog).toBeUndefined();
    expect(existsSync(path.join(dump, 'rollback.json'))).toBe(false);
  });

  it('a line of `history --choices`, turned into `--at`, rolls back to that release point', async () => {
    const choices = await helper(
      ['history', '--marathon', world.marathon.url, '--group', '/ds/dev', '--choices'],
      cache,
    );
    // The hotfix of 06-08: `2026-06-08 14:10:00 UTC · api`.
    const line = choices.stdout.split('\n').find((l) => l.startsWith('2026-06-08 14:10:00 UTC'))!;
    expect(line).toBe('2026-06-08 14:10:00 UTC · api');
    const at = `${line.slice(0, 10)}T${line.slice(11, 19)}Z`;
    const dry = await run('--at', at, '--source', 'marathon', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(planned(dry.stdout)).toEqual({
      api: '1.5.1-develop',
      billing: '1.4.0-develop',
      frontend: '1.4.0-develop',
      'gateway-api': '2.0.0-develop',
    });
    // One second before it, the hotfix was not out yet.
    const before = await run('--at', '2026-06-08T14:09:59Z', '--source', 'marathon', '--dry-run', '--json');
    expect(planned(before.stdout).api).toBe('1.5.0-develop');
  });

  it('an app created after the instant stays as it is, and the plan says why', async () => {
    const dry = await run('--at', '2026-06-05T10:00:00Z', '--source', 'marathon', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /gateway-api\s+stays on 2\.0\.0-develop\s+created after the point \(2026-06-05 10:30:00 UTC\); stays as it is/,
    );
    expect(dry.stdout).toMatch(
      /api\s+1\.7\.0-develop → 1\.4\.0-develop\s+ran at 2026-06-05 10:00:00 UTC \(deployed 2026-06-05 09:55:00 UTC\)/,
    );
  });
});

describe('run --at --source registry: the day rule to the second', () => {
  it('takes the newest image built by the instant, where --date takes the end of the day', async () => {
    await getCatalog();
    // 09:03 yesterday: frontend 1.5.0 was built at 09:00, api 1.6.0 only at 09:07.
    const at = await run('--at', '2026-06-09T09:03:00Z', '--dry-run', '--json');
    expect(at.code).toBe(0);
    expect(planned(at.stdout)).toEqual({
      api: '1.5.1-develop',
      billing: '1.4.0-develop',
      frontend: '1.5.0-develop',
    });
    const day = await run('--date', '2026-06-09', '--dry-run', '--json');
    expect(planned(day.stdout)).toEqual({
      api: '1.6.0-develop',
      billing: '1.4.0-develop',
      frontend: '1.5.0-develop',
    });
    // At noon the build dates say api 1.6.0 (built 09:07), though it went out only at 14:30.
    const noon = await run('--at', '2026-06-09T12:00:00Z', '--source', 'registry', '--dry-run', '--json');
    expect(planned(noon.stdout).api).toBe('1.6.0-develop');

    const real = await run('--at', '2026-06-09T09:03:00Z');
    expect(real.code).toBe(0);
    expect(tagsOf(world.marathon, SERVICES)).toEqual({
      frontend: '1.5.0-develop',
      api: '1.5.1-develop',
      billing: '1.4.0-develop',
    });
    expect(readJson(path.join(dump, 'rollback-journal.json')).catalog).toMatchObject({
      environment: 'develop',
    });
  });
});

const runLong = (...args: string[]) =>
  helper(['run', '--dump', dump, '--marathon', world.marathon.url, '--group', '/ds/long', ...args], cache);

describe('run --at --source marathon before an app’s oldest kept version', () => {
  it('without a catalog: refused with exit 2, naming the app, nothing changed', async () => {
    seedLongHistory(world);
    const before = world.marathon.requests.length;
    const res = await runLong('--at', '2026-06-06T01:00:00Z', '--source', 'marathon');
    expect(res.code).toBe(2);
    expect(lastLine(res.stderr)).toBe(
      `rollback: what ran at 2026-06-06 01:00:00 UTC is not known for ${LONG} (its history starts 2026-06-06 02:00:00 UTC): Marathon keeps only the last versions of an app; nothing was changed (pick a later point (\`rollback history\`), or give a catalog (\`rollback get --dump DIR\`) so the registry rule fills in)`,
    );
    expect(world.marathon.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(tagOf(world.marathon, LONG)).toBe('1.5.1-develop');
    expect(existsSync(path.join(dump, 'rollback-journal.json'))).toBe(false);
  });

  it('with a catalog: the registry rule fills in, and the plan says so in words', async () => {
    seedLongHistory(world);
    await getCatalog();
    const dry = await runLong('--at', '2026-06-06T01:00:00Z', '--source', 'marathon', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /api\s+1\.5\.1-develop → 1\.4\.0-develop\s+history kept only since 2026-06-06 02:00:00 UTC: newest image built by then, from rollback\.json/,
    );
    const real = await runLong('--at', '2026-06-06T01:00:00Z', '--source', 'marathon');
    expect(real.code).toBe(0);
    expect(tagOf(world.marathon, LONG)).toBe('1.4.0-develop');
  });
});
