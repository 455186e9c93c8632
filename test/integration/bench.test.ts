import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnCollect } from '../support/spawn';

/**
 * `npm run bench` is a script, not a test: its numbers are only meaningful on a quiet machine.
 * This proves the script itself works (every measure runs and is reported), at a tiny size.
 */
const ROOT = path.join(__dirname, '..', '..');

it('`npm run bench -- --quick` measures every target and writes the results file', async () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'rollback-bench-test-')), 'results.json');
  const { code, stdout, stderr } = await spawnCollect(
    'npm',
    ['run', '-s', 'bench', '--', '--quick', '--out', out],
    {
      cwd: ROOT,
    },
  );
  // 0: every target met, 1: some not (at this size ratios mean little); 2 would be a crash.
  expect({
    code: code === 0 || code === 1 ? 'ran' : code,
    stderr: code === 0 || code === 1 ? '' : stderr,
  }).toEqual({
    code: 'ran',
    stderr: '',
  });
  const header = stdout.split('\n')[0]!;
  expect(header.split(/\s{2,}/)).toEqual(['measure', 'this project', 'baseline', 'ratio', 'target', 'met']);
  const results = JSON.parse(readFileSync(out, 'utf8')) as {
    quick: boolean;
    rows: Array<{ measure: string; ratio: number; met: boolean }>;
    discovery: { coldRequests: number; warmRequests: number; trustedRequests: number };
    history: { cold: Record<string, number>; warm: Record<string, number> };
    kubernetes: { dryRunApiRequests: number; lists: { deployments: number; statefulsets: number } };
  };
  expect(results.quick).toBe(true);
  expect(results.rows.map((r) => r.measure.split(/[,:(]/)[0]!.trim())).toEqual([
    'start-up',
    'bundle size',
    'get cold',
    'get cold vs lower bound',
    'get warm',
    'get warm --trust-immutable-tags',
    'run',
    'run vs one service after another',
    'get load',
    'run --dry-run',
    'get load',
    'history cold',
    'history warm',
    'run --kubernetes',
    'run --kubernetes --dry-run',
  ]);
  for (const row of results.rows) {
    expect(row.ratio).toBeGreaterThan(0);
    expect(stdout).toContain(row.measure);
  }
  // 2 repositories x 6 tags: probe + 2 tag lists + a manifest and a config per tag when cold; a
  // HEAD per tag when warm; only the probe and tag lists when tags are trusted immutable.
  expect(results.discovery).toMatchObject({
    coldRequests: 1 + 2 + 2 * 6 * 2,
    warmRequests: 1 + 2 + 2 * 6,
    trustedRequests: 3,
  });
  // 4 apps x 6 versions: the app list, a version list per app and every version when cold; the
  // app list and the version lists only when warm.
  expect(results.history).toMatchObject({
    cold: { total: 1 + 4 + 4 * 6, lists: 4, versions: 24, other: 1 },
    warm: { total: 1 + 4, lists: 4, versions: 0, other: 1 },
  });
  // The dry run over a namespace reads it with one list per kind and nothing else.
  expect(results.kubernetes).toMatchObject({
    dryRunApiRequests: 2,
    lists: { deployments: 1, statefulsets: 1 },
  });
});
