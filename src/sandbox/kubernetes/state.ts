import { randomBytes } from 'node:crypto';
import type { DeploymentController } from './deployment-controller';
import { canonical, clone, field, isObject, objectAt, type Json, type JsonObject } from './json';
import { PatchNotAppliedError, UndecodablePatchError } from './patch-errors';
import { apiVersionOf, NAMESPACES, type ResourceType } from './resources';
import {
  parseFieldSelector,
  parseLabelSelector,
  selectorToQuery,
  SelectorError,
  type Matcher,
} from './selectors';
import type { StatefulSetController } from './statefulset-controller';
import * as reply from './status';
import type { ApiReply } from './status';
import { nowTimestamp, type ObjectStore } from './store';
import { listPage, namespaceList, namespaceObject } from './lists';
import { validateWorkload } from './validation';

/**
 * The API server's registry for the emulated resources, in API terms: each method takes what the
 * request said and answers a status and a body. Reads serve the stored objects; every write goes
 * through one path (commit) that keeps identity fields, copies status on spec writes and spec on
 * status writes, defaults, validates, checks a resourceVersion precondition, bumps generation and
 * tells the controller. server.ts only routes, authenticates and streams.
 */

export type Subresource = 'status' | 'scale';
type Params = URLSearchParams;

export interface Controllers {
  deployments: DeploymentController;
  statefulsets: StatefulSetController;
}

function metaOf(object: JsonObject): JsonObject {
  return objectAt(object, 'metadata');
}

function named(type: ResourceType): reply.ResourceName {
  return { resource: type.name, group: type.group };
}

function scaleOf(object: JsonObject): JsonObject {
  const m = object['metadata'] as JsonObject;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m['name']!,
      namespace: m['namespace']!,
      uid: m['uid']!,
      resourceVersion: m['resourceVersion']!,
      creationTimestamp: m['creationTimestamp']!,
    },
    spec: { replicas: field(object, 'spec', 'replicas') ?? 1 },
    status: {
      replicas: field(object, 'status', 'replicas') ?? 0,
      selector: selectorToQuery(field(object, 'spec', 'selector')),
    },
  };
}

export class KubernetesState {
  constructor(
    readonly store: ObjectStore,
    private readonly controllers: Controllers,
  ) {}

  private readonly startedAt = nowTimestamp();

  read(type: ResourceType, namespace: string, name: string, sub?: Subresource): ApiReply {
    const object = this.store.get(type.name, namespace, name);
    if (!object) return reply.notFound(named(type), name);
    return reply.ok(sub === 'scale' ? scaleOf(object) : object);
  }

  /** A label and field matcher from a list or watch query, or the 400 a bad selector gets. */
  matcher(params: Params): Matcher | ApiReply {
    try {
      const labels = parseLabelSelector(params.get('labelSelector'));
      const fields = parseFieldSelector(params.get('fieldSelector'));
      return (object) => labels(object) && fields(object);
    } catch (err) {
      if (err instanceof SelectorError) return reply.badRequest(err.message);
      throw err;
    }
  }

  list(type: ResourceType, namespace: string | undefined, params: Params): ApiReply {
    const matches = this.matcher(params);
    if (typeof matches !== 'function') return matches;
    const items = this.store.list(type.name, namespace).filter(matches);
    return listPage(type, items, params, this.store.currentRevision);
  }

  namespaces(name?: string): ApiReply {
    const all = [...new Set(['default', ...this.store.namespaces()])].sort();
    if (name === undefined) return namespaceList(all, this.startedAt, this.store.currentRevision);
    if (!all.includes(name)) return reply.notFound(named(NAMESPACES), name);
    return reply.ok({ kind: 'Namespace', apiVersion: 'v1', ...namespaceObject(name, this.startedAt) });
  }

