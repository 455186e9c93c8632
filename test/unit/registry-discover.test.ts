import nock from 'nock';
import { createHash } from 'node:crypto';
import { discover } from '../../src/registry/discover';
import { noCache } from '../../src/registry/cache';
import { tagFilter } from '../../src/registry/tags';
import { defaultRetryPolicy } from '../../src/http/retry';
import { InputError, UnavailableError } from '../../src/errors';
import type { Logger } from '../../src/util/log';

/** Every attempt the default policy makes before it gives up. */
const attempts = defaultRetryPolicy.retries + 1;

/** Discovery over a registry that misbehaves per tag (nock): what is undated, what is fatal. */

const REG = 'http://registry.test';
const S2 = 'application/vnd.docker.distribution.manifest.v2+json';
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

function image(created: string | undefined, marker: string) {
  const config = JSON.stringify({ ...(created ? { created } : {}), marker });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: S2,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha(config),
    },
    layers: [],
  });
  return { config, manifest, digest: sha(manifest), configDigest: sha(config) };
}

function recorder(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (m) => void warnings.push(m), status() {}, done() {} };
}

const settings = (repositories: string[], log: Logger) => ({
  registry: REG,
  repositories,
  environment: 'develop',
  filter: tagFilter('develop'),
  concurrency: 4,
  cache: noCache,
  trustImmutableTags: false,
  log,
  retryPolicy: { ...defaultRetryPolicy, sleep: async () => {} },
  timeoutMs: 5000,
});

describe('discover', () => {
  it('reports tags that vanish, lose their config or are not manifests, and dates the rest', async () => {
    const good = image('2026-11-20T10:00:00Z', 'good');
    const noConfig = image('2026-11-21T10:00:00Z', 'no-config');
    const garbage = 'this is not a manifest';
    const scope = nock(REG)
      .get('/v2/')
      .reply(200, {})
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['1-develop', '2-develop', '3-develop', '4-develop', '1-stage'] })
      .get('/v2/app/manifests/1-develop')
      .reply(200, good.manifest, { 'Content-Type': S2, 'Docker-Content-Digest': good.digest })
      .get(`/v2/app/blobs/${good.configDigest}`)
      .reply(200, good.config)
      .get('/v2/app/manifests/2-develop')
      .reply(404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] })
      .get('/v2/app/manifests/3-develop')
      .reply(200, noConfig.manifest, { 'Content-Type': S2, 'Docker-Content-Digest': noConfig.digest })
      .get(`/v2/app/blobs/${noConfig.configDigest}`)
      .reply(404)
      .get('/v2/app/manifests/4-develop')
      .reply(200, garbage, { 'Content-Type': S2, 'Docker-Content-Digest': sha(garbage) });
    const log = recorder();
    const { repositories, stats } = await discover(settings(['app'], log));
    expect(repositories).toEqual([
      {
        name: 'app',
        images: [{ tag: '1-develop', digest: good.digest, created: '2026-11-20T10:00:00.000Z' }],
        undated: [
          { tag: '2-develop', reason: 'the tag disappeared while it was being read (manifest unknown)' },
          {
            tag: '3-develop',
            digest: noConfig.digest,
            reason: `its config blob ${noConfig.configDigest} is missing`,
          },
          { tag: '4-develop', digest: sha(garbage), reason: 'the manifest is not JSON' },
        ],
      },
    ]);
    expect(log.warnings).toEqual([
      expect.stringMatching(
        /^app: 3 of 4 develop images have no usable creation date and are left out \(2-develop: /,
      ),
    ]);
    expect(stats.total).toBe(8);
    scope.done();
  });

  it('dates a digest behind several tags once', async () => {
    const one = image('2026-11-20T10:00:00Z', 'one');
    const scope = nock(REG)
      .get('/v2/')
      .reply(200, {})
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['1.0.0-develop', 'latest-develop'] })
      .get(/\/v2\/app\/manifests\/(1\.0\.0|latest)-develop/)
      .times(2)
      .reply(200, one.manifest, { 'Content-Type': S2, 'Docker-Content-Digest': one.digest })
      .get(`/v2/app/blobs/${one.configDigest}`)
      .reply(200, one.config);
    const { repositories } = await discover(settings(['app'], recorder()));
    expect(repositories[0]!.images.map((i) => i.tag)).toEqual(['latest-develop', '1.0.0-develop']);
    scope.done();
  });

  it('reports every bad repository at once, in one line', async () => {
    const scope = nock(REG)
      .get('/v2/')
      .reply(200, {})
      .get('/v2/nope/tags/list')
      .query(true)
      .reply(404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] })
      .get('/v2/staging-only/tags/list')
      .query(true)
      .reply(200, { tags: ['1-stage'] });
    const err = await discover(settings(['nope', 'staging-only'], recorder())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      `2 repositories failed: repository nope not found on ${REG} (NAME_UNKNOWN: repository name not known to registry); ` +
        'repository staging-only has no tags of environment develop (tags ending in -develop, _develop or .develop; it has 1 other tag, e.g. 1-stage)',
    );
    scope.done();
  });

  it('lets registry trouble (exit 3) win over a bad repository name (exit 2)', async () => {
    const scope = nock(REG)
      .get('/v2/')
      .reply(200, {})
      .get('/v2/nope/tags/list')
      .query(true)
      .reply(404, {})
      .get('/v2/broken/tags/list')
      .query(true)
      .times(attempts)
      .reply(503, 'maintenance');
    const err = await discover(settings(['nope', 'broken'], recorder())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe(`${REG} failed while listing the tags of broken (503 maintenance)`);
    scope.done();
  });

  it('goes no further than the probe when the registry is down', async () => {
    const scope = nock(REG).get('/v2/').times(attempts).reply(502, 'bad gateway');
    const err = await discover(settings(['a', 'b'], recorder())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe(`${REG} failed while checking the registry (502 bad gateway)`);
    scope.done();
  });
});
