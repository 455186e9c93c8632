import { AppChanges } from './changes';
import { absoluteId, isObject, normalizeApp, READ_ONLY_FIELDS } from './definition';
import { Deployments, type AppRecord, type EmulatorEvent, type Scenario } from './deployments';
import { DEFAULT_MAX_VERSIONS, VersionHistory, versionInfoAfter } from './history';
import { matchesLabels, parseLabelSelector } from './labels';
import type { ApiReply } from './replies';
import { seededApp, type HistoryEntry } from './seeding';
import {
  formatTimestamp,
  hasHealthChecks,
  instancesOf,
  renderTask,
  TaskFactory,
  taskCounts,
  taskStats,
} from './tasks';
import { checkAppDefinition, isTimestamp, type Json, type JsonObject } from './validate';

/**
 * The emulated Marathon's apps: seeding, reading, and the entry to every change, in API terms (status,
 * body, headers). The changes themselves are in changes.ts, deployments and tasks over time in
 * deployments.ts, each app's versions in history.ts; routes.ts and server.ts do the HTTP.
 */

export type { ApiReply } from './replies';
export type { EmulatorEvent } from './deployments';
export type { Scenario } from './deployments';
export type { HistoryEntry } from './seeding';
export { formatTimestamp } from './tasks';

export interface StateOptions {
  deploymentMs: number;
  onEvent?: (event: EmulatorEvent) => void;
  /** Versions kept per app (Marathon's `--zk_max_versions`, default 50). */
  maxVersions?: number;
}

export class MarathonState {
  private readonly apps = new Map<string, AppRecord>();
  private readonly tasks = new TaskFactory();
  private readonly deployments: Deployments;
  private readonly changes: AppChanges;
  private readonly maxVersions: number;
  private lastVersionMs = 0;
  private nextServicePort = 10000;

  constructor(private readonly options: StateOptions) {
    this.maxVersions = options.maxVersions ?? DEFAULT_MAX_VERSIONS;
    if (!Number.isInteger(this.maxVersions) || this.maxVersions < 1)
      throw new Error(`maxVersions must be a whole number of at least 1, not ${this.maxVersions}`);
    this.deployments = new Deployments({
      apps: this.apps,
      tasks: this.tasks,
      durationMs: () => this.options.deploymentMs,
      onEvent: options.onEvent,
    });
    this.changes = new AppChanges({
      apps: this.apps,
      deployments: this.deployments,
      newVersion: () => this.newVersion(),
      allocatePort: this.allocatePort,
      newHistory: (id) => this.newHistory(id),
    });
  }

  setDeploymentMs(ms: number): void {
    this.options.deploymentMs = ms;
  }

  /** Version timestamps are unique and increase, even for two changes within one millisecond. */
  private newVersion(): string {
    this.lastVersionMs = Math.max(Date.now(), this.lastVersionMs + 1);
    return formatTimestamp(this.lastVersionMs);
  }

  private allocatePort = (): number => this.nextServicePort++;

  private newHistory(id: string): VersionHistory {
    return new VersionHistory(id, this.maxVersions);
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
    if (existing) this.deployments.cancelAllOf(id, 'cancelled by a forced update');
    const def = normalizeApp(checked.app, this.allocatePort, existing?.def);
    const versionInfo = isObject(input['versionInfo']) ? input['versionInfo'] : undefined;
    const given = [input['version'], versionInfo?.['lastConfigChangeAt']].find(
      (v): v is string => typeof v === 'string' && isTimestamp(v),
    );
    const version = given ? formatTimestamp(Date.parse(given)) : this.newVersion();
    const stored: JsonObject = {
      ...def,
      version,
      versionInfo: versionInfoAfter('create', version, undefined),
    };
    const record: AppRecord = existing ?? { def: stored, versions: this.newHistory(id), tasks: [] };
    record.def = stored;
    record.versions.add(stored);
    const healthy = hasHealthChecks(stored) ? true : undefined;
    record.tasks = Array.from({ length: instancesOf(stored) }, () =>
      this.tasks.create(id, version, Date.parse(version), 'TASK_RUNNING', healthy),
    );
    delete record.lastTaskFailure;
    this.apps.set(id, record);
    return this.appInfo(id, new Set(['counts', 'deployments', 'tasks', 'lastTaskFailure']))!;
  }

