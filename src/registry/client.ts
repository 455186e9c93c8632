import type { AxiosInstance } from 'axios';
import { BadAnswerError, InputError, UnavailableError } from '../errors';
import { proxyConfigured, type HttpClientOptions, type TlsOptions } from '../http/agents';
import { axiosRequester } from '../http/axios-requester';
import { createRequester, type Answer, type Requester } from '../http/requester';
import { defaultRetryPolicy, type RetryPolicy } from '../http/retry';
import type { Credentials } from './auth';
import { digestedBytes, matchesDigest, sha256Digest } from './digest';
import { errorDetail, statusFailure } from './failures';
import { DIGEST, MANIFEST_ACCEPT, parseManifest, type Manifest, type ParseResult } from './manifest';
import { RequestStats, type RequestKind } from './stats';
import { MAX_TAG_PAGE_BYTES, nextPageUrl, parseTagPage } from './tags';
import { RegistryTransport, type SendOptions } from './transport';

/**
 * The Docker Registry HTTP API v2 as `get` needs it: tag lists (every page), manifests (GET and
 * HEAD) and blobs. Every request goes through one limiter (--concurrency) over keep-alive sockets,
 * with retries (defaultRetryPolicy: 429, 500, 502-504 and network errors, up to 8 times within
 * 15 s), auth learned from challenges, and a status mapped to a typed error that names the
 * repository. Answers are checked here, at the boundary.
 */

export interface RegistryClientOptions {
  /** Base URL without a trailing slash, e.g. https://registry.example.com */
  registry: string;
  credentials?: Credentials;
  concurrency: number;
  tls?: TlsOptions;
  timeoutMs?: number;
  /** Longest one request may take, start to last byte (default: the HTTP client's minute). */
  deadlineMs?: number;
  retryPolicy?: RetryPolicy;
  stats?: RequestStats;
  signal?: AbortSignal;
  /** For tests: an axios instance of one's own. */
  http?: AxiosInstance;
}

export interface FetchedManifest {
  /** The digest of what was fetched; undefined only for a schema1 manifest sent without one. */
  digest: string | undefined;
  manifest: ParseResult<Manifest>;
}

const MAX_MANIFEST_BYTES = 8 * 1024 * 1024; // regclient's limit too
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** Far beyond any real repository; stops a registry that links pages in a circle we cannot see. */
const MAX_TAG_PAGES = 10_000;
/**
 * Tags kept per repository: far above any real one (the load test has 200, large registries a few
 * thousand), and it keeps a registry whose pages never end, each with new tags, from filling our
 * memory long before MAX_TAG_PAGES stops it (a gigabyte at 1000 tags a page).
 */
export const MAX_TAGS_PER_REPOSITORY = 100_000;
/** Asked for, not relied on: distribution 2.8 ignores it, ECR refuses more than 1000. */
const TAG_PAGE_SIZE = 1000;

