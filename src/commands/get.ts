import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AxiosInstance } from 'axios';
import type { CommandContext } from './context';
import { InputError, UsageError } from '../errors';
import { DEFAULT_DEADLINE_MS } from '../http/agents';
import type { RetryPolicy } from '../http/retry';
import { CATALOG_FILE, CATALOG_FORMAT, CATALOG_VERSION, type Catalog } from '../plan/catalog';
import { assertTimeZone } from '../plan/days';
import { offeredDates } from '../plan/snapshot';
import { credentialsFromEnv, type Credentials } from '../registry/auth';
import { createDigestCache, defaultCacheDir, noCache } from '../registry/cache';
import { discover } from '../registry/discover';
import { assertEnvironment, tagFilter, type TagFilter } from '../registry/tags';
import { writeJsonAtomic } from '../util/atomic-write';
import { createLogger, type Logger } from '../util/log';
import { assertCaFile } from '../util/ca-file';
import { quote } from '../util/quote';
import { insecureWarning } from '../util/insecure';
import { redact } from '../util/secrets';
import { parseServiceUrl } from '../util/service-url';

/**
 * `get`: registry -> dated images of one environment per repository -> rollback.json -> the dates
 * one can roll back to, newest first, on stdout (the Jenkins dropdown reads exactly that).
 * Every flag is checked before the first request; rollback.json is written only when everything
 * succeeded, so a failed run never replaces a good catalog.
 */

export interface GetOptions {
  registry?: string;
  repo?: string[];
  env?: string;
  dump?: string;
  keep?: number;
  tz?: string;
  tagPattern?: string;
  /** A folder, or false for --no-cache; undefined means the default folder. */
  cache?: string | boolean;
  trustImmutableTags?: boolean;
  concurrency?: number;
  /** Seconds one registry request may take, start to last byte. */
  requestTimeout?: number;
  insecure?: boolean;
  caFile?: string;
  quiet?: boolean;
  json?: boolean;
  /** For tests: no waiting between retries, an axios instance of one's own. */
  retryPolicy?: RetryPolicy;
  http?: AxiosInstance;
}

interface GetSettings {
  registry: string;
  repositories: string[];
  environment: string;
  filter: TagFilter;
  tagPattern?: string;
  keep: number;
  timeZone: string;
  catalogFile: string;
  cacheDir?: string;
  trustImmutableTags: boolean;
  concurrency: number;
  credentials?: Credentials;
}

/** Repository names as the distribution spec defines them (lowercase, `/`-separated components). */
const REPOSITORY_NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const MAX_CONCURRENCY = 64;

export function normalizeRegistryUrl(value: string): string {
  const base = parseServiceUrl(value, {
    name: '--registry',
    example: 'https://registry.example.com',
    credentialsHint: 'put them in REGISTRY_USER and REGISTRY_PASSWORD',
  });
  if (base.endsWith('/v2')) {
    throw new UsageError(`--registry ${quote(value)} ends in /v2`, {
      hint: 'give the base URL, without /v2',
    });
  }
  return base;
}

/**
 * The folder rollback.json goes to must be one we can write, checked before the first request:
 * finding out after minutes of registry reads would waste them. A folder that does not exist yet
 * is created at the end, so its nearest existing parent is what must be a writable folder.
 */
