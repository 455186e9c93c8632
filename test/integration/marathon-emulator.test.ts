import http from 'node:http';
import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { request, type SimpleResponse } from '../support/http';
import { dumpApps, exampleApps, loadSharedExamples, readSharedJson } from './marathon-emulator-examples';

/**
 * The emulator over HTTP on real timers, against the reference sheet (../shared/reference/marathon-api.md)
 * and the documentation examples in ../shared/marathon/examples/responses.
 */

type Obj = Record<string, unknown>;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LOCKED =
  "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.";

let em: MarathonEmulator;

function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<SimpleResponse> {
  const json: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
  return request(`${em.marathonUrl}${path}`, {
    method,
    headers: { ...json, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function getApp(id: string): Promise<Obj> {
  const res = await call('GET', `/v2/apps${id}`);
  expect(res.status).toBe(200);
  return res.json<{ app: Obj }>().app;
}

function api(id: string, image: string, extra: Obj = {}): Obj {
  return {
    id,
    instances: 2,
    env: { JAVA_OPTS: '-Xmx256m' },
    labels: { team: 'shop' },
    networks: [{ mode: 'container/bridge' }],
    container: {
      type: 'DOCKER',
      docker: { image, forcePullImage: true, parameters: [{ key: 'log-driver', value: 'journald' }] },
      portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }],
      volumes: [{ containerPath: '/data', hostPath: '/srv/api', mode: 'RW' }],
    },
    healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 0, path: '/health' }],
    ...extra,
  };
}

/** Polls until `done` holds (real timers; generous limit for a loaded 2-core machine). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, limitMs = 15_000): Promise<T[]> {
  const seen: T[] = [];
  const start = Date.now();
  for (;;) {
    const value = await read();
    seen.push(value);
    if (done(value)) return seen;
    if (Date.now() - start > limitMs) throw new Error(`condition not reached after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Same keys, same JSON types (null in the example = the key may be left out: Marathon 1.5+ omits None). */
function expectSameShape(actual: unknown, example: unknown, path = '$'): void {
  if (example === null) return;
  if (Array.isArray(example)) {
    expect({ path, isArray: Array.isArray(actual) }).toEqual({ path, isArray: true });
    if (example.length > 0 && Array.isArray(actual) && actual.length > 0)
      expectSameShape(actual[0], example[0], `${path}[0]`);
    return;
  }
  if (typeof example === 'object') {
    expect({ path, type: typeof actual, isArray: Array.isArray(actual) }).toEqual({
      path,
      type: 'object',
      isArray: false,
    });
    for (const [key, value] of Object.entries(example as Obj)) {
      if (value === null) continue;
      expect({ path, keys: Object.keys(actual as Obj) }).toEqual({
        path,
        keys: expect.arrayContaining([key]),
      });
      expectSameShape((actual as Obj)[key], value, `${path}.${key}`);
    }
    return;
  }
  expect({ path, type: typeof actual }).toEqual({ path, type: typeof example });
}

beforeEach(async () => {
  em = await startMarathonEmulator({ deploymentMs: 300 });
});

afterEach(async () => {
  await em.close();
});

describe('the real examples', () => {
  it('loads every example app and the 100 apps of the group dump with addApp, and lists them', async () => {
    const ids = loadSharedExamples(em);
    expect(ids).toHaveLength(exampleApps().length + 100);
    const res = await call('GET', '/v2/apps');
    const listed = res.json<{ apps: Obj[] }>().apps.map((a) => a['id']);
    expect(listed.sort()).toEqual([...ids].sort());
  });

  it.each(exampleApps())('accepts %s through PUT (201 Created, Location, deployment)', async (_file, app) => {
    const id = `/${String(app['id']).replace(/^\//, '')}`;
    const res = await call('PUT', `/v2/apps${id}`, app);
    expect(res.status).toBe(201);
    expect(res.headers['location']).toBe(id);
    expect(res.json()).toEqual({
      version: expect.stringMatching(TIMESTAMP),
      deploymentId: res.headers['marathon-deployment-id'],
    });
    const stored = await getApp(id);
    expect((stored['container'] as Obj)['docker']).toEqual(
      expect.objectContaining({ image: (app['container'] as { docker: Obj }).docker['image'] }),
    );
  });

  it('accepts the 100 dump apps through PUT, read-only fields and all', async () => {
    for (const app of dumpApps()) {
      const res = await call('PUT', `/v2/apps${String(app['id'])}`, app);
      expect({ id: app['id'], status: res.status }).toEqual({ id: app['id'], status: 201 });
    }
    expect(em.listApps()).toHaveLength(100);
  });
});

