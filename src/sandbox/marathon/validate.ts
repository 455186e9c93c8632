import type { ErrorObject } from 'ajv';
import validateAppDefinitionSchema from '../../generated/marathon-app-validator';

export { isTimestamp } from './formats';

/**
 * Checks app definitions the way Marathon's API does, as far as a client can tell: against Marathon's
 * own JSON Schema (releases/1.7, repaired; compiled at build time by scripts/generate-validators.js),
 * plus the few API rules the schema does not express. The reply is a Marathon error body (§8 of the
 * reference sheet), so a client meets the same 422s it would meet live.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ErrorDetail {
  path: string;
  errors: string[];
}

export interface MarathonErrorBody {
  message: string;
  details?: ErrorDetail[] | string;
}

export type CheckResult = { ok: true; app: JsonObject } | { ok: false; body: MarathonErrorBody };

// Marathon's own id rule (state/PathId.scala); the schema's `pathType` is looser.
const SEGMENT =
  /^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$|^(\.|\.\.)$/;
const SEGMENT_TEXT =
  '^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$';
const RESERVED_LAST_SEGMENTS = new Set(['restart', 'tasks', 'versions', '.', '..']);
const CMD_ARGS_CONTAINER = "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.";

/** Marathon reads `null` as "absent" for every optional field (and its own schema tests strip them too). */
export function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
    return out;
  }
  return value;
}

/** `/healthChecks/0/portIndex` → `/healthChecks(0)/portIndex` (M:Validation `allViolations`). */
function marathonPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const part of parts)
    out += /^\d+$/.test(part) ? `(${part})` : `/${part.replace(/~1/g, '/').replace(/~0/g, '~')}`;
  return out === '' ? '/' : out;
}

/** The value at an error's `instancePath` (a JSON Pointer) in `root`. */
function valueAt(root: Json, instancePath: string): Json | undefined {
  let value: Json | undefined = root;
  for (const part of instancePath.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    value = Array.isArray(value) ? value[Number(key)] : value[key];
  }
  return value;
}

/** `checked` is the definition as it was before the check removed unknown keys from it. */
function playTypeError(err: ErrorObject, checked: Json): string {
  const expected = String((err.params as { type?: string }).type);
  if (expected === 'integer')
    return typeof valueAt(checked, err.instancePath) === 'number'
      ? 'error.expected.int'
      : 'error.expected.jsnumber';
  return `error.expected.js${expected}`;
}

type Classified = { kind: 'json' | 'validation'; path: string; message: string };

function classify(err: ErrorObject, checked: Json): Classified | undefined {
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'type':
      return { kind: 'json', path: marathonPath(err.instancePath), message: playTypeError(err, checked) };
    case 'required':
      return {
        kind: 'json',
        path: marathonPath(err.instancePath, String(params['missingProperty'])),
        message: 'error.path.missing',
      };
    case 'enum':
      return { kind: 'json', path: marathonPath(err.instancePath), message: 'error.unknown.enum.literal' };
    case 'maximum':
      return {
        kind: 'validation',
        path: marathonPath(err.instancePath),
        message: `is greater than ${String(params['limit'])}`,
      };
    case 'minimum':
      return {
        kind: 'validation',
        path: marathonPath(err.instancePath),
        message: `is less than ${String(params['limit'])}`,
      };
    case 'minLength':
      return {
        kind: 'validation',
        path: marathonPath(err.instancePath),
        message:
          params['limit'] === 1
            ? 'must not be empty'
            : `must have at least ${String(params['limit'])} characters`,
      };
    case 'minItems':
      return {
        kind: 'validation',
        path: marathonPath(err.instancePath),
        message: `must have at least ${String(params['limit'])} items`,
      };
    case 'uniqueItems':
      return { kind: 'validation', path: marathonPath(err.instancePath), message: 'must be unique' };
    case 'pattern':
      return {
        kind: 'validation',
        path: marathonPath(err.instancePath),
        message: `must fully match regular expression '${String(params['pattern'])}'`,
      };
    case 'not':
      if (err.instancePath === '') return { kind: 'validation', path: '/', message: CMD_ARGS_CONTAINER };
      return {
        kind: 'validation',
        path: marathonPath(err.instancePath),
        message: err.message ?? 'is not valid',
      };
    case 'oneOf':
    case 'anyOf':
      // The branch errors say more; the summary adds nothing a client can act on.
      return undefined;
    default:
      return {
        kind: 'validation',
        path: marathonPath(err.instancePath),
        message: err.message ?? 'is not valid',
      };
  }
}

