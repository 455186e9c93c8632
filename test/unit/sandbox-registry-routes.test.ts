import { isRepositoryName, matchRoute } from '../../src/sandbox/registry/routes';

const D = `sha256:${'a'.repeat(64)}`;

describe('the embedded registry router', () => {
  it.each([
    ['/v2/', { kind: 'base' }],
    ['/v2/_catalog', { kind: 'catalog' }],
    ['/v2/shop/api/tags/list', { kind: 'tags', name: 'shop/api' }],
    ['/v2/a/manifests/b/tags/list', { kind: 'tags', name: 'a/manifests/b' }],
    ['/v2/tags/list/tags/list', { kind: 'tags', name: 'tags/list' }],
    [
      '/v2/shop/api/manifests/1.4.2-develop',
      { kind: 'manifest', name: 'shop/api', reference: '1.4.2-develop' },
    ],
    [`/v2/shop/api/manifests/${D}`, { kind: 'manifest', name: 'shop/api', reference: D }],
    [`/v2/shop/api/blobs/${D}`, { kind: 'blob', name: 'shop/api', digest: D }],
    ['/v2/shop/api/blobs/sha256:zz', { kind: 'blob', name: 'shop/api', digest: 'sha256:zz' }],
    ['/v2/shop/api/blobs/uploads/', { kind: 'upload', name: 'shop/api' }],
    ['/v2/shop/api/blobs/uploads/0f-1a', { kind: 'uploadChunk', name: 'shop/api', uuid: '0f-1a' }],
    ['/v2/Registry.Example/x/tags/list', { kind: 'tags', name: 'Registry.Example/x' }],
  ])('routes %s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it.each([
    '/v2',
    '/v1/search',
    '/v2/Shop/tags/list',
    '/v2/shop/Api/tags/list',
    '/v2/a..b/tags/list',
    '/v2/a___b/tags/list',
    '/v2/-a/tags/list',
    '/v2/shop/api/tags',
    '/v2/shop/api/manifests/',
    '/v2/shop/api/manifests/-abc',
    `/v2/shop/api/manifests/${'a'.repeat(129)}`,
    '/v2/shop/api/blobs/abc',
  ])('sends %s to the plain-text 404', (path) => {
    expect(matchRoute(path)).toBeUndefined();
  });

  it('accepts the separators of distribution names', () => {
    for (const name of [
      'a',
      'a.b',
      'a_b',
      'a__b',
      'a-b',
      'a---b',
      'team/sub/app',
      'host:5000/a',
      'my-host.io/a',
    ]) {
      expect({ name, valid: isRepositoryName(name) }).toEqual({ name, valid: true });
    }
    for (const name of ['A', 'a.', '_a', 'a/', 'a//b', 'host:port/a', 'a/B']) {
      expect({ name, valid: isRepositoryName(name) }).toEqual({ name, valid: false });
    }
  });

  it('rejects a long hostile path quickly (no regexp backtracking blow-up)', () => {
    const start = process.hrtime.bigint();
    expect(matchRoute(`/v2/${'a-'.repeat(20_000)}!/tags/list`)).toBeUndefined();
    expect(matchRoute(`/v2/${'a'.repeat(50_000)}_/tags/list`)).toBeUndefined();
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(500);
  });
});