describe('reply shapes match the documentation examples', () => {
  it('GET /v2/apps is {"apps":[AppInfo]} like app_list.json (deprecated ports/uris answered in 1.5 form)', async () => {
    const example = readSharedJson<{ apps: Obj[] }>('examples/responses/app_list.json');
    const exampleApp = { ...example.apps[0]! };
    em.addApp(exampleApp);
    const res = await call('GET', '/v2/apps');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<{ apps: Obj[] }>();
    expect(Object.keys(body)).toEqual(['apps']);
    const app = body.apps[0]!;
    // Replaced since 1.5 (reference sheet §1): ports → portDefinitions, uris → fetch.
    expect(app['portDefinitions']).toEqual([
      { port: 10013, protocol: 'tcp' },
      { port: 10015, protocol: 'tcp' },
    ]);
    expect(app['fetch']).toEqual([
      expect.objectContaining({ uri: exampleApp['uris'] && (exampleApp['uris'] as string[])[0] }),
    ]);
    // omitEmpty fields (RAML) that are empty in the example are left out of the reply.
    const { ports: _p, uris: _u, healthChecks: _h, dependencies: _d, deployments, ...rest } = exampleApp;
    expectSameShape(app, rest);
    expect(deployments).toEqual([expect.objectContaining({ id: expect.any(String) })]);
    expect(app['deployments']).toEqual([]);
  });

  it('GET /v2/apps/{id} is {"app":AppInfo} carrying every field of app.json', async () => {
    // app.json sets both cmd and args, which Marathon rejects; without args it is a valid app.
    const { args: _args, ...definition } = readSharedJson<Obj>('examples/responses/app.json');
    const put = await call('PUT', '/v2/apps/foo', definition);
    expect(put.status).toBe(201);
    const res = await call('GET', '/v2/apps/foo');
    const body = res.json<Obj>();
    expect(Object.keys(body)).toEqual(['app']);
    const app = body['app'] as Obj;
    // ipAddress and docker.network/portMappings are 1.4 fields, answered as networks + container.portMappings.
    const { ipAddress: _ip, container, ...rest } = definition;
    expectSameShape(app, rest);
    expect(app['networks']).toEqual([{ mode: 'container/bridge' }]);
    const { network: _n, portMappings, ...docker } = (container as { docker: Obj }).docker;
    expectSameShape((app['container'] as Obj)['docker'], docker);
    expectSameShape((app['container'] as Obj)['portMappings'], portMappings);
    for (const key of [
      'version',
      'tasksStaged',
      'tasksRunning',
      'tasksHealthy',
      'tasksUnhealthy',
      'deployments',
      'tasks',
    ]) {
      expect(app).toHaveProperty(key);
    }
    expect(app['version']).toMatch(TIMESTAMP);
    expect(app['versionInfo']).toEqual({ lastScalingAt: app['version'], lastConfigChangeAt: app['version'] });
  });

  it('GET /v2/deployments is a bare array like deployments.json; the PUT reply is like deployments_result.json', async () => {
    em.addApp(api('/foo', 'r/foo:1'));
    const put = await call('PUT', '/v2/apps/foo', { container: { docker: { image: 'r/foo:2' } } });
    expect(put.status).toBe(200);
    const result = put.json<Obj>();
    expect(Object.keys(result).sort()).toEqual(
      Object.keys(readSharedJson<Obj>('examples/responses/deployments_result.json')).sort(),
    );
    expect(put.headers['marathon-deployment-id']).toBe(result['deploymentId']);

    const res = await call('GET', '/v2/deployments');
    const list = res.json<Obj[]>();
    const example = readSharedJson<Obj[]>('examples/responses/deployments.json')[0]!;
    expect(list).toHaveLength(1);
    expect(Object.keys(list[0]!).sort()).toEqual(Object.keys(example).sort());
    const { steps: _s, currentActions: _c, ...top } = example;
    expectSameShape(list[0], top);
    expect(list[0]).toEqual(
      expect.objectContaining({
        id: result['deploymentId'],
        version: result['version'],
        affectedApps: ['/foo'],
        steps: [{ actions: [{ action: 'RestartApplication', app: '/foo' }] }],
        currentActions: [{ action: 'RestartApplication', app: '/foo', readinessCheckResults: [] }],
      }),
    );
  });

  it('sends Marathon’s reply headers and error bodies', async () => {
    const missing = await call('GET', '/v2/apps/not_existent');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: "App '/not_existent' does not exist" });
    expect(missing.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
    expect(missing.headers['x-marathon-leader']).toBe(em.url);

    const unparsable = await call('PUT', '/v2/apps/x', '{"id": ');
    expect(unparsable.status).toBe(400);
    expect(unparsable.json()).toEqual({ message: 'Invalid JSON', details: expect.any(String) });

    const wrongType = await call('PUT', '/v2/apps/x', { cmd: 'sleep 1' }, { 'Content-Type': 'text/plain' });
    expect(wrongType.status).toBe(415);

    const invalid = await call('PUT', '/v2/apps/x', {
      cmd: 'sleep 1',
      upgradeStrategy: { minimumHealthCapacity: 1.5 },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.json()).toEqual({
      message: 'Object is not valid',
      details: [{ path: '/upgradeStrategy/minimumHealthCapacity', errors: ['is greater than 1'] }],
    });
    expect(em.getApp('/x')).toBeUndefined();

    const unknownDeployment = await call('DELETE', '/v2/deployments/0000');
    expect(unknownDeployment.status).toBe(404);
    expect(unknownDeployment.json()).toEqual({ message: 'DeploymentPlan 0000 does not exist' });
  });
});