async function checkDumpFolder(dir: string, shown: string): Promise<void> {
  let existing = dir;
  for (;;) {
    try {
      const stat = await fs.stat(existing);
      if (!stat.isDirectory()) {
        throw new UsageError(
          existing === dir
            ? `--dump ${shown} is not a folder`
            : `--dump ${shown}: ${existing} is not a folder`,
        );
      }
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(existing) !== existing) {
        existing = path.dirname(existing);
        continue;
      }
      if (err instanceof UsageError) throw err;
      throw new UsageError(
        `--dump ${shown} cannot be used (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  try {
    await fs.access(existing, fs.constants.W_OK);
  } catch {
    throw new UsageError(`--dump ${shown} is not writable`, { hint: 'choose another folder with --dump' });
  }
}

async function settingsFrom(options: GetOptions, ctx: CommandContext): Promise<GetSettings> {
  const registry = normalizeRegistryUrl(options.registry ?? '');
  const repositories = [...new Set(options.repo ?? [])];
  if (repositories.length === 0)
    throw new UsageError('--repo names no repository', { hint: 'e.g. --repo shop/api,shop/web' });
  for (const name of repositories) {
    if (!REPOSITORY_NAME.test(name)) {
      throw new UsageError(`--repo ${quote(name)} is not a repository name`, {
        hint: 'lowercase letters and digits, separated by ".", "_", "__" or "-", components joined by "/", e.g. shop/api',
      });
    }
  }
  const environment = assertEnvironment(options.env ?? '');
  const keep = options.keep ?? 10;
  if (!Number.isInteger(keep) || keep < 1)
    throw new UsageError(`--keep must be a whole number >= 1, got ${keep}`);
  const timeZone = assertTimeZone(options.tz ?? 'UTC');
  const filter = tagFilter(environment, options.tagPattern);
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new UsageError(`--concurrency must be between 1 and ${MAX_CONCURRENCY}, got ${concurrency}`, {
      hint: 'a registry is shared; 4 to 16 is plenty',
    });
  }
  const dump = path.resolve(ctx.cwd, options.dump ?? '.');
  await checkDumpFolder(dump, options.dump ?? '.');
  let cacheDir: string | undefined;
  if (options.cache !== false) {
    cacheDir =
      typeof options.cache === 'string' ? path.resolve(ctx.cwd, options.cache) : defaultCacheDir(ctx.env);
  }
  if (options.caFile) assertCaFile(path.resolve(ctx.cwd, options.caFile), options.caFile);
  return {
    registry,
    repositories,
    environment,
    filter,
    ...(options.tagPattern !== undefined ? { tagPattern: options.tagPattern } : {}),
    keep,
    timeZone,
    catalogFile: path.join(dump, CATALOG_FILE),
    cacheDir,
    trustImmutableTags: Boolean(options.trustImmutableTags),
    concurrency,
    credentials: credentialsFromEnv(ctx.env),
  };
}

export async function get(options: GetOptions, ctx: CommandContext): Promise<number> {
  const settings = await settingsFrom(options, ctx);
  const started = Date.now();
  const warnings: string[] = [];
  const log = keepingWarnings(createLogger({ quiet: options.quiet, stream: ctx.stderr }), warnings);
  if (options.insecure) log.warn(insecureWarning(settings.registry));
  const cache = settings.cacheDir
    ? createDigestCache(settings.cacheDir, settings.registry, (err) =>
        log.warn(`cannot write the cache in ${settings.cacheDir} (${err.message}); going on without it`),
      )
    : noCache;

  const count = settings.repositories.length;
  log.info(
    `reading ${count} ${count === 1 ? 'repository' : 'repositories'} of ${settings.registry}, environment ${settings.environment}`,
  );
  const { repositories, stats } = await discover({
    registry: settings.registry,
    repositories: settings.repositories,
    environment: settings.environment,
    filter: settings.filter,
    credentials: settings.credentials,
    concurrency: settings.concurrency,
    tls: {
      insecure: Boolean(options.insecure),
      ...(options.caFile ? { caFile: path.resolve(ctx.cwd, options.caFile) } : {}),
    },
    cache,
    trustImmutableTags: settings.trustImmutableTags,
    log,
    retryPolicy: options.retryPolicy,
    http: options.http,
    deadlineMs: (options.requestTimeout ?? DEFAULT_DEADLINE_MS / 1000) * 1000,
  });

  for (const repo of repositories) {
    if (repo.images.length === 0) {
      // Listed in the catalog all the same: `run` must say it has nothing to deploy, not skip it.
      log.warn(
        `${repo.name}: no ${settings.environment} image has a usable date; run will report it as missing`,
      );
    }
  }
  const dates = offeredDates(repositories, settings.keep, settings.timeZone);
  if (dates.length === 0) {
    throw new InputError(
      `no image of environment ${settings.environment} has a usable creation date in ${settings.repositories.join(', ')}`,
      { hint: 'the warnings above say why each was left out' },
    );
  }
  const catalog: Catalog = {
    format: CATALOG_FORMAT,
    version: CATALOG_VERSION,
    generatedAt: new Date().toISOString(),
    registry: settings.registry,
    environment: settings.environment,
    ...(settings.tagPattern !== undefined ? { tagPattern: settings.tagPattern } : {}),
    timeZone: settings.timeZone,
    keep: settings.keep,
    offeredDates: dates,
    repositories,
  };
  // Not re-validated against the schema here: every field was checked where it entered (names,
  // tags and digests by the catalog's own patterns, dates by plausibleCreated), and the tests parse
  // every catalog get writes with parseCatalog.
  await writeJsonAtomic(settings.catalogFile, catalog);

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log.info(`${stats.summary()}; ${seconds} s`);
  log.info(`wrote ${settings.catalogFile}: ${dates.length} dates offered`);
  ctx.stdout.write(
    options.json
      ? redact(getResultJson(catalog, settings.catalogFile, warnings))
      : dates.map((d) => `${d}\n`).join(''),
  );
  return 0;
}

/** The logger, also keeping every warning for the JSON result. */
function keepingWarnings(log: Logger, warnings: string[]): Logger {
  return {
    ...log,
    warn(message) {
      warnings.push(message);
      log.warn(message);
    },
  };
}

/**
 * `get --json`: the dates, where the catalog went, a line per repository (how many images it
 * dated, how many it could not, the newest), and the warnings printed on stderr.
 */
export function getResultJson(catalog: Catalog, catalogFile: string, warnings: string[]): string {
  return (
    JSON.stringify(
      {
        ok: true,
        dates: catalog.offeredDates,
        catalog: catalogFile,
        repositories: catalog.repositories.map((r) => ({
          name: r.name,
          images: r.images.length,
          undated: r.undated.length,
          newest: r.images[0] ? { tag: r.images[0].tag, created: r.images[0].created } : null,
        })),
        warnings,
      },
      null,
      2,
    ) + '\n'
  );
}
