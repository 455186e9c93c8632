import { randomUUID } from 'node:crypto';
import { absoluteId, isObject } from './definition';
import type { ApiReply } from './replies';
import { formatTimestamp } from './tasks';
import { idViolation, type JsonObject } from './validate';

/**
 * Marathon pods (`/v2/pods`, RAML pods.raml), read-only: seeded with `addPod`, listed and shown like
 * Marathon does, always running and stable. Enough for a client that must notice pods beside the
 * apps of a group; the emulator does not deploy pods.
 */

interface PodRecord {
  def: JsonObject;
  instances: JsonObject[];
}

/** RAML defaults (pod.raml, podContainer.raml) for the fields a seeded pod leaves out. */
function normalizePod(input: JsonObject, id: string, version: string): JsonObject {
  const containers = (input['containers'] as JsonObject[]).map((c) => {
    const image = c['image'] as JsonObject;
    const resources = isObject(c['resources']) ? c['resources'] : {};
    return {
      ...c,
      resources: { cpus: 1, mem: 128, disk: 0, gpus: 0, ...resources },
      image: { kind: 'DOCKER', forcePull: false, ...image },
    };
  });
  return {
    ...input,
    id,
    version,
    containers,
    networks: input['networks'] ?? [{ mode: 'host' }],
    scaling: input['scaling'] ?? { kind: 'fixed', instances: 1 },
    scheduling: input['scheduling'] ?? {
      backoff: { backoff: 1, backoffFactor: 1.15, maxLaunchDelay: 300 },
      upgrade: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
      killSelection: 'YOUNGEST_FIRST',
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    },
    executorResources: input['executorResources'] ?? { cpus: 0.1, mem: 32, disk: 10 },
  };
}

/** Why a seeded pod is unusable, or undefined. A test bug, so it throws in `add`, never a 422. */
function podProblem(input: JsonObject): string | undefined {
  if (typeof input['id'] !== 'string') return 'the pod needs an "id"';
  const violation = idViolation(absoluteId(input['id']));
  if (violation) return `id ${violation}`;
  const containers = input['containers'];
  if (!Array.isArray(containers) || containers.length === 0) return 'the pod needs "containers"';
  for (const [i, c] of containers.entries()) {
    if (!isObject(c) || typeof c['name'] !== 'string') return `containers[${i}] needs a "name"`;
    if (!isObject(c['image']) || typeof c['image']['id'] !== 'string')
      return `containers[${i}] needs "image": {"id": "repo:tag"}`;
  }
  return undefined;
}

export class PodStore {
  private readonly pods = new Map<string, PodRecord>();

  add(pod: Record<string, unknown>): JsonObject {
    const input = structuredClone(pod) as JsonObject;
    const problem = podProblem(input);
    if (problem) throw new Error(`addPod: ${problem}`);
    const id = absoluteId(String(input['id']));
    const given = typeof input['version'] === 'string' ? Date.parse(input['version']) : NaN;
    const version = formatTimestamp(Number.isNaN(given) ? Date.now() : given);
    const def = normalizePod(input, id, version);
    const scaling = def['scaling'] as JsonObject;
    const count = typeof scaling['instances'] === 'number' ? scaling['instances'] : 1;
    const instances = Array.from({ length: count }, (_, i) => this.instance(def, i));
    this.pods.set(id, { def, instances });
    return def;
  }

  has(id: string): boolean {
    return this.pods.has(absoluteId(id));
  }

  /** PodInstanceStatus (podStatus.raml), steady: every container running since the pod's version. */
  private instance(def: JsonObject, index: number): JsonObject {
    const since = String(def['version']);
    const id = String(def['id']);
    const instanceId = `${id.slice(1).replace(/\//g, '_')}.instance-${randomUUID()}`;
    const containers = (def['containers'] as JsonObject[]).map((c) => ({
      name: String(c['name']),
      status: 'TASK_RUNNING',
      statusSince: since,
      containerId: `${instanceId}.${String(c['name'])}`,
      endpoints: [],
      conditions: [],
      resources: c['resources'] as JsonObject,
      lastUpdated: since,
      lastChanged: since,
    }));
    return {
      id: instanceId,
      status: 'STABLE',
      statusSince: since,
      agentHostname: `agent-${(index % 3) + 1}.emulated.marathon`,
      agentId: `emulated-agent-S${index % 3}`,
      networks: [],
      containers,
      specReference: `/v2/pods${id}::versions/${since}`,
      lastUpdated: since,
      lastChanged: since,
      role: '*',
    };
  }

  private status(record: PodRecord): JsonObject {
    const since = String(record.def['version']);
    return {
      id: String(record.def['id']),
      spec: record.def,
      status: 'STABLE',
      statusSince: since,
      instances: record.instances,
      lastUpdated: since,
      lastChanged: since,
    };
  }

  private sorted(): PodRecord[] {
    return [...this.pods].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
  }

  /** `GET /v2/pods`: a bare array of Pod. */
  list(): ApiReply {
    return { status: 200, body: this.sorted().map((r) => r.def) };
  }

  /** `GET /v2/pods/::status`: a bare array of PodStatus. */
  allStatus(): ApiReply {
    return { status: 200, body: this.sorted().map((r) => this.status(r)) };
  }

  find(pathId: string): ApiReply {
    const id = absoluteId(pathId);
    const record = this.pods.get(id);
    // PodsResource.find passes an already JSON-encoded message to notFound(), which encodes it again.
    if (!record) return { status: 404, body: { message: `{"message": "pod with ${id} does not exist"}` } };
    return { status: 200, body: record.def };
  }

  statusOf(pathId: string): ApiReply {
    const id = absoluteId(pathId);
    const record = this.pods.get(id);
    if (!record) return { status: 404, body: { message: `Pod '${id}' does not exist` } };
    return { status: 200, body: this.status(record) };
  }
}
