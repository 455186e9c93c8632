import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import {
  APP,
  changingRequests,
  definitionWithoutImage,
  dumpDir,
  imageOf,
  MARATHON_ENV,
  lastLine,
  readJson,
  runArgs,
  runBundle,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

// --timeout 5 for the failing service: the healthy ones must finish well within it on a busy 2-core machine.
describe('run when a deployment fails (bundled helper, plain Marathon emulator)', () => {
  let world: World;
  let marathon: MarathonEmulator;
  let dir: string;
  const env = MARATHON_ENV;
  const args = (...extra: string[]) => runArgs({ dir, marathon: marathon.url }, ...extra);

  beforeAll(async () => {
    world = await startWorld();
  });
  beforeEach(async () => {
    marathon = await startMarathon(world, {
      basic: { user: env.MARATHON_USER, password: env.MARATHON_PASSWORD },
    });
    dir = dumpDir(world);
  });
  afterEach(() => marathon?.close());
  afterAll(() => world?.stop());

  it('puts every changed service back when one deployment hangs (--on-failure revert, the default)', async () => {
    const h = world.host;
    const before = definitionWithoutImage(marathon, APP.api);
    marathon.failNextDeployment(APP.billing, 'hang');
    const result = await runBundle(args('--timeout', '5'), env);
    expect(result.code).toBe(1);
    expect(lastLine(result.stderr)).toMatch(
      /^rollback: the rollback to 2026-11-27 failed \(\/ds\/dev\/shop\/billing: deployment \S+ still running after 5s .*\); every changed app is back on its previous image/,
    );
    expect(imageOf(marathon, APP.api)).toBe(`${h}/shop/api:1.5.0-develop`);
    expect(imageOf(marathon, APP.billing)).toBe(`${h}/shop/billing:1.4.0-develop`);
    // The hanging deployment was ours, so reverting it cancelled it: nothing is left running.
    expect(marathon.deployments()).toEqual([]);
    expect((marathon.getApp(APP.billing) as any).tasksRunning).toBe(1);
    expect(definitionWithoutImage(marathon, APP.api)).toEqual(before);
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(
      'dev → 2026-11-27 FAILED, reverted: api back on 1.5.0-develop, billing FAILED on 1.4.0-develop, frontend unchanged\n',
    );
    const journal = readJson(path.join(dir, 'rollback-journal.json'));
    expect(journal.status).toBe('reverted');
    const steps = (id: string) =>
      journal.apps.find((a: any) => a.id === id).steps.map((s: any) => `${s.action} ${s.outcome}`);
    expect(steps(APP.billing)).toEqual([
      'deploy requested',
      'deploy started',
      'deploy failed',
      'revert requested',
      'revert started',
      'revert succeeded',
    ]);
    expect(steps(APP.api)).toEqual([
      'deploy requested',
      'deploy started',
      'deploy succeeded',
      'revert requested',
      'revert started',
      'revert succeeded',
    ]);
  });

  it('with --on-failure keep leaves the services where they are and says exactly where, then undo puts them back', async () => {
    const h = world.host;
    marathon.failNextDeployment(APP.billing, 'fail');
    const result = await runBundle(args('--timeout', '5', '--on-failure', 'keep', '--json'), env);
    expect(result.code).toBe(1);
    expect(imageOf(marathon, APP.api)).toBe(`${h}/shop/api:1.4.3-develop`);
    expect(imageOf(marathon, APP.billing)).toBe(`${h}/shop/billing:1.3.0-develop`);
    const json = JSON.parse(result.stdout);
    expect(json.outcome).toBe('failed');
    expect(json.services.map((s: any) => [s.service, s.status, s.apps[0].now])).toEqual([
      ['api', 'deployed', `${h}/shop/api:1.4.3-develop`],
      ['billing', 'failed', `${h}/shop/billing:1.3.0-develop`],
      ['frontend', 'unchanged', `${h}/shop/frontend:2.0.0-develop`],
    ]);
    expect(json.services[1].apps[0].message).toMatch(
      /not healthy after 5s \(0\/1 new tasks running; last task failure: .+\)/,
    );
    expect(json.summary).toBe(
      'dev → 2026-11-27 FAILED, kept as is: api 1.4.3-develop, billing FAILED on 1.3.0-develop, frontend unchanged',
    );
    expect(lastLine(result.stderr)).toContain(
      `rollback undo --journal ${path.join(dir, 'rollback-journal.json')}`,
    );

    const undo = await runBundle(
      [
        'undo',
        '--journal',
        path.join(dir, 'rollback-journal.json'),
        '--marathon',
        marathon.url,
        '--timeout',
        '10',
      ],
      env,
    );
    expect(undo.code).toBe(0);
    expect(imageOf(marathon, APP.api)).toBe(`${h}/shop/api:1.5.0-develop`);
    expect(imageOf(marathon, APP.billing)).toBe(`${h}/shop/billing:1.4.0-develop`);
    expect(readJson(path.join(dir, 'rollback-undo-journal.json')).status).toBe('undone');
  });

  it('reports an app locked by a deployment with its id and changes nothing; --force cancels it', async () => {
    const blocking = marathon.lockApp(APP.api);
    const refused = await runBundle(args('--timeout', '10'), env);
    expect(refused.code).toBe(1);
    expect(lastLine(refused.stderr)).toBe(
      `rollback: locked by running deployments: ${APP.api} (deployment ${blocking}); nothing was changed (wait for them to finish, or pass --force to cancel them (Marathon force=true))`,
    );
    expect(changingRequests(marathon)).toEqual([]);
    expect(readJson(path.join(dir, 'rollback.json')).format).toBe('rollback-catalog');

    const forced = await runBundle(args('--timeout', '10', '--force'), env);
    expect(forced.code).toBe(0);
    expect(imageOf(marathon, APP.api)).toBe(`${world.host}/shop/api:1.4.3-develop`);
    expect(marathon.deployments()).toEqual([]);
    expect(changingRequests(marathon).map((r) => `${r.method} ${r.path}`)).toContain(
      `PATCH /v2/apps${APP.api}?force=true`,
    );
  });

  it('reports a 409 met while deploying with the blocking deployment, and reverts what changed', async () => {
    // Someone starts a deployment of billing while the rollback is busy with api (one at a time).
    let blocking = '';
    const spy = setInterval(() => {
      if (!blocking && changingRequests(marathon).some((r) => r.path.startsWith(`/v2/apps${APP.api}`)))
        blocking = marathon.lockApp(APP.billing);
    }, 5);
    const result = await runBundle(args('--timeout', '10', '--concurrency', '1'), env).finally(() =>
      clearInterval(spy),
    );
    expect(blocking).not.toBe('');
    expect(result.code).toBe(1);
    expect(lastLine(result.stderr)).toContain(
      `${APP.billing}: app ${APP.billing} is locked by deployment ${blocking}`,
    );
    expect(lastLine(result.stderr)).toContain('--force');
    expect(imageOf(marathon, APP.api)).toBe(`${world.host}/shop/api:1.5.0-develop`);
    expect(imageOf(marathon, APP.billing)).toBe(`${world.host}/shop/billing:1.4.0-develop`);
    // Someone else's deployment is not ours to cancel without --force.
    expect(marathon.deployments().map((d) => d.id)).toEqual([blocking]);
  });
});