  /** An app with a history in the past (see seeding.ts); replaces an app of that id, versions and all. */
  seedHistory(appId: string, history: readonly HistoryEntry[]): JsonObject {
    const id = absoluteId(appId);
    const existing = this.apps.get(id);
    if (existing) this.deployments.cancelAllOf(id, 'cancelled by a forced update');
    const record = seededApp(id, history, {
      allocatePort: this.allocatePort,
      tasks: this.tasks,
      versions: this.newHistory(id),
      now: Date.now(),
    });
    this.lastVersionMs = Math.max(this.lastVersionMs, Date.parse(String(record.def['version'])));
    this.apps.set(id, record);
    return this.appInfo(id, new Set(['counts', 'deployments', 'tasks', 'lastTaskFailure']))!;
  }

  failNext(appId: string, mode: Scenario, times = 1): void {
    this.deployments.failNext(absoluteId(appId), mode, times);
  }

  /** A deployment on the app that never finishes, so the next PUT meets a 409. */
  lock(appId: string): string {
    const id = absoluteId(appId);
    const record = this.apps.get(id);
    if (!record) throw new Error(`lockApp: App '${id}' does not exist`);
    return this.deployments.lock(id, record, this.newVersion());
  }

  // ---- reading -----------------------------------------------------------------------------------

  /** AppInfo as the API shows it, with the requested embeds. */
  appInfo(appId: string, embed: Set<string>, now = Date.now()): JsonObject | undefined {
    const record = this.apps.get(appId);
    if (!record) return undefined;
    const app = record.def;
    const info: JsonObject = structuredClone(app);
    const { tasks, failure } = this.deployments.currentTasks(appId, now);
    if (embed.has('counts')) Object.assign(info, taskCounts(app, tasks));
    if (embed.has('deployments')) info['deployments'] = this.deployments.of(appId).map((d) => ({ id: d.id }));
    if (embed.has('readiness')) info['readinessCheckResults'] = [];
    if (embed.has('tasks')) info['tasks'] = tasks.map((t) => renderTask(appId, app, t));
    if (embed.has('lastTaskFailure') && failure) info['lastTaskFailure'] = failure;
    if (embed.has('taskStats') && tasks.length > 0) info['tasksStats'] = taskStats(tasks);
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
    return this.apps.has(absoluteId(appId));
  }

  /** `GET /v2/apps/{id}/versions`: every kept version, in no guaranteed order (reference §5). */
  versionsOf(appId: string): string[] | undefined {
    return this.apps.get(appId)?.versions.list();
  }

  /** `GET /v2/apps/{id}/versions/{version}`: the bare App of that version. */
  appVersion(appId: string, version: string): JsonObject | undefined {
    if (!isTimestamp(version)) return undefined;
    return this.apps.get(appId)?.versions.get(formatTimestamp(Date.parse(version)));
  }

  tasksOf(appId: string): JsonObject[] | undefined {
    const record = this.apps.get(appId);
    if (!record) return undefined;
    const { tasks } = this.deployments.currentTasks(appId, Date.now());
    return tasks.map((t) => renderTask(appId, record.def, t));
  }

  deploymentList(): JsonObject[] {
    return this.deployments.list();
  }

  // ---- changing (changes.ts) --------------------------------------------------------------------

  updateApp(
    pathId: string,
    body: Json,
    options: { force: boolean; partialUpdate: boolean; allowCreate: boolean },
  ): ApiReply {
    return this.changes.updateApp(pathId, body, options);
  }

  /** POST /v2/apps: 201 with the new app as the body. */
  createApp(body: Json): ApiReply {
    const reply = this.changes.createApp(body);
    if (reply.status !== 201) return reply;
    const id = reply.headers!['Location']!;
    return { ...reply, body: this.appInfo(id, new Set(['counts', 'deployments', 'tasks'])) };
  }

  restartApp(pathId: string, force: boolean): ApiReply {
    return this.changes.restartApp(pathId, force);
  }

  deleteApp(pathId: string, force: boolean): ApiReply {
    return this.changes.deleteApp(pathId, force);
  }

  deleteDeployment(deploymentId: string, force: boolean): ApiReply {
    return this.changes.deleteDeployment(deploymentId, force);
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
    this.deployments.close();
  }
}
