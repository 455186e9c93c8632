import { templateHash, templateIdentity } from './defaults';
import { replicasOf } from './deployment-status';
import { canonical, clone, field, isObject, sortedKeys, stringMap, type Json, type JsonObject } from './json';
import type { RolloutSettings } from './rollout-settings';
import type { ObjectStore } from './store';
import type { Timers } from './timers';

/**
 * The StatefulSet controller's part, simulated (pkg/controller/statefulset): a ControllerRevision
 * per template (an equal older one renumbered to the top), pods as (revision, ready) per ordinal,
 * and one step at a time: create the missing pod, wait for it to be ready, then replace the
 * highest ordinal not yet on the update revision, down to the partition. OnDelete replaces
 * nothing by itself. A pod of a hanging revision never becomes ready and, as on a real cluster,
 * blocks the set even after the template is reverted, until its pods are deleted (deletePods).
 */

const HASH_LABEL = 'controller.kubernetes.io/hash';
const OBSERVE_MS = 5;

interface Pod {
  revision: string;
  ready: boolean;
}

interface SetState {
  pods: Array<Pod | undefined>;
  updateRevision?: string;
  /** Revisions whose pods never become ready: a broken image stays broken, whatever the template does next. */
  hung: Set<string>;
  timer?: NodeJS.Timeout;
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function nameOf(object: JsonObject): string {
  return String(field(object, 'metadata', 'name'));
}

function revisionNumber(cr: JsonObject): number {
  return typeof cr['revision'] === 'number' ? cr['revision'] : 0;
}

function revisionTemplate(cr: JsonObject): Json | undefined {
  const template = field(cr, 'data', 'spec', 'template');
  if (!isObject(template)) return undefined;
  const copy = { ...template };
  delete copy['$patch'];
  return copy;
}

export class StatefulSetController {
  private readonly states = new Map<string, SetState>();
  private readonly pending = new Set<string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly timers: Timers,
    private readonly settings: RolloutSettings,
  ) {}

  changed(namespace: string, name: string): void {
    const k = key(namespace, name);
    if (this.pending.has(k)) return;
    this.pending.add(k);
    this.timers.after(OBSERVE_MS, () => {
      this.pending.delete(k);
      this.sync(namespace, name, false);
    });
  }

  seed(namespace: string, name: string): void {
    this.sync(namespace, name, false, true);
  }

  /** Deletes every pod of the set by hand; the controller recreates them (how OnDelete updates, and how a stuck set is freed). */
  deletePods(namespace: string, name: string): void {
    const state = this.states.get(key(namespace, name));
    if (!state) return;
    state.pods = [];
    this.sync(namespace, name, false);
  }

  deleted(namespace: string, uid: string, name: string): void {
    this.timers.cancel(this.states.get(key(namespace, name))?.timer);
    this.states.delete(key(namespace, name));
    for (const cr of this.store.owned('controllerrevisions', uid))
      this.store.delete('controllerrevisions', namespace, nameOf(cr));
  }

  private sync(namespace: string, name: string, tick: boolean, instant = false): void {
    const set = this.store.get('statefulsets', namespace, name);
    if (!set) return;
    const spec = set['spec'] as JsonObject;
    const wanted = replicasOf(spec);
    const update = this.updateRevision(set);
    const k = key(namespace, name);
    let state = this.states.get(k);
    if (!state) this.states.set(k, (state = { pods: [], hung: new Set() }));
    this.timers.cancel(state.timer);
    state.timer = undefined;
    if (instant) state.pods = Array.from({ length: wanted }, () => ({ revision: update, ready: true }));
    if (state.updateRevision !== update) {
      state.updateRevision = update;
      if (!instant && this.settings.takeHang(namespace, name)) state.hung.add(update);
    }
    const current =
      typeof field(set, 'status', 'currentRevision') === 'string'
        ? String(field(set, 'status', 'currentRevision'))
        : update;
    const step = tick ? this.step(state, spec, current, update) : 'waiting';
    this.writeStatus(set, state, current, update);
    this.cleanupHistory(set, current, update);
    if (step === 'done' || step === 'blocked') return;
    const stepMs = this.settings.durationMs(namespace, name) / Math.max(1, 2 * wanted);
    state.timer = this.timers.after(stepMs, () => this.sync(namespace, name, true));
  }

