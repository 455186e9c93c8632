import { createHmac } from 'node:crypto';
import { dockerImageOf, STATE_FIELDS, type MarathonApp } from '../marathon/answers';

/**
 * One stored version of an app, reduced to what history needs: the image it ran, its instance
 * count, and a keyed hash of every other field of its definition (of every env and secret entry
 * too), so a later version can be compared field by field without keeping a single value. A
 * definition holds the app's secrets (env, args, fetch URIs, docker parameters): they never reach
 * the disk cache, a plan or a journal. Pure, given the key.
 */

export interface VersionSummary {
  /** Marathon's version timestamp: when this version was stored. */
  version: string;
  image?: string;
  instances: number;
  /** Keyed hash of each definition field but the image, instances and the version fields. */
  fields: Record<string, string>;
  /** Keyed hash of each entry of env and secrets, so a plan can name the entries that changed. */
  entries: { env: Record<string, string>; secrets: Record<string, string> };
}

/** Fields that are not part of the definition, or (instances) that history compares on its own. */
const NOT_COMPARED = new Set([...STATE_FIELDS, 'instances']);

/** JSON with sorted keys: the same definition always hashes the same, however it was serialised. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export type KeyedHash = (value: unknown) => string;

export function keyedHash(key: Buffer): KeyedHash {
  return (value) => createHmac('sha256', key).update(canonical(value)).digest('hex').slice(0, 32);
}

function entryHashes(value: unknown, hash: KeyedHash): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hash(v)]));
}

export function summarize(app: MarathonApp, hash: KeyedHash): VersionSummary {
  const image = dockerImageOf(app);
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(app)) {
    if (NOT_COMPARED.has(field) || value === undefined) continue;
    // The image is compared on its own: a release is not a configuration change.
    fields[field] =
      field === 'container' && image !== undefined
        ? hash({ ...(value as object), docker: { ...(value as { docker: object }).docker, image: null } })
        : hash(value);
  }
  return {
    version: typeof app.version === 'string' ? new Date(app.version).toISOString() : '',
    ...(image ? { image } : {}),
    instances: typeof app.instances === 'number' ? app.instances : 1,
    fields,
    entries: { env: entryHashes(app.env, hash), secrets: entryHashes(app.secrets, hash) },
  };
}

/**
 * The fields whose values differ between two versions, env and secrets with the names of the
 * entries that changed (never their values): `env (LOG_LEVEL)`, `healthChecks`.
 */
export function changedFields(from: VersionSummary, to: VersionSummary): string[] {
  const names = [...new Set([...Object.keys(from.fields), ...Object.keys(to.fields)])].sort();
  return names
    .filter((name) => from.fields[name] !== to.fields[name])
    .map((name) => {
      if (name !== 'env' && name !== 'secrets') return name;
      const a = from.entries[name];
      const b = to.entries[name];
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
      return keys.length ? `${name} (${keys.join(', ')})` : name;
    });
}
