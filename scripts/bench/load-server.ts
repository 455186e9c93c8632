/**
 * The load world (load-world.ts) behind its latency proxy, in a process of its own:
 *
 *   node load-server.cjs REPOSITORIES TAGS LATENCY_MS [ENVIRONMENTS]
 *
 * ENVIRONMENTS (comma-separated) are those every image is tagged for; the default is four.
 *
 * Inside a Jest worker every request the proxy forwards goes through nock's interceptor, which
 * made serving 28,000 requests take three times as long as the helper needed to send them. Once
 * up, it prints one JSON line (LoadServerInfo) on stdout; it serves until its stdin closes, so it
 * never outlives the test that started it. A control port answers GET /counts (requests seen by
 * the proxy, by kind) and POST /reset.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLatencyProxy } from './latency-proxy';
import { startLoadWorld, type ExpectedRequests, type LoadImage } from './load-world';

export interface LoadServerInfo {
  /** The registry as clients reach it: through the latency proxy. */
  url: string;
  /** GET /counts, POST /reset. */
  control: string;
  repositories: string[];
  tags: number;
  images: Record<string, Array<LoadImage & { digest: string }>>;
  expectedRequests: ExpectedRequests;
}

async function main(): Promise<void> {
  const [repositories, tags, latency] = process.argv.slice(2, 5).map(Number);
  const environments = process.argv[5]?.split(',').filter(Boolean);
  if (!repositories || !tags || latency === undefined || Number.isNaN(latency)) {
    throw new Error('usage: load-server REPOSITORIES TAGS LATENCY_MS');
  }
  const world = await startLoadWorld({
    repositories,
    tagsPerRepository: tags,
    ...(environments?.length ? { environments } : {}),
  });
  const proxy = await startLatencyProxy(world.registry.url, latency);
  const control = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/reset') proxy.reset();
    else if (!(req.method === 'GET' && req.url === '/counts')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(Object.fromEntries(proxy.counts)));
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const info: LoadServerInfo = {
    url: proxy.url,
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    repositories: world.repositories,
    tags: world.tags,
    images: Object.fromEntries(world.repositories.map((r) => [r, world.imagesOf(r)])),
    expectedRequests: world.expectedRequests,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    control.close();
    void proxy.close().then(() => world.stop());
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`load-server: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
