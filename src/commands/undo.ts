import path from 'node:path';
import type { CommandContext } from './context';
import {
  FileSystemError,
  InputError,
  isRollbackError,
  RollbackFailedError,
  UnavailableError,
  UsageError,
} from '../errors';
import { Journal, type JournalData } from '../journal/journal';
import { assertConfirmed, readConfirmedPlan } from '../plan/confirmed-plan';
import { formatPlanTable } from '../plan/plan-text';
import { formatResultTable, resultJson, slackEndText, summaryLine } from '../plan/rollback-report';
import { slackFromEnv } from '../notify/slack';
import { rollOut } from '../rollout/rollout';
import { lockFolder } from '../run/folder-lock';
import { readBack } from '../run/result';
import { SUMMARY_FILE } from '../run/settings';
import { connectTarget, targetSpecOf, type TargetSpec } from '../targets/connect';
import { classify, planUndo } from '../undo/plan';
import { openUndoRecord, RECORD_ELSEWHERE, UNDO_RECORD_FILE } from '../undo/record';
import { undoResult } from '../undo/result';
import { writeFileAtomic } from '../util/atomic-write';
import { createLogger, type Logger } from '../util/log';
import { redact } from '../util/secrets';
import type { Target, Workload } from '../targets/target';

export interface UndoOptions {
  journal: string;
  marathon?: string;
  dcos?: string;
  kubernetes?: boolean;
  context?: string;
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
  const where = undoTarget(source.data, options, logger);
  const recordFile = path.resolve(ctx.cwd, options.record ?? path.join(path.dirname(file), UNDO_RECORD_FILE));
  const concurrency = options.concurrency;
  const target = await connectTarget(where, ctx, logger, {
    scope: source.data.group,
    tls: { insecure: options.insecure, caFile: options.caFile },
    timeoutMs: (options.timeout ?? 600) * 1000,
    ...(concurrency ? { concurrency } : {}),
    changeCause: `undo of the rollback to ${source.data.date}`,
  });
  const connected = target.record();
  if (
    connected.kind === 'kubernetes' &&
    source.data.target.kind === 'kubernetes' &&
    connected.server !== source.data.target.server
  )
    logger.warn(
      `the journal was written for the cluster at ${source.data.target.server}; the kubeconfig points at ${connected.server}`,
    );
  logger.info(
    `undoing the rollback of ${source.data.group} to ${source.data.date}: ${source.data.apps.length} app(s), ${target.where} (${target.credentials})`,
  );
  const lock = options.dryRun ? undefined : lockForUndo(file, recordFile);
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
      changing.map((a) => ({
        appId: a.id,
        label: `${a.service} ${a.id}`,
        from: a.from,
        to: a.to,
        ...(a.config
          ? { definition: { version: a.config.version, withScale: a.config.fields.includes('instances') } }
          : {}),
      })),
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
    // Putting back goes on when the record cannot be written (it only returns apps to the images
    // the run's journal names); say that the record is behind instead of leaving it unsaid.
    if (journal.failure)
      logger.warn(
        `${journal.failure.message}: the record on disk is behind; the table says where each app is`,
      );
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
    return failed(result, outcomes, journal.file, target.kind === 'kubernetes' ? 'Kubernetes' : 'Marathon');
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
  /** Where the apps run, by name: Marathon or Kubernetes. */
  orchestrator: string,
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
    throw new UnavailableError(
      `undo incomplete, ${orchestrator} could not be reached (${list}); ${backText}`,
      {
        hint: `run undo again when ${orchestrator} answers (${recordFile})`,
      },
    );
  throw new RollbackFailedError(`undo incomplete (${list}); ${backText}`, {
    hint: `--force puts drifted apps back anyway; run undo again once the cause is fixed (${recordFile})`,
  });
}

/**
 * The journal knows where the rollback ran (a Kubernetes journal its namespace too); a flag may
 * still point elsewhere (a new load balancer, another kubeconfig context), and that is said.
 */
function undoTarget(journal: JournalData, options: UndoOptions, logger: Logger): TargetSpec {
  const recorded = journal.target;
  if (recorded.kind === 'kubernetes') {
    if (options.marathon || options.dcos)
      throw new UsageError(
        'this journal is of a Kubernetes rollback: give --kubernetes [--context], not --marathon/--dcos',
      );
    const context = options.context ?? recorded.context;
    if (options.context && options.context !== recorded.context)
      logger.warn(
        `the journal was written for context ${recorded.context ?? '(current)'}; undoing in context ${options.context}`,
      );
    return { kind: 'kubernetes', namespace: journal.group, ...(context ? { context } : {}) };
  }
  if (options.kubernetes)
    throw new UsageError(`this journal is of a rollback on ${recorded.kind} ${recorded.url}, not Kubernetes`);
  const where = options.marathon || options.dcos ? targetSpecOf(options) : recorded;
  if (where.kind === 'kubernetes') return where;
  if (where.kind !== recorded.kind || where.url.replace(/\/+$/, '') !== recorded.url.replace(/\/+$/, ''))
    logger.warn(
      `the journal was written for ${recorded.kind} ${recorded.url}; undoing on ${where.kind} ${where.url}`,
    );
  return where;
}

/**
 * An undo is kept apart from a run (or another undo) on the journal's folder. When that folder
 * cannot even hold a lock (a read-only copy of the journal), no run can be writing there either,
 * and the folder the undo records in is locked instead.
 */
function lockForUndo(journalFile: string, recordFile: string) {
  const command = `rollback undo --journal ${journalFile}`;
  try {
    return lockFolder(path.dirname(journalFile), command, RECORD_ELSEWHERE);
  } catch (err) {
    if (!(err instanceof FileSystemError) || path.dirname(recordFile) === path.dirname(journalFile))
      throw err;
    return lockFolder(path.dirname(recordFile), command, RECORD_ELSEWHERE);
  }
}
