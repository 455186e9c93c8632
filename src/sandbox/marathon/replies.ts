/** Answers of the emulated API in API terms; server.ts turns them into HTTP. */

export interface ApiReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function appNotFound(id: string): ApiReply {
  return { status: 404, body: { message: `App '${id}' does not exist` } };
}

/** The reply to every change that starts a deployment (RAML trait `deployable`). */
export function deploymentReply(
  status: number,
  version: string,
  deploymentId: string,
  extra: Record<string, string> = {},
): ApiReply {
  return {
    status,
    body: { version, deploymentId },
    headers: { 'Marathon-Deployment-Id': deploymentId, ...extra },
  };
}

export function notAnObject(): ApiReply {
  return {
    status: 422,
    body: { message: 'Invalid JSON', details: [{ path: '', errors: ['error.expected.jsobject'] }] },
  };
}
