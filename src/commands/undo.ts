import path from 'node:path';
import type { CommandContext } from './context';
import { InputError, isRollbackError, RollbackFailedError, UnavailableError, UsageError } from '../errors';
import { Journal } from '../journal/journal';
import { assertConfirmed, readConfirmedPlan } from '../plan/confirmed-plan';
import { formatPlanTable } from '../plan/plan-text';
import { formatResultTable, resultJson, slackEndText, summaryLine } from '../plan/rollback-report';
import { slackFromEnv } from '../notify/slack';
import { rollOut } from '../rollout/rollout';
import { connect } from '../run/environment';
import { lockFolder } from '../run/folder-lock';
import { readBack } from '../run/result';
import { marathonTargetOf, SUMMARY_FILE } from '../run/settings';
import { classify, planUndo } from '../undo/plan';
import { openUndoRecord, UNDO_RECORD_FILE } from '../undo/record';
import { undoResult } from '../undo/result';
import { writeFileAtomic } from '../util/atomic-write';
import { createLogger } from '../util/log';
import { redact } from '../util/secrets';
import type { MarathonTarget } from '../marathon/auth';
import type { Target, Workload } from '../targets/target';

export interface UndoOptions {
  journal: string;
  marathon?: string;
  dcos?: string;
  timeout?: number;
  concurrency?: number;
  force?: boolean;
  dryRun?: boolean;
  savePlan?: string;
  expectPlan?: string;
  record?: string;
  json?: boolean;
  insecure?: boolean;
  caFile?: string;
  quiet?: boolean;
}

/**
 * Put every app a rollback changed back on the image its journal recorded from before, and watch
 * until Marathon runs it: only apps that still run what the rollback put on them (anything
 * someone changed since is left alone and named, unless --force). The run's journal is only read
 * (it may be a read-only copy); the undo keeps its own record next to it, or at --record.
 */
export async function undo(raw: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const options = raw as unknown as UndoOptions;
  if (!options.journal) throw new UsageError('--journal FILE is required');
  if (options.savePlan && !options.dryRun) throw new UsageError('--save-plan goes with --dry-run');
  if (options.expectPlan && options.dryRun)
    throw new UsageError('--expect-plan is for the real undo, not --dry-run');
  const logger = createLogger({ quiet: options.quiet, stream: ctx.stderr });
  const file = path.resolve(ctx.cwd, options.journal);
  const source = await Journal.read(file);
  if (source.data.undoOf)
    throw new InputError(`${file} is the record of an undo, not of a rollback`, {
      hint: `pass the journal of the rollback: ${source.data.undoOf.file}`,
    });
  const recorded = source.data.target;
  if (recorded.kind === 'kubernetes') throw new UsageError('this journal is of a Kubernetes rollback');
  // The journal knows where the rollback ran; a flag may still point elsewhere (a new load balancer).
  const where: MarathonTarget = options.marathon || options.dcos ? marathonTargetOf(options) : recorded;
  if (where.kind !== recorded.kind || where.url.replace(/\/+$/, '') !== recorded.url.replace(/\/+$/, ''))
    logger.warn(
      `the journal was written for ${recorded.kind} ${recorded.url}; undoing on ${where.kind} ${where.url}`,
    );
  const recordFile = path.resolve(ctx.cwd, options.record ?? path.join(path.dirname(file), UNDO_RECORD_FILE));
  const concurrency = options.concurrency;
  const target = connect(
    {
      target: where,
      group: source.data.group,
      tls: { insecure: options.insecure, caFile: options.caFile },
      timeoutMs: (options.timeout ?? 600) * 1000,
      concurrency,
    },
    ctx,
    logger,
  );
  logger.info(
    `undoing the rollback of ${source.data.group} to ${source.data.date}: ${source.data.apps.length} app(s), ${target.where} (${target.credentials})`,
  );
  const lock = options.dryRun
    ? undefined
    : lockFolder(path.dirname(recordFile), `rollback undo --journal ${file}`);
  try {
    // Read first: a Marathon that cannot be reached stops the undo before it writes anything.
    const now = new Map((await listOrChangeNothing(target)).map((w) => [w.id, w]));
    const record = options.dryRun ? undefined : await openUndoRecord(source, recordFile, logger);
    const journal = record ?? source;
    const rows = journal.data.apps.map((a) => classify(a, now.get(a.id)));
    const plan = { ...planUndo(journal.data, rows, options.force ?? false), ...approverOf(ctx) };
    if (options.dryRun) {
      if (options.savePlan)
        await writeFileAtomic(
          path.resolve(ctx.cwd, options.savePlan),
          redact(JSON.stringify(plan, null, 2)) + '\n',
        );
      const result = undoResult(plan, rows, new Map(), 'dry-run');
      ctx.stdout.write(redact(options.json ? resultJson(result) : formatPlanTable(plan)));
      logger.info('dry run: nothing was changed');
      return 0;
    }
    if (options.expectPlan)
      assertConfirmed(
        plan,
        await readConfirmedPlan(path.resolve(ctx.cwd, options.expectPlan)),
        options.expectPlan,
      );
    await journal.setStatus('undoing');
    const changing = plan.services.flatMap((s) =>
      s.apps.filter((a) => a.action === 'deploy').map((a) => ({ ...a, service: s.service })),
    );
    const outcomes = await rollOut(
      changing.map((a) => ({ appId: a.id, label: `${a.service} ${a.id}`, from: a.from, to: a.to })),
      {
        target,
        journal,
        action: 'undo',
        concurrency: concurrency ?? Math.max(1, changing.length),
        force: options.force ?? false,
        stopOnFailure: false,
        logger,
      },
    );
    logger.done();
    const byId = new Map(outcomes.map((o) => [o.appId, o]));
    const result = undoResult(plan, rows, byId, undefined, await readBack(target, logger));
    result.files = { journal: journal.file, summary: path.join(path.dirname(journal.file), SUMMARY_FILE) };
    await journal.setStatus(result.outcome === 'succeeded' ? 'undone' : 'undo-failed');
    try {
      await writeFileAtomic(result.files.summary!, redact(summaryLine(result)) + '\n');
    } catch {
      // Said on stdout anyway; the undo record has every step.
    }
    await slackFromEnv(ctx.env, { logger, tls: { caFile: options.caFile } })?.post(
      slackEndText(result, ctx.env.BUILD_URL),
    );
    ctx.stdout.write(redact(options.json ? resultJson(result) : formatResultTable(result)));
    if (result.outcome === 'succeeded') return 0;
    return failed(result, outcomes, journal.file);
  } finally {
    lock?.release();
  }
}

