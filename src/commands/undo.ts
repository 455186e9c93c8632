import path from 'node:path';
import type { CommandContext } from './context';
import { RollbackFailedError, UsageError } from '../errors';
import type { TlsOptions } from '../http/client';
import { Journal } from '../journal/journal';
import { createMarathonClient } from '../marathon/client';
import { rollOut } from '../marathon/rollout';
import { createWatcher } from '../marathon/watch';
import { slackFromEnv } from '../notify/slack';
import { serviceNames } from '../plan/rollback-plan';
import {
  formatResultTable,
  resultJson,
  serviceStatus,
  slackEndText,
  type AppResult,
  type RollbackResult,
} from '../plan/rollback-report';
import { insecureWarning } from '../util/insecure';
import { createLogger } from '../util/log';
import { redact } from '../util/secrets';
import { marathonTargetOf } from './run';

export interface UndoOptions {
  journal: string;
  marathon?: string;
  dcos?: string;
  timeout?: number;
  concurrency?: number;
  force?: boolean;
  json?: boolean;
  insecure?: boolean;
  caFile?: string;
  quiet?: boolean;
}

/**
 * Put every app a rollback touched back on the image its journal recorded from before the
 * rollback, and watch until Marathon runs it. Safe to repeat: apps already back are left alone.
 */
export async function undo(raw: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const options = raw as unknown as UndoOptions;
  if (!options.journal) throw new UsageError('--journal FILE is required');
  const logger = createLogger({ quiet: options.quiet, stream: ctx.stderr });
  const tls: TlsOptions = { insecure: options.insecure, caFile: options.caFile };
  const file = path.resolve(ctx.cwd, options.journal);
  const journal = await Journal.read(file);
  const recorded = journal.data.marathon;
  // The journal knows where the rollback ran; a flag may still point elsewhere (a new load balancer).
  const target = options.marathon || options.dcos ? marathonTargetOf(options) : recorded;
  if (target.kind !== recorded.kind || target.url.replace(/\/+$/, '') !== recorded.url.replace(/\/+$/, ''))
    logger.warn(
      `the journal was written for ${recorded.kind} ${recorded.url}; undoing on ${target.kind} ${target.url}`,
    );
  if (options.insecure) logger.warn(insecureWarning(target.url));
  const concurrency = options.concurrency ?? 8;
  const client = createMarathonClient({
    target,
    env: ctx.env,
    cwd: ctx.cwd,
    tls,
    maxSockets: concurrency + 2,
  });
  const slack = slackFromEnv(ctx.env, { logger, tls: { caFile: tls.caFile } });
  logger.info(
    `undoing the rollback of ${journal.data.group} to ${journal.data.date}: ${journal.data.apps.length} app(s), Marathon ${client.apiUrl} (${client.auth.description})`,
  );

  await journal.setStatus('undoing');
  const names = serviceNames([...new Set(journal.data.apps.map((a) => a.repository))]);
  const label = (id: string, repository: string) => `${names.get(repository)} ${id}`;
  const watcher = createWatcher(client, { timeoutMs: (options.timeout ?? 600) * 1000, logger });
  const outcomes = await rollOut(
    journal.data.apps.map((a) => ({
      appId: a.id,
      label: label(a.id, a.repository),
      from: a.toImage,
      to: a.fromImage,
    })),
    {
      client,
      watcher,
      journal,
      action: 'undo',
      concurrency,
      force: options.force ?? false,
      stopOnFailure: false,
      acceptDrift: true,
      logger,
    },
  );
  logger.done();

  const byId = new Map(outcomes.map((o) => [o.appId, o]));
  const ok = outcomes.every((o) => o.ok);
  const result: RollbackResult = {
    command: 'undo',
    outcome: ok ? 'succeeded' : 'failed',
    date: journal.data.date,
    group: journal.data.group,
    services: [...names].map(([repository, service]) => {
      const apps = journal.data.apps
        .filter((a) => a.repository === repository)
        .map((a): AppResult => {
          const o = byId.get(a.id)!;
          return {
            id: a.id,
            from: a.toImage,
            to: a.fromImage,
            status: o.ok ? 'restored' : 'failed',
            // Once Marathon accepted the change, the app names the restored image, even if unhealthy.
            now: o.ok || o.changed ? a.fromImage : a.toImage,
            ...(o.ok && !o.changed ? { message: 'was already on it' } : {}),
            ...(o.message ? { message: o.message } : {}),
          };
        });
      return { service, repository, status: serviceStatus(apps), apps };
    }),
    files: { journal: file },
  };
  await journal.setStatus(ok ? 'undone' : 'undo-failed');
  await slack?.post(slackEndText(result, ctx.env.BUILD_URL));
  ctx.stdout.write(redact(options.json ? resultJson(result) : formatResultTable(result)));
  if (ok) return 0;
  const failed = result.services.flatMap((s) => s.apps.filter((a) => a.status === 'failed'));
  throw new RollbackFailedError(
    `undo incomplete: ${failed.map((a) => `${a.id}: ${a.message ?? 'failed'}`).join('; ')}`,
    { hint: `the other apps are back; run undo again once the cause is fixed (${file})` },
  );
}
