import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCatalog, type Catalog } from '../../src/plan/catalog';
import type { MarathonEmulator, MarathonEmulatorOptions } from '../../src/sandbox/marathon';
import { request } from '../support/http';
import { pushImage } from '../support/push-image';
import { startReverseProxy, type ReverseProxy } from '../support/reverse-proxy';
import {
  APP,
  changingRequests,
  dumpDir,
  filesIn,
  richApp,
  runBundle,
  startMarathon,
  startWorld,
  type Spawned,
  type World,
} from './run-fixture';

/**
 * The world of the guard tests (issue 11): run-fixture's registry and catalog, with frontend
 * released again on the 28th, so a rollback to the 27th changes all three services of /ds/dev:
 * api 1.5.0 → 1.4.3, billing 1.4.0 → 1.3.0, frontend 2.1.0 → 2.0.0. And the people who act on
 * Marathon while a rollback runs: a colleague with a hotfix, a scale or a restart, sent as real
 * requests, or slipped in just before one of the helper's own requests reaches Marathon.
 */

export const TARGET_DAY = '2026-11-27';

export async function startGuardsWorld(): Promise<World> {
  const world = await startWorld();
  try {
    await pushImage(world.registry, 'shop/frontend', '2.1.0-develop', {
      kind: 'schema2',
      created: '2026-11-28T09:00:00Z',
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-get-'));
    const repos = 'shop/api,shop/billing,shop/frontend';
    const get = await runBundle(
      [
        'get',
        '--registry',
        world.registry.url,
        '--repo',
        repos,
        '--env',
        'develop',
        '--dump',
        dir,
        '--no-cache',
      ],
      {},
    );
    if (get.code !== 0) throw new Error(`rollback get failed (${get.code}): ${get.stderr}`);
    const catalog = parseCatalog(readFileSync(path.join(dir, 'rollback.json'), 'utf8'), 'rollback.json');
    return { ...world, catalog };
  } catch (err) {
    await world.stop();
    throw err;
  }
}

/** What the apps of /ds/dev run before the rollback (`before`) and at the end of TARGET_DAY. */
export function images(world: World) {
  const h = world.host;
  return {
    before: {
      api: `${h}/shop/api:1.5.0-develop`,
      billing: `${h}/shop/billing:1.4.0-develop`,
      frontend: `${h}/shop/frontend:2.1.0-develop`,
    },
    target: {
      api: `${h}/shop/api:1.4.3-develop`,
      billing: `${h}/shop/billing:1.3.0-develop`,
      frontend: `${h}/shop/frontend:2.0.0-develop`,
    },
  };
}

/** The emulator with /ds/dev on the bad release of the 28th (frontend included) and the decoys. */
export async function startGuardsMarathon(
  world: World,
  options: MarathonEmulatorOptions = {},
): Promise<MarathonEmulator> {
  const marathon = await startMarathon(world, options);
  marathon.addApp(richApp(APP.frontend, images(world).before.frontend));
  return marathon;
}

/** `run` of /ds/dev to TARGET_DAY; `extra` flags go last. */
export function guardsRun(dir: string, marathon: string, ...extra: string[]): string[] {
  return ['run', '--date', TARGET_DAY, '--dump', dir, '--marathon', marathon, '--group', '/ds/dev', ...extra];
}

/** A --dump folder whose rollback.json is the world's catalog, changed by `edit`. */
export function catalogDir(world: World, edit: (catalog: Catalog) => void = () => undefined): string {
  const catalog = structuredClone(world.catalog);
  edit(catalog);
  return dumpDir(world, catalog);
}

/** Nothing was sent to change Marathon, and the --dump folder holds only rollback.json. */
export function expectNothingChanged(marathon: MarathonEmulator, dir: string): void {
  expect(changingRequests(marathon)).toEqual([]);
  expect(filesIn(dir)).toEqual(['rollback.json']);
}

/** Resolves once `holds()` is true, checked every few milliseconds (at most a minute). */
export async function until(holds: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`still not true after a minute: ${holds.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A colleague working on the same Marathon by hand (as the UI or the dcos CLI would, with force). */
export function colleague(marathon: MarathonEmulator) {
  const send = async (method: string, url: string, body?: unknown) => {
    const res = await request(`${marathon.url}${url}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status >= 300) throw new Error(`${method} ${url}: HTTP ${res.status} ${res.text()}`);
    return res.json<{ deploymentId?: string; version?: string }>();
  };
  return {
    /** Force-deploys `image` on the app, keeping the rest of its container. */
    deploy(id: string, image: string) {
      const container = structuredClone((marathon.getApp(id) as any).container);
      container.docker.image = image;
      return send('PUT', `/v2/apps${id}?force=true`, { container });
    },
    scale: (id: string, instances: number) => send('PUT', `/v2/apps${id}?force=true`, { instances }),
    restart: (id: string) => send('POST', `/v2/apps${id}/restart?force=true`),
    /** Deletes the app and waits until Marathon has stopped its tasks (the deletion's deployment ended). */
    async remove(id: string) {
      await send('DELETE', `/v2/apps${id}?force=true`);
      await until(() => !marathon.deployments().some((d) => (d.affectedApps as string[]).includes(id)));
    },
    /** Cancels a deployment; Marathon rolls its apps back to where they were (a new deployment). */
    cancel: (deploymentId: string) => send('DELETE', `/v2/deployments/${deploymentId}`),
  };
}

/**
 * Marathon behind a proxy that runs `before` once, just before the `nth` request matching `method`
 * and `path` reaches Marathon: what someone else does in the moment between the helper's reading
 * an app and its changing it (or its reading back at the end), without any race.
 */
export async function startIntercepting(
  marathon: MarathonEmulator,
  method: string,
  pathPattern: RegExp,
  before: () => Promise<unknown>,
  nth = 1,
): Promise<ReverseProxy & { fired: () => boolean }> {
  let seen = 0;
  const proxy = await startReverseProxy(marathon.url, async (req, _res, forward) => {
    if (req.method === method && pathPattern.test(req.url ?? '') && ++seen === nth) await before();
    forward();
  });
  return { ...proxy, fired: () => seen >= nth };
}

/**
 * Run the helper and call `act` once, as soon as `when()` holds (checked every few milliseconds
 * against the emulator's request log or the journal on disk): an event, not a delay.
 */
export async function runBundleWhen(
  args: string[],
  env: NodeJS.ProcessEnv,
  when: () => boolean,
  act: () => Promise<unknown>,
): Promise<Spawned & { acted: boolean }> {
  let acted = false;
  let failure: unknown;
  const result = await runBundle(args, env, undefined, (child) => {
    const poll = setInterval(() => {
      if (acted || !when()) return;
      acted = true;
      clearInterval(poll);
      act().catch((err: unknown) => (failure = err));
    }, 3);
    child.on('close', () => clearInterval(poll));
  });
  if (failure) throw failure;
  return { ...result, acted };
}

/** The app rows of a result table (`SERVICE APP STATUS NOW-ON DETAIL`), by app id. */
export function tableRows(stdout: string): Map<string, { status: string; now: string; detail: string }> {
  const rows = new Map<string, { status: string; now: string; detail: string }>();
  for (const line of stdout.split('\n')) {
    const m = /^\S+\s+(\/\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (m) rows.set(m[1]!, { status: m[2]!, now: m[3]!, detail: m[4]! });
  }
  return rows;
}
