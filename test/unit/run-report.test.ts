import { InputError, RollbackFailedError } from '../../src/errors';
import { assertNotLocked, checkTargetImages, type ImageChecker } from '../../src/plan/preflight';
import type { RollbackPlan, ServicePlan } from '../../src/plan/rollback-plan';
import { formatPlanTable } from '../../src/plan/plan-text';
import {
  resultJson,
  slackStartText,
  summaryLine,
  type RollbackResult,
  type ServiceResult,
} from '../../src/plan/rollback-report';

const R = 'r.example.com/shop';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function service(name: string, over: Partial<ServicePlan> = {}): ServicePlan {
  return {
    repository: `shop/${name}`,
    service: name,
    choice: 'of-that-day',
    reason: 'image of that day',
    target: { tag: '1.0.0-develop', digest: digest('a'), created: '2026-11-27T10:00:00Z' },
    apps: [
      {
        id: `/ds/dev/shop/${name}`,
        from: `${R}/${name}:2.0.0-develop`,
        to: `${R}/${name}:1.0.0-develop`,
        action: 'deploy',
      },
    ],
    ...over,
  };
}

function plan(services: ServicePlan[], pinDigest = false): RollbackPlan {
  return {
    format: 'rollback-plan',
    version: 1,
    date: '2026-11-27',
    point: 'end of 2026-11-27 (UTC)',
    timeZone: 'UTC',
    group: '/ds/dev',
    environment: 'develop',
    registry: 'https://r.example.com',
    pinDigest,
    services,
  };
}

const checker = (tags: Record<string, string>): ImageChecker & { asked: string[] } => {
  const asked: string[] = [];
  return {
    asked,
    async exists(repository, reference) {
      asked.push(`${repository}:${reference}`);
      return tags[`${repository}:${reference}`];
    },
  };
};

