import { POD_TEMPLATE_HASH } from './defaults';
import { replicasOf, rollingParameters } from './deployment-status';
import { clone, field, objectAt, stringMap, type JsonObject } from './json';

/**
 * The ReplicaSets a Deployment owns, as the deployment controller writes them
 * (pkg/controller/deployment/sync.go getNewReplicaSet, util/deployment_util.go): name, labels and
 * selector with the pod-template-hash, the controller ownerReference, and the revision annotations.
 */

export const REVISION = 'deployment.kubernetes.io/revision';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
]);

export function revisionOf(object: JsonObject): number {
  const value = Number(stringMap(field(object, 'metadata', 'annotations'))[REVISION] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

/** A new, empty ReplicaSet for the Deployment's current template (scaled up by the rollout). */
export function newReplicaSet(deployment: JsonObject, hash: string): JsonObject {
  const metadata = deployment['metadata'] as JsonObject;
  const spec = deployment['spec'] as JsonObject;
  const template = clone(spec['template'] as JsonObject);
  objectAt(template, 'metadata', 'labels')[POD_TEMPLATE_HASH] = hash;
  const selector = clone(spec['selector'] as JsonObject);
  objectAt(selector, 'matchLabels')[POD_TEMPLATE_HASH] = hash;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${String(metadata['name'])}-${hash}`,
      namespace: metadata['namespace']!,
      generation: 1,
      labels: { ...stringMap(field(template, 'metadata', 'labels')) },
      annotations: {},
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: metadata['name']!,
          uid: metadata['uid']!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { replicas: 0, selector, template },
    status: { replicas: 0 },
  };
}

/**
 * SetNewReplicaSetAnnotations: the Deployment's annotations, desired and max replicas, and a
 * revision above every old one; a reused ReplicaSet keeps its former numbers in revision-history.
 */
export function annotatedReplicaSet(deployment: JsonObject, rs: JsonObject, revision: number): JsonObject {
  const next = clone(rs);
  const annotations = objectAt(next, 'metadata', 'annotations');
  for (const [k, v] of Object.entries(stringMap(field(deployment, 'metadata', 'annotations')))) {
    if (!NOT_COPIED.has(k)) annotations[k] = v;
  }
  const spec = deployment['spec'] as JsonObject;
  annotations[DESIRED_REPLICAS] = String(replicasOf(spec));
  annotations[MAX_REPLICAS] = String(replicasOf(spec) + rollingParameters(spec).maxSurge);
  const old = revisionOf(rs);
  if (old < revision) {
    annotations[REVISION] = String(revision);
    if (old > 0) {
      const history = typeof annotations[REVISION_HISTORY] === 'string' ? annotations[REVISION_HISTORY] : '';
      annotations[REVISION_HISTORY] = history ? `${history},${old}` : String(old);
    }
  }
  return next;
}
