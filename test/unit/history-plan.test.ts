import { InputError } from '../../src/errors';
import type { AppHistory } from '../../src/history/read';
import type { VersionSummary } from '../../src/history/summary';
import { validateCatalog, type Catalog } from '../../src/plan/catalog';
import { planFromHistory, type HistoryPlanInput } from '../../src/plan/history-plan';
import { formatPlanTable } from '../../src/plan/plan-text';
import { summaryLine } from '../../src/plan/rollback-report';
import { resultOf } from '../../src/run/result';
import { newestFirst } from '../../src/plan/snapshot';
import { historyOf, image, version, type Shape } from './history-fixtures';

/**
 * `run --at --source marathon` planned from plain data: each app goes to what it ran at the
 * instant, from its own history; the registry rule fills in where history does not reach (said in
 * words), and without a catalog the plan stops naming the app. --with-config lists the fields that
 * go back, --with-scale the instances too.
 */

const TODAY: Shape = { instances: 3 };
const current = (service: string, tag: string, shape: Shape = TODAY) =>
  version(service, tag, '2026-12-02T06:00:00.000Z', shape);

/** The story's dev apps: api with a hotfix two days ago, frontend yesterday, billing a config change. */
const histories: AppHistory[] = [
  historyOf('api', [
    ['1.4.0-develop', '2026-11-27T09:55:00.000Z', { env: { SERVICE_NAME: 'api', LOG_LEVEL: 'info' } }],
    ['1.5.0-develop', '2026-11-30T09:40:00.000Z'],
    ['1.5.1-develop', '2026-11-30T14:10:00.000Z'],
    ['1.6.0-develop', '2026-12-01T14:30:00.000Z'],
    ['1.7.0-develop', '2026-12-02T06:00:00.000Z', TODAY],
  ]),
  historyOf('frontend', [
    ['1.4.0-develop', '2026-11-28T10:15:00.000Z'],
    ['1.4.0-develop', '2026-11-29T17:30:00.000Z', { instances: 4 }], // a scale
    ['1.5.0-develop', '2026-12-01T10:05:00.000Z'],
    ['1.6.0-develop', '2026-12-02T06:00:00.000Z', TODAY],
  ]),
  historyOf('billing', [
    ['1.4.0-develop', '2026-11-29T10:40:00.000Z', { grace: 120 }],
    ['1.4.0-develop', '2026-11-29T15:45:00.000Z'], // health check only
    ['1.5.0-develop', '2026-12-02T06:00:00.000Z', TODAY],
  ]),
];

const NOW: Record<string, string> = {
  api: '1.7.0-develop',
  frontend: '1.6.0-develop',
  billing: '1.5.0-develop',
};

function input(at: string, overrides: Partial<HistoryPlanInput> = {}): HistoryPlanInput {
  const all = overrides.histories ? [...overrides.histories.values()] : histories;
  const services = all.map((h) => h.appId.split('/').pop()!);
  return {
    point: { kind: 'instant', at, timeZone: 'UTC' },
    apps: services.map((s) => ({ id: `/ds/dev/shop/${s}`, image: image(s, NOW[s] ?? '9.9.9-develop') })),
    histories: new Map(all.map((h) => [h.appId, h])),
    current: new Map<string, VersionSummary>(
      services.map((s) => [`/ds/dev/shop/${s}`, current(s, NOW[s] ?? '9.9.9-develop')]),
    ),
    group: '/ds/dev',
    withConfig: false,
    withScale: false,
    ...overrides,
  };
}

/** service → [to tag, action, reason] */
function targets(plan: ReturnType<typeof planFromHistory>) {
  return Object.fromEntries(
    plan.services.flatMap((s) => s.apps.map((a) => [s.service, [a.to.split(':').pop(), a.action, a.reason]])),
  );
}

function catalogOf(images: Record<string, Array<[tag: string, created: string]>>): Catalog {
  return validateCatalog(
    {
      format: 'rollback-catalog',
      version: 1,
      generatedAt: '2026-12-02T07:00:00Z',
      registry: 'https://registry.example.com',
      environment: 'develop',
      timeZone: 'UTC',
      keep: 10,
      offeredDates: [],
      repositories: Object.entries(images).map(([name, list]) => ({
        name,
        images: newestFirst(
          list.map(([tag, created]) => ({ tag, digest: `sha256:${'0'.repeat(64)}`, created })),
        ),
        undated: [],
      })),
    },
    'test catalog',
  );
}

