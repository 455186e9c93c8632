import nock from 'nock';
import { createHash } from 'node:crypto';
import { RegistryClient } from '../../src/registry/client';
import { defaultRetryPolicy, type RetryPolicy } from '../../src/http/retry';
import { AuthError, BadAnswerError, InputError, UnavailableError } from '../../src/errors';
import { MANIFEST_ACCEPT } from '../../src/registry/manifest';
import { clearSecrets, redact } from '../../src/util/secrets';
import { credentialsFromEnv } from '../../src/registry/auth';

/** Error paths of the registry client, against nock: every mock must be used (scope.done()). */

const REG = 'http://registry.test';
const AUTH = 'http://auth.test';
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

let sleeps: number[];
const policy = (): RetryPolicy => ({
  ...defaultRetryPolicy,
  random: () => 0.5,
  sleep: async (ms) => void sleeps.push(ms),
});

/** Every attempt the default policy makes before it gives up. */
const attempts = defaultRetryPolicy.retries + 1;

const client = (extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) =>
  new RegistryClient({ registry: REG, concurrency: 2, retryPolicy: policy(), timeoutMs: 5000, ...extra });

// nock 15.0.0 needs an Error instance here (a plain object breaks its interceptor).
const netError = (code: string, message: string) => Object.assign(new Error(message), { code });

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeEach(() => {
  sleeps = [];
  clearSecrets();
});

describe('tag lists', () => {
  it('follows relative and absolute next links to the last page and cleans every page', async () => {
    const scope = nock(REG)
      .get('/v2/team/app/tags/list')
      .query({ n: '1000' })
      .reply(
        200,
        { name: 'team/app', tags: ['1.0.0-develop', null, 'sha256:' + 'a'.repeat(64), 'not a tag'] },
        {
          Link: '</v2/team/app/tags/list?n=1&last=1.0.0-develop>; rel="next"',
        },
      )
      .get('/v2/team/app/tags/list')
      .query({ n: '1', last: '1.0.0-develop' })
      .reply(
        200,
        { name: 'team/app', tags: ['1.1.0-develop'] },
        {
          Link: `<${REG}/v2/team/app/tags/list?n=1&last=1.1.0-develop>; rel="next"`,
        },
      )
      .get('/v2/team/app/tags/list')
      .query({ n: '1', last: '1.1.0-develop' })
      .reply(200, { name: 'team/app', tags: ['latest', '1.0.0-develop'] });
    const c = client();
    expect((await c.listTags('team/app')).sort()).toEqual(['1.0.0-develop', '1.1.0-develop', 'latest']);
    expect(c.stats.requests.get('tag page')).toBe(3);
    scope.done();
  });

  it('keeps following while pages are shorter than n', async () => {
    const scope = nock(REG)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['a-develop'] }, { Link: '</v2/app/tags/list?last=a-develop>; rel="next"' })
      .get('/v2/app/tags/list')
      .query({ last: 'a-develop' })
      .reply(200, { tags: ['b-develop'] });
    expect(await client().listTags('app')).toEqual(['a-develop', 'b-develop']);
    scope.done();
  });

  it('reads "tags": null as no tags', async () => {
    const scope = nock(REG)
      .get('/v2/team/empty/tags/list')
      .query(true)
      .reply(200, { name: 'team/empty', tags: null });
    expect(await client().listTags('team/empty')).toEqual([]);
    scope.done();
  });

  it('refuses a next link to another origin', async () => {
    const scope = nock(REG)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(
        200,
        { tags: ['a-develop'] },
        { Link: '<http://evil.test/v2/app/tags/list?last=a>; rel="next"' },
      );
    const err = await client()
      .listTags('app')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(
      /next-page link for app to another origin \(http:\/\/evil\.test\); refusing/,
    );
    scope.done();
  });

  it('stops a registry whose next links go in a circle', async () => {
    const scope = nock(REG)
      .get('/v2/app/tags/list')
      .query(true)
      .times(2)
      .reply(200, { tags: ['a-develop'] }, { Link: '</v2/app/tags/list?last=x>; rel="next"' });
    await expect(client().listTags('app')).rejects.toThrow(/keeps sending more tag pages for app/);
    scope.done();
  });

  it.each([
    ['not JSON', 'oops, a proxy error page', /answered the tag list of app with something that is not JSON/],
    ['a JSON array', '["1.0.0-develop"]', /answered the tag list of app with something that is not one/],
    [
      'tags that are not a list',
      '{"tags":"1.0.0-develop"}',
      /answered the tag list of app with something that is not one/,
    ],
    [
      'tags that are numbers',
      '{"tags":["1.0.0-develop",7]}',
      /answered the tag list of app with a tag that is not a string: "7"/,
    ],
  ])('rejects a tag list that is %s (exit 2: an unusable answer)', async (_what, body, message) => {
    const scope = nock(REG).get('/v2/app/tags/list').query(true).reply(200, body);
    const err = await client()
      .listTags('app')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadAnswerError);
    expect((err as Error).message).toMatch(message);
    scope.done();
  });

  it('names an unknown repository and what to check (404, not retried)', async () => {
    const scope = nock(REG)
      .get('/v2/nope/x/tags/list')
      .query(true)
      .reply(404, {
        errors: [
          {
            code: 'NAME_UNKNOWN',
            message: 'repository name not known to registry',
            detail: { name: 'nope/x' },
          },
        ],
      });
    const err = await client()
      .listTags('nope/x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      `repository nope/x not found on ${REG} (NAME_UNKNOWN: repository name not known to registry)`,
    );
    expect((err as InputError).hint).toMatch(/check the name in --repo/);
    expect(sleeps).toEqual([]);
    scope.done();
  });

  it('reports 403 as refused access to the repository, without retrying', async () => {
    const scope = nock(REG)
      .get('/v2/team/secret/tags/list')
      .query(true)
      .reply(403, { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
    const err = await client()
      .listTags('team/secret')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/refused access to repository team\/secret .*403 DENIED/);
    expect(sleeps).toEqual([]);
    scope.done();
  });
});

