import { createLimiter } from '../http/limiter';
import type { MarathonClient } from '../marathon/client';
import type { VersionCache } from './cache';
import { keyedHash, summarize, type VersionSummary } from './summary';

/**
 * Read the stored versions of every app: one list per app, then each version not in the cache
 * (versions never change, so a warm run costs one request per app). At most `concurrency`
 * requests at a time across all apps.
 */

/** Marathon's --zk_max_versions default: an app with this many versions may have lost older ones. */
export const MARATHON_MAX_VERSIONS = 50;

export interface AppHistory {
  appId: string;
  /** Oldest first. */
  versions: VersionSummary[];
  /** Fewer versions than Marathon keeps: the oldest one is the app's creation. */
  complete: boolean;
}

export interface ReadStats {
  lists: number;
  versions: number;
  cached: number;
}

export async function readHistories(
  client: Pick<MarathonClient, 'listVersions' | 'getVersion'>,
  appIds: readonly string[],
  options: { cache: VersionCache; concurrency: number },
): Promise<{ histories: AppHistory[]; stats: ReadStats }> {
  const limit = createLimiter(options.concurrency);
  const hash = keyedHash(await options.cache.key());
  const stats: ReadStats = { lists: 0, versions: 0, cached: 0 };
  const histories = await Promise.all(
    appIds.map(async (appId): Promise<AppHistory> => {
      const [listed, cached] = await Promise.all([
        limit(() => client.listVersions(appId)),
        options.cache.read(appId),
      ]);
      stats.lists++;
      const summaries = new Map<string, VersionSummary>();
      let fetched = false;
      await Promise.all(
        listed.map(async (version) => {
          const known = cached.get(version);
          if (known) {
            stats.cached++;
            summaries.set(version, known);
            return;
          }
          const app = await limit(() => client.getVersion(appId, version));
          stats.versions++;
          fetched = true;
          summaries.set(version, { ...summarize(app, hash), version: new Date(version).toISOString() });
        }),
      );
      // Versions Marathon dropped since are dropped here too: the file stays as large as its list.
      if (fetched || cached.size !== summaries.size) await options.cache.write(appId, summaries);
      // The list comes in no guaranteed order (Marathon 1.4+): sort by time.
      const versions = [...summaries.values()].sort((a, b) => Date.parse(a.version) - Date.parse(b.version));
      return { appId, versions, complete: listed.length < MARATHON_MAX_VERSIONS };
    }),
  );
  return { histories, stats };
}