describe('planFromHistory: what ran at the instant', () => {
  it('between two releases of one day: the morning release, not the afternoon hotfix', () => {
    const plan = planFromHistory(input('2026-11-30T12:00:00Z'));
    expect(targets(plan)).toEqual({
      api: ['1.5.0-develop', 'deploy', 'ran at 2026-11-30 12:00:00 UTC (deployed 2026-11-30 09:40:00 UTC)'],
      billing: [
        '1.4.0-develop',
        'deploy',
        'ran at 2026-11-30 12:00:00 UTC (deployed 2026-11-29 15:45:00 UTC)',
      ],
      // Scaled on the 29th: deployed when its image (and configuration) went out, not when scaled.
      frontend: [
        '1.4.0-develop',
        'deploy',
        'ran at 2026-11-30 12:00:00 UTC (deployed 2026-11-28 10:15:00 UTC)',
      ],
    });
    expect(plan).toMatchObject({
      date: '2026-11-30T12:00:00Z',
      point: '2026-11-30 12:00:00 UTC',
      group: '/ds/dev',
    });
  });

  it('exactly on a version’s timestamp: that version', () => {
    expect(targets(planFromHistory(input('2026-11-30T14:10:00Z'))).api![0]).toBe('1.5.1-develop');
    expect(targets(planFromHistory(input('2026-11-30T14:09:59Z'))).api![0]).toBe('1.5.0-develop');
  });

  it('an app already on what ran then is left alone', () => {
    const plan = planFromHistory(input('2026-12-02T06:30:00Z'));
    expect(Object.values(targets(plan)).map((t) => t[1])).toEqual(['no-op', 'no-op', 'no-op']);
    expect(formatPlanTable(plan)).toMatch(/api\s+stays on 1\.7\.0-develop\s+already on what ran then/);
  });

  it('an app created after the instant stays as it is, and the plan says so', () => {
    const plan = planFromHistory(input('2026-11-28T12:00:00Z'));
    expect(targets(plan).billing).toEqual([
      '1.5.0-develop',
      'stays',
      'created after the point (2026-11-29 10:40:00 UTC); stays as it is',
    ]);
    expect(targets(plan).api![0]).toBe('1.4.0-develop');
    expect(formatPlanTable(plan)).toMatch(/billing\s+stays on 1\.5\.0-develop\s+created after the point/);
  });
});

describe('planFromHistory: before an app’s oldest kept version', () => {
  /** api's history cut by Marathon: the oldest kept version is the hotfix. */
  const cut = new Map(
    histories.map((h) => [
      h.appId,
      h.appId.endsWith('/api') ? { ...h, versions: h.versions.slice(2), complete: false } : h,
    ]),
  );

  it('with a catalog: the registry rule fills in, and the plan says so in words', () => {
    const catalog = catalogOf({
      'shop/api': [
        ['1.4.0-develop', '2026-11-27T09:00:00Z'],
        ['1.5.0-develop', '2026-11-30T09:07:00Z'],
        ['1.5.1-develop', '2026-11-30T13:50:00Z'],
      ],
    });
    const plan = planFromHistory(input('2026-11-30T12:00:00Z', { histories: cut, catalog }));
    expect(targets(plan).api).toEqual([
      '1.5.0-develop',
      'deploy',
      'history kept only since 2026-11-30 14:10:00 UTC: newest image built by then, from rollback.json',
    ]);
    // The others still from their own history.
    expect(targets(plan).frontend![2]).toMatch(/^ran at /);
    expect(formatPlanTable(plan)).toContain('newest image built by then, from rollback.json');
  });

  it('with --with-config, says that a filled-in app gets its image only, not its configuration', () => {
    const catalog = catalogOf({ 'shop/api': [['1.5.0-develop', '2026-11-30T09:07:00Z']] });
    const plan = planFromHistory(
      input('2026-11-30T12:00:00Z', { histories: cut, catalog, withConfig: true }),
    );
    expect(targets(plan).api![2]).toMatch(
      /from rollback\.json \(its configuration is not known, so not put back\)$/,
    );
  });

  const planWithoutCatalog = () => planFromHistory(input('2026-11-30T12:00:00Z', { histories: cut }));

  it('without a catalog: refused, naming the app and where its history starts', () => {
    const plan = planWithoutCatalog;
    expect(plan).toThrow(InputError);
    expect(plan).toThrow(
      'what ran at 2026-11-30 12:00:00 UTC is not known for /ds/dev/shop/api (its history starts 2026-11-30 14:10:00 UTC)',
    );
    expect(plan).toThrow(/nothing was changed/);
  });

  it('with a catalog that has no image built by then: refused too', () => {
    const catalog = catalogOf({ 'shop/api': [['1.5.1-develop', '2026-11-30T13:50:00Z']] });
    expect(() => planFromHistory(input('2026-11-30T12:00:00Z', { histories: cut, catalog }))).toThrow(
      /\/ds\/dev\/shop\/api .*rollback\.json has no image of it built by then/,
    );
  });
});

