import type { RollbackPlan } from '../plan/rollback-plan';
import {
  isOnTarget,
  serviceStatus,
  summaryLine,
  type AppResult,
  type RollbackResult,
} from '../plan/rollback-report';
import type { RolloutOutcome } from '../rollout/rollout';
import type { Target } from '../targets/target';
import type { Logger } from '../util/log';

/** What a run did, per app, from the plan, the rollout outcomes and what the target shows at the end. */

export interface AppOutcome {
  deploy: RolloutOutcome;
  revert?: RolloutOutcome;
}

/**
 * What every app runs now, read back from the target in one listing: a table copied from the
 * journal would say "reverted" for an app someone else changed meanwhile.
 */
export async function readBack(
  target: Target,
  logger: Logger,
): Promise<Map<string, string | undefined> | undefined> {
  try {
    return new Map((await target.list()).map((w) => [w.id, w.image]));
  } catch (err) {
    logger.warn(
      `cannot read back what the apps run now (${(err as Error).message}); the table shows what the rollback last saw`,
    );
    return undefined;
  }
}

function appResult(
  app: { id: string; from: string; to: string; action: string },
  o: AppOutcome | undefined,
  putBackAfter: string,
): AppResult {
  const base = { id: app.id, from: app.from, to: app.to };
  if (app.action === 'no-op') return { ...base, status: 'unchanged', now: app.to };
  if (app.action === 'stays') return { ...base, status: 'stays', now: app.from };
  if (!o) return { ...base, status: 'planned', now: app.from };
  const { deploy, revert } = o;
  if (deploy.skipped && !revert)
    return {
      ...base,
      status: 'not-started',
      now: app.from,
      ...(deploy.message ? { message: deploy.message } : {}),
    };
  if (deploy.gone) return { ...base, status: 'deleted', now: app.from, message: deploy.message };
  if (deploy.recreated) return { ...base, status: 'recreated', now: app.to, message: deploy.message };
  if (deploy.ok && !revert) return { ...base, status: 'deployed', now: app.to };
  if (revert?.drifted)
    return { ...base, status: 'drifted', now: revert.now ?? app.to, message: revert.message };
  if (revert) {
    if (revert.ok)
      return {
        ...base,
        status: deploy.ok || deploy.interrupted || deploy.skipped ? 'reverted' : 'failed',
        now: app.from,
        message: deploy.ok
          ? `put back after ${putBackAfter}`
          : deploy.interrupted || deploy.skipped
            ? 'stopped while deploying; put back'
            : `${deploy.message}; put back`,
      };
    return {
      ...base,
      status: 'revert-failed',
      now: revert.changed || deploy.changed ? app.to : app.from,
      message: `${deploy.ok ? '' : `${deploy.message}; `}putting back failed: ${revert.message}`,
    };
  }
  return {
    ...base,
    status: 'failed',
    now: deploy.now ?? (deploy.changed ? app.to : app.from),
    message: `${deploy.message}${deploy.deploymentRunning ? ' (left running)' : ''}`,
  };
}

export function resultOf(
  plan: RollbackPlan,
  outcome: RollbackResult['outcome'],
  onFailure: 'revert' | 'keep',
  outcomes: ReadonlyMap<string, AppOutcome>,
  now?: ReadonlyMap<string, string | undefined>,
  /** What made the run put back an app that had deployed fine (the detail of its row). */
  putBackAfter = 'another service failed',
): RollbackResult {
  return {
    command: 'run',
    outcome,
    date: plan.date,
    group: plan.group,
    ...(plan.approver ? { approver: plan.approver } : {}),
    onFailure,
    services: plan.services.map((s) => {
      const apps = s.apps.map((a) => {
        const r = {
          ...appResult(a, outcomes.get(a.id), putBackAfter),
          ...(a.config ? { config: a.config.fields } : {}),
        };
        if (!now) return r;
        // Read back: an app deleted meanwhile shows as such, whatever the journal last saw.
        return now.has(a.id)
          ? { ...r, now: now.get(a.id) ?? '(no Docker image)' }
          : { ...r, now: '(deleted)' };
      });
      return {
        service: s.service,
        repository: s.repository,
        choice: s.choice,
        reason: s.reason,
        ...(s.filledFrom ? { filledFrom: s.filledFrom } : {}),
        status: serviceStatus(apps),
        apps,
      };
    }),
  };
}

export function failureSentence(result: RollbackResult): string {
  const bad = result.services.flatMap((s) => s.apps.filter((a) => !isOnTarget(a.status)));
  const failed = bad.filter((a) =>
    ['failed', 'revert-failed', 'drifted', 'deleted', 'recreated'].includes(a.status),
  );
  const what = failed.map((a) => `${a.id}: ${a.message ?? a.status}`).join('; ');
  const leftAlone = bad.some((a) => a.status === 'drifted' || a.status === 'recreated');
  const back = leftAlone
    ? 'every other changed app is back on its previous image'
    : 'every changed app is back on its previous image';
  if (result.interrupted)
    return `the rollback to ${result.date} was interrupted (${result.interrupted})${what ? ` (${what})` : ''}; ${
      result.outcome === 'reverted' ? back : summaryLine(result)
    }`;
  if (result.outcome === 'reverted') return `the rollback to ${result.date} failed (${what}); ${back}`;
  return `the rollback to ${result.date} failed (${what}); ${summaryLine(result)}`;
}
