import { existsSync } from 'node:fs';
import path from 'node:path';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { request } from '../support/http';
import { pushImage } from '../support/push-image';
import { startReverseProxy, type ReverseProxy } from '../support/reverse-proxy';
import { nov, removeTempDirs, runGet } from './get-support';

/**
 * A registry answer that trickles in, one byte every 300 ms, never trips an idle timeout: `get`
 * must still end, at the request's total deadline (--request-timeout), with one line and exit 3,
 * and leave no rollback.json behind.
 */

let registry: RealRegistry;
let proxy: ReverseProxy;
const trickling = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  registry = await startDockerRegistry();
  await pushImage(registry, 'team/svc', '1.0.0-develop', { kind: 'schema2', created: nov(20) });
  await pushImage(registry, 'team/svc', '1.1.0-develop', { kind: 'schema2', created: nov(21) });
  // The manifest of 1.0.0-develop comes byte by byte; everything else as the registry sends it.
  proxy = await startReverseProxy(registry.url, async (req, res, forward) => {
    if (req.method !== 'GET' || !req.url?.endsWith('/manifests/1.0.0-develop')) return forward();
    const up = await request(`${registry.url}${req.url}`, {
      headers: { Accept: String(req.headers.accept ?? '') },
    });
    res.writeHead(up.status, up.headers);
    let sent = 0;
    const timer = setInterval(() => {
      res.write(up.body.subarray(sent, sent + 1));
      if (++sent === up.body.length) res.end();
    }, 300);
    trickling.add(timer);
    res.on('close', () => clearInterval(timer));
  });
});

afterAll(async () => {
  for (const timer of trickling) clearInterval(timer);
  await proxy?.stop();
  await registry?.stop();
  removeTempDirs();
});

it('ends a trickling answer at the request deadline with one line and exit 3', async () => {
  const started = Date.now();
  const run = await runGet([
    '--registry',
    proxy.url,
    '--repo',
    'team/svc',
    '--env',
    'develop',
    '--request-timeout',
    '2',
    '-q',
  ]);
  expect(run.stderr).toBe(
    `rollback: ${proxy.url} sent no complete answer within 2 s while reading team/svc:1.0.0-develop (the registry, or the network to it, is stuck or very slow; retry later, or allow more with --request-timeout)\n`,
  );
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  expect(existsSync(path.join(run.dir, 'rollback.json'))).toBe(false);
  // The manifest alone would take about two minutes at this pace.
  expect(Date.now() - started).toBeLessThan(30_000);
});