  create(type: ResourceType, namespace: string, body: Json, params: Params): ApiReply {
    if (!isObject(body)) return reply.badRequest('the body of the request must be a JSON object');
    const next = clone(body);
    const metadata = metaOf(next);
    if (metadata['namespace'] !== undefined && metadata['namespace'] !== namespace) {
      return reply.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (!metadata['name'] && typeof metadata['generateName'] === 'string') {
      metadata['name'] = `${metadata['generateName']}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    const name = String(metadata['name'] ?? '');
    if (name && this.store.get(type.name, namespace, name)) return reply.alreadyExists(named(type), name);
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation']) delete metadata[k];
    metadata['namespace'] = namespace;
    next['apiVersion'] = apiVersionOf(type);
    next['kind'] = type.kind;
    if (type.defaultSpec) {
      type.defaultSpec(objectAt(next, 'spec'));
      next['status'] = {};
      const causes = validateWorkload(next);
      if (causes.length > 0) return reply.invalid(type.kind, type.group, name, causes);
    }
    if (type.newGeneration) metadata['generation'] = 1;
    if (params.get('dryRun') === 'All') return reply.ok(next, 201);
    const stored = this.store.create(type.name, next);
    this.controllerOf(type)?.changed(namespace, name);
    return reply.ok(stored, 201);
  }

  /** PUT of the object or a subresource: a full replacement, conditional only when the body has a resourceVersion. */
  replace(
    type: ResourceType,
    namespace: string,
    name: string,
    body: Json,
    params: Params,
    sub?: Subresource,
  ): ApiReply {
    const old = this.store.get(type.name, namespace, name);
    if (!old) return reply.notFound(named(type), name);
    if (!isObject(body)) return reply.badRequest('the body of the request must be a JSON object');
    const bodyName = field(body, 'metadata', 'name');
    if (bodyName !== undefined && bodyName !== name) {
      return reply.badRequest(
        `the name of the object (${String(bodyName)}) does not match the name on the URL (${name})`,
      );
    }
    return this.commit(type, old, body, params, sub);
  }

  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    patched: (current: JsonObject) => Json,
    params: Params,
    sub?: Subresource,
  ): ApiReply {
    const old = this.store.get(type.name, namespace, name);
    if (!old) return reply.notFound(named(type), name);
    let candidate: Json;
    try {
      candidate = patched(sub === 'scale' ? scaleOf(old) : old);
    } catch (err) {
      if (err instanceof UndecodablePatchError) return reply.badRequest(err.message);
      if (err instanceof PatchNotAppliedError) return reply.patchNotApplied();
      throw err;
    }
    return this.commit(type, old, candidate, params, sub);
  }

  remove(type: ResourceType, namespace: string, name: string, params: Params): ApiReply {
    const old = this.store.get(type.name, namespace, name);
    if (!old) return reply.notFound(named(type), name);
    const uid = String(field(old, 'metadata', 'uid'));
    if (params.get('dryRun') !== 'All') {
      this.store.delete(type.name, namespace, name);
      this.controllerOf(type)?.deleted(namespace, uid, name);
    }
    return reply.ok({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, group: type.group, kind: type.name, uid },
    });
  }

  private controllerOf(type: ResourceType): DeploymentController | StatefulSetController | undefined {
    if (type.name === 'deployments') return this.controllers.deployments;
    if (type.name === 'statefulsets') return this.controllers.statefulsets;
    return undefined;
  }

  private commit(
    type: ResourceType,
    old: JsonObject,
    candidate: Json,
    params: Params,
    sub?: Subresource,
  ): ApiReply {
    if (!isObject(candidate)) return reply.badRequest('the patched or sent object is not a JSON object');
    const name = String(field(old, 'metadata', 'name'));
    const precondition = field(candidate, 'metadata', 'resourceVersion');
    if (
      typeof precondition === 'string' &&
      precondition !== '' &&
      precondition !== field(old, 'metadata', 'resourceVersion')
    ) {
      return reply.conflict(named(type), name);
    }
    let next: JsonObject;
    if (sub === 'scale') {
      next = clone(old);
      objectAt(next, 'spec')['replicas'] = field(candidate, 'spec', 'replicas') ?? 0;
    } else if (sub === 'status') {
      next = clone(old);
      next['status'] = clone(field(candidate, 'status') ?? {});
    } else {
      next = clone(candidate);
      if ('status' in old) next['status'] = clone(old['status']!);
      else delete next['status'];
    }
    const metadata = metaOf(next);
    const oldMeta = old['metadata'] as JsonObject;
    for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'generation', 'resourceVersion']) {
      if (oldMeta[k] === undefined) delete metadata[k];
      else metadata[k] = oldMeta[k]!;
    }
    next['apiVersion'] = apiVersionOf(type);
    next['kind'] = type.kind;
    if (type.defaultSpec) {
      type.defaultSpec(objectAt(next, 'spec'));
      const causes = validateWorkload(next, old);
      if (causes.length > 0) return reply.invalid(type.kind, type.group, name, causes);
    }
    const newGeneration = type.newGeneration?.(old, next) ?? false;
    if (newGeneration) metadata['generation'] = Number(oldMeta['generation'] ?? 0) + 1;
    const answer = (object: JsonObject): ApiReply => reply.ok(sub === 'scale' ? scaleOf(object) : object);
    // An update that changes nothing is not written: same resourceVersion, no watch event.
    if (params.get('dryRun') === 'All' || canonical(next) === canonical(old)) return answer(next);
    const stored = this.store.update(type.name, next);
    if (newGeneration) this.controllerOf(type)?.changed(String(metadata['namespace']), name);
    return answer(stored);
  }
}
