import {
  deploymentManifest,
  startKubernetesEmulator,
  statefulSetManifest,
  type JsonObject,
  type KubernetesEmulator,
} from '../../src/sandbox/kubernetes';
import { at, until } from './kubernetes-emulator-support';

/**
 * The controllers' part as the emulator simulates it (../shared/reference/kubernetes.md §1, §5):
 * ReplicaSets and revisions, status over time, conditions, the progress deadline, ControllerRevisions.
 * Timings are only ever lower bounds: a loaded machine makes everything slower, never faster.
 */

let em: KubernetesEmulator;
const NS = 'shop';

function web(replicas = 2, extra: JsonObject = {}): JsonObject {
  const manifest = deploymentManifest({
    name: 'web',
    namespace: NS,
    replicas,
    containers: [{ name: 'app', image: 'r/shop/web:1.0' }],
  });
  return { ...manifest, spec: { ...(manifest['spec'] as JsonObject), ...extra } };
}

const deployment = (): JsonObject => em.get('deployments', NS, 'web')!;
const replicaSets = (): JsonObject[] => em.list('replicasets', NS);
const revision = (o: JsonObject): string | undefined =>
  at(o, 'metadata', 'annotations', 'deployment.kubernetes.io/revision');
const condition = (o: JsonObject, type: string): JsonObject | undefined =>
  (at(o, 'status', 'conditions') as JsonObject[] | undefined)?.find((c) => c['type'] === type);

/** kubectl's rule for a finished Deployment rollout (rollout_status.go). */
function rolledOut(d: JsonObject): boolean {
  const wanted = at(d, 'spec', 'replicas');
  const s = (k: string): number => at(d, 'status', k) ?? 0;
  return (
    at(d, 'metadata', 'generation') <= s('observedGeneration') &&
    s('updatedReplicas') === wanted &&
    s('replicas') === wanted &&
    s('availableReplicas') === wanted
  );
}

beforeEach(async () => {
  em = await startKubernetesEmulator({ rolloutMs: 300 });
});

afterEach(async () => {
  await em?.close();
});

