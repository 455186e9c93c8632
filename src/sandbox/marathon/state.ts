import { randomUUID } from 'node:crypto';
import {
  absoluteId,
  changeBetween,
  definitionOnly,
  isObject,
  mergeUpdate,
  normalizeApp,
  READ_ONLY_FIELDS,
  type Change,
} from './definition';
import { matchesLabels, parseLabelSelector } from './labels';
import { checkAppDefinition, invalid, isTimestamp, type Json, type JsonObject } from './validate';

/**
 * The emulated Marathon: apps, their stored versions, deployments and tasks over time. Task states are
 * computed from the clock when read (a deployment is a start time and a duration), so a deployment
 * costs one timer, never a loop. Methods answer in API terms (status, body, headers); server.ts only
 * routes and authenticates.
 */

export type Scenario = 'hang' | 'fail';
type Mode = 'ok' | Scenario | 'lock';
type Action = 'StartApplication' | 'RestartApplication' | 'ScaleApplication' | 'StopApplication';

export interface ApiReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface TaskRecord {
  id: string;
  host: string;
  slaveId: string;
  ports: number[];
  stagedAtMs: number;
  startedAtMs?: number;
  version: string;
  state: 'TASK_STAGING' | 'TASK_RUNNING';
  /** undefined = no health result yet (Marathon counts such a task as neither healthy nor unhealthy). */
  healthy?: boolean;
}

interface AppRecord {
  def: JsonObject;
  versions: Map<string, JsonObject>;
  tasks: TaskRecord[];
  lastTaskFailure?: JsonObject;
}

interface Part {
  appId: string;
  action: Action;
  mode: Mode;
  target: JsonObject;
  /** The definition before the deployment (undefined when it created the app): what a revert restores. */
  original?: JsonObject;
  oldTasks: TaskRecord[];
  newTasks: TaskRecord[];
  /** Old tasks that stay when the deployment ends (scaling keeps them, a restart replaces them all). */
  keepOld: number;
}

interface Deployment {
  id: string;
  version: string;
  startedMs: number;
  durationMs: number;
  parts: Part[];
  timer?: NodeJS.Timeout;
}

export interface EmulatorEvent {
  eventType: string;
  timestamp: string;
  [key: string]: unknown;
}

const MAX_VERSIONS = 50; // --zk_max_versions default
const LOCKED_MESSAGE =
  "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.";

export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString(); // always yyyy-MM-ddTHH:mm:ss.SSSZ
}

function notFound(id: string): ApiReply {
  return { status: 404, body: { message: `App '${id}' does not exist` } };
}

function deploymentReply(
  status: number,
  version: string,
  deploymentId: string,
  extra: Record<string, string> = {},
): ApiReply {
  return {
    status,
    body: { version, deploymentId },
    headers: { 'Marathon-Deployment-Id': deploymentId, ...extra },
  };
}

function instancesOf(app: JsonObject): number {
  return typeof app['instances'] === 'number' ? app['instances'] : 1;
}

function hasHealthChecks(app: JsonObject): boolean {
  return Array.isArray(app['healthChecks']) && app['healthChecks'].length > 0;
}

function minimumHealthCapacity(app: JsonObject): number {
  const strategy = app['upgradeStrategy'];
  const value = isObject(strategy) ? strategy['minimumHealthCapacity'] : undefined;
  return typeof value === 'number' ? value : 1;
}

function shuffleKey(version: string): number {
  return [...version].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1000003, 7);
}

