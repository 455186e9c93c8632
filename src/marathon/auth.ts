import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AxiosInstance } from 'axios';
import { AuthError, UnavailableError, UsageError } from '../errors';
import { requestWithRetry, type RetryPolicy } from '../http/retry';
import { registerSecret } from '../util/secrets';
import { TLS_FIX, tlsFailureCode } from '../util/tls';

/**
 * Credentials for Marathon, from the environment only (never flags: a command line shows up in
 * `ps` and in Jenkins logs). Plain Marathon uses HTTP Basic; a DC/OS cluster wants
 * `Authorization: token=<JWT>` obtained by logging in as a user or as a service account (an RS256
 * login token signed with the account's private key), or a ready token.
 */

export type MarathonTarget = { kind: 'marathon'; url: string } | { kind: 'dcos'; url: string };

export interface MarathonAuth {
  /** What is used, for the log: never the secret itself. */
  readonly description: string;
  /** The Authorization header value, logging in first if needed. */
  header(): Promise<string | undefined>;
  /** After a 401: log in again when that can help (an expired DC/OS token); false otherwise. */
  renew(refused?: string): Promise<boolean>;
  /** Which variables to check when the credentials are refused. */
  readonly hint: string;
}

/** A DC/OS service login token may live at most ten minutes (IAM rejects longer ones). */
const SERVICE_LOGIN_LIFETIME_S = 300;

export interface AuthOptions {
  http: AxiosInstance;
  cwd?: string;
  retry?: RetryPolicy;
  now?: () => number;
}

function pair(env: NodeJS.ProcessEnv, user: string, password: string): [string, string] | undefined {
  const u = env[user];
  const p = env[password];
  if (!u && !p) return undefined;
  if (!u || !p) throw new UsageError(`set both ${user} and ${password}, or neither`);
  return [u, p];
}

export function marathonAuthFromEnv(
  target: MarathonTarget,
  env: NodeJS.ProcessEnv,
  options: AuthOptions,
): MarathonAuth {
  if (target.kind === 'marathon') {
    const basic = pair(env, 'MARATHON_USER', 'MARATHON_PASSWORD');
    const hint = 'set MARATHON_USER and MARATHON_PASSWORD for a Marathon with HTTP basic auth';
    if (!basic)
      return { description: 'no credentials', hint, header: async () => undefined, renew: async () => false };
    registerSecret(basic[1]);
    registerSecret(`${basic[0]}:${basic[1]}`);
    const value = `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}`;
    return {
      description: `HTTP basic as ${basic[0]}`,
      hint: 'check MARATHON_USER and MARATHON_PASSWORD',
      header: async () => value,
      renew: async () => false,
    };
  }
  return dcosAuth(target.url, env, options);
}

type DcosLogin = { uid: string; body: () => Record<string, string>; description: string; hint: string };

function dcosAuth(clusterUrl: string, env: NodeJS.ProcessEnv, options: AuthOptions): MarathonAuth {
  const now = options.now ?? Date.now;
  const login = dcosLoginFromEnv(env, options.cwd ?? process.cwd(), now);
  const ready = env.DCOS_TOKEN;
  registerSecret(ready);
  if (!login) {
    if (ready) {
      return {
        description: 'a DC/OS token from DCOS_TOKEN',
        hint: 'DCOS_TOKEN was refused (expired?); set DCOS_USER/DCOS_PASSWORD or a service account instead',
        header: async () => `token=${ready}`,
        renew: async () => false,
      };
    }
    return {
      description: 'no credentials',
      hint: 'set DCOS_USER/DCOS_PASSWORD, DCOS_SERVICE_ACCOUNT_ID/DCOS_SERVICE_ACCOUNT_KEY, or DCOS_TOKEN',
      header: async () => undefined,
      renew: async () => false,
    };
  }
  let token: Promise<string> | undefined = ready ? Promise.resolve(ready) : undefined;
  const fetchToken = () => dcosLogin(clusterUrl, login, options);
  return {
    description: login.description,
    hint: login.hint,
    header: async () => `token=${await (token ??= fetchToken())}`,
    renew: async (refused) => {
      // Requests in flight when the token expires are all refused at once: the first one logs in,
      // the others use its new token instead of logging in again each.
      const current = token && `token=${await token.catch(() => '')}`;
      if (refused === undefined || current === refused) token = fetchToken();
      await token;
      return true;
    },
  };
}

