import { appChanges, groupReleases, parseDuration, versionAt } from '../../src/history/timeline';
import { historyOf, image } from './history-fixtures';

/**
 * The timeline from plain histories: which versions are release points (a new image, or a change
 * of configuration alone, marked; never a scale or a restart), how changes group into releases by
 * --window, and which version an app ran at an instant.
 */

/** api two days ago: 1.5.0 in the morning, the 1.5.1 hotfix in the afternoon (the story's). */
const api = historyOf('api', [
  ['1.4.0-develop', '2026-11-27T09:55:00.000Z'],
  ['1.4.0-develop', '2026-11-28T16:20:00.000Z', { env: { SERVICE_NAME: 'api', LOG_LEVEL: 'debug' } }],
  ['1.4.0-develop', '2026-11-29T11:30:00.000Z'],
  ['1.5.0-develop', '2026-11-30T09:40:00.000Z'],
  ['1.5.1-develop', '2026-11-30T14:10:00.000Z'],
]);

describe('appChanges', () => {
  it('lists a new image as a release and a change of configuration alone as such, with the fields', () => {
    expect(appChanges(api)).toEqual([
      {
        appId: api.appId,
        at: '2026-11-27T09:55:00.000Z',
        kind: 'image',
        to: image('api', '1.4.0-develop'),
        fields: [],
      },
      {
        appId: api.appId,
        at: '2026-11-28T16:20:00.000Z',
        kind: 'config',
        from: image('api', '1.4.0-develop'),
        to: image('api', '1.4.0-develop'),
        fields: ['env (LOG_LEVEL)'],
      },
      expect.objectContaining({
        at: '2026-11-29T11:30:00.000Z',
        kind: 'config',
        fields: ['env (LOG_LEVEL)'],
      }),
      expect.objectContaining({
        at: '2026-11-30T09:40:00.000Z',
        kind: 'image',
        from: image('api', '1.4.0-develop'),
      }),
      expect.objectContaining({
        at: '2026-11-30T14:10:00.000Z',
        kind: 'image',
        to: image('api', '1.5.1-develop'),
      }),
    ]);
  });

  it('leaves out scales and restarts: they are not release points', () => {
    const frontend = historyOf('frontend', [
      ['1.3.0-develop', '2026-11-22T09:45:00.000Z'],
      ['1.3.0-develop', '2026-11-24T17:30:00.000Z', { instances: 4 }], // scale up
      ['1.3.0-develop', '2026-11-25T18:05:00.000Z', { instances: 2 }], // and back
      ['1.3.0-develop', '2026-11-26T08:00:00.000Z'], // restart: the same definition again
    ]);
    expect(appChanges(frontend).map((c) => c.at)).toEqual(['2026-11-22T09:45:00.000Z']);
  });

  it('counts the oldest kept version as a creation only when Marathon kept the whole history', () => {
    const kept = historyOf('api', [
      ['1.1.0-develop', '2026-11-19T10:20:00.000Z'],
      ['1.2.0-develop', '2026-11-21T11:30:00.000Z'],
    ]);
    expect(appChanges(kept).map((c) => c.at)).toEqual([
      '2026-11-19T10:20:00.000Z',
      '2026-11-21T11:30:00.000Z',
    ]);
    const cut = { ...kept, complete: false };
    expect(appChanges(cut).map((c) => c.at)).toEqual(['2026-11-21T11:30:00.000Z']);
  });
});

describe('groupReleases', () => {
  const frontend = historyOf('frontend', [
    ['1.4.0-develop', '2026-11-28T10:15:00.000Z'],
    ['1.5.0-develop', '2026-11-30T09:45:30.000Z'],
  ]);
  const changes = [...appChanges(api), ...appChanges(frontend)];
  const TEN_MINUTES = 10 * 60_000;

  it('groups changes within the window of the first one, newest release first, at the second after its last change', () => {
    const releases = groupReleases(changes, TEN_MINUTES);
    expect(releases.map((r) => [r.at, r.changes.map((c) => c.appId.split('/').pop()), r.configOnly])).toEqual(
      [
        ['2026-11-30T14:10:00Z', ['api'], false],
        // api at 09:40, frontend 5.5 minutes later: one release, after frontend.
        ['2026-11-30T09:45:30Z', ['api', 'frontend'], false],
        ['2026-11-29T11:30:00Z', ['api'], true],
        ['2026-11-28T16:20:00Z', ['api'], true],
        ['2026-11-28T10:15:00Z', ['frontend'], false],
        ['2026-11-27T09:55:00Z', ['api'], false],
      ],
    );
  });

  it('starts a new release for a change beyond the window, however close to the change before it', () => {
    const releases = groupReleases(changes, 5 * 60_000);
    expect(releases.map((r) => r.at).slice(0, 3)).toEqual([
      '2026-11-30T14:10:00Z',
      '2026-11-30T09:45:30Z',
      '2026-11-30T09:40:00Z',
    ]);
    // A wide window takes the whole day's changes into one release.
    expect(groupReleases(changes, 6 * 3_600_000)[0]!.changes).toHaveLength(3);
  });

  it('rounds a release point up to the whole second, so `--at` to the second includes its last change', () => {
    const odd = historyOf('api', [['1.5.1-develop', '2026-11-30T14:10:00.250Z']]);
    expect(groupReleases(appChanges(odd), TEN_MINUTES)[0]!.at).toBe('2026-11-30T14:10:01Z');
  });

  it('takes changes in any order', () => {
    expect(groupReleases([...changes].reverse(), TEN_MINUTES)).toEqual(groupReleases(changes, TEN_MINUTES));
  });
});

/** The tag api ran at `instant`, or why none. */
function tagAt(instant: string) {
  const found = versionAt(api, instant);
  return found.kind === 'version' ? found.summary.image!.split(':').pop() : found.kind;
}

describe('versionAt', () => {
  it('takes the newest version stored at or before the instant: between two releases of one day, the first', () => {
    expect(tagAt('2026-11-30T12:00:00Z')).toBe('1.5.0-develop');
    expect(tagAt('2026-11-30T14:09:59.999Z')).toBe('1.5.0-develop');
  });

  it('takes a version stored exactly at the instant', () => {
    expect(tagAt('2026-11-30T14:10:00Z')).toBe('1.5.1-develop');
    expect(tagAt('2026-11-30T09:40:00.000+00:00')).toBe('1.5.0-develop');
  });

  it('before the oldest version: not created yet when the whole history is kept, unknown when not', () => {
    expect(versionAt(api, '2026-11-27T09:54:59Z')).toEqual({
      kind: 'not-created',
      created: '2026-11-27T09:55:00.000Z',
    });
    expect(versionAt({ ...api, complete: false }, '2026-11-27T09:54:59Z')).toEqual({
      kind: 'before-history',
      oldest: '2026-11-27T09:55:00.000Z',
    });
    expect(versionAt({ ...api, versions: [] }, '2026-11-30T12:00:00Z')).toEqual({ kind: 'no-history' });
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['36h', 129_600_000],
    ['7d', 604_800_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 'm', '1.5h', '-1d', '2w', '10 minutes'])('%j is not a duration', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});
