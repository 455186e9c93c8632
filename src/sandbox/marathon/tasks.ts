import { randomUUID } from 'node:crypto';
import { isObject } from './definition';
import type { Part } from './deployments';
import type { JsonObject } from './validate';

/**
 * Emulated tasks: what one instance of an app is, and how the API shows it (RAML `task.raml`,
 * example `app_tasks.json`). Pure apart from the ids and ports they are given.
 */

export interface TaskRecord {
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

export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString(); // always yyyy-MM-ddTHH:mm:ss.SSSZ
}

export function instancesOf(app: JsonObject): number {
  return typeof app['instances'] === 'number' ? app['instances'] : 1;
}

export function hasHealthChecks(app: JsonObject): boolean {
  return Array.isArray(app['healthChecks']) && app['healthChecks'].length > 0;
}

export function minimumHealthCapacity(app: JsonObject): number {
  const strategy = app['upgradeStrategy'];
  const value = isObject(strategy) ? strategy['minimumHealthCapacity'] : undefined;
  return typeof value === 'number' ? value : 1;
}

/** `/ds/dev/shop/api` → `ds_dev_shop_api`, the prefix of Marathon 1.5+ task ids. */
function taskPrefix(appId: string): string {
  return appId.slice(1).replace(/\//g, '_');
}

/** Hands out tasks spread over three emulated agents. */
export class TaskFactory {
  private nextAgent = 0;

  create(
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
}

/** The `lastTaskFailure` of a task that exited at `atMs`. */
export function failureOf(appId: string, task: TaskRecord, atMs: number): JsonObject {
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

/** A task as `tasks[]` of AppInfo and `GET /v2/apps/{id}/tasks` show it. */
export function renderTask(appId: string, app: JsonObject, t: TaskRecord): JsonObject {
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

/** The counts AppInfo always embeds (`tasksStaged`…), from the tasks at one moment. */
export function taskCounts(app: JsonObject, tasks: TaskRecord[]): JsonObject {
  const withHealth = hasHealthChecks(app);
  return {
    tasksStaged: tasks.filter((t) => t.state === 'TASK_STAGING').length,
    tasksRunning: tasks.filter((t) => t.state === 'TASK_RUNNING').length,
    tasksHealthy: withHealth ? tasks.filter((t) => t.healthy === true).length : 0,
    tasksUnhealthy: withHealth ? tasks.filter((t) => t.healthy === false).length : 0,
  };
}

/** `tasksStats` (embed `taskStats`), reduced to the total summary. */
export function taskStats(tasks: TaskRecord[]): JsonObject {
  const counts = {
    staged: tasks.filter((t) => t.state === 'TASK_STAGING').length,
    running: tasks.filter((t) => t.state === 'TASK_RUNNING').length,
    healthy: tasks.filter((t) => t.healthy === true).length,
    unhealthy: tasks.filter((t) => t.healthy === false).length,
  };
  return { totalSummary: { stats: { counts } } };
}

/** Tasks of a deployment's part at `now`: old tasks give way as new ones become healthy (or never do). */
export function tasksDuring(
  part: Part,
  startedMs: number,
  durationMs: number,
  now: number,
): { tasks: TaskRecord[]; failure?: JsonObject } {
  if (part.mode === 'lock') return { tasks: part.oldTasks };
  const n = part.newTasks.length;
  const elapsed = Math.max(0, now - startedMs);
  const slot = Math.max(1, n > 0 ? durationMs / n : durationMs);
  const ready = part.mode === 'ok' ? Math.min(n, elapsed >= durationMs ? n : Math.floor(elapsed / slot)) : 0;
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
    const launched = startedMs + i * slot;
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
    const launched = startedMs + (part.mode === 'ok' ? ready * slot : attempt * slot);
    const phase = (now - launched) / slot;
    const running = phase >= 0.5;
    tasks.push({
      ...t,
      stagedAtMs: launched,
      startedAtMs: running ? launched + slot / 2 : undefined,
      state: running ? 'TASK_RUNNING' : 'TASK_STAGING',
      healthy: running && withHealth && part.mode !== 'ok' ? false : undefined,
    });
    if (part.mode !== 'ok' && attempt > 0) failure = failureOf(part.appId, t, startedMs + attempt * slot);
  }
  return { tasks, failure };
}
