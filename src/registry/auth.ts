import { AuthError, UsageError } from '../errors';
import type { Requester } from '../http/requester';
import type { RetryPolicy } from '../http/retry';
import { registerSecret } from '../util/secrets';
import { parseChallenges, type Challenge } from './challenge';
import type { RequestStats } from './stats';
import { fetchToken, type Token } from './token';

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

export interface RegistryAuthOptions {
  /** Registry base URL, for messages and to compare origins with the realm. */
  registry: string;
  credentials?: Credentials;
  /** Sends the token service's requests. */
  request: Requester;
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

  private fetchToken(scope: string): Promise<Token> {
    const { realm, service } = this.bearer!;
    return fetchToken({
      registry: this.options.registry,
      realm,
      ...(service !== undefined ? { service } : {}),
      scope,
      credentials: this.options.credentials,
      request: this.options.request,
      retryPolicy: this.options.retryPolicy,
      signal: this.options.signal,
      stats: this.options.stats,
      now: this.now(),
    });
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
