import type { AxiosInstance, AxiosResponse } from 'axios';
import { AuthError, UnavailableError, UsageError } from '../errors';
import { requestWithRetry, type RetryPolicy } from '../http/retry';
import { registerSecret } from '../util/secrets';
import { parseChallenges, type Challenge } from './challenge';
import { errorDetail, networkFailure } from './failures';
import type { RequestStats } from './stats';

/**
 * How to authenticate to one registry: anonymous, HTTP Basic, or Bearer tokens from the token
 * service the 401 challenge names. Learned from challenges, never guessed: credentials are only
 * sent where the registry asked for them.
 */

export interface Credentials {
  user: string;
  password: string;
}

/** REGISTRY_USER / REGISTRY_PASSWORD, both or neither; registered as secrets at once. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credentials | undefined {
  const user = env.REGISTRY_USER ?? '';
  const password = env.REGISTRY_PASSWORD ?? '';
  registerSecret(password);
  if (!user && !password) return undefined;
  if (!user || !password) {
    throw new UsageError(
      `REGISTRY_${user ? 'PASSWORD' : 'USER'} is empty but REGISTRY_${user ? 'USER' : 'PASSWORD'} is set`,
      { hint: 'set both for a registry that needs credentials, or neither for anonymous access' },
    );
  }
  registerSecret(`${user}:${password}`);
  return { user, password };
}

/** An answer with its headers, whichever client got it. */
interface Challenged {
  headers: Record<string, unknown>;
}

interface Token {
  value: string;
  expiresAt: number;
}

/** Tokens are never used in their last seconds: a request can be slow to arrive. */
const TOKEN_MARGIN_MS = 10_000;
/** distribution's token.md: a missing expires_in means 60 s, and less "should never be returned". */
const MIN_TOKEN_LIFETIME_S = 60;

export interface RegistryAuthOptions {
  /** Registry base URL, for messages and to compare origins with the realm. */
  registry: string;
  credentials?: Credentials;
  http: AxiosInstance;
  stats?: RequestStats;
  retryPolicy?: RetryPolicy;
  signal?: AbortSignal;
  now?: () => number;
}

export class RegistryAuth {
  private scheme: 'anonymous' | 'basic' | 'bearer' = 'anonymous';
  private bearer: { realm: string; service?: string } | undefined;
  private readonly tokens = new Map<string, Promise<Token>>();
  private readonly now: () => number;

