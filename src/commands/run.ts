import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from './context';
import { ExitCode, InputError, RollbackFailedError, UsageError } from '../errors';
import type { TlsOptions } from '../http/client';
import { Journal, JOURNAL_FILE, definitionOf, type JournalApp, type JournalData } from '../journal/journal';
import { requested, resumable, resumeApps, type Resumed } from '../journal/resume';
import type { MarathonTarget } from '../marathon/auth';
import { createMarathonClient, dockerImageOf, marathonBaseUrl, normalizeGroup } from '../marathon/client';
import { rollOut, type RolloutOutcome } from '../marathon/rollout';
import { createWatcher } from '../marathon/watch';
import { slackFromEnv } from '../notify/slack';
import { CATALOG_FILE, parseCatalog } from '../plan/catalog';
import { parseCalendarDay } from '../plan/days';
import { assertNotLocked, checkTargetImages, type ImageChecker } from '../plan/preflight';
import {
  PLAN_FILE,
  appsWithoutImageWarning,
  planRollback,
  selectImages,
  type RollbackPlan,
} from '../plan/rollback-plan';
import {
  formatPlanTable,
  formatResultTable,
  isOnTarget,
  resultJson,
  serviceStatus,
  slackEndText,
  slackStartText,
  summaryLine,
  type AppResult,
  type RollbackResult,
} from '../plan/rollback-report';
import { writeFileAtomic } from '../util/atomic-write';
import { insecureWarning } from '../util/insecure';
import { createLogger, type Logger } from '../util/log';
import { redact } from '../util/secrets';
import { credentialsFromEnv } from '../registry/auth';
import { RegistryClient } from '../registry/client';

export const SUMMARY_FILE = 'rollback-summary.txt';

export interface RunOptions {
  date: string;
  dump?: string;
  group: string;
  marathon?: string;
  dcos?: string;
  dryRun?: boolean;
  timeout?: number;
  onFailure?: 'revert' | 'keep';
  concurrency?: number;
  force?: boolean;
  allowMissing?: boolean;
  pinDigest?: boolean;
  json?: boolean;
  insecure?: boolean;
  caFile?: string;
  quiet?: boolean;
}

export function marathonTargetOf(options: { marathon?: string; dcos?: string }): MarathonTarget {
  if (options.marathon && options.dcos) throw new UsageError('give --marathon or --dcos, not both');
  if (options.marathon) return { kind: 'marathon', url: marathonBaseUrl('marathon', options.marathon) };
  if (options.dcos) return { kind: 'dcos', url: marathonBaseUrl('dcos', options.dcos) };
  throw new UsageError(
    'say where Marathon is: --marathon URL (plain Marathon) or --dcos URL (a DC/OS cluster)',
  );
}

/** The preflight's view of the registry: HEAD a tag (REGISTRY_USER/REGISTRY_PASSWORD from env). */
export function registryImageChecker(
  registry: string,
  env: NodeJS.ProcessEnv,
  tls: TlsOptions,
): ImageChecker {
  const client = new RegistryClient({ registry, credentials: credentialsFromEnv(env), concurrency: 4, tls });
  let probe: Promise<void> | undefined;
  return {
    async exists(repository, reference) {
      await (probe ??= client.probe());
      const head = await client.headManifest(repository, reference);
      if (!head.found) return undefined;
      // A registry that omits Docker-Content-Digest on HEAD: the GET computes it.
      return head.digest ?? (await client.getManifest(repository, reference))?.digest;
    },
  };
}

const labelOf = (id: string, service: string) => `${service} ${id}`;

async function readCatalogFile(file: string) {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'create it with `rollback get --dump <dir>` and pass the same --dump',
    });
  }
  return parseCatalog(text, file);
}

