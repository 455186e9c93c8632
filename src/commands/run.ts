import type { CommandContext } from './context';
import { FileSystemError, RollbackFailedError } from '../errors';
import { slackFromEnv } from '../notify/slack';
import { assertConfirmed, readConfirmedPlan } from '../plan/confirmed-plan';
import { guardEnvironment } from '../plan/guards';
import { formatPlanTable } from '../plan/plan-text';
import { assertNotLocked, checkTargetImages } from '../plan/preflight';
import { appsWithoutImageWarning, planRollback, type RollbackPlan } from '../plan/rollback-plan';
import type { Catalog } from '../plan/catalog';
import {
  formatResultTable,
  resultJson,
  slackEndText,
  summaryLine,
  type RollbackResult,
} from '../plan/rollback-report';
import { changesInFlight } from '../rollout/in-flight';
import { tagFilter } from '../registry/tags';
import { applyPlan, type ChangingApp } from '../run/apply';
import { discoverEnvironment, type Environment } from '../run/environment';
import { connectTarget } from '../targets/connect';
import { lockFolder } from '../run/folder-lock';
import { registryCheckers } from '../run/registry-check';
import { planHistoryRun, resolveHistoryPoint } from '../run/history-point';
import { resolveRegistryPoint } from '../run/registry-point';
import { failureSentence, readBack, resultOf } from '../run/result';
import { runSettings, type RunOptions, type RunSettings } from '../run/settings';
import type { Target } from '../targets/target';
import { writeFileAtomic } from '../util/atomic-write';
import { describeFileError } from '../util/file-errors';
import { createLogger, type Logger } from '../util/log';
import { redact } from '../util/secrets';

/**
 * `run`: a short sequence of phases, each in its own module. Resolve the point (catalog, guards)
 * → discover the environment → plan (pure) → preflight (images, environment, locks) → apply and
 * watch (journal first) → report. Nothing is written until the preflight has passed.
 */

export { SUMMARY_FILE } from '../run/settings';

export async function run(raw: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const settings = runSettings(raw as unknown as RunOptions, ctx);
  const logger = createLogger({ quiet: settings.quiet, stream: ctx.stderr });
  const now = new Date();
  const { catalog, point } =
    settings.source === 'marathon'
      ? await resolveHistoryPoint(settings, logger, now)
      : await resolveRegistryPoint(settings, logger, now);
  // A dry run writes nothing (but --save-plan), so it needs no lock on the folder.
  const lock = settings.dryRun
    ? undefined
    : lockFolder(
        settings.dump,
        `rollback run ${settings.when.kind === 'day' ? settings.when.date : settings.when.at} --group ${settings.group}`,
      );
  try {
    const target = await connectTarget(settings.target, ctx, logger, {
      scope: settings.group,
      tls: settings.tls,
      timeoutMs: settings.timeoutMs,
      ...(settings.concurrency ? { concurrency: settings.concurrency } : {}),
      changeCause: `rollback to ${settings.when.kind === 'day' ? settings.when.date : settings.when.at}${settings.approver ? ` approved by ${settings.approver}` : ''}`,
      alsoInsecure: catalog ? [catalog.registry] : [],
    });
    const environment = await discoverEnvironment(
      target,
      settings,
      point.kind === 'day' ? point.date : point.at,
      logger,
    );
    const scopeFlag = settings.target.kind === 'kubernetes' ? '--namespace' : '--group';
    const plan =
      point.kind === 'instant' && settings.source === 'marathon'
        ? await planHistoryRun(target, environment, settings, point, catalog, ctx.env, logger)
        : guardEnvironment(
            planRollback(catalog!, point, environment.apps, {
              group: settings.group,
              scopeFlag,
              allowMissing: settings.allowMissing,
              pinDigest: settings.pinDigest,
              ...(settings.approver ? { approver: settings.approver } : {}),
            }),
            {
              ...describedFilter(catalog!.environment, catalog!.tagPattern),
              environment: catalog!.environment,
              allow: settings.crossEnvironment,
              scopeFlag,
            },
          );
    // After the plan: when it fails for want of an app, its message already names these.
    for (const warning of [
      appsWithoutImageWarning(environment.apps, settings.group),
      ...environment.warnings,
    ])
      if (warning) logger.warn(warning);
    return await afterPlan(plan, environment, target, settings, ctx, logger, catalog);
  } finally {
    lock?.release();
  }
}

