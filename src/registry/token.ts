import { AuthError, UnavailableError } from '../errors';
import type { Answer, Requester } from '../http/requester';
import { withRetries, type RetryPolicy } from '../http/retry';
import { registerSecret } from '../util/secrets';
import type { Credentials } from './auth';
import { errorDetail, networkFailure } from './failures';
import type { RequestStats } from './stats';

/**
 * One request to the token service a registry's Bearer challenge names (distribution's
 * auth/token.md): `GET realm?service=…&scope=repository:NAME:pull`, with Basic credentials when
 * there are any. Redirects are followed, the credentials only while they stay on the realm's origin.
 */

export interface Token {
  value: string;
  expiresAt: number;
}

export interface TokenRequest {
  /** Registry base URL, for messages and to compare schemes with the realm. */
  registry: string;
  realm: string;
  service?: string;
  scope: string;
  credentials?: Credentials;
  request: Requester;
  retryPolicy?: RetryPolicy;
  signal?: AbortSignal;
  stats?: RequestStats;
  now: number;
}

/** Tokens are never used in their last seconds: a request can be slow to arrive. */
const TOKEN_MARGIN_MS = 10_000;
/** distribution's token.md: a missing expires_in means 60 s, and less "should never be returned". */
const MIN_TOKEN_LIFETIME_S = 60;
/** Far more than any token answer weighs. */
const MAX_TOKEN_BYTES = 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export async function fetchToken(t: TokenRequest): Promise<Token> {
  const creds = t.credentials;
  const repository = t.scope.split(':')[1] ?? '';
  const realmUrl = new URL(t.realm);
  if (creds && realmUrl.protocol === 'http:' && new URL(t.registry).protocol === 'https:') {
    throw new AuthError(`${t.registry} wants credentials sent over plain http to ${t.realm}`, {
      hint: 'refusing to send REGISTRY_PASSWORD unencrypted; ask the registry owner to serve the token realm over https',
    });
  }
  if (t.service !== undefined) realmUrl.searchParams.set('service', t.service);
  realmUrl.searchParams.append('scope', t.scope);
  const what = `getting a token for ${repository}`;
  const authorization = creds
    ? `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`
    : undefined;

  t.stats?.count('token');
  let res: Answer;
  try {
    res = await follow(t, realmUrl, authorization);
  } catch (err) {
    if (err instanceof UnavailableError) throw err;
    throw networkFailure(err, realmUrl.origin, what);
  }
  if (res.status === 401 || res.status === 403) {
    throw new AuthError(
      creds
        ? `token service ${realmUrl.origin} refused the credentials of user ${creds.user} for repository ${repository}`
        : `token service ${realmUrl.origin} requires credentials for repository ${repository}`,
      {
        hint: creds ? 'check REGISTRY_USER and REGISTRY_PASSWORD' : 'set REGISTRY_USER and REGISTRY_PASSWORD',
      },
    );
  }
  if (res.status !== 200) {
    const detail = errorDetail(res.data);
    throw new UnavailableError(
      `token service ${realmUrl.origin} answered ${res.status}${detail ? ` ${detail}` : ''} while ${what}`,
      { hint: 'retry later; if it persists, ask the registry owner' },
    );
  }
  let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown } | undefined;
  try {
    parsed = JSON.parse(res.data.toString('utf8')) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  // Both spellings exist in the wild (distribution's token.md allows either).
  const value =
    typeof parsed?.token === 'string' && parsed.token
      ? parsed.token
      : typeof parsed?.access_token === 'string' && parsed.access_token
        ? parsed.access_token
        : undefined;
  if (!value) {
    throw new UnavailableError(`token service ${realmUrl.origin} sent no token while ${what}`, {
      hint: 'it must answer {"token": "..."} or {"access_token": "..."}',
    });
  }
  registerSecret(value);
  const lifetime =
    typeof parsed?.expires_in === 'number' && Number.isFinite(parsed.expires_in)
      ? Math.max(MIN_TOKEN_LIFETIME_S, parsed.expires_in)
      : MIN_TOKEN_LIFETIME_S;
  return { value, expiresAt: t.now + lifetime * 1000 - TOKEN_MARGIN_MS };
}

/** The token request, through redirects; the credentials go no further than the realm's origin. */
async function follow(t: TokenRequest, realm: URL, authorization: string | undefined): Promise<Answer> {
  let url = realm;
  for (let hop = 0; ; hop++) {
    const at = url;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (authorization && at.origin === realm.origin) headers.Authorization = authorization;
    const res = await withRetries(
      () => t.request({ method: 'GET', url: at, headers, maxBytes: MAX_TOKEN_BYTES, signal: t.signal }),
      'GET',
      t.retryPolicy,
      t.signal,
    );
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || typeof location !== 'string') return res;
    if (hop >= MAX_REDIRECTS) {
      throw new UnavailableError(
        `token service ${realm.origin} redirected more than ${MAX_REDIRECTS} times`,
        {
          hint: 'the token service or a proxy in front of it is misconfigured',
        },
      );
    }
    url = new URL(location, at);
  }
}
