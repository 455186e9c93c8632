import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { absoluteId } from './definition';
import { DcosAuth, UNAUTHORIZED_HTML } from './dcos-auth';
import { MarathonState, type ApiReply, type EmulatorEvent } from './state';
import type { Json } from './validate';

/**
 * HTTP for the emulator on node:http: authentication (plain Marathon's Basic, or DC/OS's Admin Router
 * in front of `/service/marathon`), routing, Marathon's reply headers and error bodies.
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

/** The `embed` values, prefixes `apps.`, `app.`, `group.apps.` stripped (InfoEmbedResolver). */
function embedsFrom(params: URLSearchParams, always: string[]): Set<string> {
  const out = new Set(always);
  for (const raw of params.getAll('embed')) {
    const name = raw.replace(/^(group\.apps\.|apps\.|app\.)/, '');
    if (name === 'tasks') out.add('tasks').add('deployments');
    else if (name === 'failures') out.add('lastTaskFailure');
    else if (['counts', 'deployments', 'readiness', 'lastTaskFailure', 'taskStats'].includes(name))
      out.add(name);
  }
  return out;
}

function flag(params: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = params.get(name);
  if (value === null) return fallback;
  return value === '' || value.toLowerCase() === 'true';
}

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

  private parseBody(
    req: http.IncomingMessage,
    body: string,
  ): { ok: true; value: Json } | { ok: false; reply: ApiReply } {
    const type = req.headers['content-type'];
    if (!type || !/^application\/json\b/i.test(type)) {
      return { ok: false, reply: { status: 415, body: { message: 'Unsupported Media Type' } } };
    }
    try {
      return { ok: true, value: JSON.parse(body) as Json };
    } catch (err) {
      return {
        ok: false,
        reply: {
          status: 400,
          body: { message: 'Invalid JSON', details: err instanceof Error ? err.message : String(err) },
        },
      };
    }
  }

  private marathon(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
    params: URLSearchParams,
    body: string,
  ): void {
    const state = this.options.state;
    const notAllowed: ApiReply = { status: 405, body: { message: 'HTTP 405 Method Not Allowed' } };

    if (path === '/ping') {
      return send(res, 200, 'pong\n', {
        'Content-Type': 'text/plain',
        'Cache-Control': 'no-cache, no-store, must-revalidate',
      });
    }
    if (path === '/v2/info') {
      if (method !== 'GET') return this.reply(res, notAllowed);
      return this.reply(res, {
        status: 200,
        body: {
          name: 'marathon',
          version: '1.11.24',
          buildref: 'emulated',
          elected: true,
          leader: this.leader,
          frameworkId: 'emulated-framework-0000',
          http_config: { http_port: Number(this.leader.split(':').pop()) },
          marathon_config: { master: 'zk://emulated:2181/mesos', mesos_role: '*' },
          zookeeper_config: { zk: 'zk://emulated:2181/marathon' },
        },
      });
    }
    if (path === '/v2/leader') return this.reply(res, { status: 200, body: { leader: this.leader } });
    if (path === '/v2/events') {
      if (!/text\/event-stream/.test(req.headers.accept ?? '')) return this.reply(res, notAllowed);
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(
        `event: event_stream_attached\ndata: ${JSON.stringify({ eventType: 'event_stream_attached' })}\n\n`,
      );
      this.sseClients.add(res);
      res.on('close', () => this.sseClients.delete(res));
      return;
    }
    if (path === '/v2/deployments' || path === '/v2/deployments/') {
      if (method !== 'GET') return this.reply(res, notAllowed);
      return this.reply(res, { status: 200, body: state.deploymentList() });
    }
    const deployment = /^\/v2\/deployments\/([^/]+)$/.exec(path);
    if (deployment) {
      // There is no GET /v2/deployments/{id} in Marathon (reference §6.1).
      if (method !== 'DELETE') return this.reply(res, notAllowed);
      return this.reply(
        res,
        state.deleteDeployment(decodeURIComponent(deployment[1]!), flag(params, 'force', false)),
      );
    }
    if (path === '/v2/apps' || path === '/v2/apps/') {
      if (method === 'GET') {
        const apps = state.listApps(
          {
            id: params.get('id') ?? undefined,
            cmd: params.get('cmd') ?? undefined,
            label: params.get('label') ?? undefined,
          },
          embedsFrom(params, ['counts', 'deployments']),
        );
        return this.reply(res, { status: 200, body: { apps } });
      }
      if (method === 'POST') {
        const parsed = this.parseBody(req, body);
        if (!parsed.ok) return this.reply(res, parsed.reply);
        return this.reply(res, state.createApp(parsed.value));
      }
      return this.reply(res, notAllowed);
    }
    const appPath = /^\/v2\/apps(\/.+)$/.exec(path);
    if (!appPath) return this.reply(res, { status: 404, body: { message: 'HTTP 404 Not Found' } });
    const rest = decodeURIComponent(appPath[1]!);

    const group = /^(.*?)\/\*$/.exec(rest);
    if (group) {
      if (method !== 'GET') return this.reply(res, notAllowed);
      const apps = state.appsInGroup(group[1] || '/', embedsFrom(params, ['counts', 'deployments']));
      if (!apps)
        return this.reply(res, { status: 404, body: { message: `Group '${group[1]}' does not exist` } });
      return this.reply(res, { status: 200, body: { '*': apps } });
    }
    const versions = /^(.+?)\/versions(?:\/([^/]+))?$/.exec(rest);
    if (versions) {
      if (method !== 'GET') return this.reply(res, notAllowed);
      const id = normalizeId(versions[1]!);
      if (versions[2] === undefined) {
        const list = state.versionsOf(id);
        if (!list) return this.reply(res, { status: 404, body: { message: `App '${id}' does not exist` } });
        return this.reply(res, { status: 200, body: { versions: list } });
      }
      const app = state.appVersion(id, versions[2]);
      if (!app) {
        return this.reply(res, {
          status: 404,
          body: { message: `App '${id}' does not exist in version ${versions[2]}` },
        });
      }
      return this.reply(res, { status: 200, body: app });
    }
    const tasks = /^(.+?)\/tasks$/.exec(rest);
    if (tasks) {
      if (method !== 'GET') return this.reply(res, notAllowed);
      const id = normalizeId(tasks[1]!);
      const list = state.tasksOf(id);
      if (!list) return this.reply(res, { status: 404, body: { message: `App '${id}' does not exist` } });
      return this.reply(res, { status: 200, body: { tasks: list } });
    }
    const restart = /^(.+?)\/restart$/.exec(rest);
    if (restart) {
      if (method !== 'POST') return this.reply(res, notAllowed);
      return this.reply(res, state.restartApp(restart[1]!, flag(params, 'force', false)));
    }

    const id = normalizeId(rest);
    switch (method) {
      case 'GET': {
        const app = state.appInfo(
          id,
          embedsFrom(params, ['counts', 'deployments', 'tasks', 'lastTaskFailure']),
        );
        if (!app) return this.reply(res, { status: 404, body: { message: `App '${id}' does not exist` } });
        return this.reply(res, { status: 200, body: { app } });
      }
      case 'PUT':
      case 'PATCH': {
        const parsed = this.parseBody(req, body);
        if (!parsed.ok) return this.reply(res, parsed.reply);
        const patch = method === 'PATCH';
        return this.reply(
          res,
          state.updateApp(id, parsed.value, {
            force: flag(params, 'force', false),
            partialUpdate: patch ? true : flag(params, 'partialUpdate', true),
            allowCreate: !patch,
          }),
        );
      }
      case 'DELETE':
        return this.reply(res, state.deleteApp(id, flag(params, 'force', false)));
      default:
        return this.reply(res, notAllowed);
    }
  }
}

/** `{appId}` with or without the leading slash, repeated slashes collapsed (`id.toAbsolutePath`). */
function normalizeId(id: string): string {
  return absoluteId(id);
}
