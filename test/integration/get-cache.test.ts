import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { registryKinds } from '../support/registries';
import type { RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { registryKey } from '../../src/registry/cache';
import { nov, removeTempDirs, runGet, tempDir, type GetRun } from './get-support';

/** Requests by kind, from the summary line `get` prints on stderr at the end. */
function requests(run: GetRun): Record<string, number> {
  const line = /(\d+) registry requests \(([^)]*)\)/.exec(run.stderr);
  if (!line) throw new Error(`no request summary in:\n${run.stderr}`);
  const out: Record<string, number> = { total: Number(line[1]) };
  for (const part of line[2]!.split(', ')) {
    const m = /^(\d+) (.+)$/.exec(part);
    if (m) out[m[2]!] = Number(m[1]);
  }
  return out;
}

describe.each(registryKinds)('get against $name: the digest cache', (kind) => {
  let reg: RealRegistry;
  const TAGS = 6;

  beforeAll(async () => {
    reg = await kind.start();
    for (let i = 0; i < TAGS; i++) {
      await pushImage(reg, 'c/app', `1.${i}.0-develop`, {
        kind: i % 2 ? 'oci' : 'schema2',
        created: nov(1 + i),
      });
    }
    await pushImage(reg, 'c/app', '1.0.0-stage', { kind: 'schema2', created: nov(20) });
  });
  afterAll(async () => {
    await reg?.stop();
    removeTempDirs();
  });

  const args = (cache: string, ...extra: string[]) => [
    '--registry',
    reg.url,
    '--repo',
    'c/app',
    '--env',
    'develop',
    '--cache',
    cache,
    ...extra,
  ];

  it('answers a warm run with one HEAD per tag and the same result', async () => {
    const cache = tempDir('cache');
    const cold = await runGet(args(cache));
    expect(cold.code).toBe(0);
    expect(requests(cold)).toEqual({
      total: 2 + 2 * TAGS,
      probe: 1,
      'tag page': 1,
      'manifest GET': TAGS,
      'blob GET': TAGS,
    });

    const warm = await runGet(args(cache));
    expect(warm.code).toBe(0);
    expect(requests(warm)).toEqual({ total: 2 + TAGS, probe: 1, 'tag page': 1, 'manifest HEAD': TAGS });
    expect(warm.stderr).toContain(`${TAGS} dates from cache`);
    expect(warm.stdout).toBe(cold.stdout);
    expect(warm.catalog().repositories).toEqual(cold.catalog().repositories);

    // Trusting tags to be immutable: only the tag list, to see new tags.
    const trusted = await runGet(args(cache, '--trust-immutable-tags'));
    expect(trusted.code).toBe(0);
    expect(requests(trusted)).toEqual({ total: 2, probe: 1, 'tag page': 1 });
    expect(trusted.catalog().repositories).toEqual(cold.catalog().repositories);
  });

  it('sees a re-pushed tag through its HEAD, while --trust-immutable-tags does not', async () => {
    const cache = tempDir('cache');
    await pushImage(reg, 'c/moving', '1.0.0-develop', { kind: 'schema2', created: nov(3) });
    await pushImage(reg, 'c/moving', '1.1.0-develop', { kind: 'schema2', created: nov(4) });
    const moving = (...extra: string[]) =>
      runGet(['--registry', reg.url, '--repo', 'c/moving', '--env', 'develop', '--cache', cache, ...extra]);
    expect((await moving()).dates).toEqual(['2026-11-04', '2026-11-03']);

    const repushed = await pushImage(reg, 'c/moving', '1.0.0-develop', {
      kind: 'schema2',
      created: nov(9),
      marker: 'rebuilt',
    });
    const trusted = await moving('--trust-immutable-tags');
    expect(trusted.dates).toEqual(['2026-11-04', '2026-11-03']); // the documented trade-off of the opt-in

    const checked = await moving();
    expect(checked.dates).toEqual(['2026-11-09', '2026-11-04']);
    expect(checked.catalog().repositories[0]!.images[0]).toEqual({
      tag: '1.0.0-develop',
      digest: repushed,
      created: new Date(nov(9)).toISOString(),
    });
    // One HEAD per tag, and for the moved tag its new manifest and config.
    expect(requests(checked)).toEqual({
      total: 6,
      probe: 1,
      'tag page': 1,
      'manifest HEAD': 2,
      'manifest GET': 1,
      'blob GET': 1,
    });
  });

  it('ignores corrupt entries and rewrites them', async () => {
    const cache = tempDir('cache');
    const cold = await runGet(args(cache));
    const file = path.join(cache, 'v2', registryKey(reg.url), 'c%2Fapp.json');
    const content = JSON.parse(readFileSync(file, 'utf8')) as { dates: Record<string, unknown> };
    expect(Object.keys(content.dates)).toHaveLength(TAGS);
    for (const digest of Object.keys(content.dates)) content.dates[digest] = { created: 'trunc' };
    writeFileSync(file, JSON.stringify(content));
    const again = await runGet(args(cache));
    expect(again.code).toBe(0);
    expect(again.catalog().repositories).toEqual(cold.catalog().repositories);
    expect(requests(again)).toMatchObject({ 'manifest HEAD': TAGS, 'manifest GET': TAGS, 'blob GET': TAGS });
    const third = await runGet(args(cache));
    expect(requests(third)).toEqual({ total: 2 + TAGS, probe: 1, 'tag page': 1, 'manifest HEAD': TAGS });
  });

  it('uses $XDG_CACHE_HOME/rollback by default, and nothing with --no-cache', async () => {
    const xdg = tempDir('xdg');
    const base = ['--registry', reg.url, '--repo', 'c/app', '--env', 'develop'];
    const off = await runGet([...base, '--no-cache'], { XDG_CACHE_HOME: xdg });
    expect(off.code).toBe(0);
    expect(readdirSync(xdg)).toEqual([]);
    const on = await runGet(base, { XDG_CACHE_HOME: xdg }, { defaultCache: true });
    expect(on.code).toBe(0);
    expect(existsSync(path.join(xdg, 'rollback', 'v2', registryKey(reg.url), 'c%2Fapp.json'))).toBe(true);
  });
});