/** frontend's plan at 11-30 noon, scaled to 4 then. */
const frontendAt1130 = (options: Partial<HistoryPlanInput>) =>
  planFromHistory(input('2026-11-30T12:00:00Z', options)).services.find((s) => s.service === 'frontend')!
    .apps[0]!;

describe('planFromHistory: --with-config and --with-scale', () => {
  it('a change of configuration alone goes back with --with-config, its fields named, never their values', () => {
    // At 11-27 api ran with LOG_LEVEL=info; today without.
    const plan = planFromHistory(input('2026-11-28T12:00:00Z', { withConfig: true }));
    const api = plan.services.find((s) => s.service === 'api')!.apps[0]!;
    expect(api).toMatchObject({
      to: image('api', '1.4.0-develop'),
      action: 'deploy',
      config: { version: '2026-11-27T09:55:00.000Z', fields: ['env (LOG_LEVEL)'] },
    });
    expect(formatPlanTable(plan)).toMatch(/api .*config: env \(LOG_LEVEL\)/);
    expect(JSON.stringify(plan)).not.toMatch(/info|debug/);
  });

  it('the same image with another configuration is a change with --with-config, none without', () => {
    // billing: 1.4.0 with the 120 s grace until 15:45; billing runs 1.4.0 in neither case now, so
    // look at a point where only the health check differs from what it runs: pretend it runs 1.4.0.
    const apps = input('2026-11-29T12:00:00Z').apps.map((a) =>
      a.id.endsWith('/billing') ? { ...a, image: image('billing', '1.4.0-develop') } : a,
    );
    const now = new Map(input('x').current);
    now.set('/ds/dev/shop/billing', current('billing', '1.4.0-develop', {}));
    const without = planFromHistory(input('2026-11-29T12:00:00Z', { apps, current: now }));
    expect(targets(without).billing![1]).toBe('no-op');
    const withConfig = planFromHistory(
      input('2026-11-29T12:00:00Z', { apps, current: now, withConfig: true }),
    );
    expect(withConfig.services.find((s) => s.service === 'billing')!.apps[0]).toMatchObject({
      action: 'deploy',
      config: { version: '2026-11-29T10:40:00.000Z', fields: ['healthChecks'] },
    });
  });

  it('a scale is no configuration: instances go back only with --with-scale', () => {
    // At 11-30 frontend ran 1.4.0 with 4 instances (scaled on the 29th); today 3.
    const frontend = frontendAt1130;
    expect(frontend({ withConfig: true })).toMatchObject({
      to: image('frontend', '1.4.0-develop'),
      action: 'deploy',
    });
    expect(frontend({ withConfig: true }).config).toBeUndefined();
    expect(frontend({ withConfig: true, withScale: true }).config).toEqual({
      version: '2026-11-29T17:30:00.000Z',
      fields: ['instances'],
    });
  });
});

describe('the summary line of a rollback from history', () => {
  it('says an app created after the point stays because it did not exist then', () => {
    const plan = planFromHistory(input('2026-11-28T12:00:00Z'));
    const line = summaryLine(resultOf(plan, 'dry-run', 'revert', new Map()));
    expect(line).toBe(
      'dev → 2026-11-28 12:00:00 UTC: api 1.7.0-develop → 1.4.0-develop, billing stays on 1.5.0-develop (created after the point), frontend 1.6.0-develop → 1.4.0-develop',
    );
  });
});
