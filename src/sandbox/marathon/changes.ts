import { randomUUID } from 'node:crypto';
import {
  absoluteId,
  changeBetween,
  definitionOnly,
  isObject,
  mergeUpdate,
  normalizeApp,
  type Change,
  type PortAllocator,
} from './definition';
import type { AppRecord, Deployments, Part } from './deployments';
import { versionInfoAfter, type VersionHistory, type VersionInfo } from './history';
import { appNotFound, deploymentReply, notAnObject, type ApiReply } from './replies';
import { formatTimestamp } from './tasks';
import { checkAppDefinition, invalid, isTimestamp, type Json, type JsonObject } from './validate';

/**
 * Every change of an app through the API, as Marathon makes it (AppsResource, AppHelpers.updateOrCreate,
 * GroupVersioningUtil): each change that alters the definition stores a new version and starts a
 * deployment; an unchanged definition gets a deployment id and nothing else.
 */

/** What the changes need of the emulator's state. */
export interface AppStore {
  apps: Map<string, AppRecord>;
  deployments: Deployments;
  newVersion(): string;
  allocatePort: PortAllocator;
  newHistory(id: string): VersionHistory;
}

type NewVersionChange = Exclude<Change, 'none'> | 'create' | 'restart';

export class AppChanges {
  constructor(private readonly store: AppStore) {}

  /** The app's next stored definition: Marathon's GroupVersioningUtil gives it the plan's version. */
  private nextStored(
    record: AppRecord | undefined,
    next: JsonObject,
    change: NewVersionChange,
    version: string,
  ): JsonObject {
    const previous = record?.def['versionInfo'] as VersionInfo | undefined;
    return { ...definitionOnly(next), version, versionInfo: versionInfoAfter(change, version, previous) };
  }

  private commit(
    record: AppRecord | undefined,
    id: string,
    next: JsonObject,
    change: Change | 'create' | 'restart',
  ): ApiReply {
    const planVersion = this.store.newVersion();
    if (change === 'none') {
      // Marathon still builds a plan; it has no steps and is done at once (reference §3.1).
      return deploymentReply(200, planVersion, randomUUID());
    }
    const stored = this.nextStored(record, next, change, planVersion);
    const part = this.store.deployments.plan(record, id, stored, change);
    const target = record ?? { def: stored, versions: this.store.newHistory(id), tasks: [] };
    target.def = stored;
    target.versions.add(stored);
    this.store.apps.set(id, target);
    const deployment = this.store.deployments.start(planVersion, [part]);
    if (change === 'create') return deploymentReply(201, planVersion, deployment.id, { Location: id });
    return deploymentReply(200, planVersion, deployment.id);
  }

  /** PUT (create allowed) and PATCH (not) of `/v2/apps/{id}` (AppsResource.update, AppHelpers.updateOrCreate). */
  updateApp(
    pathId: string,
    body: Json,
    options: { force: boolean; partialUpdate: boolean; allowCreate: boolean },
  ): ApiReply {
    const id = absoluteId(pathId);
    if (!isObject(body)) return notAnObject();
    const record = this.store.apps.get(id);
    if (!record && !options.allowCreate) return appNotFound(id);
    // With partialUpdate (and PATCH) a `version` means rollback; without, it is dropped (§3.1, §5).
    const rollback = options.partialUpdate && body['version'] !== undefined && body['version'] !== null;
    if (rollback && record) return this.rollbackTo(record, id, body, options.force);
    const refused = rollback ? versionFieldRefusal(body) : undefined;
    if (refused) return refused;
    const update: JsonObject = { ...body };
    delete update['version'];
    delete update['versionInfo'];
    const candidate: JsonObject =
      record && options.partialUpdate
        ? { ...mergeUpdate(definitionOnly(record.def), update), id }
        : { ...update, id };
    const checked = checkAppDefinition(candidate);
    if (!checked.ok) return { status: 422, body: checked.body };
    const next = normalizeApp(checked.app, this.store.allocatePort, record?.def);
    const change = record ? changeBetween(record.def, next) : 'create';
    if (change !== 'none') {
      const locked = this.store.deployments.lockCheck(id, options.force);
      if (locked) return locked;
    }
    return this.commit(record, id, next, change);
  }

  /** `{"version": v}`: the stored definition of v whole, under a new version (AppHelpers.rollback). */
  private rollbackTo(record: AppRecord, id: string, body: JsonObject, force: boolean): ApiReply {
    const refused = versionFieldRefusal(body);
    if (refused) return refused;
    const old = record.versions.get(formatTimestamp(Date.parse(String(body['version']))));
    // Marathon answers with the app's 404, without the version (AppNotFoundException(appId)).
    if (!old) return appNotFound(id);
    const next = definitionOnly(old);
    // Versioned like any update: an old definition that differs only in `instances` is a scale.
    const change = changeBetween(record.def, next);
    if (change !== 'none') {
      const locked = this.store.deployments.lockCheck(id, force);
      if (locked) return locked;
    }
    return this.commit(record, id, next, change);
  }