function describedFilter(environment: string, pattern: string | undefined) {
  const filter = tagFilter(environment, pattern);
  return { belongs: (tag: string) => filter(tag), description: filter.description };
}

async function afterPlan(
  plan: RollbackPlan,
  environment: Environment,
  target: Target,
  settings: RunSettings,
  ctx: CommandContext,
  logger: Logger,
  catalog: Catalog | undefined,
): Promise<number> {
  const registry = catalog?.registry;
  const toDeploy: ChangingApp[] = plan.services.flatMap((s) =>
    s.apps.filter((a) => a.action === 'deploy').map((a) => ({ ...a, service: s })),
  );
  // Preflight: nothing is written until all of it passes.
  if (toDeploy.length > 0) logger.info(`checking the target images${registry ? ` in ${registry}` : ''}`);
  for (const warning of await checkTargetImages(plan, registryCheckers(registry, ctx.env, settings.tls)))
    logger.warn(warning);
  const locked = await lockedApps(toDeploy, environment, target);

  if (settings.dryRun) return dryRun(plan, locked, settings, ctx, logger);

  if (settings.expectPlan)
    assertConfirmed(plan, await readConfirmedPlan(settings.expectPlan), settings.expectPlan);
  for (const warning of assertNotLocked(locked, settings.force)) logger.warn(warning);

  try {
    await writeFileAtomic(settings.files.plan, redact(JSON.stringify(plan, null, 2)) + '\n');
  } catch (err) {
    throw new FileSystemError(
      `cannot write the plan ${settings.files.plan}: ${describeFileError(err)}; nothing was changed`,
      {
        hint: 'choose a writable --dump folder',
      },
    );
  }
  const slack = slackFromEnv(ctx.env, { logger, tls: { caFile: settings.tls.caFile } });
  if (toDeploy.length === 0) {
    // A rerun after success: nothing changes, and the journal of the real rollback stays for undo.
    logger.info(`nothing to redeploy: every app is already on its image of ${plan.date}`);
    const result = resultOf(plan, 'succeeded', settings.onFailure, new Map(), await readBack(target, logger));
    return finish(result, settings, ctx, { plan: settings.files.plan, summary: settings.files.summary });
  }
  const applied = await applyPlan({
    plan,
    toDeploy,
    resumed: environment.resumed,
    versions: new Map(environment.workloads.map((w) => [w.id, w.definitionVersion ?? w.changeVersion])),
    journalFile: settings.files.journal,
    journalFields: {
      ...(catalog
        ? {
            catalog: {
              file: settings.files.catalog,
              generatedAt: catalog.generatedAt,
              registry: catalog.registry,
              environment: catalog.environment,
              timeZone: catalog.timeZone,
            },
          }
        : {}),
      date: plan.date,
      point: plan.point,
      group: plan.group,
      target: target.record(),
      ...(plan.approver ? { approver: plan.approver } : {}),
      onFailure: settings.onFailure,
    },
    target,
    onFailure: settings.onFailure,
    withScale: settings.withScale,
    concurrency: settings.concurrency,
    force: settings.force,
    ...(slack ? { slack } : {}),
    logger,
    ctx,
  });
  logger.done();

  const { journal, stop, outcomes, failedDeploy } = applied;
  const outcome: RollbackResult['outcome'] = !failedDeploy
    ? 'succeeded'
    : (settings.onFailure === 'revert' || stop.journalFailure) &&
        [...outcomes.values()].every((o) => !o.revert || o.revert.ok)
      ? 'reverted'
      : 'failed';
  const result = resultOf(
    plan,
    outcome,
    settings.onFailure,
    outcomes,
    await readBack(target, logger),
    stop.journalFailure ? 'the journal could not be written' : stop.by ? stop.by : undefined,
  );
  if (stop.by) result.interrupted = stop.by;
  await journal.setStatus(
    outcome === 'succeeded' ? 'succeeded' : outcome === 'reverted' ? 'reverted' : 'failed',
  );
  await finish(
    result,
    settings,
    ctx,
    { plan: settings.files.plan, journal: journal.file, summary: settings.files.summary },
    slack,
  );

  if (stop.journalFailure)
    throw Object.assign(stop.journalFailure, {
      message: `${stop.journalFailure.message}; stopped before changing more, and ${
        outcome === 'reverted' ? 'every changed app is back on its previous image' : summaryLine(result)
      }`,
    });
  if (outcome === 'succeeded') return 0;
  throw new RollbackFailedError(failureSentence(result), {
    hint:
      outcome === 'reverted'
        ? `details in ${journal.file}`
        : `the state is in ${journal.file}; \`rollback undo --journal ${journal.file}\` puts the changed apps back`,
  });
}

