import nock from 'nock';
import { RegistryClient } from '../../src/registry/client';
import { defaultRetryPolicy } from '../../src/http/retry';

/**
 * Where credentials may go, against nock (every mock must be used; any other request fails):
 * only the registry's origin and the realm its own challenges name. The integration test
 * get-redirect-auth.test.ts does the same against a real registry and a capturing server.
 */

const REG = 'http://registry.test';
const ELSEWHERE = 'http://elsewhere.test';
const basic = `Basic ${Buffer.from('ci:secret-pw').toString('base64')}`;

const client = () =>
  new RegistryClient({
    registry: REG,
    concurrency: 1,
    credentials: { user: 'ci', password: 'secret-pw' },
    retryPolicy: { ...defaultRetryPolicy, sleep: async () => {} },
  });

it('learns nothing from a 401 the probe got from another origin it was redirected to', async () => {
  const scope = nock(REG)
    .get('/v2/')
    .reply(307, '', { Location: `${ELSEWHERE}/v2/` })
    .get('/v2/app/tags/list')
    .query(true)
    .reply(401, '', { 'WWW-Authenticate': 'Basic realm="registry"' })
    .get('/v2/app/tags/list')
    .query(true)
    .matchHeader('authorization', basic)
    .reply(200, { name: 'app', tags: ['1-develop'] });
  const elsewhere = nock(ELSEWHERE, { badheaders: ['authorization'] })
    .get('/v2/')
    .reply(401, '', { 'WWW-Authenticate': `Bearer realm="${ELSEWHERE}/token",service="x"` });
  const c = client();
  await c.probe();
  // Had it believed the other origin, the tag list would have asked ELSEWHERE/token for a token
  // with the credentials: nock refuses that request.
  expect(await c.listTags('app')).toEqual(['1-develop']);
  scope.done();
  elsewhere.done();
});

it('fetches an anonymous token for a blob host that challenges, and sends it only there', async () => {
  const digest = `sha256:${'b'.repeat(64)}`;
  const scope = nock(REG)
    .get('/v2/')
    .reply(401, '', { 'WWW-Authenticate': 'Basic realm="registry"' })
    .get(`/v2/app/blobs/${digest}`)
    .times(2)
    .matchHeader('authorization', basic)
    .reply(307, '', { Location: `${ELSEWHERE}/b/${digest}` });
  const anonymous = nock(ELSEWHERE, { badheaders: ['authorization'] })
    .get(`/b/${digest}`)
    .reply(401, '', { 'WWW-Authenticate': `Bearer realm="${ELSEWHERE}/token",service="store"` })
    .get('/token')
    .query({ service: 'store', scope: 'repository:app:pull' })
    .reply(200, { token: 'anon' });
  const withToken = nock(ELSEWHERE)
    .get(`/b/${digest}`)
    .matchHeader('authorization', 'Bearer anon')
    .reply(404);
  const c = client();
  await c.probe();
  expect(await c.getBlob('app', digest)).toBeUndefined();
  scope.done();
  anonymous.done();
  withToken.done();
});

it("follows a token service's redirect, with the credentials only on the realm's origin", async () => {
  const AUTH = 'http://auth.test';
  const scope = nock(REG)
    .get('/v2/')
    .reply(401, '', { 'WWW-Authenticate': `Bearer realm="${AUTH}/token",service="reg"` })
    .get('/v2/app/tags/list')
    .query(true)
    .matchHeader('authorization', 'Bearer from-elsewhere')
    .reply(200, { name: 'app', tags: [] });
  const realm = nock(AUTH)
    .get('/token')
    .query({ service: 'reg', scope: 'repository:app:pull' })
    .matchHeader('authorization', basic)
    .reply(307, '', { Location: `${ELSEWHERE}/token?x=1` });
  const elsewhere = nock(ELSEWHERE, { badheaders: ['authorization'] })
    .get('/token')
    .query({ x: '1' })
    .reply(200, { token: 'from-elsewhere' });
  const c = client();
  await c.probe();
  expect(await c.listTags('app')).toEqual([]);
  scope.done();
  realm.done();
  elsewhere.done();
});
