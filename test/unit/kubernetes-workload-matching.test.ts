import { InputError } from '../../src/errors';
import type { KubernetesClient } from '../../src/kubernetes/client';
import { createKubernetesTarget } from '../../src/kubernetes/target';
import { parseWorkloadId, type Kind, type KubeObject } from '../../src/kubernetes/workloads';
import { validateCatalog, type Catalog } from '../../src/plan/catalog';
import { planRollback } from '../../src/plan/rollback-plan';
import type { Logger } from '../../src/util/log';

const quiet: Logger = { info() {}, warn() {}, status() {}, done() {} };

/**
 * Which workloads of a namespace a rollback changes: every container (init containers included)
 * whose image is of a catalog repository, by repository path only. The namespace's objects come
 * from a fake client; the plan is the real, pure planner, as `run` calls it.
 */

const REGISTRY = 'registry.example.com';

const images = (...tags: Array<[string, string]>) =>
  tags.map(([tag, created], i) => ({ tag, created, digest: `sha256:${String(i).repeat(64)}` }));

function catalog(): Catalog {
  // Through the real validator, so the fixture is a catalog `run` accepts.
  return validateCatalog(
    {
      format: 'rollback-catalog',
      version: 1,
      generatedAt: '2026-11-28T09:00:00Z',
      registry: `https://${REGISTRY}`,
      environment: 'develop',
      timeZone: 'UTC',
      keep: 10,
      offeredDates: [],
      repositories: [
        {
          name: 'shop/api',
          images: images(
            ['1.7.0-develop', '2026-11-28T08:00:00Z'],
            ['1.6.0-develop', '2026-11-27T08:00:00Z'],
          ),
          undated: [],
        },
        {
          name: 'shop/billing',
          images: images(
            ['1.5.0-develop', '2026-11-28T08:00:00Z'],
            ['1.4.0-develop', '2026-11-25T08:00:00Z'],
          ),
          undated: [],
        },
      ],
    },
    'test catalog',
  );
}

type Containers = Array<[name: string, image: string]>;

function workload(name: string, containers: Containers, initContainers: Containers = []): KubeObject {
  const list = (cs: Containers) => cs.map(([n, image]) => ({ name: n, image }));
  return {
    metadata: { name, namespace: 'shop', generation: 1, resourceVersion: '7', annotations: {} },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: list(containers),
          ...(initContainers.length ? { initContainers: list(initContainers) } : {}),
        },
      },
    },
  };
}

/** The namespace's workloads as the target lists them (one per container) and the plan for the 27th. */
async function planFor(objects: Partial<Record<Kind, KubeObject[]>>) {
  const client: KubernetesClient = {
    server: 'https://kubernetes.test',
    description: 'user test',
    list: async (kind) => objects[kind] ?? [],
    get: () => Promise.reject(new Error('not read in planning')),
    jsonPatch: () => Promise.reject(new Error('nothing is changed in planning')),
  };
  const target = createKubernetesTarget({
    client,
    namespace: 'shop',
    timeoutMs: 1000,
    logger: quiet,
    changeCause: 'test',
  });
  const workloads = await target.list();
  const apps = workloads.map((w) => ({ id: w.id, ...(w.image ? { image: w.image } : {}) }));
  return {
    ids: workloads.map((w) => w.id),
    plan: () => planRollback(catalog(), '2026-11-27', apps, { group: 'shop' }),
  };
}

/** `service: id from → to` for every app the plan changes. */
const changes = (plan: ReturnType<typeof planRollback>) =>
  plan.services.flatMap((s) =>
    s.apps.filter((a) => a.action === 'deploy').map((a) => `${s.service}: ${a.id} ${a.from} → ${a.to}`),
  );

describe('Kubernetes workloads and the plan', () => {
  it('is one workload per container, named kind/name/container', async () => {
    const { ids } = await planFor({
      deployment: [workload('api', [['api', `${REGISTRY}/shop/api:1.7.0-develop`]])],
      statefulset: [workload('ledger', [['billing', `${REGISTRY}/shop/billing:1.5.0-develop`]])],
    });
    expect(ids).toEqual(['deployment/api/api', 'statefulset/ledger/billing']);
    expect(parseWorkloadId('statefulset/ledger/billing')).toEqual({
      kind: 'statefulset',
      name: 'ledger',
      container: 'billing',
    });
    expect(parseWorkloadId('deployment/api')).toBeUndefined();
  });

  it('changes each matching container of a workload that runs several, and leaves the others', async () => {
    const { plan } = await planFor({
      deployment: [
        workload('shop', [
          ['api', `${REGISTRY}/shop/api:1.7.0-develop`],
          ['billing', `${REGISTRY}/shop/billing:1.5.0-develop`],
          ['proxy', 'envoyproxy/envoy:v1.30.1'],
        ]),
      ],
    });
    expect(changes(plan())).toEqual([
      `api: deployment/shop/api ${REGISTRY}/shop/api:1.7.0-develop → ${REGISTRY}/shop/api:1.6.0-develop`,
      `billing: deployment/shop/billing ${REGISTRY}/shop/billing:1.5.0-develop → ${REGISTRY}/shop/billing:1.4.0-develop`,
    ]);
  });

  it('changes init containers that run an image of the catalog, like the others', async () => {
    const { ids, plan } = await planFor({
      deployment: [
        workload(
          'api',
          [['api', `${REGISTRY}/shop/api:1.7.0-develop`]],
          [['migrate', `${REGISTRY}/shop/api:1.7.0-develop`]],
        ),
        workload('billing', [['billing', `${REGISTRY}/shop/billing:1.5.0-develop`]]),
      ],
    });
    expect(ids).toContain('deployment/api/migrate');
    expect(changes(plan())).toContain(
      `api: deployment/api/migrate ${REGISTRY}/shop/api:1.7.0-develop → ${REGISTRY}/shop/api:1.6.0-develop`,
    );
  });

  it('never takes shop/gateway-api for shop/api: a decoy is left alone', async () => {
    const decoy = workload('gateway-api', [['gateway-api', `${REGISTRY}/shop/gateway-api:1.7.0-develop`]]);
    const billing = workload('billing', [['billing', `${REGISTRY}/shop/billing:1.5.0-develop`]]);
    const withApi = await planFor({
      deployment: [decoy, billing, workload('api', [['api', `${REGISTRY}/shop/api:1.7.0-develop`]])],
    });
    expect(changes(withApi.plan()).filter((c) => c.includes('gateway-api'))).toEqual([]);
    // Without a real api workload the decoy does not stand in for it: the run stops, naming shop/api.
    const decoyOnly = await planFor({ deployment: [decoy, billing] });
    expect(() => decoyOnly.plan()).toThrow(InputError);
    expect(() => decoyOnly.plan()).toThrow(/no app under shop runs an image of shop\/api;/);
  });

  it('matches an image of another registry host by its path, and keeps that host in the new image', async () => {
    const { plan } = await planFor({
      deployment: [
        workload('api', [['api', 'mirror.internal:5000/shop/api:1.7.0-develop']]),
        workload('billing', [['billing', `${REGISTRY}/shop/billing:1.5.0-develop`]]),
      ],
    });
    expect(changes(plan())).toContain(
      'api: deployment/api/api mirror.internal:5000/shop/api:1.7.0-develop → mirror.internal:5000/shop/api:1.6.0-develop',
    );
  });
});
