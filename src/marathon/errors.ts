import { InputError, RollbackFailedError } from '../errors';

/** What Marathon's answers to our changes mean, as errors a user can act on. */

/** 409: a deployment that is not ours holds the app. */
export class AppLockedError extends RollbackFailedError {
  constructor(
    readonly appId: string,
    readonly deploymentIds: string[],
  ) {
    super(`app ${appId} is locked by deployment ${deploymentIds.join(', ') || '(id not given)'}`, {
      hint: 'wait for it to finish, or pass --force to cancel it (Marathon force=true)',
    });
  }
}

/** 404 for an app: someone deleted it (or --group/--marathon point elsewhere). */
export class AppNotFoundError extends InputError {
  constructor(
    readonly appId: string,
    apiUrl: string,
    flag: string,
  ) {
    super(`app ${appId} does not exist in Marathon at ${apiUrl}`, { hint: `check ${flag}` });
  }
}

/**
 * A Marathon without PATCH took our PUT for an app that no longer existed and created it (201)
 * from the container alone: 1 cpu, 128 MB, one instance, no env, no health checks.
 */
export class AppRecreatedError extends RollbackFailedError {
  constructor(readonly appId: string) {
    super(
      `app ${appId} had been deleted; Marathon created it anew from the image alone (HTTP 201, default resources, no env or health checks)`,
      { hint: `check ${appId} in Marathon and delete it unless someone wants it back` },
    );
  }
}