describe('Deployments', () => {
  it('seeds a rolled-out Deployment: revision 1, one owned ReplicaSet with pod-template-hash, complete status', () => {
    em.addDeployment(web());
    const d = deployment();
    const [rs, ...others] = replicaSets();
    expect(others).toEqual([]);
    const hash = at(rs, 'metadata', 'labels', 'pod-template-hash');
    expect(at(rs, 'metadata', 'name')).toBe(`web-${hash}`);
    expect(at(rs, 'spec', 'selector', 'matchLabels')).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(at(rs, 'metadata', 'ownerReferences')).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: at(d, 'metadata', 'uid'),
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect([revision(d), revision(rs!)]).toEqual(['1', '1']);
    expect(d['status']).toEqual(
      expect.objectContaining({
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
      }),
    );
    expect(condition(d, 'Available')).toEqual(
      expect.objectContaining({
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      }),
    );
    expect(condition(d, 'Progressing')).toEqual(
      expect.objectContaining({
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "web-${hash}" has successfully progressed.`,
      }),
    );
  });

  it('rolls a new template out on a new ReplicaSet, replica by replica, over the rollout time', async () => {
    em.addDeployment(web(3));
    em.setRolloutDuration(600, { namespace: NS });
    const started = Date.now();
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:2.0');
    const seen: JsonObject[] = [];
    const done = await until(() => {
      seen.push(deployment());
      return deployment();
    }, rolledOut);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(revision(done)).toBe('2');
    expect(
      seen.some(
        (d) => (at(d, 'status', 'updatedReplicas') ?? 0) > 0 && (at(d, 'status', 'updatedReplicas') ?? 0) < 3,
      ),
    ).toBe(true);
    const created = seen.map((d) => condition(d, 'Progressing')?.['reason']);
    expect(created).toContain('NewReplicaSetCreated');
    const [fresh, old] = [...replicaSets()].sort((a, b) => Number(revision(b)) - Number(revision(a)));
    expect([revision(fresh!), at(fresh, 'spec', 'replicas'), at(fresh, 'status', 'readyReplicas')]).toEqual([
      '2',
      3,
      3,
    ]);
    expect([revision(old!), at(old, 'spec', 'replicas'), at(old, 'status', 'replicas')]).toEqual(['1', 0, 0]);
    expect(condition(done, 'Progressing')).toEqual(
      expect.objectContaining({
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${at(fresh, 'metadata', 'name')}" has successfully progressed.`,
      }),
    );
  });

  it('reuses the old ReplicaSet for a template that comes back, renumbered, with its former revision in revision-history', async () => {
    em.addDeployment(web());
    const first = at(replicaSets()[0], 'metadata', 'name');
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:2.0');
    await until(deployment, (d) => rolledOut(d) && revision(d) === '2');
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:1.0');
    const back = await until(deployment, (d) => rolledOut(d) && revision(d) === '3');
    expect(replicaSets()).toHaveLength(2);
    const reused = em.get('replicasets', NS, first)!;
    expect(at(reused, 'metadata', 'annotations')).toEqual(
      expect.objectContaining({
        'deployment.kubernetes.io/revision': '3',
        'deployment.kubernetes.io/revision-history': '1',
      }),
    );
    expect(at(reused, 'status', 'readyReplicas')).toBe(2);
    expect(at(back, 'metadata', 'generation')).toBe(3);
  });

  it('copies the change-cause annotation onto the current ReplicaSet', async () => {
    em.addDeployment(web());
    em.patch('deployments', NS, 'web', {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'rollback to 2026-11-30 approved by ana' } },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'r/shop/web:0.9' }] } } },
    });
    await until(deployment, (d) => rolledOut(d) && revision(d) === '2');
    const current = replicaSets().find((rs) => revision(rs) === '2')!;
    expect(at(current, 'metadata', 'annotations', 'kubernetes.io/change-cause')).toBe(
      'rollback to 2026-11-30 approved by ana',
    );
  });

  it('keeps revisionHistoryLimit old ReplicaSets, dropping the lowest revisions', async () => {
    em.addDeployment(web(1, { revisionHistoryLimit: 2 }));
    for (const tag of ['2', '3', '4', '5']) {
      em.setImage('deployments', NS, 'web', 'app', `r/shop/web:${tag}`);
      await until(
        deployment,
        (d) =>
          rolledOut(d) && at(d, 'spec', 'template', 'spec', 'containers', 0, 'image') === `r/shop/web:${tag}`,
      );
    }
    expect(replicaSets().map(revision).sort()).toEqual(['3', '4', '5']);
  });

  it('never gets a new replica ready in a hanging rollout and reports ProgressDeadlineExceeded after the deadline', async () => {
    em.addDeployment(web(4));
    em.hangNextRollout(NS, 'web', { progressDeadlineMs: 500 });
    const started = Date.now();
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:broken');
    const stuck = await until(
      deployment,
      (d) => condition(d, 'Progressing')?.['reason'] === 'ProgressDeadlineExceeded',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const newRs = replicaSets().find((rs) => revision(rs) === '2')!;
    expect(condition(stuck, 'Progressing')).toEqual(
      expect.objectContaining({
        status: 'False',
        message: `ReplicaSet "${at(newRs, 'metadata', 'name')}" has timed out progressing.`,
      }),
    );
    expect(at(newRs, 'status', 'readyReplicas')).toBeUndefined();
    expect(at(stuck, 'status', 'observedGeneration')).toBe(2);
    expect(at(stuck, 'status', 'availableReplicas')).toBe(3); // maxUnavailable 25% of 4: the old pods keep serving
    expect(condition(stuck, 'Available')?.['status']).toBe('True');
    expect(rolledOut(stuck)).toBe(false);
  });

  it('reports MinimumReplicasUnavailable when a Recreate rollout hangs: the old pods are gone first', async () => {
    em.addDeployment(web(2, { strategy: { type: 'Recreate' } }));
    em.hangNextRollout(NS, 'web', { progressDeadlineMs: 60_000 });
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:broken');
    const down = await until(deployment, (d) => condition(d, 'Available')?.['status'] === 'False');
    expect(condition(down, 'Available')).toEqual(
      expect.objectContaining({
        reason: 'MinimumReplicasUnavailable',
        message: 'Deployment does not have minimum availability.',
      }),
    );
    expect(at(down, 'status', 'availableReplicas')).toBeUndefined();
  });

  it('finishes a revert after a hanging rollout: the next rollout is not hung', async () => {
    em.addDeployment(web());
    em.hangNextRollout(NS, 'web', { progressDeadlineMs: 300 });
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:broken');
    await until(deployment, (d) => condition(d, 'Progressing')?.['reason'] === 'ProgressDeadlineExceeded');
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:1.0');
    const reverted = await until(deployment, rolledOut);
    expect(condition(reverted, 'Progressing')?.['reason']).toBe('NewReplicaSetAvailable');
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:2.0');
    expect(revision(await until(deployment, (d) => rolledOut(d) && revision(d) === '4'))).toBe('4');
  });

  it('uses the object spec.progressDeadlineSeconds when the hang names no deadline', async () => {
    em.addDeployment(web(1, { progressDeadlineSeconds: 1 }));
    em.hangNextRollout(NS, 'web');
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:broken');
    const stuck = await until(
      deployment,
      (d) => condition(d, 'Progressing')?.['reason'] === 'ProgressDeadlineExceeded',
    );
    expect(at(stuck, 'spec', 'progressDeadlineSeconds')).toBe(1);
  });

  it('stops every rollout timer on close()', async () => {
    em.addDeployment(web());
    em.setRolloutDuration(400);
    em.setImage('deployments', NS, 'web', 'app', 'r/shop/web:2.0');
    await new Promise((r) => setTimeout(r, 50));
    const before = JSON.stringify(deployment());
    await em.close();
    await new Promise((r) => setTimeout(r, 700));
    expect(JSON.stringify(deployment())).toBe(before);
  });
});