async function listOrChangeNothing(target: Target): Promise<Workload[]> {
  try {
    return await target.list();
  } catch (err) {
    if (isRollbackError(err)) err.message = `${err.message}; the undo changed nothing`;
    throw err;
  }
}

const approverOf = (ctx: CommandContext) =>
  ctx.env.ROLLBACK_APPROVER?.trim() ? { approver: ctx.env.ROLLBACK_APPROVER.trim() } : {};

function failed(
  result: ReturnType<typeof undoResult>,
  outcomes: Array<{ appId: string; ok: boolean; changed: boolean; unreachable?: boolean }>,
  recordFile: string,
): never {
  const apps = result.services.flatMap((s) => s.apps);
  const back = apps.filter((a) => a.status === 'restored').map((a) => a.id);
  const notBack = apps.filter((a) => !['restored', 'unchanged'].includes(a.status));
  const list = notBack.map((a) => `${a.id}: ${a.message ?? a.status}`).join('; ');
  // Said app by app, so nobody has to guess from the table what this undo did and did not touch.
  const changedBy = new Map(outcomes.map((o) => [o.appId, o.changed]));
  const sent = notBack.filter((a) => changedBy.get(a.id)).map((a) => a.id);
  const untouched = notBack.filter((a) => !changedBy.get(a.id)).map((a) => a.id);
  const backText = [
    back.length ? `back on their images from before: ${back.join(', ')}` : 'no app was put back',
    ...(sent.length ? [`changed but not confirmed healthy: ${sent.join(', ')}`] : []),
    ...(untouched.length ? [`not changed: ${untouched.join(', ')}`] : []),
  ].join('; ');
  if (outcomes.some((o) => o.unreachable))
    throw new UnavailableError(`undo incomplete, Marathon could not be reached (${list}); ${backText}`, {
      hint: `run undo again when Marathon answers (${recordFile})`,
    });
  throw new RollbackFailedError(`undo incomplete (${list}); ${backText}`, {
    hint: `--force puts drifted apps back anyway; run undo again once the cause is fixed (${recordFile})`,
  });
}
