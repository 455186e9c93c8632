import { clone, deepEqual, isObject, type Json, type JsonObject } from './json';
import { UndecodablePatchError } from './patch-errors';

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the default of `kubectl patch`
 * and what `kubectl set image` sends. The real server takes each list's strategy from the Go struct
 * tags of the typed object; for the workloads emulated here a table by field name is equivalent:
 * no field name below means two different things inside a Deployment, StatefulSet or ReplicaSet.
 * Lists not named here are atomic and replaced whole, as with a merge patch.
 */

/** patchStrategy:"merge" lists of objects and their patchMergeKey (k8s.io/api core/v1, meta/v1, apps/v1). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  imagePullSecrets: 'name',
  env: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  volumes: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
};

/** patchStrategy:"merge" lists of scalars: merged as sets. */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';

export function applyStrategicMergePatch(original: JsonObject, patch: Json): JsonObject {
  if (!isObject(patch)) throw new UndecodablePatchError('a strategic merge patch must be a JSON object');
  const result = mergeObject(original, patch);
  if (result === undefined)
    throw new UndecodablePatchError('a strategic merge patch cannot delete the object');
  return result;
}

/** undefined = the patch deletes this object (`$patch: delete`). */
function mergeObject(original: JsonObject, patch: JsonObject): JsonObject | undefined {
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return mergeObject({}, withoutKey(patch, DIRECTIVE));
  if (directive !== undefined && directive !== 'merge') {
    throw new UndecodablePatchError(`Unknown patch type: ${JSON.stringify(directive)}`);
  }
  const result = clone(original);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete result[key];
    } else if (isObject(value)) {
      const merged = mergeObject(isObject(result[key]) ? result[key] : {}, value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      const current = result[key];
      result[key] = mergeList(key, Array.isArray(current) ? current : [], value);
    } else {
      result[key] = value;
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const list = result[key.slice(DELETE_FROM_PRIMITIVE_LIST.length)];
      if (Array.isArray(list) && Array.isArray(value)) {
        result[key.slice(DELETE_FROM_PRIMITIVE_LIST.length)] = list.filter(
          (item) => !value.some((v) => deepEqual(v, item)),
        );
      }
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const name = key.slice(SET_ELEMENT_ORDER.length);
    const list = result[name];
    if (!Array.isArray(value)) throw new UndecodablePatchError(`${key} must be a list`);
    if (Array.isArray(list)) result[name] = ordered(list, value, MERGE_KEYS[name]);
  }
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new UndecodablePatchError(`${RETAIN_KEYS} must be a list`);
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(field: string, original: Json[], patch: Json[]): Json[] {
  // An element {"$patch": "replace"} makes the rest of the patch list the whole new list.
  const replaceAll = patch.some(
    (e) => isObject(e) && e[DIRECTIVE] === 'replace' && Object.keys(e).length === 1,
  );
  const elements = patch.filter(
    (e) => !(isObject(e) && e[DIRECTIVE] === 'replace' && Object.keys(e).length === 1),
  );
  const mergeKey = MERGE_KEYS[field];
  if (replaceAll || mergeKey === undefined) {
    if (!replaceAll && MERGED_SCALAR_LISTS.has(field)) {
      return [...original, ...elements.filter((e) => !original.some((o) => deepEqual(o, e)))];
    }
    return elements.map((e) => (isObject(e) ? (mergeObject({}, e) ?? {}) : clone(e)));
  }
  const result = clone(original);
  for (const element of elements) {
    if (!isObject(element) || element[mergeKey] === undefined) {
      throw new UndecodablePatchError(
        `map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey}`,
      );
    }
    const index = result.findIndex((e) => isObject(e) && deepEqual(e[mergeKey], element[mergeKey]));
    const directive = element[DIRECTIVE];
    if (directive === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    const base = index >= 0 && directive !== 'replace' ? (result[index] as JsonObject) : {};
    const merged =
      mergeObject(base, directive === 'replace' ? withoutKey(element, DIRECTIVE) : element) ?? {};
    if (index >= 0) result[index] = merged;
    else result.push(merged);
  }
  return result;
}

/**
 * `$setElementOrder/<list>`: the elements it names come first, in its order; elements it does not
 * name (added on the server meanwhile) keep their relative order after them.
 */
function ordered(list: Json[], order: Json[], mergeKey: string | undefined): Json[] {
  const keyOf = (item: Json): Json | undefined =>
    mergeKey !== undefined && isObject(item) ? item[mergeKey] : item;
  const wanted = order.map(keyOf);
  const position = (item: Json): number => {
    const i = wanted.findIndex((w) => w !== undefined && deepEqual(w, keyOf(item)));
    return i < 0 ? wanted.length : i;
  };
  return list
    .map((item, i) => ({ item, i, p: position(item) }))
    .sort((a, b) => a.p - b.p || a.i - b.i)
    .map(({ item }) => item);
}

function withoutKey(object: JsonObject, key: string): JsonObject {
  const copy = { ...object };
  delete copy[key];
  return copy;
}
