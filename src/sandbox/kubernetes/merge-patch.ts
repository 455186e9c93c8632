import { clone, isObject, type Json } from './json';

/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge key by key, `null`
 * deletes a key, anything else (arrays included) replaces the target whole.
 */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
