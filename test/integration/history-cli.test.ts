import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { StoryWorld } from '../../src/sandbox/world';
import { lastLine } from './run-fixture';
import { helper, LONG, seedLongHistory, startHistoryWorld, tmpDir, versionRequests } from './history-support';
import { MARATHON_BASIC, MARATHON_ENV } from './run-fixture';

/**
 * `history` of the bundled helper against the emulator seeded with the story's two weeks: the
 * release points are the story's release table (src/sandbox/story-releases.ts) written out by
 * hand for STORY_NOW, never computed by the code under test.
 */

/** Every release point of /ds/dev, newest first, as the drop-down lists them. */
const STORY_CHOICES = [
  '2026-06-10 07:54:00 UTC · billing',
  '2026-06-10 07:46:00 UTC · frontend, api', // today's bad release: 07:38 and 07:46, one release
  '2026-06-09 14:30:00 UTC · api',
  '2026-06-09 10:05:00 UTC · frontend',
  '2026-06-08 14:10:00 UTC · api', // the hotfix
  '2026-06-08 09:40:00 UTC · api',
  '2026-06-07 11:30:00 UTC · api (config)',
  '2026-06-07 10:40:00 UTC · billing',
  '2026-06-06 16:20:00 UTC · api (config)',
  '2026-06-06 10:15:00 UTC · frontend',
  '2026-06-05 10:30:00 UTC · gateway-api',
  '2026-06-05 09:55:00 UTC · api',
  '2026-06-04 15:45:00 UTC · billing (config)',
  '2026-06-04 10:30:00 UTC · billing',
  '2026-06-03 09:50:00 UTC · frontend', // the scales of 06-02 17:30 and 06-03 18:05 are not points
  '2026-06-02 10:10:00 UTC · api',
  '2026-06-01 13:20:00 UTC · billing',
  '2026-05-31 09:45:00 UTC · frontend',
  '2026-05-30 11:30:00 UTC · api',
  '2026-05-29 10:05:00 UTC · billing',
  '2026-05-28 10:20:00 UTC · api',
  '2026-05-28 09:40:00 UTC · frontend',
];

let world: StoryWorld;
let marathon: string;

beforeAll(async () => {
  world = await startHistoryWorld();
  marathon = world.marathon.url;
});
afterAll(() => world?.stop());

const history = (cache: string, ...extra: string[]) =>
  helper(['history', '--marathon', marathon, '--group', '/ds/dev', ...extra], cache);

