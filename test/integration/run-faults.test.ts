import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator, MarathonEmulatorOptions } from '../../src/sandbox/marathon';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { request } from '../support/http';
import {
  APP,
  changingRequests,
  dumpDir,
  imageOf,
  journalOf,
  MARATHON_BASIC,
  MARATHON_ENV,
  journalSteps,
  readJson,
  runArgs,
  runBundle,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

/**
 * Marathon misbehaving during a rollback. Whatever happens, each scenario must end with every app
 * of the journal either on its target image or back on the image it had before (never in between,
 * never silently), a summary that says which, and the exit code that tells the pipeline.
 */

const BASIC = MARATHON_BASIC;
const DCOS_USER = { user: 'jenkins', password: 'dcos-pa55-Secret' };

interface Ctx {
  marathon: MarathonEmulator;
  proxy: FaultProxy;
  dir: string;
  /** Authorization for requests the test makes as "someone else". */
  auth: string;
}

interface Scenario {
  name: string;
  emulator?: MarathonEmulatorOptions;
  flags: string[];
  setup?: (ctx: Ctx) => void;
  /** Checked every few ms while the helper runs; acts once when it returns a function. */
  trigger?: (ctx: Ctx) => (() => Promise<unknown> | void) | undefined;
  exit: number;
  /** Where each app ends: on its target, back on its image from before, or deleted by someone. */
  end: Record<string, 'target' | 'before' | 'deleted'>;
  summary: string;
  /** Scenario-specific evidence that the fault really happened. */
  check?: (ctx: Ctx, stderr: string) => void;
}

const appPath = (id: string) => `/v2/apps${id}`;
const deploymentOf = (marathon: MarathonEmulator, id: string) =>
  marathon.deployments().find((d) => (d.affectedApps as string[]).includes(id))?.id as string | undefined;

const SCENARIOS: Scenario[] = [
  {
    name: 'a 409: someone starts a deployment of billing while api deploys',
    flags: ['--concurrency', '1'],
    trigger: ({ marathon }) =>
      changingRequests(marathon).some((r) => r.path.startsWith(appPath(APP.api)))
        ? () => void marathon.lockApp(APP.billing)
        : undefined,
    exit: 1,
    end: { [APP.api]: 'before', [APP.billing]: 'before' },
    summary:
      'dev → 2026-11-27 FAILED, reverted: api back on 1.5.0-develop, billing FAILED on 1.4.0-develop, frontend unchanged',
  },
  {
    name: '503s from Marathon while the deployments are watched',
    flags: [],
    setup: ({ proxy }) => {
      proxy.addRule({ method: 'GET', path: /^\/v2\/deployments/, fault: 503, times: 6 });
      proxy.addRule({
        method: 'GET',
        path: /^\/v2\/apps\/ds\/dev\/shop\/api$/,
        fault: 503,
        after: 1,
        times: 4,
      });
    },
    exit: 0,
    end: { [APP.api]: 'target', [APP.billing]: 'target' },
    summary:
      'dev → 2026-11-27: api 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged',
    check: ({ proxy }) => expect(proxy.log.filter((e) => e.fault === '503').length).toBeGreaterThanOrEqual(6),
  },
  {
    name: 'a deployment that never finishes',
    flags: ['--timeout', '3'],
    setup: ({ marathon }) => marathon.failNextDeployment(APP.billing, 'hang'),
    exit: 1,
    end: { [APP.api]: 'before', [APP.billing]: 'before' },
    summary:
      'dev → 2026-11-27 FAILED, reverted: api back on 1.5.0-develop, billing FAILED on 1.4.0-develop, frontend unchanged',
    check: (_ctx, stderr) => expect(stderr).toMatch(/billing: deployment \S+ still running after 3s/),
  },
  {
    name: 'a deployment that never finishes, with --on-failure keep',
    flags: ['--timeout', '3', '--on-failure', 'keep'],
    setup: ({ marathon }) => marathon.failNextDeployment(APP.billing, 'hang'),
    exit: 1,
    // Marathon keeps the new definition while its deployment runs: billing names its target.
    end: { [APP.api]: 'target', [APP.billing]: 'target' },
    summary:
      'dev → 2026-11-27 FAILED, kept as is: api 1.4.3-develop, billing FAILED on 1.3.0-develop, frontend unchanged',
    check: ({ marathon }) => expect(deploymentOf(marathon, APP.billing)).toBeDefined(),
  },
  {
    name: 'a deployment cancelled by someone else (Marathon rolls the app back)',
    flags: ['--concurrency', '1'],
    emulator: { deploymentMs: 1500 },
    trigger: ({ marathon, auth }) => {
      const id = journalSteps(ctxDir(marathon), APP.api).includes('deploy started')
        ? deploymentOf(marathon, APP.api)
        : undefined;
      return id
        ? () =>
            request(`${marathon.url}/v2/deployments/${id}`, {
              method: 'DELETE',
              headers: { Authorization: auth },
            })
        : undefined;
    },
    exit: 1,
    end: { [APP.api]: 'before', [APP.billing]: 'before' },
    summary:
      'dev → 2026-11-27 FAILED, reverted: api FAILED on 1.5.0-develop, billing not started, still on 1.4.0-develop, frontend unchanged',
    check: (_ctx, stderr) => expect(stderr).toContain('was changed by someone else while deploying'),
  },
  {
    name: 'an app deleted between the plan and its deployment',
    flags: ['--concurrency', '1'],
    emulator: { deploymentMs: 1000 },
    trigger: ({ marathon, auth }) =>
      journalSteps(ctxDir(marathon), APP.api).includes('deploy started')
        ? () =>
            request(`${marathon.url}/v2/apps${APP.billing}`, {
              method: 'DELETE',
              headers: { Authorization: auth },
            })
        : undefined,
    exit: 1,
    end: { [APP.api]: 'before', [APP.billing]: 'deleted' },
    summary:
      'dev → 2026-11-27 FAILED, reverted: api back on 1.5.0-develop, billing DELETED (not recreated), frontend unchanged',
    check: (_ctx, stderr) => {
      expect(stderr).toContain(`app ${APP.billing} does not exist`);
      expect(stderr).toContain('not recreated');
    },
  },
  {
    name: 'the DC/OS token expiring during a long watch (401, one new login)',
    flags: [],
    emulator: {
      mode: 'dcos',
      users: { [DCOS_USER.user]: DCOS_USER.password },
      tokenLifetimeMs: 1200,
      deploymentMs: 3000,
    },
    exit: 0,
    end: { [APP.api]: 'target', [APP.billing]: 'target' },
    summary:
      'dev → 2026-11-27: api 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged',
    check: ({ marathon }) => {
      const logins = marathon.requests.filter((r) => r.path.startsWith('/acs/api/v1/auth/login'));
      // One at the start, then one per expiry during the ~3 s watch: never one per request.
      expect(logins.length).toBeGreaterThanOrEqual(2);
      expect(logins.length).toBeLessThanOrEqual(5);
    },
  },
];

// The trigger needs the dump folder of the running scenario.
const dirs = new WeakMap<MarathonEmulator, string>();
const ctxDir = (marathon: MarathonEmulator) => dirs.get(marathon)!;

describe('run when Marathon misbehaves (bundled helper, Marathon emulator behind a fault proxy)', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world?.stop());

  it.each(SCENARIOS)('$name', async (scenario) => {
    const dcos = scenario.emulator?.mode === 'dcos';
    const marathon = await startMarathon(world, {
      ...(dcos ? {} : { basic: BASIC }),
      deploymentMs: 500,
      ...scenario.emulator,
    });
    const proxy = await startFaultProxy({ target: marathon.url });
    const dir = dumpDir(world);
    dirs.set(marathon, dir);
    const ctx: Ctx = {
      marathon,
      proxy,
      dir,
      auth: `Basic ${Buffer.from(`${BASIC.user}:${BASIC.password}`).toString('base64')}`,
    };
    try {
      scenario.setup?.(ctx);
      const env = dcos ? { DCOS_USER: DCOS_USER.user, DCOS_PASSWORD: DCOS_USER.password } : MARATHON_ENV;
      const target = dcos ? { dir, dcos: proxy.url } : { dir, marathon: proxy.url };
      let fired = !scenario.trigger;
      const poll = setInterval(() => {
        if (fired) return;
        const act = scenario.trigger!(ctx);
        if (!act) return;
        fired = true;
        void act();
      }, 3);
      const result = await runBundle(
        runArgs(target, '--json', '--timeout', '20', ...scenario.flags),
        env,
      ).finally(() => clearInterval(poll));
      expect(fired).toBe(true);
      expect(result.code).toBe(scenario.exit);

      // Every journaled app is on its target or back on its image from before, as the scenario says.
      const journal = readJson(journalOf(dir));
      const json = JSON.parse(result.stdout);
      expect(Object.keys(scenario.end).sort()).toEqual(journal.apps.map((a: any) => a.id).sort());
      for (const app of journal.apps) {
        const want = scenario.end[app.id];
        const reported = json.services.flatMap((s: any) => s.apps).find((a: any) => a.id === app.id);
        if (want === 'deleted') {
          expect(marathon.getApp(app.id)).toBeUndefined();
          expect(reported.status).toBe('deleted');
          continue;
        }
        const image = want === 'target' ? app.toImage : app.fromImage;
        expect([app.id, imageOf(marathon, app.id)]).toEqual([app.id, image]);
        // The result says where each app is: what the summary and Slack are made of.
        expect([app.id, reported.now]).toEqual([app.id, image]);
      }
      expect(json.summary).toBe(scenario.summary);
      expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(`${scenario.summary}\n`);
      expect(journal.status).toBe(
        scenario.exit === 0 ? 'succeeded' : json.outcome === 'reverted' ? 'reverted' : 'failed',
      );
      if (scenario.exit !== 0) expect(result.stderr.trimEnd().split('\n').pop()).toMatch(/^rollback: /);
      scenario.check?.(ctx, result.stderr);
    } finally {
      await proxy.close();
      await marathon.close();
    }
  });
});
