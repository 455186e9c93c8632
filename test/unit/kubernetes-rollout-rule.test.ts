import { rolloutState, type KubeObject } from '../../src/kubernetes/workloads';

/**
 * When a rollout is done, as `kubectl rollout status` judges it (../shared/reference/kubernetes.md
 * §2), on status objects written out by hand. Our change was generation 5 (the PATCH reply's).
 */

const OURS = 5;

type Status = NonNullable<KubeObject['status']>;
type Spec = NonNullable<KubeObject['spec']>;

const deployment = (status: Status, spec: Spec = {}): KubeObject => ({
  metadata: { name: 'api', generation: OURS },
  spec: { replicas: 3, ...spec },
  status,
});

const statefulSet = (status: Status, spec: Spec = {}): KubeObject => ({
  metadata: { name: 'db', generation: OURS },
  spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, ...spec },
  status,
});

const rolledOut = {
  observedGeneration: OURS,
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: 3,
  availableReplicas: 3,
};

describe('a Deployment rollout', () => {
  it('is done when every replica is updated and available and no old one is left', () => {
    expect(rolloutState('deployment', deployment(rolledOut), OURS)).toEqual({ done: true });
  });

  it('waits until the controller has seen our generation, whatever the status says', () => {
    // The PATCH reply carries the old status: complete, but of the previous template.
    expect(
      rolloutState('deployment', deployment({ ...rolledOut, observedGeneration: OURS - 1 }), OURS),
    ).toEqual({ done: false, progress: 'waiting for the controller to see the change' });
  });

  it.each<[string, Status, string]>([
    ['replicas not yet updated', { ...rolledOut, updatedReplicas: 1, replicas: 4 }, '1/3 replicas updated'],
    ['old replicas still running', { ...rolledOut, replicas: 4 }, '1 old replica(s) terminating'],
    [
      'updated replicas not yet available',
      { ...rolledOut, availableReplicas: 2 },
      '2/3 updated replicas available',
    ],
    ['an empty status', { observedGeneration: OURS }, '0/3 replicas updated'],
  ])('is not done with %s', (_, status, progress) => {
    expect(rolloutState('deployment', deployment(status), OURS)).toEqual({ done: false, progress });
  });

  it('counts spec.replicas as 1 when it is not set', () => {
    const one = { observedGeneration: OURS, replicas: 1, updatedReplicas: 1, availableReplicas: 1 };
    expect(rolloutState('deployment', deployment(one, { replicas: undefined }), OURS)).toEqual({
      done: true,
    });
  });

  it('has failed once Progressing says ProgressDeadlineExceeded', () => {
    const stalled = {
      ...rolledOut,
      updatedReplicas: 1,
      availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "api-7d4b9c" has timed out progressing.',
        },
      ],
    };
    expect(rolloutState('deployment', deployment(stalled), OURS)).toEqual({
      done: false,
      failed: 'exceeded its progress deadline (ReplicaSet "api-7d4b9c" has timed out progressing.)',
      progress: '',
    });
    // A deadline of the previous rollout, not yet observed for ours, is not ours to fail on.
    expect(
      rolloutState('deployment', deployment({ ...stalled, observedGeneration: OURS - 1 }), OURS),
    ).toMatchObject({ done: false, progress: 'waiting for the controller to see the change' });
  });

  it('does not fail on a Progressing condition of another reason', () => {
    const progressing = {
      ...rolledOut,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    };
    expect(rolloutState('deployment', deployment(progressing), OURS)).toEqual({ done: true });
  });
});

describe('a StatefulSet rollout', () => {
  const complete = { ...rolledOut, currentRevision: 'db-6f9c', updateRevision: 'db-6f9c' };

  it('is done when every pod is ready on the update revision, which became the current one', () => {
    expect(rolloutState('statefulset', statefulSet(complete), OURS)).toEqual({ done: true });
  });

  it('waits for our generation first', () => {
    expect(
      rolloutState('statefulset', statefulSet({ ...complete, observedGeneration: OURS - 1 }), OURS),
    ).toMatchObject({ done: false, progress: 'waiting for the controller to see the change' });
  });

  it('waits for every pod to be ready', () => {
    expect(rolloutState('statefulset', statefulSet({ ...complete, readyReplicas: 2 }), OURS)).toEqual({
      done: false,
      progress: '2/3 pods ready',
    });
  });

  it('waits while the update revision is not yet the current one', () => {
    const rolling = { ...complete, updatedReplicas: 2, updateRevision: 'db-88a1' };
    expect(rolloutState('statefulset', statefulSet(rolling), OURS)).toEqual({
      done: false,
      progress: '2/3 pods on the new revision',
    });
  });

  it('with a partition, is done once the pods from the partition up are updated', () => {
    const spec = { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } };
    const partial = { ...complete, updateRevision: 'db-88a1', updatedReplicas: 0 };
    expect(rolloutState('statefulset', statefulSet(partial, spec), OURS)).toEqual({
      done: false,
      progress: '0/1 pods updated',
    });
    // Ordinals 0 and 1 stay on the old revision by design: the revisions never become equal.
    expect(rolloutState('statefulset', statefulSet({ ...partial, updatedReplicas: 1 }, spec), OURS)).toEqual({
      done: true,
    });
  });

  it('with OnDelete, waits until the pods were deleted and came back on the update revision', () => {
    const spec = { updateStrategy: { type: 'OnDelete' } };
    const untouched = { ...complete, updateRevision: 'db-88a1', updatedReplicas: 0 };
    expect(rolloutState('statefulset', statefulSet(untouched, spec), OURS)).toMatchObject({ done: false });
    // The controller never moves currentRevision for OnDelete (kubernetes/kubernetes#73492): every
    // pod ready on the update revision is the end.
    const recreated = { ...untouched, updatedReplicas: 3 };
    expect(rolloutState('statefulset', statefulSet(recreated, spec), OURS)).toEqual({ done: true });
  });

  it('has no progress deadline: a Deployment condition name on it means nothing', () => {
    const odd = {
      ...complete,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    };
    expect(rolloutState('statefulset', statefulSet(odd), OURS)).toEqual({ done: true });
  });
});
