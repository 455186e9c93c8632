import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDigestCache, defaultCacheDir, registryKey } from '../../src/registry/cache';

const D = `sha256:${'ab'.repeat(32)}`;
const E = `sha256:${'cd'.repeat(32)}`;
let dir: string;
let errors: Error[];
const cache = () => createDigestCache(dir, 'https://registry.example.com:5000', (e) => errors.push(e));
const datingFile = (digest: string) =>
  path.join(dir, 'v1', 'registry.example.com_5000', 'dates', 'sha256', `${digest.split(':')[1]}.json`);

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-cache-'));
  errors = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the digest cache', () => {
  it('returns what was written, dated or undated', async () => {
    const c = cache();
    c.writeDating(D, { created: '2026-11-01T10:00:00.000Z', source: 'config' });
    c.writeDating(E, { reason: 'the image has no creation date' });
    await c.flush();
    const again = cache();
    expect(await again.readDating(D)).toEqual({ created: '2026-11-01T10:00:00.000Z', source: 'config' });
    expect(await again.readDating(E)).toEqual({ reason: 'the image has no creation date' });
    expect(errors).toEqual([]);
  });

  it('writes atomically: no temp file is left beside the entries', async () => {
    const c = cache();
    c.writeDating(D, { created: '2026-11-01T10:00:00.000Z', source: 'config' });
    await c.flush();
    expect(readdirSync(path.dirname(datingFile(D)))).toEqual([`${'ab'.repeat(32)}.json`]);
  });

  it.each([
    ['not JSON', '{"digest":'],
    ['another digest', JSON.stringify({ digest: E, created: '2026-11-01T10:00:00.000Z', source: 'config' })],
    [
      'an implausible date',
      JSON.stringify({ digest: D, created: '1970-01-01T00:00:00.000Z', source: 'config' }),
    ],
    ['a date not in our format', JSON.stringify({ digest: D, created: '2026-11-01', source: 'config' })],
    [
      'an unknown source',
      JSON.stringify({ digest: D, created: '2026-11-01T10:00:00.000Z', source: 'guess' }),
    ],
    ['neither date nor reason', JSON.stringify({ digest: D })],
  ])('ignores a corrupt entry (%s) and lets it be rewritten', async (_what, text) => {
    mkdirSync(path.dirname(datingFile(D)), { recursive: true });
    writeFileSync(datingFile(D), text);
    const c = cache();
    expect(await c.readDating(D)).toBeUndefined();
    c.writeDating(D, { created: '2026-11-01T10:00:00.000Z', source: 'label' });
    await c.flush();
    expect(await c.readDating(D)).toEqual({ created: '2026-11-01T10:00:00.000Z', source: 'label' });
  });

  it('remembers tags per repository, merging with what another run wrote and forgetting deleted tags', async () => {
    const c = cache();
    c.writeTags('team/app', new Map([['1-develop', D]]), new Set(['1-develop', '1-stage']));
    await c.flush();
    // A run for another environment of the same repository.
    c.writeTags('team/app', new Map([['1-stage', E]]), new Set(['1-develop', '1-stage']));
    await c.flush();
    expect(await cache().readTags('team/app')).toEqual(
      new Map([
        ['1-develop', D],
        ['1-stage', E],
      ]),
    );
    c.writeTags('team/app', new Map([['1-stage', E]]), new Set(['1-stage']));
    await c.flush();
    expect(await cache().readTags('team/app')).toEqual(new Map([['1-stage', E]]));
    expect(await cache().readTags('team/other')).toEqual(new Map());
  });

  it('reports a cache it cannot write once, and never fails for it', async () => {
    // A file where the cache folder should be (permissions would not stop root).
    writeFileSync(path.join(dir, 'v1'), 'not a folder');
    const c = cache();
    c.writeDating(D, { created: '2026-11-01T10:00:00.000Z', source: 'config' });
    c.writeDating(E, { created: '2026-11-01T10:00:00.000Z', source: 'config' });
    await c.flush();
    expect(errors).toHaveLength(1);
    expect(await c.readDating(D)).toBeUndefined();
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
