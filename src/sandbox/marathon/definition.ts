import type { Json, JsonObject } from './validate';

/**
 * App definitions as Marathon 1.5+ stores and replies them: defaults filled in, the 1.4 network API
 * converted (reference sheet §1 "Network API in replies"), deprecated fields dropped, empty
 * collections omitted where the RAML says `omitEmpty`. Pure functions: no clock, no state.
 */

/** Fields Marathon computes; never part of a definition. */
export const READ_ONLY_FIELDS = [
  'version',
  'versionInfo',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'readinessCheckResults',
  'tasks',
  'lastTaskFailure',
  'tasksStats',
  'taskStats',
] as const;

// RAML `(pragma.omitEmpty)` fields of App: left out of replies when empty.
const OMIT_EMPTY = [
  'args',
  'constraints',
  'dependencies',
  'env',
  'fetch',
  'healthChecks',
  'readinessChecks',
  'secrets',
];

/** Allocates service ports (Marathon's local_port_min 10000) for ports given as 0. */
export type PortAllocator = () => number;

export function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

/** Absolute, normalised app id: `a/b/` → `/a/b` (Marathon's `toAbsolutePath` relative to the root). */
export function absoluteId(id: string): string {
  const segments: string[] = [];
  for (const segment of id.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

function withDefaults(target: JsonObject, defaults: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(defaults)) if (target[key] === undefined) target[key] = value;
  return target;
}

function networksFromLegacy(app: JsonObject, docker: JsonObject | undefined): Json[] | undefined {
  const legacy = docker?.['network'];
  if (legacy === 'BRIDGE') return [{ mode: 'container/bridge' }];
  if (legacy === 'USER') {
    const name = isObject(app['ipAddress']) ? app['ipAddress']['networkName'] : undefined;
    return [typeof name === 'string' ? { mode: 'container', name } : { mode: 'container' }];
  }
  if (legacy === 'HOST' || legacy === 'NONE') return [{ mode: 'host' }];
  if (isObject(app['ipAddress'])) {
    const name = app['ipAddress']['networkName'];
    return [typeof name === 'string' ? { mode: 'container', name } : { mode: 'container' }];
  }
  return undefined;
}

function normalizeContainer(container: JsonObject, bridged: boolean, ports: PortReuse): JsonObject {
  const out: JsonObject = { ...container };
  withDefaults(out, { type: 'DOCKER', volumes: [] });
  if (isObject(out['docker'])) {
    const docker: JsonObject = { ...out['docker'] };
    if (docker['portMappings'] !== undefined && out['portMappings'] === undefined)
      out['portMappings'] = docker['portMappings'];
    delete docker['portMappings'];
    delete docker['network'];
    withDefaults(
      docker,
      out['type'] === 'DOCKER'
        ? { forcePullImage: false, privileged: false, parameters: [] }
        : { forcePullImage: false },
    );
    out['docker'] = docker;
  }
  if (bridged && out['portMappings'] === undefined) out['portMappings'] = [{ containerPort: 0 }];
  if (Array.isArray(out['portMappings'])) {
    out['portMappings'] = out['portMappings'].map((raw, index) => {
      const mapping = withDefaults(
        { ...(raw as JsonObject) },
        { containerPort: 0, labels: {}, protocol: 'tcp', servicePort: 0 },
      );
      if (bridged && mapping['hostPort'] === undefined) mapping['hostPort'] = 0;
      if (mapping['servicePort'] === 0) mapping['servicePort'] = ports.mapping(index);
      return mapping;
    });
  }
  return out;
}

/** Service ports already given out to this app are kept, as Marathon keeps them across updates. */
interface PortReuse {
  definition(index: number): number;
  mapping(index: number): number;
}

function portReuse(current: JsonObject | undefined, allocate: PortAllocator): PortReuse {
  const currentDefs = Array.isArray(current?.['portDefinitions']) ? current['portDefinitions'] : [];
  const currentContainer = current?.['container'];
  const currentMappings =
    isObject(currentContainer) && Array.isArray(currentContainer['portMappings'])
      ? currentContainer['portMappings']
      : [];
  const pick = (list: Json[], index: number, key: string): number => {
    const item = list[index];
    const port = isObject(item) ? item[key] : undefined;
    return typeof port === 'number' && port !== 0 ? port : allocate();
  };
  return {
    definition: (index) => pick(currentDefs, index, 'port'),
    mapping: (index) => pick(currentMappings, index, 'servicePort'),
  };
}

/**
 * A checked definition (see validate.ts) in the form Marathon stores and replies. `current` is the
 * stored version of the same app, if any, so assigned service ports do not change on every update.
 */
export function normalizeApp(checked: JsonObject, allocate: PortAllocator, current?: JsonObject): JsonObject {
  const app: JsonObject = structuredClone(checked);
  for (const field of READ_ONLY_FIELDS) delete app[field];
  const ports = portReuse(current, allocate);
  const container = isObject(app['container']) ? app['container'] : undefined;
  const docker = container && isObject(container['docker']) ? container['docker'] : undefined;

  if (app['networks'] === undefined) app['networks'] = networksFromLegacy(app, docker) ?? [{ mode: 'host' }];
  delete app['ipAddress'];
  const networks = app['networks'] as Json[];
  const hostNetworking = networks.every((n) => isObject(n) && (n['mode'] ?? 'container') === 'host');
  const bridged = networks.some((n) => isObject(n) && n['mode'] === 'container/bridge');

  if (Array.isArray(app['ports']) && app['portDefinitions'] === undefined) {
    app['portDefinitions'] = app['ports'].map((port) => ({ port, protocol: 'tcp' }));
  }
  delete app['ports'];
  if (Array.isArray(app['uris']) && app['fetch'] === undefined)
    app['fetch'] = app['uris'].map((uri) => ({ uri }));
  delete app['uris'];
  if (Array.isArray(app['fetch'])) {
    app['fetch'] = app['fetch'].map((f) =>
      withDefaults({ ...(f as JsonObject) }, { extract: true, executable: false, cache: false }),
    );
  }

  if (!hostNetworking) app['portDefinitions'] = [];
  else if (app['portDefinitions'] === undefined)
    app['portDefinitions'] = [{ port: 0, protocol: 'tcp', name: 'default' }];
  app['portDefinitions'] = (app['portDefinitions'] as Json[]).map((raw, index) => {
    const def = withDefaults({ ...(raw as JsonObject) }, { port: 0, protocol: 'tcp' });
    if (def['port'] === 0) def['port'] = ports.definition(index);
    return def;
  });

  if (container) app['container'] = normalizeContainer(container, bridged, ports);

  if (Array.isArray(app['healthChecks'])) {
    app['healthChecks'] = app['healthChecks'].map((raw) => {
      const hc = withDefaults(
        { ...(raw as JsonObject) },
        {
          protocol: 'HTTP',
          gracePeriodSeconds: 300,
          intervalSeconds: 60,
          timeoutSeconds: 20,
          maxConsecutiveFailures: 3,
          delaySeconds: 15,
        },
      );
      const protocol = String(hc['protocol']);
      if (protocol !== 'COMMAND' && hc['port'] === undefined && hc['portIndex'] === undefined)
        hc['portIndex'] = 0;
      if (protocol.endsWith('HTTP') || protocol.endsWith('HTTPS'))
        withDefaults(hc, { path: '/', ignoreHttp1xx: false });
      return hc;
    });
  }

  withDefaults(app, {
    backoffFactor: 1.15,
    backoffSeconds: 1,
    cpus: 1,
    disk: 0,
    executor: '',
    gpus: 0,
    instances: 1,
    killSelection: 'YOUNGEST_FIRST',
    labels: {},
    // RAML documents 300; every app of the real 1.5 dump (examples/group-dump) carries 3600.
    maxLaunchDelaySeconds: 3600,
    mem: 128,
    requirePorts: false,
    unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
  });
  for (const field of OMIT_EMPTY) {
    const value = app[field];
    if ((Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0))
      delete app[field];
  }
  return app;
}

/**
 * PUT/PATCH with partialUpdate: a top-level merge. Each field present in the update replaces the
 * stored field whole (so a `container` without `portMappings` loses them: issue #4868).
 */
export function mergeUpdate(current: JsonObject, update: JsonObject): JsonObject {
  const merged: JsonObject = { ...current };
  for (const [key, value] of Object.entries(update)) merged[key] = value;
  // master's merge takes these from the update only.
  for (const key of ['executorResources', 'resourceLimits']) {
    if (update[key] === undefined) delete merged[key];
  }
  return merged;
}

export function definitionOnly(app: JsonObject): JsonObject {
  const out = { ...app };
  for (const field of READ_ONLY_FIELDS) delete out[field];
  return out;
}

/** Deep equality of two JSON values, key order ignored. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => jsonEqual(a[k], b[k]));
}

export type Change = 'none' | 'scale' | 'config';

/** What a new definition means for the running tasks (DeploymentPlan: Restart vs Scale). */
export function changeBetween(current: JsonObject, next: JsonObject): Change {
  const a = definitionOnly(current);
  const b = definitionOnly(next);
  if (jsonEqual(a, b)) return 'none';
  delete a['instances'];
  delete b['instances'];
  return jsonEqual(a, b) ? 'scale' : 'config';
}
