import { request, type SimpleResponse } from '../support/http';
import { basicAuthHeaders, pushImage } from '../support/push-image';
import { registryKinds } from '../support/registries';
import { buildImage, MediaType } from '../../src/sandbox/image-builder';
import {
  startEmbeddedRegistry,
  type EmbeddedRegistry,
  type EmbeddedRegistryOptions,
} from '../../src/sandbox/registry';

/**
 * What the embedded registry does beyond distribution 2.8.2 (pagination like distribution v3,
 * a forced page size, tag order, latency) and its in-process API. Everything 2.8.2 also does is
 * compared with the real registry in registry-conformance.test.ts.
 */

const TAGS = [
  '1.0.0-develop',
  '1.1.0-develop',
  '1.2.0-develop',
  '1.10.0-develop',
  '2.0.0-develop',
  'latest',
  'x',
];
const image = (tag: string) =>
  buildImage({ kind: 'schema2', marker: `pg/app:${tag}`, created: '2026-11-20T10:00:00Z' });

const started: EmbeddedRegistry[] = [];
async function registryWithTags(options: EmbeddedRegistryOptions = {}): Promise<EmbeddedRegistry> {
  const reg = await startEmbeddedRegistry(options);
  started.push(reg);
  for (const tag of TAGS) reg.seed('pg/app', tag, image(tag));
  return reg;
}
afterAll(() => Promise.all(started.map((r) => r.stop())));

interface Page {
  status: number;
  tags: string[] | null;
  link: string | undefined;
}

async function page(reg: EmbeddedRegistry, pathAndQuery: string): Promise<Page> {
  const res = await request(new URL(pathAndQuery, reg.url));
  return {
    status: res.status,
    tags: res.json<{ tags: string[] | null }>().tags,
    link: res.headers.link as string | undefined,
  };
}

/** Follow rel="next" as a client must: resolve the (relative) link against the request URL. */
async function allPages(reg: EmbeddedRegistry, first: string): Promise<Page[]> {
  const pages: Page[] = [];
  let url: URL | undefined = new URL(first, reg.url);
  while (url) {
    const current = await page(reg, url.href);
    pages.push(current);
    const next = /^<([^>]+)>;\s*rel="next"$/.exec(current.link ?? '');
    url = next ? new URL(next[1]!, url) : undefined;
  }
  return pages;
}

describe('tags/list pagination (distribution v3 rules)', () => {
  it('returns every tag at once without n, as 2.8.2 does', async () => {
    const reg = await registryWithTags();
    const all = await page(reg, '/v2/pg/app/tags/list');
    expect(all.status).toBe(200);
    expect([...all.tags!].sort()).toEqual([...TAGS].sort());
    expect(all.link).toBeUndefined();
  });

  it('pages by n with a relative Link until the last page, each tag once', async () => {
    const reg = await registryWithTags();
    const pages = await allPages(reg, '/v2/pg/app/tags/list?n=3');
    expect(pages.map((p) => p.tags!.length)).toEqual([3, 3, 1]);
    expect(pages[0]!.link).toBe(
      `</v2/pg/app/tags/list?last=${encodeURIComponent(pages[0]!.tags![2]!)}&n=3>; rel="next"`,
    );
    expect(pages[2]!.link).toBeUndefined();
    expect(pages.flatMap((p) => p.tags!).sort()).toEqual([...TAGS].sort());
  });

  it('lists tags in neither name order nor push order by default', async () => {
    const reg = await registryWithTags();
    const { tags } = await page(reg, '/v2/pg/app/tags/list');
    expect(tags).not.toEqual([...TAGS].sort());
    expect(tags).not.toEqual(TAGS);
  });

  it('lists tags in push order when asked to', async () => {
    const reg = await registryWithTags({ tagOrder: 'insertion' });
    expect((await page(reg, '/v2/pg/app/tags/list')).tags).toEqual(TAGS);
  });

  it('continues after a `last` tag that was deleted in between', async () => {
    const reg = await registryWithTags({ tagOrder: 'insertion' });
    const first = await page(reg, '/v2/pg/app/tags/list?n=3');
    expect(first.tags).toEqual(TAGS.slice(0, 3));
    const del = await request(`${reg.url}/v2/pg/app/manifests/${image(TAGS[2]!).digest}`, {
      method: 'DELETE',
    });
    expect(del.status).toBe(202);
    expect((await page(reg, `/v2/pg/app/tags/list?n=3&last=${TAGS[2]}`)).tags).toEqual(TAGS.slice(3, 6));
  });

  it('forces pages of pageSize without n, and caps a larger n', async () => {
    const reg = await registryWithTags({ pageSize: 2 });
    const pages = await allPages(reg, '/v2/pg/app/tags/list');
    expect(pages.map((p) => p.tags!.length)).toEqual([2, 2, 2, 1]);
    expect(pages[0]!.link).toMatch(/&n=2>; rel="next"$/);
    expect((await page(reg, '/v2/pg/app/tags/list?n=1000')).tags).toHaveLength(2);
    expect((await page(reg, '/v2/pg/app/tags/list?n=1')).tags).toHaveLength(1);
    expect(pages.flatMap((p) => p.tags!).sort()).toEqual([...TAGS].sort());
  });

  it('answers n=0 with no tags and no link', async () => {
    const reg = await registryWithTags();
    expect(await page(reg, '/v2/pg/app/tags/list?n=0')).toEqual({ status: 200, tags: [], link: undefined });
  });

  it.each([
    ['abc', 0],
    ['-1', -1],
  ])('refuses n=%s with 400 PAGINATION_NUMBER_INVALID', async (n, detail) => {
    const reg = await registryWithTags();
    const res = await request(`${reg.url}/v2/pg/app/tags/list?n=${n}`);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      errors: [
        {
          code: 'PAGINATION_NUMBER_INVALID',
          message: 'invalid number of results requested',
          detail: { n: detail },
        },
      ],
    });
  });

  it('answers tags: null, also when paging, once every tag is deleted', async () => {
    const reg = await startEmbeddedRegistry();
    started.push(reg);
    const digest = reg.seed('pg/gone', 'only', image('only'));
    await request(`${reg.url}/v2/pg/gone/manifests/${digest}`, { method: 'DELETE' });
    for (const query of ['', '?n=10']) {
      const res = await request(`${reg.url}/v2/pg/gone/tags/list${query}`);
      expect(res.text()).toBe('{"name":"pg/gone","tags":null}\n');
    }
  });
});

