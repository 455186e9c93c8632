import { existsSync } from 'node:fs';
import path from 'node:path';
import { registryKinds } from '../support/registries';
import type { RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { startPagingProxy, FOREIGN_ORIGIN, type LinkStyle } from '../support/paging-proxy';
import { createLimiter } from '../../src/http/limiter';
import { dayIn } from '../../src/plan/days';
import { removeTempDirs, runGet } from './get-support';

/**
 * A repository with more than 100 tags of the environment, read whole: straight from the registry
 * (distribution 2.8 sends every tag at once) and through a proxy that pages the list with Link
 * headers, relative, absolute or both.
 */
describe.each(registryKinds)('get against $name: many tags and pagination', (kind) => {
  const DEVELOP = 130;
  const STAGE = 20;
  const DAY = 86_400_000;
  const base = Date.UTC(2026, 5, 1, 9);
  // Version order and date order disagree: tag i is built on day (i * 37) mod DEVELOP.
  const created = (i: number) => new Date(base + ((i * 37) % DEVELOP) * DAY + i * 60_000).toISOString();
  const tags = Array.from({ length: DEVELOP }, (_, i) => `1.${i}.0-develop`);

  let reg: RealRegistry;
  beforeAll(async () => {
    reg = await kind.start();
    const push = (i: number) =>
      pushImage(reg, 'big/app', tags[i]!, { kind: i % 2 ? 'oci' : 'schema2', created: created(i) });
    // Every image shares one layer blob: upload it once before pushing in parallel, because
    // concurrent uploads of the same blob race in distribution 2.8 (DIGEST_INVALID).
    await push(0);
    const limit = createLimiter(8);
    await Promise.all([
      ...tags.slice(1).map((_, i) => limit(() => push(i + 1))),
      ...Array.from({ length: STAGE }, (_, i) =>
        limit(() =>
          pushImage(reg, 'big/app', `1.${i}.0-stage`, {
            kind: 'schema2',
            created: new Date(Date.UTC(2026, 10, 1 + i)).toISOString(),
          }),
        ),
      ),
    ]);
  });
  afterAll(async () => {
    await reg?.stop();
    removeTempDirs();
  });

  // What the catalog must hold, worked out from the pushes: every develop image, newest first.
  const expectedImages = () =>
    tags
      .map((tag, i) => ({ tag, created: created(i) }))
      .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
  const expectedDates = () => [
    ...new Set(
      expectedImages()
        .slice(0, 10)
        .map((i) => dayIn(i.created, 'UTC')),
    ),
  ];

  it('dates every one of more than 100 tags, in time order, not name order', async () => {
    const run = await runGet(['--registry', reg.url, '--repo', 'big/app', '--env', 'develop']);
    expect(run.stderr).not.toMatch(/^rollback: /m);
    expect(run.code).toBe(0);
    const images = run.catalog().repositories[0]!.images;
    expect(images.map((i) => ({ tag: i.tag, created: i.created }))).toEqual(expectedImages());
    expect(run.dates).toEqual(expectedDates());
  });

  it.each<LinkStyle>(['relative', 'absolute', 'mixed'])(
    'follows %s Link headers through every page',
    async (links) => {
      const proxy = await startPagingProxy(reg.url, { pageSize: 40, links });
      try {
        const run = await runGet(['--registry', proxy.url, '--repo', 'big/app', '--env', 'develop']);
        expect(run.stderr).not.toMatch(/^rollback: /m);
        expect(run.code).toBe(0);
        expect(run.catalog().repositories[0]!.images.map((i) => i.tag)).toEqual(
          expectedImages().map((i) => i.tag),
        );
        expect(run.dates).toEqual(expectedDates());
        // 150 tags in pages of at most 40, though the client asked for 1000 per page.
        expect(proxy.tagPageRequests).toHaveLength(Math.ceil((DEVELOP + STAGE) / 40));
        expect(proxy.tagPageRequests[0]).toBe('/v2/big/app/tags/list?n=1000');
      } finally {
        await proxy.stop();
      }
    },
  );

  it('refuses a next link to another origin and writes nothing', async () => {
    const proxy = await startPagingProxy(reg.url, { pageSize: 40, links: 'cross-origin' });
    try {
      const run = await runGet(['--registry', proxy.url, '--repo', 'big/app', '--env', 'develop', '-q']);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `rollback: ${proxy.url} sent a next-page link for big/app to another origin (${FOREIGN_ORIGIN}); refusing to follow it (a proxy in front of the registry may rewrite links; use the URL that clients should use)\n`,
      );
      expect(proxy.tagPageRequests).toHaveLength(1);
      expect(existsSync(path.join(run.dir, 'rollback.json'))).toBe(false);
    } finally {
      await proxy.stop();
    }
  });
});
