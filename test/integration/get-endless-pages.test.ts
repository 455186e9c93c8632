import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnCollect } from '../support/spawn';
import { removeTempDirs, tempDir } from './get-support';

/**
 * A registry whose tag pages never end, each page with 1000 new tags of the environment: the
 * bundled helper must stop at its limit of tags per repository, with one line naming the limit
 * (exit 2), before its memory grows past the load test's 200 MB. The limit is 100,000 tags, so it
 * stops at page 101; a helper that reads on is killed at page 400 (the test then fails).
 */

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'resources', 'rollback', 'rollback.cjs');
const PEAK_MEMORY = path.join(ROOT, 'test', 'support', 'peak-memory.cjs');
const TAGS_PER_PAGE = 1000;
const GIVE_UP_AT_PAGE = 400;
const MEMORY_LIMIT = 200 * 1024 * 1024;

let server: http.Server;
let url: string;
let pages = 0;
let onGiveUp: () => void = () => {};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', url);
    if (u.pathname === '/v2/') return res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    if (u.pathname !== '/v2/endless/app/tags/list') return res.writeHead(404).end();
    const page = Number(u.searchParams.get('page') ?? '0');
    if (++pages >= GIVE_UP_AT_PAGE) onGiveUp();
    const tags = Array.from({ length: TAGS_PER_PAGE }, (_, i) => `${page}.${i}.0-develop`);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      Link: `</v2/endless/app/tags/list?n=1000&page=${page + 1}>; rel="next"`,
    });
    res.end(JSON.stringify({ name: 'endless/app', tags }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  removeTempDirs();
});

it('stops reading endless tag pages at 100,000 tags, with one line and exit 2, under 200 MB', async () => {
  const dir = tempDir('endless');
  const rssFile = path.join(dir, 'peak-rss');
  const run = await spawnCollect(
    process.execPath,
    ['-r', PEAK_MEMORY, BUNDLE, 'get', '--registry', url, '--repo', 'endless/app', '--env', 'develop'],
    { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', PEAK_RSS_FILE: rssFile } },
    (child) => {
      onGiveUp = () => child.kill('SIGKILL');
    },
  );
  expect(pages).toBe(101);
  expect(run.stderr.split('\n').filter((l) => l.startsWith('rollback: '))).toEqual([
    `rollback: ${url} listed more than 100,000 tags for endless/app, the most rollback reads for one repository (no real repository has that many: its tag pages may never end; report it to the registry owner)`,
  ]);
  expect(run.code).toBe(2);
  expect(existsSync(path.join(dir, 'rollback.json'))).toBe(false);
  const peak = Number(readFileSync(rssFile, 'utf8'));
  expect(peak).toBeLessThan(MEMORY_LIMIT);
});