  /** POST /v2/apps; 201 with the deployment's headers, the body left to the caller. */
  createApp(body: Json): ApiReply {
    if (!isObject(body)) return notAnObject();
    if (typeof body['id'] !== 'string') {
      return {
        status: 422,
        body: { message: 'Invalid JSON', details: [{ path: '/id', errors: ['error.path.missing'] }] },
      };
    }
    const id = absoluteId(body['id']);
    if (this.store.apps.has(id))
      return { status: 409, body: { message: `An app with id [${id}] already exists.` } };
    const update: JsonObject = { ...body, id };
    delete update['version'];
    delete update['versionInfo'];
    const checked = checkAppDefinition(update);
    if (!checked.ok) return { status: 422, body: checked.body };
    // The body is the new app (MarathonState.createApp); the headers are those of any creation.
    return this.commit(undefined, id, normalizeApp(checked.app, this.store.allocatePort), 'create');
  }

  /**
   * POST /v2/apps/{id}/restart: same definition, all tasks replaced, and a new version: Marathon marks
   * the app for restart (`markedForRestarting`) and GroupVersioningUtil stores it under the plan's
   * version with `withRestartChange` (so a restart shows in the versions list).
   */
  restartApp(pathId: string, force: boolean): ApiReply {
    const id = absoluteId(pathId);
    const record = this.store.apps.get(id);
    if (!record) return appNotFound(id);
    const locked = this.store.deployments.lockCheck(id, force);
    if (locked) return locked;
    return this.commit(record, id, definitionOnly(record.def), 'restart');
  }

  /** DELETE /v2/apps/{id}: the app is gone at once, its versions with it; a StopApplication kills its tasks. */
  deleteApp(pathId: string, force: boolean): ApiReply {
    const id = absoluteId(pathId);
    const record = this.store.apps.get(id);
    if (!record) return appNotFound(id);
    const locked = this.store.deployments.lockCheck(id, force);
    if (locked) return locked;
    const part = this.store.deployments.plan(record, id, undefined, 'delete');
    this.store.apps.delete(id);
    const version = this.store.newVersion();
    const deployment = this.store.deployments.start(version, [part]);
    return deploymentReply(200, version, deployment.id);
  }

  /**
   * DELETE /v2/deployments/{id}: revert (default) or just forget it (force). A revert is a new plan
   * that puts the original definitions back (DeploymentPlanReverter), so each reverted app gets a new
   * version, as any change does.
   */
  deleteDeployment(deploymentId: string, force: boolean): ApiReply {
    const d = this.store.deployments.get(deploymentId);
    if (!d) return { status: 404, body: { message: `DeploymentPlan ${deploymentId} does not exist` } };
    this.store.deployments.cancel(d, force ? 'cancelled' : 'reverted');
    if (force) return { status: 202 };
    const version = this.store.newVersion();
    const parts: Part[] = [];
    for (const part of d.parts) {
      const record = this.store.apps.get(part.appId);
      if (!record) continue;
      if (!part.original) {
        parts.push(this.store.deployments.plan(record, part.appId, undefined, 'delete'));
        this.store.apps.delete(part.appId);
        continue;
      }
      const change = changeBetween(record.def, part.original);
      if (change !== 'none') {
        const stored = this.nextStored(record, part.original, change, version);
        parts.push(this.store.deployments.plan(record, part.appId, stored, change));
        record.def = stored;
        record.versions.add(stored);
      } else if (record.tasks.some((t) => t.version !== record.def['version'] || t.healthy === false)) {
        parts.push(this.store.deployments.plan(record, part.appId, record.def, 'config'));
      }
    }
    if (parts.length === 0) return deploymentReply(200, version, randomUUID());
    const revert = this.store.deployments.start(version, parts);
    return deploymentReply(200, version, revert.id);
  }
}

/** The checks Marathon makes of a `version` in an update before anything else (AppValidation). */
function versionFieldRefusal(body: JsonObject): ApiReply | undefined {
  const others = Object.keys(body).filter((k) => k !== 'id' && k !== 'version');
  if (others.length > 0)
    return {
      status: 422,
      body: invalid('/', "The 'version' field may only be combined with the 'id' field."),
    };
  const version = body['version'];
  if (typeof version !== 'string') {
    return {
      status: 422,
      body: { message: 'Invalid JSON', details: [{ path: '/version', errors: ['error.expected.jsstring'] }] },
    };
  }
  if (!isTimestamp(version)) {
    return {
      status: 422,
      body: { message: `Invalid timestamp provided '${version}'. Expecting ISO-8601 datetime string.` },
    };
  }
  return undefined;
}
