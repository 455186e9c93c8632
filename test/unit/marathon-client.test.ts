import nock from 'nock';
import http from 'node:http';
import { generateKeyPairSync, createVerify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuthError,
  BadAnswerError,
  InputError,
  RollbackFailedError,
  UnavailableError,
  UsageError,
} from '../../src/errors';
import { appProblem, isUnderGroup, normalizeGroup } from '../../src/marathon/answers';
import {
  AppLockedError,
  AppNotFoundError,
  AppRecreatedError,
  createMarathonClient,
} from '../../src/marathon/client';
import { ChangeUncertainError } from '../../src/targets/target';
import { parseServiceAccountKey, signServiceLoginToken } from '../../src/marathon/auth';
import type { RetryPolicy } from '../../src/http/retry';
import { clearSecrets, redact } from '../../src/util/secrets';
import { freePort } from '../support/ports';

const M = 'http://marathon.test';
const DCOS = 'http://dcos.test';
const noWait: RetryPolicy = {
  retries: 2,
  baseDelayMs: 1,
  maxDelayMs: 1,
  retryStatuses: new Set([502, 503, 504]),
  sleep: async () => {},
};

const plain = (env: NodeJS.ProcessEnv = {}) =>
  createMarathonClient({ target: { kind: 'marathon', url: M }, env, retry: noWait });
const dcos = (env: NodeJS.ProcessEnv) =>
  createMarathonClient({ target: { kind: 'dcos', url: DCOS }, env, retry: noWait });

const appBody = {
  id: '/ds/dev/shop/api',
  instances: 2,
  version: '2026-11-20T10:00:00.000Z',
  versionInfo: { lastScalingAt: '2026-11-20T10:00:00.000Z', lastConfigChangeAt: '2026-11-20T10:00:00.000Z' },
  env: { A: '1' },
  container: {
    type: 'DOCKER',
    volumes: [{ containerPath: '/data', hostPath: '/srv/data', mode: 'RW' }],
    portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }],
    docker: {
      image: 'r.example.com/shop/api:1.5.0-develop',
      forcePullImage: true,
      parameters: [{ key: 'log-driver', value: 'json-file' }],
    },
  },
  tasksRunning: 2,
  tasksHealthy: 0,
  deployments: [],
};

afterEach(() => {
  clearSecrets();
  expect(nock.isDone()).toBe(true);
});

it('refuses an answer larger than the limit, naming it, without retrying', async () => {
  const client = createMarathonClient({
    target: { kind: 'marathon', url: M },
    env: {},
    retry: noWait,
    maxAnswerBytes: 2 * 1024 * 1024,
  });
  const scope = nock(M)
    .get('/v2/apps')
    .query(true)
    .reply(200, JSON.stringify({ apps: [], padding: 'x'.repeat(3 * 1024 * 1024) }), {
      'Content-Type': 'application/json',
    });
  const err = (await caught(client.listApps('/ds/dev'))) as BadAnswerError;
  expect(err).toBeInstanceOf(BadAnswerError);
  expect(err.exitCode).toBe(2);
  expect(err.message).toMatch(
    /^Marathon at http:\/\/\S+ answered GET \/v2\/apps\?\S+ with more than the limit of 2 MiB$/,
  );
  expect(scope.isDone()).toBe(true);
});

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('group paths', () => {
  it('matches whole segments only', () => {
    expect(isUnderGroup('/ds/dev/shop/api', '/ds/dev')).toBe(true);
    expect(isUnderGroup('/ds/dev2/shop/api', '/ds/dev')).toBe(false);
    expect(isUnderGroup('/x/ds/dev/shop/api', '/ds/dev')).toBe(false);
    expect(isUnderGroup('/ds/dev', '/ds/dev')).toBe(false);
    expect(normalizeGroup('ds/dev/')).toBe('/ds/dev');
    expect(() => normalizeGroup('/ds/Dev x')).toThrow(UsageError);
  });
});

