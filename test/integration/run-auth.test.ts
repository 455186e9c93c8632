import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import {
  APP,
  changingRequests,
  dumpDir,
  filesIn,
  imageOf,
  lastLine,
  runArgs,
  runBundle,
  startMarathon,
  startWebhook,
  startWorld,
  type Spawned,
  type World,
} from './run-fixture';

function rsaPem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

describe('run: credentials (bundled helper, real registry, Marathon emulator)', () => {
  const account = rsaPem();
  const stranger = rsaPem();
  const REGISTRY = { user: 'ci-reader', password: 'reg-pa55-Auth' };
  const registryEnv = { REGISTRY_USER: REGISTRY.user, REGISTRY_PASSWORD: REGISTRY.password };
  let world: World;
  const outputs: Spawned[] = [];
  const bundle = async (args: string[], env: NodeJS.ProcessEnv) => {
    const r = await runBundle(args, env);
    outputs.push(r);
    return r;
  };

  beforeAll(async () => {
    world = await startWorld({ registryBasic: REGISTRY });
  });
  afterAll(() => world?.stop());

  describe('DC/OS', () => {
    let marathon: MarathonEmulator;
    let dir: string;
    const args = (...extra: string[]) => runArgs({ dir, dcos: marathon.url }, '--timeout', '20', ...extra);

    beforeEach(async () => {
      marathon = await startMarathon(world, {
        mode: 'dcos',
        users: { jenkins: 'dcos-pa55-Auth' },
        serviceAccounts: { 'rollback-sa': account.publicPem },
      });
      dir = dumpDir(world);
    });
    afterEach(() => marathon?.close());

    it('logs in as a service account with a key file (a Jenkins file credential) and rolls back', async () => {
      const keyDir = mkdtempSync(path.join(os.tmpdir(), 'rollback-key-'));
      const keyFile = path.join(keyDir, 'sa.pem');
      writeFileSync(keyFile, account.privatePem, { mode: 0o600 });
      const result = await bundle(args(), {
        ...registryEnv,
        DCOS_SERVICE_ACCOUNT_ID: 'rollback-sa',
        DCOS_SERVICE_ACCOUNT_KEY_FILE: keyFile,
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('DC/OS service account rollback-sa');
      expect(imageOf(marathon, APP.api)).toBe(`${world.host}/shop/api:1.4.3-develop`);
      const login = marathon.requests.find((r) => r.path === '/acs/api/v1/auth/login')!;
      expect(JSON.parse(login.body)).toEqual({
        uid: 'rollback-sa',
        token: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/),
      });
    });

    it('logs in as a service account with the PEM key in DCOS_SERVICE_ACCOUNT_KEY', async () => {
      const result = await bundle(args('--dry-run'), {
        ...registryEnv,
        DCOS_SERVICE_ACCOUNT_ID: 'rollback-sa',
        DCOS_SERVICE_ACCOUNT_KEY: account.privatePem,
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('/ds/dev/shop/api');
    });

    it.each([
      [
        'a wrong password',
        { DCOS_USER: 'jenkins', DCOS_PASSWORD: 'not-the-pa55word' },
        /DC\/OS refused the login of jenkins: HTTP 401 \(ERR_INVALID_CREDENTIALS/,
      ],
      [
        'a key the account does not have',
        { DCOS_SERVICE_ACCOUNT_ID: 'rollback-sa', DCOS_SERVICE_ACCOUNT_KEY: stranger.privatePem },
        /DC\/OS refused the login of rollback-sa/,
      ],
      [
        'an expired or foreign token',
        { DCOS_TOKEN: 'eyJhbGciOiJSUzI1NiJ9.eyJ1aWQiOiJ4In0.c2lnbmF0dXJl' },
        /refused the credentials \(a DC\/OS token from DCOS_TOKEN\): HTTP 401/,
      ],
      ['no credentials', {}, /refused the credentials \(no credentials\): HTTP 401 \(set DCOS_USER/],
    ])('exits 3 and changes nothing with %s', async (_, credentials, message) => {
      const result = await bundle(args(), { ...registryEnv, ...credentials });
      expect(result.code).toBe(3);
      expect(lastLine(result.stderr)).toMatch(message);
      expect(changingRequests(marathon)).toEqual([]);
      expect(filesIn(dir)).toEqual(['rollback.json']);
    });

    it('exits 3 and changes nothing when the registry refuses its credentials in the preflight', async () => {
      const result = await bundle(args(), {
        DCOS_USER: 'jenkins',
        DCOS_PASSWORD: 'dcos-pa55-Auth',
        REGISTRY_USER: REGISTRY.user,
        REGISTRY_PASSWORD: 'wrong-reg-pass',
      });
      expect(result.code).toBe(3);
      expect(lastLine(result.stderr)).toMatch(/refused the credentials of user ci-reader/);
      expect(changingRequests(marathon)).toEqual([]);
      expect(filesIn(dir)).toEqual(['rollback.json']);
    });
  });

  describe('plain Marathon with HTTP basic', () => {
    let marathon: MarathonEmulator;
    let dir: string;
    const basic = { user: 'deployer', password: 'mar-pa55-Auth' };
    const args = () => runArgs({ dir, marathon: marathon.url }, '--timeout', '20');

    beforeEach(async () => {
      marathon = await startMarathon(world, { basic });
      dir = dumpDir(world);
    });
    afterEach(() => marathon?.close());

    it('exits 3 and changes nothing with a wrong password', async () => {
      const result = await bundle(args(), {
        ...registryEnv,
        MARATHON_USER: basic.user,
        MARATHON_PASSWORD: 'wrong-mar-pass',
      });
      expect(result.code).toBe(3);
      expect(lastLine(result.stderr)).toMatch(
        /refused the credentials \(HTTP basic as deployer\): HTTP 401 \(check MARATHON_USER and MARATHON_PASSWORD\)/,
      );
      expect(changingRequests(marathon)).toEqual([]);
      expect(filesIn(dir)).toEqual(['rollback.json']);
    });

    it('goes on when Slack fails, with a warning that does not show the webhook URL', async () => {
      const webhook = await startWebhook({ fail: true });
      try {
        const result = await bundle(args(), {
          ...registryEnv,
          MARATHON_USER: basic.user,
          MARATHON_PASSWORD: basic.password,
          SLACK_WEBHOOK_URL: webhook.url,
        });
        expect(result.code).toBe(0);
        expect(result.stderr).toContain(
          'warning: Slack did not take the message (HTTP 500: internal_error); the rollback goes on',
        );
        // Both messages were tried (with retries), and the rollback happened.
        expect(webhook.raw.length).toBeGreaterThanOrEqual(2);
        expect(imageOf(marathon, APP.billing)).toBe(`${world.host}/shop/billing:1.3.0-develop`);
      } finally {
        await webhook.close();
      }
    });
  });

  it('never shows a password, key, token or the webhook URL in any output', () => {
    const keyLines = account.privatePem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    const secrets = [
      'dcos-pa55-Auth',
      'not-the-pa55word',
      'mar-pa55-Auth',
      'wrong-mar-pass',
      REGISTRY.password,
      'wrong-reg-pass',
      's3cr3tW3bh00kT0ken',
      ...keyLines,
    ];
    // The outputs were captured (user names are not secret and do show up).
    expect(outputs.map((o) => o.stderr).join('\n')).toContain('DC/OS user jenkins');
    expect(outputs.length).toBeGreaterThanOrEqual(9);
    for (const o of outputs)
      for (const secret of secrets) {
        expect(o.stdout).not.toContain(secret);
        expect(o.stderr).not.toContain(secret);
      }
  });
});
