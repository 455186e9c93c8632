import { templateHash, templateIdentity } from './defaults';
import {
  deploymentStatus,
  replicaSetStatus,
  replicasOf,
  rollingParameters,
  type ReplicaCounts,
} from './deployment-status';
import { canonical, clone, field, objectAt, type JsonObject } from './json';
import { annotatedReplicaSet, newReplicaSet, REVISION, revisionOf } from './replica-sets';
import type { Hang, RolloutSettings } from './rollout-settings';
import { nowTimestamp, type ObjectStore } from './store';
import type { Timers } from './timers';

/**
 * The deployment controller's part, simulated: a ReplicaSet per pod template (reused and renumbered
 * when a template comes back), the revision annotations, and replicas of the new ReplicaSet
 * becoming ready one after another over the rollout's duration while the old ones scale down, or,
 * for a hanging rollout, never, until the progress deadline is reported. Pods are counts on the
 * ReplicaSets, not objects: nothing here needs them.
 */

/** The controller reacts to a write a moment after the write's reply, as a real one does. */
const OBSERVE_MS = 5;

interface Rollout {
  rsUid: string;
  hang?: Hang;
  lastProgressMs: number;
  timer?: NodeJS.Timeout;
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function number(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function countsOf(rs: JsonObject): ReplicaCounts {
  return {
    desired: number(field(rs, 'spec', 'replicas')),
    replicas: number(field(rs, 'status', 'replicas')),
    ready: number(field(rs, 'status', 'readyReplicas')),
  };
}

export class DeploymentController {
  private readonly rollouts = new Map<string, Rollout>();
  private readonly pending = new Map<string, NodeJS.Timeout | undefined>();

  constructor(
    private readonly store: ObjectStore,
    private readonly timers: Timers,
    private readonly settings: RolloutSettings,
  ) {}

  /** A write changed the Deployment. */
  changed(namespace: string, name: string): void {
    const k = key(namespace, name);
    if (this.pending.has(k)) return;
    const timer = this.timers.after(OBSERVE_MS, () => {
      this.pending.delete(k);
      this.sync(namespace, name, false);
    });
    this.pending.set(k, timer);
  }

  /** A seeded Deployment: its ReplicaSet created and every replica ready at once, as if long ago. */
  seed(namespace: string, name: string): void {
    this.sync(namespace, name, false, true);
  }

  /** Garbage collection of the ReplicaSets a deleted Deployment owned. */
  deleted(namespace: string, uid: string, name: string): void {
    const rollout = this.rollouts.get(key(namespace, name));
    this.timers.cancel(rollout?.timer);
    this.rollouts.delete(key(namespace, name));
    for (const rs of this.store.owned('replicasets', uid))
      this.store.delete('replicasets', namespace, String(field(rs, 'metadata', 'name')));
  }

  private sync(namespace: string, name: string, tick: boolean, instant = false): void {
    const deployment = this.store.get('deployments', namespace, name);
    if (!deployment) return;
    const spec = deployment['spec'] as JsonObject;
    const uid = String(field(deployment, 'metadata', 'uid'));
    const wanted = replicasOf(spec);
    const owned = this.store.owned('replicasets', uid);
    const identity = templateIdentity(spec['template']);
    let newRs = owned.find((rs) => templateIdentity(field(rs, 'spec', 'template')) === identity);
    const olds = owned.filter((rs) => rs !== newRs);
    const paused = spec['paused'] === true;
    if (paused && !newRs) {
      this.writeDeployment(deployment, undefined, olds, { created: false, paused, timedOut: false });
      return;
    }

    const maxOld = Math.max(0, ...olds.map(revisionOf));
    const created = !newRs;
    newRs = this.withRevision(deployment, newRs ?? this.createReplicaSet(deployment), maxOld + 1);

    const k = key(namespace, name);
    let rollout = this.rollouts.get(k);
    const newUid = String(field(newRs, 'metadata', 'uid'));
    if (!rollout || rollout.rsUid !== newUid) {
      this.timers.cancel(rollout?.timer);
      const needsPods = countsOf(newRs).ready < wanted && !instant;
      rollout = {
        rsUid: newUid,
        lastProgressMs: Date.now(),
        hang: needsPods ? this.settings.takeHang(namespace, name) : undefined,
      };
      this.rollouts.set(k, rollout);
    }
    this.timers.cancel(rollout.timer);
    rollout.timer = undefined;

    const { maxSurge, maxUnavailable } = rollingParameters(spec);
    let newReady = Math.min(wanted, countsOf(newRs).ready);
    if (instant) newReady = wanted;
    else if (tick && !rollout.hang && !paused && newReady < wanted) newReady++;
    const oldNow = olds.reduce((n, rs) => n + countsOf(rs).replicas, 0);
    let newDesired: number;
    let oldTarget: number;
    if (paused) {
      newDesired = countsOf(newRs).desired;
      oldTarget = oldNow;
    } else if (rollout.hang) {
      oldTarget = Math.min(oldNow, Math.max(0, wanted - newReady - maxUnavailable));
      newDesired = Math.min(wanted, newReady + Math.max(1, maxSurge + maxUnavailable));
    } else {
      newDesired = newReady < wanted ? Math.min(wanted, newReady + Math.max(1, maxSurge)) : wanted;
      oldTarget = Math.min(oldNow, wanted - newReady);
    }
    newRs = this.scaleReplicaSet(newRs, newDesired, newDesired, newReady);
    const scaledOlds = this.scaleDownOld(olds, oldTarget);

    const deadlineMs =
      rollout.hang?.progressDeadlineMs ?? Number(spec['progressDeadlineSeconds'] ?? 600) * 1000;
    const timedOut = !!rollout.hang && Date.now() - rollout.lastProgressMs >= deadlineMs;
    const progressed = this.writeDeployment(deployment, newRs, scaledOlds, { created, paused, timedOut });
    if (progressed) rollout.lastProgressMs = Date.now();
    this.cleanupHistory(deployment, newRs, scaledOlds);

    const done = newReady === wanted && oldTarget === 0;
    if (done || paused) return;
    if (rollout.hang) {
      if (!timedOut) {
        const wait = rollout.lastProgressMs + deadlineMs - Date.now();
        rollout.timer = this.timers.after(wait, () => this.sync(namespace, name, false));
      }
      return;
    }
    const stepMs = this.settings.durationMs(namespace, name) / Math.max(1, wanted);
    rollout.timer = this.timers.after(stepMs, () => this.sync(namespace, name, true));
  }

  private createReplicaSet(deployment: JsonObject): JsonObject {
    const namespace = String(field(deployment, 'metadata', 'namespace'));
    const name = String(field(deployment, 'metadata', 'name'));
    const template = field(deployment, 'spec', 'template');
    let collisions = Number(field(deployment, 'status', 'collisionCount') ?? 0);
    let hash = templateHash(template, collisions);
    while (this.store.get('replicasets', namespace, `${name}-${hash}`))
      hash = templateHash(template, ++collisions);
    return this.store.create('replicasets', newReplicaSet(deployment, hash));
  }

  private withRevision(deployment: JsonObject, rs: JsonObject, revision: number): JsonObject {
    const next = annotatedReplicaSet(deployment, rs, revision);
    return canonical(next) === canonical(rs) ? rs : this.store.update('replicasets', next);
  }

  /** Scaling is a spec write, so it bumps the ReplicaSet's generation, which its status then observes. */
  private scaleReplicaSet(rs: JsonObject, desired: number, replicas: number, ready: number): JsonObject {
    const next = clone(rs);
    const generation = Number(field(rs, 'metadata', 'generation') ?? 1);
    const scaled = field(rs, 'spec', 'replicas') !== desired;
    (next['spec'] as JsonObject)['replicas'] = desired;
    if (scaled) objectAt(next, 'metadata')['generation'] = generation + 1;
    next['status'] = replicaSetStatus({ desired, replicas, ready }, scaled ? generation + 1 : generation);
    return canonical(next) === canonical(rs) ? rs : this.store.update('replicasets', next);
  }

  /** Old pods go unready ones first, then from the oldest revision (cleanupUnhealthyReplicas, then oldest first). */
  private scaleDownOld(olds: JsonObject[], target: number): JsonObject[] {
    let excess = olds.reduce((n, rs) => n + countsOf(rs).replicas, 0) - target;
    const counts = new Map(olds.map((rs) => [rs, countsOf(rs)]));
    for (const c of counts.values()) {
      const drop = Math.min(excess, c.replicas - c.ready);
      c.replicas -= drop;
      excess -= drop;
    }
    for (const rs of [...olds].sort((a, b) => revisionOf(a) - revisionOf(b))) {
      const c = counts.get(rs)!;
      const drop = Math.min(excess, c.replicas);
      c.replicas -= drop;
      c.ready = Math.min(c.ready, c.replicas);
      excess -= drop;
    }
    return olds.map((rs) => {
      const c = counts.get(rs)!;
      return this.scaleReplicaSet(rs, c.replicas, c.replicas, c.ready);
    });
  }

  /** Writes revision annotation and status when they changed; true when the rollout progressed. */
  private writeDeployment(
    deployment: JsonObject,
    newRs: JsonObject | undefined,
    olds: JsonObject[],
    progress: { created: boolean; paused: boolean; timedOut: boolean },
  ): boolean {
    const next = clone(deployment);
    const newCounts = newRs ? countsOf(newRs) : { desired: 0, replicas: 0, ready: 0 };
    const rsName = newRs ? String(field(newRs, 'metadata', 'name')) : '';
    const { status, progressed } = deploymentStatus(next, newCounts, olds.map(countsOf), {
      rsName,
      now: nowTimestamp(),
      ...progress,
    });
    next['status'] = status;
    if (newRs) objectAt(next, 'metadata', 'annotations')[REVISION] = String(revisionOf(newRs));
    if (canonical(next) !== canonical(deployment)) this.store.update('deployments', next);
    return progressed || progress.created;
  }

  /** cleanupDeployment: old ReplicaSets scaled to zero beyond revisionHistoryLimit go, lowest revision first. */
  private cleanupHistory(deployment: JsonObject, newRs: JsonObject, olds: JsonObject[]): void {
    const limit = Number(field(deployment, 'spec', 'revisionHistoryLimit') ?? 10);
    const idle = olds
      .filter((rs) => rs !== newRs && countsOf(rs).desired === 0 && countsOf(rs).replicas === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, olds.length - limit))) {
      this.store.delete(
        'replicasets',
        String(field(rs, 'metadata', 'namespace')),
        String(field(rs, 'metadata', 'name')),
      );
    }
  }
}
