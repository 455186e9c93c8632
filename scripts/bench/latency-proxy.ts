import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy that adds a fixed delay before forwarding each request: registries are remote in
 * real life, and on loopback every client looks fast. It counts requests by kind so the benchmark
 * can say what each run asked for.
 */
export interface LatencyProxy {
  url: string;
  counts: Map<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

export function requestKind(method: string, path: string): string {
  if (path === '/v2/' || path === '/v2') return `${method} /v2/`;
  if (/\/tags\/list/.test(path)) return `${method} tags/list`;
  if (/\/manifests\//.test(path)) return `${method} manifest`;
  if (/\/blobs\//.test(path)) return `${method} blob`;
  return `${method} other`;
}

export async function startLatencyProxy(target: string, delayMs: number): Promise<LatencyProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const kind = requestKind(req.method ?? 'GET', req.url ?? '/');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const out = http.request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: upstream.host },
            agent,
          },
          (up) => {
            const headers = { ...up.headers };
            // Links and Locations must point back at the proxy, or the client would leave it.
            for (const h of ['link', 'location'] as const) {
              const v = headers[h];
              if (typeof v === 'string')
                headers[h] = v.split(upstream.origin).join(`http://127.0.0.1:${port()}`);
            }
            res.writeHead(up.statusCode ?? 502, headers);
            up.pipe(res);
          },
        );
        out.on('error', (err) => {
          res.writeHead(502);
          res.end(String(err));
        });
        out.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = () => (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port()}`,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => counts.clear(),
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