describe('the in-process API', () => {
  it('refuses to seed an invalid name or tag, or a blob that does not match its digest', async () => {
    const reg = await startEmbeddedRegistry();
    started.push(reg);
    expect(() => reg.seed('Shop/App', '1.0.0', image('a'))).toThrow(
      '"Shop/App" is not a valid repository name',
    );
    expect(() => reg.seed('shop/app', '-bad', image('a'))).toThrow('"-bad" is not a valid tag');
    const forged = image('b');
    const [digest] = forged.blobs.keys();
    forged.blobs.set(digest!, Buffer.from('not the config'));
    expect(() => reg.seed('shop/app', '1.0.0', forged)).toThrow(
      `blob ${digest} of shop/app:1.0.0 does not match`,
    );
    expect((await request(`${reg.url}/v2/shop/app/tags/list`)).status).toBe(404);
  });

  it('records every answered request', async () => {
    const reg = await registryWithTags();
    await request(`${reg.url}/v2/pg/app/tags/list?n=2`);
    await request(`${reg.url}/v2/pg/app/manifests/nope`, { method: 'HEAD' });
    expect(reg.requests).toEqual([
      { method: 'GET', path: '/v2/pg/app/tags/list?n=2', status: 200 },
      { method: 'HEAD', path: '/v2/pg/app/manifests/nope', status: 404 },
    ]);
  });

  it('adds delayMs of latency to every request', async () => {
    const reg = await registryWithTags({ delayMs: 150 });
    const start = Date.now();
    const res = await request(`${reg.url}/v2/`);
    expect(res.status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
  });

  it('listens on loopback only and checks its options', async () => {
    await expect(startEmbeddedRegistry({ host: '0.0.0.0' })).rejects.toThrow('loopback only');
    await expect(startEmbeddedRegistry({ pageSize: 0 })).rejects.toThrow(
      'pageSize must be a positive integer',
    );
    await expect(startEmbeddedRegistry({ delayMs: -1 })).rejects.toThrow('delayMs must be >= 0');
  });

  it('stops with keep-alive clients connected, and twice', async () => {
    const reg = await registryWithTags();
    await request(`${reg.url}/v2/`);
    await reg.stop();
    await reg.stop();
    await expect(request(`${reg.url}/v2/`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('as a registryKinds entry', () => {
  const kind = registryKinds.find((k) => k.name === 'embedded registry')!;

  it('protects itself with the basic option and takes pushes with those credentials', async () => {
    const basic = { user: 'ci', password: 'kind-pw' };
    const reg = await kind.start({ basic });
    try {
      expect(reg.basic).toEqual(basic);
      expect((await request(`${reg.url}/v2/`)).status).toBe(401);
      const digest = await pushImage(reg, 'team/svc', '1.0.0-develop', {
        kind: 'oci',
        created: '2026-11-20T10:00:00Z',
      });
      const res: SimpleResponse = await request(`${reg.url}/v2/team/svc/manifests/1.0.0-develop`, {
        headers: { ...basicAuthHeaders(reg), Accept: MediaType.ociManifest },
      });
      expect(res.status).toBe(200);
      expect(res.headers['docker-content-digest']).toBe(digest);
    } finally {
      await reg.stop();
    }
  });
});
