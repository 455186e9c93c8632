import { field, isObject, type Json, type JsonObject } from './json';

/**
 * The deployment controller's arithmetic and wording, pure (pkg/controller/deployment: sync.go
 * calculateStatus, progress.go syncRolloutStatus, util/deployment_util.go): surge and unavailability
 * from the strategy, the status a set of ReplicaSets adds up to, and the conditions a client watches.
 */

export interface ReplicaCounts {
  /** spec.replicas of the ReplicaSet. */
  desired: number;
  /** Pods that exist (status.replicas). */
  replicas: number;
  ready: number;
}

function resolve(value: Json | undefined, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.endsWith('%')) {
    const exact = (Number(value.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  return 0;
}

/** maxSurge rounds up, maxUnavailable down; both 0 would deadlock, so unavailability becomes 1. */
export function rollingParameters(spec: JsonObject): { maxSurge: number; maxUnavailable: number } {
  const replicas = replicasOf(spec);
  if (field(spec, 'strategy', 'type') === 'Recreate') return { maxSurge: 0, maxUnavailable: replicas };
  const rolling = field(spec, 'strategy', 'rollingUpdate');
  const maxSurge = resolve(field(rolling, 'maxSurge') ?? '25%', replicas, true);
  const maxUnavailable = resolve(field(rolling, 'maxUnavailable') ?? '25%', replicas, false);
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}

export function replicasOf(spec: Json | undefined): number {
  const value = field(spec, 'replicas');
  return typeof value === 'number' ? value : 1;
}

/** Go's omitempty: zero counts are left out of a status on the wire. */
function counts(values: Record<string, number>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(values)) if (v !== 0) out[k] = v;
  return out;
}

export function replicaSetStatus(c: ReplicaCounts, observedGeneration: number): JsonObject {
  return {
    replicas: c.replicas, // the one count without omitempty
    ...counts({ fullyLabeledReplicas: c.replicas, readyReplicas: c.ready, availableReplicas: c.ready }),
    observedGeneration,
  };
}

export interface ProgressInput {
  rsName: string;
  /** This sync created the new ReplicaSet. */
  created: boolean;
  /** No progress for longer than the progress deadline. */
  timedOut: boolean;
  paused: boolean;
  now: string;
}

type Condition = JsonObject & { type: string; status: string; reason: string };

function condition(type: string, status: string, reason: string, message: string, now: string): Condition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/**
 * SetDeploymentCondition: same status and reason = no change at all; same status = keep the
 * transition time. The condition set goes to the end of the list, as the controller appends it.
 */
function setCondition(conditions: Condition[], next: Condition, touch = false): Condition[] {
  const current = conditions.find((c) => c.type === next.type);
  if (current && current.status === next.status && current.reason === next.reason && !touch)
    return conditions;
  if (current && current.status === next.status) next.lastTransitionTime = current['lastTransitionTime']!;
  return [...conditions.filter((c) => c.type !== next.type), next];
}

/** status.* of a Deployment from its ReplicaSets and its previous status, and whether that is progress. */
export function deploymentStatus(
  deployment: JsonObject,
  newRs: ReplicaCounts,
  oldRss: ReplicaCounts[],
  progress: ProgressInput,
): { status: JsonObject; progressed: boolean } {
  const spec = field(deployment, 'spec') as JsonObject;
  const previous = isObject(deployment['status']) ? deployment['status'] : {};
  const all = [newRs, ...oldRss];
  const sum = (f: (c: ReplicaCounts) => number): number => all.reduce((n, c) => n + f(c), 0);
  const wanted = replicasOf(spec);
  const status = {
    replicas: sum((c) => c.replicas),
    updatedReplicas: newRs.replicas,
    readyReplicas: sum((c) => c.ready),
    availableReplicas: sum((c) => c.ready),
    unavailableReplicas: Math.max(0, sum((c) => c.desired) - sum((c) => c.ready)),
  };
  const prevCount = (k: string): number => (typeof previous[k] === 'number' ? previous[k] : 0);
  const progressed =
    status.updatedReplicas > prevCount('updatedReplicas') ||
    status.replicas - status.updatedReplicas < prevCount('replicas') - prevCount('updatedReplicas') ||
    status.readyReplicas > prevCount('readyReplicas') ||
    status.availableReplicas > prevCount('availableReplicas');
  const complete =
    status.updatedReplicas === wanted && status.replicas === wanted && status.availableReplicas === wanted;

  let conditions = (Array.isArray(previous['conditions']) ? previous['conditions'] : []) as Condition[];
  // MaxUnavailable() in deployment_util.go: availability tolerates nothing missing under Recreate.
  const recreate = field(spec, 'strategy', 'type') === 'Recreate';
  const tolerated = recreate ? 0 : Math.min(wanted, rollingParameters(spec).maxUnavailable);
  const available = status.availableReplicas >= wanted - tolerated;
  conditions = setCondition(
    conditions,
    available
      ? condition(
          'Available',
          'True',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
          progress.now,
        )
      : condition(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
          progress.now,
        ),
  );
  const rs = progress.rsName;
  const now = progress.now;
  if (progress.paused) {
    conditions = setCondition(
      conditions,
      condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now),
    );
  } else if (complete) {
    conditions = setCondition(
      conditions,
      condition(
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${rs}" has successfully progressed.`,
        now,
      ),
    );
  } else if (progress.created) {
    conditions = setCondition(
      conditions,
      condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${rs}"`, now),
      true,
    );
  } else if (progressed) {
    conditions = setCondition(
      conditions,
      condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rs}" is progressing.`, now),
      true,
    );
  } else if (progress.timedOut) {
    conditions = setCondition(
      conditions,
      condition(
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${rs}" has timed out progressing.`,
        now,
      ),
    );
  }
  return {
    status: {
      observedGeneration: field(deployment, 'metadata', 'generation') ?? 1,
      ...counts(status),
      conditions,
    },
    progressed,
  };
}
