import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { StoryWorld } from '../../src/sandbox/world';
import { request } from '../support/http';
import { readJson } from './run-fixture';
import {
  definitionOf,
  helper,
  startHistoryWorld,
  storedDefinition,
  tmpDir,
  type Spawned,
} from './history-support';

/**
 * --with-config and --with-scale end to end: the whole definition of the instant goes back (env,
 * labels, health checks), today's instances stay unless --with-scale, `undo` puts back exactly the
 * definitions of before, and the app's secret values never reach stdout, stderr, the plan, the
 * journal, the undo record or the cache.
 */

const OLD_SECRET = 'pw-OLD-7c1e9a-do-not-print';
const NEW_SECRET = 'pw-NEW-52b0fd-do-not-print';
const API = '/ds/cfg/shop/api';
const BILLING = '/ds/cfg/shop/billing';
const AT = '2026-06-07T12:00:00Z';
/** api's version of 06-07 10:00: what ran at AT. */
const API_THEN = '2026-06-07T10:00:00.000Z';

let world: StoryWorld;
let cache: string;
let dump: string;
const outputs: string[] = [];

/**
 * api: on 06-07 1.4.0 with LOG_LEVEL=info, a gold tier label and a 120 s grace; on 06-08 1.5.0
 * with another password, LOG_LEVEL=debug, a new variable, no tier and a 30 s grace; scaled to 4
 * on 06-09. billing: a new image on 06-08, nothing else.
 */
function seedConfigApps(): void {
  const image = (repo: string, tag: string) => ({
    type: 'DOCKER',
    docker: { image: `${world.registryHost}/shop/${repo}:${tag}` },
  });
  const api = (tag: string, instances: number, then: boolean) => ({
    instances,
    cpus: 0.25,
    mem: 256,
    env: then
      ? { SERVICE_NAME: 'api', LOG_LEVEL: 'info', DB_PASSWORD: OLD_SECRET }
      : { SERVICE_NAME: 'api', LOG_LEVEL: 'debug', DB_PASSWORD: NEW_SECRET, FEATURE_CART: 'on' },
    labels: then ? { team: 'shop', tier: 'gold' } : { team: 'shop' },
    container: image('api', tag),
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', gracePeriodSeconds: then ? 120 : 30 }],
  });
  world.marathon.seedHistory(API, [
    { at: API_THEN, definition: api('1.4.0-develop', 2, true) },
    { at: '2026-06-08T09:40:00Z', definition: api('1.5.0-develop', 2, false) },
    { at: '2026-06-09T08:00:00Z', definition: api('1.5.0-develop', 4, false) },
  ]);
  const billing = (tag: string) => ({ instances: 1, cpus: 0.1, mem: 64, container: image('billing', tag) });
  world.marathon.seedHistory(BILLING, [
    { at: '2026-06-07T10:05:00Z', definition: billing('1.3.0-develop') },
    { at: '2026-06-08T10:00:00Z', definition: billing('1.4.0-develop') },
  ]);
}

beforeEach(async () => {
  world = await startHistoryWorld();
  seedConfigApps();
  cache = tmpDir('with-config-cache');
  dump = tmpDir('with-config');
});
afterEach(() => world?.stop());

async function helperRun(args: string[]): Promise<Spawned> {
  const res = await helper(args, cache);
  outputs.push(res.stdout, res.stderr);
  return res;
}

const run = (...extra: string[]) =>
  helperRun([
    'run',
    '--at',
    AT,
    '--source',
    'marathon',
    '--with-config',
    '--dump',
    dump,
    '--marathon',
    world.marathon.url,
    '--group',
    '/ds/cfg',
    ...extra,
  ]);

const undo = () => helperRun(['undo', '--journal', path.join(dump, 'rollback-journal.json')]);

/** Every file under a folder, as text. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8'));
}

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

/** Nothing the helper printed or wrote holds a secret value of the apps. */
function expectNoSecretAnywhere(): void {
  for (const text of [...outputs, ...filesUnder(dump), ...filesUnder(cache)]) {
    expect(text).not.toContain(OLD_SECRET);
    expect(text).not.toContain(NEW_SECRET);
  }
}

afterEach(() => {
  expectNoSecretAnywhere();
  outputs.length = 0;
});

