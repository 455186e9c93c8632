import { generateKeyPairSync, sign } from 'node:crypto';
import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { request, type SimpleResponse } from '../support/http';

/**
 * DC/OS mode: the IAM login (user/password, service-account RS256 login token) and Admin Router's
 * token check in front of /service/marathon (reference sheet §7.1). Service login tokens are signed
 * here with node:crypto directly, not with the emulator's own helper.
 */

type Obj = Record<string, unknown>;

const account = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ACCOUNT_PUBLIC_PEM = account.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function serviceLoginToken(
  payload: Obj,
  key = account.privateKey,
  header: Obj = { alg: 'RS256', typ: 'JWT' },
): string {
  const signed = `${b64url(header)}.${b64url(payload)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

let em: MarathonEmulator;

function login(body: unknown, contentType = 'application/json'): Promise<SimpleResponse> {
  return request(`${em.url}/acs/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body: JSON.stringify(body),
  });
}

async function tokenFor(body: Obj): Promise<string> {
  const res = await login(body);
  expect(res.status).toBe(200);
  return res.json<{ token: string }>().token;
}

function apps(authorization?: string, path = '/service/marathon/v2/apps'): Promise<SimpleResponse> {
  return request(`${em.url}${path}`, { headers: authorization ? { Authorization: authorization } : {} });
}

function expectAdminRouter401(res: SimpleResponse): void {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.headers['www-authenticate']).toBe('acsjwt');
  expect(res.text()).toContain('<html>');
  expect(res.text()).toContain('window.location');
}

beforeEach(async () => {
  em = await startMarathonEmulator({
    mode: 'dcos',
    users: { alice: 'correct horse' },
    serviceAccounts: { 'rollback-sa': ACCOUNT_PUBLIC_PEM },
    deploymentMs: 300,
  });
  em.addApp({ id: '/ds/dev/shop/api', cmd: 'sleep 1000' });
});

afterEach(async () => {
  await em.close();
});

it('serves Marathon under /service/marathon', () => {
  expect(em.marathonUrl).toBe(`${em.url}/service/marathon`);
});

describe('user login', () => {
  it('gives an RS256 JWT with uid and exp for the right password, accepted as `token=`', async () => {
    const res = await login({ uid: 'alice', password: 'correct horse' });
    expect(res.status).toBe(200);
    const { token } = res.json<{ token: string }>();
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Obj);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toEqual({ uid: 'alice', exp: expect.any(Number) });
    // DC/OS Open Source: five days
    expect(payload!['exp']).toBeGreaterThan(nowSeconds() + 4 * 24 * 3600);
    expect(res.headers['set-cookie']).toEqual(
      expect.arrayContaining([expect.stringMatching(/^dcos-acs-auth-cookie=.+HttpOnly/)]),
    );

    const ok = await apps(`token=${token}`);
    expect(ok.status).toBe(200);
    expect(ok.json<{ apps: Obj[] }>().apps.map((a) => a['id'])).toEqual(['/ds/dev/shop/api']);
  });

  it('answers wrong credentials with 401 ERR_INVALID_CREDENTIALS and WWW-Authenticate: acsjwt', async () => {
    for (const body of [
      { uid: 'alice', password: 'wrong' },
      { uid: 'mallory', password: 'correct horse' },
    ]) {
      const res = await login(body);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('acsjwt');
      expect(res.json()).toEqual({
        title: 'Unauthorized',
        description: 'Invalid credentials.',
        code: 'ERR_INVALID_CREDENTIALS',
      });
    }
  });

  it('needs JSON and exactly one of password or token (400)', async () => {
    expect((await login({ uid: 'alice', password: 'correct horse' }, 'text/plain')).status).toBe(400);
    expect((await login({ uid: 'alice', password: 'x', token: 'y' })).status).toBe(400);
    expect((await login({ uid: 'alice' })).status).toBe(400);
  });
});

