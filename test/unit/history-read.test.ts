import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createVersionCache, noVersionCache } from '../../src/history/cache';
import { readHistories } from '../../src/history/read';
import type { MarathonApp } from '../../src/marathon/answers';
import { definition } from './history-fixtures';

/**
 * Reading histories from a fake Marathon that counts what it is asked: one list per app, each
 * version not in the cache fetched once, never more than `concurrency` requests at a time, and the
 * list (in no order, as Marathon 1.4+ returns it) sorted by time.
 */

const hour = (h: number) => new Date(Date.UTC(2026, 10, 30, h)).toISOString();

function fakeMarathon(apps: Record<string, string[]>) {
  const calls = { lists: 0, versions: [] as string[], inFlight: 0, maxInFlight: 0 };
  const answer = async <T>(value: T): Promise<T> => {
    calls.inFlight++;
    calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    calls.inFlight--;
    return value;
  };
  return {
    calls,
    client: {
      listVersions: (id: string) => {
        calls.lists++;
        return answer([...apps[id]!]);
      },
      getVersion: (id: string, v: string): Promise<MarathonApp> => {
        calls.versions.push(`${id}@${v}`);
        const service = id.split('/').pop()!;
        return answer(definition(service, `1.${apps[id]!.indexOf(v)}.0-develop`, v));
      },
    },
  };
}

/** Versions in an order neither ascending nor descending, as the emulator lists them. */
const SHUFFLED = [hour(9), hour(14), hour(3), hour(11), hour(1)];
const SERVICES = ['api', 'billing', 'frontend', 'search', 'cart', 'auth'];
const ids = SERVICES.map((s) => `/ds/dev/shop/${s}`);

describe('readHistories', () => {
  it('sorts the versions of each app by time, oldest first', async () => {
    const { client } = fakeMarathon({ [ids[0]!]: SHUFFLED });
    const { histories } = await readHistories(client, [ids[0]!], { cache: noVersionCache, concurrency: 8 });
    expect(histories[0]!.versions.map((v) => v.version)).toEqual([
      hour(1),
      hour(3),
      hour(9),
      hour(11),
      hour(14),
    ]);
    expect(histories[0]!.complete).toBe(true);
  });

  it('reads one list per app and each version once, at most `concurrency` requests at a time', async () => {
    const { client, calls } = fakeMarathon(Object.fromEntries(ids.map((id) => [id, SHUFFLED])));
    const { stats } = await readHistories(client, ids, { cache: noVersionCache, concurrency: 3 });
    expect(calls.lists).toBe(ids.length);
    expect(calls.versions).toHaveLength(ids.length * SHUFFLED.length);
    expect(new Set(calls.versions).size).toBe(calls.versions.length);
    expect(calls.maxInFlight).toBe(3);
    expect(stats).toEqual({ lists: 6, versions: 30, cached: 0 });
  });

  it('warm: the lists only, every version from the cache; a version Marathon dropped leaves the cache', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-read-'));
    const cache = () => createVersionCache(dir, 'http://127.0.0.1:8080', () => undefined);
    const apps = Object.fromEntries(ids.map((id) => [id, SHUFFLED]));
    const cold = await readHistories(fakeMarathon(apps).client, ids, { cache: cache(), concurrency: 8 });

    const warm = fakeMarathon(apps);
    const again = await readHistories(warm.client, ids, { cache: cache(), concurrency: 8 });
    expect({ lists: warm.calls.lists, versions: warm.calls.versions }).toEqual({ lists: 6, versions: [] });
    expect(again.histories).toEqual(cold.histories);

    // Marathon dropped the oldest and stored a new one: only the new one is fetched.
    const moved = [...SHUFFLED.filter((v) => v !== hour(1)), hour(16)];
    const later = fakeMarathon({ ...apps, [ids[0]!]: moved });
    const { histories } = await readHistories(later.client, ids, { cache: cache(), concurrency: 8 });
    expect(later.calls.versions).toEqual([`${ids[0]}@${hour(16)}`]);
    expect(histories[0]!.versions.map((v) => v.version)).toEqual([
      hour(3),
      hour(9),
      hour(11),
      hour(14),
      hour(16),
    ]);
    expect([...(await cache().read(ids[0]!)).keys()].sort()).toEqual([...moved].sort());
  });

  it('counts an app with as many versions as Marathon keeps (50) as one whose older versions may be gone', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) =>
      new Date(Date.UTC(2026, 9, 1) + i * 3_600_000).toISOString(),
    );
    const { client } = fakeMarathon({ [ids[0]!]: fifty, [ids[1]!]: fifty.slice(1) });
    const { histories } = await readHistories(client, ids.slice(0, 2), {
      cache: noVersionCache,
      concurrency: 8,
    });
    expect(histories.map((h) => h.complete)).toEqual([false, true]);
  });
});