export class RegistryClient {
  readonly stats: RequestStats;
  readonly registry: string;
  private readonly transport: RegistryTransport;
  private readonly origin: string;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.origin = new URL(options.registry).origin;
    this.stats = options.stats ?? new RequestStats();
    const settings: HttpClientOptions = {
      tls: options.tls,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.deadlineMs,
      maxSockets: options.concurrency,
    };
    const send = options.http
      ? axiosRequester(options.http)
      : proxyConfigured()
        ? proxiedRequester(settings)
        : createRequester(settings);
    // Every attempt on the wire, retries included: attempts minus requests are the retries.
    const request: Requester = (r) => {
      this.stats.attempts++;
      return send(r);
    };
    this.transport = new RegistryTransport({
      registry: options.registry,
      credentials: options.credentials,
      concurrency: options.concurrency,
      request,
      stats: this.stats,
      policy: options.retryPolicy ?? defaultRetryPolicy,
      signal: options.signal,
    });
  }

  /**
   * GET /v2/: proves the URL is a registry that answers, and learns how it wants to be
   * authenticated before the parallel work starts (one 401 here instead of one per repository).
   */
  async probe(): Promise<void> {
    const res = await this.send(undefined, 'probe', 'GET', `${this.registry}/v2/`, 'checking the registry', {
      authenticate: false,
    });
    if (res.status === 200) return;
    if (res.status === 401) {
      this.transport.learn(res);
      return;
    }
    if (res.status === 404) {
      throw new InputError(`${this.registry} does not look like a Docker registry (GET /v2/ answered 404)`, {
        hint: 'check --registry: the base URL of the registry, without /v2',
      });
    }
    throw statusFailure(res.status, res.data, this.registry, 'checking the registry');
  }

  /** Every tag of the repository, following `Link: <…>; rel="next"` to the last page. */
  async listTags(repository: string): Promise<string[]> {
    const tags = new Set<string>();
    const seen = new Set<string>();
    let url = new URL(`${this.registry}/v2/${repository}/tags/list`);
    url.searchParams.set('n', String(TAG_PAGE_SIZE));
    const what = `listing the tags of ${repository}`;
    for (let page = 1; ; page++) {
      if (seen.has(url.href) || page > MAX_TAG_PAGES) {
        throw new UnavailableError(`${this.registry} keeps sending more tag pages for ${repository}`, {
          hint: `its Link headers go in a circle (${url.pathname}${url.search}); report it to the registry owner`,
        });
      }
      seen.add(url.href);
      const res = await this.send(repository, 'tag page', 'GET', url.href, what, {
        accept: 'application/json',
        maxBytes: MAX_TAG_PAGE_BYTES,
      });
      if (res.status === 404) {
        const detail = errorDetail(res.data);
        throw new InputError(
          `repository ${repository} not found on ${this.registry}${detail ? ` (${detail})` : ''}`,
          {
            hint: 'check the name in --repo; a registry may also answer 404 when the account may not read it',
          },
        );
      }
      if (res.status !== 200) throw statusFailure(res.status, res.data, this.registry, what, repository);
      for (const tag of parseTagPage(res.data, this.registry, repository)) {
        tags.add(tag);
        if (tags.size > MAX_TAGS_PER_REPOSITORY) throw this.tooManyTags(repository);
      }

      let next: URL | undefined;
      try {
        next = nextPageUrl(res.headers.link as string | undefined, url.href);
      } catch {
        throw new UnavailableError(`${this.registry} sent an unreadable next-page link for ${repository}`, {
          hint: String(res.headers.link),
        });
      }
      if (!next) break;
      if (next.origin !== this.origin) {
        // Following it would send our credentials wherever the answer points (SSRF).
        throw new UnavailableError(
          `${this.registry} sent a next-page link for ${repository} to another origin (${next.origin}); refusing to follow it`,
          { hint: 'a proxy in front of the registry may rewrite links; use the URL that clients should use' },
        );
      }
      url = next;
    }
    return [...tags];
  }

  /** The digest a tag points at now, without the body; undefined when the registry does not say. */
  async headManifest(repository: string, reference: string): Promise<{ found: boolean; digest?: string }> {
    const what = `checking ${repository}:${reference}`;
    const res = await this.send(
      repository,
      'manifest HEAD',
      'HEAD',
      this.manifestUrl(repository, reference),
      what,
      {
        accept: MANIFEST_ACCEPT,
      },
    );
    if (res.status === 404) return { found: false };
    if (res.status !== 200) throw statusFailure(res.status, res.data, this.registry, what, repository);
    const digest = res.headers['docker-content-digest'];
    return typeof digest === 'string' && DIGEST.test(digest) ? { found: true, digest } : { found: true };
  }

  /** A manifest by tag or digest; undefined when the registry does not know it (404). */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    const what = `reading ${repository}:${reference}`;
    const res = await this.send(
      repository,
      'manifest GET',
      'GET',
      this.manifestUrl(repository, reference),
      what,
      {
        accept: MANIFEST_ACCEPT,
        maxBytes: MAX_MANIFEST_BYTES,
      },
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw statusFailure(res.status, res.data, this.registry, what, repository);
    const body = res.data;
    const manifest = parseManifest(body, res.headers['content-type']);
    const schema1 = manifest.ok && manifest.value.kind === 'schema1';
    const header = res.headers['docker-content-digest'];
    const claimed = reference.includes(':')
      ? reference
      : typeof header === 'string' && DIGEST.test(header)
        ? header
        : undefined;
    if (claimed === undefined) {
      // Content addressed all the same: the digest is what the body hashes to. (Schema1 without
      // a header is left undated, as before: registries that still serve it always send one.)
      return { digest: schema1 ? undefined : sha256Digest(body), manifest };
    }
    if (!matchesDigest(digestedBytes(body, manifest), claimed)) {
      throw this.corrupt(`a manifest for ${repository}:${reference}`, claimed);
    }
    return { digest: claimed, manifest };
  }

  /** A blob (an image config) by digest, checked against it; undefined on 404. */
  async getBlob(repository: string, digest: string): Promise<Buffer | undefined> {
    const what = `reading blob ${digest} of ${repository}`;
    const res = await this.send(
      repository,
      'blob GET',
      'GET',
      `${this.registry}/v2/${repository}/blobs/${digest}`,
      what,
      {
        maxBytes: MAX_CONFIG_BYTES,
      },
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw statusFailure(res.status, res.data, this.registry, what, repository);
    if (!matchesDigest(res.data, digest)) throw this.corrupt(`blob ${digest} of ${repository}`, digest);
    return res.data;
  }

  private manifestUrl(repository: string, reference: string): string {
    // Names go into the path as they are: their `/` is part of the route, not to be encoded.
    return `${this.registry}/v2/${repository}/manifests/${reference}`;
  }

  private send(
    repository: string | undefined,
    kind: RequestKind,
    method: 'GET' | 'HEAD',
    url: string,
    what: string,
    options: Partial<SendOptions> = {},
  ): Promise<Answer> {
    return this.transport.send(repository, kind, method, url, what, {
      maxBytes: MAX_MANIFEST_BYTES,
      ...options,
    });
  }

  private tooManyTags(repository: string): BadAnswerError {
    return new BadAnswerError(
      `${this.registry} listed more than ${MAX_TAGS_PER_REPOSITORY.toLocaleString('en-US')} tags for ${repository}, the most rollback reads for one repository`,
      {
        hint: 'no real repository has that many: its tag pages may never end; report it to the registry owner',
      },
    );
  }

  /** An answer that is not what its digest says: altered on the way, or a broken registry. */
  private corrupt(what: string, digest: string): BadAnswerError {
    return new BadAnswerError(
      `${this.registry} sent ${what} that does not match its digest ${digest}; nothing from it was used or cached`,
      {
        hint: 'something between here and the registry alters answers (a proxy?); use https, or report it to the registry owner',
      },
    );
  }
}

/**
 * Through HTTP(S)_PROXY with axios's proxy support, as the registry has always been read there;
 * loaded on first use, so that a read without a proxy never loads axios.
 */
function proxiedRequester(settings: HttpClientOptions): Requester {
  let send: Promise<Requester> | undefined;
  return async (request) => {
    send ??= import('../http/client').then(({ createHttpClient }) =>
      axiosRequester(createHttpClient(settings)),
    );
    return (await send)(request);
  };
}
