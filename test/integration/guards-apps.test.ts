import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import {
  catalogDir,
  colleague,
  guardsRun,
  images,
  startGuardsMarathon,
  startGuardsWorld,
  startIntercepting,
  runBundleWhen,
  tableRows,
} from './guards-support';
import { APP, changingRequests, imageOf, journalSteps, lastLine, runBundle, type World } from './run-fixture';

/**
 * Issue 11, change only what you mean to change (#4, and #5 for the revert after a failure): an app
 * deleted under a rollback is never created again, and the revert after a failure leaves alone
 * what colleagues did meanwhile. Bundled helper, real docker-registry, Marathon emulator.
 */

const deploymentOf = (marathon: MarathonEmulator, id: string) =>
  marathon.deployments().find((d) => (d.affectedApps as string[]).includes(id))?.id as string | undefined;

describe('guards: no app created, nobody overwritten by a revert (issue 11 #4, #5)', () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;
  let proxy: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    world = await startGuardsWorld();
  });
  afterEach(async () => {
    await proxy?.stop();
    await marathon?.close();
    proxy = marathon = undefined;
  });
  afterAll(() => world?.stop());

  it('#4 on a Marathon without PATCH, an app deleted just before its PUT comes back 201: that app failed, named, with what to do', async () => {
    const m = (marathon = await startGuardsMarathon(world, { noPatch: true }));
    const intercept = await startIntercepting(m, 'PUT', /^\/v2\/apps\/ds\/dev\/shop\/api(\?|$)/, () =>
      colleague(m).remove(APP.api),
    );
    proxy = intercept;
    const dir = catalogDir(world);
    const result = await runBundle(guardsRun(dir, intercept.url, '--timeout', '60'));
    expect(intercept.fired()).toBe(true);
    expect(result.code).toBe(1);
    const row = tableRows(result.stdout).get(APP.api)!;
    expect(row.status).toBe('recreated');
    expect(row.detail).toBe(
      `app ${APP.api} had been deleted; Marathon created it anew from the image alone (HTTP 201, default resources, no env or health checks); check ${APP.api} in Marathon and delete it unless someone wants it back`,
    );
    const summary =
      'dev → 2026-11-27 FAILED, reverted: api RECREATED by Marathon from the image alone after someone deleted it (check it, delete it unless wanted), billing back on 1.4.0-develop, frontend back on 2.1.0-develop';
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(`${summary}\n`);
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(
        `^rollback: the rollback to 2026-11-27 failed \\(${APP.api}: app ${APP.api} had been deleted; .*\\); every other changed app is back on its previous image`,
      ),
    );
    // The bare app Marathon made is not "put back" onto the bad release: nobody's to change.
    expect(
      changingRequests(m)
        .filter((r) => r.path.startsWith(`/v2/apps${APP.api}`))
        .map((r) => r.method),
    ).toEqual(['PATCH', 'DELETE', 'PUT']);
    expect(m.getApp(APP.api)).toMatchObject({ instances: 1, cpus: 1, mem: 128 });
  });

  it('#4 with PATCH, an app deleted just before its change is reported DELETED and not recreated', async () => {
    const m = (marathon = await startGuardsMarathon(world));
    const intercept = await startIntercepting(m, 'PATCH', /^\/v2\/apps\/ds\/dev\/shop\/api(\?|$)/, () =>
      colleague(m).remove(APP.api),
    );
    proxy = intercept;
    const dir = catalogDir(world);
    const result = await runBundle(guardsRun(dir, intercept.url, '--timeout', '60'));
    expect(intercept.fired()).toBe(true);
    expect(result.code).toBe(1);
    expect(m.getApp(APP.api)).toBeUndefined();
    expect(changingRequests(m).filter((r) => r.method === 'PUT')).toEqual([]);
    expect(tableRows(result.stdout).get(APP.api)).toEqual({
      status: 'deleted',
      now: '(deleted)',
      detail: `app ${APP.api} does not exist in Marathon at ${intercept.url}: deleted since the plan, not recreated`,
    });
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(
      'dev → 2026-11-27 FAILED, reverted: api DELETED (not recreated), billing back on 1.4.0-develop, frontend back on 2.1.0-develop\n',
    );
  });

  it("#5 a revert after a failure leaves a colleague's hotfix alone and reports it drifted", async () => {
    const m = (marathon = await startGuardsMarathon(world));
    m.failNextDeployment(APP.billing, 'hang');
    const dir = catalogDir(world);
    const hotfix = `${world.host}/shop/frontend:9.9.9-hotfix`;
    const result = await runBundleWhen(
      guardsRun(dir, m.url, '--timeout', '600'),
      {},
      () =>
        journalSteps(dir, APP.frontend).includes('deploy succeeded') &&
        journalSteps(dir, APP.api).includes('deploy succeeded') &&
        deploymentOf(m, APP.billing) !== undefined,
      async () => {
        await colleague(m).deploy(APP.frontend, hotfix);
        // Then someone cancels billing's deployment: billing fails, and the revert starts.
        await colleague(m).cancel(deploymentOf(m, APP.billing)!);
      },
    );
    expect(result.acted).toBe(true);
    expect(result.code).toBe(1);
    expect(imageOf(m, APP.frontend)).toBe(hotfix);
    expect(imageOf(m, APP.api)).toBe(images(world).before.api);
    // The table reads what runs from Marathon: the hotfix, not the journal's idea of it.
    expect(tableRows(result.stdout).get(APP.frontend)).toMatchObject({
      status: 'drifted',
      now: '9.9.9-hotfix',
    });
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(
      'dev → 2026-11-27 FAILED: api back on 1.5.0-develop, billing FAILED on 1.4.0-develop, frontend changed by someone else, left on 9.9.9-hotfix\n',
    );
    expect(lastLine(result.stderr)).toContain(
      `${APP.frontend}: runs ${hotfix} now, not ${images(world).target.frontend}: changed by someone else; left alone (--force puts it on 2.1.0-develop anyway)`,
    );
    const requests = changingRequests(m).filter((r) => r.path.startsWith(`/v2/apps${APP.frontend}`));
    expect(requests.map((r) => `${r.method} ${r.body.includes('9.9.9-hotfix') ? 'hotfix' : ''}`)).toEqual([
      'PATCH ',
      'PUT hotfix',
    ]);
    expect(journalSteps(dir, APP.frontend)).toEqual([
      'deploy requested',
      'deploy started',
      'deploy succeeded',
      'revert drifted',
    ]);
  });

  it("#5 a revert never cancels a colleague's scale deployment without --force", async () => {
    const m = (marathon = await startGuardsMarathon(world));
    m.failNextDeployment(APP.billing, 'hang');
    const dir = catalogDir(world);
    let scale: string | undefined;
    const result = await runBundleWhen(
      guardsRun(dir, m.url, '--timeout', '600'),
      {},
      () =>
        journalSteps(dir, APP.api).includes('deploy succeeded') && deploymentOf(m, APP.billing) !== undefined,
      async () => {
        m.failNextDeployment(APP.api, 'hang');
        scale = (await colleague(m).scale(APP.api, 3)).deploymentId;
        await colleague(m).cancel(deploymentOf(m, APP.billing)!);
      },
    );
    expect(result.acted).toBe(true);
    expect(result.code).toBe(1);
    // The scale still runs, api still has its 3 instances and the image the rollback gave it.
    expect(m.deployments().map((d) => d.id)).toContain(scale);
    expect(m.getApp(APP.api)).toMatchObject({ instances: 3 });
    expect(imageOf(m, APP.api)).toBe(images(world).target.api);
    expect(changingRequests(m).some((r) => r.path.includes('force=true') && r.body.includes('1.5.0'))).toBe(
      false,
    );
    expect(tableRows(result.stdout).get(APP.api)).toEqual({
      status: 'revert-failed',
      now: '1.4.3-develop',
      detail: `putting back failed: app ${APP.api} is locked by deployment ${scale} (wait for it to finish, or pass --force to cancel it (Marathon force=true))`,
    });
  });

  it('#5 the "now on" column is read back from Marathon: an app changed behind the journal\'s back shows what it runs', async () => {
    const m = (marathon = await startGuardsMarathon(world));
    const hotfix = `${world.host}/shop/api:1.4.4-hotfix`;
    // Just before the helper lists the group for the second time (its read back at the end).
    const intercept = await startIntercepting(
      m,
      'GET',
      /^\/v2\/apps\?/,
      () => colleague(m).deploy(APP.api, hotfix),
      2,
    );
    proxy = intercept;
    const result = await runBundle(guardsRun(catalogDir(world), intercept.url, '--timeout', '60'));
    expect(intercept.fired()).toBe(true);
    expect(result.code).toBe(0);
    expect(tableRows(result.stdout).get(APP.api)).toMatchObject({ status: 'deployed', now: '1.4.4-hotfix' });
  });
});