describe('GET /v2/apps filters', () => {
  beforeEach(() => {
    for (const id of [
      '/ds/dev/shop/api',
      '/ds/dev/shop/gateway-api',
      '/ds/dev2/shop/api',
      '/x/ds/dev/y',
      '/ds/stage/shop/api',
    ]) {
      em.addApp(
        api(id, `registry.example.com${id.replace(/^\/ds\/[a-z0-9]+/, '')}:1`, {
          labels: { env: id.split('/')[2]! },
        }),
      );
    }
  });

  it('`id` is a case-insensitive substring match, not a prefix: /ds/dev also matches /ds/dev2/x and /x/ds/dev/y', async () => {
    const res = await call('GET', '/v2/apps?id=/DS/dev');
    const ids = res.json<{ apps: Obj[] }>().apps.map((a) => a['id']);
    expect(ids.sort()).toEqual([
      '/ds/dev/shop/api',
      '/ds/dev/shop/gateway-api',
      '/ds/dev2/shop/api',
      '/x/ds/dev/y',
    ]);
  });

  it('`label` selects by label; counts and deployments always embedded, tasks only on request', async () => {
    const res = await call('GET', '/v2/apps?label=env==stage');
    const apps = res.json<{ apps: Obj[] }>().apps;
    expect(apps.map((a) => a['id'])).toEqual(['/ds/stage/shop/api']);
    expect(apps[0]).toEqual(expect.objectContaining({ tasksRunning: 2, tasksHealthy: 2, deployments: [] }));
    expect(apps[0]).not.toHaveProperty('tasks');
    const withTasks = await call(
      'GET',
      '/v2/apps?label=env%20in%20(stage,dev2)&embed=apps.tasks&embed=apps.lastTaskFailure',
    );
    const embedded = withTasks.json<{ apps: Obj[] }>().apps;
    expect(embedded.map((a) => a['id']).sort()).toEqual(['/ds/dev2/shop/api', '/ds/stage/shop/api']);
    expect(embedded[0]!['tasks']).toEqual([
      expect.objectContaining({
        appId: embedded[0]!['id'],
        state: 'TASK_RUNNING',
        version: embedded[0]!['version'],
      }),
      expect.objectContaining({ state: 'TASK_RUNNING' }),
    ]);
  });

  it('GET /v2/apps/{group}/* lists the apps of a group (whole segments) as {"*": [...]}', async () => {
    const res = await call('GET', '/v2/apps/ds/dev/*');
    expect(res.status).toBe(200);
    expect(res.json<{ '*': Obj[] }>()['*'].map((a) => a['id'])).toEqual([
      '/ds/dev/shop/api',
      '/ds/dev/shop/gateway-api',
    ]);
    const missing = await call('GET', '/v2/apps/ds/qa/*');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: "Group '/ds/qa' does not exist" });
  });
});

