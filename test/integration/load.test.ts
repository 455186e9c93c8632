import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseCatalog, type Catalog } from '../../src/plan/catalog';
import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { LOAD_ENVIRONMENT } from '../../scripts/bench/load-world';
import { startLoadServer, type LoadServer } from '../support/load-server';
import { spawnCollect, type Spawned } from '../support/spawn';
import { removeTempDirs, tempDir } from './get-support';

/**
 * Correctness at scale, with the bundled helper as Jenkins runs it: `get` over 300 repositories x
 * 200 tags through the latency proxy finishes, sends exactly the requests its documented pattern
 * implies, keeps its peak memory under 200 MB and writes every image; `run --dry-run` over 200
 * Marathon apps plans each one right. How fast is measured by `npm run bench`, not asserted here.
 */

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'resources', 'rollback', 'rollback.cjs');
const PEAK_MEMORY = path.join(ROOT, 'test', 'support', 'peak-memory.cjs');
const REPOSITORIES = 300;
const TAGS = 200;
const APPS = 200;
const LATENCY_MS = 2;
const MEMORY_LIMIT = 200 * 1024 * 1024;
const KEEP = 10;

/** The helper in a child, with its peak resident memory (bytes) read back after it exits. */
async function helper(args: string[]): Promise<Spawned & { peakRss: number }> {
  const dir = tempDir('load-rss');
  const file = path.join(dir, 'peak-rss');
  const res = await spawnCollect(process.execPath, ['-r', PEAK_MEMORY, BUNDLE, ...args], {
    env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', PEAK_RSS_FILE: file },
  });
  return { ...res, peakRss: Number(readFileSync(file, 'utf8')) };
}

/** What rollback.json must say of a repository, worked out from the world, not from `get`. */
function expectedImages(world: LoadServer, repository: string) {
  return world.images[repository]!.map(({ tag, digest, created }) => ({ tag, digest, created })).sort(
    (a, b) => Date.parse(b.created) - Date.parse(a.created),
  );
}

const dayOf = (iso: string) => iso.slice(0, 10); // the catalogs here are in UTC

/** The registry and the latency proxy in front of it, in a process of their own. */
let world: LoadServer;
let catalog: Catalog;
let offered: string[];

beforeAll(async () => {
  world = await startLoadServer({
    repositories: REPOSITORIES,
    tagsPerRepository: TAGS,
    latencyMs: LATENCY_MS,
    // The worst case: every tag is of the environment, so every one of them is dated.
    environments: [LOAD_ENVIRONMENT],
  });
}, 60_000);

afterAll(async () => {
  await world?.stop();
  removeTempDirs();
});

describe(`get: ${REPOSITORIES} repositories x ${TAGS} tags through a proxy adding ${LATENCY_MS} ms`, () => {
  it('finishes under 200 MB with exactly the expected requests, and writes every image', async () => {
    const dump = tempDir('load-get');
    await world.reset();
    const res = await helper([
      'get',
      '--registry',
      world.url,
      '--repo',
      world.repositories.join(','),
      '--env',
      LOAD_ENVIRONMENT,
      '--dump',
      dump,
      '--no-cache',
    ]);
    expect({ code: res.code, error: res.stderr.match(/^rollback: .*$/m)?.[0] }).toEqual({
      code: 0,
      error: undefined,
    });

    // The request pattern of discover.ts, counted by the proxy: nothing more, nothing repeated.
    const expected = world.expectedRequests;
    expect(await world.counts()).toEqual({
      'GET /v2/': expected.probe,
      'GET tags/list': expected.tagPages,
      'GET manifest': expected.manifests,
      'GET blob': expected.blobs,
    });
    expect(res.stderr).toContain(`${expected.total} registry requests`);

    expect(res.peakRss).toBeGreaterThan(0);
    expect(res.peakRss).toBeLessThan(MEMORY_LIMIT);

    catalog = parseCatalog(readFileSync(path.join(dump, 'rollback.json'), 'utf8'), 'rollback.json');
    expect(catalog.repositories.map((r) => r.name)).toEqual(world.repositories);
    let images = 0;
    for (const repo of catalog.repositories) {
      // One object per repository, so a difference names it.
      expect({ repository: repo.name, images: repo.images, undated: repo.undated }).toEqual({
        repository: repo.name,
        images: expectedImages(world, repo.name),
        undated: [],
      });
      images += repo.images.length;
    }
    expect(images).toBe(REPOSITORIES * TAGS);

    const days = new Set(
      world.repositories.flatMap((r) =>
        expectedImages(world, r)
          .slice(0, KEEP)
          .map((i) => dayOf(i.created)),
      ),
    );
    offered = [...days].sort().reverse();
    expect(res.stdout).toBe(offered.map((d) => `${d}\n`).join(''));
    process.stderr.write(
      `load: get ${REPOSITORIES}x${TAGS}: ${expected.total} requests, peak RSS ${(res.peakRss / 1048576).toFixed(0)} MB\n`,
    );
  }, 240_000);
});

