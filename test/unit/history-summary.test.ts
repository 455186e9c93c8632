import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createVersionCache } from '../../src/history/cache';
import { changedFields, keyedHash, summarize } from '../../src/history/summary';
import type { MarathonApp } from '../../src/marathon/answers';
import { definition, HASH, version } from './history-fixtures';

/**
 * A stored version is reduced to its image, its instance count and keyed hashes: the app's
 * secrets (env, args, labels, fetch URIs, docker parameters) must never reach a summary, the disk
 * cache, a plan or a journal, while a plan can still name which fields and env entries changed.
 */

const MARKER = 'S3CRET-marker-7f3a';

/** A definition holding the marker in every place an app keeps values. */
function withMarkerEverywhere(): MarathonApp {
  const app = definition('api', '1.5.0-develop', '2026-11-30T09:40:00.000Z', {
    env: { SERVICE_NAME: 'api', DB_PASSWORD: MARKER },
    labels: { team: 'shop', token: MARKER },
  });
  return {
    ...app,
    args: ['--token', MARKER],
    cmd: `run --password=${MARKER}`,
    fetch: [{ uri: `https://u:${MARKER}@files.example.com/app.tgz` }],
    secrets: { db: { source: `vault/${MARKER}` } },
    container: {
      ...(app.container as object),
      docker: {
        image: 'registry.example.com/shop/api:1.5.0-develop',
        parameters: [{ key: 'env', value: `TOKEN=${MARKER}` }],
      },
    },
  } as MarathonApp;
}

describe('a version summary', () => {
  it('keeps the image, the instances and the version, and never a value of the definition', () => {
    const summary = summarize(withMarkerEverywhere(), HASH);
    expect(summary).toMatchObject({
      version: '2026-11-30T09:40:00.000Z',
      image: 'registry.example.com/shop/api:1.5.0-develop',
      instances: 2,
    });
    expect(JSON.stringify(summary)).not.toContain(MARKER);
    // Not base64 nor a plain hash of it either: only keyed hashes.
    expect(JSON.stringify(summary)).not.toContain(Buffer.from(MARKER).toString('base64'));
    expect(Object.keys(summary.fields).sort()).toEqual(
      [
        'args',
        'cmd',
        'container',
        'cpus',
        'env',
        'fetch',
        'healthChecks',
        'id',
        'labels',
        'mem',
        'secrets',
      ].sort(),
    );
    expect(Object.keys(summary.entries.env).sort()).toEqual(['DB_PASSWORD', 'SERVICE_NAME']);
    expect(Object.keys(summary.entries.secrets)).toEqual(['db']);
  });

  it('hashes with its key: the same definition under another key gives other hashes', () => {
    const a = summarize(withMarkerEverywhere(), HASH);
    const b = summarize(withMarkerEverywhere(), keyedHash(Buffer.alloc(32, 8)));
    expect(b.fields.env).not.toBe(a.fields.env);
    expect(summarize(withMarkerEverywhere(), HASH)).toEqual(a);
  });

  it('hashes a definition the same whatever the order of its keys', () => {
    const app = definition('api', '1.5.0-develop', '2026-11-30T09:40:00.000Z');
    const reordered = Object.fromEntries(Object.entries(app).reverse()) as MarathonApp;
    expect(summarize(reordered, HASH).fields).toEqual(summarize(app, HASH).fields);
  });

  it('compares the image on its own: a new tag alone changes no field', () => {
    const a = version('api', '1.5.0-develop', '2026-11-30T09:40:00Z');
    const b = version('api', '1.5.1-develop', '2026-11-30T14:10:00Z');
    expect(changedFields(a, b)).toEqual([]);
  });

  it('counts a scale as no configuration change', () => {
    const a = version('frontend', '1.3.0-develop', '2026-11-24T17:30:00Z', { instances: 4 });
    const b = version('frontend', '1.3.0-develop', '2026-11-25T18:05:00Z', { instances: 2 });
    expect(changedFields(a, b)).toEqual([]);
    expect([a.instances, b.instances]).toEqual([4, 2]);
  });
});

describe('changedFields', () => {
  it('names the env entries that changed, were added or removed, never their values', () => {
    const a = version('api', '1.4.0-develop', '2026-11-28T10:00:00Z', {
      env: { SERVICE_NAME: 'api', LOG_LEVEL: 'info', DB_PASSWORD: `${MARKER}-1`, OLD: 'x' },
    });
    const b = version('api', '1.4.0-develop', '2026-11-28T16:20:00Z', {
      env: { SERVICE_NAME: 'api', LOG_LEVEL: 'debug', DB_PASSWORD: `${MARKER}-2`, NEW: 'y' },
    });
    const fields = changedFields(a, b);
    expect(fields).toEqual(['env (DB_PASSWORD, LOG_LEVEL, NEW, OLD)']);
    expect(fields.join()).not.toContain(MARKER);
  });

  it('names each other field that changed, sorted, and a field that appeared or vanished', () => {
    const a = version('billing', '1.3.0-develop', '2026-11-26T10:30:00Z', { grace: 120 });
    const b = summarize(
      {
        ...definition('billing', '1.3.0-develop', '2026-11-26T15:45:00Z', { labels: { team: 'pay' } }),
        constraints: [['hostname', 'UNIQUE']],
      },
      HASH,
    );
    expect(changedFields(a, b)).toEqual(['constraints', 'healthChecks', 'labels']);
    expect(changedFields(b, a)).toEqual(['constraints', 'healthChecks', 'labels']);
  });
});

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'rollback-history-cache-'));
const filesUnder = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));

describe('the version cache on disk', () => {
  it('keeps summaries by app and version, and no value reaches any file', async () => {
    const root = dir();
    const cache = createVersionCache(root, 'https://dcos.example.com/service/marathon', () => {
      throw new Error('no write may fail here');
    });
    const summary = summarize(withMarkerEverywhere(), keyedHash(await cache.key()));
    await cache.write('/ds/dev/shop/api', new Map([[summary.version, summary]]));

    const again = createVersionCache(root, 'https://dcos.example.com/service/marathon', () => undefined);
    expect(await again.read('/ds/dev/shop/api')).toEqual(new Map([[summary.version, summary]]));
    // The key survives, so a later run's hashes compare with these.
    expect((await again.key()).equals(await cache.key())).toBe(true);
    for (const file of filesUnder(root)) {
      expect(readFileSync(file, 'utf8')).not.toContain(MARKER);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(
      filesUnder(root)
        .map((f) => path.relative(root, f))
        .sort(),
    ).toEqual([
      path.join('marathon', 'dcos.example.com_service_marathon', 'ds__dev__shop__api.json'),
      path.join('marathon', 'key'),
    ]);
  });

  it('takes a corrupt or foreign file for a miss, never for a failure', async () => {
    const root = dir();
    const cache = createVersionCache(root, 'http://127.0.0.1:8080', () => undefined);
    await cache.write(
      '/ds/dev/shop/api',
      new Map([['2026-11-30T09:40:00.000Z', version('api', '1.5.0-develop', '2026-11-30T09:40:00.000Z')]]),
    );
    const [file] = filesUnder(root).filter((f) => f.endsWith('api.json'));
    writeFileSync(file!, '{"format":"rollback-marathon-versions-v1","versions":{"x":{"version":1}}}');
    expect((await cache.read('/ds/dev/shop/api')).size).toBe(0);
    writeFileSync(file!, 'not json');
    expect((await cache.read('/ds/dev/shop/api')).size).toBe(0);
    expect((await cache.read('/ds/dev/shop/unknown')).size).toBe(0);
  });
});
