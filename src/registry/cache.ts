import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write';
import { plausibleCreated } from '../plan/days';
import { DIGEST } from './manifest';
import type { Dating, DateSource } from './dating';

/**
 * A disk cache for what never changes: the date of an image, keyed by the digest of its manifest
 * (content addressed, so valid forever). Also the last tag -> digest mapping seen per repository,
 * which CAN change (a tag can be re-pushed): it is only trusted without asking the registry under
 * --trust-immutable-tags; otherwise one HEAD per tag confirms it.
 *
 * Layout: DIR/v1/<registry>/dates/<algorithm>/<hex>.json and DIR/v1/<registry>/tags/<repo>.json.
 * A cache is never a reason to fail: unreadable or corrupt entries are misses (and get rewritten),
 * and a write that fails is reported once and ignored.
 */

export interface DigestCache {
  readDating(digest: string): Promise<Dating | undefined>;
  writeDating(digest: string, dating: Dating): void;
  readTags(repository: string): Promise<Map<string, string>>;
  /** Remember `resolved` for the repository; entries for tags no longer `listed` are dropped. */
  writeTags(repository: string, resolved: ReadonlyMap<string, string>, listed: ReadonlySet<string>): void;
  /** Wait for the writes started so far. */
  flush(): Promise<void>;
}

/** `$XDG_CACHE_HOME/rollback`, else `~/.cache/rollback`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'rollback');
  return path.join(env.HOME || os.homedir(), '.cache', 'rollback');
}

/** A folder name for a registry: host, port and path prefix; the scheme does not change content. */
export function registryKey(registry: string): string {
  const u = new URL(registry);
  return `${u.host}${u.pathname}`.replace(/\/+$/, '').replace(/[^A-Za-z0-9.-]/g, '_');
}

const SOURCES = new Set<DateSource>(['annotation', 'index annotation', 'label', 'config', 'schema1']);

function validDating(value: unknown, digest: string): Dating | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.digest !== digest) return undefined;
  if (typeof v.created === 'string' && typeof v.source === 'string' && SOURCES.has(v.source as DateSource)) {
    // The stored value must be exactly what we would have written.
    if (plausibleCreated(v.created) !== v.created) return undefined;
    return { created: v.created, source: v.source as DateSource };
  }
  if (typeof v.reason === 'string' && v.reason && v.created === undefined) return { reason: v.reason };
  return undefined;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export function createDigestCache(
  dir: string,
  registry: string,
  onWriteError: (err: Error) => void,
): DigestCache {
  const root = path.join(dir, 'v1', registryKey(registry));
  const pending = new Set<Promise<void>>();
  let reported = false;

  const datingFile = (digest: string) => {
    const [algorithm, hex] = digest.split(':') as [string, string];
    return path.join(root, 'dates', algorithm, `${hex}.json`);
  };
  const tagsFile = (repository: string) => path.join(root, 'tags', `${encodeURIComponent(repository)}.json`);

  const background = (write: () => Promise<void>) => {
    const p = write()
      .catch((err: Error) => {
        if (!reported) onWriteError(err);
        reported = true;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const readTags = async (repository: string): Promise<Map<string, string>> => {
    const value = (await readJson(tagsFile(repository))) as { tags?: unknown } | undefined;
    const out = new Map<string, string>();
    if (value && typeof value.tags === 'object' && value.tags !== null) {
      for (const [tag, digest] of Object.entries(value.tags)) {
        if (typeof digest === 'string' && DIGEST.test(digest)) out.set(tag, digest);
      }
    }
    return out;
  };

  return {
    async readDating(digest) {
      if (!DIGEST.test(digest)) return undefined;
      return validDating(await readJson(datingFile(digest)), digest);
    },

    writeDating(digest, dating) {
      if (!DIGEST.test(digest)) return;
      background(() => writeJsonAtomic(datingFile(digest), { digest, ...dating }));
    },

    readTags,

    writeTags(repository, resolved, listed) {
      background(async () => {
        // Merge with what is on disk now: another environment of the same repository may have
        // written its tags since we read them.
        const merged = await readTags(repository);
        for (const tag of merged.keys()) if (!listed.has(tag)) merged.delete(tag);
        for (const [tag, digest] of resolved) merged.set(tag, digest);
        await writeJsonAtomic(tagsFile(repository), {
          repository,
          tags: Object.fromEntries([...merged].sort(([a], [b]) => (a < b ? -1 : 1))),
        });
      });
    },

    async flush() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

/** --no-cache: nothing read, nothing written. */
export const noCache: DigestCache = {
  readDating: async () => undefined,
  writeDating: () => {},
  readTags: async () => new Map(),
  writeTags: () => {},
  flush: async () => {},
};
