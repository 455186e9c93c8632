import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write';
import { plausibleCreated } from '../plan/days';
import { DIGEST } from './manifest';
import type { Dating, DateSource } from './dating';

/**
 * A disk cache for what never changes: the date of an image, keyed by the digest of its manifest
 * (content addressed, so valid forever). Beside it, the last tag -> digest mapping seen, which CAN
 * change (a tag can be re-pushed): it is trusted without asking the registry only under
 * --trust-immutable-tags; otherwise one HEAD per tag confirms it.
 *
 * One file per repository, DIR/v2/<registry>/<repository>.json, holding both maps: reading or
 * writing hundreds of small files costs more CPU than the requests they save (each file is a
 * mkdir, open, write, fsync and rename). Dates of digests no tag points at any more are dropped,
 * so a file stays as large as the repository's tag list.
 *
 * A cache is never a reason to fail: an unreadable or corrupt file or entry is a miss (and gets
 * rewritten), and a write that fails is reported once and ignored.
 */

export interface CachedRepository {
  /** tag -> manifest digest, as last seen. */
  tags: Map<string, string>;
  /** manifest digest -> its date (or why it has none). */
  dates: Map<string, Dating>;
}

export interface DigestCache {
  read(repository: string): Promise<CachedRepository>;
  /**
   * Remember what this run learned. Merged with the file as it is now (another environment of
   * the same repository may have written it meanwhile); tags no longer `listed` are forgotten.
   */
  write(repository: string, learned: CachedRepository, listed: ReadonlySet<string>): void;
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

function validDating(value: unknown): Dating | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.created === 'string' && typeof v.source === 'string' && SOURCES.has(v.source as DateSource)) {
    // The stored value must be exactly what we would have written.
    if (plausibleCreated(v.created) !== v.created) return undefined;
    return { created: v.created, source: v.source as DateSource };
  }
  if (typeof v.reason === 'string' && v.reason && v.created === undefined) return { reason: v.reason };
  return undefined;
}

function parse(value: unknown): CachedRepository {
  const out: CachedRepository = { tags: new Map(), dates: new Map() };
  if (typeof value !== 'object' || value === null) return out;
  const { tags, dates } = value as { tags?: unknown; dates?: unknown };
  if (typeof tags === 'object' && tags !== null) {
    for (const [tag, digest] of Object.entries(tags)) {
      if (typeof digest === 'string' && DIGEST.test(digest)) out.tags.set(tag, digest);
    }
  }
  if (typeof dates === 'object' && dates !== null) {
    for (const [digest, dating] of Object.entries(dates)) {
      const valid = DIGEST.test(digest) ? validDating(dating) : undefined;
      if (valid) out.dates.set(digest, valid);
    }
  }
  return out;
}

/** A map as a JSON object with sorted keys, so a file changes only where its content does. */
function sorted<T>(m: Map<string, T>): Record<string, T> {
  return Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function createDigestCache(
  dir: string,
  registry: string,
  onWriteError: (err: Error) => void,
): DigestCache {
  // v1 files are never read: their dates came from OCI manifests no one checked against their
  // digest, and from labels without an offset read in the local time zone (or rolled over from
  // days that do not exist). Their images are dated afresh, once.
  const root = path.join(dir, 'v2', registryKey(registry));
  const pending = new Set<Promise<void>>();
  let reported = false;
  const fileOf = (repository: string) => path.join(root, `${encodeURIComponent(repository)}.json`);

  const read = async (repository: string): Promise<CachedRepository> => {
    try {
      return parse(JSON.parse(await fs.readFile(fileOf(repository), 'utf8')));
    } catch {
      return { tags: new Map(), dates: new Map() };
    }
  };

  return {
    read,

    write(repository, learned, listed) {
      const p = (async () => {
        const merged = await read(repository);
        for (const tag of merged.tags.keys()) if (!listed.has(tag)) merged.tags.delete(tag);
        for (const [tag, digest] of learned.tags) merged.tags.set(tag, digest);
        for (const [digest, dating] of learned.dates) merged.dates.set(digest, dating);
        const live = new Set(merged.tags.values());
        await writeJsonAtomic(fileOf(repository), {
          repository,
          tags: sorted(merged.tags),
          dates: sorted(new Map([...merged.dates].filter(([digest]) => live.has(digest)))),
        });
      })()
        .catch((err: Error) => {
          if (!reported) onWriteError(err);
          reported = true;
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    },

    async flush() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

/** --no-cache: nothing read, nothing written. */
export const noCache: DigestCache = {
  read: async () => ({ tags: new Map(), dates: new Map() }),
  write: () => {},
  flush: async () => {},
};