const db = (extra: JsonObject = {}): JsonObject => {
  const manifest = statefulSetManifest({
    name: 'db',
    namespace: NS,
    replicas: 3,
    containers: [{ name: 'db', image: 'r/shop/db:14' }],
  });
  return { ...manifest, spec: { ...(manifest['spec'] as JsonObject), ...extra } };
};
const set = (): JsonObject => em.get('statefulsets', NS, 'db')!;
const revisions = (): JsonObject[] => em.list('controllerrevisions', NS);
const settled = (s: JsonObject): boolean =>
  at(s, 'status', 'observedGeneration') === at(s, 'metadata', 'generation');

describe('StatefulSets', () => {
  it('seeds one ControllerRevision holding the template, current and update revision equal', () => {
    em.addStatefulSet(db());
    const s = set();
    const [cr, ...others] = revisions();
    expect(others).toEqual([]);
    expect(cr).toEqual(
      expect.objectContaining({
        revision: 1,
        data: { spec: { template: expect.objectContaining({ $patch: 'replace' }) } },
      }),
    );
    expect(at(cr, 'metadata', 'labels', 'controller.kubernetes.io/hash')).toEqual(expect.any(String));
    expect(s['status']).toEqual({
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: at(cr, 'metadata', 'name'),
      updateRevision: at(cr, 'metadata', 'name'),
      collisionCount: 0,
      availableReplicas: 3,
    });
  });

  it('updates pods from the highest ordinal down; the update revision becomes current at the end', async () => {
    em.addStatefulSet(db());
    const first = at(set(), 'status', 'currentRevision');
    em.setImage('statefulsets', NS, 'db', 'db', 'r/shop/db:15');
    const seen: JsonObject[] = [];
    const done = await until(
      () => {
        seen.push(set());
        return set();
      },
      (s) => settled(s) && at(s, 'status', 'currentRevision') !== first,
    );
    const update = at(done, 'status', 'updateRevision');
    expect(em.get('controllerrevisions', NS, update)?.['revision']).toBe(2);
    expect(at(done, 'status')).toEqual(
      expect.objectContaining({
        currentRevision: update,
        updatedReplicas: 3,
        readyReplicas: 3,
        currentReplicas: 3,
      }),
    );
    expect(
      seen.some(
        (s) =>
          at(s, 'status', 'updateRevision') === update &&
          at(s, 'status', 'currentRevision') === first &&
          (at(s, 'status', 'updatedReplicas') ?? 0) < 3,
      ),
    ).toBe(true);
  });

  it('updates only ordinals at or above the partition; the current revision stays', async () => {
    em.addStatefulSet(db({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
    const first = at(set(), 'status', 'currentRevision');
    em.setImage('statefulsets', NS, 'db', 'db', 'r/shop/db:15');
    const done = await until(
      set,
      (s) => settled(s) && at(s, 'status', 'updatedReplicas') === 1 && at(s, 'status', 'readyReplicas') === 3,
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(at(set(), 'status')).toEqual(
      expect.objectContaining({ currentRevision: first, updatedReplicas: 1, currentReplicas: 2 }),
    );
    expect(at(done, 'status', 'updateRevision')).not.toBe(first);
  });

  it('changes no pod with OnDelete until the pods are deleted', async () => {
    em.addStatefulSet(db({ updateStrategy: { type: 'OnDelete' } }));
    em.setImage('statefulsets', NS, 'db', 'db', 'r/shop/db:15');
    await until(set, settled);
    await new Promise((r) => setTimeout(r, 400));
    expect(at(set(), 'status', 'updatedReplicas')).toBeUndefined();
    em.deleteStatefulSetPods(NS, 'db');
    await until(
      set,
      (s) => at(s, 'status', 'updatedReplicas') === 3 && at(s, 'status', 'readyReplicas') === 3,
    );
  });

  it('renumbers the ControllerRevision of a template that comes back', async () => {
    em.addStatefulSet(db());
    const first = at(set(), 'status', 'currentRevision');
    em.setImage('statefulsets', NS, 'db', 'db', 'r/shop/db:15');
    await until(
      set,
      (s) => at(s, 'status', 'currentRevision') !== first && at(s, 'status', 'readyReplicas') === 3,
    );
    em.setImage('statefulsets', NS, 'db', 'db', 'r/shop/db:14');
    const back = await until(
      set,
      (s) => at(s, 'status', 'currentRevision') === first && at(s, 'status', 'updatedReplicas') === 3,
    );
    expect(at(back, 'status', 'updateRevision')).toBe(first);
    expect(
      revisions()
        .map((r) => r['revision'])
        .sort(),
    ).toEqual([2, 3]);
    expect(em.get('controllerrevisions', NS, first)?.['revision']).toBe(3);
  });

  it('never gets a pod of a hanging revision ready, which blocks the set until its pods are deleted', async () => {
    em.addStatefulSet(db());
    em.hangNextRollout(NS, 'db');
    em.setImage('statefulsets', NS, 'db', 'db', 'r/shop/db:broken');
    await until(
      set,
      (s) => settled(s) && at(s, 'status', 'updatedReplicas') === 1 && at(s, 'status', 'readyReplicas') === 2,
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(at(set(), 'status', 'readyReplicas')).toBe(2);
    em.setImage('statefulsets', NS, 'db', 'db', 'r/shop/db:14');
    await new Promise((r) => setTimeout(r, 400));
    expect(at(set(), 'status', 'readyReplicas')).toBe(2); // as on a real cluster: a broken pod is not replaced by itself
    em.deleteStatefulSetPods(NS, 'db');
    await until(
      set,
      (s) => at(s, 'status', 'readyReplicas') === 3 && at(s, 'status', 'updatedReplicas') === 3,
    );
  });
});
