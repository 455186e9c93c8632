import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { request, type SimpleResponse } from '../support/http';

/**
 * PATCH /v2/apps/{id} as Marathon 1.4+ answers it (reference sheet §3.2, AppsResource.patch: PUT with
 * partialUpdate=true that never creates), PUT's creation beside it, and a Marathon without PATCH (1.3)
 * for a client's PUT fallback. Over HTTP on real timers.
 */

type Obj = Record<string, unknown>;
const ID = '/ds/dev/shop/api';
const IMAGE = 'registry.example.com/shop/api:1.0.0';
const LOCKED =
  "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.";

function api(extra: Obj = {}): Obj {
  return {
    id: ID,
    instances: 2,
    env: { LOG_LEVEL: 'info' },
    networks: [{ mode: 'container/bridge' }],
    container: {
      type: 'DOCKER',
      docker: { image: IMAGE, parameters: [{ key: 'log-driver', value: 'journald' }] },
      portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }],
    },
    healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 0, path: '/health' }],
    ...extra,
  };
}

function client(em: () => MarathonEmulator) {
  return (method: string, path: string, body?: unknown): Promise<SimpleResponse> =>
    request(`${em().marathonUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

function imageOf(app: Obj | undefined): unknown {
  return ((app?.['container'] as Obj | undefined)?.['docker'] as Obj | undefined)?.['image'];
}

describe('PATCH /v2/apps/{id} on Marathon 1.4+', () => {
  let em: MarathonEmulator;
  const call = client(() => em);

  beforeAll(async () => {
    em = await startMarathonEmulator({ deploymentMs: 200 });
  });
  afterAll(async () => {
    await em?.close();
  });
  beforeEach(async () => {
    em.addApp(api()); // a fresh app, any deployment of the test before cancelled
  });

  it('merges at the top level, like PUT: absent fields stay, a given `container` replaces the whole one', async () => {
    const res = await call('PATCH', `/v2/apps${ID}?force=true`, {
      container: { type: 'DOCKER', docker: { image: 'r/shop/api:2' } },
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ version: expect.any(String), deploymentId: expect.any(String) });
    expect(res.headers['marathon-deployment-id']).toBe(res.json<Obj>()['deploymentId']);
    const app = em.getApp(ID)!;
    expect(app).toEqual(expect.objectContaining({ env: { LOG_LEVEL: 'info' }, instances: 2 }));
    expect(app['container']).toEqual(
      expect.objectContaining({
        docker: { image: 'r/shop/api:2', forcePullImage: false, privileged: false, parameters: [] },
      }),
    );
  });

  it('answers 404 for a missing app and creates nothing, not even with a full definition', async () => {
    const res = await call('PATCH', '/v2/apps/ds/dev/shop/gone', api({ id: '/ds/dev/shop/gone' }));
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ message: "App '/ds/dev/shop/gone' does not exist" });
    expect(em.getApp('/ds/dev/shop/gone')).toBeUndefined();
    expect((await call('GET', '/v2/apps/ds/dev/shop/gone/versions')).status).toBe(404);
  });

  it('answers 409 naming the blocking deployment; ?force=true cancels it', async () => {
    const lockId = em.lockApp(ID);
    const res = await call('PATCH', `/v2/apps${ID}`, { instances: 3 });
    expect(res.status).toBe(409);
    expect(res.json()).toEqual({ message: LOCKED, deployments: [{ id: lockId }] });
    expect(em.getApp(ID)!['instances']).toBe(2);
    const forced = await call('PATCH', `/v2/apps${ID}?force=true`, { instances: 3 });
    expect(forced.status).toBe(200);
    expect(em.deployments().map((d) => d['id'])).toEqual([forced.json<Obj>()['deploymentId']]);
  });

  it('rolls back with {"version"}: the stored definition whole, under a new version', async () => {
    const v1 = String(em.getApp(ID)!['version']);
    await call('PATCH', `/v2/apps${ID}?force=true`, {
      instances: 4,
      env: { LOG_LEVEL: 'debug' },
      container: { type: 'DOCKER', docker: { image: 'r/shop/api:2' } },
    });
    const res = await call('PATCH', `/v2/apps${ID}?force=true`, { id: ID, version: v1 });
    expect(res.status).toBe(200);
    const app = em.getApp(ID)!;
    expect(app['version']).toBe(res.json<Obj>()['version']);
    expect(app['version']).not.toBe(v1);
    expect(app).toEqual(expect.objectContaining({ instances: 2, env: { LOG_LEVEL: 'info' } }));
    expect(imageOf(app)).toBe(IMAGE);

    const mixed = await call('PATCH', `/v2/apps${ID}`, { version: v1, instances: 5 });
    expect(mixed.status).toBe(422);
    expect(mixed.json()).toEqual({
      message: 'Object is not valid',
      details: [{ path: '/', errors: ["The 'version' field may only be combined with the 'id' field."] }],
    });
    const unknown = await call('PATCH', `/v2/apps${ID}?force=true`, { version: '2001-01-01T00:00:00.000Z' });
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ message: `App '${ID}' does not exist` });
  });

  it('ignores `partialUpdate=false`: PATCH always merges', async () => {
    const res = await call('PATCH', `/v2/apps${ID}?partialUpdate=false&force=true`, { instances: 3 });
    expect(res.status).toBe(200);
    expect(em.getApp(ID)).toEqual(expect.objectContaining({ instances: 3, env: { LOG_LEVEL: 'info' } }));
  });

  it('PUT still creates a missing app: 201 with Location, a deployment, a first version', async () => {
    const id = '/ds/dev/shop/new';
    const res = await call('PUT', `/v2/apps${id}`, api({ id }));
    expect(res.status).toBe(201);
    expect(res.headers['location']).toBe(id);
    expect(res.json()).toEqual({
      version: expect.any(String),
      deploymentId: res.headers['marathon-deployment-id'],
    });
    const versions = await call('GET', `/v2/apps${id}/versions`);
    expect(versions.json()).toEqual({ versions: [res.json<Obj>()['version']] });
    // A rollback body on a missing app is an update without a definition: 422, nothing created.
    const bare = await call('PUT', '/v2/apps/ds/dev/shop/none', { version: res.json<Obj>()['version'] });
    expect(bare.status).toBe(422);
    expect(em.getApp('/ds/dev/shop/none')).toBeUndefined();
  });
});

describe('a Marathon without PATCH (noPatch: 1.3)', () => {
  let em: MarathonEmulator;
  const call = client(() => em);

  beforeAll(async () => {
    em = await startMarathonEmulator({ deploymentMs: 200, noPatch: true });
    em.addApp(api());
  });
  afterAll(async () => {
    await em?.close();
  });

  it('answers PATCH with a bare 405 and an Allow header, and changes nothing', async () => {
    const before = em.getApp(ID)!;
    const res = await call('PATCH', `/v2/apps${ID}`, { instances: 5 });
    expect(res.status).toBe(405);
    expect(res.text()).toBe('');
    expect(String(res.headers['allow']).split(',').sort()).toEqual([
      'DELETE',
      'GET',
      'HEAD',
      'OPTIONS',
      'PUT',
    ]);
    expect(em.getApp(ID)!['version']).toBe(before['version']);
    expect(em.deployments()).toEqual([]);
  });

  it('still answers PUT (the fallback) and says it is 1.3 in /v2/info', async () => {
    const res = await call('PUT', `/v2/apps${ID}`, { instances: 3 });
    expect(res.status).toBe(200);
    expect(em.getApp(ID)!['instances']).toBe(3);
    expect((await call('GET', '/v2/info')).json()).toEqual(expect.objectContaining({ version: '1.3.14' }));
  });

  it('has no pods API (Jersey 1 answers an unknown path with 404)', async () => {
    const res = await call('GET', '/v2/pods');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ message: 'URI not found: /v2/pods' });
  });
});