export async function run(raw: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const options = raw as unknown as RunOptions;
  // Everything the user gave is checked before anything is read from the network.
  const date = parseCalendarDay(options.date);
  const group = normalizeGroup(options.group);
  const target = marathonTargetOf(options);
  const onFailure = options.onFailure ?? 'revert';
  if (onFailure !== 'revert' && onFailure !== 'keep')
    throw new UsageError('--on-failure must be revert or keep');
  const timeoutMs = (options.timeout ?? 600) * 1000;
  const concurrency = options.concurrency ?? 8;
  const tls: TlsOptions = { insecure: options.insecure, caFile: options.caFile };
  const dump = path.resolve(ctx.cwd, options.dump ?? '.');
  const logger = createLogger({ quiet: options.quiet, stream: ctx.stderr });

  const catalogFile = path.join(dump, CATALOG_FILE);
  const catalog = await readCatalogFile(catalogFile);
  if (options.insecure) logger.warn(insecureWarning(target.url, catalog.registry));
  // Fail on a date with missing images before touching the network.
  selectImages(catalog, date, { allowMissing: options.allowMissing });

  // Credentials are read (and registered as secrets) before anything can print them.
  const client = createMarathonClient({
    target,
    env: ctx.env,
    cwd: ctx.cwd,
    tls,
    maxSockets: concurrency + 2,
  });
  const checker = registryImageChecker(catalog.registry, ctx.env, tls);
  const slack = options.dryRun ? undefined : slackFromEnv(ctx.env, { logger, tls: { caFile: tls.caFile } });

  logger.info(`Marathon ${client.apiUrl} (${client.auth.description}): listing apps under ${group}`);
  const apps = await client.listApps(group);
  if (apps.length === 0)
    throw new InputError(`no apps under ${group} in Marathon at ${client.apiUrl}; nothing was changed`, {
      hint: 'check --group (a group path such as /ds/dev)',
    });
  const planFile = path.join(dump, PLAN_FILE);
  const journalFile = path.join(dump, JOURNAL_FILE);
  const summaryFile = path.join(dump, SUMMARY_FILE);
  const discovered = apps.map((a) => ({ id: a.id, image: dockerImageOf(a) }));
  // A run of the same day that did not finish: this one finishes it, starting from where the first
  // attempt started, so one journal still undoes everything.
  const previous = await readUnfinishedJournal(journalFile, { date, group }, logger);
  const resumed = previous ? resumeApps(previous, discovered) : new Map<string, Resumed>();
  const plan = planRollback(
    catalog,
    date,
    discovered.map((a) => {
      const r = resumed.get(a.id);
      return r?.changedByPrevious ? { ...a, image: r.previous.fromImage } : a;
    }),
    { group, allowMissing: options.allowMissing, pinDigest: options.pinDigest },
  );
  // After the plan: when it fails for want of an app, its message already names these.
  const withoutImage = appsWithoutImageWarning(discovered, group);
  if (withoutImage) logger.warn(withoutImage);
  if (resumed.size > 0)
    logger.info(
      `finishing the unfinished rollback recorded in ${journalFile} (${[...resumed.values()].filter((r) => r.changedByPrevious).length} app(s) already changed by it)`,
    );
  const byId = new Map(apps.map((a) => [a.id, a]));
  const toDeploy = plan.services.flatMap((s) =>
    s.apps.filter((a) => a.action === 'deploy').map((a) => ({ ...a, service: s })),
  );

  // Preflight: nothing is written until all of it passes.
  if (toDeploy.length > 0) logger.info(`checking the target images in ${catalog.registry}`);
  for (const warning of await checkTargetImages(plan, checker)) logger.warn(warning);
  const locked = toDeploy
    // A deployment the unfinished run started is ours to finish, not a lock.
    .filter((a) => !requested(resumed.get(a.id)?.previous.steps ?? [], dockerImageOf(byId.get(a.id)!)))
    .map((a) => ({ id: a.id, deployments: (byId.get(a.id)!.deployments ?? []).map((d) => d.id) }))
    .filter((a) => a.deployments.length > 0);
  for (const warning of assertNotLocked(locked, options.force ?? false)) logger.warn(warning);

  if (options.dryRun) {
    const result = resultOf(plan, 'dry-run', onFailure, new Map());
    ctx.stdout.write(redact(options.json ? resultJson(result) : formatPlanTable(plan)));
    logger.info('dry run: nothing was changed or written');
    return 0;
  }

  await writeFileAtomic(planFile, redact(JSON.stringify(plan, null, 2)) + '\n');
  if (toDeploy.length === 0) {
    // A rerun after success: nothing changes, and the journal of the real rollback stays for undo.
    logger.info(`nothing to redeploy: every app is already on its image of ${date}`);
    const result = resultOf(plan, 'succeeded', onFailure, new Map());
    result.files = { plan: planFile, summary: summaryFile };
    await writeFileAtomic(summaryFile, redact(summaryLine(result)) + '\n');
    ctx.stdout.write(redact(options.json ? resultJson(result) : formatResultTable(result)));
    return 0;
  }
  const archived = await keepPreviousJournal(journalFile, logger);
  const journal = await Journal.create(journalFile, {
    catalog: {
      file: catalogFile,
      generatedAt: catalog.generatedAt,
      registry: catalog.registry,
      environment: catalog.environment,
      timeZone: catalog.timeZone,
    },
    date,
    group,
    marathon: { kind: target.kind, url: target.url },
    onFailure,
    status: 'deploying',
    apps: toDeploy.map((a): JournalApp => {
      const r = resumed.get(a.id);
      return {
        id: a.id,
        repository: a.service.repository,
        reason: a.service.reason,
        ...(r && archived ? { carriedFrom: archived } : {}),
        fromImage: a.from,
        toImage: a.to,
        before: r?.changedByPrevious
          ? r.previous.before
          : (definitionOf(byId.get(a.id)!) as JournalApp['before']),
        steps: r ? structuredClone(r.previous.steps) : [],
      };
    }),
  });
  logger.info(`journal: ${journalFile}`);
  const interruption = guardInterruption(ctx, journalFile, date, onFailure, logger);
  await slack?.post(
    slackStartText({ plan, approver: ctx.env.ROLLBACK_APPROVER, buildUrl: ctx.env.BUILD_URL }),
  );

  const watcher = createWatcher(client, { timeoutMs, logger });
  const deployed = await rollOut(
    toDeploy.map((a) => ({ appId: a.id, label: labelOf(a.id, a.service.service), from: a.from, to: a.to })),
    {
      client,
      watcher,
      journal,
      action: 'deploy',
      concurrency,
      force: options.force ?? false,
      stopOnFailure: true,
      acceptDrift: false,
      logger,
      interrupt: interruption.signal,
      ...(onFailure === 'revert' ? { abortWatches: interruption.signal } : {}),
    },
  );
  const outcomes = new Map<string, AppOutcome>(deployed.map((o) => [o.appId, { deploy: o }]));
  const failedDeploy = deployed.some((o) => !o.ok);

  if (failedDeploy && onFailure === 'revert') {
    // A half-rolled-back environment is the incompatible mix this tool exists to prevent.
    const attempted = toDeploy.filter((a) => {
      const o = outcomes.get(a.id)!.deploy;
      return !o.skipped && !o.gone;
    });
    logger.warn(`putting ${attempted.length} app(s) back on their previous images`);
    const reverted = await rollOut(
      attempted.map((a) => ({
        appId: a.id,
        label: labelOf(a.id, a.service.service),
        from: a.to,
        to: a.from,
      })),
      {
        client,
        watcher,
        journal,
        action: 'revert',
        concurrency,
        force: options.force ?? false,
        stopOnFailure: false,
        acceptDrift: true,
        logger,
      },
    );
    for (const r of reverted) outcomes.get(r.appId)!.revert = r;
  }
  interruption.release();
  logger.done();

  const outcome: RollbackResult['outcome'] = !failedDeploy
    ? 'succeeded'
    : onFailure === 'revert' && [...outcomes.values()].every((o) => !o.revert || o.revert.ok)
      ? 'reverted'
      : 'failed';
  const result = resultOf(plan, outcome, onFailure, outcomes);
  if (interruption.by) result.interrupted = interruption.by;
  result.files = { plan: planFile, journal: journalFile, summary: summaryFile };
  await journal.setStatus(
    outcome === 'succeeded' ? 'succeeded' : outcome === 'reverted' ? 'reverted' : 'failed',
  );
  await writeFileAtomic(summaryFile, redact(summaryLine(result)) + '\n');
  await slack?.post(slackEndText(result, ctx.env.BUILD_URL));
  ctx.stdout.write(redact(options.json ? resultJson(result) : formatResultTable(result)));

  if (outcome === 'succeeded') return 0;
  throw new RollbackFailedError(failureSentence(result), {
    hint:
      outcome === 'reverted'
        ? `details in ${journalFile}`
        : `the state is in ${journalFile}; \`rollback undo --journal ${journalFile}\` puts the changed apps back`,
  });
}