describe('MarathonClient (plain Marathon)', () => {
  it('lists only the apps under the group although Marathon filters by substring', async () => {
    nock(M)
      .get('/v2/apps')
      .query({ id: '/ds/dev', embed: ['apps.counts', 'apps.deployments'] })
      .reply(200, {
        apps: [
          { ...appBody },
          { ...appBody, id: '/ds/dev2/shop/api' },
          { ...appBody, id: '/other/ds/dev/shop/api' },
        ],
      });
    const apps = await plain().listApps('/ds/dev');
    expect(apps.map((a) => a.id)).toEqual(['/ds/dev/shop/api']);
  });

  it('sends HTTP basic from MARATHON_USER/MARATHON_PASSWORD and never shows the password', async () => {
    nock(M, { reqheaders: { authorization: `Basic ${Buffer.from('ci:pa55-word').toString('base64')}` } })
      .get('/v2/apps/ds/dev/shop/api')
      .reply(200, { app: appBody });
    const client = plain({ MARATHON_USER: 'ci', MARATHON_PASSWORD: 'pa55-word' });
    expect((await client.getApp('/ds/dev/shop/api')).id).toBe('/ds/dev/shop/api');
    expect(client.auth.description).toBe('HTTP basic as ci');
    expect(redact(`x pa55-word ${Buffer.from('ci:pa55-word').toString('base64')}`)).toBe('x *** ***');
  });

  it('refuses half a credential', () => {
    expect(() => plain({ MARATHON_USER: 'ci' })).toThrow(UsageError);
  });

  it('maps 401 to an AuthError that names the variables to check', async () => {
    nock(M)
      .get('/v2/apps/ds/dev/shop/api')
      .reply(401, '<html>401</html>', { 'WWW-Authenticate': 'Basic realm="Mesosphere"' });
    const err = (await caught(
      plain({ MARATHON_USER: 'ci', MARATHON_PASSWORD: 'wrong-pw' }).getApp('/ds/dev/shop/api'),
    )) as AuthError;
    expect(err).toBeInstanceOf(AuthError);
    expect(err.hint).toContain('MARATHON_USER');
  });

  it('PATCHes the whole container with only the image changed and no version fields', async () => {
    let body: Record<string, unknown> | undefined;
    nock(M)
      .patch('/v2/apps/ds/dev/shop/api', (b) => {
        body = b as Record<string, unknown>;
        return true;
      })
      .reply(
        200,
        { version: '2026-11-28T10:00:00.000Z', deploymentId: 'dep-1' },
        { 'Marathon-Deployment-Id': 'dep-1' },
      );
    const result = await plain().updateImage(appBody, 'r.example.com/shop/api:1.4.2-develop');
    expect(result).toEqual({ deploymentId: 'dep-1', version: '2026-11-28T10:00:00.000Z' });
    expect(body).toEqual({
      container: {
        ...appBody.container,
        docker: { ...appBody.container.docker, image: 'r.example.com/shop/api:1.4.2-develop' },
      },
    });
  });

  it('never creates an app: a PATCH of a deleted app is its 404, named', async () => {
    nock(M)
      .patch('/v2/apps/ds/dev/shop/api')
      .reply(404, { message: "App '/ds/dev/shop/api' does not exist" });
    const err = await caught(plain().updateImage(appBody, 'r.example.com/shop/api:1'));
    expect(err).toBeInstanceOf(AppNotFoundError);
  });

  it('falls back to PUT on a Marathon without PATCH (405), and takes a 201 (created) for a failure', async () => {
    const client = plain();
    nock(M)
      .patch('/v2/apps/ds/dev/shop/api')
      .reply(405, '')
      .put('/v2/apps/ds/dev/shop/api')
      .reply(200, { version: 'v1', deploymentId: 'd1' })
      // Learned once: the second change goes straight to PUT.
      .put('/v2/apps/ds/dev/shop/api')
      .reply(201, { version: 'v2', deploymentId: 'd2' }, { Location: '/v2/apps/ds/dev/shop/api' });
    await expect(client.updateImage(appBody, 'r.example.com/shop/api:1')).resolves.toEqual({
      deploymentId: 'd1',
      version: 'v1',
    });
    const err = await caught(client.updateImage(appBody, 'r.example.com/shop/api:2'));
    expect(err).toBeInstanceOf(AppRecreatedError);
    expect(err.message).toContain('created it anew');
    expect((err as AppRecreatedError).hint).toContain('delete it');
    expect(nock.isDone()).toBe(true);
  });

  it('reports a 409 with the blocking deployment and asks for --force', async () => {
    nock(M)
      .patch('/v2/apps/ds/dev/shop/api')
      .reply(409, {
        message:
          "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
        deployments: [{ id: '97c136bf-5a28-4821-9d94-480d9fbb01c8' }],
      });
    const err = (await caught(plain().updateImage(appBody, 'r.example.com/shop/api:1'))) as AppLockedError;
    expect(err).toBeInstanceOf(AppLockedError);
    expect(err.deploymentIds).toEqual(['97c136bf-5a28-4821-9d94-480d9fbb01c8']);
    expect(err.message).toContain('97c136bf-5a28-4821-9d94-480d9fbb01c8');
    expect(err.hint).toContain('--force');
  });

  it('sends force=true only when asked', async () => {
    nock(M)
      .patch('/v2/apps/ds/dev/shop/api')
      .query({ force: 'true' })
      .reply(200, { version: 'v', deploymentId: 'd' });
    await expect(
      plain().updateImage(appBody, 'r.example.com/shop/api:1', { force: true }),
    ).resolves.toMatchObject({ deploymentId: 'd' });
  });

  it('shows the details of a 422', async () => {
    nock(M)
      .patch('/v2/apps/ds/dev/shop/api')
      .reply(422, {
        message: 'Object is not valid',
        details: [{ path: '/container/docker/image', errors: ['must not be empty'] }],
      });
    const err = await caught(plain().updateImage(appBody, 'r.example.com/shop/api:1'));
    expect(err).toBeInstanceOf(RollbackFailedError);
    expect(err.message).toContain('Object is not valid (/container/docker/image must not be empty)');
  });

  it.each([
    ['a 503', 'status'],
    ['a reset after the request was sent', 'reset'],
  ])(
    'sends a change once, whatever comes back (%s), and says it may have been carried out',
    async (_, how) => {
      // A real server counts what reached it: nock would answer a second request the same way.
      let received = 0;
      const server = http.createServer((req, res) => {
        received++;
        req.resume();
        req.on('end', () => {
          if (how === 'reset') req.socket.destroy();
          else
            res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"message":"leader election"}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        const client = createMarathonClient({ target: { kind: 'marathon', url }, env: {}, retry: noWait });
        const err = await caught(client.updateImage(appBody, 'r.example.com/shop/api:1'));
        expect(err).toBeInstanceOf(ChangeUncertainError);
        expect(err.message).toContain('may have been carried out');
        expect(received).toBe(1);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );

  it('retries reads', async () => {
    nock(M).get('/v2/deployments').reply(503, {}).get('/v2/deployments').reply(200, []);
    await expect(plain().deployments()).resolves.toEqual([]);
  });

  it('lists the pods of the group, and none on a Marathon without pods', async () => {
    nock(M)
      .get('/v2/pods')
      .reply(200, [
        { id: '/ds/dev/shop/api-pod', containers: [{ name: 'api', image: { id: 'r/shop/api:1' } }] },
        { id: '/ds/dev2/shop/api-pod' },
      ])
      .get('/v2/pods')
      .reply(404, { message: 'not found' });
    expect((await plain().listPods('/ds/dev')).map((p) => p.id)).toEqual(['/ds/dev/shop/api-pod']);
    expect(await plain().listPods('/ds/dev')).toEqual([]);
  });

  it('maps 404 of an app to an InputError naming it', async () => {
    nock(M).get('/v2/apps/ds/dev/nope').reply(404, { message: "App '/ds/dev/nope' does not exist" });
    const err = await caught(plain().getApp('/ds/dev/nope'));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('/ds/dev/nope');
  });

  it('says the URL is wrong when the answer is not Marathon JSON (exit 2: an unusable answer)', async () => {
    nock(M).get('/v2/apps').query(true).reply(200, '<html>DC/OS</html>', { 'Content-Type': 'text/html' });
    const err = (await caught(plain().listApps('/ds/dev'))) as BadAnswerError;
    expect(err).toBeInstanceOf(BadAnswerError);
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('--marathon');
  });

  it.each([
    [
      'an app whose container is a string',
      { id: '/ds/dev/a', container: 'DOCKER' },
      /app "\/ds\/dev\/a" whose container is not an object/,
    ],
    [
      'a Docker image that is a number',
      { id: '/ds/dev/a', container: { type: 'DOCKER', docker: { image: 7 } } },
      /whose Docker image is not a string/,
    ],
    [
      'a DOCKER container without an image',
      { id: '/ds/dev/a', container: { type: 'DOCKER', volumes: [] } },
      /of container type DOCKER without a Docker image/,
    ],
    [
      'deployments that are not a list of ids',
      { id: '/ds/dev/a', deployments: 'none' },
      /whose deployments are not a list/,
    ],
    ['an app without an id', { instances: 1 }, /an app without an id/],
  ])('refuses an app list with %s (exit 2, names the app)', async (_what, app, message) => {
    nock(M)
      .get('/v2/apps')
      .query(true)
      .reply(200, { apps: [app] });
    const err = await caught(plain().listApps('/ds/dev'));
    expect(err).toBeInstanceOf(BadAnswerError);
    expect(err.message).toMatch(/^Marathon at http:\/\/marathon\.test answered the app list with /);
    expect(err.message).toMatch(message);
  });

  it.each([
    ['a shell command', '/ds/dev/shop/api;rm -rf /'],
    ['upper case', '/ds/dev/Shop/API'],
    ['a way out of the group', '/ds/dev/../prod/api'],
    ['a newline', '/ds/dev/shop/api\nrollback: all fine'],
  ])('refuses an app id under the group with %s, quoted on one line', async (_what, id) => {
    nock(M)
      .get('/v2/apps')
      .query(true)
      .reply(200, { apps: [{ ...appBody, id }] });
    const err = await caught(plain().listApps('/ds/dev'));
    expect(err).toBeInstanceOf(BadAnswerError);
    expect(err.message).toContain(`whose id Marathon does not allow: ${JSON.stringify(id)}`);
    expect(err.message).not.toContain('\n');
  });

  it('ignores odd ids outside the group (the id filter is a substring match)', async () => {
    nock(M)
      .get('/v2/apps')
      .query(true)
      .reply(200, { apps: [appBody, { ...appBody, id: '/x/ds/dev/Odd App' }] });
    expect((await plain().listApps('/ds/dev')).map((a) => a.id)).toEqual(['/ds/dev/shop/api']);
  });

  it('accepts the apps the API documents without a Docker image (command apps, Mesos containers)', () => {
    expect(appProblem({ id: '/ds/dev/cron', cmd: 'run-batch' })).toBeUndefined();
    expect(
      appProblem({ id: '/ds/dev/cron', cmd: 'x', container: { type: 'MESOS', volumes: [] } }),
    ).toBeUndefined();
    expect(appProblem({ id: '/ds/dev/cron', container: null })).toBeUndefined();
    expect(appProblem(appBody)).toBeUndefined();
  });

  it('refuses an answer for one app that is another app', async () => {
    nock(M)
      .get('/v2/apps/ds/dev/shop/api')
      .reply(200, { app: { ...appBody, id: '/ds/dev/shop/other' } });
    const err = await caught(plain().getApp('/ds/dev/shop/api'));
    expect(err).toBeInstanceOf(BadAnswerError);
    expect(err.message).toBe(
      'Marathon at http://marathon.test answered app /ds/dev/shop/api with app "/ds/dev/shop/other"',
    );
  });

  it.each([
    [
      'credentials in the URL',
      'https://ops:s3cret-pw@marathon.example.com',
      /^--marathon must not contain credentials$/,
    ],
    [
      'another scheme',
      'ftp://marathon.example.com',
      /^--marathon "ftp:\/\/marathon\.example\.com" must be an http or https URL$/,
    ],
  ])('refuses a Marathon URL with %s without repeating a password', (_what, url, message) => {
    let err: unknown;
    try {
      createMarathonClient({ target: { kind: 'marathon', url }, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect(`${(err as UsageError).message} ${(err as UsageError).hint}`).not.toContain('s3cret');
  });

  it('maps an unreachable Marathon to an UnavailableError (exit 3)', async () => {
    // A port nobody listens on (nock 15.0.0 cannot fake a connection error with a code).
    const url = `http://127.0.0.1:${await freePort()}`;
    const client = createMarathonClient({ target: { kind: 'marathon', url }, env: {}, retry: noWait });
    const err = await caught(client.deployments());
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('refuses app ids that are not Marathon paths before building a URL from them', async () => {
    expect(await caught(plain().getApp('/../../v2/deployments'))).toBeInstanceOf(InputError);
  });
});

describe('MarathonClient (DC/OS)', () => {
  it('logs in with DCOS_USER/DCOS_PASSWORD and sends token=', async () => {
    nock(DCOS)
      .post('/acs/api/v1/auth/login', { uid: 'jenkins', password: 'dcos-pw-1' })
      .reply(200, { token: 'tok-123456' })
      .get('/service/marathon/v2/deployments')
      .matchHeader('authorization', 'token=tok-123456')
      .reply(200, []);
    const client = dcos({ DCOS_USER: 'jenkins', DCOS_PASSWORD: 'dcos-pw-1' });
    await expect(client.deployments()).resolves.toEqual([]);
    expect(redact('tok-123456 dcos-pw-1')).toBe('*** ***');
  });

  it('reports refused DC/OS credentials with the IAM code', async () => {
    nock(DCOS)
      .post('/acs/api/v1/auth/login')
      .reply(
        401,
        { title: 'Unauthorized', description: 'Invalid credentials.', code: 'ERR_INVALID_CREDENTIALS' },
        { 'WWW-Authenticate': 'acsjwt' },
      );
    const err = (await caught(
      dcos({ DCOS_USER: 'jenkins', DCOS_PASSWORD: 'nope-nope' }).deployments(),
    )) as AuthError;
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('ERR_INVALID_CREDENTIALS');
    expect(err.hint).toContain('DCOS_USER');
  });

  it('logs in again once when the token expired mid-run', async () => {
    nock(DCOS)
      .post('/acs/api/v1/auth/login')
      .reply(200, { token: 'tok-old-1' })
      .get('/service/marathon/v2/deployments')
      .reply(401, '<html></html>', { 'WWW-Authenticate': 'acsjwt', 'Content-Type': 'text/html' })
      .post('/acs/api/v1/auth/login')
      .reply(200, { token: 'tok-new-2' })
      .get('/service/marathon/v2/deployments')
      .matchHeader('authorization', 'token=tok-new-2')
      .reply(200, []);
    await expect(dcos({ DCOS_USER: 'jenkins', DCOS_PASSWORD: 'dcos-pw-1' }).deployments()).resolves.toEqual(
      [],
    );
  });

  it('uses a ready DCOS_TOKEN and reports it refused without retrying', async () => {
    nock(DCOS)
      .get('/service/marathon/v2/deployments')
      .reply(401, '<html></html>', { 'WWW-Authenticate': 'acsjwt' });
    const err = (await caught(dcos({ DCOS_TOKEN: 'ready-token-1' }).deployments())) as AuthError;
    expect(err).toBeInstanceOf(AuthError);
    expect(err.hint).toContain('DCOS_TOKEN');
  });

  describe('service accounts', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

    function verifyLogin(body: { uid: string; token: string }, uid: string) {
      const [h, p, s] = body.token.split('.');
      const ok = createVerify('RSA-SHA256')
        .update(`${h}.${p}`)
        .verify(publicKey, Buffer.from(s!, 'base64url'));
      const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      const now = Math.floor(Date.now() / 1000);
      return (
        ok &&
        header.alg === 'RS256' &&
        body.uid === uid &&
        payload.uid === uid &&
        payload.exp > now &&
        payload.exp <= now + 600
      );
    }

    it('logs in with an RS256 JWT {uid, exp} signed by DCOS_SERVICE_ACCOUNT_KEY', async () => {
      nock(DCOS)
        .post('/acs/api/v1/auth/login', (b) => verifyLogin(b, 'rollback-sa'))
        .reply(200, { token: 'sa-token-1' })
        .get('/service/marathon/v2/deployments')
        .matchHeader('authorization', 'token=sa-token-1')
        .reply(200, []);
      const client = dcos({ DCOS_SERVICE_ACCOUNT_ID: 'rollback-sa', DCOS_SERVICE_ACCOUNT_KEY: pem });
      await expect(client.deployments()).resolves.toEqual([]);
      expect(client.auth.description).toBe('DC/OS service account rollback-sa');
      // Any line of the key is masked, not only the whole of it.
      const line = pem.split('\n')[3]!;
      expect(redact(`leak ${line}`)).toBe('leak ***');
    });

    it('reads the key from DCOS_SERVICE_ACCOUNT_KEY_FILE (a Jenkins file credential)', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-sa-'));
      writeFileSync(path.join(dir, 'key.pem'), pem);
      nock(DCOS)
        .post('/acs/api/v1/auth/login', (b) => verifyLogin(b, 'rollback-sa'))
        .reply(200, { token: 'sa-token-2' })
        .get('/service/marathon/v2/deployments')
        .reply(200, []);
      const client = createMarathonClient({
        target: { kind: 'dcos', url: DCOS },
        env: { DCOS_SERVICE_ACCOUNT_ID: 'rollback-sa', DCOS_SERVICE_ACCOUNT_KEY_FILE: 'key.pem' },
        cwd: dir,
        retry: noWait,
      });
      await expect(client.deployments()).resolves.toEqual([]);
    });

    it('accepts the JSON secret DC/OS stores for a service account', () => {
      const secret = JSON.stringify({
        scheme: 'RS256',
        uid: 'from-secret',
        private_key: pem,
        login_endpoint: `${DCOS}/acs`,
      });
      const { key, uid } = parseServiceAccountKey(secret);
      expect(uid).toBe('from-secret');
      const token = signServiceLoginToken('from-secret', key, Math.floor(Date.now() / 1000) + 300);
      expect(verifyLogin({ uid: 'from-secret', token }, 'from-secret')).toBe(true);
      expect(verifyLogin({ uid: 'from-secret', token }, 'someone-else')).toBe(false);
    });

    it('refuses a key that is not PEM without quoting it', () => {
      let err: UsageError | undefined;
      try {
        dcos({ DCOS_SERVICE_ACCOUNT_ID: 'sa', DCOS_SERVICE_ACCOUNT_KEY: 'not-a-key-but-secret-text' });
      } catch (e) {
        err = e as UsageError;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect(err!.message).not.toContain('not-a-key-but-secret-text');
    });

    it('refuses an unreadable key file with the variable name', () => {
      expect(() =>
        dcos({ DCOS_SERVICE_ACCOUNT_ID: 'sa', DCOS_SERVICE_ACCOUNT_KEY_FILE: '/nonexistent/key.pem' }),
      ).toThrow(/DCOS_SERVICE_ACCOUNT_KEY_FILE/);
    });
  });
});
