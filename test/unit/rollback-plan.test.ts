import { InputError } from '../../src/errors';
import { validateCatalog, type Catalog, type CatalogImage } from '../../src/plan/catalog';
import { newestFirst } from '../../src/plan/snapshot';
import {
  appsWithoutImageWarning,
  planRollback,
  selectImages,
  serviceNames,
  type DiscoveredApp,
} from '../../src/plan/rollback-plan';

const img = (tag: string, created: string): CatalogImage => ({
  tag,
  digest: `sha256:${Buffer.from(tag).toString('hex').padEnd(64, '0').slice(0, 64)}`,
  created,
});

/** `count` daily releases of `name` starting on `firstDay` of November 2026, at noon UTC. */
const releases = (name: string, firstDay: number, count: number) =>
  Array.from({ length: count }, (_, i) =>
    img(`1.${firstDay + i}.0-develop`, `2026-11-${String(firstDay + i).padStart(2, '0')}T12:00:00.000Z`),
  );

function catalog(repos: Record<string, CatalogImage[]>, timeZone = 'UTC'): Catalog {
  // Through the real validator, so a fixture can never drift from the format `run` accepts.
  return validateCatalog(
    {
      format: 'rollback-catalog',
      version: 1,
      generatedAt: '2026-11-28T09:00:00Z',
      registry: 'https://registry.example.com',
      environment: 'develop',
      timeZone,
      keep: 10,
      offeredDates: [],
      repositories: Object.entries(repos).map(([name, images]) => ({
        name,
        images: newestFirst([...images]),
        undated: [],
      })),
    },
    'test catalog',
  );
}

const app = (id: string, image: string): DiscoveredApp => ({ id, image });