describe('PUT /v2/apps/{id}', () => {
  const ID = '/ds/dev/shop/api';
  beforeEach(() => em.addApp(api(ID, 'registry.example.com/shop/api:1.0.0')));

  it('merges at the top level by default: a container with only the image replaces the whole container', async () => {
    const res = await call('PUT', `/v2/apps${ID}`, {
      container: { docker: { image: 'registry.example.com/shop/api:0.9.0' } },
    });
    expect(res.status).toBe(200);
    const app = await getApp(ID);
    const container = app['container'] as Obj;
    expect(container['docker']).toEqual({
      image: 'registry.example.com/shop/api:0.9.0',
      forcePullImage: false,
      privileged: false,
      parameters: [],
    });
    expect(container['volumes']).toEqual([]);
    expect(container['portMappings']).toEqual([expect.objectContaining({ containerPort: 0 })]);
    // fields absent from the body keep their values
    expect(app['env']).toEqual({ JAVA_OPTS: '-Xmx256m' });
    expect(app['instances']).toBe(2);
  });

  it('keeps every container field when the whole container is sent with only the image changed', async () => {
    const before = await getApp(ID);
    const container = structuredClone(before['container']) as { docker: Obj };
    container.docker['image'] = 'registry.example.com/shop/api:0.9.0';
    const res = await call('PUT', `/v2/apps${ID}`, { container });
    expect(res.status).toBe(200);
    const after = await getApp(ID);
    expect(after['container']).toEqual(container);
    expect(after['version']).not.toBe(before['version']);
  });

  it('replaces the definition with partialUpdate=false: missing fields get their defaults', async () => {
    const res = await call('PUT', `/v2/apps${ID}?partialUpdate=false`, {
      container: { type: 'DOCKER', docker: { image: 'registry.example.com/shop/api:0.9.0' } },
    });
    expect(res.status).toBe(200);
    const app = await getApp(ID);
    expect(app).not.toHaveProperty('env');
    expect(app['instances']).toBe(1);
    expect(app['labels']).toEqual({});
  });

  it('answers 422 to a GET body PUT back with its `version` (the trap), and changes nothing', async () => {
    const before = await getApp(ID);
    const body = structuredClone(before);
    (body['container'] as { docker: Obj }).docker['image'] = 'registry.example.com/shop/api:0.9.0';
    const res = await call('PUT', `/v2/apps${ID}`, body);
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({
      message: 'Object is not valid',
      details: [{ path: '/', errors: ["The 'version' field may only be combined with the 'id' field."] }],
    });
    expect(await getApp(ID)).toEqual(
      expect.objectContaining({ version: before['version'], container: before['container'] }),
    );
    expect(em.deployments()).toEqual([]);
  });

  it('accepts a GET body without `version`: read-only fields and unknown keys are ignored', async () => {
    const body = structuredClone(await getApp(ID));
    delete body['version'];
    (body['container'] as { docker: Obj }).docker['image'] = 'registry.example.com/shop/api:0.9.0';
    body['someFutureField'] = true;
    const res = await call('PUT', `/v2/apps${ID}`, body);
    expect(res.status).toBe(200);
    const app = await getApp(ID);
    expect(app).not.toHaveProperty('someFutureField');
    expect((app['container'] as { docker: Obj }).docker['image']).toBe('registry.example.com/shop/api:0.9.0');
  });

  it('rolls back with {"version"}: the old definition whole, under a new version; versions endpoints', async () => {
    const v1 = (await getApp(ID))['version'] as string;
    await call('PUT', `/v2/apps${ID}?force=true`, {
      instances: 5,
      container: { docker: { image: 'r/shop/api:2' } },
    });
    const v2 = (await getApp(ID))['version'] as string;

    const res = await call('PUT', `/v2/apps${ID}?force=true`, { id: ID, version: v1 });
    expect(res.status).toBe(200);
    const app = await getApp(ID);
    expect(app['instances']).toBe(2);
    expect((app['container'] as { docker: Obj }).docker['image']).toBe('registry.example.com/shop/api:1.0.0');
    expect(app['version']).toBe(res.json<Obj>()['version']);
    expect([v1, v2]).not.toContain(app['version']);

    const versions = (await call('GET', `/v2/apps${ID}/versions`)).json<{ versions: string[] }>().versions;
    expect([...versions].sort()).toEqual([v1, v2, app['version']].sort());
    const old = await call('GET', `/v2/apps${ID}/versions/${v1}`);
    expect(old.status).toBe(200);
    expect(old.json()).toEqual(expect.objectContaining({ id: ID, version: v1, instances: 2 }));
    expect(old.json()).not.toHaveProperty('tasksRunning'); // a bare App, no wrapper, no counts
    const none = await call('GET', `/v2/apps${ID}/versions/2001-01-01T00:00:00.000Z`);
    expect(none.status).toBe(404);
    expect(none.json()).toEqual({
      message: `App '${ID}' does not exist in version 2001-01-01T00:00:00.000Z`,
    });
    const unknown = await call('PUT', `/v2/apps${ID}?force=true`, { version: '2001-01-01T00:00:00.000Z' });
    expect(unknown.status).toBe(404);
  });

  it('answers 409 with the blocking deployment while one runs; force=true cancels it', async () => {
    const lockId = em.lockApp(ID);
    const res = await call('PUT', `/v2/apps${ID}`, { container: { docker: { image: 'r/shop/api:2' } } });
    expect(res.status).toBe(409);
    expect(res.json()).toEqual({ message: LOCKED, deployments: [{ id: lockId }] });
    expect(em.deployments().map((d) => d['id'])).toEqual([lockId]);

    const forced = await call('PUT', `/v2/apps${ID}?force=true`, {
      container: { docker: { image: 'r/shop/api:2' } },
    });
    expect(forced.status).toBe(200);
    const ids = em.deployments().map((d) => d['id']);
    expect(ids).not.toContain(lockId);
    expect(ids).toEqual([forced.headers['marathon-deployment-id']]);
  });

  it('creates a deployment that takes time, moves the counts, then disappears', async () => {
    em.setDeploymentMs(800);
    const res = await call('PUT', `/v2/apps${ID}`, { container: { docker: { image: 'r/shop/api:2' } } });
    const deploymentId = res.json<Obj>()['deploymentId'];
    const first = await getApp(ID);
    expect(first['deployments']).toEqual([{ id: deploymentId }]);
    expect((await call('GET', '/v2/deployments')).json<Obj[]>().map((d) => d['id'])).toEqual([deploymentId]);

    const snapshot = async () => {
      const app = await getApp(ID);
      const tasks = app['tasks'] as Obj[];
      return {
        deployments: (app['deployments'] as unknown[]).length,
        counts: [app['tasksStaged'], app['tasksRunning'], app['tasksHealthy']].join('/'),
        onNewVersion: tasks.filter((t) => t['version'] === app['version'] && t['state'] === 'TASK_RUNNING')
          .length,
      };
    };
    const seen = await until(snapshot, (s) => s.deployments === 0);
    expect(new Set(seen.map((s) => `${s.counts} ${s.onNewVersion}`)).size).toBeGreaterThan(2);
    expect(seen.at(-1)).toEqual({ deployments: 0, counts: '0/2/2', onNewVersion: 2 });
    expect((await call('GET', '/v2/deployments')).json()).toEqual([]);
  });

  it('a hanging deployment stays until DELETE /v2/deployments/{id} reverts it', async () => {
    em.failNextDeployment(ID, 'hang');
    const res = await call('PUT', `/v2/apps${ID}`, { container: { docker: { image: 'r/shop/api:bad' } } });
    const deploymentId = String(res.json<Obj>()['deploymentId']);
    await new Promise((r) => setTimeout(r, 1000)); // > 3 × deploymentMs
    expect(em.deployments().map((d) => d['id'])).toEqual([deploymentId]);
    const hanging = await getApp(ID);
    expect(
      (hanging['tasks'] as Obj[]).filter(
        (t) => t['version'] === hanging['version'] && t['state'] === 'TASK_RUNNING',
      ),
    ).not.toHaveLength(2);
    expect(hanging['lastTaskFailure']).toEqual(expect.objectContaining({ state: 'TASK_FAILED', appId: ID }));

    const revert = await call('DELETE', `/v2/deployments/${deploymentId}`);
    expect(revert.status).toBe(200);
    const revertId = revert.json<Obj>()['deploymentId'];
    expect(revert.headers['marathon-deployment-id']).toBe(revertId);
    expect((em.getApp(ID)!['container'] as { docker: Obj }).docker['image']).toBe(
      'registry.example.com/shop/api:1.0.0',
    );
    await until(
      async () => em.deployments(),
      (list) => list.length === 0,
    );
    expect(em.getApp(ID)).toEqual(expect.objectContaining({ tasksHealthy: 2, tasksUnhealthy: 0 }));
  });

  it('DELETE /v2/deployments/{id}?force=true removes it without revert (202, no body)', async () => {
    em.failNextDeployment(ID, 'hang');
    const res = await call('PUT', `/v2/apps${ID}`, { container: { docker: { image: 'r/shop/api:bad' } } });
    const deploymentId = String(res.json<Obj>()['deploymentId']);
    const cancel = await call('DELETE', `/v2/deployments/${deploymentId}?force=true`);
    expect(cancel.status).toBe(202);
    expect(cancel.text()).toBe('');
    expect(em.deployments()).toEqual([]);
    expect((em.getApp(ID)!['container'] as { docker: Obj }).docker['image']).toBe('r/shop/api:bad');
  });

  it("a 'fail' deployment disappears while the new tasks never get healthy", async () => {
    em.failNextDeployment(ID, 'fail');
    await call('PUT', `/v2/apps${ID}`, { container: { docker: { image: 'r/shop/api:bad' } } });
    await until(
      async () => em.deployments(),
      (list) => list.length === 0,
    );
    const app = await getApp(ID);
    expect(app['tasksHealthy']).toBeLessThan(app['instances'] as number);
    expect(app['lastTaskFailure']).toEqual(
      expect.objectContaining({ state: 'TASK_FAILED', version: app['version'] }),
    );
  });

  it('an unchanged definition gets a deployment id but no new version and nothing to wait for', async () => {
    const before = await getApp(ID);
    const res = await call('PUT', `/v2/apps${ID}`, { instances: 2 });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      version: expect.stringMatching(TIMESTAMP),
      deploymentId: expect.any(String),
    });
    expect((await getApp(ID))['version']).toBe(before['version']);
    expect(em.deployments()).toEqual([]);
  });

  it('records every request with method, path, headers and raw body', async () => {
    await call('PUT', `/v2/apps${ID}?force=true`, { instances: 3 });
    expect(em.requests.at(-1)).toEqual({
      method: 'PUT',
      path: `/v2/apps${ID}?force=true`,
      headers: expect.objectContaining({ 'content-type': 'application/json' }),
      body: '{"instances":3}',
    });
  });
});

