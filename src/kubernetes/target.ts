import { UsageError } from '../errors';
import { displayVersion } from '../marathon/image';
import {
  WorkloadGoneError,
  type ChangeReceipt,
  type Target,
  type WatchOutcome,
  type Workload,
} from '../targets/target';
import type { Logger } from '../util/log';
import { sleep } from '../util/sleep';
import { ObjectBatches } from './batches';
import { ObjectGoneError, type KubernetesClient } from './client';
import { imagePatch, type ContainerChange } from './patch';
import {
  containersOf,
  parseWorkloadId,
  rolloutState,
  templateVersion,
  workloadId,
  type ContainerRef,
  type Kind,
  type KubeObject,
} from './workloads';

/**
 * Kubernetes as a rollback target: the Deployments and StatefulSets of one namespace (narrowed by
 * --selector), one workload per container. A change is a JSON patch of only the matching
 * containers' images, with a `test` of each image it replaces, so a concurrent change is detected
 * and never overwritten; the containers of one object changed by one rollout go out as one patch
 * (one rollout of the object: batches.ts). A rollout is watched the way kubectl judges it.
 */

export interface KubernetesTargetOptions {
  client: KubernetesClient;
  namespace: string;
  selector?: string;
  context?: string;
  timeoutMs: number;
  logger: Logger;
  /** Recorded as kubernetes.io/change-cause (what `kubectl rollout history` shows). */
  changeCause: string;
}

interface Raw {
  kind: Kind;
  object: KubeObject;
  ref: ContainerRef;
}

const KINDS: Kind[] = ['deployment', 'statefulset'];

function workloadsOf(kind: Kind, object: KubeObject): Workload[] {
  return containersOf(kind, object).map((ref) => ({
    id: workloadId(ref),
    ...(ref.image ? { image: ref.image } : {}),
    changeVersion: templateVersion(object, ref),
    busy: [],
    raw: { kind, object, ref } satisfies Raw,
  }));
}

/** The object a workload is a container of: `deployment/shop`. */
function objectOf(id: string): string {
  const ref = parseWorkloadId(id);
  return ref ? `${ref.kind}/${ref.name}` : id;
}