describe('selectImages', () => {
  it('takes the image of the chosen day for a service released that day', () => {
    const [api] = selectImages(catalog({ 'shop/api': releases('api', 1, 20) }), '2026-11-07');
    expect(api).toMatchObject({
      choice: 'of-that-day',
      reason: 'image of that day',
      image: { tag: '1.7.0-develop' },
    });
  });

  it('fills a service that did not change with its newest earlier image, even one older than the last 10', () => {
    // api released daily (20 images), billing only on the 2nd: for the 27th billing's image is
    // far outside anything `get` offered for it, and must still be chosen.
    const c = catalog({
      'shop/api': releases('api', 1, 27),
      'shop/billing': [
        img('0.2.0-develop', '2026-11-02T08:00:00Z'),
        img('0.1.0-develop', '2026-11-01T08:00:00Z'),
      ],
    });
    const [, billing] = selectImages(c, '2026-11-27');
    expect(billing).toMatchObject({
      choice: 'earlier',
      reason: 'newest earlier image from 2026-11-02',
      filledFrom: '2026-11-02',
      image: { tag: '0.2.0-develop' },
    });
  });

  it('takes the newest earlier image even when more than 10 newer images exist', () => {
    const images = releases('api', 1, 25).filter((i) => i.tag !== '1.13.0-develop');
    const [api] = selectImages(catalog({ 'shop/api': images }), '2026-11-13');
    // 12 images are newer than the 13th; the 12th's is the one of that snapshot.
    expect(api).toMatchObject({
      choice: 'earlier',
      image: { tag: '1.12.0-develop' },
      filledFrom: '2026-11-12',
    });
  });

  it('takes the later of two images built on the same day', () => {
    const c = catalog({
      'shop/api': [
        img('1.0.0-develop', '2026-11-05T08:00:00Z'),
        img('1.0.1-develop', '2026-11-05T21:00:00Z'),
      ],
    });
    expect(selectImages(c, '2026-11-05')[0]!.image?.tag).toBe('1.0.1-develop');
  });

  it('counts days in the catalog time zone', () => {
    // 23:30 UTC on the 5th is the 6th in Berlin; 01:00 UTC on the 6th is still the 5th in New York.
    const images = [img('late', '2026-11-05T23:30:00Z'), img('early', '2026-11-05T10:00:00Z')];
    expect(selectImages(catalog({ a: images }, 'UTC'), '2026-11-05')[0]!.image?.tag).toBe('late');
    expect(selectImages(catalog({ a: images }, 'Europe/Berlin'), '2026-11-05')[0]!.image?.tag).toBe('early');
    const ny = [img('night', '2026-11-06T01:00:00Z')];
    expect(selectImages(catalog({ a: ny }, 'America/New_York'), '2026-11-05')[0]).toMatchObject({
      choice: 'of-that-day',
    });
    expect(() => selectImages(catalog({ a: ny }, 'UTC'), '2026-11-05')).toThrow(InputError);
  });

  it('stops with an error naming every repository without an image on or before the day', () => {
    const c = catalog({
      'shop/api': releases('api', 1, 10),
      'shop/new-service': [img('0.1.0-develop', '2026-11-20T10:00:00Z')],
      'shop/other-new': [img('0.1.0-develop', '2026-11-21T10:00:00Z')],
    });
    const error = (() => {
      try {
        selectImages(c, '2026-11-05');
      } catch (err) {
        return err as InputError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('shop/new-service, shop/other-new');
    expect(error.message).toContain('2026-11-05');
    expect(error.message).not.toContain('shop/api');
    expect(error.hint).toContain('--allow-missing');
  });

  it('with --allow-missing keeps the repository and says in words that it stays as it is', () => {
    const c = catalog({
      'shop/api': releases('api', 1, 10),
      'shop/new': [img('0.1.0-develop', '2026-11-20T10:00:00Z')],
    });
    const [, fresh] = selectImages(c, '2026-11-05', { allowMissing: true });
    expect(fresh).toEqual({
      repository: 'shop/new',
      choice: 'missing',
      reason: 'no image on or before 2026-11-05; stays as it is (--allow-missing)',
    });
  });
});

describe('planRollback', () => {
  const c = catalog({
    'shop/api': releases('api', 1, 20),
    'shop/gateway-api': releases('gw', 1, 20),
    'shop/billing': [img('0.9.0-develop', '2026-11-03T10:00:00Z')],
  });
  const group = '/ds/dev';

  it('lists per service its apps, the current and target image and why', () => {
    const plan = planRollback(
      c,
      '2026-11-07',
      [
        app('/ds/dev/shop/api', 'registry.example.com:5000/shop/api:1.20.0-develop'),
        app('/ds/dev/shop/gateway-api', 'registry.example.com:5000/shop/gateway-api:1.20.0-develop'),
        app('/ds/dev/shop/billing', 'registry.example.com:5000/shop/billing:1.0.0-develop'),
      ],
      { group },
    );
    expect(plan.services.map((s) => [s.service, s.reason, s.apps])).toEqual([
      [
        'api',
        'image of that day',
        [
          {
            id: '/ds/dev/shop/api',
            from: 'registry.example.com:5000/shop/api:1.20.0-develop',
            to: 'registry.example.com:5000/shop/api:1.7.0-develop',
            action: 'deploy',
          },
        ],
      ],
      [
        'gateway-api',
        'image of that day',
        [
          expect.objectContaining({
            id: '/ds/dev/shop/gateway-api',
            to: expect.stringContaining('gateway-api:1.7.0'),
          }),
        ],
      ],
      [
        'billing',
        'newest earlier image from 2026-11-03',
        [
          expect.objectContaining({
            to: 'registry.example.com:5000/shop/billing:0.9.0-develop',
            action: 'deploy',
          }),
        ],
      ],
    ]);
  });

  it('marks apps already on their target as no-ops', () => {
    const plan = planRollback(
      c,
      '2026-11-07',
      [
        app('/ds/dev/shop/api', 'r.example.com/shop/api:1.7.0-develop'),
        app('/ds/dev/shop/gateway-api', 'r.example.com/shop/gateway-api:1.9.0-develop'),
        app('/ds/dev/shop/billing', 'r.example.com/shop/billing:0.9.0-develop'),
      ],
      { group },
    );
    expect(plan.services.flatMap((s) => s.apps.map((a) => a.action))).toEqual(['no-op', 'deploy', 'no-op']);
  });

  it('never takes an app of shop/gateway-api for one of shop/api', () => {
    const only = catalog({ 'shop/api': releases('api', 1, 20) });
    const plan = planRollback(
      only,
      '2026-11-07',
      [
        app('/ds/dev/shop/gateway-api', 'r.example.com/shop/gateway-api:1.20.0-develop'),
        app('/ds/dev/shop/api', 'r.example.com/shop/api:1.20.0-develop'),
        app('/ds/dev/shop/api-worker', 'r.example.com/shop/api/worker:1.20.0-develop'),
      ],
      { group },
    );
    expect(plan.services[0]!.apps.map((a) => a.id)).toEqual(['/ds/dev/shop/api']);
  });

  it('rolls back every app of a service (several apps on one repository)', () => {
    const only = catalog({ 'shop/api': releases('api', 1, 20) });
    const plan = planRollback(
      only,
      '2026-11-07',
      [
        app('/ds/dev/shop/api-eu', 'a.example.com/shop/api:1.20.0-develop'),
        app('/ds/dev/shop/api-us', 'b.example.com/shop/api:1.19.0-develop'),
      ],
      { group },
    );
    expect(plan.services[0]!.apps.map((a) => a.to)).toEqual([
      'a.example.com/shop/api:1.7.0-develop',
      'b.example.com/shop/api:1.7.0-develop',
    ]);
  });

  it('errors before any change when a repository has no app in the group', () => {
    expect(() =>
      planRollback(c, '2026-11-07', [app('/ds/dev/shop/api', 'r.example.com/shop/api:1.20.0-develop')], {
        group,
      }),
    ).toThrow(/no app under \/ds\/dev runs an image of shop\/gateway-api, shop\/billing/);
  });

  it('with --allow-missing plans the missing service to stay as it is', () => {
    const withNew = catalog({
      'shop/api': releases('api', 1, 20),
      'shop/new': [img('0.1.0-develop', '2026-11-20T10:00:00Z')],
    });
    const plan = planRollback(
      withNew,
      '2026-11-07',
      [
        app('/ds/dev/shop/api', 'r.example.com/shop/api:1.20.0-develop'),
        app('/ds/dev/shop/new', 'r.example.com/shop/new:0.1.0-develop'),
      ],
      { group, allowMissing: true },
    );
    expect(plan.services[1]).toMatchObject({
      choice: 'missing',
      reason: 'no image on or before 2026-11-07; stays as it is (--allow-missing)',
      apps: [
        {
          id: '/ds/dev/shop/new',
          from: 'r.example.com/shop/new:0.1.0-develop',
          to: 'r.example.com/shop/new:0.1.0-develop',
          action: 'stays',
        },
      ],
    });
    expect(plan.services[1]!.target).toBeUndefined();
  });

  it('pins the target by digest with --pin-digest, and a pinned app is a no-op on the next run', () => {
    const only = catalog({ 'shop/api': releases('api', 1, 20) });
    const digest = only.repositories[0]!.images.find((i) => i.tag === '1.7.0-develop')!.digest;
    const first = planRollback(
      only,
      '2026-11-07',
      [app('/ds/dev/shop/api', 'r.example.com/shop/api:1.20.0-develop@sha256:' + 'a'.repeat(64))],
      {
        group,
        pinDigest: true,
      },
    );
    expect(first.services[0]!.apps[0]).toMatchObject({
      to: `r.example.com/shop/api:1.7.0-develop@${digest}`,
      action: 'deploy',
    });
    const second = planRollback(
      only,
      '2026-11-07',
      [app('/ds/dev/shop/api', first.services[0]!.apps[0]!.to)],
      {
        group,
        pinDigest: true,
      },
    );
    expect(second.services[0]!.apps[0]!.action).toBe('no-op');
  });
});

describe('planRollback: is rollback.json from the registry the apps pull from?', () => {
  const only = catalog({ 'shop/api': releases('api', 1, 20) });
  const plan = (image: string) =>
    planRollback(only, '2026-11-07', [app('/ds/dev/shop/api', image)], { group: '/ds/dev' });

  it.each([
    ['the same host', 'registry.example.com/shop/api:9.9.9-develop'],
    [
      'the same host on another port (a TLS proxy in front of :5000)',
      'registry.example.com:5000/shop/api:9.9.9',
    ],
    ['the same host in capitals', 'REGISTRY.example.com/shop/api:9.9.9'],
    ['a mirror, running a tag the catalog lists', 'mirror.example.net/shop/api:1.20.0-develop'],
    [
      'a mirror, running a digest the catalog lists',
      `mirror.example.net/shop/api@${only.repositories[0]!.images[0]!.digest}`,
    ],
  ])('accepts an app on %s', (_what, image) => {
    expect(plan(image).services[0]!.apps[0]!.action).toBe('deploy');
  });

  it('refuses apps of another registry running a tag the catalog does not know, naming them', () => {
    const apps = ['a', 'b', 'c', 'd'].map((x) =>
      app(`/ds/dev/shop/api-${x}`, `other.example.org/shop/api:7.0.${x.charCodeAt(0)}`),
    );
    expect(() => planRollback(only, '2026-11-07', apps, { group: '/ds/dev' })).toThrow(
      'rollback.json was read from https://registry.example.com, but /ds/dev/shop/api-a runs other.example.org/shop/api:7.0.97, /ds/dev/shop/api-b runs other.example.org/shop/api:7.0.98, /ds/dev/shop/api-c runs other.example.org/shop/api:7.0.99 and 1 more, a registry and tag it does not know; nothing was changed',
    );
  });

  it("takes Docker Hub's names for one registry", () => {
    const hub = validateCatalog({ ...only, registry: 'https://registry-1.docker.io' }, 'hub catalog');
    const planned = planRollback(hub, '2026-11-07', [app('/ds/dev/api', 'docker.io/shop/api:unknown-tag')], {
      group: '/ds/dev',
    });
    expect(planned.services[0]!.apps[0]!.to).toBe('docker.io/shop/api:1.7.0-develop');
    expect(() =>
      planRollback(hub, '2026-11-07', [app('/ds/dev/api', 'quay.io/shop/api:unknown-tag')], {
        group: '/ds/dev',
      }),
    ).toThrow(/quay\.io\/shop\/api:unknown-tag, a registry and tag it does not know/);
  });
});

describe('apps that run no Docker image', () => {
  const only = catalog({ 'shop/api': releases('api', 1, 20) });
  const cron: DiscoveredApp = { id: '/ds/dev/cron' };

  it('are named when a service has no app, as the likely reason', () => {
    expect(() =>
      planRollback(only, '2026-11-07', [cron, { id: '/ds/dev/shop/api' }], { group: '/ds/dev' }),
    ).toThrow(
      'no app under /ds/dev runs an image of shop/api (apps with no Docker image: /ds/dev/cron, /ds/dev/shop/api); nothing was changed',
    );
  });

  it('are left as they are with a warning when every service has its app', () => {
    const apps = [cron, app('/ds/dev/shop/api', 'registry.example.com/shop/api:1.20.0-develop')];
    expect(planRollback(only, '2026-11-07', apps, { group: '/ds/dev' }).services[0]!.apps).toHaveLength(1);
    expect(appsWithoutImageWarning(apps, '/ds/dev')).toBe(
      '1 app(s) under /ds/dev run no Docker image and stay as they are: /ds/dev/cron',
    );
    expect(appsWithoutImageWarning(apps.slice(1), '/ds/dev')).toBeUndefined();
  });
});

describe('serviceNames', () => {
  it('uses the last path segment unless two repositories share it', () => {
    expect([...serviceNames(['shop/api', 'shop/billing', 'legacy/api'])]).toEqual([
      ['shop/api', 'shop/api'],
      ['shop/billing', 'billing'],
      ['legacy/api', 'legacy/api'],
    ]);
  });
});
