import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { registryKinds } from '../support/registries';
import type { RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { startTokenAuth, type TokenAuth } from '../support/token-server';
import { nov, removeTempDirs, runGet, tempDir } from './get-support';

async function seed(target: RealRegistry): Promise<void> {
  await pushImage(target, 'team/svc', '1.0.0-develop', { kind: 'schema2', created: nov(20) });
  await pushImage(target, 'team/svc', '1.1.0-develop', { kind: 'oci', annotation: nov(21) });
  await pushImage(target, 'team/web', '2.0.0-develop', { kind: 'schema2', created: nov(10) });
  await pushImage(target, 'team/web', '2.1.0-develop', { kind: 'schema2', created: nov(11) });
}

/** Credentials come only from REGISTRY_USER / REGISTRY_PASSWORD and never show up anywhere. */
describe.each(registryKinds)('get against $name: authentication', (kind) => {
  const user = 'ci-bot';
  const password = 'Pa55-w0rd-never-printed';
  const env = { REGISTRY_USER: user, REGISTRY_PASSWORD: password };
  const repos = 'team/svc,team/web';
  const expectedDates = ['2026-11-21', '2026-11-20', '2026-11-11', '2026-11-10'];

  afterAll(() => removeTempDirs());

  describe('htpasswd basic auth', () => {
    let reg: RealRegistry;
    beforeAll(async () => {
      reg = await kind.start({ basic: { user, password } });
      await seed(reg);
    });
    afterAll(() => reg?.stop());

    it('reads the registry with the right password', async () => {
      const run = await runGet(['--registry', reg.url, '--repo', repos, '--env', 'develop'], env);
      expect(run.stderr).not.toMatch(/^rollback: /m);
      expect(run.code).toBe(0);
      expect(run.dates).toEqual(expectedDates);
      expect(readFileSync(path.join(run.dir, 'rollback.json'), 'utf8')).not.toContain(password);
      expect(run.stderr).not.toContain(password);
    });

    it('refuses a wrong password with one line naming the repository, and keeps the old catalog', async () => {
      const dir = tempDir();
      const catalog = path.join(dir, 'rollback.json');
      writeFileSync(catalog, '{"previous": "catalog"}\n');
      const wrong = 'Wr0ng-but-secret-too';
      const run = await runGet(
        ['--registry', reg.url, '--repo', 'team/svc', '--env', 'develop', '--dump', dir, '-q'],
        {
          REGISTRY_USER: user,
          REGISTRY_PASSWORD: wrong,
        },
      );
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `rollback: ${reg.url} refused the credentials of user ${user} for repository team/svc (check REGISTRY_USER and REGISTRY_PASSWORD)\n`,
      );
      expect(run.stdout).toBe('');
      expect(readFileSync(catalog, 'utf8')).toBe('{"previous": "catalog"}\n');
    });

    it('asks for credentials when none are set', async () => {
      const run = await runGet(['--registry', reg.url, '--repo', 'team/svc', '--env', 'develop', '-q'], {});
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `rollback: ${reg.url} requires credentials for repository team/svc (set REGISTRY_USER and REGISTRY_PASSWORD)\n`,
      );
    });
  });

  describe('bearer tokens from the challenge', () => {
    let reg: RealRegistry;
    beforeAll(async () => {
      reg = await kind.start();
      await seed(reg);
    });
    afterAll(() => reg?.stop());

    let auth: TokenAuth | undefined;
    afterEach(async () => {
      await auth?.stop();
      auth = undefined;
    });

    it('gets one token per repository, scoped to pull it, with the credentials', async () => {
      auth = await startTokenAuth(reg.url, { users: { [user]: password } });
      const run = await runGet(['--registry', auth.url, '--repo', repos, '--env', 'develop'], env);
      expect(run.stderr).not.toMatch(/^rollback: /m);
      expect(run.code).toBe(0);
      expect(run.dates).toEqual(expectedDates);
      expect(auth.tokenRequests.map((r) => [r.user, r.scopes])).toEqual(
        expect.arrayContaining([
          [user, ['repository:team/svc:pull']],
          [user, ['repository:team/web:pull']],
        ]),
      );
      expect(auth.tokenRequests).toHaveLength(2);
      // The /v2/ probe learnt the scheme: no request of the run was refused afterwards.
      expect(auth.refused).toBe(1);
      expect(run.stderr).not.toContain(password);
    });

    it('takes access_token answers and anonymous tokens', async () => {
      auth = await startTokenAuth(reg.url, { field: 'access_token' });
      const run = await runGet(['--registry', auth.url, '--repo', repos, '--env', 'develop'], {});
      expect(run.code).toBe(0);
      expect(run.dates).toEqual(expectedDates);
      expect(auth.tokenRequests.every((r) => r.user === undefined)).toBe(true);
    });

    it('refreshes a token the registry stops accepting and goes on', async () => {
      auth = await startTokenAuth(reg.url, { users: { [user]: password }, usesPerToken: 2 });
      const run = await runGet(
        ['--registry', auth.url, '--repo', repos, '--env', 'develop', '--concurrency', '1'],
        env,
      );
      expect(run.stderr).not.toMatch(/^rollback: /m);
      expect(run.code).toBe(0);
      expect(run.dates).toEqual(expectedDates);
      // On tokens good for 2 uses: team/web makes 5 requests (tag list, 2 manifests, 2 configs),
      // so 3 tokens; team/svc makes 4 (its OCI image is dated by its annotation), so 2 tokens. The
      // gate refused the probe and each request that came with a used-up token.
      expect(auth.tokenRequests).toHaveLength(3 + 2);
      expect(auth.refused).toBe(1 + 2 + 1);
    });

    it('gives up after one refresh when fresh tokens are refused too', async () => {
      auth = await startTokenAuth(reg.url, { users: { [user]: password }, rejectTokens: true });
      const run = await runGet(['--registry', auth.url, '--repo', 'team/svc', '--env', 'develop', '-q'], env);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `rollback: ${auth.url} rejected the token from ${auth.realm} for repository team/svc (check that team/svc exists and that REGISTRY_USER ${user} may pull it)\n`,
      );
      expect(auth.tokenRequests).toHaveLength(2);
    });

    it('reports credentials the token service refuses', async () => {
      auth = await startTokenAuth(reg.url, { users: { [user]: password } });
      const run = await runGet(['--registry', auth.url, '--repo', 'team/svc', '--env', 'develop', '-q'], {
        REGISTRY_USER: user,
        REGISTRY_PASSWORD: 'not-the-password',
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `rollback: token service ${new URL(auth.realm).origin} refused the credentials of user ${user} for repository team/svc (check REGISTRY_USER and REGISTRY_PASSWORD)\n`,
      );
    });
  });
});