export function createKubernetesTarget(options: KubernetesTargetOptions): Target {
  const { client, namespace } = options;
  const where = `Kubernetes at ${client.server}, namespace ${namespace}`;
  /** One read per object per poll, however many of its containers are being watched. */
  const reads = new Map<string, { at: number; object: Promise<KubeObject> }>();
  /** The containers of one object changed at once: one patch, one rollout. */
  const batches = new ObjectBatches<ContainerChange & { hasAnnotations: boolean }, KubeObject>(
    (key, changes) => {
      const ref = changes[0]!.ref;
      return (
        client
          .jsonPatch(
            ref.kind,
            namespace,
            ref.name,
            imagePatch(changes, options.changeCause, changes[0]!.hasAnnotations),
          )
          // A read shared before this patch shows the object before it: the watches that follow
          // (a revert's, after the rollback's own) must read it anew.
          .finally(() => reads.delete(key))
      );
    },
  );

  const readShared = (kind: Kind, name: string, signal?: AbortSignal) => {
    const key = `${kind}/${name}`;
    const cached = reads.get(key);
    if (cached && Date.now() - cached.at < 150) return cached.object;
    const object = client.get(kind, namespace, name, signal);
    object.catch(() => undefined);
    reads.set(key, { at: Date.now(), object });
    return object;
  };

  return {
    kind: 'kubernetes',
    where,
    scope: namespace,
    credentials: client.description,
    record: () => ({
      kind: 'kubernetes',
      server: client.server,
      ...(options.context ? { context: options.context } : {}),
    }),

    async list() {
      const lists = await Promise.all(KINDS.map((kind) => client.list(kind, namespace, options.selector)));
      return lists.flatMap((objects, i) => objects.flatMap((o) => workloadsOf(KINDS[i]!, o)));
    },

    begin: (id) => batches.begin(objectOf(id), id),
    end: (id) => batches.end(objectOf(id), id),

    async unmanaged() {
      return [];
    },

    async read(id) {
      const ref = parseWorkloadId(id);
      if (!ref) throw new UsageError(`${id} is not a Kubernetes workload (kind/name/container)`);
      try {
        const found = workloadsOf(ref.kind, await client.get(ref.kind, namespace, ref.name)).find(
          (w) => w.id === id,
        );
        if (!found)
          throw new WorkloadGoneError(id, where, `container ${ref.container} of ${ref.kind}/${ref.name}`);
        return found;
      } catch (err) {
        if (err instanceof ObjectGoneError) throw new WorkloadGoneError(id, where, `${ref.kind}/${ref.name}`);
        throw err;
      }
    },

    async changeImage(workload, image): Promise<ChangeReceipt> {
      const { kind, ref, object: read } = workload.raw as Raw;
      const annotated = read.metadata?.annotations !== undefined;
      try {
        const object = await batches.add(`${kind}/${ref.name}`, workload.id, {
          ref,
          ...(workload.image ? { from: workload.image } : {}),
          to: image,
          hasAnnotations: annotated,
        });
        return {
          changeId: `generation ${object.metadata?.generation ?? 0}`,
          version: templateVersion(object, ref),
        };
      } catch (err) {
        if (err instanceof ObjectGoneError)
          throw new WorkloadGoneError(workload.id, where, `${kind}/${ref.name}`);
        throw err;
      }
    },

    async changeDefinition() {
      throw new UsageError(
        '--with-config puts back Marathon app definitions; Kubernetes rollbacks change images only',
      );
    },

    async changesInFlight() {
      // A rollout is watched through the object's generation, never held as a lock.
      return [];
    },

    async watch(request): Promise<WatchOutcome> {
      const ref = parseWorkloadId(request.workloadId)!;
      const generation = Number(/^generation (\d+)$/.exec(request.changeId)?.[1] ?? 0);
      const started = Date.now();
      const elapsed = () => Date.now() - started;
      let last = '';
      const report = (text: string) => {
        if (text !== last) options.logger.status(request.label, `${text} (${Math.round(elapsed() / 1000)}s)`);
        last = text;
      };
      let interval = 250;
      let progress = 'not read yet';
      for (;;) {
        if (request.signal?.aborted) {
          report(`interrupted while rolling out ${displayVersion(request.image)}`);
          return {
            ok: false,
            elapsedMs: elapsed(),
            deploymentRunning: true,
            message: `interrupted while rolling out ${displayVersion(request.image)}`,
            interrupted: true,
          };
        }
        try {
          const object = await readShared(ref.kind, ref.name, request.signal);
          const mine = containersOf(ref.kind, object).find((c) => c.container === ref.container);
          const now = mine?.image;
          if (now !== request.image) {
            const message = `was changed by someone else while rolling out (now ${displayVersion(now ?? '?')})`;
            report(`failed: ${message}`);
            return { ok: false, elapsedMs: elapsed(), deploymentRunning: false, message };
          }
          const state = rolloutState(ref.kind, object, generation);
          if (state.done) {
            report(`on ${displayVersion(request.image)}, rolled out`);
            return { ok: true, elapsedMs: elapsed(), version: templateVersion(object, mine!) };
          }
          if (state.failed) {
            report(`failed: ${state.failed}`);
            return { ok: false, elapsedMs: elapsed(), deploymentRunning: true, message: state.failed };
          }
          progress = state.progress;
          report(`rolling out ${displayVersion(request.image)}: ${progress}`);
        } catch (err) {
          if (err instanceof ObjectGoneError) {
            report('failed: deleted while rolling out');
            return {
              ok: false,
              elapsedMs: elapsed(),
              deploymentRunning: false,
              message: `${ref.kind}/${ref.name} was deleted while rolling out`,
            };
          }
          progress = `cannot read it: ${(err as Error).message}`;
          report(progress);
        }
        if (elapsed() >= options.timeoutMs) {
          const message = `rollout not finished after ${Math.round(options.timeoutMs / 1000)}s (${progress})`;
          report(`failed: ${message}`);
          return { ok: false, elapsedMs: elapsed(), deploymentRunning: true, message };
        }
        await sleep(Math.min(interval, Math.max(0, options.timeoutMs - elapsed()) + 1), request.signal);
        interval = Math.min(2000, Math.round(interval * 1.5));
      }
    },
  };
}
