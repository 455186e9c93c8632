import type { AxiosInstance } from 'axios';
import { setMaxListeners } from 'node:events';
import { InputError, isRollbackError } from '../errors';
import { createLimiter } from '../http/limiter';
import type { TlsOptions } from '../http/agents';
import type { RetryPolicy } from '../http/retry';
import type { CatalogImage, CatalogRepository, UndatedImage } from '../plan/catalog';
import { newestFirst } from '../plan/snapshot';
import type { Logger } from '../util/log';
import type { Credentials } from './auth';
import type { CachedRepository, DigestCache } from './cache';
import { RegistryClient, type FetchedManifest } from './client';
import { isDated, type Dating } from './dating';
import { manifestDater, type Outcome } from './manifest-dating';
import { RequestStats } from './stats';
import type { TagFilter } from './tags';

/**
 * From repository names to dated images: list every tag, keep the environment's, and date each one
 * (never cutting the list by name first: `1.10.0-develop` can be newer than `1.9.0-develop`).
 *
 * Requests per tag: cold, a manifest GET and a config GET (none when an annotation dates the
 * image; an index adds its child's manifest).
 * With the cache, a tag seen before costs one HEAD (the tag may have been re-pushed) and its date
 * comes from disk; with --trust-immutable-tags it costs nothing. Dates are shared by digest within
 * a repository, so a digest behind several tags is dated once.
 *
 * Memory is bounded by --concurrency, not by the size of the registry: `concurrency` repositories
 * are read at once, each dating `concurrency` tags at a time, and what a repository needed while it
 * was read is dropped once it is done: the catalog's images are all that grows with the registry.
 */

export interface DiscoverSettings {
  registry: string;
  repositories: string[];
  environment: string;
  filter: TagFilter;
  credentials?: Credentials;
  concurrency: number;
  tls?: TlsOptions;
  cache: DigestCache;
  trustImmutableTags: boolean;
  log: Logger;
  /** For tests. */
  retryPolicy?: RetryPolicy;
  http?: AxiosInstance;
  timeoutMs?: number;
  /** --request-timeout: longest one request may take, start to last byte. */
  deadlineMs?: number;
}

export interface Discovery {
  repositories: CatalogRepository[];
  stats: RequestStats;
}

interface TagResult {
  tag: string;
  digest?: string;
  dating: Dating;
}

/** One repository being dated. */
interface RepositoryRun {
  repository: string;
  /** From the digest cache. */
  known: CachedRepository;
  /** For the digest cache. */
  learned: CachedRepository;
  /**
   * Dates found or being found, by manifest digest. Kept per repository rather than per run: it is
   * released when the repository is done, so memory does not grow with the registry, and the
   * same image in two repositories costs only its requests twice.
   */
  datings: Map<string, Promise<Outcome>>;
}

