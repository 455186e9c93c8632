import { imageAt, offeredDates } from '../../src/plan/snapshot';
import { MarathonState } from '../../src/sandbox/marathon/state';
import {
  marathonAppDefinition,
  storyApps,
  storyHistory,
  storyImages,
  storyImagesOf,
} from '../../src/sandbox/story';

/**
 * The demo only proves something if its data tells the product's story; pin that story here. `now`
 * is pinned and every expectation is a literal read off the release tables (story-releases.ts), never
 * computed by the code under test.
 */

const now = new Date('2026-11-28T00:20:00Z'); // just after midnight: "today" must still be today
const HOST = 'registry.test:5000';
const images = storyImages(now);
const develop = (repo: string) => storyImagesOf(images, repo, 'develop');

type Def = {
  instances: number;
  env: Record<string, string>;
  container: { docker: { image: string } };
  healthChecks: Array<{ gracePeriodSeconds: number }>;
};

function historyOf(id: string) {
  return storyHistory(now, HOST).find((h) => h.app.id === id)!.history;
}

/** An entry as `instant tag instances` plus what else differs from today's definition. */
function summary(entry: { at: string; definition: Record<string, unknown> }): string {
  const def = entry.definition as Def;
  const extra = Object.entries(def.env)
    .filter(([k]) => k !== 'SERVICE_NAME')
    .map(([k, v]) => ` ${k}=${v}`)
    .join('');
  const grace = def.healthChecks[0]!.gracePeriodSeconds;
  return `${entry.at} ${def.container.docker.image.split(':').pop()} x${def.instances}${extra}${grace === 30 ? '' : ` grace=${grace}`}`;
}

describe('the demo story: images in the registry', () => {
  it('changed every service today, frontend and api yesterday, billing three days ago', () => {
    expect(develop('shop/frontend').map((i) => i.tag)).toEqual([
      '1.6.0-develop',
      '1.5.0-develop',
      '1.4.0-develop',
      '1.3.0-develop',
      '1.2.0-develop',
      '1.1.0-develop',
    ]);
    expect(develop('shop/api')[0]).toEqual({
      tag: '1.7.0-develop',
      digest: '',
      created: '2026-11-28T00:00:00.000Z',
    });
    expect(
      develop('shop/billing')
        .slice(0, 2)
        .map((i) => [i.tag, i.created]),
    ).toEqual([
      ['1.5.0-develop', '2026-11-28T00:00:00.000Z'],
      ['1.4.0-develop', '2026-11-25T09:14:00.000Z'],
    ]);
  });

  it('the day rule takes yesterday’s images for frontend and api, and billing’s of three days ago', () => {
    expect(imageAt(develop('shop/frontend'), '2026-11-27', 'UTC')).toEqual({
      kind: 'of-that-day',
      image: expect.objectContaining({ tag: '1.5.0-develop' }),
    });
    expect(imageAt(develop('shop/api'), '2026-11-27', 'UTC')).toEqual({
      kind: 'of-that-day',
      image: expect.objectContaining({ tag: '1.6.0-develop' }),
    });
    expect(imageAt(develop('shop/billing'), '2026-11-27', 'UTC')).toEqual({
      kind: 'earlier',
      image: expect.objectContaining({ tag: '1.4.0-develop' }),
      day: '2026-11-25',
    });
    // Two builds of api two days ago: the day rule can only take the later one.
    expect(imageAt(develop('shop/api'), '2026-11-26', 'UTC')).toEqual(
      expect.objectContaining({ image: expect.objectContaining({ tag: '1.5.1-develop' }) }),
    );
  });

  it('offers every day of the two weeks, newest first', () => {
    const repos = ['shop/frontend', 'shop/api', 'shop/billing'].map((r) => ({ images: develop(r) }));
    expect(offeredDates(repos, 10, 'UTC')).toEqual([
      '2026-11-28',
      '2026-11-27',
      '2026-11-26',
      '2026-11-25',
      '2026-11-24',
      '2026-11-23',
      '2026-11-22',
      '2026-11-21',
      '2026-11-20',
      '2026-11-19',
      '2026-11-18',
      '2026-11-17',
      '2026-11-16',
      '2026-11-15',
    ]);
  });

  it('runs every environment on its newest image, with decoys beside them', () => {
    expect(storyApps(now).map((a) => `${a.id} ${a.tag}${a.decoy ? ' decoy' : ''}`)).toEqual([
      '/ds/dev/shop/frontend 1.6.0-develop',
      '/ds/dev/shop/api 1.7.0-develop',
      '/ds/dev/shop/billing 1.5.0-develop',
      '/ds/stage/shop/frontend 1.1.0-stage',
      '/ds/stage/shop/api 1.1.0-stage',
      '/ds/stage/shop/billing 1.1.0-stage',
      '/ds/prod/shop/frontend 1.1.0-master',
      '/ds/prod/shop/api 1.1.0-master',
      '/ds/prod/shop/billing 1.1.0-master',
      '/ds/dev/shop/gateway-api 2.0.0-develop decoy',
      '/ds/dev2/shop/api 1.7.0-develop decoy',
    ]);
  });
});

