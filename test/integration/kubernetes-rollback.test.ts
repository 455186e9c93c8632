import { readFileSync } from 'node:fs';
import path from 'node:path';
import { outcome, patches, startKubeWorld, stored, type KubeWorld } from './kubernetes-support';

/**
 * The product's story on Kubernetes, through the bundled helper: namespace dev goes back to
 * yesterday (billing filled from three days ago), its decoys stay as they are, `undo` restores
 * the pod templates exactly and refuses what a colleague changed since.
 */

/** What dev runs today (the bad release) and at the end of yesterday: the story's release table. */
const TODAY = {
  'frontend/frontend': '1.6.0-develop',
  'api/api': '1.7.0-develop',
  'billing/billing': '1.5.0-develop',
};
const YESTERDAY = {
  'frontend/frontend': '1.5.0-develop',
  'api/api': '1.6.0-develop',
  'billing/billing': '1.4.0-develop',
};

describe('a Kubernetes rollback of a namespace', () => {
  let world: KubeWorld;
  beforeAll(async () => {
    world = await startKubeWorld();
  });
  afterAll(() => world?.stop());

  const run = (dump: string, namespace: string, ...more: string[]) =>
    world.helper(
      ['run', '--date', world.yesterday, '--dump', dump, '--kubernetes', '--namespace', namespace, ...more],
      { ROLLBACK_APPROVER: 'alice' },
    );

  it('puts every service on its image of that day, billing filled from three days ago, decoys untouched', async () => {
    const dump = world.dump();
    const decoys = {
      gateway: stored(world.kubernetes, 'dev', 'gateway-api'),
      dev2: stored(world.kubernetes, 'dev2', 'api'),
    };
    expect(world.tags('dev')).toEqual({ ...TODAY, 'gateway-api/gateway-api': '2.0.0-develop' });

    const dry = await run(dump, 'dev', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^api\s+1\.7\.0-develop → 1\.6\.0-develop\s+image of that day$/m);
    expect(dry.stdout).toMatch(
      new RegExp(
        `^billing\\s+1\\.5\\.0-develop → 1\\.4\\.0-develop\\s+newest earlier image from ${world.threeDaysAgo}$`,
        'm',
      ),
    );
    expect(dry.stdout).toMatch(/^billing\s+deployment\/billing\/billing\s/m);
    expect(patches(world.kubernetes)).toEqual([]);

    const res = await run(dump, 'dev');
    expect(outcome(res)).toEqual({ code: 0, stderr: '' });
    expect(world.tags('dev')).toEqual({ ...YESTERDAY, 'gateway-api/gateway-api': '2.0.0-develop' });
    expect(res.stdout).toContain(`dev → ${world.yesterday} (approved by alice)`);
    // Every replica rolled out on the new template, as the controller reports it.
    const api = stored(world.kubernetes, 'dev', 'api');
    expect(api.status).toMatchObject({
      observedGeneration: api.metadata.generation,
      updatedReplicas: 2,
      availableReplicas: 2,
    });
    expect(api.metadata.annotations['kubernetes.io/change-cause']).toBe(
      `rollback to ${world.yesterday} approved by alice`,
    );
    // The decoys: not one write, not even a changed annotation.
    expect(stored(world.kubernetes, 'dev', 'gateway-api')).toEqual(decoys.gateway);
    expect(stored(world.kubernetes, 'dev2', 'api')).toEqual(decoys.dev2);
    expect(
      patches(world.kubernetes)
        .map((r) => r.path.split('?')[0])
        .sort(),
    ).toEqual([
      '/apis/apps/v1/namespaces/dev/deployments/api',
      '/apis/apps/v1/namespaces/dev/deployments/billing',
      '/apis/apps/v1/namespaces/dev/deployments/frontend',
    ]);
    // The journal: the namespace as its group, one entry per container, the images from before.
    const journal = JSON.parse(readFileSync(path.join(dump, 'rollback-journal.json'), 'utf8'));
    expect(journal).toMatchObject({ group: 'dev', status: 'succeeded', target: { kind: 'kubernetes' } });
    expect(journal.apps.map((a: { id: string; fromImage: string }) => [a.id, a.fromImage])).toEqual([
      ['deployment/frontend/frontend', world.image('shop/frontend:1.6.0-develop')],
      ['deployment/api/api', world.image('shop/api:1.7.0-develop')],
      ['deployment/billing/billing', world.image('shop/billing:1.5.0-develop')],
    ]);
    expect(readFileSync(path.join(dump, 'rollback-summary.txt'), 'utf8')).toMatch(
      /billing 1\.4\.0-develop \(filled from \d{4}-\d{2}-\d{2}\)\n$/,
    );
  });

  it('undo restores exactly the pod templates from before', async () => {
    world.seedStory('undo');
    const before = ['frontend', 'api', 'billing'].map(
      (n) => stored(world.kubernetes, 'undo', n).spec.template,
    );
    const dump = world.dump();
    expect((await run(dump, 'undo')).code).toBe(0);
    expect(world.tags('undo')).toEqual(YESTERDAY);

    const res = await world.helper(['undo', '--journal', path.join(dump, 'rollback-journal.json')]);
    expect(outcome(res)).toEqual({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^api\s+deployment\/api\/api\s+restored\s+1\.7\.0-develop/m);
    const after = ['frontend', 'api', 'billing'].map(
      (n) => stored(world.kubernetes, 'undo', n).spec.template,
    );
    expect(after).toEqual(before);
    const record = JSON.parse(readFileSync(path.join(dump, 'rollback-undo-journal.json'), 'utf8'));
    expect(record.status).toBe('undone');
  });

  it('undo leaves alone what a colleague changed since (exit 1, drifted); --force puts it back', async () => {
    world.seedStory('drift');
    const dump = world.dump();
    expect((await run(dump, 'drift')).code).toBe(0);
    const hotfix = world.image('shop/api:1.6.1-hotfix');
    world.kubernetes.setImage('deployments', 'drift', 'api', 'api', hotfix);
    const journal = path.join(dump, 'rollback-journal.json');

    const refused = await world.helper(['undo', '--journal', journal]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^api\s+deployment\/api\/api\s+drifted\s+1\.6\.1-hotfix/m);
    expect(refused.stderr.trim().split('\n').at(-1)).toMatch(
      /undo incomplete \(deployment\/api\/api: .*changed by someone else/,
    );
    expect(world.tags('drift')).toEqual({ ...TODAY, 'api/api': '1.6.1-hotfix' });

    const forced = await world.helper(['undo', '--journal', journal, '--force']);
    expect(outcome(forced)).toEqual({
      code: 0,
      stderr: '',
    });
    expect(world.tags('drift')).toEqual(TODAY);
  });
});