function grouped(items: Classified[]): ErrorDetail[] {
  const byPath = new Map<string, string[]>();
  for (const item of items) {
    const list = byPath.get(item.path) ?? [];
    if (!list.includes(item.message)) list.push(item.message);
    byPath.set(item.path, list);
  }
  return [...byPath].map(([path, errors]) => ({ path, errors }));
}

export function invalid(path: string, message: string): MarathonErrorBody {
  return { message: 'Object is not valid', details: [{ path, errors: [message] }] };
}

export function idViolation(id: string): string | undefined {
  const segments = id.replace(/^\//, '').split('/');
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) return `must fully match regular expression '${SEGMENT_TEXT}'`;
  }
  const last = segments[segments.length - 1]!;
  if (RESERVED_LAST_SEGMENTS.has(last)) return `must not end with '${last}'`;
  return undefined;
}

function hasImageContainer(app: JsonObject): boolean {
  const container = app['container'];
  if (
    container === undefined ||
    container === null ||
    typeof container !== 'object' ||
    Array.isArray(container)
  )
    return false;
  const type = (container['type'] as string | undefined) ?? 'DOCKER';
  if (container['docker'] !== undefined) return type === 'DOCKER' || type === 'MESOS';
  return container['appc'] !== undefined && type === 'MESOS';
}

/**
 * Checks one complete definition (an absolute `id` already set, read-only fields may be present: they are
 * dropped like any unknown key). Returns the cleaned definition: nulls and unknown keys removed, not yet
 * normalised to Marathon's reply form.
 */
export function checkAppDefinition(candidate: JsonObject): CheckResult {
  const clean = withoutNulls(candidate) as JsonObject;
  delete clean['version'];
  delete clean['versionInfo'];
  const items: Classified[] = [];
  if (!validateAppDefinitionSchema(clean)) {
    for (const err of validateAppDefinitionSchema.errors ?? []) {
      const item = classify(err, candidate);
      if (item) items.push(item);
    }
  }
  const jsonErrors = items.filter((i) => i.kind === 'json');
  // Marathon reads the JSON into typed objects first; a type error stops it before any rule runs.
  if (jsonErrors.length > 0)
    return { ok: false, body: { message: 'Invalid JSON', details: grouped(jsonErrors) } };
  const violation = typeof clean['id'] === 'string' ? idViolation(clean['id']) : undefined;
  if (violation) {
    // Marathon's own rule and message replace the schema's looser `pathType` pattern.
    const others = items.filter((i) => i.path !== '/id');
    items.splice(0, items.length, ...others, { kind: 'validation', path: '/id', message: violation });
  }
  const cmd = typeof clean['cmd'] === 'string' && clean['cmd'] !== '';
  const args = Array.isArray(clean['args']) && clean['args'].length > 0;
  const cmdArgsOk = cmd !== args || (!cmd && !args && hasImageContainer(clean));
  if (!cmdArgsOk && !items.some((i) => i.message === CMD_ARGS_CONTAINER))
    items.push({ kind: 'validation', path: '/', message: CMD_ARGS_CONTAINER });
  if (items.length > 0)
    return { ok: false, body: { message: 'Object is not valid', details: grouped(items) } };
  return { ok: true, app: clean };
}
