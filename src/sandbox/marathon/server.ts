import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DcosAuth, UNAUTHORIZED_HTML } from './dcos-auth';
import type { EmulatorEvent } from './deployments';
import type { PodStore } from './pods';
import type { ApiReply } from './replies';
import { route } from './routes';
import type { MarathonState } from './state';

/**
 * HTTP for the emulator on node:http: authentication (plain Marathon's Basic, or DC/OS's Admin Router
 * in front of `/service/marathon`), Marathon's reply headers, the event stream; routes.ts routes.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ServerOptions {
  mode: 'marathon' | 'dcos';
  basic?: { user: string; password: string };
  auth?: DcosAuth;
  state: MarathonState;
  pods: PodStore;
  /** Behave like Marathon 1.3: no PATCH, no pods (routes.ts). */
  noPatch: boolean;
  requests: RecordedRequest[];
  host: string;
  port: number;
}

const MARATHON_PREFIX_DCOS = '/service/marathon';
const JSON_TYPE = 'application/json; charset=utf-8';

const JETTY_401 = `<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
<title>Error 401 Unauthorized</title>
</head>
<body><h2>HTTP ERROR 401</h2>
<p>Problem accessing /. Reason:
<pre>    Unauthorized</pre></p>
</body>
</html>
`;

function send(
  res: http.ServerResponse,
  status: number,
  body: string | undefined,
  headers: Record<string, string | string[]>,
): void {
  res.writeHead(status, headers);
  res.end(body);
}

export class EmulatorServer {
  private readonly server: http.Server;
  private readonly sseClients = new Set<http.ServerResponse>();
  private leader = '';

  constructor(private readonly options: ServerOptions) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          this.handle(req, res, body);
        } catch (err) {
          send(res, 500, JSON.stringify({ message: err instanceof Error ? err.message : String(err) }), {
            'Content-Type': JSON_TYPE,
          });
        }
      });
    });
    // Longer than any client poll interval, so a reused socket is not closed under a request;
    // close() drops idle connections itself.
    this.server.keepAliveTimeout = 30_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.leader = `${this.options.host}:${port}`;
    return `http://${this.options.host}:${port}`;
  }

  broadcast(event: EmulatorEvent): void {
    const frame = `event: ${event.eventType}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const client of this.sseClients) client.write(frame);
  }

  async close(): Promise<void> {
    for (const client of this.sseClients) client.end();
    this.sseClients.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const method = req.method ?? 'GET';
    const rawPath = req.url ?? '/';
    this.options.requests.push({ method, path: rawPath, headers: { ...req.headers }, body });
    const url = new URL(rawPath, 'http://emulator');
    const path = url.pathname;

    if (this.options.mode === 'dcos') {
      if (path === '/acs/api/v1/auth/login') {
        if (method !== 'POST')
          return send(res, 405, JSON.stringify({ title: 'Method Not Allowed' }), {
            'Content-Type': JSON_TYPE,
          });
        const reply = this.options.auth!.login(req.headers['content-type'], body);
        return send(res, reply.status, JSON.stringify(reply.body), {
          'Content-Type': JSON_TYPE,
          ...reply.headers,
        });
      }
      if (this.options.auth!.authenticate(req.headers) === undefined) {
        return send(res, 401, UNAUTHORIZED_HTML, {
          'Content-Type': 'text/html; charset=utf-8',
          'WWW-Authenticate': 'acsjwt',
        });
      }
      if (path !== MARATHON_PREFIX_DCOS && !path.startsWith(`${MARATHON_PREFIX_DCOS}/`)) {
        return send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>\n', {
          'Content-Type': 'text/html; charset=utf-8',
        });
      }
      return this.marathon(
        req,
        res,
        method,
        path.slice(MARATHON_PREFIX_DCOS.length) || '/',
        url.searchParams,
        body,
      );
    }
    if (this.options.basic && !this.basicOk(req.headers.authorization)) {
      return send(res, 401, JETTY_401, {
        'Content-Type': 'text/html;charset=utf-8',
        'WWW-Authenticate': 'basic realm="Mesosphere"',
      });
    }
    return this.marathon(req, res, method, path, url.searchParams, body);
  }

  private basicOk(header: string | undefined): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!match) return false;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const { user, password } = this.options.basic!;
    return decoded === `${user}:${password}`;
  }

  private reply(res: http.ServerResponse, reply: ApiReply): void {
    const headers: Record<string, string> = {
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'X-Marathon-Leader': `http://${this.leader}`,
      ...reply.headers,
    };
    if (reply.body === undefined) return send(res, reply.status, undefined, headers);
    send(res, reply.status, JSON.stringify(reply.body), { 'Content-Type': JSON_TYPE, ...headers });
  }

  /** A request below Marathon's root, after authentication. */
  private marathon(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
    params: URLSearchParams,
    body: string,
  ): void {
    const routed = route(
      {
        method,
        path,
        params,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        body,
      },
      {
        state: this.options.state,
        pods: this.options.pods,
        leader: this.leader,
        noPatch: this.options.noPatch,
      },
    );
    if (!('kind' in routed)) return this.reply(res, routed);
    if (routed.kind === 'ping') {
      return send(res, 200, 'pong\n', {
        'Content-Type': 'text/plain',
        'Cache-Control': 'no-cache, no-store, must-revalidate',
      });
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(
      `event: event_stream_attached\ndata: ${JSON.stringify({ eventType: 'event_stream_attached' })}\n\n`,
    );
    this.sseClients.add(res);
    res.on('close', () => this.sseClients.delete(res));
  }
}