  /** One action of the controller, in its order: create, wait until ready, scale down, then roll. */
  private step(
    state: SetState,
    spec: JsonObject,
    current: string,
    update: string,
  ): 'acted' | 'blocked' | 'done' {
    const wanted = replicasOf(spec);
    const rolling = field(spec, 'updateStrategy', 'type') === 'RollingUpdate';
    const partition = Number(field(spec, 'updateStrategy', 'rollingUpdate', 'partition') ?? 0);
    for (let i = 0; i < wanted; i++) {
      const pod = state.pods[i];
      if (!pod) {
        state.pods[i] = { revision: rolling && i < partition ? current : update, ready: false };
        return 'acted';
      }
      if (!pod.ready) {
        if (state.hung.has(pod.revision)) return 'blocked';
        pod.ready = true;
        return 'acted';
      }
    }
    if (state.pods.length > wanted) {
      state.pods.length -= 1;
      return 'acted';
    }
    if (!rolling) return 'done';
    for (let target = wanted - 1; target >= partition; target--) {
      if (state.pods[target]!.revision !== update) {
        state.pods[target] = { revision: update, ready: false };
        return 'acted';
      }
    }
    return 'done';
  }

  /** The name of the ControllerRevision for the current template, created or renumbered as needed. */
  private updateRevision(set: JsonObject): string {
    const metadata = set['metadata'] as JsonObject;
    const namespace = String(metadata['namespace']);
    const template = field(set, 'spec', 'template') as JsonObject;
    const owned = this.store.owned('controllerrevisions', String(metadata['uid']));
    const identity = templateIdentity(template);
    const top = Math.max(0, ...owned.map(revisionNumber));
    const equal = owned.find((cr) => templateIdentity(revisionTemplate(cr)) === identity);
    if (equal) {
      if (revisionNumber(equal) < top)
        this.store.update('controllerrevisions', { ...clone(equal), revision: top + 1 });
      return nameOf(equal);
    }
    let collisions = 0;
    let hash = templateHash(template, collisions);
    while (this.store.get('controllerrevisions', namespace, `${String(metadata['name'])}-${hash}`)) {
      hash = templateHash(template, ++collisions);
    }
    const created = this.store.create('controllerrevisions', {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${String(metadata['name'])}-${hash}`,
        namespace,
        labels: { ...stringMap(field(template, 'metadata', 'labels')), [HASH_LABEL]: hash },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            name: metadata['name']!,
            uid: metadata['uid']!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      // What kubectl compares byte for byte and sends back on undo: Go's json.Marshal, keys sorted.
      data: sortedKeys({ spec: { template: { ...clone(template), $patch: 'replace' } } }),
      revision: top + 1,
    });
    return nameOf(created);
  }

  private writeStatus(set: JsonObject, state: SetState, current: string, update: string): void {
    const spec = set['spec'] as JsonObject;
    const pods = state.pods.filter((p): p is Pod => p !== undefined);
    const ready = pods.filter((p) => p.ready).length;
    const updated = pods.filter((p) => p.revision === update).length;
    let currentRevision = current;
    let currentReplicas = pods.filter((p) => p.revision === current).length;
    // completeRollingUpdate: once every pod runs and is ready on the update revision, it becomes current.
    const rolling = field(spec, 'updateStrategy', 'type') === 'RollingUpdate';
    if (rolling && updated === ready && ready === pods.length && pods.length === replicasOf(spec)) {
      currentRevision = update;
      currentReplicas = updated;
    }
    const status: JsonObject = {
      observedGeneration: Number(field(set, 'metadata', 'generation') ?? 1),
      replicas: pods.length,
      ...(ready ? { readyReplicas: ready } : {}),
      ...(currentReplicas ? { currentReplicas } : {}),
      ...(updated ? { updatedReplicas: updated } : {}),
      currentRevision,
      updateRevision: update,
      collisionCount: 0,
      availableReplicas: ready,
    };
    const next = { ...clone(set), status };
    if (canonical(next) !== canonical(set)) this.store.update('statefulsets', next);
  }

  /** Revisions beyond revisionHistoryLimit go, oldest first, never the current or update one. */
  private cleanupHistory(set: JsonObject, current: string, update: string): void {
    const limit = Number(field(set, 'spec', 'revisionHistoryLimit') ?? 10);
    const namespace = String(field(set, 'metadata', 'namespace'));
    const old = this.store
      .owned('controllerrevisions', String(field(set, 'metadata', 'uid')))
      .filter((cr) => nameOf(cr) !== current && nameOf(cr) !== update)
      .sort((a, b) => revisionNumber(a) - revisionNumber(b));
    for (const cr of old.slice(0, Math.max(0, old.length - limit)))
      this.store.delete('controllerrevisions', namespace, nameOf(cr));
  }
}
