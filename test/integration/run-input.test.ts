import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { pushImage } from '../support/push-image';
import { freePort } from '../support/ports';
import {
  APP,
  DATE,
  changingRequests,
  dumpDir,
  filesIn,
  imageOf,
  lastLine,
  runArgs,
  runBundle,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

describe('run: dry run and bad input (bundled helper, real registry, Marathon emulator)', () => {
  let world: World;
  let marathon: MarathonEmulator;
  let dir: string;
  const args = (...extra: string[]) => runArgs({ dir, marathon: marathon.url }, ...extra);

  beforeAll(async () => {
    world = await startWorld();
  });
  beforeEach(async () => {
    marathon = await startMarathon(world);
    dir = dumpDir(world);
  });
  afterEach(() => marathon?.close());
  afterAll(() => world?.stop());

  it('--dry-run prints the plan table and writes and changes nothing', async () => {
    const result = await runBundle(args('--dry-run'));
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'Plan: dev (/ds/dev) → end of 2026-11-27 (UTC), 2 app(s) to redeploy',
      'api       1.5.0-develop → 1.4.3-develop  image of that day',
      'billing   1.4.0-develop → 1.3.0-develop  newest earlier image from 2026-11-25',
      'frontend  stays on 2.0.0-develop         already on its newest earlier image from 2026-11-10',
      '',
      'SERVICE   APP                    FROM           TO               WHY',
      'api       /ds/dev/shop/api       1.5.0-develop  1.4.3-develop    image of that day',
      'billing   /ds/dev/shop/billing   1.4.0-develop  1.3.0-develop    newest earlier image from 2026-11-25',
      'frontend  /ds/dev/shop/frontend  2.0.0-develop  (already on it)  newest earlier image from 2026-11-10',
      '',
    ]);
    expect(filesIn(dir)).toEqual(['rollback.json']);
    expect(changingRequests(marathon)).toEqual([]);
    expect(imageOf(marathon, APP.api)).toBe(`${world.host}/shop/api:1.5.0-develop`);
  });

  it('--dry-run --json gives the plan per service for a pipeline to read', async () => {
    const result = await runBundle(args('--dry-run', '--json'));
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ outcome: 'dry-run', ok: true, date: DATE, group: '/ds/dev' });
    expect(
      json.services.map((s: any) => [s.service, s.status, s.apps.map((a: any) => [a.id, a.to])]),
    ).toEqual([
      ['api', 'planned', [[APP.api, `${world.host}/shop/api:1.4.3-develop`]]],
      ['billing', 'planned', [[APP.billing, `${world.host}/shop/billing:1.3.0-develop`]]],
      ['frontend', 'unchanged', [[APP.frontend, `${world.host}/shop/frontend:2.0.0-develop`]]],
    ]);
    expect(filesIn(dir)).toEqual(['rollback.json']);
  });

  it('stops before asking Marathon anything when a service has no image on or before the date', async () => {
    const result = await runBundle(runArgs({ date: '2026-11-09', dir, marathon: marathon.url }));
    expect(result.code).toBe(2);
    expect(lastLine(result.stderr)).toBe(
      'rollback: no image on or before 2026-11-09 (UTC) for shop/api, shop/billing, shop/frontend; nothing was changed (pick a later date, or pass --allow-missing to leave these services as they are)',
    );
    expect(marathon.requests).toEqual([]);
  });

  it('with --allow-missing plans the service without an image to stay as it is, in words', async () => {
    const result = await runBundle(
      runArgs({ date: '2026-11-21', dir, marathon: marathon.url }, '--allow-missing', '--dry-run'),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /api\s+\/ds\/dev\/shop\/api\s+1\.5\.0-develop\s+\(stays\)\s+no image on or before 2026-11-21; stays as it is \(--allow-missing\)/,
    );
    expect(result.stdout).toMatch(
      /billing\s+\/ds\/dev\/shop\/billing\s+1\.4\.0-develop\s+1\.2\.0-develop\s+newest earlier image from 2026-11-20/,
    );
  });

  it('exits 2 naming a repository that no app of the group runs', async () => {
    const result = await runBundle(args('--group', '/ds/dev2'));
    expect(result.code).toBe(2);
    expect(lastLine(result.stderr)).toMatch(
      /^rollback: no app under \/ds\/dev2 runs an image of shop\/billing, shop\/frontend; nothing was changed/,
    );
    expect(changingRequests(marathon)).toEqual([]);
  });

  it.each([
    [['--date', '2026-13-01'], /--date must be a calendar day YYYY-MM-DD, got "2026-13-01"/],
    [['--dcos', 'http://127.0.0.1:1'], /option '--marathon <url>' cannot be used with option '--dcos <url>'/],
    [['--on-failure', 'ignore'], /Allowed choices are revert, keep/],
    [
      ['--dump', '/nonexistent-dir'],
      /cannot read \/nonexistent-dir\/rollback\.json: ENOENT \(create it with `rollback get/,
    ],
    [['--group', '/ds/Dev x'], /--group "\/ds\/Dev x" is not a Marathon group path/],
  ])('exits 2 with one line for bad input %j', async (extra, message) => {
    const result = await runBundle(args(...extra));
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(marathon.requests).toEqual([]);
  });

  it('exits 3 when Marathon cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runBundle(runArgs({ dir, marathon: url }));
    expect(result.code).toBe(3);
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(`cannot reach Marathon at ${url}: ECONNREFUSED \\(check --marathon\\)`),
    );
    expect(filesIn(dir)).toEqual(['rollback.json']);
  });

  // Last: it re-pushes a tag in the shared registry.
  it('refuses a target tag re-pushed since `get` unless pinned by digest, then deploys the recorded digest', async () => {
    const recorded = world.images['shop/api']!.find((i) => i.tag === '1.4.3-develop')!.digest;
    await pushImage(world.registry, 'shop/api', '1.4.3-develop', {
      kind: 'schema2',
      created: '2026-11-29T09:00:00Z',
    });
    const refused = await runBundle(args('--timeout', '20'));
    expect(refused.code).toBe(2);
    expect(lastLine(refused.stderr)).toMatch(
      /shop\/api:1\.4\.3-develop in the registry is not the image rollback\.json recorded \(re-pushed since\? now sha256:[0-9a-f]+\); nothing was changed \(run `rollback get` again, or pass --pin-digest/,
    );
    expect(changingRequests(marathon)).toEqual([]);

    const pinned = await runBundle(args('--timeout', '20', '--pin-digest'));
    expect(pinned.code).toBe(0);
    expect(pinned.stderr).toContain(
      `warning: shop/api:1.4.3-develop was re-pushed; deploying the recorded digest ${recorded}`,
    );
    expect(imageOf(marathon, APP.api)).toBe(`${world.host}/shop/api:1.4.3-develop@${recorded}`);
    expect(filesIn(path.join(dir))).toContain('rollback-journal.json');
  });
});
