import type { JsonObject } from './json';

/**
 * Replies in API terms, and the `Status` bodies of the API server's errors
 * (k8s.io/apimachinery/pkg/api/errors), word for word, since kubectl prints their messages and a
 * client branches on `reason`.
 */

export interface ApiReply {
  status: number;
  body: unknown;
}

export interface ResourceName {
  /** Plural resource, e.g. `deployments`. */
  resource: string;
  /** API group, '' for the core group. */
  group: string;
}

export function ok(body: unknown, status = 200): ApiReply {
  return { status, body };
}

function failure(code: number, reason: string, message: string, details?: JsonObject): ApiReply {
  return {
    status: code,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    },
  };
}

/** `deployments.apps`, or just `namespaces` in the core group. */
function qualified({ resource, group }: ResourceName): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(what: ResourceName, name: string): ApiReply {
  return failure(404, 'NotFound', `${qualified(what)} "${name}" not found`, {
    name,
    group: what.group,
    kind: what.resource,
  });
}

export function pathNotFound(): ApiReply {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(what: ResourceName, name: string): ApiReply {
  return failure(409, 'AlreadyExists', `${qualified(what)} "${name}" already exists`, {
    name,
    group: what.group,
    kind: what.resource,
  });
}

/** details.kind is the resource, not the Kind (NewConflict takes a GroupResource). */
export function conflict(what: ResourceName, name: string): ApiReply {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(what)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: what.group, kind: what.resource },
  );
}

export interface FieldCause {
  field: string;
  /** StatusCause type, e.g. FieldValueRequired. */
  reason: string;
  /** e.g. `Required value`, `Invalid value: "x": must be ...`. */
  message: string;
}

/** NewInvalid: `<Kind>.<group> "<name>" is invalid: <field>: <message>`, several causes in brackets. */
export function invalid(kind: string, group: string, name: string, causes: FieldCause[]): ApiReply {
  const each = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = each.length === 1 ? each[0] : `[${each.join(', ')}]`;
  return failure(422, 'Invalid', `${kind}.${group} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
  });
}

/** What a JSON patch that does not apply gets: no word on which operation failed. */
export function patchNotApplied(): ApiReply {
  return failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

export function badRequest(message: string): ApiReply {
  return failure(400, 'BadRequest', message);
}

export function unsupportedMediaType(): ApiReply {
  return failure(
    415,
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    {},
  );
}

export function unsupportedBody(): ApiReply {
  return failure(
    415,
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
    {},
  );
}

export function methodNotAllowed(): ApiReply {
  return failure(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

export function unauthorized(): ApiReply {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function expired(message: string): ApiReply {
  return failure(410, 'Expired', message);
}

export function tooLarge(): ApiReply {
  return failure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
}

export function internalError(message: string): ApiReply {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}