describe('the rest of the apps API', () => {
  const ID = '/ds/dev/shop/api';
  beforeEach(() => em.addApp(api(ID, 'registry.example.com/shop/api:1.0.0')));

  it('POST /v2/apps creates (201 + the app) and refuses an existing id (409)', async () => {
    const created = await call('POST', '/v2/apps', api('/ds/dev/shop/new', 'r/shop/new:1'));
    expect(created.status).toBe(201);
    expect(created.headers['location']).toBe('/ds/dev/shop/new');
    expect(created.json()).toEqual(
      expect.objectContaining({
        id: '/ds/dev/shop/new',
        deployments: [{ id: created.headers['marathon-deployment-id'] }],
      }),
    );
    const again = await call('POST', '/v2/apps', api(ID, 'r/shop/api:2'));
    expect(again.status).toBe(409);
    expect(again.json()).toEqual({ message: `An app with id [${ID}] already exists.` });
  });

  it('PATCH merges like PUT but never creates', async () => {
    expect((await call('PATCH', '/v2/apps/ds/dev/shop/none', { instances: 1 })).status).toBe(404);
    const res = await call('PATCH', `/v2/apps${ID}`, { instances: 3 });
    expect(res.status).toBe(200);
    expect(em.getApp(ID)).toEqual(expect.objectContaining({ instances: 3, env: { JAVA_OPTS: '-Xmx256m' } }));
  });

  it('ignores `version` with partialUpdate=false (no rollback, no 422)', async () => {
    const before = await getApp(ID);
    const body = { ...before, instances: 4 };
    const res = await call('PUT', `/v2/apps${ID}?partialUpdate=false`, body);
    expect(res.status).toBe(200);
    expect(em.getApp(ID)).toEqual(expect.objectContaining({ instances: 4 }));
    expect(em.getApp(ID)!['version']).not.toBe(before['version']);
  });

  it('restarts, lists tasks, deletes', async () => {
    const restart = await call('POST', `/v2/apps${ID}/restart`);
    expect(restart.status).toBe(200);
    expect(em.deployments()[0]).toEqual(
      expect.objectContaining({ steps: [{ actions: [{ action: 'RestartApplication', app: ID }] }] }),
    );
    const tasks = await call('GET', `/v2/apps${ID}/tasks`);
    expect(tasks.json<{ tasks: Obj[] }>().tasks.length).toBeGreaterThanOrEqual(2);
    expect((await call('DELETE', `/v2/apps${ID}`)).status).toBe(409); // still locked by the restart
    const deleted = await call('DELETE', `/v2/apps${ID}?force=true`);
    expect(deleted.status).toBe(200);
    expect(em.getApp(ID)).toBeUndefined();
    expect((await call('GET', `/v2/apps${ID}`)).status).toBe(404);
  });

  it('answers /ping and /v2/info, and streams deployment events on /v2/events', async () => {
    expect((await call('GET', '/ping')).text()).toBe('pong\n');
    expect((await call('GET', '/v2/info')).json()).toEqual(
      expect.objectContaining({ name: 'marathon', elected: true }),
    );
    expect((await call('GET', '/v2/events')).status).toBe(405); // needs Accept: text/event-stream

    const frames: string[] = [];
    const stream = await new Promise<http.IncomingMessage>((resolve) => {
      http.get(`${em.url}/v2/events`, { headers: { Accept: 'text/event-stream' } }, resolve);
    });
    stream.on('data', (chunk: Buffer) => frames.push(chunk.toString('utf8')));
    const put = await call('PUT', `/v2/apps${ID}`, { container: { docker: { image: 'r/shop/api:2' } } });
    const deploymentId = put.json<Obj>()['deploymentId'];
    await until(
      async () => frames.join(''),
      (text) => text.includes('event: deployment_success'),
    );
    const success = frames
      .join('')
      .split('\n\n')
      .find((f) => f.startsWith('event: deployment_success'))!;
    expect(JSON.parse(success.split('data: ')[1]!)).toEqual(
      expect.objectContaining({ eventType: 'deployment_success', id: deploymentId }),
    );
    stream.destroy();
  });
});

function basic(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

describe('plain Marathon with HTTP Basic', () => {
  it('answers 401 with a Basic challenge without or with wrong credentials, 200 with the right ones', async () => {
    await em.close();
    em = await startMarathonEmulator({ basic: { user: 'jenkins', password: 's3cret' }, deploymentMs: 300 });
    const none = await call('GET', '/v2/apps');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('basic realm="Mesosphere"');
    expect(none.headers['content-type']).toMatch(/^text\/html/);
    expect((await call('GET', '/v2/apps', undefined, basic('jenkins', 'wrong'))).status).toBe(401);
    const ok = await call('GET', '/v2/apps', undefined, basic('jenkins', 's3cret'));
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ apps: [] });
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startMarathonEmulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});
