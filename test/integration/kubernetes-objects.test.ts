import path from 'node:path';
import { statefulSetManifest } from '../../src/sandbox/kubernetes';
import { outcome, patches, startKubeWorld, stored, type KubeWorld } from './kubernetes-support';

/**
 * The shapes a namespace comes in, through the bundled helper: a StatefulSet, one Deployment
 * running two services (and an init container), workloads narrowed by --selector, `status`, and a
 * namespace of another environment refused as on Marathon.
 */

const args = (dump: string, namespace: string, ...more: string[]) => [
  '--dump',
  dump,
  '--kubernetes',
  '--namespace',
  namespace,
  ...more,
];

describe('Kubernetes workloads of every shape', () => {
  let world: KubeWorld;
  beforeAll(async () => {
    world = await startKubeWorld();
  });
  afterAll(() => world?.stop());

  const run = (dump: string, namespace: string, ...more: string[]) =>
    world.helper(['run', '--date', world.yesterday, ...args(dump, namespace, ...more)]);

  it('rolls a StatefulSet back and waits until every pod is ready on the new revision', async () => {
    world.addDeployment('ledger', 'frontend', [['frontend', world.image('shop/frontend:1.6.0-develop')]]);
    world.addDeployment('ledger', 'api', [['api', world.image('shop/api:1.7.0-develop')]]);
    world.kubernetes.addStatefulSet(
      statefulSetManifest({
        name: 'billing',
        namespace: 'ledger',
        replicas: 3,
        containers: [{ name: 'billing', image: world.image('shop/billing:1.5.0-develop') }],
      }),
    );
    const dump = world.dump();
    const res = await run(dump, 'ledger');
    expect(outcome(res)).toEqual({ code: 0, stderr: '' });
    expect(world.tags('ledger', 'statefulsets')).toEqual({ 'billing/billing': '1.4.0-develop' });
    const set = stored(world.kubernetes, 'ledger', 'billing', 'statefulsets');
    // Done means every pod ready on the update revision, which the controller then made current.
    expect(set.status).toMatchObject({
      readyReplicas: 3,
      updatedReplicas: 3,
      currentRevision: set.status.updateRevision,
    });
    // It had no annotations: the patch created them.
    expect(set.metadata.annotations).toEqual({
      'kubernetes.io/change-cause': `rollback to ${world.yesterday}`,
    });
    expect(res.stdout).toMatch(/^billing\s+statefulset\/billing\/billing\s+deployed\s+1\.4\.0-develop/m);

    const undo = await world.helper(['undo', '--journal', path.join(dump, 'rollback-journal.json')]);
    expect(outcome(undo)).toEqual({ code: 0, stderr: '' });
    expect(world.tags('ledger', 'statefulsets')).toEqual({ 'billing/billing': '1.5.0-develop' });
  });

  /** frontend, and one Deployment running api and billing (and api's migration as an init container). */
  const seedShop = (namespace: string) => {
    world.addDeployment(namespace, 'frontend', [['frontend', world.image('shop/frontend:1.6.0-develop')]]);
    world.addDeployment(
      namespace,
      'shop',
      [
        ['api', world.image('shop/api:1.7.0-develop')],
        ['billing', world.image('shop/billing:1.5.0-develop')],
        ['proxy', 'envoyproxy/envoy:v1.30.1'],
      ],
      { initContainers: [['migrate', world.image('shop/api:1.7.0-develop')]] },
    );
  };
  const TODAY_SHOP = {
    'frontend/frontend': '1.6.0-develop',
    'shop/migrate': '1.7.0-develop',
    'shop/api': '1.7.0-develop',
    'shop/billing': '1.5.0-develop',
    'shop/proxy': 'v1.30.1',
  };
  const shopPatches = (namespace: string) =>
    patches(world.kubernetes, namespace).filter((r) =>
      r.path.startsWith(`/apis/apps/v1/namespaces/${namespace}/deployments/shop?`),
    );
  const undo = (dump: string, ...more: string[]) =>
    world.helper(['undo', '--journal', path.join(dump, 'rollback-journal.json'), ...more]);

  it('changes every matching container of one Deployment in one patch (one rollout), and undoes it in one', async () => {
    seedShop('pair');
    const dump = world.dump();

    expect(outcome(await run(dump, 'pair'))).toEqual({ code: 0, stderr: '' });
    expect(world.tags('pair')).toEqual({
      'frontend/frontend': '1.5.0-develop',
      'shop/migrate': '1.6.0-develop',
      'shop/api': '1.6.0-develop',
      'shop/billing': '1.4.0-develop',
      'shop/proxy': 'v1.30.1',
    });
    expect(shopPatches('pair')).toHaveLength(1);
    expect(stored(world.kubernetes, 'pair', 'shop').metadata.generation).toBe(2);

    // Its three containers are one change of the rollback's: undo puts them back, none drifted.
    expect(outcome(await undo(dump))).toEqual({ code: 0, stderr: '' });
    expect(world.tags('pair')).toEqual(TODAY_SHOP);
    expect(shopPatches('pair')).toHaveLength(2);
    expect(stored(world.kubernetes, 'pair', 'shop').metadata.generation).toBe(3);
  });

  it("with --concurrency 1 changes one container at a time, and undo still knows each as the rollback's", async () => {
    seedShop('solo');
    const dump = world.dump();
    expect(outcome(await run(dump, 'solo', '--concurrency', '1'))).toEqual({ code: 0, stderr: '' });
    expect(shopPatches('solo')).toHaveLength(3);
    // The later patches changed the template the earlier containers' journal entries recorded:
    // a change of another container by the same rollback is not someone else's.
    expect(outcome(await undo(dump, '--concurrency', '1'))).toEqual({ code: 0, stderr: '' });
    expect(world.tags('solo')).toEqual(TODAY_SHOP);
  });

  it('status shows what the namespace runs; --selector narrows status and run to the labelled workloads', async () => {
    world.seedStory('sel'); // labelled team=shop
    world.addDeployment('sel', 'api-canary', [['api', world.image('shop/api:1.7.0-develop')]], {
      labels: { team: 'canary' },
    });
    const dump = world.dump();

    const all = await world.helper(['status', ...args(dump, 'sel')]);
    expect(outcome(all)).toEqual({ code: 0, stderr: '' });
    expect(all.stdout).toMatch(
      /^sel in Kubernetes at https:\/\/127\.0\.0\.1:\d+, namespace sel; catalog: develop images/,
    );
    expect(all.stdout).toMatch(/^api\s+deployment\/api-canary\/api\s+1\.7\.0-develop\s/m);
    expect(all.stdout).toMatch(/^billing\s+deployment\/billing\/billing\s+1\.5\.0-develop\s/m);

    const narrowed = await world.helper(['status', ...args(dump, 'sel', '--selector', 'team=shop')]);
    expect(outcome(narrowed)).toEqual({ code: 0, stderr: '' });
    expect(narrowed.stdout).not.toContain('api-canary');
    expect(narrowed.stdout).toMatch(/^api\s+deployment\/api\/api\s+1\.7\.0-develop\s/m);

    expect(outcome(await run(dump, 'sel', '--selector', 'team=shop'))).toEqual({ code: 0, stderr: '' });
    expect(world.tags('sel')).toEqual({
      'frontend/frontend': '1.5.0-develop',
      'api/api': '1.6.0-develop',
      'billing/billing': '1.4.0-develop',
      'api-canary/api': '1.7.0-develop',
    });
    expect(world.kubernetes.requests.some((r) => r.path.includes('labelSelector=team%3Dshop'))).toBe(true);
  });

  it('refuses a namespace of another environment (prod runs master tags) with a develop catalog', async () => {
    expect(world.tags('prod')).toMatchObject({ 'api/api': expect.stringMatching(/-master$/) });
    const res = await run(world.dump(), 'prod');
    expect(res.code).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^rollback: rollback\.json is of environment develop, but .*deployment\/api\/api runs 1\.1\.0-master.*; nothing was changed \(check --namespace and --dump; .*pass --cross-environment/,
    );
    expect(patches(world.kubernetes, 'prod')).toEqual([]);
    // Said on purpose, it is accepted and the plan marks it.
    const accepted = await run(world.dump(), 'prod', '--cross-environment', '--dry-run');
    expect(outcome(accepted)).toEqual({ code: 0, stderr: '' });
    expect(accepted.stdout).toMatch(
      /^api\s+1\.1\.0-master → 1\.6\.0-develop\s+.*other environment \(--cross-environment\)$/m,
    );
  });
});