function dcosLoginFromEnv(env: NodeJS.ProcessEnv, cwd: string, now: () => number): DcosLogin | undefined {
  const accountId = env.DCOS_SERVICE_ACCOUNT_ID;
  const keyText = env.DCOS_SERVICE_ACCOUNT_KEY;
  const keyFile = env.DCOS_SERVICE_ACCOUNT_KEY_FILE;
  registerKeyText(keyText);
  if (accountId || keyText || keyFile) {
    if (keyText && keyFile)
      throw new UsageError('set DCOS_SERVICE_ACCOUNT_KEY or DCOS_SERVICE_ACCOUNT_KEY_FILE, not both');
    let text = keyText;
    if (keyFile) {
      try {
        text = readFileSync(path.resolve(cwd, keyFile), 'utf8');
      } catch (err) {
        throw new UsageError(
          `cannot read DCOS_SERVICE_ACCOUNT_KEY_FILE ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      registerKeyText(text);
    }
    if (!text)
      throw new UsageError(
        'DCOS_SERVICE_ACCOUNT_ID is set but no key: set DCOS_SERVICE_ACCOUNT_KEY (PEM) or DCOS_SERVICE_ACCOUNT_KEY_FILE',
      );
    const { key, uid: uidInKey } = parseServiceAccountKey(text);
    const uid = accountId ?? uidInKey;
    if (!uid) throw new UsageError('set DCOS_SERVICE_ACCOUNT_ID to the service account the key belongs to');
    return {
      uid,
      description: `DC/OS service account ${uid}`,
      hint: 'check DCOS_SERVICE_ACCOUNT_ID and its private key',
      body: () => {
        const serviceLogin = signServiceLoginToken(
          uid,
          key,
          Math.floor(now() / 1000) + SERVICE_LOGIN_LIFETIME_S,
        );
        registerSecret(serviceLogin);
        return { uid, token: serviceLogin };
      },
    };
  }
  const user = pair(env, 'DCOS_USER', 'DCOS_PASSWORD');
  if (!user) return undefined;
  registerSecret(user[1]);
  return {
    uid: user[0],
    description: `DC/OS user ${user[0]}`,
    hint: 'check DCOS_USER and DCOS_PASSWORD',
    body: () => ({ uid: user[0], password: user[1] }),
  };
}

/** A PEM key leaks line by line as easily as whole, so every line of it is masked. */
function registerKeyText(text: string | undefined): void {
  if (!text) return;
  registerSecret(text);
  registerSecret(text.trim());
  for (const line of text.split(/\r?\n|\\n/)) {
    if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line.trim());
  }
}

/**
 * PEM text of an RSA private key, or the JSON secret DC/OS itself stores for a service account
 * (`dcos security secrets create-sa-secret`: {"uid","private_key","scheme":"RS256",...}).
 */
export function parseServiceAccountKey(text: string): { key: KeyObject; uid?: string } {
  let pem = text.trim();
  let uid: string | undefined;
  if (pem.startsWith('{')) {
    try {
      const secret = JSON.parse(pem) as { uid?: unknown; private_key?: unknown };
      if (typeof secret.private_key === 'string') pem = secret.private_key;
      if (typeof secret.uid === 'string') uid = secret.uid;
    } catch {
      // Not JSON after all: let the PEM parser report it.
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.replace(/\\n/g, '\n'));
  } catch {
    // Never echo the key or the parser's message (it may quote it).
    throw new UsageError('the DC/OS service account key is not a PEM private key', {
      hint: 'DCOS_SERVICE_ACCOUNT_KEY must hold the PEM text, DCOS_SERVICE_ACCOUNT_KEY_FILE its path',
    });
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new UsageError('the DC/OS service account key must be an RSA key (DC/OS service logins use RS256)');
  return { key, ...(uid ? { uid } : {}) };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The service login token: an RS256 JWT {uid, exp} signed with the account's private key. */
export function signServiceLoginToken(uid: string, key: KeyObject, exp: number): string {
  const unsigned = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(JSON.stringify({ uid, exp }))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key);
  return `${unsigned}.${base64url(signature)}`;
}

async function dcosLogin(clusterUrl: string, login: DcosLogin, options: AuthOptions): Promise<string> {
  const url = `${clusterUrl.replace(/\/+$/, '')}/acs/api/v1/auth/login`;
  let response;
  try {
    // Like every POST, sent again only when it cannot have reached DC/OS (see requestWithRetry).
    response = await requestWithRetry<unknown>(
      options.http,
      { method: 'POST', url, data: login.body(), headers: { 'Content-Type': 'application/json' } },
      options.retry,
    );
  } catch (err) {
    const tls = tlsFailureCode(err);
    if (tls)
      throw new UnavailableError(`TLS check of the DC/OS login at ${url} failed (${tls})`, { hint: TLS_FIX });
    throw new UnavailableError(`cannot reach the DC/OS login at ${url}: ${describeNetworkError(err)}`, {
      hint: 'check --dcos',
    });
  }
  const body = response.data as { token?: unknown; code?: unknown; description?: unknown } | undefined;
  if (response.status === 200 && typeof body?.token === 'string' && body.token.length > 0) {
    registerSecret(body.token);
    return body.token;
  }
  const detail =
    body && typeof body === 'object' && (body.code || body.description)
      ? ` (${[body.code, body.description].filter((x) => typeof x === 'string').join(': ')})`
      : '';
  if (response.status === 401 || response.status === 403 || response.status === 400) {
    throw new AuthError(`DC/OS refused the login of ${login.uid}: HTTP ${response.status}${detail}`, {
      hint: login.hint,
    });
  }
  throw new UnavailableError(
    `the DC/OS login at ${url} answered HTTP ${response.status}${detail} instead of a token`,
    { hint: 'check --dcos: it must be the cluster URL, not the Marathon URL' },
  );
}

export function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}