describe('run --with-config', () => {
  it('dry run: lists the fields that go back per app, env entries by name, never a value', async () => {
    const res = await run('--dry-run', '--save-plan', path.join(dump, 'confirmed-plan.json'));
    expect({ code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(
      /^api\s+1\.5\.0-develop → 1\.4\.0-develop\s+ran at 2026-06-07 12:00:00 UTC \(deployed 2026-06-07 10:00:00 UTC\) · config: env \(DB_PASSWORD, FEATURE_CART, LOG_LEVEL\), healthChecks, labels$/m,
    );
    // billing's definition differs by its image alone.
    expect(res.stdout).toMatch(
      /^billing\s+1\.4\.0-develop → 1\.3\.0-develop\s+ran at 2026-06-07 12:00:00 UTC \(deployed 2026-06-07 10:05:00 UTC\)$/m,
    );
    const plan = readJson(path.join(dump, 'confirmed-plan.json'));
    expect(plan.services.find((s: { service: string }) => s.service === 'api').apps[0].config).toEqual({
      version: API_THEN,
      fields: ['env (DB_PASSWORD, FEATURE_CART, LOG_LEVEL)', 'healthChecks', 'labels'],
    });
    const json = await run('--dry-run', '--json');
    const api = JSON.parse(json.stdout).services.find((s: { service: string }) => s.service === 'api')
      .apps[0];
    expect(api.config).toEqual(['env (DB_PASSWORD, FEATURE_CART, LOG_LEVEL)', 'healthChecks', 'labels']);
    // A dry run changes nothing.
    expect(world.marathon.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('puts back env, labels and health checks of the instant, keeps today’s instances; undo puts back the definitions of before exactly', async () => {
    const before = { api: definitionOf(world.marathon, API), billing: definitionOf(world.marathon, BILLING) };
    const then = await storedDefinition(world.marathon, API, API_THEN);
    expect(before.api.instances).toBe(4);

    const res = await run();
    expect({ code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(definitionOf(world.marathon, API)).toEqual({ ...then, instances: 4 });
    const api = definitionOf(world.marathon, API) as { env: object; labels: object; healthChecks: object[] };
    expect(api.env).toEqual({ SERVICE_NAME: 'api', LOG_LEVEL: 'info', DB_PASSWORD: OLD_SECRET });
    expect(api.labels).toEqual({ team: 'shop', tier: 'gold' });
    expect(api.healthChecks[0]).toMatchObject({ gracePeriodSeconds: 120 });
    const billing = structuredClone(before.billing) as { container: { docker: { image: string } } };
    billing.container.docker.image = `${world.registryHost}/shop/billing:1.3.0-develop`;
    expect(definitionOf(world.marathon, BILLING)).toEqual(billing);

    // The journal names versions and fields, never a definition.
    const journal = readJson(path.join(dump, 'rollback-journal.json'));
    const entry = journal.apps.find((a: { id: string }) => a.id === API);
    expect(entry.config).toEqual({
      toVersion: API_THEN,
      fields: ['env (DB_PASSWORD, FEATURE_CART, LOG_LEVEL)', 'healthChecks', 'labels'],
    });
    expect(
      keysOf(journal).filter((k) => ['env', 'labels', 'healthChecks', 'container', 'definition'].includes(k)),
    ).toEqual([]);

    const back = await undo();
    expect({ code: back.code, stderr: back.code === 0 ? '' : back.stderr }).toEqual({ code: 0, stderr: '' });
    expect(definitionOf(world.marathon, API)).toEqual(before.api);
    expect(definitionOf(world.marathon, BILLING)).toEqual(before.billing);
  });

  it('--with-scale brings the instances of the instant too, and undo the instances of before', async () => {
    const before = definitionOf(world.marathon, API);
    const then = await storedDefinition(world.marathon, API, API_THEN);
    const dry = await run('--with-scale', '--dry-run');
    expect(dry.stdout).toMatch(
      /^api .*config: env \(DB_PASSWORD, FEATURE_CART, LOG_LEVEL\), healthChecks, labels, instances$/m,
    );

    const res = await run('--with-scale');
    expect({ code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(definitionOf(world.marathon, API)).toEqual(then);
    expect(then.instances).toBe(2);

    const back = await undo();
    expect(back.code).toBe(0);
    // Scaled to 4 after its last change of configuration: undo brings back 4, not the 2 of then.
    expect(definitionOf(world.marathon, API)).toEqual(before);
  });
});

describe('undo of --with-config once Marathon dropped the version from before', () => {
  it('says that version is gone from the history, not that the app was deleted, and changes nothing', async () => {
    // A Marathon that keeps 4 versions: the rollback and four scales push the one from before out
    // (scales, ours or anyone's, leave the rollback's configuration in place: still ours to undo).
    await world.stop();
    world = await startHistoryWorld({ marathon: { maxVersions: 4 } });
    seedConfigApps();
    expect((await run()).code).toBe(0);
    for (const instances of [5, 6, 7, 8]) {
      const put = await request(`${world.marathon.url}/v2/apps${API}?force=true`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ instances }),
      });
      expect(put.status).toBe(200);
    }
    const scaled = definitionOf(world.marathon, API);
    const back = await undo();
    expect(back.code).toBe(1);
    expect(back.stdout).toMatch(
      /api\s+\/ds\/cfg\/shop\/api\s+failed\s+1\.4\.0-develop\s+version 2026-06-09T08:00:00\.000Z of app \/ds\/cfg\/shop\/api is no longer in Marathon's history/,
    );
    expect(back.stdout + back.stderr).not.toMatch(/DELETED|deleted/);
    expect(definitionOf(world.marathon, API)).toEqual(scaled);
  });
});