describe(`run --dry-run over ${APPS} Marathon apps`, () => {
  let marathon: MarathonEmulator;
  afterAll(async () => {
    await marathon?.close();
  });

  it('plans every app: the image of that day, or the newest earlier one, or nothing to do', async () => {
    expect(catalog).toBeDefined(); // written by the get above
    const host = new URL(world.url).host;
    // The catalog of the services of this group: the first APPS repositories.
    const repositories = catalog.repositories.slice(0, APPS);
    const dump = tempDir('load-run');
    writeFileSync(path.join(dump, 'rollback.json'), JSON.stringify({ ...catalog, repositories }, null, 2));
    // A day with images for some services and none for others (filled from earlier).
    const date = offered[3]!;

    marathon = await startMarathonEmulator();
    const expected = repositories.map((repo, i) => {
      const images = expectedImages(world, repo.name);
      const target = images.find((img) => dayOf(img.created) <= date)!;
      // Every seventh app already runs its target: nothing to do for it.
      const current = i % 7 === 0 ? target : images[0]!;
      const id = `/ds/dev/${repo.name.split('/')[1]}`;
      marathon.addApp({
        id,
        instances: 1,
        cpus: 0.1,
        mem: 64,
        container: { type: 'DOCKER', docker: { image: `${host}/${repo.name}:${current.tag}` } },
      });
      const unchanged = current.tag === target.tag;
      return {
        service: repo.name.split('/')[1],
        repository: repo.name,
        reason:
          dayOf(target.created) === date
            ? 'image of that day'
            : `newest earlier image from ${dayOf(target.created)}`,
        apps: [
          {
            id,
            from: `${host}/${repo.name}:${current.tag}`,
            to: `${host}/${repo.name}:${target.tag}`,
            status: unchanged ? 'unchanged' : 'planned',
          },
        ],
      };
    });
    // Apps outside the group, which the plan must not mention.
    marathon.addApp({
      id: '/ds/prod/service-000',
      instances: 1,
      cpus: 0.1,
      mem: 64,
      container: { type: 'DOCKER', docker: { image: `${host}/load/service-000:1.0.0-prod` } },
    });

    await world.reset();
    const res = await helper([
      'run',
      '--date',
      date,
      '--dump',
      dump,
      '--marathon',
      marathon.url,
      '--group',
      '/ds/dev',
      '--dry-run',
      '--json',
    ]);
    expect({ code: res.code, error: res.stderr.match(/^rollback: .*$/m)?.[0] }).toEqual({
      code: 0,
      error: undefined,
    });
    const plan = JSON.parse(res.stdout) as {
      outcome: string;
      services: Array<{
        service: string;
        repository: string;
        reason: string;
        apps: Array<Record<string, string>>;
      }>;
    };
    expect(plan.outcome).toBe('dry-run');
    expect(
      plan.services.map((s) => ({
        service: s.service,
        repository: s.repository,
        reason: s.reason,
        apps: s.apps.map(({ id, from, to, status }) => ({ id, from, to, status })),
      })),
    ).toEqual(expected);
    // Both kinds of choice occur, and some apps need nothing.
    expect(new Set(expected.map((e) => e.reason.split(' ')[0]))).toEqual(new Set(['image', 'newest']));
    expect(expected.filter((e) => e.apps[0]!.status === 'unchanged').length).toBeGreaterThan(0);

    // The preflight checked each target to deploy with one HEAD; Marathon was only read.
    const toDeploy = expected.filter((e) => e.apps[0]!.status === 'planned').length;
    expect(await world.counts()).toEqual({ 'GET /v2/': 1, 'HEAD manifest': toDeploy });
    expect(marathon.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(readdirSync(dump)).toEqual(['rollback.json']);
  }, 120_000);
});
