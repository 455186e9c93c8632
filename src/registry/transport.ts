import { AuthError, UnavailableError, isRollbackError } from '../errors';
import { createLimiter, type Limiter } from '../http/limiter';
import type { Answer, Requester } from '../http/requester';
import { withRetries, type RetryPolicy } from '../http/retry';
import { RegistryAuth, type Credentials } from './auth';
import { networkFailure } from './failures';
import type { RequestKind, RequestStats } from './stats';

/**
 * How one registry request travels: a slot of the limiter (--concurrency), the Authorization for
 * the origin it goes to, retries, redirects, and answering 401s. Never throws for a status.
 *
 * Credentials (REGISTRY_USER/REGISTRY_PASSWORD, and tokens got with them) go only to the
 * registry's own origin and to the token realm the registry's own challenge names. A redirect
 * target (blob storage) that challenges too is answered with no credentials: an anonymous token
 * from its realm, or nothing.
 */

export interface TransportOptions {
  /** Registry base URL, for messages. */
  registry: string;
  credentials?: Credentials;
  concurrency: number;
  /** Sends each request, the token services' included. */
  request: Requester;
  stats: RequestStats;
  policy: RetryPolicy;
  signal?: AbortSignal;
}

export interface SendOptions {
  accept?: string;
  maxBytes: number;
  /** False for the /v2/ probe: it only learns how the registry wants to be authenticated. */
  authenticate?: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** A 401 is answered at most this often per request (a scheme learnt, then a token refreshed). */
const MAX_AUTH_ROUNDS = 3;

/** What a hop sent where: the Authorization per origin, to recognise a refused token. */
type Sent = Map<string, string | undefined>;

export class RegistryTransport {
  private readonly origin: string;
  private readonly auth: RegistryAuth;
  /** Anonymous auth for the other origins that challenged us, by origin. */
  private readonly elsewhere = new Map<string, RegistryAuth>();
  private readonly limit: Limiter;

  constructor(private readonly options: TransportOptions) {
    this.origin = new URL(options.registry).origin;
    this.limit = createLimiter(options.concurrency);
    this.auth = this.authFor(options.registry, options.credentials);
  }

  /** Learn from the probe's 401 how to authenticate, when the registry itself sent it. */
  learn(response: Answer): void {
    if (answeredBy(response) === this.origin) this.auth.learn(response);
  }

  async send(
    repository: string | undefined,
    kind: RequestKind,
    method: 'GET' | 'HEAD',
    url: string,
    what: string,
    options: SendOptions,
  ): Promise<Answer> {
    const refreshed = new Set<string>();
    for (let round = 0; ; round++) {
      const sent: Sent = new Map();
      let response: Answer;
      try {
        // Inside the slot: a token taken while queued could be stale by the time it is sent.
        response = await this.limit(() => this.follow(repository, kind, method, url, what, sent, options));
      } catch (err) {
        if (isRollbackError(err)) throw err; // from a token service, or a redirect loop
        throw networkFailure(err, this.options.registry, what);
      }
      if (response.status !== 401 || options.authenticate === false || round >= MAX_AUTH_ROUNDS) {
        return response;
      }
      const origin = answeredBy(response);
      const authorization = sent.get(origin);
      if (origin === this.origin) {
        await this.auth.unauthorized(response, repository, authorization, refreshed.has(origin));
      } else {
        await this.unauthorizedElsewhere(
          origin,
          response,
          repository,
          authorization,
          refreshed.has(origin),
          what,
        );
      }
      if (authorization?.startsWith('Bearer ')) refreshed.add(origin);
    }
  }

  /**
   * Redirects are followed here rather than by axios (follow-redirects costs about as much CPU per
   * request as the rest of axios, and nearly every registry request is answered directly). Blobs
   * on S3, GCS or Azure come back as a 307 to a presigned URL, which gets no Authorization of ours.
   */
  private async follow(
    repository: string | undefined,
    kind: RequestKind,
    method: 'GET' | 'HEAD',
    url: string,
    what: string,
    sent: Sent,
    options: SendOptions,
  ): Promise<Answer> {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {};
      if (options.accept) headers.Accept = options.accept;
      const authorization = await this.authorization(target.origin, repository, what, options);
      if (authorization) headers.Authorization = authorization;
      sent.set(target.origin, authorization);
      this.options.stats.count(hop === 0 ? kind : 'redirect');
      const at = target;
      const response = await withRetries(
        () =>
          this.options.request({
            method,
            url: at,
            headers,
            maxBytes: options.maxBytes,
            signal: this.options.signal,
          }),
        method,
        this.options.policy,
        this.options.signal,
      );
      ANSWERED_BY.set(response, target.origin);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.status) || typeof location !== 'string') return response;
      if (hop >= MAX_REDIRECTS) {
        throw new UnavailableError(
          `${this.options.registry} redirected ${url} more than ${MAX_REDIRECTS} times`,
          { hint: 'the registry or a proxy in front of it is misconfigured' },
        );
      }
      target = new URL(location, target);
    }
  }

  /** What goes to `origin`: ours for the registry, an anonymous token for a host that asked. */
  private async authorization(
    origin: string,
    repository: string | undefined,
    what: string,
    options: SendOptions,
  ): Promise<string | undefined> {
    if (options.authenticate === false) return undefined;
    if (origin === this.origin) return this.auth.authorization(repository);
    const elsewhere = this.elsewhere.get(origin);
    return elsewhere && this.asElsewhere(origin, what, () => elsewhere.authorization(repository));
  }

  /**
   * A 401 from where the registry sent us (blob storage): it may have an anonymous token, never
   * our credentials. Anything the anonymous answer cannot satisfy ends the request.
   */
  private async unauthorizedElsewhere(
    origin: string,
    response: Answer,
    repository: string | undefined,
    sent: string | undefined,
    refreshed: boolean,
    what: string,
  ): Promise<void> {
    let auth = this.elsewhere.get(origin);
    if (!auth) {
      auth = this.authFor(origin, undefined);
      this.elsewhere.set(origin, auth);
    }
    const anonymous = auth;
    await this.asElsewhere(origin, what, () => anonymous.unauthorized(response, repository, sent, refreshed));
  }

  /** An auth failure at another origin, said as what it is: we never send it credentials. */
  private async asElsewhere<T>(origin: string, what: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      throw new AuthError(
        `${origin}, where ${this.options.registry} redirected us while ${what}, wants credentials; REGISTRY_USER and REGISTRY_PASSWORD go only to ${this.options.registry} and the token service it names`,
        { hint: 'storage behind a registry should take presigned URLs; report it to the registry owner' },
      );
    }
  }

  private authFor(registry: string, credentials: Credentials | undefined): RegistryAuth {
    return new RegistryAuth({
      registry,
      credentials,
      request: this.options.request,
      stats: this.options.stats,
      retryPolicy: this.options.policy,
      signal: this.options.signal,
    });
  }
}

/** The origin of the hop that gave each answer of `follow`. */
const ANSWERED_BY = new WeakMap<object, string>();

function answeredBy(response: Answer): string {
  return ANSWERED_BY.get(response) ?? '';
}