describe('retries', () => {
  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    const scope = nock(REG)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(429, 'toomanyrequests: slow down', { 'Retry-After': '2' })
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['1-develop'] });
    const c = client();
    expect(await c.listTags('app')).toEqual(['1-develop']);
    expect(sleeps).toEqual([2000]);
    expect(c.stats.retries).toBe(1);
    scope.done();
  });

  it('gives up on a registry that keeps failing with 503, as unavailable (exit 3)', async () => {
    const scope = nock(REG).get('/v2/app/tags/list').query(true).times(attempts).reply(503, 'upstream down');
    const err = await client()
      .listTags('app')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe(`${REG} failed while listing the tags of app (503 upstream down)`);
    expect(sleeps).toHaveLength(defaultRetryPolicy.retries);
    scope.done();
  });

  it('retries a reset connection and gives up on a refused one with a clear line', async () => {
    const scope = nock(REG)
      .get('/v2/')
      .replyWithError(netError('ECONNRESET', 'socket hang up'))
      .get('/v2/')
      .reply(200, {});
    await client().probe();
    scope.done();

    const refused = nock(REG)
      .get('/v2/')
      .times(attempts)
      .replyWithError(netError('ECONNREFUSED', 'connect ECONNREFUSED'));
    const err = await client()
      .probe()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe(`cannot reach ${REG} while checking the registry (ECONNREFUSED)`);
    refused.done();
  });

  it('says when the URL is not a registry', async () => {
    const scope = nock(REG).get('/v2/').reply(404, '<html>not here</html>');
    await expect(client().probe()).rejects.toThrow(/does not look like a Docker registry/);
    scope.done();
  });
});

