import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../commands/context';
import { Journal, type JournalApp, type JournalData } from '../journal/journal';
import type { Resumed } from '../journal/resume';
import type { Notifier } from '../notify/slack';
import type { AppPlan, RollbackPlan, ServicePlan } from '../plan/rollback-plan';
import { slackStartText } from '../plan/rollback-report';
import { rollOut } from '../rollout/rollout';
import type { Target } from '../targets/target';
import type { Logger } from '../util/log';
import { guardInterruption, type Stop } from './interrupt';
import { archivePreviousJournal, checkRoomForJournal } from './journal-files';
import type { AppOutcome } from './result';

/**
 * Apply and watch: the journal is written before the first change, every app of the plan is
 * deployed at once (or --concurrency at a time) and watched, and after a failure (or an
 * interruption, or a journal that can no longer be written) what changed is put back.
 */

export type ChangingApp = AppPlan & { service: ServicePlan };

export interface ApplyInput {
  plan: RollbackPlan;
  toDeploy: ChangingApp[];
  resumed: ReadonlyMap<string, Resumed>;
  /** The definitionVersion of each app as discovered (what --with-config's undo reads back). */
  versions: ReadonlyMap<string, string | undefined>;
  journalFile: string;
  journalFields: Omit<JournalData, 'format' | 'version' | 'createdAt' | 'updatedAt' | 'apps' | 'status'>;
  target: Target;
  onFailure: 'revert' | 'keep';
  /** --with-scale: a definition put back brings its instance count too. */
  withScale: boolean;
  concurrency: number | undefined;
  force: boolean;
  slack?: Notifier;
  logger: Logger;
  ctx: CommandContext;
}

export interface Applied {
  journal: Journal;
  stop: Stop;
  outcomes: Map<string, AppOutcome>;
  failedDeploy: boolean;
}

const labelOf = (a: ChangingApp) => `${a.service.service} ${a.id}`;

export async function applyPlan(input: ApplyInput): Promise<Applied> {
  const { toDeploy, resumed, logger, target } = input;
  const apps = toDeploy.map((a): JournalApp => {
    const r = resumed.get(a.id);
    const fromVersion = r?.changedByPrevious ? r.previous.fromVersion : input.versions.get(a.id);
    return {
      id: a.id,
      repository: a.service.repository,
      reason: a.reason ?? a.service.reason,
      fromImage: a.from,
      toImage: a.to,
      ...(fromVersion ? { fromVersion } : {}),
      ...(a.config ? { config: { toVersion: a.config.version, fields: a.config.fields } } : {}),
      steps: r ? structuredClone(r.previous.steps) : [],
    };
  });
  const fields = { ...input.journalFields, status: 'deploying' as const, apps };
  // The earlier journal is copied aside first: its copy needs room too.
  const earlier = await fs.stat(input.journalFile).then(
    (st) => st.size,
    () => 0,
  );
  await checkRoomForJournal(
    path.dirname(input.journalFile),
    JSON.stringify(fields, null, 2),
    apps.length,
    earlier,
  );
  const archived = await archivePreviousJournal(input.journalFile, logger);
  if (archived) for (const app of apps) if (resumed.has(app.id)) app.carriedFrom = archived;
  const journal = await Journal.create(input.journalFile, fields);
  logger.info(`journal: ${input.journalFile}`);
  const stop = guardInterruption(
    input.ctx,
    input.journalFile,
    `the rollback to ${input.plan.date}`,
    input.onFailure,
    logger,
  );
  journal.onFailure = (failure) => stop.journalFailed(failure);
  await input.slack?.post(
    slackStartText({ plan: input.plan, approver: input.plan.approver, buildUrl: input.ctx.env.BUILD_URL }),
  );

  // Every service at once by default: each second of a half-rolled-back environment is the
  // incompatible mix this tool exists to prevent.
  const concurrency = input.concurrency ?? Math.max(1, toDeploy.length);
  const withScale = input.withScale;
  const deployed = await rollOut(
    toDeploy.map((a) => ({
      appId: a.id,
      label: labelOf(a),
      from: a.from,
      to: a.to,
      ...(a.config ? { definition: { version: a.config.version, withScale } } : {}),
    })),
    {
      target,
      journal,
      action: 'deploy',
      concurrency,
      force: input.force,
      stopOnFailure: true,
      logger,
      interrupt: stop.signal,
      abortWatches: stop.revertNow,
    },
  );
  const outcomes = new Map<string, AppOutcome>(deployed.map((o) => [o.appId, { deploy: o }]));
  const failedDeploy = deployed.some((o) => !o.ok);

  if (failedDeploy && (input.onFailure === 'revert' || stop.journalFailure)) {
    // A half-rolled-back environment is the incompatible mix this tool exists to prevent.
    const attempted = toDeploy.filter((a) => {
      const o = outcomes.get(a.id)!.deploy;
      // Deleted by someone, or created anew from our change alone: nothing of theirs to put back.
      return (
        !o.gone && !o.recreated && (!o.skipped || journal.app(a.id).steps.some((s) => s.action === 'deploy'))
      );
    });
    logger.warn(`putting ${attempted.length} app(s) back on their previous images`);
    const reverted = await rollOut(
      attempted.map((a) => {
        const before = journal.app(a.id).fromVersion;
        // A definition put back is reverted to the definition from before, by its stored version.
        return {
          appId: a.id,
          label: labelOf(a),
          from: a.to,
          to: a.from,
          ...(a.config && before ? { definition: { version: before, withScale } } : {}),
        };
      }),
      {
        target,
        journal,
        action: 'revert',
        concurrency: input.concurrency ?? Math.max(1, attempted.length),
        force: input.force,
        stopOnFailure: false,
        logger,
      },
    );
    for (const r of reverted) outcomes.get(r.appId)!.revert = r;
  }
  stop.release();
  return { journal, stop, outcomes, failedDeploy };
}