  constructor(private readonly options: RegistryAuthOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The Authorization header for a request to `repository` (undefined: the /v2/ probe). */
  async authorization(repository: string | undefined): Promise<string | undefined> {
    const creds = this.options.credentials;
    if (this.scheme === 'basic' && creds) {
      return `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
    }
    if (this.scheme === 'bearer' && repository !== undefined) {
      return `Bearer ${(await this.token(scopeFor(repository))).value}`;
    }
    return undefined;
  }

  /**
   * Learn from a 401. Returns when sending the request again can succeed (the scheme is now known,
   * or a token was dropped to be refreshed once); throws an AuthError naming the repository when
   * it cannot.
   */
  async unauthorized(
    response: Challenged,
    repository: string | undefined,
    sent: string | undefined,
    refreshed: boolean,
  ): Promise<void> {
    const where = repository ? ` for repository ${repository}` : '';
    const challenges = parseChallenges(response.headers['www-authenticate'] as string | undefined);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && isHttpUrl(c.params.realm));
    const basic = challenges.find((c) => c.scheme === 'basic');
    const creds = this.options.credentials;

    if (bearer) {
      this.useBearer(bearer);
      if (sent?.startsWith('Bearer ')) {
        if (refreshed || repository === undefined) {
          throw new AuthError(
            `${this.options.registry} rejected the token from ${this.bearer!.realm}${where}`,
            {
              // Docker Hub and others answer a missing repository this way too.
              hint: creds
                ? `check that ${repository ?? 'it'} exists and that REGISTRY_USER ${creds.user} may pull it`
                : 'check the name; set REGISTRY_USER and REGISTRY_PASSWORD if the repository is private',
            },
          );
        }
        // Expired or revoked: drop it (unless a concurrent request already replaced it) and fetch
        // a fresh one, once.
        const scope = scopeFor(repository);
        const cached = this.tokens.get(scope);
        if (cached && `Bearer ${(await cached.catch(() => undefined))?.value}` === sent) {
          this.tokens.delete(scope);
        }
      }
      return;
    }
    if (basic) {
      if (!creds) {
        throw new AuthError(`${this.options.registry} requires credentials${where}`, {
          hint: 'set REGISTRY_USER and REGISTRY_PASSWORD',
        });
      }
      if (sent?.startsWith('Basic ')) {
        throw new AuthError(
          `${this.options.registry} refused the credentials of user ${creds.user}${where}`,
          {
            hint: 'check REGISTRY_USER and REGISTRY_PASSWORD',
          },
        );
      }
      this.scheme = 'basic';
      return;
    }
    throw new AuthError(
      `${this.options.registry} answered 401${where} without a challenge rollback can answer (${
        String(response.headers['www-authenticate'] ?? 'no WWW-Authenticate header') || 'empty'
      })`,
      { hint: 'check REGISTRY_USER and REGISTRY_PASSWORD, and that --registry is the registry itself' },
    );
  }

  /** Learn the scheme from the /v2/ probe's 401 without deciding anything yet. */
  learn(response: Challenged): void {
    const challenges = parseChallenges(response.headers['www-authenticate'] as string | undefined);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && isHttpUrl(c.params.realm));
    if (bearer) this.useBearer(bearer);
    else if (challenges.some((c) => c.scheme === 'basic') && this.options.credentials) this.scheme = 'basic';
  }

  private useBearer(challenge: Challenge): void {
    const realm = challenge.params.realm!;
    const service = challenge.params.service;
    if (this.bearer?.realm !== realm || this.bearer?.service !== service) {
      this.bearer = { realm, ...(service !== undefined ? { service } : {}) };
      this.tokens.clear();
    }
    this.scheme = 'bearer';
  }

  private token(scope: string): Promise<Token> {
    const cached = this.tokens.get(scope);
    if (cached) {
      // A settled, expired token is replaced; a pending one is shared by every waiting request.
      const check = cached.then((t) => (t.expiresAt > this.now() ? t : this.refresh(scope, cached)));
      return check;
    }
    return this.refresh(scope, undefined);
  }

  private refresh(scope: string, stale: Promise<Token> | undefined): Promise<Token> {
    const current = this.tokens.get(scope);
    if (current && current !== stale) return current;
    const fresh = this.fetchToken(scope);
    this.tokens.set(scope, fresh);
    // A failed fetch is not cached: the next request asks again (and reports its own error).
    fresh.catch(() => {
      if (this.tokens.get(scope) === fresh) this.tokens.delete(scope);
    });
    return fresh;
  }

  private async fetchToken(scope: string): Promise<Token> {
    const { realm, service } = this.bearer!;
    const creds = this.options.credentials;
    const repository = scope.split(':')[1] ?? '';
    const realmUrl = new URL(realm);
    if (creds && realmUrl.protocol === 'http:' && new URL(this.options.registry).protocol === 'https:') {
      throw new AuthError(`${this.options.registry} wants credentials sent over plain http to ${realm}`, {
        hint: 'refusing to send REGISTRY_PASSWORD unencrypted; ask the registry owner to serve the token realm over https',
      });
    }
    if (service !== undefined) realmUrl.searchParams.set('service', service);
    realmUrl.searchParams.append('scope', scope);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (creds)
      headers.Authorization = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
    const what = `getting a token for ${repository}`;

    let res: AxiosResponse<ArrayBuffer>;
    this.options.stats?.count('token');
    try {
      res = await requestWithRetry<ArrayBuffer>(
        this.options.http,
        {
          method: 'GET',
          url: realmUrl.href,
          headers,
          responseType: 'arraybuffer',
          signal: this.options.signal,
        },
        this.options.retryPolicy,
      );
    } catch (err) {
      throw networkFailure(err, realmUrl.origin, what);
    }
    const body = Buffer.from(res.data ?? []);
    if (res.status === 401 || res.status === 403) {
      throw new AuthError(
        creds
          ? `token service ${realmUrl.origin} refused the credentials of user ${creds.user} for repository ${repository}`
          : `token service ${realmUrl.origin} requires credentials for repository ${repository}`,
        {
          hint: creds
            ? 'check REGISTRY_USER and REGISTRY_PASSWORD'
            : 'set REGISTRY_USER and REGISTRY_PASSWORD',
        },
      );
    }
    if (res.status !== 200) {
      const detail = errorDetail(body);
      throw new UnavailableError(
        `token service ${realmUrl.origin} answered ${res.status}${detail ? ` ${detail}` : ''} while ${what}`,
        { hint: 'retry later; if it persists, ask the registry owner' },
      );
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown } | undefined;
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
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
    return { value, expiresAt: this.now() + lifetime * 1000 - TOKEN_MARGIN_MS };
  }
}

export function scopeFor(repository: string): string {
  return `repository:${repository}:pull`;
}

function isHttpUrl(value: string | undefined): value is string {
  if (!value) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
