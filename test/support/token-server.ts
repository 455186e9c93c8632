import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { sendJson, startReverseProxy } from './reverse-proxy';

/**
 * Bearer-token auth the way Docker Hub, GHCR and distribution's `auth.token` do it, in front of a
 * real registry: a token service (its own origin, like auth.docker.io) hands out tokens for
 * `repository:NAME:pull`, and a gate in front of the registry lets through only requests carrying
 * a live token of the right scope, answering everything else with
 * `401 WWW-Authenticate: Bearer realm=…,service=…,scope=…`. distribution 2.8 has no token service
 * of its own; this gate is what a client sees either way.
 */
export interface TokenAuth {
  /** The registry as clients reach it (through the gate). */
  url: string;
  realm: string;
  service: string;
  /** Every token request: the scopes asked for and the user, if any. */
  tokenRequests: Array<{ scopes: string[]; user?: string }>;
  /** Every token handed out (secrets a client must never print). */
  issuedTokens: string[];
  /** Requests the gate refused with 401. */
  refused: number;
  /** Invalidate every token issued so far (the next use gets 401). */
  revokeAll(): void;
  stop(): Promise<void>;
}

export interface TokenAuthOptions {
  /** Users allowed to get tokens; without it, tokens are handed out anonymously. */
  users?: Record<string, string>;
  /** Name of the token field in the answer: distribution's `token` or OAuth2's `access_token`. */
  field?: 'token' | 'access_token';
  /** A token stops working after this many uses (forces a refresh mid-run). */
  usesPerToken?: number;
  /** The gate refuses every token (a client must give up after one refresh). */
  rejectTokens?: boolean;
  /** Credentials the gate uses towards an upstream that needs them. */
  upstreamBasic?: { user: string; password: string };
}

interface Issued {
  scopes: Set<string>;
  uses: number;
  revoked: boolean;
}

export async function startTokenAuth(upstream: string, options: TokenAuthOptions = {}): Promise<TokenAuth> {
  const service = 'test-registry';
  const tokens = new Map<string, Issued>();
  const tokenRequests: TokenAuth['tokenRequests'] = [];
  const issuedTokens: string[] = [];
  let refused = 0;

  const tokenServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token.test');
    if (url.pathname !== '/token') return sendJson(res, 404, { error: 'not found' });
    const scopes = url.searchParams.getAll('scope');
    let user: string | undefined;
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (!options.users || options.users[u ?? ''] !== rest.join(':')) {
        return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'wrong credentials' }] });
      }
      user = u;
    } else if (options.users) {
      return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'credentials required' }] });
    }
    tokenRequests.push({ scopes, ...(user ? { user } : {}) });
    if (url.searchParams.get('service') !== service) {
      return sendJson(res, 400, { errors: [{ code: 'UNSUPPORTED', message: 'unknown service' }] });
    }
    const token = randomBytes(24).toString('base64url');
    issuedTokens.push(token);
    tokens.set(token, { scopes: new Set(scopes), uses: 0, revoked: false });
    sendJson(res, 200, {
      [options.field ?? 'token']: token,
      expires_in: 300,
      issued_at: new Date().toISOString(),
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  const realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;

  const upstreamAuth = options.upstreamBasic
    ? {
        authorization: `Basic ${Buffer.from(`${options.upstreamBasic.user}:${options.upstreamBasic.password}`).toString('base64')}`,
      }
    : {};

  const gate = await startReverseProxy(upstream, (req, res, forward, self) => {
    const path = new URL(req.url ?? '/', self).pathname;
    const repo = /^\/v2\/(.+?)\/(?:tags\/list|manifests\/[^/]+|blobs\/[^/]+)$/.exec(path)?.[1];
    const scope = repo === undefined ? undefined : `repository:${repo}:pull`;
    const auth = req.headers.authorization ?? '';
    const issued = auth.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    const valid =
      issued !== undefined &&
      !issued.revoked &&
      !options.rejectTokens &&
      (scope === undefined || issued.scopes.has(scope)) &&
      (options.usesPerToken === undefined || issued.uses < options.usesPerToken);
    if (!valid) {
      refused++;
      const challenge = `Bearer realm="${realm}",service="${service}"${scope ? `,scope="${scope}"` : ''}`;
      return sendJson(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] },
        { 'WWW-Authenticate': challenge },
      );
    }
    issued.uses++;
    forward(upstreamAuth);
  });

  return {
    url: gate.url,
    realm,
    service,
    tokenRequests,
    issuedTokens,
    get refused() {
      return refused;
    },
    revokeAll: () => {
      for (const t of tokens.values()) t.revoked = true;
    },
    stop: async () => {
      await gate.stop();
      await new Promise<void>((resolve) => {
        tokenServer.closeAllConnections();
        tokenServer.close(() => resolve());
      });
    },
  };
}
