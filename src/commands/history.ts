import path from 'node:path';
import type { CommandContext } from './context';
import { UsageError } from '../errors';
import { createVersionCache, noVersionCache } from '../history/cache';
import { readHistories } from '../history/read';
import { historyJson, historyText, releaseChoices } from '../history/report';
import { appChanges, groupReleases, parseDuration } from '../history/timeline';
import { normalizeGroup } from '../marathon/answers';
import { createMarathonClient } from '../marathon/client';
import { credentialWarnings } from '../marathon/credential-hints';
import { defaultCacheDir } from '../registry/cache';
import { targetSpecOf } from '../targets/connect';
import { insecureWarning } from '../util/insecure';
import { createLogger } from '../util/log';
import { quote } from '../util/quote';
import { redact } from '../util/secrets';

export interface HistoryOptions {
  marathon?: string;
  dcos?: string;
  group: string;
  since?: string;
  window?: string;
  json?: boolean;
  choices?: boolean;
  cache?: string | boolean;
  concurrency?: number;
  insecure?: boolean;
  caFile?: string;
  quiet?: boolean;
}

/**
 * `history`: the environment's timeline from Marathon's own stored versions, newest first. Each
 * release point is an instant `run --at` can roll back to. Read-only.
 */
export async function history(raw: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const options = raw as unknown as HistoryOptions;
  const group = normalizeGroup(options.group);
  const target = targetSpecOf(options);
  if (target.kind === 'kubernetes')
    throw new UsageError(
      "history reads Marathon's stored versions; Kubernetes keeps no times of its revisions",
    );
  const windowMs = duration(options.window ?? '10m', '--window');
  const sinceMs = options.since === undefined ? undefined : duration(options.since, '--since');
  const logger = createLogger({ quiet: options.quiet, stream: ctx.stderr });
  for (const warning of credentialWarnings(target, ctx.env)) logger.warn(warning);
  if (options.insecure) logger.warn(insecureWarning(target.url));
  const concurrency = options.concurrency ?? 8;
  const client = createMarathonClient({
    target,
    env: ctx.env,
    cwd: ctx.cwd,
    tls: { insecure: options.insecure, caFile: options.caFile },
    maxSockets: concurrency,
  });
  const cacheDir =
    options.cache === false
      ? undefined
      : typeof options.cache === 'string'
        ? path.resolve(ctx.cwd, options.cache)
        : defaultCacheDir(ctx.env);
  const cache = cacheDir
    ? createVersionCache(cacheDir, client.apiUrl, (err) =>
        logger.warn(`cannot write the cache in ${cacheDir} (${err.message}); going on without it`),
      )
    : noVersionCache;

  logger.info(`Marathon at ${client.apiUrl} (${client.auth.description}): reading the history of ${group}`);
  const apps = (await client.listApps(group)).map((a) => a.id);
  const started = Date.now();
  const { histories, stats } = await readHistories(client, apps, { cache, concurrency });
  logger.info(
    `${apps.length} app(s): ${stats.lists + stats.versions} request(s) (${stats.versions} version(s) fetched, ${stats.cached} from the cache); ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const since = sinceMs === undefined ? undefined : new Date(Date.now() - sinceMs).toISOString();
  const releases = groupReleases(histories.flatMap(appChanges), windowMs).filter(
    (r) => since === undefined || Date.parse(r.at) >= Date.parse(since),
  );
  const view = { group, where: `Marathon at ${client.apiUrl}`, windowMs, since, releases, histories };
  if (options.choices)
    ctx.stdout.write(
      releaseChoices(releases)
        .map((l) => `${l}\n`)
        .join(''),
    );
  else ctx.stdout.write(redact(options.json ? historyJson(view) : historyText(view)));
  return 0;
}

function duration(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`${flag} ${quote(value)} is not a duration such as 10m, 36h or 7d`);
  return ms;
}
