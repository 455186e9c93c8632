import { historyJson, historyText, releaseChoices, type HistoryView } from '../../src/history/report';
import { appChanges, groupReleases } from '../../src/history/timeline';
import { historyOf } from './history-fixtures';

/**
 * What `history` prints: the release points newest first (configuration-only ones marked), how far
 * back each app's history reaches, which histories stop after --since, and the drop-down's lines,
 * whose instant maps back to `run --at`.
 */

const api = historyOf('api', [
  ['1.4.0-develop', '2026-11-27T09:55:00.000Z'],
  ['1.4.0-develop', '2026-11-28T16:20:00.000Z', { env: { SERVICE_NAME: 'api', LOG_LEVEL: 'debug' } }],
  ['1.5.0-develop', '2026-11-30T09:40:00.000Z'],
  ['1.5.1-develop', '2026-11-30T14:10:08.400Z'],
]);
/** Marathon dropped billing's older versions; its kept history starts on the 29th. */
const billing = {
  ...historyOf('billing', [
    ['1.3.0-develop', '2026-11-29T08:00:00.000Z'],
    ['1.4.0-develop', '2026-11-30T09:44:00.000Z'],
  ]),
  complete: false,
};
/** Created after --since: its whole history is there. */
const search = historyOf('search', [['0.1.0-develop', '2026-11-30T09:41:00.000Z']]);

const histories = [api, billing, search];
const releases = groupReleases(histories.flatMap(appChanges), 10 * 60_000);
const view = (since?: string): HistoryView => ({
  group: '/ds/dev',
  where: 'Marathon at https://marathon.example.com',
  windowMs: 10 * 60_000,
  ...(since ? { since } : {}),
  releases,
  histories,
});

/** design.md: `YYYY-MM-DD HH:MM:SS UTC` → `YYYY-MM-DDTHH:MM:SSZ`. */
const toAt = (line: string) => `${line.slice(0, 10)}T${line.slice(11, 19)}Z`;

describe('the drop-down lines', () => {
  it('one per release point, newest first, `YYYY-MM-DD HH:MM:SS UTC · services`, config-only marked', () => {
    expect(releaseChoices(releases)).toEqual([
      '2026-11-30 14:10:09 UTC · api',
      '2026-11-30 09:44:00 UTC · api, search, billing',
      '2026-11-28 16:20:00 UTC · api (config)',
      '2026-11-27 09:55:00 UTC · api',
    ]);
  });

  it('map back to `--at` by the design’s rule, an instant that includes the release', () => {
    expect(releaseChoices(releases).map(toAt)).toEqual(releases.map((r) => r.at));
    // The hotfix stored at 14:10:08.4 is included by the second printed after it.
    expect(Date.parse(toAt(releaseChoices(releases)[0]!))).toBeGreaterThanOrEqual(
      Date.parse(api.versions[3]!.version),
    );
  });
});

describe('the text', () => {
  it('lists the changes of each release from → to, and how far back each history reaches', () => {
    const text = historyText(view());
    expect(text).toContain(
      '2026-11-30 09:44:00 UTC  api 1.4.0-develop → 1.5.0-develop, search created on 0.1.0-develop, billing 1.3.0-develop → 1.4.0-develop',
    );
    expect(text).toContain('2026-11-28 16:20:00 UTC  api (config: env (LOG_LEVEL))');
    expect(text).toMatch(
      /\/ds\/dev\/shop\/billing\s+back to 2026-11-29 08:00:00 UTC\s+2 version\(s\), older ones dropped by Marathon/,
    );
    expect(text).toMatch(/\/ds\/dev\/shop\/api\s+created 2026-11-27 09:55:00 UTC\s+4 version\(s\)$/m);
    expect(text).toContain('rollback run --at 2026-11-30T14:10:09Z --source marathon --group /ds/dev');
  });

  it('names the histories that stop after --since, not those of apps created since', () => {
    const text = historyText(view('2026-11-28T00:00:00.000Z'));
    expect(text).toMatch(/billing\s+back to 2026-11-29 08:00:00 UTC \(starts after --since\)/);
    expect(text).not.toMatch(/search.*starts after --since/);
    const json = JSON.parse(historyJson(view('2026-11-28T00:00:00.000Z'))) as {
      apps: Array<Record<string, unknown>>;
    };
    expect(json.apps.filter((a) => a.stopsAfterSince).map((a) => a.id)).toEqual(['/ds/dev/shop/billing']);
  });
});

describe('--json', () => {
  it('one object: the releases with their changes, and each app’s reach', () => {
    const json = JSON.parse(historyJson(view()));
    expect(json).toMatchObject({ ok: true, command: 'history', group: '/ds/dev', windowSeconds: 600 });
    expect(json.releases[2]).toEqual({
      at: '2026-11-28T16:20:00Z',
      configOnly: true,
      changes: [
        {
          app: '/ds/dev/shop/api',
          service: 'api',
          at: '2026-11-28T16:20:00.000Z',
          kind: 'config',
          from: 'registry.example.com/shop/api:1.4.0-develop',
          to: 'registry.example.com/shop/api:1.4.0-develop',
          fields: ['env (LOG_LEVEL)'],
        },
      ],
    });
    expect(json.apps).toEqual([
      { id: '/ds/dev/shop/api', versions: 4, oldest: '2026-11-27T09:55:00.000Z', complete: true },
      { id: '/ds/dev/shop/billing', versions: 2, oldest: '2026-11-29T08:00:00.000Z', complete: false },
      { id: '/ds/dev/shop/search', versions: 1, oldest: '2026-11-30T09:41:00.000Z', complete: true },
    ]);
  });
});