/**
 * A Jenkins abort (or Ctrl-C) sends SIGTERM/SIGINT in the middle of deployments. The first signal
 * stops new deployments and lets the rollback end as --on-failure says (revert: put back what
 * changed now; keep: let the deployments in flight finish), so the journal and summary are
 * complete. A second signal ends the process at once; the journal on disk is still valid for undo.
 */
function guardInterruption(
  ctx: CommandContext,
  journalFile: string,
  date: string,
  onFailure: 'revert' | 'keep',
  logger: Logger,
) {
  const controller = new AbortController();
  const state: { by?: NodeJS.Signals; signal: AbortSignal; release: () => void } = {
    signal: controller.signal,
    release: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
  function onSignal(signal: NodeJS.Signals) {
    if (state.by) {
      ctx.stderr.write(
        `rollback: interrupted again (${signal}) during the rollback to ${date}; deployments already started go on in Marathon. ` +
          `${journalFile} records what was changed (\`rollback undo --journal ${journalFile}\` puts it back)\n`,
      );
      process.exit(ExitCode.RollbackFailed);
    }
    state.by = signal;
    logger.warn(
      `${signal}: starting no more deployments; ${onFailure === 'revert' ? 'putting back what was changed' : 'letting the deployments in flight finish'} (send it again to stop at once)`,
    );
    controller.abort();
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return state;
}

async function readUnfinishedJournal(
  file: string,
  current: { date: string; group: string },
  logger: Logger,
): Promise<JournalData | undefined> {
  if (!existsSync(file)) return undefined;
  let journal: Journal;
  try {
    journal = await Journal.read(file);
  } catch (err) {
    // It is archived untouched below; it just cannot help finishing an earlier run.
    logger.warn(`${(err as Error).message}; starting afresh`);
    return undefined;
  }
  return resumable(journal.data, current) ? journal.data : undefined;
}

/** An earlier rollback's journal is renamed, not overwritten: it may still be needed for undo. */
async function keepPreviousJournal(file: string, logger: Logger): Promise<string | undefined> {
  let previous: string;
  try {
    previous = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const stamp = /"createdAt":\s*"([^"]+)"/.exec(previous)?.[1]?.replace(/[:.]/g, '-') ?? String(Date.now());
  const archived = file.replace(/\.json$/, `.${stamp}.json`);
  await fs.rename(file, archived);
  logger.info(`the previous journal is now ${archived}`);
  return archived;
}

interface AppOutcome {
  deploy: RolloutOutcome;
  revert?: RolloutOutcome;
}

function appResult(
  app: { id: string; from: string; to: string; action: string },
  o: AppOutcome | undefined,
): AppResult {
  const base = { id: app.id, from: app.from, to: app.to };
  if (app.action === 'no-op') return { ...base, status: 'unchanged', now: app.to };
  if (app.action === 'stays') return { ...base, status: 'stays', now: app.from };
  if (!o) return { ...base, status: 'planned', now: app.from };
  const { deploy, revert } = o;
  if (deploy.skipped) return { ...base, status: 'not-started', now: app.from };
  if (deploy.gone) return { ...base, status: 'deleted', now: app.from, message: deploy.message };
  if (deploy.ok && !revert) return { ...base, status: 'deployed', now: app.to };
  if (revert) {
    if (revert.ok)
      return {
        ...base,
        status: deploy.ok || deploy.interrupted ? 'reverted' : 'failed',
        now: app.from,
        message: deploy.ok
          ? 'put back after another service failed'
          : deploy.interrupted
            ? 'interrupted while deploying; put back'
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
    now: deploy.changed ? app.to : app.from,
    message: `${deploy.message}${deploy.deploymentRunning ? ' (left running)' : ''}`,
  };
}

function resultOf(
  plan: RollbackPlan,
  outcome: RollbackResult['outcome'],
  onFailure: 'revert' | 'keep',
  outcomes: ReadonlyMap<string, AppOutcome>,
): RollbackResult {
  return {
    command: 'run',
    outcome,
    date: plan.date,
    group: plan.group,
    onFailure,
    services: plan.services.map((s) => {
      const apps = s.apps.map((a) => appResult(a, outcomes.get(a.id)));
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

function failureSentence(result: RollbackResult): string {
  const bad = result.services.flatMap((s) => s.apps.filter((a) => !isOnTarget(a.status)));
  const failed = bad.filter((a) => a.status === 'failed' || a.status === 'revert-failed');
  const what = failed.map((a) => `${a.id}: ${a.message ?? a.status}`).join('; ');
  if (result.interrupted)
    return `the rollback to ${result.date} was interrupted (${result.interrupted})${what ? ` (${what})` : ''}; ${
      result.outcome === 'reverted' ? 'every changed app is back on its previous image' : summaryLine(result)
    }`;
  if (result.outcome === 'reverted')
    return `the rollback to ${result.date} failed (${what}); every changed app is back on its previous image`;
  return `the rollback to ${result.date} failed (${what}); ${summaryLine(result)}`;
}
