/**
 * JSON values as the API stores and compares them. Objects are stored as plain JSON so that a
 * reply is one JSON.stringify away, and compared by content, never by key order.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** The same value with object keys sorted at every level, as Go's json.Marshal writes a map. */
export function sortedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedKeys(value[key]!);
  return out;
}

export function canonical(value: Json): string {
  return JSON.stringify(sortedKeys(value));
}

export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonical(a) === canonical(b);
}

/** The object at `path` under `root`, created (as {}) where missing. */
export function objectAt(root: JsonObject, ...path: string[]): JsonObject {
  let current = root;
  for (const key of path) {
    const next = current[key];
    if (isObject(next)) current = next;
    else current = current[key] = {};
  }
  return current;
}

/** Reads a nested field without creating anything. */
export function field(root: Json | undefined, ...path: string[]): Json | undefined {
  let current: Json | undefined = root;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

export function stringMap(value: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
