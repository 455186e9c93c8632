import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { RegistryApiError, registryError } from './errors';
import { negotiateManifest, parseAccept } from './negotiate';
import { matchRoute, ROUTE_METHODS, type Route } from './routes';
import type { RegistryStore } from './store';

/**
 * The HTTP side of the embedded registry: distribution 2.8.2's router (plain-text 404 and 405,
 * redirects for unclean paths and trailing slashes), its Basic auth challenge, and its handlers'
 * status codes, headers and bodies, over a RegistryStore.
 */

export interface RegistryHandlerOptions {
  store: RegistryStore;
  basic?: { user: string; password: string };
  realm: string;
  delayMs: number;
  /** Called once per answered request. */
  onRequest?(record: { method: string; path: string; status: number }): void;
}

const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
const BLOB_MAX_BYTES = 256 * 1024 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function createRegistryHandler(options: RegistryHandlerOptions): Handler {
  const expectedAuth = options.basic
    ? Buffer.from(
        `Basic ${Buffer.from(`${options.basic.user}:${options.basic.password}`).toString('base64')}`,
      )
    : undefined;

  const authorized = (req: IncomingMessage): boolean => {
    if (!expectedAuth) return true;
    const given = req.headers.authorization ?? '';
    // The scheme is case-insensitive (Go's BasicAuth); the credentials are compared in constant time.
    const normalised = Buffer.from(given.replace(/^basic /i, 'Basic '));
    return normalised.length === expectedAuth.length && timingSafeEqual(normalised, expectedAuth);
  };

  return (req, res) => {
    const method = req.method ?? 'GET';
    res.on('finish', () => options.onRequest?.({ method, path: req.url ?? '', status: res.statusCode }));
    void (async () => {
      if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      res.setHeader('Docker-Distribution-Api-Version', 'registry/2.0');
      const body = await readBody(req);
      const raw = req.url ?? '/';
      const queryAt = raw.indexOf('?');
      const query = new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1));
      let path: string;
      try {
        path = decodeURIComponent(queryAt < 0 ? raw : raw.slice(0, queryAt));
      } catch {
        return sendText(res, 400, '400 Bad Request');
      }
      const clean = cleanPath(path);
      if (clean !== path) return redirect(res, clean + (queryAt < 0 ? '' : raw.slice(queryAt)), false);
      const route = matchRoute(path);
      if (!route) {
        // gorilla/mux StrictSlash: the same route with or without the trailing slash redirects.
        const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
        if (matchRoute(other)) return redirect(res, other, method === 'GET' || method === 'HEAD');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        return sendText(res, 404, '404 page not found');
      }
      // Distribution authorises a routed request before its handler checks the method.
      if (!authorized(req)) {
        res.setHeader('WWW-Authenticate', `Basic realm="${options.realm}"`);
        return sendError(res, registryError('UNAUTHORIZED', accessRecords(route, method)));
      }
      const allowed = ROUTE_METHODS[route.kind];
      if (allowed !== 'any' && !allowed.includes(method)) {
        res.setHeader('Allow', allowed.join(', '));
        res.setHeader('X-Content-Type-Options', 'nosniff');
        return sendText(res, 405, 'Method not allowed');
      }
      const base = `http://${req.headers.host ?? 'localhost'}`;
      try {
        handle(options.store, route, { method, query, body, base, req }, res);
      } catch (err) {
        if (err instanceof RegistryApiError) return sendError(res, err);
        return sendError(res, registryError('UNKNOWN', err instanceof Error ? err.message : String(err)));
      }
    })().catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      sendError(res, err instanceof RegistryApiError ? err : registryError('UNKNOWN', String(err)));
    });
  };
}

interface Call {
  method: string;
  query: URLSearchParams;
  body: Buffer;
  base: string;
  req: IncomingMessage;
}

