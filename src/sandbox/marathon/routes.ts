import { absoluteId } from './definition';
import type { PodStore } from './pods';
import type { ApiReply } from './replies';
import type { MarathonState } from './state';
import { isTimestamp, type Json } from './validate';

/**
 * The Marathon API's routes (`/v2/...` below Marathon's root), in API terms: a request in, an ApiReply
 * out. server.ts does the HTTP around it, the event stream and `/ping`.
 */

export interface ApiRequest {
  method: string;
  /** Path below Marathon's root, e.g. `/v2/apps/ds/dev/api`. */
  path: string;
  params: URLSearchParams;
  contentType?: string;
  accept?: string;
  body: string;
}

export interface RouteContext {
  state: MarathonState;
  pods: PodStore;
  /** host:port, as `/v2/leader` and `/v2/info` name it. */
  leader: string;
  /** A Marathon before 1.4 (1.3.x): no PATCH, no pods. */
  noPatch: boolean;
}

/** What the server must do besides sending an ApiReply. */
export type Routed = ApiReply | { kind: 'events' } | { kind: 'ping' };

const NOT_ALLOWED: ApiReply = { status: 405, body: { message: 'HTTP 405 Method Not Allowed' } };
const NOT_FOUND: ApiReply = { status: 404, body: { message: 'HTTP 404 Not Found' } };

/**
 * PATCH on Marathon 1.3 (releases/1.3 AppsResource has no @PATCH): Jersey 1.18's HttpMethodRule sets
 * a bare 405 response with an `Allow` header (the resource's methods plus the HEAD and OPTIONS Jersey
 * adds to every resource) and throws nothing, so Marathon's exception mapper never writes a JSON body.
 * `Allow` is in a HashMap's order there; no client should rely on it.
 */
const NO_PATCH: ApiReply = { status: 405, headers: { Allow: 'HEAD,DELETE,GET,OPTIONS,PUT' } };

/** The `embed` values, prefixes `apps.`, `app.`, `group.apps.` stripped (InfoEmbedResolver). */
function embedsFrom(params: URLSearchParams, always: string[]): Set<string> {
  const out = new Set(always);
  for (const raw of params.getAll('embed')) {
    const name = raw.replace(/^(group\.apps\.|apps\.|app\.)/, '');
    if (name === 'tasks') out.add('tasks').add('deployments');
    else if (name === 'failures') out.add('lastTaskFailure');
    else if (['counts', 'deployments', 'readiness', 'lastTaskFailure', 'taskStats'].includes(name))
      out.add(name);
  }
  return out;
}

function flag(params: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = params.get(name);
  if (value === null) return fallback;
  return value === '' || value.toLowerCase() === 'true';
}

function parseBody(req: ApiRequest): { ok: true; value: Json } | { ok: false; reply: ApiReply } {
  if (!req.contentType || !/^application\/json\b/i.test(req.contentType)) {
    return { ok: false, reply: { status: 415, body: { message: 'Unsupported Media Type' } } };
  }
  try {
    return { ok: true, value: JSON.parse(req.body) as Json };
  } catch (err) {
    return {
      ok: false,
      reply: {
        status: 400,
        body: { message: 'Invalid JSON', details: err instanceof Error ? err.message : String(err) },
      },
    };
  }
}

function info(ctx: RouteContext): ApiReply {
  return {
    status: 200,
    body: {
      name: 'marathon',
      // 1.3.14 is the last release without PATCH; 1.11.24 the last one with pods, PATCH and restart versions.
      version: ctx.noPatch ? '1.3.14' : '1.11.24',
      buildref: 'emulated',
      elected: true,
      leader: ctx.leader,
      frameworkId: 'emulated-framework-0000',
      http_config: { http_port: Number(ctx.leader.split(':').pop()) },
      marathon_config: { master: 'zk://emulated:2181/mesos', mesos_role: '*' },
      zookeeper_config: { zk: 'zk://emulated:2181/marathon' },
    },
  };
}

export function route(req: ApiRequest, ctx: RouteContext): Routed {
  const { method, path, params } = req;
  if (path === '/ping') return { kind: 'ping' };
  if (path === '/v2/info') return method === 'GET' ? info(ctx) : NOT_ALLOWED;
  if (path === '/v2/leader') return { status: 200, body: { leader: ctx.leader } };
  if (path === '/v2/events') {
    return /text\/event-stream/.test(req.accept ?? '') ? { kind: 'events' } : NOT_ALLOWED;
  }
  if (path === '/v2/deployments' || path === '/v2/deployments/') {
    return method === 'GET' ? { status: 200, body: ctx.state.deploymentList() } : NOT_ALLOWED;
  }
  const deployment = /^\/v2\/deployments\/([^/]+)$/.exec(path);
  if (deployment) {
    // There is no GET /v2/deployments/{id} in Marathon (reference §6.1).
    if (method !== 'DELETE') return NOT_ALLOWED;
    return ctx.state.deleteDeployment(decodeURIComponent(deployment[1]!), flag(params, 'force', false));
  }
  if (path === '/v2/pods' || path.startsWith('/v2/pods/')) return podRoute(req, ctx);
  if (path === '/v2/apps' || path === '/v2/apps/') return appsRoute(req, ctx);
  const appPath = /^\/v2\/apps(\/.+)$/.exec(path);
  if (!appPath) return NOT_FOUND;
  return appRoute(req, decodeURIComponent(appPath[1]!), ctx);
}

