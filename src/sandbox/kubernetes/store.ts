import { randomUUID } from 'node:crypto';
import { clone, isObject, objectAt, type JsonObject } from './json';

/**
 * Storage as etcd gives it to the API server: one revision counter for every write, each object
 * stamped with the revision of its last write (`metadata.resourceVersion`), and a bounded history
 * of changes from which a watch replays what happened after the revision it asks for.
 */

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  revision: number;
  type: EventType;
  resource: string;
  namespace: string;
  /** The object as stored by this write (for DELETED: as it was, with the deletion's revision). */
  object: JsonObject;
}

export type Listener = (event: StoreEvent) => void;

/** Enough for a watch started from a list a few seconds old, however busy the emulator is. */
const HISTORY_LENGTH = 20_000;

export function nowTimestamp(ms = Date.now()): string {
  // metav1.Time has whole seconds on the wire.
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function controllerUid(object: JsonObject | undefined): string | undefined {
  const refs = (object?.['metadata'] as JsonObject | undefined)?.['ownerReferences'];
  if (!Array.isArray(refs)) return undefined;
  const controller = refs.find((r) => isObject(r) && r['controller'] === true) as JsonObject | undefined;
  return typeof controller?.['uid'] === 'string' ? controller['uid'] : undefined;
}

export class ObjectStore {
  private revision = 1000;
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  /** Keys per resource in order, rebuilt only after a create or delete: lists of hundreds stay cheap. */
  private readonly sortedKeys = new Map<string, string[]>();
  /** resource → controller owner's uid → keys: a controller finds its ReplicaSets without a scan. */
  private readonly byOwner = new Map<string, Map<string, Set<string>>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<Listener>();

  get currentRevision(): number {
    return this.revision;
  }

  /** The oldest revision a watch can still start after (an older one gets 410 Gone). */
  get oldestReplayable(): number {
    return this.history.length < HISTORY_LENGTH ? 0 : this.history[0]!.revision - 1;
  }

  /** The stored object itself: callers must not change it (a write always stores a new object). */
  get(resource: string, namespace: string, name: string): JsonObject | undefined {
    return this.objects.get(resource)?.get(key(namespace, name));
  }

  /** Objects of a resource in etcd key order (namespace, then name); every namespace when undefined. */
  list(resource: string, namespace?: string): JsonObject[] {
    const all = this.objects.get(resource);
    if (!all) return [];
    let keys = this.sortedKeys.get(resource);
    if (!keys) this.sortedKeys.set(resource, (keys = [...all.keys()].sort()));
    const prefix = namespace === undefined ? '' : `${namespace}/`;
    return keys.filter((k) => k.startsWith(prefix)).map((k) => all.get(k)!);
  }

  /** Objects whose controller ownerReference has this uid, in key order. */
  owned(resource: string, ownerUid: string): JsonObject[] {
    const keys = this.byOwner.get(resource)?.get(ownerUid);
    const all = this.objects.get(resource);
    if (!keys || !all) return [];
    return [...keys].sort().map((k) => all.get(k)!);
  }

  namespaces(): string[] {
    const names = new Set<string>();
    for (const all of this.objects.values()) for (const k of all.keys()) names.add(k.split('/')[0]!);
    return [...names].sort();
  }

  /** Stores a new object: uid, creationTimestamp, resourceVersion assigned here. */
  create(resource: string, object: JsonObject): JsonObject {
    const stored = clone(object);
    const metadata = objectAt(stored, 'metadata');
    metadata['uid'] = randomUUID();
    metadata['creationTimestamp'] = nowTimestamp();
    return this.write(resource, 'ADDED', stored);
  }

  /** Replaces an existing object (already prepared by the caller) under a new resourceVersion. */
  update(resource: string, object: JsonObject): JsonObject {
    return this.write(resource, 'MODIFIED', clone(object));
  }

  delete(resource: string, namespace: string, name: string): JsonObject | undefined {
    const existing = this.get(resource, namespace, name);
    if (!existing) return undefined;
    this.objects.get(resource)!.delete(key(namespace, name));
    this.sortedKeys.delete(resource);
    this.index(resource, key(namespace, name), existing, undefined);
    const gone = clone(existing);
    objectAt(gone, 'metadata')['resourceVersion'] = String(++this.revision);
    this.record({ revision: this.revision, type: 'DELETED', resource, namespace, object: gone });
    return gone;
  }

  /** Changes after `revision`, oldest first; undefined when the history no longer reaches back that far. */
  eventsAfter(revision: number): StoreEvent[] | undefined {
    if (revision < this.oldestReplayable) return undefined;
    const first = this.history.findIndex((e) => e.revision > revision);
    return first < 0 ? [] : this.history.slice(first);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(resource: string, type: EventType, stored: JsonObject): JsonObject {
    const metadata = objectAt(stored, 'metadata');
    const namespace = String(metadata['namespace'] ?? '');
    metadata['resourceVersion'] = String(++this.revision);
    let all = this.objects.get(resource);
    if (!all) this.objects.set(resource, (all = new Map()));
    const k = key(namespace, String(metadata['name']));
    if (!all.has(k)) this.sortedKeys.delete(resource);
    this.index(resource, k, all.get(k), stored);
    all.set(k, stored);
    this.record({ revision: this.revision, type, resource, namespace, object: stored });
    return stored;
  }

  private index(
    resource: string,
    k: string,
    before: JsonObject | undefined,
    after: JsonObject | undefined,
  ): void {
    const [from, to] = [controllerUid(before), controllerUid(after)];
    if (from === to) return;
    let owners = this.byOwner.get(resource);
    if (!owners) this.byOwner.set(resource, (owners = new Map()));
    if (from !== undefined) owners.get(from)?.delete(k);
    if (to !== undefined) {
      let keys = owners.get(to);
      if (!keys) owners.set(to, (keys = new Set()));
      keys.add(k);
    }
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LENGTH) this.history.splice(0, this.history.length - HISTORY_LENGTH);
    for (const listener of this.listeners) listener(event);
  }
}
