import { applyJsonPatch } from './json-patch';
import type { Json, JsonObject } from './json';
import { applyMergePatch } from './merge-patch';
import { UndecodablePatchError } from './patch-errors';
import * as reply from './status';
import { applyStrategicMergePatch } from './strategic-merge-patch';

/**
 * Chooses the patch engine by Content-Type, as the API server's PATCH handler does. Server-side
 * apply is not emulated, so apply-patch bodies get the same 415 as any unknown type.
 */

export type Patcher = (current: JsonObject) => Json;

export function patcherFor(contentType: string | undefined, body: string): Patcher | reply.ApiReply {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const engine = {
    'application/json-patch+json': applyJsonPatch,
    'application/merge-patch+json': (current: JsonObject, patch: Json) => applyMergePatch(current, patch),
    'application/strategic-merge-patch+json': applyStrategicMergePatch,
  }[mediaType];
  if (!engine) return reply.unsupportedMediaType();
  let patch: Json;
  try {
    patch = JSON.parse(body) as Json;
  } catch (err) {
    return reply.badRequest(`error decoding patch: ${err instanceof Error ? err.message : String(err)}`);
  }
  return (current) => {
    if (
      mediaType === 'application/merge-patch+json' &&
      (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    ) {
      throw new UndecodablePatchError('a merge patch must be a JSON object');
    }
    return engine(current, patch);
  };
}
