import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write';
import type { VersionSummary } from './summary';

/**
 * Marathon's stored versions never change once written, so each is fetched once and its summary
 * kept on disk: DIR/marathon/<marathon>/<app>.json (one file per app: hundreds of tiny files cost
 * more than the requests they save). Summaries hold keyed hashes, never values; the key lives
 * beside them (0600), so a hash cannot be matched against guesses without the key either.
 *
 * A cache is never a reason to fail: a missing, unreadable or corrupt file is a miss, and a write
 * that fails is reported once and ignored.
 */

export interface VersionCache {
  key(): Promise<Buffer>;
  read(appId: string): Promise<Map<string, VersionSummary>>;
  write(appId: string, summaries: ReadonlyMap<string, VersionSummary>): Promise<void>;
}

const FORMAT = 'rollback-marathon-versions-v1';

export const noVersionCache: VersionCache = {
  key: async () => randomBytes(32),
  read: async () => new Map(),
  write: async () => undefined,
};

/** A folder name for a Marathon: host, port and path. */
function marathonKey(apiUrl: string): string {
  const u = new URL(apiUrl);
  return `${u.host}${u.pathname}`.replace(/\/+$/, '').replace(/[^A-Za-z0-9.-]/g, '_');
}

function isSummary(v: unknown): v is VersionSummary {
  const s = v as Partial<VersionSummary> | null;
  return (
    typeof s?.version === 'string' &&
    typeof s.instances === 'number' &&
    typeof s.fields === 'object' &&
    s.fields !== null &&
    typeof s.entries === 'object' &&
    s.entries !== null
  );
}

export function createVersionCache(
  dir: string,
  apiUrl: string,
  onWriteError: (err: Error) => void,
): VersionCache {
  const root = path.join(dir, 'marathon', marathonKey(apiUrl));
  const fileOf = (appId: string) => path.join(root, `${appId.slice(1).replace(/\//g, '__')}.json`);
  let key: Promise<Buffer> | undefined;
  let reported = false;
  const failed = (err: unknown) => {
    if (!reported) onWriteError(err as Error);
    reported = true;
  };
  return {
    key() {
      key ??= (async () => {
        const file = path.join(dir, 'marathon', 'key');
        try {
          const existing = (await fs.readFile(file, 'utf8')).trim();
          if (/^[0-9a-f]{64}$/.test(existing)) return Buffer.from(existing, 'hex');
        } catch {
          // None yet.
        }
        const fresh = randomBytes(32);
        try {
          await writeFileAtomic(file, `${fresh.toString('hex')}\n`);
        } catch (err) {
          failed(err);
        }
        return fresh;
      })();
      return key;
    },
    async read(appId) {
      try {
        const value = JSON.parse(await fs.readFile(fileOf(appId), 'utf8')) as {
          format?: unknown;
          versions?: Record<string, unknown>;
        };
        if (value.format !== FORMAT || !value.versions) return new Map();
        return new Map(
          Object.entries(value.versions).filter((e): e is [string, VersionSummary] => isSummary(e[1])),
        );
      } catch {
        return new Map();
      }
    },
    async write(appId, summaries) {
      try {
        await writeJsonAtomic(fileOf(appId), { format: FORMAT, versions: Object.fromEntries(summaries) });
      } catch (err) {
        failed(err);
      }
    },
  };
}