export async function discover(settings: DiscoverSettings): Promise<Discovery> {
  const controller = new AbortController();
  // Each request in flight listens for it (at most --concurrency, one more each in a backoff wait):
  // above ten, Node would warn of a leak that is not one.
  setMaxListeners(2 * settings.concurrency + 10, controller.signal);
  const stats = new RequestStats();
  const client = new RegistryClient({
    registry: settings.registry,
    credentials: settings.credentials,
    concurrency: settings.concurrency,
    tls: settings.tls,
    retryPolicy: settings.retryPolicy,
    http: settings.http,
    timeoutMs: settings.timeoutMs,
    deadlineMs: settings.deadlineMs,
    stats,
    signal: controller.signal,
  });
  const { cache, log } = settings;
  const dateManifest = manifestDater(client);

  /**
   * The date of a manifest digest: from the repository's cache file, else what this repository's
   * other tags found (a digest behind several tags is dated once), else the registry. What is
   * worth keeping goes into `learned`.
   */
  const datingOf = async (
    { repository, known, learned, datings }: RepositoryRun,
    digest: string,
    fetched?: FetchedManifest,
  ): Promise<Dating> => {
    const cached = known.dates.get(digest);
    if (cached) {
      stats.cacheHits++;
      learned.dates.set(digest, cached);
      return cached;
    }
    let p = datings.get(digest);
    if (!p) {
      p = (async () => {
        const got = fetched ?? (await client.getManifest(repository, digest));
        if (!got) return { dating: { reason: `manifest ${digest} is missing` }, cacheable: false };
        return dateManifest(repository, got.manifest);
      })();
      datings.set(digest, p);
    }
    const outcome = await p;
    if (outcome.cacheable) learned.dates.set(digest, outcome.dating);
    return outcome.dating;
  };

  const dateTag = async (run: RepositoryRun, tag: string): Promise<TagResult> => {
    const { repository, known, learned } = run;
    const seen = known.tags.get(tag);
    if (seen && settings.trustImmutableTags) {
      const cached = known.dates.get(seen);
      if (cached) {
        stats.cacheHits++;
        stats.trustedTags++;
        learned.dates.set(seen, cached);
        return { tag, digest: seen, dating: cached };
      }
    }
    if (seen) {
      // Seen before: one HEAD tells whether it still points at the same digest.
      const head = await client.headManifest(repository, tag);
      if (!head.found) return gone(tag);
      if (head.digest) {
        return { tag, digest: head.digest, dating: await datingOf(run, head.digest) };
      }
    }
    const fetched = await client.getManifest(repository, tag);
    if (!fetched) return gone(tag);
    if (!fetched.digest) {
      return { tag, dating: { reason: 'the registry sent no digest for this schema1 manifest' } };
    }
    return {
      tag,
      digest: fetched.digest,
      dating: await datingOf(run, fetched.digest, fetched),
    };
  };

  const discoverRepository = async (repository: string): Promise<CatalogRepository> => {
    log.status(repository, 'listing tags');
    const [all, known] = await Promise.all([client.listTags(repository), cache.read(repository)]);
    const tags = all.filter(settings.filter);
    if (tags.length === 0) {
      const examples = all.slice(0, 3).join(', ');
      throw new InputError(
        `repository ${repository} has no tags of environment ${settings.environment} (${settings.filter.description}; ${
          all.length === 0
            ? 'it has no tags at all'
            : `it has ${plural(all.length, 'other tag')}, e.g. ${examples}`
        })`,
        { hint: 'check --env and --repo, or --tag-pattern if the tags are named differently' },
      );
    }
    log.status(repository, `dating ${tags.length} ${settings.environment} tags (${all.length} tags in all)`);
    const learned: CachedRepository = { tags: new Map(), dates: new Map() };
    const run: RepositoryRun = { repository, known, learned, datings: new Map() };
    const results = await mapConcurrent(tags, settings.concurrency, (tag) => dateTag(run, tag));

    const images: CatalogImage[] = [];
    const undated: UndatedImage[] = [];
    for (const r of results) {
      if (r.digest) learned.tags.set(r.tag, r.digest);
      if (r.digest && isDated(r.dating))
        images.push({ tag: r.tag, digest: r.digest, created: r.dating.created });
      else
        undated.push({ tag: r.tag, ...(r.digest ? { digest: r.digest } : {}), reason: reasonOf(r.dating) });
    }
    newestFirst(images);
    undated.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    const listed = new Set(all);
    if (changes(known, learned, listed)) cache.write(repository, learned, listed);

    if (undated.length > 0) {
      const shown = undated.slice(0, 3).map((u) => `${u.tag}: ${u.reason}`);
      log.warn(
        `${repository}: ${undated.length} of ${plural(tags.length, `${settings.environment} image`)} ${undated.length === 1 ? 'has' : 'have'} no usable creation date and ${undated.length === 1 ? 'is' : 'are'} left out (${shown.join('; ')}${undated.length > 3 ? '; ...' : ''})`,
      );
    }
    const newest = images[0];
    log.status(
      repository,
      newest
        ? `${plural(images.length, 'image')} dated${undated.length ? `, ${undated.length} undated` : ''}; newest ${newest.tag} built ${newest.created}`
        : `no dated image (${undated.length} undated)`,
    );
    return { name: repository, images, undated };
  };

  // Starting every tag of 300 repositories x 200 tags at once held 60,000 waiting calls (a peak
  // of 880 MB) to feed 8 sockets.
  const repositorySlot = createLimiter(settings.concurrency);
  let fatal: unknown;
  const settled = await (async () => {
    try {
      await client.probe();
    } catch (err) {
      fatal = err;
      return [];
    }
    return Promise.allSettled(
      settings.repositories.map((repository) =>
        repositorySlot(() => discoverRepository(repository)).catch((err: unknown) => {
          // Registry trouble ends everything at once; a bad repository name lets the others finish
          // so that one run reports every bad name.
          if (!(err instanceof InputError)) {
            fatal ??= err;
            controller.abort();
          }
          throw err;
        }),
      ),
    );
  })();
  await cache.flush();
  log.done();
  if (fatal !== undefined) throw fatal;

  const failures = settled
    .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
    .map((s) => s.reason);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const first = failures[0];
    throw new InputError(
      `${failures.length} repositories failed: ${failures.map((e) => (e as Error).message).join('; ')}`,
      { hint: isRollbackError(first) ? first.hint : undefined },
    );
  }
  const repositories = settled.map((s) => (s as PromiseFulfilledResult<CatalogRepository>).value);
  return { repositories, stats };
}

/** `fn` over `items` with at most `concurrency` calls pending at once; results in item order. */
async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

const gone = (tag: string): TagResult => ({
  tag,
  dating: { reason: 'the tag disappeared while it was being read (manifest unknown)' },
});

/** Whether the cache file would change: a warm run that learned nothing new writes nothing. */
function changes(known: CachedRepository, learned: CachedRepository, listed: ReadonlySet<string>): boolean {
  for (const [tag, digest] of learned.tags) if (known.tags.get(tag) !== digest) return true;
  for (const digest of learned.dates.keys()) if (!known.dates.has(digest)) return true;
  for (const tag of known.tags.keys()) if (!listed.has(tag)) return true;
  return false;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function reasonOf(dating: Dating): string {
  return isDated(dating) ? 'the registry sent no digest for it' : dating.reason;
}
