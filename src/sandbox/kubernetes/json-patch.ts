import { clone, deepEqual, isObject, type Json, type JsonObject } from './json';
import { PatchNotAppliedError, UndecodablePatchError } from './patch-errors';

/**
 * RFC 6902 JSON Patch (`application/json-patch+json`): add, remove, replace, move, copy, test, on
 * RFC 6901 pointers. Operations apply in order to a copy, so a failing `test` leaves nothing changed.
 */

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: Json;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export function parseJsonPatch(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new UndecodablePatchError('a JSON patch must be an array of operations');
  return patch.map((raw, i) => {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || !OPS.has(raw['op'])) {
      throw new UndecodablePatchError(`operation ${i} has no valid "op"`);
    }
    if (typeof raw['path'] !== 'string') throw new UndecodablePatchError(`operation ${i} has no "path"`);
    const needsFrom = raw['op'] === 'move' || raw['op'] === 'copy';
    if (needsFrom && typeof raw['from'] !== 'string') {
      throw new UndecodablePatchError(`operation ${i} has no "from"`);
    }
    const needsValue = raw['op'] === 'add' || raw['op'] === 'replace' || raw['op'] === 'test';
    if (needsValue && !('value' in raw)) throw new UndecodablePatchError(`operation ${i} has no "value"`);
    return raw as unknown as Operation;
  });
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchNotAppliedError(`invalid pointer ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, forAdd: boolean): number {
  if (forAdd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchNotAppliedError(`invalid array index ${token}`);
  const index = Number(token);
  if (index > length || (!forAdd && index === length)) {
    throw new PatchNotAppliedError(`array index ${index} out of bounds`);
  }
  return index;
}

/** The container holding the pointer's last token. */
function parentOf(doc: Json, tokens: string[]): Json {
  let current = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[arrayIndex(token, current.length, false)]!;
    else if (isObject(current) && token in current) current = current[token]!;
    else throw new PatchNotAppliedError(`missing path element ${token}`);
  }
  return current;
}

function read(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false)]!;
  if (isObject(parent) && last in parent) return parent[last]!;
  throw new PatchNotAppliedError(`missing value at ${pointer}`);
}

function add(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new PatchNotAppliedError(`cannot add to a scalar at ${pointer}`);
  return doc;
}

function remove(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchNotAppliedError('cannot remove the whole document');
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false), 1);
  else if (isObject(parent) && last in parent) delete parent[last];
  else throw new PatchNotAppliedError(`missing value at ${pointer}`);
  return doc;
}

export function applyJsonPatch(document: JsonObject, patch: unknown): JsonObject {
  let doc: Json = clone(document);
  for (const op of parseJsonPatch(patch)) {
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, clone(op.value!));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        if (op.path === '') doc = clone(op.value!);
        else doc = add(remove(doc, op.path), op.path, clone(op.value!)); // remove fails on a missing target (§4.3)
        break;
      case 'move': {
        if (op.path.startsWith(`${op.from}/`)) throw new PatchNotAppliedError('cannot move into a child');
        const value = read(doc, op.from!);
        doc = add(remove(doc, op.from!), op.path, value);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, clone(read(doc, op.from!)));
        break;
      case 'test':
        if (!deepEqual(read(doc, op.path), op.value!)) {
          throw new PatchNotAppliedError(`test failed at ${op.path}`);
        }
        break;
    }
  }
  if (!isObject(doc)) throw new PatchNotAppliedError('the patched document is not an object');
  return doc;
}
