import { existsSync } from 'node:fs';
import path from 'node:path';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { request } from '../support/http';
import { pushImage } from '../support/push-image';
import { startReverseProxy, type ReverseProxy } from '../support/reverse-proxy';
import { nov, removeTempDirs, runGet, tempDir } from './get-support';

/**
 * Manifests rewritten on the way, by a proxy in front of a real docker-registry that keeps the
 * registry's Docker-Content-Digest: an OCI manifest whose `created` annotation is set to
 * 2020-01-01, and a signed schema1 manifest (the registry's own conversion) whose `created` is
 * changed. `get` must refuse either with one line naming the manifest and its digest (exit 2), and
 * cache nothing from it: a later run through the same, now honest, proxy with the same cache
 * gives the genuine dates. The genuine schema1 manifest is read and dated.
 */

type Mode = 'pass' | 'forge-oci' | 'schema1' | 'forge-schema1';

const FORGED = '2020-01-01T00:00:00Z';
const SCHEMA1 = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

let registry: RealRegistry;
let proxy: ReverseProxy;
let mode: Mode = 'pass';

beforeAll(async () => {
  registry = await startDockerRegistry();
  await pushImage(registry, 'team/svc', '1.0.0-develop', { kind: 'schema2', created: nov(20) });
  await pushImage(registry, 'team/svc', '1.1.0-develop', { kind: 'oci', annotation: nov(21) });
  proxy = await startReverseProxy(registry.url, async (req, res, forward) => {
    const manifest = /\/manifests\/([^/]+)$/.exec(req.url ?? '')?.[1];
    if (mode === 'pass' || req.method !== 'GET' || !manifest) return forward();
    // schema1: what the registry sends a client that accepts nothing newer (a conversion).
    const schema1 = mode.endsWith('schema1') && manifest === '1.0.0-develop';
    const up = await request(`${registry.url}${req.url}`, {
      headers: { Accept: schema1 ? SCHEMA1 : String(req.headers.accept ?? '') },
    });
    let body = up.body.toString('utf8');
    if (mode === 'forge-oci' && up.headers['content-type'] === 'application/vnd.oci.image.manifest.v1+json') {
      const json = JSON.parse(body) as { annotations: Record<string, string> };
      json.annotations['org.opencontainers.image.created'] = FORGED;
      body = JSON.stringify(json);
    }
    if (mode === 'forge-schema1' && schema1) body = body.split(nov(20)).join(FORGED);
    res.writeHead(up.status, { ...up.headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  removeTempDirs();
});

const get = (cache: string) =>
  runGet(['--registry', proxy.url, '--repo', 'team/svc', '--env', 'develop', '--cache', cache, '-q']);

const refusal = (reference: string) =>
  new RegExp(
    `^rollback: ${proxy.url} sent a manifest for team/svc:${reference} that does not match its digest sha256:[0-9a-f]{64}; nothing from it was used or cached \\(something between here and the registry alters answers \\(a proxy\\?\\); use https, or report it to the registry owner\\)\\n$`,
  );

it('refuses an OCI manifest rewritten on the way, and caches nothing from it', async () => {
  const cache = tempDir('cache');
  mode = 'forge-oci';
  const forged = await get(cache);
  expect(forged.stderr).toMatch(refusal('1.1.0-develop'));
  expect(forged.code).toBe(2);
  expect(forged.stdout).toBe('');
  expect(existsSync(path.join(forged.dir, 'rollback.json'))).toBe(false);

  mode = 'pass';
  const honest = await get(cache);
  expect(honest.code).toBe(0);
  expect(honest.dates).toEqual(['2026-11-21', '2026-11-20']);
  expect(honest.catalog().repositories[0]!.images.map((i) => [i.tag, i.created])).toEqual([
    ['1.1.0-develop', '2026-11-21T12:00:00.000Z'],
    ['1.0.0-develop', '2026-11-20T12:00:00.000Z'],
  ]);
});

it('checks a signed schema1 manifest against its digest: the genuine one is dated, a rewritten one refused', async () => {
  mode = 'schema1';
  const genuine = await get(tempDir('cache'));
  expect(genuine.stderr).toBe('');
  expect(genuine.code).toBe(0);
  expect(genuine.catalog().repositories[0]!.images.map((i) => [i.tag, i.created])).toEqual([
    ['1.1.0-develop', '2026-11-21T12:00:00.000Z'],
    ['1.0.0-develop', '2026-11-20T12:00:00.000Z'],
  ]);

  mode = 'forge-schema1';
  const forged = await get(tempDir('cache'));
  expect(forged.stderr).toMatch(refusal('1.0.0-develop'));
  expect(forged.code).toBe(2);
});