describe('auth', () => {
  it('asks for credentials when the registry wants Basic and none are set', async () => {
    const challenge = { 'WWW-Authenticate': 'Basic realm="basic-realm"' };
    const scope = nock(REG)
      .get('/v2/')
      .reply(401, '', challenge)
      .get('/v2/team/app/tags/list')
      .query(true)
      .reply(401, '', challenge);
    const c = client();
    await c.probe();
    const err = await c.listTags('team/app').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).message).toBe(`${REG} requires credentials for repository team/app`);
    expect((err as AuthError).hint).toBe('set REGISTRY_USER and REGISTRY_PASSWORD');
    scope.done();
  });

  it('sends Basic after the challenge and reports wrong credentials once, naming the repository', async () => {
    const challenge = { 'WWW-Authenticate': 'Basic realm="basic-realm"' };
    const ok = nock(REG)
      .get('/v2/')
      .reply(401, '', challenge)
      .get('/v2/team/app/tags/list')
      .query(true)
      .matchHeader('authorization', basic('ci', 'right-pw'))
      .reply(200, { tags: ['1-develop'] });
    const good = client({ credentials: { user: 'ci', password: 'right-pw' } });
    await good.probe();
    expect(await good.listTags('team/app')).toEqual(['1-develop']);
    ok.done();

    const wrong = nock(REG)
      .get('/v2/')
      .reply(401, '', challenge)
      .get('/v2/team/app/tags/list')
      .query(true)
      .matchHeader('authorization', basic('ci', 'wrong-pw'))
      .reply(401, '', challenge);
    const bad = client({ credentials: { user: 'ci', password: 'wrong-pw' } });
    await bad.probe();
    const err = await bad.listTags('team/app').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toBe(`${REG} refused the credentials of user ci for repository team/app`);
    expect(sleeps).toEqual([]);
    wrong.done();
  });

  it.each(['token', 'access_token'])(
    'fetches a Bearer token scoped to the repository from the realm (%s) and reuses it',
    async (field) => {
      const scope = nock(REG)
        .get('/v2/')
        .reply(401, '', { 'WWW-Authenticate': `Bearer realm="${AUTH}/token",service="reg.test"` })
        .get('/v2/team/app/tags/list')
        .query(true)
        .matchHeader('authorization', 'Bearer tok-1')
        .reply(200, { tags: ['1-develop'] })
        .get('/v2/team/app/manifests/1-develop')
        .matchHeader('authorization', 'Bearer tok-1')
        .matchHeader('accept', MANIFEST_ACCEPT)
        .reply(404);
      const auth = nock(AUTH)
        .get('/token')
        .query({ service: 'reg.test', scope: 'repository:team/app:pull' })
        .matchHeader('authorization', basic('ci', 'pw-123'))
        .reply(200, { [field]: 'tok-1', expires_in: 300 });
      const c = client({ credentials: { user: 'ci', password: 'pw-123' } });
      await c.probe();
      expect(await c.listTags('team/app')).toEqual(['1-develop']);
      expect(await c.getManifest('team/app', '1-develop')).toBeUndefined();
      expect(c.stats.requests.get('token')).toBe(1);
      expect(redact('Bearer tok-1')).toBe('Bearer ***'); // tokens are secrets from the moment they arrive
      scope.done();
      auth.done();
    },
  );

  it('learns Bearer from a 401 on the repository and refreshes a rejected token exactly once', async () => {
    const challenge = {
      'WWW-Authenticate': `Bearer realm="${AUTH}/token",service="reg.test",scope="repository:app:pull"`,
    };
    const scope = nock(REG)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(401, '', challenge) // no token yet
      .get('/v2/app/tags/list')
      .query(true)
      .matchHeader('authorization', 'Bearer old')
      .reply(401, '', challenge) // revoked: refresh once
      .get('/v2/app/tags/list')
      .query(true)
      .matchHeader('authorization', 'Bearer new')
      .reply(200, { tags: ['1-develop'] });
    const auth = nock(AUTH)
      .get('/token')
      .query(true)
      .reply(200, { token: 'old' })
      .get('/token')
      .query(true)
      .reply(200, { token: 'new' });
    expect(await client().listTags('app')).toEqual(['1-develop']);
    scope.done();
    auth.done();
  });

  it('gives up after one refresh when the registry keeps rejecting fresh tokens', async () => {
    const challenge = { 'WWW-Authenticate': `Bearer realm="${AUTH}/token",service="reg.test"` };
    const scope = nock(REG).get('/v2/app/tags/list').query(true).times(3).reply(401, '', challenge);
    const auth = nock(AUTH).get('/token').query(true).times(2).reply(200, { token: 't' });
    const err = await client()
      .listTags('app')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toBe(`${REG} rejected the token from ${AUTH}/token for repository app`);
    scope.done();
    auth.done();
  });

  it('reports credentials the token service refuses, and never shows the password', async () => {
    const env = { REGISTRY_USER: 'ci', REGISTRY_PASSWORD: 'hunter2-secret' };
    const credentials = credentialsFromEnv(env);
    const scope = nock(REG)
      .get('/v2/')
      .reply(401, '', { 'WWW-Authenticate': `Bearer realm="${AUTH}/token",service="reg.test"` });
    const auth = nock(AUTH)
      .get('/token')
      .query(true)
      .reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad password hunter2-secret' }] });
    const c = client({ credentials });
    await c.probe();
    const err = await c.listTags('team/app').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toBe(
      'token service http://auth.test refused the credentials of user ci for repository team/app',
    );
    expect(redact(`${(err as Error).message} ${basic('ci', 'hunter2-secret')}`)).not.toMatch(
      /hunter2|aHVudGVy/,
    );
    scope.done();
    auth.done();
  });

  it('rejects a token answer without a token', async () => {
    const scope = nock(REG)
      .get('/v2/')
      .reply(401, '', { 'WWW-Authenticate': `Bearer realm="${AUTH}/t"` });
    const auth = nock(AUTH).get('/t').query(true).reply(200, '{"expires_in":60}');
    const c = client();
    await c.probe();
    await expect(c.listTags('app')).rejects.toThrow(/token service http:\/\/auth\.test sent no token/);
    scope.done();
    auth.done();
  });
});