describe('service account login', () => {
  it('accepts a login token signed with the account’s private key', async () => {
    const token = await tokenFor({
      uid: 'rollback-sa',
      token: serviceLoginToken({ uid: 'rollback-sa', exp: nowSeconds() + 300 }),
    });
    expect((await apps(`token=${token}`)).status).toBe(200);
  });

  it.each([
    [
      'signed with another key',
      () => serviceLoginToken({ uid: 'rollback-sa', exp: nowSeconds() + 300 }, stranger.privateKey),
    ],
    ['expired', () => serviceLoginToken({ uid: 'rollback-sa', exp: nowSeconds() - 10 })],
    ['for another uid', () => serviceLoginToken({ uid: 'someone-else', exp: nowSeconds() + 300 })],
    [
      'unsigned (alg none)',
      () =>
        `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ uid: 'rollback-sa', exp: nowSeconds() + 300 })}.`,
    ],
    ['not a JWT', () => 'not-a-jwt'],
  ])('refuses a login token %s', async (_name, make) => {
    const res = await login({ uid: 'rollback-sa', token: make() });
    expect(res.status).toBe(401);
    expect(res.json()).toEqual(expect.objectContaining({ code: 'ERR_INVALID_CREDENTIALS' }));
  });

  it('refuses an account it does not know', async () => {
    const res = await login({
      uid: 'unknown-sa',
      token: serviceLoginToken({ uid: 'unknown-sa', exp: nowSeconds() + 300 }),
    });
    expect(res.status).toBe(401);
  });
});

describe('Admin Router in front of Marathon', () => {
  it('answers 401 text/html with WWW-Authenticate: acsjwt without a token, with a bad one, or with Basic', async () => {
    const good = await tokenFor({ uid: 'alice', password: 'correct horse' });
    const [header, , signature] = good.split('.');
    const tampered = `${header}.${b64url({ uid: 'root', exp: nowSeconds() + 3600 })}.${signature}`;
    expectAdminRouter401(await apps());
    expectAdminRouter401(await apps('token=garbage'));
    expectAdminRouter401(await apps(`token=${tampered}`));
    expectAdminRouter401(await apps(`Basic ${Buffer.from('alice:correct horse').toString('base64')}`));
    // a token the service account signed itself is a login token, not a DC/OS session token
    expectAdminRouter401(
      await apps(`token=${serviceLoginToken({ uid: 'rollback-sa', exp: nowSeconds() + 300 })}`),
    );
  });

  it('refuses an expired session token', async () => {
    await em.close();
    em = await startMarathonEmulator({ mode: 'dcos', users: { alice: 'pw' }, tokenLifetimeMs: 1 });
    const token = await tokenFor({ uid: 'alice', password: 'pw' });
    await new Promise((r) => setTimeout(r, 10)); // exp has whole seconds: make sure it has passed
    expectAdminRouter401(await apps(`token=${token}`));
  });

  it('accepts `Bearer` too, as Admin Router’s Lua does', async () => {
    const token = await tokenFor({ uid: 'alice', password: 'correct horse' });
    expect((await apps(`Bearer ${token}`)).status).toBe(200);
  });

  it('has Marathon only under /service/marathon', async () => {
    const token = await tokenFor({ uid: 'alice', password: 'correct horse' });
    expect((await apps(`token=${token}`, '/v2/apps')).status).toBe(404);
  });

  it('records the Authorization header of every request, for leak checks', async () => {
    const token = await tokenFor({ uid: 'alice', password: 'correct horse' });
    await apps(`token=${token}`);
    expect(em.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/acs/api/v1/auth/login'],
      ['GET', '/service/marathon/v2/apps'],
    ]);
    expect(em.requests[0]!.body).toContain('correct horse');
    expect(em.requests[1]!.headers['authorization']).toBe(`token=${token}`);
  });
});

it('rejects options that mix the two modes', async () => {
  await expect(startMarathonEmulator({ users: { a: 'b' } })).rejects.toThrow(/dcos/);
  await expect(startMarathonEmulator({ mode: 'dcos', basic: { user: 'a', password: 'b' } })).rejects.toThrow(
    /marathon/,
  );
});
