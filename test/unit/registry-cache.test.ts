import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createDigestCache,
  defaultCacheDir,
  registryKey,
  type CachedRepository,
} from '../../src/registry/cache';
import type { Dating } from '../../src/registry/dating';

const D = `sha256:${'ab'.repeat(32)}`;
const E = `sha256:${'cd'.repeat(32)}`;
const dated: Dating = { created: '2026-11-01T10:00:00.000Z', source: 'config' };
const undated: Dating = { reason: 'the image has no creation date' };

let dir: string;
let errors: Error[];
const cache = () => createDigestCache(dir, 'https://registry.example.com:5000', (e) => errors.push(e));
const fileOf = (repo: string) =>
  path.join(dir, 'v2', 'registry.example.com_5000', `${encodeURIComponent(repo)}.json`);
const learned = (tags: Array<[string, string]>, dates: Array<[string, Dating]>): CachedRepository => ({
  tags: new Map(tags),
  dates: new Map(dates),
});

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-cache-'));
  errors = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the digest cache', () => {
  it('returns what was written, dated or undated, in one file per repository', async () => {
    const c = cache();
    c.write(
      'team/app',
      learned(
        [
          ['1-develop', D],
          ['2-develop', E],
        ],
        [
          [D, dated],
          [E, undated],
        ],
      ),
      new Set(['1-develop', '2-develop']),
    );
    await c.flush();
    expect(await cache().read('team/app')).toEqual(
      learned(
        [
          ['1-develop', D],
          ['2-develop', E],
        ],
        [
          [D, dated],
          [E, undated],
        ],
      ),
    );
    // Atomic writes leave no temp file behind.
    expect(readdirSync(path.dirname(fileOf('team/app')))).toEqual(['team%2Fapp.json']);
    expect(errors).toEqual([]);
  });

  it('reads a missing or corrupt file as empty, and lets it be rewritten', async () => {
    expect(await cache().read('team/none')).toEqual(learned([], []));
    mkdirSync(path.dirname(fileOf('team/app')), { recursive: true });
    writeFileSync(fileOf('team/app'), '{"tags": {"1-develop": "sha256:trunc');
    const c = cache();
    expect(await c.read('team/app')).toEqual(learned([], []));
    c.write('team/app', learned([['1-develop', D]], [[D, dated]]), new Set(['1-develop']));
    await c.flush();
    expect(await c.read('team/app')).toEqual(learned([['1-develop', D]], [[D, dated]]));
  });

  it.each([
    ['another shape', { created: 1 }],
    ['an implausible date', { created: '1970-01-01T00:00:00.000Z', source: 'config' }],
    ['a date not in our format', { created: '2026-11-01', source: 'config' }],
    ['an unknown source', { created: '2026-11-01T10:00:00.000Z', source: 'guess' }],
    ['neither date nor reason', {}],
  ])('ignores a corrupt entry (%s) and keeps the good ones', async (_what, entry) => {
    mkdirSync(path.dirname(fileOf('team/app')), { recursive: true });
    writeFileSync(
      fileOf('team/app'),
      JSON.stringify({
        tags: { a: D, b: E, c: 'not-a-digest' },
        dates: { [D]: entry, [E]: undated, junk: dated },
      }),
    );
    expect(await cache().read('team/app')).toEqual(
      learned(
        [
          ['a', D],
          ['b', E],
        ],
        [[E, undated]],
      ),
    );
  });

  it('merges with what another run wrote, forgets deleted tags and the dates only they used', async () => {
    const c = cache();
    c.write('team/app', learned([['1-develop', D]], [[D, dated]]), new Set(['1-develop', '1-stage']));
    await c.flush();
    // A run for another environment of the same repository.
    c.write('team/app', learned([['1-stage', E]], [[E, undated]]), new Set(['1-develop', '1-stage']));
    await c.flush();
    expect(await cache().read('team/app')).toEqual(
      learned(
        [
          ['1-develop', D],
          ['1-stage', E],
        ],
        [
          [D, dated],
          [E, undated],
        ],
      ),
    );
    // 1-develop was deleted from the registry: its tag and its digest's date go.
    c.write('team/app', learned([['1-stage', E]], []), new Set(['1-stage']));
    await c.flush();
    expect(await cache().read('team/app')).toEqual(learned([['1-stage', E]], [[E, undated]]));
    expect(JSON.parse(readFileSync(fileOf('team/app'), 'utf8')).repository).toBe('team/app');
  });

  it('never reads a v1 cache: its dates may come from unchecked manifests or zone-less labels', async () => {
    const v1 = path.join(dir, 'v1', 'registry.example.com_5000');
    mkdirSync(v1, { recursive: true });
    writeFileSync(
      path.join(v1, 'team%2Fapp.json'),
      JSON.stringify({
        tags: { '1-develop': D },
        dates: { [D]: { created: '2020-01-01T00:00:00.000Z', source: 'annotation' } },
      }),
    );
    expect(await cache().read('team/app')).toEqual(learned([], []));
  });

  it('reports a cache it cannot write once, and never fails for it', async () => {
    // A file where the cache folder should be (permissions would not stop root).
    writeFileSync(path.join(dir, 'v2'), 'not a folder');
    const c = cache();
    c.write('team/app', learned([['1-develop', D]], [[D, dated]]), new Set(['1-develop']));
    c.write('team/web', learned([['1-develop', D]], [[D, dated]]), new Set(['1-develop']));
    await c.flush();
    expect(errors).toHaveLength(1);
    expect(await c.read('team/app')).toEqual(learned([], []));
  });

  it('keeps registries apart and lives under XDG_CACHE_HOME or ~/.cache', () => {
    expect(registryKey('https://registry.example.com')).toBe('registry.example.com');
    expect(registryKey('http://127.0.0.1:5000/')).toBe('127.0.0.1_5000');
    expect(registryKey('https://host.test/artifactory/api/docker/repo')).toBe(
      'host.test_artifactory_api_docker_repo',
    );
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/rollback');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.cache/rollback');
    expect(defaultCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/rollback');
  });
});