describe('history', () => {
  it('lists every release point of the story, newest first, with from → to and how far back each app reaches', async () => {
    const { code, stdout, stderr } = await history(tmpDir('hist-cache'));
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const rows = stdout.split('\n');
    expect(rows[0]).toBe(
      `Releases of dev (/ds/dev) in Marathon at ${marathon}, newest first (changes within 10 min grouped; scales and restarts left out):`,
    );
    expect(rows.slice(2, 2 + STORY_CHOICES.length).map((r) => r.slice(0, 23))).toEqual(
      STORY_CHOICES.map((c) => c.slice(0, 23)),
    );
    for (const line of [
      '2026-06-10 07:46:00 UTC  frontend 1.5.0-develop → 1.6.0-develop, api 1.6.0-develop → 1.7.0-develop',
      '2026-06-08 14:10:00 UTC  api 1.5.0-develop → 1.5.1-develop',
      '2026-06-07 11:30:00 UTC  api (config: env (LOG_LEVEL))',
      '2026-06-04 15:45:00 UTC  billing (config: healthChecks)',
      '2026-05-28 09:40:00 UTC  frontend created on 1.1.0-develop',
    ])
      expect(rows).toContain(line);
    expect(stdout).toMatch(/^\/ds\/dev\/shop\/api\s+created 2026-05-28 10:20:00 UTC\s+10 version\(s\)$/m);
    expect(stdout).toMatch(/^\/ds\/dev\/shop\/frontend\s+created 2026-05-28 09:40:00 UTC\s+8 version\(s\)$/m);
    expect(stdout).toContain('rollback run --at 2026-06-10T07:54:00Z --source marathon --group /ds/dev');
    // Progress and the request count on stderr, not stdout.
    expect(stderr).toMatch(/4 app\(s\): 29 request\(s\) \(25 version\(s\) fetched, 0 from the cache\)/);
  });

  it('--choices: one line per release point, whose instant is the one `run --at` takes', async () => {
    const { code, stdout } = await history(tmpDir('hist-cache'), '--choices');
    expect(code).toBe(0);
    expect(stdout).toBe(STORY_CHOICES.map((c) => `${c}\n`).join(''));
  });

  it('--json: one object with each release, its changes and each app’s reach', async () => {
    const { code, stdout } = await history(tmpDir('hist-cache'), '--json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ ok: true, command: 'history', group: '/ds/dev', windowSeconds: 600 });
    expect(json.releases.map((r: { at: string }) => r.at)).toEqual(
      STORY_CHOICES.map((c) => `${c.slice(0, 10)}T${c.slice(11, 19)}Z`),
    );
    const host = world.registryHost;
    expect(json.releases[4]).toEqual({
      at: '2026-06-08T14:10:00Z',
      configOnly: false,
      changes: [
        {
          app: '/ds/dev/shop/api',
          service: 'api',
          at: '2026-06-08T14:10:00.000Z',
          kind: 'image',
          from: `${host}/shop/api:1.5.0-develop`,
          to: `${host}/shop/api:1.5.1-develop`,
        },
      ],
    });
    expect(json.releases[6]).toMatchObject({
      at: '2026-06-07T11:30:00Z',
      configOnly: true,
      changes: [{ kind: 'config', fields: ['env (LOG_LEVEL)'] }],
    });
    expect(json.apps).toEqual([
      { id: '/ds/dev/shop/api', versions: 10, oldest: '2026-05-28T10:20:00.000Z', complete: true },
      { id: '/ds/dev/shop/billing', versions: 6, oldest: '2026-05-29T10:05:00.000Z', complete: true },
      { id: '/ds/dev/shop/frontend', versions: 8, oldest: '2026-05-28T09:40:00.000Z', complete: true },
      { id: '/ds/dev/shop/gateway-api', versions: 1, oldest: '2026-06-05T10:30:00.000Z', complete: true },
    ]);
  });

  it('--since: only the release points since then; --window: a wider grouping', async () => {
    // --since counts back from the real clock: from an instant within the hour before 06-09 00:00,
    // where the story has no release, so the cut is the same at any speed.
    const hours = Math.ceil((Date.now() - Date.parse('2026-06-09T00:00:00Z')) / 3_600_000);
    const since = await history(tmpDir('hist-cache'), '--since', `${hours}h`, '--choices');
    expect(since.code).toBe(0);
    expect(since.stdout).toBe(
      STORY_CHOICES.slice(0, 4)
        .map((c) => `${c}\n`)
        .join(''),
    );

    const wide = await history(tmpDir('hist-cache'), '--window', '5h', '--choices');
    expect(wide.stdout.split('\n')).toContain('2026-06-08 14:10:00 UTC · api');
    expect(wide.stdout).not.toContain('2026-06-08 09:40:00 UTC');
    // The two api changes of that day are one release now.
    const json = JSON.parse((await history(tmpDir('hist-cache'), '--window', '5h', '--json')).stdout);
    const hotfixDay = json.releases.find((r: { at: string }) => r.at === '2026-06-08T14:10:00Z');
    expect(hotfixDay.changes.map((c: { to: string }) => c.to.split(':').pop())).toEqual([
      '1.5.0-develop',
      '1.5.1-develop',
    ]);
  });

  it('warm: one version-list request per app and no version request', async () => {
    const cache = tmpDir('hist-cache');
    const before = world.marathon.requests.length;
    expect((await history(cache)).code).toBe(0);
    const cold = versionRequests(world.marathon, before);
    expect({ lists: cold.lists.length, versions: cold.versions.length }).toEqual({ lists: 4, versions: 25 });
    expect(new Set(cold.versions).size).toBe(25);

    const warmFrom = world.marathon.requests.length;
    const warm = await history(cache);
    expect(warm.code).toBe(0);
    const warmRequests = versionRequests(world.marathon, warmFrom);
    expect({ lists: [...warmRequests.lists].sort(), versions: warmRequests.versions }).toEqual({
      lists: ['/ds/dev/shop/api', '/ds/dev/shop/billing', '/ds/dev/shop/frontend', '/ds/dev/shop/gateway-api']
        .map((id) => `/v2/apps${id}/versions`)
        .sort(),
      versions: [],
    });
    expect(warm.stderr).toMatch(/4 request\(s\) \(0 version\(s\) fetched, 25 from the cache\)/);
    const files = readdirSync(path.join(cache, 'rollback', 'marathon'), { recursive: true });
    expect(files.length).toBeGreaterThan(0);
    // --no-cache reads everything again and writes nothing.
    const none = tmpDir('hist-cache');
    const noCacheFrom = world.marathon.requests.length;
    expect((await history(none, '--no-cache')).code).toBe(0);
    expect(versionRequests(world.marathon, noCacheFrom).versions).toHaveLength(25);
    expect(existsSync(path.join(none, 'rollback'))).toBe(false);
  });

  it('refuses a bad --since or --window with exit 2, before asking Marathon anything', async () => {
    const before = world.marathon.requests.length;
    for (const flags of [
      ['--since', '3 days'],
      ['--since', '0d'],
      ['--window', '10'],
      ['--window', '1w'],
    ]) {
      const { code, stderr } = await history(tmpDir('hist-cache'), ...flags);
      expect({ flags, code, line: lastLine(stderr) }).toEqual({
        flags,
        code: 2,
        line: expect.stringMatching(
          new RegExp(`^rollback: ${flags[0]} .* is not a duration such as 10m, 36h or 7d`),
        ),
      });
    }
    expect(world.marathon.requests.length).toBe(before);
  });
});

describe('history of an app whose older versions Marathon dropped', () => {
  beforeAll(() => seedLongHistory(world));

  it('says how far back it reaches, and that it stops after --since', async () => {
    const args = ['history', '--marathon', marathon, '--group', '/ds/long'];
    const all = await helper(args, tmpDir('hist-cache'));
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(
      /^\/ds\/long\/shop\/api\s+back to 2026-06-06 02:00:00 UTC\s+50 version\(s\), older ones dropped by Marathon$/m,
    );
    // Its oldest kept version is no creation: the first release point is the next image.
    expect(all.stdout).toMatch(
      /RELEASE POINT +CHANGES\n2026-06-08 14:10:00 UTC .*\n2026-06-08 09:40:00 UTC  api 1\.4\.0-develop → 1\.5\.0-develop\n\n/,
    );
    const hours = Math.ceil((Date.now() - Date.parse('2026-06-05T00:00:00Z')) / 3_600_000);
    const since = await helper([...args, '--since', `${hours}h`, '--json'], tmpDir('hist-cache'));
    expect(JSON.parse(since.stdout).apps).toEqual([
      { id: LONG, versions: 50, oldest: '2026-06-06T02:00:00.000Z', complete: false, stopsAfterSince: true },
    ]);
  });
});

describe('history against a Marathon that refuses the credentials', () => {
  let guarded: StoryWorld;
  beforeAll(async () => {
    guarded = await startHistoryWorld({ marathon: { basic: MARATHON_BASIC } });
  });
  afterAll(() => guarded?.stop());

  it('exits 3 and says so, with no secret in its output', async () => {
    const args = ['history', '--marathon', guarded.marathon.url, '--group', '/ds/dev'];
    const wrong = await helper(args, tmpDir('hist-cache'), {
      ...MARATHON_ENV,
      MARATHON_PASSWORD: 'wrong-Pa55word',
    });
    expect(wrong.code).toBe(3);
    expect(lastLine(wrong.stderr)).toMatch(/^rollback: .*401/);
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-Pa55word');
    const none = await helper(args, tmpDir('hist-cache'));
    expect(none.code).toBe(3);
    const right = await helper([...args, '--choices'], tmpDir('hist-cache'), MARATHON_ENV);
    expect(right.code).toBe(0);
    expect(right.stdout.split('\n')[0]).toBe(STORY_CHOICES[0]);
  });
});