function appsRoute(req: ApiRequest, ctx: RouteContext): ApiReply {
  if (req.method === 'GET') {
    const apps = ctx.state.listApps(
      {
        id: req.params.get('id') ?? undefined,
        cmd: req.params.get('cmd') ?? undefined,
        label: req.params.get('label') ?? undefined,
      },
      embedsFrom(req.params, ['counts', 'deployments']),
    );
    return { status: 200, body: { apps } };
  }
  if (req.method === 'POST') {
    const parsed = parseBody(req);
    return parsed.ok ? ctx.state.createApp(parsed.value) : parsed.reply;
  }
  return NOT_ALLOWED;
}

/** Everything below `/v2/apps/`: one app, a group's apps, versions, tasks, restart. */
function appRoute(req: ApiRequest, rest: string, ctx: RouteContext): ApiReply {
  const { method, params } = req;
  const state = ctx.state;
  const group = /^(.*?)\/\*$/.exec(rest);
  if (group) {
    if (method !== 'GET') return NOT_ALLOWED;
    const apps = state.appsInGroup(group[1] || '/', embedsFrom(params, ['counts', 'deployments']));
    if (!apps) return { status: 404, body: { message: `Group '${group[1]}' does not exist` } };
    return { status: 200, body: { '*': apps } };
  }
  const versions = /^(.+?)\/versions(?:\/([^/]+))?$/.exec(rest);
  if (versions) {
    if (method !== 'GET') return NOT_ALLOWED;
    return versionsRoute(state, absoluteId(versions[1]!), versions[2]);
  }
  const tasks = /^(.+?)\/tasks$/.exec(rest);
  if (tasks) {
    if (method !== 'GET') return NOT_ALLOWED;
    const id = absoluteId(tasks[1]!);
    const list = state.tasksOf(id);
    if (!list) return { status: 404, body: { message: `App '${id}' does not exist` } };
    return { status: 200, body: { tasks: list } };
  }
  const restart = /^(.+?)\/restart$/.exec(rest);
  if (restart) {
    if (method !== 'POST') return NOT_ALLOWED;
    return state.restartApp(restart[1]!, flag(params, 'force', false));
  }

  const id = absoluteId(rest);
  switch (method) {
    case 'GET': {
      const app = state.appInfo(
        id,
        embedsFrom(params, ['counts', 'deployments', 'tasks', 'lastTaskFailure']),
      );
      if (!app) return { status: 404, body: { message: `App '${id}' does not exist` } };
      return { status: 200, body: { app } };
    }
    case 'PATCH':
      if (ctx.noPatch) return NO_PATCH;
    // falls through: PATCH is PUT with partialUpdate=true that never creates (AppsResource.patch)
    case 'PUT': {
      const parsed = parseBody(req);
      if (!parsed.ok) return parsed.reply;
      const patch = method === 'PATCH';
      return state.updateApp(id, parsed.value, {
        force: flag(params, 'force', false),
        partialUpdate: patch ? true : flag(params, 'partialUpdate', true),
        allowCreate: !patch,
      });
    }
    case 'DELETE':
      return state.deleteApp(id, flag(params, 'force', false));
    default:
      return NOT_ALLOWED;
  }
}

/** AppVersionsResource: `{"versions": [...]}` in no order, or the bare App of one version. */
function versionsRoute(state: MarathonState, id: string, version: string | undefined): ApiReply {
  if (version === undefined) {
    const list = state.versionsOf(id);
    if (!list) return { status: 404, body: { message: `App '${id}' does not exist` } };
    return { status: 200, body: { versions: list } };
  }
  // Timestamp(version) throws IllegalArgumentException before the lookup: a 422 (reference §1).
  if (!isTimestamp(version)) {
    return {
      status: 422,
      body: { message: `Invalid timestamp provided '${version}'. Expecting ISO-8601 datetime string.` },
    };
  }
  const app = state.appVersion(id, version);
  // The message prints the parsed Timestamp, always with milliseconds and Z (RestResource.unknownApp).
  const shown = new Date(Date.parse(version)).toISOString();
  if (!app) return { status: 404, body: { message: `App '${id}' does not exist in version ${shown}` } };
  return { status: 200, body: app };
}

/** PodsResource, read-only: `/v2/pods`, `/v2/pods/::status`, `/v2/pods/{id}`, `/v2/pods/{id}::status`. */
function podRoute(req: ApiRequest, ctx: RouteContext): ApiReply {
  const rest = decodeURIComponent(req.path.slice('/v2/pods'.length));
  // Pods came with 1.4, like PATCH; Jersey 1 throws NotFoundException for a path no resource has,
  // which 1.3's exception mapper answers this way (releases/1.3 MarathonExceptionMapper).
  if (ctx.noPatch) return { status: 404, body: { message: `URI not found: ${req.path}` } };
  // HEAD /v2/pods: "Determine if this variant of Marathon supports pods".
  if (req.method === 'HEAD' && (rest === '' || rest === '/')) return { status: 200 };
  if (req.method !== 'GET') {
    return {
      status: 501,
      body: { message: 'The Marathon emulator only lists pods (seed them with addPod)' },
    };
  }
  if (rest === '' || rest === '/') return ctx.pods.list();
  if (rest === '/::status') return ctx.pods.allStatus();
  const status = /^(.+)::status$/.exec(rest);
  if (status) return ctx.pods.statusOf(status[1]!);
  if (rest.includes('::')) return NOT_FOUND;
  return ctx.pods.find(rest);
}
