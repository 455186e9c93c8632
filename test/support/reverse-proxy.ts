import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny reverse proxy on loopback in front of a real registry, for behaviour distribution 2.8
 * lacks (tag pagination, a token service). `handle` may answer a request itself; whatever it
 * leaves is forwarded unchanged, and absolute upstream URLs in Location/Link point back here.
 */
export interface ReverseProxy {
  url: string;
  stop(): Promise<void>;
}

export type Forward = (headers?: http.OutgoingHttpHeaders) => void;

export type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  forward: Forward,
  self: string,
) => void | Promise<void>;

export async function startReverseProxy(upstream: string, handle: Handler): Promise<ReverseProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  let self = '';
  const server = http.createServer((req, res) => {
    const forward: Forward = (headers) => {
      const out = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, ...headers },
          agent,
        },
        (up) => {
          const h = { ...up.headers };
          for (const name of ['link', 'location'] as const) {
            const v = h[name];
            if (typeof v === 'string') h[name] = v.split(target.origin).join(self);
          }
          res.writeHead(up.statusCode ?? 502, h);
          up.pipe(res);
        },
      );
      out.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      });
      req.pipe(out);
    };
    Promise.resolve(handle(req, res, forward, self)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    stop: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  res.end(data);
}