describe('the demo story: what Marathon remembers', () => {
  it('api: releases several a day, a hotfix, a configuration change without a new image', () => {
    expect(historyOf('/ds/dev/shop/api').map(summary)).toEqual([
      '2026-11-15T10:20:00.000Z 1.1.0-develop x2 LOG_LEVEL=info',
      '2026-11-17T11:30:00.000Z 1.2.0-develop x2 LOG_LEVEL=info',
      '2026-11-20T10:10:00.000Z 1.3.0-develop x2 LOG_LEVEL=info',
      '2026-11-23T09:55:00.000Z 1.4.0-develop x2 LOG_LEVEL=info',
      '2026-11-24T16:20:00.000Z 1.4.0-develop x2 LOG_LEVEL=debug',
      '2026-11-25T11:30:00.000Z 1.4.0-develop x2',
      '2026-11-26T09:40:00.000Z 1.5.0-develop x2',
      '2026-11-26T14:10:00.000Z 1.5.1-develop x2',
      '2026-11-27T14:30:00.000Z 1.6.0-develop x2',
      '2026-11-28T00:08:00.000Z 1.7.0-develop x2',
    ]);
  });

  it('frontend: a scale up and back without a new image; billing: a health check changed alone', () => {
    expect(historyOf('/ds/dev/shop/frontend').map(summary)).toEqual([
      '2026-11-15T09:40:00.000Z 1.1.0-develop x2',
      '2026-11-18T09:45:00.000Z 1.2.0-develop x2',
      '2026-11-20T17:30:00.000Z 1.2.0-develop x4',
      '2026-11-21T09:50:00.000Z 1.3.0-develop x4',
      '2026-11-21T18:05:00.000Z 1.3.0-develop x2',
      '2026-11-24T10:15:00.000Z 1.4.0-develop x2',
      '2026-11-27T10:05:00.000Z 1.5.0-develop x2',
      '2026-11-28T00:04:00.000Z 1.6.0-develop x2',
    ]);
    expect(historyOf('/ds/dev/shop/billing').map(summary)).toEqual([
      '2026-11-16T10:05:00.000Z 1.1.0-develop x2 grace=120',
      '2026-11-19T13:20:00.000Z 1.2.0-develop x2 grace=120',
      '2026-11-22T10:30:00.000Z 1.3.0-develop x2 grace=120',
      '2026-11-22T15:45:00.000Z 1.3.0-develop x2',
      '2026-11-25T10:40:00.000Z 1.4.0-develop x2',
      '2026-11-28T00:12:00.000Z 1.5.0-develop x2',
    ]);
  });

  it('promotes stage and prod on their own days, and ends every app on today’s definition', () => {
    expect(historyOf('/ds/prod/shop/billing').map(summary)).toEqual([
      '2026-11-17T16:20:00.000Z 1.2.0-master x2',
      '2026-11-24T16:20:00.000Z 1.1.0-master x2',
    ]);
    for (const { app, history } of storyHistory(now, HOST)) {
      expect({ id: app.id, last: history.at(-1)!.definition }).toEqual({
        id: app.id,
        last: marathonAppDefinition(app, HOST),
      });
    }
  });

  it.each([
    '2026-11-28T00:00:00.000Z',
    '2026-11-28T00:20:00.000Z',
    '2026-11-28T13:37:00.000Z',
    '2026-11-28T23:59:59.999Z',
  ])('deploys every image after it was built, within the two weeks, never after now (now %s)', (iso) => {
    const at = new Date(iso);
    const built = new Map(storyImages(at).map((i) => [`${i.repo}:${i.tag}`, i.created]));
    for (const { app, history } of storyHistory(at, HOST)) {
      for (const entry of history) {
        const image = (entry.definition as Def).container.docker.image.replace(`${HOST}/`, '');
        const where = `${app.id} ${image} at ${entry.at}`;
        expect({ where, built: built.get(image)! <= entry.at }).toEqual({ where, built: true });
        expect({ where, inRange: entry.at >= '2026-11-14' && entry.at <= iso }).toEqual({
          where,
          inRange: true,
        });
      }
    }
  });

  it('seeds into the emulator: one version per entry, the scale and config changes as such', () => {
    jest.useFakeTimers({ now });
    const state = new MarathonState({ deploymentMs: 100 });
    try {
      for (const { app, history } of storyHistory(now, HOST)) state.seedHistory(app.id, history);
      expect(state.versionsOf('/ds/dev/shop/api')).toHaveLength(10);
      const scaled = state.appVersion('/ds/dev/shop/frontend', '2026-11-20T17:30:00.000Z')!;
      expect(scaled['versionInfo']).toEqual({
        lastScalingAt: '2026-11-20T17:30:00.000Z',
        lastConfigChangeAt: '2026-11-18T09:45:00.000Z',
      });
      const configOnly = state.appVersion('/ds/dev/shop/billing', '2026-11-22T15:45:00.000Z')!;
      expect(configOnly['versionInfo']).toEqual({
        lastScalingAt: '2026-11-22T15:45:00.000Z',
        lastConfigChangeAt: '2026-11-22T15:45:00.000Z',
      });
    } finally {
      state.close();
      jest.useRealTimers();
    }
  });
});
