import { readFileSync } from 'node:fs';
import path from 'node:path';
import { patches, startKubeWorld, whenRequested, type KubeWorld } from './kubernetes-support';

/**
 * A Kubernetes rollback that goes wrong, through the bundled helper: a rollout past its progress
 * deadline puts the whole namespace back; a colleague's change between the helper's read and its
 * patch fails that patch's test, is not overwritten, and the others are put back.
 */

const TODAY = {
  'frontend/frontend': '1.6.0-develop',
  'api/api': '1.7.0-develop',
  'billing/billing': '1.5.0-develop',
};

describe('a Kubernetes rollback that fails', () => {
  let world: KubeWorld;
  beforeAll(async () => {
    world = await startKubeWorld();
  });
  afterAll(() => world?.stop());

  const run = (dump: string, namespace: string) =>
    world.helper([
      'run',
      '--date',
      world.yesterday,
      '--dump',
      dump,
      '--kubernetes',
      '--namespace',
      namespace,
    ]);

  it('reverts every changed workload when one rollout exceeds its progress deadline (exit 1)', async () => {
    world.seedStory('stall');
    world.kubernetes.hangNextRollout('stall', 'api', { progressDeadlineMs: 500 });
    const dump = world.dump();

    const res = await run(dump, 'stall');
    expect(res.code).toBe(1);
    expect(world.tags('stall')).toEqual(TODAY);
    // The api Deployment reported the deadline; the helper took that as the failure, not its own timeout.
    const api = world.kubernetes.get('deployments', 'stall', 'api') as any;
    expect(api.metadata.generation).toBe(3); // ours, then the revert
    expect(res.stdout).toMatch(
      /^api\s+deployment\/api\/api\s+failed\s+1\.7\.0-develop\s+exceeded its progress deadline .*; put back$/m,
    );
    expect(res.stdout).toMatch(/^billing\s+deployment\/billing\/billing\s+reverted\s+1\.5\.0-develop/m);
    const summary = readFileSync(path.join(dump, 'rollback-summary.txt'), 'utf8');
    expect(summary).toMatch(
      /^stall → \d{4}-\d{2}-\d{2} FAILED, reverted: frontend back on 1\.6\.0-develop, api FAILED on 1\.7\.0-develop, billing back on 1\.5\.0-develop\n$/,
    );
    expect(res.stderr.trim().split('\n').at(-1)).toMatch(/^rollback: .*exceeded its progress deadline/);
    const journal = JSON.parse(readFileSync(path.join(dump, 'rollback-journal.json'), 'utf8'));
    expect(journal.status).toBe('reverted');
  });

  it('fails the patch of a workload a colleague changed after it was read, never overwrites it, and puts the others back', async () => {
    world.seedStory('race');
    const hotfix = world.image('shop/api:1.7.1-hotfix');
    // Right after the helper read api for its change, a colleague runs `kubectl set image`.
    whenRequested(
      world.kubernetes,
      (r) => r.method === 'GET' && r.path === '/apis/apps/v1/namespaces/race/deployments/api',
      () => world.kubernetes.setImage('deployments', 'race', 'api', 'api', hotfix),
    );
    const dump = world.dump();

    const res = await run(dump, 'race');
    expect(res.code).toBe(1);
    expect(world.tags('race')).toEqual({ ...TODAY, 'api/api': '1.7.1-hotfix' });
    // The change reached the server and its test refused it: one PATCH of api, answered 422.
    const api = patches(world.kubernetes, 'race').filter((r) => r.path.includes('/deployments/api?'));
    expect(api.map((r) => r.status)).toEqual([422]);
    expect(JSON.parse(api[0]!.body)).toContainEqual({
      op: 'test',
      path: '/spec/template/spec/containers/0/image',
      value: world.image('shop/api:1.7.0-develop'),
    });
    expect(res.stdout).toMatch(/^api\s+deployment\/api\/api\s+.*1\.7\.1-hotfix\s+.*changed by someone else/m);
    expect(res.stdout).toMatch(/^frontend\s+deployment\/frontend\/frontend\s+reverted\s+1\.6\.0-develop/m);
    expect(readFileSync(path.join(dump, 'rollback-summary.txt'), 'utf8')).toMatch(/changed by someone else/);
  });
});
