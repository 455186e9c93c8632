import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultRetryPolicy } from '../../src/http/retry';
import { parseCatalog, type Catalog } from '../../src/plan/catalog';
import { buildImage, buildIndex } from '../../src/sandbox/image-builder';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy';
import { startPagingProxy, type PagingProxy } from '../support/paging-proxy';
import { pushImage, pushManifest } from '../support/push-image';
import { spawnCollect, type Spawned } from '../support/spawn';
import { nov, removeTempDirs, tempDir } from './get-support';

/**
 * `get` against a registry that misbehaves: the bundled helper, run as Jenkins runs it, talks to a
 * real docker-registry through a paging proxy (so tag lists come in pages) and the fault proxy.
 * With one request in five failing (500, 502, 503, 429 with Retry-After, or a reset connection)
 * it must write the same rollback.json and print the same dates as without faults, for every
 * seed; with every request failing it must say which registry failed, exit 3, and leave an
 * existing rollback.json as it was.
 */

const BUNDLE = path.join(__dirname, '..', '..', 'resources', 'rollback', 'rollback.cjs');
const user = 'jenkins';
const password = 'faults-S3cret-Passw0rd';
const SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + i);
/** Seeds run this many at a time: each is a child process and a proxy on a 2-core machine. */
const PARALLEL = 4;
const ATTEMPTS = defaultRetryPolicy.retries + 1;

function get(registry: string, dump: string): Promise<Spawned> {
  return spawnCollect(
    process.execPath,
    [
      BUNDLE,
      'get',
      '--registry',
      registry,
      '--repo',
      'shop/api,shop/web,shop/billing',
      '--env',
      'develop',
      '--dump',
      dump,
      '--no-cache',
    ],
    {
      env: {
        PATH: process.env.PATH,
        HOME: tempDir('home'),
        NO_COLOR: '1',
        REGISTRY_USER: user,
        REGISTRY_PASSWORD: password,
      },
    },
  );
}

/** What may differ between two correct runs: when it ran, and the address of the proxy it used. */
function comparable(catalog: Catalog): Omit<Catalog, 'generatedAt' | 'registry'> {
  const { generatedAt: _when, registry: _where, ...rest } = catalog;
  return rest;
}

/** `12 registry requests (1 probe, ...), 3 retries, ...` from get's stderr. */
function summaryOf(stderr: string): { requests: string; retries: number } {
  const m = /(\d+ registry requests \([^)]*\)), (\d+) retries/.exec(stderr);
  if (!m) throw new Error(`no request summary in:\n${stderr}`);
  return { requests: m[1]!, retries: Number(m[2]) };
}

let registry: RealRegistry;
let paging: PagingProxy;

