import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { freePort } from '../support/ports';
import {
  catalogDir,
  expectNothingChanged,
  guardsRun,
  images,
  startGuardsMarathon,
  startGuardsWorld,
  TARGET_DAY,
} from './guards-support';
import {
  APP,
  changingRequests,
  filesIn,
  lastLine,
  readJson,
  richApp,
  runBundle,
  type World,
} from './run-fixture';

/**
 * Issue 11, where and when (#1, #2, #8, #9) and the audit trail: a rollback never goes to another
 * environment's images, to a day the catalog cannot know, or anywhere at all when nothing has an
 * image of that day; it names what it read; and it records who approved it. Bundled helper, real
 * docker-registry and catalog from the real `get`, Marathon emulator.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('guards: where and when a rollback goes (issue 11 #1, #2, #8, #9, audit)', () => {
  let world: World;
  let marathon: MarathonEmulator;

  beforeAll(async () => {
    world = await startGuardsWorld();
    marathon = await startGuardsMarathon(world);
    // Production runs the master release; the develop catalog must never be applied to it.
    const h = world.host;
    for (const service of ['api', 'billing', 'frontend'])
      marathon.addApp({
        id: `/ds/prod/shop/${service}`,
        instances: 1,
        cpus: 0.1,
        mem: 64,
        container: { type: 'DOCKER', docker: { image: `${h}/shop/${service}:1.1.0-master` } },
      });
  });
  afterAll(async () => {
    await marathon?.close();
    await world?.stop();
  });
  beforeEach(() => marathon.requests.splice(0));

  it('#1 refuses a develop catalog on prod apps running master tags, naming each app and tag, and changes nothing', async () => {
    const dir = catalogDir(world);
    const result = await runBundle([
      'run',
      '--date',
      TARGET_DAY,
      '--dump',
      dir,
      '--marathon',
      marathon.url,
      '--group',
      '/ds/prod',
    ]);
    expect(result.code).toBe(2);
    expect(lastLine(result.stderr)).toBe(
      'rollback: rollback.json is of environment develop, but /ds/prod/shop/api runs 1.1.0-master, /ds/prod/shop/billing runs 1.1.0-master, /ds/prod/shop/frontend runs 1.1.0-master, not one of its tags ending in -develop, _develop or .develop; nothing was changed (check --group and --dump; if these apps really are to get develop images, pass --cross-environment (Jenkins: crossEnvironment: true))',
    );
    expectNothingChanged(marathon, dir);
    expect((marathon.getApp('/ds/prod/shop/api') as any).container.docker.image).toBe(
      `${world.host}/shop/api:1.1.0-master`,
    );
  });

  it('#1 with --cross-environment accepts them and marks those rows in the plan', async () => {
    const dir = catalogDir(world);
    const args = [
      'run',
      '--date',
      TARGET_DAY,
      '--dump',
      dir,
      '--marathon',
      marathon.url,
      '--group',
      '/ds/prod',
    ];
    const result = await runBundle([...args, '--cross-environment', '--dry-run']);
    expect(result.code).toBe(0);
    // Read by `get` a moment ago: no word about its age.
    expect(result.stderr).not.toContain('warning');
    const lines = result.stdout.split('\n');
    expect(lines[1]).toMatch(
      /^api +1\.1\.0-master → 1\.4\.3-develop +image of that day · other environment \(--cross-environment\)$/,
    );
    for (const service of ['api', 'billing', 'frontend'])
      expect(lines.find((l) => l.includes(`/ds/prod/shop/${service} `))).toMatch(/ · other environment$/);
    expectNothingChanged(marathon, dir);
  });

  it('#1 stops on a hand-deployed hotfix tag of no environment the same way', async () => {
    const dir = catalogDir(world);
    marathon.addApp(richApp(APP.api, `${world.host}/shop/api:1.5.1-hotfix`));
    try {
      const result = await runBundle(guardsRun(dir, marathon.url));
      expect(result.code).toBe(2);
      expect(lastLine(result.stderr)).toMatch(
        /^rollback: rollback\.json is of environment develop, but \/ds\/dev\/shop\/api runs 1\.5\.1-hotfix, not one of its tags .*; nothing was changed \(.*pass --cross-environment \(Jenkins: crossEnvironment: true\)\)$/,
      );
      expectNothingChanged(marathon, dir);
    } finally {
      marathon.addApp(richApp(APP.api, images(world).before.api));
    }
  });

  it('#2 refuses a day after the one the catalog was read, saying when it was read and to run get again', async () => {
    // The catalog the real `get` wrote, as if it had been read on 11-29 and picked up days later.
    const dir = catalogDir(world, (c) => void (c.generatedAt = '2026-11-29T12:00:00.000Z'));
    const result = await runBundle([
      'run',
      '--date',
      '2026-11-30',
      '--dump',
      dir,
      '--marathon',
      marathon.url,
      '--group',
      '/ds/dev',
    ]);
    expect(result.code).toBe(2);
    expect(lastLine(result.stderr)).toBe(
      'rollback: --date 2026-11-30 is after the day rollback.json was read (2026-11-29 12:00:00 UTC); it knows no image built since (run `rollback get` again (Jenkins: build again) to read the registry now)',
    );
    expect(marathon.requests).toEqual([]);
    expect(filesIn(dir)).toEqual(['rollback.json']);
  });

  it.each([
    ['tomorrow', utcDay(Date.now() + DAY_MS)],
    ['a leap day years ahead', '2028-02-29'],
  ])('#2 refuses a day in the future (%s): a rollback never goes forward', async (_name, day) => {
    const dir = catalogDir(world);
    const result = await runBundle([
      'run',
      '--date',
      day,
      '--dump',
      dir,
      '--marathon',
      marathon.url,
      '--group',
      '/ds/dev',
    ]);
    expect(result.code).toBe(2);
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(
        `^rollback: --date ${day} is after today \\(\\d{4}-\\d{2}-\\d{2}, UTC\\); a rollback cannot go forward`,
      ),
    );
    expect(marathon.requests).toEqual([]);
    expect(filesIn(dir)).toEqual(['rollback.json']);
  });

  it('#2 on the day the catalog was read, plans up to that moment and says so', async () => {
    // Read at noon on the 27th: the evening's 1.4.3 did not exist yet.
    const readAt = '2026-11-27T12:00:00.000Z';
    const dir = catalogDir(world, (c) => {
      c.generatedAt = readAt;
      for (const r of c.repositories) r.images = r.images.filter((i) => i.created <= readAt);
    });
    const result = await runBundle(guardsRun(dir, marathon.url, '--dry-run'));
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'Plan: dev (/ds/dev) → 2026-11-27 up to 12:00:00, when the catalog was read (UTC), 3 app(s) to redeploy',
      'api       1.5.0-develop → 1.4.2-develop  image of that day',
    ]);
    // A catalog older than a day says how old it is.
    const days = Math.floor((Date.now() - Date.parse(readAt)) / DAY_MS);
    expect(result.stderr).toContain(
      `warning: rollback.json was read ${days} day(s) ago (2026-11-27 12:00:00 UTC); images pushed since are not in it`,
    );
    expectNothingChanged(marathon, dir);
  });

  it('#8 --allow-missing when no service has an image on or before the day says so and changes nothing', async () => {
    const dir = catalogDir(world);
    const result = await runBundle([
      ...guardsRun(dir, marathon.url),
      '--date',
      '2026-11-09',
      '--allow-missing',
    ]);
    expect(result.code).toBe(2);
    expect(lastLine(result.stderr)).toBe(
      'rollback: no service has an image on or before 2026-11-09 (UTC): shop/api, shop/billing, shop/frontend; nothing was changed (the oldest image in rollback.json is from 2026-11-10; pick a later date)',
    );
    expect(marathon.requests).toEqual([]);
    expect(filesIn(dir)).toEqual(['rollback.json']);
  });

  it('#9 names the registry recorded in rollback.json when it cannot be reached, and never a --registry flag run lacks', async () => {
    // The registry moved: rollback.json and the apps of /ds/moved still name its old address.
    const gone = `127.0.0.1:${await freePort()}`;
    for (const service of ['api', 'billing', 'frontend'])
      marathon.addApp(richApp(`/ds/moved/shop/${service}`, `${gone}/shop/${service}:1.5.0-develop`));
    const dir = catalogDir(world, (c) => void (c.registry = `http://${gone}`));
    const result = await runBundle([...guardsRun(dir, marathon.url), '--group', '/ds/moved']);
    expect(result.code).toBe(3);
    expect(lastLine(result.stderr)).toBe(
      `rollback: cannot reach http://${gone} while checking the registry (ECONNREFUSED) (rollback.json was read from http://${gone}; if the registry moved, run \`rollback get\` again against its new address (Jenkins: build again))`,
    );
    expect(result.stderr).not.toContain('--registry');
    expectNothingChanged(marathon, dir);
  });

  it('audit: the approver is in the plan, the journal and the summary line', async () => {
    const dir = catalogDir(world);
    const env = { ROLLBACK_APPROVER: 'Dana Incident' };
    const saved = path.join(dir, '..', `${path.basename(dir)}-plan.json`);
    const dry = await runBundle(guardsRun(dir, marathon.url, '--dry-run', '--save-plan', saved), env);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n')[0]).toBe(
      'Plan: dev (/ds/dev) → end of 2026-11-27 (UTC), 3 app(s) to redeploy; approved by Dana Incident',
    );
    expect(readJson(saved).approver).toBe('Dana Incident');

    const result = await runBundle(
      guardsRun(dir, marathon.url, '--expect-plan', saved, '--timeout', '60'),
      env,
    );
    expect(result.code).toBe(0);
    expect(readJson(path.join(dir, 'rollback-plan.json')).approver).toBe('Dana Incident');
    expect(readJson(path.join(dir, 'rollback-journal.json')).approver).toBe('Dana Incident');
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(
      'dev → 2026-11-27 (approved by Dana Incident): api 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend 2.0.0-develop (filled from 2026-11-10)\n',
    );
    expect(
      changingRequests(marathon)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([`PATCH /v2/apps${APP.api}`, `PATCH /v2/apps${APP.billing}`, `PATCH /v2/apps${APP.frontend}`]);
  });
});
