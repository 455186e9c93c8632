import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { nov, removeTempDirs, tempDir } from './get-support';
import { runBundle } from './run-fixture';

/**
 * With HTTP_PROXY set, the bundled helper reads the registry through the proxy, as it always has
 * (the registry's requests otherwise go straight over node:http). A forward proxy on loopback
 * answers for a registry whose name does not even resolve, from a real docker-registry. (In a
 * child process: nock, loaded by every test file, cannot pass a proxied request through.)
 */

const REG = 'http://registry.invalid';
let registry: RealRegistry;
let proxy: http.Server;
let proxyUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  registry = await startDockerRegistry();
  await pushImage(registry, 'team/svc', '1.0.0-develop', { kind: 'schema2', created: nov(20) });
  await pushImage(registry, 'team/svc', '1.1.0-develop', { kind: 'oci', annotation: nov(21) });
  const upstream = new URL(registry.url);
  proxy = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '/');
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: { ...req.headers, host: upstream.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    proxy.closeAllConnections();
    proxy.close(() => resolve());
  });
  await registry?.stop();
  removeTempDirs();
});

const get = (env: NodeJS.ProcessEnv) => {
  const dump = tempDir('proxy');
  return runBundle(
    ['get', '--registry', REG, '--repo', 'team/svc', '--env', 'develop', '--dump', dump, '--no-cache', '-q'],
    { HOME: dump, ...env },
  );
};

it('reads the registry through HTTP_PROXY when it is set', async () => {
  const run = await get({ HTTP_PROXY: proxyUrl });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toBe('2026-11-21\n2026-11-20\n');
  expect(seen).toEqual(expect.arrayContaining([`GET ${REG}/v2/`, `GET ${REG}/v2/team/svc/tags/list?n=1000`]));
  expect(seen).toHaveLength(1 + 1 + 2 + 1); // probe, tag list, 2 manifests, 1 config (OCI is annotated)
});

it('goes straight to the registry without a proxy variable', async () => {
  seen.length = 0;
  const run = await get({});
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(
    /^rollback: cannot reach http:\/\/registry\.invalid while checking the registry/,
  );
  expect(seen).toEqual([]);
});
