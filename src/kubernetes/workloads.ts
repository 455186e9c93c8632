import { createHash } from 'node:crypto';
import { canonical } from '../history/summary';

/**
 * Deployments and StatefulSets as the rollback sees them: one row per container (init containers
 * included), so a workload running two images of the catalog changes each of them; a row's id is
 * `deployment/api/app` (kind, name, container). And when a rollout is done, the way kubectl judges
 * it (../shared/reference/kubernetes.md §2). Pure.
 */

export type Kind = 'deployment' | 'statefulset';

export interface KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: {
    replicas?: number;
    paused?: boolean;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
    template?: {
      spec?: {
        containers?: Array<{ name?: string; image?: string }>;
        initContainers?: Array<{ name?: string; image?: string }>;
      };
    };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
  };
}

export interface ContainerRef {
  kind: Kind;
  name: string;
  container: string;
  init: boolean;
  /** Its index in containers or initContainers (what a JSON patch addresses). */
  index: number;
  image?: string;
}

export const workloadId = (c: Pick<ContainerRef, 'kind' | 'name' | 'container'>) =>
  `${c.kind}/${c.name}/${c.container}`;

const ID = /^(deployment|statefulset)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

export function parseWorkloadId(id: string): Pick<ContainerRef, 'kind' | 'name' | 'container'> | undefined {
  const m = ID.exec(id);
  return m ? { kind: m[1] as Kind, name: m[2]!, container: m[4]! } : undefined;
}

export function containersOf(kind: Kind, object: KubeObject): ContainerRef[] {
  const name = object.metadata?.name ?? '';
  const spec = object.spec?.template?.spec;
  const rows = (list: Array<{ name?: string; image?: string }> | undefined, init: boolean) =>
    (list ?? []).map((c, index) => ({
      kind,
      name,
      container: c.name ?? '',
      init,
      index,
      ...(typeof c.image === 'string' && c.image ? { image: c.image } : {}),
    }));
  return [...rows(spec?.containers, false), ...rows(spec?.initContainers, true)];
}

/**
 * What only a change of the pod template moves (never a scale, never a status write), as one
 * container sees it: the version a change of ours is judged by, as Marathon's lastConfigChangeAt is
 * there. The other containers' images are left out, so that the same rollback changing them in
 * another patch (with --concurrency) does not look like someone else's change; anything else in the
 * template (env, another image put by hand on this container, a restart annotation) moves it.
 */
export function templateVersion(object: KubeObject, container: Pick<ContainerRef, 'init' | 'index'>): string {
  const template = structuredClone(object.spec?.template ?? {});
  const others = (list: Array<{ image?: string }> | undefined, init: boolean) =>
    list?.forEach((c, index) => {
      if (init !== container.init || index !== container.index) delete c.image;
    });
  others(template.spec?.containers, false);
  others(template.spec?.initContainers, true);
  return `template:${createHash('sha256').update(canonical(template)).digest('hex').slice(0, 24)}`;
}

export type RolloutState = { done: true } | { done: false; failed?: string; progress: string };

/**
 * kubectl's rule: first the controller must have seen our generation; then a Deployment is done
 * when every replica is updated and available (and no old one is left), a StatefulSet when every
 * replica is ready on the update revision. A Deployment past its progress deadline has failed.
 */
export function rolloutState(kind: Kind, object: KubeObject, generation: number): RolloutState {
  const status = object.status ?? {};
  const want = object.spec?.replicas ?? 1;
  if ((status.observedGeneration ?? 0) < generation)
    return { done: false, progress: 'waiting for the controller to see the change' };
  if (kind === 'deployment') {
    const stalled = status.conditions?.find(
      (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (stalled)
      return {
        done: false,
        failed: `exceeded its progress deadline (${stalled.message ?? 'no progress'})`,
        progress: '',
      };
    const updated = status.updatedReplicas ?? 0;
    const available = status.availableReplicas ?? 0;
    const total = status.replicas ?? 0;
    if (updated < want) return { done: false, progress: `${updated}/${want} replicas updated` };
    if (total > updated) return { done: false, progress: `${total - updated} old replica(s) terminating` };
    if (available < updated)
      return { done: false, progress: `${available}/${updated} updated replicas available` };
    return { done: true };
  }
  const ready = status.readyReplicas ?? 0;
  if (ready < want) return { done: false, progress: `${ready}/${want} pods ready` };
  const strategy = object.spec?.updateStrategy;
  // The controller never moves currentRevision for OnDelete (kubernetes/kubernetes#73492): the end
  // is every pod back, by hand, on the update revision.
  if (strategy?.type === 'OnDelete')
    return (status.updatedReplicas ?? 0) >= want
      ? { done: true }
      : { done: false, progress: 'waiting for its pods to be deleted by hand (OnDelete)' };
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0)
    return (status.updatedReplicas ?? 0) >= want - partition
      ? { done: true }
      : { done: false, progress: `${status.updatedReplicas ?? 0}/${want - partition} pods updated` };
  if (status.updateRevision !== status.currentRevision)
    return { done: false, progress: `${status.updatedReplicas ?? 0}/${want} pods on the new revision` };
  return { done: true };
}