describe('preflight: target images', () => {
  it('HEADs the target tag of every service that changes, and only those', async () => {
    const c = checker({ 'shop/api:1.0.0-develop': digest('a') });
    const noop = service('web', {
      apps: [{ id: '/ds/dev/shop/web', from: 'x:1', to: 'x:1', action: 'no-op' }],
    });
    await expect(checkTargetImages(plan([service('api'), noop]), c)).resolves.toEqual([]);
    expect(c.asked).toEqual(['shop/api:1.0.0-develop']);
  });

  it('stops before any change when a target tag is gone, naming all of them', async () => {
    const p = plan([service('api'), service('billing')]);
    await expect(checkTargetImages(p, checker({}))).rejects.toThrow(
      'shop/api:1.0.0-develop is no longer in the registry; shop/billing:1.0.0-develop is no longer in the registry; nothing was changed',
    );
  });

  it('refuses a re-pushed tag unless the images are pinned by digest', async () => {
    const moved = { 'shop/api:1.0.0-develop': digest('b') };
    const err = await checkTargetImages(plan([service('api')]), checker(moved)).catch((e: InputError) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain('re-pushed');
    expect((err as InputError).hint).toContain('--pin-digest');
    const pinned = checker({ ...moved, [`shop/api:${digest('a')}`]: digest('a') });
    await expect(checkTargetImages(plan([service('api')], true), pinned)).resolves.toEqual([
      `shop/api:1.0.0-develop was re-pushed; deploying the recorded digest ${digest('a')}`,
    ]);
  });
});

describe('preflight: locked apps', () => {
  it('refuses apps held by a running deployment unless --force, naming the deployment', () => {
    const locked = [{ id: '/ds/dev/shop/api', deployments: ['dep-42'] }];
    expect(() => assertNotLocked(locked, false)).toThrow(RollbackFailedError);
    expect(() => assertNotLocked(locked, false)).toThrow('/ds/dev/shop/api (deployment dep-42)');
    expect(assertNotLocked(locked, true)[0]).toContain('dep-42');
    expect(assertNotLocked([], false)).toEqual([]);
  });
});

describe('plan table', () => {
  it('shows service, app, from, to and why', () => {
    const text = formatPlanTable(
      plan([
        service('api'),
        service('billing', {
          choice: 'earlier',
          reason: 'newest earlier image from 2026-11-25',
          filledFrom: '2026-11-25',
        }),
        service('web', {
          apps: [
            {
              id: '/ds/dev/shop/web',
              from: `${R}/web:1.0.0-develop`,
              to: `${R}/web:1.0.0-develop`,
              action: 'no-op',
            },
          ],
        }),
      ]),
    );
    expect(text.split('\n')).toEqual([
      'Plan: dev (/ds/dev) → end of 2026-11-27 (UTC), 2 app(s) to redeploy',
      'api      2.0.0-develop → 1.0.0-develop  image of that day',
      'billing  2.0.0-develop → 1.0.0-develop  newest earlier image from 2026-11-25',
      'web      stays on 1.0.0-develop         already on its image of that day',
      '',
      'SERVICE  APP                   FROM           TO               WHY',
      'api      /ds/dev/shop/api      2.0.0-develop  1.0.0-develop    image of that day',
      'billing  /ds/dev/shop/billing  2.0.0-develop  1.0.0-develop    newest earlier image from 2026-11-25',
      'web      /ds/dev/shop/web      1.0.0-develop  (already on it)  image of that day',
      '',
    ]);
  });
});

function result(
  outcome: RollbackResult['outcome'],
  services: ServiceResult[],
  onFailure: 'revert' | 'keep' = 'revert',
): RollbackResult {
  return { command: 'run', outcome, date: '2026-11-27', group: '/ds/dev', onFailure, services };
}

const svc = (
  name: string,
  status: ServiceResult['status'],
  now: string,
  extra: Partial<ServiceResult> = {},
): ServiceResult => ({
  service: name,
  repository: `shop/${name}`,
  status,
  apps: [
    {
      id: `/ds/dev/shop/${name}`,
      from: `${R}/${name}:9`,
      to: `${R}/${name}:${now}`,
      now: `${R}/${name}:${now}`,
      status,
    },
  ],
  ...extra,
});

describe('summary line (the Jenkins build description)', () => {
  it('names each service with its version, the filled ones with their day, and the untouched ones', () => {
    expect(
      summaryLine(
        result('succeeded', [
          svc('api', 'deployed', '1.4.2-develop'),
          svc('billing', 'deployed', '1.3.0-develop', { filledFrom: '2026-11-25' }),
          svc('frontend', 'unchanged', '2.0.0-develop'),
        ]),
      ),
    ).toBe(
      'dev → 2026-11-27: api 1.4.2-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged',
    );
  });

  it('says exactly where each service is after a failure kept as is', () => {
    expect(
      summaryLine(
        result(
          'failed',
          [
            svc('api', 'deployed', '1.4.2-develop'),
            svc('billing', 'failed', '1.3.0-develop'),
            svc('web', 'not-started', '9'),
          ],
          'keep',
        ),
      ),
    ).toBe(
      'dev → 2026-11-27 FAILED, kept as is: api 1.4.2-develop, billing FAILED on 1.3.0-develop, web not started, still on 9',
    );
  });

  it('says the services are back after a revert', () => {
    expect(
      summaryLine(result('reverted', [svc('api', 'reverted', '9'), svc('billing', 'failed', '9')])),
    ).toBe('dev → 2026-11-27 FAILED, reverted: api back on 9, billing FAILED on 9');
  });

  it('mentions a service left as it is by --allow-missing', () => {
    expect(summaryLine(result('succeeded', [svc('new', 'stays', '0.1.0')]))).toBe(
      'dev → 2026-11-27: new stays on 0.1.0 (no image on or before 2026-11-27)',
    );
  });
});

describe('JSON result', () => {
  it('carries per service the app ids, from, to and status', () => {
    const json = JSON.parse(resultJson(result('succeeded', [svc('api', 'deployed', '1.4.2-develop')])));
    expect(json).toEqual({
      command: 'run',
      outcome: 'succeeded',
      ok: true,
      date: '2026-11-27',
      group: '/ds/dev',
      summary: 'dev → 2026-11-27: api 1.4.2-develop',
      services: [
        {
          service: 'api',
          repository: 'shop/api',
          status: 'deployed',
          apps: [
            {
              id: '/ds/dev/shop/api',
              from: `${R}/api:9`,
              to: `${R}/api:1.4.2-develop`,
              now: `${R}/api:1.4.2-develop`,
              status: 'deployed',
            },
          ],
        },
      ],
    });
  });
});

describe('Slack start message', () => {
  it('names the environment, the date, the services and the approver', () => {
    const text = slackStartText({ plan: plan([service('api')]), approver: 'alice' });
    expect(text).toContain('*dev* (/ds/dev) to *2026-11-27*');
    expect(text).toContain('Approved by: alice');
    expect(text).toContain('• api: 2.0.0-develop → 1.0.0-develop (image of that day)');
    expect(slackStartText({ plan: plan([service('api')]) })).toContain('unknown (ROLLBACK_APPROVER not set)');
  });
});
