import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStoryWorld, type StoryWorld } from '../../src/sandbox/world';
import { changingRequests, runBundle } from './run-fixture';

/**
 * `status` of the bundled helper against the demo's world: where /ds/dev is now, read-only. The
 * expected tags are the story's release table (src/sandbox/story-releases.ts), stated here as
 * literals: dev runs today's bad release; yesterday frontend and api changed, billing did not.
 */
const REPOS = 'shop/frontend,shop/api,shop/billing';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

let world: StoryWorld;
let dump: string;
let target: string[];

beforeAll(async () => {
  world = await startStoryWorld({ deploymentMs: 300 });
  dump = mkdtempSync(path.join(os.tmpdir(), 'rollback-status-'));
  const get = await runBundle([
    'get',
    '--registry',
    world.registryUrl,
    '--repo',
    REPOS,
    '--env',
    'develop',
    '--dump',
    dump,
    '--no-cache',
  ]);
  if (get.code !== 0) throw new Error(get.stderr);
  target = ['--dump', dump, '--marathon', world.marathon.url, '--group', '/ds/dev'];
}, 60_000);
afterAll(async () => {
  await world?.stop();
  if (dump) rmSync(dump, { recursive: true, force: true });
});

it('says per app what it runs, that it is the newest, and the day the environment sits on', async () => {
  const before = changingRequests(world.marathon).length;
  const res = await runBundle(['status', ...target]);
  expect(res.code).toBe(0);
  const lines = res.stdout.split('\n');
  expect(lines[0]).toBe(
    `dev (/ds/dev) in Marathon at ${world.marathon.url}; catalog: develop images, read ${lines[0]!.slice(-23)}`,
  );
  expect(res.stdout).toMatch(
    /frontend\s+\/ds\/dev\/shop\/frontend\s+1\.6\.0-develop\s+\S+ \S+ UTC\s+1\.6\.0-develop \(this one\)/,
  );
  expect(res.stdout).toMatch(
    /api\s+\/ds\/dev\/shop\/api\s+1\.7\.0-develop\s+\S+ \S+ UTC\s+1\.7\.0-develop \(this one\)/,
  );
  expect(res.stdout).toMatch(
    /billing\s+\/ds\/dev\/shop\/billing\s+1\.5\.0-develop\s+\S+ \S+ UTC\s+1\.5\.0-develop \(this one\)/,
  );
  expect(res.stdout).toContain(`It sits exactly on ${day(0)}: a rollback to that day changes nothing.`);
  expect(res.stdout).toContain(`  ${day(-1)}  changes frontend, api, billing`);
  // Read-only: nothing sent, nothing written.
  expect(changingRequests(world.marathon).length).toBe(before);
  expect(readdirSync(dump)).toEqual(['rollback.json']);
});

it('--choices offers the newest day that changes something first, each with what it changes', async () => {
  const res = await runBundle(['status', ...target, '--choices']);
  expect(res.code).toBe(0);
  const lines = res.stdout.trimEnd().split('\n');
  expect(lines.slice(0, 2)).toEqual([`${day(-1)} · frontend, api, billing`, `${day(0)} · changes nothing`]);
  for (const line of lines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2} · /);
});

// Last: it adds an app to the shared world.
it('with --json gives the same for a script, and names apps that run an image the catalog does not know', async () => {
  world.marathon.addApp({
    id: '/ds/dev/shop/api-hotfix',
    container: { type: 'DOCKER', docker: { image: `${world.registryHost}/shop/api:1.7.1-hotfix` } },
  });
  const res = await runBundle(['status', ...target, '--json']);
  expect(res.code).toBe(0);
  const json = JSON.parse(res.stdout);
  expect(json).toMatchObject({ ok: true, command: 'status', group: '/ds/dev', sitsOn: [] });
  expect(json.apps.map((a: any) => [a.id, a.image.split('/').pop(), a.known, a.onNewest])).toEqual([
    ['/ds/dev/shop/frontend', 'frontend:1.6.0-develop', true, true],
    ['/ds/dev/shop/api', 'api:1.7.0-develop', true, true],
    ['/ds/dev/shop/api-hotfix', 'api:1.7.1-hotfix', false, false],
    ['/ds/dev/shop/billing', 'billing:1.5.0-develop', true, true],
  ]);
  expect(json.unknown).toEqual(['/ds/dev/shop/api-hotfix']);
  expect(res.stderr).toContain('1 app(s) run an image rollback.json does not know: /ds/dev/shop/api-hotfix');
});