function handle(store: RegistryStore, route: Route, call: Call, res: ServerResponse): void {
  const { method, query, body, base } = call;
  switch (route.kind) {
    case 'base':
      return send(res, 200, { 'Content-Type': JSON_TYPE }, Buffer.from('{}'));

    case 'catalog': {
      const page = store.catalog({ n: query.get('n'), last: query.get('last') });
      if (page.next) res.setHeader('Link', nextLink('/v2/_catalog', page.next));
      return sendJson(res, 200, { repositories: page.repositories });
    }

    case 'tags': {
      const page = store.listTags(route.name, { n: query.get('n'), last: query.get('last') });
      // Relative, built from the request path, as distribution v3's createLinkEntry does.
      if (page.next) res.setHeader('Link', nextLink(`/v2/${route.name}/tags/list`, page.next));
      return sendJson(res, 200, { name: route.name, tags: page.tags });
    }

    case 'manifest': {
      if (method === 'PUT') {
        if (body.length > MANIFEST_MAX_BYTES) throw registryError('MANIFEST_INVALID', 'payload too large');
        const stored = store.putManifest(route.name, route.reference, call.req.headers['content-type'], body);
        return send(res, 201, {
          Location: `${base}/v2/${route.name}/manifests/${stored.digest}`,
          'Docker-Content-Digest': stored.digest,
        });
      }
      if (method === 'DELETE') {
        store.deleteManifest(route.name, route.reference);
        return send(res, 202, {});
      }
      const { manifest, byTag } = store.resolveManifest(route.name, route.reference);
      if (etagMatches(call.req.headers['if-none-match'], manifest.digest)) return send(res, 304, {});
      const served = negotiateManifest(manifest, {
        byTag,
        accept: parseAccept(call.req.headers.accept),
        repository: route.name,
        lookup: (digest) => store.manifest(route.name, digest),
      });
      return send(
        res,
        200,
        {
          'Content-Type': served.mediaType,
          'Docker-Content-Digest': served.digest,
          Etag: `"${served.digest}"`,
        },
        served.body,
      );
    }

    case 'blob': {
      if (method === 'DELETE') {
        store.deleteBlob(route.name, route.digest);
        return send(res, 202, { 'Docker-Content-Digest': route.digest });
      }
      const blob = store.getBlob(route.name, route.digest);
      return send(
        res,
        200,
        {
          'Cache-Control': 'max-age=31536000',
          'Content-Type': 'application/octet-stream',
          'Docker-Content-Digest': blob.digest,
          Etag: `"${blob.digest}"`,
        },
        blob.data,
      );
    }

    case 'upload':
    case 'uploadChunk': {
      const name = route.name;
      const uuid = route.kind === 'uploadChunk' ? route.uuid : undefined;
      // A chunk route checks its _state before anything else, whatever the method.
      const state = query.get('_state');
      const status = uuid === undefined ? undefined : store.uploadStatus(name, uuid, state);
      const uploadHeaders = (u: { uuid: string; state: string; size: number }) => ({
        Location: `${base}/v2/${name}/blobs/uploads/${u.uuid}?_state=${encodeURIComponent(u.state)}`,
        Range: `0-${Math.max(u.size - 1, 0)}`,
        'Docker-Upload-UUID': u.uuid,
      });
      if (method === 'POST') {
        const mount = query.get('mount');
        const from = query.get('from');
        if (mount && from && store.mountBlob(name, mount, from)) {
          return send(res, 201, {
            Location: `${base}/v2/${name}/blobs/${mount}`,
            'Docker-Content-Digest': mount,
          });
        }
        // 2.8.2 starts an upload even when the POST carries ?digest= and a body (observed).
        return send(res, 202, uploadHeaders(store.startUpload(name)));
      }
      if (uuid === undefined || status === undefined) throw registryError('BLOB_UPLOAD_UNKNOWN');
      if (method === 'GET' || method === 'HEAD') return send(res, 204, uploadHeaders(status));
      if (method === 'PATCH')
        return send(res, 202, uploadHeaders(store.appendUpload(name, uuid, state, body)));
      if (method === 'DELETE') {
        store.cancelUpload(name, uuid, state);
        return send(res, 204, { 'Docker-Upload-UUID': uuid });
      }
      const digest = store.finishUpload(name, uuid, state, query.get('digest'), body);
      return send(res, 201, {
        Location: `${base}/v2/${name}/blobs/${digest}`,
        'Docker-Content-Digest': digest,
      });
    }
  }
}

/** The access a request needs, as distribution lists it in a 401's detail. */
function accessRecords(route: Route, method: string): unknown {
  if (route.kind === 'base') return null;
  if (route.kind === 'catalog') return [{ Type: 'registry', Class: '', Name: 'catalog', Action: '*' }];
  const record = (Action: string) => ({ Type: 'repository', Class: '', Name: route.name, Action });
  if (method === 'GET' || method === 'HEAD') return [record('pull')];
  if (method === 'DELETE') return [record('delete')];
  return [record('pull'), record('push')];
}

function etagMatches(header: string | undefined, digest: string): boolean {
  // Go reads each If-None-Match header whole: quoted or bare, no lists.
  return header !== undefined && (header === digest || header === `"${digest}"`);
}

function nextLink(path: string, next: { last: string; n: number }): string {
  // url.Values.Encode sorts the keys: last before n.
  return `<${path}?last=${encodeURIComponent(next.last)}&n=${next.n}>; rel="next"`;
}

/** path.Clean that keeps a trailing slash, as gorilla/mux cleans paths before routing. */
function cleanPath(path: string): string {
  if (path === '') return '/';
  const clean = posix.normalize(path.startsWith('/') ? path : `/${path}`);
  return path.endsWith('/') && !clean.endsWith('/') ? `${clean}/` : clean;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BLOB_MAX_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      size > BLOB_MAX_BYTES
        ? reject(registryError('SIZE_INVALID', `bodies above ${BLOB_MAX_BYTES} bytes are refused`))
        : resolve(Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  // Go sends no Content-Length on 204 and 304.
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', String(body?.length ?? 0));
  res.statusCode = status;
  // Node sends no body for HEAD (and 304) but keeps the Content-Length of the GET, as Go does.
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, { 'Content-Type': JSON_TYPE }, Buffer.from(`${JSON.stringify(value)}\n`));
}

function sendError(res: ServerResponse, error: RegistryApiError): void {
  send(res, error.status, { 'Content-Type': JSON_TYPE }, error.body());
}

function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, { 'Content-Type': 'text/plain; charset=utf-8' }, Buffer.from(`${text}\n`));
}

function redirect(res: ServerResponse, location: string, withBody: boolean): void {
  res.setHeader('Location', location);
  if (!withBody) return send(res, 301, {});
  const html = Buffer.from(`<a href="${location.replace(/"/g, '&quot;')}">Moved Permanently</a>.\n\n`);
  return send(res, 301, { 'Content-Type': 'text/html; charset=utf-8' }, html);
}