type Locked = Array<{ id: string; deployments: string[] }>;

/** Apps to change that a deployment of someone else holds (an unfinished run's own are not locks). */
async function lockedApps(
  toDeploy: ChangingApp[],
  environment: Environment,
  target: Target,
): Promise<Locked> {
  const byId = new Map(environment.workloads.map((w) => [w.id, w]));
  const locked = await Promise.all(
    toDeploy.map(async (a) => {
      const w = byId.get(a.id)!;
      const steps = environment.resumed.get(a.id)?.previous.steps ?? [];
      return { id: a.id, deployments: (await changesInFlight(w, steps, target)).theirs };
    }),
  );
  return locked.filter((a) => a.deployments.length > 0);
}

async function dryRun(
  plan: RollbackPlan,
  locked: Locked,
  settings: RunSettings,
  ctx: CommandContext,
  logger: Logger,
): Promise<number> {
  // The whole plan is shown, locked rows marked: the real run would stop on them (exit 1 as then).
  const lockedBy = new Map(locked.map((l) => [l.id, l.deployments]));
  const marked: RollbackPlan = {
    ...plan,
    services: plan.services.map((s) => ({
      ...s,
      apps: s.apps.map((a) => (lockedBy.has(a.id) ? { ...a, lockedBy: lockedBy.get(a.id)! } : a)),
    })),
  };
  if (settings.savePlan)
    await writeFileAtomic(settings.savePlan, redact(JSON.stringify(marked, null, 2)) + '\n');
  const result = resultOf(marked, 'dry-run', settings.onFailure, new Map());
  ctx.stdout.write(redact(settings.json ? resultJson(result) : formatPlanTable(marked)));
  logger.info(
    `dry run: nothing was changed${settings.savePlan ? ` (plan saved to ${settings.savePlan})` : ' or written'}`,
  );
  if (locked.length > 0 && !settings.force) assertNotLocked(locked, false);
  return 0;
}

async function finish(
  result: RollbackResult,
  settings: RunSettings,
  ctx: CommandContext,
  files: RollbackResult['files'],
  slack?: ReturnType<typeof slackFromEnv>,
): Promise<number> {
  result.files = files;
  try {
    await writeFileAtomic(settings.files.summary, redact(summaryLine(result)) + '\n');
  } catch {
    // The journal's state decides; a summary that cannot be written is said on stdout anyway.
  }
  await slack?.post(slackEndText(result, ctx.env.BUILD_URL));
  ctx.stdout.write(redact(settings.json ? resultJson(result) : formatResultTable(result)));
  return 0;
}
