import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { startDockerRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { startReverseProxy } from '../support/reverse-proxy';
import {
  catalogDir,
  colleague,
  expectNothingChanged,
  guardsRun,
  images,
  startGuardsMarathon,
  startGuardsWorld,
  startIntercepting,
  tableRows,
  TARGET_DAY,
} from './guards-support';
import { APP, imageOf, journalSteps, lastLine, richApp, runBundle, type World } from './run-fixture';

/**
 * Issue 11, no false failure and say what is true (#6, #7, #10, #11): a healthy app on its target
 * is done whatever its version says; a dry run shows its whole plan; the wrong credentials and the
 * pods a rollback leaves alone are named; an app pulling from another registry host is checked
 * there. Bundled helper, real docker-registries, Marathon emulator.
 */

const deploymentOf = (marathon: MarathonEmulator, id: string) =>
  marathon.deployments().find((d) => (d.affectedApps as string[]).includes(id))?.id as string | undefined;

const SUCCEEDED =
  'dev → 2026-11-27: api 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend 2.0.0-develop (filled from 2026-11-10)\n';

describe('guards: no false failure, and what is true (issue 11 #6, #7, #10, #11)', () => {
  let world: World;
  /** Servers a test started (emulators, proxies, a mirror registry): stopped after it, pass or fail. */
  let servers: Array<{ stop(): Promise<void> }> = [];
  const started = <T extends { stop(): Promise<void> }>(server: T): T => (servers.push(server), server);
  const marathon = async (options: Parameters<typeof startGuardsMarathon>[1] = {}) => {
    const m = await startGuardsMarathon(world, options);
    started({ stop: () => m.close() });
    return m;
  };

  beforeAll(async () => {
    world = await startGuardsWorld();
  });
  afterEach(async () => {
    for (const server of servers.reverse()) await server.stop();
    servers = [];
  });
  afterAll(() => world?.stop());

  it('#6 a forced restart by someone else while api is watched still ends deployed', async () => {
    const m = await marathon({ deploymentMs: 2000 });
    let oursWasRunning = false;
    // As the watch first asks for the deployments, someone restarts api (force: ours is cancelled).
    const proxy = started(
      await startIntercepting(m, 'GET', /^\/v2\/deployments/, async () => {
        oursWasRunning = deploymentOf(m, APP.api) !== undefined;
        await colleague(m).restart(APP.api);
      }),
    );
    const dir = catalogDir(world);
    const result = await runBundle(guardsRun(dir, proxy.url, '--timeout', '60', '--concurrency', '1'));
    expect(proxy.fired()).toBe(true);
    expect(oursWasRunning).toBe(true);
    expect(result.code).toBe(0);
    expect(m.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      `/v2/apps${APP.api}/restart?force=true`,
    ]);
    expect(tableRows(result.stdout).get(APP.api)).toMatchObject({ status: 'deployed', now: '1.4.3-develop' });
    expect(journalSteps(dir, APP.api)).toEqual(['deploy requested', 'deploy started', 'deploy succeeded']);
  });

  it('#6 a change that changes nothing (someone deployed the same image a moment before) is not a failure', async () => {
    const m = await marathon({ deploymentMs: 2000 });
    let theirs: string | undefined;
    const proxy = started(
      await startIntercepting(m, 'PATCH', /^\/v2\/apps\/ds\/dev\/shop\/api(\?|$)/, async () => {
        theirs = (await colleague(m).deploy(APP.api, images(world).target.api)).version;
      }),
    );
    const dir = catalogDir(world);
    const result = await runBundle(guardsRun(dir, proxy.url, '--timeout', '60'));
    expect(proxy.fired()).toBe(true);
    expect(result.code).toBe(0);
    // Ours came second and changed nothing: Marathon kept the colleague's version.
    const changes = m.requests.filter((r) => r.path.startsWith(`/v2/apps${APP.api}`) && r.method !== 'GET');
    expect(changes.map((r) => r.method)).toEqual(['PUT', 'PATCH']);
    expect((m.getApp(APP.api) as any).versionInfo.lastConfigChangeAt).toBe(theirs);
    expect(tableRows(result.stdout).get(APP.api)).toMatchObject({ status: 'deployed', now: '1.4.3-develop' });
    expect(journalSteps(dir, APP.api)).toEqual(['deploy requested', 'deploy started', 'deploy succeeded']);
  });

  it('#6 two runs in two --dump folders on the same group at once both end correctly', async () => {
    const m = await marathon({ deploymentMs: 2000 });
    // Each run reads each app once before changing it: both reads are let through together, so
    // both runs change every app from the same state, and the second change changes nothing.
    const seen = new Map<string, { count: number; both: Promise<void>; release: () => void }>();
    const together = (url: string) => {
      let gate = seen.get(url);
      if (!gate) {
        const fresh = { count: 0 } as { count: number; both: Promise<void>; release: () => void };
        fresh.both = new Promise<void>((resolve) => (fresh.release = resolve));
        seen.set(url, (gate = fresh));
      }
      if (++gate.count === 2) gate.release();
      return gate.both;
    };
    const gated = () => {
      const first = new Set<string>();
      return startReverseProxy(m.url, async (req, _res, forward) => {
        const url = req.url ?? '';
        if (req.method === 'GET' && /^\/v2\/apps\/ds\/dev\/shop\/[a-z]+$/.test(url) && !first.has(url)) {
          first.add(url);
          await together(url);
        }
        forward();
      });
    };
    const gates = [started(await gated()), started(await gated())];
    const dirs = [catalogDir(world), catalogDir(world)];
    const results = await Promise.all(
      dirs.map((dir, i) => runBundle(guardsRun(dir, gates[i]!.url, '--timeout', '60'))),
    );
    expect([...seen.values()].map((g) => g.count)).toEqual([2, 2, 2]);
    for (const [i, result] of results.entries()) {
      expect([i, result.code]).toEqual([i, 0]);
      expect(result.stderr).not.toContain('REVERT FAILED');
      expect(readFileSync(path.join(dirs[i]!, 'rollback-summary.txt'), 'utf8')).toBe(SUCCEEDED);
    }
    const target = images(world).target;
    expect([APP.api, APP.billing, APP.frontend].map((id) => imageOf(m, id))).toEqual([
      target.api,
      target.billing,
      target.frontend,
    ]);
  });

  it("#6 a rerun after a kill takes the killed run's own change still in flight for its own, not for a lock", async () => {
    const m = await marathon();
    const dir = catalogDir(world);
    const apiPatches = () =>
      m.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith(`/v2/apps${APP.api}`));
    // Stopped (SIGTERM) once api is on its image and billing deploying: api is put back, slowly,
    // and the helper is killed as soon as Marathon has that revert, which runs on after it.
    const killed = await runBundle(guardsRun(dir, m.url, '--concurrency', '1'), {}, undefined, (child) => {
      let stopped = false;
      const poll = setInterval(() => {
        if (!stopped && journalSteps(dir, APP.billing).includes('deploy started')) {
          stopped = true;
          m.setDeploymentMs(60_000);
          child.kill('SIGTERM');
        }
        if (stopped && apiPatches().length === 2 && deploymentOf(m, APP.api)) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 3);
      child.on('close', () => clearInterval(poll));
    });
    expect(killed.code).toBeNull();
    expect(apiPatches()[1]!.body).toContain('1.5.0-develop');
    m.setDeploymentMs(300);
    const revert = deploymentOf(m, APP.api);
    m.requests.splice(0);
    const again = await runBundle(guardsRun(dir, m.url, '--timeout', '60'));
    expect(again.code).toBe(0);
    // Its change met the killed run's revert (409), took it for its own and replaced it.
    expect(apiPatches().map((r) => r.path)).toEqual([`/v2/apps${APP.api}`, `/v2/apps${APP.api}?force=true`]);
    expect(m.deployments().map((d) => d.id)).not.toContain(revert);
    const target = images(world).target;
    expect([APP.api, APP.billing, APP.frontend].map((id) => imageOf(m, id))).toEqual([
      target.api,
      target.billing,
      target.frontend,
    ]);
  });

  it('#7 a dry run with a locked app prints the whole plan, the locked row marked, and exits 1', async () => {
    const m = await marathon();
    const lock = m.lockApp(APP.billing);
    const dir = catalogDir(world);
    const result = await runBundle(guardsRun(dir, m.url, '--dry-run'));
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      'Plan: dev (/ds/dev) → end of 2026-11-27 (UTC), 3 app(s) to redeploy',
      'api       1.5.0-develop → 1.4.3-develop  image of that day',
      'billing   1.4.0-develop → 1.3.0-develop  newest earlier image from 2026-11-25 · LOCKED by a running deployment',
      'frontend  2.1.0-develop → 2.0.0-develop  newest earlier image from 2026-11-10',
      '',
      'SERVICE   APP                    FROM           TO             WHY',
      'api       /ds/dev/shop/api       1.5.0-develop  1.4.3-develop  image of that day',
      `billing   /ds/dev/shop/billing   1.4.0-develop  1.3.0-develop  newest earlier image from 2026-11-25 · LOCKED by deployment ${lock}`,
      'frontend  /ds/dev/shop/frontend  2.1.0-develop  2.0.0-develop  newest earlier image from 2026-11-10',
      '',
    ]);
    expect(lastLine(result.stderr)).toBe(
      `rollback: locked by running deployments: ${APP.billing} (deployment ${lock}); nothing was changed (wait for them to finish, or pass --force to cancel them (Marathon force=true))`,
    );
    expectNothingChanged(m, dir);
  });

  it('#10 credentials of the other family are named in a warning, with the ones read instead', async () => {
    const m = await marathon({ basic: { user: 'deployer', password: 'pw-Secret-1' } });
    const dir = catalogDir(world);
    const plain = await runBundle(guardsRun(dir, m.url, '--dry-run'), {
      DCOS_USER: 'oncall',
      DCOS_PASSWORD: 'dcos-Secret-2',
    });
    expect(plain.code).toBe(3);
    expect(plain.stderr).toContain(
      'warning: DCOS_USER, DCOS_PASSWORD are set but ignored with --marathon, which reads MARATHON_USER and MARATHON_PASSWORD (HTTP basic) (none of them is set); for a DC/OS cluster use --dcos',
    );
    const dcos = await marathon({ mode: 'dcos', users: { oncall: 'dcos-Secret-2' } });
    const args = ['run', '--date', TARGET_DAY, '--dump', dir, '--dcos', dcos.url, '--group', '/ds/dev'];
    const onDcos = await runBundle([...args, '--dry-run'], {
      MARATHON_USER: 'deployer',
      MARATHON_PASSWORD: 'pw-Secret-1',
    });
    expect(onDcos.code).toBe(3);
    expect(onDcos.stderr).toContain(
      'warning: MARATHON_USER, MARATHON_PASSWORD are set but ignored with --dcos, which reads DCOS_USER and DCOS_PASSWORD, DCOS_SERVICE_ACCOUNT_ID with its key, or DCOS_TOKEN (none of them is set); for plain Marathon use --marathon',
    );
    // Said before anything is asked of Marathon, so it stands above the refusal that follows.
    for (const r of [plain, onDcos])
      expect(r.stderr.indexOf('warning:')).toBeLessThan(r.stderr.indexOf('rollback:'));
  });

  it('#11 the pods of the group, which a rollback does not change, are named in a warning', async () => {
    const m = await marathon();
    const worker = (id: string) => ({
      id,
      containers: [{ name: 'worker', image: { kind: 'DOCKER', id: images(world).before.api } }],
    });
    m.addPod(worker('/ds/dev/shop/api-worker'));
    m.addPod(worker('/ds/dev2/shop/api-worker'));
    const dir = catalogDir(world);
    const warning =
      'warning: 1 Marathon pod(s) under /ds/dev are not rolled back (only apps are): /ds/dev/shop/api-worker (1.5.0-develop); roll them back by hand if they run a service of this release';
    const dry = await runBundle(guardsRun(dir, m.url, '--dry-run'));
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(warning);
    const result = await runBundle(guardsRun(dir, m.url, '--timeout', '60'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(warning);
    expect(result.stderr).not.toContain('/ds/dev2/');
  });

  it('#11 an app pulling from another registry host (a mirror) is checked there: refused while the image is missing, deployed once it is there', async () => {
    const mirror = started(await startDockerRegistry());
    const m = await marathon();
    // The same host on another port, and another name of it: neither is the catalog's registry.
    const apiFrom = `127.0.0.1:${mirror.port}/shop/api`;
    const billingFrom = `localhost:${mirror.port}/shop/billing`;
    m.addApp(richApp(APP.api, `${apiFrom}:1.5.0-develop`));
    m.addApp(richApp(APP.billing, `${billingFrom}:1.4.0-develop`, { healthChecks: [], instances: 1 }));
    const dir = catalogDir(world);
    const refused = await runBundle(guardsRun(dir, m.url, '--timeout', '60'));
    expect(refused.code).toBe(2);
    expect(lastLine(refused.stderr)).toBe(
      `rollback: shop/api:1.4.3-develop is not in the registry 127.0.0.1:${mirror.port}, which ${APP.api} pulls from; shop/billing:1.3.0-develop is not in the registry localhost:${mirror.port}, which ${APP.billing} pulls from; nothing was changed (put the image on the registry those apps pull from (sync the mirror), or point them at the registry rollback.json was read from)`,
    );
    expectNothingChanged(m, dir);

    // The mirror catches up (the same images, so the same digests as rollback.json records).
    for (const [repo, tag, created] of [
      ['shop/api', '1.4.3-develop', '2026-11-27T17:30:00Z'],
      ['shop/billing', '1.3.0-develop', '2026-11-25T09:00:00Z'],
    ] as const) {
      const recorded = world.catalog.repositories
        .find((r) => r.name === repo)!
        .images.find((i) => i.tag === tag);
      expect(await pushImage(mirror, repo, tag, { kind: 'schema2', created })).toBe(recorded!.digest);
    }
    const deployed = await runBundle(guardsRun(dir, m.url, '--timeout', '60'));
    expect(deployed.code).toBe(0);
    expect(imageOf(m, APP.api)).toBe(`${apiFrom}:1.4.3-develop`);
    expect(imageOf(m, APP.billing)).toBe(`${billingFrom}:1.3.0-develop`);
  });
});
