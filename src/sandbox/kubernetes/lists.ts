import { field, type JsonObject } from './json';
import { apiVersionOf, type ResourceType } from './resources';
import * as reply from './status';

/**
 * List replies: items in key order without their kind and apiVersion (the list names them),
 * the store's revision to start a watch from, and pages by `limit` with an opaque `continue`.
 * A page continues after the last key of the previous one in the current state: unlike etcd the
 * emulator keeps no snapshots, which no client here can tell apart within a test.
 */

function keyOf(object: JsonObject): string {
  return `${String(field(object, 'metadata', 'namespace'))}/${String(field(object, 'metadata', 'name'))}`;
}

function listItem(object: JsonObject): JsonObject {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}

function startAfter(token: string): string | undefined {
  try {
    const start = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { start?: unknown }).start;
    return typeof start === 'string' ? start : undefined;
  } catch {
    return undefined;
  }
}

export function listPage(
  type: ResourceType,
  matching: JsonObject[],
  params: URLSearchParams,
  revision: number,
): reply.ApiReply {
  let items = matching;
  const token = params.get('continue');
  if (token) {
    const start = startAfter(token);
    if (start === undefined) {
      return reply.badRequest(
        'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
      );
    }
    items = items.filter((o) => keyOf(o) > start);
  }
  const limit = Number(params.get('limit') ?? 0);
  const metadata: JsonObject = { resourceVersion: String(revision) };
  if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
    const start = keyOf(items[limit - 1]!);
    metadata['continue'] = Buffer.from(JSON.stringify({ v: 'emulator/v1', rv: revision, start })).toString(
      'base64url',
    );
    metadata['remainingItemCount'] = items.length - limit;
    items = items.slice(0, limit);
  }
  return reply.ok({
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata,
    items: items.map(listItem),
  });
}

/** Every namespace exists: those that hold objects, and `default`. */
export function namespaceObject(name: string, created: string): JsonObject {
  return {
    metadata: { name, creationTimestamp: created, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function namespaceList(names: string[], created: string, revision: number): reply.ApiReply {
  return reply.ok({
    kind: 'NamespaceList',
    apiVersion: 'v1',
    metadata: { resourceVersion: String(revision) },
    items: names.map((n) => namespaceObject(n, created)),
  });
}