beforeAll(async () => {
  registry = await startDockerRegistry({ basic: { user, password } });
  const target = { url: registry.url, basic: { user, password } };
  // shop/api: plain schema2 images, one of another environment, more tags than a page holds.
  for (let i = 0; i < 5; i++) {
    await pushImage(target, 'shop/api', `1.${i}.0-develop`, { kind: 'schema2', created: nov(10 + i) });
  }
  await pushImage(target, 'shop/api', '1.4.0-stage', { kind: 'schema2', created: nov(20) });
  // shop/web: an OCI index with an attestation, a Docker manifest list, an image dated by its
  // annotation only, one by its label only.
  const amd = buildImage({ kind: 'oci', marker: 'web-amd', created: nov(12, '08:00:00') });
  const arm = buildImage({ kind: 'oci', marker: 'web-arm', architecture: 'arm64', created: nov(2) });
  await pushManifest(
    target,
    'shop/web',
    '2.0.0-develop',
    buildIndex({
      kind: 'oci-index',
      attestation: true,
      children: [
        { image: arm, platform: { architecture: 'arm64', os: 'linux' } },
        { image: amd, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    }),
  );
  const listed = buildImage({ kind: 'schema2', marker: 'web-list', created: nov(13) });
  await pushManifest(
    target,
    'shop/web',
    '2.1.0-develop',
    buildIndex({
      kind: 'docker-list',
      children: [{ image: listed, platform: { architecture: 'amd64', os: 'linux' } }],
    }),
  );
  await pushImage(target, 'shop/web', '2.2.0-develop', { kind: 'oci', annotation: nov(14, '18:30:00') });
  await pushImage(target, 'shop/web', '2.3.0-develop', { kind: 'oci', label: nov(9) });
  // shop/billing: one dated image and one that cannot be dated (kept in `undated`).
  await pushImage(target, 'shop/billing', '3.0.0-develop', { kind: 'schema2', created: nov(5) });
  await pushImage(target, 'shop/billing', '3.1.0-develop', {
    kind: 'schema2',
    created: '1970-01-01T00:00:00Z',
  });
  paging = await startPagingProxy(registry.url, { pageSize: 2 });
});

afterAll(async () => {
  await paging?.stop();
  await registry?.stop();
  removeTempDirs();
});

interface Reference {
  stdout: string;
  catalog: Catalog;
  requests: string;
  /** Requests a fault-free run sends. */
  sent: number;
}
let reference: Reference | undefined;

/** The run without faults that every faulty run must match. */
async function referenceRun(): Promise<Reference> {
  if (reference) return reference;
  const proxy = await startFaultProxy({ target: paging.url });
  try {
    const dir = tempDir('faults-ref');
    const res = await get(proxy.url, dir);
    if (res.code !== 0) throw new Error(`get without faults failed (${res.code}): ${res.stderr}`);
    const catalog = parseCatalog(readFileSync(path.join(dir, 'rollback.json'), 'utf8'), 'reference');
    const summary = summaryOf(res.stderr);
    expect(summary.retries).toBe(0);
    reference = { stdout: res.stdout, catalog, requests: summary.requests, sent: proxy.log.length };
    return reference;
  } finally {
    await proxy.close();
  }
}

describe('get through a registry that fails one request in five', () => {
  it('writes the catalog the world implies when nothing fails', async () => {
    const ref = await referenceRun();
    expect(ref.stdout).toBe(
      '2026-11-14\n2026-11-13\n2026-11-12\n2026-11-11\n2026-11-10\n2026-11-09\n2026-11-05\n',
    );
    expect(
      ref.catalog.repositories.map((r) => [r.name, r.images.map((i) => i.tag), r.undated.map((u) => u.tag)]),
    ).toEqual([
      ['shop/api', ['1.4.0-develop', '1.3.0-develop', '1.2.0-develop', '1.1.0-develop', '1.0.0-develop'], []],
      ['shop/web', ['2.2.0-develop', '2.1.0-develop', '2.0.0-develop', '2.3.0-develop'], []],
      ['shop/billing', ['3.0.0-develop'], ['3.1.0-develop']],
    ]);
    // The tag lists really came in pages of two.
    expect(paging.tagPageRequests.some((p) => /last=/.test(p))).toBe(true);
  });

  it(`writes the same rollback.json and prints the same dates for ${SEEDS.length} seeds`, async () => {
    const ref = await referenceRun();
    const outcomes: Array<{
      seed: number;
      code: number | null;
      stdout: string;
      catalog?: Catalog;
      requests: string;
      retries: number;
      faults: string[];
      sent: number;
      stderr: string;
    }> = [];
    const queue = [...SEEDS];
    const worker = async () => {
      for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
        const proxy: FaultProxy = await startFaultProxy({ target: paging.url, random: { seed, rate: 0.2 } });
        try {
          const dir = tempDir('faults');
          const res = await get(proxy.url, dir);
          const file = path.join(dir, 'rollback.json');
          const summary = res.code === 0 ? summaryOf(res.stderr) : { requests: '', retries: -1 };
          outcomes.push({
            seed,
            code: res.code,
            stdout: res.stdout,
            ...(existsSync(file)
              ? { catalog: parseCatalog(readFileSync(file, 'utf8'), `seed ${seed}`) }
              : {}),
            ...summary,
            faults: proxy.log.flatMap((e) => (e.fault ? [e.fault] : [])),
            sent: proxy.log.length,
            stderr: res.stderr,
          });
        } finally {
          await proxy.close();
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    outcomes.sort((a, b) => a.seed - b.seed);

    for (const o of outcomes) {
      // One object per seed, so a failure names the seed and shows what went wrong.
      expect({ seed: o.seed, code: o.code, stderr: o.code === 0 ? '' : o.stderr }).toEqual({
        seed: o.seed,
        code: 0,
        stderr: '',
      });
      expect({ seed: o.seed, stdout: o.stdout }).toEqual({ seed: o.seed, stdout: ref.stdout });
      expect({ seed: o.seed, catalog: comparable(o.catalog!) }).toEqual({
        seed: o.seed,
        catalog: comparable(ref.catalog),
      });
      // The same work was done, and every injected fault cost exactly one retry.
      expect({ seed: o.seed, requests: o.requests }).toEqual({ seed: o.seed, requests: ref.requests });
      expect(o.faults.length).toBeGreaterThan(0);
      expect({ seed: o.seed, retries: o.retries, sent: o.sent }).toEqual({
        seed: o.seed,
        retries: o.faults.length,
        sent: ref.sent + o.faults.length,
      });
    }
    // Across the seeds, every kind of fault was met and survived.
    const kinds = new Set(outcomes.flatMap((o) => o.faults));
    expect([...kinds].sort()).toEqual(['429', '500', '502', '503', 'reset']);
    const total = outcomes.reduce((n, o) => n + o.faults.length, 0);
    const requests = outcomes.reduce((n, o) => n + o.sent, 0);
    // About one in five of the requests sent (retries included) failed.
    expect(total / requests).toBeGreaterThan(0.12);
    expect(total / requests).toBeLessThan(0.28);
    const perSeed = outcomes.map((o) => o.faults.length);
    process.stderr.write(
      `get-faults: ${SEEDS.length} seeds, ${ref.sent} requests each without faults; ${total} faults injected (${((100 * total) / requests).toFixed(1)}% of ${requests} requests sent, ${Math.min(...perSeed)}-${Math.max(...perSeed)} per seed), every run identical to the fault-free one\n`,
    );
  }, 180_000);
});

describe('get through a registry that fails every request', () => {
  const previous = '{"an": "earlier catalog", "kept": true}\n';

  /** A dump folder holding an earlier rollback.json. */
  function dumpWithCatalog(): string {
    const dir = tempDir('faults-all');
    writeFileSync(path.join(dir, 'rollback.json'), previous);
    return dir;
  }

  const cases: Array<{ fault: Fault; line: (url: string) => RegExp }> = [
    {
      fault: 503,
      line: (url) =>
        new RegExp(
          `^rollback: ${url} failed while checking the registry \\(503 injected fault 503\\) \\(the registry has trouble; retry later\\)$`,
        ),
    },
    {
      fault: 500,
      line: (url) =>
        new RegExp(
          `^rollback: ${url} failed while checking the registry \\(500 injected fault 500\\) \\(the registry has trouble; retry later\\)$`,
        ),
    },
    {
      fault: 429,
      line: (url) =>
        new RegExp(
          `^rollback: ${url} kept answering 429 Too Many Requests while checking the registry \\(wait a few minutes, or lower --concurrency\\)$`,
        ),
    },
    {
      fault: 'reset',
      line: (url) =>
        new RegExp(
          `^rollback: cannot reach ${url} while checking the registry \\(ECONNRESET\\) \\(check --registry`,
        ),
    },
  ];

  it('names the registry in one line, exits 3 after the retries, and leaves rollback.json untouched', async () => {
    const results = await Promise.all(
      cases.map(async ({ fault, line }) => {
        const proxy = await startFaultProxy({ target: paging.url });
        proxy.addRule({ path: /./, fault });
        try {
          const dir = dumpWithCatalog();
          const started = Date.now();
          const res = await get(proxy.url, dir);
          return { fault, line: line(proxy.url), res, dir, ms: Date.now() - started, sent: proxy.log.length };
        } finally {
          await proxy.close();
        }
      }),
    );
    for (const { fault, line, res, dir, sent, ms } of results) {
      const errors = res.stderr.split('\n').filter((l) => l.startsWith('rollback: '));
      expect({ fault, code: res.code, errors: errors.length, stdout: res.stdout }).toEqual({
        fault,
        code: 3,
        errors: 1,
        stdout: '',
      });
      expect(errors[0]).toMatch(line);
      expect(res.stderr).not.toContain(password);
      // The probe, tried as often as the policy allows, and nothing after it.
      expect({ fault, sent }).toEqual({ fault, sent: ATTEMPTS });
      // Within the policy's 15 s of retrying, plus room for a busy machine (about 9 s measured).
      expect(ms).toBeLessThan(25_000);
      // The earlier catalog is as it was, and no temporary file was left next to it.
      expect(readFileSync(path.join(dir, 'rollback.json'), 'utf8')).toBe(previous);
      expect(readdirSync(dir)).toEqual(['rollback.json']);
    }
  }, 60_000);

  it('stops every repository at the first manifest that keeps failing, naming it', async () => {
    const proxy = await startFaultProxy({ target: paging.url });
    proxy.addRule({ path: /\/manifests\//, fault: 502 });
    try {
      const dir = dumpWithCatalog();
      const res = await get(proxy.url, dir);
      expect(res.code).toBe(3);
      const errors = res.stderr.split('\n').filter((l) => l.startsWith('rollback: '));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        new RegExp(
          `^rollback: ${proxy.url} failed while reading shop/(api|web|billing):\\S+ \\(502 injected fault 502\\)`,
        ),
      );
      expect(readFileSync(path.join(dir, 'rollback.json'), 'utf8')).toBe(previous);
      expect(readdirSync(dir)).toEqual(['rollback.json']);
      // Once one request gave up, the rest were cancelled instead of each trying ATTEMPTS times:
      // the 11 develop tags would cost 11 x ATTEMPTS manifest requests otherwise.
      const manifestRequests = proxy.log.filter((e) => e.path.includes('/manifests/')).length;
      expect(manifestRequests).toBeGreaterThanOrEqual(ATTEMPTS);
      expect(manifestRequests).toBeLessThan(11 * ATTEMPTS);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
