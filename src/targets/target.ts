import { RollbackFailedError } from '../errors';
import type { AppHistory } from '../history/read';
import type { VersionSummary } from '../history/summary';

/**
 * Where the apps of an environment run: Marathon (plain or DC/OS) today, Kubernetes next. The
 * planner sees only workloads (an id and the image each runs); the rollout changes and watches them
 * through this interface, so a new orchestrator is a new folder under src/targets, not edits across
 * the tree.
 */

export interface ChangeInFlight {
  id: string;
  version?: string;
}

export interface Workload {
  /** Marathon app id, or `deployment/api` on Kubernetes. */
  id: string;
  /** The Docker image it runs (the matched container's); undefined for a workload without one. */
  image?: string;
  /**
   * The version of its definition that only a change of configuration moves (Marathon:
   * versionInfo.lastConfigChangeAt; a scale does not move it). What "still ours" is judged by.
   */
  changeVersion?: string;
  /**
   * The version of its whole definition, a scale included (Marathon: `version`): the one a
   * --with-config undo reads back, so it brings back the instances of before too.
   */
  definitionVersion?: string;
  /** Changes in flight that hold it (Marathon deployment ids). */
  busy: string[];
  /** The target's own view of it, handed back to change(). */
  raw: unknown;
}

export interface ChangeReceipt {
  /** The change in flight (Marathon deployment id). */
  changeId: string;
  /** The workload's changeVersion once our change is in. */
  version?: string;
}

/** The description of a change the journal keeps, so `undo` and a rerun can find the target again. */
export type TargetRecord =
  { kind: 'marathon' | 'dcos'; url: string } | { kind: 'kubernetes'; context?: string; server: string };

export interface WatchRequest {
  workloadId: string;
  changeId: string;
  image: string;
  /** The key of the progress line. */
  label: string;
  /** Ends the watch (an interruption); the change goes on without us. */
  signal?: AbortSignal;
}

export type WatchOutcome =
  | { ok: true; elapsedMs: number; version?: string }
  | {
      ok: false;
      elapsedMs: number;
      /** Our change was still in flight when we gave up. */
      deploymentRunning: boolean;
      message: string;
      interrupted?: boolean;
    };

export interface Target {
  readonly kind: TargetRecord['kind'];
  /** `Marathon at https://…` for messages. */
  readonly where: string;
  /** The environment's scope: a Marathon group. */
  readonly scope: string;
  /** What credentials are used, for the log (never the secret). */
  readonly credentials: string;
  record(): TargetRecord;
  /** Every workload of the environment. */
  list(): Promise<Workload[]>;
  /**
   * A rollout starts and ends its work on a workload (optional). Kubernetes, whose objects hold a
   * workload per container, holds a change back until every workload of the same object in work
   * has asked for its own or ended, and sends them as one change.
   */
  begin?(id: string): void;
  end?(id: string): void;
  /** Warnings about parts of the environment a rollback does not change (Marathon pods). */
  unmanaged(): Promise<string[]>;
  /** One workload now; throws WorkloadGoneError when it no longer exists. */
  read(id: string): Promise<Workload>;
  /**
   * Put `image` on the workload (only the image: the rest of its definition is sent back as it
   * is). Throws WorkloadLockedError when a change of someone else holds it, WorkloadGoneError
   * when it no longer exists (never re-created), ChangeUncertainError when the request may or may
   * not have reached the target.
   */
  changeImage(workload: Workload, image: string, options: { force: boolean }): Promise<ChangeReceipt>;
  /**
   * Put back the whole definition the workload had at `version` (--with-config), keeping today's
   * instance count unless `withScale`. The definition is read from the target's own history at
   * that moment, so its values (the app's secrets) never pass through a file of ours.
   */
  changeDefinition(
    workload: Workload,
    to: { version: string; withScale: boolean },
    options: { force: boolean },
  ): Promise<ChangeReceipt>;
  /**
   * The changes holding the workload now, read afresh (a change listed when the workload was read
   * may have finished since), each with the version it deploys when the target says.
   */
  changesInFlight(workload: Workload): Promise<ChangeInFlight[]>;
  watch(request: WatchRequest): Promise<WatchOutcome>;
  /**
   * The stored versions of each workload (what ran when), and each workload as it is now in the
   * same form; only for targets that keep a history (Marathon).
   */
  history?(workloads: readonly Workload[], cacheDir: string | undefined): Promise<TargetHistory>;
}

export interface TargetHistory {
  histories: Map<string, AppHistory>;
  current: Map<string, VersionSummary>;
}

export class WorkloadLockedError extends RollbackFailedError {
  constructor(
    readonly workloadId: string,
    readonly changeIds: string[],
    /** How messages name it: `app /ds/dev/shop/api`. */
    named = workloadId,
  ) {
    super(`${named} is locked by deployment ${changeIds.join(', ') || '(id not given)'}`, {
      hint: 'wait for it to finish, or pass --force to cancel it (Marathon force=true)',
    });
  }
}

export class WorkloadGoneError extends RollbackFailedError {
  constructor(
    readonly workloadId: string,
    where: string,
    named = workloadId,
  ) {
    super(`${named} does not exist in ${where}`);
  }
}

/**
 * The target took our change of a workload that no longer existed for a new one (Marathon without
 * PATCH: PUT creates): a bare workload nobody asked for, not ours to put back.
 */
export class WorkloadRecreatedError extends RollbackFailedError {}

/** The request left us but no answer came back: it may have been carried out. */
export class ChangeUncertainError extends RollbackFailedError {}
