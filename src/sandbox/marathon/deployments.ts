import { randomUUID } from 'node:crypto';
import type { Change } from './definition';
import type { VersionHistory } from './history';
import type { ApiReply } from './replies';
import {
  failureOf,
  formatTimestamp,
  hasHealthChecks,
  instancesOf,
  tasksDuring,
  type TaskFactory,
  type TaskRecord,
} from './tasks';
import type { JsonObject } from './validate';

/**
 * Emulated deployments over time. A deployment is a start time and a duration: the tasks at any
 * moment are computed when read, so a deployment costs one timer, never a loop. Scenarios make the
 * next deployment of an app hang or fail (reference §6.3: deployments have no timeout).
 */

export type Scenario = 'hang' | 'fail';
type Mode = 'ok' | Scenario | 'lock';
type Action = 'StartApplication' | 'RestartApplication' | 'ScaleApplication' | 'StopApplication';

/** One app as the emulator stores it. */
export interface AppRecord {
  def: JsonObject;
  versions: VersionHistory;
  tasks: TaskRecord[];
  lastTaskFailure?: JsonObject;
}

export interface Part {
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

export interface Deployment {
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

const LOCKED_MESSAGE =
  "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.";

export interface DeploymentsOptions {
  apps: Map<string, AppRecord>;
  tasks: TaskFactory;
  durationMs: () => number;
  onEvent?: (event: EmulatorEvent) => void;
}

export class Deployments {
  private readonly running = new Map<string, Deployment>();
  private readonly scenarios = new Map<string, Scenario[]>();
  private closed = false;

  constructor(private readonly options: DeploymentsOptions) {}

  private emit(eventType: string, fields: Record<string, unknown>): void {
    this.options.onEvent?.({ eventType, timestamp: formatTimestamp(Date.now()), ...fields });
  }

  failNext(appId: string, mode: Scenario, times: number): void {
    const list = this.scenarios.get(appId) ?? [];
    for (let i = 0; i < times; i++) list.push(mode);
    this.scenarios.set(appId, list);
  }

  private takeScenario(appId: string): Mode {
    const list = this.scenarios.get(appId);
    const next = list?.shift();
    if (list && list.length === 0) this.scenarios.delete(appId);
    return next ?? 'ok';
  }

  /** A deployment on the app that never finishes, so the next change meets a 409. */
  lock(appId: string, record: AppRecord, version: string): string {
    const part: Part = {
      appId,
      action: 'RestartApplication',
      mode: 'lock',
      target: record.def,
      original: record.def,
      oldTasks: record.tasks,
      newTasks: [],
      keepOld: record.tasks.length,
    };
    return this.start(version, [part]).id;
  }

  of(appId: string): Deployment[] {
    return [...this.running.values()].filter((d) => d.parts.some((p) => p.appId === appId));
  }

  /** The tasks of an app at `now`, and its last failure, deployments in flight included. */
  currentTasks(appId: string, now: number): { tasks: TaskRecord[]; failure?: JsonObject } {
    const record = this.options.apps.get(appId)!;
    for (const d of this.of(appId)) {
      const part = d.parts.find((p) => p.appId === appId)!;
      if (part.mode !== 'lock') {
        const view = tasksDuring(part, d.startedMs, d.durationMs, now);
        return { tasks: view.tasks, failure: view.failure ?? record.lastTaskFailure };
      }
    }
    return { tasks: record.tasks, failure: record.lastTaskFailure };
  }

  /** `GET /v2/deployments`: a bare array (reference §6.1). */
  list(): JsonObject[] {
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

  /** What a change means for the app's tasks: which to start, which to keep (DeploymentPlan). */
  plan(
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
      newTasks: Array.from({ length: needed }, () =>
        this.options.tasks.create(id, version, Date.now(), 'TASK_STAGING'),
      ),
      keepOld: restart ? 0 : Math.min(oldTasks.length, instances),
    };
  }

  start(version: string, parts: Part[]): Deployment {
    const deployment: Deployment = {
      id: randomUUID(),
      version,
      startedMs: Date.now(),
      durationMs: this.options.durationMs(),
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
      const record = this.options.apps.get(part.appId);
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
        if (last) record.lastTaskFailure = failureOf(part.appId, last, end);
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
  cancel(d: Deployment, reason: string): void {
    if (d.timer) clearTimeout(d.timer);
    const now = Date.now();
    for (const part of d.parts) {
      const record = this.options.apps.get(part.appId);
      if (!record) continue;
      const view = tasksDuring(part, d.startedMs, d.durationMs, now);
      record.tasks = view.tasks;
      if (view.failure) record.lastTaskFailure = view.failure;
    }
    this.running.delete(d.id);
    this.emit('deployment_failed', { id: d.id, plan: { id: d.id, version: d.version }, reason });
  }

  cancelAllOf(appId: string, reason: string): void {
    for (const d of this.of(appId)) this.cancel(d, reason);
  }

  get(deploymentId: string): Deployment | undefined {
    return this.running.get(deploymentId);
  }

  /** 409 body naming the deployments that lock an app, or undefined when it is free (or forced free). */
  lockCheck(id: string, force: boolean): ApiReply | undefined {
    const blocking = this.of(id);
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

  close(): void {
    this.closed = true;
    for (const d of this.running.values()) if (d.timer) clearTimeout(d.timer);
  }
}
