import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { request } from '../support/http';
import { readSharedJson } from './marathon-emulator-examples';

/**
 * Pods beside apps (RAML pods.raml, PodsResource): seeded with addPod, listed by /v2/pods and their
 * status, never by /v2/apps. Read-only: the emulator does not deploy pods.
 */

type Obj = Record<string, unknown>;

function pod(id: string, image: string): Obj {
  return {
    id,
    containers: [
      { name: 'web', resources: { cpus: 0.5, mem: 256 }, image: { kind: 'DOCKER', id: image } },
      { name: 'sidecar', image: { id: 'registry.example.com/infra/envoy:1.2' } },
    ],
    scaling: { kind: 'fixed', instances: 2 },
  };
}

let em: MarathonEmulator;

beforeAll(async () => {
  em = await startMarathonEmulator({ deploymentMs: 200 });
  em.addApp({
    id: '/ds/dev/shop/api',
    container: { type: 'DOCKER', docker: { image: 'registry.example.com/shop/api:1.0.0' } },
  });
  em.addPod(pod('/ds/dev/shop/worker', 'registry.example.com/shop/worker:1.4.0-develop'));
  em.addPod(readSharedJson('examples/responses/pod.json')); // the documentation's pod, /foo
});
afterAll(async () => {
  await em?.close();
});

const get = (path: string, method = 'GET') => request(`${em.marathonUrl}${path}`, { method });

it('GET /v2/pods lists every pod as a bare array, with its containers’ images', async () => {
  const res = await get('/v2/pods');
  expect(res.status).toBe(200);
  const pods = res.json<Obj[]>();
  expect(pods.map((p) => p['id'])).toEqual(['/ds/dev/shop/worker', '/foo']);
  const worker = pods[0]!;
  expect((worker['containers'] as Obj[]).map((c) => c['image'])).toEqual([
    { kind: 'DOCKER', forcePull: false, id: 'registry.example.com/shop/worker:1.4.0-develop' },
    { kind: 'DOCKER', forcePull: false, id: 'registry.example.com/infra/envoy:1.2' },
  ]);
  expect(worker).toEqual(
    expect.objectContaining({
      version: expect.stringMatching(/Z$/),
      scaling: { kind: 'fixed', instances: 2 },
    }),
  );
  expect((await get('/v2/pods', 'HEAD')).status).toBe(200);
});

it('never lists a pod among the apps', async () => {
  const apps = (await get('/v2/apps')).json<{ apps: Obj[] }>().apps;
  expect(apps.map((a) => a['id'])).toEqual(['/ds/dev/shop/api']);
  expect((await get('/v2/apps/ds/dev/*')).json<{ '*': Obj[] }>()['*'].map((a) => a['id'])).toEqual([
    '/ds/dev/shop/api',
  ]);
  expect((await get('/v2/apps/ds/dev/shop/worker')).status).toBe(404);
});

it('answers one pod, its status and every pod’s status; 404s in Marathon’s words', async () => {
  const one = await get('/v2/pods/ds/dev/shop/worker');
  expect(one.status).toBe(200);
  expect(one.json<Obj>()['id']).toBe('/ds/dev/shop/worker');

  const status = (await get('/v2/pods/ds/dev/shop/worker::status')).json<Obj>();
  expect(status).toEqual(
    expect.objectContaining({ id: '/ds/dev/shop/worker', status: 'STABLE', spec: one.json() }),
  );
  const instances = status['instances'] as Obj[];
  expect(instances).toHaveLength(2);
  expect(instances[0]).toEqual(
    expect.objectContaining({
      status: 'STABLE',
      containers: [
        expect.objectContaining({ name: 'web', status: 'TASK_RUNNING' }),
        expect.objectContaining({ name: 'sidecar', status: 'TASK_RUNNING' }),
      ],
    }),
  );
  const all = (await get('/v2/pods/::status')).json<Obj[]>();
  expect(all.map((s) => s['id'])).toEqual(['/ds/dev/shop/worker', '/foo']);

  const missing = await get('/v2/pods/ds/dev/shop/none');
  expect(missing.status).toBe(404);
  // PodsResource.find hands notFound() a message that is JSON already; it is encoded again.
  expect(missing.json()).toEqual({ message: '{"message": "pod with /ds/dev/shop/none does not exist"}' });
  const missingStatus = await get('/v2/pods/ds/dev/shop/none::status');
  expect(missingStatus.json()).toEqual({ message: "Pod '/ds/dev/shop/none' does not exist" });
});

it('refuses a pod without an image id, and an id that is an app', () => {
  expect(() => em.addPod({ id: '/x', containers: [{ name: 'c', image: { kind: 'DOCKER' } }] })).toThrow(
    /image/,
  );
  expect(() => em.addPod({ id: '/x', containers: [] })).toThrow(/containers/);
  expect(() => em.addPod(pod('/ds/dev/shop/api', 'r/x:1'))).toThrow(/is an app/);
  expect(() => em.addApp({ id: '/foo', cmd: 'sleep 1' })).toThrow(/is a pod/);
});