/** `/ds/dev/shop/api` → `ds_dev_shop_api`, the prefix of Marathon 1.5+ task ids. */
function taskPrefix(appId: string): string {
  return appId.slice(1).replace(/\//g, '_');
}

export interface StateOptions {
  deploymentMs: number;
  onEvent?: (event: EmulatorEvent) => void;
}

export class MarathonState {
  private readonly apps = new Map<string, AppRecord>();
  private readonly running = new Map<string, Deployment>();
  private readonly scenarios = new Map<string, Scenario[]>();
  private lastVersionMs = 0;
  private nextServicePort = 10000;
  private nextAgent = 0;
  private closed = false;

  constructor(private readonly options: StateOptions) {}

  setDeploymentMs(ms: number): void {
    this.options.deploymentMs = ms;
  }

  /** Version timestamps are unique and increase, even for two changes within one millisecond. */
  private newVersion(): string {
    this.lastVersionMs = Math.max(Date.now(), this.lastVersionMs + 1);
    return formatTimestamp(this.lastVersionMs);
  }

  private allocatePort = (): number => this.nextServicePort++;

  private newTask(
    appId: string,
    version: string,
    stagedAtMs: number,
    state: TaskRecord['state'],
    healthy?: boolean,
  ): TaskRecord {
    const agent = this.nextAgent++ % 3;
    return {
      id: `${taskPrefix(appId)}.instance-${randomUUID()}._app.1`,
      host: `agent-${agent + 1}.emulated.marathon`,
      slaveId: `emulated-agent-S${agent}`,
      ports: [31000 + Math.floor(Math.random() * 1000)],
      stagedAtMs,
      startedAtMs: state === 'TASK_RUNNING' ? stagedAtMs + 1 : undefined,
      version,
      state,
      healthy,
    };
  }

  private emit(eventType: string, fields: Record<string, unknown>): void {
    this.options.onEvent?.({ eventType, timestamp: formatTimestamp(Date.now()), ...fields });
  }

  // ---- seeding (no deployment) -------------------------------------------------------------------

  /** An app as if deployed long ago and healthy. Throws (a test or demo bug) when the definition is invalid. */
  seed(app: Record<string, unknown>): JsonObject {
    const input = structuredClone(app) as JsonObject;
    if (typeof input['id'] !== 'string') throw new Error('addApp: the app needs an "id"');
    const id = absoluteId(input['id']);
    const checked = checkAppDefinition({ ...input, id });
    if (!checked.ok) throw new Error(`addApp(${id}): ${JSON.stringify(checked.body)}`);
    const existing = this.apps.get(id);
    if (existing) this.cancelDeploymentsOf(id);
    const def = normalizeApp(checked.app, this.allocatePort, existing?.def);
    const versionInfo = isObject(input['versionInfo']) ? input['versionInfo'] : undefined;
    const given = [input['version'], versionInfo?.['lastConfigChangeAt']].find(
      (v): v is string => typeof v === 'string' && isTimestamp(v),
    );
    const version = given ? formatTimestamp(Date.parse(given)) : this.newVersion();
    const stored: JsonObject = {
      ...def,
      version,
      versionInfo: { lastScalingAt: version, lastConfigChangeAt: version },
    };
    const record: AppRecord = existing ?? { def: stored, versions: new Map(), tasks: [] };
    record.def = stored;
    record.versions.set(version, stored);
    const healthy = hasHealthChecks(stored) ? true : undefined;
    const since = Date.parse(version);
    record.tasks = Array.from({ length: instancesOf(stored) }, () =>
      this.newTask(id, version, since, 'TASK_RUNNING', healthy),
    );
    delete record.lastTaskFailure;
    this.apps.set(id, record);
    return this.appInfo(id, new Set(['counts', 'deployments', 'tasks', 'lastTaskFailure']))!;
  }

  failNext(appId: string, mode: Scenario, times = 1): void {
    const id = absoluteId(appId);
    const list = this.scenarios.get(id) ?? [];
    for (let i = 0; i < times; i++) list.push(mode);
    this.scenarios.set(id, list);
  }

  private takeScenario(appId: string): Mode {
    const list = this.scenarios.get(appId);
    const next = list?.shift();
    if (list && list.length === 0) this.scenarios.delete(appId);
    return next ?? 'ok';
  }

  /** A deployment on the app that never finishes, so the next PUT meets a 409. */
  lock(appId: string): string {
    const id = absoluteId(appId);
    const record = this.apps.get(id);
    if (!record) throw new Error(`lockApp: App '${id}' does not exist`);
    const deployment = this.startDeployment(this.newVersion(), [
      {
        appId: id,
        action: 'RestartApplication',
        mode: 'lock',
        target: record.def,
        original: record.def,
        oldTasks: record.tasks,
        newTasks: [],
        keepOld: record.tasks.length,
      },
    ]);
    return deployment.id;
  }

  // ---- reading -----------------------------------------------------------------------------------

  private deploymentsOf(appId: string): Deployment[] {
    return [...this.running.values()].filter((d) => d.parts.some((p) => p.appId === appId));
  }

  /** Tasks of a deployment part at `now`: old tasks give way as new ones become healthy (or never do). */
  private partView(d: Deployment, part: Part, now: number): { tasks: TaskRecord[]; failure?: JsonObject } {
    if (part.mode === 'lock') return { tasks: part.oldTasks };
    const n = part.newTasks.length;
    const elapsed = Math.max(0, now - d.startedMs);
    const slot = Math.max(1, n > 0 ? d.durationMs / n : d.durationMs);
    const ready =
      part.mode === 'ok' ? Math.min(n, elapsed >= d.durationMs ? n : Math.floor(elapsed / slot)) : 0;
    const instances = instancesOf(part.target);
    const oldAlive =
      part.action === 'RestartApplication'
        ? Math.min(
            part.oldTasks.length,
            Math.max(0, Math.ceil(instances * minimumHealthCapacity(part.target)) - ready),
          )
        : Math.min(part.oldTasks.length, part.keepOld);
    const tasks: TaskRecord[] = part.oldTasks.slice(0, oldAlive);
    const withHealth = hasHealthChecks(part.target);
    for (let i = 0; i < ready; i++) {
      const t = part.newTasks[i]!;
      const launched = d.startedMs + i * slot;
      tasks.push({
        ...t,
        stagedAtMs: launched,
        startedAtMs: launched + slot / 2,
        state: 'TASK_RUNNING',
        healthy: withHealth ? true : undefined,
      });
    }
    let failure: JsonObject | undefined;
    if (ready < n) {
      const t = part.newTasks[ready]!;
      // A task that never gets healthy is restarted again and again: one attempt per slot.
      const attempt = part.mode === 'ok' ? 0 : Math.floor(elapsed / slot);
      const launched = d.startedMs + (part.mode === 'ok' ? ready * slot : attempt * slot);
      const phase = (now - launched) / slot;
      const running = phase >= 0.5;
      tasks.push({
        ...t,
        stagedAtMs: launched,
        startedAtMs: running ? launched + slot / 2 : undefined,
        state: running ? 'TASK_RUNNING' : 'TASK_STAGING',
        healthy: running && withHealth && part.mode !== 'ok' ? false : undefined,
      });
      if (part.mode !== 'ok' && attempt > 0)
        failure = this.failureOf(part.appId, t, d.startedMs + attempt * slot);
    }
    return { tasks, failure };
  }

  private failureOf(appId: string, task: TaskRecord, atMs: number): JsonObject {
    return {
      appId,
      host: task.host,
      message: 'Container exited with status 1',
      state: 'TASK_FAILED',
      taskId: task.id,
      timestamp: formatTimestamp(atMs),
      version: task.version,
      slaveId: task.slaveId,
    };
  }

  private currentTasks(appId: string, now: number): { tasks: TaskRecord[]; failure?: JsonObject } {
    const record = this.apps.get(appId)!;
    for (const d of this.deploymentsOf(appId)) {
      const part = d.parts.find((p) => p.appId === appId)!;
      if (part.mode !== 'lock') {
        const view = this.partView(d, part, now);
        return { tasks: view.tasks, failure: view.failure ?? record.lastTaskFailure };
      }
    }
    return { tasks: record.tasks, failure: record.lastTaskFailure };
  }

  private renderTask(appId: string, app: JsonObject, t: TaskRecord): JsonObject {
    const task: JsonObject = {
      appId,
      host: t.host,
      id: t.id,
      ipAddresses: [{ ipAddress: '127.0.0.1', protocol: 'IPv4' }],
      ports: t.ports,
      servicePorts: (Array.isArray(app['portDefinitions']) ? app['portDefinitions'] : [])
        .map((p) => (isObject(p) ? p['port'] : undefined))
        .filter((p): p is number => typeof p === 'number'),
      slaveId: t.slaveId,
      state: t.state,
      stagedAt: formatTimestamp(t.stagedAtMs),
      version: t.version,
      localVolumes: [],
      role: '*',
    };
    if (t.startedAtMs !== undefined) task['startedAt'] = formatTimestamp(t.startedAtMs);
    if (hasHealthChecks(app) && t.healthy !== undefined) {
      const at = formatTimestamp(t.startedAtMs ?? t.stagedAtMs);
      task['healthCheckResults'] = [
        {
          alive: t.healthy,
          consecutiveFailures: t.healthy ? 0 : 1,
          firstSuccess: t.healthy ? at : null,
          lastFailure: t.healthy ? null : at,
          lastSuccess: t.healthy ? at : null,
          lastFailureCause: t.healthy ? null : 'ConnectException: Connection refused',
          instanceId: t.id.replace(/\._app\.\d+$/, ''),
        },
      ];
    }
    return task;
  }

  /** AppInfo as the API shows it, with the requested embeds. */
  appInfo(appId: string, embed: Set<string>, now = Date.now()): JsonObject | undefined {
    const record = this.apps.get(appId);
    if (!record) return undefined;
    const app = record.def;
    const info: JsonObject = structuredClone(app);
    const { tasks, failure } = this.currentTasks(appId, now);
    if (embed.has('counts')) {
      const withHealth = hasHealthChecks(app);
      info['tasksStaged'] = tasks.filter((t) => t.state === 'TASK_STAGING').length;
      info['tasksRunning'] = tasks.filter((t) => t.state === 'TASK_RUNNING').length;
      info['tasksHealthy'] = withHealth ? tasks.filter((t) => t.healthy === true).length : 0;
      info['tasksUnhealthy'] = withHealth ? tasks.filter((t) => t.healthy === false).length : 0;
    }
    if (embed.has('deployments')) info['deployments'] = this.deploymentsOf(appId).map((d) => ({ id: d.id }));
    if (embed.has('readiness')) info['readinessCheckResults'] = [];
    if (embed.has('tasks')) info['tasks'] = tasks.map((t) => this.renderTask(appId, app, t));
    if (embed.has('lastTaskFailure') && failure) info['lastTaskFailure'] = failure;
    if (embed.has('taskStats') && tasks.length > 0) {
      const counts = {
        staged: tasks.filter((t) => t.state === 'TASK_STAGING').length,
        running: tasks.filter((t) => t.state === 'TASK_RUNNING').length,
        healthy: tasks.filter((t) => t.healthy === true).length,
        unhealthy: tasks.filter((t) => t.healthy === false).length,
      };
      info['tasksStats'] = { totalSummary: { stats: { counts } } };
    }
    return info;
  }

  listApps(query: { id?: string; cmd?: string; label?: string }, embed: Set<string>): JsonObject[] {
    const idFilter = query.id?.toLowerCase();
    const cmdFilter = query.cmd?.toLowerCase();
    const labels = query.label !== undefined ? parseLabelSelector(query.label) : undefined;
    const now = Date.now();
    const out: JsonObject[] = [];
    for (const [id, record] of [...this.apps].sort(([a], [b]) => a.localeCompare(b))) {
      // A substring, not a prefix (reference sheet §1): `/ds/dev` also matches `/ds/dev2/x`.
      if (idFilter !== undefined && !id.toLowerCase().includes(idFilter)) continue;
      const cmd = record.def['cmd'];
      if (cmdFilter !== undefined && !(typeof cmd === 'string' && cmd.toLowerCase().includes(cmdFilter)))
        continue;
      if (labels && !matchesLabels(labels, (record.def['labels'] as Record<string, unknown>) ?? {})) continue;
      out.push(this.appInfo(id, embed, now)!);
    }
    return out;
  }

  /** Apps transitively inside a group (`GET /v2/apps/{group}/*`); undefined when no such group. */
  appsInGroup(groupId: string, embed: Set<string>): JsonObject[] | undefined {
    const group = absoluteId(groupId);
    const prefix = group === '/' ? '/' : `${group}/`;
    const ids = [...this.apps.keys()].filter((id) => id.startsWith(prefix)).sort();
    if (ids.length === 0 && group !== '/') return undefined;
    const now = Date.now();
    return ids.map((id) => this.appInfo(id, embed, now)!);
  }

  hasApp(appId: string): boolean {
    return this.apps.has(appId);
  }

  versionsOf(appId: string): string[] | undefined {
    const record = this.apps.get(appId);
    if (!record) return undefined;
    // The API gives no order (marathon-ui PR #795); a stable shuffle keeps clients from relying on one.
    return [...record.versions.keys()].sort((a, b) => shuffleKey(a) - shuffleKey(b));
  }

  appVersion(appId: string, version: string): JsonObject | undefined {
    const record = this.apps.get(appId);
    if (!record || !isTimestamp(version)) return undefined;
    return record.versions.get(formatTimestamp(Date.parse(version)));
  }

  tasksOf(appId: string): JsonObject[] | undefined {
    const record = this.apps.get(appId);
    if (!record) return undefined;
    return this.currentTasks(appId, Date.now()).tasks.map((t) => this.renderTask(appId, record.def, t));
  }

  deploymentList(): JsonObject[] {
    return [...this.running.values()].map((d) => {
      const actions = d.parts.map((p) => ({ action: p.action, app: p.appId }));
      return {
        id: d.id,
        version: d.version,
        affectedApps: d.parts.map((p) => p.appId),
        affectedPods: [],
        steps: [{ actions }],
        currentActions: actions.map((a) => ({ ...a, readinessCheckResults: [] })),
        currentStep: 1,
        totalSteps: 1,
      };
    });
  }

  // ---- changing ----------------------------------------------------------------------------------

  private storeVersion(record: AppRecord, def: JsonObject): void {
    record.versions.set(String(def['version']), def);
    while (record.versions.size > MAX_VERSIONS) {
      const oldest = [...record.versions.keys()].sort()[0]!;
      record.versions.delete(oldest);
    }
  }

  private startDeployment(version: string, parts: Part[]): Deployment {
    const deployment: Deployment = {
      id: randomUUID(),
      version,
      startedMs: Date.now(),
      durationMs: this.options.deploymentMs,
      parts,
    };
    this.running.set(deployment.id, deployment);
    this.emit('deployment_info', { plan: { id: deployment.id, version } });
    if (parts.every((p) => p.mode === 'ok' || p.mode === 'fail')) {
      deployment.timer = setTimeout(() => this.finish(deployment), deployment.durationMs);
      deployment.timer.unref();
    }
    return deployment;
  }

  private finish(d: Deployment): void {
    if (!this.running.has(d.id) || this.closed) return;
    const end = d.startedMs + d.durationMs;
    for (const part of d.parts) {
      const record = this.apps.get(part.appId);
      if (!record) continue;
      const withHealth = hasHealthChecks(part.target);
      const kept = part.oldTasks.slice(0, part.action === 'RestartApplication' ? 0 : part.keepOld);
      const slot = part.newTasks.length > 0 ? d.durationMs / part.newTasks.length : 0;
      if (part.mode === 'fail') {
        // The deployment is gone, the new version never runs: tasks keep failing (reference §6.3).
        record.tasks = [
          ...kept,
          ...part.newTasks.map((t) =>
            withHealth
              ? { ...t, stagedAtMs: end, startedAtMs: end, state: 'TASK_RUNNING' as const, healthy: false }
              : { ...t, stagedAtMs: end, state: 'TASK_STAGING' as const, healthy: undefined },
          ),
        ];
        const last = part.newTasks[0];
        if (last) record.lastTaskFailure = this.failureOf(part.appId, last, end);
      } else {
        record.tasks = [
          ...kept,
          ...part.newTasks.map((t, i) => ({
            ...t,
            stagedAtMs: d.startedMs + i * slot,
            startedAtMs: d.startedMs + i * slot + slot / 2,
            state: 'TASK_RUNNING' as const,
            healthy: withHealth ? true : undefined,
          })),
        ];
        delete record.lastTaskFailure;
      }
    }
    this.running.delete(d.id);
    this.emit('deployment_success', { id: d.id, plan: { id: d.id, version: d.version } });
  }

  /** Stops a deployment where it stands: the tasks stay as they are at this moment. */
  private cancel(d: Deployment, reason: string): void {
    if (d.timer) clearTimeout(d.timer);
    const now = Date.now();
    for (const part of d.parts) {
      const record = this.apps.get(part.appId);
      if (!record) continue;
      const view = this.partView(d, part, now);
      record.tasks = view.tasks;
      if (view.failure) record.lastTaskFailure = view.failure;
    }
    this.running.delete(d.id);
    this.emit('deployment_failed', { id: d.id, plan: { id: d.id, version: d.version }, reason });
  }

  private cancelDeploymentsOf(appId: string): void {
    for (const d of this.deploymentsOf(appId)) this.cancel(d, 'cancelled by a forced update');
  }

  private plan(
    record: AppRecord | undefined,
    id: string,
    next: JsonObject | undefined,
    change: Change | 'create' | 'restart' | 'delete',
  ): Part {
    const current = record?.def;
    const oldTasks = record ? this.currentTasks(id, Date.now()).tasks : [];
    const target = next ?? current!;
    const instances = change === 'delete' ? 0 : instancesOf(target);
    const action: Action =
      change === 'create'
        ? 'StartApplication'
        : change === 'delete'
          ? 'StopApplication'
          : change === 'scale'
            ? 'ScaleApplication'
            : 'RestartApplication';
    const restart = action === 'RestartApplication' || action === 'StartApplication';
    const needed = restart ? instances : Math.max(0, instances - oldTasks.length);
    const version = String(target['version']);
    return {
      appId: id,
      action,
      mode: change === 'delete' ? 'ok' : this.takeScenario(id),
      target,
      original: current,
      oldTasks,
      newTasks: Array.from({ length: needed }, () => this.newTask(id, version, Date.now(), 'TASK_STAGING')),
      keepOld: restart ? 0 : Math.min(oldTasks.length, instances),
    };
  }

  /** 409 body naming the deployments that lock an app, or undefined when it is free (or forced free). */
  private lockCheck(id: string, force: boolean): ApiReply | undefined {
    const blocking = this.deploymentsOf(id);
    if (blocking.length === 0) return undefined;
    if (!force) {
      return {
        status: 409,
        body: { message: LOCKED_MESSAGE, deployments: blocking.map((d) => ({ id: d.id })) },
      };
    }
    for (const d of blocking) this.cancel(d, 'overridden by a forced update');
    return undefined;
  }

  private commit(
    record: AppRecord | undefined,
    id: string,
    next: JsonObject,
    change: Change | 'create' | 'restart',
  ): ApiReply {
    const planVersion = this.newVersion();
    if (change === 'none') {
      // Marathon still builds a plan; it has no steps and is done at once (reference §3.1).
      return deploymentReply(200, planVersion, randomUUID());
    }
    const previous = record?.def;
    const lastConfigChangeAt =
      change === 'scale' && isObject(previous?.['versionInfo'])
        ? (previous['versionInfo']['lastConfigChangeAt'] as Json)
        : planVersion;
    const stored: JsonObject = {
      ...definitionOnly(next),
      version: planVersion,
      versionInfo: { lastScalingAt: planVersion, lastConfigChangeAt },
    };
    const part = this.plan(record, id, stored, change);
    const target = record ?? { def: stored, versions: new Map(), tasks: [] };
    target.def = stored;
    this.storeVersion(target, stored);
    this.apps.set(id, target);
    const deployment = this.startDeployment(planVersion, [part]);
    if (change === 'create') return deploymentReply(201, planVersion, deployment.id, { Location: id });
    return deploymentReply(200, planVersion, deployment.id);
  }

  /** PUT (create allowed) and PATCH (not) of `/v2/apps/{id}`. */
  updateApp(
    pathId: string,
    body: Json,
    options: { force: boolean; partialUpdate: boolean; allowCreate: boolean },
  ): ApiReply {
    const id = absoluteId(pathId);
    if (!isObject(body)) {
      return {
        status: 422,
        body: { message: 'Invalid JSON', details: [{ path: '', errors: ['error.expected.jsobject'] }] },
      };
    }
    const record = this.apps.get(id);
    if (options.partialUpdate && body['version'] !== undefined && body['version'] !== null) {
      return this.rollbackTo(record, id, body, options.force);
    }
    const update: JsonObject = { ...body };
    delete update['version'];
    delete update['versionInfo'];
    if (!record && !options.allowCreate) return notFound(id);
    const candidate: JsonObject =
      record && options.partialUpdate
        ? { ...mergeUpdate(definitionOnly(record.def), update), id }
        : { ...update, id };
    const checked = checkAppDefinition(candidate);
    if (!checked.ok) return { status: 422, body: checked.body };
    const next = normalizeApp(checked.app, this.allocatePort, record?.def);
    const change = record ? changeBetween(record.def, next) : 'create';
    if (change !== 'none') {
      const locked = this.lockCheck(id, options.force);
      if (locked) return locked;
    }
    return this.commit(record, id, next, change);
  }

  private rollbackTo(record: AppRecord | undefined, id: string, body: JsonObject, force: boolean): ApiReply {
    const others = Object.keys(body).filter((k) => k !== 'id' && k !== 'version');
    if (others.length > 0) {
      return {
        status: 422,
        body: invalid('/', "The 'version' field may only be combined with the 'id' field."),
      };
    }
    const version = body['version'];
    if (typeof version !== 'string') {
      return {
        status: 422,
        body: {
          message: 'Invalid JSON',
          details: [{ path: '/version', errors: ['error.expected.jsstring'] }],
        },
      };
    }
    if (!isTimestamp(version)) {
      return {
        status: 422,
        body: { message: `Invalid timestamp provided '${version}'. Expecting ISO-8601 datetime string.` },
      };
    }
    if (!record) return notFound(id);
    const old = record.versions.get(formatTimestamp(Date.parse(version)));
    if (!old) return notFound(id);
    // The stored definition of that version is restored whole, under a new version (reference §5).
    const next = definitionOnly(old);
    const change = changeBetween(record.def, next);
    if (change !== 'none') {
      const locked = this.lockCheck(id, force);
      if (locked) return locked;
    }
    return this.commit(record, id, next, change === 'none' ? 'none' : 'config');
  }

  /** POST /v2/apps. */
  createApp(body: Json): ApiReply {
    if (!isObject(body)) {
      return {
        status: 422,
        body: { message: 'Invalid JSON', details: [{ path: '', errors: ['error.expected.jsobject'] }] },
      };
    }
    if (typeof body['id'] !== 'string') {
      return {
        status: 422,
        body: { message: 'Invalid JSON', details: [{ path: '/id', errors: ['error.path.missing'] }] },
      };
    }
    const id = absoluteId(body['id']);
    if (this.apps.has(id))
      return { status: 409, body: { message: `An app with id [${id}] already exists.` } };
    const update: JsonObject = { ...body, id };
    delete update['version'];
    delete update['versionInfo'];
    const checked = checkAppDefinition(update);
    if (!checked.ok) return { status: 422, body: checked.body };
    const reply = this.commit(undefined, id, normalizeApp(checked.app, this.allocatePort), 'create');
    const deploymentId = reply.headers!['Marathon-Deployment-Id']!;
    return {
      status: 201,
      body: this.appInfo(id, new Set(['counts', 'deployments', 'tasks'])),
      headers: { Location: id, 'Marathon-Deployment-Id': deploymentId },
    };
  }

  /** POST /v2/apps/{id}/restart: same definition, new version, all tasks replaced. */
  restartApp(pathId: string, force: boolean): ApiReply {
    const id = absoluteId(pathId);
    const record = this.apps.get(id);
    if (!record) return notFound(id);
    const locked = this.lockCheck(id, force);
    if (locked) return locked;
    return this.commit(record, id, definitionOnly(record.def), 'restart');
  }

  /** DELETE /v2/apps/{id}: the app is gone at once; its tasks are killed by a StopApplication deployment. */
  deleteApp(pathId: string, force: boolean): ApiReply {
    const id = absoluteId(pathId);
    const record = this.apps.get(id);
    if (!record) return notFound(id);
    const locked = this.lockCheck(id, force);
    if (locked) return locked;
    const part = this.plan(record, id, undefined, 'delete');
    this.apps.delete(id);
    const version = this.newVersion();
    const deployment = this.startDeployment(version, [part]);
    return deploymentReply(200, version, deployment.id);
  }

  /** DELETE /v2/deployments/{id}: revert (default) or just forget it (force). */
  deleteDeployment(deploymentId: string, force: boolean): ApiReply {
    const d = this.running.get(deploymentId);
    if (!d) return { status: 404, body: { message: `DeploymentPlan ${deploymentId} does not exist` } };
    this.cancel(d, force ? 'cancelled' : 'reverted');
    if (force) return { status: 202 };
    const version = this.newVersion();
    const parts: Part[] = [];
    for (const part of d.parts) {
      const record = this.apps.get(part.appId);
      if (!record) continue;
      if (!part.original) {
        parts.push(this.plan(record, part.appId, undefined, 'delete'));
        this.apps.delete(part.appId);
        continue;
      }
      const change = changeBetween(record.def, part.original);
      record.def = part.original;
      if (change !== 'none') parts.push(this.plan(record, part.appId, part.original, change));
      else if (record.tasks.some((t) => t.version !== record.def['version'] || t.healthy === false)) {
        parts.push(this.plan(record, part.appId, part.original, 'config'));
      }
    }
    if (parts.length === 0) return deploymentReply(200, version, randomUUID());
    const revert = this.startDeployment(version, parts);
    return deploymentReply(200, version, revert.id);
  }

  /** For tests and the demo: a definition without the read-only fields, as stored. */
  storedDefinition(appId: string): JsonObject | undefined {
    const def = this.apps.get(absoluteId(appId))?.def;
    if (!def) return undefined;
    const out = { ...def };
    for (const field of READ_ONLY_FIELDS)
      if (field !== 'version' && field !== 'versionInfo') delete out[field];
    return out;
  }

  close(): void {
    this.closed = true;
    for (const d of this.running.values()) if (d.timer) clearTimeout(d.timer);
  }
}
