import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import * as discovery from './discovery';
import type { Json } from './json';
import { patcherFor } from './patch-types';
import { NAMESPACES, RESOURCES, type ResourceType } from './resources';
import type { KubernetesState, Subresource } from './state';
import * as reply from './status';
import type { ApiReply } from './status';
import { streamWatch, type WatchStreams } from './watch';

/**
 * HTTPS for the emulator: who is asking (client certificate or bearer token; anything else is
 * 401, as with --anonymous-auth=false), which resource a path names, and JSON replies whatever
 * the Accept header prefers (kubectl asks for protobuf and Tables and takes JSON). The API itself
 * is in state.ts, watches in watch.ts.
 */

export interface RecordedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  /** Authenticated user, undefined when refused. */
  user?: string;
  status: number;
  contentType?: string;
  accept?: string;
  userAgent?: string;
  /** The request body (workload JSON and patches: nothing secret travels in one). */
  body: string;
}

export interface ServerOptions {
  host: string;
  port: number;
  tls: { cert: string; key: string; ca: string };
  /** The user a request is authenticated as, or undefined. */
  authenticate(req: http.IncomingMessage): string | undefined;
  state: KubernetesState;
  record(request: RecordedRequest): void;
}

/** The API server's default request size limit (3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;
const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' };
const UNOPENED = new Set(['/healthz', '/livez', '/readyz']);

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  sub?: Subresource;
  watch: boolean;
}

/** /apis/apps/v1/[watch/][namespaces/NS/]RESOURCE[/NAME[/SUB]] */
function appsRoute(segments: string[]): Route | undefined {
  let rest = segments.slice(3);
  const watch = rest[0] === 'watch';
  if (watch) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = RESOURCES[rest[0] ?? ''];
  if (!type || rest.length > 3) return undefined;
  const sub = rest[2];
  if (sub !== undefined && !(type.subresources as string[]).includes(sub)) return undefined;
  if (rest[1] !== undefined && namespace === undefined) return undefined;
  return { type, namespace, name: rest[1], sub: sub as Subresource | undefined, watch };
}

export class KubernetesServer {
  private readonly server: https.Server;
  private readonly watches: WatchStreams = new Set();
  private address = '';

  constructor(private readonly options: ServerOptions) {
    this.server = https.createServer(
      { ...options.tls, requestCert: true, rejectUnauthorized: false },
      (req, res) => this.receive(req, res),
    );
    this.server.keepAliveTimeout = 30_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.address = `${this.options.host}:${port}`;
    return `https://${this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host}:${port}`;
  }

  async close(): Promise<void> {
    for (const res of this.watches) res.end();
    this.watches.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const user = this.options.authenticate(req);
      const record = (status: number): void =>
        this.options.record({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          user,
          status,
          contentType: req.headers['content-type'],
          accept: req.headers['accept'],
          userAgent: req.headers['user-agent'],
          body,
        });
      let answer: ApiReply | 'streaming';
      try {
        answer = size > MAX_BODY_BYTES ? reply.tooLarge() : this.handle(req, res, body, user);
      } catch (err) {
        answer = reply.internalError(err instanceof Error ? err.message : String(err));
      }
      if (answer === 'streaming') return record(200);
      record(answer.status);
      if (typeof answer.body === 'string') {
        res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(answer.body);
      } else {
        res.writeHead(answer.status, JSON_HEADERS);
        res.end(JSON.stringify(answer.body));
      }
    });
  }

  private handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: string,
    user: string | undefined,
  ): ApiReply | 'streaming' {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'https://emulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (UNOPENED.has(path)) return { status: 200, body: 'ok' };
    if (user === undefined) return reply.unauthorized();
    const params = url.searchParams;
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (method === 'GET') {
      const fixed = this.discoveryDocument(path);
      if (fixed) return reply.ok(fixed);
    }
    if (
      segments[0] === 'api' &&
      segments[1] === 'v1' &&
      segments[2] === NAMESPACES.name &&
      segments.length <= 4
    ) {
      return method === 'GET' ? this.options.state.namespaces(segments[3]) : reply.methodNotAllowed();
    }
    if (segments[0] !== 'apis' || segments[1] !== 'apps' || segments[2] !== 'v1') {
      return segments[0] === 'api' || segments[0] === 'apis'
        ? reply.pathNotFound()
        : { status: 404, body: '404 page not found\n' };
    }
    const route = appsRoute(segments);
    if (!route) return reply.pathNotFound();
    return this.resource(route, method, params, body, req, res);
  }

  private discoveryDocument(path: string): Json | undefined {
    switch (path) {
      case '/version':
        return discovery.SERVER_VERSION;
      case '/api':
        return discovery.apiVersions(this.address);
      case '/apis':
        return discovery.apiGroupList();
      case '/apis/apps':
        return discovery.appsGroup();
      case '/api/v1':
        return discovery.coreResources();
      case '/apis/apps/v1':
        return discovery.appsResources();
      case '/openapi/v3':
        return discovery.openApiRoot();
      case '/openapi/v3/apis/apps/v1':
        return discovery.openApiApps();
      default:
        return undefined;
    }
  }

  private resource(
    route: Route,
    method: string,
    params: URLSearchParams,
    body: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): ApiReply | 'streaming' {
    const { state } = this.options;
    const { type, namespace, name, sub } = route;
    const watch = route.watch || params.get('watch') === 'true' || params.get('watch') === '1';
    if (name === undefined) {
      if (method === 'GET' && watch) {
        const matcher = state.matcher(params);
        if (typeof matcher !== 'function') return matcher;
        streamWatch(this.watches, state.store, { type, namespace, matcher, params }, res);
        return 'streaming';
      }
      if (method === 'GET') return state.list(type, namespace, params);
      if (method === 'POST' && namespace !== undefined)
        return this.withJsonBody(req, body, (json) => state.create(type, namespace, json, params));
      return reply.methodNotAllowed();
    }
    const ns = namespace!;
    switch (method) {
      case 'GET':
        return state.read(type, ns, name, sub);
      case 'PUT':
        return this.withJsonBody(req, body, (json) => state.replace(type, ns, name, json, params, sub));
      case 'PATCH': {
        const patcher = patcherFor(req.headers['content-type'], body);
        return typeof patcher === 'function' ? state.patch(type, ns, name, patcher, params, sub) : patcher;
      }
      case 'DELETE':
        return sub ? reply.methodNotAllowed() : state.remove(type, ns, name, params);
      default:
        return reply.methodNotAllowed();
    }
  }

  private withJsonBody(req: http.IncomingMessage, body: string, use: (json: Json) => ApiReply): ApiReply {
    const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
    if (type !== 'application/json' && type !== 'application/yaml') return reply.unsupportedBody();
    let json: Json;
    try {
      json = JSON.parse(body) as Json;
    } catch (err) {
      return reply.badRequest(`the body of the request is not valid JSON: ${(err as Error).message}`);
    }
    return use(json);
  }
}

/** The client certificate a TLS socket received, as DER (empty without one). */
export function peerCertificate(req: http.IncomingMessage): Buffer | undefined {
  const cert = (req.socket as TLSSocket).getPeerCertificate?.();
  return cert && 'raw' in cert ? cert.raw : undefined;
}
