import { validateCatalog, type Catalog } from '../../src/plan/catalog';
import { choiceLines, environmentStatus } from '../../src/status/status';

const R = 'registry.example.com';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function catalog(): Catalog {
  return validateCatalog(
    {
      format: 'rollback-catalog',
      version: 1,
      generatedAt: '2026-12-02T10:00:00Z',
      registry: `https://${R}`,
      environment: 'develop',
      timeZone: 'UTC',
      keep: 10,
      offeredDates: ['2026-12-02', '2026-12-01', '2026-11-29'],
      repositories: [
        {
          name: 'shop/api',
          images: [
            { tag: '1.7.0-develop', digest: digest('a'), created: '2026-12-02T09:00:00.000Z' },
            { tag: '1.6.0-develop', digest: digest('b'), created: '2026-12-01T09:00:00.000Z' },
          ],
          undated: [],
        },
        {
          name: 'shop/billing',
          images: [
            { tag: '1.5.0-develop', digest: digest('c'), created: '2026-12-02T09:00:00.000Z' },
            { tag: '1.4.0-develop', digest: digest('d'), created: '2026-11-29T09:00:00.000Z' },
          ],
          undated: [],
        },
      ],
    },
    'test catalog',
  );
}

describe('environment status', () => {
  it('says per app what it runs, when that was built and the newest of its service', () => {
    const status = environmentStatus(
      catalog(),
      [
        { id: '/ds/dev/shop/api', image: `${R}/shop/api:1.6.0-develop` },
        { id: '/ds/dev/shop/billing', image: `${R}/shop/billing:9.9.9-hotfix` },
        { id: '/ds/dev/cron' },
      ],
      '/ds/dev',
    );
    expect(status.apps.map((a) => [a.id, a.service, a.built?.tag, a.newest?.tag])).toEqual([
      ['/ds/dev/shop/api', 'api', '1.6.0-develop', '1.7.0-develop'],
      ['/ds/dev/shop/billing', 'billing', undefined, '1.5.0-develop'],
    ]);
    expect(status.unknown).toEqual(['/ds/dev/shop/billing']);
  });

  it('finds the offered day the environment sits on, and what a rollback to every other day changes', () => {
    const status = environmentStatus(
      catalog(),
      [
        { id: '/ds/dev/shop/api', image: `${R}/shop/api:1.6.0-develop` },
        { id: '/ds/dev/shop/billing', image: `${R}/shop/billing:1.4.0-develop` },
      ],
      '/ds/dev',
    );
    expect(status.sitsOn).toEqual(['2026-12-01']);
    expect(status.days).toEqual([
      { date: '2026-12-02', changes: ['api', 'billing'], missing: [] },
      { date: '2026-12-01', changes: [], missing: [] },
      // api has no image that old: the environment cannot sit there; billing is already on its image.
      { date: '2026-11-29', changes: [], missing: ['api'] },
    ]);
  });
});

describe('the choices of the drop-down', () => {
  it('preselects the newest day that changes something and labels a day that changes nothing', () => {
    expect(
      choiceLines([
        { date: '2026-12-02', changes: [], missing: [] },
        { date: '2026-12-01', changes: ['frontend', 'api'], missing: [] },
        { date: '2026-11-29', changes: ['frontend', 'api', 'billing'], missing: [] },
        { date: '2026-11-20', changes: ['frontend'], missing: ['billing'] },
      ]),
    ).toEqual([
      '2026-12-01 · frontend, api',
      '2026-12-02 · changes nothing',
      '2026-11-29 · frontend, api, billing',
      '2026-11-20 · frontend (no image then: billing)',
    ]);
  });

  it('keeps the newest first when the newest day changes something, and maps back by the first 10 characters', () => {
    const lines = choiceLines([
      { date: '2026-12-02', changes: ['api'], missing: [] },
      { date: '2026-12-01', changes: [], missing: [] },
    ]);
    expect(lines).toEqual(['2026-12-02 · api', '2026-12-01 · changes nothing']);
    expect(lines.map((l) => l.slice(0, 10))).toEqual(['2026-12-02', '2026-12-01']);
  });
});