describe('manifests and blobs', () => {
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 2, digest: sha('{}') },
    layers: [],
  });

  it('sends all four manifest types and takes the digest from the header, checked against the body', async () => {
    const scope = nock(REG)
      .get('/v2/app/manifests/1-develop')
      .matchHeader('accept', MANIFEST_ACCEPT)
      .reply(200, manifest, {
        'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json',
        'Docker-Content-Digest': sha(manifest),
      });
    const got = await client().getManifest('app', '1-develop');
    expect(got?.digest).toBe(sha(manifest));
    expect(got?.manifest).toEqual({ ok: true, value: expect.objectContaining({ kind: 'image' }) });
    scope.done();
  });

  it('computes the digest when the registry does not send one', async () => {
    const scope = nock(REG).get('/v2/app/manifests/1-develop').reply(200, manifest);
    expect((await client().getManifest('app', '1-develop'))?.digest).toBe(sha(manifest));
    scope.done();
  });

  it('refuses a manifest whose body does not match its digest', async () => {
    const scope = nock(REG)
      .get('/v2/app/manifests/1-develop')
      .reply(200, manifest, { 'Docker-Content-Digest': sha('something else') });
    await expect(client().getManifest('app', '1-develop')).rejects.toThrow(/does not match its digest/);
    scope.done();
  });

  it('refuses a config blob whose body does not match its digest', async () => {
    const scope = nock(REG)
      .get(`/v2/app/blobs/${sha('{}')}`)
      .reply(200, '{"created":"2026-01-01T00:00:00Z"}');
    await expect(client().getBlob('app', sha('{}'))).rejects.toThrow(/does not match its digest/);
    scope.done();
  });

  it('answers undefined for a manifest or blob the registry does not know', async () => {
    const scope = nock(REG)
      .get('/v2/app/manifests/gone-develop')
      .reply(404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] })
      .get(`/v2/app/blobs/${sha('{}')}`)
      .reply(404);
    expect(await client().getManifest('app', 'gone-develop')).toBeUndefined();
    expect(await client().getBlob('app', sha('{}'))).toBeUndefined();
    scope.done();
  });

  it('follows a blob redirect to storage elsewhere without sending it the credentials', async () => {
    const config = '{"created":"2026-11-01T00:00:00Z"}';
    const scope = nock(REG)
      .get(`/v2/app/blobs/${sha(config)}`)
      .matchHeader('authorization', basic('ci', 'pw-123'))
      .reply(307, '', { Location: 'https://storage.test/blob?X-Amz-Signature=abc' });
    const storage = nock('https://storage.test', { badheaders: ['authorization'] })
      .get('/blob')
      .query({ 'X-Amz-Signature': 'abc' })
      .reply(200, config);
    const c = client({ credentials: { user: 'ci', password: 'pw-123' } });
    // Basic is only sent once the registry asked for it: teach the client that first.
    nock(REG).get('/v2/').reply(401, '', { 'WWW-Authenticate': 'Basic realm="r"' });
    await c.probe();
    expect((await c.getBlob('app', sha(config)))?.toString()).toBe(config);
    expect(c.stats.requests.get('redirect')).toBe(1);
    scope.done();
    storage.done();
  });

  it('keeps the credentials on a redirect within the registry, and stops a redirect loop', async () => {
    const scope = nock(REG)
      .get('/v2/')
      .reply(401, '', { 'WWW-Authenticate': 'Basic realm="r"' })
      .get('/v2/app/manifests/1-develop')
      .matchHeader('authorization', basic('ci', 'pw-123'))
      .reply(302, '', { Location: '/v2/app/manifests/moved' })
      .get('/v2/app/manifests/moved')
      .matchHeader('authorization', basic('ci', 'pw-123'))
      .reply(404);
    const c = client({ credentials: { user: 'ci', password: 'pw-123' } });
    await c.probe();
    expect(await c.getManifest('app', '1-develop')).toBeUndefined();
    scope.done();

    const loop = nock(REG)
      .get('/v2/app/manifests/x-develop')
      .times(6)
      .reply(307, '', { Location: '/v2/app/manifests/x-develop' });
    await expect(client().getManifest('app', 'x-develop')).rejects.toThrow(
      `${REG} redirected ${REG}/v2/app/manifests/x-develop more than 5 times`,
    );
    loop.done();
  });

  it('reads the digest of a tag with HEAD', async () => {
    const scope = nock(REG)
      .head('/v2/app/manifests/1-develop')
      .matchHeader('accept', MANIFEST_ACCEPT)
      .reply(200, '', { 'Docker-Content-Digest': sha(manifest) });
    const c = client();
    expect(await c.headManifest('app', '1-develop')).toEqual({ found: true, digest: sha(manifest) });
    expect(c.stats.requests.get('manifest HEAD')).toBe(1);
    scope.done();
  });
});
