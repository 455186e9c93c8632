import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuiltManifest } from '../image-builder';
import { createRegistryHandler } from './server';
import { RegistryStore, type TagOrder } from './store';

/**
 * An in-memory Docker registry on loopback that speaks the registry HTTP API as distribution 2.8.2
 * does (reference sheet registry-api.md), for the demo, `rollback sandbox` and the tests. The
 * client's integration suites run against it and against a real docker-registry, and
 * test/integration/registry-conformance.test.ts sends the same requests to both.
 *
 * Where it differs from 2.8.2, on purpose:
 * - tags/list honours `n` and `last` and sends a relative `Link: <…>; rel="next"` as distribution
 *   v3 does (2.8.2 ignores them); `pageSize` forces pages even without `n`;
 * - it never converts schema2 to schema1: where 2.8.2 would, it answers 404 MANIFEST_UNKNOWN
 *   (see negotiate.ts); schema1 manifests cannot be pushed (as on 2.8.2's default config);
 * - the catalog lists repositories that hold a manifest; range requests on blobs are not served.
 */

export interface EmbeddedRegistryOptions {
  /** Require HTTP Basic with these credentials, as an htpasswd-protected docker-registry does. */
  basic?: { user: string; password: string };
  /** Realm of the Basic challenge (default "basic-realm", as the test registry's config). */
  realm?: string;
  /** At most this many tags per tags/list page, even when the client asks for more or gives no `n`. */
  pageSize?: number;
  /** Order of tags/list (default 'hashed': neither name nor push order). */
  tagOrder?: TagOrder;
  /** Latency added to every request, for benchmarks and live-progress demos. */
  delayMs?: number;
  /** Loopback only (default 127.0.0.1). */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
}

export interface RecordedRegistryRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  status: number;
}

export interface EmbeddedRegistry {
  url: string;
  port: number;
  basic?: { user: string; password: string };
  /**
   * Store a built image under `repo:tag` without HTTP (its children and blobs included), through
   * the same checks as a push. Returns its digest. Throws on an invalid name or tag.
   */
  seed(repo: string, tag: string, built: BuiltManifest): string;
  /** Every answered request, oldest first (e.g. to assert that a cache avoided a fetch). */
  readonly requests: RecordedRegistryRequest[];
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startEmbeddedRegistry(
  options: EmbeddedRegistryOptions = {},
): Promise<EmbeddedRegistry> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`The embedded registry listens on loopback only, not on ${host}`);
  const { pageSize, delayMs = 0 } = options;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0)) {
    throw new RangeError(`pageSize must be a positive integer, not ${pageSize}`);
  }
  if (!(Number.isFinite(delayMs) && delayMs >= 0))
    throw new RangeError(`delayMs must be >= 0, not ${delayMs}`);

  const store = new RegistryStore({
    tagOrder: options.tagOrder ?? 'hashed',
    ...(pageSize === undefined ? {} : { pageSize }),
  });
  const requests: RecordedRegistryRequest[] = [];
  const server = http.createServer(
    createRegistryHandler({
      store,
      ...(options.basic ? { basic: options.basic } : {}),
      realm: options.realm ?? 'basic-realm',
      delayMs,
      onRequest: (record) => requests.push(record),
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    ...(options.basic ? { basic: options.basic } : {}),
    seed: (repo, tag, built) => store.seed(repo, tag, built),
    requests,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive clients would hold close() open until they time out.
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

export type { TagOrder } from './store';
